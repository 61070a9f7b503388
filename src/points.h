/*
 * points.h: what the renderer reads of located incidents beyond the
 * public accessors: coordinates in bulk and categories by number, so that
 * a map of a million points takes neither a call nor a string comparison
 * per point.
 */
#ifndef IM_POINTS_H
#define IM_POINTS_H

#include "incimap.h"

#include <stdint.h>

/* Where a record without coordinates stands, once its district is
 * decided: the town its place text names, if that town lies in the
 * district (or one related to it by its history), else the district's
 * headquarters.  False when the district is unknown or has none. */
bool im_points_stand_in(const im_gazetteer_t *gaz, const char *place,
                        const char *province, const char *district_id,
                        double *out_lon_deg, double *out_lat_deg);

/* Longitudes and latitudes in degrees of points [first, first + n) into
 * x[i * stride] and y[i * stride]. */
void im_points_lonlat(const im_points_t *points, size_t first, size_t n,
                      double *x, double *y, size_t stride);

/* Categories are numbered in order of first appearance (which is the
 * order of the legend and of the style's colours); "" is one too. */
size_t im_points_ncategories(const im_points_t *points);
const char *im_points_category_name(const im_points_t *points, size_t k);
size_t im_points_category_count(const im_points_t *points, size_t k);
/* Number of point i's category. */
size_t im_points_category(const im_points_t *points, size_t i);
/* Numbers of the categories of points [first, first + n) into out, those
 * past max as max. */
void im_points_categories(const im_points_t *points, size_t first, size_t n,
                          size_t max, uint8_t *out);

/* The span of the points' dates, "2015-05-13 – 2025-03", into out;
 * false when none of them has a date that reads. */
bool im_points_date_range(const im_points_t *points, char *out, size_t n);

#endif
