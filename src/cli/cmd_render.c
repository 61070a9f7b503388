/*
 * cmd_render.c: `incimap render INPUT -o OUT`.
 */
#include "cli.h"
#include "context.h"

#include <getopt.h>
#include <math.h>
#include <strings.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char help[] =
    "usage: incimap render INPUT.csv -o OUT.{png,svg,pdf} [options]\n"
    "       incimap render --db DB -o OUT.{png,svg,pdf} [filters] [options]\n"
    "\n"
    "INPUT holds incident records (counted per district) or, with\n"
    "--value-column, one value per district.  --db maps the incidents of a\n"
    "store, filtered like incimap stats: --province P (one province's\n"
    "records, mapped alone unless --provinces says otherwise), --from DATE,\n"
    "--to DATE, --min-precision N.  --db PG:\"dbname=D host=H port=P\"\n"
    "reads a PostGIS table laid out as incimap export writes it (--table\n"
    "NAME, default incidents) through GDAL.\n"
    "\n"
    "  -o, --output FILE        output; the extension picks PNG, SVG or PDF\n"
    "  --type TYPE              choropleth (default), points, symbols\n"
    "                           (a circle per district, area by value) or\n"
    "                           choropleth+points\n"
    "  --value-column NAME      map this column's value per district\n"
    "  --district-column NAME   column naming the district (default district)\n"
    "  --boundaries SRC         any GDAL vector source of district polygons\n"
    "                           (default: the embedded boundaries)\n"
    "  --name-field NAME        field of SRC holding the district name\n"
    "  --provinces LIST         comma-separated provinces to map (default\n"
    "                           Balochistan,Khyber Pakhtunkhwa,Sindh); the\n"
    "                           rest are drawn in grey for context\n"
    "  --title TEXT, --subtitle TEXT, --source TEXT\n"
    "  --label TEMPLATE         {name} {value} (default), {name}, {value},\n"
    "                           or none\n"
    "  --classes N              number of classes (default 5)\n"
    "  --scheme NAME            jenks (default: Fisher-Jenks natural breaks),\n"
    "                           quantile, equal, headtail or manual\n"
    "  --breaks 1,5,10,20       upper bounds of the classes (implies manual)\n"
    "  --lang LANG              district names in en (default), ur (Urdu) or\n"
    "                           en+ur (both)\n"
    "  --per N                  map rates per N inhabitants (e.g. 100000),\n"
    "                           from census populations in the gazetteer\n"
    "  --palette NAME           ColorBrewer ramp: YlOrRd (default), Reds,\n"
    "                           Blues, ... (see styles/README.md)\n"
    "  --width PX, --height PX  size (default 1600 x 1200)\n"
    "  --preset NAME            slide (1920 x 1080), square (1080 x 1080), a4\n"
    "                           or a4-landscape (595 x 842 pt for PDF and SVG;\n"
    "                           at --dpi, default 300, for PNG)\n"
    "  --dpi N                  resolution recorded in PNG files (default 96,\n"
    "                           300 for the a4 presets)\n"
    "  --no-inset               leave out the locator map\n"
    "  --facet year             small multiples: one map per year of the\n"
    "                           records, with shared classes (PNG or PDF)\n"
    "  --style NAME|FILE        style (default: built in; see styles/)\n"
    "  --places FILE            more places for locating points (CSV: name,\n"
    "                           district, optional province, lat, lon)\n"
    "  --data-dir DIR           the data directory (gazetteer, boundaries)\n";

enum {
    OPT_TYPE = 256, OPT_VALUE, OPT_DISTRICT, OPT_BOUNDARIES, OPT_NAME_FIELD,
    OPT_PROVINCES, OPT_TITLE, OPT_SUBTITLE, OPT_SOURCE, OPT_LABEL, OPT_CLASSES,
    OPT_WIDTH, OPT_HEIGHT, OPT_STYLE, OPT_DATA, OPT_DB, OPT_PROVINCE, OPT_FROM,
    OPT_TO, OPT_MINPREC, OPT_TABLE, OPT_PRESET, OPT_DPI, OPT_NO_INSET,
    OPT_SCHEME, OPT_BREAKS, OPT_PALETTE, OPT_LANG, OPT_PER, OPT_FACET,
    OPT_PLACES
};

