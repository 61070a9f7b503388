/*
 * values.c: numbers per district polygon, from incident records (one per
 * row) or from a table of per-district values.  Every row must land in a
 * polygon; a row that does not is an error naming its line and field,
 * because a map that silently lost a row would understate the count.
 */
#include "context.h"
#include "csv.h"
#include "gazetteer.h"
#include "incimap.h"
#include "layer.h"
#include "values.h"
#include "dates.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct im_values {
    double *v;
    bool *has;
    long *line;   /* first input line per polygon, for duplicate reports */
    const char **id;  /* district first counted in each polygon; borrowed */
    size_t n;
    bool counts;
    im_date_span_t dates;    /* of the records, if they have any */
};

void im_values_note_date(im_values_t *V, const im_date_t *d)
{
    im_date_span_add(&V->dates, d);
}

bool im_values_date_range(const im_values_t *V, char *out, size_t n)
{
    return im_date_span_format(&V->dates, out, n);
}

/* Resolves the district named on the current row to a polygon index. */
static im_status_t row_polygon(im_ctx_t *ctx, const im_gazetteer_t *gaz,
                               const im_layer_t *layer, im_csv_t *csv,
                               int dcol, int pcol, size_t *out,
                               const char **out_id)
{
    const char *text = im_csv_field(csv, dcol);
    const char *field = im_csv_header(csv, dcol);
    if (!*text)
        return im_error(ctx, IM_ERR_DATA, "%s:%ld: %s: empty",
                        im_csv_path(csv), im_csv_line(csv), field);
    im_match_t m;
    im_gazetteer_resolve(gaz, text, pcol >= 0 ? im_csv_field(csv, pcol) : NULL,
                         &m);
    if (m.method == IM_MATCH_UNMATCHED)
        return im_error(ctx, IM_ERR_DATA, "%s:%ld: %s: unknown district '%s'",
                        im_csv_path(csv), im_csv_line(csv), field, text);
    if (m.method == IM_MATCH_AMBIGUOUS) {
        const char *a = m.district_id, *b = m.other_id;
        return im_error(ctx, IM_ERR_DATA,
                        "%s:%ld: %s: '%s' is ambiguous (%s or %s); add a "
                        "province",
                        im_csv_path(csv), im_csv_line(csv), field, text, a, b);
    }
    if (m.method == IM_MATCH_FUZZY)
        im_warn(ctx, "%s:%ld: %s: '%s' taken as %s (spelling)",
                im_csv_path(csv), im_csv_line(csv), field, text, m.district);
    size_t i = im_layer_find_district(layer, m.district_id);
    if (i == (size_t)-1)
        return im_error(ctx, IM_ERR_DATA,
                        "%s:%ld: %s: district '%s' has no polygon in the "
                        "boundaries",
                        im_csv_path(csv), im_csv_line(csv), field, m.district);
    *out = i;
    *out_id = m.district_id;
    return IM_OK;
}

static im_status_t parse_value(im_ctx_t *ctx, im_csv_t *csv, int col,
                               double *out)
{
    const char *s = im_csv_field(csv, col);
    char *end;
    double v = strtod(s, &end);
    if (!*s || *end || !isfinite(v) || v < 0)
        return im_error(ctx, IM_ERR_PARSE,
                        "%s:%ld: %s: '%s' is not a non-negative number",
                        im_csv_path(csv), im_csv_line(csv),
                        im_csv_header(csv, col), s);
    *out = v;
    return IM_OK;
}

