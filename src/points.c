/*
 * points.c: incident records located as points.  A record's own
 * coordinates win; otherwise its place text is resolved through the
 * gazetteer (a town's coordinates), and failing that its district's
 * headquarters stand in.  A row that cannot be placed at all is an error.
 */
#include "points.h"
#include "context.h"
#include "number.h"
#include "csv.h"
#include "gazetteer.h"
#include "incimap.h"
#include "values.h"

#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <threads.h>
#include <unistd.h>
#ifdef __SSE2__
#include <emmintrin.h>
#endif

/* Columns rather than a struct per point, and only the columns a source
 * fills: a million points of lat, lon and category take 10 MB, where a
 * struct of coordinates and three string pointers took 48. */
struct im_points {
    size_t n, cap;
    /* Coordinates in ten-millionths of a degree while every one so far
     * has been exactly that, as exports write them (four to six
     * decimals); doubles (lon, lat) from the first one that is not. */
    int32_t *lon7, *lat7;
    double *lon, *lat;
    uint16_t *cat;       /* number of the point's category */
    int32_t *cas;        /* NULL while every point has no casualties */
    char **place, **date; /* NULL while every point has "" */
    char **categories;   /* interned, in order of first appearance */
    size_t *counts;
    size_t ncategories, last_cat;
};

#define MAX_CATEGORIES 65535

/* Empty strings are shared rather than allocated: a million points from
 * a file without places or dates would otherwise cost two million
 * allocations. */
static char empty[] = "";

static int grow(void **a, size_t cap, size_t size)
{
    if (!*a)
        return 0;
    void *p = realloc(*a, cap * size);
    if (!p)
        return -1;
    *a = p;
    return 0;
}

/* Room for one more point in every column in use. */
static int reserve(im_points_t *P)
{
    if (P->n < P->cap)
        return 0;
    size_t cap = P->cap ? P->cap * 2 : 64;
    if (!P->cap) {
        P->lon7 = malloc(cap * sizeof *P->lon7);
        P->lat7 = malloc(cap * sizeof *P->lat7);
        P->cat = malloc(cap * sizeof *P->cat);
        if (!P->lon7 || !P->lat7 || !P->cat)
            return -1;
    } else if (grow((void **)&P->lon7, cap, sizeof *P->lon7) ||
               grow((void **)&P->lat7, cap, sizeof *P->lat7) ||
               grow((void **)&P->lon, cap, sizeof *P->lon) ||
               grow((void **)&P->lat, cap, sizeof *P->lat) ||
               grow((void **)&P->cat, cap, sizeof *P->cat) ||
               grow((void **)&P->cas, cap, sizeof *P->cas) ||
               grow((void **)&P->place, cap, sizeof *P->place) ||
               grow((void **)&P->date, cap, sizeof *P->date)) {
        return -1;
    }
    P->cap = cap;
    return 0;
}

/* Exactly representable as ten-millionths of a degree?  The double of a
 * decimal with at most seven decimals is the correctly rounded quotient
 * of its digits by a power of ten, and so is i / 1e7 of the same value:
 * the round trip is exact, and checking it admits nothing else. */
static bool to_e7(double v, int32_t *out)
{
    if (!(fabs(v) <= 214.0))
        return false;
    long long i = llround(v * 1e7);
    if ((double)i / 1e7 != v || (i == 0 && signbit(v)))
        return false;
    *out = (int32_t)i;
    return true;
}

/* From here on coordinates are doubles. */
static int to_doubles(im_points_t *P)
{
    P->lon = malloc(P->cap * sizeof *P->lon);
    P->lat = malloc(P->cap * sizeof *P->lat);
    if (!P->lon || !P->lat) {
        free(P->lon);
        free(P->lat);
        P->lon = P->lat = NULL;
        return -1;
    }
    for (size_t i = 0; i < P->n; i++) {
        P->lon[i] = P->lon7[i] / 1e7;
        P->lat[i] = P->lat7[i] / 1e7;
    }
    free(P->lon7);
    free(P->lat7);
    P->lon7 = P->lat7 = NULL;
    return 0;
}

static int set_e7(im_points_t *P, size_t i, int32_t lon7, int32_t lat7)
{
    if (P->lon7) {
        P->lon7[i] = lon7;
        P->lat7[i] = lat7;
    } else {
        P->lon[i] = lon7 / 1e7;
        P->lat[i] = lat7 / 1e7;
    }
    return 0;
}

static int set_lonlat(im_points_t *P, size_t i, double lon, double lat)
{
    int32_t a, b;
    if (P->lon7 && to_e7(lon, &a) && to_e7(lat, &b))
        return set_e7(P, i, a, b);
    if (P->lon7 && to_doubles(P))
        return -1;
    P->lon[i] = lon;
    P->lat[i] = lat;
    return 0;
}

/* A column that every point so far left at its default, made real. */
static int start_strings(im_points_t *P, char ***col)
{
    *col = malloc(P->cap * sizeof **col);
    if (!*col)
        return -1;
    for (size_t i = 0; i < P->n; i++)
        (*col)[i] = empty;
    return 0;
}

static int set_string(im_points_t *P, char ***col, size_t i, const char *s)
{
    if (!*s) {
        if (*col)
            (*col)[i] = empty;
        return 0;
    }
    if (!*col && start_strings(P, col))
        return -1;
    return ((*col)[i] = im_strdup(s)) ? 0 : -1;
}

