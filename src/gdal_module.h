/*
 * gdal_module.h: the part of incimap that reads and writes through GDAL,
 * built as a module of its own (incimap-gdal.so) and loaded on first use.
 *
 * Linking GDAL pulls in over a hundred shared libraries, and resolving
 * them costs a process 60-90 ms before main() on the reference machine:
 * more than drawing a whole map.  Maps of the embedded boundaries, the
 * geocoder and the store never touch GDAL, so only the commands that do
 * (other boundary sources, --format ogr, export, PostGIS) pay for it.
 *
 * The library calls the module through one table of functions; each has
 * the signature of the public function of the same name without the
 * im_gdal_ prefix.
 */
#ifndef IM_GDAL_MODULE_H
#define IM_GDAL_MODULE_H

#include "geometry.h"
#include "incimap.h"

/* Bumped whenever the table changes, so that a stale module is refused
 * instead of called with the wrong arguments. */
#define IM_GDAL_ABI 2

typedef struct {
    int abi;
    im_status_t (*layer_read)(im_ctx_t *ctx, const im_gazetteer_t *gaz,
                              const char *source, const char *name_field,
                              im_layer_t **out);
    im_status_t (*context_read)(im_ctx_t *ctx, const char *source,
                                im_shape_t **out_shapes, size_t *out_n,
                                size_t *out_self);
    im_status_t (*values_from_ogr)(im_ctx_t *ctx, const im_gazetteer_t *gaz,
                                   const im_layer_t *layer, const char *source,
                                   const char *table, const im_filter_t *filter,
                                   im_values_t **out);
    im_status_t (*points_from_ogr)(im_ctx_t *ctx, const im_gazetteer_t *gaz,
                                   const char *source, const char *table,
                                   const im_filter_t *filter,
                                   im_points_t **out);
    im_status_t (*stats_from_ogr)(im_ctx_t *ctx, const char *source,
                                  const char *table, im_group_t by,
                                  const im_filter_t *filter, im_stats_fn fn,
                                  void *user);
    im_status_t (*store_export)(im_store_t *store, const char *path,
                                const im_filter_t *filter);
    im_status_t (*ogr_to_csv)(im_ctx_t *ctx, const char *source,
                              const char *csv);
} im_gdal_api_t;

/* The module's one exported symbol. */
const im_gdal_api_t *im_gdal_module_api(void);
#define IM_GDAL_MODULE_SYMBOL "im_gdal_module_api"

/* In the library: the module's table, loading the module on first use
 * (once per context).  Fails with a message naming the file tried. */
im_status_t im_gdal(im_ctx_t *ctx, const im_gdal_api_t **out);

/* The module as loaded for a context (context.c). */
const im_gdal_api_t *im_ctx_gdal_api(const im_ctx_t *ctx);
void im_ctx_set_gdal(im_ctx_t *ctx, void *handle, const im_gdal_api_t *api);

/* Implementations, in the module. */
im_status_t im_gdal_layer_read(im_ctx_t *ctx, const im_gazetteer_t *gaz,
                               const char *source, const char *name_field,
                               im_layer_t **out);
im_status_t im_gdal_context_read(im_ctx_t *ctx, const char *source,
                                 im_shape_t **out_shapes, size_t *out_n,
                                 size_t *out_self);
im_status_t im_gdal_values_from_ogr(im_ctx_t *ctx, const im_gazetteer_t *gaz,
                                    const im_layer_t *layer, const char *source,
                                    const char *table, const im_filter_t *filter,
                                    im_values_t **out);
im_status_t im_gdal_points_from_ogr(im_ctx_t *ctx, const im_gazetteer_t *gaz,
                                    const char *source, const char *table,
                                    const im_filter_t *filter,
                                    im_points_t **out);
im_status_t im_gdal_stats_from_ogr(im_ctx_t *ctx, const char *source,
                                   const char *table, im_group_t by,
                                   const im_filter_t *filter, im_stats_fn fn,
                                   void *user);
im_status_t im_gdal_store_export(im_store_t *store, const char *path,
                                 const im_filter_t *filter);
im_status_t im_gdal_ogr_to_csv(im_ctx_t *ctx, const char *source,
                               const char *csv);

#endif
