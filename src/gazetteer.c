/*
 * gazetteer.c: districts, their history, spelling variants and places,
 * loaded from the CSV tables in data/gazetteer into one sorted table of normalised
 * names.  Every lookup is a binary search; fuzzy matching scans the table,
 * which is a few thousand short strings.
 */
#include "gazetteer.h"
#include "context.h"
#include "csv.h"
#include "normalize.h"

#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#ifdef __SSE2__
#include <emmintrin.h>
#endif

typedef struct {
    char *id, *name, *province, *parent, *hq, *status, *created;
    char *name_ur;
    long pop2017, pop2023;
    double hq_lon, hq_lat;
    bool has_hq;
    size_t up;          /* parent's index, or NO_DISTRICT */
    bool named_after_hq;  /* "Dera Ismail Khan": any name of it names the town */
} district_t;

#define NO_DISTRICT SIZE_MAX

typedef enum { ENTRY_NAME, ENTRY_ALIAS, ENTRY_PLACE } entry_kind_t;

typedef struct {
    char *key;          /* normalised */
    char *skel;         /* im_skeleton of key */
    size_t district;    /* index into districts */
    entry_kind_t kind;
    bool has_point;
    double lon, lat;
} entry_t;

/* A name of a province, or of a division: several districts of one
 * province, which a text may name in place of any of them. */
typedef struct {
    char *name;         /* the province's */
    char *key;
    size_t region;      /* index into regions, or NO_REGION */
} province_key_t;

#define NO_REGION SIZE_MAX

typedef struct {
    char *name;         /* "Malakand Division" */
    char *province;
    size_t *members;    /* indices into districts */
    size_t nmembers;
} region_t;

/* A name as fuzzy matching first sees it: counts of its letters and
 * digits (36, padded to 48 for whole 16-byte blocks), one edit changing
 * them by at most two, so that counts far apart rule a name out before
 * any edit distance.  Kept apart from the entries, in order of length,
 * so that a scan reads only the names of about the right length, a few
 * kilobytes, not every entry. */
typedef struct {
    unsigned char hist[48];
    uint32_t entry;
} fuzzy_key_t;

#define FUZZY_LENGTHS 256   /* keys are shorter than this */

struct im_gazetteer {
    district_t *districts;
    size_t ndistricts;
    entry_t *entries;
    size_t nentries, cap_entries;
    const entry_t **by_skel;    /* entries sorted by skeleton */
    fuzzy_key_t *fuzzy;         /* one per entry, by key length */
    size_t fuzzy_start[FUZZY_LENGTHS + 1]; /* first of each length */
    province_key_t *provinces;
    size_t nprovinces, cap_provinces;
    region_t *regions;
    size_t nregions;
    char *origin;               /* dir as opened; NULL: the data dir's */
};

static int district_by_id_cmp(const void *a, const void *b)
{
    return strcmp(((const district_t *)a)->id, ((const district_t *)b)->id);
}

static const district_t *find_district(const im_gazetteer_t *g, const char *id)
{
    district_t key = {.id = (char *)id};
    return bsearch(&key, g->districts, g->ndistricts, sizeof key,
                   district_by_id_cmp);
}

/* Each district's parent as an index, once the districts are sorted, so
 * that walking up the history costs no string comparisons; and whether
 * the district bears its headquarters town's name. */
static void link_districts(im_gazetteer_t *g)
{
    for (size_t i = 0; i < g->ndistricts; i++) {
        district_t *d = &g->districts[i];
        const district_t *p = d->parent ? find_district(g, d->parent) : NULL;
        d->up = p ? (size_t)(p - g->districts) : NO_DISTRICT;
        char name[256], hq[256];
        im_normalize(d->name, name, sizeof name);
        im_normalize(d->hq ? d->hq : "", hq, sizeof hq);
        d->named_after_hq = d->has_hq && name[0] && strcmp(name, hq) == 0;
    }
}

/* Whether anc is an ancestor of d; chains are short, and the depth bound
 * keeps a cycle in a broken table from looping. */
static bool ancestor_of(const im_gazetteer_t *g, size_t anc, size_t d)
{
    int depth = 0;
    for (size_t p = g->districts[d].up; p != NO_DISTRICT && depth < 16;
         p = g->districts[p].up, depth++)
        if (p == anc)
            return true;
    return false;
}

static void histogram(const char *key, unsigned char *hist)
{
    memset(hist, 0, 48);
    for (const char *p = key; *p; p++) {
        int b = *p >= 'a' && *p <= 'z' ? *p - 'a'
              : *p >= '0' && *p <= '9' ? 26 + *p - '0' : -1;
        if (b >= 0 && hist[b] < 255)
            hist[b]++;
    }
}

static int add_entry(im_gazetteer_t *g, const char *text, size_t d,
                     entry_kind_t kind, bool has_point, double lon, double lat)
{
    char key[256];
    im_normalize(text, key, sizeof key);
    if (!key[0])
        return 0;
    if (g->nentries == g->cap_entries) {
        size_t cap = g->cap_entries ? g->cap_entries * 2 : 1024;
        entry_t *e = realloc(g->entries, cap * sizeof *e);
        if (!e)
            return -1;
        g->entries = e;
        g->cap_entries = cap;
    }
    entry_t *e = &g->entries[g->nentries];
    char skel[256];
    im_skeleton(key, skel, sizeof skel);
    e->key = im_strdup(key);
    e->skel = im_strdup(skel);
    if (!e->key || !e->skel) {
        free(e->key);
        free(e->skel);
        return -1;
    }
    e->district = d;
    e->kind = kind;
    e->has_point = has_point;
    e->lon = lon;
    e->lat = lat;
    g->nentries++;
    return 0;
}

static int add_province_key(im_gazetteer_t *g, const char *name,
                            const char *text, size_t region)
{
    char key[256];
    im_normalize(text, key, sizeof key);
    if (!key[0])
        return 0;
    if (g->nprovinces == g->cap_provinces) {
        size_t cap = g->cap_provinces ? g->cap_provinces * 2 : 32;
        province_key_t *p = realloc(g->provinces, cap * sizeof *p);
        if (!p)
            return -1;
        g->provinces = p;
        g->cap_provinces = cap;
    }
    province_key_t *p = &g->provinces[g->nprovinces];
    p->name = im_strdup(name);
    p->key = im_strdup(key);
    p->region = region;
    g->nprovinces++;
    return p->name && p->key ? 0 : -1;
}

/* The name a key gives a province or a division; NULL if none. */
static const province_key_t *area_by_key(const im_gazetteer_t *g,
                                         const char *key, bool regions)
{
    for (size_t i = 0; i < g->nprovinces; i++)
        if (g->provinces[i].key[0] == key[0] &&
            (regions || g->provinces[i].region == NO_REGION) &&
            strcmp(g->provinces[i].key, key) == 0)
            return &g->provinces[i];
    return NULL;
}

static const char *province_by_key(const im_gazetteer_t *g, const char *key)
{
    const province_key_t *p = area_by_key(g, key, false);
    return p ? p->name : NULL;
}

/* A division: its name, province and districts (ids separated by ';').
 * Returns 0, -1 out of memory, -2 an unknown district. */
static int add_region(im_gazetteer_t *g, const char *name,
                      const char *province, const char *members)
{
    region_t *r = realloc(g->regions, (g->nregions + 1) * sizeof *r);
    if (!r)
        return -1;
    g->regions = r;
    r = &g->regions[g->nregions++];
    size_t n = 1;
    for (const char *p = members; *p; p++)
        n += *p == ';';
    *r = (region_t){im_strdup(name), im_strdup(province),
                    malloc(n * sizeof *r->members), 0};
    char *list = im_strdup(members);
    int rc = r->name && r->province && r->members && list ? 0 : -1;
    for (char *save = NULL, *id = list ? strtok_r(list, ";", &save) : NULL;
         !rc && id; id = strtok_r(NULL, ";", &save)) {
        const district_t *d = find_district(g, id);
        if (d)
            r->members[r->nmembers++] = (size_t)(d - g->districts);
        else
            rc = -2;
    }
    free(list);
    return rc;
}

