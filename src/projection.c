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
    /* The same projection in closed form (Snyder 1987, eqs. 14-1 to
     * 14-4, as PROJ's aea evaluates them), used when it agrees with PROJ:
     * a fifth of the instructions, since a million points spent 650 each
     * in PROJ's pipeline around the formula.  Read-only, so threads may
     * share it. */
    bool closed;
    double e, one_es, n, c, dd, rho0;
    /* For drawing many points: rho by latitude and the sine and cosine
     * of n * lambda by longitude, every two-hundredth of a degree over the
     * region where the closed form is checked, interpolated linearly.
     * Albers separates into these two functions of one variable each, and
     * a point then costs two lookups instead of a sine, a cosine, a
     * square root and the authalic series (a third of a million-point
     * map's instructions).  Used only if the interpolation stays within
     * TABLE_TOLERANCE_M of the closed form. */
    bool tables;
    double *rho_at, *sin_at, *cos_at;
};

#define TABLE_STEP 0.005   /* degrees */
#define TABLE_LON0 55.0
#define TABLE_LON1 80.0
#define TABLE_LAT0 20.0
#define TABLE_LAT1 40.0
#define TABLE_TOLERANCE_M 0.01

#define IM_A 6378137.0
#define IM_INV_F 298.257223563
#define IM_LAT1 26.0
#define IM_LAT2 35.0
#define IM_LAT0 30.0
#define IM_LON0 67.5

/* Authalic q of a latitude (Snyder 3-12), with its logarithm, which is
 * -2 atanh(e sin phi), summed as atanh's series: e^2 sin^2 phi is under
 * 0.0067, so nine terms reach double precision, in a third of the time
 * of a call to log. */
static double qsfn(const im_proj_t *p, double sinphi)
{
    /* The reciprocals as constants: the compiler's correctly rounded
     * quotients, the same doubles as dividing at run time, without eight
     * divisions a point. */
    static const double odd[8] = {1.0 / 1,  1.0 / 3,  1.0 / 5,  1.0 / 7,
                                  1.0 / 9,  1.0 / 11, 1.0 / 13, 1.0 / 15};
    double con = p->e * sinphi, c2 = con * con, sum = 1.0 / 17;
    for (int k = 7; k >= 0; k--)
        sum = sum * c2 + odd[k];
    return p->one_es * (sinphi / (1 - c2) + sinphi * sum);
}

static double msfn(double es, double phi)
{
    double s = sin(phi);
    return cos(phi) / sqrt(1 - es * s * s);
}

static void closed_setup(im_proj_t *p)
{
    double f = 1 / IM_INV_F, es = f * (2 - f), r = M_PI / 180;
    p->e = sqrt(es);
    p->one_es = 1 - es;
    double m1 = msfn(es, IM_LAT1 * r), m2 = msfn(es, IM_LAT2 * r);
    double q1 = qsfn(p, sin(IM_LAT1 * r)), q2 = qsfn(p, sin(IM_LAT2 * r));
    p->n = (m1 * m1 - m2 * m2) / (q2 - q1);
    p->c = m1 * m1 + p->n * q1;
    p->dd = 1 / p->n;
    p->rho0 = p->dd * sqrt(p->c - p->n * qsfn(p, sin(IM_LAT0 * r)));
}

/* Radians in, metres out; false where PROJ would fail the point. */
static bool closed_forward(const im_proj_t *p, double *x, double *y)
{
    double lam = *x - IM_LON0 * (M_PI / 180), phi = *y;
    if (!(fabs(phi) <= M_PI_2 + 1e-12 && fabs(*x) <= 10))
        return false;
    if (fabs(lam) > M_PI) {   /* PROJ's adjlon */
        lam += M_PI;
        lam -= 2 * M_PI * floor(lam / (2 * M_PI));
        lam -= M_PI;
    }
    double rho = p->c - p->n * qsfn(p, sin(phi));
    if (!(rho >= 0))
        return false;
    rho = p->dd * sqrt(rho);
    lam *= p->n;
    *x = rho * sin(lam) * IM_A;
    *y = (p->rho0 - rho * cos(lam)) * IM_A;
    return true;
}

/* The closed form is used only if it gives PROJ's metres, to a
 * micrometre, over and around the country. */
static bool closed_agrees(im_proj_t *p)
{
    for (double lat = 20; lat <= 40; lat += 5)
        for (double lon = 55; lon <= 80; lon += 5) {
            double x = lon * (M_PI / 180), y = lat * (M_PI / 180);
            PJ_COORD c = proj_trans(p->aea, PJ_FWD, proj_coord(x, y, 0, 0));
            if (!closed_forward(p, &x, &y) || !(fabs(x - c.xy.x) < 1e-6) ||
                !(fabs(y - c.xy.y) < 1e-6))
                return false;
        }
    return true;
}

static double table_rho(const im_proj_t *p, double lat_deg)
{
    double rho = p->c - p->n * qsfn(p, sin(lat_deg * (M_PI / 180)));
    return p->dd * sqrt(rho > 0 ? rho : 0);
}

