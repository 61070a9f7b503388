/*
 * test_store_filter.c: the store's filters through the library, with
 * values that would change the query if they were spliced into its SQL.
 * The command line checks province names against the gazetteer first;
 * the library must be safe without that.
 */
#include "incimap.h"
#include "testlib.h"

#include <unistd.h>

typedef struct {
    long groups, incidents;
} tally_t;

static void count(void *user, const char *key, const char *province,
                  long incidents, long killed, long injured)
{
    (void)key, (void)province, (void)killed, (void)injured;
    tally_t *t = user;
    t->groups++;
    t->incidents += incidents;
}

static tally_t stats(im_store_t *store, im_group_t by, const im_filter_t *f)
{
    tally_t t = {0, 0};
    im_status_t st = im_store_stats(store, by, f, count, &t);
    CHECK(st == IM_OK, "stats: %d", (int)st);
    return t;
}

int main(void)
{
    char data[1024], seed[1024], db[1024];
    im_ctx_t *ctx = im_ctx_new();
    im_ctx_set_data_dir(ctx, test_path(data, sizeof data, "data"));
    snprintf(db, sizeof db, "%s/store_filter.%ld.db", test_tmpdir(), (long)getpid());
    unlink(db);
    im_gazetteer_t *gaz = NULL;
    im_layer_t *layer = NULL;
    im_geocoder_t *geo = NULL;
    im_store_t *store = NULL;
    CHECK(im_gazetteer_open(ctx, NULL, &gaz) == IM_OK, "%s", im_ctx_errmsg(ctx));
    CHECK(im_layer_read(ctx, gaz, NULL, NULL, &layer) == IM_OK, "%s", im_ctx_errmsg(ctx));
    CHECK(im_geocoder_new(ctx, gaz, layer, &geo) == IM_OK, "%s", im_ctx_errmsg(ctx));
    CHECK(im_store_open(ctx, db, &store) == IM_OK, "%s", im_ctx_errmsg(ctx));
    if (test_failures)
        TEST_DONE();
    im_import_options_t opt = {0};
    im_import_report_t rep;
    CHECK(im_store_import(store, geo, test_path(seed, sizeof seed,
                                                "data/incidents/seed.csv"),
                          &opt, &rep) == IM_OK, "%s", im_ctx_errmsg(ctx));

    tally_t all = stats(store, IM_BY_YEAR, NULL);
    CHECK(all.incidents == rep.inserted && all.incidents > 0, "%ld of %ld",
          all.incidents, rep.inserted);
    im_filter_t f = {.province = "Balochistan"};
    tally_t baloch = stats(store, IM_BY_YEAR, &f);
    CHECK(baloch.incidents > 0 && baloch.incidents < all.incidents,
          "Balochistan: %ld of %ld", baloch.incidents, all.incidents);

    /* Each would select every row, or fail to parse, if it were SQL. */
    const char *hostile[] = {"x' OR '1'='1", "Balochistan' OR 1=1 --",
                             "'; DROP TABLE incidents; --", "\" OR \"\"=\""};
    for (size_t i = 0; i < sizeof hostile / sizeof hostile[0]; i++) {
        for (int by = IM_BY_DISTRICT; by <= IM_BY_CATEGORY; by++) {
            f = (im_filter_t){.province = hostile[i]};
            CHECK(stats(store, (im_group_t)by, &f).incidents == 0,
                  "province '%s' by %d selected rows", hostile[i], by);
        }
    }
    /* Dates compare as text: every record is after 2000. */
    f = (im_filter_t){.to = "2000' OR '1'='1"};
    CHECK(stats(store, IM_BY_MONTH, &f).incidents == 0, "to with OR selected rows");
    CHECK(stats(store, IM_BY_YEAR, NULL).incidents == all.incidents,
          "the table is intact");

    im_store_free(store);
    unlink(db);
    im_geocoder_free(geo);
    im_layer_free(layer);
    im_gazetteer_free(gaz);
    im_ctx_free(ctx);
    TEST_DONE();
}
