/*
 * test_failalloc.c: an import and a render with the library's k-th
 * allocation failing, for k = 1, 2, ... until the work needs fewer than k.
 * Every run must either fail with a message or succeed with exactly the
 * result of a run without failures; either way nothing the library
 * allocated may be left, a failed import must leave the store as it was,
 * and a failed render must leave no file at the destination.
 *
 * It replaces malloc (tests/failalloc.c), which AddressSanitizer and
 * valgrind do as well: under them it is skipped.
 */
#include "failalloc.h"
#include "incimap.h"
#include "testlib.h"

#include <dirent.h>
#include <sqlite3.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#if defined(__SANITIZE_ADDRESS__)
#define UNDER_ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define UNDER_ASAN 1
#endif
#endif

static char tmp[1024], input[1200], base_input[1200], pristine[1200],
    work_db[1200], rejects[1200], outdir[1200];

static void write_text(const char *path, const char *text)
{
    FILE *f = fopen(path, "w");
    CHECK(f && fputs(text, f) >= 0 && fclose(f) == 0, "cannot write %s", path);
}

/* Reads a whole file; NULL if it does not exist.  Caller frees. */
static unsigned char *slurp(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    fseek(f, 0, SEEK_END);
    long n = ftell(f);
    fseek(f, 0, SEEK_SET);
    unsigned char *d = malloc(n > 0 ? (size_t)n : 1);
    *len = d ? fread(d, 1, (size_t)n, f) : 0;
    fclose(f);
    return d;
}

static void copy_file(const char *from, const char *to)
{
    size_t n;
    unsigned char *d = slurp(from, &n);
    FILE *f = fopen(to, "wb");
    CHECK(d && f && fwrite(d, 1, n, f) == n, "copy %s to %s", from, to);
    if (f)
        fclose(f);
    free(d);
}

/* What a store holds, read through SQLite directly. */
typedef struct {
    char integrity[64];
    long incidents, runs, totals, killed, hash;
} store_state_t;

static long one_number(sqlite3 *db, const char *sql)
{
    sqlite3_stmt *st;
    long v = -1;
    if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) == SQLITE_OK &&
        sqlite3_step(st) == SQLITE_ROW)
        v = (long)sqlite3_column_int64(st, 0);
    sqlite3_finalize(st);
    return v;
}

static store_state_t store_state(const char *path)
{
    store_state_t s = {"cannot open", -1, -1, -1, -1, -1};
    sqlite3 *db;
    if (sqlite3_open_v2(path, &db, SQLITE_OPEN_READONLY, NULL) == SQLITE_OK) {
        sqlite3_stmt *st;
        if (sqlite3_prepare_v2(db, "PRAGMA integrity_check", -1, &st, NULL) ==
                SQLITE_OK &&
            sqlite3_step(st) == SQLITE_ROW)
            snprintf(s.integrity, sizeof s.integrity, "%s",
                     (const char *)sqlite3_column_text(st, 0));
        sqlite3_finalize(st);
        s.incidents = one_number(db, "SELECT count(*) FROM incidents");
        s.runs = one_number(db, "SELECT count(*) FROM import_runs"
                                " WHERE finished_at IS NOT NULL");
        s.totals = one_number(db, "SELECT sum(incidents) FROM district_totals");
        s.killed = one_number(db, "SELECT sum(killed) FROM incidents");
        /* Every stored field, so that a run that reports success with a
         * record lost or altered is told from a clean one. */
        s.hash = one_number(
            db, "SELECT sum(length(source || source_id || content_hash ||"
                " coalesce(lat, '') || coalesce(district_id, '')) * id)"
                " FROM incidents");
    }
    sqlite3_close(db);
    return s;
}

static bool same_state(store_state_t a, store_state_t b)
{
    return !strcmp(a.integrity, b.integrity) && a.incidents == b.incidents &&
           a.runs == b.runs && a.totals == b.totals && a.killed == b.killed &&
           a.hash == b.hash;
}

static void remove_db(const char *path)
{
    char side[1300];
    unlink(path);
    snprintf(side, sizeof side, "%s-wal", path);
    unlink(side);
    snprintf(side, sizeof side, "%s-shm", path);
    unlink(side);
}

