/*
 * csv.c: the file is read through a window of a few hundred kilobytes that
 * slides forward as rows are cut, so a million-row export costs no more
 * memory than a small one.  Fields are copied into a per-row buffer so
 * that trimming and unquoting never touch the window.  The window holds
 * UTF-8: a file that is not valid UTF-8 throughout (checked in one pass
 * before reading) is taken to be Windows-1252, which is what Excel writes
 * when asked for "CSV", and converted as it is read.  A file that starts
 * with a UTF-8 byte order mark says it is UTF-8: bytes in it that are not
 * become U+FFFD, so that no field ever holds invalid UTF-8.
 */
#include "csv.h"
#include "context.h"

#include <ctype.h>
#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#define WINDOW (256 * 1024)

struct im_csv {
    im_ctx_t *ctx;
    char *path;
    FILE *f;
    bool eof;
    char *data;         /* the window: UTF-8 text of the file */
    size_t window;      /* its size: WINDOW but in tests */
    size_t len, pos;    /* bytes in the window; read position in it */
    long long size;     /* of the file, and bytes read from it so far */
    long long consumed;
    long line;          /* line at pos */
    long row_line;      /* line where the current row started */
    char *buf;          /* current row's fields, NUL separated */
    size_t buf_len, buf_cap;
    size_t *offs;       /* field starts in buf */
    int nfields, offs_cap;
    char **header;
    int ncols;
    bool converted;     /* the file was cp1252 and data holds its UTF-8 */
    bool quote;         /* a quote somewhere in the file */
    bool unchecked;     /* opened deferred: only the header is checked */
    bool repair;        /* UTF-8 by its BOM, but not valid throughout */
    unsigned char carry[3]; /* repair: a sequence cut by the last read */
    size_t ncarry;
    unsigned char *raw; /* converted or repair: bytes as read, before
                           they go into the window; a third of its size */
};

static int buf_put(im_csv_t *c, char ch)
{
    if (c->buf_len + 1 >= c->buf_cap) {
        size_t cap = c->buf_cap ? c->buf_cap * 2 : 256;
        char *b = realloc(c->buf, cap);
        if (!b)
            return -1;
        c->buf = b;
        c->buf_cap = cap;
    }
    c->buf[c->buf_len++] = ch;
    return 0;
}

static int field_start(im_csv_t *c)
{
    if (c->nfields == c->offs_cap) {
        int cap = c->offs_cap ? c->offs_cap * 2 : 16;
        size_t *o = realloc(c->offs, (size_t)cap * sizeof *o);
        if (!o)
            return -1;
        c->offs = o;
        c->offs_cap = cap;
    }
    c->offs[c->nfields++] = c->buf_len;
    return 0;
}

/* Strips ASCII white space and U+00A0 (which spreadsheets leave behind)
 * from both ends of a NUL-terminated field in place.  A cp1252 0xA0 is
 * U+00A0 by now, since the file image was converted when it was read. */
static char *trim(char *s)
{
    for (;;) {
        if (*s == ' ' || *s == '\t')
            s++;
        else if ((unsigned char)s[0] == 0xC2 && (unsigned char)s[1] == 0xA0)
            s += 2;
        else
            break;
    }
    size_t n = strlen(s);
    for (;;) {
        if (n && (s[n - 1] == ' ' || s[n - 1] == '\t'))
            n--;
        else if (n >= 2 && (unsigned char)s[n - 2] == 0xC2 &&
                 (unsigned char)s[n - 1] == 0xA0)
            n -= 2;
        else
            break;
    }
    s[n] = '\0';
    return s;
}

/* Length of the UTF-8 sequence at s (n > 0 bytes available): 1 to 4 for
 * a valid one, 0 for an invalid one, -1 for a lead byte and continuation
 * bytes that n cuts short.  Strict: overlong forms, surrogates and code
 * points past U+10FFFF are invalid, so that a cp1252 file is hard to pass
 * by accident: every accented letter (0xC0-0xFF) in it would have to be
 * followed by a symbol or letter in 0x80-0xBF, as in mojibake such as
 * "Ã©". */
