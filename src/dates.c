/*
 * dates.c: dates are read in two passes.  Numeric forms are tried first
 * because their separators must agree ("17/06-2004" is more likely a typo
 * than a date); forms with a month name are then cut into words and
 * numbers whose separators may be any mix of spaces and punctuation, since
 * that is where exports differ most ("Sunday-November 19-1995").  Nothing
 * here depends on the C locale: the character classes are ASCII.
 */
#include "dates.h"

#include <stdio.h>
#include <string.h>

#define YEAR_MIN 1900
#define YEAR_MAX 2100

static bool is_digit(char c) { return c >= '0' && c <= '9'; }

static bool is_alpha(char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

static char lower(char c) { return c >= 'A' && c <= 'Z' ? (char)(c + 32) : c; }

static bool is_space(char c)
{
    return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

/* U+00A0 in UTF-8: spreadsheets leave it around values. */
static bool is_nbsp(const char *p, const char *end)
{
    return end - p >= 2 && (unsigned char)p[0] == 0xC2 &&
           (unsigned char)p[1] == 0xA0;
}

static bool is_leap(int y)
{
    return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

static int days_in_month(int y, int m)
{
    static const int days[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    return m == 2 && is_leap(y) ? 29 : days[m - 1];
}

/* Checks the fields the precision uses and stores the date. */
static bool make_date(int y, int m, int d, im_date_precision_t p,
                      im_date_t *out)
{
    if (y < YEAR_MIN || y > YEAR_MAX)
        return false;
    if (p >= IM_DATE_MONTH && (m < 1 || m > 12))
        return false;
    if (p >= IM_DATE_DAY && (d < 1 || d > days_in_month(y, m)))
        return false;
    out->year = y;
    out->month = p >= IM_DATE_MONTH ? m : 0;
    out->day = p >= IM_DATE_DAY ? d : 0;
    out->precision = p;
    return true;
}

/* The pivot the spreadsheets of the sources use: "05" is 2005, "95" 1995. */
static int widen_year(int yy) { return yy < 70 ? 2000 + yy : 1900 + yy; }

/* Reads digits at *p, advancing it; returns how many there were.  The
 * value saturates rather than overflows on absurdly long runs, which the
 * digit count then rejects. */
static int read_number(const char **p, const char *end, int *value)
{
    int n = 0, v = 0;
    while (*p < end && is_digit(**p)) {
        if (v < 100000)
            v = v * 10 + (**p - '0');
        (*p)++;
        n++;
    }
    *value = v;
    return n;
}

/* Whether the first len characters of w and lit agree, ignoring case. */
static bool prefix_is(const char *w, size_t len, const char *lit)
{
    for (size_t i = 0; i < len; i++)
        if (!lit[i] || lower(w[i]) != lit[i])
            return false;
    return true;
}

static bool word_is(const char *w, size_t len, const char *lit)
{
    return strlen(lit) == len && prefix_is(w, len, lit);
}

/* 1-12 for a month name (full, three letters or "Sept"), else 0. */
static int month_of(const char *w, size_t len)
{
    static const char *const names[] = {
        "january", "february", "march",     "april",   "may",      "june",
        "july",    "august",   "september", "october", "november", "december",
    };
    for (int i = 0; i < 12; i++) {
        if (word_is(w, len, names[i]))
            return i + 1;
        if (len == 3 && prefix_is(w, len, names[i]))
            return i + 1;
    }
    return word_is(w, len, "sept") ? 9 : 0;
}

static bool is_weekday(const char *w, size_t len)
{
    static const char *const names[] = {
        "monday", "tuesday", "wednesday", "thursday", "friday", "saturday",
        "sunday", "mon", "tue", "wed", "thu", "fri", "sat", "sun",
        "tues", "thur", "thurs", NULL,
    };
    for (int i = 0; names[i]; i++)
        if (word_is(w, len, names[i]))
            return true;
    return false;
}

/* Whether [p, end) is exactly a time of day: HH:MM[:SS[.fff]] followed by
 * nothing, a zone (Z, +05, +05:00, +0500) or AM/PM.  The time itself is
 * not kept; it is checked so that "10:75" does not pass as a date. */
static bool is_time(const char *p, const char *end)
{
    int h, m, s = 0;
    int nh = read_number(&p, end, &h);
    if (nh < 1 || nh > 2 || p == end || *p != ':')
        return false;
    p++;
    if (read_number(&p, end, &m) != 2 || m > 59)
        return false;
    if (p < end && *p == ':') {
        p++;
        if (read_number(&p, end, &s) != 2 || s > 60)
            return false;
        if (p < end && (*p == '.' || *p == ',')) {
            p++;
            int frac;
            if (read_number(&p, end, &frac) < 1)
                return false;
        }
    }
    if (p == end)
        return h <= 23;
    if (*p == 'Z' && p + 1 == end)
        return h <= 23;
    if (*p == '+' || *p == '-') {
        p++;
        int zh, zm = 0, nz = read_number(&p, end, &zh);
        if (nz == 4) {
            zm = zh % 100;
            zh /= 100;
        } else if (nz == 2 && p < end && *p == ':') {
            p++;
            if (read_number(&p, end, &zm) != 2)
                return false;
        } else if (nz != 2) {
            return false;
        }
        return p == end && h <= 23 && zh <= 14 && zm <= 59;
    }
    while (p < end && is_space(*p))
        p++;
    if (word_is(p, (size_t)(end - p), "am") ||
        word_is(p, (size_t)(end - p), "pm") ||
        word_is(p, (size_t)(end - p), "a.m.") ||
        word_is(p, (size_t)(end - p), "p.m."))
        return h >= 1 && h <= 12;
    return false;
}

/* What may follow a complete day: nothing, or a time after spaces (or
 * after 'T' in ISO 8601). */
static bool time_tail_ok(const char *p, const char *end, bool iso)
{
    if (p == end)
        return true;
    if (iso && (*p == 'T' || *p == 't'))
        return is_time(p + 1, end);
    if (!is_space(*p))
        return false;
    while (p < end && is_space(*p))
        p++;
    return is_time(p, end);
}

/* 2024, 2024-12, 2024-12-31[Thh:mm...], 2024/12/31, 12/2024, 17/06/2004,
 * 8/5/05, 17-06-2004, 17.06.2004.  Returns false for anything else,
 * including month-name forms, which parse_words then tries. */
static bool parse_numeric(const char *p, const char *end, im_date_t *out)
{
    int a, b, c;
    int na = read_number(&p, end, &a);
    if (na == 0)
        return false;
    if (p == end)
        return na == 4 && make_date(a, 0, 0, IM_DATE_YEAR, out);
    char sep = *p;
    if (sep != '-' && sep != '/' && sep != '.')
        return false;
    p++;
    int nb = read_number(&p, end, &b);
    if (na == 4) {
        if (nb < 1 || nb > 2)
            return false;
        /* "2024.12" reads as a decimal number sooner than as a month. */
        if (p == end)
            return sep != '.' && make_date(a, b, 0, IM_DATE_MONTH, out);
        if (*p != sep)
            return false;
        p++;
        int nc = read_number(&p, end, &c);
        if (nc < 1 || nc > 2)
            return false;
        return time_tail_ok(p, end, sep == '-') &&
               make_date(a, b, c, IM_DATE_DAY, out);
    }
    if (na > 2)
        return false;
    if (nb == 4 && p == end)
        return sep != '.' && make_date(b, a, 0, IM_DATE_MONTH, out);
    if (nb < 1 || nb > 2 || p == end || *p != sep)
        return false;
    p++;
    int nc = read_number(&p, end, &c);
    if (nc == 2)
        c = widen_year(c);
    else if (nc != 4)
        return false;
    return time_tail_ok(p, end, false) && make_date(c, b, a, IM_DATE_DAY, out);
}

typedef struct {
    bool is_num;
    int value;      /* the number, or the month 1-12 */
    int ndigits;
    bool ordinal;   /* "12th" */
} token_t;

static bool is_separator(const char *p, const char *end)
{
    return is_space(*p) || *p == ',' || *p == '-' || *p == '/' ||
           *p == '.' || is_nbsp(p, end);
}

/* Forms with a month name, after an optional weekday:
 *   D Month Y, D-Mon-Y, D Mon YY, Dth of Month Y   (day first)
 *   Month D, Y, Mon-D-Y, Month Dth Y                (month first)
 *   Month Y                                         (month precision)
 * The weekday is not checked against the date: sources get it wrong more
 * often than they get the date wrong, and the date is what is mapped. */
static bool parse_words(const char *p, const char *end, im_date_t *out)
{
    token_t tok[4];
    int n = 0;
    bool has_time = false;
    bool first = true, had_of = false;
    while (p < end) {
        while (p < end && is_separator(p, end))
            p += is_nbsp(p, end) ? 2 : 1;
        if (p == end)
            break;
        const char *start = p;
        if (is_digit(*p)) {
            token_t t = {.is_num = true};
            t.ndigits = read_number(&p, end, &t.value);
            if (p < end && *p == ':') {
                if (!is_time(start, end))
                    return false;
                has_time = true;
                break;
            }
            if (p < end && is_alpha(*p)) {
                const char *w = p;
                while (p < end && is_alpha(*p))
                    p++;
                size_t len = (size_t)(p - w);
                if (!word_is(w, len, "st") && !word_is(w, len, "nd") &&
                    !word_is(w, len, "rd") && !word_is(w, len, "th"))
                    return false;
                t.ordinal = true;
            }
            if (n == 4)
                return false;
            tok[n++] = t;
        } else if (is_alpha(*p)) {
            while (p < end && is_alpha(*p))
                p++;
            size_t len = (size_t)(p - start);
            int month = month_of(start, len);
            if (month) {
                if (n == 4)
                    return false;
                tok[n++] = (token_t){.value = month};
            } else if (first && is_weekday(start, len)) {
                /* skipped; see above */
            } else if (word_is(start, len, "of") && n == 1 && tok[0].is_num &&
                       !had_of) {
                had_of = true; /* "12th of March" */
            } else {
                return false;
            }
        } else {
            return false;
        }
        /* Tokens must be apart: "March12" and "12March" are not dates. */
        if (p < end && !is_separator(p, end))
            return false;
        first = false;
    }

    int y, m, d;
    im_date_precision_t prec = IM_DATE_DAY;
    if (n == 3 && tok[0].is_num && !tok[1].is_num && tok[2].is_num) {
        if (tok[0].ndigits > 2 || tok[2].ordinal)
            return false;
        d = tok[0].value;
        m = tok[1].value;
        /* Excel's d-mmm-yy writes "12-Mar-24". */
        if (tok[2].ndigits == 2)
            y = widen_year(tok[2].value);
        else if (tok[2].ndigits == 4)
            y = tok[2].value;
        else
            return false;
    } else if (n == 3 && !tok[0].is_num && tok[1].is_num && tok[2].is_num) {
        if (tok[1].ndigits > 2 || tok[2].ndigits != 4 || tok[2].ordinal)
            return false;
        m = tok[0].value;
        d = tok[1].value;
        y = tok[2].value;
    } else if (n == 2 && !tok[0].is_num && tok[1].is_num) {
        /* "Mar 24" could be the 24th as well as 2024: a bare month wants
         * four digits. */
        if (tok[1].ndigits != 4 || tok[1].ordinal || has_time)
            return false;
        m = tok[0].value;
        y = tok[1].value;
        d = 0;
        prec = IM_DATE_MONTH;
    } else {
        return false;
    }
    return make_date(y, m, d, prec, out);
}

/* Narrows [*p, *end) past ASCII white space and U+00A0 at both ends. */
static void trim(const char **p, const char **end)
{
    for (;;) {
        if (*p < *end && is_space(**p))
            (*p)++;
        else if (is_nbsp(*p, *end))
            *p += 2;
        else
            break;
    }
    for (;;) {
        if (*end > *p && is_space((*end)[-1]))
            (*end)--;
        else if (*end - *p >= 2 && is_nbsp(*end - 2, *end))
            *end -= 2;
        else
            break;
    }
}

bool im_date_parse(const char *text, im_date_t *out)
{
    *out = (im_date_t){0};
    if (!text)
        return false;
    const char *p = text, *end = text + strlen(text);
    trim(&p, &end);
    if (p == end)
        return false;
    if (parse_numeric(p, end, out) || parse_words(p, end, out))
        return true;
    *out = (im_date_t){0};
    return false;
}

/* One of iyear/imonth/iday: *known is false for NULL, "" or 0.  A
 * fraction of zeros is allowed because tools that pass integer columns
 * with gaps through floating point write "2012.0". */
static bool read_part(const char *s, int *value, bool *known)
{
    *value = 0;
    *known = false;
    if (!s)
        return true;
    const char *p = s, *end = s + strlen(s);
    trim(&p, &end);
    if (p == end)
        return true;
    int n = read_number(&p, end, value);
    if (n == 0 || n > 4)
        return false;
    if (p < end && *p == '.') {
        p++;
        while (p < end && *p == '0')
            p++;
    }
    if (p != end)
        return false;
    *known = *value != 0;
    return true;
}

bool im_date_from_parts(const char *year, const char *month, const char *day,
                        im_date_t *out)
{
    *out = (im_date_t){0};
    int y, m, d;
    bool ky, km, kd;
    if (!read_part(year, &y, &ky) || !read_part(month, &m, &km) ||
        !read_part(day, &d, &kd) || !ky)
        return false;
    im_date_precision_t p = !km ? IM_DATE_YEAR
                            : !kd ? IM_DATE_MONTH
                                  : IM_DATE_DAY;
    if (make_date(y, m, d, p, out))
        return true;
    *out = (im_date_t){0};
    return false;
}

/* Writes v as exactly width decimal digits. */
static char *put_digits(char *p, int v, int width)
{
    for (int i = width - 1; i >= 0; i--, v /= 10)
        p[i] = (char)('0' + v % 10);
    return p + width;
}

void im_date_format(const im_date_t *d, char *buf, size_t n)
{
    if (n == 0)
        return;
    /* Every imported row formats two dates: digits by hand for the dates
     * that parse can produce, snprintf for anything else. */
    if (n >= 11 && d->year >= 0 && d->year <= 9999 && d->month >= 0 &&
        d->month <= 99 && d->day >= 0 && d->day <= 99 &&
        d->precision >= IM_DATE_YEAR && d->precision <= IM_DATE_DAY) {
        char *p = put_digits(buf, d->year, 4);
        if (d->precision >= IM_DATE_MONTH) {
            *p++ = '-';
            p = put_digits(p, d->month, 2);
        }
        if (d->precision == IM_DATE_DAY) {
            *p++ = '-';
            p = put_digits(p, d->day, 2);
        }
        *p = '\0';
        return;
    }
    switch (d->precision) {
    case IM_DATE_YEAR:
        snprintf(buf, n, "%04d", d->year);
        break;
    case IM_DATE_MONTH:
        snprintf(buf, n, "%04d-%02d", d->year, d->month);
        break;
    case IM_DATE_DAY:
        snprintf(buf, n, "%04d-%02d-%02d", d->year, d->month, d->day);
        break;
    default:
        buf[0] = '\0';
        break;
    }
}

static int cmp_int(int a, int b) { return (a > b) - (a < b); }

int im_date_compare(const im_date_t *a, const im_date_t *b)
{
    bool na = a->precision == IM_DATE_NONE, nb = b->precision == IM_DATE_NONE;
    if (na || nb)
        return cmp_int(!na, !nb);
    int c = cmp_int(a->year, b->year);
    if (!c)
        c = cmp_int(a->month ? a->month : 1, b->month ? b->month : 1);
    if (!c)
        c = cmp_int(a->day ? a->day : 1, b->day ? b->day : 1);
    if (!c)
        c = cmp_int((int)a->precision, (int)b->precision);
    return c;
}

void im_date_span_add(im_date_span_t *s, const im_date_t *d)
{
    if (d->precision == IM_DATE_NONE)
        return;
    if (s->first.precision == IM_DATE_NONE || im_date_compare(d, &s->first) < 0)
        s->first = *d;
    if (s->last.precision == IM_DATE_NONE || im_date_compare(d, &s->last) > 0)
        s->last = *d;
}

bool im_date_span_format(const im_date_span_t *s, char *out, size_t n)
{
    if (s->first.precision == IM_DATE_NONE)
        return false;
    char a[16], b[16];
    im_date_format(&s->first, a, sizeof a);
    im_date_format(&s->last, b, sizeof b);
    if (strcmp(a, b))
        snprintf(out, n, "%s \xE2\x80\x93 %s", a, b);
    else
        snprintf(out, n, "%s", a);
    return true;
}
