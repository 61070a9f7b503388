/*
 * bench_stages.c: the in-process time of each stage that bench/run times
 * as a whole `incimap` process.  It makes the same library calls as the
 * command, in the same order, and reports two wall-clock times:
 *
 *   setup_s   context, gazetteer and boundaries (and the geocoder's index)
 *   stage_s   the work itself: reading the input, laying out and writing
 *             the map / geocoding every row and writing the CSV / importing
 *
 * so that whole process - (setup + stage) is the cost of starting the
 * process (loading GDAL, PROJ, Cairo and friends) and exiting.
 *
 *   bench_stages choropleth VALUES.csv OUT.{png,svg} W H [BOUNDARIES NAME]
 *   bench_stages points POINTS.csv OUT.png W H [N]
 *   bench_stages geocode POINTS.csv OUT.csv [BOUNDARIES NAME]
 *   bench_stages import FILE.csv DB
 *   bench_stages probe VALUES.csv W H [BOUNDARIES NAME]
 *
 * choropleth also prints the classes incimap computed ("class LO HI"), which
 * bench/run hands to every peer.  probe prints, for every polygon, a
 * tab-separated line "probe NAME DISTRICT PROVINCE LON LAT X Y R G B": the
 * district its name resolved to, its label point in degrees and in pixels,
 * and the fill it must have there (0-255) on a map drawn with --label none.
 * points with N prints where the first N incidents land ("point X Y").
 */
#include "csv.h"
#include "incimap.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

static int fail(im_ctx_t *ctx)
{
    fprintf(stderr, "bench_stages: %s\n", im_ctx_errmsg(ctx));
    return 1;
}

/* The command's default source line for the embedded boundaries. */
static const char *source_line(const char *boundaries)
{
    return boundaries ? "Boundaries: see the source's licence."
                      : "Boundaries: @svg-maps/pakistan.districts "
                        "(Unlicense), georeferenced to geoBoundaries "
                        "(public domain; Runfola et al. 2020). "
                        "Projection: Albers equal-area, 26\xC2\xB0N/35\xC2\xB0N.";
}

static void quiet(void *user, const char *msg)
{
    (void)user;
    (void)msg;
}

