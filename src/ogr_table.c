/*
 * ogr_table.c: any GDAL vector source as a CSV table, so that the
 * importer reads GeoJSON, GeoPackage, Shapefile or PostGIS through the
 * same path as a CSV export.  Each feature becomes one row with all its
 * attributes, plus lon and lat columns from its geometry (its centroid for
 * lines and polygons) in WGS 84.  Feature k is on line k + 1.
 */
#include "context.h"
#include "gdal_module.h"
#include "ogr_open.h"
#include "csv.h"
#include "ogr_table.h"

#include <cpl_error.h>
#include <ogr_api.h>
#include <ogr_srs_api.h>
#include <stdio.h>
#include <string.h>

im_status_t im_gdal_ogr_to_csv(im_ctx_t *ctx, const char *source, const char *csv)
{
    OGRRegisterAll();
    CPLPushErrorHandler(CPLQuietErrorHandler);
    CPLErrorReset();
    im_status_t st = IM_OK;
    OGRDataSourceH ds = (OGRDataSourceH)im_ogr_open(source);
    OGRLayerH lyr = ds && OGR_DS_GetLayerCount(ds) > 0 ? OGR_DS_GetLayer(ds, 0)
                                                       : NULL;
    FILE *f = NULL;
    OGRCoordinateTransformationH ct = NULL;
    OGRSpatialReferenceH wgs84 = OSRNewSpatialReference(NULL);
    OSRImportFromEPSG(wgs84, 4326);
    OSRSetAxisMappingStrategy(wgs84, OAMS_TRADITIONAL_GIS_ORDER);
    if (!lyr) {
        st = im_error(ctx, IM_ERR_IO, "cannot open '%s' as a vector source: %s",
                      source, CPLGetLastErrorMsg()[0] ? CPLGetLastErrorMsg()
                                                      : "no layer");
        goto done;
    }
    OGRSpatialReferenceH srs = OGR_L_GetSpatialRef(lyr);
    if (srs && !OSRIsSame(srs, wgs84))
        ct = OCTNewCoordinateTransformation(srs, wgs84);
    f = fopen(csv, "w");
    if (!f) {
        st = im_error(ctx, IM_ERR_IO, "cannot write '%s'", csv);
        goto done;
    }
    OGRFeatureDefnH defn = OGR_L_GetLayerDefn(lyr);
    int n = OGR_FD_GetFieldCount(defn);
    /* Attributes named like our coordinates would collide with them. */
    for (int i = 0; i < n; i++) {
        im_csv_write_field(f, OGR_Fld_GetNameRef(OGR_FD_GetFieldDefn(defn, i)));
        fputc(',', f);
    }
    fputs("lon,lat\n", f);
    OGRFeatureH feat;
    OGR_L_ResetReading(lyr);
    while ((feat = OGR_L_GetNextFeature(lyr)) != NULL) {
        for (int i = 0; i < n; i++) {
            im_csv_write_field(f, OGR_F_IsFieldSetAndNotNull(feat, i)
                             ? OGR_F_GetFieldAsString(feat, i) : "");
            fputc(',', f);
        }
        OGRGeometryH g = OGR_F_GetGeometryRef(feat);
        if (g && !OGR_G_IsEmpty(g)) {
            OGRGeometryH pt = OGR_G_CreateGeometry(wkbPoint);
            if (wkbFlatten(OGR_G_GetGeometryType(g)) == wkbPoint)
                OGR_G_SetPoint_2D(pt, 0, OGR_G_GetX(g, 0), OGR_G_GetY(g, 0));
            else
                OGR_G_Centroid(g, pt);
            double x = OGR_G_GetX(pt, 0), y = OGR_G_GetY(pt, 0), z = 0;
            if (!ct || OCTTransform(ct, 1, &x, &y, &z))
                fprintf(f, "%.7f,%.7f", x, y);
            else
                fputc(',', f);
            OGR_G_DestroyGeometry(pt);
        } else {
            fputc(',', f);
        }
        fputc('\n', f);
        OGR_F_Destroy(feat);
    }
    if (fclose(f))
        st = im_error(ctx, IM_ERR_IO, "cannot write '%s'", csv);
    f = NULL;
done:
    if (f)
        fclose(f);
    if (ct)
        OCTDestroyCoordinateTransformation(ct);
    OSRDestroySpatialReference(wgs84);
    if (ds)
        OGR_DS_Destroy(ds);
    CPLPopErrorHandler();
    return st;
}
