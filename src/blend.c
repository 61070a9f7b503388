/*
 * blend.c: see blend.h.
 */
#include "blend.h"

#include <math.h>

/* Coverage of the pixel span [i, i + 1) by the interval [lo, hi). */
static double span_cover(int i, double lo, double hi)
{
    double a = lo > i ? lo : i, b = hi < i + 1.0 ? hi : i + 1.0;
    return b > a ? b - a : 0;
}

void im_blend_squares(const im_blend_target_t *t, const im_xy_t *xy,
                      const uint8_t *colour, const uint32_t *rgb, size_t n,
                      int row0, int row1)
{
    double cx0 = t->x0, cx1 = t->x1;
    double cy0 = fmax(t->y0, row0), cy1 = fmin(t->y1, row1);
    double hx = t->half_w, hy = t->half_h, scale = t->alpha * 256;
    for (size_t i = 0; i < n; i++) {
        double x = xy[i].x, y = xy[i].y;
        double y0 = y - hy > cy0 ? y - hy : cy0, y1 = y + hy < cy1 ? y + hy : cy1;
        if (!(y0 < y1))
            continue;
        double x0 = x - hx > cx0 ? x - hx : cx0, x1 = x + hx < cx1 ? x + hx : cx1;
        if (!(x0 < x1))
            continue;
        uint32_t c = rgb[colour[i]];
        /* Red and blue blend as two 16-bit lanes of one word: neither
         * sum reaches 65536, so the lanes never carry into each other. */
        uint32_t s_rb = (c >> 16 & 255) << 16 | (c & 255), s_g = c >> 8 & 255;
        int px0 = (int)x0, px1 = (int)ceil(x1), py0 = (int)y0, py1 = (int)ceil(y1);
        double cover_x[16];
        if (px1 - px0 > 16)
            px1 = px0 + 16;
        for (int px = px0; px < px1; px++)
            cover_x[px - px0] = span_cover(px, x0, x1) * scale;
        for (int py = py0; py < py1; py++) {
            double cy = span_cover(py, y0, y1);
            uint32_t *row = (uint32_t *)(void *)(t->data + (size_t)py * (size_t)t->stride);
            for (int px = px0; px < px1; px++) {
                /* 0-256 fixed point; the image is opaque, so a pixel's
                 * premultiplied channels are its colour. */
                uint32_t a = (uint32_t)(cy * cover_x[px - px0] + 0.5);
                uint32_t d = row[px], na = 256 - a;
                uint32_t rb = ((s_rb * a + (d & 0x00ff00ffu) * na) >> 8) & 0x00ff00ffu;
                uint32_t g = (s_g * a + ((d >> 8) & 255) * na) >> 8;
                row[px] = (d & 0xff000000u) | rb | g << 8;
            }
        }
    }
}
