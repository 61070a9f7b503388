/*
 * layer_cache.c: boundary layers read through GDAL, kept ready to draw.
 *
 * Reading a boundary file through GDAL loads GDAL's hundred and fifty
 * shared libraries, and dissolving the province outlines with GEOS and
 * placing the labels cost as much again: together more than the map
 * itself, for the same result every time the same file is drawn.  The
 * layer is therefore kept in the cache directory in the format of the
 * compiled embedded boundaries (layer_file.c), one file per source path
 * and name field, under a key that hashes the source's bytes: a file
 * edited in place, even within the same second and at the same size,
 * misses the cache.  Only plain files of single-file formats are kept
 * (a shapefile with its .shx, .dbf, .prj and .cpg), and only layers that
 * read without warnings, so that a faulty source warns on every run.
 */
#include "layer_cache.h"

#include "context.h"

#include <errno.h>
#include <limits.h>
#include <openssl/evp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

/* Raised whenever what is kept, or how it is read, changes. */
#define CACHE_VERSION "incimap layer cache 1"

static const char *const cacheable[] = {
    "geojson", "json", "topojson", "fgb", "gpkg", "shp", "kml", NULL};
static const char *const shp_sidecars[] = {"shx", "dbf", "prj", "cpg", NULL};

static const char *extension(const char *path)
{
    const char *slash = strrchr(path, '/'), *dot = strrchr(path, '.');
    return dot && (!slash || dot > slash) ? dot + 1 : NULL;
}

static bool regular_file(const char *path)
{
    struct stat st;
    return stat(path, &st) == 0 && S_ISREG(st.st_mode);
}

/* Feeds a file's size and bytes to the digest; false if it cannot be
 * read. */
static bool hash_file(EVP_MD_CTX *md, const char *path)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return false;
    unsigned char buf[1 << 16];
    size_t n;
    bool ok = true;
    unsigned long long total = 0;
    while (ok && (n = fread(buf, 1, sizeof buf, f)) > 0) {
        ok = EVP_DigestUpdate(md, buf, n) == 1;
        total += n;
    }
    ok = ok && !ferror(f);
    fclose(f);
    char size[32];
    snprintf(size, sizeof size, "\n%llu\n", total);
    return ok && EVP_DigestUpdate(md, size, strlen(size)) == 1;
}

/* The sidecar of a shapefile, in the case of the .shp's extension. */
static char *sidecar(const char *source, const char *ext)
{
    size_t stem = (size_t)(extension(source) - source);
    char *p = malloc(stem + strlen(ext) + 1);
    if (!p)
        return NULL;
    memcpy(p, source, stem);
    bool upper = source[stem] >= 'A' && source[stem] <= 'Z';
    for (size_t i = 0; ext[i]; i++)
        p[stem + i] = upper ? (char)(ext[i] - 'a' + 'A') : ext[i];
    p[stem + strlen(ext)] = '\0';
    return p;
}

static bool compute_key(const char *source, const char *name_field,
                        unsigned char key[IM_LAYER_KEY_SIZE])
{
    EVP_MD_CTX *md = EVP_MD_CTX_new();
    bool ok = md && EVP_DigestInit_ex(md, EVP_sha256(), NULL) == 1 &&
              EVP_DigestUpdate(md, CACHE_VERSION, sizeof CACHE_VERSION) == 1 &&
              EVP_DigestUpdate(md, name_field ? name_field : "",
                               strlen(name_field ? name_field : "") + 1) == 1 &&
              hash_file(md, source);
    if (ok && !strcasecmp(extension(source), "shp")) {
        for (size_t i = 0; ok && shp_sidecars[i]; i++) {
            char *p = sidecar(source, shp_sidecars[i]);
            ok = p != NULL;
            if (ok && regular_file(p))
                ok = EVP_DigestUpdate(md, shp_sidecars[i],
                                      strlen(shp_sidecars[i]) + 1) == 1 &&
                     hash_file(md, p);
            free(p);
        }
    }
    unsigned int len = 0;
    unsigned char d[EVP_MAX_MD_SIZE];
    ok = ok && EVP_DigestFinal_ex(md, d, &len) == 1 && len == IM_LAYER_KEY_SIZE;
    if (ok)
        memcpy(key, d, IM_LAYER_KEY_SIZE);
    EVP_MD_CTX_free(md);
    return ok;
}

