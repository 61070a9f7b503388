/*
 * export.c: the store's incidents written through GDAL/OGR as CSV,
 * GeoJSON or GeoPackage (by extension), as points in WGS 84 with every
 * column of the store as an attribute.  Records without coordinates keep
 * their row with an empty geometry.
 */
#include "context.h"
#include "gdal_module.h"
#include "store.h"

#include <cpl_error.h>
#include <cpl_string.h>
#include <errno.h>
#include <ogr_api.h>
#include <ogr_srs_api.h>
#include <sqlite3.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

static const struct {
    const char *name;
    OGRFieldType type;
} columns[] = {
    {"source", OFTString}, {"source_id", OFTString}, {"date", OFTString},
    {"date_precision", OFTString}, {"place", OFTString},
    {"district", OFTString}, {"district_id", OFTString},
    {"province", OFTString}, {"match_method", OFTString},
    {"match_score", OFTReal}, {"precision", OFTInteger},
    {"source_precision", OFTString}, {"category", OFTString},
    {"actor", OFTString}, {"target", OFTString}, {"killed", OFTInteger},
    {"killed_high", OFTInteger}, {"injured", OFTInteger},
    {"injured_high", OFTInteger}, {"notes", OFTString}, {"lat", OFTReal},
    {"lon", OFTReal},
};
#define NCOLS (sizeof columns / sizeof columns[0])

static const char *gdal_reason(void)
{
    const char *m = CPLGetLastErrorMsg();
    return m && *m ? m : "write failed (disk full?)";
}

static const char *driver_for(const char *path, char ***options)
{
    const char *dot = strrchr(path, '.');
    if (!dot)
        return NULL;
    if (!strcasecmp(dot, ".csv"))
        return "CSV";
    if (!strcasecmp(dot, ".geojson") || !strcasecmp(dot, ".json")) {
        *options = CSLSetNameValue(*options, "RFC7946", "YES");
        return "GeoJSON";
    }
    if (!strcasecmp(dot, ".gpkg"))
        return "GPKG";
    return NULL;
}

/* The CSV and GeoJSON drivers write through a buffer and ignore a write
 * that fails (a full disk) and the failure of closing the file: the file
 * is read back instead, and must hold every feature and end as the
 * driver ends a file (a CSV cut inside its last row still parses). */
static im_status_t check_written(im_ctx_t *ctx, const char *drv_name,
                                 const char *tmp, const char *path,
                                 long long written)
{
    if (!strcmp(drv_name, "GPKG"))
        return IM_OK; /* SQLite reports every failed write */
    FILE *f = fopen(tmp, "rb");
    int last = EOF;
    if (f && fseek(f, -1, SEEK_END) == 0)
        last = fgetc(f);
    if (f)
        fclose(f);
    if (last != '\n' && last != '}')
        return im_error(ctx, IM_ERR_IO, "cannot write '%s': the file was cut "
                        "short (disk full?)", path);
    OGRDataSourceH ds = OGROpen(tmp, FALSE, NULL);
    OGRLayerH lyr = ds ? OGR_DS_GetLayer(ds, 0) : NULL;
    long long n = lyr ? (long long)OGR_L_GetFeatureCount(lyr, TRUE) : -1;
    if (ds)
        OGR_DS_Destroy(ds);
    if (n != written)
        return im_error(ctx, IM_ERR_IO, "cannot write '%s': %lld of %lld "
                        "incidents were written (disk full?)", path,
                        n < 0 ? 0 : n, written);
    return IM_OK;
}

