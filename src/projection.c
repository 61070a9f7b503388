/*
 * projection.c: Albers equal-area conic with standard parallels 26 N and
 * 35 N, central meridian 67.5 E, on WGS 84.  Equal-area because a
 * choropleth's message is carried by area: a large district must not look
 * larger than it is.  The parallels sit at about one sixth of the way in
 * from the ends of 23.5-37 N (Sindh's coast to Chitral), which keeps the
 * scale error under half a percent across Balochistan, Khyber Pakhtunkhwa
 * and Sindh (0.41% at the extremes), and the central meridian bisects
 * their longitudes.
 */
#include "projection.h"
#include "context.h"

#include <math.h>
#include <proj.h>
#include <stdbool.h>
#include <stdlib.h>
#include <unistd.h>

#define IM_AEA_DEF                                                           \
    "+proj=aea +lat_1=26 +lat_2=35 +lat_0=30 +lon_0=67.5 +ellps=WGS84"

struct im_proj {
    PJ_CONTEXT *pc;   /* one per map: PROJ contexts are not thread safe */
    PJ *aea;          /* lon/lat radians -> metres */
};

static void quiet(void *user, int level, const char *msg)
{
    (void)user;
    (void)level;
    (void)msg;
}

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

im_status_t im_proj_new(im_ctx_t *ctx, im_proj_t **out)
{
    *out = NULL;
    im_proj_t *p = calloc(1, sizeof *p);
    if (!p)
        return im_error(ctx, IM_ERR_NOMEM, "out of memory");
    p->pc = context_new(true);
    /* Both ends are on WGS 84, so the transformation is the projection
     * alone: created from its definition it needs no search of PROJ's
     * database for candidate operations, which took a fifth of a whole
     * render. */
    p->aea = p->pc ? proj_create(p->pc, IM_AEA_DEF) : NULL;
    if (!p->aea) {
        if (p->pc)
            proj_context_destroy(p->pc);
        p->pc = context_new(false);
        p->aea = p->pc ? proj_create(p->pc, IM_AEA_DEF) : NULL;
    }
    if (!p->aea) {
        int err = p->pc ? proj_context_errno(p->pc) : 0;
        im_status_t st = im_error(ctx, IM_ERR_LIB, "PROJ: cannot set up the "
                                  "map projection: %s",
                                  err ? proj_context_errno_string(p->pc, err)
                                      : "unknown error");
        im_proj_free(p);
        return st;
    }
    *out = p;
    return IM_OK;
}

void im_proj_free(im_proj_t *p)
{
    if (!p)
        return;
    proj_destroy(p->aea);
    if (p->pc)
        proj_context_destroy(p->pc);
    free(p);
}

im_status_t im_proj_forward(im_proj_t *p, double *x, double *y, size_t n,
                            size_t stride)
{
    /* Degrees to radians here and the projection alone in PROJ: a third
     * faster than PROJ's own unit conversion step, for the same metres
     * (to 1e-8 m). */
    for (size_t i = 0; i < n; i++) {
        x[i * stride] *= M_PI / 180;
        y[i * stride] *= M_PI / 180;
    }
    size_t bytes = stride * sizeof(double);
    size_t done = proj_trans_generic(p->aea, PJ_FWD, x, bytes, n, y, bytes, n,
                                     NULL, 0, 0, NULL, 0, 0);
    return done == n ? IM_OK : IM_ERR_LIB;
}

double im_proj_parallel_scale(im_proj_t *p, double lon_deg, double lat_deg)
{
    PJ_COORD c = proj_coord(proj_torad(lon_deg), proj_torad(lat_deg), 0, 0);
    PJ_FACTORS f = proj_factors(p->aea, c);
    return f.parallel_scale > 0 ? f.parallel_scale : 1.0;
}
