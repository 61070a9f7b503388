/*
 * render.c: map layout and drawing with Cairo and Pango, the only module
 * that talks to either.  The map is laid out once (projection, frame,
 * classes, legend position) and drawn by one function onto whichever
 * Cairo surface the output format needs, so PNG, SVG and PDF show the same
 * map.  Sizes in the style are points at a reference map of 800 px on its
 * short side and scale with the output, so text keeps its proportion.
 */
#include "context.h"
#include "gazetteer.h"
#include "layer.h"
#include "projection.h"
#include "style.h"

#include <cairo-pdf.h>
#include <cairo-svg.h>
#include <cairo.h>
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <pango/pangocairo.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

typedef struct { double x, y, w, h; } rect_t;

struct im_map {
    im_ctx_t *ctx;
    const im_layer_t *layer;
    const im_values_t *values;
    const im_points_t *points;
    im_map_type_t type;
    int width, height;
    char *title, *subtitle, *source, *label_template;
    char **provinces;
    im_style_values_t st;
    im_proj_t *proj;
    im_shape_t *shapes;     /* projected, per feature */
    im_xy_t *label_xy;      /* projected label points */
    bool *selected;
    im_xy_t *point_xy;      /* projected incidents */
    im_shape_t *outlines;   /* projected province outlines */
    bool *outline_selected;
    size_t noutlines;
    double scale, ox, oy;   /* px = ox + x * scale, py = oy - y * scale */
    double unit;            /* px per style point */
    rect_t map_rect, legend_rect;
    im_classes_t classes;
    int dropped;
    char *drawn_text;       /* labels drawn by the last write, "; "-joined */
    size_t drawn_len, drawn_cap;
};

static const char *const default_provinces[] = {
    "Balochistan", "Khyber Pakhtunkhwa", "Sindh", NULL};

/* ---- layout ------------------------------------------------------------ */

static bool is_selected(const im_map_t *m, size_t i)
{
    const char *p = im_layer_province(m->layer, i);
    if (!p)
        return false;
    for (char **q = m->provinces; *q; q++)
        if (strcmp(*q, p) == 0)
            return true;
    return false;
}

/* Copies a shape in degrees into dst, projected to metres. */
static im_status_t copy_projected(im_map_t *m, const im_shape_t *src,
                                  im_shape_t *dst)
{
    dst->rings = malloc((src->nrings ? src->nrings : 1) * sizeof *dst->rings);
    dst->pts = malloc((src->npts ? src->npts : 1) * sizeof *dst->pts);
    if (!dst->rings || !dst->pts)
        return IM_ERR_NOMEM;
    memcpy(dst->rings, src->rings, src->nrings * sizeof *dst->rings);
    memcpy(dst->pts, src->pts, src->npts * sizeof *dst->pts);
    dst->nrings = src->nrings;
    dst->npts = src->npts;
    if (!dst->npts)
        return IM_OK;
    return im_proj_forward(m->proj, &dst->pts[0].x, &dst->pts[0].y, dst->npts,
                           2);
}

static im_status_t project_layer(im_map_t *m)
{
    size_t n = im_layer_count(m->layer);
    m->shapes = calloc(n, sizeof *m->shapes);
    m->label_xy = calloc(n, sizeof *m->label_xy);
    m->selected = calloc(n, sizeof *m->selected);
    if (!m->shapes || !m->label_xy || !m->selected)
        return im_error(m->ctx, IM_ERR_NOMEM, "out of memory");
    for (size_t i = 0; i < n; i++) {
        double lon, lat;
        im_layer_label_point(m->layer, i, &lon, &lat);
        m->label_xy[i] = (im_xy_t){lon, lat};
        if (copy_projected(m, im_layer_shape(m->layer, i), &m->shapes[i]) ||
            im_proj_forward(m->proj, &m->label_xy[i].x, &m->label_xy[i].y, 1, 2))
            return im_error(m->ctx, IM_ERR_LIB, "PROJ: cannot project '%s'",
                            im_layer_name(m->layer, i));
        m->selected[i] = is_selected(m, i);
    }
    m->noutlines = im_layer_outline_count(m->layer);
    m->outlines = calloc(m->noutlines + 1, sizeof *m->outlines);
    m->outline_selected = calloc(m->noutlines + 1, sizeof *m->outline_selected);
    if (!m->outlines || !m->outline_selected)
        return im_error(m->ctx, IM_ERR_NOMEM, "out of memory");
    for (size_t k = 0; k < m->noutlines; k++) {
        const char *prov;
        if (copy_projected(m, im_layer_outline(m->layer, k, &prov),
                           &m->outlines[k]))
            return im_error(m->ctx, IM_ERR_LIB, "PROJ: cannot project %s", prov);
        for (char **q = m->provinces; *q; q++)
            m->outline_selected[k] |= strcmp(*q, prov) == 0;
    }
    if (m->points) {
        size_t np = im_points_count(m->points);
        m->point_xy = calloc(np ? np : 1, sizeof *m->point_xy);
        if (!m->point_xy)
            return im_error(m->ctx, IM_ERR_NOMEM, "out of memory");
        for (size_t i = 0; i < np; i++)
            im_points_get(m->points, i, &m->point_xy[i].x, &m->point_xy[i].y,
                          NULL, NULL);
        if (np && im_proj_forward(m->proj, &m->point_xy[0].x,
                                  &m->point_xy[0].y, np, 2))
            return im_error(m->ctx, IM_ERR_LIB, "PROJ: cannot project points");
    }
    return IM_OK;
}

