/*
 * png_write.c: the map's PNG encoder.  A map is one opaque image written
 * once, so the encoder is PNG at its simplest: 8-bit RGB, no interlace,
 * the "up" filter on every row and zlib at level 1, streamed as IDAT
 * chunks.  Going through libpng cost as much again as the compression
 * itself (its row transforms and per-row filter selection), and Cairo's
 * own writer compresses at zlib's default level: together they took a
 * third of a whole render.  Level 1 with "up" gives files within a few
 * percent of level 6 on flat-coloured maps.
 *
 * The two halves of the image are compressed on two threads, as pigz
 * does: the first half's raw deflate stream ends on a byte boundary
 * without a final block, the second half's stream follows it, and their
 * Adler-32 checksums are combined.  The bytes do not depend on timing.
 */
#include "png_write.h"

#include <math.h>
#include <stdlib.h>
#include <stdbool.h>
#include <string.h>
#include <threads.h>
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
    uLong crc = crc32(0, head + 4, 4);
    if (n)
        crc = crc32(crc, data, (uInt)n);
    be32(tail, (uint32_t)crc);
    int rc = sink(closure, head, 8);
    if (!rc && n)
        rc = sink(closure, data, n);
    return rc ? rc : sink(closure, tail, 4);
}

/* Cairo keeps a pixel as a native-endian 32-bit 0xAARRGGBB.  The four
 * bytes are subtracted at once, without borrows across them, and each
 * pixel is stored as four bytes of which the next pixel overwrites the
 * last (out has one byte to spare). */
static void filter_up(const unsigned char *cur, const unsigned char *prev,
                      int w, unsigned char *out)
{
    static const uint32_t zero_row[1] = {0};
    const uint32_t *c = (const uint32_t *)(const void *)cur;
    const uint32_t *p = prev ? (const uint32_t *)(const void *)prev : zero_row;
    size_t step = prev ? 1 : 0;
    out[0] = 2; /* "up" */
    out++;
    for (int x = 0; x < w; x++) {
        uint32_t a = c[x], b = p[(size_t)x * step];
        uint32_t d = ((a | 0x80808080u) - (b & 0x7f7f7f7fu)) ^
                     ((a ^ ~b) & 0x80808080u);
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
        /* 0xAARRGGBB to the bytes R, G, B, 0. */
        uint32_t v = __builtin_bswap32(d) >> 8;
        memcpy(out + 3 * x, &v, 4);
#else
        out[3 * x] = (unsigned char)(d >> 16);
        out[3 * x + 1] = (unsigned char)(d >> 8);
        out[3 * x + 2] = (unsigned char)d;
#endif
    }
}

/* One horizontal band of the image as raw deflate data. */
typedef struct {
    const unsigned char *pixels;
    int w, y0, y1, stride;
    bool last;                /* ends the stream */
    unsigned char *out;
    size_t len, cap;
    uLong adler;
    size_t in_len;
    int rc;                   /* 0, or -1: out of memory */
} band_t;

static int band_grow(band_t *b)
{
    size_t cap = b->cap ? b->cap * 2 : 1 << 16;
    unsigned char *o = realloc(b->out, cap);
    if (!o)
        return -1;
    b->out = o;
    b->cap = cap;
    return 0;
}

static int compress_band(void *arg)
{
    band_t *b = arg;
    size_t rowlen = (size_t)b->w * 3 + 1;
    unsigned char *row = malloc(rowlen + 1);
    z_stream z;
    memset(&z, 0, sizeof z);
    b->adler = adler32(0, NULL, 0);
    if (!row || deflateInit2(&z, 1, Z_DEFLATED, -15, 8, Z_DEFAULT_STRATEGY) != Z_OK ||
        band_grow(b)) {
        free(row);
        b->rc = -1;
        return 0;
    }
    for (int y = b->y0; !b->rc && y <= b->y1; y++) {
        int flush = y < b->y1 ? Z_NO_FLUSH : b->last ? Z_FINISH : Z_SYNC_FLUSH;
        z.avail_in = 0;
        if (y < b->y1) {
            const unsigned char *cur = b->pixels + (size_t)y * (size_t)b->stride;
            filter_up(cur, y ? cur - b->stride : NULL, b->w, row);
            b->adler = adler32(b->adler, row, (uInt)rowlen);
            b->in_len += rowlen;
            z.next_in = row;
            z.avail_in = (uInt)rowlen;
        }
        for (;;) {
            if (b->len == b->cap && band_grow(b)) {
                b->rc = -1;
                break;
            }
            z.next_out = b->out + b->len;
            z.avail_out = (uInt)(b->cap - b->len);
            int zr = deflate(&z, flush);
            b->len = b->cap - z.avail_out;
            if (flush == Z_FINISH ? zr == Z_STREAM_END
                                  : z.avail_in == 0 && z.avail_out > 0)
                break;
        }
    }
    deflateEnd(&z);
    free(row);
    return 0;
}

int im_png_write(const unsigned char *pixels, int w, int h, int stride,
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

    int mid = h / 2;
    band_t band[2] = {
        {pixels, w, 0, mid, stride, false, NULL, 0, 0, 0, 0, 0},
        {pixels, w, mid, h, stride, true, NULL, 0, 0, 0, 0, 0},
    };
    thrd_t t;
    bool threaded = thrd_create(&t, compress_band, &band[0]) == thrd_success;
    if (!threaded)
        compress_band(&band[0]);
    compress_band(&band[1]);
    if (threaded)
        thrd_join(t, NULL);
    rc = band[0].rc || band[1].rc ? -1 : 0;

    /* The zlib stream: header (deflate, 32K window, fastest), the two
     * bands, the Adler-32 of all the filtered rows. */
    static const unsigned char zhead[2] = {0x78, 0x01};
    unsigned char ztail[4];
    be32(ztail, (uint32_t)adler32_combine(band[0].adler, band[1].adler,
                                          (z_off_t)band[1].in_len));
    const unsigned char *part[4] = {zhead, band[0].out, band[1].out, ztail};
    size_t part_len[4] = {2, band[0].len, band[1].len, 4};
    unsigned char *buf = rc ? NULL : malloc(IDAT_MAX);
    if (!rc && !buf)
        rc = -1;
    size_t fill = 0;
    for (int k = 0; !rc && k < 4; k++) {
        size_t off = 0;
        while (!rc && off < part_len[k]) {
            size_t n = part_len[k] - off;
            if (n > IDAT_MAX - fill)
                n = IDAT_MAX - fill;
            memcpy(buf + fill, part[k] + off, n);
            fill += n;
            off += n;
            if (fill == IDAT_MAX) {
                rc = chunk(sink, closure, "IDAT", buf, fill);
                fill = 0;
            }
        }
    }
    if (!rc && fill)
        rc = chunk(sink, closure, "IDAT", buf, fill);
    free(buf);
    free(band[0].out);
    free(band[1].out);
    return rc ? rc : chunk(sink, closure, "IEND", NULL, 0);
}
