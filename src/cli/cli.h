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
