/*
 * layer_file.c: the embedded boundaries and context outlines compiled at
 * build time into a flat file of the build's own format, read back in a
 * fraction of a millisecond.  Reading the GeoJSON through GDAL and
 * dissolving the province outlines with GEOS took a quarter of the time of
 * a whole map, for the same result on every run.
 *
 * The same format caches layers read through GDAL (layer_cache.c).
 *
 * Layout, all integers uint32 and all coordinates double, native order:
 *   magic "IMLAYER2" or "IMSHAPE2"
 *   layer:  key (32 bytes: what the layer was read from; zeros when
 *           compiled), n, n x { name, province, label lon, label lat,
 *           shape }, m, m x { province, shape }
 *   shapes: n, n x shape, index of the map's own country (or 2^32 - 1)
 *   name:   length, bytes (no terminator)
 *   shape:  rings, rings x { start, count, part }, points, points x { x, y }
 */
#include "context.h"
#include "layer_impl.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#ifndef IM_DEFAULT_DATADIR
#define IM_DEFAULT_DATADIR "data"
#endif

#define MAGIC_LAYER "IMLAYER2"
#define MAGIC_SHAPES "IMSHAPE2"
#define COMPILED_LAYER "districts.imlayer"
#define COMPILED_SHAPES "countries.imshapes"

/* ---- writing ----------------------------------------------------------- */

static void put_u32(FILE *f, size_t v)
{
    uint32_t u = (uint32_t)v;
    fwrite(&u, sizeof u, 1, f);
}

static void put_str(FILE *f, const char *s)
{
    size_t n = s ? strlen(s) : 0;
    put_u32(f, n);
    fwrite(s ? s : "", 1, n, f);
}

static void put_shape(FILE *f, const im_shape_t *s)
{
    put_u32(f, s->nrings);
    for (size_t r = 0; r < s->nrings; r++) {
        put_u32(f, s->rings[r].start);
        put_u32(f, s->rings[r].count);
        put_u32(f, (size_t)s->rings[r].part);
    }
    put_u32(f, s->npts);
    fwrite(s->pts, sizeof *s->pts, s->npts, f);
}

static im_status_t finish(im_ctx_t *ctx, FILE *f, const char *path)
{
    int bad = ferror(f);
    if (fclose(f) != 0 || bad) {
        unlink(path);
        return im_error(ctx, IM_ERR_IO, "%s: cannot write", path);
    }
    return IM_OK;
}

static void write_layer(FILE *f, const im_layer_t *L,
                        const unsigned char key[IM_LAYER_KEY_SIZE])
{
    static const unsigned char no_key[IM_LAYER_KEY_SIZE];
    fwrite(MAGIC_LAYER, 1, 8, f);
    fwrite(key ? key : no_key, 1, IM_LAYER_KEY_SIZE, f);
    put_u32(f, L->n);
    for (size_t i = 0; i < L->n; i++) {
        put_str(f, L->f[i].name);
        put_str(f, L->f[i].province);
        fwrite(&L->f[i].label_lon, sizeof(double), 1, f);
        fwrite(&L->f[i].label_lat, sizeof(double), 1, f);
        put_shape(f, &L->f[i].shape);
    }
    put_u32(f, L->noutlines);
    for (size_t k = 0; k < L->noutlines; k++) {
        put_str(f, L->outlines[k].province);
        put_shape(f, &L->outlines[k].shape);
    }
}

im_status_t im_layer_save(im_ctx_t *ctx, const im_layer_t *L,
                          const unsigned char key[IM_LAYER_KEY_SIZE],
                          const char *path)
{
    FILE *f = fopen(path, "wb");
    if (!f)
        return im_error(ctx, IM_ERR_IO, "%s: cannot create", path);
    write_layer(f, L, key);
    return finish(ctx, f, path);
}

