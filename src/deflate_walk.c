/*
 * deflate_walk.c: a deflate decoder that keeps only its place.  The PNG
 * encoder compresses the top of an image with libdeflate, which always
 * marks its last block final, and must then find that block's header to
 * clear the flag and the stream's end to append what follows.  zlib's
 * inflate can report both, but it writes out every byte it decodes,
 * which cost a third as much as compressing them; skipping lengths and
 * distances without copying costs a few instructions a symbol.  Codes are
 * looked up FAST_BITS at a time, longer ones bit by bit (as in zlib's
 * contrib/puff).
 */
#include "deflate_walk.h"

#include <stdint.h>
#include <string.h>

#define MAX_BITS 15
#define FAST_BITS 10
#define MAX_LITLEN 288
#define MAX_DIST 32

typedef struct {
    const unsigned char *in;
    size_t n, pos;   /* pos in bits */
} bits_t;

/* At least 57 bits from pos, zeros past the end (a read past the end is
 * caught once the walk is over, by pos). */
static uint64_t peek(const bits_t *b)
{
    size_t byte = b->pos >> 3;
    uint64_t v = 0;
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
    if (byte + 8 <= b->n) {
        memcpy(&v, b->in + byte, 8);
        return v >> (b->pos & 7);
    }
#endif
    for (size_t i = 0; i < 8 && byte + i < b->n; i++)
        v |= (uint64_t)b->in[byte + i] << (8 * i);
    return v >> (b->pos & 7);
}

static unsigned take(bits_t *b, unsigned k)
{
    uint64_t v = peek(b);
    b->pos += k;
    return (unsigned)(v & ((1u << k) - 1));
}

typedef struct {
    uint16_t count[MAX_BITS + 1];    /* codes of each length */
    uint16_t symbol[MAX_LITLEN];     /* symbols in canonical order */
    uint32_t fast[1 << FAST_BITS];   /* length << 16 | symbol, 0 if longer */
} huff_t;

static unsigned reverse(unsigned code, unsigned len)
{
    unsigned r = 0;
    for (unsigned i = 0; i < len; i++, code >>= 1)
        r = r << 1 | (code & 1);
    return r;
}

/* False for lengths that assign more codes than there are; fewer is
 * allowed (a distance code may have a single code). */
static bool huff_build(huff_t *h, const uint8_t *len, unsigned n)
{
    memset(h->count, 0, sizeof h->count);
    memset(h->fast, 0, sizeof h->fast);
    for (unsigned s = 0; s < n; s++)
        h->count[len[s]]++;
    h->count[0] = 0;
    int left = 1;
    for (unsigned l = 1; l <= MAX_BITS; l++) {
        left = (left << 1) - h->count[l];
        if (left < 0)
            return false;
    }
    uint16_t offs[MAX_BITS + 2];
    unsigned next[MAX_BITS + 1];
    offs[1] = 0;
    unsigned code = 0;
    for (unsigned l = 1; l <= MAX_BITS; l++) {
        offs[l + 1] = (uint16_t)(offs[l] + h->count[l]);
        code = (code + (l > 1 ? h->count[l - 1] : 0)) << 1;
        next[l] = code;
    }
    for (unsigned s = 0; s < n; s++) {
        unsigned l = len[s];
        if (!l)
            continue;
        h->symbol[offs[l]++] = (uint16_t)s;
        unsigned c = next[l]++;
        if (l <= FAST_BITS)
            for (unsigned k = reverse(c, l); k < (1u << FAST_BITS); k += 1u << l)
                h->fast[k] = (uint32_t)l << 16 | s;
    }
    return true;
}

/* The next symbol, or -1 where no code matches. */
static int decode(bits_t *b, const huff_t *h)
{
    uint64_t v = peek(b);
    uint32_t e = h->fast[v & ((1u << FAST_BITS) - 1)];
    if (e) {
        b->pos += e >> 16;
        return (int)(e & 0xffff);
    }
    int code = 0, first = 0, index = 0;
    for (unsigned l = 1; l <= MAX_BITS; l++, v >>= 1) {
        code |= (int)(v & 1);
        int count = h->count[l];
        if (code - count < first) {
            b->pos += l;
            return h->symbol[index + (code - first)];
        }
        index += count;
        first = (first + count) << 1;
        code <<= 1;
    }
    return -1;
}

