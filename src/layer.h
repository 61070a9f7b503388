/*
 * layer.h: access to a layer's polygons for the map.
 */
#ifndef IM_LAYER_H
#define IM_LAYER_H

#include "geometry.h"
#include "incimap.h"

/* Polygon i in WGS 84 degrees (x = lon, y = lat).  Borrowed. */
const im_shape_t *im_layer_shape(const im_layer_t *layer, size_t i);
const im_gazetteer_t *im_layer_gazetteer(const im_layer_t *layer);
/* Name to show on the map: the gazetteer's name when the polygon
 * resolved, else the source's own. */
const char *im_layer_display_name(const im_layer_t *layer, size_t i);

/* Province outlines dissolved from the districts (WGS 84 degrees). */
size_t im_layer_outline_count(const im_layer_t *layer);
const im_shape_t *im_layer_outline(const im_layer_t *layer, size_t k,
                                   const char **out_province);

/* Outlines of the countries around, in degrees, from source or (NULL) the
 * data directory's context/countries.geojson or its compiled copy; none
 * when that file is absent.  *out_self is the index of the country the
 * map is of (the feature marked role=self), or (size_t)-1.  Caller frees
 * each shape and the array. */
im_status_t im_context_read(im_ctx_t *ctx, const char *source,
                            im_shape_t **out_shapes, size_t *out_n,
                            size_t *out_self);

#endif