im_status_t im_layer_write(im_ctx_t *ctx, const im_layer_t *L, FILE *f)
{
    write_layer(f, L, NULL);
    if (fflush(f) != 0 || ferror(f))
        return im_error(ctx, IM_ERR_IO, "cannot write the layer");
    return IM_OK;
}

im_status_t im_shapes_save(im_ctx_t *ctx, const im_shape_t *shapes, size_t n,
                           size_t self, const char *path)
{
    FILE *f = fopen(path, "wb");
    if (!f)
        return im_error(ctx, IM_ERR_IO, "%s: cannot create", path);
    fwrite(MAGIC_SHAPES, 1, 8, f);
    put_u32(f, n);
    for (size_t i = 0; i < n; i++)
        put_shape(f, &shapes[i]);
    put_u32(f, self < n ? self : UINT32_MAX);
    return finish(ctx, f, path);
}

/* ---- reading ----------------------------------------------------------- */

typedef struct {
    const unsigned char *p, *end;
    bool bad;
} cursor_t;

static void take(cursor_t *c, void *dst, size_t n)
{
    if (c->bad || (size_t)(c->end - c->p) < n) {
        c->bad = true;
        memset(dst, 0, n);
        return;
    }
    memcpy(dst, c->p, n);
    c->p += n;
}

static size_t get_u32(cursor_t *c)
{
    uint32_t u;
    take(c, &u, sizeof u);
    return u;
}

static char *get_str(cursor_t *c)
{
    size_t n = get_u32(c);
    if (c->bad || (size_t)(c->end - c->p) < n) {
        c->bad = true;
        return NULL;
    }
    char *s = malloc(n + 1);
    if (s) {
        memcpy(s, c->p, n);
        s[n] = '\0';
    }
    c->p += n;
    return s;
}

static int get_shape(cursor_t *c, im_shape_t *s)
{
    memset(s, 0, sizeof *s);
    size_t nr = get_u32(c);
    if (c->bad || nr > (size_t)(c->end - c->p) / 12)
        return c->bad = true, -1;
    s->rings = malloc((nr ? nr : 1) * sizeof *s->rings);
    if (!s->rings)
        return -1;
    s->nrings = nr;
    for (size_t r = 0; r < nr; r++) {
        s->rings[r].start = get_u32(c);
        s->rings[r].count = get_u32(c);
        s->rings[r].part = (int)get_u32(c);
    }
    size_t np = get_u32(c);
    if (c->bad || np > (size_t)(c->end - c->p) / sizeof *s->pts)
        return c->bad = true, -1;
    for (size_t r = 0; r < nr; r++)
        if (s->rings[r].start + s->rings[r].count > np)
            return c->bad = true, -1;
    s->pts = malloc((np ? np : 1) * sizeof *s->pts);
    if (!s->pts)
        return -1;
    s->npts = np;
    take(c, s->pts, np * sizeof *s->pts);
    return c->bad ? -1 : 0;
}

static im_status_t slurp(im_ctx_t *ctx, const char *path, const char *magic,
                         unsigned char **out, size_t *out_n)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return im_error(ctx, IM_ERR_IO, "%s: cannot open", path);
    size_t cap = 1 << 16, n = 0;
    unsigned char *buf = malloc(cap);
    size_t got;
    while (buf && (got = fread(buf + n, 1, cap - n, f)) > 0) {
        n += got;
        if (n == cap) {
            unsigned char *nb = realloc(buf, cap *= 2);
            if (!nb)
                free(buf);
            buf = nb;
        }
    }
    int bad = ferror(f);
    fclose(f);
    if (!buf)
        return im_error(ctx, IM_ERR_NOMEM, "out of memory");
    if (bad || n < 8 || memcmp(buf, magic, 8) != 0) {
        free(buf);
        return im_error(ctx, IM_ERR_PARSE, "%s: not a compiled %s file", path,
                        strcmp(magic, MAGIC_LAYER) ? "shapes" : "layer");
    }
    *out = buf;
    *out_n = n;
    return IM_OK;
}