static int utf8_sequence(const unsigned char *s, size_t n)
{
    unsigned char b = s[0];
    if (b < 0x80)
        return 1;
    size_t len;
    unsigned long cp, min;
    if (b >= 0xC2 && b <= 0xDF) {
        len = 2, cp = b & 0x1Fu, min = 0x80;
    } else if ((b & 0xF0) == 0xE0) {
        len = 3, cp = b & 0x0Fu, min = 0x800;
    } else if (b >= 0xF0 && b <= 0xF4) {
        len = 4, cp = b & 0x07u, min = 0x10000;
    } else {
        return 0;
    }
    for (size_t k = 1; k < len; k++) {
        if (k == n)
            return -1; /* decided once the rest is there */
        if ((s[k] & 0xC0) != 0x80)
            return 0;
        cp = cp << 6 | (s[k] & 0x3Fu);
    }
    if (cp < min || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF))
        return 0;
    return (int)len;
}

static bool valid_utf8(const unsigned char *s, size_t n)
{
    size_t i = 0;
    while (i < n) {
        /* ASCII eight bytes at a time: most exports are all ASCII. */
        uint64_t w;
        if (n - i >= 8 && (memcpy(&w, s + i, 8), (w & 0x8080808080808080u) == 0)) {
            i += 8;
            continue;
        }
        int len = utf8_sequence(s + i, n - i);
        if (len <= 0)
            return false;
        i += (size_t)len;
    }
    return true;
}

/* Code points of cp1252's bytes 0x80-0x9F; 0xA0-0xFF are Latin-1's.  The
 * five bytes cp1252 leaves undefined (0x81, 0x8D, 0x8F, 0x90, 0x9D) become
 * U+FFFD rather than the C1 controls U+0081...: no genuine cp1252 text
 * contains them, so they stand for damage, and a replacement character
 * shows it where an invisible control would slip into labels and SVG. */
static const unsigned short cp1252_high[32] = {
    0x20AC, 0xFFFD, 0x201A, 0x0192, 0x201E, 0x2026, 0x2020, 0x2021,
    0x02C6, 0x2030, 0x0160, 0x2039, 0x0152, 0xFFFD, 0x017D, 0xFFFD,
    0xFFFD, 0x2018, 0x2019, 0x201C, 0x201D, 0x2022, 0x2013, 0x2014,
    0x02DC, 0x2122, 0x0161, 0x203A, 0x0153, 0xFFFD, 0x017E, 0x0178,
};

static unsigned cp1252_code_point(unsigned char b)
{
    return b >= 0x80 && b < 0xA0 ? cp1252_high[b - 0x80] : b;
}

/* UTF-8 of one cp1252 byte into out (room for 3); returns its length.
 * None of the bytes CSV syntax uses (quote, comma, CR, LF) changes, so
 * lines and fields fall where they did. */
static size_t cp1252_encode(unsigned char b, char *out)
{
    unsigned cp = cp1252_code_point(b);
    if (cp < 0x80) {
        out[0] = (char)cp;
        return 1;
    }
    if (cp < 0x800) {
        out[0] = (char)(0xC0 | cp >> 6);
        out[1] = (char)(0x80 | (cp & 0x3F));
        return 2;
    }
    out[0] = (char)(0xE0 | cp >> 12);
    out[1] = (char)(0x80 | (cp >> 6 & 0x3F));
    out[2] = (char)(0x80 | (cp & 0x3F));
    return 3;
}

/* Whether the whole file is valid UTF-8, read in chunks; a sequence cut
 * by a chunk's end is carried into the next.  On the way, whether it has
 * a quote (*quote, valid only when the file is UTF-8). */
