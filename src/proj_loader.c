/*
 * proj_loader.c: finds and loads the PROJ module (see proj_module.h) the
 * first time a context needs it.  The path is, in order:
 * $INCIMAP_PROJ_MODULE, the module in the build tree, the installed one.
 */
#include "context.h"
#include "proj_module.h"

#include <dlfcn.h>
#include <stdlib.h>
#include <unistd.h>

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
    const char *env = getenv("INCIMAP_PROJ_MODULE");
    const char *path = env && *env ? env
                       : IM_PROJ_MODULE_BUILT[0] &&
                               access(IM_PROJ_MODULE_BUILT, R_OK) == 0
                           ? IM_PROJ_MODULE_BUILT
                           : IM_PROJ_MODULE_INSTALLED;
    /* Never unloaded: PROJ registers a SQLite VFS in the SQLite the
     * library shares with it, and destructors that run at exit. */
    void *h = dlopen(path, RTLD_LAZY | RTLD_LOCAL | RTLD_NODELETE);
    if (!h)
        return im_error(ctx, IM_ERR_LIB, "cannot load the PROJ module %s: %s",
                        path, dlerror());
    const im_proj_api_t *(*entry)(void);
    *(void **)&entry = dlsym(h, IM_PROJ_MODULE_SYMBOL);
    const im_proj_api_t *api = entry ? entry() : NULL;
    if (!api || api->abi != IM_PROJ_ABI) {
        dlclose(h);
        return im_error(ctx, IM_ERR_LIB, "%s: not a PROJ module of this "
                                         "version of incimap", path);
    }
    im_ctx_set_proj(ctx, h, api);
    *out = api;
    return IM_OK;
}
