/*
 * module_loader.c: see module_loader.h.
 */
#include "module_loader.h"
#include "context.h"

#include <dlfcn.h>
#include <stdlib.h>
#include <unistd.h>

const char *im_module_path(const char *env, const char *built,
                           const char *installed, int mode)
{
    const char *set = getenv(env);
    return set && *set                           ? set
           : built[0] && access(built, mode) == 0 ? built
                                                  : installed;
}

im_status_t im_module_load(im_ctx_t *ctx, const char *what, const char *env,
                           const char *built, const char *installed,
                           const char *symbol, int abi, void **out_handle,
                           const void **out_table)
{
    const char *path = im_module_path(env, built, installed, R_OK);
    /* Never unloaded: GDAL and PROJ register handlers that run at exit,
     * and PROJ a SQLite VFS in the SQLite the library shares with it. */
    void *h = dlopen(path, RTLD_LAZY | RTLD_LOCAL | RTLD_NODELETE);
    if (!h)
        return im_error(ctx, IM_ERR_LIB, "cannot load the %s module %s: %s",
                        what, path, dlerror());
    const void *(*entry)(void);
    *(void **)&entry = dlsym(h, symbol);
    const void *table = entry ? entry() : NULL;
    if (!table || *(const int *)table != abi) {
        dlclose(h);
        return im_error(ctx, IM_ERR_LIB, "%s: not a %s module of this "
                                         "version of incimap", path, what);
    }
    *out_handle = h;
    *out_table = table;
    return IM_OK;
}
