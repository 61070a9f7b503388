/*
 * bytes.c: see bytes.h.
 */
#include "bytes.h"

#include <stdlib.h>
#include <string.h>

bool im_bytes_add(im_bytes_t *b, const void *p, size_t n)
{
    if (b->failed)
        return false;
    if (b->len + n + 1 > b->cap) {
        size_t cap = b->cap ? b->cap : 256;
        while (cap < b->len + n + 1)
            cap *= 2;
        unsigned char *d = realloc(b->data, cap);
        if (!d) {
            b->failed = true;
            return false;
        }
        b->data = d;
        b->cap = cap;
    }
    if (n)
        memcpy(b->data + b->len, p, n);
    b->len += n;
    b->data[b->len] = '\0';
    return true;
}

bool im_bytes_str(im_bytes_t *b, const char *s)
{
    return im_bytes_add(b, s, strlen(s));
}
