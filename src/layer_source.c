/*
 * layer_source.c: where a layer comes from.  The embedded boundaries are
 * read from the copy compiled at build time (layer_file.c); any other
 * source from the layer cache (layer_cache.c), else through GDAL in the
 * helper process (layer_reader.h), else, when there is no helper,
 * through the GDAL module (layer_ogr.c) loaded into this process.
 */
#include "context.h"
#include "gdal_module.h"
#include "layer_cache.h"
#include "layer_impl.h"
#include "layer_reader.h"

#include <stdlib.h>
#include <unistd.h>

im_status_t im_layer_read(im_ctx_t *ctx, const im_gazetteer_t *gaz,
                          const char *source, const char *name_field,
                          im_layer_t **out)
{
    *out = NULL;
    char *owned = NULL;
    if (!source) {
        im_status_t st = im_layer_load_compiled(ctx, gaz, out);
        if (st || *out)
            return st;
        owned = im_data_path(ctx, "boundaries/districts.geojson");
        if (!owned)
            return im_error(ctx, IM_ERR_NOMEM, "out of memory");
        source = owned;
    }
    im_layer_cache_t cache;
    im_layer_cache_get(ctx, gaz, source, name_field, &cache, out);
    if (*out) {
        im_layer_cache_clear(&cache);
        free(owned);
        return IM_OK;
    }
    unsigned long warned = im_ctx_warnings(ctx);
    bool apart = false;
    im_status_t st = im_layer_read_apart(ctx, gaz, source, name_field, out,
                                         &apart);
    const im_gdal_api_t *gdal;
    if (!apart && !(st = im_gdal(ctx, &gdal)))
        st = gdal->layer_read(ctx, gaz, source, name_field, out);
    /* Polygons matching no district are warned about again on loading;
     * any other warning means a faulty source, read anew every time. */
    size_t unbound = 0;
    for (size_t i = 0; !st && i < (*out)->n; i++)
        unbound += !(*out)->f[i].district_id;
    if (!st && im_ctx_warnings(ctx) - warned == unbound)
        im_layer_cache_put(ctx, *out, &cache);
    im_layer_cache_clear(&cache);
    free(owned);
    return st;
}

im_status_t im_context_read(im_ctx_t *ctx, const char *source,
                            im_shape_t **out_shapes, size_t *out_n,
                            size_t *out_self)
{
    *out_shapes = NULL;
    *out_n = 0;
    *out_self = (size_t)-1;
    char *owned = NULL;
    if (!source) {
        bool found = false;
        im_status_t st = im_shapes_load_compiled(ctx, out_shapes, out_n,
                                                 out_self, &found);
        if (st || found)
            return st;
        owned = im_data_path(ctx, "context/countries.geojson");
        if (!owned)
            return im_error(ctx, IM_ERR_NOMEM, "out of memory");
        /* Decoration: a data directory without it has no context. */
        if (access(owned, R_OK) != 0) {
            free(owned);
            return IM_OK;
        }
        source = owned;
    }
    const im_gdal_api_t *gdal;
    im_status_t st = im_gdal(ctx, &gdal);
    if (!st)
        st = gdal->context_read(ctx, source, out_shapes, out_n, out_self);
    free(owned);
    return st;
}