static im_status_t fit_frame(im_map_t *m)
{
    double minx = INFINITY, miny = INFINITY, maxx = -INFINITY, maxy = -INFINITY;
    size_t n = im_layer_count(m->layer);
    for (size_t i = 0; i < n; i++) {
        if (!m->selected[i])
            continue;
        double a, b, c, d;
        im_shape_bounds(&m->shapes[i], -1, &a, &b, &c, &d);
        minx = fmin(minx, a);
        miny = fmin(miny, b);
        maxx = fmax(maxx, c);
        maxy = fmax(maxy, d);
    }
    if (!(maxx > minx && maxy > miny)) {
        char list[256] = "";
        for (char **q = m->provinces; *q; q++)
            snprintf(list + strlen(list), sizeof list - strlen(list), "%s%s",
                     q == m->provinces ? "" : ", ", *q);
        return im_error(m->ctx, IM_ERR_DATA,
                        "no district of the selected provinces (%s) in the "
                        "boundaries",
                        list);
    }
    double u = m->unit, margin = 16 * u;
    double top = margin + m->st.title_pt * u * 1.5 +
                 (m->subtitle ? m->st.subtitle_pt * u * 1.5 : 0);
    double bottom = margin + m->st.source_pt * u * 3;
    m->map_rect = (rect_t){margin, top, m->width - 2 * margin,
                           m->height - top - bottom};
    double pad = 8 * u;
    double sx = (m->map_rect.w - 2 * pad) / (maxx - minx);
    double sy = (m->map_rect.h - 2 * pad) / (maxy - miny);
    m->scale = fmin(sx, sy);
    double cx = (minx + maxx) / 2, cy = (miny + maxy) / 2;
    m->ox = m->map_rect.x + m->map_rect.w / 2 - cx * m->scale;
    m->oy = m->map_rect.y + m->map_rect.h / 2 + cy * m->scale;
    return IM_OK;
}

static im_xy_t to_px(const im_map_t *m, im_xy_t p)
{
    return (im_xy_t){m->ox + p.x * m->scale, m->oy - p.y * m->scale};
}

static im_status_t classify(im_map_t *m)
{
    if (!m->values)
        return IM_OK;
    size_t n = im_layer_count(m->layer), k = 0;
    double *v = malloc((n ? n : 1) * sizeof *v);
    if (!v)
        return im_error(m->ctx, IM_ERR_NOMEM, "out of memory");
    for (size_t i = 0; i < n; i++)
        if (m->selected[i] && im_values_get(m->values, i, &v[k]))
            k++;
    int nclass = m->classes.n ? m->classes.n : 5;
    if (nclass > m->st.nramp)
        nclass = m->st.nramp;
    im_status_t st = im_classify_jenks(v, k, nclass, &m->classes);
    free(v);
    if (st)
        return im_error(m->ctx, st, "out of memory");
    /* Counts read better as contiguous whole ranges (1-4, 5-11, 12-36)
     * than as the data's own minima and maxima with gaps between. */
    if (im_values_are_counts(m->values))
        for (int c = 1; c < m->classes.n; c++)
            m->classes.lo[c] = m->classes.hi[c - 1] + 1;
    return IM_OK;
}

im_rgb_t im_map_fill_for_value(const im_map_t *m, bool has_value, double value)
{
    int c = has_value ? im_classes_index(&m->classes, value) : -1;
    if (c < 0)
        return m->st.no_record;
    /* Spread the classes over the whole ramp so that the top class always
     * gets the darkest colour. */
    int n = m->classes.n, r = m->st.nramp;
    int idx = n > 1 ? (int)lround((double)c * (r - 1) / (n - 1)) : r - 1;
    return m->st.ramp[idx];
}

const im_classes_t *im_map_classes(const im_map_t *m) { return &m->classes; }
int im_map_labels_dropped(const im_map_t *m) { return m->dropped; }

im_status_t im_map_lonlat_to_px(const im_map_t *m, double lon, double lat,
                                double *out_x, double *out_y)
{
    double x = lon, y = lat;
    if (im_proj_forward(m->proj, &x, &y, 1, 1))
        return im_error(m->ctx, IM_ERR_LIB, "PROJ: cannot project %g, %g", lon,
                        lat);
    im_xy_t p = to_px(m, (im_xy_t){x, y});
    *out_x = p.x;
    *out_y = p.y;
    return IM_OK;
}

/* ---- text -------------------------------------------------------------- */

static PangoLayout *text_layout(cairo_t *cr, const im_map_t *m, double pt,
                                bool bold, const char *text)
{
    PangoLayout *pl = pango_cairo_create_layout(cr);
    PangoFontDescription *fd = pango_font_description_from_string(m->st.font);
    pango_font_description_set_absolute_size(fd, pt * m->unit * PANGO_SCALE);
    if (bold)
        pango_font_description_set_weight(fd, PANGO_WEIGHT_BOLD);
    pango_layout_set_font_description(pl, fd);
    pango_font_description_free(fd);
    pango_layout_set_text(pl, text, -1);
    return pl;
}

static void text_size(PangoLayout *pl, double *w, double *h)
{
    int iw, ih;
    pango_layout_get_size(pl, &iw, &ih);
    *w = (double)iw / PANGO_SCALE;
    *h = (double)ih / PANGO_SCALE;
}

static void set_rgb(cairo_t *cr, im_rgb_t c)
{
    cairo_set_source_rgb(cr, c.r, c.g, c.b);
}

/* Remembers a label that was drawn, for the SVG's description: Cairo
 * writes SVG text as glyph outlines, which no search or screen reader can
 * read. */
static void remember_text(im_map_t *m, const char *text)
{
    size_t n = strlen(text) + 3;
    if (m->drawn_len + n >= m->drawn_cap) {
        size_t cap = (m->drawn_cap + n) * 2;
        char *d = realloc(m->drawn_text, cap);
        if (!d)
            return;
        m->drawn_text = d;
        m->drawn_cap = cap;
    }
    m->drawn_len += (size_t)snprintf(m->drawn_text + m->drawn_len,
                                     m->drawn_cap - m->drawn_len, "%s%s",
                                     m->drawn_len ? "; " : "", text);
}

/* Draws text with its top-left corner at (x, y), with a halo so that it
 * stays readable over any fill. */
static void draw_text(cairo_t *cr, const im_map_t *m, PangoLayout *pl, double x,
                      double y, bool halo)
{
    cairo_move_to(cr, x, y);
    if (halo) {
        pango_cairo_layout_path(cr, pl);
        set_rgb(cr, m->st.halo);
        cairo_set_line_width(cr, 2.5 * m->unit);
        cairo_set_line_join(cr, CAIRO_LINE_JOIN_ROUND);
        cairo_stroke(cr);
        cairo_move_to(cr, x, y);
    }
    set_rgb(cr, m->st.text);
    pango_cairo_show_layout(cr, pl);
}

