/*
 * compile_data.c: build-time tool that compiles the embedded boundaries
 * and context outlines into the files layer_file.c reads.
 *
 *   compile-data layer DISTRICTS.geojson OUT.imlayer
 *   compile-data shapes COUNTRIES.geojson OUT.imshapes
 *   compile-data proj-db - OUT.db
 *
 * The last writes the database that projection.c hands PROJ: nothing but
 * the layout version of the installed proj.db, which PROJ checks.
 */
#include "incimap.h"
#include "layer_impl.h"

#include <proj.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static void on_log(void *user, const char *msg)
{
    (void)user;
    fprintf(stderr, "compile-data: %s\n", msg);
}

static int proj_db(const char *out)
{
    PJ_CONTEXT *pc = proj_context_create();
    const char *src = pc ? proj_context_get_database_path(pc) : NULL;
    if (!src) {
        fprintf(stderr, "compile-data: PROJ has no database\n");
        proj_context_destroy(pc);
        return 1;
    }
    unlink(out);
    sqlite3 *db = NULL;
    sqlite3_stmt *attach = NULL;
    char *err = NULL;
    int rc = sqlite3_open(out, &db);
    if (rc == SQLITE_OK)
        rc = sqlite3_exec(db, "CREATE TABLE metadata(key TEXT NOT NULL PRIMARY KEY"
                              " CHECK (length(key) >= 1), value TEXT NOT NULL)",
                          NULL, NULL, &err);
    if (rc == SQLITE_OK)
        rc = sqlite3_prepare_v2(db, "ATTACH ?1 AS installed", -1, &attach, NULL);
    if (rc == SQLITE_OK)
        rc = sqlite3_bind_text(attach, 1, src, -1, SQLITE_STATIC);
    if (rc == SQLITE_OK && sqlite3_step(attach) != SQLITE_DONE)
        rc = sqlite3_errcode(db);
    sqlite3_finalize(attach);
    if (rc == SQLITE_OK)
        rc = sqlite3_exec(db, "INSERT INTO metadata SELECT key, value FROM"
                              " installed.metadata WHERE key LIKE"
                              " 'DATABASE.LAYOUT.VERSION.%'; DETACH installed",
                          NULL, NULL, &err);
    if (rc != SQLITE_OK)
        fprintf(stderr, "compile-data: %s: %s\n", out,
                err ? err : db ? sqlite3_errmsg(db) : "cannot open");
    sqlite3_free(err);
    sqlite3_close(db);
    proj_context_destroy(pc);
    if (rc != SQLITE_OK)
        unlink(out);
    return rc == SQLITE_OK ? 0 : 1;
}

int main(int argc, char **argv)
{
    if (argc == 4 && !strcmp(argv[1], "proj-db"))
        return proj_db(argv[3]);
    if (argc != 4 || (strcmp(argv[1], "layer") && strcmp(argv[1], "shapes"))) {
        fprintf(stderr, "usage: compile-data layer|shapes SOURCE OUT\n"
                        "       compile-data proj-db - OUT\n");
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
            st = im_layer_save(ctx, layer, NULL, argv[3]);
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
