/*
 * style.c: style files.  A style is a list of "key = value" lines; '#'
 * starts a comment.  Keys are fixed (see styles/README.md) so that a typo
 * is an error rather than a silently ignored setting.
 */
#include "style.h"
#include "context.h"

#include <pango/pangocairo.h>

#include <ctype.h>
#include <errno.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

struct im_style {
    im_style_values_t v;
};

static im_rgb_t hex(unsigned x)
{
    return (im_rgb_t){((x >> 16) & 255) / 255.0, ((x >> 8) & 255) / 255.0,
                      (x & 255) / 255.0};
}

/* The defaults: ColorBrewer YlOrRd without its palest step, so that the
 * lowest class stays distinct from the near-white "no recorded incident"
 * fill; greys for the context that recede behind the data. */
static void defaults(im_style_values_t *v)
{
    memset(v, 0, sizeof *v);
    v->background = hex(0xffffff);
    v->land_context = hex(0xe4e4e0);
    v->neighbour_fill = hex(0xefefec);
    v->water = hex(0xe6eff5);
    v->line_context = hex(0xffffff);
    v->no_record = hex(0xf7f7f4);
    v->line_district = hex(0x8c8c8c);
    v->line_province = hex(0x404040);
    v->text = hex(0x1a1a1a);
    v->halo = hex(0xffffff);
    v->muted_text = hex(0x666666);
    static const unsigned ramp[] = {0xfed976, 0xfeb24c, 0xfd8d3c, 0xf03b20,
                                    0xbd0026};
    v->nramp = 5;
    for (int i = 0; i < 5; i++)
        v->ramp[i] = hex(ramp[i]);
    /* ColorBrewer Dark2: qualitative and colour-blind tolerant. */
    static const unsigned pts[] = {0xd95f02, 0x7570b3, 0x1b9e77, 0xe7298a,
                                   0x66a61e, 0xe6ab02, 0xa6761d, 0x666666};
    v->npoints = 8;
    for (int i = 0; i < 8; i++)
        v->points[i] = hex(pts[i]);
    snprintf(v->font, sizeof v->font, "%s", "DejaVu Sans");
    v->title_pt = 22;
    v->subtitle_pt = 13;
    v->label_pt = 9;
    v->legend_pt = 10;
    v->source_pt = 8;
    v->district_line_pt = 0.4;
    v->province_line_pt = 1.4;
}

void im_style_values(const im_style_t *style, im_style_values_t *out)
{
    if (style)
        *out = style->v;
    else
        defaults(out);
}

static int parse_colour(const char *s, im_rgb_t *out)
{
    unsigned x;
    char extra;
    if (s[0] != '#' || strlen(s) != 7 || sscanf(s + 1, "%6x%c", &x, &extra) != 1)
        return -1;
    for (int i = 1; i < 7; i++)
        if (!isxdigit((unsigned char)s[i]))
            return -1;
    *out = hex(x);
    return 0;
}

static int parse_colours(char *s, im_rgb_t *out, int *n)
{
    int k = 0;
    for (char *save = NULL, *t = strtok_r(s, ", ", &save); t;
         t = strtok_r(NULL, ", ", &save)) {
        if (k == IM_STYLE_MAX_RAMP || parse_colour(t, &out[k]))
            return -1;
        k++;
    }
    if (k < 2)
        return -1;
    *n = k;
    return 0;
}

static int parse_pt(const char *s, double *out)
{
    char *end;
    double v = strtod(s, &end);
    if (!*s || *end || !(v > 0 && v <= 200))
        return -1;
    *out = v;
    return 0;
}

enum kind { COLOUR, COLOURS, SIZE, FONT };
static const struct {
    const char *key;
    enum kind kind;
    size_t off;
} keys[] = {
#define F(k, kind, m) {k, kind, offsetof(im_style_values_t, m)}
    F("background", COLOUR, background),
    F("context-fill", COLOUR, land_context),
    F("neighbour-fill", COLOUR, neighbour_fill),
    F("water", COLOUR, water),
    F("context-line", COLOUR, line_context),
    F("no-record-fill", COLOUR, no_record),
    F("district-line", COLOUR, line_district),
    F("province-line", COLOUR, line_province),
    F("text", COLOUR, text),
    F("halo", COLOUR, halo),
    F("muted-text", COLOUR, muted_text),
    F("ramp", COLOURS, ramp),
    F("point-colours", COLOURS, points),
    F("font", FONT, font),
    F("title-size", SIZE, title_pt),
    F("subtitle-size", SIZE, subtitle_pt),
    F("label-size", SIZE, label_pt),
    F("legend-size", SIZE, legend_pt),
    F("source-size", SIZE, source_pt),
    F("district-line-width", SIZE, district_line_pt),
    F("province-line-width", SIZE, province_line_pt),
#undef F
};

