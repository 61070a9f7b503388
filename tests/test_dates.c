/*
 * test_dates.c: dates in the forms incident exports write them, each read
 * back through its formatted value, which carries the precision; then the
 * forms that must be refused, GTD-style separate fields, and ordering.
 */
#include "dates.h"
#include "testlib.h"

/* want NULL: not a date. */
static const struct {
    const char *text, *want;
} cases[] = {
    /* ISO 8601 and ACLED's event_date */
    {"2024-12-31", "2024-12-31"},
    {"2024-12", "2024-12"},
    {"2024", "2024"},
    {"2024-03-12", "2024-03-12"},
    {"2024-3-2", "2024-03-02"},
    {"2024/03/12", "2024-03-12"},
    {"2024-03-12T10:00:00", "2024-03-12"},
    {"2024-03-12T10:00:00Z", "2024-03-12"},
    {"2024-03-12T10:00:00.250+05:00", "2024-03-12"},
    {"2024-03-12 10:00", "2024-03-12"},
    {"  2024-03-12  ", "2024-03-12"},
    {"\xC2\xA0" "2024-03-12\t", "2024-03-12"},
    /* Day first with slashes (TBIJ), hyphens and dots */
    {"17/06/2004", "2004-06-17"},
    {"8/5/05", "2005-05-08"},
    {"1/12/95", "1995-12-01"},
    {"31/12/69", "2069-12-31"},
    {"1/1/70", "1970-01-01"},
    {"08/05/2005", "2005-05-08"},
    {"17-06-2004", "2004-06-17"},
    {"17.06.2004", "2004-06-17"},
    {"17/06/2004 14:30", "2004-06-17"},
    {"17/06/2004 2:30 PM", "2004-06-17"},
    {"06/2004", "2004-06"},
    /* Month names */
    {"Friday, June 18, 2004", "2004-06-18"},
    {"Sunday-November 19-1995", "1995-11-19"},
    {"Thursday-Feb-16-2017", "2017-02-16"},
    {"Thu, 16 Feb 2017", "2017-02-16"},
    {"12 March 2024", "2024-03-12"},
    {"12-Mar-2024", "2024-03-12"},
    {"12-Mar-24", "2024-03-12"},
    {"12 march 2024", "2024-03-12"},
    {"12 MARCH 2024", "2024-03-12"},
    {"March 12, 2024", "2024-03-12"},
    {"March 12th, 2024", "2024-03-12"},
    {"1st of September 2001", "2001-09-01"},
    {"5 Sept 2010", "2010-09-05"},
    {"5 Sept. 2010", "2010-09-05"},
    {"Sep 5, 2010", "2010-09-05"},
    {"March 2024", "2024-03"},
    {"Mar 2024", "2024-03"},
    {"dec 1999", "1999-12"},
    {"29 February 2024", "2024-02-29"},
    {"29/02/2000", "2000-02-29"},
    {"12 March 2024 10:00", "2024-03-12"},
    /* A weekday that does not match the date is the source's mistake. */
    {"Monday, June 18, 2004", "2004-06-18"},
    /* Not dates */
    {"", NULL},
    {"   ", NULL},
    {"unknown", NULL},
    {"n/a", NULL},
    {"31 April 2024", NULL},
    {"31/04/2024", NULL},
    {"29/02/2023", NULL},
    {"29 Feb 1900", NULL},
    {"2023-02-29", NULL},
    {"2024-13-01", NULL},
    {"2024-13", NULL},
    {"13/13/2024", NULL},
    {"0/5/2024", NULL},
    {"2024-00-10", NULL},
    {"1899", NULL},
    {"2101", NULL},
    {"1899-12-31", NULL},
    {"12", NULL},
    {"202", NULL},
    {"20240", NULL},
    {"2024.12", NULL},
    {"2024-12-311", NULL},
    {"17/06-2004", NULL},
    {"17/06/204", NULL},
    {"17 06 2004", NULL},
    {"2024abc", NULL},
    {"March", NULL},
    {"March 12", NULL},
    {"Mar 24", NULL},
    {"Friday", NULL},
    {"12 Foo 2024", NULL},
    {"12March2024", NULL},
    {"12xx March 2024", NULL},
    {"12 March 2024 Friday", NULL},
    {"March 12 24", NULL},
    {"2024-03-12T25:00", NULL},
    {"2024-03-12 10:61", NULL},
    {"2024-03-12 noon", NULL},
    {"March 2024 10:00", NULL},
    {"12 March 2024, and more", NULL},
    {"June 18, 2004 (Friday)", NULL},
};

