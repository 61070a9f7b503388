/*
 * test_blend.c: squares blended straight into an image's pixels look as
 * Cairo draws them (same coverage at the edges, same colour inside), stay
 * inside the clip, and come out byte for byte the same when the image is
 * drawn in bands as when it is drawn whole.
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

int main(void)
{
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
    int same = 1;
    for (int y = 0; y < H; y++)
        same &= memcmp(cairo_image_surface_get_data(banded) +
                           y * cairo_image_surface_get_stride(banded),
                       cairo_image_surface_get_data(blended) +
                           y * cairo_image_surface_get_stride(blended),
                       W * 4) == 0;
    CHECK(same, "bands drawn apart differ from the image drawn whole");

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
