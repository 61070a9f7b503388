/*
 * render.c: map layout and drawing with Cairo and Pango, the only module
 * that talks to either.  The map is laid out once (projection, frame,
 * classes, legend position) and drawn by one function onto whichever
 * Cairo surface the output format needs, so PNG, SVG and PDF show the same
 * map.  Sizes in the style are points at a reference map of 800 px on its
 * short side and scale with the output, so text keeps its proportion.
 */
#include "blend.h"
#include "bytes.h"
#include "context.h"
#include "csv.h"
#include "gazetteer.h"
#include "hairline.h"
#include "layer.h"
#include "png_write.h"
#include "points.h"
#include "projection.h"
#include "svg.h"
#include "style.h"
#include "values.h"

#include <cairo-pdf.h>
#include <cairo-svg.h>
#include <cairo.h>
#include <ctype.h>
#include <errno.h>
#include <stdint.h>
#include <fcntl.h>
#include <math.h>
#include <pthread.h>
#include <pango/pangocairo.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <stdatomic.h>
#include <threads.h>
#include <unistd.h>
#ifdef __SSE2__
#include <emmintrin.h>
#endif

typedef struct { double x, y, w, h; } rect_t;

/* Above this many points a map draws them as small blended squares, and
 * projects them in chunks as it goes rather than keeping them all
 * projected. */
#define DENSE_POINTS 5000
#define POINT_CHUNK 65536

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
    unsigned char **edge_skip; /* per shape and point: the edge is stroked
                                  by a neighbour (bit 1: in the selection's
                                  pass, bit 0: in the context's) */
    im_xy_t *point_xy;      /* projected incidents, up to DENSE_POINTS */
    im_shape_t *outlines;   /* projected province outlines */
    im_shape_t *countries;  /* projected neighbouring countries */
    size_t ncountries;
    im_shape_t home;        /* projected outline of the map's own country */
    struct place_label { char name[48]; bool sea; double size; im_xy_t xy; }
        *places;            /* country and sea names */
    size_t nplaces;
    bool *outline_selected;
    size_t noutlines;
    double scale, ox, oy;   /* px = ox + x * scale, py = oy - y * scale */
    double unit;            /* px per style point */
    rect_t map_rect, legend_rect, inset_rect;
    double dpi;
    bool inset;
    im_scheme_t scheme;
    char lang[8];
    char legend_title[96];
    const im_classes_t *fixed_classes;
    bool legend;
    double breaks[IM_MAX_CLASSES];
    int nbreaks;
    double ext[4];          /* projected extent of the selection */
    im_classes_t classes;
    int dropped;
    rect_t *labels;         /* label boxes placed by the last write */
    im_xy_t *leaders;       /* per label, the ends of its leader line (the
                               point's end first), NaN for none */
    size_t nlabels;
    char *drawn_text;       /* labels drawn by the last write, "; "-joined */
    size_t drawn_len, drawn_cap;
    char legend_text[1024]; /* the legend's entries, for the SVG */
    im_svg_t *svg;          /* while writing SVG: paths and text go here */
    bool vector_output;     /* drawing for SVG or PDF, which scale up */
    /* Memory ran out while drawing: the drawing functions leave out what
     * they could not allocate for, and the write then fails rather than
     * hand over a map with parts missing. */
    bool draw_failed;
    bool outside_warned;    /* points outside the frame have been counted */
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
    return im_proj_forward_drawn(m->proj, &dst->pts[0].x, &dst->pts[0].y,
                                 dst->npts, 2);
}

/* Neighbouring countries and the names of countries and sea, from
 * <data dir>/context.  They are decoration: a data directory without them
 * gives a map without them.  Files that are there but cannot be read, or
 * memory running out, fail the map rather than quietly leave them out. */
static im_status_t load_context(im_map_t *m)
{
    im_shape_t *deg = NULL;
    size_t n = 0, self;
    im_status_t st = im_context_read(m->ctx, NULL, &deg, &n, &self);
    if (!st && n) {
        m->countries = calloc(n, sizeof *m->countries);
        if (!m->countries)
            st = im_error(m->ctx, IM_ERR_NOMEM, "out of memory");
    }
    for (size_t i = 0; !st && i < n; i++) {
        /* Counted before it is filled, so that im_map_free releases a
         * shape copied halfway. */
        im_shape_t *dst = i == self ? &m->home : &m->countries[m->ncountries++];
        if (copy_projected(m, &deg[i], dst))
            st = im_error(m->ctx, IM_ERR_NOMEM,
                          "out of memory or PROJ failed on the context "
                          "outlines");
    }
    for (size_t i = 0; i < n; i++)
        im_shape_clear(&deg[i]);
    free(deg);
    if (st)
        return st;
    char *path = im_data_path(m->ctx, "context/labels.csv");
    if (!path)
        return im_error(m->ctx, IM_ERR_NOMEM, "out of memory");
    im_csv_t *csv = NULL;
    if (access(path, R_OK) == 0)
        st = im_csv_open(m->ctx, path, &csv);
    free(path);
    if (st || !csv)
        return st;
    int cn = im_csv_column(csv, "name"), ck = im_csv_column(csv, "kind");
    int clon = im_csv_column(csv, "lon"), clat = im_csv_column(csv, "lat");
    int cs = im_csv_column(csv, "size");
    int r;
    while ((r = im_csv_next(csv)) == 1) {
        struct place_label *p = realloc(m->places, (m->nplaces + 1) * sizeof *p);
        if (!p) {
            st = im_error(m->ctx, IM_ERR_NOMEM, "out of memory");
            break;
        }
        m->places = p;
        p += m->nplaces;
        snprintf(p->name, sizeof p->name, "%s", im_csv_field(csv, cn));
        p->sea = !strcmp(im_csv_field(csv, ck), "sea");
        p->size = cs >= 0 && atof(im_csv_field(csv, cs)) > 0
                      ? atof(im_csv_field(csv, cs)) : 1.0;
        p->xy.x = atof(im_csv_field(csv, clon));
        p->xy.y = atof(im_csv_field(csv, clat));
        if (im_proj_forward(m->proj, &p->xy.x, &p->xy.y, 1, 1) == IM_OK)
            m->nplaces++;
    }
    if (!st && r < 0)
        st = IM_ERR_PARSE;
    im_csv_free(csv);
    return st;
}

static void free_edge_skip(im_map_t *m)
{
    for (size_t i = 0; m->edge_skip && i < im_layer_count(m->layer); i++)
        free(m->edge_skip[i]);
    free(m->edge_skip);
    m->edge_skip = NULL;
}

/* Neighbouring districts share their borders point for point: stroked
 * once instead of twice, they cost the rasteriser half as much. */
static im_status_t mark_shared_edges(im_map_t *m)
{
    size_t n = im_layer_count(m->layer);
    m->edge_skip = calloc(n ? n : 1, sizeof *m->edge_skip);
    bool *context = malloc((n ? n : 1) * sizeof *context);
    bool ok = m->edge_skip && context;
    for (size_t i = 0; ok && i < n; i++) {
        m->edge_skip[i] = calloc(m->shapes[i].npts ? m->shapes[i].npts : 1, 1);
        ok = m->edge_skip[i] != NULL;
        context[i] = !m->selected[i];
    }
    ok = ok && im_shapes_mark_shared_edges(m->shapes, n, m->selected,
                                           m->edge_skip, 2) &&
         im_shapes_mark_shared_edges(m->shapes, n, context, m->edge_skip, 1);
    free(context);
    if (ok)
        return IM_OK;
    free_edge_skip(m);
    return im_error(m->ctx, IM_ERR_NOMEM, "out of memory");
}

static im_status_t project_layer(im_map_t *m)
{
    size_t n = im_layer_count(m->layer);
    m->shapes = calloc(n, sizeof *m->shapes);
    m->label_xy = calloc(n, sizeof *m->label_xy);
    m->selected = calloc(n, sizeof *m->selected);
    if (!m->shapes || !m->label_xy || !m->selected)
        return im_error(m->ctx, IM_ERR_NOMEM, "out of memory");
    /* Shapes are only drawn and measured in pixels: a detailed layer
     * (geoBoundaries' districts have some 300,000 points) is projected
     * through the tables, which take as long to make as 6,000 points
     * take to project without them. */
    size_t total = 0;
    for (size_t i = 0; i < n; i++)
        total += im_layer_shape(m->layer, i)->npts;
    if (total > 20000)
        im_proj_prepare_drawn(m->proj);
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
    if (mark_shared_edges(m))
        return IM_ERR_NOMEM;
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
    if (m->points && im_points_count(m->points) <= DENSE_POINTS) {
        size_t np = im_points_count(m->points);
        m->point_xy = calloc(np ? np : 1, sizeof *m->point_xy);
        if (!m->point_xy)
            return im_error(m->ctx, IM_ERR_NOMEM, "out of memory");
        im_points_lonlat(m->points, 0, np, &m->point_xy[0].x,
                         &m->point_xy[0].y, 2);
        if (np && im_proj_forward(m->proj, &m->point_xy[0].x,
                                  &m->point_xy[0].y, np, 2))
            return im_error(m->ctx, IM_ERR_LIB, "PROJ: cannot project points");
    }
    return IM_OK;
}

static im_xy_t to_px(const im_map_t *m, im_xy_t p);

/* Incidents beyond the frame (coordinates in another country, or lat
 * and lon swapped) would be clipped away unseen, so they are counted in
 * a warning, once per map. */
static void warn_outside(im_map_t *m, size_t out, size_t first)
{
    m->outside_warned = true;
    if (!out)
        return;
    double lon, lat;
    const char *place;
    im_points_get(m->points, first, &lon, &lat, NULL, NULL);
    im_points_text(m->points, first, &place, NULL);
    im_warn(m->ctx, "%zu incident(s) lie outside the map and are not drawn, "
                    "the first at %.4f, %.4f ('%s')",
            out, lat, lon, place);
}

static bool outside_frame(const im_map_t *m, im_xy_t p)
{
    const rect_t *f = &m->map_rect;
    return !(p.x >= f->x && p.x <= f->x + f->w && p.y >= f->y &&
             p.y <= f->y + f->h);
}

/* Points kept projected are checked as soon as the frame is known;
 * dense ones, which are not kept, while they are drawn (a second pass
 * to project them would cost a tenth of a million-point map). */
