/*
 * layer_cache.h: boundary layers read through GDAL, kept ready to draw in
 * the context's cache directory.
 */
#ifndef IM_LAYER_CACHE_H
#define IM_LAYER_CACHE_H

#include "layer_impl.h"

typedef struct {
    char *path;                          /* NULL: nothing to cache */
    unsigned char key[IM_LAYER_KEY_SIZE];
} im_layer_cache_t;

/* Looks for the copy of source read with name_field.  *out is the layer
 * when a copy was made from the same bytes and still binds to gaz in the
 * same way; else NULL, and c says where im_layer_cache_put keeps the layer
 * once read (c->path NULL when the source cannot be cached: no cache
 * directory, not a plain file of a known single-file format).  Never
 * fails: a cache that cannot be used is as if empty.  Caller clears c. */
void im_layer_cache_get(im_ctx_t *ctx, const im_gazetteer_t *gaz,
                        const char *source, const char *name_field,
                        im_layer_cache_t *c, im_layer_t **out);
/* Keeps L for the next im_layer_cache_get; errors are ignored. */
void im_layer_cache_put(im_ctx_t *ctx, const im_layer_t *L,
                        const im_layer_cache_t *c);
void im_layer_cache_clear(im_layer_cache_t *c);

#endif
