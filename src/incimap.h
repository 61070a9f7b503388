/*
 * incimap.h: the public interface of libincimap.
 *
 * The library turns incident records into district maps.  Data flows
 * through the modules in this order:
 *
 *   gazetteer (names -> districts)   layer (district polygons, via GDAL)
 *            \                          /
 *             values / points (per-district numbers, located incidents)
 *                          |
 *                      map (classify, project with PROJ, draw with Cairo)
 *
 * Conventions:
 *   - Every stateful type is opaque, created by a *_new / *_open / *_read
 *     function and released by the matching *_free, which accepts NULL.
 *   - Functions that can fail return im_status_t; the message is kept in
 *     the im_ctx_t and names the input file, line and field where there is
 *     one.  The library never prints and never exits.
 *   - Strings returned by the library are borrowed: they stay valid until
 *     the object they come from is freed.
 *   - Angles are degrees (WGS 84 longitude/latitude) unless a name says
 *     otherwise; sizes carry their unit in their name (_px, _pt, _km).
 */
#ifndef INCIMAP_H
#define INCIMAP_H

#include <stdbool.h>
#include <stddef.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef enum {
    IM_OK = 0,
    IM_ERR_ARG,     /* a caller passed something unusable */
    IM_ERR_IO,      /* a file could not be opened, read or written */
    IM_ERR_PARSE,   /* input is malformed */
    IM_ERR_DATA,    /* input is well formed but names something unknown */
    IM_ERR_LIB,     /* GDAL, PROJ, Cairo or SQLite reported a failure */
    IM_ERR_NOMEM
} im_status_t;

/* ---- context ----------------------------------------------------------- */

typedef struct im_ctx im_ctx_t;

/* Receives warnings (e.g. labels dropped, polygons without a district).
 * The library calls it synchronously; it must not call back into it. */
typedef void (*im_log_fn)(void *user, const char *message);

im_ctx_t *im_ctx_new(void);
void im_ctx_free(im_ctx_t *ctx);
/* Message of the last failure; "" when there was none.  Borrowed. */
const char *im_ctx_errmsg(const im_ctx_t *ctx);
void im_ctx_set_log(im_ctx_t *ctx, im_log_fn fn, void *user);
/* Directory holding the project's data/ tree (gazetteer, boundaries).
 * Defaults to $INCIMAP_DATA, else the directory fixed at build time. */
im_status_t im_ctx_set_data_dir(im_ctx_t *ctx, const char *dir);
const char *im_ctx_data_dir(const im_ctx_t *ctx);
/* Directory where boundary layers read through GDAL are kept, ready to
 * draw, so that the next map from the same file skips GDAL; created when
 * missing.  NULL (the default) keeps no copies. */
im_status_t im_ctx_set_cache_dir(im_ctx_t *ctx, const char *dir);

/* ---- gazetteer --------------------------------------------------------- */

typedef struct im_gazetteer im_gazetteer_t;

typedef enum {
    IM_MATCH_UNMATCHED = 0,
    IM_MATCH_EXACT,     /* the text is a district's own name */
    IM_MATCH_ALIAS,     /* a spelling variant, abbreviation or former name */
    IM_MATCH_PLACE,     /* a town, tehsil or locality inside a district */
    IM_MATCH_FUZZY,     /* within a small edit distance of a known name */
    IM_MATCH_AMBIGUOUS, /* two or more districts equally plausible */
    IM_MATCH_COORDINATES, /* the polygon containing the coordinates */
    IM_MATCH_CONFLICT   /* text and coordinates name different districts;
                           the coordinates' district is kept */
} im_match_method_t;

typedef struct {
    im_match_method_t method;
    double score;             /* 0..1 */
    const char *district_id;  /* NULL unless resolved; borrowed */
    const char *district;     /* canonical district name; borrowed */
    const char *province;
    const char *other_id;     /* second candidate when ambiguous */
    bool has_point;           /* lon/lat of the place or the district HQ */
    double lon_deg, lat_deg;
    bool town;                /* the text names a town (perhaps also the
                                 district named after it), not only an area */
    bool area;                /* the text names an area inside the district
                                 (a tehsil listed without a position) */
    bool partial;             /* the name is only some of the words of the
                                 text ("Khar" in "Khar Kalay") */
    bool near;                /* the text puts it near the place ("near",
                                 "outskirts of", "30 km west of") */
} im_match_t;

