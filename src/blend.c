/*
 * blend.c: see blend.h.
 */
#include "blend.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>
#ifdef __SSE2__
#include <emmintrin.h>
#endif

/* Coverage of the pixel span [i, i + 1) by the interval [lo, hi). */
static double span_cover(int i, double lo, double hi)
{
    double a = lo > i ? lo : i, b = hi < i + 1.0 ? hi : i + 1.0;
    return b > a ? b - a : 0;
}

/* Square i into rows [cy0, cy1) of the clip. */
static inline void blend_one(const im_blend_target_t *t, double x, double y,
                             uint32_t c, double cy0, double cy1)
{
    double cx0 = t->x0, cx1 = t->x1;
    double hx = t->half_w, hy = t->half_h, scale = t->alpha * 256;
    double y0 = y - hy > cy0 ? y - hy : cy0, y1 = y + hy < cy1 ? y + hy : cy1;
    if (!(y0 < y1))
        return;
    double x0 = x - hx > cx0 ? x - hx : cx0, x1 = x + hx < cx1 ? x + hx : cx1;
    if (!(x0 < x1))
        return;
    /* Red and blue blend as two 16-bit lanes of one word: neither
     * sum reaches 65536, so the lanes never carry into each other. */
    uint32_t s_rb = (c >> 16 & 255) << 16 | (c & 255), s_g = c >> 8 & 255;
    /* Everything is inside the image, so truncation is floor, and the
     * ceiling one more where it cuts anything off. */
    int px0 = (int)x0, px1 = (int)x1, py0 = (int)y0, py1 = (int)y1;
    px1 += px1 < x1;
    py1 += py1 < y1;
    double cover_x[16];
    if (px1 - px0 > 16)
        px1 = px0 + 16;
    /* Only the first and last pixels are partly covered: between them
     * span_cover is 1 exactly. */
    for (int px = px0; px < px1; px++)
        cover_x[px - px0] = scale;
    cover_x[0] = span_cover(px0, x0, x1) * scale;
    cover_x[px1 - 1 - px0] = span_cover(px1 - 1, x0, x1) * scale;
#ifdef __SSE2__
    /* Two pixels at a time, each channel a 16-bit lane: the same
     * arithmetic as the word-wide blend below, to the same bytes. */
    __m128i zero = _mm_setzero_si128(), full = _mm_set1_epi16(256);
    __m128i src = _mm_unpacklo_epi8(_mm_set_epi32(0, 0, (int)c, (int)c), zero);
    __m128i keep = _mm_set1_epi32((int)0xff000000u);
#endif
    for (int py = py0; py < py1; py++) {
        double cy = py == py0 || py == py1 - 1 ? span_cover(py, y0, y1) : 1.0;
        uint32_t *row = (uint32_t *)(void *)(t->data + (size_t)py * (size_t)t->stride);
        int px = px0;
#ifdef __SSE2__
        __m128d vcy = _mm_set1_pd(cy), half = _mm_set1_pd(0.5);
        for (; px + 1 < px1; px += 2) {
            __m128d cov = _mm_loadu_pd(&cover_x[px - px0]);
            __m128i a = _mm_cvttpd_epi32(_mm_add_pd(_mm_mul_pd(vcy, cov), half));
            a = _mm_packs_epi32(a, a);          /* a0 a1 as 16 bits */
            a = _mm_unpacklo_epi16(a, a);       /* a0 a0 a1 a1 */
            a = _mm_unpacklo_epi32(a, a);       /* a0 x4, a1 x4 */
            __m128i dw = _mm_loadl_epi64((const __m128i *)(const void *)(row + px));
            __m128i d = _mm_unpacklo_epi8(dw, zero);
            __m128i sum = _mm_add_epi16(_mm_mullo_epi16(src, a),
                                        _mm_mullo_epi16(d, _mm_sub_epi16(full, a)));
            __m128i out = _mm_packus_epi16(_mm_srli_epi16(sum, 8), zero);
            out = _mm_or_si128(_mm_andnot_si128(keep, out), _mm_and_si128(keep, dw));
            _mm_storel_epi64((__m128i *)(void *)(row + px), out);
        }
#endif
        for (; px < px1; px++) {
            /* 0-256 fixed point; the image is opaque, so a pixel's
             * premultiplied channels are its colour. */
            uint32_t a = (uint32_t)(cy * cover_x[px - px0] + 0.5);
            uint32_t d = row[px], na = 256 - a;
            uint32_t rb = ((s_rb * a + (d & 0x00ff00ffu) * na) >> 8) & 0x00ff00ffu;
            uint32_t g = (s_g * a + ((d >> 8) & 255) * na) >> 8;
            row[px] = (d & 0xff000000u) | rb | g << 8;
        }
    }
}

