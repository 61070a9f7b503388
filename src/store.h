/*
 * store.h: the incident store's internal interface: one record as the
 * importer hands it over, and the upsert that keeps re-imports idempotent.
 */
#ifndef IM_STORE_H
#define IM_STORE_H

#include "incimap.h"

/* A record ready for the store.  Strings are borrowed for the call; NULL
 * or "" is stored as NULL.  Counts are -1 when unknown. */
typedef struct {
    const char *source, *source_id;
    const char *date;           /* "YYYY-MM-DD", "YYYY-MM" or "YYYY" */
    const char *date_precision; /* day, month, year */
    const char *date_start;     /* first day the date covers, for ranges */
    const char *place;
    bool has_point;
    double lat_deg, lon_deg;
    const char *source_precision;
    int precision;              /* ours: 1..3, 0 unknown */
    const char *district_id, *district, *province, *match_method;
    double match_score;
    const char *category, *actor, *target, *notes;
    long killed, killed_high, injured, injured_high;
    /* The digest im_store_record_hash gives, or "" for the store to
     * compute it: an importer with a thread to spare fills it in. */
    char content_hash[17];
} im_record_t;

typedef enum { IM_UPSERT_INSERTED, IM_UPSERT_UPDATED, IM_UPSERT_UNCHANGED }
    im_upsert_t;

/* Starts an import run inside one transaction.  sha256 may be NULL when
 * the file's digest is still being computed: finish_run then gives it. */
im_status_t im_store_begin_run(im_store_t *store, const char *file,
                               const char *sha256, const char *format,
                               long *out_run_id);
im_status_t im_store_upsert(im_store_t *store, long run_id,
                            const im_record_t *rec, im_upsert_t *out);
/* Digest of everything the record says, as 16 hex digits: what tells an
 * unchanged record from an updated one on re-import. */
void im_store_record_hash(const im_record_t *rec, char out[17]);
/* im_store_upsert without the message: it touches nothing but the store,
 * so an import can run it on a thread of its own while the context's
 * thread reads the file.  Returns NULL, or what failed for
 * im_store_fail to report (from the context's thread) while the store's
 * error is still current. */
const char *im_store_put(im_store_t *store, long run_id,
                         const im_record_t *rec, im_upsert_t *out);
im_status_t im_store_fail(im_store_t *store, const char *what);
/* im_store_put for n records in order, adding to counts (indexed by
 * im_upsert_t); records of sources that had none before the run go in
 * several to a statement. */
const char *im_store_put_batch(im_store_t *store, long run_id,
                               const im_record_t *recs, int n, long counts[3]);
/* Records the run's counts (and sha256 unless NULL) and commits, or
 * rolls everything back.  A new store's first run is published at its
 * path (store_stage.h); *again is set when another process created the
 * store there meanwhile: the run was then not kept, and must be made
 * again through the same handle, which is now open on that store. */
im_status_t im_store_finish_run(im_store_t *store, long run_id,
                                const char *sha256,
                                const im_import_report_t *report, bool *again);
void im_store_abort_run(im_store_t *store);
im_ctx_t *im_store_ctx(const im_store_t *store);
/* The SQLite handle, for the modules that query the store. */
struct sqlite3 *im_store_db(const im_store_t *store);
/* The " AND ..." conditions for filter, with named parameters in place
 * of its values (sqlite3_free the result; NULL when out of memory). */
char *im_store_where(const im_filter_t *filter);
/* Binds filter's values to the parameters im_store_where wrote into st's
 * SQL; an SQLite result code. */
struct sqlite3_stmt;
int im_store_bind_filter(struct sqlite3_stmt *st, const im_filter_t *filter);

#endif