/* ---- map body ---------------------------------------------------------- */

static void shape_path(cairo_t *cr, const im_map_t *m, const im_shape_t *s)
{
    for (size_t r = 0; r < s->nrings; r++) {
        const im_ring_t *ring = &s->rings[r];
        for (size_t k = 0; k < ring->count; k++) {
            im_xy_t p = to_px(m, s->pts[ring->start + k]);
            if (k == 0)
                cairo_move_to(cr, p.x, p.y);
            else
                cairo_line_to(cr, p.x, p.y);
        }
        cairo_close_path(cr);
    }
}

static void draw_districts(cairo_t *cr, const im_map_t *m)
{
    size_t n = im_layer_count(m->layer);
    cairo_set_fill_rule(cr, CAIRO_FILL_RULE_EVEN_ODD);
    cairo_set_line_join(cr, CAIRO_LINE_JOIN_ROUND);
    /* Context first so that the selection's borders are drawn over it. */
    for (int pass = 0; pass < 2; pass++)
        for (size_t i = 0; i < n; i++) {
            if (m->selected[i] != (pass == 1))
                continue;
            shape_path(cr, m, &m->shapes[i]);
            im_rgb_t fill = m->st.land_context;
            if (pass == 1) {
                double v = 0;
                bool has = m->values && im_values_get(m->values, i, &v);
                fill = im_map_fill_for_value(m, has, v);
            }
            set_rgb(cr, fill);
            cairo_fill_preserve(cr);
            set_rgb(cr, pass ? m->st.line_district : m->st.line_context);
            cairo_set_line_width(cr, m->st.district_line_pt * m->unit *
                                         (pass ? 1.0 : 1.5));
            cairo_stroke(cr);
        }
}

/* Province outlines over the district lines, heavier, so that the
 * provinces read first; context provinces get a lighter line. */
static void draw_province_lines(cairo_t *cr, const im_map_t *m)
{
    for (size_t k = 0; k < m->noutlines; k++) {
        shape_path(cr, m, &m->outlines[k]);
        set_rgb(cr, m->st.line_province);
        cairo_set_line_width(cr, m->st.province_line_pt * m->unit *
                                     (m->outline_selected[k] ? 1.0 : 0.6));
        cairo_stroke(cr);
    }
}

/* ---- labels ------------------------------------------------------------ */

static bool overlaps(rect_t a, rect_t b)
{
    return a.x < b.x + b.w && b.x < a.x + a.w && a.y < b.y + b.h &&
           b.y < a.y + a.h;
}

static bool inside(rect_t outer, rect_t r)
{
    return r.x >= outer.x && r.y >= outer.y && r.x + r.w <= outer.x + outer.w &&
           r.y + r.h <= outer.y + outer.h;
}

/* Expands the template: {name} and {value}. */
static void label_text(const im_map_t *m, size_t i, double v, char *out,
                       size_t n)
{
    char num[32];
    if (im_values_are_counts(m->values))
        snprintf(num, sizeof num, "%.0f", v);
    else
        snprintf(num, sizeof num, "%.3g", v);
    const char *name = im_layer_display_name(m->layer, i);
    size_t o = 0;
    for (const char *t = m->label_template; *t && o + 1 < n;) {
        const char *sub = NULL;
        if (strncmp(t, "{name}", 6) == 0) {
            sub = name;
            t += 6;
        } else if (strncmp(t, "{value}", 7) == 0) {
            sub = num;
            t += 7;
        }
        if (sub) {
            o += (size_t)snprintf(out + o, n - o, "%s", sub);
            if (o >= n)
                o = n - 1;
        } else {
            out[o++] = *t++;
        }
    }
    out[o] = '\0';
}

typedef struct { size_t i; double v; } ranked_t;

static int by_value_desc(const void *a, const void *b)
{
    double x = ((const ranked_t *)a)->v, y = ((const ranked_t *)b)->v;
    return (x < y) - (x > y);
}

static void draw_labels(cairo_t *cr, im_map_t *m)
{
    m->dropped = 0;
    if (!m->values || !m->label_template[0])
        return;
    size_t n = im_layer_count(m->layer), k = 0;
    ranked_t *order = malloc((n ? n : 1) * sizeof *order);
    rect_t *placed = malloc((n ? n : 1) * sizeof *placed);
    if (!order || !placed)
        goto done;
    for (size_t i = 0; i < n; i++) {
        double v;
        if (m->selected[i] && im_values_get(m->values, i, &v) && v > 0)
            order[k++] = (ranked_t){i, v};
    }
    /* Most important first: when labels collide, the larger count wins. */
    qsort(order, k, sizeof *order, by_value_desc);
    size_t nplaced = 0;
    for (size_t j = 0; j < k; j++) {
        char text[256];
        label_text(m, order[j].i, order[j].v, text, sizeof text);
        PangoLayout *pl = text_layout(cr, m, m->st.label_pt, true, text);
        double w, h;
        text_size(pl, &w, &h);
        im_xy_t a = to_px(m, m->label_xy[order[j].i]);
        /* Centred on the label point, else nudged to the four sides. */
        const double dx[] = {0, 0, 0, -0.5, 0.5}, dy[] = {0, -1, 1, 0, 0};
        bool done_one = false;
        for (int t = 0; t < 5 && !done_one; t++) {
            rect_t r = {a.x - w / 2 + dx[t] * (w + 4), a.y - h / 2 + dy[t] * h,
                        w, h};
            bool ok = inside(m->map_rect, r) && !overlaps(r, m->legend_rect);
            for (size_t q = 0; ok && q < nplaced; q++)
                ok = !overlaps(r, placed[q]);
            if (ok) {
                draw_text(cr, m, pl, r.x, r.y, true);
                remember_text(m, text);
                placed[nplaced++] = r;
                done_one = true;
            }
        }
        if (!done_one) {
            m->dropped++;
            im_warn(m->ctx, "label '%s' dropped: no room", text);
        }
        g_object_unref(pl);
    }
done:
    free(order);
    free(placed);
}

