/*
 * bytes.h: a buffer of bytes that grows as it is written, for documents
 * built in memory (maps before they are written, SQL filters, a layer
 * read from a pipe).  Zero it before use; free data when done.
 */
#ifndef IM_BYTES_H
#define IM_BYTES_H

#include <stdbool.h>
#include <stddef.h>

typedef struct {
    unsigned char *data;   /* a NUL follows the len bytes, once any exist */
    size_t len, cap;
    bool failed;           /* out of memory: every later write is dropped */
} im_bytes_t;

/* Appends n bytes of p; false (and failed set) when memory ran out, now
 * or before. */
bool im_bytes_add(im_bytes_t *b, const void *p, size_t n);
bool im_bytes_str(im_bytes_t *b, const char *s);

#endif
