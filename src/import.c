/*
 * import.c: exports as they come (ACLED, GTD, casualty trackers,
 * spreadsheets) mapped onto incident records, geocoded and upserted into
 * the store in one transaction.
 *
 * A format is a profile: which header names carry which field.  Detection
 * looks for the columns a format always has (ACLED's event_id_cnty, GTD's
 * iyear/imonth/iday); everything else falls back to the incimap profile,
 * whose synonyms cover the project's own CSV and most spreadsheets.  A row
 * that cannot be read is rejected with its line and reason; nothing about
 * it reaches the store.
 */
#include "context.h"
#include "csv.h"
#include "dates.h"
#include "number.h"
#include "ogr_table.h"
#include "store.h"

#include <ctype.h>
#include <math.h>
#include <openssl/evp.h>
#include <stdint.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <threads.h>
#include <unistd.h>

enum field {
    F_ID, F_DATE, F_YEAR, F_MONTH, F_DAY, F_PLACE, F_DISTRICT, F_PROVINCE,
    F_LAT, F_LON, F_SRC_PRECISION, F_CATEGORY, F_CATEGORY2, F_ACTOR, F_TARGET,
    F_KILLED, F_KILLED_HIGH, F_INJURED, F_INJURED_HIGH, F_NOTES, F_SOURCE,
    F_COUNT
};

typedef struct {
    const char *name;
    const char *source;                 /* default source name; NULL: file */
    const char *const *detect;          /* columns that identify it */
    const char *columns[F_COUNT];       /* '|'-separated header synonyms */
} profile_t;

static const char *const acled_detect[] = {"event_id_cnty", "event_date", NULL};
static const char *const gtd_detect[] = {"iyear", "imonth", "iday", NULL};

static const profile_t profiles[] = {
    {"acled", "acled", acled_detect, {
        [F_ID] = "event_id_cnty", [F_DATE] = "event_date",
        [F_PLACE] = "location", [F_DISTRICT] = "admin2",
        [F_PROVINCE] = "admin1", [F_LAT] = "latitude", [F_LON] = "longitude",
        [F_SRC_PRECISION] = "geo_precision", [F_CATEGORY] = "sub_event_type",
        [F_CATEGORY2] = "event_type", [F_ACTOR] = "actor1",
        [F_TARGET] = "actor2", [F_KILLED] = "fatalities", [F_NOTES] = "notes"}},
    {"gtd", "gtd", gtd_detect, {
        [F_ID] = "eventid", [F_YEAR] = "iyear", [F_MONTH] = "imonth",
        [F_DAY] = "iday", [F_PLACE] = "city", [F_PROVINCE] = "provstate",
        [F_LAT] = "latitude", [F_LON] = "longitude",
        [F_SRC_PRECISION] = "specificity", [F_CATEGORY] = "attacktype1_txt",
        [F_ACTOR] = "gname", [F_TARGET] = "targtype1_txt",
        [F_KILLED] = "nkill", [F_INJURED] = "nwound", [F_NOTES] = "summary"}},
    {"incimap", NULL, NULL, {
        [F_ID] = "id|source_id|event_id|strike|incident_id",
        [F_DATE] = "date|event_date|incident_date",
        [F_YEAR] = "year", [F_MONTH] = "month", [F_DAY] = "day",
        [F_PLACE] = "place|location|city|town|village",
        [F_DISTRICT] = "district|tribal agency|agency|admin2",
        [F_PROVINCE] = "province|provstate|admin1|region|state",
        [F_LAT] = "lat|latitude|y", [F_LON] = "lon|long|longitude|lng|x",
        [F_SRC_PRECISION] = "precision|geo_precision|specificity",
        [F_CATEGORY] = "category|type|event_type|attack_type",
        [F_ACTOR] = "actor|perpetrator|group|gname|claimed_by",
        [F_TARGET] = "target|target_type",
        [F_KILLED] = "killed|fatalities|deaths|minimum total reported killed|"
                     "killed_low|killed_min|min_killed",
        [F_KILLED_HIGH] = "killed_high|killed_max|max_killed|"
                          "maximum total reported killed",
        [F_INJURED] = "injured|wounded|injuries|minimum injured|injured_low|"
                      "injured_min|min_injured",
        [F_INJURED_HIGH] = "injured_high|injured_max|max_injured|"
                           "maximum injured",
        [F_NOTES] = "notes|description|summary",
        [F_SOURCE] = "source"}},
};

