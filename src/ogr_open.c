/*
 * ogr_open.c: see ogr_open.h.
 */
#include "ogr_open.h"

#include <stdlib.h>
#include <string.h>

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

GDALDatasetH im_ogr_open(const char *source)
{
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
