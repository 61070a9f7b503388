/*
 * fuzz_normalize.c: place-name folding and matching on arbitrary text.
 * The input is "text", optionally followed by a tab and a province hint,
 * and another tab and "lat lon" coordinates.  It goes through the
 * normaliser, the skeleton, the edit distance (against a plain reference
 * implementation), the gazetteer's resolver and search, the geocoder and
 * the mention finder, over the project's own gazetteer and boundaries,
 * opened once.  Whatever is returned must name real districts and stay
 * within the bounds incimap.h gives.
 */
#include "fuzz.h"
#include "gazetteer.h"
#include "incimap.h"
#include "normalize.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static im_ctx_t *ctx;
static im_gazetteer_t *gaz;
static im_layer_t *layer;
static im_geocoder_t *geo;
static im_mention_finder_t *finder;

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    fuzz_open_geocoder("fuzz_normalize", &ctx, &gaz, &layer, &geo);
    if (im_mention_finder_new(ctx, gaz, &finder)) {
        fprintf(stderr, "fuzz_normalize: %s\n", im_ctx_errmsg(ctx));
        abort();
    }
    return 0;
}

static void fail(const char *what, const char *text)
{
    fprintf(stderr, "%s (text '%s')\n", what, text);
    abort();
}

/* Lower-case ASCII words and digits, single spaces between them. */
static bool is_key(const char *k)
{
    for (const char *p = k; *p; p++)
        if (!((*p >= 'a' && *p <= 'z') || (*p >= '0' && *p <= '9') ||
              (*p == ' ' && p != k && p[1] && p[1] != ' ')))
            return false;
    return true;
}

static int reference_distance(const char *a, const char *b)
{
    size_t la = strlen(a), lb = strlen(b);
    int d[128][128];
    for (size_t i = 0; i <= la; i++)
        d[i][0] = (int)i;
    for (size_t j = 0; j <= lb; j++)
        d[0][j] = (int)j;
    for (size_t i = 1; i <= la; i++)
        for (size_t j = 1; j <= lb; j++) {
            int v = d[i - 1][j - 1] + (a[i - 1] != b[j - 1]);
            if (d[i - 1][j] + 1 < v)
                v = d[i - 1][j] + 1;
            if (d[i][j - 1] + 1 < v)
                v = d[i][j - 1] + 1;
            d[i][j] = v;
        }
    return d[la][lb];
}

static void check_district(const char *id, const char *text)
{
    if (!id || !im_gazetteer_district(gaz, id, NULL, NULL))
        fail("an unknown district", text);
}

static void check_match(const im_match_t *m, const char *text)
{
    if (!(m->score >= 0 && m->score <= 1))
        fail("score out of range", text);
    if (m->method == IM_MATCH_UNMATCHED)
        return;
    check_district(m->district_id, text);
    if (m->method == IM_MATCH_AMBIGUOUS)
        check_district(m->other_id, text);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *text = fuzz_string(data, size);
    char *province = NULL, *coords = NULL;
    char *tab = strchr(text, '\t');
    if (tab) {
        *tab = '\0';
        province = tab + 1;
        if ((tab = strchr(province, '\t'))) {
            *tab = '\0';
            coords = tab + 1;
        }
    }

    char key[256], again[256], skel[256], tiny[8];
    im_normalize(text, key, sizeof key);
    if (strlen(key) >= sizeof key || !is_key(key))
        fail("im_normalize gave a malformed key", text);
    /* Keys are stored normalised and read back as they are (see
     * im_gazetteer_push_name), so folding a key must leave it alone;
     * a key cut at the buffer's end may end inside a word. */
    if (strlen(key) < 200) {
        im_normalize(key, again, sizeof again);
        if (strcmp(key, again))
            fail("im_normalize is not idempotent", text);
    }
    size_t n = size % sizeof tiny;
    memset(tiny, 'x', sizeof tiny);
    im_normalize(text, tiny, n);
    if (n && (strlen(tiny) >= n || strncmp(tiny, key, strlen(tiny))))
        fail("im_normalize into a small buffer", text);
    im_skeleton(key, skel, sizeof skel);
    if (strlen(skel) > strlen(key) || strchr(skel, ' '))
        fail("im_skeleton", text);
    im_skeleton(key, tiny, n);
    if (n && strlen(tiny) >= n)
        fail("im_skeleton into a small buffer", text);

    if (province) {
        char pkey[256];
        im_normalize(province, pkey, sizeof pkey);
        if (strlen(key) <= 127 && strlen(pkey) <= 127) {
            for (int max = 0; max <= 3; max++) {
                int want = reference_distance(key, pkey);
                int got = im_edit_distance(key, pkey, max);
                if (got != (want > max ? max + 1 : want) ||
                    got != im_edit_distance(pkey, key, max))
                    fail("im_edit_distance", text);
            }
        }
    }
    if (im_edit_distance(key, key, 0) != 0)
        fail("im_edit_distance of a key to itself", text);

    im_match_t m;
    im_gazetteer_resolve(gaz, text, province, &m);
    check_match(&m, text);
    const char *p = im_gazetteer_province(gaz, text);
    if (p && !im_gazetteer_province(gaz, p))
        fail("a province that is not its own name", text);

    /* The search measures the text against every name, which would
     * otherwise be most of the time spent per input: one in four. */
    im_candidate_t cand[8];
    size_t max = size % 4 == 0 ? size / 4 % 9 : 0;
    size_t nc = im_gazetteer_search(gaz, text, cand, max);
    if (nc > max)
        fail("im_gazetteer_search overran", text);
    for (size_t i = 0; i < nc; i++) {
        check_district(cand[i].district_id, text);
        if (i && cand[i].score > cand[i - 1].score)
            fail("im_gazetteer_search out of order", text);
    }

    bool has_point = false;
    double lat = 0, lon = 0;
    if (coords) {
        char *end;
        lat = strtod(coords, &end);
        if (end != coords) {
            char *end2;
            lon = strtod(end + (*end == ','), &end2);
            has_point = end2 != end;
        }
    }
    im_geocode_t g;
    im_geocode(geo, text, province, has_point, lon, lat, &g);
    if (g.precision < 0 || g.precision > 3 || !(g.score >= 0 && g.score <= 1) ||
        (g.polygon != (size_t)-1 && g.polygon >= im_layer_count(layer)))
        fail("im_geocode out of range", text);
    if (g.district_id)
        check_district(g.district_id, text);

    im_mentions_t *ms;
    size_t len = strlen(text);
    if (im_mention_finder_scan(ctx, finder, text, len, &ms) == IM_OK) {
        size_t last = 0;
        for (size_t i = 0; i < im_mentions_count(ms); i++) {
            im_mention_t mt;
            im_mentions_get(ms, i, &mt);
            if (mt.offset_bytes < last || mt.length_bytes == 0 ||
                mt.offset_bytes + mt.length_bytes > len ||
                mt.sentence_offset_bytes > mt.offset_bytes ||
                mt.sentence_offset_bytes + mt.sentence_length_bytes <
                    mt.offset_bytes + mt.length_bytes ||
                mt.count < -1)
                fail("a mention outside the text", text);
            if (mt.kind != IM_MENTION_PROVINCE)
                check_district(mt.district_id, text);
            last = mt.offset_bytes + mt.length_bytes;
        }
        im_mentions_free(ms);
    } else {
        fail(im_ctx_errmsg(ctx), text);
    }
    free(text);
    return 0;
}
