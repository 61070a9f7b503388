/*
 * test_gazetteer.c: place text as incident reports write it, resolved by
 * the project's gazetteer; the cases are data (tests/data/
 * gazetteer-cases.csv: text, province hint, expected district id and,
 * where it matters, method).
 */
#include "csv.h"
#include "gazetteer.h"
#include "testlib.h"

static const char *write_file(char *path, size_t n, const char *name,
                              const char *text)
{
    snprintf(path, n, "%s/%s", test_tmpdir(), name);
    FILE *f = fopen(path, "w");
    if (f) {
        fputs(text, f);
        fclose(f);
    }
    return path;
}

/* An analyst's own places, added to the gazetteer. */
static void places_checks(im_ctx_t *ctx, im_gazetteer_t *gaz)
{
    char path[1024];
    size_t before = im_gazetteer_entry_count(gaz);
    im_match_t m;

    /* A bad row anywhere leaves the gazetteer as it was. */
    write_file(path, sizeof path, "places-bad.csv",
               "name,district,lat,lon\n"
               "Zzyzx Kalay,kp-khyber,,\n"
               "Qqarpa,Malir,25.1,x\n");
    CHECK(im_gazetteer_add_places(ctx, gaz, path) == IM_ERR_DATA,
          "bad longitude");
    CHECK(strstr(im_ctx_errmsg(ctx), "places-bad.csv:3: lon: 'x'") != NULL,
          "%s", im_ctx_errmsg(ctx));
    CHECK(im_gazetteer_entry_count(gaz) == before, "entries %zu, were %zu",
          im_gazetteer_entry_count(gaz), before);
    im_gazetteer_resolve(gaz, "Zzyzx Kalay", NULL, &m);
    CHECK(m.method == IM_MATCH_UNMATCHED, "a failed file added nothing");
    write_file(path, sizeof path, "places-nocol.csv", "name,lat,lon\nA,1,2\n");
    CHECK(im_gazetteer_add_places(ctx, gaz, path) == IM_ERR_PARSE &&
              strstr(im_ctx_errmsg(ctx), ":1: missing column 'district'"),
          "%s", im_ctx_errmsg(ctx));
    write_file(path, sizeof path, "places-empty.csv", "name,district\n");
    CHECK(im_gazetteer_add_places(ctx, gaz, path) == IM_ERR_DATA &&
              strstr(im_ctx_errmsg(ctx), "no places"),
          "%s", im_ctx_errmsg(ctx));

    /* Districts by id, name or variant; with and without a position. */
    write_file(path, sizeof path, "places.csv",
               "name,district,province,lat,lon\n"
               "Zzyzx Kalay,kp-khyber,,,\n"
               "Qqarpa,Malir,Sindh,24.95,67.25\n"
               "Sehwan,Kurram Agency,,,\n");
    CHECK(im_gazetteer_add_places(ctx, gaz, path) == IM_OK, "%s",
          im_ctx_errmsg(ctx));
    CHECK(im_gazetteer_entry_count(gaz) == before + 3, "entries %zu",
          im_gazetteer_entry_count(gaz));
    im_gazetteer_resolve(gaz, "Zzyzx Kalay", NULL, &m);
    CHECK(m.district_id && !strcmp(m.district_id, "kp-khyber") &&
              m.method == IM_MATCH_PLACE && m.area && !m.has_point,
          "Zzyzx Kalay: %s", m.district_id ? m.district_id : "-");
    im_gazetteer_resolve(gaz, "Qqarpa", NULL, &m);
    CHECK(m.district_id && !strcmp(m.district_id, "sd-malir") && m.has_point &&
              m.lat_deg == 24.95 && m.lon_deg == 67.25,
          "Qqarpa: %s", m.district_id ? m.district_id : "-");
    /* A name the gazetteer places elsewhere is not overridden. */
    im_gazetteer_resolve(gaz, "Sehwan", NULL, &m);
    CHECK(m.method == IM_MATCH_AMBIGUOUS, "Sehwan: %s",
          im_match_method_name(m.method));

    /* A district name two provinces share needs its province. */
    im_gazetteer_t *twin = im_gazetteer_alloc();
    im_district_info_t a = {.id = "xa-twin", .name = "Twin", .province = "Aland"};
    im_district_info_t b = {.id = "xb-twin", .name = "Twin", .province = "Bland"};
    CHECK(twin && !im_gazetteer_push_district(twin, &a) &&
              !im_gazetteer_push_district(twin, &b),
          "districts");
    im_gazetteer_index_districts(twin);
    CHECK(!im_gazetteer_push_name(twin, "twin", "xa-twin", IM_MATCH_EXACT,
                                  false, 0, 0) &&
              !im_gazetteer_push_name(twin, "twin", "xb-twin", IM_MATCH_EXACT,
                                      false, 0, 0) &&
              !im_gazetteer_push_province(twin, "Aland", "aland") &&
              !im_gazetteer_push_province(twin, "Bland", "bland") &&
              !im_gazetteer_index_names(twin),
          "names");
    write_file(path, sizeof path, "places-twin.csv",
               "name,district,province\nZzyzx,Twin,\n");
    CHECK(im_gazetteer_add_places(ctx, twin, path) == IM_ERR_DATA &&
              strstr(im_ctx_errmsg(ctx), "places-twin.csv:2: district: 'Twin' "
                                         "names more than one district"),
          "%s", im_ctx_errmsg(ctx));
    write_file(path, sizeof path, "places-twin.csv",
               "name,district,province\nZzyzx,Twin,Bland\n");
    CHECK(im_gazetteer_add_places(ctx, twin, path) == IM_OK, "%s",
          im_ctx_errmsg(ctx));
    im_gazetteer_resolve(twin, "Zzyzx", NULL, &m);
    CHECK(m.district_id && !strcmp(m.district_id, "xb-twin"), "twin: %s",
          m.district_id ? m.district_id : "-");
    im_gazetteer_free(twin);
}

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
        /* Divisions come back with their names and districts. */
        const char *division = NULL;
        CHECK_STR(im_gazetteer_area(copy, "Mekran", &division), "Balochistan");
        CHECK_STR(division, "Makran Division");
        CHECK(im_gazetteer_province(copy, "Makran") == NULL,
              "a division is no province");
        im_match_t m;
        im_gazetteer_resolve(copy, "Dasht, Makran Division", NULL, &m);
        CHECK_STR(m.district_id, "ba-kech");
        im_gazetteer_resolve(copy, "Kalat Division", NULL, &m);
        CHECK(m.method == IM_MATCH_UNMATCHED && m.province &&
                  !strcmp(m.province, "Balochistan"),
              "Kalat Division: %s, province %s", im_match_method_name(m.method),
              m.province ? m.province : "none");
    }
    im_gazetteer_free(copy);
    CHECK(im_gazetteer_open(ctx, "/nonexistent/g.sqlite", &copy) == IM_ERR_IO,
          "a missing database is an I/O error");

    /* Only the words that name something count against a partial match:
     * "10 km north of" locates, "Kalay" may be another place's name. */
    im_match_t plain, far, longer;
    im_gazetteer_resolve(gaz, "Sehwan", NULL, &plain);
    im_gazetteer_resolve(gaz, "10 km north of Sehwan", NULL, &far);
    CHECK(far.score == plain.score && !far.partial, "distance phrase: %.2f",
          far.score);
    im_gazetteer_resolve(gaz, "Sehwan Zzyzx Kalay", NULL, &longer);
    CHECK(longer.partial && longer.score < plain.score, "longer name: %.2f",
          longer.score);

    /* Text naming a place and another district names both candidates. */
    im_match_t two;
    im_gazetteer_resolve(gaz, "Hayatabad, Charsadda", NULL, &two);
    CHECK(two.method == IM_MATCH_AMBIGUOUS && two.district_id && two.other_id &&
              !strcmp(two.district_id, "kp-peshawar") &&
              !strcmp(two.other_id, "kp-charsadda"),
          "Hayatabad, Charsadda: %s %s or %s", im_match_method_name(two.method),
          two.district_id ? two.district_id : "-",
          two.other_id ? two.other_id : "-");
    /* A district that only repeats the place's own does not make the
     * match partial. */
    im_match_t own;
    im_gazetteer_resolve(gaz, "Sehwan, Jamshoro", NULL, &own);
    CHECK(own.score == plain.score && !own.partial, "Sehwan, Jamshoro: %.2f",
          own.score);

    places_checks(ctx, gaz);

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