static void warn_points_outside(im_map_t *m)
{
    if (!m->point_xy)
        return;
    size_t np = im_points_count(m->points), out = 0, first = 0;
    for (size_t i = 0; i < np; i++)
        if (outside_frame(m, to_px(m, m->point_xy[i])) && out++ == 0)
            first = i;
    warn_outside(m, out, first);
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
    m->ext[0] = minx;
    m->ext[1] = miny;
    m->ext[2] = maxx;
    m->ext[3] = maxy;
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
    warn_points_outside(m);
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
    if (m->fixed_classes) {
        m->classes = *m->fixed_classes;
        return IM_OK;
    }
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
    im_status_t st = im_classify(v, k, m->scheme, nclass, m->breaks, m->nbreaks,
                                 &m->classes);
    free(v);
    if (st)
        return im_error(m->ctx, st, "out of memory");
    /* Counts read better as contiguous whole ranges (1-4, 5-11, 12-36)
     * than as the data's own minima and maxima with gaps between. */
    if (im_values_are_counts(m->values)) {
        for (int c = 1; c < m->classes.n; c++)
            m->classes.lo[c] = floor(m->classes.hi[c - 1]) + 1;
        /* Manual bounds start counting at one, not at the data's least. */
        if (m->scheme == IM_SCHEME_MANUAL && m->classes.n)
            m->classes.lo[0] = 1;
    }
    if (m->classes.n > m->st.nramp)
        return im_error(m->ctx, IM_ERR_ARG, "%d classes but the palette has "
                        "%d colours", m->classes.n, m->st.nramp);
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

size_t im_map_label_count(const im_map_t *m) { return m->nlabels; }

bool im_map_label_leader(const im_map_t *m, size_t i, double *out_x0,
                         double *out_y0, double *out_x1, double *out_y1)
{
    if (i >= m->nlabels || isnan(m->leaders[2 * i].x))
        return false;
    *out_x0 = m->leaders[2 * i].x;
    *out_y0 = m->leaders[2 * i].y;
    *out_x1 = m->leaders[2 * i + 1].x;
    *out_y1 = m->leaders[2 * i + 1].y;
    return true;
}

void im_map_label_box(const im_map_t *m, size_t i, double *out_x, double *out_y,
                      double *out_w, double *out_h)
{
    const rect_t *r = i < m->nlabels ? &m->labels[i] : &m->legend_rect;
    *out_x = r->x;
    *out_y = r->y;
    *out_w = r->w;
    *out_h = r->h;
}

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

/* Text is laid out at one size and scaled to the size it is drawn at.
 * Pango asks fontconfig to sort every installed font for each distinct
 * size, which was a tenth of a whole map's time with the dozen sizes a
 * map uses; glyphs are still rasterised by Cairo at the final size.  At
 * this size, metrics rounded by Pango stay well under a tenth of a pixel
 * once scaled. */
#define TEXT_LAYOUT_PX 48.0

static double text_scale(PangoLayout *pl)
{
    const double *s = g_object_get_data(G_OBJECT(pl), "incimap-scale");
    return s ? *s : 1.0;
}

static PangoLayout *text_layout(cairo_t *cr, const im_map_t *m, double pt,
                                bool bold, const char *text)
{
    PangoLayout *pl = pango_cairo_create_layout(cr);
    double *scale = g_new(double, 1);
    *scale = pt * m->unit / TEXT_LAYOUT_PX;
    g_object_set_data_full(G_OBJECT(pl), "incimap-scale", scale, g_free);
    PangoFontDescription *fd = pango_font_description_from_string(m->st.font);
    pango_font_description_set_absolute_size(fd, TEXT_LAYOUT_PX * PANGO_SCALE);
    if (bold)
        pango_font_description_set_weight(fd, PANGO_WEIGHT_BOLD);
    pango_layout_set_font_description(pl, fd);
    pango_font_description_free(fd);
    /* Titles and names come from input files and the command line; Pango
     * refuses malformed UTF-8 with a warning and draws nothing. */
    if (g_utf8_validate(text, -1, NULL)) {
        pango_layout_set_text(pl, text, -1);
    } else {
        gchar *valid = g_utf8_make_valid(text, -1);
        pango_layout_set_text(pl, valid, -1);
        g_free(valid);
    }
    return pl;
}

/* Sets the size a layout is drawn at, in points: laid out at
 * TEXT_LAYOUT_PX, a text is the same layout at every size. */
static void text_set_size(PangoLayout *pl, const im_map_t *m, double pt)
{
    double *s = g_object_get_data(G_OBJECT(pl), "incimap-scale");
    *s = pt * m->unit / TEXT_LAYOUT_PX;
}

/* Wraps the layout's lines at width_px as drawn. */
static void text_wrap(PangoLayout *pl, double width_px)
{
    pango_layout_set_width(pl, (int)(width_px / text_scale(pl) * PANGO_SCALE));
    pango_layout_set_wrap(pl, PANGO_WRAP_WORD);
}

static void text_size(PangoLayout *pl, double *w, double *h)
{
    int iw, ih;
    pango_layout_get_size(pl, &iw, &ih);
    double s = text_scale(pl);
    *w = s * iw / PANGO_SCALE;
    *h = s * ih / PANGO_SCALE;
}

/* Keeps a heading on one line of width_px: smaller, down to 70% of its
 * size, and past that cut with an ellipsis rather than run off the page. */
static void text_fit_line(PangoLayout *pl, const im_map_t *m, double pt,
                          double width_px)
{
    double w, h;
    text_size(pl, &w, &h);
    if (w <= width_px)
        return;
    text_set_size(pl, m, pt * fmax(0.99 * width_px / w, 0.7));
    text_size(pl, &w, &h);
    /* Cut by whole words, and in the text itself, not with Pango's
     * ellipsizing, which our SVG writer would not see. */
    gchar *text = g_strdup(pango_layout_get_text(pl));
    size_t len = strlen(text);
    while (w > width_px && len > 0) {
        gchar *space = g_utf8_strrchr(text, (gssize)len, ' ');
        gchar *prev = g_utf8_find_prev_char(text, text + len);
        len = space && space > text ? (size_t)(space - text)
              : prev ? (size_t)(prev - text) : 0;
        while (len > 0 && strchr(" ,;:-", text[len - 1]))
            len--;
        gchar *cut = g_strdup_printf("%.*s\xE2\x80\xA6", (int)len, text);
        pango_layout_set_text(pl, cut, -1);
        g_free(cut);
        text_size(pl, &w, &h);
    }
    g_free(text);
}

/* Every fill, stroke, paint, clip, save and restore goes through these,
 * so that one drawing path serves Cairo's surfaces and our SVG writer. */
static void fill_(cairo_t *cr, const im_map_t *m)
{
    if (m->svg) {
        im_svg_fill(m->svg, cr);
        cairo_new_path(cr);
    } else {
        cairo_fill(cr);
    }
}

static void fill_preserve_(cairo_t *cr, const im_map_t *m)
{
    if (m->svg)
        im_svg_fill(m->svg, cr);
    else
        cairo_fill_preserve(cr);
}

static void stroke_(cairo_t *cr, const im_map_t *m)
{
    if (m->svg) {
        im_svg_stroke(m->svg, cr);
        cairo_new_path(cr);
    } else {
        cairo_stroke(cr);
    }
}

/* The coverage mask stroke_cover_ draws into, kept with the cairo_t
 * that uses it: a map strokes a dozen paths per band, and a fresh
 * megabyte each time costs more in page faults than the drawing.  It is
 * left all zeros after each use.  Only the key's address matters. */
static const cairo_user_data_key_t cover_mask_key;

static cairo_surface_t *cover_mask(cairo_t *cr, int w, int h)
{
    cairo_surface_t *s = cairo_get_user_data(cr, &cover_mask_key);
    if (s && cairo_image_surface_get_width(s) == w &&
        cairo_image_surface_get_height(s) == h)
        return s;
    s = cairo_image_surface_create(CAIRO_FORMAT_A8, w, h);
    if (cairo_surface_status(s) ||
        cairo_set_user_data(cr, &cover_mask_key, s,
                            (cairo_destroy_func_t)cairo_surface_destroy)) {
        cairo_surface_destroy(s);
        return NULL;
    }
    return s;
}

/* Strokes cr's path as stroke_ does.  On a raster page, a line up to
 * IM_HAIRLINE_MAX_ROUND pixels wide is laid as coverage (hairline.h) in
 * the source colour: Cairo's stroker builds and scan-converts a polygon
 * for every segment, which for the borders of a detailed map was a
 * quarter of the drawing.  Lines up to IM_HAIRLINE_MAX_WIDTH are summed
 * along the line, wider ones get round ends and joins like the ones they
 * replace.  The clip still applies, since the mask goes through Cairo,
 * and only the box the path reaches is composited. */
static void stroke_cover_(cairo_t *cr, const im_map_t *m)
{
    double w = cairo_get_line_width(cr);
    cairo_surface_t *s = cairo_get_target(cr);
    cairo_matrix_t mx;
    cairo_get_matrix(cr, &mx);
    if (m->svg || m->vector_output || !(w <= IM_HAIRLINE_MAX_ROUND) ||
        cairo_surface_get_type(s) != CAIRO_SURFACE_TYPE_IMAGE ||
        mx.xx != 1 || mx.yy != 1 || mx.xy != 0 || mx.yx != 0 ||
        mx.x0 != floor(mx.x0) || mx.y0 != floor(mx.y0)) {
        stroke_(cr, m);
        return;
    }
    bool thin = w <= IM_HAIRLINE_MAX_WIDTH;
    /* The mask covers the clip's pixels on the surface, in user space. */
    double cx0, cy0, cx1, cy1;
    cairo_clip_extents(cr, &cx0, &cy0, &cx1, &cy1);
    double ux0 = fmax(floor(cx0), -mx.x0), uy0 = fmax(floor(cy0), -mx.y0);
    double ux1 = fmin(ceil(cx1), cairo_image_surface_get_width(s) - mx.x0);
    double uy1 = fmin(ceil(cy1), cairo_image_surface_get_height(s) - mx.y0);
    if (!(ux1 > ux0) || !(uy1 > uy0)) {
        cairo_new_path(cr);
        return;
    }
    cairo_surface_t *mask = cover_mask(cr, (int)(ux1 - ux0), (int)(uy1 - uy0));
    cairo_path_t *p = cairo_copy_path(cr);
    if (!mask || p->status) {
        cairo_path_destroy(p);
        stroke_(cr, m);
        return;
    }
    cairo_surface_flush(mask);
    im_coverage_t c = {cairo_image_surface_get_data(mask),
                       cairo_image_surface_get_width(mask),
                       cairo_image_surface_get_height(mask),
                       cairo_image_surface_get_stride(mask)};
    double x = 0, y = 0, sx = 0, sy = 0;
    double bx0 = INFINITY, by0 = INFINITY, bx1 = -INFINITY, by1 = -INFINITY;
    for (int i = 0; i < p->num_data; i += p->data[i].header.length) {
        const cairo_path_data_t *d = &p->data[i];
        /* Paths here are polylines; a curve goes to its end point. */
        const cairo_path_data_t *end = &d[d->header.length - 1];
        double nx = end->point.x - ux0, ny = end->point.y - uy0;
        if (d->header.type == CAIRO_PATH_CLOSE_PATH) {
            nx = sx;
            ny = sy;
        } else {
            bx0 = fmin(bx0, nx);
            by0 = fmin(by0, ny);
            bx1 = fmax(bx1, nx);
            by1 = fmax(by1, ny);
        }
        if (d->header.type == CAIRO_PATH_MOVE_TO) {
            sx = nx;
            sy = ny;
            /* A lone point of a round line is a dot, as Cairo draws it. */
            if (!thin)
                im_hairline_round(&c, nx, ny, nx, ny, w);
        } else if (thin) {
            im_hairline_add(&c, x, y, nx, ny, w);
        } else {
            im_hairline_round(&c, x, y, nx, ny, w);
        }
        x = nx;
        y = ny;
    }
    cairo_path_destroy(p);
    cairo_new_path(cr);
    /* The box of pixels the line reached, within the mask. */
    if (!(bx1 >= bx0) || !(by1 >= by0))
        return;
    double reach = 0.5 * w + 2;
    int x0 = (int)fmin(fmax(floor(bx0 - reach), 0.0), (double)c.width);
    int y0 = (int)fmin(fmax(floor(by0 - reach), 0.0), (double)c.height);
    int x1 = (int)fmin(fmax(ceil(bx1 + reach), 0.0), (double)c.width);
    int y1 = (int)fmin(fmax(ceil(by1 + reach), 0.0), (double)c.height);
    if (x1 <= x0 || y1 <= y0)
        return;
    cairo_surface_mark_dirty(mask);
    cairo_save(cr);
    cairo_rectangle(cr, ux0 + x0, uy0 + y0, x1 - x0, y1 - y0);
    cairo_clip(cr);
    cairo_mask_surface(cr, mask, ux0, uy0);
    cairo_restore(cr);
    cairo_surface_flush(mask);
    for (int row = y0; row < y1; row++)
        memset(c.data + (size_t)row * (size_t)c.stride + (size_t)x0, 0,
               (size_t)(x1 - x0));
    cairo_surface_mark_dirty(mask);
}

static void paint_(cairo_t *cr, const im_map_t *m)
{
    if (m->svg)
        im_svg_paint(m->svg, cr);
    else
        cairo_paint(cr);
}

static void clip_(cairo_t *cr, const im_map_t *m)
{
    if (m->svg)
        im_svg_clip(m->svg, cr);
    cairo_clip(cr);
}

static void save_(cairo_t *cr, const im_map_t *m)
{
    cairo_save(cr);
    if (m->svg)
        im_svg_save(m->svg);
}

static void restore_(cairo_t *cr, const im_map_t *m)
{
    cairo_restore(cr);
    if (m->svg)
        im_svg_restore(m->svg);
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
        if (!d) {
            m->draw_failed = true;
            return;
        }
        m->drawn_text = d;
        m->drawn_cap = cap;
    }
    m->drawn_len += (size_t)snprintf(m->drawn_text + m->drawn_len,
                                     m->drawn_cap - m->drawn_len, "%s%s",
                                     m->drawn_len ? "; " : "", text);
}

/* Records each line of a layout as an SVG <text> centred on the line, so
 * that right-to-left lines (Urdu) anchor the same way as the rest. */
static void record_svg_text(cairo_t *cr, im_map_t *m, PangoLayout *pl,
                            double x, double y, im_rgb_t rgb, bool halo)
{
    const char *all = pango_layout_get_text(pl);
    const PangoFontDescription *fd = pango_layout_get_font_description(pl);
    double scale = text_scale(pl);
    double size = scale * pango_font_description_get_size(fd) / PANGO_SCALE;
    double dx = size, dy = 0;
    cairo_user_to_device_distance(cr, &dx, &dy);
    size = hypot(dx, dy);
    bool bold = pango_font_description_get_weight(fd) >= PANGO_WEIGHT_BOLD;
    bool italic = pango_font_description_get_style(fd) != PANGO_STYLE_NORMAL;
    dx = 2.5 * m->unit;
    dy = 0;
    cairo_user_to_device_distance(cr, &dx, &dy);
    double halo_w = halo ? hypot(dx, dy) : 0;
    PangoLayoutIter *it = pango_layout_get_iter(pl);
    do {
        PangoLayoutLine *line = pango_layout_iter_get_line_readonly(it);
        PangoRectangle logical;
        pango_layout_iter_get_line_extents(it, NULL, &logical);
        if (line->length <= 0)
            continue;
        char *text = strndup(all + line->start_index, (size_t)line->length);
        if (!text) {
            m->draw_failed = true;
            break;
        }
        double lx = x + scale * (logical.x + logical.width / 2.0) / PANGO_SCALE;
        double ly = y + scale * pango_layout_iter_get_baseline(it) / PANGO_SCALE;
        cairo_user_to_device(cr, &lx, &ly);
        im_svg_text(m->svg, text, lx, ly, size, bold, italic, rgb, m->st.halo,
                    halo_w);
        free(text);
    } while (pango_layout_iter_next_line(it));
    pango_layout_iter_free(it);
}

/* On a raster page the halo is the text itself drawn around a circle in
 * the halo colour, as twelve copies: glyphs come from Cairo's cache,
 * where stroking their outlines was a quarter of a whole map's time.
 * Drawing the copies through Pango and Cairo's glyph compositor was then
 * three fifths of the labels' instructions, so the layout is drawn once
 * into an alpha mask of its own, the copies are laid over each other
 * there, and the page gets two masked fills, halo then text.
 *
 * Cairo puts each glyph on whole pixels, rounding its position, so a
 * copy moved by a fraction of a pixel moved each glyph by the whole
 * pixels its own position rounded to.  Here each glyph's part of the
 * mask (the columns its ink covers, on its line's rows) moves by just
 * those pixels, found as Pango and Cairo find them.  Moving the whole
 * mask by one offset, rounded or sampled between pixels, made the halo a
 * pixel thicker or thinner on one side of many glyphs. */
#define HALO_COPIES 12
/* The copying works in blocks of 16 columns, which can run 15 past a
 * row's ink: the masks have that much room past their width, besides
 * the halo's reach. */
#define HALO_SLACK 16

typedef struct {
    int line;       /* which line of the layout */
    int x, y;       /* Pango units: where its run starts, on its baseline */
    int dx, dy;     /* Pango units: where it is in its run */
    bool ink;       /* drawn: not an empty glyph */
    int c0;         /* the mask's column where its advance begins */
    int i0, i1;     /* the columns its ink covers */
    int tx, ty;     /* the pixel it lands on in the mask */
    int sx, sy;     /* how far the copy at hand moves it */
} halo_glyph_t;

/* The pixel Cairo puts a glyph on, its position worked out as Pango's
 * renderer does from the current point (ox, oy), step by step, for the
 * same rounding. */
static void glyph_pixel(cairo_t *cr, double ox, double oy,
                        const halo_glyph_t *g, int *px, int *py)
{
    double base_x = ox + (double)g->x / PANGO_SCALE;
    double base_y = oy + (double)g->y / PANGO_SCALE;
    double cx = base_x + (double)g->dx / PANGO_SCALE;
    double cy = g->dy == 0 ? base_y : base_y + (double)g->dy / PANGO_SCALE;
    cairo_user_to_device(cr, &cx, &cy);
    *px = (int)floor(cx + 0.5);
    *py = (int)floor(cy + 0.5);
}

/* The glyphs of the layout as its renderer places them, with their
 * columns in a mask w wide whose left edge is at device x mx; NULL when
 * memory ran out. */
static halo_glyph_t *layout_glyphs(cairo_t *cr, PangoLayout *pl, int mx,
                                   int w, int *n)
{
    size_t count = 0;
    for (GSList *l = pango_layout_get_lines_readonly(pl); l; l = l->next)
        for (GSList *r = ((PangoLayoutLine *)l->data)->runs; r; r = r->next)
            count += (size_t)((PangoGlyphItem *)r->data)->glyphs->num_glyphs;
    halo_glyph_t *g = malloc((count ? count : 1) * sizeof *g);
    if (!g)
        return NULL;
    PangoLayoutIter *it = pango_layout_get_iter(pl);
    int line = 0, k = 0;
    do {
        PangoRectangle lr;
        pango_layout_iter_get_line_extents(it, NULL, &lr);
        int base = pango_layout_iter_get_baseline(it), x = lr.x;
        PangoLayoutLine *pline = pango_layout_iter_get_line_readonly(it);
        for (GSList *r = pline->runs; r; r = r->next) {
            const PangoGlyphItem *run = r->data;
            x += run->start_x_offset;
            int pos = 0;
            for (int i = 0; i < run->glyphs->num_glyphs && (size_t)k < count;
                 i++) {
                const PangoGlyphInfo *gi = &run->glyphs->glyphs[i];
                g[k] = (halo_glyph_t){.line = line,
                                      .x = x,
                                      .y = base - run->y_offset,
                                      .dx = pos + gi->geometry.x_offset,
                                      .dy = gi->geometry.y_offset,
                                      .ink = gi->glyph != PANGO_GLYPH_EMPTY};
                double cx = (double)(x + pos) / PANGO_SCALE;
                double cy = (double)base / PANGO_SCALE;
                cairo_user_to_device(cr, &cx, &cy);
                int c0 = (int)floor(cx - mx + 0.5);
                g[k].c0 = k && g[k - 1].line == line
                              ? (c0 > g[k - 1].c0 ? c0 : g[k - 1].c0) : 0;
                PangoRectangle gr = {0, 0, 0, 0};
                if (g[k].ink)
                    pango_font_get_glyph_extents(run->item->analysis.font,
                                                 gi->glyph, &gr, NULL);
                double ax = (double)(x + g[k].dx + gr.x) / PANGO_SCALE;
                double bx = ax + (double)gr.width / PANGO_SCALE;
                double ay = (double)base / PANGO_SCALE, by = ay;
                cairo_user_to_device(cr, &ax, &ay);
                cairo_user_to_device(cr, &bx, &by);
                g[k].i0 = (int)fmin(w, fmax(0, floor(fmin(ax, bx) - mx)));
                double end = ceil(fmax(ax, bx) - mx);
                g[k].i1 = gr.width > 0 ? (int)fmin(w, fmax(g[k].i0, end))
                                       : g[k].i0;
                pos += gi->geometry.width;
                k++;
            }
            x += pango_glyph_string_get_width(run->glyphs) + run->end_x_offset;
        }
        line++;
    } while (pango_layout_iter_next_line(it));
    pango_layout_iter_free(it);
    *n = k;
    return g;
}

/* Lays src[a..b] over dst[a..b] where sel is 0xff, as Cairo's OVER on an
 * alpha mask does: the copies cover as they did drawn one over the
 * other.  Works in blocks of 16, so the rows have HALO_SLACK columns of
 * room. */