static void ignore_log(void *user, const char *message)
{
    (void)user;
    (void)message;
}

/* The import under test: a store opened and a file imported (updates,
 * unchanged and fresh records, a duplicate id, rows without ids, a
 * rejected row with a rejects report).  The geocoder is built once
 * outside, as freeing one costs more than the whole import; its own
 * allocations are swept apart. */
static im_status_t import_into(im_ctx_t *ctx, im_geocoder_t *geo, const char *db)
{
    im_store_t *store = NULL;
    im_import_report_t rep;
    im_import_options_t o = {.source = "faults", .rejects_path = rejects};
    im_status_t st = im_store_open(ctx, db, &store);
    if (!st)
        st = im_store_import(store, geo, input, &o, &rep);
    im_store_free(store);
    return st;
}

static im_status_t import_once(im_ctx_t *ctx, im_geocoder_t *geo)
{
    return import_into(ctx, geo, work_db);
}

/* Files in tmp named like a staged store's ("*.tmp"). */
static int staged_files(void)
{
    int n = 0;
    DIR *d = opendir(tmp);
    struct dirent *e;
    while (d && (e = readdir(d)) != NULL) {
        size_t len = strlen(e->d_name);
        n += len > 4 && !strcmp(e->d_name + len - 4, ".tmp");
    }
    if (d)
        closedir(d);
    return n;
}

/* PDF is left out: our drawing code runs there as for SVG, and the rest
 * is Cairo's, at ten times the cost of a run. */
static const char *const outputs[] = {"map.png", "map.svg", "points.svg"};
#define NOUTPUTS (sizeof outputs / sizeof outputs[0])

/* The render under test: values and points read, a choropleth with
 * labels written as PNG and SVG, a point map as SVG.  *written counts the
 * files finished. */
static im_status_t render_once(im_ctx_t *ctx, const im_gazetteer_t *gaz,
                               const im_layer_t *layer, int *written)
{
    char tallies[1024], seed[1024], path[1400];
    test_path(tallies, sizeof tallies, "data/incidents/seed-tallies.csv");
    test_path(seed, sizeof seed, "data/incidents/seed.csv");
    im_values_t *values = NULL;
    im_points_t *points = NULL;
    im_map_t *map = NULL, *pmap = NULL;
    im_values_options_t vo = {NULL, NULL, "count", 0};
    im_map_options_t mo = {.width_px = 320, .height_px = 240,
                           .title = "Faults", .source = "test"};
    im_map_options_t po = {.type = IM_MAP_POINTS, .width_px = 240,
                           .height_px = 200};
    *written = 0;
    im_status_t st = im_values_read_csv(ctx, gaz, layer, tallies, &vo, &values);
    if (!st)
        st = im_points_read_csv(ctx, gaz, seed, &points);
    if (!st)
        st = im_map_new(ctx, layer, values, NULL, &mo, &map);
    for (int i = 0; i < 2 && !st; i++) {
        snprintf(path, sizeof path, "%s/%s", outdir, outputs[i]);
        if (!(st = im_map_write(map, path)))
            ++*written;
    }
    if (!st)
        st = im_map_new(ctx, layer, NULL, points, &po, &pmap);
    if (!st) {
        snprintf(path, sizeof path, "%s/%s", outdir, outputs[2]);
        if (!(st = im_map_write(pmap, path)))
            ++*written;
    }
    im_map_free(pmap);
    im_map_free(map);
    im_points_free(points);
    im_values_free(values);
    return st;
}

/* The files in outdir, other than the finished outputs, and removes all. */
static int clean_outdir(int finished)
{
    int strays = 0;
    DIR *d = opendir(outdir);
    struct dirent *e;
    char path[1600];
    while (d && (e = readdir(d))) {
        if (e->d_name[0] == '.')
            continue;
        bool expected = false;
        for (int i = 0; i < finished; i++)
            expected |= !strcmp(e->d_name, outputs[i]);
        if (!expected) {
            fprintf(stderr, "left in the output directory: %s\n", e->d_name);
            strays++;
        }
        snprintf(path, sizeof path, "%s/%s", outdir, e->d_name);
        unlink(path);
    }
    if (d)
        closedir(d);
    return strays;
}

