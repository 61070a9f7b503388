/*
 * svg.h: the map's SVG writer.  The renderer lays out and builds every
 * path with Cairo as for the other formats; where it would fill, stroke
 * or clip, it hands the path to this writer instead, which emits it in
 * device coordinates with the context's colour and line settings.  Text
 * becomes <text> elements.  Cairo's own SVG surface is not used: it
 * writes text as glyph outlines (nothing can select, search or edit
 * them), and spent a third of a whole render formatting numbers.
 */
#ifndef IM_SVG_H
#define IM_SVG_H

#include "incimap.h"

#include <cairo.h>
#include <stdbool.h>
#include <stddef.h>

typedef struct im_svg im_svg_t;

im_svg_t *im_svg_new(double width, double height);
void im_svg_free(im_svg_t *svg);

/* Cairo's current path, filled or stroked with its current source colour
 * and fill rule or line settings.  The path is left as it was. */
void im_svg_fill(im_svg_t *svg, cairo_t *cr);
void im_svg_stroke(im_svg_t *svg, cairo_t *cr);
/* The whole page in the current source colour, within the current clip. */
void im_svg_paint(im_svg_t *svg, cairo_t *cr);
/* Clips what follows to the current path, until the matching restore. */
void im_svg_clip(im_svg_t *svg, cairo_t *cr);
void im_svg_save(im_svg_t *svg);
void im_svg_restore(im_svg_t *svg);

/* One line of text centred on (x, y) in device coordinates, y being the
 * baseline; halo_width 0 for none. */
void im_svg_text(im_svg_t *svg, const char *text, double x, double y,
                 double size, bool bold, bool italic, im_rgb_t fill,
                 im_rgb_t halo, double halo_width);

/* The document: title and desc (may be NULL) first, text in font.  The
 * caller frees *out.  Returns 0, or -1 when out of memory. */
int im_svg_finish(im_svg_t *svg, const char *font, const char *title,
                  const char *desc, unsigned char **out, size_t *out_len);

#endif