static int entry_cmp(const void *a, const void *b)
{
    const entry_t *x = a, *y = b;
    int c = strcmp(x->key, y->key);
    if (c)
        return c;
    if (x->kind != y->kind)
        return (int)x->kind - (int)y->kind;
    return x->district < y->district ? -1 : x->district > y->district;
}

static int skel_cmp(const void *a, const void *b)
{
    const entry_t *x = *(const entry_t *const *)a, *y = *(const entry_t *const *)b;
    int c = strcmp(x->skel, y->skel);
    return c ? c : x < y ? -1 : x > y;
}

/* A key's length as the fuzzy index files it. */
static size_t key_length(const char *key)
{
    size_t len = strlen(key);
    return len < FUZZY_LENGTHS ? len : FUZZY_LENGTHS - 1;
}

/* Sorts the names by key, then a second view of them by skeleton, so both
 * exact and transliteration lookups are binary searches. */
static int index_entries(im_gazetteer_t *g)
{
    /* Allocated before sorting, so that a failure leaves the entries in
     * the order the caller may still have to undo. */
    size_t n = g->nentries ? g->nentries : 1;
    const entry_t **by_skel = malloc(n * sizeof *by_skel);
    fuzzy_key_t *fuzzy = malloc(n * sizeof *fuzzy);
    if (!by_skel || !fuzzy) {
        free(by_skel);
        free(fuzzy);
        return -1;
    }
    qsort(g->entries, g->nentries, sizeof *g->entries, entry_cmp);
    free(g->by_skel);
    g->by_skel = by_skel;
    for (size_t i = 0; i < g->nentries; i++)
        g->by_skel[i] = &g->entries[i];
    qsort(g->by_skel, g->nentries, sizeof *g->by_skel, skel_cmp);

    /* Counting sort by length: fuzzy_start[L] is the first key of length
     * L or more. */
    size_t *start = g->fuzzy_start;
    memset(start, 0, sizeof g->fuzzy_start);
    for (size_t i = 0; i < g->nentries; i++)
        start[key_length(g->entries[i].key) + 1]++;
    for (size_t l = 1; l <= FUZZY_LENGTHS; l++)
        start[l] += start[l - 1];
    size_t next[FUZZY_LENGTHS];
    memcpy(next, start, sizeof next);
    for (size_t i = 0; i < g->nentries; i++) {
        fuzzy_key_t *f = &fuzzy[next[key_length(g->entries[i].key)]++];
        histogram(g->entries[i].key, f->hist);
        f->entry = (uint32_t)i;
    }
    free(g->fuzzy);
    g->fuzzy = fuzzy;
    return 0;
}

/* Sum of the absolute differences of two padded letter counts. */
static int hist_distance(const unsigned char *a, const unsigned char *b)
{
#ifdef __SSE2__
    __m128i sum = _mm_setzero_si128();
    for (int k = 0; k < 48; k += 16)
        sum = _mm_add_epi64(sum, _mm_sad_epu8(_mm_loadu_si128((const __m128i *)(a + k)),
                                              _mm_loadu_si128((const __m128i *)(b + k))));
    return _mm_cvtsi128_si32(sum) + _mm_cvtsi128_si32(_mm_srli_si128(sum, 8));
#else
    int d = 0;
    for (int k = 0; k < 36; k++)
        d += abs((int)a[k] - (int)b[k]);
    return d;
#endif
}

/* Parses a coordinate field; false when empty or out of range. */
static bool parse_deg(const char *s, double limit, double *out)
{
    char *end;
    if (!*s)
        return false;
    double v = strtod(s, &end);
    if (*end || !isfinite(v) || fabs(v) > limit)
        return false;
    *out = v;
    return true;
}

/* Opens one gazetteer table and finds its required columns. */
static im_status_t open_table(im_ctx_t *ctx, const char *dir, const char *file,
                              const char *const *cols, int *idx, im_csv_t **out)
{
    char path[4096];
    snprintf(path, sizeof path, "%s/%s", dir, file);
    im_status_t st = im_csv_open(ctx, path, out);
    if (st)
        return st;
    for (int i = 0; cols[i]; i++) {
        idx[i] = im_csv_column(*out, cols[i]);
        if (idx[i] < 0) {
            im_csv_free(*out);
            *out = NULL;
            return im_error(ctx, IM_ERR_PARSE, "%s:1: missing column '%s'",
                            path, cols[i]);
        }
    }
    return IM_OK;
}

static im_status_t load_districts(im_ctx_t *ctx, im_gazetteer_t *g,
                                  const char *dir)
{
    static const char *const cols[] = {"id", "name", "province", "hq_lat",
                                       "hq_lon", "parent", "hq", NULL};
    int c[7];
    im_csv_t *csv;
    im_status_t st = open_table(ctx, dir, "districts.csv", cols, c, &csv);
    if (st)
        return st;
    size_t cap = 0;
    int cstatus = im_csv_column(csv, "status");
    int ccreated = im_csv_column(csv, "created");
    int r;
    while ((r = im_csv_next(csv)) == 1) {
        if (g->ndistricts == cap) {
            cap = cap ? cap * 2 : 256;
            district_t *d = realloc(g->districts, cap * sizeof *d);
            if (!d)
                goto nomem;
            g->districts = d;
        }
        district_t *d = &g->districts[g->ndistricts];
        memset(d, 0, sizeof *d);
        const char *id = im_csv_field(csv, c[0]);
        if (!*id) {
            st = im_error(ctx, IM_ERR_PARSE, "%s:%ld: id: empty",
                          im_csv_path(csv), im_csv_line(csv));
            goto fail;
        }
        d->id = im_strdup(id);
        d->name = im_strdup(im_csv_field(csv, c[1]));
        d->province = im_strdup(im_csv_field(csv, c[2]));
        const char *parent = im_csv_field(csv, c[5]);
        d->parent = *parent ? im_strdup(parent) : NULL;
        d->hq = im_strdup(im_csv_field(csv, c[6]));
        d->status = im_strdup(cstatus >= 0 ? im_csv_field(csv, cstatus) : "");
        d->created = im_strdup(ccreated >= 0 ? im_csv_field(csv, ccreated) : "");
        g->ndistricts++;
        if (!d->id || !d->name || !d->province || !d->hq || !d->status ||
            !d->created ||
            (*parent && !d->parent))
            goto nomem;
        d->has_hq = parse_deg(im_csv_field(csv, c[3]), 90, &d->hq_lat) &&
                    parse_deg(im_csv_field(csv, c[4]), 180, &d->hq_lon);
    }
    if (r < 0) {
        st = IM_ERR_PARSE;
        goto fail;
    }
    qsort(g->districts, g->ndistricts, sizeof *g->districts,
          district_by_id_cmp);
    link_districts(g);
    for (size_t i = 1; i < g->ndistricts; i++)
        if (strcmp(g->districts[i - 1].id, g->districts[i].id) == 0) {
            st = im_error(ctx, IM_ERR_DATA, "%s: id: '%s' appears twice",
                          im_csv_path(csv), g->districts[i].id);
            goto fail;
        }
    for (size_t i = 0; i < g->ndistricts; i++) {
        district_t *d = &g->districts[i];
        if (d->parent && !find_district(g, d->parent)) {
            st = im_error(ctx, IM_ERR_DATA,
                          "%s: parent: district '%s' names unknown parent '%s'",
                          im_csv_path(csv), d->id, d->parent);
            goto fail;
        }
        if (add_entry(g, d->name, i, ENTRY_NAME, d->has_hq, d->hq_lon,
                      d->hq_lat))
            goto nomem;
        /* The headquarters town is a place in its own right: "Khar" is
         * Bajaur, and "Quetta" names a town as well as a district. */
        if (d->has_hq && add_entry(g, d->hq, i, ENTRY_PLACE, true, d->hq_lon,
                                   d->hq_lat))
            goto nomem;
    }
    im_csv_free(csv);
    return IM_OK;
nomem:
    st = im_error(ctx, IM_ERR_NOMEM, "out of memory");
fail:
    im_csv_free(csv);
    return st;
}

