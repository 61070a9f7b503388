/*
 * geocode.c: one incident record -> a district it can defend.
 *
 * Text goes through the gazetteer; coordinates through a uniform grid over
 * the polygons' bounding boxes, built once, so a point costs one cell
 * lookup and a few point-in-polygon tests.  Where both are present they
 * must agree (directly or through the history of splits and renames);
 * where they do not, the answer is "conflict", never a silent pick.
 *
 * Coordinates that sit on a district headquarters or on a district's or
 * province's centroid say only "somewhere around here": exports put
 * records located to a region there.  Such points give a district only
 * when the text supports it, and precision 3.
 */
#include "context.h"
#include "gazetteer.h"
#include "geometry.h"
#include "incimap.h"
#include "layer.h"

#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define GRID 192                 /* cells per side */
#define EDGE_TOLERANCE_KM 8.0    /* on an edge, just off the coast */
/* Text and coordinates agree when the point lies within this distance of
 * the text's district: the boundary sets themselves are accurate to a few
 * kilometres (data/boundaries/README.md), and towns such as Bara sit on
 * the line. */
#define AGREEMENT_KM 5.0
#define CENTROID_RADIUS_KM 1.5   /* "this is a centroid", not a place */
#define CACHE_SLOTS 524288       /* memo slots, at most 3/4 of them used */
#define CACHE_ENTRIES (CACHE_SLOTS / 4 * 3)
#define CACHE_KEY 80             /* longer texts are resolved every time */
#define PROVINCE_SLOTS 64        /* distinct province columns memoised */

typedef struct {
    double lon, lat;
} ll_t;

/* The memo: slots hold the key's hash and its entry's index, so that a
 * probe reads 12 bytes from a table of 6 MB and a hit one entry with its
 * key inside; slots of whole entries with the key apart made every row
 * two cache misses in 50 MB. */
typedef struct {
    im_match_t match;
    const char *province_only;
    char key[CACHE_KEY];
} cache_entry_t;

struct im_geocoder {
    const im_gazetteer_t *gaz;
    const im_layer_t *layer;
    double minx, miny, cellw, cellh;
    uint32_t *cell_start;        /* GRID*GRID + 1 offsets into cell_items */
    uint32_t *cell_items;
    int32_t *cell_owner;         /* per cell: see classify_cells */
    struct { const char *name, *province; } *poly_district;  /* per polygon */
    double *bbox;                /* 4 per polygon */
    ll_t *centroids;             /* suspicious points */
    size_t ncentroids;
    uint64_t *cache_hash;        /* per slot; 0: empty */
    uint32_t *cache_index;       /* per slot: its entry */
    cache_entry_t *cache;        /* CACHE_ENTRIES, filled in order */
    size_t cache_used;
    /* A province column holds a handful of spellings over millions of
     * rows; resolving one (folding it, then searching) cost as much as
     * the rest of a memoised row. */
    struct { char *raw; const char *canonical; } provinces[PROVINCE_SLOTS];
};

static double km_between(double lon1, double lat1, double lon2, double lat2)
{
    /* Equirectangular is within 0.1% of the geodesic at these distances. */
    double k = cos((lat1 + lat2) / 2 * M_PI / 180);
    double dx = (lon2 - lon1) * k, dy = lat2 - lat1;
    return sqrt(dx * dx + dy * dy) * 111.195;
}

/* Clamped while a double: a far-off coordinate would not fit an int. */
static int cell_of(double v, double min, double w)
{
    double c = floor((v - min) / w);
    return c < 0 ? 0 : c >= GRID ? GRID - 1 : (int)c;
}

#define CELL_EDGE (-2)          /* an edge crosses the cell: test the point */
#define CELL_NONE (-1)          /* inside no polygon */

static size_t locate_in_cell(const im_geocoder_t *g, int c, double lon,
                             double lat);

/* Most cells of the grid lie wholly inside one district, or wholly
 * outside all: no edge crosses them, so every point in such a cell has
 * the answer of its centre, found once here.  Only points in cells an
 * edge crosses need a point-in-polygon test at all. */
