/*
 * hairline.h: the coverage of lines about a pixel wide, added into an
 * 8-bit mask.  District borders on a raster map are half a pixel to a
 * pixel wide and tens of thousands of segments long; Cairo's stroker
 * builds and scan-converts a polygon for them, which costs a fifth of a
 * map's drawing.  Here each segment is a walk along its major axis,
 * adding to the two or three pixels across it the area of each under
 * the line, and the mask is laid over the map once, in the line's
 * colour.  Wider lines (province outlines) get the coverage of their
 * distance to each pixel instead, joins and ends round.
 */
#ifndef IM_HAIRLINE_H
#define IM_HAIRLINE_H

/* An 8-bit coverage mask: 0 nothing, 255 a whole pixel. */
typedef struct {
    unsigned char *data;
    int width, height, stride;
} im_coverage_t;

/* Lines wider than this go to im_hairline_round: without joins, the
 * outside of a sharp bend would show a notch. */
#define IM_HAIRLINE_MAX_WIDTH 1.25

/* Adds to c the coverage of the line of the given width (in pixels, at
 * most IM_HAIRLINE_MAX_WIDTH) from (x0, y0) to (x1, y1), in the mask's
 * pixel coordinates, with flat ends.  The segments of a polyline share
 * their end pixels exactly, so a run of them is as even as one line;
 * where lines cross, coverage adds up to a whole pixel at most.  Parts
 * outside the mask are left out. */
void im_hairline_add(const im_coverage_t *c, double x0, double y0, double x1,
                     double y1, double width);

/* Lines wider than a pixel, up to IM_HAIRLINE_MAX_ROUND: each pixel's
 * coverage from its distance to the segment, 1 within width / 2 - 0.5 of
 * it and none beyond width / 2 + 0.5, so that ends and joins are round.
 * Kept where it is more than the mask holds (not added), so that the
 * segments of a polyline, overlapping at their joins, are one line. */
#define IM_HAIRLINE_MAX_ROUND 6.0
void im_hairline_round(const im_coverage_t *c, double x0, double y0,
                       double x1, double y1, double width);

#endif