/* Runs one scenario for k = 1, 2, ...; returns the number of runs. */
typedef im_status_t (*scenario_fn)(im_ctx_t *, const im_gazetteer_t *,
                                   const im_layer_t *, void *);

static double now_s(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + t.tv_nsec / 1e9;
}

static bool leaks(const char *what, unsigned long k)
{
    char desc[1024];
    size_t n = failalloc_live(desc, sizeof desc);
    CHECK(n == 0, "%s, allocation %lu failed: %zu block(s) left: %s", what, k,
          n, desc);
    return n != 0;
}

/* A failure found is reproduced alone with:
 * test_failalloc import|new|geocoder|render K */
static unsigned long first_k = 1, only_k;

static unsigned long sweep_import(im_ctx_t *ctx, im_geocoder_t *geo,
                                  store_state_t before, store_state_t after)
{
    unsigned long k;
    long long sqlite_before = failalloc_sqlite_used();
    int failed = 0, survived = 0;
    double t0 = now_s();
    for (k = first_k; test_failures < 20 && (!only_k || k <= only_k); k++) {
        remove_db(work_db);
        copy_file(pristine, work_db);
        unlink(rejects);
        failalloc_arm(k);
        im_status_t st = import_once(ctx, geo);
        failalloc_disarm();
        bool fired = failalloc_fired();
        leaks("import", k);
        CHECK(failalloc_sqlite_used() == sqlite_before,
              "import, allocation %lu failed: SQLite holds %lld bytes more", k,
              failalloc_sqlite_used() - sqlite_before);
        store_state_t now = store_state(work_db);
        if (st) {
            failed++;
            CHECK(fired, "import failed with no allocation failing: %s",
                  im_ctx_errmsg(ctx));
            CHECK(*im_ctx_errmsg(ctx), "import, allocation %lu failed: "
                                       "status %d without a message", k, st);
            CHECK(same_state(now, before),
                  "import, allocation %lu failed (%s): store changed: "
                  "integrity %s, %ld incidents (was %ld), %ld runs (was %ld)",
                  k, im_ctx_errmsg(ctx), now.integrity, now.incidents,
                  before.incidents, now.runs, before.runs);
        } else {
            survived += fired;
            CHECK(same_state(now, after),
                  "import, allocation %lu %s: reported success but the store "
                  "holds %s, %ld incidents, %ld runs, %ld in totals, %ld "
                  "killed, hash %ld; want %s, %ld, %ld, %ld, %ld, %ld", k,
                  fired ? "failed" : "did not fail", now.integrity,
                  now.incidents, now.runs, now.totals, now.killed, now.hash,
                  after.integrity, after.incidents, after.runs, after.totals,
                  after.killed, after.hash);
        }
        if (!fired)
            break;
    }
    fprintf(stderr, "import: %lu allocations; %d runs failed cleanly, %d "
                    "recovered (%.1f s)\n", k - 1, failed, survived,
            now_s() - t0);
    return k;
}

/* The first import into a store that does not exist yet, which is
 * written beside its path and linked into place: a failed one leaves no
 * store (or, where the store had to be made in place, an empty one) and
 * no staged file. */
