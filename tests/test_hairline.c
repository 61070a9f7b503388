/*
 * test_hairline.c: thin lines laid as coverage carry the ink of their
 * area (length times width), sit where the line is, are as even drawn
 * in many short segments as in one (the same ink in every column), agree with Cairo's stroke of the
 * same path to within a few levels, saturate instead of wrapping, and
 * never write outside the mask, whatever the coordinates.
 */
#include "hairline.h"
#include "testlib.h"

#include <cairo.h>
#include <math.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#define W 96
#define H 64
#define PAD 8   /* guard bytes around the mask */

typedef struct {
    unsigned char *all;   /* the mask with its guard */
    im_coverage_t c;
} mask_t;

static mask_t mask_new(void)
{
    int stride = W + 2 * PAD;
    mask_t m;
    m.all = malloc((size_t)stride * (H + 2 * PAD));
    memset(m.all, 0xA5, (size_t)stride * (H + 2 * PAD));
    m.c.data = m.all + PAD * stride + PAD;
    m.c.width = W;
    m.c.height = H;
    m.c.stride = stride;
    for (int y = 0; y < H; y++)
        memset(m.c.data + y * stride, 0, W);
    return m;
}

static bool guard_intact(const mask_t *m)
{
    int stride = m->c.stride;
    for (int y = 0; y < H + 2 * PAD; y++)
        for (int x = 0; x < stride; x++) {
            bool inside = y >= PAD && y < H + PAD && x >= PAD && x < W + PAD;
            if (!inside && m->all[y * stride + x] != 0xA5)
                return false;
        }
    return true;
}

static unsigned at(const mask_t *m, int x, int y)
{
    return m->c.data[y * m->c.stride + x];
}

static double ink(const mask_t *m)
{
    double s = 0;
    for (int y = 0; y < H; y++)
        for (int x = 0; x < W; x++)
            s += at(m, x, y);
    return s / 255.0;
}

static void horizontal(void)
{
    mask_t m = mask_new();
    im_hairline_add(&m.c, 10.3, 20.4, 50.7, 20.4, 0.6);
    double want = 40.4 * 0.6;
    CHECK(fabs(ink(&m) - want) < 0.01 * want, "ink %.3f, want %.3f", ink(&m),
          want);
    /* The span [20.1, 20.7] lies in row 20: nothing above or below. */
    int off_row = 0;
    for (int x = 0; x < W; x++)
        off_row += at(&m, x, 19) + at(&m, x, 21);
    CHECK(off_row == 0, "coverage outside row 20: %d", off_row);
    CHECK(at(&m, 30, 20) == 153, "inside: %u, want 153", at(&m, 30, 20));
    /* The end pixels get the part of them the line crosses. */
    CHECK(abs((int)at(&m, 10, 20) - 107) <= 1, "first pixel %u, want 107",
          at(&m, 10, 20));
    CHECK(abs((int)at(&m, 50, 20) - 107) <= 1, "last pixel %u, want 107",
          at(&m, 50, 20));
    CHECK(at(&m, 9, 20) == 0 && at(&m, 51, 20) == 0, "beyond the ends");
    CHECK(guard_intact(&m), "guard");
    free(m.all);
}

/* Steep and shallow lines in every octant keep their ink and stay near
 * the line. */
static void octants(void)
{
    for (int k = 0; k < 16; k++) {
        double a = k * M_PI / 8 + 0.1, r = 25, w = 0.54;
        double x0 = W / 2.0, y0 = H / 2.0;
        double x1 = x0 + r * cos(a), y1 = y0 + r * sin(a);
        mask_t m = mask_new();
        im_hairline_add(&m.c, x0, y0, x1, y1, w);
        CHECK(fabs(ink(&m) - r * w) < 0.02 * r * w, "angle %d: ink %.3f, want %.3f",
              k, ink(&m), r * w);
        double far = 0;
        for (int y = 0; y < H; y++)
            for (int x = 0; x < W; x++) {
                if (!at(&m, x, y))
                    continue;
                double px = x + 0.5 - x0, py = y + 0.5 - y0;
                double d = fabs(px * sin(a) - py * cos(a));
                far = fmax(far, d);
            }
        CHECK(far < w / 2 + 1.0, "angle %d: a pixel %.2f from the line", k, far);
        CHECK(guard_intact(&m), "guard");
        free(m.all);
    }
}

/* A line in 0.7-pixel steps, as a detailed border is, covers each pixel
 * as the line in one piece does. */
