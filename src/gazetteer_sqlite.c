/*
 * gazetteer_sqlite.c: the gazetteer compiled into SQLite.  The CSV files
 * stay the source that people edit; the build compiles them, which checks
 * every reference once, and gives other tools (and the incident store) a
 * table of normalised names they can join against.
 */
#include "context.h"
#include "gazetteer.h"

#include <sqlite3.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

static const char schema[] =
    "PRAGMA user_version = 2;"
    "CREATE TABLE districts(id TEXT PRIMARY KEY, name TEXT NOT NULL,"
    " province TEXT NOT NULL, hq TEXT, hq_lon REAL, hq_lat REAL,"
    " status TEXT, created TEXT, parent TEXT REFERENCES districts(id),"
    " name_ur TEXT, population_2017 INTEGER, population_2023 INTEGER);"
    "CREATE TABLE names(key TEXT NOT NULL, district_id TEXT NOT NULL"
    " REFERENCES districts(id), kind TEXT NOT NULL"
    " CHECK (kind IN ('name','alias','place')), lon REAL, lat REAL);"
    "CREATE INDEX names_key ON names(key);"
    "CREATE TABLE divisions(name TEXT PRIMARY KEY, province TEXT NOT NULL,"
    " districts TEXT NOT NULL);"
    "CREATE TABLE provinces(name TEXT NOT NULL, key TEXT NOT NULL,"
    " division TEXT REFERENCES divisions(name));";

static im_status_t db_error(im_ctx_t *ctx, sqlite3 *db, const char *path)
{
    return im_error(ctx, IM_ERR_LIB, "%s: SQLite: %s", path,
                    db ? sqlite3_errmsg(db) : "cannot open");
}

static void bind_text_or_null(sqlite3_stmt *st, int i, const char *s)
{
    if (s && *s)
        sqlite3_bind_text(st, i, s, -1, SQLITE_STATIC);
    else
        sqlite3_bind_null(st, i);
}