static im_status_t classify_cells(im_ctx_t *ctx, im_geocoder_t *g)
{
    g->cell_owner = malloc(GRID * GRID * sizeof *g->cell_owner);
    if (!g->cell_owner)
        return im_error(ctx, IM_ERR_NOMEM, "out of memory");
    for (int c = 0; c < GRID * GRID; c++)
        g->cell_owner[c] = CELL_NONE;
    /* Mark the cells each edge's bounding box touches (a superset of the
     * cells it crosses, and about the same for edges shorter than a
     * cell), widened by a hair for points on a cell line. */
    double ex = g->cellw * 1e-6, ey = g->cellh * 1e-6;
    size_t n = im_layer_count(g->layer);
    for (size_t i = 0; i < n; i++) {
        const im_shape_t *sh = im_layer_shape(g->layer, i);
        for (size_t r = 0; r < sh->nrings; r++) {
            const im_ring_t *ring = &sh->rings[r];
            for (size_t k = 0; k < ring->count; k++) {
                im_xy_t a = sh->pts[ring->start + k];
                im_xy_t b = sh->pts[ring->start + (k + 1) % ring->count];
                int x0 = cell_of(fmin(a.x, b.x) - ex, g->minx, g->cellw);
                int x1 = cell_of(fmax(a.x, b.x) + ex, g->minx, g->cellw);
                int y0 = cell_of(fmin(a.y, b.y) - ey, g->miny, g->cellh);
                int y1 = cell_of(fmax(a.y, b.y) + ey, g->miny, g->cellh);
                for (int y = y0; y <= y1; y++)
                    for (int x = x0; x <= x1; x++)
                        g->cell_owner[y * GRID + x] = CELL_EDGE;
            }
        }
    }
    for (int c = 0; c < GRID * GRID; c++) {
        if (g->cell_owner[c] == CELL_EDGE)
            continue;
        double lon = g->minx + (c % GRID + 0.5) * g->cellw;
        double lat = g->miny + (c / GRID + 0.5) * g->cellh;
        size_t i = locate_in_cell(g, c, lon, lat);
        g->cell_owner[c] = i == (size_t)-1 ? CELL_NONE : (int32_t)i;
    }
    return IM_OK;
}

/* Each polygon's district name and province, looked up once rather than
 * for every point located in it. */
static im_status_t name_polygons(im_ctx_t *ctx, im_geocoder_t *g)
{
    size_t n = im_layer_count(g->layer);
    g->poly_district = calloc(n ? n : 1, sizeof *g->poly_district);
    if (!g->poly_district)
        return im_error(ctx, IM_ERR_NOMEM, "out of memory");
    for (size_t i = 0; i < n; i++) {
        const char *id = im_layer_district_id(g->layer, i);
        if (!id || !im_gazetteer_district(g->gaz, id, &g->poly_district[i].name,
                                          &g->poly_district[i].province))
            g->poly_district[i].name = g->poly_district[i].province = NULL;
    }
    return IM_OK;
}

