/*
 * layer.c: the district polygons of a map and of the geocoder, as held in
 * memory, and their ties to the gazetteer.  Where they are read from is
 * layer_source.c.
 */
#include "context.h"
#include "gazetteer.h"
#include "layer_impl.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

im_layer_t *im_layer_alloc(const im_gazetteer_t *gaz)
{
    im_layer_t *L = calloc(1, sizeof *L);
    if (L)
        L->gaz = gaz;
    return L;
}

im_status_t im_layer_push(im_ctx_t *ctx, im_layer_t *L, char *name,
                          im_shape_t *shape)
{
    if (L->n == L->cap) {
        size_t cap = L->cap ? L->cap * 2 : 128;
        im_feature_t *f = realloc(L->f, cap * sizeof *f);
        if (!f) {
            free(name);
            im_shape_clear(shape);
            return im_error(ctx, IM_ERR_NOMEM, "out of memory");
        }
        L->f = f;
        L->cap = cap;
    }
    im_feature_t *f = &L->f[L->n++];
    memset(f, 0, sizeof *f);
    f->name = name;
    f->shape = *shape;
    memset(shape, 0, sizeof *shape);
    return IM_OK;
}

im_status_t im_layer_push_outline(im_ctx_t *ctx, im_layer_t *L,
                                  const char *province, im_shape_t *shape)
{
    im_outline_t *o = realloc(L->outlines, (L->noutlines + 1) * sizeof *o);
    char *p = im_strdup(province);
    if (!o || !p) {
        if (o)
            L->outlines = o;
        free(p);
        im_shape_clear(shape);
        return im_error(ctx, IM_ERR_NOMEM, "out of memory");
    }
    L->outlines = o;
    o[L->noutlines].province = p;
    o[L->noutlines].shape = *shape;
    L->noutlines++;
    memset(shape, 0, sizeof *shape);
    return IM_OK;
}

/* Label point in a local equirectangular frame, where a degree of
 * longitude is shortened by cos(latitude) as on the ground; polylabel on
 * raw degrees would favour east-west elongation. */
static void compute_label_point(im_feature_t *f)
{
    const im_shape_t *s = &f->shape;
    if (!s->nrings)
        return;
    int part = im_shape_largest_part(s);
    double minx, miny, maxx, maxy;
    im_shape_bounds(s, part, &minx, &miny, &maxx, &maxy);
    double k = cos((miny + maxy) / 2 * M_PI / 180);
    im_shape_t local = {s->rings, s->nrings, malloc(s->npts * sizeof *s->pts),
                        s->npts};
    if (!local.pts) {
        f->label_lon = (minx + maxx) / 2;
        f->label_lat = (miny + maxy) / 2;
        return;
    }
    for (size_t i = 0; i < s->npts; i++)
        local.pts[i] = (im_xy_t){s->pts[i].x * k, s->pts[i].y};
    double prec = fmax((maxx - minx) * k, maxy - miny) / 200;
    im_xy_t p = im_shape_pole(&local, part, prec, NULL);
    f->label_lon = p.x / k;
    f->label_lat = p.y;
    free(local.pts);
}

void im_layer_bind(im_layer_t *L, bool label_points)
{
    for (size_t i = 0; i < L->n; i++) {
        im_feature_t *f = &L->f[i];
        im_match_t m;
        im_gazetteer_resolve(L->gaz, f->name, NULL, &m);
        f->display = f->name;
        f->district_id = f->province = NULL;
        if (m.method == IM_MATCH_EXACT || m.method == IM_MATCH_ALIAS) {
            f->district_id = m.district_id;
            f->display = m.district;
            f->province = m.province;
        }
        if (label_points)
            compute_label_point(f);
    }
}

void im_layer_warn_unbound(im_ctx_t *ctx, const im_layer_t *L,
                           const char *source)
{
    for (size_t i = 0; i < L->n; i++)
        if (!L->f[i].district_id)
            im_warn(ctx, "%s: polygon '%s' matches no district; drawn as "
                         "context only", source, L->f[i].name);
}

void im_layer_free(im_layer_t *L)
{
    if (!L)
        return;
    for (size_t i = 0; i < L->n; i++) {
        free(L->f[i].name);
        im_shape_clear(&L->f[i].shape);
    }
    for (size_t i = 0; i < L->noutlines; i++) {
        free(L->outlines[i].province);
        im_shape_clear(&L->outlines[i].shape);
    }
    free(L->outlines);
    free(L->f);
    free(L);
}

size_t im_layer_count(const im_layer_t *L) { return L->n; }
const char *im_layer_name(const im_layer_t *L, size_t i) { return L->f[i].name; }
const char *im_layer_display_name(const im_layer_t *L, size_t i)
{
    return L->f[i].display;
}
const char *im_layer_district_id(const im_layer_t *L, size_t i)
{
    return L->f[i].district_id;
}
const char *im_layer_province(const im_layer_t *L, size_t i)
{
    return L->f[i].province;
}
const im_shape_t *im_layer_shape(const im_layer_t *L, size_t i)
{
    return &L->f[i].shape;
}
const im_gazetteer_t *im_layer_gazetteer(const im_layer_t *L) { return L->gaz; }

void im_layer_label_point(const im_layer_t *L, size_t i, double *out_lon_deg,
                          double *out_lat_deg)
{
    *out_lon_deg = L->f[i].label_lon;
    *out_lat_deg = L->f[i].label_lat;
}

size_t im_layer_find_district(const im_layer_t *L, const char *district_id)
{
    /* Walk up the history: a district carved out after the boundary set
     * was drawn counts in the polygon of the district it came from. */
    int depth = 0;
    for (const char *id = district_id; id && depth < 16;
         id = im_gazetteer_parent(L->gaz, id), depth++)
        for (size_t i = 0; i < L->n; i++)
            if (L->f[i].district_id && strcmp(L->f[i].district_id, id) == 0)
                return i;
    /* Or down: a polygon drawn under the district's former name (Bolan
     * for Kachhi) descends from it.  Only a single such polygon is an
     * answer; several are the parts of a split, none of which stands for
     * the whole. */
    size_t found = (size_t)-1, count = 0;
    for (size_t i = 0; district_id && i < L->n; i++)
        if (L->f[i].district_id &&
            im_gazetteer_is_ancestor(L->gaz, district_id, L->f[i].district_id)) {
            found = i;
            count++;
        }
    if (count == 1)
        return found;
    return (size_t)-1;
}

size_t im_layer_outline_count(const im_layer_t *L) { return L->noutlines; }

const im_shape_t *im_layer_outline(const im_layer_t *L, size_t k,
                                   const char **out_province)
{
    if (out_province)
        *out_province = L->outlines[k].province;
    return &L->outlines[k].shape;
}
