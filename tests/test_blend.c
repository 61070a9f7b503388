/*
 * test_blend.c: squares blended straight into an image's pixels look as
 * Cairo draws them (same coverage at the edges, same colour inside),
 * stay inside the clip, are within a level of an exact blend in doubles,
 * and come out the same bytes when the image is drawn in bands (sorted
 * or not, in any order) as when it is drawn whole, and with AVX2 as
 * without.
 */
#include "blend.h"
#include "testlib.h"

#include <cairo.h>
#include <math.h>
#include <stdint.h>

#define W 64
#define H 48

static cairo_surface_t *page(void)
{
    cairo_surface_t *s = cairo_image_surface_create(CAIRO_FORMAT_ARGB32, W, H);
    cairo_t *cr = cairo_create(s);
    cairo_set_source_rgb(cr, 0.94, 0.94, 0.92);   /* the map's land */
    cairo_paint(cr);
    cairo_destroy(cr);
    cairo_surface_flush(s);
    return s;
}

static uint32_t pixel(cairo_surface_t *s, int x, int y)
{
    const unsigned char *d = cairo_image_surface_get_data(s);
    return *(const uint32_t *)(const void *)(d + y * cairo_image_surface_get_stride(s) +
                                             x * 4);
}

static int channel_diff(uint32_t a, uint32_t b)
{
    int worst = 0;
    for (int k = 0; k < 32; k += 8) {
        int d = abs((int)(a >> k & 255) - (int)(b >> k & 255));
        worst = d > worst ? d : worst;
    }
    return worst;
}

static im_blend_target_t target_of(cairo_surface_t *s, double half)
{
    return (im_blend_target_t){cairo_image_surface_get_data(s), W, H,
                               cairo_image_surface_get_stride(s),
                               0, 0, W, H, half, half, 0.5};
}

/* The exact blend: each pixel's coverage the area of it under the square
 * (cut to the clip) times the opacity, each channel d + (c - d) times that,
 * in doubles, rounded to the nearest level.  The code rounds the
 * coverage to 1/256 and the result down, so it may be a level off. */
static double overlap(int i, double lo, double hi)
{
    double a = fmax(lo, i), b = fmin(hi, i + 1.0);
    return b > a ? b - a : 0;
}

static void exact(const im_blend_target_t *t, const im_xy_t *xy,
                  const uint8_t *colour, const uint32_t *rgb, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        double y0 = fmax(xy[i].y - t->half_h, t->y0), y1 = fmin(xy[i].y + t->half_h, t->y1);
        double x0 = fmax(xy[i].x - t->half_w, t->x0), x1 = fmin(xy[i].x + t->half_w, t->x1);
        if (!(y0 < y1) || !(x0 < x1))
            continue;
        uint32_t c = rgb[colour[i]];
        for (int py = (int)floor(y0); py < (int)ceil(y1); py++)
            for (int px = (int)floor(x0); px < (int)ceil(x1); px++) {
                double a = overlap(py, y0, y1) * overlap(px, x0, x1) * t->alpha;
                unsigned char *p = t->data + py * t->stride + px * 4;
                uint32_t d = *(uint32_t *)(void *)p, out = d & 0xff000000u;
                for (int k = 0; k < 24; k += 8) {
                    double v = (d >> k & 255) + ((double)(c >> k & 255) - (d >> k & 255)) * a;
                    out |= (uint32_t)lround(v) << k;
                }
                *(uint32_t *)(void *)p = out;
            }
    }
}

static int worst_diff(cairo_surface_t *a, cairo_surface_t *b, int *differing)
{
    int worst = 0;
    *differing = 0;
    for (int y = 0; y < H; y++)
        for (int x = 0; x < W; x++) {
            int d = channel_diff(pixel(a, x, y), pixel(b, x, y));
            worst = d > worst ? d : worst;
            *differing += d > 0;
        }
    return worst;
}

static int same_image(cairo_surface_t *a, cairo_surface_t *b)
{
    int same = 1;
    for (int y = 0; y < H; y++)
        same &= memcmp(cairo_image_surface_get_data(a) +
                           y * cairo_image_surface_get_stride(a),
                       cairo_image_surface_get_data(b) +
                           y * cairo_image_surface_get_stride(b),
                       W * 4) == 0;
    return same;
}

static uint32_t rnd(uint32_t *r)
{
    *r = *r * 1103515245u + 12345u;
    return *r >> 8 & 0xffff;
}

/* Squares that do not overlap, one in each cell of 16 pixels, of random
 * sizes (up to the cell) and fractional places, the cells reaching past
 * the image's edges: within a level of the exact blend everywhere, for
 * several opacities, clipped by the image or by a clip inside it. */
