/*
 * geometry.c: planar geometry on rings.  The pole of inaccessibility is
 * Mapbox's polylabel: a best-first search over square cells, each bounded
 * by the distance from its centre plus its half-diagonal, so the search
 * stops once no cell can beat the best point by more than the precision.
 * Label points need it because a centroid can fall outside a crescent or
 * on a narrow neck.
 */
#include "geometry.h"

#include <math.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

void im_shape_clear(im_shape_t *s)
{
    free(s->rings);
    free(s->pts);
    s->rings = NULL;
    s->pts = NULL;
    s->nrings = s->npts = 0;
}

int im_shape_contains(const im_shape_t *s, int part, double x, double y)
{
    int inside = 0;
    for (size_t r = 0; r < s->nrings; r++) {
        const im_ring_t *ring = &s->rings[r];
        if (part >= 0 && ring->part != part)
            continue;
        const im_xy_t *p = s->pts + ring->start;
        for (size_t i = 0, j = ring->count - 1; i < ring->count; j = i++) {
            if ((p[i].y > y) != (p[j].y > y) &&
                x < (p[j].x - p[i].x) * (y - p[i].y) / (p[j].y - p[i].y) + p[i].x)
                inside = !inside;
        }
    }
    return inside;
}

double im_ring_area(const im_shape_t *s, size_t ring)
{
    const im_ring_t *r = &s->rings[ring];
    const im_xy_t *p = s->pts + r->start;
    double a = 0;
    for (size_t i = 0, j = r->count - 1; i < r->count; j = i++)
        a += (p[j].x - p[i].x) * (p[j].y + p[i].y);
    return a / 2;
}

int im_shape_largest_part(const im_shape_t *s)
{
    int best = 0;
    double best_area = -1;
    for (size_t r = 0; r < s->nrings; r++) {
        if (r > 0 && s->rings[r].part == s->rings[r - 1].part)
            continue;
        double a = fabs(im_ring_area(s, r));
        if (a > best_area) {
            best_area = a;
            best = s->rings[r].part;
        }
    }
    return best;
}

im_xy_t im_shape_centroid(const im_shape_t *s, int part, bool *out_ok)
{
    double cx = 0, cy = 0, a = 0;
    for (size_t r = 0; r < s->nrings; r++) {
        if (part >= 0 && s->rings[r].part != part)
            continue;
        const im_xy_t *p = s->pts + s->rings[r].start;
        size_t n = s->rings[r].count;
        for (size_t i = 0, j = n - 1; i < n; j = i++) {
            double f = p[i].x * p[j].y - p[j].x * p[i].y;
            cx += (p[i].x + p[j].x) * f;
            cy += (p[i].y + p[j].y) * f;
            a += f * 3;
        }
    }
    *out_ok = a != 0;
    return a != 0 ? (im_xy_t){cx / a, cy / a} : (im_xy_t){0, 0};
}

void im_shape_bounds(const im_shape_t *s, int part, double *minx, double *miny,
                     double *maxx, double *maxy)
{
    *minx = *miny = INFINITY;
    *maxx = *maxy = -INFINITY;
    for (size_t r = 0; r < s->nrings; r++) {
        if (part >= 0 && s->rings[r].part != part)
            continue;
        for (size_t i = 0; i < s->rings[r].count; i++) {
            im_xy_t p = s->pts[s->rings[r].start + i];
            *minx = fmin(*minx, p.x);
            *miny = fmin(*miny, p.y);
            *maxx = fmax(*maxx, p.x);
            *maxy = fmax(*maxy, p.y);
        }
    }
}

static double seg_dist2(im_xy_t p, im_xy_t a, im_xy_t b)
{
    double dx = b.x - a.x, dy = b.y - a.y, x = a.x, y = a.y;
    if (dx != 0 || dy != 0) {
        double t = ((p.x - a.x) * dx + (p.y - a.y) * dy) / (dx * dx + dy * dy);
        if (t > 1) {
            x = b.x;
            y = b.y;
        } else if (t > 0) {
            x += dx * t;
            y += dy * t;
        }
    }
    dx = p.x - x;
    dy = p.y - y;
    return dx * dx + dy * dy;
}

