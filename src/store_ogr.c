/*
 * store_ogr.c: incidents read from a table of any GDAL vector source, in
 * the first place a PostGIS table ("PG:dbname=... host=..."), laid out as
 * incimap export writes it: values per polygon, located incidents and the
 * counts of incimap stats.
 *
 * The filter becomes an attribute filter, so that a database selects the
 * rows rather than shipping all of them.  GDAL's error handler is
 * redirected into the reader for as long as the source is open (as in
 * layer.c), and its messages, which libpq writes over several lines, are
 * folded onto one.
 */
#include "bytes.h"
#include "context.h"
#include "gdal_module.h"
#include "ogr_open.h"
#include "points.h"
#include "values.h"

#include <cpl_error.h>
#include <ctype.h>
#include <gdal.h>
#include <math.h>
#include <ogr_api.h>
#include <ogr_srs_api.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

/* As the geocoder: a point on an edge or just off the coast. */
#define EDGE_TOLERANCE_KM 8.0

enum {
    C_DISTRICT_ID, C_DISTRICT, C_PROVINCE, C_DATE, C_DATE_START, C_PRECISION,
    C_CATEGORY, C_PLACE, C_KILLED, C_INJURED, C_LAT, C_LON, C_COUNT
};

static const char *const column_names[C_COUNT] = {
    "district_id", "district", "province", "date", "date_start", "precision",
    "category", "place", "killed", "injured", "lat", "lon",
};

typedef struct {
    im_ctx_t *ctx;
    char src[512];        /* the source for messages, its password hidden */
    char gdal_msg[512];   /* GDAL's first failure since the last reset */
    const char *table;
    GDALDatasetH ds;
    OGRLayerH lyr;
    int col[C_COUNT];     /* field index, or -1 */
    OGRCoordinateTransformationH ct;
} reader_t;

static void CPL_STDCALL on_gdal_error(CPLErr cls, CPLErrorNum num,
                                      const char *msg)
{
    (void)num;
    reader_t *r = CPLGetErrorHandlerUserData();
    if (!r || cls < CE_Failure || r->gdal_msg[0])
        return;
    size_t k = 0, n = sizeof r->gdal_msg;
    bool gap = false;
    for (const char *p = msg; *p && k + 2 < n; p++) {
        if (isspace((unsigned char)*p)) {
            gap = k > 0;
            continue;
        }
        if (gap)
            r->gdal_msg[k++] = ' ';
        gap = false;
        r->gdal_msg[k++] = *p;
    }
    r->gdal_msg[k] = '\0';
}

/* ---- the source named in messages ------------------------------------ */

static void put(char *out, size_t n, size_t *k, const char *s, size_t len)
{
    for (size_t i = 0; i < len && *k + 1 < n; i++)
        out[(*k)++] = s[i];
    out[*k] = '\0';
}

/* Messages end up in terminals and logs: the value of password= (in a
 * keyword string or a URI's query) and the password of a URI's
 * user:password@ are replaced by ***. */
static void hide_password(const char *s, char *out, size_t n)
{
    size_t k = 0;
    out[0] = '\0';
    const char *scheme = strstr(s, "://");
    const char *at = NULL, *colon = NULL;
    if (scheme) {
        const char *auth = scheme + 3;
        size_t len = strcspn(auth, "/?@ ");
        if (auth[len] == '@') {
            at = auth + len;
            colon = memchr(auth, ':', len);
        }
    }
    for (const char *p = s; *p;) {
        if (colon && p == colon + 1) {
            put(out, n, &k, "***", 3);
            p = at;
            continue;
        }
        bool starts = p == s || isspace((unsigned char)p[-1]) || p[-1] == ':' ||
                      p[-1] == '?' || p[-1] == '&';
        if (starts && strncasecmp(p, "password", 8) == 0) {
            const char *q = p + 8;
            while (*q == ' ')
                q++;
            if (*q == '=') {
                q++;
                while (*q == ' ')
                    q++;
                if (*q == '\'') {
                    for (q++; *q && *q != '\''; q++)
                        if (*q == '\\' && q[1])
                            q++;
                    if (*q)
                        q++;
                } else {
                    q += strcspn(q, " \t&");
                }
                put(out, n, &k, "password=***", 12);
                p = q;
                continue;
            }
        }
        put(out, n, &k, p, 1);
        p++;
    }
}

