/*
 * blend.c: see blend.h.
 */
#include "blend.h"

#include <math.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#ifdef __SSE2__
#include <emmintrin.h>
#endif

/* What every square of one pass over rows shares: corners and sizes as
 * (x, y) pairs. */
typedef struct {
    unsigned char *data;
    size_t stride;              /* in pixels */
    int width;
    double lo[2], hi[2];        /* the clip, its rows cut to the pass's */
    double half[2];             /* half a square's width and height */
    float scale;                /* the opacity, 0-256 */
} pass_t;

static pass_t pass_of(const im_blend_target_t *t, int row0, int row1)
{
    return (pass_t){t->data, (size_t)t->stride / 4, t->width,
                    {t->x0, fmax(t->y0, row0)}, {t->x1, fmin(t->y1, row1)},
                    {t->half_w, t->half_h}, (float)(t->alpha * 256)};
}

/* Where a square falls, and how much of its edge pixels it covers. */
typedef struct {
    uint32_t *first;            /* its top left pixel */
    int left, w, rows;          /* the first column, and how many */
    float fx0, fx1;             /* its left and right edges from that
                                 * column's left */
    float cy_first, cy_last;    /* the coverage of its first and last rows */
} square_t;

/* Square centred on xy cut to the pass's clip; false if nothing is left
 * (or xy is not a number: max and min give their second operand, NaN,
 * which fails every comparison).  The edges from the first pixel's corner
 * are exact (subtracting a whole number of pixels from a position), so
 * that every band computes the same coverage for a row: 1 exactly where
 * a band's edge cuts a row the square covers whole, the same as the rows
 * between. */
static inline bool place(const pass_t *ps, const im_xy_t *xy, square_t *sq)
{
#ifdef __SSE2__
    __m128d at = _mm_loadu_pd(&xy->x), half = _mm_loadu_pd(ps->half);
    __m128d lo = _mm_max_pd(_mm_loadu_pd(ps->lo), _mm_sub_pd(at, half));
    __m128d hi = _mm_min_pd(_mm_loadu_pd(ps->hi), _mm_add_pd(at, half));
    if (_mm_movemask_pd(_mm_cmplt_pd(lo, hi)) != 3)
        return false;
    /* Everything is inside the image, so truncation is floor, and the
     * ceiling one more where it cuts anything off. */
    __m128i first = _mm_cvttpd_epi32(lo);
    __m128d corner = _mm_cvtepi32_pd(first);
    lo = _mm_sub_pd(lo, corner);
    hi = _mm_sub_pd(hi, corner);
    __m128i n = _mm_cvttpd_epi32(hi);
    __m128i cut = _mm_castpd_si128(_mm_cmplt_pd(_mm_cvtepi32_pd(n), hi));
    n = _mm_sub_epi32(n, _mm_shuffle_epi32(cut, _MM_SHUFFLE(3, 3, 2, 0)));
    int top = _mm_cvtsi128_si32(_mm_srli_si128(first, 4));
    sq->left = _mm_cvtsi128_si32(first);
    sq->w = _mm_cvtsi128_si32(n);
    sq->rows = _mm_cvtsi128_si32(_mm_srli_si128(n, 4));
    double fx0 = _mm_cvtsd_f64(lo), fx1 = _mm_cvtsd_f64(hi);
    double fy0 = _mm_cvtsd_f64(_mm_unpackhi_pd(lo, lo));
    double fy1 = _mm_cvtsd_f64(_mm_unpackhi_pd(hi, hi));
#else
    double x0 = ps->lo[0] > xy->x - ps->half[0] ? ps->lo[0] : xy->x - ps->half[0];
    double x1 = ps->hi[0] < xy->x + ps->half[0] ? ps->hi[0] : xy->x + ps->half[0];
    double y0 = ps->lo[1] > xy->y - ps->half[1] ? ps->lo[1] : xy->y - ps->half[1];
    double y1 = ps->hi[1] < xy->y + ps->half[1] ? ps->hi[1] : xy->y + ps->half[1];
    if (!(x0 < x1) || !(y0 < y1))
        return false;
    int top = (int)y0;
    sq->left = (int)x0;
    double fx0 = x0 - sq->left, fx1 = x1 - sq->left, fy0 = y0 - top, fy1 = y1 - top;
    sq->w = (int)fx1 + ((int)fx1 < fx1);
    sq->rows = (int)fy1 + ((int)fy1 < fy1);
#endif
    sq->first = (uint32_t *)(void *)ps->data + (size_t)top * ps->stride + sq->left;
    sq->fx0 = (float)fx0;
    sq->fx1 = (float)fx1;
    sq->cy_first = (float)((fy1 < 1 ? fy1 : 1) - fy0);
    sq->cy_last = (float)(fy1 - (sq->rows - 1));
    return true;
}

