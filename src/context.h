/*
 * context.h: what every module needs from the context: recording an error
 * (the one error convention) and emitting a warning.
 */
#ifndef IM_CONTEXT_H
#define IM_CONTEXT_H

#include "incimap.h"

#if defined(__GNUC__)
#define IM_PRINTF(a, b) __attribute__((format(printf, a, b)))
#else
#define IM_PRINTF(a, b)
#endif

/* Records the message and returns status, so that callers can write
 * `return im_error(ctx, IM_ERR_IO, "...")`. */
im_status_t im_error(im_ctx_t *ctx, im_status_t status, const char *fmt, ...)
    IM_PRINTF(3, 4);
void im_warn(im_ctx_t *ctx, const char *fmt, ...) IM_PRINTF(2, 3);
/* How many warnings the context has emitted, so that a caller can tell
 * whether a step warned. */
unsigned long im_ctx_warnings(const im_ctx_t *ctx);
/* The cache directory, or NULL. */
const char *im_ctx_cache_dir(const im_ctx_t *ctx);
/* Creates the cache directory and its parents, as far as it can: a cache
 * that cannot be written is only a cache missed. */
void im_ctx_make_cache_dir(const im_ctx_t *ctx);
/* Silences warnings (or lets them through again); returns whether they
 * were silenced before. */
bool im_ctx_mute(im_ctx_t *ctx, bool mute);
/* Joins the data directory and a relative path; caller frees. */
char *im_data_path(const im_ctx_t *ctx, const char *relative);
char *im_strdup(const char *s);

#endif