static double table_lam(const im_proj_t *p, double lon_deg)
{
    return p->n * (lon_deg - IM_LON0) * (M_PI / 180);
}

static double lerp(const double *t, double i)
{
    size_t k = (size_t)i;
    return t[k] + (i - (double)k) * (t[k + 1] - t[k]);
}

/* Fills the tables and keeps them if halfway between entries, where
 * linear interpolation strays furthest, no point moves by more than the
 * tolerance: the error in rho, plus rho times the errors in the sine and
 * cosine. */
void im_proj_prepare_drawn(im_proj_t *p)
{
    if (!p->closed || p->rho_at)
        return;
    size_t nlon = (size_t)lround((TABLE_LON1 - TABLE_LON0) / TABLE_STEP) + 1;
    size_t nlat = (size_t)lround((TABLE_LAT1 - TABLE_LAT0) / TABLE_STEP) + 1;
    p->rho_at = malloc(nlat * sizeof *p->rho_at);
    p->sin_at = malloc(nlon * sizeof *p->sin_at);
    p->cos_at = malloc(nlon * sizeof *p->cos_at);
    if (!p->rho_at || !p->sin_at || !p->cos_at)
        return;
    for (size_t k = 0; k < nlat; k++)
        p->rho_at[k] = table_rho(p, TABLE_LAT0 + (double)k * TABLE_STEP);
    for (size_t k = 0; k < nlon; k++) {
        double lam = table_lam(p, TABLE_LON0 + (double)k * TABLE_STEP);
        p->sin_at[k] = sin(lam);
        p->cos_at[k] = cos(lam);
    }
    double err_rho = 0, err_trig = 0, rho_max = 0;
    for (size_t k = 0; k + 1 < nlat; k++) {
        double lat = TABLE_LAT0 + ((double)k + 0.5) * TABLE_STEP;
        double exact = table_rho(p, lat);
        err_rho = fmax(err_rho, fabs(lerp(p->rho_at, (double)k + 0.5) - exact));
        rho_max = fmax(rho_max, fmax(p->rho_at[k], p->rho_at[k + 1]));
    }
    for (size_t k = 0; k + 1 < nlon; k++) {
        double lam = table_lam(p, TABLE_LON0 + ((double)k + 0.5) * TABLE_STEP);
        err_trig = fmax(err_trig,
                        fabs(lerp(p->sin_at, (double)k + 0.5) - sin(lam)) +
                            fabs(lerp(p->cos_at, (double)k + 0.5) - cos(lam)));
    }
    p->tables = (err_rho + rho_max * err_trig) * IM_A < TABLE_TOLERANCE_M;
}

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
    closed_setup(p);
    p->closed = closed_agrees(p);
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
    free(p->rho_at);
    free(p->sin_at);
    free(p->cos_at);
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
    if (p->closed) {
        for (size_t i = 0; i < n; i++)
            if (!closed_forward(p, &x[i * stride], &y[i * stride]))
                return IM_ERR_LIB;
        return IM_OK;
    }
    size_t bytes = stride * sizeof(double);
    size_t done = proj_trans_generic(p->aea, PJ_FWD, x, bytes, n, y, bytes, n,
                                     NULL, 0, 0, NULL, 0, 0);
    return done == n ? IM_OK : IM_ERR_LIB;
}

im_status_t im_proj_forward_drawn(im_proj_t *p, double *x, double *y,
                                  size_t n, size_t stride)
{
    if (!p->tables)
        return im_proj_forward(p, x, y, n, stride);
    const double inv = 1 / TABLE_STEP;
    for (size_t i = 0; i < n; i++) {
        double *px = &x[i * stride], *py = &y[i * stride];
        double u = (*px - TABLE_LON0) * inv, v = (*py - TABLE_LAT0) * inv;
        /* Outside the tables (or NaN): the closed form, point by point. */
        if (!(u >= 0 && u < (TABLE_LON1 - TABLE_LON0) * inv && v >= 0 &&
              v < (TABLE_LAT1 - TABLE_LAT0) * inv)) {
            if (im_proj_forward(p, px, py, 1, 1))
                return IM_ERR_LIB;
            continue;
        }
        double rho = lerp(p->rho_at, v);
        *px = rho * lerp(p->sin_at, u) * IM_A;
        *py = (p->rho0 - rho * lerp(p->cos_at, u)) * IM_A;
    }
    return IM_OK;
}

bool im_proj_shareable(const im_proj_t *p) { return p->closed; }

double im_proj_parallel_scale(im_proj_t *p, double lon_deg, double lat_deg)
{
    PJ_COORD c = proj_coord(proj_torad(lon_deg), proj_torad(lat_deg), 0, 0);
    PJ_FACTORS f = proj_factors(p->aea, c);
    return f.parallel_scale > 0 ? f.parallel_scale : 1.0;
}