static const struct option options[] = {
    {"output", required_argument, NULL, 'o'},
    {"help", no_argument, NULL, 'h'},
    {"type", required_argument, NULL, OPT_TYPE},
    {"value-column", required_argument, NULL, OPT_VALUE},
    {"district-column", required_argument, NULL, OPT_DISTRICT},
    {"boundaries", required_argument, NULL, OPT_BOUNDARIES},
    {"name-field", required_argument, NULL, OPT_NAME_FIELD},
    {"provinces", required_argument, NULL, OPT_PROVINCES},
    {"title", required_argument, NULL, OPT_TITLE},
    {"subtitle", required_argument, NULL, OPT_SUBTITLE},
    {"source", required_argument, NULL, OPT_SOURCE},
    {"label", required_argument, NULL, OPT_LABEL},
    {"classes", required_argument, NULL, OPT_CLASSES},
    {"width", required_argument, NULL, OPT_WIDTH},
    {"height", required_argument, NULL, OPT_HEIGHT},
    {"style", required_argument, NULL, OPT_STYLE},
    {"data-dir", required_argument, NULL, OPT_DATA},
    {"places", required_argument, NULL, OPT_PLACES},
    {"db", required_argument, NULL, OPT_DB},
    {"province", required_argument, NULL, OPT_PROVINCE},
    {"from", required_argument, NULL, OPT_FROM},
    {"to", required_argument, NULL, OPT_TO},
    {"min-precision", required_argument, NULL, OPT_MINPREC},
    {"table", required_argument, NULL, OPT_TABLE},
    {"preset", required_argument, NULL, OPT_PRESET},
    {"dpi", required_argument, NULL, OPT_DPI},
    {"no-inset", no_argument, NULL, OPT_NO_INSET},
    {"scheme", required_argument, NULL, OPT_SCHEME},
    {"breaks", required_argument, NULL, OPT_BREAKS},
    {"palette", required_argument, NULL, OPT_PALETTE},
    {"lang", required_argument, NULL, OPT_LANG},
    {"per", required_argument, NULL, OPT_PER},
    {"facet", required_argument, NULL, OPT_FACET},
    {NULL, 0, NULL, 0},
};

typedef struct {
    const char *input, *output, *value_column, *district_column, *boundaries,
        *name_field, *provinces, *style, *data_dir, *db, *table, *preset,
        *places;
    im_filter_t filter;
    im_map_options_t map;
    double breaks[IM_MAX_CLASSES];
    double per;
    bool facet_year;
} render_args_t;

/* "1,5,10,20": ascending upper bounds. */
static int parse_breaks(render_args_t *a, const char *text)
{
    char buf[256];
    snprintf(buf, sizeof buf, "%s", text);
    int n = 0;
    for (char *save = NULL, *t = strtok_r(buf, ",", &save); t;
         t = strtok_r(NULL, ",", &save)) {
        char *end;
        double v = strtod(t, &end);
        if (end == t || *end || !(v > 0) || n == IM_MAX_CLASSES ||
            (n && v <= a->breaks[n - 1])) {
            cli_error("render", "--breaks: '%s' is not up to %d ascending "
                                "positive numbers", text, IM_MAX_CLASSES);
            return -1;
        }
        a->breaks[n++] = v;
    }
    a->map.breaks = a->breaks;
    a->map.nbreaks = n;
    a->map.scheme = IM_SCHEME_MANUAL;
    return n ? 0 : -1;
}

/* Presets fix the page: pixels for screens, points for paper, and for a
 * PNG of paper the pixels its resolution gives (A4 at 300 dpi is
 * 2480 x 3508). */
