/*
 * cmd_export.c: `incimap export --db DB -o OUT`.
 */
#include "cli.h"

#include <getopt.h>
#include <stdio.h>
#include <string.h>

static const char help[] =
    "usage: incimap export --db DB -o OUT.{csv,geojson,gpkg} [--province P]\n"
    "                      [--from DATE --to DATE] [--min-precision N]\n"
    "\n"
    "Writes the store's incidents as points in WGS 84 (EPSG:4326) with all\n"
    "their attributes; the format follows OUT's extension.\n";

enum { OPT_DB = 256, OPT_PROVINCE, OPT_FROM, OPT_TO, OPT_MINPREC, OPT_DATA };

static const struct option options[] = {
    {"help", no_argument, NULL, 'h'},
    {"output", required_argument, NULL, 'o'},
    {"db", required_argument, NULL, OPT_DB},
    {"province", required_argument, NULL, OPT_PROVINCE},
    {"from", required_argument, NULL, OPT_FROM},
    {"to", required_argument, NULL, OPT_TO},
    {"min-precision", required_argument, NULL, OPT_MINPREC},
    {"data-dir", required_argument, NULL, OPT_DATA},
    {NULL, 0, NULL, 0},
};

int cmd_export(int argc, char **argv)
{
    const char *db = NULL, *output = NULL, *data_dir = NULL;
    im_filter_t f = {0};
    optind = 1;
    opterr = 0;
    int c;
    while ((c = getopt_long(argc, argv, ":ho:", options, NULL)) != -1) {
        switch (c) {
        case 'h': fputs(help, stdout); return CLI_OK;
        case 'o': output = optarg; break;
        case OPT_DB: db = optarg; break;
        case OPT_PROVINCE: f.province = optarg; break;
        case OPT_FROM: f.from = optarg; break;
        case OPT_TO: f.to = optarg; break;
        case OPT_DATA: data_dir = optarg; break;
        case OPT_MINPREC:
            if ((f.min_precision = cli_int("export", "--min-precision", optarg,
                                           1, 3)) < 0)
                return CLI_USAGE;
            break;
        case ':':
            cli_error("export", "%s needs a value", argv[optind - 1]);
            return CLI_USAGE;
        default:
            cli_error("export", "unknown option '%s' (see incimap export "
                                "--help)", argv[optind - 1]);
            return CLI_USAGE;
        }
    }
    if (!db || !output || optind != argc) {
        cli_error("export", "give --db DB and -o OUT.csv, .geojson or .gpkg");
        return CLI_USAGE;
    }
    if (cli_check_dates("export", &f))
        return CLI_USAGE;
    im_ctx_t *ctx = cli_context("export", data_dir);
    if (!ctx)
        return CLI_FAIL;
    im_store_t *store = NULL;
    char canon[64];
    im_status_t st = cli_canonical_province(ctx, "export", &f, canon,
                                            sizeof canon);
    if (!st)
        st = cli_open_existing_store(ctx, "export", db, &store);
    if (!st)
        st = im_store_export(store, output, &f);
    if (st && st != IM_ERR_ARG)
        cli_error("export", "%s", im_ctx_errmsg(ctx));
    else if (st == IM_ERR_ARG && im_ctx_errmsg(ctx)[0])
        cli_error("export", "%s", im_ctx_errmsg(ctx));
    im_store_free(store);
    im_ctx_free(ctx);
    return st ? (st == IM_ERR_ARG ? CLI_USAGE : CLI_FAIL) : CLI_OK;
}
