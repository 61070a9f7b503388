/*
 * proj_loader.c: finds and loads the PROJ module (see proj_module.h) the
 * first time a context needs it.  The path is, in order:
 * $INCIMAP_PROJ_MODULE, the module in the build tree, the installed one.
 */
#include "context.h"
#include "module_loader.h"
#include "proj_module.h"

#ifndef IM_PROJ_MODULE_BUILT
#define IM_PROJ_MODULE_BUILT ""
#endif
#ifndef IM_PROJ_MODULE_INSTALLED
#define IM_PROJ_MODULE_INSTALLED "incimap-proj.so"
#endif

im_status_t im_proj_module(im_ctx_t *ctx, const im_proj_api_t **out)
{
    *out = im_ctx_proj_api(ctx);
    if (*out)
        return IM_OK;
    void *h = NULL;
    const void *table = NULL;
    im_status_t st = im_module_load(ctx, "PROJ", "INCIMAP_PROJ_MODULE",
                                    IM_PROJ_MODULE_BUILT,
                                    IM_PROJ_MODULE_INSTALLED,
                                    IM_PROJ_MODULE_SYMBOL, IM_PROJ_ABI, &h,
                                    &table);
    if (st)
        return st;
    const im_proj_api_t *api = table;
    im_ctx_set_proj(ctx, h, api);
    *out = api;
    return IM_OK;
}
