/*
 * svg.c: see svg.h.  Coordinates are written with two decimals (a
 * hundredth of a pixel), by hand rather than through printf, which was
 * most of the cost of writing a map.
 */
#include "svg.h"
#include "context.h"

#include <glib.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAX_DEPTH 64

struct im_svg {
    double width, height;
    char *buf;
    size_t len, cap;
    bool failed;
    int clip_id;
    int open_groups;          /* clip groups open at the current level */
    int saved[MAX_DEPTH];     /* open_groups at each save */
    int depth;
};

im_svg_t *im_svg_new(double width, double height)
{
    im_svg_t *svg = calloc(1, sizeof *svg);
    if (svg) {
        svg->width = width;
        svg->height = height;
    }
    return svg;
}

void im_svg_free(im_svg_t *svg)
{
    if (!svg)
        return;
    free(svg->buf);
    free(svg);
}

static char *reserve(im_svg_t *svg, size_t n)
{
    if (svg->failed)
        return NULL;
    if (svg->len + n > svg->cap) {
        size_t cap = svg->cap ? svg->cap : 1 << 16;
        while (cap < svg->len + n)
            cap *= 2;
        char *b = realloc(svg->buf, cap);
        if (!b) {
            svg->failed = true;
            return NULL;
        }
        svg->buf = b;
        svg->cap = cap;
    }
    return svg->buf + svg->len;
}

static void put(im_svg_t *svg, const char *s, size_t n)
{
    char *p = reserve(svg, n);
    if (p) {
        memcpy(p, s, n);
        svg->len += n;
    }
}

static void puts_(im_svg_t *svg, const char *s) { put(svg, s, strlen(s)); }

static void printf_(im_svg_t *svg, const char *fmt, ...) IM_PRINTF(2, 3);
static void printf_(im_svg_t *svg, const char *fmt, ...)
{
    char tmp[512];
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(tmp, sizeof tmp, fmt, ap);
    va_end(ap);
    if (n > 0)
        put(svg, tmp, (size_t)n < sizeof tmp ? (size_t)n : sizeof tmp - 1);
}

/* Length of the well-formed UTF-8 sequence at s, or 0. */
static int utf8_len(const unsigned char *s)
{
    gunichar c = g_utf8_get_char_validated((const gchar *)s, -1);
    return c == (gunichar)-1 || c == (gunichar)-2 ? 0 : g_utf8_skip[*s];
}

/* Text from the input (place names, titles) as XML character data that
 * can never close an element or a section: markup characters become
 * references, and what XML 1.0 forbids (control characters, malformed
 * UTF-8) becomes U+FFFD, so the document stays well formed. */
static void put_xml(im_svg_t *svg, const char *s)
{
    const unsigned char *u = (const unsigned char *)s;
    while (u && *u) {
        int n = utf8_len(u);
        switch (n == 1 ? *u : 0) {
        case '<': puts_(svg, "&lt;"); break;
        case '>': puts_(svg, "&gt;"); break;
        case '&': puts_(svg, "&amp;"); break;
        case '"': puts_(svg, "&quot;"); break;
        case '\'': puts_(svg, "&#39;"); break;
        default:
            if (n == 0 || (n == 1 && *u < 0x20 && *u != '\t' && *u != '\n'))
                puts_(svg, "\xef\xbf\xbd");
            else
                put(svg, (const char *)u, (size_t)n);
        }
        u += n ? n : 1;
    }
}

/* v to two decimals, trailing zeros dropped; at most 24 bytes. */
static char *num(char *p, double v)
{
    if (!isfinite(v) || fabs(v) > 1e15)
        v = 0;
    double r = v * 100;
    long long k = (long long)(r < 0 ? r - 0.5 : r + 0.5);
    if (k < 0) {
        *p++ = '-';
        k = -k;
    }
    long long ip = k / 100;
    int fr = (int)(k % 100);
    char digits[24];
    int nd = 0;
    do {
        digits[nd++] = (char)('0' + ip % 10);
        ip /= 10;
    } while (ip);
    while (nd)
        *p++ = digits[--nd];
    if (fr) {
        *p++ = '.';
        *p++ = (char)('0' + fr / 10);
        if (fr % 10)
            *p++ = (char)('0' + fr % 10);
    }
    return p;
}

static void put_num(im_svg_t *svg, double v)
{
    char tmp[32];
    put(svg, tmp, (size_t)(num(tmp, v) - tmp));
}

