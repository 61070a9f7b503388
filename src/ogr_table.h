/*
 * ogr_table.h: a GDAL vector source rewritten as CSV for the importer.
 */
#ifndef IM_OGR_TABLE_H
#define IM_OGR_TABLE_H

#include "incimap.h"

/* Writes the first layer of source to csv: its attributes, then lon and
 * lat (WGS 84) from each feature's geometry. */
im_status_t im_ogr_to_csv(im_ctx_t *ctx, const char *source, const char *csv);

#endif
