/*
 * png_write.c: the map's PNG encoder.  A map is one opaque image written
 * once, so the encoder is PNG at its simplest: 8-bit RGB, no interlace,
 * the "up" filter on every row, and one zlib stream at the fastest level,
 * cut into IDAT chunks.  Going through libpng cost as much again as the
 * compression itself (its row transforms and per-row filter selection),
 * and Cairo's own writer compresses at zlib's default level.
 *
 * The compression is most of the encoder's time and runs on two cores,
 * with libdeflate, which takes half the instructions of zlib at the same
 * level.  The top of the image is compressed on the calling thread, its
 * final flag cleared and an empty stored block appended, as a sync flush
 * would end it (see compress_head); the rest is compressed on a second
 * thread.  Neither refers back across the seam, so the two parts
 * concatenate into one valid stream.
 */
#include "png_write.h"
#include "deflate_walk.h"

#include <libdeflate.h>
#include <math.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

#define IDAT_MAX (1u << 16)

static void be32(unsigned char *p, uint32_t v)
{
    p[0] = (unsigned char)(v >> 24);
    p[1] = (unsigned char)(v >> 16);
    p[2] = (unsigned char)(v >> 8);
    p[3] = (unsigned char)v;
}

static int chunk(im_png_sink_fn sink, void *closure, const char *type,
                 const unsigned char *data, size_t n)
{
    unsigned char head[8], tail[4];
    be32(head, (uint32_t)n);
    memcpy(head + 4, type, 4);
    uint32_t crc = libdeflate_crc32(0, head + 4, 4);
    if (n)
        crc = libdeflate_crc32(crc, data, n);
    be32(tail, crc);
    int rc = sink(closure, head, 8);
    if (!rc && n)
        rc = sink(closure, data, n);
    return rc ? rc : sink(closure, tail, 4);
}

/* Cairo keeps a pixel as a native-endian 32-bit 0xAARRGGBB; a PNG row
 * is a filter byte and then R, G, B per pixel.  dst may be src itself
 * (the row packed in place) or lie before it: each pixel is loaded before
 * the one before it is stored, so nothing is overwritten before it is
 * read.  Each pixel is stored as four bytes of which the next pixel
 * overwrites the last; the byte after the row belongs to pixels already
 * read, or to a spare byte when dst is a buffer of its own. */
static void pack_row(const unsigned char *src, unsigned char *dst, int w)
{
    uint32_t next;
    memcpy(&next, src, 4);
    unsigned char *out = dst;
    out[0] = 2; /* "up" */
    out++;
    for (int x = 0; x < w; x++) {
        uint32_t c = next;
        if (x + 1 < w)
            memcpy(&next, src + 4 * ((size_t)x + 1), 4);
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
        uint32_t v = __builtin_bswap32(c) >> 8;
        memcpy(out + 3 * (size_t)x, &v, 4);
#else
        out[3 * x] = (unsigned char)(c >> 16);
        out[3 * x + 1] = (unsigned char)(c >> 8);
        out[3 * x + 2] = (unsigned char)c;
#endif
    }
}

/* The "up" filter: row minus the row above, byte by byte, sixteen bytes
 * at a time. */
typedef unsigned char bytes16_t __attribute__((vector_size(16)));

static void filter_up(unsigned char *row, const unsigned char *above, size_t n)
{
    size_t i = 0;
    for (; i + 16 <= n; i += 16) {
        bytes16_t a, b;
        memcpy(&a, row + i, 16);
        memcpy(&b, above + i, 16);
        a -= b;
        memcpy(row + i, &a, 16);
    }
    for (; i < n; i++)
        row[i] = (unsigned char)(row[i] - above[i]);
}

/* The share of rows packed and compressed on the calling thread while
 * the other thread packs and compresses the rest: a little under half,
 * since the calling thread also walks its part of the stream (a sixth of
 * the work of compressing it). */
#define SPLIT_SHARE 0.46
#define SPLIT_MIN_ROWS 64

