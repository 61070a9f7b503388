/*
 * deflate_walk.h: where the blocks of a raw deflate stream (RFC 1951)
 * begin and end, found without writing what they decode to.
 */
#ifndef IM_DEFLATE_WALK_H
#define IM_DEFLATE_WALK_H

#include <stdbool.h>
#include <stddef.h>

/* Walks the n bytes at in as one raw deflate stream.  *final_bit is the
 * bit offset of the final block's header (its first bit is the final
 * flag), *end_bit the offset just after the final block's end-of-block
 * code; bits are numbered from the least significant bit of in[0], as
 * deflate packs them.  False when the stream is damaged, is cut short or
 * has no final block; the offsets are then unset.  Needs no memory but
 * the stack. */
bool im_deflate_walk(const unsigned char *in, size_t n, size_t *final_bit,
                     size_t *end_bit);

#endif
