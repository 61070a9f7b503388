/*
 * cmd_mentions.c: `incimap mentions FILE.txt`: the districts, places and
 * provinces an article names, one row per mention, with the number of
 * attacks its sentence gives each.  Stdout carries only the data.
 */
#include "cli.h"

#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char help[] =
    "usage: incimap mentions FILE.txt [--format csv|json] [--places FILE]\n"
    "                        [--data-dir DIR]\n"
    "\n"
    "Finds every district, place and province named in FILE (UTF-8 text;\n"
    "- reads standard input) and the number of attacks its sentence gives\n"
    "each, as in \"36 attacks in Bajaur\" or \"Mastung and Quetta, where it\n"
    "carried out 12 and 10 attacks, respectively\".\n"
    "\n"
    "Prints one row per mention in text order with the columns\n"
    "district,province,kind,text,offset,count,sentence: kind is district,\n"
    "alias, place, division or province; offset is the offset of text in\n"
    "FILE in characters (Unicode code points, the first is 0);\n"
    "count is empty (null in JSON) where the sentence gives none.\n"
    "\n"
    "  --format csv|json   CSV with a header row (default), or a JSON array\n"
    "                      of objects with the same keys\n"
    "  --places FILE       more places (CSV: name, district, optional\n"
    "                      province, lat, lon), as for incimap geocode\n"
    "  --data-dir DIR      the data directory (gazetteer)\n";

enum { OPT_FORMAT = 256, OPT_DATA, OPT_PLACES };

static const struct option options[] = {
    {"help", no_argument, NULL, 'h'},
    {"format", required_argument, NULL, OPT_FORMAT},
    {"data-dir", required_argument, NULL, OPT_DATA},
    {"places", required_argument, NULL, OPT_PLACES},
    {NULL, 0, NULL, 0},
};

typedef struct {
    const char *input, *data_dir, *places;
    bool json;
} mentions_args_t;

static int parse(int argc, char **argv, mentions_args_t *a)
{
    const char *cmd = "mentions";
    optind = 1;
    opterr = 0;
    int c;
    while ((c = getopt_long(argc, argv, ":h", options, NULL)) != -1) {
        switch (c) {
        case 'h': fputs(help, stdout); return 1;
        case OPT_FORMAT:
            if (strcmp(optarg, "csv") && strcmp(optarg, "json")) {
                cli_error(cmd, "--format: '%s' is not csv or json", optarg);
                return -1;
            }
            a->json = !strcmp(optarg, "json");
            break;
        case OPT_DATA: a->data_dir = optarg; break;
        case OPT_PLACES: a->places = optarg; break;
        case ':':
            cli_error(cmd, "%s needs a value", argv[optind - 1]);
            return -1;
        default:
            cli_error(cmd, "unknown option '%s' (see incimap mentions --help)",
                      argv[optind - 1]);
            return -1;
        }
    }
    if (optind != argc - 1) {
        cli_error(cmd, optind >= argc ? "no input file (see incimap mentions "
                                        "--help)"
                                      : "one input file expected");
        return -1;
    }
    a->input = argv[optind];
    return 0;
}

/* Reads all of path ("-": standard input); caller frees *out. */
static int read_all(const char *path, char **out, size_t *out_len)
{
    FILE *f = strcmp(path, "-") ? fopen(path, "rb") : stdin;
    if (!f) {
        cli_error("mentions", "cannot open '%s': %s", path, strerror(errno));
        return -1;
    }
    size_t len = 0, cap = 1 << 16;
    char *buf = malloc(cap);
    while (buf) {
        len += fread(buf + len, 1, cap - len, f);
        if (len < cap)
            break;
        char *p = realloc(buf, cap * 2);
        if (!p) {
            free(buf);
            buf = NULL;
        } else {
            buf = p;
            cap *= 2;
        }
    }
    int err = ferror(f);
    if (f != stdin)
        fclose(f);
    if (!buf || err) {
        cli_error("mentions", "cannot read '%s': %s", path,
                  buf ? "read error" : "out of memory");
        free(buf);
        return -1;
    }
    *out = buf;
    *out_len = len;
    return 0;
}

/* RFC 4180: quoted when it holds a comma, a quote or a line break. */
static void csv_field(const char *s, size_t n)
{
    bool quote = false;
    for (size_t i = 0; i < n && !quote; i++)
        quote = s[i] == ',' || s[i] == '"' || s[i] == '\n' || s[i] == '\r';
    if (!quote) {
        fwrite(s, 1, n, stdout);
        return;
    }
    putchar('"');
    for (size_t i = 0; i < n; i++) {
        if (s[i] == '"')
            putchar('"');
        putchar(s[i]);
    }
    putchar('"');
}

