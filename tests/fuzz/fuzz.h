/*
 * fuzz.h: what the fuzz targets share.  The library's readers take paths,
 * so an input is handed to them as a file: one memfd per process,
 * rewritten for every input, reached through /proc/self/fd.  Nothing
 * touches the disk and nothing is left behind.
 */
#ifndef IM_FUZZ_H
#define IM_FUZZ_H

#include "incimap.h"

#include <stddef.h>
#include <stdint.h>

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Replaces the contents of this process's scratch file with data and
 * returns its path; aborts if that fails, which is no finding. */
const char *fuzz_file(const uint8_t *data, size_t size);

/* A NUL-terminated copy of data; the caller frees it. */
char *fuzz_string(const uint8_t *data, size_t size);

/* Whether s (n bytes) is valid UTF-8. */
int fuzz_is_utf8(const char *s, size_t n);

/* The project's gazetteer, embedded boundaries and a geocoder on them,
 * opened once per process; aborts naming target if they cannot be. */
void fuzz_open_geocoder(const char *target, im_ctx_t **ctx,
                        im_gazetteer_t **gaz, im_layer_t **layer,
                        im_geocoder_t **geo);

#endif
