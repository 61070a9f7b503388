/*
 * test_gazetteer.c: place text as incident reports write it, resolved by
 * the project's gazetteer; the cases are data (tests/data/
 * gazetteer-cases.csv: text, province hint, expected district id and,
 * where it matters, method).
 */
#include "csv.h"
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
