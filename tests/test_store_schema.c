/*
 * test_store_schema.c: the schema's constraints hold for every writer.
 * During an import SQLite leaves the CHECK on date_precision to the
 * store's own code (store.c: check_record); the store must still refuse
 * a record that breaks it, and SQLite must check it again once the run
 * is over.  A new store, written beside its path, gets the same schema
 * as one created in place.
 */
#include "incimap.h"
#include "store.h"
#include "testlib.h"

#include <sqlite3.h>
#include <sys/stat.h>
#include <unistd.h>

/* A record a fresh source could hold, with the given date precision. */
static im_record_t record(const char *source, const char *id,
                          const char *precision)
{
    im_record_t r = {0};
    r.source = source;
    r.source_id = id;
    r.date = "2020-01-05";
    r.date_start = "2020-01-05";
    r.date_precision = precision;
    r.place = "Quetta";
    r.killed = r.killed_high = r.injured = r.injured_high = -1;
    return r;
}

static long count(sqlite3 *db, const char *sql)
{
    sqlite3_stmt *st;
    long n = -1;
    if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) == SQLITE_OK &&
        sqlite3_step(st) == SQLITE_ROW)
        n = (long)sqlite3_column_int64(st, 0);
    sqlite3_finalize(st);
    return n;
}

static void check_constraints(im_ctx_t *ctx, const char *db)
{
    im_store_t *store = NULL;
    CHECK(im_store_open(ctx, db, &store) == IM_OK, "%s", im_ctx_errmsg(ctx));
    if (!store)
        return;
    /* Within a run: a good record goes in; a bad one fails the batch,
     * alone or among others, and nothing of the run is kept. */
    long run;
    long counts[3] = {0, 0, 0};
    CHECK(im_store_begin_run(store, "test", "", "incimap", &run) == IM_OK,
          "%s", im_ctx_errmsg(ctx));
    im_record_t good = record("checks", "c1", "month");
    CHECK(im_store_put_batch(store, run, &good, 1, counts) == NULL,
          "a record with precision 'month' refused");
    im_record_t many[20];
    for (int i = 0; i < 20; i++) {
        char id[16];
        snprintf(id, sizeof id, "m%d", i);
        many[i] = record("checks", strdup(id), i == 17 ? "week" : "day");
    }
    const char *what = im_store_put_batch(store, run, many, 20, counts);
    CHECK(what && strstr(what, "date precision"),
          "precision 'week' in a batch of 20: %s", what ? what : "accepted");
    im_record_t bad = record("checks", "c2", "fortnight");
    im_upsert_t u;
    CHECK(im_store_upsert(store, run, &bad, &u) != IM_OK,
          "precision 'fortnight' accepted alone");
    for (int i = 0; i < 20; i++)
        free((char *)many[i].source_id);
    im_store_abort_run(store);

    /* After the run, on the store's own connection, SQLite checks again. */
    sqlite3 *conn = im_store_db(store);
    CHECK(count(conn, "SELECT count(*) FROM incidents WHERE source = 'checks'") == 0,
          "an aborted run left records");
    int rc = sqlite3_exec(conn,
                          "INSERT INTO import_runs(file, sha256, format, started_at)"
                          " VALUES('x', '', 'x', 'now');"
                          "INSERT INTO incidents(source, source_id, date_precision,"
                          " content_hash, run_id) VALUES('checks', 'c3', 'week', '0',"
                          " last_insert_rowid())",
                          NULL, NULL, NULL);
    CHECK(rc == SQLITE_CONSTRAINT, "an insert with precision 'week' after a run: %s",
          sqlite3_errstr(rc));
    CHECK(count(conn, "SELECT count(*) FROM incidents WHERE source = 'checks'") == 0,
          "a record with precision 'week' was stored");
    im_store_free(store);
}

/* One text of everything the schema and the records of the store at path
 * say (not its import runs, whose times differ); caller frees. */