/* Provinces are compared after binding: the outlines were dissolved from
 * the provinces the gazetteer gave when the file was written, and a
 * gazetteer that has since moved a district would need other outlines. */
static bool same_province(const char *stored, const char *bound)
{
    return !strcmp(stored ? stored : "", bound ? bound : "");
}

/* The layer in buf (len bytes, magic included), named path in messages. */
static im_status_t parse_layer(im_ctx_t *ctx, const im_gazetteer_t *gaz,
                               const unsigned char *buf, size_t len,
                               const char *path, const char *source,
                               const unsigned char key[IM_LAYER_KEY_SIZE],
                               bool warn_unbound, im_layer_t **out)
{
    *out = NULL;
    im_status_t st = IM_OK;
    if (len < 8 + IM_LAYER_KEY_SIZE || memcmp(buf, MAGIC_LAYER, 8) != 0)
        return im_error(ctx, IM_ERR_PARSE, "%s: not a compiled layer file",
                        path);
    if (key && memcmp(buf + 8, key, IM_LAYER_KEY_SIZE) != 0)
        return im_error(ctx, IM_ERR_DATA, "%s: written from another source",
                        path);
    cursor_t c = {buf + 8 + IM_LAYER_KEY_SIZE, buf + len, false};
    im_layer_t *L = im_layer_alloc(gaz);
    char **provs = NULL;
    if (!L)
        st = im_error(ctx, IM_ERR_NOMEM, "out of memory");
    size_t n = st ? 0 : get_u32(&c);
    if (!st && (c.bad || n > len / 8))
        c.bad = true, n = 0;
    if (!st && !(provs = calloc(n ? n : 1, sizeof *provs)))
        st = im_error(ctx, IM_ERR_NOMEM, "out of memory");
    for (size_t i = 0; !st && i < n && !c.bad; i++) {
        char *name = get_str(&c);
        provs[i] = get_str(&c);
        double lon, lat;
        take(&c, &lon, sizeof lon);
        take(&c, &lat, sizeof lat);
        im_shape_t s;
        int rc = get_shape(&c, &s);
        if (rc || !name || !provs[i]) {
            free(name);
            im_shape_clear(&s);
            if (!c.bad)
                st = im_error(ctx, IM_ERR_NOMEM, "out of memory");
            break;
        }
        st = im_layer_push(ctx, L, name, &s);
        if (!st) {
            L->f[L->n - 1].label_lon = lon;
            L->f[L->n - 1].label_lat = lat;
        }
    }
    size_t m = st || c.bad ? 0 : get_u32(&c);
    for (size_t k = 0; !st && k < m && !c.bad; k++) {
        char *prov = get_str(&c);
        im_shape_t s;
        if (get_shape(&c, &s) || !prov) {
            im_shape_clear(&s);
            if (!c.bad)
                st = im_error(ctx, IM_ERR_NOMEM, "out of memory");
        } else {
            st = im_layer_push_outline(ctx, L, prov, &s);
        }
        free(prov);
    }
    if (!st && c.bad)
        st = im_error(ctx, IM_ERR_PARSE, "%s: truncated or damaged", path);
    if (!st) {
        im_layer_bind(L, false);
        for (size_t i = 0; !st && i < L->n; i++)
            if (!same_province(provs[i], L->f[i].province))
                st = im_error(ctx, IM_ERR_DATA, "%s: written with another "
                                                "gazetteer", path);
        if (!st && warn_unbound)
            im_layer_warn_unbound(ctx, L, source ? source : path);
    }
    for (size_t i = 0; provs && i < n; i++)
        free(provs[i]);
    free(provs);
    if (st) {
        im_layer_free(L);
        return st;
    }
    *out = L;
    return IM_OK;
}

im_status_t im_layer_load(im_ctx_t *ctx, const im_gazetteer_t *gaz,
                          const char *path, const char *source,
                          const unsigned char key[IM_LAYER_KEY_SIZE],
                          im_layer_t **out)
{
    *out = NULL;
    unsigned char *buf;
    size_t len;
    im_status_t st = slurp(ctx, path, MAGIC_LAYER, &buf, &len);
    if (st)
        return st;
    st = parse_layer(ctx, gaz, buf, len, path, source, key, true, out);
    free(buf);
    return st;
}