/* Signed distance from (x, y) to the part's edges: positive inside. */
static double signed_dist(const im_shape_t *s, int part, double x, double y)
{
    double best = INFINITY;
    im_xy_t p = {x, y};
    for (size_t r = 0; r < s->nrings; r++) {
        const im_ring_t *ring = &s->rings[r];
        if (ring->part != part)
            continue;
        const im_xy_t *q = s->pts + ring->start;
        for (size_t i = 0, j = ring->count - 1; i < ring->count; j = i++)
            best = fmin(best, seg_dist2(p, q[i], q[j]));
    }
    double d = sqrt(best);
    return im_shape_contains(s, part, x, y) ? d : -d;
}

typedef struct { double x, y, h, d, max; } cell_t;

static cell_t make_cell(const im_shape_t *s, int part, double x, double y,
                        double h)
{
    cell_t c = {x, y, h, signed_dist(s, part, x, y), 0};
    c.max = c.d + h * M_SQRT2;
    return c;
}

/* Binary max-heap on cell.max. */
typedef struct { cell_t *v; size_t n, cap; } heap_t;

static int heap_push(heap_t *h, cell_t c)
{
    if (h->n == h->cap) {
        size_t cap = h->cap ? h->cap * 2 : 64;
        cell_t *v = realloc(h->v, cap * sizeof *v);
        if (!v)
            return -1;
        h->v = v;
        h->cap = cap;
    }
    size_t i = h->n++;
    while (i > 0 && h->v[(i - 1) / 2].max < c.max) {
        h->v[i] = h->v[(i - 1) / 2];
        i = (i - 1) / 2;
    }
    h->v[i] = c;
    return 0;
}

static cell_t heap_pop(heap_t *h)
{
    cell_t top = h->v[0], last = h->v[--h->n];
    size_t i = 0;
    for (;;) {
        size_t l = 2 * i + 1, r = l + 1, m = i;
        double mv = last.max;
        if (l < h->n && h->v[l].max > mv) {
            m = l;
            mv = h->v[l].max;
        }
        if (r < h->n && h->v[r].max > mv)
            m = r;
        if (m == i)
            break;
        h->v[i] = h->v[m];
        i = m;
    }
    if (h->n)
        h->v[i] = last;
    return top;
}

im_xy_t im_shape_pole(const im_shape_t *s, int part, double precision,
                      double *out_distance)
{
    double minx, miny, maxx, maxy;
    im_shape_bounds(s, part, &minx, &miny, &maxx, &maxy);
    double w = maxx - minx, hgt = maxy - miny, size = fmin(w, hgt);
    im_xy_t centre = {(minx + maxx) / 2, (miny + maxy) / 2};
    if (!(size > 0)) {
        if (out_distance)
            *out_distance = 0;
        return centre;
    }
    /* Start from the area centroid, which is often good already. */
    bool have;
    im_xy_t c = im_shape_centroid(s, part, &have);
    cell_t best = have ? make_cell(s, part, c.x, c.y, 0)
                       : make_cell(s, part, centre.x, centre.y, 0);
    cell_t box = make_cell(s, part, centre.x, centre.y, 0);
    if (box.d > best.d)
        best = box;

    heap_t heap = {0};
    double h = size / 2;
    int ok = 0;
    for (double x = minx; x < maxx; x += size)
        for (double y = miny; y < maxy; y += size)
            ok |= heap_push(&heap, make_cell(s, part, x + h, y + h, h));
    while (!ok && heap.n) {
        cell_t c = heap_pop(&heap);
        if (c.d > best.d)
            best = c;
        if (c.max - best.d <= precision)
            continue;
        h = c.h / 2;
        ok |= heap_push(&heap, make_cell(s, part, c.x - h, c.y - h, h));
        ok |= heap_push(&heap, make_cell(s, part, c.x + h, c.y - h, h));
        ok |= heap_push(&heap, make_cell(s, part, c.x - h, c.y + h, h));
        ok |= heap_push(&heap, make_cell(s, part, c.x + h, c.y + h, h));
    }
    free(heap.v);
    if (out_distance)
        *out_distance = best.d;
    return (im_xy_t){best.x, best.y};
}

