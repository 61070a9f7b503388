/*
 * cmd_geocode.c: `incimap geocode IN.csv -o OUT.csv`: every input row,
 * copied, with district, province, match_method, match_score and
 * precision appended.
 */
#include "cli.h"
#include "context.h"
#include "csv.h"
#include "number.h"

#include <errno.h>
#include <getopt.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static const char help[] =
    "usage: incimap geocode IN.csv -o OUT.csv [options]\n"
    "\n"
    "Copies every row of IN.csv and appends district, province, match_method\n"
    "(coordinates, exact, alias, place, fuzzy, conflict, ambiguous or\n"
    "unmatched), match_score (0-1) and precision (1 the place itself, 2 near\n"
    "it, 3 only the district or province; empty when unmatched).\n"
    "\n"
    "  -o, --output FILE          output CSV (- for standard output)\n"
    "  --place-column NAME        place text (default: place, city, location)\n"
    "  --lat-column NAME          latitude (default: lat, latitude)\n"
    "  --lon-column NAME          longitude (default: lon, longitude, lng)\n"
    "  --province-column NAME     province hint (default: province, provstate,\n"
    "                             admin1)\n"
    "  --district-column NAME     the district the source gives (default:\n"
    "                             district, tribal agency, agency, admin2); a\n"
    "                             place the gazetteer does not know falls back\n"
    "                             to it, with precision 3\n"
    "  --boundaries SRC           district polygons for coordinates (any GDAL\n"
    "                             source; default: the embedded boundaries)\n"
    "  --name-field NAME          field of SRC holding the district name\n"
    "  --places FILE              more places (CSV: name, district, optional\n"
    "                             province, lat, lon), such as villages the\n"
    "                             gazetteer lacks\n"
    "  --data-dir DIR             the data directory\n";

enum { OPT_PLACE = 256, OPT_LAT, OPT_LON, OPT_PROV, OPT_DISTRICT,
       OPT_BOUNDARIES, OPT_NAME, OPT_DATA, OPT_PLACES };

static const struct option options[] = {
    {"output", required_argument, NULL, 'o'},
    {"help", no_argument, NULL, 'h'},
    {"place-column", required_argument, NULL, OPT_PLACE},
    {"lat-column", required_argument, NULL, OPT_LAT},
    {"lon-column", required_argument, NULL, OPT_LON},
    {"province-column", required_argument, NULL, OPT_PROV},
    {"district-column", required_argument, NULL, OPT_DISTRICT},
    {"boundaries", required_argument, NULL, OPT_BOUNDARIES},
    {"name-field", required_argument, NULL, OPT_NAME},
    {"data-dir", required_argument, NULL, OPT_DATA},
    {"places", required_argument, NULL, OPT_PLACES},
    {NULL, 0, NULL, 0},
};

typedef struct {
    const char *input, *output, *place, *lat, *lon, *province, *district,
        *boundaries, *name_field, *data_dir, *places;
} geocode_args_t;

/* The named column, or the first of the usual names; -1 when absent.
 * A name given explicitly must exist. */
static int find_column(const im_csv_t *csv, const char *given,
                       const char *const *usual, int *missing)
{
    if (given) {
        int c = im_csv_column(csv, given);
        if (c < 0)
            *missing = 1;
        return c;
    }
    for (int i = 0; usual[i]; i++) {
        int c = im_csv_column(csv, usual[i]);
        if (c >= 0)
            return c;
    }
    return -1;
}

static bool parse_deg(const char *s, double limit, double *out)
{
    double v;
    if (!im_parse_number(s, &v) || !(v >= -limit && v <= limit))
        return false;
    *out = v;
    return true;
}

static int parse(int argc, char **argv, geocode_args_t *a)
{
    optind = 1;
    opterr = 0;
    int c;
    while ((c = getopt_long(argc, argv, ":o:h", options, NULL)) != -1) {
        switch (c) {
        case 'o': a->output = optarg; break;
        case 'h': fputs(help, stdout); return 1;
        case OPT_PLACE: a->place = optarg; break;
        case OPT_LAT: a->lat = optarg; break;
        case OPT_LON: a->lon = optarg; break;
        case OPT_PROV: a->province = optarg; break;
        case OPT_DISTRICT: a->district = optarg; break;
        case OPT_BOUNDARIES: a->boundaries = optarg; break;
        case OPT_NAME: a->name_field = optarg; break;
        case OPT_DATA: a->data_dir = optarg; break;
        case OPT_PLACES: a->places = optarg; break;
        case ':':
            cli_error("geocode", "%s needs a value", argv[optind - 1]);
            return -1;
        default:
            cli_error("geocode", "unknown option '%s' (see incimap geocode "
                                 "--help)", argv[optind - 1]);
            return -1;
        }
    }
    if (optind != argc - 1) {
        cli_error("geocode", "one input file expected (see incimap geocode "
                             "--help)");
        return -1;
    }
    a->input = argv[optind];
    if (!a->output) {
        cli_error("geocode", "no output file: give -o OUT.csv");
        return -1;
    }
    return 0;
}

