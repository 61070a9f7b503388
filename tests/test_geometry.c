/*
 * test_geometry.c: planar helpers on shapes built by hand.
 */
#include "geometry.h"
#include "testlib.h"

/* A closed ring of n points (the last not repeating the first). */
static im_shape_t square(im_xy_t *pts, im_ring_t *ring, double x0, double y0,
                         bool clockwise)
{
    im_xy_t c[4] = {{x0, y0}, {x0 + 1, y0}, {x0 + 1, y0 + 1}, {x0, y0 + 1}};
    for (int k = 0; k < 4; k++)
        pts[k] = c[clockwise ? 3 - k : k];
    *ring = (im_ring_t){0, 4, 0};
    return (im_shape_t){ring, 1, pts, 4};
}

static int count_bits(const unsigned char *skip, size_t n, unsigned char bit)
{
    int c = 0;
    for (size_t k = 0; k < n; k++)
        c += (skip[k] & bit) != 0;
    return c;
}

static void shared_edges(void)
{
    im_xy_t p[3][4];
    im_ring_t r[3];
    /* b shares its left edge with a's right edge, walked the other way
     * round; c shares its bottom edge with a's top, in the same
     * direction as a when c is clockwise. */
    im_shape_t s[3] = {square(p[0], &r[0], 0, 0, false),
                       square(p[1], &r[1], 1, 0, false),
                       square(p[2], &r[2], 0, 1, true)};
    unsigned char m[3][4] = {{0}};
    unsigned char *skip[3] = {m[0], m[1], m[2]};
    bool all[3] = {true, true, true};
    CHECK(im_shapes_mark_shared_edges(s, 3, all, skip, 2), "marks");
    CHECK(count_bits(m[0], 4, 2) == 0, "the first shape keeps every edge");
    CHECK(count_bits(m[1], 4, 2) == 1, "b repeats one edge of a: %d",
          count_bits(m[1], 4, 2));
    CHECK(m[1][3] & 2, "b's left edge (point 3 to point 0) is a's right");
    CHECK(count_bits(m[2], 4, 2) == 1, "c repeats one edge of a: %d",
          count_bits(m[2], 4, 2));
    CHECK(count_bits(m[0], 4, 1) + count_bits(m[1], 4, 1) +
              count_bits(m[2], 4, 1) == 0, "other bits untouched");

    /* Shapes left out neither mark nor are marked. */
    unsigned char n[3][4] = {{0}};
    unsigned char *skip2[3] = {n[0], n[1], n[2]};
    bool some[3] = {false, true, true};
    CHECK(im_shapes_mark_shared_edges(s, 3, some, skip2, 1), "marks");
    CHECK(count_bits(n[0], 4, 1) + count_bits(n[1], 4, 1) +
              count_bits(n[2], 4, 1) == 0,
          "b and c share nothing without a");
}

int main(void)
{
    shared_edges();
    TEST_DONE();
}
