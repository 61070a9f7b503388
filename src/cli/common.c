/*
 * common.c: option handling that several subcommands share: the filters
 * of stats, render and export, and opening an existing store.
 */
#include "cli.h"

#include <ctype.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

static bool is_date_bound(const char *s)
{
    /* YYYY, YYYY-MM or YYYY-MM-DD: compared as text against the store. */
    size_t n = strlen(s);
    if (n != 4 && n != 7 && n != 10)
        return false;
    for (size_t i = 0; i < n; i++) {
        bool dash = i == 4 || i == 7;
        if (dash ? s[i] != '-' : !isdigit((unsigned char)s[i]))
            return false;
    }
    return true;
}

int cli_check_dates(const char *cmd, const im_filter_t *f)
{
    if (f->from && !is_date_bound(f->from)) {
        cli_error(cmd, "--from: '%s' is not YYYY, YYYY-MM or YYYY-MM-DD", f->from);
        return -1;
    }
    if (f->to && !is_date_bound(f->to)) {
        cli_error(cmd, "--to: '%s' is not YYYY, YYYY-MM or YYYY-MM-DD", f->to);
        return -1;
    }
    return 0;
}

im_status_t cli_canonical_province(im_ctx_t *ctx, const char *cmd, im_filter_t *f,
                                   char *buf, size_t n)
{
    if (!f->province)
        return IM_OK;
    im_gazetteer_t *gaz;
    im_status_t st = im_gazetteer_open(ctx, NULL, &gaz);
    if (st)
        return st;
    const char *canon = im_gazetteer_province(gaz, f->province);
    if (canon) {
        snprintf(buf, n, "%s", canon);
        f->province = buf;
    }
    im_gazetteer_free(gaz);
    if (!canon) {
        cli_error(cmd, "unknown province '%s'", f->province);
        return IM_ERR_ARG;
    }
    return IM_OK;
}

bool cli_db_is_ogr(const char *db)
{
    return db && strncasecmp(db, "PG:", 3) == 0;
}

im_status_t cli_open_existing_store(im_ctx_t *ctx, const char *cmd,
                                    const char *path,
                                    im_store_t **out)
{
    *out = NULL;
    if (access(path, F_OK) != 0) {
        cli_error(cmd, "no store at '%s' (create one with incimap import)", path);
        return IM_ERR_ARG;
    }
    return im_store_open(ctx, path, out);
}

im_status_t cli_open_gazetteer(im_ctx_t *ctx, const char *places,
                               im_gazetteer_t **out)
{
    im_status_t st = im_gazetteer_open(ctx, NULL, out);
    if (!st && places) {
        st = im_gazetteer_add_places(ctx, *out, places);
        if (st) {
            im_gazetteer_free(*out);
            *out = NULL;
        }
    }
    return st;
}