/* Rows [first, h) of the image, packed in place at the start of their
 * own part of the image's memory (which the other thread never touches),
 * filtered, and compressed by libdeflate into the stream's final blocks. */
typedef struct {
    unsigned char *pixels;
    int w, first, h, stride;
    const unsigned char *above;  /* row first - 1, packed */
    unsigned char *out;
    size_t out_cap, out_len;
    uint32_t adler;
} tail_job_t;

static void filter_rows(unsigned char *rows, size_t rowlen, int n,
                        const unsigned char *above)
{
    /* Bottom up, so that the row above is still unfiltered. */
    for (int y = n - 1; y > 0; y--)
        filter_up(rows + (size_t)y * rowlen + 1,
                  rows + (size_t)(y - 1) * rowlen + 1, rowlen - 1);
    if (above && n > 0)
        filter_up(rows + 1, above + 1, rowlen - 1);
}

static void *compress_tail(void *arg)
{
    tail_job_t *j = arg;
    size_t rowlen = (size_t)j->w * 3 + 1;
    int n = j->h - j->first;
    unsigned char *rows = (unsigned char *)j->pixels +
                          (size_t)j->first * (size_t)j->stride;
    struct libdeflate_compressor *c = libdeflate_alloc_compressor(1);
    j->out_len = 0;
    if (c) {
        for (int y = 0; y < n; y++)
            pack_row(j->pixels + (size_t)(j->first + y) * (size_t)j->stride,
                     rows + (size_t)y * rowlen, j->w);
        filter_rows(rows, rowlen, n, j->above);
        j->adler = libdeflate_adler32(1, rows, rowlen * (size_t)n);
        j->out_len = libdeflate_deflate_compress(c, rows, rowlen * (size_t)n,
                                                 j->out, j->out_cap);
    }
    libdeflate_free_compressor(c);
    return NULL;
}

/* The head's raw deflate blocks, none final, ending byte-aligned, so
 * that the tail's blocks can follow.  libdeflate always marks its last
 * block final, so the head is compressed whole and then walked (see
 * deflate_walk.h) to the final block's header, whose first bit is
 * cleared, and to the stream's end, where an empty stored block goes, as
 * a sync flush would write it.  Returns the length, or 0. */
static size_t compress_head(struct libdeflate_compressor *c,
                            const unsigned char *in, size_t n,
                            unsigned char *out, size_t cap)
{
    if (cap < 5)
        return 0;
    size_t len = libdeflate_deflate_compress(c, in, n, out, cap - 5);
    size_t final_bit, end_bit;
    if (!len || !im_deflate_walk(out, len, &final_bit, &end_bit) ||
        end_bit + 8 <= 8 * len)
        return 0;
    out[final_bit >> 3] &= (unsigned char)~(1u << (final_bit & 7));
    /* The empty stored block: three zero bits after the end of the last
     * block (in the spare bits of its byte if there are three, else in a
     * byte of zeros), then its length and the length's complement on
     * the next byte boundary. */
    unsigned spare = (unsigned)(8 * len - end_bit);
    out[len - 1] &= (unsigned char)((1u << (8 - spare)) - 1);
    if (spare < 3)
        out[len++] = 0;
    static const unsigned char stored[4] = {0x00, 0x00, 0xff, 0xff};
    memcpy(out + len, stored, sizeof stored);
    return len + sizeof stored;
}

/* The image's zlib stream: rows [0, split) packed and filtered in the
 * image's own memory and compressed on this thread, the rest by
 * the tail job on another (or after, when no thread can be started);
 * with split 0, all rows in place by libdeflate.  Returns the stream's
 * length and sets *out (caller frees), or 0. */