static const uint8_t length_extra[29] = {0, 0, 0, 0, 0, 0, 0, 0, 1, 1,
                                         1, 1, 2, 2, 2, 2, 3, 3, 3, 3,
                                         4, 4, 4, 4, 5, 5, 5, 5, 0};
static const uint8_t dist_extra[30] = {0, 0, 0, 0, 1, 1, 2,  2,  3,  3,
                                       4, 4, 5, 5, 6, 6, 7,  7,  8,  8,
                                       9, 9, 10, 10, 11, 11, 12, 12, 13, 13};

/* The symbols of one block with codes, through its end-of-block code. */
static bool skip_codes(bits_t *b, const huff_t *lit, const huff_t *dist)
{
    for (;;) {
        if (b->pos > 8 * b->n)
            return false;
        int s = decode(b, lit);
        if (s < 256) {
            if (s < 0)
                return false;
            continue;
        }
        if (s == 256)
            return true;
        if (s > 285)
            return false;
        b->pos += length_extra[s - 257];
        int d = decode(b, dist);
        if (d < 0 || d > 29)
            return false;
        b->pos += dist_extra[d];
    }
}

static bool dynamic_codes(bits_t *b, huff_t *lit, huff_t *dist)
{
    static const uint8_t order[19] = {16, 17, 18, 0, 8,  7, 9,  6, 10, 5,
                                      11, 4,  12, 3, 13, 2, 14, 1, 15};
    unsigned nlit = take(b, 5) + 257, ndist = take(b, 5) + 1,
             ncode = take(b, 4) + 4;
    if (nlit > 286 || ndist > 30)
        return false;
    uint8_t len[MAX_LITLEN + MAX_DIST] = {0};
    for (unsigned i = 0; i < ncode; i++)
        len[order[i]] = (uint8_t)take(b, 3);
    huff_t *lens = lit;   /* the code lengths' code, until lit is built */
    if (!huff_build(lens, len, 19))
        return false;
    memset(len, 0, 19);
    for (unsigned i = 0; i < nlit + ndist;) {
        if (b->pos > 8 * b->n)
            return false;
        int s = decode(b, lens);
        if (s < 0)
            return false;
        if (s < 16) {
            len[i++] = (uint8_t)s;
            continue;
        }
        uint8_t v = 0;
        unsigned rep;
        if (s == 16) {
            if (i == 0)
                return false;
            v = len[i - 1];
            rep = 3 + take(b, 2);
        } else if (s == 17) {
            rep = 3 + take(b, 3);
        } else {
            rep = 11 + take(b, 7);
        }
        if (i + rep > nlit + ndist)
            return false;
        while (rep--)
            len[i++] = v;
    }
    if (!len[256])
        return false;
    return huff_build(lit, len, nlit) && huff_build(dist, len + nlit, ndist);
}

bool im_deflate_walk(const unsigned char *in, size_t n, size_t *final_bit,
                     size_t *end_bit)
{
    bits_t b = {in, n, 0};
    huff_t lit, dist;
    for (;;) {
        size_t header = b.pos;
        unsigned last = take(&b, 1), type = take(&b, 2);
        if (type == 0) {
            b.pos = (b.pos + 7) & ~(size_t)7;
            size_t at = b.pos >> 3;
            if (at + 4 > n)
                return false;
            unsigned len = in[at] | (unsigned)in[at + 1] << 8;
            unsigned nlen = in[at + 2] | (unsigned)in[at + 3] << 8;
            if (len != (~nlen & 0xffff) || at + 4 + len > n)
                return false;
            b.pos += 8 * (4 + (size_t)len);
        } else if (type == 1) {
            uint8_t len[MAX_LITLEN + MAX_DIST];
            memset(len, 8, 144);
            memset(len + 144, 9, 112);
            memset(len + 256, 7, 24);
            memset(len + 280, 8, 8);
            memset(len + MAX_LITLEN, 5, MAX_DIST);
            if (!huff_build(&lit, len, MAX_LITLEN) ||
                !huff_build(&dist, len + MAX_LITLEN, MAX_DIST) ||
                !skip_codes(&b, &lit, &dist))
                return false;
        } else if (type == 2) {
            if (!dynamic_codes(&b, &lit, &dist) || !skip_codes(&b, &lit, &dist))
                return false;
        } else {
            return false;
        }
        if (b.pos > 8 * n)
            return false;
        if (last) {
            *final_bit = header;
            *end_bit = b.pos;
            return true;
        }
    }
}
