/*
 * cmd_gazetteer.c: `incimap gazetteer lookup TEXT...`: how the gazetteer
 * resolves place text, one CSV row per text.
 */
#include "cli.h"

#include <stdio.h>
#include <string.h>

static const char help[] =
    "usage: incimap gazetteer lookup [--province P] [--data-dir DIR] TEXT...\n"
    "\n"
    "Prints text,district_id,district,province,match_method,match_score,\n"
    "lon,lat for each TEXT.\n";

static void csv_field(const char *s)
{
    if (strpbrk(s, ",\"\n")) {
        putchar('"');
        for (; *s; s++) {
            if (*s == '"')
                putchar('"');
            putchar(*s);
        }
        putchar('"');
    } else {
        fputs(s, stdout);
    }
}

int cmd_gazetteer(int argc, char **argv)
{
    if (argc >= 2 && (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h"))) {
        fputs(help, stdout);
        return CLI_OK;
    }
    if (argc < 3 || strcmp(argv[1], "lookup")) {
        fputs(help, stderr);
        return CLI_USAGE;
    }
    const char *province = NULL, *data_dir = NULL;
    int first = 2;
    while (first + 1 < argc && argv[first][0] == '-') {
        if (!strcmp(argv[first], "--province"))
            province = argv[first + 1];
        else if (!strcmp(argv[first], "--data-dir"))
            data_dir = argv[first + 1];
        else {
            cli_error("gazetteer", "unknown option '%s'", argv[first]);
            return CLI_USAGE;
        }
        first += 2;
    }
    im_ctx_t *ctx = cli_context("gazetteer", data_dir);
    if (!ctx)
        return CLI_FAIL;
    im_gazetteer_t *gaz;
    if (im_gazetteer_open(ctx, NULL, &gaz)) {
        cli_error("gazetteer", "%s", im_ctx_errmsg(ctx));
        im_ctx_free(ctx);
        return CLI_FAIL;
    }
    puts("text,district_id,district,province,match_method,match_score,lon,lat");
    for (int i = first; i < argc; i++) {
        im_match_t m;
        im_gazetteer_resolve(gaz, argv[i], province, &m);
        csv_field(argv[i]);
        printf(",%s,", m.district_id ? m.district_id : "");
        csv_field(m.district ? m.district : "");
        putchar(',');
        csv_field(m.province ? m.province : "");
        printf(",%s,%.2f,", im_match_method_name(m.method), m.score);
        if (m.has_point)
            printf("%.4f,%.4f\n", m.lon_deg, m.lat_deg);
        else
            puts(",");
    }
    im_gazetteer_free(gaz);
    im_ctx_free(ctx);
    return CLI_OK;
}
