/*
 * layer.c: district polygons read through GDAL/OGR, the only module that
 * talks to GDAL.  Geometries are copied out of OGR into plain rings in
 * WGS 84 degrees once, so that nothing downstream depends on GDAL types.
 * GDAL's error handler is redirected into the context for the duration of
 * each call, so its messages end up in the one error convention.
 */
#include "layer.h"
#include "context.h"
#include "gazetteer.h"

#include <cpl_error.h>
#include <math.h>
#include <ogr_api.h>
#include <ogr_srs_api.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

typedef struct {
    char *name;
    const char *district_id;  /* borrowed from the gazetteer */
    const char *display;      /* borrowed */
    const char *province;     /* borrowed */
    im_shape_t shape;
    double label_lon, label_lat;
} feature_t;

typedef struct {
    const char *province;     /* borrowed from the gazetteer */
    im_shape_t shape;
} outline_t;

struct im_layer {
    const im_gazetteer_t *gaz;
    feature_t *f;
    size_t n;
    OGRGeometryH *geoms;      /* WGS 84 copies, kept only while reading */
    outline_t *outlines;      /* one per province present */
    size_t noutlines;
};

typedef struct {
    im_ctx_t *ctx;
    char msg[512];
} gdal_errors_t;

static void CPL_STDCALL on_gdal_error(CPLErr cls, CPLErrorNum num,
                                      const char *msg)
{
    (void)num;
    gdal_errors_t *e = CPLGetErrorHandlerUserData();
    if (e && cls >= CE_Failure && !e->msg[0])
        snprintf(e->msg, sizeof e->msg, "%s", msg);
}

static int shape_add_ring(im_shape_t *s, OGRGeometryH ring, int part,
                          OGRCoordinateTransformationH ct)
{
    int n = OGR_G_GetPointCount(ring);
    if (n < 4)
        return 0;
    im_xy_t *pts = realloc(s->pts, (s->npts + (size_t)n) * sizeof *pts);
    if (!pts)
        return -1;
    s->pts = pts;
    im_ring_t *rings = realloc(s->rings, (s->nrings + 1) * sizeof *rings);
    if (!rings)
        return -1;
    s->rings = rings;
    for (int i = 0; i < n; i++) {
        double x = OGR_G_GetX(ring, i), y = OGR_G_GetY(ring, i), z = 0;
        if (ct && !OCTTransform(ct, 1, &x, &y, &z))
            return -2;
        s->pts[s->npts + (size_t)i] = (im_xy_t){x, y};
    }
    s->rings[s->nrings++] = (im_ring_t){s->npts, (size_t)n, part};
    s->npts += (size_t)n;
    return 0;
}

static int shape_add_polygon(im_shape_t *s, OGRGeometryH poly, int part,
                             OGRCoordinateTransformationH ct)
{
    for (int r = 0; r < OGR_G_GetGeometryCount(poly); r++) {
        int rc = shape_add_ring(s, OGR_G_GetGeometryRef(poly, r), part, ct);
        if (rc)
            return rc;
    }
    return 0;
}

/* Flattens Polygon, MultiPolygon and collections of them into parts. */
static int shape_add(im_shape_t *s, OGRGeometryH g, int *part,
                     OGRCoordinateTransformationH ct)
{
    OGRwkbGeometryType t = wkbFlatten(OGR_G_GetGeometryType(g));
    if (t == wkbPolygon)
        return shape_add_polygon(s, g, (*part)++, ct);
    if (t == wkbMultiPolygon || t == wkbGeometryCollection) {
        for (int i = 0; i < OGR_G_GetGeometryCount(g); i++) {
            int rc = shape_add(s, OGR_G_GetGeometryRef(g, i), part, ct);
            if (rc)
                return rc;
        }
    }
    return 0;
}