static void runs_are_even(void)
{
    mask_t one = mask_new(), many = mask_new();
    double x0 = 5.2, y0 = 10.7, x1 = 85.9, y1 = 41.3, w = 0.8;
    im_hairline_add(&one.c, x0, y0, x1, y1, w);
    int n = (int)(hypot(x1 - x0, y1 - y0) / 0.7);
    double px = x0, py = y0;
    for (int i = 1; i <= n; i++) {
        double t = (double)i / n;
        double qx = x0 + t * (x1 - x0), qy = y0 + t * (y1 - y0);
        im_hairline_add(&many.c, px, py, qx, qy, w);
        px = qx;
        py = qy;
    }
    /* Each column gets the same ink (no beads where segments meet); its
     * split between rows may differ a little, the pieces sampling the
     * line at more places. */
    int worst = 0, worst_col = 0;
    for (int x = 0; x < W; x++) {
        int col = 0;
        for (int y = 0; y < H; y++) {
            int d = (int)at(&one, x, y) - (int)at(&many, x, y);
            worst = abs(d) > worst ? abs(d) : worst;
            col += d;
        }
        worst_col = abs(col) > worst_col ? abs(col) : worst_col;
    }
    CHECK(worst_col <= 3, "a column's ink differs by %d levels", worst_col);
    CHECK(worst <= 16, "a pixel differs by %d levels", worst);
    free(one.all);
    free(many.all);
}

/* Against Cairo's stroke of the same closed polyline (a wobbly ring, as
 * a district is): the same ink, each pixel within a few levels. */
typedef void (*line_fn)(const im_coverage_t *, double, double, double,
                        double, double);

static void like_cairo(line_fn line, const double *widths, int nw)
{
    for (int wi = 0; wi < nw; wi++) {
        double w = widths[wi];
        cairo_surface_t *s = cairo_image_surface_create(CAIRO_FORMAT_A8, W, H);
        cairo_t *cr = cairo_create(s);
        mask_t m = mask_new();
        int n = 90;
        double fx = 0, fy = 0, lx = 0, ly = 0;
        for (int i = 0; i < n; i++) {
            double a = 2 * M_PI * i / n, r = 22 + 3 * sin(5 * a);
            double x = 48 + r * cos(a), y = 32 + 0.9 * r * sin(a);
            if (i == 0) {
                cairo_move_to(cr, x, y);
                fx = x;
                fy = y;
            } else {
                cairo_line_to(cr, x, y);
                line(&m.c, lx, ly, x, y, w);
            }
            lx = x;
            ly = y;
        }
        cairo_close_path(cr);
        line(&m.c, lx, ly, fx, fy, w);
        cairo_set_line_width(cr, w);
        cairo_set_line_join(cr, CAIRO_LINE_JOIN_ROUND);
        cairo_stroke(cr);
        cairo_destroy(cr);
        cairo_surface_flush(s);
        const unsigned char *d = cairo_image_surface_get_data(s);
        int stride = cairo_image_surface_get_stride(s);
        double cairo_ink = 0, sum_diff = 0;
        int worst = 0;
        for (int y = 0; y < H; y++)
            for (int x = 0; x < W; x++) {
                int a = d[y * stride + x], b = at(&m, x, y);
                cairo_ink += a / 255.0;
                sum_diff += abs(a - b);
                worst = abs(a - b) > worst ? abs(a - b) : worst;
            }
        double mine = ink(&m);
        CHECK(fabs(mine - cairo_ink) < 0.01 * cairo_ink,
              "width %.2f: ink %.2f, Cairo's %.2f", w, mine, cairo_ink);
        /* Cairo samples coverage on a grid; a pixel's two answers differ
         * most where the line runs along a pixel's edge. */
        CHECK(worst <= 72, "width %.2f: a pixel differs by %d levels", w, worst);
        CHECK(sum_diff / 255.0 < 0.1 * cairo_ink,
              "width %.2f: total difference %.2f of %.2f", w, sum_diff / 255.0,
              cairo_ink);
        free(m.all);
        cairo_surface_destroy(s);
    }
}

/* Wide lines: a pixel's coverage from its distance to the line, kept at
 * the most any segment gives it. */