static int apply_preset(render_args_t *a)
{
    const char *dot = strrchr(a->output, '.');
    bool png = dot && !strcasecmp(dot, ".png");
    int w, h;
    if (!strcmp(a->preset, "slide")) {
        w = 1920;
        h = 1080;
    } else if (!strcmp(a->preset, "square")) {
        w = h = 1080;
    } else if (!strcmp(a->preset, "a4") || !strcmp(a->preset, "a4-landscape")) {
        if (!a->map.dpi)
            a->map.dpi = 300;
        double k = png ? a->map.dpi / 25.4 : 72 / 25.4;   /* per mm */
        w = (int)lround(210 * k);
        h = (int)lround(297 * k);
        if (!strcmp(a->preset, "a4-landscape")) {
            int t = w;
            w = h;
            h = t;
        }
    } else {
        cli_error("render", "--preset: '%s' is not slide, square, a4 or "
                            "a4-landscape", a->preset);
        return -1;
    }
    if (!a->map.width_px)
        a->map.width_px = w;
    if (!a->map.height_px)
        a->map.height_px = h;
    return 0;
}

static int parse(int argc, char **argv, render_args_t *a)
{
    const char *cmd = "render";
    optind = 1;
    opterr = 0;
    int c;
    while ((c = getopt_long(argc, argv, ":o:h", options, NULL)) != -1) {
        switch (c) {
        case 'o': a->output = optarg; break;
        case 'h': fputs(help, stdout); return 1;
        case OPT_TYPE:
            if (!strcmp(optarg, "choropleth"))
                a->map.type = IM_MAP_CHOROPLETH;
            else if (!strcmp(optarg, "points"))
                a->map.type = IM_MAP_POINTS;
            else if (!strcmp(optarg, "symbols"))
                a->map.type = IM_MAP_SYMBOLS;
            else if (!strcmp(optarg, "choropleth+points"))
                a->map.type = IM_MAP_CHOROPLETH_POINTS;
            else {
                cli_error(cmd, "--type: '%s' is not choropleth, points, "
                               "symbols or choropleth+points", optarg);
                return -1;
            }
            break;
        case OPT_VALUE: a->value_column = optarg; break;
        case OPT_DISTRICT: a->district_column = optarg; break;
        case OPT_BOUNDARIES: a->boundaries = optarg; break;
        case OPT_NAME_FIELD: a->name_field = optarg; break;
        case OPT_PROVINCES: a->provinces = optarg; break;
        case OPT_TITLE: a->map.title = optarg; break;
        case OPT_SUBTITLE: a->map.subtitle = optarg; break;
        case OPT_SOURCE: a->map.source = optarg; break;
        case OPT_LABEL:
            a->map.label_template = strcmp(optarg, "none") ? optarg : "";
            break;
        case OPT_CLASSES:
            if ((a->map.classes = cli_int(cmd, "--classes", optarg, 1,
                                          IM_MAX_CLASSES)) < 0)
                return -1;
            break;
        case OPT_WIDTH:
            if ((a->map.width_px = cli_int(cmd, "--width", optarg, 200, 20000)) < 0)
                return -1;
            break;
        case OPT_HEIGHT:
            if ((a->map.height_px = cli_int(cmd, "--height", optarg, 200, 20000)) < 0)
                return -1;
            break;
        case OPT_STYLE: a->style = optarg; break;
        case OPT_DATA: a->data_dir = optarg; break;
        case OPT_PLACES: a->places = optarg; break;
        case OPT_DB: a->db = optarg; break;
        case OPT_PRESET: a->preset = optarg; break;
        case OPT_PALETTE: a->map.palette = optarg; break;
        case OPT_FACET:
            if (strcmp(optarg, "year")) {
                cli_error(cmd, "--facet: '%s' is not year", optarg);
                return -1;
            }
            a->facet_year = true;
            break;
        case OPT_LANG:
            if (strcmp(optarg, "en") && strcmp(optarg, "ur") &&
                strcmp(optarg, "en+ur")) {
                cli_error(cmd, "--lang: '%s' is not en, ur or en+ur", optarg);
                return -1;
            }
            a->map.lang = optarg;
            break;
        case OPT_PER: {
            char *end;
            a->per = strtod(optarg, &end);
            if (*end || !(a->per > 0)) {
                cli_error(cmd, "--per: '%s' is not a positive number", optarg);
                return -1;
            }
            break;
        }
        case OPT_BREAKS:
            if (parse_breaks(a, optarg))
                return -1;
            break;
        case OPT_SCHEME: {
            static const char *const names[] = {"jenks", "quantile", "equal",
                                                "headtail", "manual"};
            int k = 0;
            while (k < 5 && strcmp(names[k], optarg))
                k++;
            if (k == 5) {
                cli_error(cmd, "--scheme: '%s' is not jenks, quantile, equal, "
                               "headtail or manual", optarg);
                return -1;
            }
            if (a->map.scheme != IM_SCHEME_MANUAL || k == IM_SCHEME_MANUAL)
                a->map.scheme = (im_scheme_t)k;
            break;
        }
        case OPT_NO_INSET: a->map.no_inset = true; break;
        case OPT_DPI: {
            int dpi = cli_int(cmd, "--dpi", optarg, 36, 1200);
            if (dpi < 0)
                return -1;
            a->map.dpi = dpi;
            break;
        }
        case OPT_TABLE: a->table = optarg; break;
        case OPT_PROVINCE: a->filter.province = optarg; break;
        case OPT_FROM: a->filter.from = optarg; break;
        case OPT_TO: a->filter.to = optarg; break;
        case OPT_MINPREC:
            if ((a->filter.min_precision = cli_int(cmd, "--min-precision",
                                                   optarg, 1, 3)) < 0)
                return -1;
            break;
        case ':':
            cli_error(cmd, "%s needs a value", argv[optind - 1]);
            return -1;
        default:
            cli_error(cmd, "unknown option '%s' (see incimap render --help)",
                      argv[optind - 1]);
            return -1;
        }
    }
    if (a->db ? optind != argc : optind != argc - 1) {
        cli_error(cmd, a->db ? "--db and an input file exclude each other"
                  : optind >= argc ? "no input file (see incimap render --help)"
                                   : "one input file expected");
        return -1;
    }
    if (a->table && !cli_db_is_ogr(a->db)) {
        cli_error(cmd, "--table needs --db PG:...");
        return -1;
    }
    if (!a->db && (a->filter.province || a->filter.from || a->filter.to ||
                   a->filter.min_precision)) {
        /* Ignored, they would draw every record while the map claims a
         * subset. */
        cli_error(cmd, "--province, --from, --to and --min-precision filter "
                  "the records of --db; to map only some provinces of a CSV "
                  "use --provinces");
        return -1;
    }
    if (cli_check_dates(cmd, &a->filter))
        return -1;
    if (a->preset && apply_preset(a))
        return -1;
    if (a->map.scheme == IM_SCHEME_MANUAL && !a->map.nbreaks) {
        cli_error(cmd, "--scheme manual needs --breaks");
        return -1;
    }
    a->input = a->db ? NULL : argv[optind];
    if (!a->output) {
        cli_error(cmd, "no output file: give -o OUT.png, .svg or .pdf");
        return -1;
    }
    return 0;
}

