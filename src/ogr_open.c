/*
 * ogr_open.c: see ogr_open.h.
 */
#include "ogr_open.h"

#include <cpl_error.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

/* Drivers whose sources can point elsewhere: an OGR VRT names its source
 * files and may run SQL on them, a GML file names a schema and xlinks to
 * be fetched, GPSBabel runs a program, and NAS is GML.  A user who wants
 * one of these converts the file with ogr2ogr first. */
static const char *const refused[] = {"VRT", "OGR_VRT", "GML", "NAS",
                                      "GPSBabel"};

static int is_refused(const char *name)
{
    for (size_t i = 0; i < sizeof refused / sizeof refused[0]; i++)
        if (strcmp(name, refused[i]) == 0)
            return 1;
    return 0;
}

/* GDAL's own registration functions for single drivers; C linkage,
 * declared in its C++ header ogrsf_frmts.h. */
void RegisterOGRGeoJSON(void);
void RegisterOGRTopoJSON(void);
void RegisterOGRShape(void);
void RegisterOGRGeoPackage(void);
void RegisterOGRFlatGeobuf(void);

/* A file of a common boundary format is first opened with its driver
 * alone.  Registering all 210 drivers touches code all over GDAL's 15 MB
 * of text and holds 7 MB more of memory, half of what reading the file
 * needs; when the driver cannot open it, every driver is tried as
 * before. */
static const struct {
    const char *ext;
    void (*reg[2])(void);
    const char *drivers[3];
} known[] = {
    {"geojson", {RegisterOGRGeoJSON, NULL}, {"GeoJSON", NULL, NULL}},
    {"json", {RegisterOGRGeoJSON, RegisterOGRTopoJSON},
     {"GeoJSON", "TopoJSON", NULL}},
    {"topojson", {RegisterOGRTopoJSON, NULL}, {"TopoJSON", NULL, NULL}},
    {"shp", {RegisterOGRShape, NULL}, {"ESRI Shapefile", NULL, NULL}},
    {"gpkg", {RegisterOGRGeoPackage, NULL}, {"GPKG", NULL, NULL}},
    {"fgb", {RegisterOGRFlatGeobuf, NULL}, {"FlatGeobuf", NULL, NULL}},
};

static GDALDatasetH open_known(const char *source)
{
    const char *slash = strrchr(source, '/'), *dot = strrchr(source, '.');
    if (!dot || (slash && dot < slash))
        return NULL;
    for (size_t i = 0; i < sizeof known / sizeof known[0]; i++) {
        if (strcasecmp(dot + 1, known[i].ext) != 0)
            continue;
        for (int k = 0; k < 2 && known[i].reg[k]; k++)
            known[i].reg[k]();
        /* Quiet: when this fails, the open with every driver reports. */
        CPLPushErrorHandler(CPLQuietErrorHandler);
        GDALDatasetH ds = GDALOpenEx(source, GDAL_OF_VECTOR | GDAL_OF_READONLY,
                                     known[i].drivers, NULL, NULL);
        CPLPopErrorHandler();
        CPLErrorReset();
        return ds;
    }
    return NULL;
}

GDALDatasetH im_ogr_open(const char *source)
{
    GDALDatasetH known_ds = open_known(source);
    if (known_ds)
        return known_ds;
    GDALAllRegister();
    int n = GDALGetDriverCount();
    const char **allowed = calloc((size_t)n + 1, sizeof *allowed);
    if (!allowed)
        return NULL;
    int k = 0;
    for (int i = 0; i < n; i++) {
        GDALDriverH drv = GDALGetDriver(i);
        const char *name = GDALGetDriverShortName(drv);
        if (name && !is_refused(name) &&
            GDALGetMetadataItem(drv, GDAL_DCAP_VECTOR, NULL))
            allowed[k++] = name;
    }
    GDALDatasetH ds = GDALOpenEx(source,
                                 GDAL_OF_VECTOR | GDAL_OF_READONLY |
                                     GDAL_OF_VERBOSE_ERROR,
                                 allowed, NULL, NULL);
    free(allowed);
    return ds;
}