static im_status_t build_index(im_ctx_t *ctx, im_geocoder_t *g)
{
    size_t n = im_layer_count(g->layer);
    g->bbox = malloc((n ? n : 1) * 4 * sizeof *g->bbox);
    g->cell_start = calloc(GRID * GRID + 1, sizeof *g->cell_start);
    if (!g->bbox || !g->cell_start)
        return im_error(ctx, IM_ERR_NOMEM, "out of memory");
    double minx = INFINITY, miny = INFINITY, maxx = -INFINITY, maxy = -INFINITY;
    for (size_t i = 0; i < n; i++) {
        double *b = g->bbox + 4 * i;
        im_shape_bounds(im_layer_shape(g->layer, i), -1, &b[0], &b[1], &b[2],
                        &b[3]);
        minx = fmin(minx, b[0]);
        miny = fmin(miny, b[1]);
        maxx = fmax(maxx, b[2]);
        maxy = fmax(maxy, b[3]);
    }
    g->minx = minx;
    g->miny = miny;
    g->cellw = (maxx - minx) / GRID + 1e-9;
    g->cellh = (maxy - miny) / GRID + 1e-9;
    /* Two passes: count per cell, then fill (compressed rows). */
    for (int pass = 0; pass < 2; pass++) {
        uint32_t *fill = NULL;
        if (pass == 1) {
            for (int c = 0; c < GRID * GRID; c++)
                g->cell_start[c + 1] += g->cell_start[c];
            g->cell_items = malloc((g->cell_start[GRID * GRID] + 1) *
                                   sizeof *g->cell_items);
            fill = calloc(GRID * GRID, sizeof *fill);
            if (!g->cell_items || !fill) {
                free(fill);
                return im_error(ctx, IM_ERR_NOMEM, "out of memory");
            }
        }
        for (size_t i = 0; i < n; i++) {
            const double *b = g->bbox + 4 * i;
            if (!(b[2] >= b[0]))
                continue;
            int x0 = cell_of(b[0], minx, g->cellw), x1 = cell_of(b[2], minx, g->cellw);
            int y0 = cell_of(b[1], miny, g->cellh), y1 = cell_of(b[3], miny, g->cellh);
            for (int y = y0; y <= y1; y++)
                for (int x = x0; x <= x1; x++) {
                    int c = y * GRID + x;
                    if (pass == 0)
                        g->cell_start[c + 1]++;
                    else
                        g->cell_items[g->cell_start[c] + fill[c]++] = (uint32_t)i;
                }
        }
        free(fill);
    }
    return classify_cells(ctx, g);
}

/* Area centroid of a shape's largest part. */
static ll_t shape_centroid(const im_shape_t *s)
{
    bool ok;
    im_xy_t c = im_shape_centroid(s, im_shape_largest_part(s), &ok);
    return ok ? (ll_t){c.x, c.y} : (ll_t){NAN, NAN};
}

static int by_lat(const void *a, const void *b)
{
    double x = ((const ll_t *)a)->lat, y = ((const ll_t *)b)->lat;
    return (x > y) - (x < y);
}

static im_status_t collect_centroids(im_ctx_t *ctx, im_geocoder_t *g)
{
    size_t nd = im_gazetteer_district_count(g->gaz);
    size_t np = im_layer_count(g->layer), no = im_layer_outline_count(g->layer);
    g->centroids = malloc((nd + 2 * np + no + 1) * sizeof *g->centroids);
    if (!g->centroids)
        return im_error(ctx, IM_ERR_NOMEM, "out of memory");
    for (size_t i = 0; i < nd; i++) {
        double lon, lat;
        if (im_gazetteer_district_hq(g->gaz, i, NULL, &lon, &lat))
            g->centroids[g->ncentroids++] = (ll_t){lon, lat};
    }
    for (size_t i = 0; i < np; i++) {
        ll_t c = shape_centroid(im_layer_shape(g->layer, i));
        if (!isnan(c.lon))
            g->centroids[g->ncentroids++] = c;
        im_layer_label_point(g->layer, i, &c.lon, &c.lat);
        g->centroids[g->ncentroids++] = c;
    }
    for (size_t k = 0; k < no; k++) {
        ll_t c = shape_centroid(im_layer_outline(g->layer, k, NULL));
        if (!isnan(c.lon))
            g->centroids[g->ncentroids++] = c;
    }
    qsort(g->centroids, g->ncentroids, sizeof *g->centroids, by_lat);
    return IM_OK;
}

/* Centroids are sorted by latitude: a binary search finds the narrow band
 * that can be within the radius. */
static bool is_centroid(const im_geocoder_t *g, double lon, double lat)
{
    double band = CENTROID_RADIUS_KM / 111.0;
    size_t lo = 0, hi = g->ncentroids;
    while (lo < hi) {
        size_t mid = (lo + hi) / 2;
        if (g->centroids[mid].lat < lat - band)
            lo = mid + 1;
        else
            hi = mid;
    }
    for (size_t i = lo; i < g->ncentroids && g->centroids[i].lat <= lat + band;
         i++)
        if (km_between(lon, lat, g->centroids[i].lon, g->centroids[i].lat) <
            CENTROID_RADIUS_KM)
            return true;
    return false;
}