/* Column of the first synonym present in the header, or -1. */
static int column_of(const im_csv_t *csv, const char *synonyms)
{
    if (!synonyms)
        return -1;
    char buf[256];
    snprintf(buf, sizeof buf, "%s", synonyms);
    for (char *save = NULL, *t = strtok_r(buf, "|", &save); t;
         t = strtok_r(NULL, "|", &save)) {
        int c = im_csv_column(csv, t);
        if (c >= 0)
            return c;
    }
    return -1;
}

static const profile_t *detect(const im_csv_t *csv, im_format_t want)
{
    size_t n = sizeof profiles / sizeof profiles[0];
    if (want == IM_FORMAT_ACLED)
        return &profiles[0];
    if (want == IM_FORMAT_GTD)
        return &profiles[1];
    if (want == IM_FORMAT_INCIMAP)
        return &profiles[n - 1];
    for (size_t p = 0; p + 1 < n; p++) {
        bool all = true;
        for (int i = 0; profiles[p].detect[i]; i++)
            all &= im_csv_column(csv, profiles[p].detect[i]) >= 0;
        if (all)
            return &profiles[p];
    }
    return &profiles[n - 1];
}

/* A count as exports write it: "12", "1,234", "1 234" (with a
 * non-breaking space), "" or a word such as "Unreported" for unknown.
 * Returns -1 for unknown, -2 for something that is not a count, -3 for
 * a count past COUNT_MAX. */
#define COUNT_MAX 1000000000L
static long parse_count(const char *s)
{
    char digits[12];
    size_t n = 0;
    bool any = false;
    if (!*s || !strcasecmp(s, "unknown") || !strcasecmp(s, "unreported") ||
        !strcasecmp(s, "n/a") || !strcasecmp(s, "na") || !strcmp(s, "-") ||
        !strcmp(s, "?"))
        return -1;
    for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
        if (isdigit(*p)) {
            /* Leading zeros say nothing; a dozen digits are too many. */
            any = true;
            if (n || *p != '0') {
                if (n + 1 == sizeof digits)
                    return -3;
                digits[n++] = (char)*p;
            }
        } else if (*p == ',' || *p == ' ')
            continue;
        else if (p[0] == 0xC2 && p[1] == 0xA0)
            p++;
        else if (*p == '.' && p[1] == '0' && p[2] == '\0')
            break; /* "12.0" from spreadsheets */
        else
            return -2;
    }
    if (!any)
        return -2;
    /* A billion is past any one incident; capping there keeps the sums
     * over a store's districts and the casualties of a point (killed
     * plus injured, an int) from overflowing. */
    digits[n] = '\0';
    long v = strtol(digits, NULL, 10);
    return v > COUNT_MAX ? -3 : v;
}

static bool parse_coord(const char *s, double limit, double *out)
{
    /* The exact fast path for plain decimals first (strtod was a tenth of
     * the reading thread's time); it accepts nothing strtod would not, and
     * gives the same value.  Anything else is read as it always was. */
    double v;
    if (im_parse_number(s, &v)) {
        if (fabs(v) > limit)
            return false;
        *out = v;
        return true;
    }
    char *end;
    v = strtod(s, &end);
    while (*end == ' ')
        end++;
    if (end == s || *end || !isfinite(v) || fabs(v) > limit)
        return false;
    *out = v;
    return true;
}