/* ---- legend and furniture ---------------------------------------------- */

static void range_text(const im_map_t *m, int c, char *out, size_t n)
{
    double lo = m->classes.lo[c], hi = m->classes.hi[c];
    if (im_values_are_counts(m->values)) {
        if (lo == hi)
            snprintf(out, n, "%.0f", lo);
        else
            snprintf(out, n, "%.0f\xE2\x80\x93%.0f", lo, hi);
    } else {
        snprintf(out, n, "%.3g\xE2\x80\x93%.3g", lo, hi);
    }
}

typedef struct {
    im_rgb_t colour;
    char text[96];
    double radius;   /* > 0: a circle, else a swatch */
} legend_item_t;

static int legend_items(const im_map_t *m, legend_item_t *it, int max)
{
    int n = 0;
    if (m->type == IM_MAP_CHOROPLETH) {
        for (int c = m->classes.n - 1; c >= 0 && n < max; c--) {
            it[n].colour = im_map_fill_for_value(m, true, m->classes.hi[c]);
            range_text(m, c, it[n].text, sizeof it[n].text);
            it[n++].radius = 0;
        }
        if (n < max) {
            it[n].colour = m->st.no_record;
            snprintf(it[n].text, sizeof it[n].text, "No recorded incident");
            it[n++].radius = 0;
        }
        return n;
    }
    return n;
}

static rect_t legend_size(cairo_t *cr, const im_map_t *m, const char *title,
                          legend_item_t *it, int n)
{
    double u = m->unit, w = 0, h = 0, tw, th;
    PangoLayout *pl = text_layout(cr, m, m->st.legend_pt, true, title);
    text_size(pl, &w, &h);
    g_object_unref(pl);
    double row = m->st.legend_pt * u * 1.9;
    for (int i = 0; i < n; i++) {
        pl = text_layout(cr, m, m->st.legend_pt, false, it[i].text);
        text_size(pl, &tw, &th);
        g_object_unref(pl);
        w = fmax(w, row * 1.4 + tw);
    }
    return (rect_t){0, 0, w + 20 * u, h + n * row + 20 * u};
}

/* Share of a rectangle covered by land, sampled on a grid; the legend
 * goes in the emptiest corner of the frame. */
static double land_cover(const im_map_t *m, rect_t r)
{
    int hits = 0, total = 0;
    size_t n = im_layer_count(m->layer);
    for (int gy = 0; gy < 12; gy++)
        for (int gx = 0; gx < 12; gx++) {
            double px = r.x + (gx + 0.5) * r.w / 12, py = r.y + (gy + 0.5) * r.h / 12;
            double x = (px - m->ox) / m->scale, y = (m->oy - py) / m->scale;
            total++;
            for (size_t i = 0; i < n; i++)
                if (im_shape_contains(&m->shapes[i], -1, x, y)) {
                    hits += m->selected[i] ? 3 : 1;
                    break;
                }
        }
    return (double)hits / total;
}

static void place_legend(cairo_t *cr, im_map_t *m, const char *title)
{
    legend_item_t it[IM_MAX_CLASSES + 2];
    int n = legend_items(m, it, IM_MAX_CLASSES + 2);
    if (n == 0) {
        m->legend_rect = (rect_t){0, 0, 0, 0};
        return;
    }
    rect_t r = legend_size(cr, m, title, it, n);
    rect_t f = m->map_rect;
    double pad = 6 * m->unit;
    const double cx[] = {f.x + pad, f.x + f.w - r.w - pad, f.x + pad,
                         f.x + f.w - r.w - pad};
    const double cy[] = {f.y + pad, f.y + pad, f.y + f.h - r.h - pad,
                         f.y + f.h - r.h - pad};
    double best = INFINITY;
    for (int c = 0; c < 4; c++) {
        rect_t cand = {cx[c], cy[c], r.w, r.h};
        double cover = land_cover(m, cand);
        if (cover < best - 1e-9) {
            best = cover;
            m->legend_rect = cand;
        }
    }
}

static void draw_legend(cairo_t *cr, const im_map_t *m, const char *title)
{
    legend_item_t it[IM_MAX_CLASSES + 2];
    int n = legend_items(m, it, IM_MAX_CLASSES + 2);
    if (n == 0)
        return;
    rect_t r = m->legend_rect;
    double u = m->unit, row = m->st.legend_pt * u * 1.9;
    cairo_rectangle(cr, r.x, r.y, r.w, r.h);
    cairo_set_source_rgba(cr, 1, 1, 1, 0.88);
    cairo_fill(cr);
    PangoLayout *pl = text_layout(cr, m, m->st.legend_pt, true, title);
    double tw, th;
    text_size(pl, &tw, &th);
    draw_text(cr, m, pl, r.x + 10 * u, r.y + 10 * u, false);
    g_object_unref(pl);
    double y = r.y + 10 * u + th + 4 * u;
    for (int i = 0; i < n; i++, y += row) {
        double sw = row * 0.8;
        cairo_rectangle(cr, r.x + 10 * u, y + (row - sw) / 2, sw * 1.3, sw);
        set_rgb(cr, it[i].colour);
        cairo_fill_preserve(cr);
        set_rgb(cr, m->st.line_district);
        cairo_set_line_width(cr, 0.6 * u);
        cairo_stroke(cr);
        pl = text_layout(cr, m, m->st.legend_pt, false, it[i].text);
        text_size(pl, &tw, &th);
        draw_text(cr, m, pl, r.x + 10 * u + row * 1.4, y + (row - th) / 2, false);
        g_object_unref(pl);
    }
}

/* A scale bar of a round length, about a sixth of the frame wide, true at
 * the frame's centre. */