static const struct {
    const char *y, *m, *d, *want;
} parts[] = {
    {"2012", "5", "14", "2012-05-14"},
    {"2012", "5", "0", "2012-05"},
    {"2012", "0", "0", "2012"},
    {"2012", "", "", "2012"},
    {"2012", NULL, NULL, "2012"},
    {"2012", "0", "14", "2012"},
    {" 2012 ", " 12 ", " 31 ", "2012-12-31"},
    {"2012.0", "5.0", "14.0", "2012-05-14"},
    {"0", "5", "14", NULL},
    {"", "5", "14", NULL},
    {NULL, NULL, NULL, NULL},
    {"2012", "13", "0", NULL},
    {"2012", "4", "31", NULL},
    {"2011", "2", "29", NULL},
    {"2012", "-99", "0", NULL},
    {"twelve", "5", "1", NULL},
    {"2012", "5", "1st", NULL},
    {"1850", "1", "1", NULL},
};

static int sign(int v) { return (v > 0) - (v < 0); }

int main(void)
{
    char buf[32];
    int n = 0;
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++, n++) {
        im_date_t d = {1, 1, 1, IM_DATE_DAY};
        bool ok = im_date_parse(cases[i].text, &d);
        im_date_format(&d, buf, sizeof buf);
        if (cases[i].want) {
            CHECK(ok, "'%s' should parse", cases[i].text);
            CHECK(strcmp(buf, cases[i].want) == 0, "'%s' gave '%s', want '%s'",
                  cases[i].text, buf, cases[i].want);
        } else {
            CHECK(!ok, "'%s' should be refused, gave '%s'", cases[i].text, buf);
            CHECK(d.precision == IM_DATE_NONE && d.year == 0 && buf[0] == '\0',
                  "'%s' refused but left %d/%d/%d", cases[i].text, d.year,
                  d.month, d.day);
        }
    }
    for (size_t i = 0; i < sizeof parts / sizeof parts[0]; i++, n++) {
        im_date_t d;
        bool ok = im_date_from_parts(parts[i].y, parts[i].m, parts[i].d, &d);
        im_date_format(&d, buf, sizeof buf);
        const char *y = parts[i].y ? parts[i].y : "(null)";
        const char *m = parts[i].m ? parts[i].m : "(null)";
        const char *dd = parts[i].d ? parts[i].d : "(null)";
        if (parts[i].want) {
            CHECK(ok && strcmp(buf, parts[i].want) == 0,
                  "%s/%s/%s gave %s '%s', want '%s'", y, m, dd,
                  ok ? "true" : "false", buf, parts[i].want);
        } else {
            CHECK(!ok && d.precision == IM_DATE_NONE,
                  "%s/%s/%s should be refused, gave '%s'", y, m, dd, buf);
        }
    }

    /* Precision is kept in the fields as well as in the text. */
    im_date_t d;
    CHECK(im_date_parse("March 2024", &d) && d.precision == IM_DATE_MONTH &&
              d.year == 2024 && d.month == 3 && d.day == 0,
          "month precision: %d %d-%d-%d", (int)d.precision, d.year, d.month,
          d.day);
    CHECK(im_date_parse("2024", &d) && d.precision == IM_DATE_YEAR &&
              d.month == 0 && d.day == 0,
          "year precision");

    /* A short buffer truncates but stays terminated. */
    im_date_parse("2024-12-31", &d);
    char small[5];
    const char *got = small;
    im_date_format(&d, small, sizeof small);
    CHECK_STR(got, "2024");
    im_date_format(&d, small, 0);

    /* Ordering by the first day covered, coarser first on ties. */
    static const struct {
        const char *a, *b;
        int want;
    } order[] = {
        {"2024-03-12", "2024-03-13", -1},
        {"2024-03-12", "12 March 2024", 0},
        {"2024", "2024-01", -1},
        {"2024-01", "2024-01-01", -1},
        {"2024-01-01", "2024", 1},
        {"2024-02", "2024-01-31", 1},
        {"2023-12-31", "2024", -1},
        {"1995", "1995", 0},
        {"8/5/05", "17/06/2004", 1},
    };
    for (size_t i = 0; i < sizeof order / sizeof order[0]; i++, n++) {
        im_date_t a, b;
        CHECK(im_date_parse(order[i].a, &a) && im_date_parse(order[i].b, &b),
              "parse %s, %s", order[i].a, order[i].b);
        int c = im_date_compare(&a, &b);
        CHECK(sign(c) == order[i].want, "compare(%s, %s) = %d, want %d",
              order[i].a, order[i].b, c, order[i].want);
        CHECK(sign(im_date_compare(&b, &a)) == -order[i].want,
              "compare(%s, %s) not antisymmetric", order[i].b, order[i].a);
    }
    im_date_t none = {0}, y2024;
    im_date_parse("2024", &y2024);
    CHECK(im_date_compare(&none, &y2024) < 0, "NONE first");
    CHECK(im_date_compare(&y2024, &none) > 0, "NONE first");
    CHECK(im_date_compare(&none, &none) == 0, "NONE equals NONE");

    printf("%d date cases\n", n);
    TEST_DONE();
}
