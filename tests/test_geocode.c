/*
 * test_geocode.c: the geocoder on the embedded boundaries: text, text with
 * coordinates, conflicts and province-only text from a table
 * (tests/data/geocode-cases.csv), then the edge cases of point in polygon
 * computed from the polygons themselves: a vertex, the middle of a shared
 * edge, just off the coast, a district headquarters without text, and a
 * name that two districts share.
 */
#include "csv.h"
#include "gazetteer.h"
#include "layer.h"
#include "testlib.h"

#include <math.h>

static im_gazetteer_t *gaz;
static im_layer_t *layer;
static im_geocoder_t *geo;

static size_t polygon_of(const char *id)
{
    size_t i = im_layer_find_district(layer, id);
    CHECK(i != (size_t)-1, "a polygon for %s", id);
    return i;
}

static void table_cases(im_ctx_t *ctx)
{
    char path[1024];
    im_csv_t *csv;
    CHECK(im_csv_open(ctx, test_path(path, sizeof path,
                                     "tests/data/geocode-cases.csv"),
                      &csv) == IM_OK,
          "%s", im_ctx_errmsg(ctx));
    int n = 0;
    while (csv && im_csv_next(csv) == 1) {
        const char *text = im_csv_field(csv, 0), *prov = im_csv_field(csv, 1);
        const char *lat = im_csv_field(csv, 2), *lon = im_csv_field(csv, 3);
        const char *want = im_csv_field(csv, 4), *method = im_csv_field(csv, 5);
        const char *precision = im_csv_field(csv, 6);
        im_geocode_t g;
        im_geocode(geo, text, prov, *lat != '\0', atof(lon), atof(lat), &g);
        const char *got = g.district_id ? g.district_id : "";
        CHECK(!strcmp(got, want), "line %ld (%s): district '%s', want '%s'",
              im_csv_line(csv), im_csv_field(csv, 7), got, want);
        CHECK(!strcmp(im_match_method_name(g.method), method),
              "line %ld (%s): method %s, want %s", im_csv_line(csv),
              im_csv_field(csv, 7), im_match_method_name(g.method), method);
        if (*precision)
            CHECK(g.precision == atoi(precision),
                  "line %ld (%s): precision %d, want %s", im_csv_line(csv),
                  im_csv_field(csv, 7), g.precision, precision);
        if (g.method == IM_MATCH_CONFLICT)
            CHECK(g.other_id && !strcmp(g.other_id, "kp-peshawar"),
                  "a conflict names the text's district too");
        if (!strcmp(text, "Balochistan"))
            CHECK_STR(g.province, "Balochistan");
        n++;
    }
    CHECK(n >= 12, "%d cases", n);
    im_csv_free(csv);
}

/* Every point on a district's outline gets a district: itself or the
 * neighbour across the edge, never nothing. */
static void edge_cases(void)
{
    size_t q = polygon_of("ba-quetta");
    if (q == (size_t)-1)
        return;
    const im_shape_t *s = im_layer_shape(layer, q);
    const im_xy_t *p = s->pts + s->rings[0].start;
    for (size_t k = 0; k + 1 < s->rings[0].count; k += 3) {
        double mx = (p[k].x + p[k + 1].x) / 2, my = (p[k].y + p[k + 1].y) / 2;
        size_t on_vertex = im_geocoder_locate(geo, p[k].x, p[k].y, 8);
        size_t on_edge = im_geocoder_locate(geo, mx, my, 8);
        CHECK(on_vertex != (size_t)-1, "vertex %zu of Quetta located", k);
        CHECK(on_edge != (size_t)-1, "edge %zu of Quetta located", k);
        if (on_edge != (size_t)-1)
            CHECK(on_edge == q || im_geocoder_distance_km(geo, on_edge, mx, my) < 0.5,
                  "the edge's district touches the edge");
    }
    /* Just off the coast of Gwadar: 3 km south of the coastline point
     * nearest the town still counts as Gwadar; 40 km out does not. */
    size_t gw = polygon_of("ba-gwadar");
    if (gw != (size_t)-1) {
        const im_shape_t *gs = im_layer_shape(layer, gw);
        double best = INFINITY, bx = 0, by = 0;
        for (size_t k = 0; k < gs->npts; k++)
            if (gs->pts[k].y < best) {
                best = gs->pts[k].y;
                bx = gs->pts[k].x;
                by = gs->pts[k].y;
            }
        im_geocode_t g;
        im_geocode(geo, NULL, NULL, true, bx, by - 3.0 / 111.2, &g);
        CHECK(g.district_id && !strcmp(g.district_id, "ba-gwadar"),
              "3 km off the coast: %s", g.district_id ? g.district_id : "none");
        CHECK(g.precision == 2, "off the coast is 'near', precision %d",
              g.precision);
        im_geocode(geo, NULL, NULL, true, bx, by - 40.0 / 111.2, &g);
        CHECK(g.method == IM_MATCH_UNMATCHED, "40 km out at sea: %s",
              im_match_method_name(g.method));
    }
}

/* Coordinates on a district headquarters say "somewhere here": without
 * text they give no district; with text that agrees they give it. */