/* d with a/256 of c over it, in 0-256 fixed point; the image is opaque,
 * so a pixel's premultiplied channels are its colour.  Red and blue
 * blend as two 16-bit lanes of one word: neither sum reaches 65536, so
 * the lanes never carry into each other. */
static inline uint32_t blend_px(uint32_t d, uint32_t c, uint32_t a)
{
    uint32_t na = 256 - a;
    uint32_t rb = (((c & 0x00ff00ffu) * a + (d & 0x00ff00ffu) * na) >> 8) & 0x00ff00ffu;
    uint32_t g = ((c >> 8 & 255) * a + (d >> 8 & 255) * na) >> 8;
    return (d & 0xff000000u) | rb | g << 8;
}

/* Up to n (at most 8) columns of the square from p, one pixel at a time,
 * with the alphas of its first, middle and last rows: where a whole
 * vector of pixels would run past the image's edge. */
static void blend_columns(const square_t *sq, const pass_t *ps, uint32_t *p,
                          int n, uint32_t c, const int32_t (*a)[8])
{
    for (int r = 0; r < sq->rows; r++, p += ps->stride) {
        const int32_t *ar = a[r == 0 ? 0 : r == sq->rows - 1 ? 2 : 1];
        for (int k = 0; k < n; k++)
            p[k] = blend_px(p[k], c, (uint32_t)ar[k]);
    }
}

#ifdef __SSE2__
/* Four pixels at p, each channel a 16-bit lane, two pixels to a
 * register: sa is the colour times each pixel's alpha, na 256 less the
 * alpha.  The colour's alpha channel is 255, so the pixels' stays 255
 * (255 a + 255 (256 - a) is 255 * 256), and a pixel whose alpha is 0
 * keeps its bytes: the same bytes as blend_px. */
static inline void blend4(uint32_t *p, __m128i sa01, __m128i sa23,
                          __m128i na01, __m128i na23)
{
    __m128i zero = _mm_setzero_si128();
    __m128i d = _mm_loadu_si128((const __m128i *)(const void *)p);
    __m128i lo = _mm_unpacklo_epi8(d, zero), hi = _mm_unpackhi_epi8(d, zero);
    lo = _mm_srli_epi16(_mm_add_epi16(_mm_mullo_epi16(lo, na01), sa01), 8);
    hi = _mm_srli_epi16(_mm_add_epi16(_mm_mullo_epi16(hi, na23), sa23), 8);
    _mm_storeu_si128((__m128i *)(void *)p, _mm_packus_epi16(lo, hi));
}

/* Each of four 32-bit alphas over the four lanes of its pixel. */
static inline void spread(__m128i a, __m128i *a01, __m128i *a23)
{
    a = _mm_packs_epi32(a, a);
    a = _mm_unpacklo_epi16(a, a);
    *a01 = _mm_unpacklo_epi32(a, a);
    *a23 = _mm_unpackhi_epi32(a, a);
}

/* Blends four pixels at p with alphas a (32-bit lanes). */
static inline void blend4_alpha(uint32_t *p, __m128i a, __m128i src)
{
    __m128i a01, a23, full = _mm_set1_epi16(256);
    spread(a, &a01, &a23);
    blend4(p, _mm_mullo_epi16(src, a01), _mm_mullo_epi16(src, a23),
           _mm_sub_epi16(full, a01), _mm_sub_epi16(full, a23));
}

