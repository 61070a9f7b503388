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
/* The same, but the file past its header is checked (for UTF-8 and
 * quotes) only when the first row is read, if its header is plain ASCII:
 * a reader that reads the rows in pieces checks its own (see
 * im_csv_plain) and saves a pass over the file.  Until then
 * im_csv_was_converted says false. */
im_status_t im_csv_open_deferred(im_ctx_t *ctx, const char *path,
                                 im_csv_t **out);
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

/* Whether the rest of the file can be cut into rows at its line feeds
 * and read in pieces: it is read as it stands (UTF-8, neither converted
 * nor repaired) and has no quote anywhere, so no line feed lies inside a
 * field.  Rows read that way must still be checked for what the reader
 * would change (blank ends, NUL bytes, lone CRs).  After a deferred open
 * this is so as far as checked: whoever reads the rows in pieces must
 * give up on a quote or invalid UTF-8 (im_csv_utf8), as the whole file
 * would then be read otherwise. */
bool im_csv_plain(const im_csv_t *csv);
/* Byte offset in the file of the row after the current one (only
 * meaningful when im_csv_plain). */
long long im_csv_offset(const im_csv_t *csv);
/* Whether s[0, n) is UTF-8 as the reader takes it (strict: no overlong
 * forms, surrogates or code points past U+10FFFF). */
bool im_csv_utf8(const char *s, size_t n);
/* Cuts the rest of the file, from im_csv_offset, into at most n ranges
 * of whole lines, bounds[0] < ... < bounds[k] (room for n + 1), each
 * ending just after a line feed or at the end of the file; returns k. */
int im_csv_split(const im_csv_t *csv, int n, long long *bounds);
/* Reads bytes [from, to) of the file through buf (cap bytes) and hands
 * them to fn in blocks of whole lines, each ending just after a line feed
 * but the last, which ends at to.  Threads may read ranges at the same
 * time.  Returns 0, what fn returned if not 0, -1 on a read error or -2
 * for a line longer than cap. */
int im_csv_lines(const im_csv_t *csv, long long from, long long to, char *buf,
                 size_t cap, int (*fn)(void *arg, const char *p, size_t n),
                 void *arg);

#endif