im_status_t im_geocoder_new(im_ctx_t *ctx, const im_gazetteer_t *gaz,
                            const im_layer_t *layer, im_geocoder_t **out)
{
    *out = NULL;
    im_geocoder_t *g = calloc(1, sizeof *g);
    if (!g)
        return im_error(ctx, IM_ERR_NOMEM, "out of memory");
    g->gaz = gaz;
    g->layer = layer;
    im_status_t st = build_index(ctx, g);
    if (!st)
        st = name_polygons(ctx, g);
    if (!st)
        st = collect_centroids(ctx, g);
    if (!st) {
        g->cache_hash = calloc(CACHE_SLOTS, sizeof *g->cache_hash);
        g->cache_index = malloc(CACHE_SLOTS * sizeof *g->cache_index);
        g->cache = malloc(CACHE_ENTRIES * sizeof *g->cache);
    }
    if (!st && (!g->cache_hash || !g->cache_index || !g->cache))
        st = im_error(ctx, IM_ERR_NOMEM, "out of memory");
    if (st) {
        im_geocoder_free(g);
        return st;
    }
    *out = g;
    return IM_OK;
}

void im_geocoder_free(im_geocoder_t *g)
{
    if (!g)
        return;
    free(g->cache_hash);
    free(g->cache_index);
    free(g->cache);
    for (size_t i = 0; i < PROVINCE_SLOTS; i++)
        free(g->provinces[i].raw);
    free(g->cell_start);
    free(g->cell_items);
    free(g->cell_owner);
    free(g->poly_district);
    free(g->bbox);
    free(g->centroids);
    free(g);
}

/* Distance in km from a point to the nearest edge of shape. */
static double edge_km(const im_shape_t *s, double lon, double lat)
{
    double k = cos(lat * M_PI / 180), best = INFINITY;
    for (size_t r = 0; r < s->nrings; r++) {
        const im_xy_t *p = s->pts + s->rings[r].start;
        size_t n = s->rings[r].count;
        for (size_t i = 0, j = n - 1; i < n; j = i++) {
            double ax = (p[j].x - lon) * k, ay = p[j].y - lat;
            double bx = (p[i].x - lon) * k, by = p[i].y - lat;
            double dx = bx - ax, dy = by - ay, t = 0;
            double len2 = dx * dx + dy * dy;
            if (len2 > 0)
                t = fmax(0, fmin(1, -(ax * dx + ay * dy) / len2));
            double x = ax + t * dx, y = ay + t * dy;
            best = fmin(best, x * x + y * y);
        }
    }
    return sqrt(best) * 111.195;
}

double im_geocoder_distance_km(const im_geocoder_t *g, size_t polygon,
                               double lon, double lat)
{
    const im_shape_t *s = im_layer_shape(g->layer, polygon);
    if (im_shape_contains(s, -1, lon, lat))
        return 0;
    return edge_km(s, lon, lat);
}

/* The first polygon of cell c that contains the point. */
static size_t locate_in_cell(const im_geocoder_t *g, int c, double lon,
                             double lat)
{
    for (uint32_t k = g->cell_start[c]; k < g->cell_start[c + 1]; k++) {
        uint32_t i = g->cell_items[k];
        const double *b = g->bbox + 4 * i;
        if (lon >= b[0] && lon <= b[2] && lat >= b[1] && lat <= b[3] &&
            im_shape_contains(im_layer_shape(g->layer, i), -1, lon, lat))
            return i;
    }
    return (size_t)-1;
}

