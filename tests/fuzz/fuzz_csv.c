/*
 * fuzz_csv.c: the CSV reader on arbitrary bytes.  The first byte picks a
 * small window for the reader, the rest is the file.  Every input is read
 * twice, through that window and through the usual one, and the two
 * readings must agree row for row, field for field, line for line, error
 * for error: the window is an implementation detail.  Fields must come
 * out trimmed and in UTF-8 as csv.h promises, and a file written back
 * with im_csv_write_field must read back the same.
 */
#include "csv.h"
#include "fuzz.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* One reading: the header's fields, then each row's line and fields. */
typedef struct {
    char kind;         /* 'h' header field, 'r' row start, 'f' field */
    long line;         /* of a row */
    char *s;
} item_t;

typedef struct {
    int status;        /* of the open: 0 or the error */
    int end;           /* last im_csv_next result: 0 or -1 */
    char *err;         /* message of a failure */
    item_t *item;
    size_t n, cap;
    bool converted;
} reading_t;

static void put(reading_t *r, char kind, long line, const char *s)
{
    if (r->n == r->cap) {
        r->cap = r->cap ? r->cap * 2 : 64;
        r->item = realloc(r->item, r->cap * sizeof *r->item);
        if (!r->item)
            abort();
    }
    char *copy = s ? strdup(s) : NULL;
    if (s && !copy)
        abort();
    r->item[r->n++] = (item_t){kind, line, copy};
}

static void check_field(const char *s)
{
    size_t n = strlen(s);
    if (!fuzz_is_utf8(s, n)) {
        fprintf(stderr, "field is not UTF-8\n");
        abort();
    }
    if (n && (s[0] == ' ' || s[0] == '\t' || s[n - 1] == ' ' ||
              s[n - 1] == '\t')) {
        fprintf(stderr, "field is not trimmed: '%s'\n", s);
        abort();
    }
    if (strchr(s, '\r')) {
        fprintf(stderr, "CR inside a field\n");
        abort();
    }
}

static void check_error(const char *err, const char *path)
{
    if (!strstr(err, path)) {
        fprintf(stderr, "error does not name the file: %s\n", err);
        abort();
    }
}

static void read_all(im_ctx_t *ctx, const char *path, size_t window,
                     reading_t *r)
{
    memset(r, 0, sizeof *r);
    im_csv_t *csv;
    r->status = window ? im_csv_open_window(ctx, path, window, &csv)
                       : im_csv_open(ctx, path, &csv);
    if (r->status) {
        r->err = strdup(im_ctx_errmsg(ctx));
        check_error(r->err, path);
        return;
    }
    r->converted = im_csv_was_converted(csv);
    if (im_csv_ncols(csv) < 1)
        abort();
    for (int i = 0; i < im_csv_ncols(csv); i++) {
        check_field(im_csv_header(csv, i));
        put(r, 'h', 0, im_csv_header(csv, i));
    }
    long last_line = 1;
    int k;
    while ((k = im_csv_next(csv)) == 1) {
        long line = im_csv_line(csv);
        if (line <= last_line) {
            fprintf(stderr, "row on line %ld after line %ld\n", line, last_line);
            abort();
        }
        last_line = line;
        put(r, 'r', line, NULL);
        if (im_csv_nfields(csv) < 1 || *im_csv_field(csv, -1) ||
            *im_csv_field(csv, im_csv_nfields(csv)))
            abort();
        for (int i = 0; i < im_csv_nfields(csv); i++) {
            check_field(im_csv_field(csv, i));
            put(r, 'f', 0, im_csv_field(csv, i));
        }
        double p = im_csv_progress(csv);
        if (!(p >= 0 && p <= 1)) {
            fprintf(stderr, "progress %g\n", p);
            abort();
        }
    }
    r->end = k;
    if (k < 0) {
        r->err = strdup(im_ctx_errmsg(ctx));
        check_error(r->err, path);
    }
    im_csv_free(csv);
}

static void compare(const reading_t *a, const reading_t *b, bool lines,
                    const char *what)
{
    bool same = a->status == b->status && a->end == b->end &&
                a->n == b->n && !a->err == !b->err &&
                (!a->err || strcmp(a->err, b->err) == 0);
    for (size_t i = 0; same && i < a->n; i++)
        same = a->item[i].kind == b->item[i].kind &&
               (!lines || a->item[i].line == b->item[i].line) &&
               !a->item[i].s == !b->item[i].s &&
               (!a->item[i].s || strcmp(a->item[i].s, b->item[i].s) == 0);
    if (!same) {
        fprintf(stderr, "%s: readings differ (status %d/%d, end %d/%d, "
                "%zu/%zu items, errors '%s' / '%s')\n", what, a->status,
                b->status, a->end, b->end, a->n, b->n,
                a->err ? a->err : "", b->err ? b->err : "");
        abort();
    }
}

/* The reading written back as CSV: header, then rows. */
static char *write_back(const reading_t *r, size_t *out_len)
{
    char *buf = NULL;
    FILE *f = open_memstream(&buf, out_len);
    if (!f)
        abort();
    bool first = true;
    for (size_t i = 0; i < r->n; i++) {
        if (r->item[i].kind == 'r') {
            fputc('\n', f);
            first = true;
            continue;
        }
        if (!first)
            fputc(',', f);
        im_csv_write_field(f, r->item[i].s);
        first = false;
    }
    fputc('\n', f);
    fclose(f);
    return buf;
}

static void reading_free(reading_t *r)
{
    for (size_t i = 0; i < r->n; i++)
        free(r->item[i].s);
    free(r->item);
    free(r->err);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1)
        return 0;
    size_t window = 16 + data[0] % 64;
    const char *path = fuzz_file(data + 1, size - 1);
    im_ctx_t *ctx = im_ctx_new();
    if (!ctx)
        abort();
    reading_t small, full;
    read_all(ctx, path, window, &small);
    read_all(ctx, path, 0, &full);
    compare(&small, &full, true, "small window and full window");
    if (small.converted != full.converted)
        abort();

    /* Written back, a first field that starts with U+FEFF would read as
     * a byte order mark: such files cannot round-trip. */
    if (full.status == 0 && full.end == 0 &&
        strncmp(full.item[0].s, "\xEF\xBB\xBF", 3) != 0) {
        size_t n;
        char *again = write_back(&full, &n);
        path = fuzz_file((const uint8_t *)again, n);
        free(again);
        reading_t back;
        read_all(ctx, path, 0, &back);
        compare(&full, &back, false, "written back");
        reading_free(&back);
    }
    reading_free(&small);
    reading_free(&full);
    im_ctx_free(ctx);
    return 0;
}