static void draw_scale_bar(cairo_t *cr, const im_map_t *m)
{
    double u = m->unit;
    rect_t f = m->map_rect;
    double cx = (f.x + f.w / 2 - m->ox) / m->scale;
    double cy = (m->oy - (f.y + f.h / 2)) / m->scale;
    /* Invert the frame to find the centre's latitude for the scale. */
    double lon = 67.5, lat = 30;
    {
        /* Albers is close to true scale here; one Newton step on the
         * centre is plenty for the scale factor, which varies slowly. */
        double x = lon, y = lat;
        im_proj_forward(m->proj, &x, &y, 1, 1);
        lat += (cy - y) / 111320.0;
        lon += (cx - x) / (111320.0 * cos(lat * M_PI / 180));
    }
    double k = im_proj_parallel_scale(m->proj, lon, lat);
    double px_per_km = m->scale * 1000 * k;
    static const double nice[] = {10, 20, 25, 50, 100, 200, 250, 500, 1000};
    double km = nice[0];
    for (size_t i = 0; i < sizeof nice / sizeof nice[0]; i++)
        if (nice[i] * px_per_km <= f.w / 6)
            km = nice[i];
    double len = km * px_per_km, h = 5 * u;
    double x0 = f.x + f.w - len - 34 * u, y0 = f.y + f.h - 22 * u;
    for (int s = 0; s < 2; s++) {
        cairo_rectangle(cr, x0 + s * len / 2, y0, len / 2, h);
        set_rgb(cr, s ? m->st.halo : m->st.text);
        cairo_fill_preserve(cr);
        set_rgb(cr, m->st.text);
        cairo_set_line_width(cr, 0.8 * u);
        cairo_stroke(cr);
    }
    char label[32];
    snprintf(label, sizeof label, "%.0f km", km);
    PangoLayout *pl = text_layout(cr, m, m->st.source_pt, false, label);
    double tw, th;
    text_size(pl, &tw, &th);
    draw_text(cr, m, pl, x0 + len - tw / 2, y0 + h + 2 * u, true);
    g_object_unref(pl);
    pl = text_layout(cr, m, m->st.source_pt, false, "0");
    text_size(pl, &tw, &th);
    draw_text(cr, m, pl, x0 - tw / 2, y0 + h + 2 * u, true);
    g_object_unref(pl);
}

static void draw_furniture(cairo_t *cr, const im_map_t *m)
{
    double u = m->unit, margin = 16 * u;
    double y = margin;
    if (m->title) {
        PangoLayout *pl = text_layout(cr, m, m->st.title_pt, true, m->title);
        double w, h;
        text_size(pl, &w, &h);
        draw_text(cr, m, pl, margin, y, false);
        g_object_unref(pl);
        y += h;
    }
    if (m->subtitle) {
        PangoLayout *pl = text_layout(cr, m, m->st.subtitle_pt, false,
                                      m->subtitle);
        draw_text(cr, m, pl, margin, y, false);
        g_object_unref(pl);
    }
    if (m->source) {
        PangoLayout *pl = text_layout(cr, m, m->st.source_pt, false, m->source);
        pango_layout_set_width(pl, (int)((m->width - 2 * margin) * PANGO_SCALE));
        pango_layout_set_wrap(pl, PANGO_WRAP_WORD);
        double w, h;
        text_size(pl, &w, &h);
        cairo_save(cr);
        set_rgb(cr, m->st.muted_text);
        cairo_move_to(cr, margin, m->height - margin - h);
        pango_cairo_show_layout(cr, pl);
        cairo_restore(cr);
        g_object_unref(pl);
    }
}

/* ---- points ------------------------------------------------------------ */

typedef struct { const char *name; int count; } category_t;

static int categories(const im_map_t *m, category_t *cat, int max)
{
    int n = 0;
    size_t np = im_points_count(m->points);
    for (size_t i = 0; i < np; i++) {
        const char *c;
        im_points_get(m->points, i, NULL, NULL, &c, NULL);
        int k = 0;
        while (k < n && strcmp(cat[k].name, c))
            k++;
        if (k == n && n < max)
            cat[n++] = (category_t){c, 0};
        if (k < n)
            cat[k].count++;
    }
    return n;
}

static double point_radius(const im_map_t *m, int casualties)
{
    /* Area proportional to casualties: radius grows with the square root. */
    return m->unit * (3.5 + 1.2 * sqrt((double)casualties));
}

/* One label per place: its name and the dates of its incidents, beside
 * the symbols, skipped where it would collide with one already placed. */
static void draw_point_labels(cairo_t *cr, im_map_t *m, const im_xy_t *px)
{
    size_t np = im_points_count(m->points);
    rect_t *placed = malloc((np ? np : 1) * sizeof *placed);
    if (!placed)
        return;
    size_t nplaced = 0;
    for (size_t i = 0; i < np; i++) {
        const char *place, *date;
        im_points_text(m->points, i, &place, &date);
        bool first = true;
        for (size_t j = 0; j < i && first; j++) {
            const char *pj;
            im_points_text(m->points, j, &pj, NULL);
            first = strcmp(pj, place) != 0;
        }
        if (!first || !place[0])
            continue;
        /* Dates of every record at this place, in input order. */
        char text[512];
        size_t o = (size_t)snprintf(text, sizeof text, "%s ", place);
        double x1 = -INFINITY, ymid = 0;
        int k = 0;
        for (size_t j = i; j < np && o < sizeof text; j++) {
            const char *pj, *dj;
            im_points_text(m->points, j, &pj, &dj);
            if (strcmp(pj, place))
                continue;
            o += (size_t)snprintf(text + o, sizeof text - o, "%s%s",
                                  k ? ", " : "", dj);
            int cas;
            im_points_get(m->points, j, NULL, NULL, NULL, &cas);
            x1 = fmax(x1, px[j].x + point_radius(m, cas));
            ymid += px[j].y;
            k++;
        }
        ymid /= k;
        PangoLayout *pl = text_layout(cr, m, m->st.label_pt, false, text);
        double w, h;
        text_size(pl, &w, &h);
        rect_t r = {x1 + 3 * m->unit, ymid - h / 2, w, h};
        bool ok = inside(m->map_rect, r) && !overlaps(r, m->legend_rect);
        for (size_t q = 0; ok && q < nplaced; q++)
            ok = !overlaps(r, placed[q]);
        if (ok) {
            draw_text(cr, m, pl, r.x, r.y, true);
            remember_text(m, text);
            placed[nplaced++] = r;
        }
        g_object_unref(pl);
    }
    free(placed);
}

