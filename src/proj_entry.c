/*
 * proj_entry.c: the PROJ module (see proj_module.h): every call into PROJ
 * the library makes, behind the module's table of functions.
 */
#define _GNU_SOURCE   /* dladdr */
#include "context.h"
#include "proj_module.h"

#include <dlfcn.h>
#include <proj.h>
#include <stdbool.h>
#include <stdlib.h>
#include <unistd.h>

struct im_proj_pj {
    PJ_CONTEXT *pc;
    PJ *pj;
};

#ifdef IM_COMPILED_DIR
static void quiet(void *user, int level, const char *msg)
{
    (void)user;
    (void)level;
    (void)msg;
}
#endif

/* PROJ 9 opens its database and parses its schema for every context (a
 * tenth of the time of an SVG map), though a projection given by its
 * parameters needs nothing from it.  The build leaves a database holding
 * only the installed one's layout version, which is all PROJ checks; the
 * context gets that one when it is there.  Should PROJ refuse it, or
 * then fail to create the projection, the default database is used. */
static PJ_CONTEXT *context_new(bool minimal)
{
    PJ_CONTEXT *pc = proj_context_create();
#ifdef IM_COMPILED_DIR
    if (pc && minimal) {
        const char *path = IM_COMPILED_DIR "/proj-minimal.db";
        if (access(path, R_OK) == 0) {
            proj_log_func(pc, NULL, quiet);
            if (!proj_context_set_database_path(pc, path, NULL, NULL)) {
                proj_context_destroy(pc);
                pc = proj_context_create();
            }
        }
    }
#else
    (void)minimal;
#endif
    return pc;
}

static void destroy(im_proj_pj_t *p)
{
    if (!p)
        return;
    proj_destroy(p->pj);
    if (p->pc)
        proj_context_destroy(p->pc);
    free(p);
}

static im_status_t create(im_ctx_t *ctx, const char *definition,
                          im_proj_pj_t **out)
{
    *out = NULL;
    im_proj_pj_t *p = calloc(1, sizeof *p);
    if (!p)
        return im_error(ctx, IM_ERR_NOMEM, "out of memory");
    p->pc = context_new(true);
    /* Both ends are on WGS 84, so the transformation is the projection
     * alone: created from its definition it needs no search of PROJ's
     * database for candidate operations, which took a fifth of a whole
     * render. */
    p->pj = p->pc ? proj_create(p->pc, definition) : NULL;
    if (!p->pj) {
        if (p->pc)
            proj_context_destroy(p->pc);
        p->pc = context_new(false);
        p->pj = p->pc ? proj_create(p->pc, definition) : NULL;
    }
    if (!p->pj) {
        int err = p->pc ? proj_context_errno(p->pc) : 0;
        im_status_t st = im_error(ctx, IM_ERR_LIB, "PROJ: cannot set up the "
                                  "map projection: %s",
                                  err ? proj_context_errno_string(p->pc, err)
                                      : "unknown error");
        destroy(p);
        return st;
    }
    *out = p;
    return IM_OK;
}

static size_t forward(im_proj_pj_t *p, double *x, double *y, size_t n,
                      size_t stride)
{
    size_t bytes = stride * sizeof(double);
    return proj_trans_generic(p->pj, PJ_FWD, x, bytes, n, y, bytes, n, NULL,
                              0, 0, NULL, 0, 0);
}

static double parallel_scale(im_proj_pj_t *p, double lam, double phi)
{
    PJ_FACTORS f = proj_factors(p->pj, proj_coord(lam, phi, 0, 0));
    return f.parallel_scale > 0 ? f.parallel_scale : 0;
}

/* Asked of the dynamic linker rather than known at build time: what was
 * checked is whichever file it bound, which an upgrade or
 * LD_LIBRARY_PATH may change. */
static const char *library_file(void)
{
    Dl_info info;
    if (!dladdr((void *)proj_context_create, &info) || !info.dli_fname ||
        !*info.dli_fname)
        return NULL;
    return info.dli_fname;
}

const im_proj_api_t *im_proj_module_api(void)
{
    static const im_proj_api_t api = {
        .abi = IM_PROJ_ABI,
        .create = create,
        .destroy = destroy,
        .forward = forward,
        .parallel_scale = parallel_scale,
        .library_file = library_file,
    };
    return &api;
}