/* One output row, built in memory and written with one fwrite: a
 * million rows of stdio calls per field (each taking the stream's lock)
 * and printf for the score took a third of the command's time. */
typedef struct {
    char *p;
    size_t len, cap;
    bool failed;
} row_t;

static void row_put(row_t *r, const char *s, size_t n)
{
    if (r->len + n > r->cap) {
        size_t cap = r->cap ? r->cap : 256;
        while (cap < r->len + n)
            cap *= 2;
        char *p = realloc(r->p, cap);
        if (!p) {
            r->failed = true;
            return;
        }
        r->p = p;
        r->cap = cap;
    }
    memcpy(r->p + r->len, s, n);
    r->len += n;
}

/* A CSV field, quoted when it holds a comma, quote or line end. */
static void row_field(row_t *r, const char *s)
{
    size_t n = strlen(s);
    if (!strpbrk(s, ",\"\r\n")) {
        row_put(r, s, n);
        return;
    }
    row_put(r, "\"", 1);
    for (const char *q; (q = strchr(s, '"')) != NULL; s = q + 1) {
        row_put(r, s, (size_t)(q - s) + 1);
        row_put(r, "\"", 1);
    }
    row_put(r, s, strlen(s));
    row_put(r, "\"", 1);
}

/* A score from 0 to 1 with two decimals, as "%.2f" writes it. */
static void row_score(row_t *r, double score)
{
    long k = lround(fmin(fmax(score, 0), 1) * 100);
    char s[4] = {(char)('0' + k / 100), '.', (char)('0' + k / 10 % 10),
                 (char)('0' + k % 10)};
    row_put(r, s, sizeof s);
}

/* Geocodes every row of csv into f; false on a malformed row or bad
 * coordinates (message in ctx). */
static im_status_t geocode_rows(im_ctx_t *ctx, im_geocoder_t *geo, im_csv_t *csv,
                                FILE *f, const int *col)
{
    int ncols = im_csv_ncols(csv);
    row_t row = {0};
    for (int i = 0; i < ncols; i++) {
        row_field(&row, im_csv_header(csv, i));
        row_put(&row, ",", 1);
    }
    static const char tail[] = "district,province,match_method,match_score,precision\n";
    row_put(&row, tail, sizeof tail - 1);
    fwrite(row.p, 1, row.len, f);
    int r = 0;
    im_status_t st = IM_OK;
    while (!st && (r = im_csv_next(csv)) == 1) {
        const char *lat = im_csv_field(csv, col[1]), *lon = im_csv_field(csv, col[2]);
        double la = 0, lo = 0;
        bool has_point = *lat || *lon;
        if (has_point && !parse_deg(lat, 90, &la)) {
            st = im_error(ctx, IM_ERR_PARSE, "%s:%ld: %s: bad latitude '%s'",
                          im_csv_path(csv), im_csv_line(csv),
                          im_csv_header(csv, col[1]), lat);
            break;
        }
        if (has_point && !parse_deg(lon, 180, &lo)) {
            st = im_error(ctx, IM_ERR_PARSE, "%s:%ld: %s: bad longitude '%s'",
                          im_csv_path(csv), im_csv_line(csv),
                          im_csv_header(csv, col[2]), lon);
            break;
        }
        /* 0,0 is how many exports write "no coordinates". */
        if (has_point && la == 0 && lo == 0)
            has_point = false;
        im_geocode_t g;
        im_geocode_record(geo, im_csv_field(csv, col[0]),
                          im_csv_field(csv, col[4]), im_csv_field(csv, col[3]),
                          has_point, lo, la, &g);
        row.len = 0;
        for (int i = 0; i < ncols; i++) {
            row_field(&row, im_csv_field(csv, i));
            row_put(&row, ",", 1);
        }
        /* An ambiguous answer names both candidates, so that no reader
         * counts it in the first. */
        char both[256];
        row_field(&row, im_geocode_district_label(&g, both, sizeof both));
        row_put(&row, ",", 1);
        row_field(&row, g.province ? g.province : "");
        row_put(&row, ",", 1);
        const char *method = im_match_method_name(g.method);
        row_put(&row, method, strlen(method));
        row_put(&row, ",", 1);
        row_score(&row, g.score);
        row_put(&row, ",", 1);
        if (g.precision > 0 && g.precision < 10) {
            char d = (char)('0' + g.precision);
            row_put(&row, &d, 1);
        }
        row_put(&row, "\n", 1);
        if (row.failed)
            st = im_error(ctx, IM_ERR_NOMEM, "out of memory");
        else
            fwrite(row.p, 1, row.len, f);
    }
    free(row.p);
    if (st)
        return st;
    return r < 0 ? IM_ERR_PARSE : IM_OK;
}