static void halo_over(unsigned char *dst, const unsigned char *src,
                      const unsigned char *sel, int a, int b)
{
    int c = a;
#ifdef __SSE2__
    /* The same arithmetic as below, eight 16-bit lanes at a time. */
    __m128i zero = _mm_setzero_si128(), full = _mm_set1_epi16(255);
    __m128i half = _mm_set1_epi16(0x80);
    for (; c <= b; c += 16) {
        __m128i s = _mm_and_si128(
            _mm_loadu_si128((const __m128i *)(const void *)(src + c)),
            _mm_loadu_si128((const __m128i *)(const void *)(sel + c)));
        __m128i d = _mm_loadu_si128((const __m128i *)(const void *)(dst + c));
        __m128i out[2];
        for (int j = 0; j < 2; j++) {
            __m128i sj = j ? _mm_unpackhi_epi8(s, zero)
                           : _mm_unpacklo_epi8(s, zero);
            __m128i dj = j ? _mm_unpackhi_epi8(d, zero)
                           : _mm_unpacklo_epi8(d, zero);
            __m128i v = _mm_add_epi16(
                _mm_mullo_epi16(dj, _mm_sub_epi16(full, sj)), half);
            v = _mm_srli_epi16(_mm_add_epi16(v, _mm_srli_epi16(v, 8)), 8);
            out[j] = _mm_add_epi16(sj, v);
        }
        _mm_storeu_si128((__m128i *)(void *)(dst + c),
                         _mm_packus_epi16(out[0], out[1]));
    }
#endif
    for (; c <= b; c++) {
        unsigned s = src[c] & sel[c];
        /* Pixman's rounded product of two 8-bit alphas. */
        unsigned v = dst[c] * (255 - s) + 0x80;
        dst[c] = (unsigned char)(s + ((v + (v >> 8)) >> 8));
    }
}

/* Draws the layout at the origin of the user space with a halo of
 * radius r (user units), as the twelve copies drawn through Pango did.
 * False, with draw_failed set, when memory ran out: the caller then
 * draws the text alone. */
static bool show_with_halo(cairo_t *cr, im_map_t *m, PangoLayout *pl,
                           double r, im_rgb_t rgb)
{
    /* The halo's radius in device pixels. */
    double rx = r, ry = 0, qx = 0, qy = r;
    cairo_user_to_device_distance(cr, &rx, &ry);
    cairo_user_to_device_distance(cr, &qx, &qy);
    double reach = fmax(hypot(rx, ry), hypot(qx, qy));
    /* The masks cover the ink and the halo's reach, with room for glyphs
     * hinted at their drawn size reaching past the ink Pango measures at
     * TEXT_LAYOUT_PX, and for rounding. */
    PangoRectangle ink;
    pango_layout_get_extents(pl, &ink, NULL);
    double x0 = INFINITY, y0 = INFINITY, x1 = -INFINITY, y1 = -INFINITY;
    for (int i = 0; i < 4; i++) {
        double px = (double)(ink.x + (i & 1 ? ink.width : 0)) / PANGO_SCALE;
        double py = (double)(ink.y + (i & 2 ? ink.height : 0)) / PANGO_SCALE;
        cairo_user_to_device(cr, &px, &py);
        x0 = fmin(x0, px);
        y0 = fmin(y0, py);
        x1 = fmax(x1, px);
        y1 = fmax(y1, py);
    }
    double pad = ceil(reach) + 4;
    int mx = (int)floor(x0 - pad), my = (int)floor(y0 - pad);
    int w = (int)ceil(x1 + pad) - mx, h = (int)ceil(y1 + pad) - my;
    /* Created by Cairo rather than over our own memory, the masks are
     * known to start clear, which makes drawing the text into one three
     * times faster.  Their columns past w are room for the copying, which
     * moves a glyph at most a pixel past the reach either way. */
    int wide = w + HALO_SLACK + (int)ceil(reach) + 2;
    int nlines = pango_layout_get_line_count(pl), ng = 0;
    cairo_surface_t *ts = cairo_image_surface_create(CAIRO_FORMAT_A8, wide, h);
    cairo_surface_t *hs = cairo_image_surface_create(CAIRO_FORMAT_A8, wide, h);
    halo_glyph_t *g = layout_glyphs(cr, pl, mx, w, &ng);
    int *rows = malloc((2 * (size_t)h + (size_t)nlines) * sizeof *rows);
    /* Columns to copy, and columns no glyph's ink covers. */
    unsigned char *sel = calloc(2, (size_t)wide);
    cairo_t *tc = cairo_create(ts);
    bool ok = g && rows && sel && !cairo_surface_status(hs) &&
              !cairo_status(tc);
    /* Where each glyph lands in the mask, and whether that is where the
     * page would have it: a position a hair from half a pixel can round
     * the other way at the mask's smaller coordinates. */
    bool same = true;
    if (ok) {
        /* The same transformation less whole pixels. */
        cairo_matrix_t mat;
        cairo_get_matrix(cr, &mat);
        mat.x0 -= mx;
        mat.y0 -= my;
        cairo_set_matrix(tc, &mat);
        double ox, oy, px, py;
        cairo_move_to(tc, 0, 0);
        cairo_get_current_point(tc, &ox, &oy);
        pango_cairo_show_layout(tc, pl);
        ok = !cairo_status(tc);
        cairo_move_to(cr, 0, 0);
        cairo_get_current_point(cr, &px, &py);
        for (int i = 0; i < ng; i++) {
            int x, y;
            glyph_pixel(tc, ox, oy, &g[i], &g[i].tx, &g[i].ty);
            glyph_pixel(cr, px, py, &g[i], &x, &y);
            same &= !g[i].ink || (x - mx == g[i].tx && y - my == g[i].ty);
        }
    }
    cairo_destroy(tc);
    if (!ok) {
        m->draw_failed = true;
        cairo_surface_destroy(ts);
        cairo_surface_destroy(hs);
        free(g);
        free(rows);
        free(sel);
        return false;
    }
    unsigned char *bare = sel + wide;
    cairo_surface_flush(ts);
    cairo_surface_flush(hs);
    const unsigned char *text = cairo_image_surface_get_data(ts);
    unsigned char *halo = cairo_image_surface_get_data(hs);
    int stride = cairo_image_surface_get_stride(ts);
    /* Only the inked part of each row is copied. */
    int *lo = rows, *hi = rows + h, *line_end = rows + 2 * h;
    for (int y = 0; y < h; y++) {
        const unsigned char *row = text + (size_t)y * (size_t)stride;
        int a = 0, b = w - 1;
        while (a < w && !row[a])
            a++;
        while (b > a && !row[b])
            b--;
        lo[y] = a;
        hi[y] = b;
    }
    /* The rows down to the bottom of a line's logical box are its. */
    PangoLayoutIter *it = pango_layout_get_iter(pl);
    for (int i = 0; i < nlines; i++) {
        PangoRectangle lr;
        pango_layout_iter_get_line_extents(it, NULL, &lr);
        double ex = 0, ey = (double)(lr.y + lr.height) / PANGO_SCALE;
        cairo_user_to_device(cr, &ex, &ey);
        line_end[i] = i + 1 < nlines
                          ? (int)fmax(0, fmin(h, floor(ey - my + 0.5)))
                          : h;
        pango_layout_iter_next_line(it);
    }
    pango_layout_iter_free(it);

    /* Where the copies' layouts began on the page: drawn through Pango
     * from a point moved round the circle. */
    double ox[HALO_COPIES], oy[HALO_COPIES];
    for (int k = 0; k < HALO_COPIES; k++) {
        double a = k * M_PI / 6;
        cairo_move_to(cr, r * cos(a), r * sin(a));
        cairo_get_current_point(cr, &ox[k], &oy[k]);
    }
    int row0 = 0;
    for (int i0 = 0, i1; i0 < ng; i0 = i1) {
        int line = g[i0].line;
        for (i1 = i0; i1 < ng && g[i1].line == line; i1++)
            ;
        /* A column goes with the glyphs whose ink covers it, else with
         * the glyph whose place it is in. */
        memset(bare, 1, (size_t)w);
        for (int i = i0; i < i1; i++)
            memset(bare + g[i].i0, 0, (size_t)(g[i].i1 - g[i].i0));
        for (int k = 0; k < HALO_COPIES; k++) {
            /* Where the copy's glyphs landed; an empty glyph's columns
             * go with the glyph before. */
            for (int i = i0; i < i1; i++) {
                if (!g[i].ink && i > i0) {
                    g[i].sx = g[i - 1].sx;
                    g[i].sy = g[i - 1].sy;
                    continue;
                }
                int x, y;
                glyph_pixel(cr, ox[k], oy[k], &g[i], &x, &y);
                g[i].sx = x - mx - g[i].tx;
                g[i].sy = y - my - g[i].ty;
            }
            /* The glyphs that move alike, at once. */
            for (int i = i0; i < i1; i++) {
                int sx = g[i].sx, sy = g[i].sy, j = i0;
                while (j < i && (g[j].sx != sx || g[j].sy != sy))
                    j++;
                if (j < i)
                    continue;   /* moved with an earlier glyph */
                memset(sel, 0, (size_t)w);
                for (j = i; j < i1; j++) {
                    if (g[j].sx != sx || g[j].sy != sy)
                        continue;
                    memset(sel + g[j].i0, 255, (size_t)(g[j].i1 - g[j].i0));
                    int c1 = j + 1 < i1 ? g[j + 1].c0 : w;
                    for (int c = g[j].c0; c < c1; c++)
                        sel[c] |= bare[c] ? 255 : 0;
                }
                /* Columns moved off either side of the mask are left
                 * out; none are, unless Cairo put a glyph further than
                 * the reach from where Pango had it. */
                int first = sx < 0 ? -sx : 0, last = wide - HALO_SLACK - sx;
                for (int y = row0; y < line_end[line]; y++) {
                    if (y + sy < 0 || y + sy >= h)
                        continue;
                    halo_over(halo + (size_t)(y + sy) * (size_t)stride + sx,
                              text + (size_t)y * (size_t)stride, sel,
                              lo[y] > first ? lo[y] : first,
                              hi[y] < last ? hi[y] : last);
                }
            }
        }
        row0 = line_end[line];
    }
    cairo_surface_mark_dirty(hs);
    free(g);
    free(rows);
    free(sel);

    /* The current point is left at the text's origin, as drawing the
     * text with Pango leaves it: a path begun next goes on from it. */
    cairo_move_to(cr, 0, 0);
    cairo_matrix_t user;
    cairo_get_matrix(cr, &user);
    cairo_identity_matrix(cr);
    set_rgb(cr, m->st.halo);
    cairo_mask_surface(cr, hs, mx, my);
    set_rgb(cr, rgb);
    if (same) {
        cairo_mask_surface(cr, ts, mx, my);
    } else {
        cairo_set_matrix(cr, &user);
        pango_cairo_show_layout(cr, pl);
    }
    cairo_surface_destroy(ts);
    cairo_surface_destroy(hs);
    return true;
}

/* Every piece of text goes through here: drawn with Cairo, or for SVG
 * recorded and written as <text> by our own writer, because Cairo's SVG
 * surface turns text into glyph outlines that nothing can select, search
 * or edit. */
static void show_text(cairo_t *cr, im_map_t *m, PangoLayout *pl, double x,
                      double y, im_rgb_t rgb, bool halo)
{
    if (m->svg) {
        record_svg_text(cr, m, pl, x, y, rgb, halo);
        return;
    }
    double s = text_scale(pl);
    cairo_save(cr);
    cairo_translate(cr, x, y);
    cairo_scale(cr, s, s);
    /* Vector pages keep the stroked outline below, which scales. */
    /* Drawing text leaves a current point (the path is not part of the
     * saved state): cleared, so that a circle drawn next does not start
     * with a line from the text. */
    if (halo && !m->vector_output &&
        show_with_halo(cr, m, pl, 1.25 * m->unit / s, rgb)) {
        cairo_restore(cr);
        cairo_new_path(cr);
        return;
    }
    cairo_move_to(cr, 0, 0);
    if (halo && m->vector_output) {
        pango_cairo_layout_path(cr, pl);
        set_rgb(cr, m->st.halo);
        cairo_set_line_width(cr, 2.5 * m->unit / s);
        cairo_set_line_join(cr, CAIRO_LINE_JOIN_ROUND);
        stroke_(cr, m);
        cairo_move_to(cr, 0, 0);
    }
    set_rgb(cr, rgb);
    pango_cairo_show_layout(cr, pl);
    cairo_restore(cr);
    cairo_new_path(cr);
}

/* Draws text with its top-left corner at (x, y), with a halo so that it
 * stays readable over any fill. */
static void draw_text(cairo_t *cr, const im_map_t *m, PangoLayout *pl, double x,
                      double y, bool halo)
{
    show_text(cr, (im_map_t *)m, pl, x, y, m->st.text, halo);
}

/* ---- map body ---------------------------------------------------------- */

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


/* The device pixels a drawing can change, widened by the reach of the
 * widest line: the part of a raster map's frame in one band.  What lies
 * wholly outside adds nothing there, so it is not handed to Cairo, whose
 * stroker would otherwise outline every country's whole coast, and every
 * border once per band.  NULL where everything is drawn (vector output,
 * whose files keep the whole of each path). */
typedef struct {
    double x0, y0, x1, y1;
} box_t;

static bool ring_in_box(const im_map_t *m, const im_shape_t *s,
                        const im_ring_t *ring, const box_t *box)
{
    if (!box || !ring->count)
        return true;
    const im_xy_t *p = s->pts + ring->start;
    double x0 = p[0].x, x1 = x0, y0 = p[0].y, y1 = y0;
    for (size_t k = 1; k < ring->count; k++) {
        x0 = p[k].x < x0 ? p[k].x : x0;
        x1 = p[k].x > x1 ? p[k].x : x1;
        y0 = p[k].y < y0 ? p[k].y : y0;
        y1 = p[k].y > y1 ? p[k].y : y1;
    }
    /* px = ox + x * scale, py = oy - y * scale */
    return m->ox + x0 * m->scale <= box->x1 &&
           m->ox + x1 * m->scale >= box->x0 &&
           m->oy - y1 * m->scale <= box->y1 && m->oy - y0 * m->scale >= box->y0;
}

/* A segment with both ends beyond the same side of the box. */
static bool segment_out(const box_t *box, im_xy_t a, im_xy_t b)
{
    return box && ((a.x < box->x0 && b.x < box->x0) ||
                   (a.x > box->x1 && b.x > box->x1) ||
                   (a.y < box->y0 && b.y < box->y0) ||
                   (a.y > box->y1 && b.y > box->y1));
}

/* Vertices closer than a third of a device pixel (a tenth in vector
 * output) to the last one kept are invisible, but cost the rasteriser as
 * much as any other; at a national scale they are most of them.  This
 * walks a ring's kept vertices in device pixels, the ring's last point
 * always among them. */
typedef struct {
    const im_map_t *m;
    const im_xy_t *pts;
    size_t n, k;
    double tol2;
    im_xy_t last;
} kept_t;

static kept_t kept_start(const im_map_t *m, const im_shape_t *s,
                         const im_ring_t *ring, double tol2)
{
    return (kept_t){m, s->pts + ring->start, ring->count, 0, tol2, {0, 0}};
}

static bool kept_next(kept_t *it, im_xy_t *out)
{
    while (it->k < it->n) {
        size_t k = it->k++;
        im_xy_t p = to_px(it->m, it->pts[k]);
        double dx = p.x - it->last.x, dy = p.y - it->last.y;
        if (k == 0 || dx * dx + dy * dy >= it->tol2 || k + 1 == it->n) {
            it->last = p;
            *out = p;
            return true;
        }
    }
    return false;
}

/* A closed ring, for filling or stroking. */
static void shape_ring_path(cairo_t *cr, const im_map_t *m,
                            const im_shape_t *s, const im_ring_t *ring,
                            double tol2)
{
    kept_t it = kept_start(m, s, ring, tol2);
    im_xy_t p;
    if (kept_next(&it, &p))
        cairo_move_to(cr, p.x, p.y);
    while (kept_next(&it, &p))
        cairo_line_to(cr, p.x, p.y);
    cairo_close_path(cr);
}

/* Segment j (from kept vertex j to the next, the last one closing the
 * ring) of a stroke whose runs break where segments are culled. */
typedef struct {
    cairo_t *cr;
    const box_t *box;
    bool open;
} runs_t;

static void runs_segment(runs_t *r, im_xy_t a, im_xy_t b)
{
    if (segment_out(r->box, a, b)) {
        r->open = false;
        return;
    }
    if (!r->open)
        cairo_move_to(r->cr, a.x, a.y);
    cairo_line_to(r->cr, b.x, b.y);
    r->open = true;
}

/* Segments from ring's kept vertices with index in [from, to), the
 * closing one being number n - 1. */
static void runs_walk(runs_t *r, const im_map_t *m, const im_shape_t *s,
                      const im_ring_t *ring, double tol2, size_t from,
                      size_t to)
{
    kept_t it = kept_start(m, s, ring, tol2);
    im_xy_t first, a, b;
    if (!kept_next(&it, &first))
        return;
    a = first;
    size_t j = 0;
    for (; j < to && kept_next(&it, &b); j++, a = b)
        if (j >= from)
            runs_segment(r, a, b);
    if (j < to && j >= from)
        runs_segment(r, a, first);
}

