/*
 * fuzz_dates.c: the date parser on arbitrary text.  A date it accepts
 * must be a real one in range, must print as dates.h says and read back
 * as itself; the same holds for im_date_from_parts on the text cut at
 * its first two '|'; and the order of dates must be antisymmetric.
 */
#include "dates.h"
#include "fuzz.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void check_date(const im_date_t *d, const char *what, const char *text)
{
    static const int mdays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    bool leap = (d->year % 4 == 0 && d->year % 100 != 0) || d->year % 400 == 0;
    bool ok = d->year >= 1900 && d->year <= 2100 &&
              d->precision >= IM_DATE_YEAR && d->precision <= IM_DATE_DAY &&
              (d->precision >= IM_DATE_MONTH ? d->month >= 1 && d->month <= 12
                                             : d->month == 0) &&
              (d->precision == IM_DATE_DAY ? d->day >= 1 &&
                                                 d->day <= mdays[d->month - 1] +
                                                     (d->month == 2 && leap)
                                           : d->day == 0);
    char buf[16], buf2[16];
    im_date_format(d, buf, sizeof buf);
    size_t want = d->precision == IM_DATE_DAY ? 10 : d->precision == IM_DATE_MONTH ? 7 : 4;
    ok = ok && strlen(buf) == want;
    im_date_t back;
    ok = ok && im_date_parse(buf, &back) && im_date_compare(d, &back) == 0 &&
         back.year == d->year && back.month == d->month && back.day == d->day;
    /* A buffer too small is cut, terminated. */
    im_date_format(d, buf2, 5);
    ok = ok && strlen(buf2) == 4 && memcmp(buf, buf2, 4) == 0;
    if (!ok) {
        fprintf(stderr, "%s: '%s' gave %d-%d-%d precision %d, '%s'\n", what,
                text, d->year, d->month, d->day, (int)d->precision, buf);
        abort();
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *text = fuzz_string(data, size);
    im_date_t d, p;
    bool parsed = im_date_parse(text, &d);
    if (parsed)
        check_date(&d, "im_date_parse", text);
    else if (d.year || d.month || d.day || d.precision)
        abort(); /* *out zeroed on failure */

    char *year = text, *month = NULL, *day = NULL;
    char *bar = strchr(year, '|');
    if (bar) {
        *bar = '\0';
        month = bar + 1;
        bar = strchr(month, '|');
        if (bar) {
            *bar = '\0';
            day = bar + 1;
        }
    }
    bool from_parts = im_date_from_parts(year, month, day, &p);
    if (from_parts)
        check_date(&p, "im_date_from_parts", year);
    else if (p.year || p.month || p.day || p.precision)
        abort();

    int ab = im_date_compare(&d, &p), ba = im_date_compare(&p, &d);
    if (ab != -ba || ab < -1 || ab > 1 || im_date_compare(&d, &d) != 0) {
        fprintf(stderr, "compare: %d and %d\n", ab, ba);
        abort();
    }
    free(text);
    return 0;
}
