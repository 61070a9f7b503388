/*
 * test_gazetteer.c: place text as incident reports write it, resolved by
 * the project's gazetteer; the cases are data (tests/data/
 * gazetteer-cases.csv: text, province hint, expected district id and,
 * where it matters, method).
 */
#include "csv.h"
#include "gazetteer.h"
#include "testlib.h"

int main(void)
{
    char path[1024], data[1024];
    im_ctx_t *ctx = im_ctx_new();
    im_ctx_set_data_dir(ctx, test_path(data, sizeof data, "data"));
    im_gazetteer_t *gaz;
    CHECK(im_gazetteer_open(ctx, NULL, &gaz) == IM_OK, "%s", im_ctx_errmsg(ctx));
    if (test_failures)
        TEST_DONE();
    im_csv_t *csv;
    CHECK(im_csv_open(ctx, test_path(path, sizeof path,
                                     "tests/data/gazetteer-cases.csv"),
                      &csv) == IM_OK,
          "%s", im_ctx_errmsg(ctx));
    int cases = 0;
    while (csv && im_csv_next(csv) == 1) {
        const char *text = im_csv_field(csv, 0), *hint = im_csv_field(csv, 1);
        const char *want = im_csv_field(csv, 2), *method = im_csv_field(csv, 3);
        im_match_t m;
        im_gazetteer_resolve(gaz, text, *hint ? hint : NULL, &m);
        const char *got = m.district_id ? m.district_id : "";
        CHECK(!strcmp(got, want), "line %ld: '%s' -> '%s' (%s), want '%s'",
              im_csv_line(csv), text, got, im_match_method_name(m.method), want);
        if (*method)
            CHECK(!strcmp(im_match_method_name(m.method), method),
                  "line %ld: '%s' matched by %s, want %s", im_csv_line(csv),
                  text, im_match_method_name(m.method), method);
        CHECK(m.score >= 0 && m.score <= 1, "score in 0..1");
        cases++;
    }
    CHECK(cases >= 20, "%d cases", cases);
    im_csv_free(csv);

    /* Compiled to SQLite and read back, it answers every case alike. */
    char db[1024];
    snprintf(db, sizeof db, "%s/gazetteer-test.sqlite", test_tmpdir());
    CHECK(im_gazetteer_save(ctx, gaz, db) == IM_OK, "%s", im_ctx_errmsg(ctx));
    im_gazetteer_t *copy = NULL;
    CHECK(im_gazetteer_open(ctx, db, &copy) == IM_OK, "%s", im_ctx_errmsg(ctx));
    if (copy) {
        CHECK(im_gazetteer_count(copy) == im_gazetteer_count(gaz),
              "districts %zu vs %zu", im_gazetteer_count(copy),
              im_gazetteer_count(gaz));
        CHECK(im_gazetteer_entry_count(copy) == im_gazetteer_entry_count(gaz),
              "names %zu vs %zu", im_gazetteer_entry_count(copy),
              im_gazetteer_entry_count(gaz));
        im_csv_t *again;
        CHECK(im_csv_open(ctx, path, &again) == IM_OK, "%s", im_ctx_errmsg(ctx));
        while (again && im_csv_next(again) == 1) {
            im_match_t a, b;
            const char *text = im_csv_field(again, 0), *hint = im_csv_field(again, 1);
            im_gazetteer_resolve(gaz, text, *hint ? hint : NULL, &a);
            im_gazetteer_resolve(copy, text, *hint ? hint : NULL, &b);
            CHECK(a.method == b.method && a.score == b.score &&
                      !strcmp(a.district_id ? a.district_id : "",
                              b.district_id ? b.district_id : ""),
                  "'%s' resolves alike from SQLite", text);
        }
        im_csv_free(again);
        CHECK_STR(im_gazetteer_province(copy, "NWFP"), "Khyber Pakhtunkhwa");
    }
    im_gazetteer_free(copy);
    CHECK(im_gazetteer_open(ctx, "/nonexistent/g.sqlite", &copy) == IM_ERR_IO,
          "a missing database is an I/O error");

    /* Province names and abbreviations. */
    CHECK_STR(im_gazetteer_province(gaz, "KPK"), "Khyber Pakhtunkhwa");
    CHECK_STR(im_gazetteer_province(gaz, "NWFP"), "Khyber Pakhtunkhwa");
    CHECK_STR(im_gazetteer_province(gaz, "Baluchistan"), "Balochistan");
    CHECK(im_gazetteer_province(gaz, "Atlantis") == NULL, "unknown province");
    im_gazetteer_free(gaz);

    /* A broken table is an error naming its file and line. */
    CHECK(im_gazetteer_open(ctx, "/nonexistent", &gaz) == IM_ERR_IO,
          "missing directory");
    CHECK(strstr(im_ctx_errmsg(ctx), "/nonexistent/districts.csv") != NULL,
          "%s", im_ctx_errmsg(ctx));
    im_ctx_free(ctx);
    TEST_DONE();
}