/* A closed ring to be stroked.  When some of it is culled, the rest is
 * drawn as open runs starting after a culled segment, so that every
 * vertex drawn keeps its join: what changes is only beyond the box. */
static void shape_ring_stroke(cairo_t *cr, const im_map_t *m,
                              const im_shape_t *s, const im_ring_t *ring,
                              double tol2, const box_t *box)
{
    if (!box) {
        shape_ring_path(cr, m, s, ring, tol2);
        return;
    }
    kept_t it = kept_start(m, s, ring, tol2);
    im_xy_t first, a, b;
    if (!kept_next(&it, &first))
        return;
    a = first;
    size_t n = 1, cut = SIZE_MAX;
    for (; kept_next(&it, &b); n++, a = b)
        if (cut == SIZE_MAX && segment_out(box, a, b))
            cut = n - 1;
    if (cut == SIZE_MAX && segment_out(box, a, first))
        cut = n - 1;
    if (cut == SIZE_MAX) {
        shape_ring_path(cr, m, s, ring, tol2);
        return;
    }
    runs_t r = {cr, box, false};
    runs_walk(&r, m, s, ring, tol2, cut + 1, n);
    runs_walk(&r, m, s, ring, tol2, 0, cut);
}

static void shape_path(cairo_t *cr, const im_map_t *m, const im_shape_t *s,
                       const box_t *box)
{
    double tol = m->vector_output ? 0.1 : 0.33, tol2 = tol * tol;
    for (size_t r = 0; r < s->nrings; r++)
        if (ring_in_box(m, s, &s->rings[r], box))
            shape_ring_path(cr, m, s, &s->rings[r], tol2);
}

static void shape_stroke_path(cairo_t *cr, const im_map_t *m,
                              const im_shape_t *s, const box_t *box)
{
    double tol = m->vector_output ? 0.1 : 0.33, tol2 = tol * tol;
    for (size_t r = 0; r < s->nrings; r++)
        if (ring_in_box(m, s, &s->rings[r], box))
            shape_ring_stroke(cr, m, s, &s->rings[r], tol2, box);
}

/* The edges of s not marked with bit in skip, as open runs; a ring with
 * nothing skipped stays closed, so that its corners are joined. */
static void shape_edges_path(cairo_t *cr, const im_map_t *m,
                             const im_shape_t *s, const unsigned char *skip,
                             unsigned char bit, const box_t *box)
{
    double tol = m->vector_output ? 0.1 : 0.33, tol2 = tol * tol;
    for (size_t r = 0; r < s->nrings; r++) {
        const im_ring_t *ring = &s->rings[r];
        if (!ring_in_box(m, s, ring, box))
            continue;
        size_t a = ring->start, n = ring->count;
        size_t first = n;   /* a skipped edge to start after, if any */
        for (size_t k = 0; k < n && first == n; k++)
            if (skip[a + k] & bit)
                first = k;
        if (first == n) {
            shape_ring_stroke(cr, m, s, ring, tol2, box);
            continue;
        }
        /* From the edge after a skipped one round the ring, so that no
         * run is cut in two at the ring's first point. */
        runs_t out = {cr, box, false};
        bool open = false;
        im_xy_t last = {0, 0};
        for (size_t j = 1; j <= n; j++) {
            size_t k = (first + j) % n;
            size_t next = (k + 1) % n;
            if (skip[a + k] & bit) {
                open = out.open = false;
                continue;
            }
            if (!open) {
                last = to_px(m, s->pts[a + k]);
                open = true;
            }
            im_xy_t p = to_px(m, s->pts[a + next]);
            double dx = p.x - last.x, dy = p.y - last.y;
            /* A run's last point is kept exactly: a neighbour's run
             * starts there.  The walk ends on the skipped edge first, so
             * every run ends before it. */
            if ((skip[a + next] & bit) || dx * dx + dy * dy >= tol2) {
                runs_segment(&out, last, p);
                last = p;
            }
        }
    }
}

/* Countries around in a muted grey, drawn first: the districts go on
 * top, since the two outlines come from different sources and do not
 * match exactly along the border. */
static void draw_countries(cairo_t *cr, const im_map_t *m, const box_t *box)
{
    cairo_set_fill_rule(cr, CAIRO_FILL_RULE_EVEN_ODD);
    /* The map's own country from the same source, under the districts:
     * where the two sources' borders do not meet, it fills the gap that
     * would otherwise show the water beneath as a hairline. */
    if (m->home.nrings) {
        shape_path(cr, m, &m->home, box);
        set_rgb(cr, m->st.neighbour_fill);
        fill_(cr, m);
    }
    /* One path for all: a single fill and a single stroke rasterise much
     * faster than one of each per country, for the same pixels. */
    for (size_t i = 0; i < m->ncountries; i++)
        shape_path(cr, m, &m->countries[i], box);
    set_rgb(cr, m->st.neighbour_fill);
    if (box) {
        fill_(cr, m);
        for (size_t i = 0; i < m->ncountries; i++)
            shape_stroke_path(cr, m, &m->countries[i], box);
    } else {
        fill_preserve_(cr, m);
    }
    set_rgb(cr, m->st.background);
    cairo_set_line_width(cr, 0.8 * m->unit);
    stroke_cover_(cr, m);
}

/* Country and sea names where they fall inside the frame and clear of
 * the legend and inset: spaced capitals for countries, italics for the
 * sea, both muted so they do not compete with the data. */
static void draw_place_names(cairo_t *cr, const im_map_t *m)
{
    for (size_t i = 0; i < m->nplaces; i++) {
        const struct place_label *p = &m->places[i];
        char text[96];
        size_t o = 0;
        for (const char *c = p->name; *c && o + 3 < sizeof text; c++) {
            text[o++] = p->sea ? *c : (char)toupper((unsigned char)*c);
            if (!p->sea && c[1])
                text[o++] = ' ';
        }
        text[o] = '\0';
        PangoLayout *pl = text_layout(cr, m, m->st.legend_pt * 1.1 * p->size,
                                      false, p->sea ? p->name : text);
        if (p->sea) {
            PangoFontDescription *fd = pango_font_description_copy(
                pango_layout_get_font_description(pl));
            pango_font_description_set_style(fd, PANGO_STYLE_ITALIC);
            pango_layout_set_font_description(pl, fd);
            pango_font_description_free(fd);
        }
        double w, h;
        text_size(pl, &w, &h);
        im_xy_t a = to_px(m, p->xy);
        rect_t r = {a.x - w / 2, a.y - h / 2, w, h};
        if (inside(m->map_rect, r) && !overlaps(r, m->legend_rect) &&
            !overlaps(r, m->inset_rect)) {
            im_rgb_t sea = {0.45, 0.58, 0.70};
            show_text(cr, (im_map_t *)m, pl, r.x, r.y,
                      p->sea ? sea : m->st.muted_text, false);
        }
        g_object_unref(pl);
    }
}

static im_rgb_t district_fill(const im_map_t *m, size_t i)
{
    if (!m->selected[i])
        return m->st.land_context;
    double v = 0;
    bool shaded = m->type == IM_MAP_CHOROPLETH ||
                  m->type == IM_MAP_CHOROPLETH_POINTS;
    bool has = shaded && im_values_get(m->values, i, &v);
    return im_map_fill_for_value(m, has, v);
}

static bool same_rgb(im_rgb_t a, im_rgb_t b)
{
    return a.r == b.r && a.g == b.g && a.b == b.b;
}

static void draw_districts(cairo_t *cr, const im_map_t *m, const box_t *box)
{
    size_t n = im_layer_count(m->layer);
    cairo_set_fill_rule(cr, CAIRO_FILL_RULE_EVEN_ODD);
    cairo_set_line_join(cr, CAIRO_LINE_JOIN_ROUND);
    /* Context first so that the selection's borders are drawn over it.
     * Each pass fills its districts, then strokes all its borders as one
     * path: one stroke rasterises far faster than a hundred, and every
     * border ends up above every fill either way.  In vector output each
     * district is a path of its own, for editing; on a raster page the
     * districts of one colour are one fill, since each fill costs Cairo
     * as much to set up as a small district costs to draw, and where
     * they meet the border is stroked over them. */
    for (int pass = 0; pass < 2; pass++) {
        bool any = false;
        im_rgb_t done[IM_MAX_CLASSES + 8];
        size_t ndone = 0;
        for (size_t i = 0; i < n; i++) {
            if (m->selected[i] != (pass == 1))
                continue;
            im_rgb_t fill = district_fill(m, i);
            bool grouped = !m->vector_output &&
                           ndone < sizeof done / sizeof *done;
            if (grouped) {
                bool seen = false;
                for (size_t k = 0; k < ndone && !seen; k++)
                    seen = same_rgb(done[k], fill);
                if (seen)
                    continue;
                done[ndone++] = fill;
            }
            shape_path(cr, m, &m->shapes[i], box);
            for (size_t j = i + 1; grouped && j < n; j++)
                if (m->selected[j] == (pass == 1) &&
                    same_rgb(district_fill(m, j), fill))
                    shape_path(cr, m, &m->shapes[j], box);
            set_rgb(cr, fill);
            fill_(cr, m);
            any = true;
        }
        if (!any)
            continue;
        for (size_t i = 0; i < n; i++) {
            if (m->selected[i] != (pass == 1))
                continue;
            shape_edges_path(cr, m, &m->shapes[i], m->edge_skip[i],
                             pass ? 2 : 1, box);
        }
        /* Runs of edges end where a neighbour's begin: round ends fill
         * the corner a join would have. */
        cairo_set_line_cap(cr, CAIRO_LINE_CAP_ROUND);
        set_rgb(cr, pass ? m->st.line_district : m->st.line_context);
        cairo_set_line_width(cr, m->st.district_line_pt * m->unit *
                                     (pass ? 1.0 : 1.5));
        stroke_cover_(cr, m);
        cairo_set_line_cap(cr, CAIRO_LINE_CAP_BUTT);
    }
}

/* Province outlines over the district lines, heavier, so that the
 * provinces read first; context provinces get a lighter line. */
static void draw_province_lines(cairo_t *cr, const im_map_t *m,
                                const box_t *box)
{
    for (size_t k = 0; k < m->noutlines; k++) {
        shape_stroke_path(cr, m, &m->outlines[k], box);
        set_rgb(cr, m->st.line_province);
        cairo_set_line_width(cr, m->st.province_line_pt * m->unit *
                                     (m->outline_selected[k] ? 1.0 : 0.6));
        stroke_cover_(cr, m);
    }
}

/* ---- labels ------------------------------------------------------------ */


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
    const char *id = im_layer_district_id(m->layer, i);
    const char *ur = id ? im_gazetteer_name_ur(im_layer_gazetteer(m->layer), id)
                        : NULL;
    if (!strcmp(m->lang, "ur") && ur)
        name = ur;
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
    if (!strcmp(m->lang, "en+ur") && ur)
        snprintf(out + o, n - o, "\n%s", ur);
}

typedef struct { size_t i; double v; } ranked_t;

static int by_value_desc(const void *a, const void *b)
{
    double x = ((const ranked_t *)a)->v, y = ((const ranked_t *)b)->v;
    return (x < y) - (x > y);
}

/* text with its space nearest the middle turned into a line break, in
 * out; false when it has no space. */
static bool wrap_at_middle(const char *text, char *out, size_t n)
{
    snprintf(out, n, "%s", text);
    char *mid = NULL;
    double half = strlen(out) / 2.0;
    for (char *c = out; *c; c++)
        if (*c == ' ' && (!mid || fabs((double)(c - out) - half) <
                                      fabs((double)(mid - out) - half)))
            mid = c;
    if (mid)
        *mid = '\n';
    return mid != NULL;
}

/* Try t of a stage for a w x h label of the point a: 0 centred on it; 1
 * nudged to its four sides; 2 outside, in eight directions at two
 * distances. */
static rect_t label_spot(const im_map_t *m, im_xy_t a, double w, double h,
                         int stage, int t)
{
    if (stage < 2) {
        static const double dx[] = {0, 0, 0, -0.5, 0.5};
        static const double dy[] = {0, -1, 1, 0, 0};
        int k = stage == 0 ? 0 : t + 1;
        return (rect_t){a.x - w / 2 + dx[k] * (w + 4), a.y - h / 2 + dy[k] * h,
                        w, h};
    }
    /* Sixteen directions, from straight up round, at four distances,
     * nearest first: a short leader reads best. */
    double ang = M_PI / 8 * (t % 16) - M_PI / 2;
    static const double reach[] = {30, 45, 60, 80};
    double dist = m->unit * reach[t / 16];
    return (rect_t){a.x + dist * cos(ang) - w / 2, a.y + dist * sin(ang) - h / 2,
                    w, h};
}

/* Where a leader from the point a meets the label r: the nearest point
 * of r's edge, or r's centre when a is inside it. */
static im_xy_t leader_end(im_xy_t a, rect_t r)
{
    double cx = r.x + r.w / 2, cy = r.y + r.h / 2;
    double ex = fmax(r.x, fmin(a.x, r.x + r.w));
    double ey = fmax(r.y, fmin(a.y, r.y + r.h));
    if (fabs(ex - cx) < 1 && fabs(ey - cy) < 1)
        ey = cy;
    return (im_xy_t){ex, ey};
}

typedef struct {
    im_xy_t a, b;
} segment_t;

static double cross3(im_xy_t o, im_xy_t p, im_xy_t q)
{
    return (p.x - o.x) * (q.y - o.y) - (p.y - o.y) * (q.x - o.x);
}

static bool segments_cross(segment_t s, segment_t t)
{
    double d1 = cross3(t.a, t.b, s.a), d2 = cross3(t.a, t.b, s.b);
    double d3 = cross3(s.a, s.b, t.a), d4 = cross3(s.a, s.b, t.b);
    return ((d1 > 0 && d2 < 0) || (d1 < 0 && d2 > 0)) &&
           ((d3 > 0 && d4 < 0) || (d3 < 0 && d4 > 0));
}

static bool segment_hits_rect(segment_t s, rect_t r)
{
    /* Clipped against the rectangle's slabs (Liang-Barsky). */
    double t0 = 0, t1 = 1, dx = s.b.x - s.a.x, dy = s.b.y - s.a.y;
    double p[4] = {-dx, dx, -dy, dy};
    double q[4] = {s.a.x - r.x, r.x + r.w - s.a.x, s.a.y - r.y,
                   r.y + r.h - s.a.y};
    for (int k = 0; k < 4; k++) {
        if (p[k] == 0) {
            if (q[k] < 0)
                return false;
            continue;
        }
        double t = q[k] / p[k];
        if (p[k] < 0)
            t0 = fmax(t0, t);
        else
            t1 = fmin(t1, t);
        if (t0 > t1)
            return false;
    }
    return true;
}

/* What the labels placed so far take up: their boxes, and the leaders
 * drawn to some of them, which no later label may cover and no later
 * leader may cross. */
typedef struct {
    rect_t *box;
    size_t nbox;
    segment_t *leader;
    size_t nleader;
} placed_t;

static bool label_fits(const im_map_t *m, rect_t r, const placed_t *pl)
{
    if (!inside(m->map_rect, r) || overlaps(r, m->legend_rect) ||
        overlaps(r, m->inset_rect))
        return false;
    for (size_t q = 0; q < pl->nbox; q++)
        if (overlaps(r, pl->box[q]))
            return false;
    for (size_t q = 0; q < pl->nleader; q++)
        if (segment_hits_rect(pl->leader[q], r))
            return false;
    return true;
}

/* A leader from a to r that crosses no label placed and no leader. */
static bool leader_clear(segment_t s, const placed_t *pl)
{
    for (size_t q = 0; q < pl->nbox; q++)
        if (segment_hits_rect(s, pl->box[q]))
            return false;
    for (size_t q = 0; q < pl->nleader; q++)
        if (segments_cross(s, pl->leader[q]))
            return false;
    return true;
}

/* A line from the point a to the nearest side of the label r, and a dot
 * on the point. */
static void draw_leader(cairo_t *cr, const im_map_t *m, im_xy_t a, rect_t r)
{
    im_xy_t e = leader_end(a, r);
    cairo_new_path(cr);
    cairo_move_to(cr, a.x, a.y);
    cairo_line_to(cr, e.x, e.y);
    set_rgb(cr, m->st.text);
    cairo_set_line_width(cr, 0.7 * m->unit);
    stroke_(cr, m);
    cairo_arc(cr, a.x, a.y, 1.5 * m->unit, 0, 2 * M_PI);
    fill_(cr, m);
}