static size_t locate(const im_geocoder_t *g, double lon, double lat,
                     double tolerance_km, bool *out_inside)
{
    *out_inside = false;
    if (!isfinite(lon) || !isfinite(lat))
        return (size_t)-1;
    double cx = floor((lon - g->minx) / g->cellw);
    double cy = floor((lat - g->miny) / g->cellh);
    if (cx >= 0 && cy >= 0 && cx < GRID && cy < GRID) {
        int c = (int)cy * GRID + (int)cx;
        int32_t owner = g->cell_owner[c];
        if (owner >= 0) {
            *out_inside = true;
            return (size_t)owner;
        }
        if (owner == CELL_EDGE) {
            size_t i = locate_in_cell(g, c, lon, lat);
            if (i != (size_t)-1) {
                *out_inside = true;
                return i;
            }
        }
    }
    if (tolerance_km <= 0)
        return (size_t)-1;
    /* Not inside any polygon: the nearest edge within the tolerance. */
    double dlat = tolerance_km / 111.195;
    double dlon = dlat / fmax(0.2, cos(lat * M_PI / 180));
    int x0 = cell_of(lon - dlon, g->minx, g->cellw);
    int x1 = cell_of(lon + dlon, g->minx, g->cellw);
    int y0 = cell_of(lat - dlat, g->miny, g->cellh);
    int y1 = cell_of(lat + dlat, g->miny, g->cellh);
    if (lon + dlon < g->minx || lat + dlat < g->miny ||
        lon - dlon > g->minx + GRID * g->cellw ||
        lat - dlat > g->miny + GRID * g->cellh)
        return (size_t)-1;
    size_t best = (size_t)-1;
    double best_km = tolerance_km;
    for (int y = y0; y <= y1; y++)
        for (int x = x0; x <= x1; x++) {
            int c = y * GRID + x;
            for (uint32_t k = g->cell_start[c]; k < g->cell_start[c + 1]; k++) {
                uint32_t i = g->cell_items[k];
                const double *b = g->bbox + 4 * i;
                if (lon < b[0] - dlon || lon > b[2] + dlon ||
                    lat < b[1] - dlat || lat > b[3] + dlat)
                    continue;
                double d = edge_km(im_layer_shape(g->layer, i), lon, lat);
                if (d <= best_km) {
                    best_km = d;
                    best = i;
                }
            }
        }
    return best;
}

size_t im_geocoder_locate(const im_geocoder_t *g, double lon, double lat,
                          double tolerance_km)
{
    bool inside;
    return locate(g, lon, lat, tolerance_km, &inside);
}

static uint64_t hash_text(const char *a, const char *b)
{
    uint64_t h = 1469598103934665603u;
    for (; a && *a; a++)
        h = (h ^ (unsigned char)*a) * 1099511628211u;
    h = (h ^ 0x1f) * 1099511628211u;
    for (; b && *b; b++)
        h = (h ^ (unsigned char)*b) * 1099511628211u;
    return h;
}

/* A name that is a district or place ("Islamabad") is that; a name that
 * is only a province or division ("Sindh", "FATA", "Malakand Division")
 * yields no district at all, rather than whatever a partial or fuzzy
 * match would find inside it. */
static void resolve_uncached(const im_geocoder_t *g, const char *text,
                             const char *province, im_match_t *m,
                             const char **province_only)
{
    im_gazetteer_resolve(g->gaz, text, province, m);
    *province_only = NULL;
    if (m->method == IM_MATCH_EXACT || m->method == IM_MATCH_ALIAS ||
        m->method == IM_MATCH_PLACE)
        return;
    *province_only = im_gazetteer_area(g->gaz, text, NULL);
    if (*province_only)
        memset(m, 0, sizeof *m);
}

/* The canonical province of a province column's value, memoised; a slot
 * holds the last value that hashed to it. */
static const char *province_hint(im_geocoder_t *g, const char *province)
{
    size_t k = (size_t)(hash_text(province, NULL) & (PROVINCE_SLOTS - 1));
    if (g->provinces[k].raw && strcmp(g->provinces[k].raw, province) == 0)
        return g->provinces[k].canonical;
    const char *canonical = im_gazetteer_province(g->gaz, province);
    char *raw = im_strdup(province);
    if (raw) {
        free(g->provinces[k].raw);
        g->provinces[k].raw = raw;
        g->provinces[k].canonical = canonical;
    }
    return canonical;
}