static int pick_name_field(OGRFeatureDefnH defn, const char *want)
{
    if (want)
        return OGR_FD_GetFieldIndex(defn, want);
    static const char *const guesses[] = {"name", "shapeName", "NAME_2",
                                          "ADM2_EN", "district", NULL};
    for (int i = 0; guesses[i]; i++)
        for (int k = 0; k < OGR_FD_GetFieldCount(defn); k++)
            if (strcasecmp(OGR_Fld_GetNameRef(OGR_FD_GetFieldDefn(defn, k)),
                           guesses[i]) == 0)
                return k;
    return -1;
}

/* Label point in a local equirectangular frame, where a degree of
 * longitude is shortened by cos(latitude) as on the ground; polylabel on
 * raw degrees would favour east-west elongation. */
static void compute_label_point(feature_t *f)
{
    const im_shape_t *s = &f->shape;
    if (!s->nrings)
        return;
    int part = im_shape_largest_part(s);
    double minx, miny, maxx, maxy;
    im_shape_bounds(s, part, &minx, &miny, &maxx, &maxy);
    double k = cos((miny + maxy) / 2 * M_PI / 180);
    im_shape_t local = {s->rings, s->nrings, malloc(s->npts * sizeof *s->pts),
                        s->npts};
    if (!local.pts) {
        f->label_lon = (minx + maxx) / 2;
        f->label_lat = (miny + maxy) / 2;
        return;
    }
    for (size_t i = 0; i < s->npts; i++)
        local.pts[i] = (im_xy_t){s->pts[i].x * k, s->pts[i].y};
    double prec = fmax((maxx - minx) * k, maxy - miny) / 200;
    im_xy_t p = im_shape_pole(&local, part, prec, NULL);
    f->label_lon = p.x / k;
    f->label_lat = p.y;
    free(local.pts);
}

static im_status_t read_features(im_ctx_t *ctx, im_layer_t *L, OGRLayerH lyr,
                                 const char *source, const char *name_field,
                                 gdal_errors_t *errs)
{
    OGRFeatureDefnH defn = OGR_L_GetLayerDefn(lyr);
    int fi = pick_name_field(defn, name_field);
    if (fi < 0)
        return im_error(ctx, IM_ERR_DATA,
                        "%s: no field '%s' for district names (use "
                        "--name-field)",
                        source, name_field ? name_field : "name");

    OGRCoordinateTransformationH ct = NULL;
    OGRSpatialReferenceH wgs84 = NULL;
    OGRSpatialReferenceH srs = OGR_L_GetSpatialRef(lyr);
    if (srs) {
        wgs84 = OSRNewSpatialReference(NULL);
        /* Not EPSG:4326 by code: that is a lookup in PROJ's database on
         * every start, for the same CRS. */
        OSRSetWellKnownGeogCS(wgs84, "WGS84");
        OSRSetAxisMappingStrategy(wgs84, OAMS_TRADITIONAL_GIS_ORDER);
        if (!OSRIsSame(srs, wgs84)) {
            ct = OCTNewCoordinateTransformation(srs, wgs84);
            if (!ct) {
                OSRDestroySpatialReference(wgs84);
                return im_error(ctx, IM_ERR_LIB,
                                "%s: cannot transform its CRS to WGS 84: %s",
                                source, errs->msg);
            }
        }
    }

    im_status_t st = IM_OK;
    size_t cap = 0;
    OGR_L_ResetReading(lyr);
    OGRFeatureH feat;
    while (!st && (feat = OGR_L_GetNextFeature(lyr)) != NULL) {
        OGRGeometryH g = OGR_F_GetGeometryRef(feat);
        if (g) {
            if (L->n == cap) {
                cap = cap ? cap * 2 : 128;
                feature_t *nf = realloc(L->f, cap * sizeof *nf);
                if (nf)
                    L->f = nf;
                OGRGeometryH *ng = realloc(L->geoms, cap * sizeof *ng);
                if (ng) {
                    L->geoms = ng;
                    for (size_t k = L->n; k < cap; k++)
                        ng[k] = NULL;
                }
                if (!nf || !ng)
                    st = im_error(ctx, IM_ERR_NOMEM, "out of memory");
            }
            if (!st) {
                feature_t *f = &L->f[L->n++];
                memset(f, 0, sizeof *f);
                f->name = im_strdup(OGR_F_GetFieldAsString(feat, fi));
                int part = 0;
                int rc = f->name ? shape_add(&f->shape, g, &part, ct) : -1;
                OGRGeometryH copy = rc ? NULL : OGR_G_Clone(g);
                if (copy && ct && OGR_G_Transform(copy, ct) != OGRERR_NONE) {
                    OGR_G_DestroyGeometry(copy);
                    copy = NULL;
                }
                L->geoms[L->n - 1] = copy;
                if (rc == -2)
                    st = im_error(ctx, IM_ERR_LIB,
                                  "%s: feature %lld: cannot transform to WGS 84",
                                  source, (long long)OGR_F_GetFID(feat));
                else if (rc)
                    st = im_error(ctx, IM_ERR_NOMEM, "out of memory");
            }
        }
        OGR_F_Destroy(feat);
    }
    if (ct)
        OCTDestroyCoordinateTransformation(ct);
    if (wgs84)
        OSRDestroySpatialReference(wgs84);
    return st;
}

