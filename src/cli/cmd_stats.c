/*
 * cmd_stats.c: `incimap stats --db DB --by ...`: the counts behind a map.
 */
#include "cli.h"
#include "csv.h"

#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char help[] =
    "usage: incimap stats --db DB --by district|province|year|month|category\n"
    "                     [--province P] [--from DATE --to DATE]\n"
    "                     [--min-precision N] [--format table|csv|json]\n"
    "                     [--table NAME]\n"
    "\n"
    "Counts of incidents, killed and injured per group.  With --by district\n"
    "the CSV columns are district,province,incidents,killed,injured.\n"
    "--min-precision 2 leaves out records located only to a district or\n"
    "province (precision 3); 1 keeps only exact places.\n"
    "\n"
    "DB is a store, or PG:\"dbname=D host=H port=P\" for a PostGIS table\n"
    "laid out as incimap export writes it (--table NAME, default\n"
    "incidents), read through GDAL.\n";

enum { OPT_DB = 256, OPT_BY, OPT_PROVINCE, OPT_FROM, OPT_TO, OPT_MINPREC,
       OPT_FORMAT, OPT_DATA, OPT_TABLE };

static const struct option options[] = {
    {"help", no_argument, NULL, 'h'},
    {"db", required_argument, NULL, OPT_DB},
    {"by", required_argument, NULL, OPT_BY},
    {"province", required_argument, NULL, OPT_PROVINCE},
    {"from", required_argument, NULL, OPT_FROM},
    {"to", required_argument, NULL, OPT_TO},
    {"min-precision", required_argument, NULL, OPT_MINPREC},
    {"format", required_argument, NULL, OPT_FORMAT},
    {"data-dir", required_argument, NULL, OPT_DATA},
    {"table", required_argument, NULL, OPT_TABLE},
    {NULL, 0, NULL, 0},
};

typedef struct {
    const char *format, *by;
    int rows;
} out_t;

static void put_json(const char *s)
{
    if (!s) {
        fputs("null", stdout);
        return;
    }
    putchar('"');
    for (; *s; s++) {
        if (*s == '"' || *s == '\\')
            printf("\\%c", *s);
        else if ((unsigned char)*s < 0x20)
            printf("\\u%04x", *s);
        else
            putchar(*s);
    }
    putchar('"');
}

static void row(void *user, const char *key, const char *province,
                long incidents, long killed, long injured)
{
    out_t *o = user;
    bool district = !strcmp(o->by, "district");
    if (!strcmp(o->format, "csv")) {
        im_csv_write_field(stdout, key ? key : "(none)");
        if (district) {
            putchar(',');
            im_csv_write_field(stdout, province);
        }
        printf(",%ld,%ld,%ld\n", incidents, killed, injured);
    } else if (!strcmp(o->format, "json")) {
        printf("%s\n  {\"%s\": ", o->rows ? "," : "", o->by);
        put_json(key);
        if (district) {
            fputs(", \"province\": ", stdout);
            put_json(province);
        }
        printf(", \"incidents\": %ld, \"killed\": %ld, \"injured\": %ld}",
               incidents, killed, injured);
    } else {
        printf("%-28s", key ? key : "(none)");
        if (district)
            printf(" %-28s", province ? province : "");
        printf(" %9ld %8ld %8ld\n", incidents, killed, injured);
    }
    o->rows++;
}

int cmd_stats(int argc, char **argv)
{
    const char *db = NULL, *by = "district", *data_dir = NULL, *table = NULL;
    im_filter_t f = {0};
    out_t o = {"table", NULL, 0};
    optind = 1;
    opterr = 0;
    int c;
    while ((c = getopt_long(argc, argv, ":h", options, NULL)) != -1) {
        switch (c) {
        case 'h': fputs(help, stdout); return CLI_OK;
        case OPT_DB: db = optarg; break;
        case OPT_BY: by = optarg; break;
        case OPT_PROVINCE: f.province = optarg; break;
        case OPT_FROM: f.from = optarg; break;
        case OPT_TO: f.to = optarg; break;
        case OPT_DATA: data_dir = optarg; break;
        case OPT_TABLE: table = optarg; break;
        case OPT_MINPREC:
            if ((f.min_precision = cli_int("stats", "--min-precision", optarg,
                                           1, 3)) < 0)
                return CLI_USAGE;
            break;
        case OPT_FORMAT: o.format = optarg; break;
        case ':':
            cli_error("stats", "%s needs a value", argv[optind - 1]);
            return CLI_USAGE;
        default:
            cli_error("stats", "unknown option '%s' (see incimap stats --help)",
                      argv[optind - 1]);
            return CLI_USAGE;
        }
    }
    static const char *const groups[] = {"district", "province", "year",
                                         "month", "category"};
    int g = -1;
    for (int i = 0; i < 5; i++)
        if (!strcmp(by, groups[i]))
            g = i;
    if (g < 0) {
        cli_error("stats", "--by: '%s' is not district, province, year, month "
                           "or category", by);
        return CLI_USAGE;
    }
    if (strcmp(o.format, "table") && strcmp(o.format, "csv") &&
        strcmp(o.format, "json")) {
        cli_error("stats", "--format: '%s' is not table, csv or json", o.format);
        return CLI_USAGE;
    }
    if (!db || optind != argc) {
        cli_error("stats", db ? "unexpected argument '%s'" : "no store: give "
                  "--db DB%s", db ? argv[optind] : "");
        return CLI_USAGE;
    }
    if (table && !cli_db_is_ogr(db)) {
        cli_error("stats", "--table needs --db PG:...");
        return CLI_USAGE;
    }
    if (cli_check_dates("stats", &f))
        return CLI_USAGE;
    o.by = by;
    im_ctx_t *ctx = cli_context("stats", data_dir);
    if (!ctx)
        return CLI_FAIL;
    im_store_t *store = NULL;
    char canon[64];
    im_status_t st = cli_canonical_province(ctx, "stats", &f, canon, sizeof canon);
    bool pg = cli_db_is_ogr(db);
    if (!st && !pg)
        st = cli_open_existing_store(ctx, "stats", db, &store);
    if (!st) {
        if (!strcmp(o.format, "csv"))
            printf("%s%s,incidents,killed,injured\n", by,
                   g == 0 ? ",province" : "");
        else if (!strcmp(o.format, "json"))
            putchar('[');
        else {
            printf("%-28s", by);
            if (g == 0)
                printf(" %-28s", "province");
            printf(" %9s %8s %8s\n", "incidents", "killed", "injured");
        }
        st = pg ? im_stats_from_ogr(ctx, db, table, (im_group_t)g, &f, row, &o)
                : im_store_stats(store, (im_group_t)g, &f, row, &o);
        if (!strcmp(o.format, "json"))
            puts(o.rows ? "\n]" : "]");
    }
    if (st && st != IM_ERR_ARG)
        cli_error("stats", "%s", im_ctx_errmsg(ctx));
    im_store_free(store);
    im_ctx_free(ctx);
    return st ? (st == IM_ERR_ARG ? CLI_USAGE : CLI_FAIL) : CLI_OK;
}
