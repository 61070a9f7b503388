/*
 * hairline.c: thin lines as coverage, a column (or row) at a time.
 *
 * Along the major axis a segment crosses whole pixels, and the part of
 * each it crosses is exact, so the pixels where two segments of a run
 * meet get the two parts, which add up to one crossing.  Across it, a
 * line of width w at slope k covers w * sqrt(1 + k^2) pixels, at most
 * w * sqrt(2): its span at the middle of the part is laid over the two
 * or three pixels it reaches, each getting the length of span inside
 * it.  For a line under a pixel and a quarter wide this is the area
 * under it to within a few levels.
 */
#include "hairline.h"

#include <math.h>
#include <stddef.h>

static void add(unsigned char *px, double a)
{
    int v = *px + (int)(a * 255.0 + 0.5);
    *px = (unsigned char)(v > 255 ? 255 : v);
}

/* Puts the segment's ends in order along the major axis p. */
static void order(double *p0, double *q0, double *p1, double *q1)
{
    if (*p1 < *p0) {
        double t = *p0;
        *p0 = *p1;
        *p1 = t;
        t = *q0;
        *q0 = *q1;
        *q1 = t;
    }
}

/* The walk along the major axis p, the minor one being q, from p0 up to
 * p1; a pixel (p, q) is at data + p * pstep + q * qstep, inside
 * [0, plim) x [0, qlim). */
static void walk(unsigned char *data, double p0, double q0, double p1,
                 double q1, double w, ptrdiff_t pstep, ptrdiff_t qstep,
                 int plim, int qlim)
{
    double dp = p1 - p0;
    if (!(dp > 0))
        return;
    double k = (q1 - q0) / dp, half = 0.5 * w * sqrt(1.0 + k * k);
    double a0 = fmax(p0, 0.0), a1 = fmin(p1, (double)plim);
    if (!(a1 > a0))
        return;
    int first = (int)a0, last = (int)ceil(a1) - 1;
    for (int i = first; i <= last; i++) {
        double a = fmax(p0, (double)i), b = fmin(p1, (double)i + 1.0);
        double f = b - a;
        if (!(f > 0))
            continue;
        double qc = q0 + k * (0.5 * (a + b) - p0);
        double lo = qc - half, hi = qc + half;
        if (!(hi > 0) || !(lo < qlim))
            continue;
        int r0 = lo < 0 ? 0 : (int)lo;
        int r1 = hi >= qlim ? qlim - 1 : (int)hi;
        unsigned char *col = data + (ptrdiff_t)i * pstep;
        for (int r = r0; r <= r1; r++) {
            double o = fmin(hi, (double)r + 1.0) - fmax(lo, (double)r);
            if (o > 0)
                add(col + (ptrdiff_t)r * qstep, f * o);
        }
    }
}

void im_hairline_add(const im_coverage_t *c, double x0, double y0, double x1,
                     double y1, double width)
{
    if (!(width > 0))
        return;
    if (fabs(x1 - x0) >= fabs(y1 - y0)) {
        order(&x0, &y0, &x1, &y1);
        walk(c->data, x0, y0, x1, y1, width, 1, c->stride, c->width,
             c->height);
    } else {
        order(&y0, &x0, &y1, &x1);
        walk(c->data, y0, x0, y1, x1, width, c->stride, 1, c->height,
             c->width);
    }
}

/* The pixel at (px, py) gets max(its value, coverage at distance from the
 * segment a + t (b - a)). */
static void round_px(unsigned char *px, double cx, double cy, double x0,
                     double y0, double dx, double dy, double inv_len2,
                     double r)
{
    double t = ((cx - x0) * dx + (cy - y0) * dy) * inv_len2;
    t = !(t > 0) ? 0 : t > 1 ? 1 : t;   /* NaN when the length overflows */
    double ex = cx - (x0 + t * dx), ey = cy - (y0 + t * dy);
    double cov = r - sqrt(ex * ex + ey * ey);
    if (!(cov > 0))
        return;
    int v = cov >= 1 ? 255 : (int)(cov * 255.0 + 0.5);
    if (v > *px)
        *px = (unsigned char)v;
}

/* The walk along the major axis p, as in walk(): for each column the
 * rows within r of the segment's span over the column's reach. */
static void round_walk(unsigned char *data, double p0, double q0, double p1,
                       double q1, double r, ptrdiff_t pstep, ptrdiff_t qstep,
                       int plim, int qlim)
{
    double dp = p1 - p0, dq = q1 - q0, len2 = dp * dp + dq * dq;
    double inv = len2 > 0 ? 1.0 / len2 : 0.0;
    double a0 = fmax(p0 - r, 0.0), a1 = fmin(p1 + r, (double)plim);
    if (!(a1 > a0))
        return;
    int first = (int)a0, last = (int)ceil(a1) - 1;
    for (int i = first; i <= last; i++) {
        double c = i + 0.5;
        /* The segment's q over [c - r, c + r], within its own ends. */
        double lo = fmax(c - r, p0), hi = fmin(c + r, p1);
        double qa = q0, qb = q0;
        if (dp > 0 && hi >= lo) {
            qa = q0 + dq * (lo - p0) / dp;
            qb = q0 + dq * (hi - p0) / dp;
        } else if (dp > 0) {
            qa = qb = c < p0 ? q0 : q1;
        }
        double b0 = fmax(fmin(qa, qb) - r, 0.0);
        double b1 = fmin(fmax(qa, qb) + r, (double)qlim);
        if (!(b1 > b0))
            continue;
        unsigned char *col = data + (ptrdiff_t)i * pstep;
        for (int k = (int)b0, kend = (int)ceil(b1); k < kend; k++)
            round_px(col + (ptrdiff_t)k * qstep, c, k + 0.5, p0, q0, dp, dq,
                     inv, r);
    }
}

void im_hairline_round(const im_coverage_t *c, double x0, double y0,
                       double x1, double y1, double width)
{
    if (!(width > 0) || !isfinite(x0) || !isfinite(y0) || !isfinite(x1) ||
        !isfinite(y1))
        return;
    double r = 0.5 * fmin(width, IM_HAIRLINE_MAX_ROUND) + 0.5;
    if (fabs(x1 - x0) >= fabs(y1 - y0)) {
        order(&x0, &y0, &x1, &y1);
        round_walk(c->data, x0, y0, x1, y1, r, 1, c->stride, c->width,
                   c->height);
    } else {
        order(&y0, &x0, &y1, &x1);
        round_walk(c->data, y0, x0, y1, x1, r, c->stride, 1, c->height,
                   c->width);
    }
}
