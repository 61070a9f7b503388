/*
 * projection.h: the map projection: a closed form, checked against PROJ
 * (through its module, proj_module.h) or against a record of that check.
 */
#ifndef IM_PROJECTION_H
#define IM_PROJECTION_H

#include "incimap.h"

#include <stdbool.h>

typedef struct im_proj im_proj_t;

/* The projection as PROJ defines it, which the closed form reproduces. */
#define IM_PROJ_DEFINITION                                                   \
    "+proj=aea +lat_1=26 +lat_2=35 +lat_0=30 +lon_0=67.5 +ellps=WGS84"

/* The equal-area projection used for every map.  Loads the PROJ module
 * unless the cache directory holds a record of the closed form agreeing
 * with it.  Caller owns *out. */
im_status_t im_proj_new(im_ctx_t *ctx, im_proj_t **out);
void im_proj_free(im_proj_t *proj);
/* Projects n points in place: x = longitude, y = latitude in degrees in,
 * metres out.  stride is in doubles between consecutive x values. */
im_status_t im_proj_forward(im_proj_t *proj, double *x, double *y, size_t n,
                            size_t stride);
/* The same for points that are only drawn, many at a time: within the
 * region the projection is checked over, interpolated in tables of it,
 * to within a centimetre of im_proj_forward's metres, once
 * im_proj_prepare_drawn has made the tables (which is not thread safe;
 * this is, where im_proj_shareable says so). */
void im_proj_prepare_drawn(im_proj_t *proj);
im_status_t im_proj_forward_drawn(im_proj_t *proj, double *x, double *y,
                                  size_t n, size_t stride);
/* Whether im_proj_forward may run on several threads at once with the
 * same proj (PROJ's own objects may not be shared). */
bool im_proj_shareable(const im_proj_t *proj);
/* Scale along the parallel at a point: projected metres per ground metre
 * east-west.  A scale bar divides by it. */
double im_proj_parallel_scale(im_proj_t *proj, double lon_deg, double lat_deg);

#endif
