/*
 * layer_reader_main.c: incimap-layer-reader, the helper of layer_reader.h.
 *
 *   incimap-layer-reader DATA_DIR GAZETTEER SOURCE NAME_FIELD
 *
 * Reads SOURCE through GDAL (layer_ogr.c, built in), binding its polygons to the
 * gazetteer opened from GAZETTEER (empty: DATA_DIR's), and writes the
 * layer to standard output in the layer file format.  Warnings and the
 * error, if any, go to standard error, a line each, as layer_reader.h
 * says.  An empty DATA_DIR or NAME_FIELD means the default.  Exit status
 * 0, or 1 when the source could not be read.
 */
#include "context.h"
#include "gdal_module.h"
#include "layer_impl.h"
#include "layer_reader.h"

#include <stdio.h>
#include <string.h>

/* One line per message: a message's own line breaks become spaces. */
static void put_line(const char *prefix, const char *msg)
{
    fputs(prefix, stderr);
    for (const char *c = msg; *c; c++)
        fputc(*c == '\n' || *c == '\r' ? ' ' : *c, stderr);
    fputc('\n', stderr);
}

static void on_warning(void *user, const char *message)
{
    (void)user;
    put_line(IM_READER_WARNING, message);
}

int main(int argc, char **argv)
{
    if (argc != 5) {
        fprintf(stderr, IM_READER_ERROR "%d\tusage: incimap-layer-reader "
                        "DATA_DIR GAZETTEER SOURCE NAME_FIELD\n", IM_ERR_ARG);
        return 1;
    }
    im_ctx_t *ctx = im_ctx_new();
    if (!ctx) {
        fprintf(stderr, IM_READER_ERROR "%d\tout of memory\n", IM_ERR_NOMEM);
        return 1;
    }
    im_ctx_set_log(ctx, on_warning, NULL);
    im_gazetteer_t *gaz = NULL;
    im_layer_t *layer = NULL;
    im_status_t st = argv[1][0] ? im_ctx_set_data_dir(ctx, argv[1]) : IM_OK;
    if (!st)
        st = im_gazetteer_open(ctx, argv[2][0] ? argv[2] : NULL, &gaz);
    if (!st)
        st = im_gdal_layer_read(ctx, gaz, argv[3], argv[4][0] ? argv[4] : NULL,
                                &layer);
    if (!st)
        st = im_layer_write(ctx, layer, stdout);
    if (st) {
        char code[16];
        snprintf(code, sizeof code, "%s%d\t", IM_READER_ERROR, (int)st);
        put_line(code, im_ctx_errmsg(ctx));
    }
    im_layer_free(layer);
    im_gazetteer_free(gaz);
    im_ctx_free(ctx);
    return st ? 1 : 0;
}