/* Splits "A,B,C" into a NULL-terminated list; caller frees list and buf. */
static const char **split_list(char *buf)
{
    size_t n = 1;
    for (char *p = buf; *p; p++)
        n += *p == ',';
    const char **list = calloc(n + 1, sizeof *list);
    if (!list)
        return NULL;
    size_t k = 0;
    for (char *save = NULL, *t = strtok_r(buf, ",", &save); t;
         t = strtok_r(NULL, ",", &save)) {
        while (*t == ' ')
            t++;
        list[k++] = t;
    }
    return list;
}

/* --facet year: one small map per year of the records, all with the
 * classes of the whole period, on one page. */
static im_status_t render_facets(im_ctx_t *ctx, const im_gazetteer_t *gaz,
                                 const im_layer_t *layer, im_store_t *store,
                                 render_args_t *a, const im_values_t *all)
{
    int y0, y1;
    if (!im_values_years(all, &y0, &y1))
        return im_error(ctx, IM_ERR_DATA, "--facet year: the records have no "
                        "dates");
    int n = y1 - y0 + 1;
    if (n > 16)
        return im_error(ctx, IM_ERR_ARG, "--facet year: %d years; a page holds "
                        "at most 16 maps (narrow with --from and --to)", n);
    im_values_t *v[16] = {0};
    im_map_t *maps[16] = {0};
    char titles[16][8];
    size_t npoly = im_layer_count(layer);
    double *pool = malloc((size_t)n * (npoly ? npoly : 1) * sizeof *pool);
    size_t npool = 0;
    im_status_t st = pool ? IM_OK : IM_ERR_NOMEM;
    for (int i = 0; !st && i < n; i++) {
        snprintf(titles[i], sizeof titles[i], "%d", y0 + i);
        if (store) {
            im_filter_t f = a->filter;
            f.from = f.to = titles[i];
            st = im_values_from_store(store, gaz, layer, &f, &v[i]);
        } else {
            im_values_options_t vo = {a->district_column, NULL, NULL, y0 + i};
            st = im_values_read_csv(ctx, gaz, layer, a->input, &vo, &v[i]);
        }
        if (!st && a->per > 0)
            st = im_values_per_population(ctx, v[i], layer, a->per);
        for (size_t p = 0; !st && p < npoly; p++) {
            double x;
            if (im_values_get(v[i], p, &x) && x > 0)
                pool[npool++] = x;
        }
    }
    im_classes_t cls;
    if (!st)
        st = im_classify(pool, npool, a->map.scheme,
                         a->map.classes ? a->map.classes : 5, a->map.breaks,
                         a->map.nbreaks, &cls);
    /* Whole ranges for counts, as a single map shows them. */
    if (!st && a->per <= 0)
        for (int c = 1; c < cls.n; c++)
            cls.lo[c] = floor(cls.hi[c - 1]) + 1;
    int cols = (int)ceil(sqrt((double)n));
    int rows = (n + cols - 1) / cols;
    int W = a->map.width_px ? a->map.width_px : 1600;
    int H = a->map.height_px ? a->map.height_px : 1200;
    for (int i = 0; !st && i < n; i++) {
        im_map_options_t o = a->map;
        o.width_px = W / cols;
        o.height_px = (int)(H * 0.86) / rows;
        if (o.width_px < 200 || o.height_px < 200) {
            st = im_error(ctx, IM_ERR_ARG, "--facet year: %d maps do not fit "
                          "on %d x %d px", n, W, H);
            break;
        }
        o.title = titles[i];
        o.subtitle = NULL;
        o.source = NULL;
        o.fixed_classes = &cls;
        o.no_legend = i > 0;
        o.no_inset = true;
        st = im_map_new(ctx, layer, v[i], NULL, &o, &maps[i]);
    }
    if (!st)
        st = im_facets_write(ctx, maps, (size_t)n, cols, W, H, a->map.title,
                             a->map.source, a->output);
    for (int i = 0; i < n; i++) {
        im_map_free(maps[i]);
        im_values_free(v[i]);
    }
    free(pool);
    if (st == IM_ERR_NOMEM && !im_ctx_errmsg(ctx)[0])
        return im_error(ctx, IM_ERR_NOMEM, "out of memory");
    return st;
}

