/*
 * fuzz_import.c: the whole import path on an arbitrary file: CSV reading,
 * format detection, dates, counts, coordinates, geocoding and the upsert
 * into a fresh in-memory store, then the store's readers.  The gazetteer,
 * the embedded boundaries and the geocoder are opened once.
 *
 * Besides not crashing, the import must keep its promises: a failed
 * import leaves the store as it was; a second import of the same file
 * inserts nothing and counts the same rows; every warning and parse
 * failure names the file; and the per-district totals the store keeps
 * by hand agree with the incidents table.
 */
#include "fuzz.h"
#include "incimap.h"
#include "store.h"

#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static im_ctx_t *ctx;
static im_gazetteer_t *gaz;
static im_layer_t *layer;
static im_geocoder_t *geo;
static const char *input_path;

static void on_warning(void *user, const char *message)
{
    (void)user;
    /* Warnings about the store (not the input) name no input line. */
    if (input_path && !strstr(message, input_path) &&
        !strstr(message, "have no polygon")) {
        fprintf(stderr, "warning without the file: %s\n", message);
        abort();
    }
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    fuzz_open_geocoder("fuzz_import", &ctx, &gaz, &layer, &geo);
    im_ctx_set_log(ctx, on_warning, NULL);
    return 0;
}

static long count_rows(im_store_t *store, const char *sql)
{
    sqlite3_stmt *st;
    long n = -1;
    if (sqlite3_prepare_v2(im_store_db(store), sql, -1, &st, NULL) != SQLITE_OK)
        abort();
    if (sqlite3_step(st) == SQLITE_ROW)
        n = (long)sqlite3_column_int64(st, 0);
    sqlite3_finalize(st);
    if (n < 0) {
        fprintf(stderr, "%s: %s\n", sql, sqlite3_errmsg(im_store_db(store)));
        abort();
    }
    return n;
}

/* The totals as the incidents table gives them, against district_totals,
 * both ways. */
static const char totals_differ[] =
    "SELECT count(*) FROM ("
    " SELECT * FROM (SELECT coalesce(district_id, '') AS d,"
    "  coalesce(province, '') AS p, count(*), coalesce(sum(killed), 0),"
    "  coalesce(sum(injured), 0) FROM incidents GROUP BY 1, 2"
    "  EXCEPT SELECT district_id, province, incidents, killed, injured"
    "  FROM district_totals)"
    " UNION ALL"
    " SELECT * FROM (SELECT district_id, province, incidents, killed, injured"
    "  FROM district_totals EXCEPT SELECT coalesce(district_id, ''),"
    "  coalesce(province, ''), count(*), coalesce(sum(killed), 0),"
    "  coalesce(sum(injured), 0) FROM incidents GROUP BY 1, 2))";

static void on_stats(void *user, const char *key, const char *province,
                     long incidents, long killed, long injured)
{
    (void)key;
    (void)province;
    long *sum = user;
    if (incidents < 0 || killed < 0 || injured < 0)
        abort();
    *sum += incidents;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    input_path = fuzz_file(data, size);
    im_store_t *store;
    if (im_store_open(ctx, ":memory:", &store)) {
        fprintf(stderr, "store: %s\n", im_ctx_errmsg(ctx));
        abort();
    }
    im_import_options_t opt = {.rejects_path = "/dev/null"};
    im_import_report_t first, second;
    im_status_t st = im_store_import(store, geo, input_path, &opt, &first);
    if (st) {
        if ((st == IM_ERR_PARSE || st == IM_ERR_DATA) &&
            !strstr(im_ctx_errmsg(ctx), input_path)) {
            fprintf(stderr, "failure without the file: %s\n",
                    im_ctx_errmsg(ctx));
            abort();
        }
        if (count_rows(store, "SELECT count(*) FROM incidents") != 0 ||
            count_rows(store, "SELECT count(*) FROM import_runs") != 0) {
            fprintf(stderr, "a failed import left records behind\n");
            abort();
        }
    } else {
        long stored = count_rows(store, "SELECT count(*) FROM incidents");
        if (first.inserted != stored ||
            first.inserted + first.updated + first.unchanged + first.rejected !=
                first.rows) {
            fprintf(stderr, "first import: %ld rows, %ld inserted, %ld updated,"
                    " %ld unchanged, %ld rejected; %ld stored\n", first.rows,
                    first.inserted, first.updated, first.unchanged,
                    first.rejected, stored);
            abort();
        }
        st = im_store_import(store, geo, input_path, &opt, &second);
        if (st || second.inserted != 0 || second.rows != first.rows ||
            second.rejected != first.rejected ||
            second.skipped != first.skipped ||
            count_rows(store, "SELECT count(*) FROM incidents") != stored) {
            fprintf(stderr, "second import (%s): %ld rows, %ld inserted, "
                    "%ld rejected\n", st ? im_ctx_errmsg(ctx) : "ok",
                    second.rows, second.inserted, second.rejected);
            abort();
        }
        if (count_rows(store, totals_differ) != 0) {
            fprintf(stderr, "district_totals disagree with the incidents\n");
            abort();
        }
        long sum = 0;
        if (im_store_stats(store, IM_BY_DISTRICT, NULL, on_stats, &sum) ||
            sum != stored) {
            fprintf(stderr, "stats by district: %ld of %ld\n", sum, stored);
            abort();
        }
        for (im_group_t by = IM_BY_PROVINCE; by <= IM_BY_CATEGORY; by++) {
            sum = 0;
            if (im_store_stats(store, by, NULL, on_stats, &sum))
                abort();
        }
        im_points_t *pts;
        if (im_points_from_store(store, NULL, NULL, &pts))
            abort();
        im_points_free(pts);
        im_values_t *vals;
        if (im_values_from_store(store, gaz, layer, NULL, &vals))
            abort();
        im_values_free(vals);
    }
    im_store_free(store);
    input_path = NULL;
    return 0;
}