static void draw_labels(cairo_t *cr, im_map_t *m)
{
    m->dropped = 0;
    m->nlabels = 0;
    if (!m->values || !m->label_template[0])
        return;
    size_t n = im_layer_count(m->layer), k = 0;
    ranked_t *order = malloc((n ? n : 1) * sizeof *order);
    placed_t pd = {malloc((n ? n : 1) * sizeof *pd.box), 0,
                   malloc((n ? n : 1) * sizeof *pd.leader), 0};
    rect_t *placed = pd.box;
    im_xy_t *ends = malloc((n ? n : 1) * 2 * sizeof *ends);
    if (!order || !pd.box || !pd.leader || !ends) {
        m->draw_failed = true;
        goto done;
    }
    for (size_t i = 0; i < n; i++) {
        double v;
        if (m->selected[i] && im_values_get(m->values, i, &v) && v > 0)
            order[k++] = (ranked_t){i, v};
    }
    /* Most important first: when labels collide, the larger count wins. */
    qsort(order, k, sizeof *order, by_value_desc);
    /* The label's forms: as written, wrapped onto two lines, smaller,
     * smaller and wrapped. */
    static const struct { double scale; bool wrap; } forms[] = {
        {1.0, false}, {1.0, true}, {0.8, false}, {0.8, true}};
    for (size_t j = 0; j < k; j++) {
        char text[256], wrapped[256];
        label_text(m, order[j].i, order[j].v, text, sizeof text);
        bool can_wrap = wrap_at_middle(text, wrapped, sizeof wrapped);
        im_xy_t a = to_px(m, m->label_xy[order[j].i]);
        /* Laid out only when tried: most labels fit as written. */
        PangoLayout *pl[4] = {NULL, NULL, NULL, NULL};
        double fw[4] = {0}, fh[4] = {0};
        /* In order: every form centred on the label point; every form
         * nudged to the point's four sides; and, unwrapped, a place
         * outside with a leader line back to the point (for small
         * districts).  Only then is the label dropped. */
        bool done_one = false;
        for (int stage = 0; stage < 3 && !done_one; stage++) {
            int tries = stage == 0 ? 1 : stage == 1 ? 4 : 64;
            for (int f = 0; f < 4 && !done_one; f++) {
                if (forms[f].wrap && !can_wrap)
                    continue;
                double pt = m->st.label_pt * forms[f].scale;
                if (!pl[f]) {
                    /* A smaller form is the larger one's layout drawn
                     * smaller: laying each form out afresh was over a
                     * tenth of the labels' instructions. */
                    int other = f ^ 2;
                    if (pl[other]) {
                        pl[f] = g_object_ref(pl[other]);
                    } else {
                        pl[f] = text_layout(cr, m, pt, true,
                                            forms[f].wrap ? wrapped : text);
                        pango_layout_set_alignment(pl[f], PANGO_ALIGN_CENTER);
                    }
                    text_set_size(pl[f], m, pt);
                    text_size(pl[f], &fw[f], &fh[f]);
                }
                for (int t = 0; t < tries && !done_one; t++) {
                    rect_t r = label_spot(m, a, fw[f], fh[f], stage, t);
                    if (!label_fits(m, r, &pd))
                        continue;
                    segment_t lead = {a, leader_end(a, r)};
                    ends[2 * pd.nbox] = ends[2 * pd.nbox + 1] =
                        (im_xy_t){NAN, NAN};
                    if (stage == 2) {
                        if (!leader_clear(lead, &pd))
                            continue;
                        draw_leader(cr, m, a, r);
                        pd.leader[pd.nleader++] = lead;
                        ends[2 * pd.nbox] = lead.a;
                        ends[2 * pd.nbox + 1] = lead.b;
                    }
                    text_set_size(pl[f], m, pt);
                    draw_text(cr, m, pl[f], r.x, r.y, true);
                    remember_text(m, text);
                    pd.box[pd.nbox++] = r;
                    done_one = true;
                }
            }
        }
        for (int f = 0; f < 4; f++)
            if (pl[f])
                g_object_unref(pl[f]);
        if (!done_one) {
            m->dropped++;
            im_warn(m->ctx, "label '%s' dropped: no room", text);
        }
    }
done:
    free(order);
    free(pd.leader);
    free(m->labels);
    free(m->leaders);
    m->labels = placed;
    m->leaders = ends;
    m->nlabels = placed && ends ? pd.nbox : 0;
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
    } else if (lo == hi) {
        snprintf(out, n, "%.3g", lo);
    } else {
        snprintf(out, n, "%.3g\xE2\x80\x93%.3g", lo, hi);
    }
}

typedef struct {
    im_rgb_t colour;
    char text[96];
    double radius;   /* > 0: a circle, else a swatch */
} legend_item_t;

static double symbol_max(const im_map_t *m)
{
    double top = 0, v;
    for (size_t i = 0; i < im_layer_count(m->layer); i++)
        if (m->selected[i] && im_values_get(m->values, i, &v) && v > top)
            top = v;
    return top;
}

/* Area proportional to value; the largest district gets 28 points. */
static double symbol_radius(const im_map_t *m, double v)
{
    double top = symbol_max(m);
    return top > 0 ? 28 * m->unit * sqrt(v / top) : 0;
}

static void draw_symbols(cairo_t *cr, const im_map_t *m)
{
    im_rgb_t c = m->st.ramp[m->st.nramp - 1];
    for (size_t i = 0; i < im_layer_count(m->layer); i++) {
        double v;
        if (!m->selected[i] || !im_values_get(m->values, i, &v) || v <= 0)
            continue;
        im_xy_t p = to_px(m, m->label_xy[i]);
        cairo_new_path(cr);
        cairo_arc(cr, p.x, p.y, symbol_radius(m, v), 0, 2 * M_PI);
        cairo_set_source_rgba(cr, c.r, c.g, c.b, 0.6);
        fill_preserve_(cr, m);
        set_rgb(cr, m->st.halo);
        cairo_set_line_width(cr, 1.0 * m->unit);
        stroke_(cr, m);
    }
}