/* A JSON string; bytes that are not UTF-8 become U+FFFD so that the
 * output is always valid JSON. */
static void json_string(const char *s, size_t n)
{
    const unsigned char *u = (const unsigned char *)s;
    putchar('"');
    for (size_t i = 0; i < n;) {
        unsigned char c = u[i];
        size_t len = c < 0x80 ? 1 : c >= 0xF0 && c < 0xF5 ? 4
                   : c >= 0xE0 ? 3 : c >= 0xC2 && c < 0xE0 ? 2 : 0;
        for (size_t k = 1; k < len; k++)
            if (i + k >= n || (u[i + k] & 0xC0) != 0x80)
                len = 0;
        if (len == 0) {
            fputs("\\ufffd", stdout);
            i++;
        } else if (c == '"' || c == '\\') {
            printf("\\%c", c);
            i++;
        } else if (c < 0x20) {
            printf("\\u%04x", c);
            i++;
        } else {
            fwrite(u + i, 1, len, stdout);
            i += len;
        }
    }
    putchar('"');
}

static void print_csv(const char *text, const im_mentions_t *ms)
{
    puts("district,province,kind,text,offset,count,sentence");
    for (size_t i = 0; i < im_mentions_count(ms); i++) {
        im_mention_t m;
        im_mentions_get(ms, i, &m);
        const char *d = m.district ? m.district : "";
        csv_field(d, strlen(d));
        putchar(',');
        csv_field(m.province, strlen(m.province));
        printf(",%s,", im_mention_kind_name(m.kind));
        csv_field(text + m.offset_bytes, m.length_bytes);
        printf(",%zu,", m.offset_chars);
        if (m.count >= 0)
            printf("%ld", m.count);
        putchar(',');
        csv_field(text + m.sentence_offset_bytes, m.sentence_length_bytes);
        putchar('\n');
    }
}

static void print_json(const char *text, const im_mentions_t *ms)
{
    size_t n = im_mentions_count(ms);
    putchar('[');
    for (size_t i = 0; i < n; i++) {
        im_mention_t m;
        im_mentions_get(ms, i, &m);
        fputs(i ? ",\n  {\"district\": " : "\n  {\"district\": ", stdout);
        if (m.district)
            json_string(m.district, strlen(m.district));
        else
            fputs("null", stdout);
        fputs(", \"province\": ", stdout);
        json_string(m.province, strlen(m.province));
        printf(", \"kind\": \"%s\", \"text\": ", im_mention_kind_name(m.kind));
        json_string(text + m.offset_bytes, m.length_bytes);
        printf(", \"offset\": %zu, \"count\": ", m.offset_chars);
        if (m.count >= 0)
            printf("%ld", m.count);
        else
            fputs("null", stdout);
        fputs(", \"sentence\": ", stdout);
        json_string(text + m.sentence_offset_bytes, m.sentence_length_bytes);
        putchar('}');
    }
    puts(n ? "\n]" : "]");
}

int cmd_mentions(int argc, char **argv)
{
    mentions_args_t a = {0};
    int rc = parse(argc, argv, &a);
    if (rc)
        return rc > 0 ? CLI_OK : CLI_USAGE;
    char *text;
    size_t len;
    if (read_all(a.input, &text, &len))
        return CLI_FAIL;
    im_ctx_t *ctx = cli_context("mentions", a.data_dir);
    if (!ctx) {
        free(text);
        return CLI_FAIL;
    }
    im_gazetteer_t *gaz = NULL;
    im_mentions_t *ms = NULL;
    im_status_t st = cli_open_gazetteer(ctx, a.places, &gaz);
    if (!st)
        st = im_mentions_find(ctx, gaz, text, len, &ms);
    if (!st) {
        if (a.json)
            print_json(text, ms);
        else
            print_csv(text, ms);
        if (fflush(stdout) || ferror(stdout)) {
            cli_error("mentions", "cannot write the output: %s",
                      strerror(errno));
            rc = CLI_FAIL;
        }
    } else {
        cli_error("mentions", "%s", im_ctx_errmsg(ctx));
        rc = CLI_FAIL;
    }
    im_mentions_free(ms);
    im_gazetteer_free(gaz);
    im_ctx_free(ctx);
    free(text);
    return rc;
}
