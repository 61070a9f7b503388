/*
 * fuzz.c: see fuzz.h.
 */
#define _GNU_SOURCE
#include "fuzz.h"

#include <glib.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

const char *fuzz_file(const uint8_t *data, size_t size)
{
    static int fd = -1;
    static char path[64];
    if (fd < 0) {
        fd = memfd_create("fuzz-input", MFD_CLOEXEC);
        if (fd < 0) {
            perror("memfd_create");
            abort();
        }
        snprintf(path, sizeof path, "/proc/self/fd/%d", fd);
    }
    if (ftruncate(fd, 0) != 0) {
        perror("ftruncate");
        abort();
    }
    size_t done = 0;
    while (done < size) {
        ssize_t n = pwrite(fd, data + done, size - done, (off_t)done);
        if (n <= 0) {
            perror("pwrite");
            abort();
        }
        done += (size_t)n;
    }
    return path;
}

char *fuzz_string(const uint8_t *data, size_t size)
{
    char *s = malloc(size + 1);
    if (!s)
        abort();
    if (size)
        memcpy(s, data, size);
    s[size] = '\0';
    return s;
}

int fuzz_is_utf8(const char *str, size_t n)
{
    /* GLib's validator: a check independent of the reader's own. */
    return g_utf8_validate(str, (gssize)n, NULL);
}

void fuzz_open_geocoder(const char *target, im_ctx_t **ctx,
                        im_gazetteer_t **gaz, im_layer_t **layer,
                        im_geocoder_t **geo)
{
    *ctx = im_ctx_new();
    if (!*ctx || im_gazetteer_open(*ctx, NULL, gaz) ||
        im_layer_read(*ctx, *gaz, NULL, NULL, layer) ||
        im_geocoder_new(*ctx, *gaz, *layer, geo)) {
        fprintf(stderr, "%s: %s\n", target, *ctx ? im_ctx_errmsg(*ctx) : "");
        abort();
    }
}