int cmd_render(int argc, char **argv)
{
    render_args_t a = {0};
    int rc = parse(argc, argv, &a);
    if (rc)
        return rc > 0 ? CLI_OK : CLI_USAGE;

    im_ctx_t *ctx = cli_context("render", a.data_dir);
    if (!ctx)
        return CLI_FAIL;
    im_gazetteer_t *gaz = NULL;
    im_layer_t *layer = NULL;
    im_values_t *values = NULL;
    im_points_t *points = NULL;
    im_style_t *style = NULL;
    im_map_t *map = NULL;
    char *prov_buf = NULL;
    const char **prov = NULL;
    im_status_t st = cli_open_gazetteer(ctx, a.places, &gaz);
    if (!st && a.style)
        st = im_style_load(ctx, a.style, &style);
    if (!st)
        st = im_layer_read(ctx, gaz, a.boundaries, a.name_field, &layer);
    im_store_t *store = NULL;
    char canon[64];
    if (!st && a.db)
        st = cli_canonical_province(ctx, "render", &a.filter, canon,
                                    sizeof canon);
    bool pg = cli_db_is_ogr(a.db);
    if (!st && a.db && !pg)
        st = cli_open_existing_store(ctx, "render", a.db, &store);
    bool want_values = a.map.type != IM_MAP_POINTS;
    bool want_points = a.map.type == IM_MAP_POINTS ||
                       a.map.type == IM_MAP_CHOROPLETH_POINTS;
    if (!st && want_values) {
        im_values_options_t vo = {a.district_column, NULL, a.value_column, 0};
        st = pg      ? im_values_from_ogr(ctx, gaz, layer, a.db, a.table,
                                          &a.filter, &values)
             : store ? im_values_from_store(store, gaz, layer, &a.filter, &values)
                     : im_values_read_csv(ctx, gaz, layer, a.input, &vo, &values);
    }
    if (!st && want_points)
        st = pg      ? im_points_from_ogr(ctx, gaz, a.db, a.table, &a.filter, &points)
             : store ? im_points_from_store(store, gaz, &a.filter, &points)
                     : im_points_read_csv(ctx, gaz, a.input, &points);
    if (!st && a.facet_year && (pg || want_points))
        st = im_error(ctx, IM_ERR_ARG, "--facet year maps a CSV or an SQLite "
                      "store as a choropleth");
    /* A map of one province's records shows that province, the others in
     * grey: left in colour, they would read as free of incidents. */
    const char *focus = a.provinces ? a.provinces
                        : a.db && a.filter.province ? a.filter.province : NULL;
    if (!st && focus) {
        prov_buf = strdup(focus);
        prov = prov_buf ? split_list(prov_buf) : NULL;
        if (!prov)
            st = IM_ERR_NOMEM;
        a.map.provinces = prov;
    }
    bool faceted = !st && a.facet_year;
    if (faceted) {
        a.map.style = style;
        if (!a.map.source)
            a.map.source = "Boundaries: @svg-maps/pakistan.districts "
                           "(Unlicense), georeferenced to geoBoundaries "
                           "(public domain; Runfola et al. 2020).";
        st = render_facets(ctx, gaz, layer, store, &a, values);
    }
    im_store_free(store);
    char legend_title[96];
    if (!st && values && a.per > 0) {
        st = im_values_per_population(ctx, values, layer, a.per);
        snprintf(legend_title, sizeof legend_title, "Incidents per %.0f", a.per);
        a.map.legend_title = legend_title;
    }
    a.map.style = style;
    if (!st && !a.map.source)
        a.map.source = a.boundaries
                           ? "Boundaries: see the source's licence."
                           : "Boundaries: @svg-maps/pakistan.districts "
                             "(Unlicense), georeferenced to geoBoundaries "
                             "(public domain; Runfola et al. 2020). "
                             "Projection: Albers equal-area, 26\xC2\xB0N/35\xC2\xB0N.";
    if (!st && !faceted)
        st = im_map_new(ctx, layer, values, points, &a.map, &map);
    if (!st && !faceted)
        st = im_map_write(map, a.output);
    if (!st && map && im_map_labels_dropped(map))
        fprintf(stderr, "incimap render: %d label(s) did not fit\n",
                im_map_labels_dropped(map));
    if (st && im_ctx_errmsg(ctx)[0])
        cli_error("render", "%s", st == IM_ERR_NOMEM && !im_ctx_errmsg(ctx)[0]
                                      ? "out of memory"
                                      : im_ctx_errmsg(ctx));
    im_map_free(map);
    im_points_free(points);
    im_values_free(values);
    im_layer_free(layer);
    im_style_free(style);
    im_gazetteer_free(gaz);
    free(prov);
    free(prov_buf);
    im_ctx_free(ctx);
    return st ? (st == IM_ERR_ARG ? CLI_USAGE : CLI_FAIL) : CLI_OK;
}
