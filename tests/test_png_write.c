/*
 * test_png_write.c: the PNG encoder's stream, stitched from a head that
 * libdeflate marked final and a tail compressed on another thread,
 * inflates to the image's rows; and the deflate walker that finds the
 * stitch finds what zlib's inflate finds, in streams of every block type,
 * and rejects damaged ones without reading past their end.
 */
#include "deflate_walk.h"
#include "png_write.h"
#include "testlib.h"

#include <libdeflate.h>
#include <stdint.h>
#include <zlib.h>

/* zlib's answer for the same question: inflate stops at each block
 * boundary and says how many bits of the last byte it left unread. */
static bool zlib_walk(const unsigned char *in, size_t n, size_t *final_bit,
                      size_t *end_bit)
{
    z_stream zs;
    memset(&zs, 0, sizeof zs);
    if (inflateInit2(&zs, -15) != Z_OK)
        return false;
    static unsigned char junk[1 << 16];
    zs.next_in = (unsigned char *)in;
    zs.avail_in = (uInt)n;
    size_t hdr = 0;
    bool done = false;
    int rc = Z_OK;
    while (rc == Z_OK && !done) {
        zs.next_out = junk;
        zs.avail_out = sizeof junk;
        rc = inflate(&zs, Z_BLOCK);
        if (rc != Z_OK || !(zs.data_type & 128))
            continue;
        size_t at = 8 * (size_t)(zs.next_in - in) - (size_t)(zs.data_type & 7);
        if (zs.data_type & 64) {
            *end_bit = at;
            done = true;
        } else {
            hdr = at;
        }
    }
    *final_bit = hdr;
    inflateEnd(&zs);
    return done;
}

static uint32_t rng = 12345;
static unsigned next_rand(void)
{
    rng = rng * 1103515245u + 12345u;
    return rng >> 16;
}

/* Input of a kind: 0 noise, 1 runs of few symbols, 2 text-like words. */
static void fill(unsigned char *buf, size_t n, int kind)
{
    static const char *words[] = {"Quetta ", "Mastung ", "Peshawar ", "12 ",
                                  "attacks ", "in ", "district "};
    for (size_t i = 0; i < n;) {
        if (kind == 0) {
            buf[i++] = (unsigned char)next_rand();
        } else if (kind == 1) {
            size_t run = 1 + next_rand() % 300;
            unsigned char v = (unsigned char)(next_rand() % 4);
            while (run-- && i < n)
                buf[i++] = v;
        } else {
            const char *w = words[next_rand() % 7];
            while (*w && i < n)
                buf[i++] = (unsigned char)*w++;
        }
    }
}

static void check_walk(const unsigned char *z, size_t zn, const char *what)
{
    size_t f1 = 0, e1 = 0, f2 = 0, e2 = 0;
    bool ok1 = im_deflate_walk(z, zn, &f1, &e1);
    bool ok2 = zlib_walk(z, zn, &f2, &e2);
    CHECK(ok1 && ok2, "%s: walk %d, zlib %d", what, ok1, ok2);
    CHECK(f1 == f2 && e1 == e2, "%s: final block at %zu, end %zu; zlib %zu, %zu",
          what, f1, e1, f2, e2);
    CHECK(e1 <= 8 * zn && e1 + 8 > 8 * zn, "%s: end %zu of %zu bytes", what,
          e1, zn);
}

/* Streams from zlib with each strategy and level, some with flushes
 * that end blocks midway, and from libdeflate at three levels. */
static void test_walk(void)
{
    size_t n = 300000;
    unsigned char *in = malloc(n), *z = malloc(2 * n + 1024);
    const int strategies[] = {Z_DEFAULT_STRATEGY, Z_FIXED, Z_HUFFMAN_ONLY,
                              Z_RLE, Z_FILTERED};
    for (int kind = 0; kind < 3; kind++) {
        fill(in, n, kind);
        for (int lv = 0; lv <= 9; lv += 3)
            for (int s = 0; s < 5; s++)
                for (int flushes = 0; flushes < 2; flushes++) {
                    z_stream zs;
                    memset(&zs, 0, sizeof zs);
                    deflateInit2(&zs, lv, Z_DEFLATED, -15, 8, strategies[s]);
                    zs.next_out = z;
                    zs.avail_out = (uInt)(2 * n + 1024);
                    size_t step = flushes ? 7777 : n;
                    for (size_t at = 0; at < n; at += step) {
                        zs.next_in = in + at;
                        zs.avail_in = (uInt)(n - at < step ? n - at : step);
                        deflate(&zs, at + step >= n ? Z_FINISH
                                     : at / step % 2 ? Z_FULL_FLUSH : Z_BLOCK);
                    }
                    size_t zn = zs.total_out;
                    deflateEnd(&zs);
                    char what[64];
                    snprintf(what, sizeof what, "zlib kind %d level %d strategy "
                             "%d flushes %d", kind, lv, s, flushes);
                    check_walk(z, zn, what);
                }
        for (int lv = 1; lv <= 12; lv += 5) {
            struct libdeflate_compressor *c = libdeflate_alloc_compressor(lv);
            for (size_t len = 0; len <= n; len += len < 64 ? 1 : n / 3) {
                size_t zn = libdeflate_deflate_compress(c, in, len, z, 2 * n + 1024);
                char what[64];
                snprintf(what, sizeof what, "libdeflate kind %d level %d, %zu "
                         "bytes", kind, lv, len);
                check_walk(z, zn, what);
            }
            libdeflate_free_compressor(c);
        }
    }
    /* Every cut of a stream is refused; the walk reads only the bytes
     * it is given (AddressSanitizer would see more). */
    fill(in, 5000, 2);
    struct libdeflate_compressor *c = libdeflate_alloc_compressor(6);
    size_t zn = libdeflate_deflate_compress(c, in, 5000, z, 2 * n);
    libdeflate_free_compressor(c);
    int accepted = 0;
    for (size_t cut = 0; cut < zn; cut++) {
        unsigned char *part = malloc(cut ? cut : 1);
        memcpy(part, z, cut);
        size_t f, e;
        accepted += im_deflate_walk(part, cut, &f, &e);
        free(part);
    }
    CHECK(accepted == 0, "%d cut streams accepted", accepted);
    /* Flipped bits: anything but a crash; a clean stream still passes. */
    for (int k = 0; k < 2000; k++) {
        unsigned char *bad = malloc(zn);
        memcpy(bad, z, zn);
        bad[next_rand() % zn] ^= (unsigned char)(1u << (next_rand() % 8));
        size_t f, e;
        if (im_deflate_walk(bad, zn, &f, &e))
            CHECK(e <= 8 * zn, "end %zu past %zu bytes", e, zn);
        free(bad);
    }
    unsigned char bad_type = 0x07;   /* final, block type 3 */
    size_t f, e;
    CHECK(!im_deflate_walk(&bad_type, 1, &f, &e), "block type 3 accepted");
    free(in);
    free(z);
}