/* ---- shared edges ------------------------------------------------------ */

typedef struct {
    uint32_t shape;   /* UINT32_MAX: empty slot */
    uint32_t point;
} edge_ref_t;

static uint64_t point_bits(im_xy_t p)
{
    uint64_t x, y;
    memcpy(&x, &p.x, sizeof x);
    memcpy(&y, &p.y, sizeof y);
    return x * 0x9e3779b97f4a7c15u ^ (y + 0x632be59bd9b4e019u + (x << 6));
}

static void edge_ends(const im_shape_t *shapes, edge_ref_t e, const im_ring_t *ring,
                      im_xy_t *a, im_xy_t *b)
{
    const im_shape_t *s = &shapes[e.shape];
    size_t k = e.point, next = k + 1 < ring->start + ring->count ? k + 1 : ring->start;
    *a = s->pts[k];
    *b = s->pts[next];
}

static bool same_edge(im_xy_t a, im_xy_t b, im_xy_t c, im_xy_t d)
{
    return (a.x == c.x && a.y == c.y && b.x == d.x && b.y == d.y) ||
           (a.x == d.x && a.y == d.y && b.x == c.x && b.y == c.y);
}

bool im_shapes_mark_shared_edges(const im_shape_t *shapes, size_t n,
                                 const bool *use, unsigned char *const *skip,
                                 unsigned char bit)
{
    size_t edges = 0;
    for (size_t i = 0; i < n; i++)
        if (use[i])
            edges += shapes[i].npts;
    size_t cap = 16;
    while (cap < 2 * edges)
        cap *= 2;
    /* Each slot also needs its edge's ring, to find the edge's end: kept
     * beside the table rather than searched for. */
    edge_ref_t *table = malloc(cap * sizeof *table);
    const im_ring_t **ring_of = malloc(cap * sizeof *ring_of);
    if (!table || !ring_of || n > UINT32_MAX) {
        free(table);
        free(ring_of);
        return false;
    }
    for (size_t j = 0; j < cap; j++)
        table[j].shape = UINT32_MAX;
    for (size_t i = 0; i < n; i++) {
        if (!use[i])
            continue;
        const im_shape_t *s = &shapes[i];
        for (size_t r = 0; r < s->nrings; r++) {
            const im_ring_t *ring = &s->rings[r];
            for (size_t k = ring->start; k < ring->start + ring->count; k++) {
                edge_ref_t e = {(uint32_t)i, (uint32_t)k};
                im_xy_t a, b;
                edge_ends(shapes, e, ring, &a, &b);
                if (a.x == b.x && a.y == b.y)
                    continue;
                /* Symmetric in the two ends, so that either direction
                 * lands in the same chain. */
                uint64_t h = point_bits(a) + point_bits(b);
                h ^= h >> 29;
                size_t j = (size_t)h & (cap - 1);
                bool repeat = false;
                while (table[j].shape != UINT32_MAX) {
                    im_xy_t c, d;
                    edge_ends(shapes, table[j], ring_of[j], &c, &d);
                    if (same_edge(a, b, c, d)) {
                        repeat = true;
                        break;
                    }
                    j = (j + 1) & (cap - 1);
                }
                if (repeat) {
                    skip[i][k] |= bit;
                } else {
                    table[j] = e;
                    ring_of[j] = ring;
                }
            }
        }
    }
    free(table);
    free(ring_of);
    return true;
}
