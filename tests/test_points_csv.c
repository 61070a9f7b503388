/*
 * test_points_csv.c: a large plain file of points (no quotes), which is
 * read in ranges on several threads, gives exactly the points, categories
 * and errors that the general reader gives for the same rows; so does one
 * whose rows the ranges must hand back to that reader.
 */
#include "incimap.h"
#include "points.h"
#include "testlib.h"

#include <stdbool.h>
#include <stdint.h>

static const char *const cats[] = {"Abduction", "Targeted killing", "IED",
                                   "Suicide attack", "Grenade", "Targeted bombing",
                                   "Drone strike"};

enum { ROWS = 90000 };

/* Row i's text, without its line end; rows in the second half bring a
 * category never seen before, and some rows are odd in ways the reader
 * must take in its stride. */
static void row(char *buf, size_t n, unsigned i)
{
    uint32_t r = i * 2654435761u ^ 0x9e3779b9u;
    int ilat = 23 + (int)(r % 14), ilon = 60 + (int)(r / 14 % 17);
    unsigned flat = r / 238 % 100000, flon = r / 7 % 10000000;
    int ncat = i > ROWS / 2 ? 7 : 6;
    const char *cat = cats[r / 3 % (unsigned)ncat];
    switch (i % 97) {
    case 5:   /* no category field at all */
        snprintf(buf, n, "%d.%05u,%d.%07u", ilat, flat, ilon, flon);
        break;
    case 6:   /* an extra field, and a coordinate without decimals */
        snprintf(buf, n, "%d,%d.%u,%s,extra", ilat, ilon, flon % 10, cat);
        break;
    case 7:   /* a longitude with a sign and one decimal */
        snprintf(buf, n, "%d.%05u,+%d.%u,%s", ilat, flat, ilon, flon % 10, cat);
        break;
    case 8:   /* an empty category */
        snprintf(buf, n, "%d.%05u,%d.%03u,", ilat, flat, ilon, flon % 1000);
        break;
    default:
        snprintf(buf, n, "%d.%05u,%d.%05u,%s", ilat, flat, ilon, flon % 100000,
                 cat);
    }
}

/* How files are laid out: latitude first, longitude first, an id
 * column before them, or every coordinate in whole degrees. */
static enum { LAT_LON, LON_LAT, ID_FIRST, WHOLE } layout;

/* Row text b with its first two fields swapped. */
static void swap_first(char *b, size_t n)
{
    char *c1 = strchr(b, ','), *c2 = c1 ? strchr(c1 + 1, ',') : NULL;
    if (!c1)
        return;
    char t[128];
    snprintf(t, sizeof t, "%.*s,%.*s%s", (int)((c2 ? c2 : c1 + strlen(c1)) - c1 - 1),
             c1 + 1, (int)(c1 - b), b, c2 ? c2 : "");
    snprintf(b, n, "%s", t);
}

/* Writes the file; odd (the 0-based row number) gets its text instead,
 * and quoted puts the first row's category in quotes, which sends the
 * whole file to the general reader. */
static void write_points(const char *path, bool quoted, long odd,
                         const char *odd_text)
{
    FILE *f = fopen(path, "w");
    fputs(layout == LON_LAT    ? "lon,lat,category\n"
          : layout == ID_FIRST ? "id,lat,lon,category\n"
                               : "lat,lon,category\n",
          f);
    for (unsigned i = 0; i < ROWS; i++) {
        char b[128];
        row(b, sizeof b, i);
        if ((long)i == odd)
            snprintf(b, sizeof b, "%s", odd_text);
        if (layout == LON_LAT)
            swap_first(b, sizeof b);
        if (layout == ID_FIRST) {
            char t[160];
            snprintf(t, sizeof t, "%u,%s", i, b);
            snprintf(b, sizeof b, "%.120s", t);
        }
        if (layout == WHOLE && (long)i != odd)
            for (char *d; (d = strchr(b, '.'));)
                memmove(d, d + strspn(d + 1, "0123456789") + 1,
                        strlen(d + strspn(d + 1, "0123456789") + 1) + 1);
        if (i == 0 && quoted) {
            char *comma = strrchr(b, ',');
            char q[128];
            snprintf(q, sizeof q, "\"%s\"", comma + 1);
            memcpy(comma + 1, q, strlen(q) + 1);
        }
        const char *end = i % 13 == 4 ? "\r\n" : "\n";
        if (i == ROWS - 1)
            end = "";   /* the last line has no line end */
        fprintf(f, "%s%s", b, end);
        if (i % 1000 == 999)
            fputs(i % 2000 == 999 ? "\n" : "\r\n", f);   /* blank lines */
    }
    fclose(f);
}