/* ---- the attribute filter --------------------------------------------- */

typedef im_bytes_t sb_t;

static void sb_add(sb_t *b, const char *s, size_t len) { im_bytes_add(b, s, len); }
static void sb_str(sb_t *b, const char *s) { im_bytes_str(b, s); }

/* s between quote characters, each quote inside doubled: 'x' is a value,
 * "x" a column, in OGR SQL and in PostgreSQL alike. */
static void sb_quoted(sb_t *b, char quote, const char *s)
{
    sb_add(b, &quote, 1);
    for (; *s; s++) {
        if (*s == quote)
            sb_add(b, &quote, 1);
        sb_add(b, s, 1);
    }
    sb_add(b, &quote, 1);
}

static void sb_column_name(sb_t *b, const reader_t *r, int c)
{
    OGRFeatureDefnH defn = OGR_L_GetLayerDefn(r->lyr);
    sb_quoted(b, '"', OGR_Fld_GetNameRef(OGR_FD_GetFieldDefn(defn, r->col[c])));
}

/* Starts a condition on column c: every condition is parenthesised, as
 * one may hold an OR. */
static void sb_column(sb_t *b, const reader_t *r, int c)
{
    sb_str(b, b->len ? ") AND (" : "(");
    sb_column_name(b, r, c);
}

static OGRFieldType column_type(const reader_t *r, int c)
{
    OGRFeatureDefnH defn = OGR_L_GetLayerDefn(r->lyr);
    return OGR_Fld_GetType(OGR_FD_GetFieldDefn(defn, r->col[c]));
}

static bool is_date_type(OGRFieldType t)
{
    return t == OFTDate || t == OFTDateTime;
}

/* YYYY, YYYY-MM or YYYY-MM-DD; absent parts are 0. */
static bool parse_bound(const char *s, int *y, int *m, int *d)
{
    size_t n = strlen(s);
    if (n != 4 && n != 7 && n != 10)
        return false;
    for (size_t i = 0; i < n; i++)
        if ((i == 4 || i == 7) ? s[i] != '-' : !isdigit((unsigned char)s[i]))
            return false;
    *y = atoi(s);
    *m = n >= 7 ? atoi(s + 5) : 0;
    *d = n == 10 ? atoi(s + 8) : 0;
    return (n < 7 || (*m >= 1 && *m <= 12)) && (n < 10 || (*d >= 1 && *d <= 31));
}