static unsigned long sweep_new_store(im_ctx_t *ctx, im_geocoder_t *geo,
                                     store_state_t after)
{
    unsigned long k;
    long long sqlite_before = failalloc_sqlite_used();
    int failed = 0, survived = 0;
    double t0 = now_s();
    for (k = first_k; test_failures < 20 && (!only_k || k <= only_k); k++) {
        remove_db(work_db);
        unlink(rejects);
        failalloc_arm(k);
        im_status_t st = import_once(ctx, geo);
        failalloc_disarm();
        bool fired = failalloc_fired();
        leaks("new store", k);
        CHECK(failalloc_sqlite_used() == sqlite_before,
              "new store, allocation %lu failed: SQLite holds %lld bytes more",
              k, failalloc_sqlite_used() - sqlite_before);
        CHECK(staged_files() == 0, "new store, allocation %lu %s: a staged file "
              "was left", k, fired ? "failed" : "did not fail");
        if (st) {
            failed++;
            CHECK(fired, "new store: import failed with no allocation failing: "
                  "%s", im_ctx_errmsg(ctx));
            CHECK(*im_ctx_errmsg(ctx), "new store, allocation %lu failed: "
                                       "status %d without a message", k, st);
            store_state_t now = store_state(work_db);
            CHECK(access(work_db, F_OK) != 0 ||
                      (!strcmp(now.integrity, "ok") && now.incidents == 0 &&
                       now.runs == 0),
                  "new store, allocation %lu failed (%s): a store was left "
                  "with %ld incidents, %ld runs (%s)", k, im_ctx_errmsg(ctx),
                  now.incidents, now.runs, now.integrity);
        } else {
            survived += fired;
            store_state_t now = store_state(work_db);
            CHECK(same_state(now, after),
                  "new store, allocation %lu %s: reported success but the "
                  "store holds %s, %ld incidents, %ld runs, %ld in totals; "
                  "want %s, %ld, %ld, %ld", k,
                  fired ? "failed" : "did not fail", now.integrity,
                  now.incidents, now.runs, now.totals, after.integrity,
                  after.incidents, after.runs, after.totals);
        }
        if (!fired)
            break;
    }
    fprintf(stderr, "new store: %lu allocations; %d runs failed cleanly, %d "
                    "recovered (%.1f s)\n", k - 1, failed, survived,
            now_s() - t0);
    return k;
}

static unsigned long sweep_geocoder(im_ctx_t *ctx, const im_gazetteer_t *gaz,
                                    const im_layer_t *layer)
{
    unsigned long k;
    for (k = first_k; test_failures < 20 && (!only_k || k <= only_k); k++) {
        im_geocoder_t *geo = NULL;
        failalloc_arm(k);
        im_status_t st = im_geocoder_new(ctx, gaz, layer, &geo);
        im_geocoder_free(geo);
        failalloc_disarm();
        leaks("geocoder", k);
        CHECK(!st || *im_ctx_errmsg(ctx), "geocoder, allocation %lu failed: "
                                          "status %d without a message", k, st);
        CHECK(!st || !geo, "a geocoder returned with status %d", st);
        if (!failalloc_fired())
            break;
    }
    fprintf(stderr, "geocoder: %lu allocations\n", k - 1);
    return k;
}

static unsigned long sweep_render(im_ctx_t *ctx, const im_gazetteer_t *gaz,
                                  const im_layer_t *layer,
                                  unsigned char *const ref[], const size_t reflen[])
{
    unsigned long k;
    int failed = 0, survived = 0;
    double t0 = now_s();
    for (k = first_k; test_failures < 20 && (!only_k || k <= only_k); k++) {
        int written = 0;
        failalloc_arm(k);
        im_status_t st = render_once(ctx, gaz, layer, &written);
        failalloc_disarm();
        bool fired = failalloc_fired();
        leaks("render", k);
        if (st) {
            failed++;
            CHECK(fired, "render failed with no allocation failing: %s",
                  im_ctx_errmsg(ctx));
            CHECK(*im_ctx_errmsg(ctx), "render, allocation %lu failed: "
                                       "status %d without a message", k, st);
        }
        /* Each finished file is whole; the rest are absent. */
        for (int i = 0; i < written; i++) {
            char path[1400];
            size_t n = 0;
            snprintf(path, sizeof path, "%s/%s", outdir, outputs[i]);
            unsigned char *d = slurp(path, &n);
            CHECK(d && n == reflen[i] && !memcmp(d, ref[i], n),
                  "render, allocation %lu %s: %s differs from a clean run's "
                  "(%zu bytes, want %zu)", k, fired ? "failed" : "did not fail",
                  outputs[i], n, reflen[i]);
            free(d);
        }
        CHECK(clean_outdir(written) == 0,
              "render, allocation %lu failed: files left behind", k);
        if (!st)
            survived += fired;
        if (!fired)
            break;
    }
    fprintf(stderr, "render: %lu allocations; %d runs failed cleanly, %d "
                    "recovered (%.1f s)\n", k - 1, failed, survived,
            now_s() - t0);
    return k;
}

