/*
 * points.c: incident records located as points.  A record's own
 * coordinates win; otherwise its place text is resolved through the
 * gazetteer (a town's coordinates), and failing that its district's
 * headquarters stand in.  A row that cannot be placed at all is an error.
 */
#include "context.h"
#include "number.h"
#include "csv.h"
#include "incimap.h"
#include "values.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

typedef struct {
    double lon, lat;
    char *category;
    char *place;    /* as written, up to its first comma */
    char *date;
    int casualties;
} point_t;

struct im_points {
    point_t *p;
    size_t n;
    char **categories;   /* interned: a handful of names for a million rows */
    size_t ncategories;
};

/* Empty strings are shared rather than allocated: a million points from
 * a file without places or dates would otherwise cost two million
 * allocations. */
static char empty[] = "";

static char *dup_or_empty(const char *s)
{
    return s && *s ? im_strdup(s) : empty;
}

static char *intern_category(im_points_t *P, const char *s)
{
    if (!s || !*s)
        return empty;
    /* Rows often repeat the category of the row before: try it first. */
    if (P->ncategories && strcmp(P->categories[P->ncategories - 1], s) == 0)
        return P->categories[P->ncategories - 1];
    for (size_t i = 0; i < P->ncategories; i++)
        if (strcmp(P->categories[i], s) == 0)
            return P->categories[i];
    char **c = realloc(P->categories, (P->ncategories + 1) * sizeof *c);
    if (!c)
        return NULL;
    P->categories = c;
    return c[P->ncategories++] = im_strdup(s);
}

static int first_column(const im_csv_t *csv, const char *const *names)
{
    for (int i = 0; names[i]; i++) {
        int c = im_csv_column(csv, names[i]);
        if (c >= 0)
            return c;
    }
    return -1;
}

static bool parse_coord(const char *s, double limit, double *out)
{
    double v;
    if (!im_parse_number(s, &v) || fabs(v) > limit)
        return false;
    *out = v;
    return true;
}

/* A casualty count sizes its point; one that is not a count (negative,
 * "many") is drawn as none, with a warning naming it. */
static int parse_count(im_ctx_t *ctx, im_csv_t *csv, int col)
{
    const char *s = im_csv_field(csv, col);
    char *end;
    long v = strtol(s, &end, 10);
    if (!*s || (!*end && v >= 0 && v < 1000000))
        return (int)(*s ? v : 0);
    im_warn(ctx, "%s:%ld: %s: '%s' is not a count; the point is drawn with "
                 "no casualties",
            im_csv_path(csv), im_csv_line(csv), im_csv_header(csv, col), s);
    return 0;
}

/* Locates the current row: coordinates, then place, then district. */
static im_status_t locate(im_ctx_t *ctx, const im_gazetteer_t *gaz,
                          im_csv_t *csv, const int *col, point_t *p)
{
    const char *lat = im_csv_field(csv, col[0]), *lon = im_csv_field(csv, col[1]);
    if (*lat || *lon) {
        if (!parse_coord(lat, 90, &p->lat))
            return im_error(ctx, IM_ERR_PARSE, "%s:%ld: %s: bad latitude '%s'",
                            im_csv_path(csv), im_csv_line(csv),
                            im_csv_header(csv, col[0]), lat);
        if (!parse_coord(lon, 180, &p->lon))
            return im_error(ctx, IM_ERR_PARSE, "%s:%ld: %s: bad longitude '%s'",
                            im_csv_path(csv), im_csv_line(csv),
                            im_csv_header(csv, col[1]), lon);
        return IM_OK;
    }
    /* A town named in the place text is the most precise location; a
     * place text that only names a district (or a city standing for a
     * whole division, like Karachi) yields to the district column. */
    const char *province = im_csv_field(csv, col[3]);
    im_match_t best = {0};
    const char *best_field = NULL;
    for (int k = 2; k <= 4; k += 2) {
        const char *text = im_csv_field(csv, col[k]);
        if (!*text)
            continue;
        im_match_t m;
        im_gazetteer_resolve(gaz, text, province, &m);
        if (m.method == IM_MATCH_AMBIGUOUS)
            return im_error(ctx, IM_ERR_DATA,
                            "%s:%ld: %s: '%s' is ambiguous (%s or %s)",
                            im_csv_path(csv), im_csv_line(csv),
                            im_csv_header(csv, col[k]), text, m.district_id,
                            m.other_id);
        if (m.method == IM_MATCH_UNMATCHED || !m.has_point)
            continue;
        if (!best_field || best.method != IM_MATCH_PLACE) {
            best = m;
            best_field = text;
        }
    }
    if (best_field) {
        p->lon = best.lon_deg;
        p->lat = best.lat_deg;
        return IM_OK;
    }
    return im_error(ctx, IM_ERR_DATA,
                    "%s:%ld: place: cannot locate '%s' (no coordinates, and "
                    "neither place nor district is in the gazetteer)",
                    im_csv_path(csv), im_csv_line(csv),
                    col[2] >= 0 ? im_csv_field(csv, col[2])
                                : im_csv_field(csv, col[4]));
}

