/*
 * geometry.h: plain polygon storage shared by the layer and the map, and
 * the planar algorithms run on it.
 */
#ifndef IM_GEOMETRY_H
#define IM_GEOMETRY_H

#include <stdbool.h>
#include <stddef.h>

typedef struct { double x, y; } im_xy_t;

/* A ring is a closed run of points in a shared coordinate array.  The
 * first ring of each part is its outer ring; the rest are holes. */
typedef struct {
    size_t start, count;
    int part;
} im_ring_t;

typedef struct {
    im_ring_t *rings;
    size_t nrings;
    im_xy_t *pts;
    size_t npts;
} im_shape_t;

void im_shape_clear(im_shape_t *s);
/* Even-odd point in polygon over all rings of part (-1: all parts). */
int im_shape_contains(const im_shape_t *s, int part, double x, double y);
/* Signed area of one ring (positive counter-clockwise). */
double im_ring_area(const im_shape_t *s, size_t ring);
/* Index of the part with the largest outer ring area. */
int im_shape_largest_part(const im_shape_t *s);
/* Area centroid of part (-1: all parts); *out_ok false for a degenerate
 * shape of no area. */
im_xy_t im_shape_centroid(const im_shape_t *s, int part, bool *out_ok);
/* Pole of inaccessibility of part: the interior point farthest from the
 * part's edges, found to within precision (polylabel, Agafonkin 2016). */
im_xy_t im_shape_pole(const im_shape_t *s, int part, double precision,
                      double *out_distance);
void im_shape_bounds(const im_shape_t *s, int part, double *minx, double *miny,
                     double *maxx, double *maxy);

/* Marks the ring edges that another edge among the shapes already covers
 * (the same two points, in either direction), so that a border shared by
 * two polygons is stroked once.  Only shapes with use[i] take part; for
 * them, bit is set in skip[i][k] when the edge from point k to the next
 * point of its ring is a repeat.  skip[i] has shapes[i].npts entries.
 * False when out of memory, with nothing marked. */
bool im_shapes_mark_shared_edges(const im_shape_t *shapes, size_t n,
                                 const bool *use, unsigned char *const *skip,
                                 unsigned char bit);

#endif