static bool file_is_utf8(FILE *f, bool *quote)
{
    *quote = false;
    unsigned char buf[65536 + 4];
    size_t carry = 0;
    for (;;) {
        size_t n = fread(buf + carry, 1, 65536, f) + carry;
        bool last = n == carry;
        size_t cut = n;
        if (!last) {
            /* Back up over an incomplete sequence at the end. */
            size_t k = 0;
            while (k < 3 && k < cut && (buf[cut - 1 - k] & 0xC0) == 0x80)
                k++;
            if (k < cut && buf[cut - 1 - k] >= 0xC0) {
                unsigned char lead = buf[cut - 1 - k];
                size_t need = lead >= 0xF0 ? 4 : lead >= 0xE0 ? 3 : 2;
                if (k + 1 < need)
                    cut -= k + 1;
            }
        }
        if (!valid_utf8(buf, cut))
            return false;
        if (!*quote && memchr(buf, '"', cut))
            *quote = true;
        if (last)
            return true;
        carry = n - cut;
        memmove(buf, buf + cut, carry);
    }
}

/* Slides the window: keeps the unread bytes and reads more of the file. */
static int refill(im_csv_t *c)
{
    if (c->eof)
        return 0;
    memmove(c->data, c->data + c->pos, c->len - c->pos);
    c->len -= c->pos;
    c->pos = 0;
    size_t room = c->window - c->len;
    unsigned char *raw = c->raw;
    if (c->converted) {
        size_t n = fread(raw, 1, room / 3, c->f);
        for (size_t i = 0; i < n; i++)
            c->len += cp1252_encode(raw[i], c->data + c->len);
        c->consumed += (long long)n;
        if (n == 0)
            c->eof = true;
    } else if (c->repair) {
        /* Each byte becomes at most three; the carried ones are read. */
        memcpy(raw, c->carry, c->ncarry);
        size_t want = (room - 9) / 3;
        size_t n = fread(raw + c->ncarry, 1, want, c->f);
        size_t total = c->ncarry + n, i = 0;
        c->consumed += (long long)n;
        c->ncarry = 0;
        while (i < total) {
            int len = utf8_sequence(raw + i, total - i);
            if (len < 0 && n > 0) {
                /* The rest may come with the next read. */
                c->ncarry = total - i;
                memcpy(c->carry, raw + i, c->ncarry);
                break;
            }
            if (len <= 0) {
                memcpy(c->data + c->len, "\xEF\xBF\xBD", 3);
                c->len += 3;
                i++;
            } else {
                memcpy(c->data + c->len, raw + i, (size_t)len);
                c->len += (size_t)len;
                i += (size_t)len;
            }
        }
        if (total == 0)
            c->eof = true;
    } else {
        size_t n = fread(c->data + c->len, 1, room, c->f);
        c->len += n;
        c->consumed += (long long)n;
        if (n == 0)
            c->eof = true;
    }
    if (ferror(c->f))
        return -1;
    return 1;
}

/* Bytes available from pos, reading more when fewer than want remain. */
static size_t avail(im_csv_t *c, size_t want)
{
    while (c->len - c->pos < want && !c->eof)
        if (refill(c) < 0) {
            c->eof = true;
            break;
        }
    return c->len - c->pos;
}

/* Consumes one line end (LF, CRLF or CR) at pos if there is one. */
static int eat_eol(im_csv_t *c)
{
    if (avail(c, 1) && c->data[c->pos] == '\r') {
        c->pos++;
        if (avail(c, 1) && c->data[c->pos] == '\n')
            c->pos++;
        c->line++;
        return 1;
    }
    if (avail(c, 1) && c->data[c->pos] == '\n') {
        c->pos++;
        c->line++;
        return 1;
    }
    return 0;
}

/* Grows buf to at least need bytes, doubling. */
static int buf_reserve(im_csv_t *c, size_t need)
{
    if (need <= c->buf_cap)
        return 0;
    size_t cap = c->buf_cap ? c->buf_cap : 256;
    while (cap < need)
        cap *= 2;
    char *b = realloc(c->buf, cap);
    if (!b)
        return -1;
    c->buf = b;
    c->buf_cap = cap;
    return 0;
}