/* <cache dir>/<sha-256 of the absolute source path and name field>.imlayer:
 * one file per source, replaced when the source changes. */
static char *cache_path(const char *dir, const char *source,
                        const char *name_field)
{
    char abs[PATH_MAX];
    if (!realpath(source, abs))
        return NULL;
    unsigned char d[EVP_MAX_MD_SIZE];
    unsigned int len = 0;
    EVP_MD_CTX *md = EVP_MD_CTX_new();
    bool ok = md && EVP_DigestInit_ex(md, EVP_sha256(), NULL) == 1 &&
              EVP_DigestUpdate(md, abs, strlen(abs) + 1) == 1 &&
              EVP_DigestUpdate(md, name_field ? name_field : "",
                               strlen(name_field ? name_field : "")) == 1 &&
              EVP_DigestFinal_ex(md, d, &len) == 1;
    EVP_MD_CTX_free(md);
    if (!ok)
        return NULL;
    size_t n = strlen(dir) + 1 + 2 * 16 + sizeof ".imlayer";
    char *p = malloc(n);
    if (!p)
        return NULL;
    int at = snprintf(p, n, "%s/", dir);
    for (int i = 0; i < 16; i++)
        at += snprintf(p + at, n - (size_t)at, "%02x", d[i]);
    snprintf(p + at, n - (size_t)at, ".imlayer");
    return p;
}

static bool can_cache(const char *source)
{
    const char *ext = extension(source);
    bool known = false;
    for (size_t i = 0; ext && cacheable[i]; i++)
        known |= !strcasecmp(ext, cacheable[i]);
    if (!known || !regular_file(source))
        return false;
    /* A GeoPackage with a write-ahead log has rows outside its file. */
    if (!strcasecmp(ext, "gpkg")) {
        size_t n = strlen(source) + sizeof "-wal";
        char *wal = malloc(n);
        bool busy = !wal || (snprintf(wal, n, "%s-wal", source), access(wal, F_OK) == 0);
        free(wal);
        return !busy;
    }
    return true;
}

void im_layer_cache_get(im_ctx_t *ctx, const im_gazetteer_t *gaz,
                        const char *source, const char *name_field,
                        im_layer_cache_t *c, im_layer_t **out)
{
    memset(c, 0, sizeof *c);
    *out = NULL;
    const char *dir = im_ctx_cache_dir(ctx);
    if (!dir || !source || !can_cache(source) ||
        !compute_key(source, name_field, c->key))
        return;
    c->path = cache_path(dir, source, name_field);
    if (!c->path || access(c->path, R_OK) != 0)
        return;
    /* A stale, damaged or foreign copy is read again from the source;
     * the error it leaves in the context is no failure of the caller's. */
    char saved[1024];
    snprintf(saved, sizeof saved, "%s", im_ctx_errmsg(ctx));
    if (im_layer_load(ctx, gaz, c->path, source, c->key, out) != IM_OK) {
        *out = NULL;
        im_error(ctx, IM_OK, "%s", saved);
    }
}

void im_layer_cache_put(im_ctx_t *ctx, const im_layer_t *L,
                        const im_layer_cache_t *c)
{
    if (!c->path)
        return;
    im_ctx_make_cache_dir(ctx);
    size_t n = strlen(c->path) + 32;
    char *tmp = malloc(n);
    if (!tmp)
        return;
    snprintf(tmp, n, "%s.%ld.tmp", c->path, (long)getpid());
    char saved[1024];
    snprintf(saved, sizeof saved, "%s", im_ctx_errmsg(ctx));
    /* Renamed into place whole, so that a reader never sees half a copy. */
    if (im_layer_save(ctx, L, c->key, tmp) != IM_OK || rename(tmp, c->path) != 0)
        unlink(tmp);
    im_error(ctx, IM_OK, "%s", saved);
    free(tmp);
}

void im_layer_cache_clear(im_layer_cache_t *c)
{
    free(c->path);
    c->path = NULL;
}
