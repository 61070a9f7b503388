/*
 * test_render_seed.c: the seed tallies rendered for real from the embedded
 * boundaries, checked by looking inside the PNG, PDF and SVG.
 */
#include "gazetteer.h"
#include "layer.h"
#include "render_check.h"

#include <unistd.h>

typedef struct {
    const char *district;
    double value;
} tally_t;

static const tally_t tallies[] = {
    {"Mastung", 12}, {"Quetta", 10}, {"Bajaur", 36}, {"Peshawar", 19}};

/* Reads a PNG held in memory. */
typedef struct {
    const unsigned char *data;
    size_t len, at;
} png_buf_t;

static cairo_status_t png_buf_read(void *closure, unsigned char *out,
                                   unsigned int n)
{
    png_buf_t *b = closure;
    if (b->len - b->at < n)
        return CAIRO_STATUS_READ_ERROR;
    memcpy(out, b->data + b->at, n);
    b->at += n;
    return CAIRO_STATUS_SUCCESS;
}

static size_t polygon_of(const im_gazetteer_t *gaz, const im_layer_t *layer,
                         const char *name)
{
    im_match_t m;
    im_gazetteer_resolve(gaz, name, NULL, &m);
    CHECK(m.district_id != NULL, "gazetteer knows %s", name);
    size_t i = m.district_id ? im_layer_find_district(layer, m.district_id)
                             : (size_t)-1;
    CHECK(i != (size_t)-1, "a polygon for %s", name);
    return i;
}