im_status_t im_layer_parse(im_ctx_t *ctx, const im_gazetteer_t *gaz,
                           const unsigned char *buf, size_t len,
                           const char *source, im_layer_t **out)
{
    return parse_layer(ctx, gaz, buf, len, source, source, NULL, false, out);
}

im_status_t im_shapes_load(im_ctx_t *ctx, const char *path,
                           im_shape_t **out_shapes, size_t *out_n,
                           size_t *out_self)
{
    *out_shapes = NULL;
    *out_n = 0;
    *out_self = (size_t)-1;
    unsigned char *buf;
    size_t len;
    im_status_t st = slurp(ctx, path, MAGIC_SHAPES, &buf, &len);
    if (st)
        return st;
    cursor_t c = {buf + 8, buf + len, false};
    size_t n = get_u32(&c);
    if (c.bad || n > len / 8) {
        free(buf);
        return im_error(ctx, IM_ERR_PARSE, "%s: truncated or damaged", path);
    }
    im_shape_t *shapes = calloc(n ? n : 1, sizeof *shapes);
    size_t got = 0;
    while (shapes && got < n && get_shape(&c, &shapes[got]) == 0)
        got++;
    size_t self = got == n ? get_u32(&c) : 0;
    if (!shapes || got < n || c.bad) {
        if (shapes && got < n)
            im_shape_clear(&shapes[got]);
        for (size_t i = 0; shapes && i < got; i++)
            im_shape_clear(&shapes[i]);
        free(shapes);
        free(buf);
        return c.bad ? im_error(ctx, IM_ERR_PARSE, "%s: truncated or damaged",
                                path)
                     : im_error(ctx, IM_ERR_NOMEM, "out of memory");
    }
    free(buf);
    *out_shapes = shapes;
    *out_n = n;
    *out_self = self < n ? self : (size_t)-1;
    return IM_OK;
}

/* The compiled copies stand for the files of the data directory the build
 * was configured with; a context pointed elsewhere reads its own files. */
static char *compiled_path(const im_ctx_t *ctx, const char *file)
{
#ifdef IM_COMPILED_DIR
    if (strcmp(im_ctx_data_dir(ctx), IM_DEFAULT_DATADIR) != 0)
        return NULL;
    size_t n = strlen(IM_COMPILED_DIR) + strlen(file) + 2;
    char *p = malloc(n);
    if (p)
        snprintf(p, n, "%s/%s", IM_COMPILED_DIR, file);
    if (p && access(p, R_OK) != 0) {
        free(p);
        p = NULL;
    }
    return p;
#else
    (void)ctx;
    (void)file;
    return NULL;
#endif
}

im_status_t im_layer_load_compiled(im_ctx_t *ctx, const im_gazetteer_t *gaz,
                                   im_layer_t **out)
{
    *out = NULL;
    char *path = compiled_path(ctx, COMPILED_LAYER);
    if (!path)
        return IM_OK;
    im_status_t st = im_layer_load(ctx, gaz, path, NULL, NULL, out);
    free(path);
    /* Compiled with a gazetteer since changed: the source is read. */
    return st == IM_ERR_DATA ? IM_OK : st;
}

im_status_t im_shapes_load_compiled(im_ctx_t *ctx, im_shape_t **out_shapes,
                                    size_t *out_n, size_t *out_self,
                                    bool *out_found)
{
    *out_found = false;
    *out_shapes = NULL;
    *out_n = 0;
    char *path = compiled_path(ctx, COMPILED_SHAPES);
    if (!path)
        return IM_OK;
    *out_found = true;
    im_status_t st = im_shapes_load(ctx, path, out_shapes, out_n, out_self);
    free(path);
    return st;
}