/* Text resolution, memoised: exports repeat the same place names. */
static void resolve_text(im_geocoder_t *g, const char *text,
                         const char *province, im_match_t *m,
                         const char **province_only)
{
    char key[CACHE_KEY];
    /* text, a unit separator, the province; by hand, as this runs for
     * every record and printf's formatting is the larger cost. */
    size_t tl = strlen(text), pl = province ? strlen(province) : 0;
    if (tl + pl + 2 > sizeof key) {
        resolve_uncached(g, text, province, m, province_only);
        return;
    }
    memcpy(key, text, tl);
    key[tl] = '\x1f';
    memcpy(key + tl + 1, province ? province : "", pl);
    key[tl + 1 + pl] = '\0';
    uint64_t h = hash_text(text, province) | 1;
    for (size_t probe = 0; probe < 8; probe++) {
        size_t slot = (size_t)(h + probe) & (CACHE_SLOTS - 1);
        if (g->cache_hash[slot] == h) {
            const cache_entry_t *e = &g->cache[g->cache_index[slot]];
            if (strcmp(e->key, key) == 0) {
                *m = e->match;
                *province_only = e->province_only;
                return;
            }
        } else if (!g->cache_hash[slot]) {
            resolve_uncached(g, text, province, m, province_only);
            /* A full memo just stops memoising. */
            if (g->cache_used < CACHE_ENTRIES) {
                cache_entry_t *e = &g->cache[g->cache_used];
                e->match = *m;
                e->province_only = *province_only;
                memcpy(e->key, key, tl + pl + 2);
                g->cache_hash[slot] = h;
                g->cache_index[slot] = (uint32_t)g->cache_used++;
            }
            return;
        }
    }
    resolve_uncached(g, text, province, m, province_only);
}

static int text_precision(const im_match_t *m)
{
    if (m->town)
        return m->near || m->partial ? 2 : 1;
    return m->area || m->method == IM_MATCH_FUZZY ? 2 : 3;
}

static void set_district(const im_geocoder_t *g, im_geocode_t *out,
                         const char *id)
{
    out->district_id = id;
    if (!id || !im_gazetteer_district(g->gaz, id, &out->district, &out->province))
        out->district = NULL;
}

void im_geocode(im_geocoder_t *g, const char *text, const char *province,
                bool has_point, double lon, double lat, im_geocode_t *out)
{
    memset(out, 0, sizeof *out);
    out->polygon = (size_t)-1;
    const char *hint = province && *province ? province_hint(g, province)
                                             : NULL;
    im_match_t m = {0};
    const char *province_only = NULL;
    if (text && *text)
        resolve_text(g, text, hint ? hint : province, &m, &province_only);
    bool text_ok = m.method != IM_MATCH_UNMATCHED &&
                   m.method != IM_MATCH_AMBIGUOUS;

    bool inside = false;
    size_t poly = has_point ? locate(g, lon, lat, EDGE_TOLERANCE_KM, &inside)
                            : (size_t)-1;
    const char *cid = poly != (size_t)-1 ? im_layer_district_id(g->layer, poly)
                                         : NULL;
    bool centroid = cid && is_centroid(g, lon, lat);

    if (province_only) {
        /* Text that names only a province never yields a district. */
        out->province = province_only;
        out->precision = 3;
        return;
    }
    if (!cid || (centroid && !text_ok)) {
        /* No usable coordinates: the text decides. */
        if (text_ok) {
            set_district(g, out, m.district_id);
            out->method = m.method;
            out->score = m.score;
            out->precision = text_precision(&m);
        } else if (m.method == IM_MATCH_AMBIGUOUS) {
            out->method = IM_MATCH_AMBIGUOUS;
            out->score = m.score;
            out->district = m.district;
            out->district_id = NULL;
            out->other_id = m.other_id;
            const char *other_province = NULL;
            if (!m.other_id || !im_gazetteer_district(g->gaz, m.other_id,
                                                      &out->other_district,
                                                      &other_province))
                out->other_district = NULL;
            /* Candidates in two provinces leave the province open too. */
            out->province = other_province && m.province &&
                                    strcmp(other_province, m.province)
                                ? NULL
                                : m.province;
            out->precision = 3;
        } else if (centroid) {
            out->province = im_layer_province(g->layer, poly);
            out->precision = 3;
        }
        if (!out->province)
            out->province = hint;
        return;
    }
    out->polygon = poly;
    if (!text_ok) {
        /* Coordinates alone; they may also settle an ambiguous text. */
        out->district_id = cid;
        out->district = g->poly_district[poly].name;
        out->province = g->poly_district[poly].province;
        out->method = IM_MATCH_COORDINATES;
        out->score = inside ? 0.9 : 0.75;
        out->precision = inside ? 1 : 2;
        return;
    }
    if (im_gazetteer_related(g->gaz, m.district_id, cid)) {
        /* Agreement; keep the more specific of the two districts. */
        set_district(g, out, im_gazetteer_is_ancestor(g->gaz, cid, m.district_id)
                                 ? m.district_id : cid);
        out->method = IM_MATCH_COORDINATES;
        out->score = 1.0;
        out->precision = centroid ? text_precision(&m) : 1;
        return;
    }
    size_t tpoly = im_layer_find_district(g->layer, m.district_id);
    if (tpoly != (size_t)-1 &&
        im_geocoder_distance_km(g, tpoly, lon, lat) <= AGREEMENT_KM) {
        /* On the line between the two: the text says which side. */
        set_district(g, out, m.district_id);
        out->polygon = tpoly;
        out->method = IM_MATCH_COORDINATES;
        out->score = 0.9;
        out->precision = centroid ? text_precision(&m) : 2;
        return;
    }
    out->method = IM_MATCH_CONFLICT;
    out->other_id = m.district_id;
    out->score = 0.5;
    if (centroid) {
        /* A centroid is not evidence against the text. */
        set_district(g, out, m.district_id);
        out->other_id = cid;
        out->precision = 3;
    } else {
        set_district(g, out, cid);
        out->precision = 2;
    }
}

