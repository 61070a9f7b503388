/*
 * context.c: the per-caller state that would otherwise be global: the last
 * error message, the warning sink and the data directory.
 */
#include "context.h"
#include "gdal_module.h"
#include "proj_module.h"

#include <dlfcn.h>

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#ifndef IM_DEFAULT_DATADIR
#define IM_DEFAULT_DATADIR "data"
#endif

struct im_ctx {
    char errmsg[1024];
    im_log_fn log;
    void *log_user;
    char *data_dir;
    char *cache_dir;
    unsigned long warnings;
    void *gdal_handle;           /* the GDAL module, once loaded */
    const im_gdal_api_t *gdal;
    void *proj_handle;           /* the PROJ module, once loaded */
    const im_proj_api_t *proj;
    bool muted;                  /* warnings are dropped */
};

char *im_strdup(const char *s)
{
    if (!s)
        return NULL;
    size_t n = strlen(s) + 1;
    char *d = malloc(n);
    if (d)
        memcpy(d, s, n);
    return d;
}

im_ctx_t *im_ctx_new(void)
{
    im_ctx_t *ctx = calloc(1, sizeof *ctx);
    if (!ctx)
        return NULL;
    const char *env = getenv("INCIMAP_DATA");
    ctx->data_dir = im_strdup(env && *env ? env : IM_DEFAULT_DATADIR);
    if (!ctx->data_dir) {
        free(ctx);
        return NULL;
    }
    return ctx;
}

void im_ctx_free(im_ctx_t *ctx)
{
    if (!ctx)
        return;
    free(ctx->data_dir);
    free(ctx->cache_dir);
    if (ctx->gdal_handle)
        dlclose(ctx->gdal_handle);
    if (ctx->proj_handle)
        dlclose(ctx->proj_handle);
    free(ctx);
}

const char *im_ctx_errmsg(const im_ctx_t *ctx)
{
    return ctx ? ctx->errmsg : "no context";
}

void im_ctx_set_log(im_ctx_t *ctx, im_log_fn fn, void *user)
{
    ctx->log = fn;
    ctx->log_user = user;
}

im_status_t im_ctx_set_data_dir(im_ctx_t *ctx, const char *dir)
{
    char *d = im_strdup(dir);
    if (!d)
        return im_error(ctx, IM_ERR_NOMEM, "out of memory");
    free(ctx->data_dir);
    ctx->data_dir = d;
    return IM_OK;
}

const char *im_ctx_data_dir(const im_ctx_t *ctx)
{
    return ctx->data_dir;
}

im_status_t im_ctx_set_cache_dir(im_ctx_t *ctx, const char *dir)
{
    char *d = NULL;
    if (dir && *dir && !(d = im_strdup(dir)))
        return im_error(ctx, IM_ERR_NOMEM, "out of memory");
    free(ctx->cache_dir);
    ctx->cache_dir = d;
    return IM_OK;
}

const char *im_ctx_cache_dir(const im_ctx_t *ctx) { return ctx->cache_dir; }

void im_ctx_make_cache_dir(const im_ctx_t *ctx)
{
    char *p = im_strdup(ctx->cache_dir);
    for (char *s = p ? strchr(p + 1, '/') : NULL; s; s = strchr(s + 1, '/')) {
        *s = '\0';
        mkdir(p, 0777);
        *s = '/';
    }
    if (p)
        mkdir(p, 0777);
    free(p);
}

unsigned long im_ctx_warnings(const im_ctx_t *ctx) { return ctx->warnings; }

im_status_t im_error(im_ctx_t *ctx, im_status_t status, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(ctx->errmsg, sizeof ctx->errmsg, fmt, ap);
    va_end(ap);
    return status;
}

bool im_ctx_mute(im_ctx_t *ctx, bool mute)
{
    bool was = ctx->muted;
    ctx->muted = mute;
    return was;
}

void im_warn(im_ctx_t *ctx, const char *fmt, ...)
{
    if (ctx->muted)
        return;
    ctx->warnings++;
    if (!ctx->log)
        return;
    char buf[1024];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(buf, sizeof buf, fmt, ap);
    va_end(ap);
    ctx->log(ctx->log_user, buf);
}

char *im_data_path(const im_ctx_t *ctx, const char *relative)
{
    size_t n = strlen(ctx->data_dir) + strlen(relative) + 2;
    char *p = malloc(n);
    if (p)
        snprintf(p, n, "%s/%s", ctx->data_dir, relative);
    return p;
}

const im_gdal_api_t *im_ctx_gdal_api(const im_ctx_t *ctx) { return ctx->gdal; }

void im_ctx_set_gdal(im_ctx_t *ctx, void *handle, const im_gdal_api_t *api)
{
    ctx->gdal_handle = handle;
    ctx->gdal = api;
}

const im_proj_api_t *im_ctx_proj_api(const im_ctx_t *ctx) { return ctx->proj; }

void im_ctx_set_proj(im_ctx_t *ctx, void *handle, const im_proj_api_t *api)
{
    ctx->proj_handle = handle;
    ctx->proj = api;
}