typedef struct { long long key; size_t i; } cell_key_t;

static int by_cell(const void *a, const void *b)
{
    long long x = ((const cell_key_t *)a)->key, y = ((const cell_key_t *)b)->key;
    return (x > y) - (x < y);
}

static int category_index(const category_t *cat, int ncat, const char *c)
{
    int k = 0;
    while (k < ncat && strcmp(cat[k].name, c))
        k++;
    return k;
}

/* Many thousands of points: small squares, one path per category, and
 * transparency to show density; circles and outlines would take seconds
 * and hide each other anyway. */
static void draw_dense_points(cairo_t *cr, const im_map_t *m,
                              const category_t *cat, int ncat)
{
    size_t np = im_points_count(m->points);
    double h = 1.2 * m->unit;
    /* Cairo's cost of filling a path grows faster than its number of
     * boxes, so the boxes go in batches. */
    for (int k = 0; k <= ncat; k++) {
        im_rgb_t col = m->st.points[k < ncat ? k : m->st.npoints - 1];
        cairo_set_source_rgba(cr, col.r, col.g, col.b, 0.5);
        size_t batch = 0;
        for (size_t i = 0; i < np; i++) {
            const char *c;
            im_points_get(m->points, i, NULL, NULL, &c, NULL);
            int ck = category_index(cat, ncat, c);
            if (ck != k && !(k == ncat && ck >= ncat))
                continue;
            im_xy_t p = to_px(m, m->point_xy[i]);
            cairo_rectangle(cr, p.x - h, p.y - h, 2 * h, 2 * h);
            if (++batch == 256) {
                cairo_fill(cr);
                batch = 0;
            }
        }
        cairo_fill(cr);
    }
}

static void draw_points(cairo_t *cr, im_map_t *m)
{
    if (!m->points)
        return;
    category_t cat[IM_STYLE_MAX_RAMP];
    int ncat = categories(m, cat, m->st.npoints);
    size_t np = im_points_count(m->points);
    if (np > 5000) {
        draw_dense_points(cr, m, cat, ncat);
        return;
    }
    im_xy_t *px = malloc((np ? np : 1) * sizeof *px);
    cell_key_t *keys = malloc((np ? np : 1) * sizeof *keys);
    size_t *group = malloc((np ? np : 1) * sizeof *group);
    if (!px || !keys || !group)
        goto done;
    /* Records at one place (a city centroid) are found by sorting on their
     * pixel; a few are dodged onto a ring around it, many become one
     * cluster symbol with their count.  Nothing is drawn on top of
     * another unseen. */
    for (size_t i = 0; i < np; i++) {
        px[i] = to_px(m, m->point_xy[i]);
        keys[i].key = (long long)lround(px[i].x) * 1000003LL + lround(px[i].y);
        keys[i].i = i;
        group[i] = 1;
    }
    qsort(keys, np, sizeof *keys, by_cell);
    for (size_t a = 0; a < np;) {
        size_t b = a;
        while (b < np && keys[b].key == keys[a].key)
            b++;
        size_t same = b - a;
        for (size_t r = 0; r < same; r++) {
            size_t i = keys[a + r].i;
            group[i] = r == 0 ? same : 0;   /* 0: drawn by its group */
            if (same > 1 && same <= 6) {
                double ang = 2 * M_PI * (double)r / (double)same - M_PI / 2;
                double rad = m->unit * (4 + 1.5 * (double)same);
                im_xy_t c = px[i];
                px[i].x = c.x + rad * cos(ang);
                px[i].y = c.y + rad * sin(ang);
                group[i] = 1;
            }
        }
        a = b;
    }
    if (np <= 500)
        draw_point_labels(cr, m, px);
    for (size_t i = 0; i < np; i++) {
        if (group[i] == 0)
            continue;
        const char *c;
        int cas;
        im_points_get(m->points, i, NULL, NULL, &c, &cas);
        int k = category_index(cat, ncat, c);
        im_rgb_t col = m->st.points[k < ncat ? k : m->st.npoints - 1];
        double rad = point_radius(m, cas);
        if (group[i] > 1)   /* a cluster: area grows with its count */
            rad = m->unit * (5 + 2.0 * sqrt((double)group[i]));
        cairo_arc(cr, px[i].x, px[i].y, rad, 0, 2 * M_PI);
        cairo_set_source_rgba(cr, col.r, col.g, col.b, 0.85);
        cairo_fill_preserve(cr);
        set_rgb(cr, m->st.halo);
        cairo_set_line_width(cr, 1.0 * m->unit);
        cairo_stroke(cr);
        if (group[i] > 1) {
            char n[32];
            snprintf(n, sizeof n, "%zu", group[i]);
            PangoLayout *pl = text_layout(cr, m, m->st.label_pt, true, n);
            double w, h;
            text_size(pl, &w, &h);
            draw_text(cr, m, pl, px[i].x - w / 2, px[i].y - h / 2, true);
            g_object_unref(pl);
        }
    }
done:
    free(px);
    free(keys);
    free(group);
}

