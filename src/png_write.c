/*
 * png_write.c: the map's PNG encoder.  A map is one opaque image written
 * once, so the encoder is PNG at its simplest: 8-bit RGB, no interlace,
 * the "up" filter on every row and zlib at level 1, streamed as IDAT
 * chunks.  Going through libpng cost as much again as the compression
 * itself (its row transforms and per-row filter selection), and Cairo's
 * own writer compresses at zlib's default level: together they took a
 * third of a whole render.  Level 1 with "up" gives files within a few
 * percent of level 6 on flat-coloured maps.
 */
#include "png_write.h"

#include <math.h>
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

    size_t rowlen = (size_t)w * 3 + 1;
    unsigned char *row = malloc(rowlen + 1), *out = malloc(IDAT_MAX);
    z_stream z;
    memset(&z, 0, sizeof z);
    if (!row || !out || deflateInit(&z, 1) != Z_OK) {
        free(row);
        free(out);
        return -1;
    }
    z.next_out = out;
    z.avail_out = IDAT_MAX;
    for (int y = 0; !rc && y <= h; y++) {
        int flush = y == h ? Z_FINISH : Z_NO_FLUSH;
        if (y < h) {
            const unsigned char *cur = pixels + (size_t)y * (size_t)stride;
            filter_up(cur, y ? cur - stride : NULL, w, row);
            z.next_in = row;
            z.avail_in = (uInt)rowlen;
        }
        int zr;
        do {
            zr = deflate(&z, flush);
            if (z.avail_out == 0 || (zr == Z_STREAM_END && z.avail_out < IDAT_MAX)) {
                rc = chunk(sink, closure, "IDAT", out, IDAT_MAX - z.avail_out);
                z.next_out = out;
                z.avail_out = IDAT_MAX;
            }
        } while (!rc && (z.avail_in > 0 || (flush == Z_FINISH && zr != Z_STREAM_END)));
    }
    deflateEnd(&z);
    free(row);
    free(out);
    return rc ? rc : chunk(sink, closure, "IEND", NULL, 0);
}