static void put_rgb(im_svg_t *svg, double r, double g, double b)
{
    static const char hex[] = "0123456789abcdef";
    int c[3] = {(int)lround(fmin(fmax(r, 0), 1) * 255),
                (int)lround(fmin(fmax(g, 0), 1) * 255),
                (int)lround(fmin(fmax(b, 0), 1) * 255)};
    char s[7] = {'#'};
    for (int i = 0; i < 3; i++) {
        s[1 + 2 * i] = hex[c[i] >> 4];
        s[2 + 2 * i] = hex[c[i] & 15];
    }
    put(svg, s, 7);
}

/* The current path as path data, in device coordinates. */
static void put_path(im_svg_t *svg, cairo_t *cr)
{
    cairo_path_t *path = cairo_copy_path(cr);
    if (!path || path->status) {
        cairo_path_destroy(path);
        return;
    }
    /* User space to device space once per path, not a call per point. */
    cairo_matrix_t mx;
    cairo_get_matrix(cr, &mx);
    for (int i = 0; i < path->num_data; i += path->data[i].header.length) {
        const cairo_path_data_t *d = &path->data[i];
        int npts = 0;
        char op = 0;
        switch (d->header.type) {
        case CAIRO_PATH_MOVE_TO:
            /* Cairo follows every close with a move to the ring's start,
             * which draws nothing when another move or the end follows. */
            if (i + d->header.length >= path->num_data ||
                path->data[i + d->header.length].header.type == CAIRO_PATH_MOVE_TO)
                continue;
            op = 'M';
            npts = 1;
            break;
        case CAIRO_PATH_LINE_TO: op = 'L'; npts = 1; break;
        case CAIRO_PATH_CURVE_TO: op = 'C'; npts = 3; break;
        case CAIRO_PATH_CLOSE_PATH: op = 'Z'; break;
        }
        char *p = reserve(svg, 2 + (size_t)npts * 52);
        if (!p)
            break;
        char *q = p;
        *q++ = op;
        for (int k = 1; k <= npts; k++) {
            double ux = d[k].point.x, uy = d[k].point.y;
            double x = mx.xx * ux + mx.xy * uy + mx.x0;
            double y = mx.yx * ux + mx.yy * uy + mx.y0;
            if (k > 1)
                *q++ = ' ';
            q = num(q, x);
            *q++ = ',';
            q = num(q, y);
        }
        svg->len += (size_t)(q - p);
    }
    cairo_path_destroy(path);
}

static void put_source(im_svg_t *svg, cairo_t *cr, const char *what)
{
    double r = 0, g = 0, b = 0, a = 1;
    cairo_pattern_get_rgba(cairo_get_source(cr), &r, &g, &b, &a);
    printf_(svg, " %s=\"", what);
    put_rgb(svg, r, g, b);
    puts_(svg, "\"");
    if (a < 1) {
        printf_(svg, " %s-opacity=\"", what);
        put_num(svg, a);
        puts_(svg, "\"");
    }
}

/* A length in user space as device units (the renderer scales evenly). */
static double device_length(cairo_t *cr, double len)
{
    double dx = len, dy = 0;
    cairo_user_to_device_distance(cr, &dx, &dy);
    return hypot(dx, dy);
}

void im_svg_fill(im_svg_t *svg, cairo_t *cr)
{
    puts_(svg, "<path d=\"");
    put_path(svg, cr);
    puts_(svg, "\"");
    put_source(svg, cr, "fill");
    if (cairo_get_fill_rule(cr) == CAIRO_FILL_RULE_EVEN_ODD)
        puts_(svg, " fill-rule=\"evenodd\"");
    puts_(svg, "/>\n");
}

void im_svg_stroke(im_svg_t *svg, cairo_t *cr)
{
    puts_(svg, "<path d=\"");
    put_path(svg, cr);
    puts_(svg, "\" fill=\"none\"");
    put_source(svg, cr, "stroke");
    puts_(svg, " stroke-width=\"");
    put_num(svg, device_length(cr, cairo_get_line_width(cr)));
    puts_(svg, "\"");
    switch (cairo_get_line_join(cr)) {
    case CAIRO_LINE_JOIN_ROUND: puts_(svg, " stroke-linejoin=\"round\""); break;
    case CAIRO_LINE_JOIN_BEVEL: puts_(svg, " stroke-linejoin=\"bevel\""); break;
    default: break;
    }
    switch (cairo_get_line_cap(cr)) {
    case CAIRO_LINE_CAP_ROUND: puts_(svg, " stroke-linecap=\"round\""); break;
    case CAIRO_LINE_CAP_SQUARE: puts_(svg, " stroke-linecap=\"square\""); break;
    default: break;
    }
    int nd = cairo_get_dash_count(cr);
    if (nd > 0 && nd <= 16) {
        double dash[16], offset;
        cairo_get_dash(cr, dash, &offset);
        puts_(svg, " stroke-dasharray=\"");
        for (int i = 0; i < nd; i++) {
            if (i)
                puts_(svg, " ");
            put_num(svg, device_length(cr, dash[i]));
        }
        puts_(svg, "\"");
    }
    puts_(svg, "/>\n");
}

