/*
 * cmd_gazetteer.c: `incimap gazetteer lookup|search|list`: the gazetteer's
 * answers, as CSV on stdout.
 */
#include "cli.h"
#include "csv.h"
#include "gazetteer.h"

#include <getopt.h>
#include <stdio.h>
#include <string.h>

static const char help[] =
    "usage: incimap gazetteer lookup [--province P] TEXT...\n"
    "       incimap gazetteer search [--province P] TEXT...\n"
    "       incimap gazetteer list [--province P]\n"
    "       incimap gazetteer compile -o FILE.sqlite\n"
    "\n"
    "lookup: how each TEXT resolves (text,district_id,district,province,\n"
    "        match_method,match_score,lon,lat).\n"
    "search: the candidate districts for TEXT with their scores, best first.\n"
    "list:   the districts (id,name,province,hq,hq_lat,hq_lon,status,\n"
    "        created,parent), optionally of one province.\n"
    "compile: the gazetteer as an SQLite database (the build does this).\n"
    "Every form takes --data-dir DIR, and --places FILE to add places of\n"
    "one's own (CSV: name, district, optional province, lat, lon).\n";

static void lookup(const im_gazetteer_t *gaz, const char *province, int argc,
                   char **argv)
{
    puts("text,district_id,district,province,match_method,match_score,lon,lat");
    for (int i = 0; i < argc; i++) {
        im_match_t m;
        im_gazetteer_resolve(gaz, argv[i], province, &m);
        im_csv_write_field(stdout, argv[i]);
        putchar(',');
        /* Ambiguous text names both candidates, as geocode does, and no
         * position: neither is the answer. */
        const char *other = NULL, *other_province = NULL;
        bool two = m.method == IM_MATCH_AMBIGUOUS && m.other_id &&
                   im_gazetteer_district(gaz, m.other_id, &other,
                                         &other_province);
        if (two) {
            printf("%s or %s,", m.district_id, m.other_id);
            im_csv_write_field(stdout, m.district);
            fputs(" or ", stdout);
            im_csv_write_field(stdout, other);
        } else {
            im_csv_write_field(stdout, m.district_id);
            putchar(',');
            im_csv_write_field(stdout, m.district);
        }
        putchar(',');
        if (!two || !strcmp(m.province, other_province))
            im_csv_write_field(stdout, m.province);
        printf(",%s,%.2f,", im_match_method_name(m.method), m.score);
        if (m.has_point && !two)
            printf("%.4f,%.4f\n", m.lon_deg, m.lat_deg);
        else
            puts(",");
    }
}

static void search(const im_gazetteer_t *gaz, const char *province, int argc,
                   char **argv)
{
    puts("text,district_id,district,province,match_method,match_score,matched");
    for (int i = 0; i < argc; i++) {
        im_candidate_t c[20];
        size_t n = im_gazetteer_search(gaz, argv[i], c, 20);
        for (size_t k = 0; k < n; k++) {
            if (province && strcmp(c[k].province, province))
                continue;
            im_csv_write_field(stdout, argv[i]);
            putchar(',');
            im_csv_write_field(stdout, c[k].district_id);
            putchar(',');
            im_csv_write_field(stdout, c[k].district);
            putchar(',');
            im_csv_write_field(stdout, c[k].province);
            printf(",%s,%.2f,", im_match_method_name(c[k].method), c[k].score);
            im_csv_write_field(stdout, c[k].matched);
            putchar('\n');
        }
    }
}

static void list(const im_gazetteer_t *gaz, const char *province)
{
    puts("id,name,province,hq,hq_lat,hq_lon,status,created,parent");
    for (size_t i = 0; i < im_gazetteer_count(gaz); i++) {
        im_district_info_t d;
        im_gazetteer_info(gaz, i, &d);
        if (province && strcmp(d.province, province))
            continue;
        const char *f[] = {d.id, d.name, d.province, d.hq};
        for (int k = 0; k < 4; k++) {
            im_csv_write_field(stdout, f[k]);
            putchar(',');
        }
        if (d.has_hq)
            printf("%.4f,%.4f,", d.hq_lat_deg, d.hq_lon_deg);
        else
            fputs(",,", stdout);
        im_csv_write_field(stdout, d.status);
        putchar(',');
        im_csv_write_field(stdout, d.created);
        putchar(',');
        im_csv_write_field(stdout, d.parent);
        putchar('\n');
    }
}

int cmd_gazetteer(int argc, char **argv)
{
    if (argc >= 2 && (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h"))) {
        fputs(help, stdout);
        return CLI_OK;
    }
    const char *verb = argc >= 2 ? argv[1] : "";
    if (strcmp(verb, "lookup") && strcmp(verb, "search") && strcmp(verb, "list") &&
        strcmp(verb, "compile")) {
        fputs(help, stderr);
        return CLI_USAGE;
    }
    const char *province = NULL, *data_dir = NULL, *output = NULL,
               *places = NULL;
    /* getopt_long reads the options before or after the texts and moves
     * the texts to the end; "--" ends the options.  argv[1], the verb,
     * stands as its argv[0]. */
    static const struct option options[] = {
        {"province", required_argument, NULL, 'p'},
        {"data-dir", required_argument, NULL, 'd'},
        {"places", required_argument, NULL, 'P'},
        {"output", required_argument, NULL, 'o'},
        {NULL, 0, NULL, 0},
    };
    optind = 1;
    opterr = 0;
    int c;
    while ((c = getopt_long(argc - 1, argv + 1, ":o:", options, NULL)) != -1) {
        switch (c) {
        case 'p': province = optarg; break;
        case 'd': data_dir = optarg; break;
        case 'P': places = optarg; break;
        case 'o': output = optarg; break;
        case ':':
            cli_error("gazetteer", "%s needs a value", argv[optind]);
            return CLI_USAGE;
        default:
            cli_error("gazetteer", "unknown option '%s'", argv[optind]);
            return CLI_USAGE;
        }
    }
    int first = 1 + optind;
    if (!strcmp(verb, "compile") && !output) {
        cli_error("gazetteer", "compile needs -o FILE.sqlite");
        return CLI_USAGE;
    }
    if (strcmp(verb, "list") && strcmp(verb, "compile") && first >= argc) {
        cli_error("gazetteer", "%s needs TEXT", verb);
        return CLI_USAGE;
    }
    im_ctx_t *ctx = cli_context("gazetteer", data_dir);
    if (!ctx)
        return CLI_FAIL;
    im_gazetteer_t *gaz;
    if (cli_open_gazetteer(ctx, places, &gaz)) {
        cli_error("gazetteer", "%s", im_ctx_errmsg(ctx));
        im_ctx_free(ctx);
        return CLI_FAIL;
    }
    int rc = CLI_OK;
    const char *canon = province ? im_gazetteer_province(gaz, province) : NULL;
    if (province && !canon) {
        cli_error("gazetteer", "unknown province '%s'", province);
        rc = CLI_USAGE;
    } else if (!strcmp(verb, "lookup")) {
        lookup(gaz, canon, argc - first, argv + first);
    } else if (!strcmp(verb, "compile")) {
        if (im_gazetteer_save(ctx, gaz, output)) {
            cli_error("gazetteer", "%s", im_ctx_errmsg(ctx));
            rc = CLI_FAIL;
        }
    } else if (!strcmp(verb, "search")) {
        search(gaz, canon, argc - first, argv + first);
    } else {
        list(gaz, canon);
    }
    im_gazetteer_free(gaz);
    im_ctx_free(ctx);
    return rc;
}