static int buf_append(im_csv_t *c, const char *p, size_t n)
{
    /* Room for the bytes, a terminator and one more. */
    if (buf_reserve(c, c->buf_len + n + 2))
        return -1;
    memcpy(c->buf + c->buf_len, p, n);
    c->buf_len += n;
    return 0;
}

/* Length of the run of ordinary bytes at p (before end): bytes other
 * than the comma, quote, CR and LF are copied in runs rather than one by
 * one, which is most of the reader's work on a large export. */
static size_t plain_run(const char *p, const char *end, bool quoted)
{
    const char *q = p;
    if (quoted)
        while (q < end && *q != '"' && *q != '\r' && *q != '\n' && *q)
            q++;
    else
        while (q < end && *q != ',' && *q != '"' && *q != '\r' &&
               *q != '\n' && *q)
            q++;
    return (size_t)(q - p);
}

/* A row that lies whole in the window on one line, with no quote, CR
 * (but that of a CRLF) or NUL in it, as nearly every row of a large
 * export does: its fields are cut in one pass over a copy of the line,
 * a third of the instructions of the byte-by-byte reader below.  Returns
 * 1 with the row in buf, 0 having consumed nothing when the row needs
 * that reader, -1 when out of memory. */
static int quick_row(im_csv_t *c)
{
    const char *p = c->data + c->pos;
    const char *nl = memchr(p, '\n', c->len - c->pos);
    if (!nl)
        return 0;
    size_t n = (size_t)(nl - p);
    if (buf_reserve(c, n + 1))
        return -1;
    char *b = c->buf;
    memcpy(b, p, n);
    size_t len = n;
    if (field_start(c))
        return -1;
    for (size_t i = 0; i < n; i++) {
        unsigned char ch = (unsigned char)b[i];
        if (ch > ',')   /* above every byte CSV syntax uses */
            continue;
        if (ch == ',') {
            b[i] = '\0';
            c->buf_len = i + 1;
            if (field_start(c))
                return -1;
        } else if (ch == '\r' && i == n - 1) {
            len = i;
        } else if (ch == '"' || ch == '\r' || ch == '\0') {
            c->nfields = 0;
            c->buf_len = 0;
            return 0;
        }
    }
    b[len] = '\0';
    c->buf_len = len + 1;
    c->pos += n + 1;
    c->line++;
    return 1;
}

static int read_row(im_csv_t *c)
{
    for (;;) {
        if (!avail(c, 1))
            return 0;
        c->buf_len = 0;
        c->nfields = 0;
        c->row_line = c->line;
        int quick = quick_row(c);
        if (quick < 0)
            goto nomem;
        if (quick) {
            if (c->nfields == 1 && trim(c->buf)[0] == '\0')
                continue;
            return 1;
        }
        if (field_start(c))
            goto nomem;
        int quoted = 0, was_quoted = 0;
        while (avail(c, 1)) {
            size_t run = plain_run(c->data + c->pos, c->data + c->len, quoted);
            if (run) {
                if (buf_append(c, c->data + c->pos, run))
                    goto nomem;
                c->pos += run;
                continue; /* the window may have ended: avail() refills */
            }
            char ch = c->data[c->pos];
            /* Fields are kept NUL-terminated, so a NUL would cut one
             * short without a word; text files have none. */
            if (ch == '\0')
                return im_error(c->ctx, IM_ERR_PARSE,
                                "%s:%ld: a NUL byte: binary data or UTF-16, "
                                "not a CSV file in UTF-8 or Windows-1252",
                                c->path, c->line),
                       -1;
            if (quoted) {
                if (ch == '"') {
                    if (avail(c, 2) >= 2 && c->data[c->pos + 1] == '"') {
                        if (buf_put(c, '"'))
                            goto nomem;
                        c->pos += 2;
                        continue;
                    }
                    quoted = 0;
                    c->pos++;
                    continue;
                }
                /* A line end inside quotes is data; normalise to LF. */
                eat_eol(c);
                if (buf_put(c, '\n'))
                    goto nomem;
                continue;
            }
            if (ch == '\r' || ch == '\n')
                break;
            if (ch == '"' && !was_quoted) {
                /* Quotes open a field only before any non-blank text. */
                int blank = 1;
                size_t start = c->offs[c->nfields - 1];
                for (size_t k = start; k < c->buf_len; k++)
                    if (c->buf[k] != ' ')
                        blank = 0;
                if (blank) {
                    c->buf_len = start;
                    quoted = was_quoted = 1;
                    c->pos++;
                    continue;
                }
            }
            if (ch == ',') {
                if (buf_put(c, '\0') || field_start(c))
                    goto nomem;
                was_quoted = 0;
                c->pos++;
                continue;
            }
            if (buf_put(c, ch)) /* a quote inside unquoted text */
                goto nomem;
            c->pos++;
        }
        if (quoted)
            return im_error(c->ctx, IM_ERR_PARSE,
                            "%s:%ld: unterminated quoted field", c->path,
                            c->row_line),
                   -1;
        if (buf_put(c, '\0'))
            goto nomem;
        eat_eol(c);
        /* Blank lines separate nothing in CSV; skip them. */
        if (c->nfields == 1 && trim(c->buf)[0] == '\0')
            continue;
        return 1;
    }
nomem:
    im_error(c->ctx, IM_ERR_NOMEM, "%s: out of memory", c->path);
    return -1;
}