/* Reads aliases.csv or places.csv: both map a name to a district id. */
static im_status_t load_names(im_ctx_t *ctx, im_gazetteer_t *g, const char *dir,
                              const char *file, const char *name_col,
                              entry_kind_t kind)
{
    const char *const cols[] = {name_col, "district_id", NULL};
    int c[2];
    im_csv_t *csv;
    im_status_t st = open_table(ctx, dir, file, cols, c, &csv);
    if (st)
        return st;
    int clat = im_csv_column(csv, "lat"), clon = im_csv_column(csv, "lon");
    int r;
    while ((r = im_csv_next(csv)) == 1) {
        const char *id = im_csv_field(csv, c[1]);
        const district_t *d = find_district(g, id);
        if (!d) {
            st = im_error(ctx, IM_ERR_DATA,
                          "%s:%ld: district_id: unknown district '%s'",
                          im_csv_path(csv), im_csv_line(csv), id);
            goto fail;
        }
        double lon = 0, lat = 0;
        bool pt = clat >= 0 && clon >= 0 &&
                  parse_deg(im_csv_field(csv, clat), 90, &lat) &&
                  parse_deg(im_csv_field(csv, clon), 180, &lon);
        if (kind == ENTRY_ALIAS && d->has_hq) {
            pt = true;
            lon = d->hq_lon;
            lat = d->hq_lat;
        }
        if (add_entry(g, im_csv_field(csv, c[0]), (size_t)(d - g->districts),
                      kind, pt, lon, lat)) {
            st = im_error(ctx, IM_ERR_NOMEM, "out of memory");
            goto fail;
        }
    }
    st = r < 0 ? IM_ERR_PARSE : IM_OK;
fail:
    im_csv_free(csv);
    return st;
}

static im_status_t load_provinces(im_ctx_t *ctx, im_gazetteer_t *g,
                                  const char *dir)
{
    static const char *const cols[] = {"name", "aliases", NULL};
    int c[2];
    im_csv_t *csv;
    im_status_t st = open_table(ctx, dir, "provinces.csv", cols, c, &csv);
    if (st)
        return st;
    int r;
    while ((r = im_csv_next(csv)) == 1) {
        const char *name = im_csv_field(csv, c[0]);
        if (add_province_key(g, name, name, NO_REGION))
            goto nomem;
        char aliases[1024];
        snprintf(aliases, sizeof aliases, "%s", im_csv_field(csv, c[1]));
        for (char *save = NULL, *a = strtok_r(aliases, ";", &save); a;
             a = strtok_r(NULL, ";", &save))
            if (add_province_key(g, name, a, NO_REGION))
                goto nomem;
    }
    im_csv_free(csv);
    return r < 0 ? IM_ERR_PARSE : IM_OK;
nomem:
    im_csv_free(csv);
    return im_error(ctx, IM_ERR_NOMEM, "out of memory");
}

/* Divisions (divisions.csv), so that "Malakand Division" is read as the
 * division and not as the district of the same name.  Optional, like the
 * facts below. */
static im_status_t load_divisions(im_ctx_t *ctx, im_gazetteer_t *g,
                                  const char *dir)
{
    char path[4096];
    snprintf(path, sizeof path, "%s/divisions.csv", dir);
    if (access(path, R_OK) != 0)
        return IM_OK;
    static const char *const cols[] = {"name", "province", "districts",
                                       "aliases", NULL};
    int c[4];
    im_csv_t *csv;
    im_status_t st = open_table(ctx, dir, "divisions.csv", cols, c, &csv);
    if (st)
        return st;
    int r;
    while (!st && (r = im_csv_next(csv)) == 1) {
        const char *name = im_csv_field(csv, c[0]);
        char key[256];
        im_normalize(im_csv_field(csv, c[1]), key, sizeof key);
        const char *province = province_by_key(g, key);
        if (!province) {
            st = im_error(ctx, IM_ERR_DATA, "%s:%ld: province: unknown '%s'",
                          im_csv_path(csv), im_csv_line(csv),
                          im_csv_field(csv, c[1]));
            break;
        }
        size_t region = g->nregions;
        int rc = add_region(g, name, province, im_csv_field(csv, c[2]));
        if (rc == -2) {
            st = im_error(ctx, IM_ERR_DATA, "%s:%ld: districts: an unknown "
                          "district in '%s'", im_csv_path(csv),
                          im_csv_line(csv), im_csv_field(csv, c[2]));
            break;
        }
        rc = rc ? rc : add_province_key(g, province, name, region);
        char aliases[1024];
        snprintf(aliases, sizeof aliases, "%s", im_csv_field(csv, c[3]));
        for (char *save = NULL, *a = strtok_r(aliases, ";", &save); !rc && a;
             a = strtok_r(NULL, ";", &save))
            rc = add_province_key(g, province, a, region);
        if (rc)
            st = im_error(ctx, IM_ERR_NOMEM, "out of memory");
    }
    im_csv_free(csv);
    return st ? st : r < 0 ? IM_ERR_PARSE : IM_OK;
}

/* Urdu names and census populations (district-facts.csv).  Optional:
 * a gazetteer without them still resolves places. */
static im_status_t load_facts(im_ctx_t *ctx, im_gazetteer_t *g, const char *dir)
{
    char path[4096];
    snprintf(path, sizeof path, "%s/district-facts.csv", dir);
    if (access(path, R_OK) != 0)
        return IM_OK;
    static const char *const cols[] = {"district_id", "name_ur", "population_2017",
                                       "population_2023", NULL};
    int c[4];
    im_csv_t *csv;
    im_status_t st = open_table(ctx, dir, "district-facts.csv", cols, c, &csv);
    if (st)
        return st;
    int r;
    while ((r = im_csv_next(csv)) == 1) {
        district_t *d = (district_t *)find_district(g, im_csv_field(csv, c[0]));
        if (!d) {
            st = im_error(ctx, IM_ERR_DATA, "%s:%ld: district_id: unknown '%s'",
                          im_csv_path(csv), im_csv_line(csv),
                          im_csv_field(csv, c[0]));
            break;
        }
        free(d->name_ur);
        d->name_ur = im_strdup(im_csv_field(csv, c[1]));
        d->pop2017 = atol(im_csv_field(csv, c[2]));
        d->pop2023 = atol(im_csv_field(csv, c[3]));
    }
    im_csv_free(csv);
    return st ? st : r < 0 ? IM_ERR_PARSE : IM_OK;
}

im_status_t im_gazetteer_open(im_ctx_t *ctx, const char *dir,
                              im_gazetteer_t **out)
{
    *out = NULL;
    size_t dlen = dir ? strlen(dir) : 0;
    char *origin = dir ? im_strdup(dir) : NULL;
    if (dir && !origin)
        return im_error(ctx, IM_ERR_NOMEM, "out of memory");
    if (dlen > 7 && strcmp(dir + dlen - 7, ".sqlite") == 0) {
        im_status_t st = im_gazetteer_load_sqlite(ctx, dir, out);
        if (st)
            free(origin);
        else
            (*out)->origin = origin;
        return st;
    }
    char *owned = NULL;
    if (!dir) {
        owned = im_data_path(ctx, "gazetteer");
        if (!owned)
            return im_error(ctx, IM_ERR_NOMEM, "out of memory");
        dir = owned;
    }
    im_gazetteer_t *g = calloc(1, sizeof *g);
    im_status_t st = g ? IM_OK : im_error(ctx, IM_ERR_NOMEM, "out of memory");
    if (!st)
        st = load_districts(ctx, g, dir);
    if (!st)
        st = load_names(ctx, g, dir, "aliases.csv", "alias", ENTRY_ALIAS);
    if (!st)
        st = load_names(ctx, g, dir, "places.csv", "name", ENTRY_PLACE);
    if (!st)
        st = load_provinces(ctx, g, dir);
    if (!st)
        st = load_divisions(ctx, g, dir);
    if (!st)
        st = load_facts(ctx, g, dir);
    free(owned);
    if (!st && index_entries(g))
        st = im_error(ctx, IM_ERR_NOMEM, "out of memory");
    if (st) {
        free(origin);
        im_gazetteer_free(g);
        return st;
    }
    g->origin = origin;
    *out = g;
    return IM_OK;
}

