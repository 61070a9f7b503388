/*
 * cli.h: what the subcommands share: exit codes and message helpers.
 */
#ifndef IM_CLI_H
#define IM_CLI_H

#include "incimap.h"

enum { CLI_OK = 0, CLI_FAIL = 1, CLI_USAGE = 2 };

int cmd_render(int argc, char **argv);
int cmd_gazetteer(int argc, char **argv);
int cmd_mentions(int argc, char **argv);
int cmd_geocode(int argc, char **argv);

int cmd_import(int argc, char **argv);
int cmd_stats(int argc, char **argv);
int cmd_export(int argc, char **argv);

/* Filters shared by stats, render and export (common.c). */
int cli_check_dates(const char *cmd, const im_filter_t *filter);
/* Replaces filter->province by its canonical name, kept in buf. */
im_status_t cli_canonical_province(im_ctx_t *ctx, const char *cmd,
                                   im_filter_t *filter,
                                   char *buf, size_t n);
/* Whether --db names a PostGIS database ("PG:...") read through GDAL
 * rather than an SQLite store. */
bool cli_db_is_ogr(const char *db);
/* Opens a store that must already exist. */
im_status_t cli_open_existing_store(im_ctx_t *ctx, const char *cmd,
                                    const char *path,
                                    im_store_t **out);

/* Opens the gazetteer, with the places of --places FILE (may be NULL)
 * added. */
im_status_t cli_open_gazetteer(im_ctx_t *ctx, const char *places,
                               im_gazetteer_t **out);
/* Prints "incimap CMD: message" on stderr. */
void cli_error(const char *cmd, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 2, 3)))
#endif
    ;
/* Log sink that prints library warnings on stderr. */
void cli_log(void *cmd, const char *message);
/* A new context with the data directory from --data-dir (may be NULL). */
im_ctx_t *cli_context(const char *cmd, const char *data_dir);
/* Parses a positive integer option value; -1 on error. */
int cli_int(const char *cmd, const char *flag, const char *value, int min,
            int max);

#endif