static void against_exact(void)
{
    enum { CELL = 16, N = ((W + CELL) / CELL + 1) * ((H + CELL) / CELL + 1) };
    const uint32_t rgb[] = {0xd95f02, 0x7570b3, 0x1b9e77, 0xffffff, 0x000000};
    const double alphas[] = {0.5, 1.0, 0.13, 0.77};
    uint32_t r = 777;
    for (int round = 0; round < 40; round++) {
        im_xy_t xy[N];
        uint8_t colour[N];
        size_t n = 0;
        double half = 0.15 + (CELL / 2 - 0.3) * rnd(&r) / 65536.0;
        for (int cy = -CELL / 2; cy < H + CELL / 2; cy += CELL)
            for (int cx = -CELL / 2; cx < W + CELL / 2; cx += CELL) {
                double room = CELL / 2 - half;
                xy[n].x = cx + CELL / 2 + room * (rnd(&r) / 32768.0 - 1);
                xy[n].y = cy + CELL / 2 + room * (rnd(&r) / 32768.0 - 1);
                colour[n++] = (uint8_t)(rnd(&r) % 5);
            }
        cairo_surface_t *want = page(), *got = page();
        im_blend_target_t t = target_of(want, half);
        t.alpha = alphas[round % 4];
        if (round % 2) {
            t.x0 = 2.6, t.y0 = 1.25, t.x1 = W - 5.3, t.y1 = H - 0.75;
        }
        exact(&t, xy, colour, rgb, n);
        t.data = cairo_image_surface_get_data(got);
        /* Every other four rounds without AVX2. */
        bool avx2 = im_blend_avx2(round / 4 % 2);
        im_blend_squares(&t, xy, colour, rgb, n, 0, H);
        im_blend_avx2(avx2);
        int differing, worst = worst_diff(got, want, &differing);
        CHECK(worst <= 1, "half %g, alpha %g: %d levels from the exact blend",
              half, t.alpha, worst);
        cairo_surface_destroy(want);
        cairo_surface_destroy(got);
    }
}

/* Many overlapping squares at random, of several sizes (wider than
 * sixteen pixels too) and opacities, some across the clip's and the
 * image's edges, drawn whole, then sorted into bands of 5 rows in two
 * shares and blended from the last band to the first: the same bytes;
 * and with AVX2 and without, the same bytes. */
static void random_squares(void)
{
    enum { N = 600 };
    static im_xy_t xy[N];
    static uint8_t colour[N];
    const uint32_t rgb[] = {0xd95f02, 0x7570b3, 0x1b9e77, 0xffffff};
    uint32_t r = 12345;
    for (int i = 0; i < N; i++) {
        xy[i].x = rnd(&r) / 65536.0 * (W + 8) - 4;
        xy[i].y = rnd(&r) / 65536.0 * (H + 8) - 4;
        colour[i] = (uint8_t)(r >> 28 & 3);
    }
    const double halves[] = {0.3, 1.62, 2.88, 5.5, 9.1};
    const double alphas[] = {0.5, 1.0, 0.13};
    for (int h = 0; h < 5; h++)
        for (int al = 0; al < 3; al++)
            for (int clip = 0; clip < 2; clip++) {
                cairo_surface_t *whole = page(), *bands = page(), *sse2 = page();
                im_blend_target_t t = target_of(whole, halves[h]);
                if (clip)
                    t.x0 = 1.5, t.y0 = 2.25, t.x1 = W - 3.5, t.y1 = H - 0.5;
                t.alpha = alphas[al];
                im_blend_squares(&t, xy, colour, rgb, N, 0, H);
                t.data = cairo_image_surface_get_data(bands);
                im_blend_bands_t b[2] = {{0}, {0}};
                size_t first[2] = {0, N / 3};
                CHECK(im_blend_sort(&b[0], &t, xy, first[1], 5) == 0 &&
                          im_blend_sort(&b[1], &t, xy + first[1], N - first[1], 5) == 0,
                      "sort");
                CHECK(b[0].nbands == (H + 4) / 5, "%d bands", b[0].nbands);
                for (int k = b[0].nbands - 1; k >= 0; k--)
                    for (int s = 0; s < 2; s++)
                        im_blend_band(&t, &b[s], xy + first[s], colour + first[s],
                                      rgb, k);
                CHECK(same_image(bands, whole), "half %g, alpha %g: sorted into "
                      "bands, not the bytes drawn whole", halves[h], alphas[al]);
                bool avx2 = im_blend_avx2(false);
                t.data = cairo_image_surface_get_data(sse2);
                im_blend_squares(&t, xy, colour, rgb, N, 0, H);
                im_blend_avx2(avx2);
                CHECK(same_image(sse2, whole), "half %g, alpha %g: not the same "
                      "bytes without AVX2", halves[h], alphas[al]);
                im_blend_bands_free(&b[0]);
                im_blend_bands_free(&b[1]);
                cairo_surface_destroy(whole);
                cairo_surface_destroy(bands);
                cairo_surface_destroy(sse2);
            }
}