const char *im_gazetteer_origin(const im_gazetteer_t *gaz)
{
    return gaz->origin;
}

void im_gazetteer_free(im_gazetteer_t *g)
{
    if (!g)
        return;
    free(g->origin);
    for (size_t i = 0; i < g->ndistricts; i++) {
        free(g->districts[i].id);
        free(g->districts[i].name);
        free(g->districts[i].province);
        free(g->districts[i].parent);
        free(g->districts[i].hq);
        free(g->districts[i].status);
        free(g->districts[i].created);
        free(g->districts[i].name_ur);
    }
    for (size_t i = 0; i < g->nentries; i++) {
        free(g->entries[i].key);
        free(g->entries[i].skel);
    }
    for (size_t i = 0; i < g->nprovinces; i++) {
        free(g->provinces[i].name);
        free(g->provinces[i].key);
    }
    free(g->districts);
    free(g->entries);
    free(g->by_skel);
    free(g->fuzzy);
    free(g->provinces);
    for (size_t i = 0; i < g->nregions; i++) {
        free(g->regions[i].name);
        free(g->regions[i].province);
        free(g->regions[i].members);
    }
    free(g->regions);
    free(g);
}

const char *im_gazetteer_province(const im_gazetteer_t *g, const char *text)
{
    char key[256];
    im_normalize(text, key, sizeof key);
    return province_by_key(g, key);
}

const char *im_gazetteer_area(const im_gazetteer_t *g, const char *text,
                              const char **out_division)
{
    char key[256];
    im_normalize(text, key, sizeof key);
    const province_key_t *p = area_by_key(g, key, true);
    if (out_division)
        *out_division = p && p->region != NO_REGION ? g->regions[p->region].name
                                                    : NULL;
    return p ? p->name : NULL;
}

const char *im_gazetteer_parent(const im_gazetteer_t *g, const char *id)
{
    const district_t *d = find_district(g, id);
    return d ? d->parent : NULL;
}

bool im_gazetteer_district(const im_gazetteer_t *g, const char *id,
                           const char **out_name, const char **out_province)
{
    const district_t *d = find_district(g, id);
    if (!d)
        return false;
    if (out_name)
        *out_name = d->name;
    if (out_province)
        *out_province = d->province;
    return true;
}

const char *im_match_method_name(im_match_method_t m)
{
    switch (m) {
    case IM_MATCH_EXACT: return "exact";
    case IM_MATCH_ALIAS: return "alias";
    case IM_MATCH_PLACE: return "place";
    case IM_MATCH_FUZZY: return "fuzzy";
    case IM_MATCH_AMBIGUOUS: return "ambiguous";
    case IM_MATCH_COORDINATES: return "coordinates";
    case IM_MATCH_CONFLICT: return "conflict";
    case IM_MATCH_UNMATCHED: break;
    }
    return "unmatched";
}

static const double kind_score[] = {1.0, 0.95, 0.9};
static const im_match_method_t kind_method[] = {
    IM_MATCH_EXACT, IM_MATCH_ALIAS, IM_MATCH_PLACE};

static void set_match(const im_gazetteer_t *g, const entry_t *e,
                      im_match_method_t method, double score, im_match_t *out)
{
    const district_t *d = &g->districts[e->district];
    out->method = method;
    out->score = score;
    out->district_id = d->id;
    out->district = d->name;
    out->province = d->province;
    out->has_point = e->has_point;
    out->lon_deg = e->lon;
    out->lat_deg = e->lat;
}

/* True when district a lies inside b or b inside a through `parent`
 * links (a split, a rename, an aggregate and its parts). */
static bool districts_related(const im_gazetteer_t *g, size_t a, size_t b)
{
    return a == b || ancestor_of(g, a, b) || ancestor_of(g, b, a);
}

/* Of two related districts, the one to report: a current unit before a
 * former one (Kachhi, not the Bolan it was renamed from; Lower South
 * Waziristan, not the undivided agency), then the part before the whole,
 * since the part is the more specific answer and still rolls up. */
static bool prefer_district(const im_gazetteer_t *g, size_t a, size_t b)
{
    bool ca = strcmp(g->districts[a].status, "former") != 0;
    bool cb = strcmp(g->districts[b].status, "former") != 0;
    if (ca != cb)
        return ca;
    return ancestor_of(g, b, a);
}

/* The candidates a lookup may answer with: those in the hinted province
 * and, once the rest of the text has named a district, only those
 * related to it ("Dasht, Mastung" is the Dasht of Mastung, not of Kech). */
typedef struct {
    const char *province;
    size_t within;      /* a district's index, or NO_DISTRICT */
    size_t region;      /* a division's index, or NO_REGION */
} scope_t;

static bool in_scope(const im_gazetteer_t *g, const entry_t *e,
                     const scope_t *sc)
{
    if (sc->province && strcmp(g->districts[e->district].province, sc->province))
        return false;
    if (sc->region != NO_REGION) {
        const region_t *r = &g->regions[sc->region];
        size_t k = 0;
        while (k < r->nmembers && !districts_related(g, e->district, r->members[k]))
            k++;
        if (k == r->nmembers)
            return false;
    }
    return sc->within == NO_DISTRICT ||
           districts_related(g, e->district, sc->within);
}

/* Chooses among candidate entries for one key: the best kind wins; two
 * unrelated districts left at the best kind make the answer ambiguous.
 * Districts related through their history are one answer, not two: the
 * town Wana is the HQ of both the former South Waziristan and the current
 * Lower South Waziristan, and either contains the other. */
static bool pick(const im_gazetteer_t *g, const entry_t *const *cand, size_t n,
                 const scope_t *sc, im_match_method_t method, double score,
                 im_match_t *out)
{
    const entry_t *best = NULL, *other = NULL;
    for (size_t i = 0; i < n; i++) {
        const entry_t *e = cand[i];
        if (!in_scope(g, e, sc))
            continue;
        if (!best || e->kind < best->kind)
            best = e;
        else if (e->kind == best->kind && e->district != best->district &&
                 districts_related(g, e->district, best->district) &&
                 prefer_district(g, e->district, best->district))
            best = e;
    }
    if (!best)
        return false;
    for (size_t i = 0; i < n && !other; i++) {
        const entry_t *e = cand[i];
        if (e->kind == best->kind && in_scope(g, e, sc) &&
            !districts_related(g, e->district, best->district))
            other = e;
    }
    set_match(g, best, method ? method : kind_method[best->kind],
              score > 0 ? score : kind_score[best->kind], out);
    /* A district named after its town ("Quetta", "Kohat") names the town
     * too; where the gazetteer knows that town, take its position. */
    out->town = best->kind == ENTRY_PLACE && best->has_point;
    /* A place listed without a position is an area (a tehsil): smaller
     * than the district, but not a point to draw. */
    out->area = best->kind == ENTRY_PLACE && !best->has_point;
    for (size_t i = 0; i < n && !out->town; i++)
        if (cand[i]->kind == ENTRY_PLACE && cand[i]->district == best->district &&
            cand[i]->has_point) {
            out->town = true;
            out->area = false;
            out->lon_deg = cand[i]->lon;
            out->lat_deg = cand[i]->lat;
            out->has_point = true;
        }
    /* So does any other name of it: "Nowshehra" and "Dera Ismial Khan"
     * are the towns as well as the districts, as "Kuram Agency" is not. */
    const district_t *d = &g->districts[best->district];
    if (!out->town && best->kind == ENTRY_ALIAS && d->named_after_hq) {
        out->town = true;
        out->lon_deg = d->hq_lon;
        out->lat_deg = d->hq_lat;
        out->has_point = true;
    }
    if (other) {
        out->method = IM_MATCH_AMBIGUOUS;
        out->score = 0.5;
        out->other_id = g->districts[other->district].id;
    }
    return true;
}

