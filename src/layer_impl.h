/*
 * layer_impl.h: the layer's storage, shared by the library (layer.c) and
 * the GDAL module (layer_ogr.c), which fills it from any vector source.
 */
#ifndef IM_LAYER_IMPL_H
#define IM_LAYER_IMPL_H

#include "layer.h"

#include <stdbool.h>
#include <stdio.h>

typedef struct {
    char *name;
    const char *district_id;  /* borrowed from the gazetteer */
    const char *display;      /* borrowed */
    const char *province;     /* borrowed */
    im_shape_t shape;
    double label_lon, label_lat;
} im_feature_t;

typedef struct {
    char *province;
    im_shape_t shape;
} im_outline_t;

struct im_layer {
    const im_gazetteer_t *gaz;
    im_feature_t *f;
    size_t n, cap;
    im_outline_t *outlines;   /* one per province present */
    size_t noutlines;
};

im_layer_t *im_layer_alloc(const im_gazetteer_t *gaz);
/* Appends a polygon, taking over name and the shape's arrays (*shape is
 * left empty).  On failure both are freed. */
im_status_t im_layer_push(im_ctx_t *ctx, im_layer_t *L, char *name,
                          im_shape_t *shape);
im_status_t im_layer_push_outline(im_ctx_t *ctx, im_layer_t *L,
                                  const char *province, im_shape_t *shape);
/* Ties each polygon's name to a district of the gazetteer; with
 * label_points also computes label points. */
void im_layer_bind(im_layer_t *L, bool label_points);
/* Warns about the polygons that im_layer_bind tied to no district. */
void im_layer_warn_unbound(im_ctx_t *ctx, const im_layer_t *L,
                           const char *source);

/* ---- the compiled copies of the embedded sources (layer_file.c) ------- */

/* Files written at build time from data/boundaries/districts.geojson and
 * data/context/countries.geojson, polygons, label points and province
 * outlines included, so that the default map needs neither GDAL nor GEOS.
 * The format is the build's own (native byte order and sizes). */
#define IM_LAYER_KEY_SIZE 32
/* key: what the layer was read from (see layer_cache.c), or NULL. */
im_status_t im_layer_save(im_ctx_t *ctx, const im_layer_t *L,
                          const unsigned char key[IM_LAYER_KEY_SIZE],
                          const char *path);
im_status_t im_shapes_save(im_ctx_t *ctx, const im_shape_t *shapes, size_t n,
                           size_t self, const char *path);
/* The compiled copy of the embedded boundaries, bound to gaz.  *out stays
 * NULL when there is none to use: the context's data directory is not the
 * one the build compiled, or the file is missing. */
im_status_t im_layer_load_compiled(im_ctx_t *ctx, const im_gazetteer_t *gaz,
                                   im_layer_t **out);
im_status_t im_shapes_load_compiled(im_ctx_t *ctx, im_shape_t **out_shapes,
                                    size_t *out_n, size_t *out_self,
                                    bool *out_found);
/* Loads either kind of file from path.  A layer file is bound to gaz, its
 * warnings naming source (or path when NULL); with key, a file written
 * with another key fails with IM_ERR_DATA, as does one whose districts
 * gaz now puts in other provinces. */
im_status_t im_layer_load(im_ctx_t *ctx, const im_gazetteer_t *gaz,
                          const char *path, const char *source,
                          const unsigned char key[IM_LAYER_KEY_SIZE],
                          im_layer_t **out);
/* The layer format over a stream and in memory, for a layer handed from
 * one process to another (layer_reader.h): written without a key, and
 * parsed and bound to gaz without warning about polygons that match no
 * district (the process that read the source did). */
im_status_t im_layer_write(im_ctx_t *ctx, const im_layer_t *L, FILE *f);
im_status_t im_layer_parse(im_ctx_t *ctx, const im_gazetteer_t *gaz,
                           const unsigned char *buf, size_t len,
                           const char *source, im_layer_t **out);
im_status_t im_shapes_load(im_ctx_t *ctx, const char *path,
                           im_shape_t **out_shapes, size_t *out_n,
                           size_t *out_self);

#endif