int main(void)
{
    against_exact();
    random_squares();

    /* Squares of a point map (half side 1.62 px at 1920 x 1080) at
     * fractional and whole positions, two of them overlapping. */
    const im_xy_t xy[] = {{10.3, 12.7}, {20.0, 20.0}, {33.55, 9.25},
                          {34.6, 10.1}, {50.81, 30.42}};
    const uint8_t colour[] = {0, 1, 0, 1, 1};
    const uint32_t rgb[] = {0xd95f02, 0x7570b3};
    const size_t n = sizeof xy / sizeof *xy;
    const double half = 1.62;

    cairo_surface_t *blended = page(), *drawn = page();
    im_blend_target_t t = target_of(blended, half);
    im_blend_squares(&t, xy, colour, rgb, n, 0, H);
    cairo_surface_mark_dirty(blended);
    cairo_t *cr = cairo_create(drawn);
    for (size_t i = 0; i < n; i++) {
        uint32_t c = rgb[colour[i]];
        cairo_set_source_rgba(cr, (c >> 16 & 255) / 255.0, (c >> 8 & 255) / 255.0,
                              (c & 255) / 255.0, 0.5);
        cairo_rectangle(cr, xy[i].x - half, xy[i].y - half, 2 * half, 2 * half);
        cairo_fill(cr);
    }
    cairo_destroy(cr);
    cairo_surface_flush(drawn);

    /* Every pixel, edges included, within a few levels of Cairo's (it
     * rounds coverage to 1/256 and its blends differently). */
    int worst = 0, changed = 0;
    for (int y = 0; y < H; y++)
        for (int x = 0; x < W; x++) {
            int d = channel_diff(pixel(blended, x, y), pixel(drawn, x, y));
            worst = d > worst ? d : worst;
            changed += pixel(blended, x, y) != pixel(blended, 0, 0);
        }
    CHECK(worst <= 3, "largest difference from Cairo: %d levels", worst);
    /* 5 squares of 3.24 px: 4 or 5 pixels a side, some of them shared. */
    CHECK(changed >= 5 * 16 - 4 && changed <= 5 * 25, "%d pixels touched", changed);
    /* The middle of a square is half its colour over the land. */
    uint32_t mid = pixel(blended, 20, 20);
    CHECK((mid >> 16 & 255) > 160 && (mid >> 16 & 255) < 190 &&
              (mid & 255) > 200 && (mid >> 24) == 255,
          "square at (20, 20) is %08x", (unsigned)mid);
    /* Where two overlap, the later one lies on top: bluer than either. */
    uint32_t a = pixel(blended, 33, 8), both = pixel(blended, 34, 10);
    CHECK((both >> 16 & 255) < (a >> 16 & 255), "overlap %08x, first %08x",
          (unsigned)both, (unsigned)a);

    /* Drawn in three bands, the same bytes. */
    cairo_surface_t *banded = page();
    t = target_of(banded, half);
    im_blend_squares(&t, xy, colour, rgb, n, 0, 11);
    im_blend_squares(&t, xy, colour, rgb, n, 11, 20);
    im_blend_squares(&t, xy, colour, rgb, n, 20, H);
    CHECK(same_image(banded, blended),
          "bands drawn apart differ from the image drawn whole");

    /* A square at no number reaches no pixel, drawn whole or sorted. */
    cairo_surface_t *nan_page = page();
    t = target_of(nan_page, half);
    const im_xy_t nowhere[] = {{NAN, 20}, {20, NAN}};
    const uint8_t first_colour[] = {0, 0};
    im_blend_squares(&t, nowhere, first_colour, rgb, 2, 0, H);
    im_blend_bands_t nb = {0};
    CHECK(im_blend_sort(&nb, &t, nowhere, 2, 5) == 0 &&
              nb.start[nb.nbands] == 0,
          "squares at NaN sorted into bands");
    im_blend_bands_free(&nb);
    cairo_surface_t *blank = page();
    CHECK(same_image(nan_page, blank), "a square at NaN drew");
    cairo_surface_destroy(nan_page);
    cairo_surface_destroy(blank);

    /* The clip holds: a square across its edge is cut there. */
    cairo_surface_t *clipped = page();
    t = target_of(clipped, half);
    t.x1 = 20.5;
    im_blend_squares(&t, xy, colour, rgb, n, 0, H);
    CHECK(pixel(clipped, 21, 20) == pixel(clipped, 0, 0) &&
              pixel(clipped, 19, 20) != pixel(clipped, 0, 0) &&
              pixel(clipped, 50, 30) == pixel(clipped, 0, 0),
          "the clip at x = 20.5");

    cairo_surface_destroy(blended);
    cairo_surface_destroy(drawn);
    cairo_surface_destroy(banded);
    cairo_surface_destroy(clipped);
    TEST_DONE();
}