/* Square sq in colour c, four columns at a time.  Coverage is computed
 * once per square: per column across the square, in floats from its
 * first column (exact to a few parts in ten million, where a level of
 * the result is one part in 256), and per row only for the first and
 * last, every row between them being covered whole.  Columns past the
 * square get no coverage and keep their bytes. */
static inline void blend_square(const pass_t *ps, const square_t *sq, uint32_t c)
{
    __m128i src = _mm_unpacklo_epi8(_mm_set1_epi32((int)(c | 0xff000000u)),
                                    _mm_setzero_si128());
    __m128 scale = _mm_set1_ps(ps->scale), half = _mm_set1_ps(0.5f);
    __m128 fx0 = _mm_set1_ps(sq->fx0), fx1 = _mm_set1_ps(sq->fx1);
    int rows = sq->rows;
    for (int cx = 0; cx < sq->w; cx += 4) {
        __m128 j = _mm_add_ps(_mm_set1_ps((float)cx), _mm_setr_ps(0, 1, 2, 3));
        __m128 cov = _mm_sub_ps(_mm_min_ps(fx1, _mm_add_ps(j, _mm_set1_ps(1))),
                                _mm_max_ps(fx0, j));
        cov = _mm_mul_ps(_mm_max_ps(cov, _mm_setzero_ps()), scale);
        __m128i a_first = _mm_cvttps_epi32(
            _mm_add_ps(_mm_mul_ps(cov, _mm_set1_ps(sq->cy_first)), half));
        __m128i a_last = _mm_cvttps_epi32(
            _mm_add_ps(_mm_mul_ps(cov, _mm_set1_ps(sq->cy_last)), half));
        __m128i a_mid = _mm_cvttps_epi32(_mm_add_ps(cov, half));
        uint32_t *p = sq->first + cx;
        if (sq->left + cx + 4 > ps->width) {
            int32_t a[3][8];
            _mm_storeu_si128((__m128i *)(void *)a[0], a_first);
            _mm_storeu_si128((__m128i *)(void *)a[1], a_mid);
            _mm_storeu_si128((__m128i *)(void *)a[2], a_last);
            blend_columns(sq, ps, p, sq->w - cx < 4 ? sq->w - cx : 4, c, a);
            break;
        }
        blend4_alpha(p, a_first, src);
        if (rows == 1)
            continue;
        p += ps->stride;
        if (rows > 2) {
            __m128i a01, a23, full = _mm_set1_epi16(256);
            spread(a_mid, &a01, &a23);
            __m128i sa01 = _mm_mullo_epi16(src, a01), sa23 = _mm_mullo_epi16(src, a23);
            __m128i na01 = _mm_sub_epi16(full, a01), na23 = _mm_sub_epi16(full, a23);
            for (int r = 1; r < rows - 1; r++, p += ps->stride)
                blend4(p, sa01, sa23, na01, na23);
        }
        blend4_alpha(p, a_last, src);
    }
}
#else
static inline void blend_square(const pass_t *ps, const square_t *sq, uint32_t c)
{
    for (int cx = 0; cx < sq->w; cx += 8) {
        int32_t a[3][8];
        for (int k = 0; k < 8; k++) {
            float j = (float)(cx + k);
            float lo = sq->fx0 > j ? sq->fx0 : j, hi = sq->fx1 < j + 1 ? sq->fx1 : j + 1;
            float cov = (hi - lo > 0 ? hi - lo : 0) * ps->scale;
            a[0][k] = (int32_t)(cov * sq->cy_first + 0.5f);
            a[1][k] = (int32_t)(cov + 0.5f);
            a[2][k] = (int32_t)(cov * sq->cy_last + 0.5f);
        }
        blend_columns(sq, ps, sq->first + cx, sq->w - cx < 8 ? sq->w - cx : 8, c, a);
    }
}
#endif