typedef struct {
    unsigned char *data;
    size_t len, cap;
} buf_t;

static int sink(void *closure, const unsigned char *data, size_t n)
{
    buf_t *b = closure;
    if (b->len + n > b->cap) {
        b->cap = 2 * (b->len + n);
        b->data = realloc(b->data, b->cap);
    }
    memcpy(b->data + b->len, data, n);
    b->len += n;
    return 0;
}

static uint32_t be32(const unsigned char *p)
{
    return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

/* Encodes a w x h image of a kind, inflates its IDAT with zlib (which
 * checks the stream's Adler-32) and compares every pixel. */
static void roundtrip(int w, int h, int kind)
{
    size_t stride = 4 * (size_t)w + 8;
    uint32_t *px = malloc(stride * (size_t)h);
    unsigned char *img = (unsigned char *)px;
    for (int y = 0; y < h; y++)
        for (int x = 0; x < w; x++) {
            uint32_t v = kind == 0   ? (uint32_t)next_rand() << 16 ^ next_rand()
                         : kind == 1 ? (x / 37 + y / 23) % 5 * 0x203040u
                                     : (uint32_t)(x * 255 / w) << 16 | (uint32_t)(y * 255 / h) << 8;
            memcpy(img + (size_t)y * stride + 4 * (size_t)x, &v, 4);
        }
    unsigned char *copy = malloc(stride * (size_t)h);
    memcpy(copy, img, stride * (size_t)h);
    buf_t b = {0};
    CHECK(im_png_write(img, w, h, (int)stride, 96, sink, &b) == 0,
          "%dx%d kind %d: write", w, h, kind);
    unsigned char *idat = malloc(b.len);
    size_t nidat = 0;
    for (size_t at = 8; at + 12 <= b.len;) {
        uint32_t n = be32(b.data + at);
        if (!memcmp(b.data + at + 4, "IDAT", 4)) {
            memcpy(idat + nidat, b.data + at + 8, n);
            nidat += n;
        }
        at += 12 + n;
    }
    size_t rowlen = 3 * (size_t)w + 1;
    uLongf raw_len = (uLongf)(rowlen * (size_t)h);
    unsigned char *raw = malloc(raw_len + 1);
    int rc = uncompress(raw, &raw_len, idat, (uLong)nidat);
    CHECK(rc == Z_OK && raw_len == rowlen * (size_t)h,
          "%dx%d kind %d: inflate %d, %lu bytes", w, h, kind, rc,
          (unsigned long)raw_len);
    int bad = 0;
    for (int y = 0; rc == Z_OK && y < h; y++) {
        unsigned char *row = raw + (size_t)y * rowlen;
        bad += row[0] != 2;
        for (size_t i = 1; i < rowlen; i++)
            if (y > 0)
                row[i] = (unsigned char)(row[i] + raw[(size_t)(y - 1) * rowlen + i]);
        for (int x = 0; x < w; x++) {
            uint32_t v;
            memcpy(&v, copy + (size_t)y * stride + 4 * (size_t)x, 4);
            bad += row[1 + 3 * x] != (v >> 16 & 255) ||
                   row[2 + 3 * x] != (v >> 8 & 255) || row[3 + 3 * x] != (v & 255);
        }
    }
    CHECK(bad == 0, "%dx%d kind %d: %d pixels or filters differ", w, h, kind, bad);
    free(raw);
    free(idat);
    free(b.data);
    free(copy);
    free(px);
}

int main(void)
{
    test_walk();
    /* Below, at and above the height where the stream is split, a
     * single column, and a map's size. */
    const int sizes[][2] = {{1, 1}, {7, 63}, {64, 64}, {5, 65}, {1, 500},
                            {333, 200}, {1920, 1080}};
    for (size_t i = 0; i < sizeof sizes / sizeof *sizes; i++)
        for (int kind = 0; kind < 3; kind++)
            roundtrip(sizes[i][0], sizes[i][1], kind);
    TEST_DONE();
}