int main(int argc, char **argv)
{
    if (argc < 3) {
        fprintf(stderr, "usage: see bench/bench_stages.c\n");
        return 2;
    }
    const char *mode = argv[1];
    double t0 = now_s();
    im_ctx_t *ctx = im_ctx_new();
    im_ctx_set_log(ctx, quiet, NULL);
    const char *root = getenv("INCIMAP_SOURCE_ROOT");
    if (root) {
        char data[4096];
        snprintf(data, sizeof data, "%s/data", root);
        im_ctx_set_data_dir(ctx, data);
    }
    /* As the command does, so that set-up times compare. */
    const char *cache = getenv("INCIMAP_CACHE_DIR");
    if (cache)
        im_ctx_set_cache_dir(ctx, cache);
    const char *bnd = NULL, *name = NULL;
    bool map_mode = !strcmp(mode, "choropleth") || !strcmp(mode, "points");
    bool probe = !strcmp(mode, "probe");
    if (map_mode && argc < 6)
        return 2;
    if (!strcmp(mode, "choropleth") && argc >= 8)
        bnd = argv[6], name = argv[7];
    if (!strcmp(mode, "geocode") && argc >= 6)
        bnd = argv[4], name = argv[5];
    if (probe && argc >= 7)
        bnd = argv[5], name = argv[6];
    im_gazetteer_t *gaz = NULL;
    im_layer_t *layer = NULL;
    im_geocoder_t *geo = NULL;
    if (im_gazetteer_open(ctx, NULL, &gaz) ||
        im_layer_read(ctx, gaz, bnd, name, &layer))
        return fail(ctx);
    bool need_geo = !strcmp(mode, "geocode") || !strcmp(mode, "import");
    if (need_geo && im_geocoder_new(ctx, gaz, layer, &geo))
        return fail(ctx);
    double t1 = now_s();

    if (map_mode || probe) {
        bool points = !strcmp(mode, "points");
        im_values_t *values = NULL;
        im_points_t *pts = NULL;
        im_map_t *map = NULL;
        im_values_options_t vo = {NULL, NULL, "count", 0};
        im_map_options_t mo = {0};
        mo.type = points ? IM_MAP_POINTS : IM_MAP_CHOROPLETH;
        mo.width_px = atoi(argv[probe ? 3 : 4]);
        mo.height_px = atoi(argv[probe ? 4 : 5]);
        mo.source = source_line(bnd);
        if (probe)
            mo.label_template = "";
        if (points ? im_points_read_csv(ctx, gaz, argv[2], &pts)
                   : im_values_read_csv(ctx, gaz, layer, argv[2], &vo, &values))
            return fail(ctx);
        if (im_map_new(ctx, layer, values, pts, &mo, &map))
            return fail(ctx);
        if (!probe && im_map_write(map, argv[3]))
            return fail(ctx);
        double t2 = now_s();
        if (!points) {
            const im_classes_t *c = im_map_classes(map);
            for (int k = 0; k < c->n; k++)
                printf("class %.17g %.17g\n", c->lo[k], c->hi[k]);
        }
        if (probe) {
            size_t nd = im_gazetteer_count(gaz);
            for (size_t i = 0; i < im_layer_count(layer); i++) {
                const char *prov = im_layer_province(layer, i);
                const char *id = im_layer_district_id(layer, i), *dname = "";
                for (size_t d = 0; id && d < nd; d++) {
                    im_district_info_t info;
                    im_gazetteer_info(gaz, d, &info);
                    if (!strcmp(info.id, id))
                        dname = info.name;
                }
                double lon, lat, x, y, v = 0;
                bool has = values && im_values_get(values, i, &v);
                im_layer_label_point(layer, i, &lon, &lat);
                im_map_lonlat_to_px(map, lon, lat, &x, &y);
                im_rgb_t f = im_map_fill_for_value(map, has, v);
                printf("probe\t%s\t%s\t%s\t%.6f\t%.6f\t%.2f\t%.2f\t%d\t%d\t%d\n",
                       im_layer_name(layer, i), dname, prov ? prov : "", lon,
                       lat, x, y, (int)lround(f.r * 255),
                       (int)lround(f.g * 255), (int)lround(f.b * 255));
            }
        }
        if (points && argc >= 7) {
            /* Where the first N incidents land, for checking the PNG. */
            size_t n = (size_t)atol(argv[6]);
            for (size_t i = 0; i < n && i < im_points_count(pts); i++) {
                double lon, lat, x, y;
                im_points_get(pts, i, &lon, &lat, NULL, NULL);
                im_map_lonlat_to_px(map, lon, lat, &x, &y);
                printf("point\t%.2f\t%.2f\n", x, y);
            }
        }
        printf("setup_s %.6f\nstage_s %.6f\n", t1 - t0, t2 - t1);
        im_map_free(map);
        im_values_free(values);
        im_points_free(pts);
    } else if (!strcmp(mode, "geocode")) {
        /* As `incimap geocode`: every row copied, five columns appended. */
        im_csv_t *csv;
        if (argc < 4 || im_csv_open(ctx, argv[2], &csv))
            return fail(ctx);
        int cla = im_csv_column(csv, "lat"), clo = im_csv_column(csv, "lon");
        FILE *f = fopen(argv[3], "w");
        if (!f || cla < 0 || clo < 0) {
            fprintf(stderr, "bench_stages: cannot geocode %s\n", argv[2]);
            return 1;
        }
        int ncols = im_csv_ncols(csv);
        for (int i = 0; i < ncols; i++) {
            im_csv_write_field(f, im_csv_header(csv, i));
            fputc(',', f);
        }
        fputs("district,province,match_method,match_score,precision\n", f);
        size_t rows = 0, located = 0;
        while (im_csv_next(csv) == 1) {
            double lat = strtod(im_csv_field(csv, cla), NULL);
            double lon = strtod(im_csv_field(csv, clo), NULL);
            im_geocode_t g;
            im_geocode(geo, NULL, NULL, true, lon, lat, &g);
            for (int i = 0; i < ncols; i++) {
                im_csv_write_field(f, im_csv_field(csv, i));
                fputc(',', f);
            }
            im_csv_write_field(f, g.district ? g.district : "");
            fputc(',', f);
            im_csv_write_field(f, g.province ? g.province : "");
            fprintf(f, ",%s,%.2f,", im_match_method_name(g.method), g.score);
            if (g.precision)
                fprintf(f, "%d", g.precision);
            fputc('\n', f);
            rows++;
            located += g.district != NULL;
        }
        fclose(f);
        im_csv_free(csv);
        double t2 = now_s();
        printf("rows %zu\nlocated %zu\nsetup_s %.6f\nstage_s %.6f\n", rows,
               located, t1 - t0, t2 - t1);
    } else if (!strcmp(mode, "import")) {
        if (argc < 4)
            return 2;
        unlink(argv[3]);
        im_store_t *store;
        im_import_options_t opt = {0};
        im_import_report_t rep;
        if (im_store_open(ctx, argv[3], &store) ||
            im_store_import(store, geo, argv[2], &opt, &rep))
            return fail(ctx);
        im_store_free(store);
        double t2 = now_s();
        printf("rows %ld\ninserted %ld\nsetup_s %.6f\nstage_s %.6f\n", rep.rows,
               rep.inserted, t1 - t0, t2 - t1);
    } else {
        fprintf(stderr, "bench_stages: unknown mode '%s'\n", mode);
        return 2;
    }
    im_geocoder_free(geo);
    im_layer_free(layer);
    im_gazetteer_free(gaz);
    im_ctx_free(ctx);
    return 0;
}
