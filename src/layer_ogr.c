/*
 * layer_ogr.c: district polygons read through GDAL/OGR, in the GDAL
 * module.  Geometries are copied out of OGR into plain rings in WGS 84
 * degrees once, so that nothing downstream depends on GDAL types.  GDAL's
 * error handler is redirected into the context for the duration of each
 * call, so its messages end up in the one error convention.
 */
#include "context.h"
#include "gdal_module.h"
#include "ogr_open.h"
#include "layer_impl.h"

#include <cpl_error.h>
#include <math.h>
#include <ogr_api.h>
#include <ogr_srs_api.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

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

/* OGR copies of the polygons, kept only while reading, for GEOS. */
typedef struct {
    OGRGeometryH *g;
    size_t cap;
} geoms_t;

/* What was wrong with a feature's rings, reported once per feature. */
typedef struct {
    int closed;     /* rings whose last point was not their first */
    int degenerate; /* rings of fewer than three distinct points */
    int nonfinite;  /* rings with a coordinate that is NaN or infinite */
} ring_faults_t;

/* A ring left open is closed, as every renderer would close it anyway;
 * one with fewer than four points once closed encloses nothing. */
static int shape_add_ring(im_shape_t *s, OGRGeometryH ring, int part,
                          OGRCoordinateTransformationH ct, ring_faults_t *f)
{
    int n = OGR_G_GetPointCount(ring);
    bool open = n > 0 && (OGR_G_GetX(ring, 0) != OGR_G_GetX(ring, n - 1) ||
                          OGR_G_GetY(ring, 0) != OGR_G_GetY(ring, n - 1));
    int total = n + open;
    if (total < 4) {
        if (f && n > 0)
            f->degenerate++;
        return 0;
    }
    for (int i = 0; i < n; i++)
        if (!isfinite(OGR_G_GetX(ring, i)) || !isfinite(OGR_G_GetY(ring, i))) {
            if (f)
                f->nonfinite++;
            return 0;
        }
    if (open && f)
        f->closed++;
    im_xy_t *pts = realloc(s->pts, (s->npts + (size_t)total) * sizeof *pts);
    if (!pts)
        return -1;
    s->pts = pts;
    im_ring_t *rings = realloc(s->rings, (s->nrings + 1) * sizeof *rings);
    if (!rings)
        return -1;
    s->rings = rings;
    for (int i = 0; i < total; i++) {
        int k = i < n ? i : 0;
        double x = OGR_G_GetX(ring, k), y = OGR_G_GetY(ring, k), z = 0;
        if (ct && !OCTTransform(ct, 1, &x, &y, &z))
            return -2;
        s->pts[s->npts + (size_t)i] = (im_xy_t){x, y};
    }
    s->rings[s->nrings++] = (im_ring_t){s->npts, (size_t)total, part};
    s->npts += (size_t)total;
    return 0;
}

static int shape_add_polygon(im_shape_t *s, OGRGeometryH poly, int part,
                             OGRCoordinateTransformationH ct, ring_faults_t *f)
{
    for (int r = 0; r < OGR_G_GetGeometryCount(poly); r++) {
        int rc = shape_add_ring(s, OGR_G_GetGeometryRef(poly, r), part, ct, f);
        if (rc)
            return rc;
    }
    return 0;
}