int main(void)
{
    char tallies_path[1024], out[1024], cmd[4096], buf[65536];
    test_path(tallies_path, sizeof tallies_path,
              "data/incidents/seed-tallies.csv");
    im_ctx_t *ctx = im_ctx_new();
    char data[1024];
    im_ctx_set_data_dir(ctx, test_path(data, sizeof data, "data"));
    im_gazetteer_t *gaz = NULL;
    im_layer_t *layer = NULL;
    im_values_t *values = NULL;
    im_map_t *map = NULL;
    CHECK(im_gazetteer_open(ctx, NULL, &gaz) == IM_OK, "%s", im_ctx_errmsg(ctx));
    CHECK(im_layer_read(ctx, gaz, NULL, NULL, &layer) == IM_OK, "%s",
          im_ctx_errmsg(ctx));
    im_values_options_t vo = {NULL, NULL, "count", 0};
    CHECK(im_values_read_csv(ctx, gaz, layer, tallies_path, &vo, &values) ==
              IM_OK, "%s", im_ctx_errmsg(ctx));
    if (test_failures)
        TEST_DONE();

    /* Labels off: the fill under each label point is what is checked. */
    im_map_options_t mo = {.label_template = "", .title = "Seed tallies"};
    CHECK(im_map_new(ctx, layer, values, NULL, &mo, &map) == IM_OK, "%s",
          im_ctx_errmsg(ctx));
    snprintf(out, sizeof out, "%s/seed-nolabels.png", test_tmpdir());
    CHECK(im_map_write(map, out) == IM_OK, "%s", im_ctx_errmsg(ctx));

    double darkest = 2, bajaur_lum = 0;
    for (size_t k = 0; k < sizeof tallies / sizeof tallies[0]; k++) {
        size_t i = polygon_of(gaz, layer, tallies[k].district);
        if (i == (size_t)-1)
            continue;
        double v;
        CHECK(im_values_get(values, i, &v) && v == tallies[k].value,
              "%s has value %g", tallies[k].district, tallies[k].value);
        double lon, lat, x, y;
        im_layer_label_point(layer, i, &lon, &lat);
        im_map_lonlat_to_px(map, lon, lat, &x, &y);
        im_rgb_t got = png_pixel(out, x, y);
        im_rgb_t want = im_map_fill_for_value(map, true, tallies[k].value);
        CHECK(rgb_distance(got, want) < 0.03,
              "%s at (%.0f, %.0f): got %.3f %.3f %.3f, want class colour "
              "%.3f %.3f %.3f",
              tallies[k].district, x, y, got.r, got.g, got.b, want.r, want.g,
              want.b);
        if (!strcmp(tallies[k].district, "Bajaur"))
            bajaur_lum = luminance(got);
        else
            darkest = fmin(darkest, luminance(got));
    }
    CHECK(bajaur_lum < darkest, "Bajaur (36) is the darkest: %.3f vs %.3f",
          bajaur_lum, darkest);

    /* A district with no recorded attack has the no-record fill, which
     * must be far from the lowest class's colour. */
    im_rgb_t none = im_map_fill_for_value(map, false, 0);
    const im_classes_t *cls = im_map_classes(map);
    im_rgb_t lowest = im_map_fill_for_value(map, true, cls->lo[0]);
    CHECK(rgb_distance(none, lowest) > 0.3, "no-record vs lowest class: %.3f",
          rgb_distance(none, lowest));
    const char *quiet[] = {"Awaran", "Kohlu", "Tharparkar", "Chitral"};
    for (size_t k = 0; k < 4; k++) {
        size_t i = polygon_of(gaz, layer, quiet[k]);
        if (i == (size_t)-1)
            continue;
        double lon, lat, x, y;
        im_layer_label_point(layer, i, &lon, &lat);
        im_map_lonlat_to_px(map, lon, lat, &x, &y);
        im_rgb_t got = png_pixel(out, x, y);
        CHECK(rgb_distance(got, none) < 0.03,
              "%s has the no-record colour: got %.3f %.3f %.3f", quiet[k],
              got.r, got.g, got.b);
    }
    /* Punjab is context: grey, neither no-record nor a class colour. */
    size_t lahore = polygon_of(gaz, layer, "Lahore");
    if (lahore != (size_t)-1) {
        double lon, lat, x, y;
        im_layer_label_point(layer, lahore, &lon, &lat);
        im_map_lonlat_to_px(map, lon, lat, &x, &y);
        im_rgb_t got = png_pixel(out, x, y);
        CHECK(got.r >= 0 && rgb_distance(got, none) > 0.05,
              "Lahore drawn as context");
    }
    im_map_free(map);

    /* With labels, as PDF and SVG. */
    mo.label_template = NULL;
    CHECK(im_map_new(ctx, layer, values, NULL, &mo, &map) == IM_OK, "%s",
          im_ctx_errmsg(ctx));
    snprintf(out, sizeof out, "%s/seed.pdf", test_tmpdir());
    CHECK(im_map_write(map, out) == IM_OK, "%s", im_ctx_errmsg(ctx));
    CHECK(im_map_labels_dropped(map) == 0, "no label dropped (%d)",
          im_map_labels_dropped(map));
    snprintf(cmd, sizeof cmd, "pdftotext -layout '%s' -", out);
    command_output(cmd, buf, sizeof buf);
    const char *labels[] = {"Mastung 12", "Quetta 10", "Bajaur 36",
                            "Peshawar 19", "Seed tallies"};
    for (size_t k = 0; k < 5; k++)
        CHECK(strstr(buf, labels[k]) != NULL, "PDF text has '%s'", labels[k]);
    snprintf(cmd, sizeof cmd, "pdffonts '%s'", out);
    command_output(cmd, buf, sizeof buf);
    /* pdffonts prints a row of dashes under its header; the fourth run of
     * dashes marks the "emb" column, which must read "yes" for every font. */
    int fonts = 0, embedded = 0;
    long emb_col = -1;
    for (char *line = strtok(buf, "\n"); line; line = strtok(NULL, "\n")) {
        if (!strncmp(line, "----", 4)) {
            int runs = 0;
            for (char *p = line; *p; p++)
                if (*p == '-' && (p == line || p[-1] == ' ') && ++runs == 4)
                    emb_col = p - line;
            continue;
        }
        if (emb_col < 0 || (long)strlen(line) < emb_col + 3)
            continue;
        fonts++;
        embedded += !strncmp(line + emb_col, "yes", 3);
    }
    CHECK(fonts > 0 && embedded == fonts, "all %d PDF fonts embedded (%d)",
          fonts, embedded);

    snprintf(out, sizeof out, "%s/seed.svg", test_tmpdir());
    CHECK(im_map_write(map, out) == IM_OK, "%s", im_ctx_errmsg(ctx));
    snprintf(cmd, sizeof cmd, "xmllint --noout '%s' 2>&1 && echo valid", out);
    command_output(cmd, buf, sizeof buf);
    CHECK(strstr(buf, "valid") != NULL, "SVG is well-formed XML: %s", buf);
    snprintf(cmd, sizeof cmd, "xmllint --xpath 'string(//*[local-name()=\"desc\"])' '%s'", out);
    command_output(cmd, buf, sizeof buf);
    for (size_t k = 0; k < 4; k++)
        CHECK(strstr(buf, labels[k]) != NULL, "SVG text has '%s': %s",
              labels[k], buf);
    snprintf(cmd, sizeof cmd, "xmllint --xpath 'string(//*[local-name()=\"title\"])' '%s'", out);
    command_output(cmd, buf, sizeof buf);
    CHECK(strstr(buf, "Seed tallies") != NULL, "SVG title: %s", buf);
    /* Text as <text> elements, selectable and searchable. */
    for (size_t k = 0; k < 4; k++) {
        snprintf(cmd, sizeof cmd,
                 "xmllint --xpath 'count(//*[local-name()=\"text\"][.=\"%s\"])' '%s'",
                 labels[k], out);
        command_output(cmd, buf, sizeof buf);
        CHECK(atoi(buf) == 1, "one <text> element '%s' in the SVG (%s)",
              labels[k], buf);
    }
    snprintf(cmd, sizeof cmd, "grep -c '<path' '%s'", out);
    command_output(cmd, buf, sizeof buf);
    CHECK(atoi(buf) > 100, "SVG has the district paths (%s)", buf);

    /* The same map in memory is byte for byte the file (PNG: Cairo
     * numbers SVG and PDF objects with process-wide counters, so only
     * separate processes give identical vector files). */
    unsigned char *mem = NULL;
    size_t mem_len = 0;
    snprintf(out, sizeof out, "%s/seed-buffer.png", test_tmpdir());
    CHECK(im_map_write(map, out) == IM_OK, "%s", im_ctx_errmsg(ctx));
    CHECK(im_map_write_buffer(map, "png", &mem, &mem_len) == IM_OK, "%s",
          im_ctx_errmsg(ctx));
    FILE *svgf = fopen(out, "rb");
    size_t file_len = 0;
    unsigned char *file_data = malloc(mem_len + 1);
    if (svgf && file_data) {
        file_len = fread(file_data, 1, mem_len + 1, svgf);
        fclose(svgf);
    }
    CHECK(file_len == mem_len && mem && !memcmp(mem, file_data, mem_len),
          "buffer (%zu bytes) equals the file (%zu bytes)", mem_len, file_len);
    free(file_data);
    free(mem);
    CHECK(im_map_write_buffer(map, "gif", &mem, &mem_len) == IM_ERR_ARG,
          "unknown buffer format");

    im_map_free(map);
    map = NULL;

    /* At every preset size, from a slide to A4 at 300 dpi: all four
     * tallies labelled, no two label boxes overlapping, none over the
     * legend. */
    const int sizes[][2] = {{1920, 1080}, {1080, 1080}, {2480, 3508},
                            {595, 842}, {800, 600}};
    for (size_t k = 0; k < sizeof sizes / sizeof sizes[0]; k++) {
        im_map_options_t po = {.width_px = sizes[k][0], .height_px = sizes[k][1],
                               .title = "Seed tallies"};
        im_map_t *pm = NULL;
        CHECK(im_map_new(ctx, layer, values, NULL, &po, &pm) == IM_OK, "%s",
              im_ctx_errmsg(ctx));
        if (!pm)
            continue;
        unsigned char *png = NULL;
        size_t png_len = 0;
        CHECK(im_map_write_buffer(pm, "png", &png, &png_len) == IM_OK, "%s",
              im_ctx_errmsg(ctx));
        size_t nl = im_map_label_count(pm);
        /* The labels' halo: over the dark fill of Bajaur (36), part of
         * its label's box is halo white, where the same map without
         * labels has the fill (Bajaur's label lies partly over it). */
        if (sizes[k][0] == 2480 && nl > 0) {
            im_map_options_t bo = po;
            bo.label_template = "";
            im_map_t *bm = NULL;
            unsigned char *bare = NULL;
            size_t bare_len = 0;
            CHECK(im_map_new(ctx, layer, values, NULL, &bo, &bm) == IM_OK &&
                      im_map_write_buffer(bm, "png", &bare, &bare_len) == IM_OK,
                  "%s", im_ctx_errmsg(ctx));
            png_buf_t pa = {png, png_len, 0}, pb = {bare, bare_len, 0};
            cairo_surface_t *with =
                cairo_image_surface_create_from_png_stream(png_buf_read, &pa);
            cairo_surface_t *without =
                cairo_image_surface_create_from_png_stream(png_buf_read, &pb);
            cairo_surface_flush(with);
            cairo_surface_flush(without);
            im_rgb_t dark = im_map_fill_for_value(pm, true, 36);
            im_rgb_t white = {1, 1, 1};
            double bx, by, bw, bh;
            im_map_label_box(pm, 0, &bx, &by, &bw, &bh);
            int over = 0, halo = 0;
            for (double y = floor(by); y < by + bh; y++)
                for (double x = floor(bx); x < bx + bw; x++) {
                    im_rgb_t under = surface_pixel(without, x, y);
                    im_rgb_t got = surface_pixel(with, x, y);
                    if (rgb_distance(under, dark) < 0.05) {
                        over++;
                        halo += rgb_distance(got, white) < 0.05;
                    }
                }
            CHECK(over > 1000 && halo > over / 10,
                  "halo over the dark fill: %d of %d pixels", halo, over);
            cairo_surface_destroy(with);
            cairo_surface_destroy(without);
            free(bare);
            im_map_free(bm);
        }
        free(png);
        CHECK(nl == 4 && im_map_labels_dropped(pm) == 0,
              "%dx%d: %zu labels, %d dropped", sizes[k][0], sizes[k][1], nl,
              im_map_labels_dropped(pm));
        for (size_t a = 0; a <= nl; a++)
            for (size_t b = a + 1; b <= nl; b++) {
                double ax, ay, aw, ah, bx, by, bw, bh;
                im_map_label_box(pm, a, &ax, &ay, &aw, &ah);
                im_map_label_box(pm, b, &bx, &by, &bw, &bh);
                CHECK(ax + aw <= bx || bx + bw <= ax || ay + ah <= by ||
                          by + bh <= ay,
                      "%dx%d: boxes %zu and %zu overlap", sizes[k][0],
                      sizes[k][1], a, b);
            }
        im_map_free(pm);
    }
    /* Every district of the three provinces with a value, on a small
     * page: labels shrink, move or get leader lines, and whatever cannot
     * be placed is counted as dropped; none overlap. */
    {
        char dense[1024];
        snprintf(dense, sizeof dense, "%s/dense.csv", test_tmpdir());
        FILE *f = fopen(dense, "w");
        fputs("district,count\n", f);
        int wanted = 0;
        for (size_t i = 0; i < im_layer_count(layer); i++) {
            const char *p = im_layer_province(layer, i);
            const char *id = im_layer_district_id(layer, i);
            if (p && id && (!strcmp(p, "Balochistan") || !strcmp(p, "Sindh") ||
                            !strcmp(p, "Khyber Pakhtunkhwa"))) {
                const char *name;
                im_gazetteer_district(gaz, id, &name, NULL);
                fprintf(f, "\"%s\",%zu\n", name, i + 1);
                wanted++;
            }
        }
        fclose(f);
        im_values_t *dv = NULL;
        im_map_t *dm = NULL;
        CHECK(im_values_read_csv(ctx, gaz, layer, dense, &vo, &dv) == IM_OK,
              "%s", im_ctx_errmsg(ctx));
        im_map_options_t dopt = {.width_px = 800, .height_px = 600};
        if (dv)
            CHECK(im_map_new(ctx, layer, dv, NULL, &dopt, &dm) == IM_OK, "%s",
                  im_ctx_errmsg(ctx));
        unsigned char *png = NULL;
        size_t png_len = 0;
        if (dm)
            CHECK(im_map_write_buffer(dm, "png", &png, &png_len) == IM_OK, "%s",
                  im_ctx_errmsg(ctx));
        free(png);
        size_t nl = dm ? im_map_label_count(dm) : 0;
        CHECK(dm && (int)nl + im_map_labels_dropped(dm) == wanted,
              "%zu placed + %d dropped = %d districts", nl,
              dm ? im_map_labels_dropped(dm) : -1, wanted);
        CHECK(nl > (size_t)wanted / 2, "most labels placed: %zu of %d", nl, wanted);
        for (size_t a = 0; a <= nl; a++)
            for (size_t b = a + 1; b <= nl; b++) {
                double ax, ay, aw, ah, bx, by, bw, bh;
                im_map_label_box(dm, a, &ax, &ay, &aw, &ah);
                im_map_label_box(dm, b, &bx, &by, &bw, &bh);
                CHECK(ax + aw <= bx || bx + bw <= ax || ay + ah <= by ||
                          by + bh <= ay,
                      "dense: boxes %zu and %zu overlap", a, b);
            }
        /* Leaders: none runs through another label (checked every
         * tenth of a pixel along it) or crosses another leader. */
        size_t nleaders = 0;
        for (size_t a = 0; a < nl; a++) {
            double x0, y0, x1, y1;
            if (!im_map_label_leader(dm, a, &x0, &y0, &x1, &y1))
                continue;
            nleaders++;
            double len = hypot(x1 - x0, y1 - y0);
            for (size_t b = 0; b <= nl; b++) {
                double bx, by, bw, bh;
                im_map_label_box(dm, b, &bx, &by, &bw, &bh);
                int inside = 0;
                for (double t = 0; b != a && t <= 1; t += 0.1 / (len + 1)) {
                    double x = x0 + t * (x1 - x0), y = y0 + t * (y1 - y0);
                    inside += x > bx + 0.5 && x < bx + bw - 0.5 &&
                              y > by + 0.5 && y < by + bh - 0.5;
                }
                CHECK(inside == 0, "dense: leader of label %zu runs through "
                      "box %zu", a, b);
                double u0, v0, u1, v1;
                if (b >= nl || b <= a ||
                    !im_map_label_leader(dm, b, &u0, &v0, &u1, &v1))
                    continue;
                double d1 = (u1 - u0) * (y0 - v0) - (v1 - v0) * (x0 - u0);
                double d2 = (u1 - u0) * (y1 - v0) - (v1 - v0) * (x1 - u0);
                double d3 = (x1 - x0) * (v0 - y0) - (y1 - y0) * (u0 - x0);
                double d4 = (x1 - x0) * (v1 - y0) - (y1 - y0) * (u1 - x0);
                CHECK(!(d1 * d2 < 0 && d3 * d4 < 0),
                      "dense: leaders of labels %zu and %zu cross", a, b);
            }
        }
        CHECK(nleaders > 0, "dense: some labels have leaders");
        im_map_free(dm);
        im_values_free(dv);
    }
    /* The locator inset: left out of a map of the three provinces, which
     * shows nearly the whole country; drawn, with its red frame, on a map
     * of Sindh alone. */
    {
        static const char *const sindh[] = {"Sindh", NULL};
        im_map_options_t io = {.label_template = "", .palette = "Blues"};
        for (int k = 0; k < 2; k++) {
            io.provinces = k ? sindh : NULL;
            im_map_t *im = NULL;
            snprintf(out, sizeof out, "%s/inset-%d.png", test_tmpdir(), k);
            CHECK(im_map_new(ctx, layer, values, NULL, &io, &im) == IM_OK &&
                      im_map_write(im, out) == IM_OK,
                  "%s", im_ctx_errmsg(ctx));
            im_map_free(im);
            cairo_surface_t *png = png_load(out);
            CHECK(png != NULL, "%s readable", out);
            if (!png)
                continue;
            int w = cairo_image_surface_get_width(png);
            int h = cairo_image_surface_get_height(png);
            size_t red = 0;
            const im_rgb_t frame = {0.80, 0.10, 0.10};
            for (int y = 0; y < h; y++)
                for (int x = 0; x < w; x++)
                    red += rgb_distance(surface_pixel(png, x, y),
                                        frame) < 0.1;
            cairo_surface_destroy(png);
            if (k)
                CHECK(red > 300, "Sindh: the inset's frame drawn (%zu px)", red);
            else
                CHECK(red == 0, "three provinces: no inset (%zu red px)", red);
        }
    }

    CHECK(im_map_new(ctx, layer, values, NULL, &mo, &map) == IM_OK, "%s",
          im_ctx_errmsg(ctx));

    /* An unknown extension fails and leaves nothing behind. */
    snprintf(out, sizeof out, "%s/seed.bmp", test_tmpdir());
    CHECK(im_map_write(map, out) == IM_ERR_ARG, "bmp refused");
    CHECK(access(out, F_OK) != 0, "no file left");

    im_map_free(map);
    im_values_free(values);
    im_layer_free(layer);
    im_gazetteer_free(gaz);
    im_ctx_free(ctx);
    TEST_DONE();
}
