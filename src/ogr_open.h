/*
 * ogr_open.h: opening a GDAL vector source without following what it
 * names.
 */
#ifndef IM_OGR_OPEN_H
#define IM_OGR_OPEN_H

#include <gdal.h>

/* Opens source read-only as a vector dataset with every vector driver
 * except those that read other files, URLs or programs named inside the
 * data (VRT, GML's schema and xlinks, GPSBabel): a data file handed to
 * incimap never makes it open something else.  NULL when it cannot be
 * opened; GDAL's error handler has the reason. */
GDALDatasetH im_ogr_open(const char *source);

#endif
