/*
 * values.h: building values and points from sources other than CSV (the
 * store).
 */
#ifndef IM_VALUES_H
#define IM_VALUES_H

#include "dates.h"
#include "incimap.h"

/* Values for n polygons, all without a record yet. */
im_values_t *im_values_alloc(size_t n);
/* Adds v to polygon i and marks it as having a record. */
void im_values_add(im_values_t *values, size_t i, double v);

/* Widens the values' date range to include d. */
void im_values_note_date(im_values_t *values, const im_date_t *d);
/* "2015-05-13 – 2025-03" into out; false when the records had no dates. */
bool im_values_date_range(const im_values_t *values, char *out, size_t n);

im_points_t *im_points_alloc(void);
/* Appends a point; strings are copied.  -1 when out of memory. */
int im_points_push(im_points_t *points, double lon_deg, double lat_deg,
                   const char *category, int casualties, const char *place,
                   const char *date);

#endif