/* Sources without a CRS (TopoJSON, bare GeoJSON) are taken as WGS 84 only
 * if every coordinate is a plausible degree value. */
static im_status_t check_degrees(im_ctx_t *ctx, const im_layer_t *L,
                                 const char *source)
{
    for (size_t i = 0; i < L->n; i++) {
        double minx, miny, maxx, maxy;
        im_shape_bounds(&L->f[i].shape, -1, &minx, &miny, &maxx, &maxy);
        if (L->f[i].shape.npts &&
            (minx < -180 || maxx > 180 || miny < -90 || maxy > 90))
            return im_error(ctx, IM_ERR_DATA,
                            "%s: no CRS and coordinates are not degrees "
                            "(feature '%s')",
                            source, L->f[i].name);
    }
    return IM_OK;
}

static void bind_gazetteer(im_ctx_t *ctx, im_layer_t *L, const char *source)
{
    for (size_t i = 0; i < L->n; i++) {
        feature_t *f = &L->f[i];
        im_match_t m;
        im_gazetteer_resolve(L->gaz, f->name, NULL, &m);
        f->display = f->name;
        if (m.method == IM_MATCH_EXACT || m.method == IM_MATCH_ALIAS) {
            f->district_id = m.district_id;
            f->display = m.district;
            f->province = m.province;
        } else {
            im_warn(ctx, "%s: polygon '%s' matches no district; drawn as "
                         "context only", source, f->name);
        }
        compute_label_point(f);
    }
}

/* Dissolves the districts of each province into its outline with GEOS
 * (through OGR).  A small buffer out and back in closes the slivers that
 * independently drawn neighbours leave between them, which would otherwise
 * show as stray province lines inside the province. */