static void round_lines(void)
{
    mask_t m = mask_new();
    im_hairline_round(&m.c, 10, 20.5, 50, 20.5, 2.0);
    /* Row 20 holds the line's middle, rows 19 and 21 its edges, a pixel
     * from it: half covered; each column's ink is the width. */
    CHECK(at(&m, 30, 20) == 255, "middle row %u", at(&m, 30, 20));
    CHECK(abs((int)at(&m, 30, 19) - 128) <= 1 && abs((int)at(&m, 30, 21) - 128) <= 1,
          "edge rows %u %u", at(&m, 30, 19), at(&m, 30, 21));
    CHECK(at(&m, 30, 18) == 0 && at(&m, 30, 22) == 0, "beyond the edges");
    /* Round ends: a pixel past the end but within the radius. */
    CHECK(at(&m, 50, 20) > 100 && at(&m, 51, 20) == 0, "end: %u %u",
          at(&m, 50, 20), at(&m, 51, 20));
    /* Laid again, nothing changes: the maximum, not the sum. */
    unsigned char before[W * H];
    for (int y = 0; y < H; y++)
        memcpy(before + y * W, m.c.data + y * m.c.stride, W);
    im_hairline_round(&m.c, 10, 20.5, 50, 20.5, 2.0);
    im_hairline_round(&m.c, 30, 20.5, 50, 20.5, 2.0);
    bool same = true;
    for (int y = 0; y < H; y++)
        same = same && !memcmp(before + y * W, m.c.data + y * m.c.stride, W);
    CHECK(same, "a line laid twice changed the mask");
    /* A right-angled bend has no notch on its outside: the pixel off the
     * corner, sqrt(2) from it, gets what a round join gives it (no
     * segment reaches it with flat ends). */
    mask_t b = mask_new();
    im_hairline_round(&b.c, 20.5, 40.5, 40.5, 40.5, 3.0);
    im_hairline_round(&b.c, 40.5, 40.5, 40.5, 60.5, 3.0);
    CHECK(abs((int)at(&b, 41, 39) - 149) <= 1 && at(&b, 41, 40) == 255 &&
              at(&b, 40, 39) == 255, "outer corner %u %u %u", at(&b, 41, 39),
          at(&b, 41, 40), at(&b, 40, 39));
    CHECK(guard_intact(&m) && guard_intact(&b), "guard");
    free(m.all);
    free(b.all);
    mask_t o = mask_new();
    double big = 1e300;
    double pts[][4] = {
        {-50, -50, 200, 150}, {-10, 5, W + 10, 5}, {5, -10, 5, H + 10},
        {-big, 10, big, 10}, {10, -big, 10, big}, {NAN, 3, 8, 9},
        {3, 4, INFINITY, 5}, {4, 4, 4, 4}, {W + 1, H + 1, W + 9, H + 3},
        {-3, -3, -1, -2},
    };
    for (size_t i = 0; i < sizeof pts / sizeof *pts; i++)
        im_hairline_round(&o.c, pts[i][0], pts[i][1], pts[i][2], pts[i][3], 5.0);
    im_hairline_round(&o.c, 1, 1, 50, 50, NAN);
    im_hairline_round(&o.c, 1, 1, 50, 50, 1e9);
    CHECK(guard_intact(&o), "round: nothing written outside the mask");
    CHECK(at(&o, 20, 5) == 255 && at(&o, 4, 4) == 255, "round: lines drawn");
    free(o.all);
}

static void saturates(void)
{
    mask_t m = mask_new();
    for (int i = 0; i < 20; i++)
        im_hairline_add(&m.c, 2, 30.5, 90, 30.5, 1.0);
    CHECK(at(&m, 40, 30) == 255, "twenty lines on one pixel: %u", at(&m, 40, 30));
    CHECK(guard_intact(&m), "guard");
    free(m.all);
}

static void outside_and_odd(void)
{
    mask_t m = mask_new();
    double big = 1e300;
    double pts[][4] = {
        {-50, -50, 200, 150},        /* through, from outside to outside */
        {-10, 5, W + 10, 5},         /* along a row, past both sides */
        {5, -10, 5, H + 10},         /* along a column */
        {0, 0, W, H},                /* corner to corner */
        {W - 0.01, 3, W + 5, 3.2},   /* leaves at once */
        {-big, 10, big, 10},
        {10, -big, 10, big},
        {-big, -big, big, big},
        {NAN, 3, 8, 9},
        {3, 4, INFINITY, 5},
        {4, 4, 4, 4},                /* a point */
        {-3, -3, -1, -2},            /* all outside */
        {W + 1, H + 1, W + 9, H + 3},
    };
    for (size_t i = 0; i < sizeof pts / sizeof *pts; i++)
        im_hairline_add(&m.c, pts[i][0], pts[i][1], pts[i][2], pts[i][3], 1.2);
    im_hairline_add(&m.c, 1, 1, 50, 50, NAN);
    im_hairline_add(&m.c, 1, 1, 50, 50, -1);
    CHECK(guard_intact(&m), "nothing written outside the mask");
    CHECK(at(&m, 20, 5) > 0 && at(&m, 5, 20) > 0, "the lines that cross it drawn");
    free(m.all);
}

int main(void)
{
    horizontal();
    octants();
    runs_are_even();
    like_cairo(im_hairline_add, (const double[]){0.54, 0.81, 1.08}, 3);
    like_cairo(im_hairline_round, (const double[]){1.5, 1.89, 3.0}, 3);
    round_lines();
    saturates();
    outside_and_odd();
    TEST_DONE();
}