static bool lookup_key(const im_gazetteer_t *g, const char *key,
                       const scope_t *sc, im_match_t *out)
{
    size_t lo = 0, hi = g->nentries;
    while (lo < hi) {
        size_t mid = (lo + hi) / 2;
        if (strcmp(g->entries[mid].key, key) < 0)
            lo = mid + 1;
        else
            hi = mid;
    }
    const entry_t *cand[16];
    size_t n = 0;
    for (size_t i = lo; i < g->nentries && n < 16 &&
                        strcmp(g->entries[i].key, key) == 0; i++)
        cand[n++] = &g->entries[i];
    return n && pick(g, cand, n, sc, 0, 0, out);
}

#define MAX_WORDS 32

/* The words of a normalised key, and which of them only say how far and
 * which way. */
typedef struct {
    const char *at[MAX_WORDS];
    size_t len[MAX_WORDS];
    bool locating[MAX_WORDS];
    size_t n;
} words_t;

static void split_words(const char *key, words_t *w)
{
    w->n = 0;
    for (const char *p = key; *p && w->n < MAX_WORDS;) {
        w->at[w->n] = p;
        while (*p && *p != ' ')
            p++;
        w->len[w->n] = (size_t)(p - w->at[w->n]);
        w->n++;
        while (*p == ' ')
            p++;
    }
    im_locating_words(w->at, w->len, w->n, w->locating);
}

/* Copies words s .. s + span - 1 into sub; false if they do not fit. */
static bool span_text(const words_t *w, size_t s, size_t span, char *sub,
                      size_t n)
{
    size_t len = (size_t)(w->at[s + span - 1] + w->len[s + span - 1] - w->at[s]);
    if (len >= n)
        return false;
    memcpy(sub, w->at[s], len);
    sub[len] = '\0';
    return true;
}

/* Tries every run of words in key, longest first, so "10 attacks on the
 * outskirts of quetta" still finds "quetta".  used (may be NULL) gets
 * the words of the name found. */
static bool lookup_words(const im_gazetteer_t *g, const char *key,
                         const scope_t *sc, im_match_t *out, bool *used)
{
    words_t w;
    split_words(key, &w);
    for (size_t span = w.n; span >= 1; span--)
        for (size_t s = 0; s + span <= w.n; s++) {
            char sub[256];
            if (!span_text(&w, s, span, sub, sizeof sub) ||
                !lookup_key(g, sub, sc, out))
                continue;
            /* Some words unexplained: the name may be part of another's
             * ("Khar Kalay"), so the score falls with the share of the
             * text the name covers, as in search. */
            size_t rest = 0, len = strlen(sub);
            for (size_t i = 0; i < w.n; i++) {
                bool in = i >= s && i < s + span;
                if (used)
                    used[i] = in;
                if (!in && !w.locating[i] &&
                    !im_joining_word(w.at[i], w.len[i]))
                    rest += w.len[i] + 1;
            }
            if (rest) {
                out->partial = true;
                out->score *= 0.5 + 0.5 * (double)len / (double)(len + rest);
            }
            return true;
        }
    return false;
}

/* Transliteration variants: the same skeleton as a name ("Khaar" and
 * "Khar"), found by binary search in the names sorted by skeleton.  It
 * runs only for text that no name matched exactly.  Short keys and
 * skeletons match too much to mean anything. */
static bool lookup_skeleton(const im_gazetteer_t *g, const char *key,
                            const scope_t *sc, im_match_t *out)
{
    char skel[256];
    im_skeleton(key, skel, sizeof skel);
    if (strlen(key) < 5 || strlen(skel) < 3)
        return false;
    size_t lo = 0, hi = g->nentries;
    while (lo < hi) {
        size_t mid = (lo + hi) / 2;
        if (strcmp(g->by_skel[mid]->skel, skel) < 0)
            lo = mid + 1;
        else
            hi = mid;
    }
    const entry_t *cand[16];
    size_t n = 0;
    for (size_t i = lo; i < g->nentries && n < 16 &&
                        strcmp(g->by_skel[i]->skel, skel) == 0; i++)
        cand[n++] = g->by_skel[i];
    return n && pick(g, cand, n, sc, IM_MATCH_FUZZY, 0.75, out);
}

/* Nearest names within a small edit distance: at most one edit in seven
 * letters.  Short names get none: "Maidan" and "Mardan", "Jandol" and
 * "Jandola" are different places one letter apart. */
static bool lookup_fuzzy(const im_gazetteer_t *g, const char *key,
                         const scope_t *sc, im_match_t *out)
{
    size_t len = strlen(key);
    if (len < 7)
        return false;
    int max = (int)(len / 7), best;
    if (max > 3)
        max = 3;
    best = max + 1;
    const entry_t *cand[16];
    size_t n = 0;
    unsigned char hist[48];
    histogram(key, hist);
    size_t lo = len - (size_t)max, hi = len + (size_t)max + 1;
    if (hi > FUZZY_LENGTHS)
        hi = FUZZY_LENGTHS;
    for (size_t i = g->fuzzy_start[lo]; i < g->fuzzy_start[hi]; i++) {
        if (hist_distance(g->fuzzy[i].hist, hist) > 2 * max)
            continue;
        const entry_t *e = &g->entries[g->fuzzy[i].entry];
        int d = im_edit_distance(key, e->key, best);
        if (d < best) {
            best = d;
            n = 0;
        }
        if (d == best && d <= max && n < 16)
            cand[n++] = e;
    }
    if (!n)
        return false;
    double score = 0.8 - 0.1 * best;
    /* Keep the distance proportionate: 2 edits need 14 letters. */
    if (best * 7 > (int)len)
        return false;
    return pick(g, cand, n, sc, IM_MATCH_FUZZY, score, out);
}

/* A district the rest of the text names besides the place resolved. */
typedef struct {
    size_t district;
    im_match_t m;
    bool reference;   /* "30 km from Quetta": where it is measured from */
    size_t end;       /* the word after the name, in its own part */
} claim_t;

#define MAX_CLAIMS 8

/* The district names (a district's own name or variant, not a town's)
 * among the words still free, longest first; the words of each, and of
 * any province's or division's name, are then no longer free.  Those
 * names are read whole, so "Khyber Pakhtunkhwa" does not name Khyber;
 * the first division named goes to *region. */
static size_t find_claims(const im_gazetteer_t *g, const words_t *w,
                          bool *free_, const char *province, bool reference,
                          claim_t *out, size_t max, size_t *region)
{
    scope_t sc = {province, NO_DISTRICT, NO_REGION};
    size_t n = 0;
    for (size_t span = w->n; span >= 1; span--)
        for (size_t s = 0; s + span <= w->n; s++) {
            bool all_free = true;
            for (size_t i = s; i < s + span; i++)
                all_free = all_free && free_[i];
            char sub[256];
            im_match_t m = {0};
            if (!all_free || !span_text(w, s, span, sub, sizeof sub))
                continue;
            const province_key_t *area = area_by_key(g, sub, true);
            bool named = area != NULL;
            if (area && area->region != NO_REGION && *region == NO_REGION)
                *region = area->region;
            if (!named && lookup_key(g, sub, &sc, &m) &&
                (m.method == IM_MATCH_EXACT || m.method == IM_MATCH_ALIAS)) {
                named = true;
                if (n < max) {
                    out[n].district =
                        (size_t)(find_district(g, m.district_id) - g->districts);
                    out[n].m = m;
                    out[n].reference = reference;
                    out[n].end = s + span;
                    n++;
                }
            }
            for (size_t i = s; named && i < s + span; i++)
                free_[i] = false;
        }
    return n;
}

/* Another reading of the same words: whether they say "near" stays. */
static void take(im_match_t *out, const im_match_t *m)
{
    bool near = out->near;
    *out = *m;
    out->near = near;
}

