/*
 * layer_reader.h: boundary files read through GDAL in a process of its
 * own.
 *
 * Loading GDAL's hundred and fifty libraries and registering its drivers
 * takes 38 MB of memory, more than drawing the whole map after them, and
 * none of it is given back.  A short-lived helper, incimap-layer-reader,
 * reads the source through the GDAL module and hands the layer back in
 * the layer file format (layer_file.c) over a pipe, its warnings and
 * errors over another; the process that draws never maps GDAL, and the
 * two processes' peaks do not add up.  The helper is, in order:
 * $INCIMAP_LAYER_READER, the one in the build tree, the installed one.
 */
#ifndef IM_LAYER_READER_H
#define IM_LAYER_READER_H

#include "layer_impl.h"

/* Reads source (name_field may be NULL) in the helper and binds the layer
 * to gaz, which the helper opens anew from where gaz was opened.  The
 * helper's warnings are the context's.  *out_ran is false when there is
 * no helper to run; then nothing was done and the caller reads the
 * source itself. */
im_status_t im_layer_read_apart(im_ctx_t *ctx, const im_gazetteer_t *gaz,
                                const char *source, const char *name_field,
                                im_layer_t **out, bool *out_ran);

/* The helper's side: what it writes on its standard error, a line each. */
#define IM_READER_WARNING "warning\t"
#define IM_READER_ERROR "error\t"

#endif