static im_status_t open_csv(im_ctx_t *ctx, const char *path,
                            size_t window_bytes, bool defer, im_csv_t **out);

im_status_t im_csv_open(im_ctx_t *ctx, const char *path, im_csv_t **out)
{
    return open_csv(ctx, path, WINDOW, false, out);
}

im_status_t im_csv_open_window(im_ctx_t *ctx, const char *path,
                               size_t window_bytes, im_csv_t **out)
{
    return open_csv(ctx, path, window_bytes, false, out);
}

im_status_t im_csv_open_deferred(im_ctx_t *ctx, const char *path,
                                 im_csv_t **out)
{
    return open_csv(ctx, path, WINDOW, true, out);
}

/* Whether the file's first line is there, ends in a line feed, and is
 * plain ASCII without a quote: a header that reads the same whatever the
 * rest of the file turns out to be. */
static bool plain_header(FILE *f)
{
    char buf[4096];
    size_t n = fread(buf, 1, sizeof buf, f);
    for (size_t i = 0; i < n; i++) {
        unsigned char ch = (unsigned char)buf[i];
        if (ch == '\n')
            return i > 0;
        if (ch == 0 || ch >= 0x80 || ch == '"' || ch == '\r')
            return false;
    }
    return false;
}

/* The check a deferred open left for later, made before the first row
 * is read: reading goes on from the row after the header, the window
 * refilled as a plain open would have filled it. */
static int finish_check(im_csv_t *c)
{
    long long at = im_csv_offset(c);
    rewind(c->f);
    bool utf8 = file_is_utf8(c->f, &c->quote);
    c->converted = !utf8;
    c->unchecked = false;
    if (c->converted && !(c->raw = malloc(c->window / 3 + 3))) {
        im_error(c->ctx, IM_ERR_NOMEM, "out of memory");
        return -1;
    }
    if (ferror(c->f) || fseeko(c->f, (off_t)at, SEEK_SET) != 0) {
        im_error(c->ctx, IM_ERR_IO, "cannot read '%s': %s", c->path,
                 strerror(errno));
        return -1;
    }
    c->len = c->pos = 0;
    c->consumed = at;
    c->eof = false;
    return 0;
}