/* Reads districts.csv, aliases.csv, places.csv and provinces.csv from
 * dir (NULL: <data dir>/gazetteer), or a file ending in .sqlite written
 * by im_gazetteer_save.  Caller owns *out. */
im_status_t im_gazetteer_open(im_ctx_t *ctx, const char *dir,
                              im_gazetteer_t **out);
void im_gazetteer_free(im_gazetteer_t *gaz);
/* Compiles the gazetteer into an SQLite file (tables districts, names,
 * provinces; names holds normalised keys, indexed), replacing path. */
im_status_t im_gazetteer_save(im_ctx_t *ctx, const im_gazetteer_t *gaz,
                              const char *path);
/* Adds the places listed in a CSV of the caller's own (columns name and
 * district, or district_id; optional province, lat and lon) to gaz, as
 * the places of places.csv are: a village the shipped gazetteer lacks,
 * say.  district is a district's id or its name or variant; province
 * narrows a name two provinces share.  A place without lat and lon is an
 * area of its district (precision 2).  A name the gazetteer already
 * places in another district becomes ambiguous, not overridden.  On
 * error (naming the file, line and field) gaz is left as it was. */
im_status_t im_gazetteer_add_places(im_ctx_t *ctx, im_gazetteer_t *gaz,
                                    const char *path);
/* Resolves free place text.  province_hint may be NULL.  Text that is
 * only a province's or division's name resolves to no district, with
 * out->province set. */
void im_gazetteer_resolve(const im_gazetteer_t *gaz, const char *text,
                          const char *province_hint, im_match_t *out);
/* Canonical province name for text such as "KPK" or "Baluchistan", or
 * NULL. */
const char *im_gazetteer_province(const im_gazetteer_t *gaz,
                                  const char *text);
/* The province of text that names a province or one of its divisions
 * ("Malakand Division", "Makran"), or NULL; *out_division (if not NULL)
 * gets the division's name, or NULL for a province. */
const char *im_gazetteer_area(const im_gazetteer_t *gaz, const char *text,
                              const char **out_division);
const char *im_match_method_name(im_match_method_t m);

/* ---- place mentions in running text ------------------------------------ */

typedef enum {
    IM_MENTION_DISTRICT = 0,  /* a district's own name */
    IM_MENTION_ALIAS,         /* a spelling variant, abbreviation, old name */
    IM_MENTION_PLACE,         /* a town or locality, given its district */
    IM_MENTION_PROVINCE,      /* a province or territory; no district */
    IM_MENTION_DIVISION       /* a division of a province; no district */
} im_mention_kind_t;

typedef struct {
    size_t offset_bytes;      /* the name as written: text + offset_bytes */
    size_t length_bytes;
    size_t offset_chars;      /* the same offset in characters (Unicode code
                                 points), as most readers of the text count */
    im_mention_kind_t kind;
    const char *district_id;  /* NULL for a province; borrowed */
    const char *district;     /* canonical name; NULL for a province */
    const char *province;
    size_t sentence_offset_bytes;  /* the sentence the name stands in */
    size_t sentence_length_bytes;
    long count;               /* attacks the sentence gives it; -1: none */
} im_mention_t;

/* Every gazetteer name, built once into one automaton and reusable for
 * any number of texts.  gaz is borrowed and must outlive the finder.
 * Caller owns *out. */
typedef struct im_mention_finder im_mention_finder_t;
im_status_t im_mention_finder_new(im_ctx_t *ctx, const im_gazetteer_t *gaz,
                                  im_mention_finder_t **out);
void im_mention_finder_free(im_mention_finder_t *finder);

typedef struct im_mentions im_mentions_t;