static size_t encode_rows(unsigned char *pixels, int w, int h, int stride,
                          int split, unsigned char **out)
{
    *out = NULL;
    size_t rowlen = (size_t)w * 3 + 1;
    size_t head = rowlen * (size_t)split, tail_n = rowlen * (size_t)(h - split);
    struct libdeflate_compressor *c = libdeflate_alloc_compressor(1);
    if (!c)
        return 0;
    size_t tail_cap = libdeflate_deflate_compress_bound(c, tail_n);
    /* libdeflate's bound, plus the empty block that ends the head. */
    size_t head_cap = split ? libdeflate_deflate_compress_bound(c, head) + 5 : 0;
    unsigned char *z = malloc(2 + head_cap + tail_cap + 4);
    unsigned char *above = split ? malloc(rowlen + 1) : NULL;
    size_t head_len = 0, tail_len = 0;
    uint32_t adler = 0;
    if (z && split && above) {
        /* The tail's first row is filtered against this one, packed
         * before the head's packing in place overwrites it. */
        pack_row(pixels + (size_t)(split - 1) * (size_t)stride, above, w);
        tail_job_t job = {pixels, w, split, h, stride, above,
                          z + 2 + head_cap, tail_cap, 0, 0};
        pthread_t t;
        bool threaded = pthread_create(&t, NULL, compress_tail, &job) == 0;
        for (int y = 0; y < split; y++)
            pack_row(pixels + (size_t)y * (size_t)stride, pixels + (size_t)y * rowlen, w);
        filter_rows(pixels, rowlen, split, NULL);
        head_len = compress_head(c, pixels, head, z + 2, head_cap);
        if (threaded)
            pthread_join(t, NULL);
        else
            compress_tail(&job);
        tail_len = head_len ? job.out_len : 0;
        if (tail_len) {
            memmove(z + 2 + head_len, z + 2 + head_cap, tail_len);
            adler = (uint32_t)adler32_combine(
                libdeflate_adler32(1, pixels, head), job.adler, (z_off_t)tail_n);
        }
    } else if (z && !split) {
        for (int y = 0; y < h; y++)
            pack_row(pixels + (size_t)y * (size_t)stride, pixels + (size_t)y * rowlen, w);
        filter_rows(pixels, rowlen, h, NULL);
        tail_len = libdeflate_deflate_compress(c, pixels, tail_n, z + 2, tail_cap);
        adler = libdeflate_adler32(1, pixels, tail_n);
    }
    libdeflate_free_compressor(c);
    free(above);
    if (!tail_len) {
        free(z);
        return 0;
    }
    z[0] = 0x78; /* deflate, 32 KiB window */
    z[1] = 0x01; /* fastest; with z[0], a multiple of 31 */
    size_t len = 2 + head_len + tail_len;
    be32(z + len, adler);
    *out = z;
    return len + 4;
}

int im_png_write(unsigned char *pixels, int w, int h, int stride,
                 double dpi, im_png_sink_fn sink, void *closure)
{
    static const unsigned char sig[8] = {0x89, 'P', 'N', 'G', '\r', '\n', 0x1a,
                                         '\n'};
    int rc = sink(closure, sig, sizeof sig);
    unsigned char ihdr[13] = {0};
    be32(ihdr, (uint32_t)w);
    be32(ihdr + 4, (uint32_t)h);
    ihdr[8] = 8;  /* bits per channel */
    ihdr[9] = 2;  /* RGB */
    if (!rc)
        rc = chunk(sink, closure, "IHDR", ihdr, sizeof ihdr);
    unsigned char phys[9];
    uint32_t ppm = (uint32_t)lround(dpi / 0.0254);
    be32(phys, ppm);
    be32(phys + 4, ppm);
    phys[8] = 1;  /* per metre */
    if (!rc)
        rc = chunk(sink, closure, "pHYs", phys, sizeof phys);
    if (rc)
        return rc;

    unsigned char *z = NULL;
    size_t zlen = encode_rows(pixels, w, h, stride,
                              h >= SPLIT_MIN_ROWS ? (int)(h * SPLIT_SHARE) : 0,
                              &z);
    rc = zlen ? 0 : -1;
    for (size_t off = 0; !rc && off < zlen; off += IDAT_MAX)
        rc = chunk(sink, closure, "IDAT", z + off,
                   zlen - off < IDAT_MAX ? zlen - off : IDAT_MAX);
    free(z);
    return rc ? rc : chunk(sink, closure, "IEND", NULL, 0);
}
