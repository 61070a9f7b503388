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

    static const char bad[] = "a,b\n1,\"never closed\n";
    path = write_file("test_csv_2.csv", bad, sizeof bad - 1);
    CHECK(im_csv_open(ctx, path, &csv) == IM_OK, "%s", im_ctx_errmsg(ctx));
    CHECK(im_csv_next(csv) == -1, "unterminated quote is an error");
    CHECK(strstr(im_ctx_errmsg(ctx), "test_csv_2.csv:2:") != NULL,
          "error names file and line: %s", im_ctx_errmsg(ctx));
    im_csv_free(csv);

    CHECK(im_csv_open(ctx, "/nonexistent/x.csv", &csv) == IM_ERR_IO, "missing");
    CHECK(strstr(im_ctx_errmsg(ctx), "/nonexistent/x.csv") != NULL, "%s",
          im_ctx_errmsg(ctx));
    im_ctx_free(ctx);
    TEST_DONE();
}
