/*
 * render_check.h: reading rendered outputs back: PNG pixels through
 * Cairo, PDF text and fonts through poppler's command-line tools.
 */
#ifndef IM_RENDER_CHECK_H
#define IM_RENDER_CHECK_H

#include "incimap.h"
#include "testlib.h"

#include <cairo.h>
#include <math.h>

/* A PNG read once; pixels are then looked up in memory. */
static inline cairo_surface_t *png_load(const char *path)
{
    cairo_surface_t *s = cairo_image_surface_create_from_png(path);
    if (cairo_surface_status(s) != CAIRO_STATUS_SUCCESS) {
        cairo_surface_destroy(s);
        return NULL;
    }
    cairo_surface_flush(s);
    return s;
}

/* Pixel at (x, y), or r = -1 outside the image or without one. */
static inline im_rgb_t surface_pixel(cairo_surface_t *s, double x, double y)
{
    im_rgb_t c = {-1, -1, -1};
    if (!s)
        return c;
    int xi = (int)lround(x), yi = (int)lround(y);
    int w = cairo_image_surface_get_width(s);
    int h = cairo_image_surface_get_height(s);
    if (xi < 0 || yi < 0 || xi >= w || yi >= h)
        return c;
    const unsigned char *row =
        cairo_image_surface_get_data(s) +
        (size_t)yi * (size_t)cairo_image_surface_get_stride(s);
    unsigned px = ((const unsigned *)row)[xi];
    c.r = ((px >> 16) & 255) / 255.0;
    c.g = ((px >> 8) & 255) / 255.0;
    c.b = (px & 255) / 255.0;
    return c;
}

/* Pixel at (x, y) of a PNG file, or r = -1 if unreadable. */
static inline im_rgb_t png_pixel(const char *path, double x, double y)
{
    cairo_surface_t *s = png_load(path);
    im_rgb_t c = surface_pixel(s, x, y);
    cairo_surface_destroy(s);
    return c;
}

static inline double rgb_distance(im_rgb_t a, im_rgb_t b)
{
    return fabs(a.r - b.r) + fabs(a.g - b.g) + fabs(a.b - b.b);
}

static inline double luminance(im_rgb_t c)
{
    return 0.2126 * c.r + 0.7152 * c.g + 0.0722 * c.b;
}

/* Output of a shell command, up to n bytes; "" on failure. */
static inline const char *command_output(const char *cmd, char *buf, size_t n)
{
    buf[0] = '\0';
    FILE *p = popen(cmd, "r");
    if (!p)
        return buf;
    size_t k = fread(buf, 1, n - 1, p);
    buf[k] = '\0';
    pclose(p);
    return buf;
}

#endif