/* Occurrence counts of content digests, so that two identical rows of a
 * source without ids stay two records and a re-import finds both again. */
typedef struct {
    uint64_t *key;
    unsigned *count;
    size_t cap, used;
} seen_t;

/* Counts one more occurrence of key into *out (0 the first time); false
 * when out of memory, as a guess would merge two records into one. */
static bool seen_bump(seen_t *s, uint64_t key, unsigned *out)
{
    if (s->used * 2 >= s->cap) {
        size_t cap = s->cap ? s->cap * 2 : 1024;
        uint64_t *k = calloc(cap, sizeof *k);
        unsigned *c = calloc(cap, sizeof *c);
        if (!k || !c) {
            free(k);
            free(c);
            return false;
        }
        for (size_t i = 0; i < s->cap; i++)
            if (s->count[i]) {
                size_t j = (size_t)(s->key[i] % cap);
                while (c[j])
                    j = (j + 1) % cap;
                k[j] = s->key[i];
                c[j] = s->count[i];
            }
        free(s->key);
        free(s->count);
        s->key = k;
        s->count = c;
        s->cap = cap;
    }
    size_t j = (size_t)(key % s->cap);
    while (s->count[j] && s->key[j] != key)
        j = (j + 1) % s->cap;
    if (!s->count[j]) {
        s->key[j] = key;
        s->used++;
    }
    *out = s->count[j]++;
    return true;
}

static uint64_t row_digest(const im_csv_t *csv)
{
    uint64_t h = 1469598103934665603u;
    for (int i = 0; i < im_csv_nfields(csv); i++) {
        for (const char *p = im_csv_field(csv, i); *p; p++)
            h = (h ^ (unsigned char)*p) * 1099511628211u;
        h = (h ^ 0x1f) * 1099511628211u;
    }
    return h;
}

/* A spreadsheet's final "Total" row is not an incident. */
static bool is_totals_row(const im_csv_t *csv)
{
    for (int i = 0; i < im_csv_nfields(csv); i++) {
        const char *f = im_csv_field(csv, i);
        if (!*f)
            continue;
        return !strcasecmp(f, "total") || !strcasecmp(f, "totals") ||
               !strcasecmp(f, "grand total") || !strcasecmp(f, "sum");
    }
    return false;
}

typedef struct {
    im_ctx_t *ctx;
    FILE *rejects;
    const char *path;
    long count;
} reject_log_t;

static void reject(reject_log_t *log, long line, const char *field,
                   const char *fmt, ...) IM_PRINTF(4, 5);