/* The squares xy[index[j]] (or xy[j] without an index), j < n, in their
 * colours. */
static void blend_all(const pass_t *ps, const im_xy_t *xy, const uint8_t *colour,
                      const uint32_t *rgb, const uint16_t *index, size_t n)
{
    for (size_t j = 0; j < n; j++) {
        size_t i = index ? index[j] : j;
        square_t sq;
        if (place(ps, &xy[i], &sq))
            blend_square(ps, &sq, rgb[colour[i]]);
    }
}

#if defined(__x86_64__) && defined(__GNUC__)
#define BLEND_AVX2 1
#include <immintrin.h>

/* The same with AVX2, where the processor has it: eight columns at a
 * time, four pixels to a register, so that a square of five columns
 * (one in four at 1920 x 1080) takes one pass over its rows instead of
 * two.  The same arithmetic, to the same bytes. */
#define AVX2 __attribute__((target("avx2")))

/* Four pixels at p, as blend4. */
AVX2 static inline void blend4_avx2(uint32_t *p, __m256i sa, __m256i na)
{
    __m256i d = _mm256_cvtepu8_epi16(_mm_loadu_si128((const __m128i *)(const void *)p));
    d = _mm256_srli_epi16(_mm256_add_epi16(_mm256_mullo_epi16(d, na), sa), 8);
    _mm_storeu_si128((__m128i *)(void *)p,
                     _mm_packus_epi16(_mm256_castsi256_si128(d),
                                      _mm256_extracti128_si256(d, 1)));
}

/* Eight pixels at p. */
AVX2 static inline void blend8_avx2(uint32_t *p, __m256i sa0, __m256i na0,
                                    __m256i sa1, __m256i na1)
{
    __m256i d0 = _mm256_cvtepu8_epi16(_mm_loadu_si128((const __m128i *)(const void *)p));
    __m256i d1 = _mm256_cvtepu8_epi16(_mm_loadu_si128((const __m128i *)(const void *)(p + 4)));
    d0 = _mm256_srli_epi16(_mm256_add_epi16(_mm256_mullo_epi16(d0, na0), sa0), 8);
    d1 = _mm256_srli_epi16(_mm256_add_epi16(_mm256_mullo_epi16(d1, na1), sa1), 8);
    /* Packing works within halves: pixels 0-1, 4-5, 2-3, 6-7. */
    _mm256_storeu_si256((__m256i *)(void *)p,
                        _mm256_permute4x64_epi64(_mm256_packus_epi16(d0, d1),
                                                 _MM_SHUFFLE(3, 1, 2, 0)));
}

/* Alphas of pixels 0-3 (half 0) or 4-7 (half 1) of a, each over the
 * four lanes of its pixel: na 256 less them, sa the colour times them. */
AVX2 static inline void spread_avx2(__m256i a, int half, __m256i src,
                                    __m256i *sa, __m256i *na)
{
    const __m256i pick = _mm256_setr_epi8(0, 1, 0, 1, 0, 1, 0, 1, 4, 5, 4, 5, 4, 5, 4, 5,
                                          0, 1, 0, 1, 0, 1, 0, 1, 4, 5, 4, 5, 4, 5, 4, 5);
    a = half ? _mm256_permute4x64_epi64(a, _MM_SHUFFLE(3, 3, 2, 2))
             : _mm256_permute4x64_epi64(a, _MM_SHUFFLE(1, 1, 0, 0));
    a = _mm256_shuffle_epi8(a, pick);
    *sa = _mm256_mullo_epi16(src, a);
    *na = _mm256_sub_epi16(_mm256_set1_epi16(256), a);
}

