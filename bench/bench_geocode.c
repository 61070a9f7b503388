/*
 * bench_geocode.c: geocoder throughput.  Reads a CSV with place, lat and
 * lon columns into memory, then times one pass of text-only geocoding and
 * one of coordinates-only geocoding over every row, on one core.  Prints
 * rows per second and the peak resident memory.
 *
 *   bench_geocode ROWS.csv [BOUNDARIES]
 */
#include "csv.h"
#include "incimap.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        fprintf(stderr, "usage: bench_geocode ROWS.csv [BOUNDARIES]\n");
        return 2;
    }
    im_ctx_t *ctx = im_ctx_new();
    const char *root = getenv("INCIMAP_SOURCE_ROOT");
    if (root) {
        char data[4096];
        snprintf(data, sizeof data, "%s/data", root);
        im_ctx_set_data_dir(ctx, data);
    }
    im_gazetteer_t *gaz;
    im_layer_t *layer;
    im_geocoder_t *geo;
    im_csv_t *csv;
    if (im_gazetteer_open(ctx, NULL, &gaz) ||
        im_layer_read(ctx, gaz, argc > 2 ? argv[2] : NULL, NULL, &layer) ||
        im_geocoder_new(ctx, gaz, layer, &geo) ||
        im_csv_open(ctx, argv[1], &csv)) {
        fprintf(stderr, "bench_geocode: %s\n", im_ctx_errmsg(ctx));
        return 1;
    }
    int cp = im_csv_column(csv, "place"), cla = im_csv_column(csv, "lat");
    int clo = im_csv_column(csv, "lon"), cpr = im_csv_column(csv, "province");
    size_t n = 0, cap = 1 << 20;
    char **text = malloc(cap * sizeof *text), **prov = malloc(cap * sizeof *prov);
    double *lat = malloc(cap * sizeof *lat), *lon = malloc(cap * sizeof *lon);
    while (im_csv_next(csv) == 1) {
        if (n == cap) {
            cap *= 2;
            text = realloc(text, cap * sizeof *text);
            prov = realloc(prov, cap * sizeof *prov);
            lat = realloc(lat, cap * sizeof *lat);
            lon = realloc(lon, cap * sizeof *lon);
        }
        text[n] = strdup(im_csv_field(csv, cp));
        prov[n] = strdup(im_csv_field(csv, cpr));
        lat[n] = atof(im_csv_field(csv, cla));
        lon[n] = atof(im_csv_field(csv, clo));
        n++;
    }
    im_csv_free(csv);

    size_t matched = 0;
    double t0 = now_s();
    for (size_t i = 0; i < n; i++) {
        im_geocode_t g;
        im_geocode(geo, text[i], prov[i], false, 0, 0, &g);
        matched += g.district_id != NULL;
    }
    double t_text = now_s() - t0;
    size_t located = 0;
    t0 = now_s();
    for (size_t i = 0; i < n; i++) {
        im_geocode_t g;
        im_geocode(geo, NULL, NULL, true, lon[i], lat[i], &g);
        located += g.polygon != (size_t)-1;
    }
    double t_coord = now_s() - t0;
    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    printf("rows                 %zu\n", n);
    printf("text only            %.3f s  (%.0f rows/s, %zu with a district)\n",
           t_text, n / t_text, matched);
    printf("coordinates only     %.3f s  (%.0f rows/s, %zu in a polygon)\n",
           t_coord, n / t_coord, located);
    printf("peak memory          %.1f MB (including the rows held in memory)\n",
           ru.ru_maxrss / 1024.0);
    for (size_t i = 0; i < n; i++) {
        free(text[i]);
        free(prov[i]);
    }
    free(text);
    free(prov);
    free(lat);
    free(lon);
    im_geocoder_free(geo);
    im_layer_free(layer);
    im_gazetteer_free(gaz);
    im_ctx_free(ctx);
    return 0;
}
