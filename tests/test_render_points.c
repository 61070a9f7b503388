/*
 * test_render_points.c: the seed incidents as a point map: every record is
 * located, and a symbol is drawn near every place.
 */
#include "render_check.h"

/* Whether any pixel within r px of (x, y) differs strongly from both the
 * context and no-record fills: that is, a symbol was drawn there. */
static int symbol_near(cairo_surface_t *png, double x, double y, double r,
                       im_rgb_t bg1, im_rgb_t bg2, im_rgb_t line)
{
    for (double dy = -r; dy <= r; dy += 1)
        for (double dx = -r; dx <= r; dx += 1) {
            im_rgb_t c = surface_pixel(png, x + dx, y + dy);
            if (c.r < 0)
                continue;
            if (rgb_distance(c, bg1) > 0.5 && rgb_distance(c, bg2) > 0.5 &&
                rgb_distance(c, line) > 0.5 && fabs(c.r - c.b) > 0.2)
                return 1;
        }
    return 0;
}

/* The whole of a file, NUL-terminated; NULL if it cannot be read. */
static char *slurp(const char *path)
{
    FILE *f = fopen(path, "r");
    size_t cap = 1 << 24;
    char *buf = f ? malloc(cap) : NULL;
    size_t got = buf ? fread(buf, 1, cap - 1, f) : 0;
    if (buf)
        buf[got] = '\0';
    if (f)
        fclose(f);
    return buf;
}

/* The y of the SVG <text> whose content starts with text; -1 if none. */
static double svg_text_y(const char *svg, const char *text)
{
    char needle[256];
    snprintf(needle, sizeof needle, ">%s", text);
    const char *t = svg ? strstr(svg, needle) : NULL;
    const char *y = NULL;
    for (const char *q = svg; t && (q = strstr(q, " y=\"")) && q < t; q++)
        y = q;
    return y ? strtod(y + 4, NULL) : -1;
}

/* Warnings, counted and the last one kept. */
typedef struct { int n; char last[512]; } warnings_t;

static void on_warning(void *user, const char *message)
{
    warnings_t *w = user;
    w->n++;
    snprintf(w->last, sizeof w->last, "%s", message);
}