static char *describe(const char *path)
{
    sqlite3 *db;
    sqlite3_stmt *st;
    char *all = sqlite3_mprintf("%s", "");
    CHECK(sqlite3_open_v2(path, &db, SQLITE_OPEN_READONLY, NULL) == SQLITE_OK,
          "cannot open %s", path);
    const char *sql =
        "SELECT 'version ' || user_version FROM pragma_user_version"
        " UNION ALL SELECT 'journal ' || journal_mode FROM pragma_journal_mode"
        " UNION ALL SELECT * FROM (SELECT type || ' ' || name || ' ' || tbl_name"
        "  || ' ' || coalesce(sql, '(auto)') FROM sqlite_schema ORDER BY name)"
        " UNION ALL SELECT integrity_check FROM pragma_integrity_check"
        " UNION ALL SELECT * FROM (SELECT id || ' ' || source || ' ' ||"
        "  source_id || ' ' || date || ' ' || coalesce(district_id, '-') || ' '"
        "  || content_hash FROM incidents ORDER BY id)"
        " UNION ALL SELECT * FROM (SELECT district_id || ' ' || province || ' '"
        "  || incidents FROM district_totals ORDER BY 1)";
    CHECK(sqlite3_prepare_v2(db, sql, -1, &st, NULL) == SQLITE_OK, "%s",
          sqlite3_errmsg(db));
    while (sqlite3_step(st) == SQLITE_ROW) {
        char *more = sqlite3_mprintf("%s%s\n", all, sqlite3_column_text(st, 0));
        sqlite3_free(all);
        all = more;
    }
    sqlite3_finalize(st);
    sqlite3_close(db);
    return all;
}

/* A store and the files a reader leaves beside it. */
static void remove_store(const char *path)
{
    char side[1200];
    unlink(path);
    snprintf(side, sizeof side, "%s-wal", path);
    unlink(side);
    snprintf(side, sizeof side, "%s-shm", path);
    unlink(side);
}

static void import_into(im_ctx_t *ctx, im_geocoder_t *geo, const char *db,
                        const char *input)
{
    im_store_t *store = NULL;
    im_import_report_t rep;
    CHECK(im_store_open(ctx, db, &store) == IM_OK &&
              im_store_import(store, geo, input, NULL, &rep) == IM_OK,
          "%s", im_ctx_errmsg(ctx));
    im_store_free(store);
}

/* A new store is written beside its path and linked into place; it must
 * be the store that creating it in place (as for a path where an empty
 * file already lies) would have given: schema, WAL, records. */
static void check_new_store(im_ctx_t *ctx, const char *dir)
{
    char data_csv[1024], staged[1100], in_place[1100];
    test_path(data_csv, sizeof data_csv, "data/incidents/seed.csv");
    snprintf(staged, sizeof staged, "%s/staged.db", dir);
    snprintf(in_place, sizeof in_place, "%s/in-place.db", dir);
    FILE *f = fopen(in_place, "w");
    CHECK(f && fclose(f) == 0, "cannot create %s", in_place);
    im_gazetteer_t *gaz = NULL;
    im_layer_t *layer = NULL;
    im_geocoder_t *geo = NULL;
    CHECK(im_gazetteer_open(ctx, NULL, &gaz) == IM_OK &&
              im_layer_read(ctx, gaz, NULL, NULL, &layer) == IM_OK &&
              im_geocoder_new(ctx, gaz, layer, &geo) == IM_OK,
          "%s", im_ctx_errmsg(ctx));
    if (geo) {
        import_into(ctx, geo, staged, data_csv);
        import_into(ctx, geo, in_place, data_csv);
        char *a = describe(staged), *b = describe(in_place);
        CHECK(strstr(a, "journal wal\n") && strstr(a, "\nok\n") &&
                  strstr(a, "seed-010"),
              "the new store:\n%s", a);
        CHECK(!strcmp(a, b), "a new store:\n%s\ndiffers from one made in place:\n%s",
              a, b);
        sqlite3_free(a);
        sqlite3_free(b);
    }
    im_geocoder_free(geo);
    im_layer_free(layer);
    im_gazetteer_free(gaz);
    remove_store(staged);
    remove_store(in_place);
}

int main(void)
{
    char data[1024], db[1100], dir[1024];
    im_ctx_t *ctx = im_ctx_new();
    im_ctx_set_data_dir(ctx, test_path(data, sizeof data, "data"));
    snprintf(dir, sizeof dir, "%s/store_schema.%ld", test_tmpdir(), (long)getpid());
    CHECK(mkdir(dir, 0755) == 0, "cannot create %s", dir);
    snprintf(db, sizeof db, "%s/checks.db", dir);
    check_constraints(ctx, db);
    remove_store(db);
    check_new_store(ctx, dir);
    CHECK(rmdir(dir) == 0, "files left in %s", dir);
    im_ctx_free(ctx);
    TEST_DONE();
}