static void draw_points_legend(cairo_t *cr, const im_map_t *m, rect_t *out)
{
    category_t cat[IM_STYLE_MAX_RAMP];
    int ncat = categories(m, cat, m->st.npoints);
    double u = m->unit, row = m->st.legend_pt * u * 1.9, w = 0, tw, th;
    char text[IM_STYLE_MAX_RAMP][96];
    for (int k = 0; k < ncat; k++) {
        snprintf(text[k], sizeof text[k], "%s (%d)",
                 cat[k].name[0] ? cat[k].name : "unspecified", cat[k].count);
        PangoLayout *pl = text_layout(cr, m, m->st.legend_pt, false, text[k]);
        text_size(pl, &tw, &th);
        g_object_unref(pl);
        w = fmax(w, tw);
    }
    PangoLayout *tl = text_layout(cr, m, m->st.legend_pt, true, "Incidents");
    text_size(tl, &tw, &th);
    w = fmax(w + row * 1.2, tw) + 20 * u;
    double h = th + ncat * row + 20 * u;
    rect_t f = m->map_rect, best = {0, 0, 0, 0};
    double cover = INFINITY, pad = 6 * u;
    const double cx[] = {f.x + pad, f.x + f.w - w - pad};
    const double cy[] = {f.y + pad, f.y + f.h - h - pad};
    for (int c = 0; c < 4; c++) {
        rect_t cand = {cx[c & 1], cy[c >> 1], w, h};
        double v = land_cover(m, cand);
        if (v < cover - 1e-9) {
            cover = v;
            best = cand;
        }
    }
    cairo_rectangle(cr, best.x, best.y, best.w, best.h);
    cairo_set_source_rgba(cr, 1, 1, 1, 0.88);
    cairo_fill(cr);
    draw_text(cr, m, tl, best.x + 10 * u, best.y + 10 * u, false);
    g_object_unref(tl);
    double y = best.y + 10 * u + th + 4 * u;
    for (int k = 0; k < ncat; k++, y += row) {
        im_rgb_t col = m->st.points[k];
        cairo_arc(cr, best.x + 10 * u + row * 0.4, y + row / 2, row * 0.3, 0,
                  2 * M_PI);
        set_rgb(cr, col);
        cairo_fill(cr);
        PangoLayout *pl = text_layout(cr, m, m->st.legend_pt, false, text[k]);
        text_size(pl, &tw, &th);
        draw_text(cr, m, pl, best.x + 10 * u + row * 1.2, y + (row - th) / 2,
                  false);
        g_object_unref(pl);
    }
    *out = best;
}

/* ---- drawing ----------------------------------------------------------- */

static void draw_map(cairo_t *cr, im_map_t *m)
{
    m->drawn_len = 0;
    if (m->drawn_text)
        m->drawn_text[0] = '\0';
    set_rgb(cr, m->st.background);
    cairo_paint(cr);
    rect_t f = m->map_rect;
    cairo_save(cr);
    cairo_rectangle(cr, f.x, f.y, f.w, f.h);
    cairo_clip(cr);
    draw_districts(cr, m);
    draw_province_lines(cr, m);
    if (m->type == IM_MAP_CHOROPLETH) {
        place_legend(cr, m, "Incidents");
        draw_legend(cr, m, "Incidents");
        draw_labels(cr, m);
    } else {
        draw_points_legend(cr, m, &m->legend_rect);
        draw_points(cr, m);
    }
    draw_scale_bar(cr, m);
    cairo_restore(cr);
    cairo_rectangle(cr, f.x, f.y, f.w, f.h);
    set_rgb(cr, m->st.line_district);
    cairo_set_line_width(cr, 0.6 * m->unit);
    cairo_stroke(cr);
    draw_furniture(cr, m);
}

static void xml_escaped(FILE *f, const char *s)
{
    for (; s && *s; s++) {
        switch (*s) {
        case '<': fputs("&lt;", f); break;
        case '>': fputs("&gt;", f); break;
        case '&': fputs("&amp;", f); break;
        case '"': fputs("&quot;", f); break;
        default: fputc(*s, f);
        }
    }
}

/* Adds <title> and <desc> after the opening <svg> tag of the file Cairo
 * wrote, so that the map's title and labels are text in the SVG. */
static im_status_t svg_add_text(im_map_t *m, const char *tmp, const char *path)
{
    FILE *f = fopen(tmp, "rb");
    if (!f)
        return im_error(m->ctx, IM_ERR_IO, "cannot write '%s': %s", path,
                        strerror(errno));
    fseek(f, 0, SEEK_END);
    long len = ftell(f);
    fseek(f, 0, SEEK_SET);
    char *svg = len > 0 ? malloc((size_t)len + 1) : NULL;
    size_t got = svg ? fread(svg, 1, (size_t)len, f) : 0;
    fclose(f);
    if (!svg || got != (size_t)len) {
        free(svg);
        return im_error(m->ctx, IM_ERR_IO, "cannot write '%s'", path);
    }
    svg[len] = '\0';
    char *open_tag = strstr(svg, "<svg");
    char *end = open_tag ? strchr(open_tag, '>') : NULL;
    im_status_t st = IM_OK;
    f = end ? fopen(tmp, "wb") : NULL;
    if (!f) {
        st = im_error(m->ctx, IM_ERR_IO, "cannot write '%s'", path);
    } else {
        fwrite(svg, 1, (size_t)(end + 1 - svg), f);
        fputs("\n<title>", f);
        xml_escaped(f, m->title ? m->title : "Map");
        fputs("</title>\n<desc>", f);
        xml_escaped(f, m->subtitle);
        fputs(m->subtitle ? ". Labels: " : "Labels: ", f);
        xml_escaped(f, m->drawn_text);
        fputs(". ", f);
        xml_escaped(f, m->source);
        fputs("</desc>", f);
        fputs(end + 1, f);
        if (fclose(f))
            st = im_error(m->ctx, IM_ERR_IO, "cannot write '%s'", path);
    }
    free(svg);
    return st;
}

static const char *extension(const char *path)
{
    const char *dot = strrchr(path, '.'), *slash = strrchr(path, '/');
    return dot && (!slash || dot > slash) ? dot + 1 : "";
}

