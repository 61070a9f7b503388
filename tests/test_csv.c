/*
 * test_csv.c: CSV as it comes in the wild, read back field by field with
 * the line each row starts on.
 */
#include "csv.h"
#include "testlib.h"

static const char *write_file(const char *name, const char *bytes, size_t n)
{
    static char path[512];
    snprintf(path, sizeof path, "%s/%s", test_tmpdir(), name);
    FILE *f = fopen(path, "wb");
    fwrite(bytes, 1, n, f);
    fclose(f);
    return path;
}

int main(void)
{
    im_ctx_t *ctx = im_ctx_new();
    /* BOM, CRLF, a quoted field with an embedded CRLF and a doubled quote,
     * a non-breaking space around a value, a blank line, a CR-only end. */
    static const char data[] =
        "\xEF\xBB\xBF" "district ,count\r\n"
        "\"Tangi, Charsadda\",3\r\n"
        "\"multi\r\nline \"\"quoted\"\"\",\xC2\xA0" "5\xC2\xA0\r\n"
        "\r\n"
        "Quetta,10\r"
        "Mastung,12";
    const char *path = write_file("test_csv_1.csv", data, sizeof data - 1);
    im_csv_t *csv;
    CHECK(im_csv_open(ctx, path, &csv) == IM_OK, "%s", im_ctx_errmsg(ctx));
    CHECK(im_csv_column(csv, "district") == 0, "trimmed header");
    CHECK(im_csv_column(csv, "COUNT") == 1, "case-insensitive header");
    CHECK(im_csv_next(csv) == 1, "row 1");
    CHECK_STR(im_csv_field(csv, 0), "Tangi, Charsadda");
    CHECK(im_csv_line(csv) == 2, "line %ld", im_csv_line(csv));
    CHECK(im_csv_next(csv) == 1, "row 2");
    CHECK_STR(im_csv_field(csv, 0), "multi\nline \"quoted\"");
    CHECK_STR(im_csv_field(csv, 1), "5");
    CHECK(im_csv_line(csv) == 3, "line %ld", im_csv_line(csv));
    CHECK(im_csv_next(csv) == 1, "row 3");
    CHECK_STR(im_csv_field(csv, 0), "Quetta");
    CHECK(im_csv_line(csv) == 6, "line after blank and quoted CRLF: %ld",
          im_csv_line(csv));
    CHECK(im_csv_next(csv) == 1, "row 4 without final newline");
    CHECK_STR(im_csv_field(csv, 1), "12");
    CHECK(im_csv_line(csv) == 7, "CR-only line end counted: %ld",
          im_csv_line(csv));
    CHECK(im_csv_next(csv) == 0, "end");
    CHECK_STR(im_csv_field(csv, 5), "");
    im_csv_free(csv);

    /* Rows without quotes, each whole on its line, take a quicker way
     * through the reader, with the same results: blanks, tabs and
     * non-breaking spaces trimmed, empty fields, a quote inside a field,
     * blank lines skipped and counted, CRLF, a CR-only end (which leaves
     * the quick way) and a last row without a line end. */
    static const char plain[] =
        "lat,lon,category\n"
        "27.1, 64.5 ,\tExplosion\xC2\xA0\n"
        "\n"
        "  \n"
        "25.5,,Abduction\r\n"
        "1,2,say \"no\"\n"
        "3,4,x\r"
        "5,6,\xC2\xA0";
    path = write_file("test_csv_plain.csv", plain, sizeof plain - 1);
    CHECK(im_csv_open(ctx, path, &csv) == IM_OK, "%s", im_ctx_errmsg(ctx));
    CHECK(im_csv_next(csv) == 1, "plain row 1");
    CHECK_STR(im_csv_field(csv, 0), "27.1");
    CHECK_STR(im_csv_field(csv, 1), "64.5");
    CHECK_STR(im_csv_field(csv, 2), "Explosion");
    CHECK(im_csv_line(csv) == 2, "line %ld", im_csv_line(csv));
    CHECK(im_csv_next(csv) == 1 && im_csv_nfields(csv) == 3, "plain row 2");
    CHECK_STR(im_csv_field(csv, 1), "");
    CHECK_STR(im_csv_field(csv, 2), "Abduction");
    CHECK(im_csv_line(csv) == 5, "after two blank lines: %ld", im_csv_line(csv));
    CHECK(im_csv_next(csv) == 1, "plain row 3");
    CHECK_STR(im_csv_field(csv, 2), "say \"no\"");
    CHECK(im_csv_next(csv) == 1, "plain row 4");
    CHECK_STR(im_csv_field(csv, 2), "x");
    CHECK(im_csv_line(csv) == 7, "line %ld", im_csv_line(csv));
    CHECK(im_csv_next(csv) == 1, "plain row 5");
    CHECK_STR(im_csv_field(csv, 0), "5");
    CHECK_STR(im_csv_field(csv, 2), "");
    CHECK(im_csv_line(csv) == 8, "line %ld", im_csv_line(csv));
    CHECK(im_csv_next(csv) == 0, "plain end");
    im_csv_free(csv);

    static const char bad[] = "a,b\n1,\"never closed\n";
    path = write_file("test_csv_2.csv", bad, sizeof bad - 1);
    CHECK(im_csv_open(ctx, path, &csv) == IM_OK, "%s", im_ctx_errmsg(ctx));
    CHECK(im_csv_next(csv) == -1, "unterminated quote is an error");
    CHECK(strstr(im_ctx_errmsg(ctx), "test_csv_2.csv:2:") != NULL,
          "error names file and line: %s", im_ctx_errmsg(ctx));
    CHECK(!im_csv_was_converted(csv), "ASCII is UTF-8");
    im_csv_free(csv);

    path = write_file("test_csv_1.csv", data, sizeof data - 1);
    CHECK(im_csv_open(ctx, path, &csv) == IM_OK, "%s", im_ctx_errmsg(ctx));
    CHECK(!im_csv_was_converted(csv), "a file with a BOM is UTF-8");
    im_csv_free(csv);

    /* A BOM says UTF-8; bytes that are not (a stray cp1252 letter, a
     * sequence cut at the end) become U+FFFD and the rest is kept, even
     * where a small window cuts the sequences. */
    static const char damaged[] = "\xEF\xBB\xBFplace,n\nPesh\xE2war,\xC3\xA9\xE2\x82";
    path = write_file("test_csv_bom_damaged.csv", damaged, sizeof damaged - 1);
    for (size_t window = 16; window <= 24; window += 8) {
        CHECK(im_csv_open_window(ctx, path, window, &csv) == IM_OK, "%s",
              im_ctx_errmsg(ctx));
        CHECK(!im_csv_was_converted(csv), "BOM: not cp1252");
        CHECK_STR(im_csv_header(csv, 0), "place");
        CHECK(im_csv_next(csv) == 1, "row");
        CHECK_STR(im_csv_field(csv, 0), "Pesh\xEF\xBF\xBDwar");
        CHECK_STR(im_csv_field(csv, 1), "\xC3\xA9\xEF\xBF\xBD\xEF\xBF\xBD");
        im_csv_free(csv);
    }

    /* Excel's cp1252: a non-breaking space to trim, an accent, curly
     * quotes, a quoted field with a bare LF, and every byte from 0x80 to
     * 0xFF between x and y; the five bytes cp1252 leaves undefined are
     * U+FFFD. */
    static const char cp1252[] =
        "place,name,note\n"
        "Peshawar\xA0,Caf\xE9,\x93quoted\x94\n"
        "\xA0Kh\xE2n ,\"a\x85\nb\x96" "c\",x";
    static const char all_high_utf8[] =
        "\xE2\x82\xAC\xEF\xBF\xBD\xE2\x80\x9A\xC6\x92\xE2\x80\x9E"
        "\xE2\x80\xA6\xE2\x80\xA0\xE2\x80\xA1\xCB\x86\xE2\x80\xB0"
        "\xC5\xA0\xE2\x80\xB9\xC5\x92\xEF\xBF\xBD\xC5\xBD\xEF\xBF\xBD"
        "\xEF\xBF\xBD\xE2\x80\x98\xE2\x80\x99\xE2\x80\x9C\xE2\x80\x9D"
        "\xE2\x80\xA2\xE2\x80\x93\xE2\x80\x94\xCB\x9C\xE2\x84\xA2"
        "\xC5\xA1\xE2\x80\xBA\xC5\x93\xEF\xBF\xBD\xC5\xBE\xC5\xB8"
        "\xC2\xA0\xC2\xA1\xC2\xA2\xC2\xA3\xC2\xA4\xC2\xA5\xC2\xA6\xC2\xA7"
        "\xC2\xA8\xC2\xA9\xC2\xAA\xC2\xAB\xC2\xAC\xC2\xAD\xC2\xAE\xC2\xAF"
        "\xC2\xB0\xC2\xB1\xC2\xB2\xC2\xB3\xC2\xB4\xC2\xB5\xC2\xB6\xC2\xB7"
        "\xC2\xB8\xC2\xB9\xC2\xBA\xC2\xBB\xC2\xBC\xC2\xBD\xC2\xBE\xC2\xBF"
        "\xC3\x80\xC3\x81\xC3\x82\xC3\x83\xC3\x84\xC3\x85\xC3\x86\xC3\x87"
        "\xC3\x88\xC3\x89\xC3\x8A\xC3\x8B\xC3\x8C\xC3\x8D\xC3\x8E\xC3\x8F"
        "\xC3\x90\xC3\x91\xC3\x92\xC3\x93\xC3\x94\xC3\x95\xC3\x96\xC3\x97"
        "\xC3\x98\xC3\x99\xC3\x9A\xC3\x9B\xC3\x9C\xC3\x9D\xC3\x9E\xC3\x9F"
        "\xC3\xA0\xC3\xA1\xC3\xA2\xC3\xA3\xC3\xA4\xC3\xA5\xC3\xA6\xC3\xA7"
        "\xC3\xA8\xC3\xA9\xC3\xAA\xC3\xAB\xC3\xAC\xC3\xAD\xC3\xAE\xC3\xAF"
        "\xC3\xB0\xC3\xB1\xC3\xB2\xC3\xB3\xC3\xB4\xC3\xB5\xC3\xB6\xC3\xB7"
        "\xC3\xB8\xC3\xB9\xC3\xBA\xC3\xBB\xC3\xBC\xC3\xBD\xC3\xBE\xC3\xBF";
    char high[sizeof cp1252 + 140];
    size_t hn = sizeof cp1252 - 1;
    memcpy(high, cp1252, hn);
    high[hn++] = '\n';
    high[hn++] = 'x';
    for (int b = 0x80; b <= 0xFF; b++)
        high[hn++] = (char)b;
    memcpy(high + hn, "y,,\n", 4);
    hn += 4;
    path = write_file("test_csv_cp1252.csv", high, hn);
    CHECK(im_csv_open(ctx, path, &csv) == IM_OK, "%s", im_ctx_errmsg(ctx));
    CHECK(im_csv_was_converted(csv), "cp1252 detected");
    CHECK(im_csv_next(csv) == 1, "cp1252 row 1");
    CHECK_STR(im_csv_field(csv, 0), "Peshawar");
    CHECK_STR(im_csv_field(csv, 1), "Caf\xC3\xA9");
    CHECK_STR(im_csv_field(csv, 2), "\xE2\x80\x9Cquoted\xE2\x80\x9D");
    CHECK(im_csv_next(csv) == 1, "cp1252 row 2");
    CHECK_STR(im_csv_field(csv, 0), "Kh\xC3\xA2n");
    CHECK_STR(im_csv_field(csv, 1), "a\xE2\x80\xA6\nb\xE2\x80\x93" "c");
    CHECK(im_csv_next(csv) == 1, "cp1252 row 3");
    CHECK(im_csv_line(csv) == 5, "lines unchanged by conversion: %ld",
          im_csv_line(csv));
    char want_high[sizeof all_high_utf8 + 2];
    snprintf(want_high, sizeof want_high, "x%sy", all_high_utf8);
    CHECK_STR(im_csv_field(csv, 0), want_high);
    CHECK(im_csv_next(csv) == 0, "cp1252 end");
    im_csv_free(csv);

    /* Valid UTF-8 without a BOM, including U+FFFD, three- and four-byte
     * sequences and a trailing U+00A0, is left as it is. */
    static const char utf8[] =
        "place,name\n"
        "Caf\xC3\xA9\xC2\xA0,\xE2\x80\x9Cq\xE2\x80\x9D \xEF\xBF\xBD "
        "\xD9\xBE\xD8\xB4\xD8\xA7\xD9\x88\xD8\xB1 \xF0\x9F\x97\xBA\n";
    path = write_file("test_csv_utf8.csv", utf8, sizeof utf8 - 1);
    CHECK(im_csv_open(ctx, path, &csv) == IM_OK, "%s", im_ctx_errmsg(ctx));
    CHECK(!im_csv_was_converted(csv), "valid UTF-8 kept");
    CHECK(im_csv_next(csv) == 1, "utf8 row");
    CHECK_STR(im_csv_field(csv, 0), "Caf\xC3\xA9");
    CHECK_STR(im_csv_field(csv, 1),
              "\xE2\x80\x9Cq\xE2\x80\x9D \xEF\xBF\xBD \xD9\xBE\xD8\xB4"
              "\xD8\xA7\xD9\x88\xD8\xB1 \xF0\x9F\x97\xBA");
    im_csv_free(csv);

    /* Bytes that only look like UTF-8 (an overlong form, a surrogate, a
     * sequence cut short by the end of the file) make it cp1252. */
    static const char *const not_utf8[] = {
        "a\n\xC0\xAF\n", "a\n\xED\xA0\x80\n", "a\nx\xE2\x82",
    };
    static const char *const as_cp1252[] = {
        "\xC3\x80\xC2\xAF", "\xC3\xAD\xC2\xA0\xE2\x82\xAC",
        "x\xC3\xA2\xE2\x80\x9A",
    };
    for (int i = 0; i < 3; i++) {
        path = write_file("test_csv_not_utf8.csv", not_utf8[i],
                          strlen(not_utf8[i]));
        CHECK(im_csv_open(ctx, path, &csv) == IM_OK, "%s", im_ctx_errmsg(ctx));
        CHECK(im_csv_was_converted(csv), "case %d converted", i);
        CHECK(im_csv_next(csv) == 1, "case %d row", i);
        CHECK_STR(im_csv_field(csv, 0), as_cp1252[i]);
        im_csv_free(csv);
    }

    CHECK(im_csv_open(ctx, "/nonexistent/x.csv", &csv) == IM_ERR_IO, "missing");
    CHECK(strstr(im_ctx_errmsg(ctx), "/nonexistent/x.csv") != NULL, "%s",
          im_ctx_errmsg(ctx));
    im_ctx_free(ctx);
    TEST_DONE();
}
