/*
 * test_store_schema.c: the schema's constraints hold for every writer.
 * During an import SQLite leaves the CHECK on date_precision to the
 * store's own code (store.c: check_record); the store must still refuse
 * a record that breaks it, and SQLite must check it again once the run
 * is over.
 */
#include "incimap.h"
#include "store.h"
#include "testlib.h"

#include <sqlite3.h>
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

int main(void)
{
    char data[1024], db[1024];
    im_ctx_t *ctx = im_ctx_new();
    im_ctx_set_data_dir(ctx, test_path(data, sizeof data, "data"));
    snprintf(db, sizeof db, "%s/store_schema.%ld.db", test_tmpdir(), (long)getpid());
    unlink(db);
    check_constraints(ctx, db);
    unlink(db);
    im_ctx_free(ctx);
    TEST_DONE();
}
