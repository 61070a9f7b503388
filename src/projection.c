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
#define _GNU_SOURCE   /* dladdr */
#include "projection.h"
#include "context.h"
#include "proj_module.h"

#include <dlfcn.h>
#include <inttypes.h>
#include <limits.h>
#include <math.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

struct im_proj {
    /* The projection in closed form (Snyder 1987, eqs. 14-1 to 14-4, as
     * PROJ's aea evaluates them), used when it agrees with PROJ: a fifth
     * of the instructions, since a million points spent 650 each in
     * PROJ's pipeline around the formula, and no PROJ to load at all
     * once the agreement is on record.  Read-only, so threads may share
     * it. */
    bool closed;
    double e, es, one_es, n, c, dd, rho0;
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
    /* PROJ through its module, where the closed form does not agree. */
    const im_proj_api_t *api;
    im_proj_pj_t *pj;   /* one per map: PROJ contexts are not thread safe */
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
    p->es = es;
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

/* Scale along the parallel, Snyder's k = rho n / (a m) with m as in his
 * eq. 14-15 (msfn), rho being in units of a here as above; 0 where the
 * latitude has none. */
static double closed_parallel_scale(const im_proj_t *p, double phi)
{
    double rho = p->c - p->n * qsfn(p, sin(phi)), m = msfn(p->es, phi);
    if (!(rho >= 0) || !(m > 0))
        return 0;
    return p->dd * sqrt(rho) * p->n / m;
}

/* ---- tables for drawn points ----------------------------------------- */

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

/* ---- the check against PROJ ------------------------------------------- */

/* Over and around the country, every 5 degrees. */
#define GRID_LONS 6
#define GRID 30

static void grid_point(int i, double *lam, double *phi)
{
    *lam = (55 + 5 * (i % GRID_LONS)) * (M_PI / 180);
    *phi = (20 + 5 * (i / GRID_LONS)) * (M_PI / 180);
}

typedef struct {
    double x, y, k;   /* PROJ's metres and scale along the parallel */
} ref_t;

static bool proj_reference(const im_proj_t *p, ref_t ref[GRID])
{
    double x[GRID], y[GRID];
    for (int i = 0; i < GRID; i++)
        grid_point(i, &x[i], &y[i]);
    if (p->api->forward(p->pj, x, y, GRID, 1) != GRID)
        return false;
    for (int i = 0; i < GRID; i++) {
        double lam, phi;
        grid_point(i, &lam, &phi);
        ref[i] = (ref_t){x[i], y[i], p->api->parallel_scale(p->pj, lam, phi)};
    }
    return true;
}

/* The closed form is used only if it gives PROJ's metres, to a
 * micrometre, and PROJ's scale along the parallel (the scale bar's), over
 * and around the country.  PROJ differentiates the projection numerically
 * for its factors, which leaves them about 1e-11 (relative) from the exact
 * ones on this grid: the scale's tolerance is 1e-10. */
static bool closed_agrees(const im_proj_t *p, const ref_t ref[GRID])
{
    for (int i = 0; i < GRID; i++) {
        double x, y;
        grid_point(i, &x, &y);
        double k = closed_parallel_scale(p, y);
        if (!closed_forward(p, &x, &y) || !(fabs(x - ref[i].x) < 1e-6) ||
            !(fabs(y - ref[i].y) < 1e-6) ||
            !(fabs(k - ref[i].k) <= 1e-10 * k))
            return false;
    }
    return true;
}

/* ---- the record of the check ------------------------------------------ *
 *
 * Loading PROJ costs every process about 9 ms before it has done
 * anything, for an answer that stays the same until PROJ or the closed
 * form changes; so when the two agree, PROJ's figures on the grid are
 * kept in the cache directory, and later processes compare the closed
 * form with those instead of loading PROJ.  The record holds what could
 * change PROJ's figures: the definition, and the module and the PROJ
 * library that computed them (path, device, inode, size and modification
 * time to the nanosecond, stat'ed again on every read).  The closed
 * form's constants are recorded too, though the closed form itself is
 * compared with the figures on every read, which also catches a change
 * to its code.  A record that cannot be read, or does not match in every
 * line, is as if there were none. */

#define RECORD_NAME "projection.imcheck"
#define RECORD_VERSION "incimap projection check 1\n"
#define LINE_MAX_ (PATH_MAX + 160)

static bool record_path(const im_ctx_t *ctx, char *path, size_t n,
                        const char *suffix)
{
    const char *dir = im_ctx_cache_dir(ctx);
    if (!dir)
        return false;
    int w = snprintf(path, n, "%s/" RECORD_NAME "%s", dir, suffix);
    return w > 0 && (size_t)w < n;
}

static bool definition_line(char *buf, size_t n)
{
    int w = snprintf(buf, n, "definition %s\n", IM_PROJ_DEFINITION);
    return w > 0 && (size_t)w < n;
}

static bool constants_line(const im_proj_t *p, char *buf, size_t n)
{
    int w = snprintf(buf, n, "closed %a %a %a %a %a %a %a\n", p->e, p->es,
                     p->one_es, p->n, p->c, p->dd, p->rho0);
    return w > 0 && (size_t)w < n;
}

/* "<label> <dev> <ino> <size> <mtime> <path>\n", the path last since it
 * may hold spaces; false if the file cannot be stat'ed now. */
static bool identity_line(const char *label, const char *path, char *buf,
                          size_t n)
{
    struct stat st;
    if (!path || !*path || strchr(path, '\n') || stat(path, &st) != 0)
        return false;
    int w = snprintf(buf, n, "%s %ju %ju %jd %jd.%09ld %s\n", label,
                     (uintmax_t)st.st_dev, (uintmax_t)st.st_ino,
                     (intmax_t)st.st_size, (intmax_t)st.st_mtim.tv_sec,
                     (long)st.st_mtim.tv_nsec, path);
    return w > 0 && (size_t)w < n;
}

/* Whether a recorded identity line is the file at its path as it is now. */
static bool same_file(const char *line, const char *label, char *buf,
                      size_t n)
{
    size_t len = strlen(label);
    if (strncmp(line, label, len) || line[len] != ' ')
        return false;
    const char *s = line + len;
    for (int field = 0; field < 4 && s; field++)
        s = strchr(s + 1, ' ');
    if (!s)
        return false;
    char path[PATH_MAX];
    size_t plen = strcspn(s + 1, "\n");
    if (plen >= sizeof path)
        return false;
    memcpy(path, s + 1, plen);
    path[plen] = '\0';
    return identity_line(label, path, buf, n) && !strcmp(line, buf);
}

static bool read_line(FILE *f, char *line, size_t n)
{
    return fgets(line, (int)n, f) && strchr(line, '\n');
}

static bool parse_ref(const char *line, ref_t *r)
{
    char *end;
    r->x = strtod(line, &end);
    if (end == line || *end != ' ')
        return false;
    r->y = strtod(line = end, &end);
    if (end == line || *end != ' ')
        return false;
    r->k = strtod(line = end, &end);
    return end != line && !strcmp(end, "\n");
}

/* PROJ's figures from a record that still describes this closed form
 * and the PROJ files it names. */
static bool record_read(const im_ctx_t *ctx, const im_proj_t *p,
                        ref_t ref[GRID])
{
    char path[PATH_MAX];
    if (!record_path(ctx, path, sizeof path, ""))
        return false;
    FILE *f = fopen(path, "r");
    if (!f)
        return false;
    char line[LINE_MAX_], want[LINE_MAX_];
    bool ok = read_line(f, line, sizeof line) && !strcmp(line, RECORD_VERSION) &&
              read_line(f, line, sizeof line) && definition_line(want, sizeof want) &&
              !strcmp(line, want) && read_line(f, line, sizeof line) &&
              constants_line(p, want, sizeof want) && !strcmp(line, want) &&
              read_line(f, line, sizeof line) &&
              same_file(line, "module", want, sizeof want) &&
              read_line(f, line, sizeof line) &&
              same_file(line, "libproj", want, sizeof want);
    for (int i = 0; ok && i < GRID; i++)
        ok = read_line(f, line, sizeof line) && parse_ref(line, &ref[i]);
    ok = ok && fgetc(f) == EOF && !ferror(f);
    fclose(f);
    return ok;
}

/* Renamed into place whole, so that a reader never sees half a record;
 * any failure leaves only a record missed. */
static void record_write(im_ctx_t *ctx, const im_proj_t *p,
                         const ref_t ref[GRID])
{
    char path[PATH_MAX], tmp[PATH_MAX], module[PATH_MAX], lib[PATH_MAX];
    char line[4][LINE_MAX_];
    Dl_info info;
    const char *libfile = p->api->library_file();
    if (!record_path(ctx, path, sizeof path, "") ||
        !record_path(ctx, tmp, sizeof tmp, ".XXXXXX") ||
        !dladdr((const void *)p->api, &info) || !info.dli_fname ||
        !realpath(info.dli_fname, module) || !libfile ||
        !realpath(libfile, lib) ||
        !definition_line(line[0], sizeof line[0]) ||
        !constants_line(p, line[1], sizeof line[1]) ||
        !identity_line("module", module, line[2], sizeof line[2]) ||
        !identity_line("libproj", lib, line[3], sizeof line[3]))
        return;
    im_ctx_make_cache_dir(ctx);
    int fd = mkstemp(tmp);
    if (fd < 0)
        return;
    FILE *f = fdopen(fd, "w");
    if (!f) {
        close(fd);
        unlink(tmp);
        return;
    }
    fputs(RECORD_VERSION, f);
    for (int i = 0; i < 4; i++)
        fputs(line[i], f);
    for (int i = 0; i < GRID; i++)
        fprintf(f, "%a %a %a\n", ref[i].x, ref[i].y, ref[i].k);
    bool ok = !ferror(f);
    ok = fclose(f) == 0 && ok;
    if (!ok || rename(tmp, path) != 0)
        unlink(tmp);
}

/* ---- the projection --------------------------------------------------- */

im_status_t im_proj_new(im_ctx_t *ctx, im_proj_t **out)
{
    *out = NULL;
    im_proj_t *p = calloc(1, sizeof *p);
    if (!p)
        return im_error(ctx, IM_ERR_NOMEM, "out of memory");
    closed_setup(p);
    ref_t ref[GRID];
    if (record_read(ctx, p, ref) && closed_agrees(p, ref)) {
        p->closed = true;
        *out = p;
        return IM_OK;
    }
    im_status_t st = im_proj_module(ctx, &p->api);
    if (!st)
        st = p->api->create(ctx, IM_PROJ_DEFINITION, &p->pj);
    if (st) {
        im_proj_free(p);
        return st;
    }
    p->closed = proj_reference(p, ref) && closed_agrees(p, ref);
    if (p->closed) {
        record_write(ctx, p, ref);
        /* Nothing else needs PROJ's objects: its context goes now. */
        p->api->destroy(p->pj);
        p->pj = NULL;
    }
    *out = p;
    return IM_OK;
}

void im_proj_free(im_proj_t *p)
{
    if (!p)
        return;
    if (p->pj)
        p->api->destroy(p->pj);
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
    return p->api->forward(p->pj, x, y, n, stride) == n ? IM_OK : IM_ERR_LIB;
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
    double lam = lon_deg * (M_PI / 180), phi = lat_deg * (M_PI / 180);
    double k = p->closed ? closed_parallel_scale(p, phi)
                         : p->api->parallel_scale(p->pj, lam, phi);
    return k > 0 ? k : 1.0;
}