/* Compound text whose first part resolved to *out: the other parts, and
 * the words of that part the name did not use, may name a district as
 * well.  "Dasht, Mastung" settles which Dasht; "Karachi, Keamari" names
 * the part of the whole; "Hayatabad, Charsadda" or "Quetta and Mastung"
 * names two districts, and the answer is ambiguous rather than the first
 * one silently.  A district named as a point of reference ("Mastung - 30
 * km from Quetta") may settle an ambiguity but is not a second answer. */
static void settle(const im_gazetteer_t *g, char *const *parts, size_t np,
                   size_t first, const char *first_key, const bool *used,
                   const scope_t *sc, im_match_t *out)
{
    claim_t claims[MAX_CLAIMS];
    size_t nc = 0;
    words_t fw;
    bool first_free[MAX_WORDS];
    split_words(first_key, &fw);
    for (size_t k = 0; k < fw.n; k++)
        first_free[k] = !used[k];
    size_t region = NO_REGION;
    nc = find_claims(g, &fw, first_free, sc->province,
                     im_text_near(parts[first]), claims, MAX_CLAIMS, &region);
    /* "Quetta Mastung Road": the road named after Mastung is in Quetta,
     * and says nothing of where. */
    size_t kept = 0;
    for (size_t c = 0; c < nc; c++)
        if (!(claims[c].end < fw.n && first_free[claims[c].end] &&
              im_street_word(fw.at[claims[c].end], fw.len[claims[c].end])))
            claims[kept++] = claims[c];
    nc = kept;
    for (size_t i = first + 1; i < np && nc < MAX_CLAIMS; i++) {
        char pk[256];
        im_normalize(parts[i], pk, sizeof pk);
        words_t w;
        split_words(pk, &w);
        bool free_[MAX_WORDS];
        for (size_t k = 0; k < w.n; k++)
            free_[k] = true;
        nc += find_claims(g, &w, free_, sc->province, im_text_near(parts[i]),
                          claims + nc, MAX_CLAIMS - nc, &region);
    }
    scope_t narrow = *sc;
    if (out->method == IM_MATCH_AMBIGUOUS) {
        for (int pass = 0; pass < 2 && narrow.within == NO_DISTRICT; pass++)
            for (size_t c = 0; c < nc && narrow.within == NO_DISTRICT; c++) {
                scope_t try = {sc->province, claims[c].district, NO_REGION};
                im_match_t m = {0};
                if (claims[c].reference == (pass == 1) &&
                    lookup_words(g, first_key, &try, &m, NULL) &&
                    m.method != IM_MATCH_AMBIGUOUS)
                    narrow = try;
            }
        /* "Dasht, Makran Division" is the Dasht of Kech: a division the
         * text names settles a name its districts do not share. */
        if (narrow.within == NO_DISTRICT && region != NO_REGION) {
            scope_t try = {sc->province, NO_DISTRICT, region};
            im_match_t m = {0};
            if (lookup_words(g, first_key, &try, &m, NULL) &&
                m.method != IM_MATCH_AMBIGUOUS) {
                take(out, &m);
                return;
            }
        }
        if (narrow.within == NO_DISTRICT)
            return;
    } else {
        size_t x = (size_t)(find_district(g, out->district_id) - g->districts);
        /* "Kohat Road, Peshawar": a road or market named after a place
         * lies in the district the text goes on to name. */
        size_t end = 0;
        for (size_t k = 0; k < fw.n; k++)
            if (used[k])
                end = k + 1;
        bool landmark = end < fw.n && first_free[end] &&
                        im_street_word(fw.at[end], fw.len[end]);
        for (size_t c = 0; c < nc; c++) {
            if (claims[c].reference)
                continue;
            if (landmark && !districts_related(g, x, claims[c].district)) {
                double score = out->score;
                take(out, &claims[c].m);
                out->partial = true;
                out->score = score < out->score ? score : out->score;
                return;
            }
            if (!districts_related(g, x, claims[c].district)) {
                out->method = IM_MATCH_AMBIGUOUS;
                out->score = 0.5;
                out->other_id = g->districts[claims[c].district].id;
                return;
            }
            if (prefer_district(g, claims[c].district, x)) {
                take(out, &claims[c].m);
                return;
            }
        }
    }
    /* Words that name the district again, or the province, explain the
     * text as well as the name does and do not make it partial. */
    bool explained = false;
    for (size_t k = 0; k < fw.n; k++)
        explained = explained || (!used[k] && !first_free[k]);
    if (narrow.within == NO_DISTRICT && !(out->partial && explained))
        return;
    char rest[256];
    size_t o = 0;
    for (size_t k = 0; k < fw.n; k++)
        if ((used[k] || first_free[k]) && o + fw.len[k] + 2 < sizeof rest) {
            if (o)
                rest[o++] = ' ';
            memcpy(rest + o, fw.at[k], fw.len[k]);
            o += fw.len[k];
        }
    rest[o] = '\0';
    im_match_t m = {0};
    if (lookup_words(g, rest, &narrow, &m, NULL))
        take(out, &m);
}

#define MAX_PARTS 16

/* "Peshawar District" is the district, not the town it is named after;
 * "Datta Khel District", a place's name, is still the place. */
static void district_named(const char *text, im_match_t *out)
{
    if ((out->method == IM_MATCH_EXACT || out->method == IM_MATCH_ALIAS) &&
        out->town && im_text_says_district(text))
        out->town = false;
}

static bool resolve_in(const im_gazetteer_t *g, const char *text,
                       const char *key, const scope_t *sc, im_match_t *out)
{
    if (lookup_key(g, key, sc, out)) {
        out->near = im_text_near(text);
        district_named(text, out);
        return true;
    }
    /* "Khyber Pakhtunkhwa" is no mention of Khyber, and "Kalat Division"
     * none of Kalat district: a name of a province or division as a whole
     * names no district. */
    const province_key_t *area = area_by_key(g, key, true);
    if (area) {
        out->province = area->name;
        return false;
    }
    /* Compound text: "Tangi, Charsadda District", "Shabqadar-Charsadda".
     * The first part that resolves is the most specific one, and only
     * its own words say whether it is "near": "Datta Khel - 30km west of
     * Miranshah" is in Datta Khel. */
    char buf[512];
    snprintf(buf, sizeof buf, "%s", text);
    char *parts[MAX_PARTS];
    size_t np = 0;
    for (char *save = NULL, *part = strtok_r(buf, ",;/()-", &save);
         part && np < MAX_PARTS; part = strtok_r(NULL, ",;/()-", &save))
        parts[np++] = part;
    for (size_t i = 0; i < np; i++) {
        char pk[256];
        bool used[MAX_WORDS];
        im_normalize(parts[i], pk, sizeof pk);
        if (pk[0] && lookup_words(g, pk, sc, out, used)) {
            out->near = im_text_near(parts[i]);
            settle(g, parts, np, i, pk, used, sc, out);
            district_named(parts[i], out);
            return true;
        }
    }
    if (lookup_skeleton(g, key, sc, out) || lookup_fuzzy(g, key, sc, out)) {
        out->near = im_text_near(text);
        return true;
    }
    return false;
}

void im_gazetteer_resolve(const im_gazetteer_t *g, const char *text,
                          const char *province_hint, im_match_t *out)
{
    memset(out, 0, sizeof *out);
    scope_t sc = {NULL, NO_DISTRICT, NO_REGION};
    if (province_hint && *province_hint)
        sc.province = im_gazetteer_province(g, province_hint);

    char key[256];
    im_normalize(text, key, sizeof key);
    if (!key[0])
        return;
    /* A name found only outside the hinted province stays unmatched: the
     * names it would find there are mostly other places (a Qambar village
     * in Swat is not Qambar in Sindh). */
    resolve_in(g, text, key, &sc, out);
}