im_status_t im_map_write(im_map_t *m, const char *path)
{
    const char *ext = extension(path);
    enum { PNG, SVG, PDF } kind;
    if (strcasecmp(ext, "png") == 0)
        kind = PNG;
    else if (strcasecmp(ext, "svg") == 0)
        kind = SVG;
    else if (strcasecmp(ext, "pdf") == 0)
        kind = PDF;
    else
        return im_error(m->ctx, IM_ERR_ARG,
                        "%s: unknown output format '%s' (use .png, .svg or "
                        ".pdf)",
                        path, ext);
    /* Write beside the target and rename, so that a failure never leaves
     * a partial map where the caller expects a finished one. */
    size_t n = strlen(path) + 16;
    char *tmp = malloc(n);
    if (!tmp)
        return im_error(m->ctx, IM_ERR_NOMEM, "out of memory");
    /* Not mkstemp: its 0600 mode would stick to the finished map, while
     * open() with 0666 lets the user's umask decide as for any file. */
    int fd = -1;
    for (unsigned k = 0; fd < 0 && k < 100; k++) {
        snprintf(tmp, n, "%s.%x.tmp", path,
                 ((unsigned)getpid() * 2654435761u + k) & 0xffffffu);
        fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL, 0666);
        if (fd < 0 && errno != EEXIST)
            break;
    }
    if (fd < 0) {
        im_status_t st = im_error(m->ctx, IM_ERR_IO, "cannot write '%s': %s",
                                  path, strerror(errno));
        free(tmp);
        return st;
    }
    close(fd);
    cairo_surface_t *s;
    if (kind == PNG)
        s = cairo_image_surface_create(CAIRO_FORMAT_ARGB32, m->width, m->height);
    else if (kind == SVG)
        s = cairo_svg_surface_create(tmp, m->width, m->height);
    else
        s = cairo_pdf_surface_create(tmp, m->width, m->height);
    if (kind == PDF && m->title)
        cairo_pdf_surface_set_metadata(s, CAIRO_PDF_METADATA_TITLE, m->title);
    cairo_t *cr = cairo_create(s);
    draw_map(cr, m);
    cairo_status_t cs = cairo_status(cr);
    cairo_destroy(cr);
    if (!cs && kind == PNG)
        cs = cairo_surface_write_to_png(s, tmp);
    cairo_surface_finish(s);
    if (!cs)
        cs = cairo_surface_status(s);
    cairo_surface_destroy(s);
    im_status_t st = IM_OK;
    if (cs)
        st = im_error(m->ctx, IM_ERR_IO, "cannot write '%s': %s", path,
                      cairo_status_to_string(cs));
    else if (kind == SVG)
        st = svg_add_text(m, tmp, path);
    if (!st && rename(tmp, path))
        st = im_error(m->ctx, IM_ERR_IO, "cannot write '%s': %s", path,
                      strerror(errno));
    if (st)
        unlink(tmp);
    free(tmp);
    return st;
}

/* ---- lifecycle --------------------------------------------------------- */

static char *dup_or_null(const char *s) { return s ? im_strdup(s) : NULL; }

im_status_t im_map_new(im_ctx_t *ctx, const im_layer_t *layer,
                       const im_values_t *values, const im_points_t *points,
                       const im_map_options_t *opt, im_map_t **out)
{
    *out = NULL;
    im_map_options_t o = opt ? *opt : (im_map_options_t){0};
    if (o.type == IM_MAP_CHOROPLETH && !values)
        return im_error(ctx, IM_ERR_ARG, "a choropleth needs values");
    if (o.type == IM_MAP_POINTS && !points)
        return im_error(ctx, IM_ERR_ARG, "a point map needs points");
    int w = o.width_px ? o.width_px : 1600, h = o.height_px ? o.height_px : 1200;
    if (w < 200 || h < 200 || w > 20000 || h > 20000)
        return im_error(ctx, IM_ERR_ARG,
                        "map size %dx%d px is outside 200..20000", w, h);
    im_map_t *m = calloc(1, sizeof *m);
    if (!m)
        return im_error(ctx, IM_ERR_NOMEM, "out of memory");
    m->ctx = ctx;
    m->layer = layer;
    m->values = values;
    m->points = points;
    m->type = o.type;
    m->width = w;
    m->height = h;
    m->unit = fmin(w, h) / 800.0;
    m->classes.n = o.classes;
    im_style_values(o.style, &m->st);
    m->title = dup_or_null(o.title);
    m->subtitle = dup_or_null(o.subtitle);
    m->source = dup_or_null(o.source);
    m->label_template = im_strdup(o.label_template ? o.label_template
                                                   : "{name} {value}");
    const char *const *prov = o.provinces ? o.provinces : default_provinces;
    size_t np = 0;
    while (prov[np])
        np++;
    m->provinces = calloc(np + 1, sizeof *m->provinces);
    im_status_t st = IM_OK;
    if (!m->label_template || !m->provinces ||
        (o.title && !m->title) || (o.subtitle && !m->subtitle) ||
        (o.source && !m->source))
        st = im_error(ctx, IM_ERR_NOMEM, "out of memory");
    for (size_t i = 0; !st && i < np; i++) {
        const char *canon = im_gazetteer_province(im_layer_gazetteer(layer),
                                                  prov[i]);
        if (!canon)
            st = im_error(ctx, IM_ERR_ARG, "unknown province '%s'", prov[i]);
        else if (!(m->provinces[i] = im_strdup(canon)))
            st = im_error(ctx, IM_ERR_NOMEM, "out of memory");
    }
    if (!st)
        st = im_proj_new(ctx, &m->proj);
    if (!st)
        st = project_layer(m);
    if (!st)
        st = fit_frame(m);
    if (!st)
        st = classify(m);
    if (st) {
        im_map_free(m);
        return st;
    }
    *out = m;
    return IM_OK;
}

void im_map_free(im_map_t *m)
{
    if (!m)
        return;
    if (m->shapes)
        for (size_t i = 0; i < im_layer_count(m->layer); i++)
            im_shape_clear(&m->shapes[i]);
    free(m->shapes);
    for (size_t k = 0; m->outlines && k < m->noutlines; k++)
        im_shape_clear(&m->outlines[k]);
    free(m->outlines);
    free(m->outline_selected);
    free(m->label_xy);
    free(m->selected);
    free(m->point_xy);
    for (char **p = m->provinces; p && *p; p++)
        free(*p);
    free(m->provinces);
    free(m->title);
    free(m->subtitle);
    free(m->source);
    free(m->label_template);
    free(m->drawn_text);
    im_proj_free(m->proj);
    free(m);
}