static int set_casualties(im_points_t *P, size_t i, int cas)
{
    if (!P->cas && cas) {
        P->cas = calloc(P->cap, sizeof *P->cas);
        if (!P->cas)
            return -1;
    }
    if (P->cas)
        P->cas[i] = cas;
    return 0;
}

/* The number of category s, interned: a handful of names for a million
 * rows.  -1 when out of memory or past MAX_CATEGORIES. */
static long intern_category(im_points_t *P, const char *s)
{
    if (!s)
        s = "";
    /* Rows often repeat the category of the row before: try it first;
     * a first letter that differs settles most comparisons. */
    const char *last = P->ncategories ? P->categories[P->last_cat] : NULL;
    if (last && last[0] == s[0] && strcmp(last, s) == 0)
        return (long)P->last_cat;
    for (size_t i = 0; i < P->ncategories; i++)
        if (P->categories[i][0] == s[0] && strcmp(P->categories[i], s) == 0)
            return (long)(P->last_cat = i);
    if (P->ncategories == MAX_CATEGORIES)
        return -1;
    char **c = realloc(P->categories, (P->ncategories + 1) * sizeof *c);
    if (!c)
        return -1;
    P->categories = c;
    size_t *k = realloc(P->counts, (P->ncategories + 1) * sizeof *k);
    if (!k)
        return -1;
    P->counts = k;
    if (!(c[P->ncategories] = im_strdup(s)))
        return -1;
    k[P->ncategories] = 0;
    return (long)(P->last_cat = P->ncategories++);
}