static void reject(reject_log_t *log, long line, const char *field,
                   const char *fmt, ...)
{
    char reason[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(reason, sizeof reason, fmt, ap);
    va_end(ap);
    log->count++;
    im_warn(log->ctx, "%s:%ld: %s: %s", log->path, line, field, reason);
    if (log->rejects) {
        im_csv_write_field(log->rejects, log->path);
        fprintf(log->rejects, ",%ld,", line);
        im_csv_write_field(log->rejects, field);
        fputc(',', log->rejects);
        im_csv_write_field(log->rejects, reason);
        fputc('\n', log->rejects);
    }
}

/* The file's SHA-256 for the run's record, computed on a thread of its
 * own while the rows are read.  OpenSSL's SHA-256 (assembly for the CPU
 * at hand) takes half the time of GLib's portable one, time the two
 * cores otherwise spend reading and storing rows.  It
 * touches no context; a failure is reported once the thread is joined. */
typedef struct {
    const char *path;
    char hex[65];
    bool ok;
} digest_job_t;

static int digest_thread(void *arg)
{
    digest_job_t *job = arg;
    job->ok = false;
    FILE *f = fopen(job->path, "rb");
    if (!f)
        return 0;
    EVP_MD_CTX *md = EVP_MD_CTX_new();
    unsigned char *buf = malloc(1 << 20);
    bool ok = md && buf && EVP_DigestInit_ex(md, EVP_sha256(), NULL) == 1;
    size_t n;
    while (ok && (n = fread(buf, 1, 1 << 20, f)) > 0)
        ok = EVP_DigestUpdate(md, buf, n) == 1;
    unsigned char d[EVP_MAX_MD_SIZE];
    unsigned int len = 0;
    ok = ok && !ferror(f) && EVP_DigestFinal_ex(md, d, &len) == 1 && len == 32;
    for (unsigned int i = 0; ok && i < len; i++)
        snprintf(job->hex + 2 * i, 3, "%02x", d[i]);
    job->ok = ok;
    fclose(f);
    free(buf);
    EVP_MD_CTX_free(md);
    return 0;
}

/* Rows travel from the reading thread (CSV, dates, geocoding: everything
 * that may warn through the context) to a store thread (SQLite only) in
 * batches, so that the two halves of an import run on two cores.  A
 * batch copies its records' strings into an arena of its own, because
 * the CSV reader reuses its buffer for the next row; district names and
 * method names belong to the gazetteer and are not copied. */
#define BATCH_ROWS 1024
#define NBATCHES 4
#define ARENA_BYTES (BATCH_ROWS * 512)

typedef struct {
    im_record_t rec[BATCH_ROWS];
    int n;
    char *arena;
    size_t used, cap;
} batch_t;

typedef struct {
    im_store_t *store;
    long run_id;
    mtx_t lock;
    cnd_t filled, drained;
    batch_t batch[NBATCHES];
    int head, tail, count; /* head: next to fill; tail: next to store */
    bool done;             /* the reader will send no more */
    bool stop;             /* give up: the import failed */
    const char *failure;   /* what the store could not do */
    long counts[3];        /* by im_upsert_t */
} pipe_t;

static int store_thread(void *arg)
{
    pipe_t *p = arg;
    for (;;) {
        mtx_lock(&p->lock);
        while (p->count == 0 && !p->done && !p->stop)
            cnd_wait(&p->filled, &p->lock);
        if (p->stop || p->count == 0) {
            mtx_unlock(&p->lock);
            return 0;
        }
        batch_t *b = &p->batch[p->tail];
        mtx_unlock(&p->lock);
        const char *failure =
            im_store_put_batch(p->store, p->run_id, b->rec, b->n, p->counts);
        mtx_lock(&p->lock);
        if (failure) {
            p->failure = failure;
            p->stop = true;
        } else {
            p->tail = (p->tail + 1) % NBATCHES;
            p->count--;
        }
        cnd_signal(&p->drained);
        mtx_unlock(&p->lock);
        if (failure)
            return 0;
    }
}

/* The batch to fill next, once the store thread has room; NULL when the
 * store failed. */
static batch_t *pipe_slot(pipe_t *p)
{
    mtx_lock(&p->lock);
    while (p->count == NBATCHES && !p->stop)
        cnd_wait(&p->drained, &p->lock);
    batch_t *b = p->stop ? NULL : &p->batch[p->head];
    mtx_unlock(&p->lock);
    if (b)
        b->n = 0, b->used = 0;
    return b;
}

static void pipe_send(pipe_t *p)
{
    mtx_lock(&p->lock);
    p->head = (p->head + 1) % NBATCHES;
    p->count++;
    cnd_signal(&p->filled);
    mtx_unlock(&p->lock);
}

static const char *arena_copy(batch_t *b, const char *s)
{
    /* An empty field lies in the reader's buffer too: the store takes ""
     * as NULL, so any "" will do. */
    if (!s || !*s)
        return s ? "" : NULL;
    size_t n = strlen(s) + 1;
    char *d = b->arena + b->used;
    memcpy(d, s, n);
    b->used += n;
    return d;
}

/* Copies rec into b; false when the arena has no room left (and the batch
 * holds records, so it must be sent first), or on out of memory. */
static bool batch_add(batch_t *b, const im_record_t *rec)
{
    const char *const str[] = {rec->source, rec->source_id, rec->date,
                               rec->date_start, rec->place,
                               rec->source_precision, rec->category,
                               rec->actor, rec->target, rec->notes};
    size_t need = 0;
    for (size_t i = 0; i < sizeof str / sizeof str[0]; i++)
        need += str[i] ? strlen(str[i]) + 1 : 0;
    if (b->used + need > b->cap) {
        if (b->n > 0)
            return false;
        /* An empty batch may move its arena: nothing points into it. */
        size_t cap = need > ARENA_BYTES ? need : ARENA_BYTES;
        char *a = realloc(b->arena, cap);
        if (!a)
            return false;
        b->arena = a;
        b->cap = cap;
    }
    im_record_t *r = &b->rec[b->n++];
    *r = *rec;
    r->source = arena_copy(b, rec->source);
    r->source_id = arena_copy(b, rec->source_id);
    r->date = arena_copy(b, rec->date);
    r->date_start = arena_copy(b, rec->date_start);
    r->place = arena_copy(b, rec->place);
    r->source_precision = arena_copy(b, rec->source_precision);
    r->category = arena_copy(b, rec->category);
    r->actor = arena_copy(b, rec->actor);
    r->target = arena_copy(b, rec->target);
    r->notes = arena_copy(b, rec->notes);
    /* Here rather than on the store thread, which is the busier one. */
    im_store_record_hash(r, r->content_hash);
    return true;
}

typedef struct {
    im_store_t *store;
    im_geocoder_t *geo;
    im_csv_t *csv;
    const profile_t *profile;
    int col[F_COUNT];
    const char *source;
    reject_log_t log;
    seen_t seen;
    long run_id;
    bool nomem;       /* read_row ran out of memory: not a rejection */
    char both[256];   /* "A or B" for the current row, when ambiguous */
} import_t;

/* Reads the current row into rec; false (with the reason logged) when the
 * row must be rejected. */
static bool read_row(import_t *im, im_record_t *rec, char *date_buf,
                     char *start_buf, char *id_buf, size_t id_len)
{
    im_csv_t *csv = im->csv;
    long line = im_csv_line(csv);
    const char *f[F_COUNT];
    for (int i = 0; i < F_COUNT; i++)
        f[i] = im_csv_field(csv, im->col[i]);
    memset(rec, 0, sizeof *rec);
    rec->source = *f[F_SOURCE] ? f[F_SOURCE] : im->source;

    im_date_t d = {0};
    bool ok_date = *f[F_DATE] ? im_date_parse(f[F_DATE], &d)
                              : im_date_from_parts(f[F_YEAR], f[F_MONTH],
                                                   f[F_DAY], &d);
    if (!ok_date) {
        int c = *f[F_DATE] || im->col[F_YEAR] < 0 ? im->col[F_DATE] : im->col[F_YEAR];
        reject(&im->log, line, c >= 0 ? im_csv_header(csv, c) : "date",
               "'%s' is not a date", *f[F_DATE] ? f[F_DATE] : f[F_YEAR]);
        return false;
    }
    im_date_format(&d, date_buf, 16);
    im_date_t first = d;
    if (first.precision < IM_DATE_MONTH)
        first.month = 1;
    if (first.precision < IM_DATE_DAY)
        first.day = 1;
    first.precision = IM_DATE_DAY;
    im_date_format(&first, start_buf, 16);
    rec->date = date_buf;
    rec->date_start = start_buf;
    rec->date_precision = d.precision == IM_DATE_DAY     ? "day"
                          : d.precision == IM_DATE_MONTH ? "month"
                                                         : "year";

    const char *lat = f[F_LAT], *lon = f[F_LON];
    if (*lat || *lon) {
        if (!parse_coord(lat, 90, &rec->lat_deg)) {
            reject(&im->log, line, im_csv_header(csv, im->col[F_LAT]),
                   "'%s' is not a latitude", lat);
            return false;
        }
        if (!parse_coord(lon, 180, &rec->lon_deg)) {
            reject(&im->log, line, im_csv_header(csv, im->col[F_LON]),
                   "'%s' is not a longitude", lon);
            return false;
        }
        rec->has_point = !(rec->lat_deg == 0 && rec->lon_deg == 0);
    }
    static const int counts[] = {F_KILLED, F_KILLED_HIGH, F_INJURED,
                                 F_INJURED_HIGH};
    long *dest[] = {&rec->killed, &rec->killed_high, &rec->injured,
                    &rec->injured_high};
    for (int k = 0; k < 4; k++) {
        long v = parse_count(f[counts[k]]);
        if (v <= -2) {
            reject(&im->log, line, im_csv_header(csv, im->col[counts[k]]),
                   v == -2 ? "'%s' is not a count"
                           : "'%s' is more than a billion",
                   f[counts[k]]);
            return false;
        }
        *dest[k] = v;
    }
    rec->place = f[F_PLACE];
    rec->province = NULL;
    rec->source_precision = f[F_SRC_PRECISION];
    rec->category = *f[F_CATEGORY] ? f[F_CATEGORY] : f[F_CATEGORY2];
    rec->actor = f[F_ACTOR];
    rec->target = f[F_TARGET];
    rec->notes = f[F_NOTES];

    if (*f[F_ID]) {
        /* Borrowed from the row like the other fields; ids too long for
         * the buffer are cut as they always have been, so that re-imports
         * still find the records stored under them. */
        size_t n = strlen(f[F_ID]);
        if (n < id_len) {
            rec->source_id = f[F_ID];
        } else {
            memcpy(id_buf, f[F_ID], id_len - 1);
            id_buf[id_len - 1] = '\0';
            rec->source_id = id_buf;
        }
    } else {
        uint64_t h = row_digest(csv);
        unsigned seen;
        if (!seen_bump(&im->seen, h, &seen)) {
            im->nomem = true;
            return false;
        }
        snprintf(id_buf, id_len, "h%016llx.%u", (unsigned long long)h, seen);
        rec->source_id = id_buf;
    }

    im_geocode_t g;
    im_geocode_record(im->geo, f[F_PLACE], f[F_DISTRICT], f[F_PROVINCE],
                      rec->has_point, rec->lon_deg, rec->lat_deg, &g);
    rec->district_id = g.district_id;
    rec->district = g.district
                        ? im_geocode_district_label(&g, im->both, sizeof im->both)
                        : NULL;
    rec->province = g.province;
    rec->match_method = im_match_method_name(g.method);
    rec->match_score = g.score;
    rec->precision = g.precision;
    return true;
}

/* A GDAL source goes through a CSV copy of its first layer; the copy is
 * named after the source, so messages name it, and removed afterwards. */
static im_status_t import_ogr(im_store_t *store, im_geocoder_t *geo,
                              const char *path, const im_import_options_t *o,
                              im_import_report_t *out)
{
    im_ctx_t *ctx = im_store_ctx(store);
    char dir[] = "/tmp/incimap-ogr-XXXXXX";
    if (!mkdtemp(dir))
        return im_error(ctx, IM_ERR_IO, "cannot create a temporary directory");
    const char *base = strrchr(path, '/');
    char stem[256], csv[512];
    snprintf(stem, sizeof stem, "%s", base ? base + 1 : path);
    char *dot = strrchr(stem, '.');
    if (dot && dot != stem)
        *dot = '\0';
    snprintf(csv, sizeof csv, "%s/%s.features.csv", dir, stem);
    im_status_t st = im_ogr_to_csv(ctx, path, csv);
    if (!st) {
        im_import_options_t copy = *o;
        copy.format = IM_FORMAT_INCIMAP;
        if (!copy.source)
            copy.source = stem;
        st = im_store_import(store, geo, csv, &copy, out);
        out->format = "ogr";
    }
    unlink(csv);
    rmdir(dir);
    return st;
}

/* One pass over a CSV file into the store; *again as for
 * im_store_finish_run. */
static im_status_t import_csv(im_store_t *store, im_geocoder_t *geo,
                              const char *path, im_import_options_t o,
                              im_import_report_t *out, bool *again)
{
    im_ctx_t *ctx = im_store_ctx(store);
    memset(out, 0, sizeof *out);
    *again = false;
    import_t im = {.store = store, .geo = geo};
    im_status_t st = im_csv_open(ctx, path, &im.csv);
    if (st)
        return st;
    im.profile = detect(im.csv, o.format);
    for (int i = 0; i < F_COUNT; i++)
        im.col[i] = column_of(im.csv, im.profile->columns[i]);
    out->format = im.profile->name;
    out->converted = im_csv_was_converted(im.csv);
    if (im.col[F_DATE] < 0 && im.col[F_YEAR] < 0)
        st = im_error(ctx, IM_ERR_DATA, "%s:1: no date column (for %s: %s)",
                      path, im.profile->name,
                      im.profile->columns[F_DATE] ? im.profile->columns[F_DATE]
                                                  : im.profile->columns[F_YEAR]);
    else if (im.col[F_PLACE] < 0 && im.col[F_DISTRICT] < 0 &&
             (im.col[F_LAT] < 0 || im.col[F_LON] < 0))
        st = im_error(ctx, IM_ERR_DATA,
                      "%s:1: no place, district or latitude/longitude columns",
                      path);
    /* The source name: the profile's, a source column per row, or the
     * file's name without directory and extension. */
    char stem[256];
    const char *base = strrchr(path, '/');
    snprintf(stem, sizeof stem, "%s", base ? base + 1 : path);
    char *dot = strrchr(stem, '.');
    if (dot && dot != stem)
        *dot = '\0';
    im.source = o.source ? o.source : im.profile->source ? im.profile->source
                                                          : stem;
    im.log = (reject_log_t){ctx, NULL, path, 0};
    if (!st && o.rejects_path) {
        im.log.rejects = fopen(o.rejects_path, "w");
        if (!im.log.rejects)
            st = im_error(ctx, IM_ERR_IO, "cannot write '%s'", o.rejects_path);
        else
            fputs("file,line,field,reason\n", im.log.rejects);
    }
    if (!st)
        st = im_store_begin_run(store, path, NULL, im.profile->name, &im.run_id);
    bool begun = !st;
    out->run_id = im.run_id;
    digest_job_t digest = {.path = path};
    pipe_t pipe = {.store = store, .run_id = im.run_id};
    thrd_t digester, storer;
    bool digesting = false, storing = false, synced = false;
    if (begun) {
        synced = mtx_init(&pipe.lock, mtx_plain) == thrd_success;
        if (synced && cnd_init(&pipe.filled) != thrd_success) {
            mtx_destroy(&pipe.lock);
            synced = false;
        }
        if (synced && cnd_init(&pipe.drained) != thrd_success) {
            cnd_destroy(&pipe.filled);
            mtx_destroy(&pipe.lock);
            synced = false;
        }
        digesting = synced &&
                    thrd_create(&digester, digest_thread, &digest) == thrd_success;
        storing = digesting &&
                  thrd_create(&storer, store_thread, &pipe) == thrd_success;
        if (!storing)
            st = im_error(ctx, IM_ERR_NOMEM, "%s: cannot start a thread", path);
    }
    batch_t *b = storing ? pipe_slot(&pipe) : NULL;
    int r = 0;
    while (!st && b && (r = im_csv_next(im.csv)) == 1) {
        if (is_totals_row(im.csv)) {
            out->skipped++;
            im_warn(ctx, "%s:%ld: skipped a totals row", path,
                    im_csv_line(im.csv));
            continue;
        }
        out->rows++;
        im_record_t rec;
        char date[16], start[16], id[96];
        if (!read_row(&im, &rec, date, start, id, sizeof id)) {
            if (im.nomem) {
                st = im_error(ctx, IM_ERR_NOMEM, "%s: out of memory", path);
                break;
            }
            out->rejected++;
            if (o.strict)
                st = im_error(ctx, IM_ERR_DATA,
                              "%s: a row was rejected and --strict is set; "
                              "nothing was imported", path);
            continue;
        }
        if (!batch_add(b, &rec)) {
            if (b->n == 0) {
                st = im_error(ctx, IM_ERR_NOMEM, "out of memory");
                break;
            }
            pipe_send(&pipe);
            if (!(b = pipe_slot(&pipe)))
                break;
            if (!batch_add(b, &rec)) {
                st = im_error(ctx, IM_ERR_NOMEM, "out of memory");
                break;
            }
        }
        if (b->n == BATCH_ROWS) {
            pipe_send(&pipe);
            b = pipe_slot(&pipe);
        }
        if (o.progress && (out->rows & 4095) == 0)
            o.progress(o.progress_user, im_csv_progress(im.csv), 1.0);
    }
    if (!st && r < 0)
        st = IM_ERR_PARSE;
    if (storing) {
        mtx_lock(&pipe.lock);
        if (st)
            pipe.stop = true;
        else if (b && b->n > 0) {
            pipe.head = (pipe.head + 1) % NBATCHES;
            pipe.count++;
        }
        pipe.done = true;
        cnd_signal(&pipe.filled);
        mtx_unlock(&pipe.lock);
        thrd_join(storer, NULL);
        if (!st && pipe.failure)
            st = im_store_fail(store, pipe.failure);
        out->inserted = pipe.counts[IM_UPSERT_INSERTED];
        out->updated = pipe.counts[IM_UPSERT_UPDATED];
        out->unchanged = pipe.counts[IM_UPSERT_UNCHANGED];
    }
    if (digesting) {
        thrd_join(digester, NULL);
        if (!st && !digest.ok)
            st = im_error(ctx, IM_ERR_IO, "cannot read '%s'", path);
    }
    if (synced) {
        cnd_destroy(&pipe.drained);
        cnd_destroy(&pipe.filled);
        mtx_destroy(&pipe.lock);
    }
    for (int i = 0; i < NBATCHES; i++)
        free(pipe.batch[i].arena);
    if (begun) {
        if (st)
            im_store_abort_run(store);
        else
            st = im_store_finish_run(store, im.run_id, digest.hex, out, again);
    }
    if (im.log.rejects && fclose(im.log.rejects) && !st)
        st = im_error(ctx, IM_ERR_IO, "cannot write '%s'", o.rejects_path);
    free(im.seen.key);
    free(im.seen.count);
    im_csv_free(im.csv);
    return st;
}

im_status_t im_store_import(im_store_t *store, im_geocoder_t *geo,
                            const char *path, const im_import_options_t *opt,
                            im_import_report_t *out)
{
    im_ctx_t *ctx = im_store_ctx(store);
    im_import_options_t o = opt ? *opt : (im_import_options_t){0};
    memset(out, 0, sizeof *out);
    if (o.format == IM_FORMAT_OGR)
        return import_ogr(store, geo, path, &o, out);
    bool again;
    im_status_t st = import_csv(store, geo, path, o, out, &again);
    if (!st && again) {
        /* Another process created the store while this import was writing
         * a new one: the rows go into that store now, read again.  Their
         * warnings were given the first time. */
        bool muted = im_ctx_mute(ctx, true);
        st = import_csv(store, geo, path, o, out, &again);
        im_ctx_mute(ctx, muted);
    }
    if (o.progress && !st)
        o.progress(o.progress_user, 1.0, 1.0);
    return st;
}