AVX2 static inline void blend_square_avx2(const pass_t *ps, const square_t *sq,
                                          uint32_t c)
{
    __m256i src = _mm256_cvtepu8_epi16(_mm_set1_epi32((int)(c | 0xff000000u)));
    __m256 scale = _mm256_set1_ps(ps->scale), half = _mm256_set1_ps(0.5f);
    __m256 fx0 = _mm256_set1_ps(sq->fx0), fx1 = _mm256_set1_ps(sq->fx1);
    int rows = sq->rows;
    for (int cx = 0; cx < sq->w; cx += 8) {
        __m256 j = _mm256_add_ps(_mm256_set1_ps((float)cx),
                                 _mm256_setr_ps(0, 1, 2, 3, 4, 5, 6, 7));
        __m256 cov = _mm256_sub_ps(_mm256_min_ps(fx1, _mm256_add_ps(j, _mm256_set1_ps(1))),
                                   _mm256_max_ps(fx0, j));
        cov = _mm256_mul_ps(_mm256_max_ps(cov, _mm256_setzero_ps()), scale);
        __m256i a_first = _mm256_cvttps_epi32(
            _mm256_add_ps(_mm256_mul_ps(cov, _mm256_set1_ps(sq->cy_first)), half));
        __m256i a_last = _mm256_cvttps_epi32(
            _mm256_add_ps(_mm256_mul_ps(cov, _mm256_set1_ps(sq->cy_last)), half));
        __m256i a_mid = _mm256_cvttps_epi32(_mm256_add_ps(cov, half));
        uint32_t *p = sq->first + cx;
        int n = sq->w - cx < 8 ? sq->w - cx : 8, wide = n > 4;
        if (sq->left + cx + (wide ? 8 : 4) > ps->width) {
            int32_t a[3][8];
            _mm256_storeu_si256((__m256i *)(void *)a[0], a_first);
            _mm256_storeu_si256((__m256i *)(void *)a[1], a_mid);
            _mm256_storeu_si256((__m256i *)(void *)a[2], a_last);
            blend_columns(sq, ps, p, n, c, a);
            break;
        }
        __m256i sa0, na0, sa1, na1;
        if (!wide) {
            spread_avx2(a_first, 0, src, &sa0, &na0);
            blend4_avx2(p, sa0, na0);
            if (rows == 1)
                continue;
            p += ps->stride;
            if (rows > 2) {
                spread_avx2(a_mid, 0, src, &sa0, &na0);
                for (int r = 1; r < rows - 1; r++, p += ps->stride)
                    blend4_avx2(p, sa0, na0);
            }
            spread_avx2(a_last, 0, src, &sa0, &na0);
            blend4_avx2(p, sa0, na0);
            continue;
        }
        spread_avx2(a_first, 0, src, &sa0, &na0);
        spread_avx2(a_first, 1, src, &sa1, &na1);
        blend8_avx2(p, sa0, na0, sa1, na1);
        if (rows == 1)
            continue;
        p += ps->stride;
        if (rows > 2) {
            spread_avx2(a_mid, 0, src, &sa0, &na0);
            spread_avx2(a_mid, 1, src, &sa1, &na1);
            for (int r = 1; r < rows - 1; r++, p += ps->stride)
                blend8_avx2(p, sa0, na0, sa1, na1);
        }
        spread_avx2(a_last, 0, src, &sa0, &na0);
        spread_avx2(a_last, 1, src, &sa1, &na1);
        blend8_avx2(p, sa0, na0, sa1, na1);
    }
}

AVX2 static void blend_all_avx2(const pass_t *ps, const im_xy_t *xy,
                                const uint8_t *colour, const uint32_t *rgb,
                                const uint16_t *index, size_t n)
{
    for (size_t j = 0; j < n; j++) {
        size_t i = index ? index[j] : j;
        square_t sq;
        if (place(ps, &xy[i], &sq))
            blend_square_avx2(ps, &sq, rgb[colour[i]]);
    }
}
#endif

static bool has_avx2(void)
{
#ifdef BLEND_AVX2
    __builtin_cpu_init();
    return __builtin_cpu_supports("avx2");
#else
    return false;
#endif
}

/* Whether to blend with AVX2: -1 until first asked, by whichever thread
 * blends first; then whether the processor has it, unless turned off. */
static atomic_int avx2_state = -1;

