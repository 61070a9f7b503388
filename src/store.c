/*
 * store.c: incidents in SQLite, the only module that talks to SQLite's
 * store (the gazetteer's compiled copy has its own).  One file, WAL mode
 * so that readers never block an import, foreign keys on, and a schema
 * version in PRAGMA user_version that migrations move forward one step
 * at a time.  An import is one transaction: it lands whole or not at all.
 */
#include "store.h"
#include "context.h"
#include "store_stage.h"

#include <errno.h>
#include <sqlite3.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* What a run adds to (or takes from) district_totals, kept in memory and
 * written once at the end of the run: a row per record would double the
 * statements a million-row import executes.  A few hundred districts. */
typedef struct {
    char *key;                      /* id, unit separator, province */
    char *id, *district, *province; /* "" for incidents with none */
    long incidents, killed, injured;
} total_t;

typedef struct {
    total_t *slot;   /* open addressing on id; empty slots have id NULL */
    size_t cap, used;
    bool failed;     /* out of memory: the run cannot be committed */
} totals_t;

struct im_store {
    im_ctx_t *ctx;
    sqlite3 *db;
    char *path;
    sqlite3_stmt *find, *insert, *insert_new, *update, *any;
    sqlite3_stmt *insert_many, *max_id, *added;
    totals_t totals;      /* this run's changes to district_totals */
    char *fresh_source;   /* a source with no records before this run */
    bool rebuild_indexes; /* the store was empty: indexes built at the end */
    char *known_source;   /* a source that had records */
    int wait_ms;          /* how long to wait for another writer */
    /* A new store being written under a temporary name (fd -1 once the
     * store is at its path): see store_stage.h. */
    im_stage_t stage;
    /* Published, but the store could not be opened again at its path:
     * the handle still reads it, but takes no more imports. */
    bool orphaned;
};

/* Each entry moves the schema from version i to i + 1.  Never edit a
 * released step; add a new one. */
static const char *const migrations[] = {
    /* 0 -> 1 */
    "CREATE TABLE import_runs("
    " id INTEGER PRIMARY KEY,"
    " file TEXT NOT NULL, sha256 TEXT NOT NULL, format TEXT NOT NULL,"
    " started_at TEXT NOT NULL, finished_at TEXT,"
    " rows INTEGER, inserted INTEGER, updated INTEGER, unchanged INTEGER,"
    " rejected INTEGER, skipped INTEGER);"
    "CREATE TABLE incidents("
    " id INTEGER PRIMARY KEY,"
    " source TEXT NOT NULL, source_id TEXT NOT NULL,"
    " date TEXT, date_precision TEXT"
    "  CHECK (date_precision IN ('day', 'month', 'year')),"
    " date_start TEXT,"
    " place TEXT, lat REAL, lon REAL,"
    " source_precision TEXT, precision INTEGER,"
    " district_id TEXT, district TEXT, province TEXT,"
    " match_method TEXT, match_score REAL,"
    " category TEXT, actor TEXT, target TEXT,"
    " killed INTEGER, killed_high INTEGER, injured INTEGER, injured_high INTEGER,"
    " notes TEXT,"
    " content_hash TEXT NOT NULL,"
    " run_id INTEGER NOT NULL REFERENCES import_runs(id),"
    " UNIQUE (source, source_id));"
    "CREATE INDEX incidents_district ON incidents(district_id, province, killed, injured);"
    "CREATE INDEX incidents_date ON incidents(date_start);",
    /* 1 -> 2: the district index covers everything stats --by district
     * reads, the name included, so the query never visits the table. */
    "DROP INDEX incidents_district;"
    "CREATE INDEX incidents_by_district ON incidents(district_id, district,"
    " province, killed, injured);",
    /* 2 -> 3: counts per district kept up to date by every import, so that
     * stats --by district reads a few hundred rows, not a million; the
     * covering index it replaces cost a third of a large import to
     * build.  An id of '' stands for incidents with no district. */
    "DROP INDEX incidents_by_district;"
    "CREATE TABLE district_totals("
    " district_id TEXT PRIMARY KEY NOT NULL,"
    " district TEXT, province TEXT,"
    " incidents INTEGER NOT NULL, killed INTEGER NOT NULL,"
    " injured INTEGER NOT NULL);"
    "INSERT INTO district_totals SELECT coalesce(district_id, ''), district,"
    " province, count(*), coalesce(sum(killed), 0), coalesce(sum(injured), 0)"
    " FROM incidents GROUP BY district_id;",
    /* 3 -> 4: the counts kept per district and province, so that a
     * province's districts (--province) and the provinces' totals are
     * read from them too.  A district's incidents may carry more than one
     * province where sources disagree; each pair is a row. */
    "DROP TABLE district_totals;"
    "CREATE TABLE district_totals("
    " district_id TEXT NOT NULL, province TEXT NOT NULL, district TEXT,"
    " incidents INTEGER NOT NULL, killed INTEGER NOT NULL,"
    " injured INTEGER NOT NULL, PRIMARY KEY(district_id, province));"
    "INSERT INTO district_totals SELECT coalesce(district_id, ''),"
    " coalesce(province, ''), district, count(*), coalesce(sum(killed), 0),"
    " coalesce(sum(injured), 0) FROM incidents GROUP BY 1, 2;",
};

/* The secondary indexes as the latest schema has them. */
static const char index_sql[] =
    "CREATE INDEX incidents_date ON incidents(date_start);";

int im_store_schema_version(void)
{
    return (int)(sizeof migrations / sizeof migrations[0]);
}

static im_status_t db_fail(im_store_t *s, const char *what)
{
    return im_error(s->ctx, IM_ERR_LIB, "%s: %s: %s", s->path, what,
                    sqlite3_errmsg(s->db));
}

static void totals_clear(totals_t *t)
{
    for (size_t i = 0; i < t->cap; i++) {
        free(t->slot[i].key);
        free(t->slot[i].id);
        free(t->slot[i].district);
        free(t->slot[i].province);
    }
    free(t->slot);
    *t = (totals_t){0};
}