static int write_all(sqlite3 *db, const im_gazetteer_t *g)
{
    sqlite3_stmt *d = NULL, *n = NULL, *p = NULL, *v = NULL;
    int rc = sqlite3_exec(db, schema, NULL, NULL, NULL);
    if (rc == SQLITE_OK)
        rc = sqlite3_prepare_v2(db, "INSERT INTO districts VALUES(?,?,?,?,?,?,?,?,?,?,?,?)",
                                -1, &d, NULL);
    if (rc == SQLITE_OK)
        rc = sqlite3_prepare_v2(db, "INSERT INTO names VALUES(?,?,?,?,?)", -1,
                                &n, NULL);
    if (rc == SQLITE_OK)
        rc = sqlite3_prepare_v2(db, "INSERT INTO provinces VALUES(?,?,?)", -1,
                                &p, NULL);
    if (rc == SQLITE_OK)
        rc = sqlite3_prepare_v2(db, "INSERT INTO divisions VALUES(?,?,?)", -1,
                                &v, NULL);
    for (size_t i = 0; rc == SQLITE_OK && i < im_gazetteer_count(g); i++) {
        im_district_info_t x;
        im_gazetteer_info(g, i, &x);
        sqlite3_reset(d);
        bind_text_or_null(d, 1, x.id);
        bind_text_or_null(d, 2, x.name);
        bind_text_or_null(d, 3, x.province);
        bind_text_or_null(d, 4, x.hq);
        if (x.has_hq) {
            sqlite3_bind_double(d, 5, x.hq_lon_deg);
            sqlite3_bind_double(d, 6, x.hq_lat_deg);
        } else {
            sqlite3_bind_null(d, 5);
            sqlite3_bind_null(d, 6);
        }
        bind_text_or_null(d, 7, x.status);
        bind_text_or_null(d, 8, x.created);
        bind_text_or_null(d, 9, x.parent);
        bind_text_or_null(d, 10, x.name_ur);
        sqlite3_bind_int64(d, 11, x.population_2017);
        sqlite3_bind_int64(d, 12, x.population_2023);
        rc = sqlite3_step(d) == SQLITE_DONE ? SQLITE_OK : SQLITE_ERROR;
    }
    static const char *const kinds[] = {"", "name", "alias", "place"};
    for (size_t i = 0; rc == SQLITE_OK && i < im_gazetteer_entry_count(g); i++) {
        const char *key, *id;
        im_match_method_t kind;
        double lon, lat;
        im_gazetteer_entry(g, i, &key, &id, &kind);
        bool pt = im_gazetteer_entry_point(g, i, &lon, &lat);
        sqlite3_reset(n);
        bind_text_or_null(n, 1, key);
        bind_text_or_null(n, 2, id);
        bind_text_or_null(n, 3, kinds[kind <= IM_MATCH_PLACE ? kind : 0]);
        if (pt) {
            sqlite3_bind_double(n, 4, lon);
            sqlite3_bind_double(n, 5, lat);
        } else {
            sqlite3_bind_null(n, 4);
            sqlite3_bind_null(n, 5);
        }
        rc = sqlite3_step(n) == SQLITE_DONE ? SQLITE_OK : SQLITE_ERROR;
    }
    for (size_t i = 0; rc == SQLITE_OK && i < im_gazetteer_division_count(g); i++) {
        const char *name, *province;
        char ids[4096];
        if (!im_gazetteer_division(g, i, &name, &province, ids, sizeof ids))
            rc = SQLITE_TOOBIG;
        sqlite3_reset(v);
        bind_text_or_null(v, 1, name);
        bind_text_or_null(v, 2, province);
        bind_text_or_null(v, 3, ids);
        if (rc == SQLITE_OK)
            rc = sqlite3_step(v) == SQLITE_DONE ? SQLITE_OK : SQLITE_ERROR;
    }
    for (size_t i = 0; rc == SQLITE_OK && i < im_gazetteer_province_count(g); i++) {
        const char *name, *key, *division;
        im_gazetteer_province_key(g, i, &name, &key, &division);
        sqlite3_reset(p);
        bind_text_or_null(p, 1, name);
        bind_text_or_null(p, 2, key);
        bind_text_or_null(p, 3, division);
        rc = sqlite3_step(p) == SQLITE_DONE ? SQLITE_OK : SQLITE_ERROR;
    }
    sqlite3_finalize(d);
    sqlite3_finalize(n);
    sqlite3_finalize(p);
    sqlite3_finalize(v);
    return rc;
}

im_status_t im_gazetteer_save(im_ctx_t *ctx, const im_gazetteer_t *g,
                              const char *path)
{
    char tmp[4096];
    snprintf(tmp, sizeof tmp, "%s.%ld.tmp", path, (long)getpid());
    unlink(tmp);
    sqlite3 *db = NULL;
    im_status_t st = IM_OK;
    if (sqlite3_open(tmp, &db) != SQLITE_OK ||
        sqlite3_exec(db, "BEGIN", NULL, NULL, NULL) != SQLITE_OK ||
        write_all(db, g) != SQLITE_OK ||
        sqlite3_exec(db, "COMMIT", NULL, NULL, NULL) != SQLITE_OK)
        st = db_error(ctx, db, path);
    if (sqlite3_close(db) != SQLITE_OK && !st)
        st = im_error(ctx, IM_ERR_LIB, "%s: SQLite: cannot close", path);
    if (!st && rename(tmp, path))
        st = im_error(ctx, IM_ERR_IO, "cannot write '%s'", path);
    if (st)
        unlink(tmp);
    return st;
}

static const char *col_text(sqlite3_stmt *s, int i)
{
    const unsigned char *t = sqlite3_column_text(s, i);
    return t ? (const char *)t : "";
}