static void centroid_cases(void)
{
    im_match_t m;
    im_gazetteer_resolve(gaz, "Mastung", NULL, &m);
    CHECK(m.has_point, "Mastung has a headquarters");
    im_geocode_t g;
    im_geocode(geo, "unknown", NULL, true, m.lon_deg, m.lat_deg, &g);
    CHECK(g.district_id == NULL && g.precision == 3,
          "headquarters without text: no district (%s), precision %d",
          g.district_id ? g.district_id : "none", g.precision);
    CHECK(g.province && !strcmp(g.province, "Balochistan"), "but a province");
    im_geocode(geo, "Mastung", NULL, true, m.lon_deg, m.lat_deg, &g);
    CHECK(g.district_id && !strcmp(g.district_id, "ba-mastung"),
          "headquarters with agreeing text");
}

/* A name two districts share is ambiguous, names both, and a province
 * hint or coordinates settle it. */
static void ambiguity_cases(void)
{
    size_t n = im_gazetteer_entry_count(gaz);
    const char *key = NULL, *a = NULL, *b = NULL;
    for (size_t i = 1; i < n && !key; i++) {
        const char *k0, *k1, *d0, *d1;
        im_match_method_t m0, m1;
        im_gazetteer_entry(gaz, i - 1, &k0, &d0, &m0);
        im_gazetteer_entry(gaz, i, &k1, &d1, &m1);
        const char *p0, *p1;
        im_gazetteer_district(gaz, d0, NULL, &p0);
        im_gazetteer_district(gaz, d1, NULL, &p1);
        if (!strcmp(k0, k1) && m0 == IM_MATCH_PLACE && m1 == IM_MATCH_PLACE &&
            strcmp(d0, d1) && !im_gazetteer_is_ancestor(gaz, d0, d1) &&
            !im_gazetteer_is_ancestor(gaz, d1, d0)) {
            key = k0;
            a = d0;
            b = d1;
        }
    }
    CHECK(key != NULL, "the gazetteer has a place name shared by two districts");
    if (!key)
        return;
    im_geocode_t g;
    im_geocode(geo, key, NULL, false, 0, 0, &g);
    CHECK(g.method == IM_MATCH_AMBIGUOUS, "'%s' is ambiguous: %s", key,
          im_match_method_name(g.method));
    CHECK(g.district_id == NULL, "no silent pick");
    CHECK(g.other_id && (!strcmp(g.other_id, a) || !strcmp(g.other_id, b)),
          "names the candidates");
    /* Coordinates in one of them decide. */
    size_t pa = im_layer_find_district(layer, a);
    if (pa != (size_t)-1) {
        /* A point inside the district but away from its label point,
         * which counts as a centroid and would prove nothing. */
        double lon, lat, x = 0, y = 0;
        im_layer_label_point(layer, pa, &lon, &lat);
        for (int k = 1; k <= 8; k++) {
            x = lon + 0.03 * (k % 2 ? 1 : -1) * ((k + 1) / 2);
            y = lat;
            if (im_geocoder_locate(geo, x, y, 0) == pa)
                break;
        }
        im_geocode(geo, key, NULL, true, x, y, &g);
        CHECK(g.method == IM_MATCH_COORDINATES, "coordinates settle '%s': %s",
              key, im_match_method_name(g.method));
    }
}

/* A record whose source names its district too: an unknown village falls
 * back to that district; a place known only elsewhere, or in several
 * districts, gives way to it; a place inside it keeps its precision. */
static void record_cases(void)
{
    static const struct {
        const char *place, *district, *want, *method;
        int precision;
    } cases[] = {
        {"Zzyzx Kalay", "NWA", "kp-north-waziristan", "alias", 3},
        {"Miranshah", "NWA", "kp-north-waziristan", "place", 1},
        {"Tangi", "NWA", "kp-north-waziristan", "alias", 3},
        {"Thal", "Upper Dir", "kp-upper-dir", "exact", 3},
        {"Tangi", "Nowhere Agency", "kp-charsadda", "place", 1},
        {"", "Kurram Agency", "kp-kurram", "exact", 3},
        {"Sehwan", "", "sd-jamshoro", "place", 1},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        im_geocode_t g;
        im_geocode_record(geo, cases[i].place, cases[i].district, "", false,
                          0, 0, &g);
        CHECK(g.district_id && !strcmp(g.district_id, cases[i].want) &&
                  !strcmp(im_match_method_name(g.method), cases[i].method) &&
                  g.precision == cases[i].precision,
              "'%s' in '%s': %s by %s, precision %d; want %s by %s, %d",
              cases[i].place, cases[i].district,
              g.district_id ? g.district_id : "none",
              im_match_method_name(g.method), g.precision, cases[i].want,
              cases[i].method, cases[i].precision);
    }
}

int main(void)
{
    char data[1024];
    im_ctx_t *ctx = im_ctx_new();
    im_ctx_set_data_dir(ctx, test_path(data, sizeof data, "data"));
    CHECK(im_gazetteer_open(ctx, NULL, &gaz) == IM_OK, "%s", im_ctx_errmsg(ctx));
    CHECK(im_layer_read(ctx, gaz, NULL, NULL, &layer) == IM_OK, "%s",
          im_ctx_errmsg(ctx));
    CHECK(im_geocoder_new(ctx, gaz, layer, &geo) == IM_OK, "%s",
          im_ctx_errmsg(ctx));
    if (test_failures)
        TEST_DONE();
    table_cases(ctx);
    edge_cases();
    centroid_cases();
    ambiguity_cases();
    record_cases();
    im_geocoder_free(geo);
    im_layer_free(layer);
    im_gazetteer_free(gaz);
    im_ctx_free(ctx);
    TEST_DONE();
}