void im_blend_squares(const im_blend_target_t *t, const im_xy_t *xy,
                      const uint8_t *colour, const uint32_t *rgb, size_t n,
                      int row0, int row1)
{
    double cy0 = fmax(t->y0, row0), cy1 = fmin(t->y1, row1);
    for (size_t i = 0; i < n; i++)
        blend_one(t, xy[i].x, xy[i].y, rgb[colour[i]], cy0, cy1);
}

/* First and last band a square centred at (x, y) reaches, as
 * k0 | k1 << 16, or NONE if it reaches no pixel of the clip.  Generous
 * by a band at most: a square in a band it does not reach is skipped
 * there. */
#define NONE UINT32_MAX

static uint32_t bands_of(const im_blend_target_t *t, int band_rows,
                         int nbands, double x, double y)
{
    double top = y - t->half_h, bottom = y + t->half_h;
    if (top < t->y0)
        top = t->y0;
    if (bottom > t->y1)
        bottom = t->y1;
    if (!(top < bottom) || !(x - t->half_w < t->x1) || !(x + t->half_w > t->x0))
        return NONE;
    int k0 = (int)(top / band_rows), k1 = (int)(bottom / band_rows);
    if (k1 >= nbands)
        k1 = nbands - 1;
    return k0 <= k1 ? (uint32_t)k0 | (uint32_t)k1 << 16 : NONE;
}

int im_blend_sort(im_blend_bands_t *b, const im_blend_target_t *t,
                  const im_xy_t *xy, size_t n, int band_rows)
{
    int nbands = (t->height + band_rows - 1) / band_rows;
    if (nbands < 1)
        nbands = 1;
    if (nbands > 65535 || n > 65536)
        return -1;
    if ((size_t)nbands + 1 > b->start_cap) {
        size_t *s = realloc(b->start, ((size_t)nbands + 1) * sizeof *s);
        if (!s)
            return -1;
        b->start = s;
        b->start_cap = (size_t)nbands + 1;
    }
    if (n > b->span_cap) {
        uint32_t *s = realloc(b->span, n * sizeof *s);
        if (!s)
            return -1;
        b->span = s;
        b->span_cap = n;
    }
    b->band_rows = band_rows;
    b->nbands = nbands;
    /* Counted, then placed: a counting sort keeps each band's squares in
     * their order, which is the order they are blended in. */
    size_t *start = b->start;
    uint32_t *span = b->span;
    for (int k = 0; k <= nbands; k++)
        start[k] = 0;
    for (size_t i = 0; i < n; i++) {
        uint32_t s = span[i] = bands_of(t, band_rows, nbands, xy[i].x, xy[i].y);
        if (s == NONE)
            continue;
        for (uint32_t k = s & 0xffff; k <= s >> 16; k++)
            start[k + 1]++;
    }
    for (int k = 0; k < nbands; k++)
        start[k + 1] += start[k];
    size_t total = start[nbands];
    if (total > b->cap) {
        uint16_t *p = realloc(b->index, total * sizeof *p);
        if (!p)
            return -1;
        b->index = p;
        b->cap = total;
    }
    for (size_t i = 0; i < n; i++) {
        uint32_t s = span[i];
        if (s == NONE)
            continue;
        for (uint32_t k = s & 0xffff; k <= s >> 16; k++) {
            b->index[start[k]++] = (uint16_t)i;
        }
    }
    /* Each start has moved to the next band's; put them back. */
    for (int k = nbands; k > 0; k--)
        start[k] = start[k - 1];
    start[0] = 0;
    return 0;
}

void im_blend_band(const im_blend_target_t *t, const im_blend_bands_t *b,
                   const im_xy_t *xy, const uint8_t *colour,
                   const uint32_t *rgb, int k)
{
    int row0 = k * b->band_rows, row1 = row0 + b->band_rows;
    if (row1 > t->height)
        row1 = t->height;
    double cy0 = fmax(t->y0, row0), cy1 = fmin(t->y1, row1);
    for (size_t j = b->start[k]; j < b->start[k + 1]; j++) {
        size_t i = b->index[j];
        blend_one(t, xy[i].x, xy[i].y, rgb[colour[i]], cy0, cy1);
    }
}

void im_blend_bands_free(im_blend_bands_t *b)
{
    free(b->start);
    free(b->index);
    free(b->span);
    *b = (im_blend_bands_t){0};
}