/* Finds the districts, places and provinces named in text (UTF-8, len
 * bytes, need not be terminated) in one pass, in text order; overlapping
 * names give the longest.  Names match on word boundaries after the
 * gazetteer's folding (case, diacritics, punctuation, "district", "the"),
 * so "D.I. Khan" and "Karachi's" are found and "Tankers" is not Tank.
 * Names that are also common words are only taken when written as names:
 * a district or province name of five letters or more in any case;
 * shorter ones, and every variant and place, only with a capital initial;
 * names of one or two letters ("KP") only in capitals.  A one-word
 * variant or place (or province alias) beside another capitalised word
 * that is no name is part of some other name ("Abdullah Abbas Baloch",
 * "Northern Alliance") and is skipped, as is a name the gazetteer gives
 * to two districts, neither containing the other.  Capitalised words
 * such as "District" or "Agency" right after a name are part of it.
 * A count is read from the sentence: "36 attacks in Bajaur" gives 36 to
 * Bajaur (up to two words may stand between number and noun, as in "12
 * suicide attacks"); "12 and 10 attacks in Mastung and Quetta" or "...
 * Mastung and Quetta, where it carried out 12 and 10 attacks,
 * respectively" give the numbers in order to as many names.  Nouns are
 * attack, bombing, blast, explosion, incident; numbers are digits or
 * words up to twenty, and years (1900-2099) are not counts.  Anything
 * else, such as one total for several places, assigns nothing.
 * Offsets refer to text, which is not kept.  Caller owns *out. */
im_status_t im_mention_finder_scan(im_ctx_t *ctx,
                                   const im_mention_finder_t *finder,
                                   const char *text, size_t len,
                                   im_mentions_t **out);
/* The same with a finder built for this one text: for one text only, as
 * building the finder costs more than a scan. */
im_status_t im_mentions_find(im_ctx_t *ctx, const im_gazetteer_t *gaz,
                             const char *text, size_t len,
                             im_mentions_t **out);
void im_mentions_free(im_mentions_t *mentions);
size_t im_mentions_count(const im_mentions_t *mentions);
/* Mention i (< count).  Its strings are borrowed from the gazetteer. */
void im_mentions_get(const im_mentions_t *mentions, size_t i,
                     im_mention_t *out);
/* "district", "alias", "place" or "province". */
const char *im_mention_kind_name(im_mention_kind_t kind);

/* One candidate reading of a text, for showing the gazetteer's working. */
typedef struct {
    const char *district_id, *district, *province;  /* borrowed */
    const char *matched;      /* the normalised name that matched */
    im_match_method_t method; /* exact, alias, place or fuzzy */
    double score;
} im_candidate_t;

/* Up to max candidates for text, best first; returns how many. */
size_t im_gazetteer_search(const im_gazetteer_t *gaz, const char *text,
                           im_candidate_t *out, size_t max);

typedef struct {
    const char *id, *name, *province, *hq, *status, *created, *parent;
    bool has_hq;
    double hq_lon_deg, hq_lat_deg;
    const char *name_ur;         /* Urdu name; "" when unknown */
    long population_2017, population_2023;   /* census; 0 when unknown */
} im_district_info_t;

/* Districts in id order: i from 0 to the count.  Strings borrowed. */
size_t im_gazetteer_count(const im_gazetteer_t *gaz);
void im_gazetteer_info(const im_gazetteer_t *gaz, size_t i,
                       im_district_info_t *out);

/* ---- district polygons ------------------------------------------------- */

typedef struct im_layer im_layer_t;

/* Reads polygons from any GDAL vector source.  name_field NULL picks
 * "name", "shapeName" or "NAME_2", whichever exists.  Sources without a
 * CRS are taken as WGS 84 when their coordinates fit in degrees.  Every
 * polygon name is resolved through gaz to a district and province; names
 * that do not resolve are reported through the log and kept as context.
 * Caller owns *out. */
im_status_t im_layer_read(im_ctx_t *ctx, const im_gazetteer_t *gaz,
                          const char *source, const char *name_field,
                          im_layer_t **out);
void im_layer_free(im_layer_t *layer);
size_t im_layer_count(const im_layer_t *layer);
const char *im_layer_name(const im_layer_t *layer, size_t i);
/* District id and province the polygon resolved to; NULL if it did not. */
const char *im_layer_district_id(const im_layer_t *layer, size_t i);
const char *im_layer_province(const im_layer_t *layer, size_t i);
/* Index of the polygon of district_id or of its nearest ancestor in the
 * gazetteer's history; (size_t)-1 if none. */