static char *strip(char *s);

/* Pango takes a comma-separated list of families and falls back without
 * a word when none is installed, so the map would come out in another
 * font than the style asks for; the analyst is told which. */
static void check_font(im_ctx_t *ctx, const char *path, long line,
                       const char *font)
{
    PangoFontMap *fm = pango_cairo_font_map_get_default();
    PangoFontFamily **fam = NULL;
    int nfam = 0;
    pango_font_map_list_families(fm, &fam, &nfam);
    char want[sizeof ((im_style_values_t *)0)->font];
    snprintf(want, sizeof want, "%s", font);
    bool found = false;
    for (char *save = NULL, *t = strtok_r(want, ",", &save); t && !found;
         t = strtok_r(NULL, ",", &save)) {
        t = strip(t);
        for (int i = 0; i < nfam && !found; i++)
            found = strcasecmp(pango_font_family_get_name(fam[i]), t) == 0;
    }
    g_free(fam);
    if (found)
        return;
    PangoContext *pc = pango_font_map_create_context(fm);
    PangoFontDescription *fd = pango_font_description_from_string(font);
    PangoFont *f = pango_font_map_load_font(fm, pc, fd);
    PangoFontDescription *got = f ? pango_font_describe(f) : NULL;
    const char *family = got ? pango_font_description_get_family(got) : NULL;
    im_warn(ctx, "%s:%ld: font: '%s' is not installed; text falls back to "
                 "'%s'",
            path, line, font, family ? family : "the default font");
    pango_font_description_free(got);
    if (f)
        g_object_unref(f);
    pango_font_description_free(fd);
    g_object_unref(pc);
}

static char *strip(char *s)
{
    while (isspace((unsigned char)*s))
        s++;
    size_t n = strlen(s);
    while (n && isspace((unsigned char)s[n - 1]))
        s[--n] = '\0';
    return s;
}

static im_status_t apply(im_ctx_t *ctx, im_style_values_t *v,
                         const char *path, long line, char *key, char *val)
{
    for (size_t i = 0; i < sizeof keys / sizeof keys[0]; i++) {
        if (strcmp(keys[i].key, key))
            continue;
        char *field = (char *)v + keys[i].off;
        int bad = 0;
        switch (keys[i].kind) {
        case COLOUR: bad = parse_colour(val, (im_rgb_t *)field); break;
        case SIZE: bad = parse_pt(val, (double *)field); break;
        case FONT:
            bad = !*val || strlen(val) >= sizeof v->font;
            if (!bad) {
                snprintf(v->font, sizeof v->font, "%s", val);
                check_font(ctx, path, line, val);
            }
            break;
        case COLOURS: {
            /* Parsed from a copy: strtok_r would cut the value that an
             * error message quotes. */
            char copy[1024];
            bad = strlen(val) >= sizeof copy;
            if (!bad) {
                snprintf(copy, sizeof copy, "%s", val);
                bad = parse_colours(copy, (im_rgb_t *)field,
                                    field == (char *)v->ramp ? &v->nramp
                                                             : &v->npoints);
            }
            if (bad)
                return im_error(ctx, IM_ERR_PARSE,
                                "%s:%ld: %s: bad value '%.200s' (2 to %d "
                                "colours #rrggbb)",
                                path, line, key, val, IM_STYLE_MAX_RAMP);
            break;
        }
        }
        if (bad)
            return im_error(ctx, IM_ERR_PARSE, "%s:%ld: %s: bad value '%s'",
                            path, line, key, val);
        return IM_OK;
    }
    return im_error(ctx, IM_ERR_PARSE, "%s:%ld: %s: unknown key", path, line,
                    key);
}