/* Completes point P->n (coordinates already set) and counts it. */
static int finish_point(im_points_t *P, const char *category, int casualties,
                        const char *place, const char *date)
{
    size_t i = P->n;
    long k = intern_category(P, category);
    if (k < 0)
        return -1;
    P->cat[i] = (uint16_t)k;
    if (set_casualties(P, i, casualties) ||
        set_string(P, &P->date, i, date ? date : ""))
        return -1;
    if (set_string(P, &P->place, i, place ? place : "")) {
        if (P->date && P->date[i] != empty)
            free(P->date[i]);
        return -1;
    }
    if (P->place && P->place[i] != empty)
        P->place[i][strcspn(P->place[i], ",;(")] = '\0';
    P->counts[k]++;
    P->n++;
    return 0;
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

/* A coordinate as exports write it ("-27.12732": at most three digits,
 * a point and seven decimals) straight to ten-millionths of a degree,
 * with no floating point; within limit7.  Returns where it ends, or NULL
 * for anything else, in range or not, which is left to im_parse_number. */
static const char *scan_e7(const char *s, uint32_t limit7, int32_t *out)
{
    static const uint32_t scale[8] = {10000000, 1000000, 100000, 10000,
                                      1000,     100,     10,     1};
    bool neg = *s == '-';
    if (*s == '-' || *s == '+')
        s++;
    const char *whole = s;
    uint64_t m = 0;
    unsigned d;
    while ((d = (unsigned)(unsigned char)*s - '0') <= 9) {
        m = m * 10 + d;
        s++;
    }
    long ints = s - whole, decimals = 0;
    if (*s == '.') {
        const char *frac = ++s;
        while ((d = (unsigned)(unsigned char)*s - '0') <= 9) {
            m = m * 10 + d;
            s++;
        }
        decimals = s - frac;
    }
    if (ints + decimals == 0 || ints > 3 || decimals > 7)
        return NULL;
    uint64_t v = m * scale[decimals];
    if (v > limit7 || (neg && v == 0))   /* -0 keeps its sign as a double */
        return NULL;
    *out = neg ? -(int32_t)v : (int32_t)v;
    return s;
}

/* scan_e7 over a whole field. */
static bool parse_e7(const char *s, uint32_t limit7, int32_t *out)
{
    const char *end = scan_e7(s, limit7, out);
    return end && !*end;
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
    if (col < 0)
        return 0;
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

static im_status_t nomem(im_ctx_t *ctx)
{
    return im_error(ctx, IM_ERR_NOMEM, "out of memory");
}

bool im_points_stand_in(const im_gazetteer_t *gaz, const char *place,
                        const char *province, const char *district_id,
                        double *out_lon_deg, double *out_lat_deg)
{
    if (!district_id || !*district_id)
        return false;
    if (place && *place) {
        im_match_t m;
        im_gazetteer_resolve(gaz, place, province, &m);
        if (m.method != IM_MATCH_AMBIGUOUS && m.has_point && m.district_id &&
            im_gazetteer_related(gaz, m.district_id, district_id)) {
            *out_lon_deg = m.lon_deg;
            *out_lat_deg = m.lat_deg;
            return true;
        }
    }
    return im_gazetteer_district_point(gaz, district_id, out_lon_deg,
                                       out_lat_deg);
}

/* Locates the current row as point i: coordinates, then place, then
 * district. */
static im_status_t locate(im_ctx_t *ctx, const im_gazetteer_t *gaz,
                          im_csv_t *csv, const int *col, im_points_t *P,
                          size_t i)
{
    const char *lat = im_csv_field(csv, col[0]), *lon = im_csv_field(csv, col[1]);
    if (*lat || *lon) {
        int32_t lat7, lon7;
        if (parse_e7(lat, 900000000u, &lat7) && parse_e7(lon, 1800000000u, &lon7))
            return set_e7(P, i, lon7, lat7) ? nomem(ctx) : IM_OK;
        double y, x;
        if (!parse_coord(lat, 90, &y))
            return im_error(ctx, IM_ERR_PARSE, "%s:%ld: %s: bad latitude '%s'",
                            im_csv_path(csv), im_csv_line(csv),
                            im_csv_header(csv, col[0]), lat);
        if (!parse_coord(lon, 180, &x))
            return im_error(ctx, IM_ERR_PARSE, "%s:%ld: %s: bad longitude '%s'",
                            im_csv_path(csv), im_csv_line(csv),
                            im_csv_header(csv, col[1]), lon);
        return set_lonlat(P, i, x, y) ? nomem(ctx) : IM_OK;
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
        if (m.method == IM_MATCH_UNMATCHED)
            continue;
        /* An area (a tehsil) has no point of its own: its district's
         * headquarters stand in, as for a district column. */
        if (!m.has_point) {
            if (!im_gazetteer_district_point(gaz, m.district_id, &m.lon_deg,
                                             &m.lat_deg))
                continue;
            m.method = IM_MATCH_EXACT;
        }
        if (!best_field || best.method != IM_MATCH_PLACE) {
            best = m;
            best_field = text;
        }
    }
    if (best_field)
        return set_lonlat(P, i, best.lon_deg, best.lat_deg) ? nomem(ctx) : IM_OK;
    return im_error(ctx, IM_ERR_DATA,
                    "%s:%ld: place: cannot locate '%s' (no coordinates, and "
                    "neither place nor district is in the gazetteer)",
                    im_csv_path(csv), im_csv_line(csv),
                    col[2] >= 0 ? im_csv_field(csv, col[2])
                                : im_csv_field(csv, col[4]));
}

/* ---- plain files, read in parallel ------------------------------------ */

/* A file of coordinates and categories and nothing else the map needs
 * (the shape of a large export cut down for mapping), with no quote in
 * it, is cut into ranges of whole lines read on threads of their own,
 * each straight into columns: a row costs a tenth of what it does through
 * the general reader.  A range stops at the first row that is not in the
 * plainest form (a blank at a field's end, a coordinate that is not
 * ten-millionths, a NUL, a lone CR, a field missing); the whole file is
 * then read again the general way, so its results, warnings and errors
 * are always those of that reader. */

#define BULK_THREADS 4
#define BULK_BLOCK (256 * 1024)
/* Below this a second thread costs more than it saves. */
#define BULK_SPLIT_BYTES (1 << 20)

enum { BULK_OK, BULK_GIVE_UP };

/* A range's cache of its categories (bulk_intern), by a hash of a
 * name's length and first 16 bytes. */
#define BULK_SLOT_BITS 8

typedef struct {
    uint64_t key[2];            /* the first 16 bytes, zero padded */
    size_t len1;                /* the length + 1; 0 for an empty slot */
    size_t cat;
} bulk_slot_t;

/* What a range does with a column's field; columns from BULK_COLS on
 * are BULK_OTHER. */
enum { BULK_OTHER, BULK_LAT, BULK_LON, BULK_CAT };
#define BULK_COLS 256

typedef struct {
    unsigned char role[BULK_COLS];
    int last_coord;             /* the later column of the two coordinates */
    bool three;                 /* the coordinates first, then the category */
    size_t misses;              /* rows bulk_three handed to bulk_line */
    long long from, to;
    const im_csv_t *csv;
    int status;                 /* BULK_OK, or why the range stopped */
    size_t n, cap;
    int32_t *lon7, *lat7;
    uint16_t *cat;              /* numbers in this range's own order */
    char **names;               /* its categories in order of appearance */
    size_t *lens, *counts;
    uint64_t (*keys)[2];        /* their first 16 bytes, zero padded */
    size_t ncat;
    bulk_slot_t slot[1 << BULK_SLOT_BITS];
} bulk_part_t;

/* Bytes read from s on: lines handed to bulk_line are followed by this
 * many readable bytes, so that sixteen can be read at a time, and
 * thirty-two from a line's start (bulk_three). */
#define BULK_SLACK 48

static uint64_t load8(const char *s)
{
    uint64_t w;
    memcpy(&w, s, 8);
    return w;
}

#ifndef __SSE2__
static unsigned first_byte(uint64_t t)   /* t has a bit in 0x80.. set */
{
#if defined(__GNUC__)
    return (unsigned)__builtin_ctzll(t) >> 3;
#else
    unsigned k = 0;
    while (!(t & 0x80))
        t >>= 8, k++;
    return k;
#endif
}
#endif

/* k digits, a point and n decimals at p (k from 1 to 3, n up to 7) as
 * ten-millionths, each part taken eight bytes at a time (as
 * little-endian digits, the first the most significant) with no loop
 * over digits. */
static inline uint64_t digits_e7(const char *p, unsigned k, unsigned n)
{
    const uint64_t zeros = 0x3030303030303030u;
    /* The k digits at the end of four bytes, zeros before them; the
     * bytes from the point on, disturbed by its borrow, shifted out. */
    uint32_t w = (uint32_t)((load8(p) - zeros) << (32 - 8 * k));
    w = (w * 10 + (w >> 8)) & 0x00ff00ffu;
    uint32_t ints = (w * 100 + (w >> 16)) & 0xffffu;
    /* A zero, the n decimals, zeros: the decimals as ten-millionths. */
    unsigned shift = 56 - 8 * n;
    uint64_t d = ((load8(p + k + 1) - zeros) << shift << 8) >> shift;
    d = (d * 10 + (d >> 8)) & 0x00ff00ff00ff00ffu;
    d = (d * 6553601 >> 16) & 0x0000ffff0000ffffu;
    d = d * 42949672960001u >> 32;
    return (uint64_t)ints * 10000000u + d;
}

/* The same as scan_e7 for the usual form, one to three digits, a point
 * and up to seven decimals, found with no loop over bytes; any other
 * form goes to scan_e7. */
static inline const char *bulk_e7(const char *s, uint32_t limit7, int32_t *out)
{
    unsigned neg = *s == '-';
    const char *p = s + neg;
    unsigned k, end;   /* where the point is, and the byte after the decimals */
#ifdef __SSE2__
    /* Both from one mask of the bytes that are not digits. */
    __m128i v = _mm_loadu_si128((const __m128i *)(const void *)p);
    unsigned other = (unsigned)_mm_movemask_epi8(
        _mm_or_si128(_mm_cmplt_epi8(v, _mm_set1_epi8('0')),
                     _mm_cmpgt_epi8(v, _mm_set1_epi8('9'))));
    other |= 1u << 16;
    k = (unsigned)__builtin_ctz(other);
    end = (unsigned)__builtin_ctz(other & (other - 1));
#else
    /* A byte above 9 after the subtraction is not a digit; borrows only
     * disturb bytes after the first such one. */
    const uint64_t zeros = 0x3030303030303030u;
    uint64_t x = load8(p) - zeros;
    k = first_byte((((x + 0x7676767676767676u) | x) & 0x8080808080808080u) | 1ull << 63);
    x = load8(p + k + 1) - zeros;
    uint64_t t = ((x + 0x7676767676767676u) | x) & 0x8080808080808080u;
    end = t ? k + 1 + first_byte(t) : 16;
#endif
    if (k - 1 > 2 || p[k] != '.' || end - k - 1 > 7)
        return scan_e7(s, limit7, out);
    uint64_t e7 = digits_e7(p, k, end - k - 1);
    if (e7 > limit7 || (neg && e7 == 0))   /* -0 keeps its sign as a double */
        return NULL;
    *out = neg ? -(int32_t)e7 : (int32_t)e7;
    return p + end;
}

/* End of the field at s: the next comma, quote, CR, LF or NUL (only the
 * first ends a field in a plain file); NULL if the field is not UTF-8.
 * The file was opened without checking its rows, so this is where they
 * are checked. */
static const char *bulk_field_end_any(const char *s)
{
    const char *start = s;
    unsigned high = 0;
    for (;; s++) {
        unsigned char ch = (unsigned char)*s;
        high |= ch;
        if (ch > ',')
            continue;
        if (ch == ',' || ch == '"' || ch == '\n' || ch == '\r' || ch == '\0')
            break;
    }
    if ((high & 0x80) && !im_csv_utf8(start, (size_t)(s - start)))
        return NULL;
    return s;
}

/* The same many bytes at a time while they are ASCII above the comma or
 * blanks (names of categories have blanks between words): the first
 * byte that is neither is the end when it is a comma or a line feed. */
static inline const char *bulk_field_end(const char *s)
{
#ifdef __SSE2__
    const __m128i above = _mm_set1_epi8(',' + 1), blank = _mm_set1_epi8(' ');
    for (const char *b = s;; b += 16) {
        __m128i v = _mm_loadu_si128((const __m128i *)(const void *)b);
        /* Compared as signed bytes, those from 0x80 are below too. */
        unsigned m = (unsigned)_mm_movemask_epi8(
            _mm_andnot_si128(_mm_cmpeq_epi8(v, blank), _mm_cmplt_epi8(v, above)));
        if (!m)
            continue;
        const char *e = b + __builtin_ctz(m);
        return *e == ',' || *e == '\n' ? e : bulk_field_end_any(s);
    }
#else
    const char *start = s;
    for (;;) {
        uint64_t w = load8(s);
        /* Bytes below 0x2d borrow, bytes from 0x80 are high already. */
        uint64_t t = ((w - 0x2d2d2d2d2d2d2d2du) | w) & 0x8080808080808080u;
        if (!t) {
            s += 8;
            continue;
        }
        s += first_byte(t);
        unsigned char ch = (unsigned char)*s;
        if (ch >= 0x80)
            return bulk_field_end_any(start);
        if (ch == ',' || ch == '"' || ch == '\n' || ch == '\r' || ch == '\0')
            return s;
        s++;   /* a blank or a symbol below the comma: still the field */
    }
#endif
}

/* Whether category i is s[0, len), whose first 16 bytes are key. */
static bool bulk_same(const bulk_part_t *B, size_t i, const char *s, size_t len,
                      const uint64_t *key)
{
    return B->lens[i] == len && B->keys[i][0] == key[0] &&
           B->keys[i][1] == key[1] &&
           (len <= 16 || memcmp(B->names[i] + 16, s + 16, len - 16) == 0);
}

/* Category s[0, len) (key its first 16 bytes) when it is not in the
 * slot: looked for among all the range's names, or added; put in the
 * slot either way.  -1 when out of memory or past MAX_CATEGORIES. */
static long bulk_intern_slow(bulk_part_t *B, const char *s, size_t len,
                             const uint64_t *key, bulk_slot_t *slot)
{
    size_t k = 0;
    while (k < B->ncat && !bulk_same(B, k, s, len, key))
        k++;
    if (k == B->ncat) {
        if (B->ncat == MAX_CATEGORIES)
            return -1;
        char **names = realloc(B->names, (k + 1) * sizeof *names);
        if (names)
            B->names = names;
        size_t *lens = realloc(B->lens, (k + 1) * sizeof *lens);
        if (lens)
            B->lens = lens;
        size_t *counts = realloc(B->counts, (k + 1) * sizeof *counts);
        if (counts)
            B->counts = counts;
        uint64_t (*keys)[2] = realloc(B->keys, (k + 1) * sizeof *keys);
        if (keys)
            B->keys = keys;
        char *name = malloc(len + 1);
        if (!names || !lens || !counts || !keys || !name) {
            free(name);
            return -1;
        }
        memcpy(name, s, len);
        name[len] = '\0';
        names[k] = name;
        lens[k] = len;
        keys[k][0] = key[0];
        keys[k][1] = key[1];
        counts[k] = 0;
        B->ncat++;
    }
    *slot = (bulk_slot_t){{key[0], key[1]}, len + 1, k};
    return (long)k;
}

static inline long bulk_intern(bulk_part_t *B, const char *s, size_t len)
{
    /* The bytes after the name are readable (BULK_SLACK) but not its. */
    uint64_t key[2];
#ifdef __SSE2__
    static const unsigned char ends[32] = {
        255, 255, 255, 255, 255, 255, 255, 255,
        255, 255, 255, 255, 255, 255, 255, 255};
    __m128i v = _mm_and_si128(
        _mm_loadu_si128((const __m128i *)(const void *)s),
        _mm_loadu_si128((const __m128i *)(const void *)(ends + 16 - (len < 16 ? len : 16))));
    _mm_storeu_si128((__m128i *)(void *)key, v);
#else
    static const uint64_t low[9] = {0, 0xff, 0xffff, 0xffffff, 0xffffffff,
                                    0xffffffffffu, 0xffffffffffffu,
                                    0xffffffffffffffu, ~0ull};
    key[0] = load8(s) & low[len < 8 ? len : 8];
    key[1] = load8(s + 8) & low[len < 8 ? 0 : len < 16 ? len - 8 : 8];
#endif
    /* Rows seldom repeat the category of the row before, but a file has
     * few: a slot by the name's length and first bytes usually holds it,
     * where a search through the names compares with half of them. */
    uint64_t h = (key[0] * 0x9e3779b97f4a7c15u ^ key[1] ^ len) * 0x9e3779b97f4a7c15u;
    bulk_slot_t *slot = &B->slot[h >> (64 - BULK_SLOT_BITS)];
    if (slot->len1 == len + 1 && slot->key[0] == key[0] && slot->key[1] == key[1] &&
        (len <= 16 || memcmp(B->names[slot->cat] + 16, s + 16, len - 16) == 0))
        return (long)slot->cat;
    return bulk_intern_slow(B, s, len, key, slot);
}

/* The three columns reallocated to hold cap points; false when out of
 * memory, with those that could be reallocated kept. */
static bool bulk_resize(bulk_part_t *B, size_t cap)
{
    int32_t *a = realloc(B->lon7, cap * sizeof *a);
    if (a)
        B->lon7 = a;
    int32_t *b = realloc(B->lat7, cap * sizeof *b);
    if (b)
        B->lat7 = b;
    uint16_t *c = realloc(B->cat, cap * sizeof *c);
    if (c)
        B->cat = c;
    return a && b && c;
}

static int bulk_grow(bulk_part_t *B)
{
    size_t cap = B->cap ? B->cap * 2 : 4096;
    if (!bulk_resize(B, cap))
        return -1;
    B->cap = cap;
    return 0;
}

/* Room for one more point: the test inline, the growing not. */
static inline int bulk_reserve(bulk_part_t *B)
{
    return B->n < B->cap ? 0 : bulk_grow(B);
}

/* Bytes the general reader trims off a field's start (1: a blank, a tab
 * or the first byte of a no-break space) and end (2: a blank, a tab or
 * the no-break space's last byte). */
static const unsigned char blank_ends[256] = {
    ['\t'] = 3, [' '] = 3, [0xC2] = 1, [0xA0] = 2,
};

#ifdef __SSE2__
/* Bytes that are not digits as bits. */
static inline unsigned not_digits(__m128i v)
{
    return (unsigned)_mm_movemask_epi8(
        _mm_or_si128(_mm_cmplt_epi8(v, _mm_set1_epi8('0')),
                     _mm_cmpgt_epi8(v, _mm_set1_epi8('9'))));
}

/* Eight digits in each half of v (as bytes '0' to '9', or 0 for a
 * leading or trailing zero; the first the most significant) as the
 * halves' numbers: pairs, then fours, then eights. */
static inline __m128i digits8(__m128i v)
{
    v = _mm_subs_epu8(v, _mm_set1_epi8('0'));
    v = _mm_add_epi16(_mm_mullo_epi16(_mm_and_si128(v, _mm_set1_epi16(255)),
                                      _mm_set1_epi16(10)),
                      _mm_srli_epi16(v, 8));
    v = _mm_madd_epi16(v, _mm_set1_epi32(1 << 16 | 100));
    return _mm_add_epi64(_mm_mul_epu32(v, _mm_set1_epi32(10000)),
                         _mm_srli_epi64(v, 32));
}

/* A row of the commonest layout, the two coordinates and then the
 * category, in its commonest form: both coordinates in the usual form
 * (bulk_e7) within its first 32 bytes, and the category up to the line
 * end (LF or CRLF), with no blank at its ends and nothing below the comma
 * in it but blanks.  One mask of the bytes that are not digits gives the
 * points and ends of both coordinates, and their four parts are made
 * numbers together.  Returns the byte after the line feed, or NULL for
 * any other row, which bulk_line then reads: nothing of it is kept. */
static const char *bulk_three(bulk_part_t *B, const char *p)
{
    static const uint64_t limit7[2] = {900000000u, 1800000000u};
    uint64_t other = not_digits(_mm_loadu_si128((const __m128i *)(const void *)p)) |
                     (uint64_t)not_digits(_mm_loadu_si128(
                         (const __m128i *)(const void *)(p + 16))) << 16 |
                     1ull << 32;
    /* Each coordinate's digits before its point at the end of a word,
     * and those after it at the start of another, after a zero: the
     * bytes that are not theirs shifted out. */
    uint64_t ints[2], decimals[2];
    unsigned neg[2], at = 0;
    for (int col = 0; col < 2; col++) {
        /* A minus is the lowest bit left, if there is one. */
        neg[col] = p[at] == '-';
        unsigned start = at + neg[col];
        other &= other - neg[col];
        unsigned k = (unsigned)__builtin_ctzll(other);
        other &= other - 1;
        unsigned end = (unsigned)__builtin_ctzll(other);
        other &= other - 1;
        if (k - start - 1 > 2 || end - k - 1 > 7 || p[k] != '.' || p[end] != ',')
            return NULL;
        unsigned shift = 56 - 8 * (end - k - 1);
        ints[col] = load8(p + start) << (64 - 8 * (k - start));
        decimals[col] = (load8(p + k + 1) << shift << 8) >> shift;
        at = end + 1;
    }
    uint64_t e7[2];
    _mm_storeu_si128((__m128i *)(void *)e7, _mm_add_epi64(
        _mm_mul_epu32(digits8(_mm_set_epi64x((long long)ints[1], (long long)ints[0])),
                      _mm_set1_epi32(10000000)),
        digits8(_mm_set_epi64x((long long)decimals[1], (long long)decimals[0]))));
    int32_t c7[2];
    for (int col = 0; col < 2; col++) {
        unsigned c = B->role[col] - BULK_LAT;
        if (e7[col] > limit7[c] || (neg[col] && e7[col] == 0))
            return NULL;
        c7[c] = neg[col] ? -(int32_t)e7[col] : (int32_t)e7[col];
    }
    const char *cat = p + at, *e = cat;
    const __m128i above = _mm_set1_epi8(',' + 1), blank = _mm_set1_epi8(' ');
    unsigned m;
    for (;; e += 16) {
        __m128i v = _mm_loadu_si128((const __m128i *)(const void *)e);
        m = (unsigned)_mm_movemask_epi8(
            _mm_andnot_si128(_mm_cmpeq_epi8(v, blank), _mm_cmplt_epi8(v, above)));
        if (m)
            break;
    }
    e += __builtin_ctz(m);
    const char *lf = e + (*e == '\r');
    if (*lf != '\n' || (e > cat && (cat[0] == ' ' || e[-1] == ' ')))
        return NULL;
    long k = bulk_intern(B, cat, (size_t)(e - cat));
    if (k < 0 || bulk_reserve(B))
        return NULL;
    B->lat7[B->n] = c7[0];
    B->lon7[B->n] = c7[1];
    B->cat[B->n++] = (uint16_t)k;
    B->counts[k]++;
    return lf + 1;
}
#endif

/* One line at *pp, which ends in a line feed: a point, or nothing for a
 * blank line.  BULK_GIVE_UP for a row the general reader must read. */
static int bulk_line(bulk_part_t *B, const char **pp)
{
    const char *p = *pp;
    if (*p == '\n' || (*p == '\r' && p[1] == '\n')) {
        *pp = p + (*p == '\r') + 1;
        return BULK_OK;
    }
    static const uint32_t limit7[2] = {900000000u, 1800000000u};
    int32_t c7[2] = {0, 0};     /* latitude, longitude */
    const char *cat = p, *cat_end = p;
    for (int col = 0;; col++) {
        unsigned role = col < BULK_COLS ? B->role[col] : BULK_OTHER;
        const char *e;
        /* One call of each kind, so that the compiler puts them inline. */
        if (role - BULK_LAT < 2) {
            e = bulk_e7(p, limit7[role - BULK_LAT], &c7[role - BULK_LAT]);
            if (!e)
                return BULK_GIVE_UP;
        } else {
            e = bulk_field_end(p);
            if (!e)
                return BULK_GIVE_UP;
            /* The general reader would trim the category's blank ends. */
            if (role == BULK_CAT) {
                if (e > p && ((blank_ends[(unsigned char)p[0]] & 1) |
                              (blank_ends[(unsigned char)e[-1]] & 2)))
                    return BULK_GIVE_UP;
                cat = p;
                cat_end = e;
            }
        }
        if (*e == ',') {
            p = e + 1;
            continue;
        }
        if (*e == '\r' && e[1] == '\n')
            e++;
        if (*e != '\n' || col < B->last_coord)
            return BULK_GIVE_UP;
        *pp = e + 1;
        break;
    }
    long k = bulk_intern(B, cat, (size_t)(cat_end - cat));
    if (k < 0 || bulk_reserve(B))
        return BULK_GIVE_UP;
    B->lat7[B->n] = c7[0];
    B->lon7[B->n] = c7[1];
    B->cat[B->n++] = (uint16_t)k;
    B->counts[k]++;
    return BULK_OK;
}

static int bulk_block(void *arg, const char *p, size_t len)
{
    bulk_part_t *B = arg;
    const char *end = p + len;
    /* Every line but perhaps the file's last ends in a line feed, which
     * stops every scan of bulk_line; the last is read from a copy that
     * has one. */
    const char *last = end;
    while (last > p && last[-1] != '\n')
        last--;
    while (p < last) {
#ifdef __SSE2__
        const char *q = B->three ? bulk_three(B, p) : NULL;
        if (q) {
            p = q;
            continue;
        }
        /* A row it cannot read costs twice; a file of them is left to
         * bulk_line. */
        if (B->three && ++B->misses >= 256 && B->misses > B->n / 8)
            B->three = false;
#endif
        if (bulk_line(B, &p))
            return B->status = BULK_GIVE_UP;
    }
    if (last < end) {
        size_t n = (size_t)(end - last);
        char *line = calloc(1, n + 1 + BULK_SLACK);
        if (!line)
            return B->status = BULK_GIVE_UP;
        memcpy(line, last, n);
        line[n] = '\n';
        const char *q = line;
        B->status = bulk_line(B, &q);
        free(line);
    }
    return B->status;
}

static int bulk_job(void *arg)
{
    bulk_part_t *B = arg;
    /* Zeroed, so that reads past the data read defined bytes. */
    char *buf = calloc(1, BULK_BLOCK + BULK_SLACK);
    if (!buf || im_csv_lines(B->csv, B->from, B->to, buf, BULK_BLOCK,
                             bulk_block, B))
        B->status = BULK_GIVE_UP;
    free(buf);
    return 0;
}

static void bulk_free(bulk_part_t *B)
{
    free(B->lon7);
    free(B->lat7);
    free(B->cat);
    for (size_t i = 0; i < B->ncat; i++)
        free(B->names[i]);
    free(B->names);
    free(B->lens);
    free(B->counts);
    free(B->keys);
}

/* The parts, in order, into P (empty): categories numbered in order of
 * first appearance over the whole file, as the general reader numbers
 * them.  False when out of memory or past MAX_CATEGORIES. */
static bool bulk_merge(im_points_t *P, bulk_part_t *parts, int nparts)
{
    size_t total = 0;
    for (int t = 0; t < nparts; t++)
        total += parts[t].n;
    if (!total)
        return true;
    /* The first part's columns grow into the whole's. */
    bulk_part_t *A = &parts[0];
    if (!bulk_resize(A, total))
        return false;
    int32_t *a = A->lon7, *b = A->lat7;
    uint16_t *c = A->cat;
    size_t at = A->n;
    uint16_t map[MAX_CATEGORIES];
    for (int t = 0; t < nparts; t++) {
        bulk_part_t *B = &parts[t];
        for (size_t i = 0; i < B->ncat; i++) {
            long k = intern_category(P, B->names[i]);
            if (k < 0)
                return false;
            map[i] = (uint16_t)k;
            P->counts[k] += B->counts[i];
        }
        if (t == 0) {
            for (size_t i = 0; i < B->n; i++)
                c[i] = map[c[i]];
            continue;
        }
        memcpy(a + at, B->lon7, B->n * sizeof *a);
        memcpy(b + at, B->lat7, B->n * sizeof *b);
        for (size_t i = 0; i < B->n; i++)
            c[at + i] = map[B->cat[i]];
        at += B->n;
    }
    P->lon7 = a;
    P->lat7 = b;
    P->cat = c;
    A->lon7 = A->lat7 = NULL;
    A->cat = NULL;
    P->n = P->cap = total;
    return true;
}

/* Reads the rows of a plain file into P (empty) when it has the columns
 * of a plain point file; false, with P still empty, when the general
 * reader must read them. */
static bool bulk_read(im_csv_t *csv, const int *col, int ccat, im_points_t *P)
{
    long long bounds[BULK_THREADS + 1];
    long cores = sysconf(_SC_NPROCESSORS_ONLN);
    int want = cores < 1 ? 1 : cores > BULK_THREADS ? BULK_THREADS : (int)cores;
    long long rest = 0;
    if (im_csv_split(csv, 1, bounds) == 1)
        rest = bounds[1] - bounds[0];
    if (rest <= 0)   /* nothing after the header, or a size unknown */
        return false;
    if (rest < BULK_SPLIT_BYTES)
        want = 1;
    int nparts = im_csv_split(csv, want, bounds);
    bulk_part_t parts[BULK_THREADS];
    if (col[0] >= BULK_COLS || col[1] >= BULK_COLS || ccat >= BULK_COLS)
        return false;
    for (int t = 0; t < nparts; t++) {
        parts[t] = (bulk_part_t){.last_coord = col[0] > col[1] ? col[0] : col[1],
                                 .from = bounds[t], .to = bounds[t + 1],
                                 .csv = csv};
        parts[t].role[col[0]] = BULK_LAT;
        parts[t].role[col[1]] = BULK_LON;
        if (ccat >= 0)
            parts[t].role[ccat] = BULK_CAT;
        parts[t].three = parts[t].last_coord == 1 && ccat == 2;
    }
    thrd_t th[BULK_THREADS];
    bool started[BULK_THREADS] = {false};
    for (int t = 1; t < nparts; t++)
        started[t] = thrd_create(&th[t], bulk_job, &parts[t]) == thrd_success;
    bulk_job(&parts[0]);
    bool ok = parts[0].status == BULK_OK;
    for (int t = 1; t < nparts; t++) {
        if (started[t])
            thrd_join(th[t], NULL);
        else if (ok)
            bulk_job(&parts[t]);
        ok = ok && parts[t].status == BULK_OK;
    }
    if (ok && !bulk_merge(P, parts, nparts))
        ok = false;
    for (int t = 0; t < nparts; t++)
        bulk_free(&parts[t]);
    if (!ok) {
        /* Back to empty for the general reader. */
        for (size_t i = 0; i < P->ncategories; i++)
            free(P->categories[i]);
        free(P->categories);
        free(P->counts);
        free(P->lon7);
        free(P->lat7);
        free(P->cat);
        *P = (im_points_t){0};
    }
    return ok;
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
    /* Deferred: a plain file's rows are checked as they are read in
     * ranges, and any other file is checked before its first row. */
    im_status_t st = im_csv_open_deferred(ctx, path, &csv);
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
    int r = 0;
    bool done = false;
    if (!P)
        st = nomem(ctx);
    else if (im_csv_plain(csv) && col[0] >= 0 && col[1] >= 0 && col[2] < 0 &&
             col[4] < 0 && ckill < 0 && cinj < 0 && cdate < 0)
        done = bulk_read(csv, col, ccat, P);
    while (!st && !done && (r = im_csv_next(csv)) == 1) {
        if (reserve(P)) {
            st = nomem(ctx);
            break;
        }
        st = locate(ctx, gaz, csv, col, P, P->n);
        if (st)
            break;
        int cas = parse_count(ctx, csv, ckill) + parse_count(ctx, csv, cinj);
        const char *cat = im_csv_field(csv, ccat);
        if (finish_point(P, cat, cas,
                         im_csv_field(csv, col[2] >= 0 ? col[2] : col[4]),
                         im_csv_field(csv, cdate)))
            st = P->ncategories == MAX_CATEGORIES
                     ? im_error(ctx, IM_ERR_DATA,
                                "%s:%ld: %s: more than %d categories", path,
                                im_csv_line(csv), im_csv_header(csv, ccat),
                                MAX_CATEGORIES)
                     : nomem(ctx);
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
    for (size_t i = 0; P->place && i < P->n; i++)
        if (P->place[i] != empty)
            free(P->place[i]);
    for (size_t i = 0; P->date && i < P->n; i++)
        if (P->date[i] != empty)
            free(P->date[i]);
    for (size_t i = 0; i < P->ncategories; i++)
        free(P->categories[i]);
    free(P->categories);
    free(P->counts);
    free(P->lon7);
    free(P->lat7);
    free(P->lon);
    free(P->lat);
    free(P->cat);
    free(P->cas);
    free(P->place);
    free(P->date);
    free(P);
}

size_t im_points_count(const im_points_t *P) { return P->n; }

void im_points_lonlat(const im_points_t *P, size_t first, size_t n, double *x,
                      double *y, size_t stride)
{
    if (P->lon7) {
        const int32_t *a = P->lon7 + first, *b = P->lat7 + first;
        for (size_t i = 0; i < n; i++) {
            x[i * stride] = a[i] / 1e7;
            y[i * stride] = b[i] / 1e7;
        }
    } else {
        for (size_t i = 0; i < n; i++) {
            x[i * stride] = P->lon[first + i];
            y[i * stride] = P->lat[first + i];
        }
    }
}

void im_points_get(const im_points_t *P, size_t i, double *out_lon_deg,
                   double *out_lat_deg, const char **out_category,
                   int *out_casualties)
{
    double lon, lat;
    im_points_lonlat(P, i, 1, &lon, &lat, 1);
    if (out_lon_deg)
        *out_lon_deg = lon;
    if (out_lat_deg)
        *out_lat_deg = lat;
    if (out_category)
        *out_category = P->categories[P->cat[i]];
    if (out_casualties)
        *out_casualties = P->cas ? P->cas[i] : 0;
}

void im_points_text(const im_points_t *P, size_t i, const char **out_place,
                    const char **out_date)
{
    if (out_place)
        *out_place = P->place ? P->place[i] : empty;
    if (out_date)
        *out_date = P->date ? P->date[i] : empty;
}

bool im_points_date_range(const im_points_t *P, char *out, size_t n)
{
    im_date_span_t span = {0};
    for (size_t i = 0; P->date && i < P->n; i++) {
        im_date_t d;
        if (P->date[i] != empty && im_date_parse(P->date[i], &d))
            im_date_span_add(&span, &d);
    }
    return im_date_span_format(&span, out, n);
}

size_t im_points_ncategories(const im_points_t *P) { return P->ncategories; }

const char *im_points_category_name(const im_points_t *P, size_t k)
{
    return P->categories[k];
}

size_t im_points_category_count(const im_points_t *P, size_t k)
{
    return P->counts[k];
}

size_t im_points_category(const im_points_t *P, size_t i) { return P->cat[i]; }

void im_points_categories(const im_points_t *P, size_t first, size_t n,
                          size_t max, uint8_t *out)
{
    const uint16_t *cat = P->cat + first;
    for (size_t i = 0; i < n; i++)
        out[i] = (uint8_t)(cat[i] < max ? cat[i] : max);
}

im_points_t *im_points_alloc(void)
{
    return calloc(1, sizeof(im_points_t));
}

int im_points_push(im_points_t *P, double lon, double lat, const char *category,
                   int casualties, const char *place, const char *date)
{
    if (reserve(P) || set_lonlat(P, P->n, lon, lat))
        return -1;
    return finish_point(P, category, casualties, place, date);
}