size_t im_layer_find_district(const im_layer_t *layer, const char *district_id);
/* Pole of inaccessibility of the polygon's largest part: the interior
 * point farthest from its edges, where its label goes. */
void im_layer_label_point(const im_layer_t *layer, size_t i,
                          double *out_lon_deg, double *out_lat_deg);

/* ---- geocoder --------------------------------------------------------- */

typedef struct im_geocoder im_geocoder_t;

typedef struct {
    im_match_method_t method;
    double score;             /* 0..1 */
    /* Like ACLED's geo_precision: 1 the place itself, 2 near it or a small
     * area, 3 only the district or province is known.  0 when unmatched. */
    int precision;
    const char *district_id;  /* NULL when no district can be defended */
    const char *district;
    const char *province;     /* may be set without a district */
    const char *other_id;     /* ambiguous: the second candidate; conflict:
                                 the district the text names */
    const char *other_district; /* ambiguous: the second candidate's name
                                 (district names the first, and district_id
                                 is NULL: neither is counted) */
    size_t polygon;           /* polygon index, or (size_t)-1 */
} im_geocode_t;

/* A geocoder over gaz and the polygons of layer (both borrowed; they must
 * outlive it).  Builds the spatial index once.  Caller owns *out. */
im_status_t im_geocoder_new(im_ctx_t *ctx, const im_gazetteer_t *gaz,
                            const im_layer_t *layer, im_geocoder_t **out);
void im_geocoder_free(im_geocoder_t *geo);
/* Resolves one record: its place text (may be NULL or ""), a province
 * hint (may be NULL) and, when has_point, its coordinates.  Results are
 * memoised, so repeated place names cost a hash lookup.  Not thread safe:
 * use one geocoder per thread. */
void im_geocode(im_geocoder_t *geo, const char *text, const char *province,
                bool has_point, double lon_deg, double lat_deg,
                im_geocode_t *out);
/* The district as a table of results should name it: its name, both
 * candidates' when ambiguous ("Kech or Mastung", written into buf of size
 * n), or "" when there is none. */
const char *im_geocode_district_label(const im_geocode_t *g, char *buf,
                                      size_t n);
/* Like im_geocode for a record whose source also names its district
 * (ACLED's admin2, a tribal agency column; may be NULL or ""): the place
 * and then that district are read as one compound, most specific first,
 * so a village the gazetteer does not list still yields the district the
 * source gives, with precision 3. */
void im_geocode_record(im_geocoder_t *geo, const char *place,
                       const char *district, const char *province,
                       bool has_point, double lon_deg, double lat_deg,
                       im_geocode_t *out);
/* The polygon containing a point, or the nearest one within tolerance_km
 * (points on an edge or just off the coast); (size_t)-1 if none. */
size_t im_geocoder_locate(const im_geocoder_t *geo, double lon_deg,
                          double lat_deg, double tolerance_km);
/* Distance from a point to polygon i of the layer: 0 inside, else to its
 * nearest edge. */
double im_geocoder_distance_km(const im_geocoder_t *geo, size_t polygon,
                               double lon_deg, double lat_deg);

/* ---- incident store (SQLite) ----------------------------------------- */

typedef struct im_store im_store_t;

/* Opens or creates the store at path, migrating its schema forward.  WAL
 * mode, foreign keys on.  Caller owns *out. */
im_status_t im_store_open(im_ctx_t *ctx, const char *path, im_store_t **out);
void im_store_free(im_store_t *store);
/* The schema version this build writes. */
int im_store_schema_version(void);
/* How long an import waits for another connection's write to the store
 * to finish before it fails naming the store as locked (default 10 s). */
void im_store_set_wait(im_store_t *store, int seconds);

typedef enum {
    IM_FORMAT_AUTO = 0, IM_FORMAT_INCIMAP, IM_FORMAT_ACLED, IM_FORMAT_GTD,
    IM_FORMAT_OGR
} im_format_t;

/* Called now and then during an import with bytes read and total bytes. */
typedef void (*im_progress_fn)(void *user, double done, double total);