/* Whether a and b hold the same points: coordinates, categories (and
 * their numbers, which give the legend's order) and counts. */
static bool same_points(const im_points_t *a, const im_points_t *b)
{
    size_t n = im_points_count(a);
    CHECK(n == im_points_count(b), "%zu against %zu points", n,
          im_points_count(b));
    CHECK(im_points_ncategories(a) == im_points_ncategories(b),
          "%zu against %zu categories", im_points_ncategories(a),
          im_points_ncategories(b));
    if (n != im_points_count(b) ||
        im_points_ncategories(a) != im_points_ncategories(b))
        return false;
    for (size_t k = 0; k < im_points_ncategories(a); k++) {
        CHECK_STR(im_points_category_name(a, k), im_points_category_name(b, k));
        CHECK(im_points_category_count(a, k) == im_points_category_count(b, k),
              "category %zu: %zu against %zu", k,
              im_points_category_count(a, k), im_points_category_count(b, k));
    }
    size_t bad = 0;
    for (size_t i = 0; i < n; i++) {
        double x1, y1, x2, y2;
        const char *c1, *c2;
        im_points_get(a, i, &x1, &y1, &c1, NULL);
        im_points_get(b, i, &x2, &y2, &c2, NULL);
        if (x1 != x2 || y1 != y2 || strcmp(c1, c2) != 0 ||
            im_points_category(a, i) != im_points_category(b, i)) {
            if (bad++ == 0)
                CHECK(false, "point %zu: %.9f,%.9f %s against %.9f,%.9f %s",
                      i, y1, x1, c1, y2, x2, c2);
        }
    }
    return bad == 0;
}

/* Reads the file both ways (plain and with the one quote) and compares. */
static void compare(im_ctx_t *ctx, const im_gazetteer_t *gaz, const char *what,
                    long odd, const char *odd_text)
{
    char plain[1024], quoted[1024];
    snprintf(plain, sizeof plain, "%s/points-plain.csv", test_tmpdir());
    snprintf(quoted, sizeof quoted, "%s/points-quoted.csv", test_tmpdir());
    write_points(plain, false, odd, odd_text);
    write_points(quoted, true, odd, odd_text);
    im_points_t *a = NULL, *b = NULL;
    CHECK(im_points_read_csv(ctx, gaz, plain, &a) == IM_OK, "%s: %s", what,
          im_ctx_errmsg(ctx));
    CHECK(im_points_read_csv(ctx, gaz, quoted, &b) == IM_OK, "%s: %s", what,
          im_ctx_errmsg(ctx));
    if (a && b)
        CHECK(same_points(a, b), "%s", what);
    im_points_free(a);
    im_points_free(b);
}