static int days_in_month(int y, int m)
{
    static const int days[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    bool leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
    return m == 2 && leap ? 29 : days[m - 1];
}

/* The condition on the date column.  Text dates compare as text, as in
 * the store: "2016" <= "2016-08-08" < "2016-9", and the upper bound is
 * padded so that "to 2016" takes all of 2016.  The store compares the
 * first day a date covers; a date column without it ("2019" for a year)
 * is made to agree by also taking the dates whose first day is the lower
 * bound: "from 2019-01" takes "2019".  A column of SQL dates compares
 * against the first day of the bound, and below the first day after the
 * upper bound, so that timestamps late on the last day count. */
static void sb_dates(sb_t *b, const reader_t *r, int c, const im_filter_t *f)
{
    bool typed = is_date_type(column_type(r, c));
    char buf[32];
    int y, m, d;
    if (f->from) {
        parse_bound(f->from, &y, &m, &d);
        if (typed)
            snprintf(buf, sizeof buf, "%04d-%02d-%02d", y, m ? m : 1, d ? d : 1);
        else
            snprintf(buf, sizeof buf, "%s", f->from);
        sb_column(b, r, c);
        sb_str(b, " >= ");
        sb_quoted(b, '\'', buf);
        if (!typed && c == C_DATE && m == 1 && d <= 1) {
            sb_str(b, " OR ");
            sb_column_name(b, r, c);
            snprintf(buf, sizeof buf, "%04d", y);
            sb_str(b, " = ");
            sb_quoted(b, '\'', buf);
        }
        if (!typed && c == C_DATE && m && d == 1) {
            sb_str(b, " OR ");
            sb_column_name(b, r, c);
            snprintf(buf, sizeof buf, "%04d-%02d", y, m);
            sb_str(b, " = ");
            sb_quoted(b, '\'', buf);
        }
    }
    if (f->to) {
        parse_bound(f->to, &y, &m, &d);
        if (!typed) {
            snprintf(buf, sizeof buf, "%s-99", f->to);
        } else {
            if (!m) {
                y++, m = 1, d = 1;
            } else if (!d || d >= days_in_month(y, m)) {
                d = 1;
                if (++m > 12)
                    y++, m = 1;
            } else {
                d++;
            }
            snprintf(buf, sizeof buf, "%04d-%02d-%02d", y, m, d);
        }
        sb_column(b, r, c);
        sb_str(b, typed ? " < " : " <= ");
        sb_quoted(b, '\'', buf);
    }
}

static im_status_t missing_column(reader_t *r, const char *what)
{
    return im_error(r->ctx, IM_ERR_DATA,
                    "%s: table '%s' has no %s column to filter on", r->src,
                    r->table, what);
}

static im_status_t set_filter(reader_t *r, const im_filter_t *f)
{
    if (!f || (!f->province && !f->from && !f->to && f->min_precision <= 0))
        return IM_OK;
    int y, m, d;
    if (f->from && !parse_bound(f->from, &y, &m, &d))
        return im_error(r->ctx, IM_ERR_ARG,
                        "from: '%s' is not YYYY, YYYY-MM or YYYY-MM-DD", f->from);
    if (f->to && !parse_bound(f->to, &y, &m, &d))
        return im_error(r->ctx, IM_ERR_ARG,
                        "to: '%s' is not YYYY, YYYY-MM or YYYY-MM-DD", f->to);
    /* Filtering on a column that is not there would silently map every
     * row, which is worse than refusing. */
    if (f->province && r->col[C_PROVINCE] < 0)
        return missing_column(r, "province");
    int dc = r->col[C_DATE_START] >= 0 ? C_DATE_START : C_DATE;
    if ((f->from || f->to) && r->col[dc] < 0)
        return missing_column(r, "date or date_start");
    if (f->min_precision > 0 && r->col[C_PRECISION] < 0)
        return missing_column(r, "precision");

    sb_t b = {0};
    if (f->province) {
        sb_column(&b, r, C_PROVINCE);
        sb_str(&b, " = ");
        sb_quoted(&b, '\'', f->province);
    }
    if (f->from || f->to)
        sb_dates(&b, r, dc, f);
    if (f->min_precision > 0) {
        OGRFieldType t = column_type(r, C_PRECISION);
        char num[16];
        snprintf(num, sizeof num, "%d", f->min_precision);
        sb_column(&b, r, C_PRECISION);
        sb_str(&b, " <= ");
        /* A text column compares with text: precision is one digit. */
        if (t == OFTInteger || t == OFTInteger64 || t == OFTReal)
            sb_str(&b, num);
        else
            sb_quoted(&b, '\'', num);
    }
    sb_str(&b, ")");
    im_status_t st = IM_OK;
    if (b.failed)
        st = im_error(r->ctx, IM_ERR_NOMEM, "out of memory");
    else if (OGR_L_SetAttributeFilter(r->lyr, (const char *)b.data) != OGRERR_NONE)
        st = im_error(r->ctx, IM_ERR_LIB, "%s: table '%s': cannot filter: %s",
                      r->src, r->table,
                      r->gdal_msg[0] ? r->gdal_msg : "attribute filter refused");
    free(b.data);
    return st;
}

/* ---- opening, reading, closing ---------------------------------------- */

/* Opens table of source with filter set.  reader_close must follow,
 * whatever this returns: it also restores GDAL's error handler. */
static im_status_t reader_open(reader_t *r, im_ctx_t *ctx, const char *source,
                               const char *table, const im_filter_t *f,
                               bool geometry)
{
    memset(r, 0, sizeof *r);
    r->ctx = ctx;
    r->table = table && *table ? table : "incidents";
    for (int c = 0; c < C_COUNT; c++)
        r->col[c] = -1;
    GDALAllRegister();
    CPLPushErrorHandlerEx(on_gdal_error, r);
    if (!source || !*source)
        return im_error(ctx, IM_ERR_ARG, "no incident source given");
    hide_password(source, r->src, sizeof r->src);
    r->ds = im_ogr_open(source);
    if (!r->ds)
        return im_error(ctx, IM_ERR_IO, "%s: cannot open: %s", r->src,
                        r->gdal_msg[0] ? r->gdal_msg : "not a vector source");
    r->lyr = GDALDatasetGetLayerByName(r->ds, r->table);
    if (!r->lyr)
        return im_error(ctx, IM_ERR_DATA, "%s: no table '%s'", r->src, r->table);
    OGRFeatureDefnH defn = OGR_L_GetLayerDefn(r->lyr);
    for (int c = 0; c < C_COUNT; c++)
        r->col[c] = OGR_FD_GetFieldIndex(defn, column_names[c]);

    if (!geometry) {
        const char *skip[] = {"OGR_GEOMETRY", NULL};
        OGR_L_SetIgnoredFields(r->lyr, skip);
    }
    OGRSpatialReferenceH srs = geometry ? OGR_L_GetSpatialRef(r->lyr) : NULL;
    if (srs) {
        OGRSpatialReferenceH wgs84 = OSRNewSpatialReference(NULL);
        if (!wgs84)
            return im_error(ctx, IM_ERR_NOMEM, "out of memory");
        OSRImportFromEPSG(wgs84, 4326);
        OSRSetAxisMappingStrategy(wgs84, OAMS_TRADITIONAL_GIS_ORDER);
        bool same_crs = OSRIsSame(srs, wgs84);
        if (!same_crs)
            r->ct = OCTNewCoordinateTransformation(srs, wgs84);
        OSRDestroySpatialReference(wgs84);
        if (!same_crs && !r->ct)
            return im_error(ctx, IM_ERR_LIB,
                            "%s: table '%s': cannot transform its CRS to "
                            "WGS 84: %s",
                            r->src, r->table, r->gdal_msg);
    }
    im_status_t st = set_filter(r, f);
    if (!st)
        OGR_L_ResetReading(r->lyr);
    return st;
}

static void reader_close(reader_t *r)
{
    if (r->ct)
        OCTDestroyCoordinateTransformation(r->ct);
    if (r->ds)
        GDALClose(r->ds);
    CPLPopErrorHandler();
}

/* The next feature; NULL at the end or on a failure, which leaves its
 * message in gdal_msg. */
static OGRFeatureH next_feature(reader_t *r)
{
    r->gdal_msg[0] = '\0';
    return OGR_L_GetNextFeature(r->lyr);
}

static im_status_t read_failure(reader_t *r)
{
    if (!r->gdal_msg[0])
        return IM_OK;
    return im_error(r->ctx, IM_ERR_LIB, "%s: table '%s': %s", r->src, r->table,
                    r->gdal_msg);
}

/* Column c of the feature; NULL when absent, null or empty.  Borrowed
 * until the next call on the feature. */
static const char *text(const reader_t *r, OGRFeatureH feat, int c)
{
    int i = r->col[c];
    if (i < 0 || !OGR_F_IsFieldSetAndNotNull(feat, i))
        return NULL;
    const char *s = OGR_F_GetFieldAsString(feat, i);
    return s && *s ? s : NULL;
}

static long count_of(const reader_t *r, OGRFeatureH feat, int c)
{
    int i = r->col[c];
    if (i < 0 || !OGR_F_IsFieldSetAndNotNull(feat, i))
        return 0;
    return (long)OGR_F_GetFieldAsInteger64(feat, i);
}

/* The date in column c as YYYY[-MM[-DD]] text, whether the column holds
 * text or SQL dates; NULL when absent. */
static const char *date_of(const reader_t *r, OGRFeatureH feat, int c,
                           char *buf, size_t n)
{
    if (r->col[c] < 0 || !is_date_type(column_type(r, c))) {
        const char *s = text(r, feat, c);
        if (s)
            snprintf(buf, n, "%s", s);
        return s ? buf : NULL;
    }
    int y, m, d, hh, mm, tz;
    float ss;
    if (!OGR_F_IsFieldSetAndNotNull(feat, r->col[c]) ||
        !OGR_F_GetFieldAsDateTimeEx(feat, r->col[c], &y, &m, &d, &hh, &mm, &ss,
                                    &tz))
        return NULL;
    snprintf(buf, n, "%04d-%02d-%02d", y, m, d);
    return buf;
}

/* The first day a text date covers, as the store's date_start: "2019"
 * is 2019-01-01.  buf holds the date and has room for ten characters. */
static const char *first_day(char *buf)
{
    size_t n = strlen(buf);
    if (n == 4 || n == 7)
        strcpy(buf + n, n == 4 ? "-01-01" : "-01");
    return buf;
}

static bool in_degrees(double lon, double lat)
{
    return isfinite(lon) && isfinite(lat) && fabs(lon) <= 180 && fabs(lat) <= 90;
}

/* The feature's location in WGS 84: its geometry (the centroid of
 * anything but a point), else its lat and lon columns. */
static bool location(const reader_t *r, OGRFeatureH feat, double *lon,
                     double *lat)
{
    OGRGeometryH g = OGR_F_GetGeometryRef(feat);
    double x = 0, y = 0, z = 0;
    bool ok = false;
    if (g && !OGR_G_IsEmpty(g)) {
        if (wkbFlatten(OGR_G_GetGeometryType(g)) == wkbPoint) {
            x = OGR_G_GetX(g, 0);
            y = OGR_G_GetY(g, 0);
            ok = true;
        } else {
            OGRGeometryH c = OGR_G_CreateGeometry(wkbPoint);
            if (c && OGR_G_Centroid(g, c) == OGRERR_NONE && !OGR_G_IsEmpty(c)) {
                x = OGR_G_GetX(c, 0);
                y = OGR_G_GetY(c, 0);
                ok = true;
            }
            OGR_G_DestroyGeometry(c);
        }
        if (ok && r->ct && !OCTTransform(r->ct, 1, &x, &y, &z))
            ok = false;
    }
    int ilat = r->col[C_LAT], ilon = r->col[C_LON];
    if (!ok && ilat >= 0 && ilon >= 0 && OGR_F_IsFieldSetAndNotNull(feat, ilat) &&
        OGR_F_IsFieldSetAndNotNull(feat, ilon)) {
        y = OGR_F_GetFieldAsDouble(feat, ilat);
        x = OGR_F_GetFieldAsDouble(feat, ilon);
        ok = true;
    }
    /* Without a CRS a geometry is taken as degrees only if it fits. */
    if (!ok || !in_degrees(x, y))
        return false;
    *lon = x;
    *lat = y;
    return true;
}

/* ---- groups of rows ---------------------------------------------------- */

typedef struct {
    char *group;          /* what rows are grouped by; NULL is a group */
    char *key;            /* what is shown for it */
    char *province;       /* the least, as the store's min(province) */
    long incidents, killed, injured;
} group_t;

typedef struct {
    group_t *g;
    size_t n, cap;
} groups_t;

static bool same(const char *a, const char *b)
{
    return a == b || (a && b && strcmp(a, b) == 0);
}

/* The group named group, added if new; NULL when out of memory. */
static group_t *group_get(groups_t *G, const char *group)
{
    for (size_t i = 0; i < G->n; i++)
        if (same(G->g[i].group, group))
            return &G->g[i];
    if (G->n == G->cap) {
        size_t cap = G->cap ? G->cap * 2 : 32;
        group_t *ng = realloc(G->g, cap * sizeof *ng);
        if (!ng)
            return NULL;
        G->g = ng;
        G->cap = cap;
    }
    group_t *g = &G->g[G->n];
    memset(g, 0, sizeof *g);
    if (group && !(g->group = im_strdup(group)))
        return NULL;
    G->n++;
    return g;
}

static void groups_free(groups_t *G)
{
    for (size_t i = 0; i < G->n; i++) {
        free(G->g[i].group);
        free(G->g[i].key);
        free(G->g[i].province);
    }
    free(G->g);
}

/* ---- values per polygon ------------------------------------------------ */

typedef struct {
    groups_t no_polygon;  /* by district id */
    groups_t unknown;     /* by district text */
    long outside, unlocated;
} lost_t;

static void warn_lost(reader_t *r, lost_t *L)
{
    for (size_t i = 0; i < L->no_polygon.n; i++)
        im_warn(r->ctx, "%s: table '%s': %ld incident(s) in %s have no polygon "
                        "in these boundaries and are not mapped",
                r->src, r->table, L->no_polygon.g[i].incidents,
                L->no_polygon.g[i].group);
    for (size_t i = 0; i < L->unknown.n; i++)
        im_warn(r->ctx, "%s: table '%s': %ld incident(s) in district '%s', "
                        "which the gazetteer does not know, are not mapped",
                r->src, r->table, L->unknown.g[i].incidents,
                L->unknown.g[i].group);
    if (L->outside)
        im_warn(r->ctx, "%s: table '%s': %ld incident(s) lie outside every "
                        "polygon and are not mapped",
                r->src, r->table, L->outside);
    if (L->unlocated)
        im_warn(r->ctx, "%s: table '%s': %ld incident(s) have neither a "
                        "district nor a location and are not mapped",
                r->src, r->table, L->unlocated);
}

/* The polygon feat counts in: its district_id's, else its district
 * text's, else the one containing its location; (size_t)-1 with the
 * reason tallied in L, or on running out of memory (*oom). */
static size_t polygon_of(reader_t *r, OGRFeatureH feat,
                         const im_gazetteer_t *gaz, const im_layer_t *layer,
                         im_geocoder_t **geo, lost_t *L, im_status_t *st)
{
    const char *id = text(r, feat, C_DISTRICT_ID);
    const char *name = id ? NULL : text(r, feat, C_DISTRICT);
    groups_t *tally = NULL;
    if (name) {
        char hint[128];
        const char *p = text(r, feat, C_PROVINCE);
        snprintf(hint, sizeof hint, "%s", p ? p : "");
        /* The province may have reused the buffer behind name. */
        name = text(r, feat, C_DISTRICT);
        im_match_t m;
        im_gazetteer_resolve(gaz, name, p ? hint : NULL, &m);
        id = m.district_id;
        if (!id)
            tally = &L->unknown;
    }
    if (id) {
        size_t i = im_layer_find_district(layer, id);
        if (i != (size_t)-1)
            return i;
        tally = &L->no_polygon;
        name = id;
    }
    double lon, lat;
    if (!id && location(r, feat, &lon, &lat)) {
        if (!*geo && (*st = im_geocoder_new(r->ctx, gaz, layer, geo)))
            return (size_t)-1;
        size_t i = im_geocoder_locate(*geo, lon, lat, EDGE_TOLERANCE_KM);
        if (i == (size_t)-1)
            L->outside++;
        return i;
    }
    if (!tally) {
        L->unlocated++;
        return (size_t)-1;
    }
    group_t *g = group_get(tally, name);
    if (!g)
        *st = im_error(r->ctx, IM_ERR_NOMEM, "out of memory");
    else
        g->incidents++;
    return (size_t)-1;
}

im_status_t im_gdal_values_from_ogr(im_ctx_t *ctx, const im_gazetteer_t *gaz,
                               const im_layer_t *layer, const char *source,
                               const char *table, const im_filter_t *filter,
                               im_values_t **out)
{
    *out = NULL;
    reader_t r;
    im_status_t st = reader_open(&r, ctx, source, table, filter, true);
    im_values_t *V = NULL;
    im_geocoder_t *geo = NULL;
    lost_t lost = {0};
    if (!st && !(V = im_values_alloc(im_layer_count(layer))))
        st = im_error(ctx, IM_ERR_NOMEM, "out of memory");
    OGRFeatureH feat;
    while (!st && (feat = next_feature(&r)) != NULL) {
        size_t i = polygon_of(&r, feat, gaz, layer, &geo, &lost, &st);
        if (i != (size_t)-1) {
            im_values_add(V, i, 1);
            char dbuf[32];
            const char *date = date_of(&r, feat, C_DATE, dbuf, sizeof dbuf);
            im_date_t d;
            if (date && im_date_parse(date, &d))
                im_values_note_date(V, &d);
        }
        OGR_F_Destroy(feat);
    }
    if (!st)
        st = read_failure(&r);
    if (!st)
        warn_lost(&r, &lost);
    groups_free(&lost.no_polygon);
    groups_free(&lost.unknown);
    im_geocoder_free(geo);
    reader_close(&r);
    if (st) {
        im_values_free(V);
        return st;
    }
    *out = V;
    return IM_OK;
}

/* ---- located incidents ------------------------------------------------- */

typedef struct {
    double lon, lat;
    int casualties;
    char *category, *place, *date, *order;
    size_t seq;
} pending_t;

static int by_date(const void *a, const void *b)
{
    const pending_t *x = a, *y = b;
    int c = strcmp(x->order, y->order);
    return c ? c : (x->seq > y->seq) - (x->seq < y->seq);
}

static void pending_free(pending_t *p)
{
    free(p->category);
    free(p->place);
    free(p->date);
    free(p->order);
}

im_status_t im_gdal_points_from_ogr(im_ctx_t *ctx, const im_gazetteer_t *gaz,
                                    const char *source, const char *table,
                                    const im_filter_t *filter,
                                    im_points_t **out)
{
    *out = NULL;
    reader_t r;
    im_status_t st = reader_open(&r, ctx, source, table, filter, true);
    pending_t *p = NULL;
    size_t n = 0, cap = 0;
    OGRFeatureH feat;
    while (!st && (feat = next_feature(&r)) != NULL) {
        double lon, lat;
        if (location(&r, feat, &lon, &lat) ||
            (gaz && im_points_stand_in(gaz, text(&r, feat, C_PLACE),
                                       text(&r, feat, C_PROVINCE),
                                       text(&r, feat, C_DISTRICT_ID), &lon,
                                       &lat))) {
            if (n == cap) {
                cap = cap ? cap * 2 : 64;
                pending_t *np = realloc(p, cap * sizeof *np);
                if (np)
                    p = np;
                else
                    st = im_error(ctx, IM_ERR_NOMEM, "out of memory");
            }
            if (!st) {
                pending_t *q = &p[n++];
                char buf[64];
                const char *date = date_of(&r, feat, C_DATE, buf, sizeof buf);
                q->lon = lon;
                q->lat = lat;
                q->seq = n;
                q->casualties = (int)(count_of(&r, feat, C_KILLED) +
                                      count_of(&r, feat, C_INJURED));
                q->date = im_strdup(date ? date : "");
                const char *start = date_of(&r, feat, C_DATE_START, buf,
                                            sizeof buf);
                if (!start && date)
                    start = first_day(strcpy(buf, q->date ? q->date : ""));
                q->order = im_strdup(start ? start : "");
                const char *s = text(&r, feat, C_CATEGORY);
                q->category = im_strdup(s ? s : "");
                s = text(&r, feat, C_PLACE);
                q->place = im_strdup(s ? s : "");
                if (!q->date || !q->order || !q->category || !q->place)
                    st = im_error(ctx, IM_ERR_NOMEM, "out of memory");
            }
        }
        OGR_F_Destroy(feat);
    }
    if (!st)
        st = read_failure(&r);
    reader_close(&r);
    /* In date order, as from the store: a place's label lists its dates. */
    im_points_t *P = NULL;
    if (!st) {
        if (n)
            qsort(p, n, sizeof *p, by_date);
        if (!(P = im_points_alloc()))
            st = im_error(ctx, IM_ERR_NOMEM, "out of memory");
    }
    for (size_t i = 0; !st && i < n; i++)
        if (im_points_push(P, p[i].lon, p[i].lat, p[i].category,
                           p[i].casualties, p[i].place, p[i].date))
            st = im_error(ctx, IM_ERR_NOMEM, "out of memory");
    for (size_t i = 0; i < n; i++)
        pending_free(&p[i]);
    free(p);
    if (st) {
        im_points_free(P);
        return st;
    }
    *out = P;
    return IM_OK;
}

/* ---- counts ------------------------------------------------------------ */

static int cmp_key(const char *a, const char *b)
{
    /* NULL first, as SQL orders it. */
    return !a || !b ? (a != NULL) - (b != NULL) : strcmp(a, b);
}

static int by_count(const void *a, const void *b)
{
    const group_t *x = a, *y = b;
    if (x->incidents != y->incidents)
        return x->incidents > y->incidents ? -1 : 1;
    return cmp_key(x->key, y->key);
}

static int by_key(const void *a, const void *b)
{
    return cmp_key(((const group_t *)a)->key, ((const group_t *)b)->key);
}

/* Keeps the first non-null value of *slot, or the least when least. */
static bool keep(char **slot, const char *v, bool least)
{
    if (!v || (*slot && (!least || strcmp(v, *slot) >= 0)))
        return true;
    char *c = im_strdup(v);
    if (!c)
        return false;
    free(*slot);
    *slot = c;
    return true;
}

im_status_t im_gdal_stats_from_ogr(im_ctx_t *ctx, const char *source,
                              const char *table, im_group_t by,
                              const im_filter_t *filter, im_stats_fn fn,
                              void *user)
{
    reader_t r;
    im_status_t st = reader_open(&r, ctx, source, table, filter, false);
    if (!st && by == IM_BY_DISTRICT && r.col[C_DISTRICT_ID] < 0 &&
        r.col[C_DISTRICT] < 0)
        st = im_error(ctx, IM_ERR_DATA,
                      "%s: table '%s' has no district_id or district column",
                      r.src, r.table);
    int key_col = by == IM_BY_PROVINCE   ? C_PROVINCE
                  : by == IM_BY_CATEGORY ? C_CATEGORY
                                         : C_DISTRICT;
    int date_col = r.col[C_DATE_START] >= 0 ? C_DATE_START : C_DATE;
    groups_t G = {0};
    OGRFeatureH feat;
    while (!st && (feat = next_feature(&r)) != NULL) {
        char buf[64];
        const char *group = NULL;
        if (by == IM_BY_YEAR || by == IM_BY_MONTH) {
            group = date_of(&r, feat, date_col, buf, sizeof buf);
            if (group)
                first_day(buf);
            if (group && strlen(group) > (by == IM_BY_YEAR ? 4u : 7u))
                buf[by == IM_BY_YEAR ? 4 : 7] = '\0';
        } else if (by == IM_BY_DISTRICT && r.col[C_DISTRICT_ID] >= 0) {
            /* By id, so that one district under two spellings stays one
             * row. */
            group = text(&r, feat, C_DISTRICT_ID);
        } else {
            group = text(&r, feat, key_col);
        }
        group_t *g = group_get(&G, group);
        bool ok = g != NULL;
        /* Records without a district id (unmatched, ambiguous) are one
         * group with no name: an ambiguous record's name is not theirs. */
        bool named = by == IM_BY_DISTRICT &&
                     (r.col[C_DISTRICT_ID] < 0 || (group && *group));
        if (ok && by == IM_BY_DISTRICT) {
            ok = (!named || keep(&g->key, text(&r, feat, C_DISTRICT), false)) &&
                 keep(&g->key, text(&r, feat, C_DISTRICT_ID), false) &&
                 keep(&g->province, text(&r, feat, C_PROVINCE), true);
        } else if (ok) {
            ok = keep(&g->key, group, false);
        }
        if (ok) {
            g->incidents++;
            g->killed += count_of(&r, feat, C_KILLED);
            g->injured += count_of(&r, feat, C_INJURED);
        } else {
            st = im_error(ctx, IM_ERR_NOMEM, "out of memory");
        }
        OGR_F_Destroy(feat);
    }
    if (!st)
        st = read_failure(&r);
    reader_close(&r);
    if (!st) {
        if (G.n)
            qsort(G.g, G.n, sizeof *G.g,
                  by == IM_BY_YEAR || by == IM_BY_MONTH ? by_key : by_count);
        for (size_t i = 0; i < G.n; i++)
            fn(user, G.g[i].key,
               by == IM_BY_DISTRICT ? G.g[i].province : NULL,
               G.g[i].incidents, G.g[i].killed, G.g[i].injured);
    }
    groups_free(&G);
    return st;
}