static void build_outlines(im_ctx_t *ctx, im_layer_t *L, const char *source)
{
    const double close_deg = 0.01;
    L->outlines = calloc(L->n ? L->n : 1, sizeof *L->outlines);
    if (!L->outlines)
        return;
    for (size_t i = 0; i < L->n; i++) {
        const char *prov = L->f[i].province;
        if (!prov)
            continue;
        size_t k = 0;
        while (k < L->noutlines && strcmp(L->outlines[k].province, prov))
            k++;
        if (k < L->noutlines)
            continue;
        OGRGeometryH coll = OGR_G_CreateGeometry(wkbMultiPolygon);
        for (size_t j = i; j < L->n; j++) {
            if (!L->f[j].province || strcmp(L->f[j].province, prov) ||
                !L->geoms[j])
                continue;
            OGRGeometryH g = OGR_G_ForceToMultiPolygon(OGR_G_Clone(L->geoms[j]));
            for (int p = 0; g && p < OGR_G_GetGeometryCount(g); p++)
                OGR_G_AddGeometry(coll, OGR_G_GetGeometryRef(g, p));
            OGR_G_DestroyGeometry(g);
        }
        /* Buffering dissolves as well: no separate union is needed. */
        OGRGeometryH grown = OGR_G_Buffer(coll, close_deg, 4);
        OGRGeometryH outline = grown ? OGR_G_Buffer(grown, -close_deg, 4)
                                     : NULL;
        outline_t *o = &L->outlines[L->noutlines++];
        o->province = prov;
        int part = 0;
        if (!outline || shape_add(&o->shape, outline, &part, NULL)) {
            /* Kept with no rings, so the province is tried only once. */
            im_shape_clear(&o->shape);
            im_warn(ctx, "%s: cannot dissolve the districts of %s; its outline "
                         "is not drawn", source, prov);
        }
        OGR_G_DestroyGeometry(outline);
        OGR_G_DestroyGeometry(grown);
        OGR_G_DestroyGeometry(coll);
    }
}

static void drop_geoms(im_layer_t *L)
{
    for (size_t i = 0; L->geoms && i < L->n; i++)
        OGR_G_DestroyGeometry(L->geoms[i]);
    free(L->geoms);
    L->geoms = NULL;
}

im_status_t im_layer_read(im_ctx_t *ctx, const im_gazetteer_t *gaz,
                          const char *source, const char *name_field,
                          im_layer_t **out)
{
    *out = NULL;
    char *owned = NULL;
    if (!source) {
        owned = im_data_path(ctx, "boundaries/districts.geojson");
        if (!owned)
            return im_error(ctx, IM_ERR_NOMEM, "out of memory");
        source = owned;
    }
    OGRRegisterAll();
    gdal_errors_t errs = {ctx, ""};
    CPLPushErrorHandlerEx(on_gdal_error, &errs);
    im_status_t st = IM_OK;
    im_layer_t *L = calloc(1, sizeof *L);
    OGRDataSourceH ds = NULL;
    if (!L) {
        st = im_error(ctx, IM_ERR_NOMEM, "out of memory");
        goto done;
    }
    L->gaz = gaz;
    ds = OGROpen(source, FALSE, NULL);
    if (!ds) {
        st = im_error(ctx, IM_ERR_IO, "cannot open boundaries '%s': %s",
                      source, errs.msg[0] ? errs.msg : "not a vector source");
        goto done;
    }
    if (OGR_DS_GetLayerCount(ds) < 1) {
        st = im_error(ctx, IM_ERR_DATA, "%s: no layers", source);
        goto done;
    }
    OGRLayerH lyr = OGR_DS_GetLayer(ds, 0);
    st = read_features(ctx, L, lyr, source, name_field, &errs);
    if (!st && !OGR_L_GetSpatialRef(lyr))
        st = check_degrees(ctx, L, source);
    if (!st && L->n == 0)
        st = im_error(ctx, IM_ERR_DATA, "%s: no polygons", source);
    if (!st) {
        bind_gazetteer(ctx, L, source);
        build_outlines(ctx, L, source);
    }
done:
    if (L)
        drop_geoms(L);
    if (ds)
        OGR_DS_Destroy(ds);
    CPLPopErrorHandler();
    free(owned);
    if (st) {
        im_layer_free(L);
        return st;
    }
    *out = L;
    return IM_OK;
}

void im_layer_free(im_layer_t *L)
{
    if (!L)
        return;
    for (size_t i = 0; i < L->n; i++) {
        free(L->f[i].name);
        im_shape_clear(&L->f[i].shape);
    }
    for (size_t i = 0; i < L->noutlines; i++)
        im_shape_clear(&L->outlines[i].shape);
    free(L->outlines);
    drop_geoms(L);
    free(L->f);
    free(L);
}

