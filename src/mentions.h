/*
 * mentions.h: what the mention scanner shares beyond the public API: the
 * sentence splitter, so that tests and other text readers cut sentences
 * the same way the scanner does.
 */
#ifndef IM_MENTIONS_H
#define IM_MENTIONS_H

#include "incimap.h"

typedef struct {
    size_t offset_bytes, length_bytes;
} im_span_t;

/* Cuts text into sentences, leading and trailing white space left out.  A
 * sentence ends at a line break, or at '.', '!' or '?' (with any closing
 * quote or bracket) followed by white space, unless the next word starts
 * in lower case or the '.' ends an initial ("D.I. Khan", "M. Rana") or a
 * title such as "Gen." or "Dr.".  Caller frees *out with free(); *out is
 * NULL when there is no sentence. */
im_status_t im_sentences_split(im_ctx_t *ctx, const char *text, size_t len,
                               im_span_t **out, size_t *out_n);

#endif