static total_t *totals_find(totals_t *t, const char *key, uint64_t h)
{
    size_t j = (size_t)(h & (t->cap - 1));
    while (t->slot[j].key && strcmp(t->slot[j].key, key) != 0)
        j = (j + 1) & (t->cap - 1);
    return &t->slot[j];
}

static uint64_t totals_hash(const char *id)
{
    uint64_t h = 1469598103934665603u;
    for (; *id; id++)
        h = (h ^ (unsigned char)*id) * 1099511628211u;
    return h;
}

/* Replaces *dst with a copy of src unless they already agree. */
static bool set_name(char **dst, const char *src)
{
    if (!src || !*src || (*dst && strcmp(*dst, src) == 0))
        return true;
    char *c = im_strdup(src);
    if (!c)
        return false;
    free(*dst);
    *dst = c;
    return true;
}

/* Adds sign times one incident to the district's totals; unknown counts
 * (-1) add nothing, as sum() over the table would. */
static void totals_add(totals_t *t, const char *id, const char *district,
                       const char *province, int sign, long killed,
                       long injured)
{
    if (!id)
        id = "";
    if (!province)
        province = "";
    /* By hand: snprintf here was a tenth of the store thread's own code
     * on a large import. */
    char key[512];
    size_t il = strlen(id), pl = strlen(province);
    if (il + pl + 2 > sizeof key) {
        t->failed = true;
        return;
    }
    memcpy(key, id, il);
    key[il] = '\x1f';
    memcpy(key + il + 1, province, pl + 1);
    if (t->used * 2 >= t->cap) {
        size_t cap = t->cap ? t->cap * 2 : 512;
        total_t *slot = calloc(cap, sizeof *slot);
        if (!slot) {
            t->failed = true;
            return;
        }
        totals_t grown = {slot, cap, t->used, t->failed};
        for (size_t i = 0; i < t->cap; i++)
            if (t->slot[i].key)
                *totals_find(&grown, t->slot[i].key,
                             totals_hash(t->slot[i].key)) = t->slot[i];
        free(t->slot);
        *t = grown;
    }
    total_t *e = totals_find(t, key, totals_hash(key));
    if (!e->key) {
        e->key = im_strdup(key);
        e->id = im_strdup(id);
        e->province = im_strdup(province);
        if (!e->key || !e->id || !e->province) {
            /* Half an entry would be found by no key and kept by no
             * growth of the table. */
            free(e->key);
            free(e->id);
            free(e->province);
            *e = (total_t){0};
            t->failed = true;
            return;
        }
        t->used++;
    }
    if (!set_name(&e->district, district))
        t->failed = true;
    e->incidents += sign;
    e->killed += sign * (killed > 0 ? killed : 0);
    e->injured += sign * (injured > 0 ? injured : 0);
}

/* Writes the run's totals into district_totals (inside the run's
 * transaction) and drops districts left with no incidents. */
static int totals_write(im_store_t *s)
{
    totals_t *t = &s->totals;
    if (t->failed)
        return SQLITE_NOMEM;
    sqlite3_stmt *st;
    int rc = sqlite3_prepare_v2(
        s->db,
        "INSERT INTO district_totals VALUES(?1, ?3, ?2, ?4, ?5, ?6)"
        " ON CONFLICT(district_id, province) DO UPDATE SET"
        " district = coalesce(excluded.district, district),"
        " incidents = incidents + excluded.incidents,"
        " killed = killed + excluded.killed,"
        " injured = injured + excluded.injured",
        -1, &st, NULL);
    for (size_t i = 0; rc == SQLITE_OK && i < t->cap; i++) {
        const total_t *e = &t->slot[i];
        if (!e->key)
            continue;
        sqlite3_reset(st);
        sqlite3_bind_text(st, 1, e->id, -1, SQLITE_STATIC);
        sqlite3_bind_text(st, 2, e->district, -1, SQLITE_STATIC);
        sqlite3_bind_text(st, 3, e->province, -1, SQLITE_STATIC);
        sqlite3_bind_int64(st, 4, e->incidents);
        sqlite3_bind_int64(st, 5, e->killed);
        sqlite3_bind_int64(st, 6, e->injured);
        if (sqlite3_step(st) != SQLITE_DONE)
            rc = sqlite3_errcode(s->db);
    }
    sqlite3_finalize(st);
    if (rc == SQLITE_OK)
        rc = sqlite3_exec(s->db, "DELETE FROM district_totals WHERE incidents <= 0",
                          NULL, NULL, NULL);
    return rc;
}

static int schema_version(im_store_t *s)
{
    sqlite3_stmt *st;
    int version = -1;
    if (sqlite3_prepare_v2(s->db, "PRAGMA user_version", -1, &st, NULL) !=
        SQLITE_OK)
        return -1;
    if (sqlite3_step(st) == SQLITE_ROW)
        version = sqlite3_column_int(st, 0);
    sqlite3_finalize(st);
    return version;
}

static im_status_t migrate(im_store_t *s)
{
    int target = im_store_schema_version();
    int version = schema_version(s);
    if (version < 0)
        return db_fail(s, "cannot read the schema version");
    while (version < target) {
        /* The version is read again under the write lock: another process
         * opening the same new store may have migrated it meanwhile. */
        char bump[64];
        bool ok = sqlite3_exec(s->db, "BEGIN IMMEDIATE", NULL, NULL, NULL) ==
                  SQLITE_OK;
        if (ok && (version = schema_version(s)) >= target) {
            ok = sqlite3_exec(s->db, "COMMIT", NULL, NULL, NULL) == SQLITE_OK;
            if (ok)
                break;
        }
        snprintf(bump, sizeof bump, "PRAGMA user_version = %d", version + 1);
        if (!ok || version < 0 ||
            sqlite3_exec(s->db, migrations[version], NULL, NULL, NULL) != SQLITE_OK ||
            sqlite3_exec(s->db, bump, NULL, NULL, NULL) != SQLITE_OK ||
            sqlite3_exec(s->db, "COMMIT", NULL, NULL, NULL) != SQLITE_OK) {
            im_status_t r = db_fail(s, "cannot migrate the schema");
            if (!sqlite3_get_autocommit(s->db))
                sqlite3_exec(s->db, "ROLLBACK", NULL, NULL, NULL);
            return r;
        }
        version++;
    }
    if (version > target)
        return im_error(s->ctx, IM_ERR_DATA,
                        "%s: schema version %d is newer than this incimap (%d)",
                        s->path, version, target);
    return IM_OK;
}

