/*
 * main.c: the incimap command: a table of subcommands, help on stdout with
 * exit 0, usage errors on stderr with exit 2, failures with exit 1.
 */
#include "cli.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const struct {
    const char *name;
    int (*run)(int argc, char **argv);
    const char *summary;
} commands[] = {
    {"render", cmd_render, "draw a choropleth or point map to PNG, SVG or PDF"},
    {"geocode", cmd_geocode, "append district, method and score to a CSV"},
    {"import", cmd_import, "import an incident export into the store"},
    {"stats", cmd_stats, "count incidents, killed and injured from the store"},
    {"export", cmd_export, "write the store as CSV, GeoJSON or GeoPackage"},
    {"gazetteer", cmd_gazetteer, "look up place names in the gazetteer"},
    {"mentions", cmd_mentions, "find the places an article names, with counts"},
};

void cli_error(const char *cmd, const char *fmt, ...)
{
    va_list ap;
    fprintf(stderr, "incimap %s: ", cmd);
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fputc('\n', stderr);
}

void cli_log(void *cmd, const char *message)
{
    fprintf(stderr, "incimap %s: warning: %s\n", (const char *)cmd, message);
}

/* $INCIMAP_CACHE_DIR (empty: no cache), else the XDG cache directory. */
static im_status_t set_cache_dir(im_ctx_t *ctx)
{
    const char *env = getenv("INCIMAP_CACHE_DIR");
    if (env)
        return im_ctx_set_cache_dir(ctx, env);
    const char *xdg = getenv("XDG_CACHE_HOME"), *home = getenv("HOME");
    char dir[4096];
    if (xdg && *xdg == '/')
        snprintf(dir, sizeof dir, "%s/incimap", xdg);
    else if (home && *home == '/')
        snprintf(dir, sizeof dir, "%s/.cache/incimap", home);
    else
        return IM_OK;
    return im_ctx_set_cache_dir(ctx, dir);
}

im_ctx_t *cli_context(const char *cmd, const char *data_dir)
{
    im_ctx_t *ctx = im_ctx_new();
    if (!ctx) {
        cli_error(cmd, "out of memory");
        return NULL;
    }
    im_ctx_set_log(ctx, cli_log, (void *)cmd);
    if ((data_dir && im_ctx_set_data_dir(ctx, data_dir)) ||
        set_cache_dir(ctx)) {
        cli_error(cmd, "%s", im_ctx_errmsg(ctx));
        im_ctx_free(ctx);
        return NULL;
    }
    return ctx;
}

int cli_int(const char *cmd, const char *flag, const char *value, int min,
            int max)
{
    char *end;
    errno = 0;
    long v = strtol(value, &end, 10);
    if (errno || !*value || *end || v < min || v > max) {
        cli_error(cmd, "%s: '%s' is not a whole number in %d..%d", flag, value,
                  min, max);
        return -1;
    }
    return (int)v;
}

static void usage(FILE *f)
{
    fputs("usage: incimap <command> [options]\n\ncommands:\n", f);
    for (size_t i = 0; i < sizeof commands / sizeof commands[0]; i++)
        fprintf(f, "  %-10s %s\n", commands[i].name, commands[i].summary);
    fputs("\n'incimap <command> --help' describes a command's options.\n", f);
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        usage(stderr);
        return CLI_USAGE;
    }
    if (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h") ||
        !strcmp(argv[1], "help")) {
        usage(stdout);
        return CLI_OK;
    }
    for (size_t i = 0; i < sizeof commands / sizeof commands[0]; i++)
        if (!strcmp(argv[1], commands[i].name))
            return commands[i].run(argc - 1, argv + 1);
    fprintf(stderr, "incimap: '%s' is not a command\n", argv[1]);
    usage(stderr);
    return CLI_USAGE;
}