static im_status_t open_csv(im_ctx_t *ctx, const char *path,
                            size_t window_bytes, bool defer, im_csv_t **out)
{
    *out = NULL;
    /* Each refill must be able to add at least a few bytes (a third of
     * the room when converting) past the three avail() may want. */
    if (window_bytes < 16 || window_bytes > WINDOW)
        return im_error(ctx, IM_ERR_ARG, "%s: a window of %zu bytes (16 to %d)",
                        path, window_bytes, WINDOW);
    FILE *f = fopen(path, "rb");
    if (!f)
        return im_error(ctx, IM_ERR_IO, "cannot open '%s': %s", path,
                        strerror(errno));
    im_csv_t *c = calloc(1, sizeof *c);
    if (!c) {
        fclose(f);
        return im_error(ctx, IM_ERR_NOMEM, "out of memory");
    }
    c->ctx = ctx;
    c->path = im_strdup(path);
    c->line = 1;
    c->f = f;
    c->window = window_bytes;
    c->data = malloc(window_bytes);
    if (!c->data || !c->path) {
        im_csv_free(c);
        return im_error(ctx, IM_ERR_NOMEM, "out of memory");
    }
    if (fseek(f, 0, SEEK_END) == 0)
        c->size = ftell(f);
    rewind(f);
    unsigned char bom[3];
    bool has_bom = fread(bom, 1, 3, f) == 3 && memcmp(bom, "\xEF\xBB\xBF", 3) == 0;
    rewind(f);
    /* A file that holds nothing but ASCII before its first line feed can
     * have the rest checked later: by the general reader before its first
     * row, or by whoever reads the rows in pieces. */
    c->unchecked = defer && !has_bom && plain_header(f);
    rewind(f);
    bool utf8 = c->unchecked || file_is_utf8(f, &c->quote);
    c->converted = !has_bom && !utf8;
    c->repair = has_bom && !utf8;
    rewind(f);
    if ((c->converted || c->repair) && !(c->raw = malloc(window_bytes / 3 + 3))) {
        im_csv_free(c);
        return im_error(ctx, IM_ERR_NOMEM, "out of memory");
    }
    if (ferror(f)) {
        im_csv_free(c);
        return im_error(ctx, IM_ERR_IO, "cannot read '%s': %s", path,
                        strerror(errno));
    }
    if (has_bom && avail(c, 3) >= 3)
        c->pos = 3;
    int r = read_row(c);
    if (r <= 0) {
        im_csv_free(c);
        if (r == 0)
            return im_error(ctx, IM_ERR_PARSE, "%s:1: no header row", path);
        return IM_ERR_PARSE;
    }
    c->ncols = c->nfields;
    c->header = calloc((size_t)c->ncols, sizeof *c->header);
    if (!c->header) {
        im_csv_free(c);
        return im_error(ctx, IM_ERR_NOMEM, "out of memory");
    }
    for (int i = 0; i < c->ncols; i++) {
        c->header[i] = im_strdup(trim(c->buf + c->offs[i]));
        if (!c->header[i]) {
            im_csv_free(c);
            return im_error(ctx, IM_ERR_NOMEM, "out of memory");
        }
    }
    *out = c;
    return IM_OK;
}

void im_csv_free(im_csv_t *c)
{
    if (!c)
        return;
    for (int i = 0; c->header && i < c->ncols; i++)
        free(c->header[i]);
    free(c->header);
    free(c->offs);
    free(c->buf);
    free(c->data);
    free(c->raw);
    free(c->path);
    if (c->f)
        fclose(c->f);
    free(c);
}

int im_csv_column(const im_csv_t *c, const char *name)
{
    for (int i = 0; i < c->ncols; i++)
        if (strcasecmp(c->header[i], name) == 0)
            return i;
    return -1;
}

int im_csv_ncols(const im_csv_t *c) { return c->ncols; }

const char *im_csv_header(const im_csv_t *c, int col)
{
    return col >= 0 && col < c->ncols ? c->header[col] : "";
}

int im_csv_next(im_csv_t *c)
{
    if (c->unchecked && finish_check(c))
        return -1;
    int r = read_row(c);
    if (r <= 0)
        return r;
    for (int i = 0; i < c->nfields; i++) {
        /* Fields are NUL-separated in buf, so a field's last byte is just
         * before the next one's start: only a field with a blank at
         * either end is trimmed, and most have none. */
        size_t end = i + 1 < c->nfields ? c->offs[i + 1] : c->buf_len;
        size_t len = end - 1 - c->offs[i];
        unsigned char *s = (unsigned char *)c->buf + c->offs[i];
        if (len == 0 ||
            (s[0] != ' ' && s[0] != '\t' && s[0] != 0xC2 && s[len - 1] != ' ' &&
             s[len - 1] != '\t' && s[len - 1] != 0xA0))
            continue;
        char *t = trim((char *)s);
        if (t != (char *)s)
            memmove(s, t, strlen(t) + 1);
    }
    return 1;
}