void im_store_set_wait(im_store_t *s, int seconds)
{
    s->wait_ms = seconds > INT32_MAX / 1000 ? INT32_MAX : seconds * 1000;
    sqlite3_busy_timeout(s->db, s->wait_ms);
}

/* Turning a new store to WAL takes its exclusive lock.  When another
 * process is creating the same store at that moment, SQLite answers busy
 * at once, without its busy handler (waiting could deadlock the two), so
 * the switch is tried again for up to 10 s, the store's default wait. */
static int set_wal(sqlite3 *db)
{
    int rc = SQLITE_BUSY;
    for (int i = 0; i < 200 && rc == SQLITE_BUSY; i++) {
        if (i)
            nanosleep(&(struct timespec){0, 50 * 1000 * 1000}, NULL);
        rc = sqlite3_exec(db, "PRAGMA journal_mode = WAL", NULL, NULL, NULL);
    }
    return rc;
}

static void finalize_statements(im_store_t *s)
{
    sqlite3_stmt **all[] = {&s->find, &s->insert, &s->insert_new, &s->update,
                            &s->any, &s->insert_many, &s->max_id, &s->added};
    for (size_t i = 0; i < sizeof all / sizeof all[0]; i++) {
        sqlite3_finalize(*all[i]);
        *all[i] = NULL;
    }
}

/* Opens s->db on file, with the settings of a store at its path, or of a
 * staged one, and brings its schema up to date.  On failure s->db is
 * NULL and the message names the store's path. */
static im_status_t connect(im_store_t *s, const char *file, bool staged)
{
    im_status_t st = IM_OK;
    /* NOMUTEX: a store belongs to one thread (like the context), so
     * SQLite's per-call locking is pure cost on a million-row import. */
    if (sqlite3_open_v2(file, &s->db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE |
                                          SQLITE_OPEN_NOMUTEX,
                        NULL) != SQLITE_OK)
        st = im_error(s->ctx, IM_ERR_IO, "cannot open store '%s': %s", s->path,
                      s->db ? sqlite3_errmsg(s->db) : "out of memory");
    /* A second process importing waits rather than failing at once. */
    if (!st)
        sqlite3_busy_timeout(s->db, s->wait_ms);
    /* A staged store is seen by no other process and is thrown away if
     * anything fails, so it needs neither the log nor syncs (publishing
     * syncs it once).  Its journal is kept in memory all the same, so
     * that a failed import still rolls back to the empty store: it holds
     * only the few pages that existed when the run began. */
    if (!st && (staged ? sqlite3_exec(s->db, "PRAGMA journal_mode = MEMORY; "
                                             "PRAGMA synchronous = OFF",
                                      NULL, NULL, NULL) != SQLITE_OK
                       : set_wal(s->db) != SQLITE_OK ||
                             sqlite3_exec(s->db, "PRAGMA synchronous = NORMAL",
                                          NULL, NULL, NULL) != SQLITE_OK))
        st = im_error(s->ctx, IM_ERR_DATA, "%s: not an incimap store: %s",
                      s->path, sqlite3_errmsg(s->db));
    /* 64 MB of page cache in place: an import of a million rows there
     * otherwise spends its time re-reading index pages, and writes each
     * page it evicts to the log again every time it changes.  A staged
     * store writes evicted pages where they belong, and reads them back
     * from the kernel's cache, so 8 MB do: a million ACLED rows take the
     * same time with either, and the process half the memory. */
    if (!st && sqlite3_exec(s->db, staged ? "PRAGMA foreign_keys = ON; "
                                            "PRAGMA cache_size = -8192"
                                          : "PRAGMA foreign_keys = ON; "
                                            "PRAGMA cache_size = -65536",
                            NULL, NULL, NULL) != SQLITE_OK)
        st = im_error(s->ctx, IM_ERR_DATA, "%s: not an incimap store: %s",
                      s->path, sqlite3_errmsg(s->db));
    if (!st)
        st = migrate(s);
    if (st) {
        sqlite3_close(s->db);
        s->db = NULL;
    }
    return st;
}

im_status_t im_store_open(im_ctx_t *ctx, const char *path, im_store_t **out)
{
    *out = NULL;
    im_store_t *s = calloc(1, sizeof *s);
    if (!s || !(s->path = im_strdup(path))) {
        free(s);
        return im_error(ctx, IM_ERR_NOMEM, "out of memory");
    }
    s->ctx = ctx;
    s->wait_ms = 10000;
    s->stage.fd = -1;
    /* A store that does not exist yet is written beside its path; when
     * that cannot be done, it is created in place as any store is. */
    im_status_t st = IM_ERR_IO;
    if (im_stage_wanted(path) && im_stage_create(path, &s->stage)) {
        st = connect(s, s->stage.tmp, true);
        if (st)
            im_stage_discard(&s->stage);
    }
    if (st)
        st = connect(s, path, false);
    if (st) {
        im_store_free(s);
        return st;
    }
    *out = s;
    return IM_OK;
}

void im_store_free(im_store_t *s)
{
    if (!s)
        return;
    finalize_statements(s);
    totals_clear(&s->totals);
    free(s->fresh_source);
    free(s->known_source);
    sqlite3_close(s->db);
    /* A store never published (no import committed) leaves nothing. */
    im_stage_discard(&s->stage);
    free(s->path);
    free(s);
}

im_ctx_t *im_store_ctx(const im_store_t *s) { return s->ctx; }
sqlite3 *im_store_db(const im_store_t *s) { return s->db; }

