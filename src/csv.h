/*
 * csv.h: a CSV reader for files as they come in the wild (RFC 4180 quoting,
 * a UTF-8 byte order mark, LF, CRLF or CR-only line ends, newlines inside
 * quoted fields, non-breaking and trailing spaces around values, and
 * Windows-1252 text as Excel exports it).
 */
#ifndef IM_CSV_H
#define IM_CSV_H

#include "incimap.h"

#include <stdio.h>

typedef struct im_csv im_csv_t;

/* Opens path and reads its header row.  Caller owns *out. */
im_status_t im_csv_open(im_ctx_t *ctx, const char *path, im_csv_t **out);
/* The same through a window of window_bytes (16 up to the usual few
 * hundred kilobytes): tests use a small one so that rows, quotes, line
 * ends and UTF-8 sequences fall across its edges. */
im_status_t im_csv_open_window(im_ctx_t *ctx, const char *path,
                               size_t window_bytes, im_csv_t **out);
void im_csv_free(im_csv_t *csv);
/* Index of the column whose header equals name ignoring case, or -1. */
int im_csv_column(const im_csv_t *csv, const char *name);
int im_csv_ncols(const im_csv_t *csv);
const char *im_csv_header(const im_csv_t *csv, int col);
/* Advances to the next non-blank row: 1 for a row, 0 at the end, -1 on a
 * malformed row (message in the context). */
int im_csv_next(im_csv_t *csv);
/* Field of the current row, trimmed; "" for col < 0 or past the row end.
 * Borrowed until the next im_csv_next. */
const char *im_csv_field(const im_csv_t *csv, int col);
int im_csv_nfields(const im_csv_t *csv);
/* Line (1-based) on which the current row starts. */
long im_csv_line(const im_csv_t *csv);
const char *im_csv_path(const im_csv_t *csv);
/* Writes s as one CSV field (RFC 4180: quoted when it holds a comma,
 * quote or line end; NULL as empty). */
void im_csv_write_field(FILE *f, const char *s);

/* Share of the file read so far, 0..1, for progress bars. */
double im_csv_progress(const im_csv_t *csv);
/* Whether the file was read as Windows-1252 and converted to UTF-8: true
 * when it has no UTF-8 byte order mark and is not valid UTF-8 throughout.
 * A file with the mark is read as UTF-8, each byte of it that is not
 * becoming U+FFFD.
 * The decision is made once for the whole file.  Fields are UTF-8 either
 * way; this lets an importer report the guess. */
bool im_csv_was_converted(const im_csv_t *csv);

#endif