const char *im_geocode_district_label(const im_geocode_t *g, char *buf,
                                      size_t n)
{
    if (!g->district)
        return "";
    if (g->method != IM_MATCH_AMBIGUOUS || !g->other_district || n == 0)
        return g->district;
    snprintf(buf, n, "%s or %s", g->district, g->other_district);
    return buf;
}

void im_geocode_record(im_geocoder_t *g, const char *place,
                       const char *district, const char *province,
                       bool has_point, double lon, double lat,
                       im_geocode_t *out)
{
    if (!district || !*district) {
        im_geocode(g, place, province, has_point, lon, lat, out);
        return;
    }
    if (!place || !*place) {
        im_geocode(g, district, province, has_point, lon, lat, out);
        return;
    }
    /* Where the gazetteer knows the place only in a district unrelated to
     * the one the source names, or in several, the place is a namesake or
     * a guess ("Char Khel", "Khar Qamar" read as "Khar"); the source's own
     * district is the better answer, known no closer than the district. */
    const char *hint = province && *province ? province_hint(g, province)
                                             : NULL;
    im_match_t mp = {0}, md = {0};
    const char *po = NULL, *dpo = NULL;
    resolve_text(g, district, hint ? hint : province, &md, &dpo);
    if (md.method != IM_MATCH_UNMATCHED && md.method != IM_MATCH_AMBIGUOUS &&
        md.district_id) {
        resolve_text(g, place, hint ? hint : province, &mp, &po);
        if (mp.method == IM_MATCH_AMBIGUOUS ||
            (mp.method != IM_MATCH_UNMATCHED && mp.district_id &&
             !im_gazetteer_related(g->gaz, mp.district_id, md.district_id))) {
            im_geocode(g, district, province, has_point, lon, lat, out);
            return;
        }
    }
    /* "place, district": the text is cut at the buffer's end as snprintf
     * would, by hand because snprintf costs more than the copy on every
     * row of an import. */
    char text[512];
    const char *parts[] = {place, ", ", district};
    size_t n = 0;
    for (int k = 0; k < 3; k++) {
        size_t len = strlen(parts[k]), room = sizeof text - 1 - n;
        size_t c = len < room ? len : room;
        memcpy(text + n, parts[k], c);
        n += c;
    }
    text[n] = '\0';
    im_geocode(g, text, province, has_point, lon, lat, out);
}
