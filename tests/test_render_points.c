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
    /* Far from any incident (the Thar desert) nothing is drawn. */
    double x, y;
    im_map_lonlat_to_px(map, 70.3, 25.0, &x, &y);
    CHECK(!symbol_near(png, x, y, 10, none, context, line),
          "no symbol in Tharparkar");
    cairo_surface_destroy(png);
    im_map_free(map);
    im_points_free(pts);
    pts = NULL;
    map = NULL;

    /* Many points (blended straight into the pixels): 4,000 records of
     * one category at one spot and 4,000 of another at a second spot
     * saturate to their category colours; elsewhere the land shows. */
    snprintf(path, sizeof path, "%s/dense.csv", test_tmpdir());
    FILE *f = fopen(path, "w");
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
    im_layer_free(layer);
    im_gazetteer_free(gaz);
    im_ctx_free(ctx);
    TEST_DONE();
}
