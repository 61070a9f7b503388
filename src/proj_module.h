/*
 * proj_module.h: the part of incimap that calls PROJ, built as a module of
 * its own (incimap-proj.so) and loaded only when it is needed.
 *
 * Linking PROJ pulls in some 35 shared libraries (libcurl, GnuTLS,
 * Kerberos, LDAP, libtiff, libstdc++...), all bound at start-up: about
 * 9 ms of CPU for every process before main() on the reference machine,
 * though a map projects its points with the closed form in projection.c.
 * PROJ is needed to check that closed form (once, then the result is kept
 * in the cache directory), and to project when the closed form does not
 * agree with it.
 *
 * The library calls the module through one table of functions.
 */
#ifndef IM_PROJ_MODULE_H
#define IM_PROJ_MODULE_H

#include "incimap.h"

#include <stddef.h>

/* Bumped whenever the table changes, so that a stale module is refused
 * instead of called with the wrong arguments. */
#define IM_PROJ_ABI 1

/* A projection with the PROJ context it was made in: one per map, as
 * PROJ's contexts and objects may not be used by two threads at once. */
typedef struct im_proj_pj im_proj_pj_t;

typedef struct {
    int abi;
    /* The projection of a PROJ definition string; fails with a message. */
    im_status_t (*create)(im_ctx_t *ctx, const char *definition,
                          im_proj_pj_t **out);
    void (*destroy)(im_proj_pj_t *pj);
    /* Projects n points in place, longitude and latitude in radians in,
     * metres out, stride doubles apart; returns how many were done. */
    size_t (*forward)(im_proj_pj_t *pj, double *x, double *y, size_t n,
                      size_t stride);
    /* proj_factors' scale along the parallel at a point in radians; 0
     * where PROJ cannot tell. */
    double (*parallel_scale)(im_proj_pj_t *pj, double lam, double phi);
    /* The file of the PROJ library the module runs, as the dynamic linker
     * found it, or NULL. */
    const char *(*library_file)(void);
} im_proj_api_t;

/* The module's one exported symbol. */
const im_proj_api_t *im_proj_module_api(void);
#define IM_PROJ_MODULE_SYMBOL "im_proj_module_api"

/* In the library: the module's table, loading the module on first use
 * (once per context).  The path is, in order: $INCIMAP_PROJ_MODULE, the
 * module in the build tree, the installed one.  Fails with a message
 * naming the file tried. */
im_status_t im_proj_module(im_ctx_t *ctx, const im_proj_api_t **out);

/* The module as loaded for a context (context.c). */
const im_proj_api_t *im_ctx_proj_api(const im_ctx_t *ctx);
void im_ctx_set_proj(im_ctx_t *ctx, void *handle, const im_proj_api_t *api);

#endif