typedef struct {
    im_format_t format;
    const char *source;        /* source name; default by format or file */
    bool strict;               /* any rejected row fails the import */
    const char *rejects_path;  /* CSV report of rejected rows, or NULL */
    im_progress_fn progress;
    void *progress_user;
} im_import_options_t;

typedef struct {
    long run_id;
    long rows, inserted, updated, unchanged, rejected, skipped;
    const char *format;        /* "incimap", "acled", "gtd" or "ogr" */
    bool converted;            /* the file was cp1252, read as UTF-8 */
} im_import_report_t;

/* Imports a CSV export (or, with IM_FORMAT_OGR, any GDAL vector source),
 * geocoding each row with geo.  The whole import is one transaction: on
 * failure the store is left as it was.  Rejected rows are reported through
 * the log (file, line, field, reason) and, if asked, to rejects_path. */
im_status_t im_store_import(im_store_t *store, im_geocoder_t *geo,
                            const char *path, const im_import_options_t *opt,
                            im_import_report_t *out);

typedef struct {
    const char *province;      /* canonical or any alias; NULL: all */
    const char *from, *to;     /* YYYY[-MM[-DD]] inclusive; NULL: open */
    int min_precision;         /* 0: all; else drop records whose
                                  precision is worse (higher) than this */
} im_filter_t;

typedef enum {
    IM_BY_DISTRICT = 0, IM_BY_PROVINCE, IM_BY_YEAR, IM_BY_MONTH, IM_BY_CATEGORY
} im_group_t;

typedef void (*im_stats_fn)(void *user, const char *key, const char *province,
                            long incidents, long killed, long injured);

/* Counts of incidents, killed and injured per group, largest first (by
 * key for years and months). */
im_status_t im_store_stats(im_store_t *store, im_group_t by,
                           const im_filter_t *filter, im_stats_fn fn,
                           void *user);
/* The same counts from a table of any GDAL vector source, such as a
 * PostGIS table ("PG:dbname=... host=..."), in the layout incimap export
 * writes; table NULL is "incidents".  Districts are grouped by the
 * district_id column, else the district column.  The filter becomes an
 * attribute filter on the province, date_start (else date) and precision
 * columns; filtering on a column the table lacks fails.  Messages name
 * the source with any password hidden. */
im_status_t im_stats_from_ogr(im_ctx_t *ctx, const char *source,
                              const char *table, im_group_t by,
                              const im_filter_t *filter, im_stats_fn fn,
                              void *user);
/* Writes the store's incidents to CSV, GeoJSON or GeoPackage by the
 * extension of path. */
im_status_t im_store_export(im_store_t *store, const char *path,
                            const im_filter_t *filter);

/* ---- values per district ----------------------------------------------- */

typedef struct im_values im_values_t;

typedef struct {
    const char *district_column;  /* default "district" */
    const char *province_column;  /* default "province"; optional column */
    const char *value_column;     /* NULL: count one per record */
    int year;                     /* only records of this year; 0: all */
} im_values_options_t;

/* Reads a CSV of incident records or of per-district values and sums
 * them per polygon of layer.  An unknown district fails with file, line
 * and field.  Caller owns *out. */
im_status_t im_values_read_csv(im_ctx_t *ctx, const im_gazetteer_t *gaz,
                               const im_layer_t *layer, const char *path,
                               const im_values_options_t *opt,
                               im_values_t **out);
void im_values_free(im_values_t *values);
/* Value of polygon i; false when the input had no record for it. */
bool im_values_get(const im_values_t *values, size_t i, double *out_value);
/* Turns every value into a rate per `per` inhabitants (e.g. 100000),
 * with the census population of each polygon's district from the
 * gazetteer (2023, else 2017).  Polygons without a population lose their
 * value, with a warning. */
im_status_t im_values_per_population(im_ctx_t *ctx, im_values_t *values,
                                     const im_layer_t *layer, double per);
/* First and last year of the records' dates; false when undated. */
bool im_values_years(const im_values_t *values, int *out_first, int *out_last);
/* Whether values are whole counts (legend ranges like 1-4) or rates. */
bool im_values_are_counts(const im_values_t *values);

/* Incidents of the store counted per polygon of layer (through their
 * district and its history).  Caller owns *out. */