int main(void)
{
    char path[1024], data[1024], out[1024];
    im_ctx_t *ctx = im_ctx_new();
    im_ctx_set_data_dir(ctx, test_path(data, sizeof data, "data"));
    im_gazetteer_t *gaz = NULL;
    im_layer_t *layer = NULL;
    im_points_t *pts = NULL;
    im_map_t *map = NULL;
    CHECK(im_gazetteer_open(ctx, NULL, &gaz) == IM_OK, "%s", im_ctx_errmsg(ctx));
    CHECK(im_layer_read(ctx, gaz, NULL, NULL, &layer) == IM_OK, "%s",
          im_ctx_errmsg(ctx));
    CHECK(im_points_read_csv(ctx, gaz,
                             test_path(path, sizeof path,
                                       "data/incidents/seed.csv"),
                             &pts) == IM_OK,
          "%s", im_ctx_errmsg(ctx));
    if (test_failures)
        TEST_DONE();
    CHECK(im_points_count(pts) >= 6, "%zu incidents", im_points_count(pts));

    /* Each point lies inside the polygon of the district its row names:
     * that is, the place was resolved to the right spot. */
    im_map_options_t mo = {.type = IM_MAP_POINTS, .width_px = 1200,
                           .height_px = 900};
    CHECK(im_map_new(ctx, layer, NULL, pts, &mo, &map) == IM_OK, "%s",
          im_ctx_errmsg(ctx));
    snprintf(out, sizeof out, "%s/seed-points.png", test_tmpdir());
    CHECK(im_map_write(map, out) == IM_OK, "%s", im_ctx_errmsg(ctx));
    cairo_surface_t *png = png_load(out);
    CHECK(png != NULL, "%s readable", out);
    im_rgb_t none = im_map_fill_for_value(map, false, 0);
    im_rgb_t context = {0.894, 0.894, 0.878};
    im_rgb_t line = {0.549, 0.549, 0.549};
    for (size_t i = 0; i < im_points_count(pts); i++) {
        double lon, lat, x, y;
        im_points_get(pts, i, &lon, &lat, NULL, NULL);
        CHECK(lon > 60 && lon < 78 && lat > 23 && lat < 37.5,
              "point %zu in Pakistan: %g %g", i, lon, lat);
        im_map_lonlat_to_px(map, lon, lat, &x, &y);
        CHECK(symbol_near(png, x, y, 25, none, context, line),
              "a symbol near point %zu at (%.0f, %.0f)", i, x, y);
    }
    /* No stray line joins the labels to the symbols: text leaves a
     * current point behind, and a circle begun from it started with a
     * line in the halo's white, from the last label drawn (the
     * westernmost place, Gwadar) to the first symbol. */
    size_t west = 0;
    for (size_t i = 0; i < im_points_count(pts); i++) {
        double lon, lat, wlon, wlat;
        im_points_get(pts, i, &lon, &lat, NULL, NULL);
        im_points_get(pts, west, &wlon, &wlat, NULL, NULL);
        if (lon < wlon)
            west = i;
    }
    {
        double lon, lat, x0, y0, x1, y1;
        im_points_get(pts, 0, &lon, &lat, NULL, NULL);
        im_map_lonlat_to_px(map, lon, lat, &x0, &y0);
        im_points_get(pts, west, &lon, &lat, NULL, NULL);
        im_map_lonlat_to_px(map, lon, lat, &x1, &y1);
        double len = hypot(x1 - x0, y1 - y0), nx = (y0 - y1) / len,
               ny = (x1 - x0) / len;
        /* Steps from a tenth to half of the way with a white pixel
         * within 6 px across: the stray line showed at a third of them,
         * the coast's white strokes at none. */
        int steps = 0, white = 0;
        for (double t = 0.1; t <= 0.5; t += 1 / len, steps++) {
            bool hit = false;
            for (double d = -6; d <= 6 && !hit; d += 1) {
                im_rgb_t c = surface_pixel(png, x0 + t * (x1 - x0) + d * nx,
                                           y0 + t * (y1 - y0) + d * ny);
                hit = c.r > 0.99 && c.g > 0.99 && c.b > 0.99;
            }
            white += hit;
        }
        CHECK(west != 0 && white * 10 < steps,
              "white at %d of %d steps between the first and westernmost "
              "symbols", white, steps);
    }
    /* Far from any incident (the Thar desert) nothing is drawn. */
    double x, y;
    im_map_lonlat_to_px(map, 70.3, 25.0, &x, &y);
    CHECK(!symbol_near(png, x, y, 10, none, context, line),
          "no symbol in Tharparkar");
    cairo_surface_destroy(png);
    im_map_free(map);
    map = NULL;

    /* A points map says when its incidents happened, beside a short
     * title.  A title too long for the page is set smaller and cut at a
     * word, and the dates move to the source line, off the headings. */
    mo.title = "Seed incidents";
    CHECK(im_map_new(ctx, layer, NULL, pts, &mo, &map) == IM_OK, "%s",
          im_ctx_errmsg(ctx));
    snprintf(out, sizeof out, "%s/seed-points-dated.svg", test_tmpdir());
    CHECK(map && im_map_write(map, out) == IM_OK, "%s", im_ctx_errmsg(ctx));
    char *svg = slurp(out);
    double span_y = svg_text_y(svg, "Incidents dated 2015-05-13 \xE2\x80\x93 2025");
    CHECK(span_y > 0 && span_y < 60, "the span of dates beside the title: "
          "y %.0f", span_y);
    /* The document's description reads the legend as text. */
    const char *desc = svg ? strstr(svg, "<desc>") : NULL;
    CHECK(desc && strstr(desc, "Legend: attack (") &&
              strstr(desc, " killed and injured"),
          "the legend in the SVG's description: %.200s", desc ? desc : "");
    free(svg);
    im_map_free(map);
    mo.title = "Attacks claimed by or attributed to Islamic State Khorasan "
               "Province and to groups allied with it, by district, in "
               "Balochistan, Khyber Pakhtunkhwa and Sindh, 2015-2025";
    mo.subtitle = "One point per incident, at the place the article names; "
                  "size by casualties where reported by the press, the "
                  "police or the provincial government";
    CHECK(im_map_new(ctx, layer, NULL, pts, &mo, &map) == IM_OK, "%s",
          im_ctx_errmsg(ctx));
    snprintf(out, sizeof out, "%s/seed-points-long-title.svg", test_tmpdir());
    CHECK(map && im_map_write(map, out) == IM_OK, "%s", im_ctx_errmsg(ctx));
    svg = slurp(out);
    /* The drawn text, not the document's <title>, which keeps it whole. */
    const char *t = svg ? strstr(svg, "\">Attacks claimed by") : NULL;
    const char *end = t ? strchr(t, '<') : NULL;
    CHECK(end && end - t > 40 && !memcmp(end - 3, "\xE2\x80\xA6", 3),
          "the long title cut at a word: %.*s", end && t ? (int)(end - t) : 0,
          t ? t : "");
    span_y = svg_text_y(svg, "Incidents dated 2015");
    CHECK(span_y > 900 - 40, "the span of dates on the source line: y %.0f",
          span_y);
    free(svg);
    snprintf(out, sizeof out, "%s/seed-points-long-title.png", test_tmpdir());
    CHECK(map && im_map_write(map, out) == IM_OK, "%s", im_ctx_errmsg(ctx));
    png = png_load(out);
    int inked = 0;
    for (int py = 16; png && py < 50; py++)
        for (int px = 1200 - 15; px < 1200; px++)
            inked += luminance(surface_pixel(png, px, py)) < 0.8;
    CHECK(png && inked == 0, "%d dark pixels of the title past the margin",
          inked);
    if (png)
        cairo_surface_destroy(png);
    mo.title = mo.subtitle = NULL;
    im_map_free(map);
    im_points_free(pts);
    pts = NULL;
    map = NULL;

    /* Symbols: the largest first, so a small one near a large one's
     * centre stays on top, whatever the order of the records; and a
     * cluster of records at one place takes the colour of most of them.
     * Colours are the default style's first two (Dark2 orange, purple). */
    snprintf(path, sizeof path, "%s/order.csv", test_tmpdir());
    FILE *f = fopen(path, "w");
    CHECK(f != NULL, "%s", path);
    if (f) {
        fprintf(f, "lat,lon,category,killed\n"
                   "28.0,66.0,Bombing,0\n"      /* orange, small, first */
                   "28.0,66.05,Raid,400\n"      /* purple, large, after */
                   "26.0,68.0,Bombing,0\n");    /* a cluster: 1 orange */
        for (int k = 0; k < 7; k++)              /* and 7 purple */
            fprintf(f, "26.0,68.0,Raid,0\n");
        fclose(f);
    }
    im_rgb_t orange = {0xd9 / 255.0, 0x5f / 255.0, 0x02 / 255.0};
    im_rgb_t purple = {0x75 / 255.0, 0x70 / 255.0, 0xb3 / 255.0};
    CHECK(im_points_read_csv(ctx, gaz, path, &pts) == IM_OK, "%s",
          im_ctx_errmsg(ctx));
    CHECK(pts && im_map_new(ctx, layer, NULL, pts, &mo, &map) == IM_OK, "%s",
          im_ctx_errmsg(ctx));
    snprintf(out, sizeof out, "%s/order.png", test_tmpdir());
    CHECK(map && im_map_write(map, out) == IM_OK, "%s", im_ctx_errmsg(ctx));
    png = png_load(out);
    double ox, oy;
    im_map_lonlat_to_px(map, 66.0, 28.0, &ox, &oy);
    im_rgb_t c = png ? surface_pixel(png, ox, oy) : (im_rgb_t){-1, -1, -1};
    CHECK(rgb_distance(c, orange) < rgb_distance(c, purple),
          "the small orange symbol over the large purple one: %.2f %.2f %.2f",
          c.r, c.g, c.b);
    /* The cluster's count is drawn on its centre; a few pixels off it the
     * symbol's own colour shows. */
    im_map_lonlat_to_px(map, 68.0, 26.0, &ox, &oy);
    c = png ? surface_pixel(png, ox - 9, oy) : (im_rgb_t){-1, -1, -1};
    CHECK(rgb_distance(c, purple) < rgb_distance(c, orange),
          "the cluster in the colour of most of its records: %.2f %.2f %.2f",
          c.r, c.g, c.b);
    if (png)
        cairo_surface_destroy(png);
    im_map_free(map);
    im_points_free(pts);
    pts = NULL;
    map = NULL;

    /* Coordinates come back exactly as written, whether kept as
     * ten-millionths of a degree or, from the first that is not one
     * (nine decimals, an exponent), as doubles. */
    static const char *const coords[][2] = {
        {"27.1234567", "66.5"}, {"-0.0", "+64.47897"}, {"25.5", "69"},
        {"25.123456789", "1e1"}, {"30.2", "67.01"}};
    snprintf(path, sizeof path, "%s/coords.csv", test_tmpdir());
    f = fopen(path, "w");
    CHECK(f != NULL, "%s", path);
    if (f) {
        fprintf(f, "lat,lon\n");
        for (size_t i = 0; i < sizeof coords / sizeof *coords; i++)
            fprintf(f, "%s,%s\n", coords[i][0], coords[i][1]);
        fclose(f);
    }
    CHECK(im_points_read_csv(ctx, gaz, path, &pts) == IM_OK, "%s",
          im_ctx_errmsg(ctx));
    for (size_t i = 0; pts && i < sizeof coords / sizeof *coords; i++) {
        double lon, lat;
        const char *cat;
        im_points_get(pts, i, &lon, &lat, &cat, NULL);
        double want_lat = strtod(coords[i][0], NULL);
        double want_lon = strtod(coords[i][1], NULL);
        CHECK(memcmp(&lat, &want_lat, sizeof lat) == 0 &&
                  memcmp(&lon, &want_lon, sizeof lon) == 0 && !strcmp(cat, ""),
              "point %zu: %.17g, %.17g, want %s, %s", i, lat, lon,
              coords[i][0], coords[i][1]);
    }
    im_points_free(pts);
    pts = NULL;

    /* A tehsil has no point of its own: it stands at its district's
     * headquarters, and a town at its own position. */
    snprintf(path, sizeof path, "%s/areas.csv", test_tmpdir());
    f = fopen(path, "w");
    CHECK(f != NULL, "%s", path);
    if (f) {
        fputs("place\nHalimzai\nMohmand\nSehwan\n", f);
        fclose(f);
    }
    CHECK(im_points_read_csv(ctx, gaz, path, &pts) == IM_OK, "%s",
          im_ctx_errmsg(ctx));
    if (pts) {
        double lon[3], lat[3];
        for (size_t i = 0; i < 3; i++)
            im_points_get(pts, i, &lon[i], &lat[i], NULL, NULL);
        CHECK(lon[0] == lon[1] && lat[0] == lat[1],
              "Halimzai at Mohmand's HQ: %.4f %.4f vs %.4f %.4f", lon[0],
              lat[0], lon[1], lat[1]);
        CHECK(fabs(lon[2] - 67.86) < 0.05 && fabs(lat[2] - 26.42) < 0.05,
              "Sehwan at %.4f %.4f", lon[2], lat[2]);
    }
    im_points_free(pts);
    pts = NULL;

    /* Many points (blended straight into the pixels): 4,000 records of
     * one category at one spot and 4,000 of another at a second spot
     * saturate to their category colours; elsewhere the land shows. */
    snprintf(path, sizeof path, "%s/dense.csv", test_tmpdir());
    f = fopen(path, "w");
    CHECK(f != NULL, "%s", path);
    if (f) {
        fprintf(f, "lat,lon,category\n");
        for (int i = 0; i < 4000; i++)
            fprintf(f, "27.0,66.5,Explosion\n25.5,69.0,Abduction\n");
        fclose(f);
    }
    CHECK(im_points_read_csv(ctx, gaz, path, &pts) == IM_OK, "%s",
          im_ctx_errmsg(ctx));
    CHECK(im_map_new(ctx, layer, NULL, pts, &mo, &map) == IM_OK, "%s",
          im_ctx_errmsg(ctx));
    snprintf(out, sizeof out, "%s/dense-points.png", test_tmpdir());
    CHECK(map && im_map_write(map, out) == IM_OK, "%s", im_ctx_errmsg(ctx));
    if (!test_failures) {
        double ax, ay, bx, by, cx, cy;
        im_map_lonlat_to_px(map, 66.5, 27.0, &ax, &ay);
        im_map_lonlat_to_px(map, 69.0, 25.5, &bx, &by);
        im_map_lonlat_to_px(map, 64.5, 28.6, &cx, &cy);
        im_rgb_t a = png_pixel(out, ax, ay), b = png_pixel(out, bx, by);
        im_rgb_t c = png_pixel(out, cx, cy);
        CHECK(rgb_distance(a, c) > 0.3, "dense spot A drawn (%.2f %.2f %.2f)",
              a.r, a.g, a.b);
        CHECK(rgb_distance(b, c) > 0.3, "dense spot B drawn (%.2f %.2f %.2f)",
              b.r, b.g, b.b);
        CHECK(rgb_distance(a, b) > 0.2, "two categories, two colours");
        CHECK(rgb_distance(c, none) < 0.05, "land between the spots untouched "
              "(%.2f %.2f %.2f)", c.r, c.g, c.b);
    }
    im_map_free(map);
    im_points_free(pts);

    /* Dense points partly outside the map: they are counted in one
     * warning, naming the first, however often the map is written; and
     * as SVG they are drawn as vector squares in their colour. */
    f = fopen(path, "w");
    CHECK(f != NULL, "%s", path);
    if (f) {
        fprintf(f, "lat,lon,category\n");
        for (int i = 0; i < 3000; i++)
            fprintf(f, "27.0,66.5,Explosion\n25.5,69.0,Abduction\n");
        fprintf(f, "51.5,-0.12,Explosion\n40.7,-74.0,Explosion\n");
        fclose(f);
    }
    warnings_t w = {0, ""};
    im_ctx_set_log(ctx, on_warning, &w);
    CHECK(im_points_read_csv(ctx, gaz, path, &pts) == IM_OK, "%s",
          im_ctx_errmsg(ctx));
    CHECK(pts && im_map_new(ctx, layer, NULL, pts, &mo, &map) == IM_OK, "%s",
          im_ctx_errmsg(ctx));
    CHECK(map && im_map_write(map, out) == IM_OK, "%s", im_ctx_errmsg(ctx));
    snprintf(out, sizeof out, "%s/dense-points.svg", test_tmpdir());
    CHECK(map && im_map_write(map, out) == IM_OK, "%s", im_ctx_errmsg(ctx));
    CHECK(w.n == 1 && strstr(w.last, "2 incident(s) lie outside the map") &&
              strstr(w.last, "51.5000, -0.1200"),
          "%d warning(s), the last: %s", w.n, w.last);
    svg = slurp(out);
    /* The squares: a path per category and batch, half opaque. */
    int squares = 0;
    for (const char *q = svg; q && (q = strstr(q, "fill-opacity=\"0.5\"")); q++)
        squares++;
    CHECK(svg && strstr(svg, "<svg") && squares >= 2, "%s: %d paths of squares",
          out, squares);
    free(svg);
    im_ctx_set_log(ctx, NULL, NULL);
    im_map_free(map);
    im_points_free(pts);
    im_layer_free(layer);
    im_gazetteer_free(gaz);
    im_ctx_free(ctx);
    TEST_DONE();
}