size_t im_layer_count(const im_layer_t *L) { return L->n; }
const char *im_layer_name(const im_layer_t *L, size_t i) { return L->f[i].name; }
const char *im_layer_display_name(const im_layer_t *L, size_t i)
{
    return L->f[i].display;
}
const char *im_layer_district_id(const im_layer_t *L, size_t i)
{
    return L->f[i].district_id;
}
const char *im_layer_province(const im_layer_t *L, size_t i)
{
    return L->f[i].province;
}
const im_shape_t *im_layer_shape(const im_layer_t *L, size_t i)
{
    return &L->f[i].shape;
}
const im_gazetteer_t *im_layer_gazetteer(const im_layer_t *L) { return L->gaz; }

void im_layer_label_point(const im_layer_t *L, size_t i, double *out_lon_deg,
                          double *out_lat_deg)
{
    *out_lon_deg = L->f[i].label_lon;
    *out_lat_deg = L->f[i].label_lat;
}

size_t im_layer_find_district(const im_layer_t *L, const char *district_id)
{
    /* Walk up the history: a district carved out after the boundary set
     * was drawn counts in the polygon of the district it came from. */
    int depth = 0;
    for (const char *id = district_id; id && depth < 16;
         id = im_gazetteer_parent(L->gaz, id), depth++)
        for (size_t i = 0; i < L->n; i++)
            if (L->f[i].district_id && strcmp(L->f[i].district_id, id) == 0)
                return i;
    return (size_t)-1;
}

size_t im_layer_outline_count(const im_layer_t *L) { return L->noutlines; }

const im_shape_t *im_layer_outline(const im_layer_t *L, size_t k,
                                   const char **out_province)
{
    if (out_province)
        *out_province = L->outlines[k].province;
    return &L->outlines[k].shape;
}

/* Context outlines (neighbouring countries) need no gazetteer: read them
 * plainly, keeping the features whose `role` is not "self". */
im_status_t im_context_read(im_ctx_t *ctx, const char *source,
                            im_shape_t **out_shapes, size_t *out_n)
{
    *out_shapes = NULL;
    *out_n = 0;
    OGRRegisterAll();
    gdal_errors_t errs = {ctx, ""};
    CPLPushErrorHandlerEx(on_gdal_error, &errs);
    OGRDataSourceH ds = OGROpen(source, FALSE, NULL);
    im_status_t st = IM_OK;
    if (!ds) {
        st = im_error(ctx, IM_ERR_IO, "cannot open '%s'", source);
        goto done;
    }
    OGRLayerH lyr = OGR_DS_GetLayer(ds, 0);
    int role = lyr ? OGR_FD_GetFieldIndex(OGR_L_GetLayerDefn(lyr), "role") : -1;
    size_t cap = lyr ? (size_t)OGR_L_GetFeatureCount(lyr, TRUE) : 0;
    im_shape_t *shapes = calloc(cap ? cap : 1, sizeof *shapes);
    if (!shapes) {
        st = im_error(ctx, IM_ERR_NOMEM, "out of memory");
        goto done;
    }
    OGRFeatureH feat;
    size_t n = 0;
    while (lyr && n < cap && (feat = OGR_L_GetNextFeature(lyr)) != NULL) {
        OGRGeometryH g = OGR_F_GetGeometryRef(feat);
        bool self = role >= 0 && !strcmp(OGR_F_GetFieldAsString(feat, role), "self");
        int part = 0;
        if (g && !self && shape_add(&shapes[n], g, &part, NULL) == 0)
            n++;
        else
            im_shape_clear(&shapes[n]);
        OGR_F_Destroy(feat);
    }
    *out_shapes = shapes;
    *out_n = n;
done:
    if (ds)
        OGR_DS_Destroy(ds);
    CPLPopErrorHandler();
    return st;
}
