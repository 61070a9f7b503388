/*
 * fuzz_style.c: the style-file parser on arbitrary bytes, read from
 * memory through im_style_read.  An accepted style must hold values the
 * renderer can use (colours in 0..1, sizes in (0, 200], 2 to 9 ramp and
 * point colours, a terminated font name); a refused one must say where.
 */
#include "fuzz.h"
#include "style.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static bool colour_ok(im_rgb_t c)
{
    return c.r >= 0 && c.r <= 1 && c.g >= 0 && c.g <= 1 && c.b >= 0 &&
           c.b <= 1;
}

static bool size_ok(double v) { return v > 0 && v <= 200; }

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    /* fmemopen wants a buffer of at least one byte; an empty file is an
     * empty buffer read to its end. */
    char *copy = fuzz_string(data, size);
    FILE *f = fmemopen(copy, size ? size : 1, "r");
    if (!f)
        abort();
    if (!size)
        fgetc(f);
    im_ctx_t *ctx = im_ctx_new();
    im_style_t *style;
    im_status_t st = im_style_read(ctx, f, "fuzz.style", &style);
    fclose(f);
    if (st) {
        if (style || !strstr(im_ctx_errmsg(ctx), "fuzz.style:")) {
            fprintf(stderr, "failure without file and line: %s\n",
                    im_ctx_errmsg(ctx));
            abort();
        }
    } else {
        im_style_values_t v;
        im_style_values(style, &v);
        const im_rgb_t *c[] = {&v.background, &v.water, &v.neighbour_fill,
                               &v.land_context, &v.line_context, &v.no_record,
                               &v.line_district, &v.line_province, &v.text,
                               &v.halo, &v.muted_text};
        bool ok = v.nramp >= 2 && v.nramp <= IM_STYLE_MAX_RAMP &&
                  v.npoints >= 2 && v.npoints <= IM_STYLE_MAX_RAMP &&
                  memchr(v.font, '\0', sizeof v.font) && v.font[0] &&
                  size_ok(v.title_pt) && size_ok(v.subtitle_pt) &&
                  size_ok(v.label_pt) && size_ok(v.legend_pt) &&
                  size_ok(v.source_pt) && size_ok(v.district_line_pt) &&
                  size_ok(v.province_line_pt);
        for (size_t i = 0; ok && i < sizeof c / sizeof c[0]; i++)
            ok = colour_ok(*c[i]);
        for (int i = 0; ok && i < v.nramp; i++)
            ok = colour_ok(v.ramp[i]);
        for (int i = 0; ok && i < v.npoints; i++)
            ok = colour_ok(v.points[i]);
        if (!ok) {
            fprintf(stderr, "accepted a style the renderer cannot use\n");
            abort();
        }
        im_style_free(style);
    }
    im_ctx_free(ctx);
    free(copy);
    return 0;
}