/* The district an analyst's places file names: an id ("kp-khyber"), or
 * a district's name or variant ("Khyber Agency"), which must not name
 * two districts.  A town's name is not a district: "Sehwan" is refused
 * rather than read as Jamshoro, since the file is there to say which. */
static bool places_district(const im_gazetteer_t *g, const char *text,
                            const char *province, size_t *out,
                            const char **out_other)
{
    *out_other = NULL;
    const district_t *d = find_district(g, text);
    if (!d) {
        char key[256];
        im_normalize(text, key, sizeof key);
        im_match_t m = {0};
        scope_t sc = {province, NO_DISTRICT, NO_REGION};
        if (!key[0] || !lookup_key(g, key, &sc, &m))
            return false;
        if (m.method == IM_MATCH_AMBIGUOUS) {
            *out_other = m.other_id;
            return false;
        }
        if (m.method != IM_MATCH_EXACT && m.method != IM_MATCH_ALIAS)
            return false;
        d = find_district(g, m.district_id);
    }
    *out = (size_t)(d - g->districts);
    return true;
}

typedef struct {
    char *key;
    size_t district;
    bool has_point;
    double lon, lat;
} pending_place_t;

/* Reads the rows of an analyst's places file into *out (caller frees
 * each key and the array).  The gazetteer is only read, so the districts
 * of later rows are looked up in it as it was opened. */
static im_status_t read_places(im_ctx_t *ctx, const im_gazetteer_t *g,
                               im_csv_t *csv, pending_place_t **out,
                               size_t *out_n)
{
    const char *path = im_csv_path(csv);
    int cname = im_csv_column(csv, "name");
    int cdist = im_csv_column(csv, "district_id");
    if (cdist < 0)
        cdist = im_csv_column(csv, "district");
    int cprov = im_csv_column(csv, "province");
    int clat = im_csv_column(csv, "lat"), clon = im_csv_column(csv, "lon");
    if (clat < 0)
        clat = im_csv_column(csv, "latitude");
    if (clon < 0)
        clon = im_csv_column(csv, "longitude");
    if (cname < 0 || cdist < 0 || (clat < 0) != (clon < 0))
        return im_error(ctx, IM_ERR_PARSE, "%s:1: missing column '%s'", path,
                        cname < 0   ? "name"
                        : cdist < 0 ? "district"
                        : clat < 0  ? "lat"
                                    : "lon");
    size_t cap = 0;
    int r;
    while ((r = im_csv_next(csv)) == 1) {
        long line = im_csv_line(csv);
        const char *name = im_csv_field(csv, cname);
        char key[256];
        im_normalize(name, key, sizeof key);
        if (!key[0])
            return im_error(ctx, IM_ERR_DATA, "%s:%ld: name: '%s' names no place",
                            path, line, name);
        const char *ptext = im_csv_field(csv, cprov);
        const char *province = *ptext ? im_gazetteer_province(g, ptext) : NULL;
        if (*ptext && !province)
            return im_error(ctx, IM_ERR_DATA,
                            "%s:%ld: province: '%s' is not a province", path,
                            line, ptext);
        const char *dtext = im_csv_field(csv, cdist);
        size_t d;
        const char *other;
        if (!places_district(g, dtext, province, &d, &other))
            return other ? im_error(ctx, IM_ERR_DATA,
                                    "%s:%ld: district: '%s' names more than "
                                    "one district (such as '%s'); give its id "
                                    "or a province",
                                    path, line, dtext, other)
                         : im_error(ctx, IM_ERR_DATA,
                                    "%s:%ld: district: '%s' is not a district"
                                    "%s%s (see 'incimap gazetteer list')",
                                    path, line, dtext, province ? " of " : "",
                                    province ? province : "");
        const char *slat = im_csv_field(csv, clat);
        const char *slon = im_csv_field(csv, clon);
        double lat = 0, lon = 0;
        bool pt = *slat || *slon;
        if (pt && !parse_deg(slat, 90, &lat))
            return im_error(ctx, IM_ERR_DATA,
                            "%s:%ld: lat: '%s' is not a latitude", path, line,
                            slat);
        if (pt && !parse_deg(slon, 180, &lon))
            return im_error(ctx, IM_ERR_DATA,
                            "%s:%ld: lon: '%s' is not a longitude", path, line,
                            slon);
        if (*out_n == cap) {
            cap = cap ? cap * 2 : 64;
            pending_place_t *p = realloc(*out, cap * sizeof *p);
            if (!p)
                return im_error(ctx, IM_ERR_NOMEM, "out of memory");
            *out = p;
        }
        char *k = im_strdup(key);
        if (!k)
            return im_error(ctx, IM_ERR_NOMEM, "out of memory");
        (*out)[(*out_n)++] = (pending_place_t){k, d, pt, lon, lat};
    }
    if (r < 0)
        return IM_ERR_PARSE;
    if (!*out_n)
        return im_error(ctx, IM_ERR_DATA, "%s: no places", path);
    return IM_OK;
}

im_status_t im_gazetteer_add_places(im_ctx_t *ctx, im_gazetteer_t *g,
                                    const char *path)
{
    im_csv_t *csv;
    im_status_t st = im_csv_open(ctx, path, &csv);
    if (st)
        return st;
    pending_place_t *rows = NULL;
    size_t n = 0, before = g->nentries;
    st = read_places(ctx, g, csv, &rows, &n);
    for (size_t i = 0; i < n && !st; i++)
        if (add_entry(g, rows[i].key, rows[i].district, ENTRY_PLACE,
                      rows[i].has_point, rows[i].lon, rows[i].lat))
            st = im_error(ctx, IM_ERR_NOMEM, "out of memory");
    if (!st && index_entries(g))
        st = im_error(ctx, IM_ERR_NOMEM, "out of memory");
    if (st) {
        /* Until indexed, the new entries sit after the old ones. */
        for (size_t i = before; i < g->nentries; i++) {
            free(g->entries[i].key);
            free(g->entries[i].skel);
        }
        g->nentries = before;
    }
    for (size_t i = 0; i < n; i++)
        free(rows[i].key);
    free(rows);
    im_csv_free(csv);
    return st;
}

size_t im_gazetteer_entry_count(const im_gazetteer_t *g) { return g->nentries; }

void im_gazetteer_entry(const im_gazetteer_t *g, size_t i, const char **out_key,
                        const char **out_district_id,
                        im_match_method_t *out_kind)
{
    const entry_t *e = &g->entries[i];
    if (out_key)
        *out_key = e->key;
    if (out_district_id)
        *out_district_id = g->districts[e->district].id;
    if (out_kind)
        *out_kind = kind_method[e->kind];
}

bool im_gazetteer_district_point(const im_gazetteer_t *g, const char *id,
                                 double *out_lon_deg, double *out_lat_deg)
{
    const district_t *d = id ? find_district(g, id) : NULL;
    if (!d || !d->has_hq)
        return false;
    *out_lon_deg = d->hq_lon;
    *out_lat_deg = d->hq_lat;
    return true;
}

bool im_gazetteer_is_ancestor(const im_gazetteer_t *g, const char *ancestor,
                              const char *id)
{
    const district_t *a = find_district(g, ancestor), *d = find_district(g, id);
    return a && d &&
           ancestor_of(g, (size_t)(a - g->districts), (size_t)(d - g->districts));
}

bool im_gazetteer_related(const im_gazetteer_t *g, const char *a,
                          const char *b)
{
    return strcmp(a, b) == 0 || im_gazetteer_is_ancestor(g, a, b) ||
           im_gazetteer_is_ancestor(g, b, a);
}

size_t im_gazetteer_district_count(const im_gazetteer_t *g)
{
    return g->ndistricts;
}

bool im_gazetteer_district_hq(const im_gazetteer_t *g, size_t i,
                              const char **out_id, double *out_lon_deg,
                              double *out_lat_deg)
{
    const district_t *d = &g->districts[i];
    if (out_id)
        *out_id = d->id;
    *out_lon_deg = d->hq_lon;
    *out_lat_deg = d->hq_lat;
    return d->has_hq;
}