void im_svg_paint(im_svg_t *svg, cairo_t *cr)
{
    puts_(svg, "<rect width=\"");
    put_num(svg, svg->width);
    puts_(svg, "\" height=\"");
    put_num(svg, svg->height);
    puts_(svg, "\"");
    put_source(svg, cr, "fill");
    puts_(svg, "/>\n");
}

void im_svg_clip(im_svg_t *svg, cairo_t *cr)
{
    int id = ++svg->clip_id;
    printf_(svg, "<clipPath id=\"c%d\"><path d=\"", id);
    put_path(svg, cr);
    printf_(svg, "\"%s/></clipPath>\n<g clip-path=\"url(#c%d)\">\n",
            cairo_get_fill_rule(cr) == CAIRO_FILL_RULE_EVEN_ODD
                ? " clip-rule=\"evenodd\"" : "",
            id);
    svg->open_groups++;
}

void im_svg_save(im_svg_t *svg)
{
    if (svg->depth < MAX_DEPTH)
        svg->saved[svg->depth] = svg->open_groups;
    svg->depth++;
    svg->open_groups = 0;
}

void im_svg_restore(im_svg_t *svg)
{
    while (svg->open_groups > 0) {
        puts_(svg, "</g>\n");
        svg->open_groups--;
    }
    if (svg->depth > 0) {
        svg->depth--;
        svg->open_groups = svg->depth < MAX_DEPTH ? svg->saved[svg->depth] : 0;
    }
}

void im_svg_text(im_svg_t *svg, const char *text, double x, double y,
                 double size, bool bold, bool italic, im_rgb_t fill,
                 im_rgb_t halo, double halo_width)
{
    puts_(svg, "<text x=\"");
    put_num(svg, x);
    puts_(svg, "\" y=\"");
    put_num(svg, y);
    puts_(svg, "\" font-size=\"");
    put_num(svg, size);
    puts_(svg, "\"");
    if (bold)
        puts_(svg, " font-weight=\"bold\"");
    if (italic)
        puts_(svg, " font-style=\"italic\"");
    puts_(svg, " fill=\"");
    put_rgb(svg, fill.r, fill.g, fill.b);
    puts_(svg, "\"");
    if (halo_width > 0) {
        puts_(svg, " stroke=\"");
        put_rgb(svg, halo.r, halo.g, halo.b);
        puts_(svg, "\" stroke-width=\"");
        put_num(svg, halo_width);
        puts_(svg, "\" stroke-linejoin=\"round\" paint-order=\"stroke\"");
    }
    puts_(svg, ">");
    put_xml(svg, text);
    puts_(svg, "</text>\n");
}

int im_svg_finish(im_svg_t *svg, const char *font, const char *title,
                  const char *desc, unsigned char **out, size_t *out_len)
{
    *out = NULL;
    *out_len = 0;
    while (svg->depth > 0 || svg->open_groups > 0)
        im_svg_restore(svg);
    im_svg_t doc = {0};
    printf_(&doc, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
                  "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%gpt\" "
                  "height=\"%gpt\" viewBox=\"0 0 %g %g\">\n",
            svg->width, svg->height, svg->width, svg->height);
    puts_(&doc, "<title>");
    put_xml(&doc, title ? title : "Map");
    puts_(&doc, "</title>\n");
    if (desc) {
        puts_(&doc, "<desc>");
        put_xml(&doc, desc);
        puts_(&doc, "</desc>\n");
    }
    puts_(&doc, "<g font-family=\"");
    put_xml(&doc, font);
    puts_(&doc, "\" text-anchor=\"middle\">\n");
    put(&doc, svg->buf ? svg->buf : "", svg->len);
    puts_(&doc, "</g>\n</svg>\n");
    if (doc.failed || svg->failed) {
        free(doc.buf);
        return -1;
    }
    *out = (unsigned char *)doc.buf;
    *out_len = doc.len;
    return 0;
}