static void now_utc(char *buf, size_t n)
{
    time_t t = time(NULL);
    struct tm tm;
    gmtime_r(&t, &tm);
    strftime(buf, n, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

#define PUT_CHUNK 16 /* records per multi-row insert */

static const char incident_columns[] =
    "source, source_id, date, date_precision, date_start, place, lat, lon,"
    " source_precision, precision, district_id, district, province,"
    " match_method, match_score, category, actor, target, killed, killed_high,"
    " injured, injured_high, notes, content_hash, run_id";

/* Runs one statement with its values bound, never spliced into the SQL:
 * types holds one letter per parameter, 't' for a string (NULL binds
 * NULL) and 'l' for a long.  An SQLite result code. */
static int run_bound(sqlite3 *db, const char *sql, const char *types, ...)
{
    sqlite3_stmt *st = NULL;
    int rc = sqlite3_prepare_v2(db, sql, -1, &st, NULL);
    va_list ap;
    va_start(ap, types);
    for (int i = 0; rc == SQLITE_OK && types[i]; i++) {
        if (types[i] == 't')
            rc = sqlite3_bind_text(st, i + 1, va_arg(ap, const char *), -1,
                                   SQLITE_TRANSIENT);
        else
            rc = sqlite3_bind_int64(st, i + 1, va_arg(ap, long));
    }
    va_end(ap);
    if (rc == SQLITE_OK && sqlite3_step(st) != SQLITE_DONE)
        rc = sqlite3_errcode(db);
    sqlite3_finalize(st);
    return rc;
}

static im_status_t prepare(im_store_t *s)
{
    if (s->find)
        return IM_OK;
    char sql[1024];
    snprintf(sql, sizeof sql,
             "INSERT INTO incidents(%s) VALUES(?1,?2,?3,?4,?5,?6,?7,?8,?9,?10,"
             "?11,?12,?13,?14,?15,?16,?17,?18,?19,?20,?21,?22,?23,?24,?25)",
             incident_columns);
    if (sqlite3_prepare_v2(s->db,
                           "SELECT id, content_hash, district_id, district,"
                           " province, killed, injured FROM incidents "
                           "WHERE source = ?1 AND source_id = ?2",
                           -1, &s->find, NULL) != SQLITE_OK ||
        sqlite3_prepare_v2(s->db, sql, -1, &s->insert, NULL) != SQLITE_OK)
        return db_fail(s, "cannot prepare statements");
    /* For records of a fresh source: a duplicate id (or any constraint)
     * makes this insert do nothing rather than abort, and the record then
     * takes the careful path.  A statement that cannot abort needs no
     * statement journal, which otherwise copies every page it touches. */
    snprintf(sql, sizeof sql,
             "INSERT OR IGNORE INTO incidents(%s) VALUES(?1,?2,?3,?4,?5,?6,?7,"
             "?8,?9,?10,?11,?12,?13,?14,?15,?16,?17,?18,?19,?20,?21,?22,?23,"
             "?24,?25)",
             incident_columns);
    if (sqlite3_prepare_v2(s->db, sql, -1, &s->insert_new, NULL) != SQLITE_OK)
        return db_fail(s, "cannot prepare statements");
    /* The same for PUT_CHUNK records at once. */
    size_t cap = 256 + PUT_CHUNK * 25 * 6;
    char *many = malloc(cap);
    if (!many)
        return im_error(s->ctx, IM_ERR_NOMEM, "out of memory");
    size_t o = (size_t)snprintf(many, cap, "INSERT OR IGNORE INTO incidents(%s) VALUES",
                                incident_columns);
    for (int k = 0; k < PUT_CHUNK; k++)
        for (int i = 1; i <= 25; i++)
            o += (size_t)snprintf(many + o, cap - o, "%s?%d%s",
                                  i > 1 ? "," : k ? ",(" : "(", 25 * k + i,
                                  i == 25 ? ")" : "");
    int rc = sqlite3_prepare_v2(s->db, many, -1, &s->insert_many, NULL);
    free(many);
    if (rc != SQLITE_OK ||
        sqlite3_prepare_v2(s->db, "SELECT max(id) FROM incidents", -1,
                           &s->max_id, NULL) != SQLITE_OK ||
        sqlite3_prepare_v2(s->db, "SELECT source, source_id FROM incidents"
                                  " WHERE id > ?1 ORDER BY id", -1,
                           &s->added, NULL) != SQLITE_OK)
        return db_fail(s, "cannot prepare statements");
    snprintf(sql, sizeof sql,
             "UPDATE incidents SET (%s) = (?1,?2,?3,?4,?5,?6,?7,?8,?9,?10,?11,"
             "?12,?13,?14,?15,?16,?17,?18,?19,?20,?21,?22,?23,?24,?25) "
             "WHERE id = ?26",
             incident_columns);
    if (sqlite3_prepare_v2(s->db, sql, -1, &s->update, NULL) != SQLITE_OK ||
        sqlite3_prepare_v2(s->db, "SELECT 1 FROM incidents WHERE source = ?1 "
                                  "LIMIT 1", -1, &s->any, NULL) != SQLITE_OK)
        return db_fail(s, "cannot prepare statements");
    return IM_OK;
}

im_status_t im_store_begin_run(im_store_t *s, const char *file,
                               const char *sha256, const char *format,
                               long *out_run_id)
{
    if (s->orphaned)
        return im_error(s->ctx, IM_ERR_IO,
                        "%s: the store was created but could not be opened "
                        "again; open it anew to import into it", s->path);
    im_status_t st = prepare(s);
    if (st)
        return st;
    /* Foreign keys are checked at the commit rather than per statement,
     * which would otherwise make every insert able to abort half-done
     * (and so keep a statement journal); the pragma ends with the
     * transaction.  The CHECK on date_precision is made by check_record
     * instead of SQLite for the run's length: SQLite evaluates its IN list
     * through a temporary b-tree per row, which it clears (a 4 KiB
     * memset, as Debian builds SQLite with secure deletion) for each
     * record: a third of the store thread's instructions. */
    if (sqlite3_exec(s->db, "BEGIN IMMEDIATE; PRAGMA defer_foreign_keys = ON;"
                            " PRAGMA ignore_check_constraints = ON",
                     NULL, NULL, NULL) != SQLITE_OK) {
        im_status_t st = db_fail(s, "cannot start the import");
        if (!sqlite3_get_autocommit(s->db))
            sqlite3_exec(s->db, "ROLLBACK", NULL, NULL, NULL);
        return st;
    }
    char when[32];
    now_utc(when, sizeof when);
    int rc = run_bound(s->db, "INSERT INTO import_runs(file, sha256, format, "
                              "started_at) VALUES(?, ?, ?, ?)",
                       "tttt", file, sha256 ? sha256 : "", format, when);
    if (rc != SQLITE_OK) {
        st = db_fail(s, "cannot record the import");
        sqlite3_exec(s->db, "ROLLBACK", NULL, NULL, NULL);
        return st;
    }
    *out_run_id = (long)sqlite3_last_insert_rowid(s->db);
    /* Into an empty store, building the secondary indexes once at the end
     * is much cheaper than keeping them up to date row by row; it happens
     * inside the same transaction, so a failure still leaves nothing. */
    sqlite3_stmt *q = NULL;
    s->rebuild_indexes = false;
    if (sqlite3_prepare_v2(s->db, "SELECT 1 FROM incidents LIMIT 1", -1, &q,
                           NULL) == SQLITE_OK &&
        sqlite3_step(q) == SQLITE_DONE)
        s->rebuild_indexes =
            sqlite3_exec(s->db, "DROP INDEX incidents_date;", NULL, NULL,
                         NULL) == SQLITE_OK;
    sqlite3_finalize(q);
    free(s->fresh_source);
    free(s->known_source);
    s->fresh_source = s->known_source = NULL;
    totals_clear(&s->totals);
    return IM_OK;
}

/* Whether source had no records when this run began.  A first import of a
 * source can insert without looking each record up first, which halves
 * the index work; a duplicate id inside the file still ends in the
 * lookup path through the UNIQUE constraint. */
static bool source_is_fresh(im_store_t *s, const char *source)
{
    if (s->fresh_source && strcmp(s->fresh_source, source) == 0)
        return true;
    if (s->known_source && strcmp(s->known_source, source) == 0)
        return false;
    sqlite3_reset(s->any);
    sqlite3_bind_text(s->any, 1, source, -1, SQLITE_TRANSIENT);
    bool fresh = sqlite3_step(s->any) == SQLITE_DONE;
    sqlite3_reset(s->any);
    char **slot = fresh ? &s->fresh_source : &s->known_source;
    free(*slot);
    *slot = im_strdup(source);
    return fresh;
}

/* Record strings outlive the statement's step (they belong to the
 * caller's row), so SQLite need not copy them. */
static void bind_text(sqlite3_stmt *st, int i, const char *v)
{
    if (v && *v)
        sqlite3_bind_text(st, i, v, -1, SQLITE_STATIC);
    else
        sqlite3_bind_null(st, i);
}

static void bind_count(sqlite3_stmt *st, int i, long v)
{
    if (v >= 0)
        sqlite3_bind_int64(st, i, v);
    else
        sqlite3_bind_null(st, i);
}

/* A digest of everything the record says, so a re-import can tell an
 * unchanged record from an updated one without comparing column by
 * column.  FNV-1a over the fields with separators; collisions would only
 * make a changed record look unchanged, at odds of 2^-64. */
void im_store_record_hash(const im_record_t *r, char out[17])
{
    uint64_t h = 1469598103934665603u;
    const char *f[] = {r->date, r->date_precision, r->place, r->source_precision,
                       r->district_id, r->province, r->match_method,
                       r->category, r->actor, r->target, r->notes};
    for (size_t i = 0; i < sizeof f / sizeof f[0]; i++) {
        for (const char *p = f[i] ? f[i] : ""; *p; p++)
            h = (h ^ (unsigned char)*p) * 1099511628211u;
        h = (h ^ 0x1e) * 1099511628211u;
    }
    /* Numbers by their bytes: formatting them costs more than the rest. */
    double pt[2] = {r->has_point ? r->lat_deg : 0, r->has_point ? r->lon_deg : 0};
    long v[6] = {r->killed, r->killed_high, r->injured, r->injured_high,
                 r->has_point, r->precision};
    unsigned char bytes[sizeof pt + sizeof v];
    memcpy(bytes, pt, sizeof pt);
    memcpy(bytes + sizeof pt, v, sizeof v);
    for (size_t i = 0; i < sizeof bytes; i++)
        h = (h ^ bytes[i]) * 1099511628211u;
    for (int i = 15; i >= 0; i--, h >>= 4)
        out[i] = "0123456789abcdef"[h & 15];
    out[16] = '\0';
}

/* Binds r to parameters base + 1 ... base + 25 (a multi-row insert
 * binds its k-th record at base 25 k). */
static void bind_record_at(sqlite3_stmt *st, int base, const im_record_t *r,
                           const char *hash, long run_id)
{
    bind_text(st, base + 1, r->source);
    bind_text(st, base + 2, r->source_id);
    bind_text(st, base + 3, r->date);
    bind_text(st, base + 4, r->date_precision);
    bind_text(st, base + 5, r->date_start);
    bind_text(st, base + 6, r->place);
    if (r->has_point) {
        sqlite3_bind_double(st, base + 7, r->lat_deg);
        sqlite3_bind_double(st, base + 8, r->lon_deg);
    } else {
        sqlite3_bind_null(st, base + 7);
        sqlite3_bind_null(st, base + 8);
    }
    bind_text(st, base + 9, r->source_precision);
    if (r->precision > 0)
        sqlite3_bind_int(st, base + 10, r->precision);
    else
        sqlite3_bind_null(st, base + 10);
    bind_text(st, base + 11, r->district_id);
    bind_text(st, base + 12, r->district);
    bind_text(st, base + 13, r->province);
    bind_text(st, base + 14, r->match_method);
    sqlite3_bind_double(st, base + 15, r->match_score);
    bind_text(st, base + 16, r->category);
    bind_text(st, base + 17, r->actor);
    bind_text(st, base + 18, r->target);
    bind_count(st, base + 19, r->killed);
    bind_count(st, base + 20, r->killed_high);
    bind_count(st, base + 21, r->injured);
    bind_count(st, base + 22, r->injured_high);
    bind_text(st, base + 23, r->notes);
    sqlite3_bind_text(st, base + 24, hash, 16, SQLITE_STATIC);
    sqlite3_bind_int64(st, base + 25, run_id);
}

static void bind_record(sqlite3_stmt *st, const im_record_t *r,
                        const char *hash, long run_id)
{
    bind_record_at(st, 0, r, hash, run_id);
}

static const char *put_careful(im_store_t *s, long run_id,
                               const im_record_t *r, const char *hash,
                               im_upsert_t *out);

/* The schema's CHECK constraints, which SQLite skips during a run (see
 * im_store_begin_run): NULL when rec may be stored, else what is wrong. */
static const char *check_record(const im_record_t *r)
{
    const char *p = r->date_precision;
    if (p && *p && strcmp(p, "day") && strcmp(p, "month") && strcmp(p, "year"))
        return "cannot store an incident: date precision is not day, month"
               " or year";
    return NULL;
}

/* SQLite checks the constraints again once a run is over.  Should the
 * pragma fail (out of memory), only the store's own inserts could miss
 * the check, and check_record makes it for them. */
static void checks_on(im_store_t *s)
{
    sqlite3_exec(s->db, "PRAGMA ignore_check_constraints = OFF", NULL, NULL,
                 NULL);
}

/* The upsert proper.  It records no message, so that it can run on a
 * thread other than the context's; returns NULL or what failed. */
const char *im_store_put(im_store_t *s, long run_id, const im_record_t *r,
                         im_upsert_t *out)
{
    const char *bad = check_record(r);
    if (bad)
        return bad;
    char own[17];
    const char *hash = r->content_hash;
    if (!hash[0]) {
        im_store_record_hash(r, own);
        hash = own;
    }
    if (source_is_fresh(s, r->source)) {
        /* Unlike the batch's multi-row insert below, one row's outcome is
         * told by the count of changes alone. */
        sqlite3_reset(s->insert_new);
        bind_record(s->insert_new, r, hash, run_id);
        int rc = sqlite3_step(s->insert_new);
        sqlite3_reset(s->insert_new);
        if (rc == SQLITE_DONE && sqlite3_changes(s->db) == 1) {
            totals_add(&s->totals, r->district_id, r->district, r->province, 1,
                       r->killed, r->injured);
            *out = IM_UPSERT_INSERTED;
            return NULL;
        }
        if (rc != SQLITE_DONE)
            return "cannot insert an incident";
    }
    return put_careful(s, run_id, r, hash, out);
}

/* Looks the record up by source and id: unchanged, updated, or inserted
 * (where a constraint failure is an error, with SQLite's message). */
static const char *put_careful(im_store_t *s, long run_id,
                               const im_record_t *r, const char *hash,
                               im_upsert_t *out)
{
    sqlite3_reset(s->find);
    sqlite3_bind_text(s->find, 1, r->source, -1, SQLITE_STATIC);
    sqlite3_bind_text(s->find, 2, r->source_id, -1, SQLITE_STATIC);
    int rc = sqlite3_step(s->find);
    if (rc == SQLITE_ROW) {
        long long id = sqlite3_column_int64(s->find, 0);
        const char *old = (const char *)sqlite3_column_text(s->find, 1);
        if (old && strcmp(old, hash) == 0) {
            *out = IM_UPSERT_UNCHANGED;
            sqlite3_reset(s->find);
            return NULL;
        }
        totals_add(&s->totals, (const char *)sqlite3_column_text(s->find, 2),
                   (const char *)sqlite3_column_text(s->find, 3),
                   (const char *)sqlite3_column_text(s->find, 4), -1,
                   sqlite3_column_type(s->find, 5) == SQLITE_NULL
                       ? -1 : (long)sqlite3_column_int64(s->find, 5),
                   sqlite3_column_type(s->find, 6) == SQLITE_NULL
                       ? -1 : (long)sqlite3_column_int64(s->find, 6));
        sqlite3_reset(s->find);
        sqlite3_reset(s->update);
        bind_record(s->update, r, hash, run_id);
        sqlite3_bind_int64(s->update, 26, id);
        if (sqlite3_step(s->update) != SQLITE_DONE)
            return "cannot update an incident";
        totals_add(&s->totals, r->district_id, r->district, r->province, 1,
                   r->killed, r->injured);
        *out = IM_UPSERT_UPDATED;
        return NULL;
    }
    sqlite3_reset(s->find);
    if (rc != SQLITE_DONE)
        return "cannot look up an incident";
    sqlite3_reset(s->insert);
    bind_record(s->insert, r, hash, run_id);
    if (sqlite3_step(s->insert) != SQLITE_DONE)
        return "cannot insert an incident";
    totals_add(&s->totals, r->district_id, r->district, r->province, 1,
               r->killed, r->injured);
    *out = IM_UPSERT_INSERTED;
    return NULL;
}

static const char *record_hash_of(const im_record_t *r, char own[17])
{
    if (r->content_hash[0])
        return r->content_hash;
    im_store_record_hash(r, own);
    return own;
}

static bool same_text(const char *a, const char *b)
{
    return strcmp(a ? a : "", b ? b : "") == 0;
}

/* Inserts n (<= PUT_CHUNK) records of fresh sources with one statement:
 * a million single-row inserts spend more than half their time starting
 * and ending statements.  OR IGNORE skips a record that collides (an id
 * repeated in the file) or breaks a constraint; when fewer than n rows
 * went in, the rows this statement added are read back in order to tell
 * which records were skipped, and those take the careful path, in the
 * file's order. */
static const char *put_chunk(im_store_t *s, long run_id, const im_record_t *r,
                             int n, long counts[3])
{
    char own[PUT_CHUNK][17];
    if (n < PUT_CHUNK) {
        for (int i = 0; i < n; i++) {
            im_upsert_t u;
            const char *what = im_store_put(s, run_id, &r[i], &u);
            if (what)
                return what;
            counts[u]++;
        }
        return NULL;
    }
    /* Without the last id before the insert, the rows it added could not
     * be told from older ones. */
    long long before = 0;
    sqlite3_reset(s->max_id);
    int mrc = sqlite3_step(s->max_id);
    if (mrc == SQLITE_ROW)
        before = sqlite3_column_int64(s->max_id, 0);
    sqlite3_reset(s->max_id);
    if (mrc != SQLITE_ROW)
        return "cannot look up incidents";
    sqlite3_reset(s->insert_many);
    for (int i = 0; i < n; i++)
        bind_record_at(s->insert_many, 25 * i, &r[i], record_hash_of(&r[i], own[i]),
                       run_id);
    int rc = sqlite3_step(s->insert_many);
    sqlite3_reset(s->insert_many);
    if (rc != SQLITE_DONE)
        return "cannot insert incidents";
    bool all = sqlite3_changes(s->db) == n;
    bool added[PUT_CHUNK];
    for (int i = 0; i < n; i++)
        added[i] = all;
    if (!all) {
        sqlite3_reset(s->added);
        sqlite3_bind_int64(s->added, 1, before);
        int i = 0;
        while ((rc = sqlite3_step(s->added)) == SQLITE_ROW) {
            const char *src = (const char *)sqlite3_column_text(s->added, 0);
            const char *id = (const char *)sqlite3_column_text(s->added, 1);
            while (i < n && !(same_text(src, r[i].source) &&
                              same_text(id, r[i].source_id)))
                i++;
            if (i < n)
                added[i++] = true;
        }
        sqlite3_reset(s->added);
        if (rc != SQLITE_DONE)
            return "cannot look up incidents";
    }
    for (int i = 0; i < n; i++) {
        if (added[i]) {
            totals_add(&s->totals, r[i].district_id, r[i].district,
                       r[i].province, 1, r[i].killed, r[i].injured);
            counts[IM_UPSERT_INSERTED]++;
            continue;
        }
        im_upsert_t u;
        const char *what = put_careful(s, run_id, &r[i],
                                       record_hash_of(&r[i], own[i]), &u);
        if (what)
            return what;
        counts[u]++;
    }
    return NULL;
}

const char *im_store_put_batch(im_store_t *s, long run_id,
                               const im_record_t *r, int n, long counts[3])
{
    for (int k = 0; k < n; k++) {
        const char *bad = check_record(&r[k]);
        if (bad)
            return bad;
    }
    int i = 0;
    while (i < n) {
        /* The longest run of records of fresh sources from i. */
        int k = 0;
        while (i + k < n && k < PUT_CHUNK && source_is_fresh(s, r[i + k].source))
            k++;
        const char *what;
        if (k == 0) {
            im_upsert_t u;
            what = im_store_put(s, run_id, &r[i], &u);
            if (!what)
                counts[u]++;
            k = 1;
        } else {
            what = put_chunk(s, run_id, &r[i], k, counts);
        }
        if (what)
            return what;
        i += k;
    }
    return NULL;
}

im_status_t im_store_fail(im_store_t *s, const char *what)
{
    return db_fail(s, what);
}

im_status_t im_store_upsert(im_store_t *s, long run_id, const im_record_t *r,
                            im_upsert_t *out)
{
    const char *what = im_store_put(s, run_id, r, out);
    return what ? db_fail(s, what) : IM_OK;
}

/* Moves a staged store whose first run has committed to its path, and
 * reopens it there.  *again when another process created the store
 * meanwhile: this run is then not in it and must be made again, which
 * the handle, now open on that store, is ready for. */
static im_status_t publish(im_store_t *s, bool *again)
{
    /* The data is on disk before the name points at it, so that a crash
     * can never leave a store that is there but incomplete. */
    int err = im_stage_sync(&s->stage);
    if (err) {
        /* The staged connection still holds the run, which is nowhere
         * else, and cannot be rolled back now. */
        im_stage_discard(&s->stage);
        s->orphaned = true;
        return im_error(s->ctx, IM_ERR_IO, "cannot write store '%s': %s",
                        s->path, strerror(err));
    }
    /* When link() fails, the path is taken (EEXIST) or cannot be linked
     * to (a file system without hard links, a staged file removed by
     * another machine's sweep): the run is made again into the store at
     * the path, as for any existing store. */
    bool linked = im_stage_link(&s->stage, s->path) == 0;
    sqlite3 *staged = s->db;
    s->db = NULL;
    finalize_statements(s);
    im_status_t st = connect(s, s->path, false);
    if (st) {
        /* Published, the store is whole and only this handle cannot go on
         * writing to it; unpublished, the run is lost: a failure. */
        s->db = staged;
        s->orphaned = true;
        return linked ? IM_OK : st;
    }
    sqlite3_close(staged);
    *again = !linked;
    return IM_OK;
}

im_status_t im_store_finish_run(im_store_t *s, long run_id,
                                const char *sha256,
                                const im_import_report_t *r, bool *again)
{
    *again = false;
    char when[32];
    now_utc(when, sizeof when);
    int rc = run_bound(s->db,
                       "UPDATE import_runs SET sha256 = coalesce(?, sha256),"
                       " finished_at = ?, rows = ?, inserted = ?, updated = ?,"
                       " unchanged = ?, rejected = ?, skipped = ? WHERE id = ?",
                       "ttlllllll", sha256, when, r->rows, r->inserted,
                       r->updated, r->unchanged, r->rejected, r->skipped, run_id);
    if (rc == SQLITE_OK)
        rc = totals_write(s);
    if (rc == SQLITE_OK && s->rebuild_indexes)
        rc = sqlite3_exec(s->db, index_sql, NULL, NULL, NULL);
    if (rc == SQLITE_OK)
        rc = sqlite3_exec(s->db, "COMMIT", NULL, NULL, NULL);
    if (rc != SQLITE_OK) {
        im_status_t st = db_fail(s, "cannot commit the import");
        im_store_abort_run(s);
        return st;
    }
    checks_on(s);
    return s->stage.fd >= 0 ? publish(s, again) : IM_OK;
}

void im_store_abort_run(im_store_t *s)
{
    sqlite3_reset(s->find);
    sqlite3_reset(s->insert);
    sqlite3_reset(s->insert_new);
    sqlite3_reset(s->insert_many);
    sqlite3_reset(s->max_id);
    sqlite3_reset(s->added);
    sqlite3_reset(s->update);
    if (!sqlite3_get_autocommit(s->db))
        sqlite3_exec(s->db, "ROLLBACK", NULL, NULL, NULL);
    checks_on(s);
    totals_clear(&s->totals);
}

char *im_store_where(const im_filter_t *f)
{
    /* Only fixed text goes into the SQL; the filter's values are bound by
     * im_store_bind_filter, so nothing a user types is ever parsed as SQL. */
    char *w = sqlite3_mprintf("%s", "");
    if (!f || !w)
        return w;
    if (f->province) {
        char *n = sqlite3_mprintf("%s AND province = :province", w);
        sqlite3_free(w);
        w = n;
    }
    /* Dates compare as text: "2016" <= "2016-08-08" < "2016-9".  The
     * upper bound is padded so that "--to 2016" takes all of 2016. */
    if (f->from && w) {
        char *n = sqlite3_mprintf("%s AND date_start >= :from", w);
        sqlite3_free(w);
        w = n;
    }
    if (f->to && w) {
        char *n = sqlite3_mprintf("%s AND date_start <= :to || '-99'", w);
        sqlite3_free(w);
        w = n;
    }
    if (f->min_precision > 0 && w) {
        char *n = sqlite3_mprintf("%s AND precision IS NOT NULL AND "
                                  "precision <= :min_precision", w);
        sqlite3_free(w);
        w = n;
    }
    return w;
}

int im_store_bind_filter(struct sqlite3_stmt *st, const im_filter_t *f)
{
    if (!f)
        return SQLITE_OK;
    const struct {
        const char *name, *text;
    } texts[] = {{":province", f->province}, {":from", f->from}, {":to", f->to}};
    int rc = SQLITE_OK;
    for (size_t i = 0; i < sizeof texts / sizeof texts[0] && rc == SQLITE_OK; i++) {
        int at = sqlite3_bind_parameter_index(st, texts[i].name);
        if (at > 0 && texts[i].text)
            rc = sqlite3_bind_text(st, at, texts[i].text, -1, SQLITE_TRANSIENT);
    }
    int at = sqlite3_bind_parameter_index(st, ":min_precision");
    if (rc == SQLITE_OK && at > 0)
        rc = sqlite3_bind_int(st, at, f->min_precision);
    return rc;
}

im_status_t im_store_stats(im_store_t *s, im_group_t by, const im_filter_t *f,
                           im_stats_fn fn, void *user)
{
    static const char *const key[] = {
        "district", "province", "substr(date_start, 1, 4)",
        "substr(date_start, 1, 7)", "category"};
    static const char *const order[] = {
        "incidents DESC, k", "incidents DESC, k", "k", "k", "incidents DESC, k"};
    /* Counts per district and province are kept by the imports: they
     * answer by district or province, for all or one province, when no
     * other filter applies. */
    bool kept = (by == IM_BY_DISTRICT || by == IM_BY_PROVINCE) &&
                (!f || (!f->from && !f->to && f->min_precision <= 0));
    char *where = im_store_where(f);
    if (!where)
        return im_error(s->ctx, IM_ERR_NOMEM, "out of memory");
    /* Districts group by id, so that one district under two spellings
     * stays one row; the province rides along. */
    char *sql = sqlite3_mprintf(
        "SELECT %s AS k, %s, count(*) AS incidents, total(killed), "
        "total(injured) FROM incidents WHERE 1 %s GROUP BY %s ORDER BY %s",
        /* Bare columns: SQLite takes them from a row of the group, and a
         * district id has one name and province; min() would compare
         * strings a million times. */
        /* Incidents without a district (unmatched, ambiguous) are one
         * row with no name: the name of an ambiguous one is not theirs. */
        by == IM_BY_DISTRICT
            ? "CASE WHEN district_id IS NULL THEN NULL ELSE district END"
            : key[by],
        by == IM_BY_DISTRICT ? "province" : "NULL", where,
        by == IM_BY_DISTRICT ? "district_id" : "k", order[by]);
    sqlite3_free(where);
    if (kept && sql) {
        sqlite3_free(sql);
        char *only = f && f->province
                         ? sqlite3_mprintf("WHERE province = :province")
                         : sqlite3_mprintf("%s", "");
        sql = only ? sqlite3_mprintf(
                         "SELECT %s AS k, %s, sum(incidents) AS incidents,"
                         " sum(killed), sum(injured) FROM district_totals %s"
                         " GROUP BY %s ORDER BY %s",
                         by == IM_BY_DISTRICT
                             ? "CASE WHEN district_id = '' THEN NULL"
                               " ELSE district END"
                             : "nullif(province, '')",
                         by == IM_BY_DISTRICT ? "nullif(province, '')" : "NULL",
                         only, by == IM_BY_DISTRICT ? "district_id" : "province",
                         order[by])
                   : NULL;
        sqlite3_free(only);
    }
    sqlite3_stmt *st = NULL;
    if (!sql || sqlite3_prepare_v2(s->db, sql, -1, &st, NULL) != SQLITE_OK ||
        im_store_bind_filter(st, f) != SQLITE_OK) {
        sqlite3_free(sql);
        sqlite3_finalize(st);
        return db_fail(s, "cannot query statistics");
    }
    sqlite3_free(sql);
    int rc;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW)
        fn(user, (const char *)sqlite3_column_text(st, 0),
           (const char *)sqlite3_column_text(st, 1),
           (long)sqlite3_column_int64(st, 2), (long)sqlite3_column_double(st, 3),
           (long)sqlite3_column_double(st, 4));
    sqlite3_finalize(st);
    return rc == SQLITE_DONE ? IM_OK : db_fail(s, "cannot query statistics");
}
