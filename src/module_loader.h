/*
 * module_loader.h: the one way the library loads its modules (GDAL,
 * PROJ), each a shared object that keeps a heavy dependency out of every
 * process that does not need it.
 */
#ifndef IM_MODULE_LOADER_H
#define IM_MODULE_LOADER_H

#include "incimap.h"

/* Where a part of incimap outside the library is: $env if set, else
 * built if it can be accessed with mode (access(2)), else installed. */
const char *im_module_path(const char *env, const char *built,
                           const char *installed, int mode);

/* Loads the module at $env if set, else at built if that is readable,
 * else at installed, and calls its entry point symbol, which returns the
 * module's table of functions; the table's first member is an int that
 * must equal abi, so that a stale module is refused instead of called
 * with the wrong arguments.  what names the module in errors.  The
 * module is never unloaded. */
im_status_t im_module_load(im_ctx_t *ctx, const char *what, const char *env,
                           const char *built, const char *installed,
                           const char *symbol, int abi, void **out_handle,
                           const void **out_table);

#endif