const char *im_csv_field(const im_csv_t *c, int col)
{
    if (col < 0 || col >= c->nfields)
        return "";
    return c->buf + c->offs[col];
}

int im_csv_nfields(const im_csv_t *c) { return c->nfields; }
long im_csv_line(const im_csv_t *c) { return c->row_line; }
const char *im_csv_path(const im_csv_t *c) { return c->path; }
bool im_csv_was_converted(const im_csv_t *c) { return c->converted; }

bool im_csv_plain(const im_csv_t *c)
{
    return !c->converted && !c->repair && !c->quote;
}

long long im_csv_offset(const im_csv_t *c)
{
    return c->consumed - (long long)(c->len - c->pos);
}

/* Reads count bytes at offset; the count read, short only at the end of
 * the file, or -1. */
static long long read_at(int fd, char *buf, size_t count, long long offset)
{
    size_t done = 0;
    while (done < count) {
        ssize_t r = pread(fd, buf + done, count - done, (off_t)(offset + (long long)done));
        if (r < 0 && errno == EINTR)
            continue;
        if (r < 0)
            return -1;
        if (r == 0)
            break;
        done += (size_t)r;
    }
    return (long long)done;
}

int im_csv_split(const im_csv_t *c, int n, long long *bounds)
{
    long long from = im_csv_offset(c), to = c->size;
    int k = 0;
    bounds[k++] = from;
    char buf[4096];
    for (int i = 1; i < n; i++) {
        long long at = from + (to - from) * i / n;
        if (at < bounds[k - 1])
            at = bounds[k - 1];
        /* The range ends just after the next line feed at or past at. */
        for (;;) {
            long long r = read_at(fileno(c->f), buf, sizeof buf, at);
            if (r <= 0) {
                at = to;
                break;
            }
            const char *nl = memchr(buf, '\n', (size_t)r);
            if (nl) {
                at += nl - buf + 1;
                break;
            }
            at += r;
        }
        if (at >= to)
            break;
        if (at > bounds[k - 1])
            bounds[k++] = at;
    }
    bounds[k] = to;
    return k;
}

int im_csv_lines(const im_csv_t *c, long long from, long long to, char *buf,
                 size_t cap, int (*fn)(void *arg, const char *p, size_t n),
                 void *arg)
{
    int fd = fileno(c->f);
    size_t have = 0;
    while (from < to || have) {
        size_t want = cap - have;
        if ((long long)want > to - from)
            want = (size_t)(to - from);
        long long r = read_at(fd, buf + have, want, from);
        if (r < 0)
            return -1;
        from += r;
        have += (size_t)r;
        bool end = from >= to || (size_t)r < want;
        size_t cut = have;
        if (!end) {
            while (cut && buf[cut - 1] != '\n')
                cut--;
            if (!cut)
                return -2;
        }
        int s = fn(arg, buf, cut);
        if (s)
            return s;
        memmove(buf, buf + cut, have - cut);
        have -= cut;
        if (end)
            break;
    }
    return 0;
}

double im_csv_progress(const im_csv_t *c)
{
    return c->size > 0 ? (double)c->consumed / (double)c->size : 1.0;
}

void im_csv_write_field(FILE *f, const char *s)
{
    if (!s)
        return;
    if (!strpbrk(s, ",\"\r\n")) {
        fputs(s, f);
        return;
    }
    fputc('"', f);
    for (; *s; s++) {
        if (*s == '"')
            fputc('"', f);
        fputc(*s, f);
    }
    fputc('"', f);
}

bool im_csv_utf8(const char *s, size_t n)
{
    return valid_utf8((const unsigned char *)s, n);
}