im_status_t im_values_from_store(im_store_t *store, const im_gazetteer_t *gaz,
                                 const im_layer_t *layer,
                                 const im_filter_t *filter, im_values_t **out);
/* Incidents of a table of a GDAL vector source (see im_stats_from_ogr)
 * counted per polygon of layer: each in the polygon of its district_id,
 * else of its district text resolved through gaz, else of the polygon
 * containing its point geometry (or lat and lon columns).  Incidents that
 * land in no polygon are reported through the log.  Caller owns *out. */
im_status_t im_values_from_ogr(im_ctx_t *ctx, const im_gazetteer_t *gaz,
                               const im_layer_t *layer, const char *source,
                               const char *table, const im_filter_t *filter,
                               im_values_t **out);

/* ---- located incidents ------------------------------------------------- */

typedef struct im_points im_points_t;

/* Reads incident records and locates each: its own lat/lon columns if
 * present, else the place column through the gazetteer, else the district
 * headquarters.  Caller owns *out. */
im_status_t im_points_read_csv(im_ctx_t *ctx, const im_gazetteer_t *gaz,
                               const char *path, im_points_t **out);
/* The store's incidents, in date order.  Those without coordinates of
 * their own stand, with gaz, at the town their place names if it lies in
 * their district, else at their district's headquarters; without gaz
 * (NULL), or without a district, they are left out.  Caller owns *out. */
im_status_t im_points_from_store(im_store_t *store, const im_gazetteer_t *gaz,
                                 const im_filter_t *filter, im_points_t **out);
/* The incidents of a table of a GDAL vector source (see
 * im_stats_from_ogr), in date order: at their geometry, or lat and lon,
 * and otherwise, with gaz, where im_points_from_store would put them.
 * Caller owns *out. */
im_status_t im_points_from_ogr(im_ctx_t *ctx, const im_gazetteer_t *gaz,
                               const char *source, const char *table,
                               const im_filter_t *filter, im_points_t **out);
void im_points_free(im_points_t *points);
size_t im_points_count(const im_points_t *points);
void im_points_get(const im_points_t *points, size_t i, double *out_lon_deg,
                   double *out_lat_deg, const char **out_category,
                   int *out_casualties);

/* Place text (up to its first comma) and date as the record gives them;
 * "" when absent.  Borrowed. */
void im_points_text(const im_points_t *points, size_t i,
                    const char **out_place, const char **out_date);

/* ---- classification ---------------------------------------------------- */

#define IM_MAX_CLASSES 9

typedef struct {
    int n;                       /* number of classes of positive values */
    double lo[IM_MAX_CLASSES];   /* inclusive bounds of each class */
    double hi[IM_MAX_CLASSES];
} im_classes_t;

/* Fisher-Jenks natural breaks of the positive values (zero is a class of
 * its own, handled by the caller): optimal, minimising the within-class
 * sum of squares.  Fewer distinct values than classes gives one class per
 * value. */
im_status_t im_classify_jenks(const double *values, size_t n, int classes,
                              im_classes_t *out);
typedef enum {
    IM_SCHEME_JENKS = 0, IM_SCHEME_QUANTILE, IM_SCHEME_EQUAL,
    IM_SCHEME_HEADTAIL, IM_SCHEME_MANUAL
} im_scheme_t;

/* Breaks of the positive values by scheme: Fisher-Jenks (above),
 * quantiles (equal numbers of districts per class), equal intervals,
 * head/tail breaks (Jiang 2013: split at the mean while the head holds
 * under 40%), or manual upper bounds (breaks, ascending; a class is added
 * above the last when values exceed it). */
im_status_t im_classify(const double *values, size_t n, im_scheme_t scheme,
                        int classes, const double *breaks, int nbreaks,
                        im_classes_t *out);
/* Class of v, or -1 when v is not positive. */
int im_classes_index(const im_classes_t *cls, double v);

/* ---- style ------------------------------------------------------------- */

typedef struct { double r, g, b; } im_rgb_t;   /* 0..1 */

typedef struct im_style im_style_t;

/* Reads a style file (key = value lines; see styles/README.md).  name may
 * be a path or the name of a file in <data dir>/../styles.  An unknown key
 * or a bad value fails naming file, line and key.  Caller owns *out. */
