/*
 * dates.h: incident dates as exports write them, kept with their precision,
 * because a record dated only "March 2024" must not be counted as if it
 * happened on 1 March.
 */
#ifndef IM_DATES_H
#define IM_DATES_H

#include <stdbool.h>
#include <stddef.h>

typedef enum {
    IM_DATE_NONE = 0,
    IM_DATE_YEAR,
    IM_DATE_MONTH,
    IM_DATE_DAY
} im_date_precision_t;

/* Fields finer than the precision are 0. */
typedef struct {
    int year, month, day;
    im_date_precision_t precision;
} im_date_t;

/* Reads one date, ignoring surrounding spaces and case:
 *   2024-12-31  2024-12  2024  2024/12/31  12/2024
 *   2024-03-12T10:00:00  2024-03-12 10:00 (the time is checked, then
 *   dropped; so is a time after any day-precision date)
 *   17/06/2004  8/5/05  17-06-2004  17.06.2004 (day first; two-digit
 *   years 00-69 are 2000-2069, 70-99 are 1970-1999)
 *   12 March 2024  12-Mar-2024  12-Mar-24  12th of March 2024
 *   March 12, 2024  March 2024  Mar 2024
 *   Friday, June 18, 2004  Sunday-November 19-1995  Thursday-Feb-16-2017
 * Month names are full, three letters or "Sept".  A leading weekday is
 * skipped without being checked against the date.  Years outside
 * 1900-2100 and days that do not exist (31 April, 29 February 2023) are
 * rejected.  Returns false, with *out zeroed, if text is not a date. */
bool im_date_parse(const char *text, im_date_t *out);

/* A date from separate year, month and day fields such as GTD's iyear,
 * imonth and iday, where "0", "" or NULL means unknown: ("2012", "0", "0")
 * has year precision, ("2012", "5", "0") month precision.  A day without a
 * month is dropped.  Returns false, with *out zeroed, when the year is
 * missing or any field is not a number in range. */
bool im_date_from_parts(const char *year, const char *month, const char *day,
                        im_date_t *out);

/* "2024-12-31", "2024-12" or "2024" by precision; "" for IM_DATE_NONE.
 * Always terminated when n > 0. */
void im_date_format(const im_date_t *d, char *buf, size_t n);

/* Orders by the first day each date covers; dates starting on the same
 * day put the coarser first, so 0 means the same date and precision.
 * IM_DATE_NONE comes before every date. */
int im_date_compare(const im_date_t *a, const im_date_t *b);

/* The first and last of a set of dates; zeroed, it holds none. */
typedef struct {
    im_date_t first, last;
} im_date_span_t;

/* Widens span to include d; a date of IM_DATE_NONE changes nothing. */
void im_date_span_add(im_date_span_t *span, const im_date_t *d);

/* "2015-05-13 – 2025-03" into out, or one date when first and last are
 * the same; false when the span holds no date. */
bool im_date_span_format(const im_date_span_t *span, char *out, size_t n);

#endif