static bool use_avx2(void)
{
    int on = atomic_load_explicit(&avx2_state, memory_order_relaxed);
    if (on < 0) {
        on = has_avx2();
        atomic_store_explicit(&avx2_state, on, memory_order_relaxed);
    }
    return on;
}

bool im_blend_avx2(bool on)
{
    bool was = use_avx2();
    atomic_store(&avx2_state, on && has_avx2());
    return was;
}

static void blend(const pass_t *ps, const im_xy_t *xy, const uint8_t *colour,
                  const uint32_t *rgb, const uint16_t *index, size_t n)
{
#ifdef BLEND_AVX2
    if (use_avx2()) {
        blend_all_avx2(ps, xy, colour, rgb, index, n);
        return;
    }
#endif
    blend_all(ps, xy, colour, rgb, index, n);
}

void im_blend_squares(const im_blend_target_t *t, const im_xy_t *xy,
                      const uint8_t *colour, const uint32_t *rgb, size_t n,
                      int row0, int row1)
{
    pass_t ps = pass_of(t, row0, row1);
    blend(&ps, xy, colour, rgb, NULL, n);
}

/* First and last band a square centred on xy reaches in the clip of ps
 * (the whole image's rows), as k0 | k1 << 16, or NONE if it reaches no
 * pixel of the clip.  Generous by a band at most: a square in a band it
 * does not reach is skipped there. */
#define NONE UINT32_MAX

static inline uint32_t bands_of(const pass_t *ps, int band_rows, int nbands,
                                const im_xy_t *xy)
{
#ifdef __SSE2__
    /* As in place: a NaN position gives NaN edges, which fail the test. */
    __m128d at = _mm_loadu_pd(&xy->x), half = _mm_loadu_pd(ps->half);
    __m128d lo = _mm_max_pd(_mm_loadu_pd(ps->lo), _mm_sub_pd(at, half));
    __m128d hi = _mm_min_pd(_mm_loadu_pd(ps->hi), _mm_add_pd(at, half));
    if (_mm_movemask_pd(_mm_cmplt_pd(lo, hi)) != 3)
        return NONE;
    __m128i k = _mm_cvttpd_epi32(_mm_div_pd(_mm_unpackhi_pd(lo, hi),
                                            _mm_set1_pd(band_rows)));
    int k0 = _mm_cvtsi128_si32(k), k1 = _mm_cvtsi128_si32(_mm_srli_si128(k, 4));
#else
    double top = xy->y - ps->half[1], bottom = xy->y + ps->half[1];
    if (top < ps->lo[1])
        top = ps->lo[1];
    if (bottom > ps->hi[1])
        bottom = ps->hi[1];
    if (!(top < bottom) || !(xy->x - ps->half[0] < ps->hi[0]) ||
        !(xy->x + ps->half[0] > ps->lo[0]))
        return NONE;
    int k0 = (int)(top / band_rows), k1 = (int)(bottom / band_rows);
#endif
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
    pass_t ps = pass_of(t, 0, t->height);
    /* Most squares reach one band: the first is counted, then any more. */
    for (size_t i = 0; i < n; i++) {
        uint32_t s = span[i] = bands_of(&ps, band_rows, nbands, &xy[i]);
        if (s == NONE)
            continue;
        start[(s & 0xffff) + 1]++;
        for (uint32_t k = (s & 0xffff) + 1; k <= s >> 16; k++)
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
        b->index[start[s & 0xffff]++] = (uint16_t)i;
        for (uint32_t k = (s & 0xffff) + 1; k <= s >> 16; k++)
            b->index[start[k]++] = (uint16_t)i;
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
    pass_t ps = pass_of(t, row0, row1);
    blend(&ps, xy, colour, rgb, b->index + b->start[k],
          b->start[k + 1] - b->start[k]);
}

void im_blend_bands_free(im_blend_bands_t *b)
{
    free(b->start);
    free(b->index);
    free(b->span);
    *b = (im_blend_bands_t){0};
}