/* Flattens Polygon, MultiPolygon and collections of them into parts. */
static int shape_add(im_shape_t *s, OGRGeometryH g, int *part,
                     OGRCoordinateTransformationH ct, ring_faults_t *f)
{
    OGRwkbGeometryType t = wkbFlatten(OGR_G_GetGeometryType(g));
    if (t == wkbPolygon)
        return shape_add_polygon(s, g, (*part)++, ct, f);
    if (t == wkbMultiPolygon || t == wkbGeometryCollection) {
        for (int i = 0; i < OGR_G_GetGeometryCount(g); i++) {
            int rc = shape_add(s, OGR_G_GetGeometryRef(g, i), part, ct, f);
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

static im_status_t read_features(im_ctx_t *ctx, im_layer_t *L, geoms_t *G,
                                 OGRLayerH lyr,
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
    OGR_L_ResetReading(lyr);
    OGRFeatureH feat;
    while (!st && (feat = OGR_L_GetNextFeature(lyr)) != NULL) {
        OGRGeometryH g = OGR_F_GetGeometryRef(feat);
        long long fid = (long long)OGR_F_GetFID(feat);
        const char *fname = OGR_F_GetFieldAsString(feat, fi);
        if (!g || OGR_G_IsEmpty(g)) {
            im_warn(ctx, "%s: feature %lld ('%s'): empty or no geometry; "
                         "skipped",
                    source, fid, fname);
        } else {
            if (L->n == G->cap) {
                size_t cap = G->cap ? G->cap * 2 : 128;
                OGRGeometryH *ng = realloc(G->g, cap * sizeof *ng);
                if (!ng) {
                    st = im_error(ctx, IM_ERR_NOMEM, "out of memory");
                    OGR_F_Destroy(feat);
                    break;
                }
                for (size_t k = G->cap; k < cap; k++)
                    ng[k] = NULL;
                G->g = ng;
                G->cap = cap;
            }
            im_shape_t shape = {0};
            int part = 0;
            ring_faults_t faults = {0};
            int rc = shape_add(&shape, g, &part, ct, &faults);
            if (rc == -2)
                st = im_error(ctx, IM_ERR_LIB,
                              "%s: feature %lld: cannot transform to WGS 84",
                              source, fid);
            else if (rc)
                st = im_error(ctx, IM_ERR_NOMEM, "out of memory");
            else if (faults.nonfinite)
                st = im_error(ctx, IM_ERR_DATA,
                              "%s: feature %lld ('%s'): a coordinate is not a "
                              "finite number",
                              source, fid, fname);
            if (!st && faults.degenerate)
                im_warn(ctx, "%s: feature %lld ('%s'): %d ring(s) of fewer "
                             "than three points; left out",
                        source, fid, fname, faults.degenerate);
            if (!st && faults.closed)
                im_warn(ctx, "%s: feature %lld ('%s'): %d ring(s) not closed; "
                             "closed by joining the last point to the first",
                        source, fid, fname, faults.closed);
            if (!st && shape.nrings == 0) {
                im_warn(ctx, "%s: feature %lld ('%s'): no polygon; skipped",
                        source, fid, fname);
            } else if (st) {
                im_shape_clear(&shape);
            } else {
                OGRGeometryH copy = OGR_G_Clone(g);
                if (copy && ct && OGR_G_Transform(copy, ct) != OGRERR_NONE) {
                    OGR_G_DestroyGeometry(copy);
                    copy = NULL;
                }
                /* GEOS, which dissolves the provinces, wants rings
                 * closed as the shape's already are. */
                if (copy)
                    OGR_G_CloseRings(copy);
                /* Drawn as given (the even-odd fill shows a crossing
                 * as a hole), but the analyst is told. */
                if (copy && !OGR_G_IsValid(copy))
                    im_warn(ctx, "%s: feature %lld ('%s'): polygon crosses "
                                 "itself or its holes; drawn as given",
                            source, fid, fname);
                char *name = im_strdup(fname);
                st = name ? im_layer_push(ctx, L, name, &shape)
                          : im_error(ctx, IM_ERR_NOMEM, "out of memory");
                if (st) {
                    im_shape_clear(&shape);
                    OGR_G_DestroyGeometry(copy);
                } else {
                    G->g[L->n - 1] = copy;
                }
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

/* Dissolves the districts of each province into its outline with GEOS
 * (through OGR).  A small buffer out and back in closes the slivers that
 * independently drawn neighbours leave between them, which would otherwise
 * show as stray province lines inside the province. */
static im_status_t build_outlines(im_ctx_t *ctx, im_layer_t *L,
                                  const geoms_t *G, const char *source)
{
    const double close_deg = 0.01;
    im_status_t st = IM_OK;
    for (size_t i = 0; !st && i < L->n; i++) {
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
                !G->g[j])
                continue;
            OGRGeometryH g = OGR_G_ForceToMultiPolygon(OGR_G_Clone(G->g[j]));
            for (int p = 0; g && p < OGR_G_GetGeometryCount(g); p++)
                OGR_G_AddGeometry(coll, OGR_G_GetGeometryRef(g, p));
            OGR_G_DestroyGeometry(g);
        }
        /* Buffering dissolves as well: no separate union is needed. */
        OGRGeometryH grown = OGR_G_Buffer(coll, close_deg, 4);
        OGRGeometryH outline = grown ? OGR_G_Buffer(grown, -close_deg, 4)
                                     : NULL;
        im_shape_t shape = {0};
        int part = 0;
        if (!outline || shape_add(&shape, outline, &part, NULL, NULL)) {
            /* Kept with no rings, so the province is tried only once. */
            im_shape_clear(&shape);
            im_warn(ctx, "%s: cannot dissolve the districts of %s; its outline "
                         "is not drawn", source, prov);
        }
        st = im_layer_push_outline(ctx, L, prov, &shape);
        OGR_G_DestroyGeometry(outline);
        OGR_G_DestroyGeometry(grown);
        OGR_G_DestroyGeometry(coll);
    }
    return st;
}

static void drop_geoms(geoms_t *G, size_t n)
{
    for (size_t i = 0; G->g && i < n; i++)
        OGR_G_DestroyGeometry(G->g[i]);
    free(G->g);
    G->g = NULL;
}

im_status_t im_gdal_layer_read(im_ctx_t *ctx, const im_gazetteer_t *gaz,
                               const char *source, const char *name_field,
                               im_layer_t **out)
{
    *out = NULL;
    gdal_errors_t errs = {ctx, ""};
    CPLPushErrorHandlerEx(on_gdal_error, &errs);
    im_status_t st = IM_OK;
    im_layer_t *L = im_layer_alloc(gaz);
    geoms_t G = {NULL, 0};
    OGRDataSourceH ds = NULL;
    if (!L) {
        st = im_error(ctx, IM_ERR_NOMEM, "out of memory");
        goto done;
    }
    ds = (OGRDataSourceH)im_ogr_open(source);
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
    st = read_features(ctx, L, &G, lyr, source, name_field, &errs);
    if (!st && !OGR_L_GetSpatialRef(lyr))
        st = check_degrees(ctx, L, source);
    if (!st && L->n == 0)
        st = im_error(ctx, IM_ERR_DATA, "%s: no polygons", source);
    if (!st) {
        im_layer_bind(L, true);
        im_layer_warn_unbound(ctx, L, source);
        st = build_outlines(ctx, L, &G, source);
    }
done:
    if (L)
        drop_geoms(&G, L->n);
    if (ds)
        OGR_DS_Destroy(ds);
    CPLPopErrorHandler();
    if (st) {
        im_layer_free(L);
        return st;
    }
    *out = L;
    return IM_OK;
}

/* Context outlines (neighbouring countries) need no gazetteer: read them
 * plainly, noting the first feature whose `role` is "self". */
im_status_t im_gdal_context_read(im_ctx_t *ctx, const char *source,
                                 im_shape_t **out_shapes, size_t *out_n,
                                 size_t *out_self)
{
    *out_shapes = NULL;
    *out_n = 0;
    *out_self = (size_t)-1;
    gdal_errors_t errs = {ctx, ""};
    CPLPushErrorHandlerEx(on_gdal_error, &errs);
    OGRDataSourceH ds = (OGRDataSourceH)im_ogr_open(source);
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
        if (g && !(self && *out_self != (size_t)-1) &&
            shape_add(&shapes[n], g, &part, NULL, NULL) == 0) {
            if (self)
                *out_self = n;
            n++;
        } else
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