im_status_t im_style_load(im_ctx_t *ctx, const char *name, im_style_t **out);
void im_style_free(im_style_t *style);

/* ---- maps -------------------------------------------------------------- */

typedef enum {
    IM_MAP_CHOROPLETH = 0,   /* districts shaded by class */
    IM_MAP_POINTS,           /* incidents as points */
    IM_MAP_SYMBOLS,          /* a graduated circle per district */
    IM_MAP_CHOROPLETH_POINTS /* both: needs values and points */
} im_map_type_t;

typedef struct {
    im_map_type_t type;
    int width_px, height_px;     /* 0: 1600 x 1200 */
    const char *title;           /* NULL: none */
    const char *subtitle;
    const char *source;          /* source line under the map */
    const char *label_template;  /* "{name} {value}" by default; "" none */
    const char *const *provinces; /* NULL-terminated; NULL: BA, KP, SD */
    const im_style_t *style;     /* NULL: built-in default */
    int classes;                 /* 0: 5 */
    im_scheme_t scheme;          /* default Fisher-Jenks */
    const double *breaks;        /* manual upper bounds */
    int nbreaks;
    const char *palette;         /* ColorBrewer name (styles/palettes.csv) */
    const char *legend_title;    /* NULL: "Incidents" */
    const im_classes_t *fixed_classes; /* shared by facets;
                                    NULL: computed from the values */
    bool no_legend;
    const char *lang;            /* district names: "en" (default), "ur"
                                    or "en+ur" */
    double dpi;                  /* recorded in PNG files; 0: 96 */
    bool no_inset;               /* leave out the locator inset */
} im_map_options_t;

typedef struct im_map im_map_t;

/* Lays out a map of layer: projection, frame, classes.  values (for a
 * choropleth) and points (for a point map) are borrowed and must outlive
 * the map.  Caller owns *out. */
im_status_t im_map_new(im_ctx_t *ctx, const im_layer_t *layer,
                       const im_values_t *values, const im_points_t *points,
                       const im_map_options_t *opt, im_map_t **out);
void im_map_free(im_map_t *map);
/* Writes PNG, SVG or PDF by the extension of path.  The file appears
 * complete or not at all. */
im_status_t im_map_write(im_map_t *map, const char *path);
/* Renders to memory: format is "png", "svg" or "pdf".  *out_data is
 * malloc'ed; the caller frees it. */
im_status_t im_map_write_buffer(im_map_t *map, const char *format,
                                unsigned char **out_data, size_t *out_len);
/* Small multiples: maps (laid out for one cell each, e.g. one per year,
 * sharing classes) on one page of width x height in a grid of cols
 * columns, under a title and over a source line.  PNG or PDF. */
im_status_t im_facets_write(im_ctx_t *ctx, im_map_t *const *maps, size_t n,
                            int cols, int width_px, int height_px,
                            const char *title, const char *source,
                            const char *path);
/* Where a WGS 84 point lands on the output, in pixels from the top left
 * (PNG) or points (SVG, PDF at 1 px = 1 pt). */
im_status_t im_map_lonlat_to_px(const im_map_t *map, double lon_deg,
                                double lat_deg, double *out_x_px,
                                double *out_y_px);
/* The classes and fill colours the map uses. */
const im_classes_t *im_map_classes(const im_map_t *map);
im_rgb_t im_map_fill_for_value(const im_map_t *map, bool has_value,
                               double value);
/* Labels that did not fit and were left out by the last im_map_write. */
int im_map_labels_dropped(const im_map_t *map);
/* Boxes of the labels the last write placed, and (for i equal to the
 * count) of the legend, in output pixels. */
size_t im_map_label_count(const im_map_t *map);
void im_map_label_box(const im_map_t *map, size_t i, double *out_x,
                      double *out_y, double *out_w, double *out_h);
/* Whether label i was drawn with a leader line, and its ends in output
 * pixels (the district's point first).  A leader crosses no other label
 * and no other leader. */
bool im_map_label_leader(const im_map_t *map, size_t i, double *out_x0,
                         double *out_y0, double *out_x1, double *out_y1);

#ifdef __cplusplus
}
#endif

#endif /* INCIMAP_H */
