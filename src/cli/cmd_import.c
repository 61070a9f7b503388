/*
 * cmd_import.c: `incimap import FILE --db DB`.
 */
#include "cli.h"

#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static const char help[] =
    "usage: incimap import FILE --db DB [options]\n"
    "\n"
    "Imports an incident export into the store DB (an SQLite file, created\n"
    "if missing), geocoding every row.  The import is one transaction.\n"
    "\n"
    "  --db DB                  the store\n"
    "  --format FMT             auto (default), incimap, acled or gtd\n"
    "  --source NAME            source name (default: acled, gtd, or the\n"
    "                           file's name); records are keyed by source\n"
    "                           and source id\n"
    "  --strict                 any rejected row fails the whole import\n"
    "  --rejects FILE           write rejected rows (file,line,field,reason)\n"
    "  --wait SECONDS           how long to wait for another process's\n"
    "                           import into DB to finish (default 600)\n"
    "  --boundaries SRC         district polygons for coordinates\n"
    "  --places FILE            more places (CSV: name, district, optional\n"
    "                           province, lat, lon), as for incimap geocode\n"
    "  --data-dir DIR           the data directory\n";

enum { OPT_DB = 256, OPT_FORMAT, OPT_SOURCE, OPT_STRICT, OPT_REJECTS,
       OPT_BOUNDARIES, OPT_DATA, OPT_WAIT, OPT_PLACES };

static const struct option options[] = {
    {"help", no_argument, NULL, 'h'},
    {"db", required_argument, NULL, OPT_DB},
    {"format", required_argument, NULL, OPT_FORMAT},
    {"source", required_argument, NULL, OPT_SOURCE},
    {"strict", no_argument, NULL, OPT_STRICT},
    {"rejects", required_argument, NULL, OPT_REJECTS},
    {"boundaries", required_argument, NULL, OPT_BOUNDARIES},
    {"data-dir", required_argument, NULL, OPT_DATA},
    {"wait", required_argument, NULL, OPT_WAIT},
    {"places", required_argument, NULL, OPT_PLACES},
    {NULL, 0, NULL, 0},
};

typedef struct {
    double started;
    int shown;
} progress_t;

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

/* A bar on stderr, only for a terminal and only once an import has run
 * for a second: short imports stay quiet. */
static void show_progress(void *user, double done, double total)
{
    progress_t *p = user;
    if (now_s() - p->started < 1.0 && done < total)
        return;
    if (done >= total && !p->shown)
        return;
    int width = 40, fill = (int)(width * done / (total > 0 ? total : 1));
    fprintf(stderr, "\r[%.*s%*s] %3.0f%%", fill,
            "########################################", width - fill, "",
            100 * done / (total > 0 ? total : 1));
    p->shown = 1;
    if (done >= total)
        fputc('\n', stderr);
}

int cmd_import(int argc, char **argv)
{
    const char *db = NULL, *source = NULL, *rejects = NULL, *boundaries = NULL,
               *data_dir = NULL, *places = NULL;
    im_format_t format = IM_FORMAT_AUTO;
    bool strict = false;
    /* Two analysts importing into one store: the second waits for the
     * first's transaction rather than failing. */
    int wait_s = 600;
    optind = 1;
    opterr = 0;
    int c;
    while ((c = getopt_long(argc, argv, ":h", options, NULL)) != -1) {
        switch (c) {
        case 'h': fputs(help, stdout); return CLI_OK;
        case OPT_DB: db = optarg; break;
        case OPT_SOURCE: source = optarg; break;
        case OPT_STRICT: strict = true; break;
        case OPT_REJECTS: rejects = optarg; break;
        case OPT_BOUNDARIES: boundaries = optarg; break;
        case OPT_DATA: data_dir = optarg; break;
        case OPT_PLACES: places = optarg; break;
        case OPT_WAIT:
            if ((wait_s = cli_int("import", "--wait", optarg, 0, 86400)) < 0)
                return CLI_USAGE;
            break;
        case OPT_FORMAT:
            if (!strcmp(optarg, "auto"))
                format = IM_FORMAT_AUTO;
            else if (!strcmp(optarg, "incimap"))
                format = IM_FORMAT_INCIMAP;
            else if (!strcmp(optarg, "acled"))
                format = IM_FORMAT_ACLED;
            else if (!strcmp(optarg, "gtd"))
                format = IM_FORMAT_GTD;
            else if (!strcmp(optarg, "ogr"))
                format = IM_FORMAT_OGR;
            else {
                cli_error("import", "--format: '%s' is not auto, incimap, "
                                    "acled, gtd or ogr", optarg);
                return CLI_USAGE;
            }
            break;
        case ':':
            cli_error("import", "%s needs a value", argv[optind - 1]);
            return CLI_USAGE;
        default:
            cli_error("import", "unknown option '%s' (see incimap import "
                                "--help)", argv[optind - 1]);
            return CLI_USAGE;
        }
    }
    if (optind != argc - 1 || !db) {
        cli_error("import", optind != argc - 1 ? "one input file expected"
                                               : "no store: give --db DB");
        return CLI_USAGE;
    }
    const char *input = argv[optind];
    im_ctx_t *ctx = cli_context("import", data_dir);
    if (!ctx)
        return CLI_FAIL;
    im_gazetteer_t *gaz = NULL;
    im_layer_t *layer = NULL;
    im_geocoder_t *geo = NULL;
    im_store_t *store = NULL;
    progress_t prog = {now_s(), 0};
    im_import_options_t o = {format, source, strict, rejects,
                             isatty(2) ? show_progress : NULL, &prog};
    im_import_report_t rep;
    /* The input is checked before the store is touched, so a typo in the
     * file name does not leave a new empty store behind. */
    FILE *probe = fopen(input, "rb");
    im_status_t st = IM_OK;
    if (!probe) {
        cli_error("import", "cannot open '%s'", input);
        im_ctx_free(ctx);
        return CLI_FAIL;
    }
    fclose(probe);
    st = cli_open_gazetteer(ctx, places, &gaz);
    if (!st)
        st = im_layer_read(ctx, gaz, boundaries, NULL, &layer);
    if (!st)
        st = im_geocoder_new(ctx, gaz, layer, &geo);
    if (!st)
        st = im_store_open(ctx, db, &store);
    if (!st)
        im_store_set_wait(store, wait_s);
    if (!st)
        st = im_store_import(store, geo, input, &o, &rep);
    if (st) {
        cli_error("import", "%s", im_ctx_errmsg(ctx));
    } else {
        fprintf(stderr,
                "incimap import: %s (%s%s): %ld rows, %ld new, %ld updated, "
                "%ld unchanged, %ld rejected, %ld skipped (run %ld)\n",
                input, rep.format, rep.converted ? ", read as cp1252" : "",
                rep.rows, rep.inserted, rep.updated, rep.unchanged,
                rep.rejected, rep.skipped, rep.run_id);
    }
    im_store_free(store);
    im_geocoder_free(geo);
    im_layer_free(layer);
    im_gazetteer_free(gaz);
    im_ctx_free(ctx);
    return st ? CLI_FAIL : CLI_OK;
}
