/*
 * blend.h: many small squares blended straight into the pixels of an
 * opaque image in Cairo's ARGB32 layout.  A million points as Cairo paths
 * cost over a second; here each is a handful of pixel blends, each
 * pixel's coverage the area of it under the square (to within a level of
 * the exact blend).
 */
#ifndef IM_BLEND_H
#define IM_BLEND_H

#include "geometry.h"

#include <stdbool.h>
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

/* Squares sorted once into bands of rows, each band's in their order
 * (by their numbers):
 * a pass over a band then reads only the squares that reach it, where
 * passes over the whole list for each band read every square every
 * time.  Owned by the caller; zero it before first use, and free it with
 * im_blend_bands_free. */
typedef struct {
    int band_rows, nbands;
    size_t *start;          /* band k's squares: [start[k], start[k + 1]) */
    uint16_t *index;        /* of index */
    uint32_t *span;         /* scratch: each square's first and last band */
    size_t cap, start_cap, span_cap;
} im_blend_bands_t;

/* Sorts n squares (up to 65,536) centred on xy into bands of band_rows
 * rows of t's image, by number; squares that reach no pixel of the clip
 * are left out.  -1 when out of memory. */
int im_blend_sort(im_blend_bands_t *b, const im_blend_target_t *t,
                  const im_xy_t *xy, size_t n, int band_rows);
/* Blends band k's squares (xy and colour as sorted) into its rows:
 * blending every band, in any order and on any threads, gives the bytes
 * of im_blend_squares over the whole image. */
void im_blend_band(const im_blend_target_t *t, const im_blend_bands_t *b,
                   const im_xy_t *xy, const uint8_t *colour,
                   const uint32_t *rgb, int k);
void im_blend_bands_free(im_blend_bands_t *b);

/* Blending uses AVX2 when the processor has it; false turns that off
 * (and true back on), so that tests can check that both ways give the
 * same bytes.  Returns whether it was on.  Not to be called while
 * squares are being blended. */
bool im_blend_avx2(bool on);

#endif