int main(void)
{
    char data[1024];
    im_ctx_t *ctx = im_ctx_new();
    im_ctx_set_data_dir(ctx, test_path(data, sizeof data, "data"));
    im_gazetteer_t *gaz = NULL;
    CHECK(im_gazetteer_open(ctx, NULL, &gaz) == IM_OK, "%s", im_ctx_errmsg(ctx));
    if (test_failures)
        TEST_DONE();

    compare(ctx, gaz, "plain rows", -1, "");
    /* Coordinates of other forms read straight: signs, no decimals or
     * seven, a point with none after it. */
    compare(ctx, gaz, "negative", ROWS - 100, "-27.5,-64.0000001,IED");
    compare(ctx, gaz, "seven decimals", ROWS - 100, "27.1234567,164.9999999,IED");
    compare(ctx, gaz, "bare point", ROWS - 100, "5.,64,IED");
    compare(ctx, gaz, "short category", ROWS - 100, "27.5,64.5,A");
    compare(ctx, gaz, "long category", ROWS - 100,
            "27.5,64.5,Attack on a polling station by unknown gunmen");
    /* The first 16 bytes of another category, and one byte more. */
    compare(ctx, gaz, "category past 16 bytes", ROWS - 100,
            "27.5,64.5,Targeted killings");
    compare(ctx, gaz, "category with a bracket", ROWS - 100,
            "27.5,64.5,IED (remote)");
    compare(ctx, gaz, "three digits, seven decimals", ROWS - 100,
            "-89.1234567,-179.9999999,IED");
    compare(ctx, gaz, "minus on the longitude", ROWS - 100, "27.5,-64.5,IED");
    /* Rows late in the file that the ranges hand back: blanks around a
     * value, blanks around a category (\u00a0 too), more decimals than ten-millionths, a lone CR (two rows),
     * and no coordinates but a place the gazetteer cannot know. */
    compare(ctx, gaz, "blank", ROWS - 100, " 27.5 ,64.25,IED");
    compare(ctx, gaz, "blank category", ROWS - 100, "27.5,64.25, IED");
    compare(ctx, gaz, "tab after category", ROWS - 100, "27.5,64.25,IED\t");
    compare(ctx, gaz, "no-break space", ROWS - 100, "27.5,64.25,IED\xc2\xa0");
    compare(ctx, gaz, "minus zero", ROWS - 100, "-0.0,64.5,IED");
    compare(ctx, gaz, "eight decimals", ROWS - 100, "27.12345678,64.5,IED");
    compare(ctx, gaz, "nine decimals", ROWS - 100, "27.123456789,64.5,IED");
    /* The rows are checked as they are read: a late quote, or a byte
     * that is not UTF-8 (the whole file is then Windows-1252). */
    compare(ctx, gaz, "late quote", ROWS - 100, "27.5,64.5,\"IED, remote\"");
    compare(ctx, gaz, "cp1252", ROWS - 100, "27.5,64.5,Attaque \xe0 la grenade");
    compare(ctx, gaz, "UTF-8", ROWS - 100, "27.5,64.5,Attaque \xc3\xa0 la grenade");
    compare(ctx, gaz, "lone CR", ROWS - 100, "27.5,64.5,IED\r28.5,65.5,Raid");

    /* An error late in the file names its line, as the general reader
     * counts lines (the header, blank lines and CRLFs included). */
    char path[1024];
    snprintf(path, sizeof path, "%s/points-plain.csv", test_tmpdir());
    write_points(path, false, ROWS - 100, "27.5,east,IED");
    im_points_t *p = NULL;
    CHECK(im_points_read_csv(ctx, gaz, path, &p) == IM_ERR_PARSE, "bad row");
    char want[1200];
    long line = 2 + (ROWS - 100) + (ROWS - 100) / 1000;
    snprintf(want, sizeof want, "%s:%ld: lon: bad longitude 'east'", path, line);
    CHECK_STR(im_ctx_errmsg(ctx), want);
    im_points_free(p);

    /* Values past the limits in the usual form, with three digits before
     * the point: errors of the general reader, not values wrapped round. */
    const char *const beyond[][2] = {{"27.5,500.5,IED", "lon: bad longitude '500.5'"},
                                     {"27.5,429.4967296,IED",
                                      "lon: bad longitude '429.4967296'"},
                                     {"900.5,64.5,IED", "lat: bad latitude '900.5'"}};
    for (size_t i = 0; i < sizeof beyond / sizeof *beyond; i++) {
        write_points(path, false, ROWS - 100, beyond[i][0]);
        p = NULL;
        CHECK(im_points_read_csv(ctx, gaz, path, &p) == IM_ERR_PARSE, "%s",
              beyond[i][0]);
        snprintf(want, sizeof want, "%s:%ld: %s", path, line, beyond[i][1]);
        CHECK_STR(im_ctx_errmsg(ctx), want);
        im_points_free(p);
    }

    /* Other layouts: the same points. */
    layout = LON_LAT;
    compare(ctx, gaz, "longitude first", -1, "");
    compare(ctx, gaz, "longitude first, negative", ROWS - 100,
            "-27.5,-64.0000001,IED");
    layout = ID_FIRST;
    compare(ctx, gaz, "an id first", -1, "");
    compare(ctx, gaz, "an id first, negative", ROWS - 100,
            "7,-27.5,-64.0000001,IED");
    /* Rows none of which the reader of the commonest form reads. */
    layout = WHOLE;
    compare(ctx, gaz, "whole degrees", -1, "");
    layout = LAT_LON;

    im_gazetteer_free(gaz);
    im_ctx_free(ctx);
    TEST_DONE();
}
