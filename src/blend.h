/*
 * blend.h: many small squares blended straight into the pixels of an
 * opaque image in Cairo's ARGB32 layout.  A million points as Cairo paths
 * cost over a second; here each is a handful of exact-coverage pixel
 * blends.
 */
#ifndef IM_BLEND_H
#define IM_BLEND_H

#include "geometry.h"

#include <stdint.h>

typedef struct {
    unsigned char *data;       /* ARGB32, opaque: every alpha is 255 */
    int width, height, stride;
    double x0, y0, x1, y1;     /* the clip, in pixels */
    double half_w, half_h;     /* half a square's width and height, in pixels */
    double alpha;              /* the squares' opacity */
} im_blend_target_t;

/* Blends n squares centred on xy, square i in the colour
 * rgb[colour[i]] (0xRRGGBB), one after the other, over whatever is
 * there, but only into rows [row0, row1): the image can be split into
 * bands drawn at the same time, to the same bytes as drawn whole. */
void im_blend_squares(const im_blend_target_t *t, const im_xy_t *xy,
                      const uint8_t *colour, const uint32_t *rgb, size_t n,
                      int row0, int row1);

#endif