size_t im_gazetteer_count(const im_gazetteer_t *g) { return g->ndistricts; }

void im_gazetteer_info(const im_gazetteer_t *g, size_t i, im_district_info_t *out)
{
    const district_t *d = &g->districts[i];
    *out = (im_district_info_t){d->id, d->name, d->province, d->hq, d->status,
                                d->created, d->parent, d->has_hq, d->hq_lon,
                                d->hq_lat, d->name_ur ? d->name_ur : "",
                                d->pop2017, d->pop2023};
}

static void add_candidate(const im_gazetteer_t *g, const entry_t *e,
                          im_match_method_t method, double score,
                          im_candidate_t *out, size_t *n, size_t max)
{
    const district_t *d = &g->districts[e->district];
    for (size_t i = 0; i < *n; i++)
        if (!strcmp(out[i].district_id, d->id) && out[i].method == method) {
            if (score > out[i].score) {
                out[i].score = score;
                out[i].matched = e->key;
            }
            return;
        }
    if (*n < max)
        out[(*n)++] = (im_candidate_t){d->id, d->name, d->province, e->key,
                                       method, score};
}

static int by_score(const void *a, const void *b)
{
    double x = ((const im_candidate_t *)a)->score;
    double y = ((const im_candidate_t *)b)->score;
    return (x < y) - (x > y);
}

size_t im_gazetteer_search(const im_gazetteer_t *g, const char *text,
                           im_candidate_t *out, size_t max)
{
    char key[256];
    im_normalize(text, key, sizeof key);
    size_t n = 0;
    if (!key[0] || max == 0)
        return 0;
    /* Collect widely, then keep the best max. */
    im_candidate_t all[128];
    im_candidate_t *final_out = out;
    size_t final_max = max;
    out = all;
    max = sizeof all / sizeof all[0];
    /* Every word run of the text that is a name, scored by the share of
     * the text it covers; then near misses of the whole text. */
    size_t klen = strlen(key);
    for (size_t i = 0; i < g->nentries; i++) {
        const entry_t *e = &g->entries[i];
        size_t elen = strlen(e->key);
        const char *hit = strstr(key, e->key);
        if (hit && (hit == key || hit[-1] == ' ') &&
            (hit[elen] == '\0' || hit[elen] == ' ')) {
            double cover = (double)elen / (double)klen;
            add_candidate(g, e, kind_method[e->kind],
                          kind_score[e->kind] * (0.5 + 0.5 * cover), out, &n,
                          max);
            continue;
        }
        int d = im_edit_distance(key, e->key, 2);
        if (d <= 2 && klen >= 4)
            add_candidate(g, e, IM_MATCH_FUZZY,
                          0.8 - 0.1 * d - (klen < 7 ? 0.2 : 0), out, &n, max);
    }
    qsort(all, n, sizeof *all, by_score);
    if (n > final_max)
        n = final_max;
    memcpy(final_out, all, n * sizeof *all);
    return n;
}

/* ---- building from another store (see gazetteer_sqlite.c) ------------- */

im_gazetteer_t *im_gazetteer_alloc(void)
{
    return calloc(1, sizeof(im_gazetteer_t));
}

int im_gazetteer_push_district(im_gazetteer_t *g, const im_district_info_t *in)
{
    if ((g->ndistricts & (g->ndistricts - 1)) == 0) {
        size_t cap = g->ndistricts ? g->ndistricts * 2 : 1;
        district_t *d = realloc(g->districts, cap * sizeof *d);
        if (!d)
            return -1;
        g->districts = d;
    }
    district_t *d = &g->districts[g->ndistricts++];
    memset(d, 0, sizeof *d);
    d->id = im_strdup(in->id);
    d->name = im_strdup(in->name);
    d->province = im_strdup(in->province);
    d->hq = im_strdup(in->hq ? in->hq : "");
    d->status = im_strdup(in->status ? in->status : "");
    d->created = im_strdup(in->created ? in->created : "");
    d->parent = in->parent && *in->parent ? im_strdup(in->parent) : NULL;
    d->has_hq = in->has_hq;
    d->hq_lon = in->hq_lon_deg;
    d->hq_lat = in->hq_lat_deg;
    d->name_ur = in->name_ur && *in->name_ur ? im_strdup(in->name_ur) : NULL;
    d->pop2017 = in->population_2017;
    d->pop2023 = in->population_2023;
    return d->id && d->name && d->province && d->hq && d->status && d->created
               ? 0 : -1;
}

void im_gazetteer_index_districts(im_gazetteer_t *g)
{
    qsort(g->districts, g->ndistricts, sizeof *g->districts,
          district_by_id_cmp);
    link_districts(g);
}

int im_gazetteer_push_name(im_gazetteer_t *g, const char *key,
                           const char *district_id, im_match_method_t kind,
                           bool has_point, double lon, double lat)
{
    const district_t *d = find_district(g, district_id);
    if (!d)
        return -2;
    entry_kind_t k = kind == IM_MATCH_EXACT ? ENTRY_NAME
                   : kind == IM_MATCH_ALIAS ? ENTRY_ALIAS : ENTRY_PLACE;
    /* Keys are stored normalised; normalising again is the identity. */
    return add_entry(g, key, (size_t)(d - g->districts), k, has_point, lon, lat);
}

int im_gazetteer_push_province(im_gazetteer_t *g, const char *name,
                               const char *alias)
{
    return add_province_key(g, name, alias, NO_REGION);
}

int im_gazetteer_push_division(im_gazetteer_t *g, const char *name,
                               const char *province, const char *districts)
{
    return add_region(g, name, province, districts);
}

int im_gazetteer_push_division_key(im_gazetteer_t *g, const char *division,
                                   const char *key)
{
    for (size_t i = 0; i < g->nregions; i++)
        if (!strcmp(g->regions[i].name, division))
            return add_province_key(g, g->regions[i].province, key, i);
    return -2;
}

size_t im_gazetteer_division_count(const im_gazetteer_t *g)
{
    return g->nregions;
}

/* Districts as ids separated by ';' into buf; false if they do not fit. */
bool im_gazetteer_division(const im_gazetteer_t *g, size_t i,
                           const char **out_name, const char **out_province,
                           char *buf, size_t n)
{
    const region_t *r = &g->regions[i];
    *out_name = r->name;
    *out_province = r->province;
    size_t used = 0;
    if (n)
        buf[0] = '\0';
    for (size_t k = 0; k < r->nmembers; k++) {
        int w = snprintf(buf + used, n - used, "%s%s", k ? ";" : "",
                         g->districts[r->members[k]].id);
        if (w < 0 || (size_t)w >= n - used)
            return false;
        used += (size_t)w;
    }
    return true;
}

int im_gazetteer_index_names(im_gazetteer_t *g)
{
    return index_entries(g);
}

bool im_gazetteer_entry_point(const im_gazetteer_t *g, size_t i,
                              double *out_lon_deg, double *out_lat_deg)
{
    *out_lon_deg = g->entries[i].lon;
    *out_lat_deg = g->entries[i].lat;
    return g->entries[i].has_point;
}

size_t im_gazetteer_province_count(const im_gazetteer_t *g)
{
    return g->nprovinces;
}

void im_gazetteer_province_key(const im_gazetteer_t *g, size_t i,
                               const char **out_name, const char **out_key,
                               const char **out_division)
{
    *out_name = g->provinces[i].name;
    *out_key = g->provinces[i].key;
    if (out_division)
        *out_division = g->provinces[i].region != NO_REGION
                            ? g->regions[g->provinces[i].region].name
                            : NULL;
}

long im_gazetteer_population(const im_gazetteer_t *g, const char *id)
{
    const district_t *d = find_district(g, id);
    return d ? (d->pop2023 > 0 ? d->pop2023 : d->pop2017) : 0;
}

const char *im_gazetteer_name_ur(const im_gazetteer_t *g, const char *id)
{
    const district_t *d = find_district(g, id);
    return d && d->name_ur && *d->name_ur ? d->name_ur : NULL;
}
