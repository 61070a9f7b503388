/*
 * store_read.c: what maps and exports take from the store: values per
 * polygon, located incidents, and whole records for export.
 */
#include "context.h"
#include "points.h"
#include "store.h"
#include "values.h"

#include <sqlite3.h>
#include <stdlib.h>
#include <string.h>

static im_status_t query(im_store_t *s, const char *select,
                         const im_filter_t *f, const char *tail,
                         sqlite3_stmt **out)
{
    char *where = im_store_where(f);
    char *sql = where ? sqlite3_mprintf("%s WHERE 1 %s %s", select, where,
                                        tail ? tail : "")
                      : NULL;
    sqlite3_free(where);
    *out = NULL;
    int rc = sql ? sqlite3_prepare_v2(im_store_db(s), sql, -1, out, NULL)
                 : SQLITE_NOMEM;
    sqlite3_free(sql);
    if (rc == SQLITE_OK)
        rc = im_store_bind_filter(*out, f);
    if (rc != SQLITE_OK) {
        im_status_t st = im_error(im_store_ctx(s), IM_ERR_LIB, "store: %s",
                                  sqlite3_errmsg(im_store_db(s)));
        sqlite3_finalize(*out);
        *out = NULL;
        return st;
    }
    return IM_OK;
}

static im_status_t values_query(im_store_t *s, const im_layer_t *layer,
                                const im_filter_t *f, im_values_t **out);

im_status_t im_values_from_store(im_store_t *s, const im_gazetteer_t *gaz,
                                 const im_layer_t *layer,
                                 const im_filter_t *f, im_values_t **out)
{
    (void)gaz;
    *out = NULL;
    /* The counts and the span of dates from one snapshot, though an
     * import may commit between the two queries. */
    sqlite3 *db = im_store_db(s);
    bool own_txn = sqlite3_get_autocommit(db) &&
                   sqlite3_exec(db, "BEGIN", NULL, NULL, NULL) == SQLITE_OK;
    im_status_t r = values_query(s, layer, f, out);
    if (own_txn)
        sqlite3_exec(db, r ? "ROLLBACK" : "COMMIT", NULL, NULL, NULL);
    return r;
}

static im_status_t values_query(im_store_t *s, const im_layer_t *layer,
                                const im_filter_t *f, im_values_t **out)
{
    im_ctx_t *ctx = im_store_ctx(s);
    sqlite3_stmt *st;
    im_status_t r = query(s, "SELECT district_id, count(*) FROM incidents", f,
                          "AND district_id IS NOT NULL GROUP BY district_id",
                          &st);
    if (r)
        return r;
    im_values_t *V = im_values_alloc(im_layer_count(layer));
    if (!V) {
        sqlite3_finalize(st);
        return im_error(ctx, IM_ERR_NOMEM, "out of memory");
    }
    long lost = 0;
    while (sqlite3_step(st) == SQLITE_ROW) {
        const char *id = (const char *)sqlite3_column_text(st, 0);
        long n = (long)sqlite3_column_int64(st, 1);
        size_t i = im_layer_find_district(layer, id);
        if (i == (size_t)-1) {
            /* A district split into several polygons of a newer set
             * cannot be placed in one of them. */
            lost += n;
            im_warn(ctx, "%ld incident(s) in %s have no polygon in these "
                         "boundaries and are not mapped", n, id);
            continue;
        }
        im_values_add(V, i, (double)n);
    }
    sqlite3_finalize(st);
    (void)lost;
    /* The span of the records mapped, for the map's date line. */
    if (query(s, "SELECT DISTINCT date FROM incidents", f,
              "AND district_id IS NOT NULL AND date IS NOT NULL", &st) == IM_OK) {
        while (sqlite3_step(st) == SQLITE_ROW) {
            im_date_t d;
            if (im_date_parse((const char *)sqlite3_column_text(st, 0), &d))
                im_values_note_date(V, &d);
        }
        sqlite3_finalize(st);
    }
    *out = V;
    return IM_OK;
}

im_status_t im_points_from_store(im_store_t *s, const im_gazetteer_t *gaz,
                                 const im_filter_t *f, im_points_t **out)
{
    im_ctx_t *ctx = im_store_ctx(s);
    *out = NULL;
    sqlite3_stmt *st;
    im_status_t r = query(s, "SELECT lon, lat, category, "
                             "coalesce(killed, 0) + coalesce(injured, 0), "
                             "place, date, district_id, province FROM incidents",
                          f,
                          gaz ? "AND (lat IS NOT NULL OR district_id IS NOT NULL)"
                                " ORDER BY date_start"
                              : "AND lat IS NOT NULL ORDER BY date_start",
                          &st);
    if (r)
        return r;
    im_points_t *P = im_points_alloc();
    int rc = P ? SQLITE_ROW : SQLITE_NOMEM;
    while (P && (rc = sqlite3_step(st)) == SQLITE_ROW) {
        const char *place = (const char *)sqlite3_column_text(st, 4);
        double lon = sqlite3_column_double(st, 0);
        double lat = sqlite3_column_double(st, 1);
        if (sqlite3_column_type(st, 1) == SQLITE_NULL &&
            !im_points_stand_in(gaz, place,
                                (const char *)sqlite3_column_text(st, 7),
                                (const char *)sqlite3_column_text(st, 6), &lon,
                                &lat))
            continue;
        if (im_points_push(P, lon, lat, (const char *)sqlite3_column_text(st, 2),
                           sqlite3_column_int(st, 3), place,
                           (const char *)sqlite3_column_text(st, 5))) {
            rc = SQLITE_NOMEM;
            break;
        }
    }
    sqlite3_finalize(st);
    if (rc != SQLITE_DONE) {
        im_points_free(P);
        return im_error(ctx, rc == SQLITE_NOMEM ? IM_ERR_NOMEM : IM_ERR_LIB,
                        "store: cannot read incidents");
    }
    *out = P;
    return IM_OK;
}