im_status_t im_points_read_csv(im_ctx_t *ctx, const im_gazetteer_t *gaz,
                               const char *path, im_points_t **out)
{
    static const char *const lat_names[] = {"lat", "latitude", NULL};
    static const char *const lon_names[] = {"lon", "longitude", "lng", NULL};
    static const char *const place_names[] = {"place", "location", NULL};
    static const char *const prov_names[] = {"province", "admin1", NULL};
    static const char *const dist_names[] = {"district", "admin2", NULL};
    static const char *const cat_names[] = {"category", "event_type", NULL};
    *out = NULL;
    im_csv_t *csv;
    im_status_t st = im_csv_open(ctx, path, &csv);
    if (st)
        return st;
    int col[5] = {first_column(csv, lat_names), first_column(csv, lon_names),
                  first_column(csv, place_names), first_column(csv, prov_names),
                  first_column(csv, dist_names)};
    int ccat = first_column(csv, cat_names);
    static const char *const date_names[] = {"date", "event_date", NULL};
    int ckill = im_csv_column(csv, "killed"), cinj = im_csv_column(csv, "injured");
    int cdate = first_column(csv, date_names);
    if (col[2] < 0 && col[4] < 0 && (col[0] < 0 || col[1] < 0)) {
        im_csv_free(csv);
        return im_error(ctx, IM_ERR_DATA,
                        "%s:1: needs lat/lon, place or district columns", path);
    }
    im_points_t *P = calloc(1, sizeof *P);
    size_t cap = 0;
    int r = 0;
    if (!P)
        st = im_error(ctx, IM_ERR_NOMEM, "out of memory");
    while (!st && (r = im_csv_next(csv)) == 1) {
        if (P->n == cap) {
            cap = cap ? cap * 2 : 64;
            point_t *np = realloc(P->p, cap * sizeof *np);
            if (!np) {
                st = im_error(ctx, IM_ERR_NOMEM, "out of memory");
                break;
            }
            P->p = np;
        }
        point_t *p = &P->p[P->n];
        memset(p, 0, sizeof *p);
        st = locate(ctx, gaz, csv, col, p);
        if (st)
            break;
        p->category = intern_category(P, ccat >= 0 ? im_csv_field(csv, ccat)
                                                   : "");
        const char *place = im_csv_field(csv, col[2] >= 0 ? col[2] : col[4]);
        p->place = dup_or_empty(place);
        if (p->place && p->place != empty)
            p->place[strcspn(p->place, ",;(")] = '\0';
        p->date = dup_or_empty(im_csv_field(csv, cdate));
        p->casualties = parse_count(ctx, csv, ckill) +
                        parse_count(ctx, csv, cinj);
        P->n++;
        if (!p->category || !p->place || !p->date)
            st = im_error(ctx, IM_ERR_NOMEM, "out of memory");
    }
    if (r < 0)
        st = IM_ERR_PARSE;
    if (!st && P->n == 0)
        st = im_error(ctx, IM_ERR_DATA, "%s:2: no rows after the header",
                      path);
    im_csv_free(csv);
    if (st) {
        im_points_free(P);
        return st;
    }
    *out = P;
    return IM_OK;
}

void im_points_free(im_points_t *P)
{
    if (!P)
        return;
    for (size_t i = 0; i < P->n; i++) {
        if (P->p[i].place != empty)
            free(P->p[i].place);
        if (P->p[i].date != empty)
            free(P->p[i].date);
    }
    for (size_t i = 0; i < P->ncategories; i++)
        free(P->categories[i]);
    free(P->categories);
    free(P->p);
    free(P);
}

size_t im_points_count(const im_points_t *P) { return P->n; }

void im_points_get(const im_points_t *P, size_t i, double *out_lon_deg,
                   double *out_lat_deg, const char **out_category,
                   int *out_casualties)
{
    const point_t *p = &P->p[i];
    if (out_lon_deg)
        *out_lon_deg = p->lon;
    if (out_lat_deg)
        *out_lat_deg = p->lat;
    if (out_category)
        *out_category = p->category;
    if (out_casualties)
        *out_casualties = p->casualties;
}

void im_points_text(const im_points_t *P, size_t i, const char **out_place,
                    const char **out_date)
{
    if (out_place)
        *out_place = P->p[i].place;
    if (out_date)
        *out_date = P->p[i].date;
}

im_points_t *im_points_alloc(void)
{
    return calloc(1, sizeof(im_points_t));
}

int im_points_push(im_points_t *P, double lon, double lat, const char *category,
                   int casualties, const char *place, const char *date)
{
    if ((P->n & (P->n - 1)) == 0) {
        point_t *np = realloc(P->p, (P->n ? P->n * 2 : 1) * sizeof *np);
        if (!np)
            return -1;
        P->p = np;
    }
    point_t *p = &P->p[P->n];
    p->lon = lon;
    p->lat = lat;
    p->casualties = casualties;
    p->category = intern_category(P, category);
    p->place = dup_or_empty(place);
    p->date = dup_or_empty(date);
    P->n++;
    if (p->place && p->place != empty)
        p->place[strcspn(p->place, ",;(")] = '\0';
    return p->category && p->place && p->date ? 0 : -1;
}
