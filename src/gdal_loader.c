/*
 * gdal_loader.c: finds and loads the GDAL module (see gdal_module.h) the
 * first time a context needs it.  The path is, in order: $INCIMAP_GDAL_MODULE,
 * the module in the build tree, the installed one.
 */
#include "context.h"
#include "module_loader.h"
#include "gdal_module.h"
#include "ogr_table.h"
#include "store.h"

#ifndef IM_GDAL_MODULE_BUILT
#define IM_GDAL_MODULE_BUILT ""
#endif
#ifndef IM_GDAL_MODULE_INSTALLED
#define IM_GDAL_MODULE_INSTALLED "incimap-gdal.so"
#endif

im_status_t im_gdal(im_ctx_t *ctx, const im_gdal_api_t **out)
{
    *out = im_ctx_gdal_api(ctx);
    if (*out)
        return IM_OK;
    void *h = NULL;
    const void *table = NULL;
    im_status_t st = im_module_load(ctx, "GDAL", "INCIMAP_GDAL_MODULE",
                                    IM_GDAL_MODULE_BUILT,
                                    IM_GDAL_MODULE_INSTALLED,
                                    IM_GDAL_MODULE_SYMBOL, IM_GDAL_ABI, &h,
                                    &table);
    if (st)
        return st;
    const im_gdal_api_t *api = table;
    im_ctx_set_gdal(ctx, h, api);
    *out = api;
    return IM_OK;
}

/* The public functions that need GDAL, each a call through the module. */

#define CALL(ctx, fn, ...)                                                     \
    do {                                                                       \
        const im_gdal_api_t *g_;                                               \
        im_status_t st_ = im_gdal(ctx, &g_);                                   \
        return st_ ? st_ : g_->fn(__VA_ARGS__);                                \
    } while (0)

im_status_t im_values_from_ogr(im_ctx_t *ctx, const im_gazetteer_t *gaz,
                               const im_layer_t *layer, const char *source,
                               const char *table, const im_filter_t *filter,
                               im_values_t **out)
{
    CALL(ctx, values_from_ogr, ctx, gaz, layer, source, table, filter, out);
}

im_status_t im_points_from_ogr(im_ctx_t *ctx, const im_gazetteer_t *gaz,
                               const char *source, const char *table,
                               const im_filter_t *filter, im_points_t **out)
{
    CALL(ctx, points_from_ogr, ctx, gaz, source, table, filter, out);
}

im_status_t im_stats_from_ogr(im_ctx_t *ctx, const char *source,
                              const char *table, im_group_t by,
                              const im_filter_t *filter, im_stats_fn fn,
                              void *user)
{
    CALL(ctx, stats_from_ogr, ctx, source, table, by, filter, fn, user);
}

im_status_t im_store_export(im_store_t *store, const char *path,
                            const im_filter_t *filter)
{
    CALL(im_store_ctx(store), store_export, store, path, filter);
}

im_status_t im_ogr_to_csv(im_ctx_t *ctx, const char *source, const char *csv)
{
    CALL(ctx, ogr_to_csv, ctx, source, csv);
}
