/*
 * png_write.h: an opaque image in Cairo's RGB24/ARGB32 layout encoded as
 * an 8-bit RGB PNG.
 */
#ifndef IM_PNG_WRITE_H
#define IM_PNG_WRITE_H

#include <stddef.h>
#include <stdint.h>

/* Receives the encoded bytes; returns 0, or non-zero to stop. */
typedef int (*im_png_sink_fn)(void *closure, const unsigned char *data,
                              size_t n);

/* Encodes w x h pixels (rows stride bytes apart, at least 4 * w, alpha
 * ignored) with the resolution recorded in pHYs.  The pixels are packed
 * and filtered where they are, so the image is spent: a map is encoded
 * once, and this spares a copy as large as it.  Returns 0, -1 when out
 * of memory, or the sink's non-zero result. */
int im_png_write(unsigned char *pixels, int w, int h, int stride,
                 double dpi, im_png_sink_fn sink, void *closure);

#endif