int cmd_geocode(int argc, char **argv)
{
    geocode_args_t a = {0};
    int rc = parse(argc, argv, &a);
    if (rc)
        return rc > 0 ? CLI_OK : CLI_USAGE;
    im_ctx_t *ctx = cli_context("geocode", a.data_dir);
    if (!ctx)
        return CLI_FAIL;
    im_gazetteer_t *gaz = NULL;
    im_layer_t *layer = NULL;
    im_geocoder_t *geo = NULL;
    im_csv_t *csv = NULL;
    FILE *f = NULL;
    char *tmp = NULL;
    im_status_t st = im_csv_open(ctx, a.input, &csv);
    if (!st)
        st = cli_open_gazetteer(ctx, a.places, &gaz);
    if (!st)
        st = im_layer_read(ctx, gaz, a.boundaries, a.name_field, &layer);
    if (!st)
        st = im_geocoder_new(ctx, gaz, layer, &geo);
    int col[5] = {-1, -1, -1, -1, -1};
    if (!st) {
        static const char *const place[] = {"place", "city", "location", NULL};
        static const char *const lat[] = {"lat", "latitude", NULL};
        static const char *const lon[] = {"lon", "longitude", "lng", NULL};
        static const char *const prov[] = {"province", "provstate", "admin1",
                                           NULL};
        static const char *const district[] = {"district", "tribal agency",
                                               "agency", "admin2", NULL};
        const char *given[] = {a.place, a.lat, a.lon, a.province, a.district};
        const char *const *usual[] = {place, lat, lon, prov, district};
        for (int k = 0; k < 5 && !st; k++) {
            int missing = 0;
            col[k] = find_column(csv, given[k], usual[k], &missing);
            if (missing)
                st = im_error(ctx, IM_ERR_DATA, "%s:1: no column '%s'", a.input,
                              given[k]);
        }
        if (!st && col[0] < 0 && col[4] < 0 && (col[1] < 0 || col[2] < 0))
            st = im_error(ctx, IM_ERR_DATA,
                          "%s:1: no place column (place, city, location), no "
                          "district column and no lat/lon columns; name them "
                          "with --place-column, --district-column or "
                          "--lat-column/--lon-column",
                          a.input);
    }
    /* "-" is standard output, for a pipe; a file is written beside its
     * name and renamed, so a failed run leaves no half-written file. */
    bool to_stdout = !strcmp(a.output, "-");
    if (!st && to_stdout) {
        f = stdout;
    } else if (!st) {
        size_t n = strlen(a.output) + 16;
        tmp = malloc(n);
        if (tmp)
            snprintf(tmp, n, "%s.%ld.tmp", a.output, (long)getpid());
        f = tmp ? fopen(tmp, "w") : NULL;
        if (!f)
            st = im_error(ctx, IM_ERR_IO, "cannot write '%s': %s", a.output,
                          strerror(errno));
    }
    if (!st)
        st = geocode_rows(ctx, geo, csv, f, col);
    if (f && (to_stdout ? fflush(f) : fclose(f)) && !st)
        st = im_error(ctx, IM_ERR_IO, "cannot write '%s': %s", a.output,
                      strerror(errno));
    if (!st && !to_stdout && rename(tmp, a.output))
        st = im_error(ctx, IM_ERR_IO, "cannot write '%s': %s", a.output,
                      strerror(errno));
    if (st && f && !to_stdout)
        unlink(tmp);
    if (st)
        cli_error("geocode", "%s", im_ctx_errmsg(ctx));
    free(tmp);
    im_csv_free(csv);
    im_geocoder_free(geo);
    im_layer_free(layer);
    im_gazetteer_free(gaz);
    im_ctx_free(ctx);
    return st ? CLI_FAIL : CLI_OK;
}