static int read_all(sqlite3 *db, im_gazetteer_t *g)
{
    sqlite3_stmt *s = NULL;
    int rc = sqlite3_prepare_v2(db, "SELECT id,name,province,hq,hq_lon,hq_lat,"
                                    "status,created,parent,name_ur,"
                                    "population_2017,population_2023 "
                                    "FROM districts",
                                -1, &s, NULL);
    while (rc == SQLITE_OK && sqlite3_step(s) == SQLITE_ROW) {
        im_district_info_t x = {
            col_text(s, 0), col_text(s, 1), col_text(s, 2), col_text(s, 3),
            col_text(s, 6), col_text(s, 7), col_text(s, 8),
            sqlite3_column_type(s, 4) != SQLITE_NULL,
            sqlite3_column_double(s, 4), sqlite3_column_double(s, 5),
            col_text(s, 9), (long)sqlite3_column_int64(s, 10),
            (long)sqlite3_column_int64(s, 11)};
        if (im_gazetteer_push_district(g, &x))
            rc = SQLITE_NOMEM;
    }
    sqlite3_finalize(s);
    im_gazetteer_index_districts(g);
    if (rc == SQLITE_OK)
        rc = sqlite3_prepare_v2(db, "SELECT key,district_id,kind,lon,lat FROM names",
                                -1, &s, NULL);
    while (rc == SQLITE_OK && sqlite3_step(s) == SQLITE_ROW) {
        const char *kind = col_text(s, 2);
        im_match_method_t k = !strcmp(kind, "name") ? IM_MATCH_EXACT
                            : !strcmp(kind, "alias") ? IM_MATCH_ALIAS
                                                     : IM_MATCH_PLACE;
        if (im_gazetteer_push_name(g, col_text(s, 0), col_text(s, 1), k,
                                   sqlite3_column_type(s, 3) != SQLITE_NULL,
                                   sqlite3_column_double(s, 3),
                                   sqlite3_column_double(s, 4)))
            rc = SQLITE_CORRUPT;
    }
    if (rc == SQLITE_OK) {
        sqlite3_finalize(s);
        rc = sqlite3_prepare_v2(db, "SELECT name,province,districts FROM "
                                    "divisions ORDER BY rowid",
                                -1, &s, NULL);
    }
    while (rc == SQLITE_OK && sqlite3_step(s) == SQLITE_ROW)
        if (im_gazetteer_push_division(g, col_text(s, 0), col_text(s, 1),
                                       col_text(s, 2)))
            rc = SQLITE_CORRUPT;
    if (rc == SQLITE_OK) {
        sqlite3_finalize(s);
        rc = sqlite3_prepare_v2(db, "SELECT name,key,division FROM provinces "
                                    "ORDER BY rowid",
                                -1, &s, NULL);
    }
    while (rc == SQLITE_OK && sqlite3_step(s) == SQLITE_ROW) {
        int bad = sqlite3_column_type(s, 2) == SQLITE_NULL
                      ? im_gazetteer_push_province(g, col_text(s, 0),
                                                   col_text(s, 1))
                      : im_gazetteer_push_division_key(g, col_text(s, 2),
                                                       col_text(s, 1));
        if (bad)
            rc = bad == -1 ? SQLITE_NOMEM : SQLITE_CORRUPT;
    }
    sqlite3_finalize(s);
    if (rc == SQLITE_OK && im_gazetteer_index_names(g))
        rc = SQLITE_NOMEM;
    return rc;
}

im_status_t im_gazetteer_load_sqlite(im_ctx_t *ctx, const char *path,
                                     im_gazetteer_t **out)
{
    *out = NULL;
    sqlite3 *db = NULL;
    im_gazetteer_t *g = im_gazetteer_alloc();
    if (!g)
        return im_error(ctx, IM_ERR_NOMEM, "out of memory");
    im_status_t st = IM_OK;
    if (sqlite3_open_v2(path, &db, SQLITE_OPEN_READONLY, NULL) != SQLITE_OK)
        st = im_error(ctx, IM_ERR_IO, "cannot open gazetteer '%s': %s", path,
                      db ? sqlite3_errmsg(db) : "cannot open");
    else if (read_all(db, g) != SQLITE_OK)
        st = im_error(ctx, IM_ERR_DATA, "%s: not a gazetteer database: %s",
                      path, sqlite3_errmsg(db));
    sqlite3_close(db);
    if (st) {
        im_gazetteer_free(g);
        return st;
    }
    *out = g;
    return IM_OK;
}