static int legend_items(const im_map_t *m, legend_item_t *it, int max)
{
    int n = 0;
    if (m->type == IM_MAP_CHOROPLETH || m->type == IM_MAP_CHOROPLETH_POINTS) {
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
    if (m->type == IM_MAP_SYMBOLS) {
        /* Three round values up to the largest, as the circles drawn. */
        double top = symbol_max(m);
        static const double nice[] = {1, 2, 5, 10, 20, 50, 100, 200, 500,
                                      1000, 2000, 5000, 10000};
        int k = 0;
        while (k + 1 < 13 && nice[k + 1] <= top)
            k++;
        const int pick[3] = {k, k >= 2 ? k - 2 : -1, k >= 4 ? k - 4 : -1};
        for (int j = 0; j < 3 && n < max; j++) {
            if (pick[j] < 0 || (j && pick[j] == pick[j - 1]))
                continue;
            it[n].colour = m->st.ramp[m->st.nramp - 1];
            snprintf(it[n].text, sizeof it[n].text, "%g", nice[pick[j]]);
            it[n++].radius = symbol_radius(m, nice[pick[j]]);
        }
        return n;
    }
    return n;
}

/* Height of a legend entry: a text row, or a circle's diameter. */
static double legend_row(const im_map_t *m, const legend_item_t *it)
{
    double row = m->st.legend_pt * m->unit * 1.9;
    return it->radius > 0 ? fmax(row, 2 * it->radius + 4 * m->unit) : row;
}

static rect_t legend_size(cairo_t *cr, const im_map_t *m, const char *title,
                          legend_item_t *it, int n)
{
    double u = m->unit, w = 0, h = 0, tw, th;
    PangoLayout *pl = text_layout(cr, m, m->st.legend_pt, true, title);
    text_size(pl, &w, &h);
    g_object_unref(pl);
    double row = m->st.legend_pt * u * 1.9, rows = 0;
    for (int i = 0; i < n; i++) {
        pl = text_layout(cr, m, m->st.legend_pt, false, it[i].text);
        text_size(pl, &tw, &th);
        g_object_unref(pl);
        double lead = it[i].radius > 0 ? 2 * it[i].radius + 6 * u : row * 1.4;
        w = fmax(w, lead + tw);
        rows += legend_row(m, &it[i]);
    }
    return (rect_t){0, 0, w + 20 * u, h + rows + 20 * u};
}

/* Share of a rectangle covered by land, sampled on a grid; the legend
 * goes in the emptiest corner of the frame. */
static double land_cover(im_map_t *m, rect_t r)
{
    int hits = 0, total = 0;
    size_t n = im_layer_count(m->layer);
    double (*box)[4] = malloc((n ? n : 1) * sizeof *box);
    if (!box) {
        m->draw_failed = true;
        return 1;
    }
    for (size_t i = 0; i < n; i++)
        im_shape_bounds(&m->shapes[i], -1, &box[i][0], &box[i][1], &box[i][2],
                        &box[i][3]);
    for (int gy = 0; gy < 12; gy++)
        for (int gx = 0; gx < 12; gx++) {
            double px = r.x + (gx + 0.5) * r.w / 12, py = r.y + (gy + 0.5) * r.h / 12;
            double x = (px - m->ox) / m->scale, y = (m->oy - py) / m->scale;
            total++;
            for (size_t i = 0; i < n; i++)
                if (x >= box[i][0] && x <= box[i][2] && y >= box[i][1] &&
                    y <= box[i][3] && im_shape_contains(&m->shapes[i], -1, x, y)) {
                    /* Covering the selection is far worse than covering
                     * the grey context around it. */
                    hits += m->selected[i] ? 12 : 1;
                    break;
                }
        }
    free(box);
    return (double)hits / total;
}

static void place_legend(cairo_t *cr, im_map_t *m, const char *title)
{
    legend_item_t it[IM_MAX_CLASSES + 2];
    int n = m->legend ? legend_items(m, it, IM_MAX_CLASSES + 2) : 0;
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

/* An entry of the legend, kept for the SVG's description. */
static void note_legend(im_map_t *m, const char *text)
{
    size_t used = strlen(m->legend_text);
    snprintf(m->legend_text + used, sizeof m->legend_text - used, "%s%s",
             used ? "; " : "", text);
}

static void draw_legend(cairo_t *cr, im_map_t *m, const char *title)
{
    legend_item_t it[IM_MAX_CLASSES + 2];
    int n = m->legend ? legend_items(m, it, IM_MAX_CLASSES + 2) : 0;
    if (n == 0)
        return;
    rect_t r = m->legend_rect;
    double u = m->unit, row = m->st.legend_pt * u * 1.9;
    cairo_rectangle(cr, r.x, r.y, r.w, r.h);
    cairo_set_source_rgba(cr, 1, 1, 1, 0.88);
    fill_(cr, m);
    PangoLayout *pl = text_layout(cr, m, m->st.legend_pt, true, title);
    double tw, th;
    text_size(pl, &tw, &th);
    draw_text(cr, m, pl, r.x + 10 * u, r.y + 10 * u, false);
    g_object_unref(pl);
    double y = r.y + 10 * u + th + 4 * u;
    for (int i = 0; i < n; y += legend_row(m, &it[i]), i++) {
        double sw = row * 0.8;
        if (it[i].radius > 0) {
            double rr = it[i].radius;
            cairo_new_path(cr);
            cairo_arc(cr, r.x + 10 * u + rr, y + rr, rr, 0, 2 * M_PI);
        } else {
            cairo_rectangle(cr, r.x + 10 * u, y + (row - sw) / 2, sw * 1.3, sw);
        }
        set_rgb(cr, it[i].colour);
        fill_preserve_(cr, m);
        set_rgb(cr, m->st.line_district);
        cairo_set_line_width(cr, 0.6 * u);
        stroke_(cr, m);
        pl = text_layout(cr, m, m->st.legend_pt, false, it[i].text);
        text_size(pl, &tw, &th);
        double lead = it[i].radius > 0 ? 2 * it[i].radius + 6 * u : row * 1.4;
        double ih = legend_row(m, &it[i]);
        draw_text(cr, m, pl, r.x + 10 * u + lead, y + (ih - th) / 2, false);
        note_legend(m, it[i].text);
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
        fill_preserve_(cr, m);
        set_rgb(cr, m->st.text);
        cairo_set_line_width(cr, 0.8 * u);
        stroke_(cr, m);
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
    double u = m->unit, margin = 16 * u, gap = 24 * u;
    double y = margin, title_w = 0, subtitle_w = 0;
    if (m->title) {
        PangoLayout *pl = text_layout(cr, m, m->st.title_pt, true, m->title);
        text_fit_line(pl, m, m->st.title_pt, m->width - 2 * margin);
        double h;
        text_size(pl, &title_w, &h);
        draw_text(cr, m, pl, margin, y, false);
        g_object_unref(pl);
        y += h;
    }
    if (m->subtitle) {
        PangoLayout *pl = text_layout(cr, m, m->st.subtitle_pt, false,
                                      m->subtitle);
        text_fit_line(pl, m, m->st.subtitle_pt, m->width - 2 * margin);
        double h;
        text_size(pl, &subtitle_w, &h);
        draw_text(cr, m, pl, margin, y, false);
        g_object_unref(pl);
    }
    /* The span of the data: a briefing map must say when its incidents
     * happened.  At the top right beside the title, else beside the
     * subtitle, else at the end of the source line, never over a title. */
    char span[96];
    PangoLayout *span_pl = NULL;
    double span_w = 0, span_h, source_room = m->width - 2 * margin;
    bool dated = m->values ? im_values_date_range(m->values, span + 16,
                                                  sizeof span - 16)
                 : m->points && im_points_date_range(m->points, span + 16,
                                                     sizeof span - 16);
    if (dated) {
        memcpy(span, "Incidents dated ", 16);
        span_pl = text_layout(cr, m, m->st.subtitle_pt, false, span);
        text_size(span_pl, &span_w, &span_h);
        double x = m->width - margin - span_w;
        if (margin + title_w + gap <= x) {
            show_text(cr, (im_map_t *)m, span_pl, x,
                      margin + m->st.title_pt * u * 0.35, m->st.muted_text,
                      false);
        } else if (m->subtitle && margin + subtitle_w + gap <= x) {
            show_text(cr, (im_map_t *)m, span_pl, x, y, m->st.muted_text,
                      false);
        } else {
            g_object_unref(span_pl);
            span_pl = text_layout(cr, m, m->st.source_pt, false, span);
            text_size(span_pl, &span_w, &span_h);
            show_text(cr, (im_map_t *)m, span_pl, m->width - margin - span_w,
                      m->height - margin - span_h, m->st.muted_text, false);
            source_room -= span_w + gap;
        }
    }
    if (m->source) {
        PangoLayout *pl = text_layout(cr, m, m->st.source_pt, false, m->source);
        text_wrap(pl, source_room);
        double w, h;
        text_size(pl, &w, &h);
        show_text(cr, (im_map_t *)m, pl, margin, m->height - margin - h,
                  m->st.muted_text, false);
        g_object_unref(pl);
    }
    if (span_pl)
        g_object_unref(span_pl);
}

/* ---- points ------------------------------------------------------------ */

typedef struct { const char *name; int count; } category_t;

/* The categories in order of first appearance, as many as the style has
 * colours; a point of any category past them takes the last colour. */
static int categories(const im_map_t *m, category_t *cat, int max)
{
    size_t n = im_points_ncategories(m->points);
    int k = 0;
    for (; k < max && (size_t)k < n; k++)
        cat[k] = (category_t){im_points_category_name(m->points, (size_t)k),
                              (int)im_points_category_count(m->points,
                                                            (size_t)k)};
    return k;
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
    if (!placed) {
        m->draw_failed = true;
        return;
    }
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
        bool ok = inside(m->map_rect, r) && !overlaps(r, m->legend_rect) &&
                  !overlaps(r, m->inset_rect);
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

/* ---- dense points ------------------------------------------------------ */

#define MAX_THREADS 4

typedef int (*job_fn)(void *);

/* Runs fn on n jobs laid out size bytes apart: the first here, the others
 * on threads of their own.  A job whose thread cannot start runs here
 * too, so the result never depends on how many threads there were. */
static void run_jobs(job_fn fn, void *jobs, size_t size, int n)
{
    thrd_t t[MAX_THREADS];
    bool started[MAX_THREADS] = {false};
    for (int i = 1; i < n; i++)
        started[i] = thrd_create(&t[i], fn, (char *)jobs + (size_t)i * size) ==
                     thrd_success;
    fn(jobs);
    for (int i = 1; i < n; i++) {
        if (started[i])
            thrd_join(t[i], NULL);
        else
            fn((char *)jobs + (size_t)i * size);
    }
}

/* Threads for the points of a map: one per core, up to MAX_THREADS, for
 * maps of enough points to repay starting them. */
static int point_threads(size_t np)
{
    long cores = sysconf(_SC_NPROCESSORS_ONLN);
    if (np < 4 * POINT_CHUNK / 2 || cores < 2)
        return 1;
    return cores < MAX_THREADS ? (int)cores : MAX_THREADS;
}

typedef struct {
    const im_map_t *m;
    size_t first, n;
    im_xy_t *px;              /* pixels of points [first, first + n) */
    uint8_t *colour;          /* their colours' numbers, or NULL */
    int ncat;
    const cairo_matrix_t *mx; /* page to device, or NULL */
    const im_blend_target_t *target; /* to sort the points for, or NULL */
    im_blend_bands_t *bands;
    bool failed;
    size_t out, first_out;    /* points outside the frame; the first */
} project_job_t;

/* Rows of a band: a band's pixels stay in the processor's cache while
 * its squares are blended, where a whole image's random writes would
 * not. */
#define BLEND_ROWS 32

static int project_job(void *arg)
{
    project_job_t *j = arg;
    const im_map_t *m = j->m;
    /* Projected here, or kept projected. */
    const im_xy_t *map = m->point_xy ? m->point_xy + j->first : j->px;
    if (!m->point_xy) {
        im_points_lonlat(m->points, j->first, j->n, &j->px[0].x, &j->px[0].y, 2);
        j->failed = j->n && im_proj_forward_drawn(m->proj, &j->px[0].x,
                                                  &j->px[0].y, j->n, 2);
    }
    /* One pass: to the page's pixels, counted when outside the frame,
     * then to the device's.  The same arithmetic as to_px and
     * outside_frame, from copies the stores cannot change. */
    size_t out = 0, first_out = 0;
    const double ox = m->ox, oy = m->oy, scale = m->scale;
    const double fx0 = m->map_rect.x, fx1 = m->map_rect.x + m->map_rect.w;
    const double fy0 = m->map_rect.y, fy1 = m->map_rect.y + m->map_rect.h;
    double x0 = 0, xx = 1, y0 = 0, yy = 1;
    if (j->mx)
        x0 = j->mx->x0, xx = j->mx->xx, y0 = j->mx->y0, yy = j->mx->yy;
    im_xy_t *px = j->px;
    for (size_t i = 0; i < j->n; i++) {
        im_xy_t p = {ox + map[i].x * scale, oy - map[i].y * scale};
        if (!(p.x >= fx0 && p.x <= fx1 && p.y >= fy0 && p.y <= fy1) && out++ == 0)
            first_out = j->first + i;
        px[i] = j->mx ? (im_xy_t){x0 + p.x * xx, y0 + p.y * yy} : p;
    }
    j->out = out;
    j->first_out = first_out;
    if (j->colour)
        im_points_categories(m->points, j->first, j->n, (size_t)j->ncat,
                             j->colour);
    if (j->target && !j->failed &&
        im_blend_sort(j->bands, j->target, j->px, j->n, BLEND_ROWS))
        j->failed = true;
    return 0;
}

/* Points outside the frame while a map's dense points are drawn. */
typedef struct { size_t out, first; } outside_t;

/* A chunk's shares, each sorted into bands of rows by the thread that
 * projected it: a band's squares are share 0's, then share 1's... */
typedef struct {
    int n;
    size_t first[MAX_THREADS];   /* of each share, in the chunk */
    im_blend_bands_t bands[MAX_THREADS];
} shares_t;

/* Points [first, first + n) in pixels into px (and their colours'
 * numbers into colour, if not NULL), split between threads when the
 * projection allows, with those outside the frame counted into *o, and
 * sorted into sh for target if not NULL.  False if a point cannot be
 * projected or there is no memory to sort. */
static bool project_chunk(const im_map_t *m, size_t first, size_t n,
                          im_xy_t *px, uint8_t *colour, int ncat,
                          const cairo_matrix_t *mx, int threads, outside_t *o,
                          const im_blend_target_t *target, shares_t *sh)
{
    project_job_t jobs[MAX_THREADS];
    if (!im_proj_shareable(m->proj))
        threads = 1;
    size_t share = (n + (size_t)threads - 1) / (size_t)threads;
    for (int t = 0; t < threads; t++) {
        size_t a = (size_t)t * share < n ? (size_t)t * share : n;
        size_t b = a + share < n ? a + share : n;
        jobs[t] = (project_job_t){m, first + a, b - a, px + a,
                                  colour ? colour + a : NULL, ncat, mx,
                                  target, sh ? &sh->bands[t] : NULL, false,
                                  0, 0};
        if (sh)
            sh->first[t] = a;
    }
    if (sh)
        sh->n = threads;
    run_jobs(project_job, jobs, sizeof *jobs, threads);
    for (int t = 0; t < threads; t++) {
        if (jobs[t].failed)
            return false;
        if (jobs[t].out && o->out == 0)
            o->first = jobs[t].first_out;
        o->out += jobs[t].out;
    }
    return true;
}

typedef struct {
    const im_blend_target_t *target;
    const shares_t *sh;
    const im_xy_t *px;
    const uint8_t *colour;
    const uint32_t *rgb;
    atomic_int *next;         /* the next band no thread has taken */
} blend_job_t;

/* Bands are taken one at a time by whichever thread is free, as points
 * crowd into some bands and leave others empty. */
static int blend_job(void *arg)
{
    blend_job_t *j = arg;
    const shares_t *sh = j->sh;
    int k;
    while ((k = atomic_fetch_add(j->next, 1)) < sh->bands[0].nbands)
        for (int t = 0; t < sh->n; t++)
            im_blend_band(j->target, &sh->bands[t], j->px + sh->first[t],
                          j->colour + sh->first[t], j->rgb, k);
    return 0;
}

/* Many thousands of points: small squares, a colour per category, and
 * transparency to show density; circles and outlines would take seconds
 * and hide each other anyway.  On a raster page they are blended straight
 * into its pixels, a chunk of points at a time: each thread projects a
 * share of the chunk; the chunk is sorted into bands of rows; then the
 * threads blend a band at a time.  Returns false, having drawn nothing, when the page is not an
 * image surface or is rotated. */
static bool blend_dense_points(cairo_t *cr, im_map_t *m, int ncat, double h,
                               double alpha, outside_t *o)
{
    cairo_surface_t *target = cairo_get_target(cr);
    cairo_matrix_t mx;
    cairo_get_matrix(cr, &mx);
    if (m->svg || cairo_surface_get_type(target) != CAIRO_SURFACE_TYPE_IMAGE ||
        cairo_image_surface_get_format(target) != CAIRO_FORMAT_ARGB32 ||
        mx.xy != 0 || mx.yx != 0)
        return false;
    cairo_surface_flush(target);
    unsigned char *data = cairo_image_surface_get_data(target);
    int W = cairo_image_surface_get_width(target);
    int H = cairo_image_surface_get_height(target);
    if (!data)
        return false;
    /* The frame, in device pixels, is the clip. */
    rect_t f = m->map_rect;
    im_blend_target_t t = {
        data, W, H, cairo_image_surface_get_stride(target),
        fmax(0, mx.x0 + f.x * mx.xx), fmax(0, mx.y0 + f.y * mx.yy),
        fmin(W, mx.x0 + (f.x + f.w) * mx.xx), fmin(H, mx.y0 + (f.y + f.h) * mx.yy),
        h * mx.xx, h * mx.yy, alpha};
    uint32_t rgb[IM_STYLE_MAX_RAMP + 1];
    for (int k = 0; k <= ncat; k++) {
        im_rgb_t col = m->st.points[k < ncat ? k : m->st.npoints - 1];
        rgb[k] = (uint32_t)lround(col.r * 255) << 16 |
                 (uint32_t)lround(col.g * 255) << 8 | (uint32_t)lround(col.b * 255);
    }
    size_t np = im_points_count(m->points);
    size_t chunk = np < POINT_CHUNK ? np : POINT_CHUNK;
    im_xy_t *px = malloc((chunk ? chunk : 1) * sizeof *px);
    uint8_t *colour = malloc(chunk ? chunk : 1);
    int threads = point_threads(np);
    blend_job_t jobs[MAX_THREADS];
    shares_t sh = {0};
    for (size_t c = 0; px && colour && c < np; c += chunk) {
        size_t n = np - c < chunk ? np - c : chunk;
        if (!project_chunk(m, c, n, px, colour, ncat, &mx, threads, o, &t,
                           &sh)) {
            m->draw_failed = true;
            break;
        }
        atomic_int next = 0;
        for (int k = 0; k < threads; k++)
            jobs[k] = (blend_job_t){&t, &sh, px, colour, rgb, &next};
        run_jobs(blend_job, jobs, sizeof *jobs, threads);
    }
    if (!px || !colour)
        m->draw_failed = true;
    for (int k = 0; k < MAX_THREADS; k++)
        im_blend_bands_free(&sh.bands[k]);
    free(px);
    free(colour);
    cairo_surface_mark_dirty(target);
    return true;
}

static void draw_dense_points(cairo_t *cr, im_map_t *m, int ncat)
{
    size_t np = im_points_count(m->points);
    double h = 1.2 * m->unit;
    outside_t o = {0, 0};
    im_proj_prepare_drawn(m->proj);
    if (blend_dense_points(cr, m, ncat, h, 0.5, &o)) {
        if (!m->draw_failed && !m->outside_warned)
            warn_outside(m, o.out, o.first);
        return;
    }
    size_t chunk = np < POINT_CHUNK ? np : POINT_CHUNK;
    im_xy_t *px = malloc((chunk ? chunk : 1) * sizeof *px);
    uint8_t *colour = malloc(chunk ? chunk : 1);
    if (!px || !colour) {
        m->draw_failed = true;
        goto done;
    }
    /* Cairo's cost of filling a path grows faster than its number of
     * boxes, so the boxes go in batches. */
    for (int k = 0; k <= ncat; k++) {
        im_rgb_t col = m->st.points[k < ncat ? k : m->st.npoints - 1];
        cairo_set_source_rgba(cr, col.r, col.g, col.b, 0.5);
        size_t batch = 0;
        for (size_t c = 0; c < np; c += chunk) {
            size_t n = np - c < chunk ? np - c : chunk;
            if (!project_chunk(m, c, n, px, colour, ncat, NULL, 1, &o, NULL,
                               NULL)) {
                m->draw_failed = true;
                goto done;
            }
            for (size_t i = 0; i < n; i++) {
                if (colour[i] != k)
                    continue;
                cairo_rectangle(cr, px[i].x - h, px[i].y - h, 2 * h, 2 * h);
                if (++batch == 256) {
                    fill_(cr, m);
                    batch = 0;
                }
            }
        }
        fill_(cr, m);
        if (k == 0 && !m->outside_warned)   /* every point has been seen */
            warn_outside(m, o.out, o.first);
    }
done:
    free(px);
    free(colour);
}

static void draw_points(cairo_t *cr, im_map_t *m)
{
    if (!m->points)
        return;
    category_t cat[IM_STYLE_MAX_RAMP];
    int ncat = categories(m, cat, m->st.npoints);
    size_t np = im_points_count(m->points);
    if (np > DENSE_POINTS) {
        draw_dense_points(cr, m, ncat);
        return;
    }
    im_xy_t *px = malloc((np ? np : 1) * sizeof *px);
    cell_key_t *keys = malloc((np ? np : 1) * sizeof *keys);
    size_t *group = malloc((np ? np : 1) * sizeof *group);
    size_t *kind = malloc((np ? np : 1) * sizeof *kind);
    ranked_t *order = malloc((np ? np : 1) * sizeof *order);
    if (!px || !keys || !group || !kind || !order) {
        m->draw_failed = true;
        goto done;
    }
    /* Records at one place (a city centroid) are found by sorting on their
     * pixel; a few are dodged onto a ring around it, many become one
     * cluster symbol with their count.  Nothing is drawn on top of
     * another unseen. */
    for (size_t i = 0; i < np; i++) {
        px[i] = to_px(m, m->point_xy[i]);
        keys[i].key = (long long)lround(px[i].x) * 1000003LL + lround(px[i].y);
        keys[i].i = i;
        group[i] = 1;
        kind[i] = im_points_category(m->points, i);
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
        if (same > 6) {
            /* A cluster takes the colour of most of its records, not of
             * whichever came first. */
            size_t count[IM_STYLE_MAX_RAMP] = {0}, best = 0;
            for (size_t r = a; r < b; r++) {
                size_t k = kind[keys[r].i] < (size_t)ncat ? kind[keys[r].i]
                                                          : (size_t)ncat;
                if (k < IM_STYLE_MAX_RAMP && ++count[k] > count[best])
                    best = k;
            }
            kind[keys[a].i] = best;
        }
        a = b;
    }
    /* With a choropleth underneath, the district labels speak for the
     * places; dates beside every point would crowd them out. */
    if (np <= 500 && m->type == IM_MAP_POINTS)
        draw_point_labels(cr, m, px);
    /* Largest first, so that no small symbol hides under a large one, and
     * the clusters' counts last, over every symbol. */
    size_t nsym = 0;
    for (size_t i = 0; i < np; i++) {
        if (group[i] == 0)
            continue;
        int cas;
        im_points_get(m->points, i, NULL, NULL, NULL, &cas);
        double rad = group[i] > 1   /* a cluster: area grows with its count */
                         ? m->unit * (5 + 2.0 * sqrt((double)group[i]))
                         : point_radius(m, cas);
        order[nsym++] = (ranked_t){i, rad};
    }
    qsort(order, nsym, sizeof *order, by_value_desc);
    for (size_t s = 0; s < nsym; s++) {
        size_t i = order[s].i, k = kind[i];
        im_rgb_t col = m->st.points[k < (size_t)ncat ? k : (size_t)m->st.npoints - 1];
        cairo_arc(cr, px[i].x, px[i].y, order[s].v, 0, 2 * M_PI);
        cairo_set_source_rgba(cr, col.r, col.g, col.b, 0.85);
        fill_preserve_(cr, m);
        set_rgb(cr, m->st.halo);
        cairo_set_line_width(cr, 1.0 * m->unit);
        stroke_(cr, m);
    }
    for (size_t s = 0; s < nsym; s++) {
        size_t i = order[s].i;
        if (group[i] <= 1)
            continue;
        char n[32];
        snprintf(n, sizeof n, "%zu", group[i]);
        PangoLayout *pl = text_layout(cr, m, m->st.label_pt, true, n);
        double w, h;
        text_size(pl, &w, &h);
        draw_text(cr, m, pl, px[i].x - w / 2, px[i].y - h / 2, true);
        g_object_unref(pl);
    }
done:
    free(px);
    free(keys);
    free(group);
    free(kind);
    free(order);
}

static void draw_points_legend(cairo_t *cr, im_map_t *m, rect_t *out)
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
    /* Sizes: up to three round casualty figures up to the largest, drawn
     * as the symbols they stand for (area grows with casualties). */
    int sizes[3], nsizes = 0, most = 0;
    size_t np = im_points_count(m->points);
    for (size_t i = 0; np <= DENSE_POINTS && i < np; i++) {
        int cas;
        im_points_get(m->points, i, NULL, NULL, NULL, &cas);
        most = cas > most ? cas : most;
    }
    if (most > 0) {
        static const int nice[] = {1, 5, 10, 25, 50, 100, 250, 500, 1000, 2500};
        int top = 0;
        while (top + 1 < 10 && nice[top + 1] <= most)
            top++;
        sizes[nsizes++] = nice[top];
        if (top >= 2)
            sizes[nsizes++] = nice[top / 2];
        if (top >= 1)
            sizes[nsizes++] = 1;
    }
    double size_h = 0, size_w = 0;
    if (nsizes) {
        double rmax = point_radius(m, sizes[0]);
        size_h = row * 1.2 + 2 * rmax + row;
        for (int k = 0; k < nsizes; k++)
            size_w += 2 * point_radius(m, sizes[k]) + 16 * u;
        w = fmax(w, size_w + 20 * u);
        h += size_h;
    }
    rect_t f = m->map_rect, best = {0, 0, 0, 0};
    double cover = INFINITY, pad = 6 * u;
    const double cx[] = {f.x + pad, f.x + f.w - w - pad};
    const double cy[] = {f.y + pad, f.y + f.h - h - pad};
    for (int c = 0; c < 4; c++) {
        rect_t cand = {cx[c & 1], cy[c >> 1], w, h};
        double v = land_cover((im_map_t *)m, cand);
        if (v < cover - 1e-9) {
            cover = v;
            best = cand;
        }
    }
    cairo_rectangle(cr, best.x, best.y, best.w, best.h);
    cairo_set_source_rgba(cr, 1, 1, 1, 0.88);
    fill_(cr, m);
    draw_text(cr, m, tl, best.x + 10 * u, best.y + 10 * u, false);
    g_object_unref(tl);
    double y = best.y + 10 * u + th + 4 * u;
    for (int k = 0; k < ncat; k++, y += row) {
        im_rgb_t col = m->st.points[k];
        cairo_arc(cr, best.x + 10 * u + row * 0.4, y + row / 2, row * 0.3, 0,
                  2 * M_PI);
        set_rgb(cr, col);
        fill_(cr, m);
        PangoLayout *pl = text_layout(cr, m, m->st.legend_pt, false, text[k]);
        text_size(pl, &tw, &th);
        draw_text(cr, m, pl, best.x + 10 * u + row * 1.2, y + (row - th) / 2,
                  false);
        note_legend(m, text[k]);
        g_object_unref(pl);
    }
    if (nsizes) {
        PangoLayout *sl = text_layout(cr, m, m->st.legend_pt, true,
                                      "Killed and injured");
        draw_text(cr, m, sl, best.x + 10 * u, y + 4 * u, false);
        g_object_unref(sl);
        double rmax = point_radius(m, sizes[0]);
        double base = y + row * 1.2 + 2 * rmax, x = best.x + 10 * u;
        for (int k = 0; k < nsizes; k++) {
            double r = point_radius(m, sizes[k]);
            cairo_new_path(cr);
            cairo_arc(cr, x + r, base - r, r, 0, 2 * M_PI);
            set_rgb(cr, m->st.muted_text);
            cairo_set_line_width(cr, 0.8 * u);
            stroke_(cr, m);
            char label[16];
            snprintf(label, sizeof label, "%d", sizes[k]);
            char entry[48];
            snprintf(entry, sizeof entry, "%d killed and injured", sizes[k]);
            note_legend(m, entry);
            PangoLayout *pl = text_layout(cr, m, m->st.source_pt, false, label);
            text_size(pl, &tw, &th);
            draw_text(cr, m, pl, x + r - tw / 2, base + 2 * u, false);
            g_object_unref(pl);
            x += 2 * r + 16 * u;
        }
    }
    *out = best;
}

/* ---- drawing ----------------------------------------------------------- */

/* The locator: every polygon small and grey, the main map's extent as a
 * red frame, in the emptiest corner the legend left free (the scale bar
 * keeps the bottom right).  Left out when the map shows nearly the whole
 * layer. */
static void draw_inset(cairo_t *cr, im_map_t *m)
{
    if (!m->inset)
        return;
    size_t n = im_layer_count(m->layer);
    double minx = INFINITY, miny = INFINITY, maxx = -INFINITY, maxy = -INFINITY;
    for (size_t i = 0; i < n; i++) {
        double a, b, c, d;
        im_shape_bounds(&m->shapes[i], -1, &a, &b, &c, &d);
        minx = fmin(minx, a);
        miny = fmin(miny, b);
        maxx = fmax(maxx, c);
        maxy = fmax(maxy, d);
    }
    rect_t f = m->map_rect;
    /* The part of the country the main map shows; when that is nearly
     * all of it, a locator would only repeat the map. */
    double fx0 = (f.x - m->ox) / m->scale, fx1 = (f.x + f.w - m->ox) / m->scale;
    double fy0 = (m->oy - f.y) / m->scale, fy1 = (m->oy - f.y - f.h) / m->scale;
    double x0 = fmax(fx0, minx), x1 = fmin(fx1, maxx);
    double y0 = fmin(fy0, maxy), y1 = fmax(fy1, miny);
    if ((x1 - x0) >= 0.85 * (maxx - minx) && (y0 - y1) >= 0.85 * (maxy - miny))
        return;
    double w = f.w * 0.17, h = w * (maxy - miny) / (maxx - minx), pad = 6 * m->unit;
    if (h > f.h * 0.3) {
        h = f.h * 0.3;
        w = h * (maxx - minx) / (maxy - miny);
    }
    /* The three free corners, and beside or below the legend, where
     * there is usually room left. */
    rect_t L = m->legend_rect;
    const double cx[] = {f.x + pad, f.x + f.w - w - pad, f.x + pad, L.x,
                         L.x + L.w + pad};
    const double cy[] = {f.y + pad, f.y + pad, f.y + f.h - h - pad,
                         L.y + L.h + pad, L.y};
    double best = INFINITY;
    rect_t r = {0, 0, 0, 0};
    for (int c = 0; c < 5; c++) {
        rect_t cand = {cx[c], cy[c], w, h};
        if (overlaps(cand, m->legend_rect) || !inside(f, cand))
            continue;
        double cover = land_cover(m, cand);
        if (cover < best) {
            best = cover;
            r = cand;
        }
    }
    if (!(best < INFINITY))
        return;
    m->inset_rect = r;
    double k = w / (maxx - minx);
    save_(cr, m);
    cairo_rectangle(cr, r.x - 2 * m->unit, r.y - 2 * m->unit, r.w + 4 * m->unit,
                    r.h + 4 * m->unit);
    set_rgb(cr, m->st.background);
    fill_preserve_(cr, m);
    set_rgb(cr, m->st.line_district);
    cairo_set_line_width(cr, 0.5 * m->unit);
    stroke_(cr, m);
    /* The selection and the rest, one fill each: at this size the seams
     * between districts filled one by one would show. */
    cairo_set_fill_rule(cr, CAIRO_FILL_RULE_EVEN_ODD);
    double tol = m->vector_output ? 0.1 : 0.33, tol2 = tol * tol;
    for (int sel = 0; sel < 2; sel++) {
        for (size_t i = 0; i < n; i++) {
            const im_shape_t *s = &m->shapes[i];
            if (m->selected[i] != (sel == 1))
                continue;
            /* Thinned as the main map is: at this scale a detailed
             * layer's points lie a hundred to a pixel. */
            for (size_t q = 0; q < s->nrings; q++) {
                double lx = 0, ly = 0;
                size_t cnt = s->rings[q].count;
                for (size_t j = 0; j < cnt; j++) {
                    im_xy_t p = s->pts[s->rings[q].start + j];
                    double x = r.x + (p.x - minx) * k, y = r.y + (maxy - p.y) * k;
                    if (j == 0) {
                        cairo_move_to(cr, x, y);
                    } else if ((x - lx) * (x - lx) + (y - ly) * (y - ly) >= tol2 ||
                               j + 1 == cnt) {
                        cairo_line_to(cr, x, y);
                    } else {
                        continue;
                    }
                    lx = x;
                    ly = y;
                }
            }
        }
        if (sel)
            cairo_set_source_rgb(cr, 0.62, 0.62, 0.60);
        else
            set_rgb(cr, m->st.land_context);
        fill_(cr, m);
    }
    cairo_rectangle(cr, r.x + (x0 - minx) * k, r.y + (maxy - y0) * k,
                    (x1 - x0) * k, (y0 - y1) * k);
    cairo_set_source_rgb(cr, 0.80, 0.10, 0.10);
    cairo_set_line_width(cr, 1.2 * m->unit);
    stroke_(cr, m);
    restore_(cr, m);
}

/* A north arrow above the scale bar, turned to true north at the frame's
 * centre: on a conic projection north leans away from the central
 * meridian. */
static void draw_north_arrow(cairo_t *cr, const im_map_t *m)
{
    rect_t f = m->map_rect;
    double u = m->unit, size = 14 * u;
    double ax = f.x + f.w - 24 * u, ay = f.y + f.h - 60 * u;
    /* Direction of north: project a short step north from the point
     * under the arrow (inverted approximately from the frame). */
    double lon = 67.5 + ((ax - m->ox) / m->scale) / 96000.0;
    double lat = 30 + ((m->oy - ay) / m->scale) / 111000.0;
    double x0 = lon, y0 = lat, x1 = lon, y1 = lat + 0.5;
    im_proj_forward(m->proj, &x0, &y0, 1, 1);
    im_proj_forward(m->proj, &x1, &y1, 1, 1);
    double angle = atan2(x1 - x0, y1 - y0);
    save_(cr, m);
    cairo_translate(cr, ax, ay);
    cairo_rotate(cr, angle);
    cairo_move_to(cr, 0, -size);
    cairo_line_to(cr, size * 0.38, size * 0.45);
    cairo_line_to(cr, 0, size * 0.2);
    cairo_close_path(cr);
    set_rgb(cr, m->st.text);
    fill_(cr, m);
    cairo_move_to(cr, 0, -size);
    cairo_line_to(cr, -size * 0.38, size * 0.45);
    cairo_line_to(cr, 0, size * 0.2);
    cairo_close_path(cr);
    set_rgb(cr, m->st.halo);
    fill_preserve_(cr, m);
    set_rgb(cr, m->st.text);
    cairo_set_line_width(cr, 0.8 * u);
    stroke_(cr, m);
    PangoLayout *pl = text_layout(cr, m, m->st.legend_pt, true, "N");
    double w, h;
    text_size(pl, &w, &h);
    draw_text(cr, m, pl, -w / 2, -size - h - 1 * u, true);
    g_object_unref(pl);
    restore_(cr, m);
}

/* The layers under everything else: the page, the water, the countries
 * around, the districts and the province lines.  Leaves the frame's clip
 * in place, inside a save. */
static void draw_base(cairo_t *cr, const im_map_t *m, const box_t *box)
{
    set_rgb(cr, m->st.background);
    paint_(cr, m);
    rect_t f = m->map_rect;
    save_(cr, m);
    cairo_rectangle(cr, f.x, f.y, f.w, f.h);
    clip_(cr, m);
    /* Water where no country is: the countries around fill the frame. */
    if (m->ncountries) {
        set_rgb(cr, m->st.water);
        paint_(cr, m);
    }
    draw_countries(cr, m, box);
    draw_districts(cr, m, box);
    draw_province_lines(cr, m, box);
}

typedef struct {
    const im_map_t *m;
    cairo_t *cr;
    box_t box;
} band_job_t;

static void *draw_band(void *arg)
{
    band_job_t *j = arg;
    draw_base(j->cr, j->m, &j->box);
    cairo_restore(j->cr);
    return NULL;
}

/* Filling and stroking the polygons is most of a raster map's drawing,
 * and it reads the map without changing it: the top and bottom halves of
 * the image are drawn as two surfaces of their own over the same memory,
 * one on a second thread.  A pixel's coverage does not depend on where
 * the surface ends, so the pixels are those of one surface.  Text and
 * the rest follow on one thread, over the seam.  False when cr does not
 * draw straight onto a whole image (vector outputs, small multiples) or
 * the halves cannot be set up; then nothing was drawn. */
static bool draw_base_in_bands(cairo_t *cr, im_map_t *m)
{
    cairo_surface_t *s = cairo_get_target(cr);
    cairo_matrix_t mx;
    cairo_get_matrix(cr, &mx);
    if (m->svg || cairo_surface_get_type(s) != CAIRO_SURFACE_TYPE_IMAGE ||
        mx.xx != 1 || mx.yy != 1 || mx.xy != 0 || mx.yx != 0 || mx.x0 != 0 ||
        mx.y0 != 0)
        return false;
    cairo_surface_flush(s);
    unsigned char *data = cairo_image_surface_get_data(s);
    int w = cairo_image_surface_get_width(s), h = cairo_image_surface_get_height(s);
    int stride = cairo_image_surface_get_stride(s), split = h / 2;
    if (!data || h < 64)
        return false;
    cairo_surface_t *top = cairo_image_surface_create_for_data(
        data, CAIRO_FORMAT_ARGB32, w, split, stride);
    cairo_surface_t *bottom = cairo_image_surface_create_for_data(
        data + (size_t)split * (size_t)stride, CAIRO_FORMAT_ARGB32, w,
        h - split, stride);
    cairo_t *ct = cairo_create(top), *cb = cairo_create(bottom);
    bool ok = !cairo_status(ct) && !cairo_status(cb);
    if (ok) {
        cairo_translate(cb, 0, -split);
        /* How far a line's pixels reach from its path: a miter join at
         * Cairo's default limit of ten half-widths of the widest line,
         * and a pixel of antialiasing. */
        double lw = m->st.district_line_pt * 1.5;
        lw = m->st.province_line_pt > lw ? m->st.province_line_pt : lw;
        lw = 0.8 > lw ? 0.8 : lw;
        double reach = 5 * lw * m->unit + 2;
        rect_t f = m->map_rect;
        double x0 = f.x - reach, x1 = f.x + f.w + reach;
        double y0 = f.y - reach, y1 = f.y + f.h + reach;
        band_job_t job = {m, cb, {x0, fmax(y0, split - reach), x1, y1}};
        pthread_t t;
        bool threaded = pthread_create(&t, NULL, draw_band, &job) == 0;
        draw_band(&(band_job_t){m, ct, {x0, y0, x1, fmin(y1, split + reach)}});
        if (threaded)
            pthread_join(t, NULL);
        else
            draw_band(&job);
        ok = !cairo_status(ct) && !cairo_status(cb);
        m->draw_failed |= !ok;
    }
    cairo_destroy(ct);
    cairo_destroy(cb);
    cairo_surface_destroy(top);
    cairo_surface_destroy(bottom);
    if (!ok)
        return false;
    cairo_surface_mark_dirty(s);
    /* The state draw_base leaves for what is drawn over it. */
    rect_t f = m->map_rect;
    save_(cr, m);
    cairo_rectangle(cr, f.x, f.y, f.w, f.h);
    clip_(cr, m);
    cairo_set_fill_rule(cr, CAIRO_FILL_RULE_EVEN_ODD);
    cairo_set_line_join(cr, CAIRO_LINE_JOIN_ROUND);
    return true;
}

static void draw_map(cairo_t *cr, im_map_t *m)
{
    m->drawn_len = 0;
    if (m->drawn_text)
        m->drawn_text[0] = '\0';
    m->legend_text[0] = '\0';
    if (!draw_base_in_bands(cr, m))
        draw_base(cr, m, NULL);
    rect_t f = m->map_rect;
    if (m->type == IM_MAP_CHOROPLETH || m->type == IM_MAP_SYMBOLS) {
        place_legend(cr, m, m->legend_title);
        draw_legend(cr, m, m->legend_title);
        draw_inset(cr, m);
        if (m->type == IM_MAP_SYMBOLS)
            draw_symbols(cr, m);
        draw_labels(cr, m);
    } else if (m->type == IM_MAP_CHOROPLETH_POINTS) {
        place_legend(cr, m, m->legend_title);
        draw_legend(cr, m, m->legend_title);
        draw_inset(cr, m);
        draw_points(cr, m);
        draw_labels(cr, m);
    } else {
        draw_points_legend(cr, m, &m->legend_rect);
        draw_inset(cr, m);
        draw_points(cr, m);
    }
    draw_place_names(cr, m);
    draw_scale_bar(cr, m);
    draw_north_arrow(cr, m);
    restore_(cr, m);
    cairo_rectangle(cr, f.x, f.y, f.w, f.h);
    set_rgb(cr, m->st.line_district);
    cairo_set_line_width(cr, 0.6 * m->unit);
    stroke_(cr, m);
    draw_furniture(cr, m);
}

/* ---- output ------------------------------------------------------------ */

/* The map in memory, as Cairo's stream surfaces write it. */
typedef im_bytes_t membuf_t;

static cairo_status_t membuf_write(void *closure, const unsigned char *data,
                                   unsigned int length)
{
    return im_bytes_add(closure, data, length) ? CAIRO_STATUS_SUCCESS
                                               : CAIRO_STATUS_NO_MEMORY;
}

static int membuf_puts(membuf_t *b, const char *s)
{
    return membuf_write(b, (const unsigned char *)s, (unsigned)strlen(s)) ? -1 : 0;
}

/* The SVG around what the writer collected: the title, and a <desc>
 * with the legend and labels so that the map reads as text too. */
static im_status_t svg_document(im_map_t *m, im_svg_t *svg, membuf_t *out)
{
    membuf_t desc = {0};
    int bad = membuf_puts(&desc, m->subtitle ? m->subtitle : "") ||
              membuf_puts(&desc, m->subtitle ? ". Legend: " : "Legend: ") ||
              membuf_puts(&desc, m->legend_text) ||
              membuf_puts(&desc, ". Labels: ") ||
              membuf_puts(&desc, m->drawn_text ? m->drawn_text : "") ||
              membuf_puts(&desc, ". ") ||
              membuf_puts(&desc, m->source ? m->source : "") ||
              membuf_write(&desc, (const unsigned char *)"", 1);
    unsigned char *doc = NULL;
    size_t len = 0;
    bad = bad || im_svg_finish(svg, m->st.font, m->title,
                               (const char *)desc.data, &doc, &len);
    free(desc.data);
    if (bad)
        return im_error(m->ctx, IM_ERR_NOMEM, "out of memory");
    free(out->data);
    out->data = doc;
    out->len = out->cap = len;
    return IM_OK;
}

static int png_sink(void *closure, const unsigned char *data, size_t n)
{
    return membuf_write(closure, data, (unsigned)n) ? 1 : 0;
}

static im_status_t png_encode(im_map_t *m, cairo_surface_t *s, membuf_t *out)
{
    cairo_surface_flush(s);
    unsigned char *data = cairo_image_surface_get_data(s);
    /* The page is painted opaque first, so no unpremultiplying.  The
     * encoder uses the image's memory as its own, and the surface is
     * not drawn on again. */
    int rc = data ? im_png_write(data, cairo_image_surface_get_width(s),
                                 cairo_image_surface_get_height(s),
                                 cairo_image_surface_get_stride(s), m->dpi,
                                 png_sink, out)
                  : -1;
    return rc || out->failed ? im_error(m->ctx, IM_ERR_NOMEM, "out of memory")
                             : IM_OK;
}

typedef enum { OUT_PNG, OUT_SVG, OUT_PDF, OUT_UNKNOWN } out_kind_t;

static out_kind_t kind_of(const char *ext)
{
    return !strcasecmp(ext, "png") ? OUT_PNG : !strcasecmp(ext, "svg") ? OUT_SVG
         : !strcasecmp(ext, "pdf") ? OUT_PDF : OUT_UNKNOWN;
}

/* Draws the map into memory in one of the formats; the one drawing path
 * for every output. */
static im_status_t render_to(im_map_t *m, out_kind_t kind, membuf_t *out)
{
    cairo_surface_t *s;
    if (kind == OUT_PNG) {
        s = cairo_image_surface_create(CAIRO_FORMAT_ARGB32, m->width, m->height);
    } else if (kind == OUT_SVG) {
        /* Only lays out text and holds paths for the SVG writer; a vector
         * surface, so that text is measured unhinted as in the PDF. */
        cairo_rectangle_t page = {0, 0, m->width, m->height};
        s = cairo_recording_surface_create(CAIRO_CONTENT_COLOR_ALPHA, &page);
        m->svg = im_svg_new(m->width, m->height);
        if (!m->svg) {
            cairo_surface_destroy(s);
            return im_error(m->ctx, IM_ERR_NOMEM, "out of memory");
        }
    } else {
        s = cairo_pdf_surface_create_for_stream(membuf_write, out, m->width,
                                                m->height);
    }
    if (kind == OUT_PDF) {
        /* The same inputs give the same bytes: the creation date is
         * fixed rather than the clock's (SOURCE_DATE_EPOCH's convention
         * would tie output to the environment). */
        cairo_pdf_surface_set_metadata(s, CAIRO_PDF_METADATA_CREATE_DATE,
                                       "2000-01-01T00:00:00Z");
        cairo_pdf_surface_set_metadata(s, CAIRO_PDF_METADATA_CREATOR, "incimap");
        if (m->title)
            cairo_pdf_surface_set_metadata(s, CAIRO_PDF_METADATA_TITLE, m->title);
    }
    cairo_t *cr = cairo_create(s);
    m->vector_output = kind != OUT_PNG;
    m->draw_failed = false;
    draw_map(cr, m);
    m->vector_output = false;
    cairo_status_t cs = cairo_status(cr);
    cairo_destroy(cr);
    im_status_t st = m->draw_failed
                         ? im_error(m->ctx, IM_ERR_NOMEM, "out of memory")
                         : IM_OK;
    if (!st && !cs && kind == OUT_PNG)
        st = png_encode(m, s, out);
    cairo_surface_finish(s);
    if (!cs)
        cs = cairo_surface_status(s);
    cairo_surface_destroy(s);
    im_svg_t *svg = m->svg;
    m->svg = NULL;
    if (!st && !cs && !out->failed && svg)
        st = svg_document(m, svg, out);
    im_svg_free(svg);
    if (st)
        return st;
    if (cs || out->failed)
        return im_error(m->ctx, IM_ERR_LIB, "Cairo: %s",
                        cairo_status_to_string(cs ? cs : CAIRO_STATUS_NO_MEMORY));
    return IM_OK;
}

static const char *extension(const char *path)
{
    const char *dot = strrchr(path, '.'), *slash = strrchr(path, '/');
    return dot && (!slash || dot > slash) ? dot + 1 : "";
}

static im_status_t write_file(im_ctx_t *ctx, const char *path, const membuf_t *b)
{
    im_status_t st = IM_OK;
    /* Write beside the target and rename, so that a failure never leaves
     * a partial map where the caller expects a finished one.  Not
     * mkstemp: its 0600 mode would stick to the finished map, while
     * open() with 0666 lets the user's umask decide as for any file. */
    size_t n = strlen(path) + 16;
    char *tmp = malloc(n);
    int fd = -1;
    for (unsigned k = 0; tmp && fd < 0 && k < 100; k++) {
        snprintf(tmp, n, "%s.%x.tmp", path,
                 ((unsigned)getpid() * 2654435761u + k) & 0xffffffu);
        fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL, 0666);
        if (fd < 0 && errno != EEXIST)
            break;
    }
    if (fd < 0) {
        st = im_error(ctx, IM_ERR_IO, "cannot write '%s': %s", path,
                      tmp ? strerror(errno) : "out of memory");
    } else {
        size_t done = 0;
        while (done < b->len) {
            ssize_t w = write(fd, b->data + done, b->len - done);
            if (w <= 0)
                break;
            done += (size_t)w;
        }
        if (close(fd) || done != b->len)
            st = im_error(ctx, IM_ERR_IO, "cannot write '%s': %s", path,
                          strerror(errno));
        else if (rename(tmp, path))
            st = im_error(ctx, IM_ERR_IO, "cannot write '%s': %s", path,
                          strerror(errno));
        if (st)
            unlink(tmp);
    }
    free(tmp);
    return st;
}

im_status_t im_map_write_buffer(im_map_t *m, const char *format,
                                unsigned char **out_data, size_t *out_len)
{
    *out_data = NULL;
    *out_len = 0;
    out_kind_t kind = kind_of(format);
    if (kind == OUT_UNKNOWN)
        return im_error(m->ctx, IM_ERR_ARG, "unknown output format '%s' (use "
                        "png, svg or pdf)", format);
    membuf_t b = {0};
    im_status_t st = render_to(m, kind, &b);
    if (st) {
        free(b.data);
        return st;
    }
    *out_data = b.data;
    *out_len = b.len;
    return IM_OK;
}

im_status_t im_map_write(im_map_t *m, const char *path)
{
    const char *ext = extension(path);
    out_kind_t kind = kind_of(ext);
    if (kind == OUT_UNKNOWN)
        return im_error(m->ctx, IM_ERR_ARG,
                        "%s: unknown output format '%s' (use .png, .svg or "
                        ".pdf)",
                        path, ext);
    membuf_t b = {0};
    im_status_t st = render_to(m, kind, &b);
    if (st) {
        free(b.data);
        return st;
    }
    st = write_file(m->ctx, path, &b);
    free(b.data);
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
    if (o.type != IM_MAP_POINTS && !values)
        return im_error(ctx, IM_ERR_ARG, "this map needs values per district");
    if ((o.type == IM_MAP_POINTS || o.type == IM_MAP_CHOROPLETH_POINTS) &&
        !points)
        return im_error(ctx, IM_ERR_ARG, "this map needs located incidents");
    int w = o.width_px ? o.width_px : 1600, h = o.height_px ? o.height_px : 1200;
    if (w < 200 || h < 200 || w > 20000 || h > 20000)
        return im_error(ctx, IM_ERR_ARG,
                        "map size %dx%d px is outside 200..20000", w, h);
    im_map_t *m = calloc(1, sizeof *m);
    if (!m)
        return im_error(ctx, IM_ERR_NOMEM, "out of memory");
    /* Pango reads the font configuration on a thread of its own, from
     * when the font map is made: made now, that overlaps with drawing
     * the districts instead of holding up the first label. */
    pango_cairo_font_map_get_default();
    m->ctx = ctx;
    m->layer = layer;
    m->values = values;
    m->points = points;
    m->type = o.type;
    m->width = w;
    m->height = h;
    m->unit = fmin(w, h) / 800.0;
    m->classes.n = o.classes;
    m->dpi = o.dpi > 0 ? o.dpi : 96;
    m->scheme = o.scheme;
    m->fixed_classes = o.fixed_classes;
    m->legend = !o.no_legend;
    snprintf(m->legend_title, sizeof m->legend_title, "%s",
             o.legend_title ? o.legend_title : "Incidents");
    snprintf(m->lang, sizeof m->lang, "%s", o.lang ? o.lang : "en");
    if (strcmp(m->lang, "en") && strcmp(m->lang, "ur") && strcmp(m->lang, "en+ur")) {
        im_map_free(m);
        return im_error(ctx, IM_ERR_ARG, "language '%s' is not en, ur or en+ur",
                        o.lang);
    }
    m->nbreaks = o.nbreaks < IM_MAX_CLASSES ? o.nbreaks : IM_MAX_CLASSES;
    for (int b = 0; b < m->nbreaks; b++)
        m->breaks[b] = o.breaks[b];
    m->inset = !o.no_inset;
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
    if (!st && o.palette)
        st = im_palette_load(ctx, o.palette, m->st.ramp, &m->st.nramp);
    if (!st)
        st = im_proj_new(ctx, &m->proj);
    if (!st)
        st = project_layer(m);
    if (!st)
        st = load_context(m);
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
    for (size_t k = 0; m->countries && k < m->ncountries; k++)
        im_shape_clear(&m->countries[k]);
    free(m->countries);
    im_shape_clear(&m->home);
    free(m->places);
    free_edge_skip(m);
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
    free(m->labels);
    free(m->leaders);
    im_proj_free(m->proj);
    free(m);
}

/* ---- small multiples --------------------------------------------------- */

im_status_t im_facets_write(im_ctx_t *ctx, im_map_t *const *maps, size_t n,
                            int cols, int width, int height, const char *title,
                            const char *source, const char *path)
{
    out_kind_t kind = kind_of(extension(path));
    if (kind == OUT_UNKNOWN)
        return im_error(ctx, IM_ERR_ARG, "%s: small multiples are written as "
                        ".png, .svg or .pdf", path);
    if (n == 0 || cols < 1)
        return im_error(ctx, IM_ERR_ARG, "no maps to lay out");
    im_map_t *m0 = maps[0];
    membuf_t b = {0};
    cairo_rectangle_t page = {0, 0, width, height};
    cairo_surface_t *s =
        kind == OUT_PNG ? cairo_image_surface_create(CAIRO_FORMAT_ARGB32, width,
                                                     height)
        : kind == OUT_SVG
            ? cairo_recording_surface_create(CAIRO_CONTENT_COLOR_ALPHA, &page)
            : cairo_pdf_surface_create_for_stream(membuf_write, &b, width, height);
    im_svg_t *svg = kind == OUT_SVG ? im_svg_new(width, height) : NULL;
    if (kind == OUT_SVG && !svg) {
        cairo_surface_destroy(s);
        return im_error(ctx, IM_ERR_NOMEM, "out of memory");
    }
    for (size_t i = 0; i < n; i++) {
        maps[i]->svg = svg;
        maps[i]->vector_output = kind != OUT_PNG;
        maps[i]->draw_failed = false;
    }
    if (kind == OUT_PDF)
        cairo_pdf_surface_set_metadata(s, CAIRO_PDF_METADATA_CREATE_DATE,
                                       "2000-01-01T00:00:00Z");
    cairo_t *cr = cairo_create(s);
    set_rgb(cr, m0->st.background);
    paint_(cr, m0);
    double u = fmin(width, height) / 800.0, margin = 16 * u, top = margin;
    if (title) {
        PangoLayout *pl = text_layout(cr, m0, m0->st.title_pt * u / m0->unit,
                                      true, title);
        text_fit_line(pl, m0, m0->st.title_pt * u / m0->unit, width - 2 * margin);
        double w, h;
        text_size(pl, &w, &h);
        show_text(cr, m0, pl, margin, margin, m0->st.text, false);
        g_object_unref(pl);
        top += h + 6 * u;
    }
    double bottom = source ? m0->st.source_pt * u * 3 : margin;
    size_t rows = (n + (size_t)cols - 1) / (size_t)cols;
    double cw = (width - 2 * margin) / cols;
    double ch = (height - top - bottom - margin) / (double)rows;
    for (size_t i = 0; i < n; i++) {
        save_(cr, m0);
        cairo_translate(cr, margin + (double)(i % (size_t)cols) * cw,
                        top + (double)(i / (size_t)cols) * ch);
        cairo_rectangle(cr, 0, 0, cw, ch);
        clip_(cr, m0);
        /* Each map was laid out for the cell; scale covers rounding. */
        cairo_scale(cr, cw / maps[i]->width, ch / maps[i]->height);
        draw_map(cr, maps[i]);
        restore_(cr, m0);
    }
    if (source) {
        PangoLayout *pl = text_layout(cr, m0, m0->st.source_pt * u / m0->unit,
                                      false, source);
        text_wrap(pl, width - 2 * margin);
        double w, h;
        text_size(pl, &w, &h);
        show_text(cr, m0, pl, margin, height - margin - h, m0->st.muted_text,
                  false);
        g_object_unref(pl);
    }
    cairo_status_t cs = cairo_status(cr);
    cairo_destroy(cr);
    im_status_t st = IM_OK;
    for (size_t i = 0; i < n && !st; i++)
        if (maps[i]->draw_failed)
            st = im_error(ctx, IM_ERR_NOMEM, "out of memory");
    if (!st && !cs && kind == OUT_PNG)
        st = png_encode(m0, s, &b);
    cairo_surface_finish(s);
    if (!cs)
        cs = cairo_surface_status(s);
    cairo_surface_destroy(s);
    for (size_t i = 0; i < n; i++) {
        maps[i]->svg = NULL;
        maps[i]->vector_output = false;
    }
    if (!st && (cs || b.failed))
        st = im_error(ctx, IM_ERR_LIB, "Cairo: %s", cairo_status_to_string(cs));
    if (!st && svg) {
        /* The <desc> names each panel and its labels. */
        membuf_t desc = {0};
        int bad = 0;
        for (size_t i = 0; i < n && !bad; i++)
            bad = membuf_puts(&desc, i ? " " : "") ||
                  membuf_puts(&desc, maps[i]->title      ? maps[i]->title
                                     : maps[i]->subtitle ? maps[i]->subtitle
                                                         : "Map") ||
                  membuf_puts(&desc, ": ") ||
                  membuf_puts(&desc, maps[i]->drawn_text &&
                                         maps[i]->drawn_text[0]
                                     ? maps[i]->drawn_text : "no labels") ||
                  membuf_puts(&desc, ".");
        bad = bad || membuf_puts(&desc, " Legend: ") ||
              membuf_puts(&desc, m0->legend_text) ||
              membuf_puts(&desc, source ? ". " : ".") ||
              membuf_puts(&desc, source ? source : "") ||
              membuf_write(&desc, (const unsigned char *)"", 1);
        bad = bad || im_svg_finish(svg, m0->st.font, title,
                                   (const char *)desc.data, &b.data, &b.len);
        free(desc.data);
        if (bad)
            st = im_error(ctx, IM_ERR_NOMEM, "out of memory");
    }
    im_svg_free(svg);
    if (!st)
        st = write_file(ctx, path, &b);
    free(b.data);
    return st;
}