int main(int argc, char **argv)
{
    const char *only = argc == 3 ? argv[1] : NULL;
    if (only)
        first_k = only_k = strtoul(argv[2], NULL, 10);
#ifdef UNDER_ASAN
    fprintf(stderr, "skipped: AddressSanitizer replaces malloc too\n");
    return 77;
#endif
    const char *vg = getenv("INCIMAP_VALGRIND");
    if (vg && *vg) {
        fprintf(stderr, "skipped: valgrind replaces malloc too\n");
        return 77;
    }
    if (!failalloc_init((const void *)im_ctx_new)) {
        fprintf(stderr, "cannot find libincimap's code or set SQLite's "
                        "allocator\n");
        return 1;
    }
    snprintf(tmp, sizeof tmp, "%s/failalloc.XXXXXX", test_tmpdir());
    if (!mkdtemp(tmp)) {
        perror(tmp);
        return 1;
    }
    snprintf(input, sizeof input, "%s/faults.csv", tmp);
    snprintf(base_input, sizeof base_input, "%s/base.csv", tmp);
    snprintf(pristine, sizeof pristine, "%s/pristine.db", tmp);
    snprintf(work_db, sizeof work_db, "%s/work.db", tmp);
    snprintf(rejects, sizeof rejects, "%s/rejects.csv", tmp);
    snprintf(outdir, sizeof outdir, "%s/out", tmp);
    mkdir(outdir, 0777);

    static const char header[] =
        "id,source,date,place,district,province,lat,lon,killed,injured,category\n";
    /* The store before: two of the records, one of them since revised. */
    char text[8192];
    snprintf(text, sizeof text, "%s"
             "a1,faults,2016-08-08,Quetta,Quetta,Balochistan,30.19,67.01,70,112,bombing\n"
             "a2,faults,2017-02-16,Sehwan,Jamshoro,Sindh,,,80,,attack\n",
             header);
    write_text(base_input, text);
    size_t n = (size_t)snprintf(
        text, sizeof text, "%s"
        "a1,faults,2016-08-08,Quetta,Quetta,Balochistan,30.19,67.01,70,112,bombing\n"
        "a2,faults,2017-02-16,Sehwan,Jamshoro,Sindh,,,88,,attack\n"
        "a3,faults,2018-07-13,Mastung,Mastung,Balochistan,,,149,,bombing\n"
        ",faults,2019,Bajaur,Bajaur,Khyber Pakhtunkhwa,,,3,4,attack\n"
        ",faults,2019,Bajaur,Bajaur,Khyber Pakhtunkhwa,,,3,4,attack\n"
        "a4,faults,not a date,Peshawar,Peshawar,Khyber Pakhtunkhwa,,,1,,attack\n",
        header);
    /* Enough records of a source new to the store for the multi-row
     * insert, one id repeated among them. */
    for (int i = 0; i < 20 && n < sizeof text; i++)
        n += (size_t)snprintf(text + n, sizeof text - n,
                              "f%d,fresh,2020-01-%02d,Peshawar,Peshawar,"
                              "Khyber Pakhtunkhwa,%s,%s,%d,,attack\n",
                              i == 7 ? 3 : i, i + 1, i % 2 ? "34.01" : "",
                              i % 2 ? "71.55" : "", i);
    write_text(input, text);

    im_ctx_t *ctx = im_ctx_new();
    char data[1024];
    im_ctx_set_data_dir(ctx, test_path(data, sizeof data, "data"));
    im_ctx_set_log(ctx, ignore_log, NULL);
    im_gazetteer_t *gaz = NULL;
    im_layer_t *layer = NULL;
    CHECK(im_gazetteer_open(ctx, NULL, &gaz) == IM_OK, "%s", im_ctx_errmsg(ctx));
    CHECK(im_layer_read(ctx, gaz, NULL, NULL, &layer) == IM_OK, "%s",
          im_ctx_errmsg(ctx));
    if (test_failures)
        TEST_DONE();

    /* The store before and after a clean import. */
    {
        im_geocoder_t *geo = NULL;
        im_store_t *store = NULL;
        im_import_report_t rep;
        im_import_options_t o = {.source = "faults"};
        CHECK(im_geocoder_new(ctx, gaz, layer, &geo) == IM_OK &&
                  im_store_open(ctx, pristine, &store) == IM_OK &&
                  im_store_import(store, geo, base_input, &o, &rep) == IM_OK,
              "%s", im_ctx_errmsg(ctx));
        im_store_free(store);
        im_geocoder_free(geo);
    }
    store_state_t before = store_state(pristine);
    remove_db(work_db);
    copy_file(pristine, work_db);
    im_geocoder_t *geo = NULL;
    CHECK(im_geocoder_new(ctx, gaz, layer, &geo) == IM_OK, "%s",
          im_ctx_errmsg(ctx));
    CHECK(geo && import_once(ctx, geo) == IM_OK, "%s", im_ctx_errmsg(ctx));
    store_state_t after = store_state(work_db);
    CHECK(!strcmp(before.integrity, "ok") && before.incidents == 2 &&
              before.runs == 1,
          "the store before: %s, %ld incidents, %ld runs", before.integrity,
          before.incidents, before.runs);
    /* a3, two rows without ids, twenty fresh records less one repeat. */
    CHECK(!strcmp(after.integrity, "ok") && after.incidents == 2 + 3 + 19 &&
              after.runs == 2 && after.totals == after.incidents,
          "the store after: %s, %ld incidents, %ld runs, %ld in totals",
          after.integrity, after.incidents, after.runs, after.totals);

    /* The outputs of a clean render, to compare runs that recover with. */
    unsigned char *ref[NOUTPUTS] = {0};
    size_t reflen[NOUTPUTS] = {0};
    int written = 0;
    CHECK(render_once(ctx, gaz, layer, &written) == IM_OK, "%s",
          im_ctx_errmsg(ctx));
    for (size_t i = 0; i < NOUTPUTS; i++) {
        char path[1400];
        snprintf(path, sizeof path, "%s/%s", outdir, outputs[i]);
        ref[i] = slurp(path, &reflen[i]);
        CHECK(ref[i] && reflen[i] > 100, "clean render wrote %s", outputs[i]);
    }
    clean_outdir((int)NOUTPUTS);

    if (!test_failures && (!only || !strcmp(only, "import"))) {
        unsigned long ki = sweep_import(ctx, geo, before, after);
        CHECK(only || ki > 50, "the import made only %lu allocations: is "
                               "the library's code found?", ki);
    }
    if (!test_failures && (!only || !strcmp(only, "new"))) {
        remove_db(work_db);
        CHECK(import_once(ctx, geo) == IM_OK, "%s", im_ctx_errmsg(ctx));
        store_state_t fresh = store_state(work_db);
        /* Everything but a4's bad date: 3 + 2 + 19 records. */
        CHECK(!strcmp(fresh.integrity, "ok") && fresh.incidents == 24 &&
                  fresh.runs == 1 && fresh.totals == 24,
              "a new store: %s, %ld incidents, %ld runs, %ld in totals",
              fresh.integrity, fresh.incidents, fresh.runs, fresh.totals);
        unsigned long kn = sweep_new_store(ctx, geo, fresh);
        CHECK(only || kn > 50, "the import made only %lu allocations", kn);
    }
    if (!test_failures && (!only || !strcmp(only, "geocoder")))
        sweep_geocoder(ctx, gaz, layer);
    if (!test_failures && (!only || !strcmp(only, "render"))) {
        unsigned long kr = sweep_render(ctx, gaz, layer, ref, reflen);
        CHECK(only || kr > 50, "the render made only %lu allocations", kr);
    }
    for (size_t i = 0; i < NOUTPUTS; i++)
        free(ref[i]);
    im_geocoder_free(geo);
    im_layer_free(layer);
    im_gazetteer_free(gaz);
    im_ctx_free(ctx);
    remove_db(work_db);
    remove_db(pristine);
    unlink(input);
    unlink(base_input);
    unlink(rejects);
    rmdir(outdir);
    rmdir(tmp);
    TEST_DONE();
}