im_status_t im_values_read_csv(im_ctx_t *ctx, const im_gazetteer_t *gaz,
                               const im_layer_t *layer, const char *path,
                               const im_values_options_t *opt,
                               im_values_t **out)
{
    *out = NULL;
    im_values_options_t o = opt ? *opt : (im_values_options_t){0};
    im_csv_t *csv;
    im_status_t st = im_csv_open(ctx, path, &csv);
    if (st)
        return st;
    const char *dname = o.district_column ? o.district_column : "district";
    int dcol = im_csv_column(csv, dname);
    int pcol = im_csv_column(csv, o.province_column ? o.province_column
                                                     : "province");
    int vcol = o.value_column ? im_csv_column(csv, o.value_column) : -1;
    if (dcol < 0) {
        st = im_error(ctx, IM_ERR_DATA, "%s:1: no column '%s'", path, dname);
        goto fail_csv;
    }
    if (o.value_column && vcol < 0) {
        st = im_error(ctx, IM_ERR_DATA, "%s:1: no column '%s'", path,
                      o.value_column);
        goto fail_csv;
    }
    size_t n = im_layer_count(layer);
    im_values_t *V = calloc(1, sizeof *V);
    if (V) {
        V->v = calloc(n, sizeof *V->v);
        V->has = calloc(n, sizeof *V->has);
        V->line = calloc(n, sizeof *V->line);
        V->id = calloc(n, sizeof *V->id);
    }
    if (!V || !V->v || !V->has || !V->line || !V->id) {
        im_values_free(V);
        st = im_error(ctx, IM_ERR_NOMEM, "out of memory");
        goto fail_csv;
    }
    V->n = n;
    V->counts = true;
    int date_col = vcol < 0 ? im_csv_column(csv, "date") : -1;
    if (o.year && date_col < 0) {
        st = im_error(ctx, IM_ERR_DATA, "%s:1: no date column to split by year",
                      path);
        im_values_free(V);
        goto fail_csv;
    }
    int r;
    long rows = 0;
    while ((r = im_csv_next(csv)) == 1) {
        rows++;
        size_t i = 0;
        double v = 1;
        const char *id = NULL;
        im_date_t d;
        const char *date = date_col >= 0 ? im_csv_field(csv, date_col) : "";
        bool dated = *date && im_date_parse(date, &d);
        /* The row still counts, but the span of dates printed on the map
         * leaves it out; said once, on the read of all years. */
        if (*date && !dated && !o.year)
            im_warn(ctx, "%s:%ld: %s: '%s' is not a date; counted, but left "
                         "out of the span of dates",
                    path, im_csv_line(csv), im_csv_header(csv, date_col),
                    date);
        if (o.year && (!dated || d.year != o.year))
            continue;
        if (dated)
            im_values_note_date(V, &d);
        st = row_polygon(ctx, gaz, layer, csv, dcol, pcol, &i, &id);
        if (!st && vcol >= 0)
            st = parse_value(ctx, csv, vcol, &v);
        if (st)
            break;
        /* In a table of values each district has one row; a second would
         * be summed silently, so it is an error.  Different districts that
         * share an older polygon (Karachi East and South) do add up. */
        if (vcol >= 0 && V->has[i] && strcmp(V->id[i], id) == 0) {
            st = im_error(ctx, IM_ERR_DATA,
                          "%s:%ld: %s: second row for %s (first on line %ld)",
                          path, im_csv_line(csv), im_csv_header(csv, dcol),
                          im_layer_display_name(layer, i), V->line[i]);
            break;
        }
        V->v[i] += v;
        V->has[i] = true;
        if (!V->line[i]) {
            V->line[i] = im_csv_line(csv);
            V->id[i] = id;
        }
        if (v != floor(v))
            V->counts = false;
    }
    if (r < 0)
        st = IM_ERR_PARSE;
    /* A map of nothing would look like a map of a quiet period. */
    if (!st && rows == 0)
        st = im_error(ctx, IM_ERR_DATA, "%s:2: no rows after the header",
                      path);
    im_csv_free(csv);
    if (st) {
        im_values_free(V);
        return st;
    }
    *out = V;
    return IM_OK;
fail_csv:
    im_csv_free(csv);
    return st;
}

void im_values_free(im_values_t *V)
{
    if (!V)
        return;
    free(V->v);
    free(V->has);
    free(V->line);
    free(V->id);
    free(V);
}

bool im_values_get(const im_values_t *V, size_t i, double *out_value)
{
    if (i >= V->n || !V->has[i])
        return false;
    *out_value = V->v[i];
    return true;
}

bool im_values_are_counts(const im_values_t *V) { return V->counts; }

im_values_t *im_values_alloc(size_t n)
{
    im_values_t *V = calloc(1, sizeof *V);
    if (!V)
        return NULL;
    V->v = calloc(n ? n : 1, sizeof *V->v);
    V->has = calloc(n ? n : 1, sizeof *V->has);
    V->line = calloc(n ? n : 1, sizeof *V->line);
    V->id = calloc(n ? n : 1, sizeof *V->id);
    if (!V->v || !V->has || !V->line || !V->id) {
        im_values_free(V);
        return NULL;
    }
    V->n = n;
    V->counts = true;
    return V;
}

void im_values_add(im_values_t *V, size_t i, double v)
{
    if (i >= V->n)
        return;
    V->v[i] += v;
    V->has[i] = true;
    if (v != floor(v))
        V->counts = false;
}

im_status_t im_values_per_population(im_ctx_t *ctx, im_values_t *V,
                                     const im_layer_t *layer, double per)
{
    if (!(per > 0))
        return im_error(ctx, IM_ERR_ARG, "--per must be positive");
    const im_gazetteer_t *gaz = im_layer_gazetteer(layer);
    int missing = 0;
    for (size_t i = 0; i < V->n; i++) {
        if (!V->has[i])
            continue;
        const char *id = im_layer_district_id(layer, i);
        long pop = id ? im_gazetteer_population(gaz, id) : 0;
        if (pop <= 0) {
            V->has[i] = false;
            missing++;
            im_warn(ctx, "no population for %s; left without a rate",
                    im_layer_display_name(layer, i));
            continue;
        }
        V->v[i] = V->v[i] / (double)pop * per;
    }
    (void)missing;
    V->counts = false;
    return IM_OK;
}

bool im_values_years(const im_values_t *V, int *out_first, int *out_last)
{
    if (V->dates.first.precision == IM_DATE_NONE)
        return false;
    *out_first = V->dates.first.year;
    *out_last = V->dates.last.year;
    return true;
}