im_status_t im_style_load(im_ctx_t *ctx, const char *name, im_style_t **out)
{
    *out = NULL;
    char path[4096];
    if (strchr(name, '/') || strstr(name, ".style"))
        snprintf(path, sizeof path, "%s", name);
    else
        snprintf(path, sizeof path, "%s/../styles/%s.style",
                 im_ctx_data_dir(ctx), name);
    FILE *f = fopen(path, "r");
    if (!f)
        return im_error(ctx, IM_ERR_IO, "cannot open style '%s': %s", path,
                        strerror(errno));
    im_status_t st = im_style_read(ctx, f, path, out);
    fclose(f);
    return st;
}

im_status_t im_style_read(im_ctx_t *ctx, FILE *f, const char *path,
                          im_style_t **out)
{
    *out = NULL;
    im_style_t *s = calloc(1, sizeof *s);
    if (!s)
        return im_error(ctx, IM_ERR_NOMEM, "out of memory");
    defaults(&s->v);
    char *buf = NULL;
    size_t cap = 0;
    ssize_t len;
    long line = 0;
    im_status_t st = IM_OK;
    while (!st && (len = getline(&buf, &cap, f)) >= 0) {
        line++;
        /* A NUL would end the line early and hide the rest of it. */
        if (memchr(buf, '\0', (size_t)len)) {
            st = im_error(ctx, IM_ERR_PARSE,
                          "%s:%ld: not text (a NUL byte)", path, line);
            break;
        }
        /* '#' also starts a colour: before the '=' it is a comment. */
        char *hash = strchr(buf, '#');
        char *eq = strchr(buf, '=');
        if (hash && (!eq || hash < eq)) {
            *hash = '\0';
            eq = NULL; /* any '=' was in the comment */
        }
        char *t = strip(buf);
        if (!*t)
            continue;
        if (!eq || eq < t) {
            st = im_error(ctx, IM_ERR_PARSE,
                          "%s:%ld: %.60s: expected 'key = value'", path, line,
                          t);
            break;
        }
        *eq = '\0';
        if (!*strip(t)) {
            st = im_error(ctx, IM_ERR_PARSE, "%s:%ld: no key before '='",
                          path, line);
            break;
        }
        /* After a value, "# " starts a comment; "#fed976" is a colour. */
        char *val = eq + 1;
        for (char *c = strchr(val, '#'); c; c = strchr(c + 1, '#'))
            if (c[1] == ' ' || c[1] == '\t' || c[1] == '\n' || c[1] == '\0') {
                *c = '\0';
                break;
            }
        st = apply(ctx, &s->v, path, line, strip(t), strip(val));
    }
    free(buf);
    if (st) {
        free(s);
        return st;
    }
    *out = s;
    return IM_OK;
}

void im_style_free(im_style_t *s) { free(s); }

im_status_t im_palette_load(im_ctx_t *ctx, const char *name, im_rgb_t *out,
                            int *out_n)
{
    char path[4096];
    snprintf(path, sizeof path, "%s/../styles/palettes.csv", im_ctx_data_dir(ctx));
    FILE *f = fopen(path, "r");
    if (!f)
        return im_error(ctx, IM_ERR_IO, "cannot open palettes '%s': %s", path,
                        strerror(errno));
    char line[512], known[512] = "";
    im_status_t st = IM_ERR_ARG;
    while (fgets(line, sizeof line, f)) {
        char *kind = strchr(line, ','), *cols = kind ? strchr(kind + 1, ',') : NULL;
        if (!cols)
            continue;
        *kind++ = '\0';
        *cols++ = '\0';
        if (strcmp(line, "name") && strlen(known) + strlen(line) + 3 < sizeof known) {
            strcat(known, known[0] ? ", " : "");
            strcat(known, line);
        }
        if (strcasecmp(line, name))
            continue;
        im_rgb_t all[IM_STYLE_MAX_RAMP];
        int k = 0;
        for (char *save = NULL, *t = strtok_r(cols, " \r\n", &save);
             t && k < IM_STYLE_MAX_RAMP; t = strtok_r(NULL, " \r\n", &save))
            if (parse_colour(t, &all[k]) == 0)
                k++;
        /* Sequential schemes lose their palest step, which would not
         * stand apart from the no-record fill. */
        int first = strcmp(kind, "sequential") == 0 ? 1 : 0;
        for (int c = first; c < k; c++)
            out[c - first] = all[c];
        *out_n = k - first;
        st = IM_OK;
        break;
    }
    fclose(f);
    if (st)
        return im_error(ctx, IM_ERR_ARG, "unknown palette '%s' (known: %s)", name,
                        known);
    return IM_OK;
}
