/*
 * test_render_geoboundaries_shared.c: any GDAL source works as boundaries:
 * the geoBoundaries TopoJSON in ../shared (no CRS declared, shapeName as
 * the name field) renders the seed tallies into the right polygons.
 */
#include "csv.h"

#include <unistd.h>
#include "render_check.h"

int main(int argc, char **argv)
{
    /* Without ../shared the test is skipped (77), not failed: the core
     * suite must pass on a checkout alone. */
    if (argc < 2 || access(argv[1], R_OK) != 0)
        return 77;
    char src[1024], tallies[1024], data[1024], out[1024];
    snprintf(src, sizeof src, "%s/geoBoundaries-PAK-ADM2_simplified.topojson",
             argv[1]);
    im_ctx_t *ctx = im_ctx_new();
    im_ctx_set_data_dir(ctx, test_path(data, sizeof data, "data"));
    im_gazetteer_t *gaz = NULL;
    im_layer_t *layer = NULL;
    im_values_t *values = NULL;
    im_map_t *map = NULL;
    CHECK(im_gazetteer_open(ctx, NULL, &gaz) == IM_OK, "%s", im_ctx_errmsg(ctx));
    CHECK(im_layer_read(ctx, gaz, src, "shapeName", &layer) == IM_OK, "%s",
          im_ctx_errmsg(ctx));
    if (test_failures)
        TEST_DONE();
    CHECK(im_layer_count(layer) == 126, "126 polygons, got %zu",
          im_layer_count(layer));
    size_t unresolved = 0;
    for (size_t i = 0; i < im_layer_count(layer); i++)
        if (!im_layer_district_id(layer, i)) {
            unresolved++;
            fprintf(stderr, "unresolved: %s\n", im_layer_name(layer, i));
        }
    CHECK(unresolved == 0, "every geoBoundaries name resolves (%zu do not)",
          unresolved);
    im_values_options_t vo = {NULL, NULL, "count", 0};
    CHECK(im_values_read_csv(ctx, gaz, layer,
                             test_path(tallies, sizeof tallies,
                                       "data/incidents/seed-tallies.csv"),
                             &vo, &values) == IM_OK,
          "%s", im_ctx_errmsg(ctx));
    im_map_options_t mo = {.label_template = ""};
    CHECK(im_map_new(ctx, layer, values, NULL, &mo, &map) == IM_OK, "%s",
          im_ctx_errmsg(ctx));
    if (test_failures)
        TEST_DONE();
    snprintf(out, sizeof out, "%s/geoboundaries.png", test_tmpdir());
    CHECK(im_map_write(map, out) == IM_OK, "%s", im_ctx_errmsg(ctx));
    /* geoBoundaries' own interior point of every tallied district, from
     * the districts.csv that accompanies the boundaries. */
    char pts[1024];
    snprintf(pts, sizeof pts, "%s/districts.csv", argv[1]);
    im_csv_t *csv;
    CHECK(im_csv_open(ctx, pts, &csv) == IM_OK, "%s", im_ctx_errmsg(ctx));
    int cn = im_csv_column(csv, "shapeName"), clon = im_csv_column(csv, "lon"),
        clat = im_csv_column(csv, "lat");
    const struct { const char *name; double value; } at[] = {
        {"Bajaur", 36}, {"Mastung", 12}, {"Quetta", 10}, {"Peshawar", 19},
        {"Awaran", 0}};
    int seen = 0;
    while (csv && im_csv_next(csv) == 1)
        for (size_t k = 0; k < sizeof at / sizeof at[0]; k++) {
            if (strcmp(im_csv_field(csv, cn), at[k].name))
                continue;
            seen++;
            double x, y;
            im_map_lonlat_to_px(map, atof(im_csv_field(csv, clon)),
                                atof(im_csv_field(csv, clat)), &x, &y);
            im_rgb_t got = png_pixel(out, x, y);
            im_rgb_t want = im_map_fill_for_value(map, at[k].value > 0,
                                                  at[k].value);
            CHECK(rgb_distance(got, want) < 0.03, "%s filled by its class",
                  at[k].name);
        }
    CHECK(seen == 5, "found the districts in districts.csv (%d)", seen);
    im_csv_free(csv);
    im_map_free(map);
    im_values_free(values);
    im_layer_free(layer);
    im_gazetteer_free(gaz);
    im_ctx_free(ctx);
    TEST_DONE();
}
