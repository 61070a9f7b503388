/*
 * style.h: the resolved style the renderer draws with.
 */
#ifndef IM_STYLE_H
#define IM_STYLE_H

#include "incimap.h"

#include <stdio.h>

#define IM_STYLE_MAX_RAMP 9

typedef struct {
    im_rgb_t background, water, neighbour_fill, land_context, line_context, no_record, line_district,
        line_province, text, halo, muted_text;
    im_rgb_t ramp[IM_STYLE_MAX_RAMP];
    int nramp;
    im_rgb_t points[IM_STYLE_MAX_RAMP];
    int npoints;
    char font[64];
    double title_pt, subtitle_pt, label_pt, legend_pt, source_pt;
    double district_line_pt, province_line_pt;
} im_style_values_t;

/* im_style_load on an open stream; path names it in messages. */
im_status_t im_style_read(im_ctx_t *ctx, FILE *f, const char *path,
                          im_style_t **out);

/* The values of style, or the built-in defaults when style is NULL. */
void im_style_values(const im_style_t *style, im_style_values_t *out);

/* The ramp of a ColorBrewer scheme in styles/palettes.csv (see
 * styles/README.md); the map spreads its classes over it.  Unknown names
 * fail listing the known ones. */
im_status_t im_palette_load(im_ctx_t *ctx, const char *name, im_rgb_t *out,
                            int *out_n);

#endif
