/*
 * compile_data.c: build-time tool that compiles the embedded boundaries
 * and context outlines into the files layer_file.c reads.
 *
 *   compile-data layer DISTRICTS.geojson OUT.imlayer
 *   compile-data shapes COUNTRIES.geojson OUT.imshapes
 */
#include "incimap.h"
#include "layer_impl.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void on_log(void *user, const char *msg)
{
    (void)user;
    fprintf(stderr, "compile-data: %s\n", msg);
}

int main(int argc, char **argv)
{
    if (argc != 4 || (strcmp(argv[1], "layer") && strcmp(argv[1], "shapes"))) {
        fprintf(stderr, "usage: compile-data layer|shapes SOURCE OUT\n");
        return 2;
    }
    im_ctx_t *ctx = im_ctx_new();
    if (!ctx)
        return 1;
    im_ctx_set_log(ctx, on_log, NULL);
    im_status_t st;
    if (!strcmp(argv[1], "layer")) {
        im_gazetteer_t *gaz = NULL;
        im_layer_t *layer = NULL;
        st = im_gazetteer_open(ctx, NULL, &gaz);
        if (!st)
            st = im_layer_read(ctx, gaz, argv[2], NULL, &layer);
        if (!st)
            st = im_layer_save(ctx, layer, argv[3]);
        im_layer_free(layer);
        im_gazetteer_free(gaz);
    } else {
        im_shape_t *shapes = NULL;
        size_t n = 0, self;
        st = im_context_read(ctx, argv[2], &shapes, &n, &self);
        if (!st)
            st = im_shapes_save(ctx, shapes, n, self, argv[3]);
        for (size_t i = 0; i < n; i++)
            im_shape_clear(&shapes[i]);
        free(shapes);
    }
    if (st)
        fprintf(stderr, "compile-data: %s\n", im_ctx_errmsg(ctx));
    im_ctx_free(ctx);
    return st ? 1 : 0;
}