im_status_t im_gdal_store_export(im_store_t *s, const char *path,
                            const im_filter_t *f)
{
    im_ctx_t *ctx = im_store_ctx(s);
    char **lco = NULL;
    const char *drv_name = driver_for(path, &lco);
    if (!drv_name)
        return im_error(ctx, IM_ERR_ARG, "%s: unknown export format (use .csv, "
                        ".geojson or .gpkg)", path);
    char tmp[4096];
    const char *dot = strrchr(path, '.');
    snprintf(tmp, sizeof tmp, "%.*s.%ld.tmp%s", (int)(dot - path), path,
             (long)getpid(), dot);
    OGRRegisterAll();
    CPLPushErrorHandler(CPLQuietErrorHandler);
    CPLErrorReset();
    im_status_t st = IM_OK;
    long long written = 0;
    OGRSFDriverH drv = OGRGetDriverByName(drv_name);
    OGRDataSourceH ds = drv ? OGR_Dr_CreateDataSource(drv, tmp, NULL) : NULL;
    OGRSpatialReferenceH srs = OSRNewSpatialReference(NULL);
    OSRImportFromEPSG(srs, 4326);
    OSRSetAxisMappingStrategy(srs, OAMS_TRADITIONAL_GIS_ORDER);
    if (!strcmp(drv_name, "CSV"))
        lco = CSLSetNameValue(lco, "GEOMETRY", "AS_WKT");
    OGRLayerH lyr = ds ? OGR_DS_CreateLayer(ds, "incidents", srs, wkbPoint, lco)
                       : NULL;
    if (!lyr)
        st = im_error(ctx, IM_ERR_IO, "cannot write '%s': %s", path,
                      gdal_reason());
    for (size_t c = 0; !st && c < NCOLS; c++) {
        OGRFieldDefnH fd = OGR_Fld_Create(columns[c].name, columns[c].type);
        if (OGR_L_CreateField(lyr, fd, TRUE) != OGRERR_NONE)
            st = im_error(ctx, IM_ERR_LIB, "%s: cannot create field %s", path,
                          columns[c].name);
        OGR_Fld_Destroy(fd);
    }
    sqlite3_stmt *q = NULL;
    if (!st) {
        char *where = im_store_where(f);
        /* Without its conditions the query would export everything. */
        char *sql = !where ? NULL : sqlite3_mprintf(
            "SELECT source, source_id, date, date_precision, place, district,"
            " district_id, province, match_method, match_score, precision,"
            " source_precision, category, actor, target, killed, killed_high,"
            " injured, injured_high, notes, lat, lon FROM incidents"
            " WHERE 1 %s ORDER BY date_start, id", where);
        sqlite3_free(where);
        if (!sql ||
            sqlite3_prepare_v2(im_store_db(s), sql, -1, &q, NULL) != SQLITE_OK ||
            im_store_bind_filter(q, f) != SQLITE_OK)
            st = im_error(ctx, IM_ERR_LIB, "store: %s",
                          sqlite3_errmsg(im_store_db(s)));
        sqlite3_free(sql);
    }
    /* One transaction for the whole layer: GeoPackage writes are
     * otherwise one commit per feature. */
    if (!st && OGR_L_StartTransaction(lyr) != OGRERR_NONE)
        st = im_error(ctx, IM_ERR_IO, "cannot write '%s': %s", path,
                      gdal_reason());
    while (!st && sqlite3_step(q) == SQLITE_ROW) {
        OGRFeatureH feat = OGR_F_Create(OGR_L_GetLayerDefn(lyr));
        for (int c = 0; c < (int)NCOLS; c++) {
            if (sqlite3_column_type(q, c) == SQLITE_NULL)
                continue;
            if (columns[c].type == OFTInteger)
                OGR_F_SetFieldInteger(feat, c, sqlite3_column_int(q, c));
            else if (columns[c].type == OFTReal)
                OGR_F_SetFieldDouble(feat, c, sqlite3_column_double(q, c));
            else
                OGR_F_SetFieldString(feat, c,
                                     (const char *)sqlite3_column_text(q, c));
        }
        if (sqlite3_column_type(q, 20) != SQLITE_NULL) {
            OGRGeometryH pt = OGR_G_CreateGeometry(wkbPoint);
            OGR_G_SetPoint_2D(pt, 0, sqlite3_column_double(q, 21),
                              sqlite3_column_double(q, 20));
            OGR_F_SetGeometryDirectly(feat, pt);
        }
        if (OGR_L_CreateFeature(lyr, feat) != OGRERR_NONE)
            st = im_error(ctx, IM_ERR_IO, "cannot write '%s': %s", path,
                          gdal_reason());
        written++;
        OGR_F_Destroy(feat);
    }
    if (!st && OGR_L_CommitTransaction(lyr) != OGRERR_NONE)
        st = im_error(ctx, IM_ERR_IO, "cannot write '%s': %s", path,
                      gdal_reason());
    sqlite3_finalize(q);
    if (ds)
        OGR_DS_Destroy(ds);
    if (!st)
        st = check_written(ctx, drv_name, tmp, path, written);
    OSRDestroySpatialReference(srs);
    CSLDestroy(lco);
    CPLPopErrorHandler();
    if (!st && rename(tmp, path))
        st = im_error(ctx, IM_ERR_IO, "cannot write '%s': %s", path,
                      strerror(errno));
    if (st)
        unlink(tmp);
    return st;
}
