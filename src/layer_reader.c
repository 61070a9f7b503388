/*
 * layer_reader.c: see layer_reader.h.
 */
#include "layer_reader.h"

#include "bytes.h"
#include "context.h"
#include "gazetteer.h"
#include "module_loader.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#ifndef IM_LAYER_READER_BUILT
#define IM_LAYER_READER_BUILT ""
#endif
#ifndef IM_LAYER_READER_INSTALLED
#define IM_LAYER_READER_INSTALLED "incimap-layer-reader"
#endif

extern char **environ;

/* Close-on-exec: a program that another thread of the calling process
 * starts meanwhile would otherwise inherit the write ends, and the pipes
 * would not reach their end before it exits.  (pipe2 would also close
 * the moment between the two calls, but is not POSIX.) */
static int cloexec_pipe(int p[2])
{
    if (pipe(p))
        return -1;
    fcntl(p[0], F_SETFD, FD_CLOEXEC);
    fcntl(p[1], F_SETFD, FD_CLOEXEC);
    return 0;
}

/* Reads the helper's two pipes to their ends; false on a read error. */
static bool drain(int out_fd, int err_fd, im_bytes_t *out, im_bytes_t *err)
{
    struct pollfd p[2] = {{out_fd, POLLIN, 0}, {err_fd, POLLIN, 0}};
    im_bytes_t *dst[2] = {out, err};
    int open_fds = 2;
    char buf[1 << 16];
    while (open_fds > 0) {
        if (poll(p, 2, -1) < 0) {
            if (errno == EINTR)
                continue;
            return false;
        }
        for (int k = 0; k < 2; k++) {
            if (p[k].fd < 0 || !p[k].revents)
                continue;
            ssize_t n = read(p[k].fd, buf, sizeof buf);
            if (n < 0 && errno == EINTR)
                continue;
            if (n < 0)
                return false;
            if (n == 0) {
                p[k].fd = -1;
                open_fds--;
            } else {
                im_bytes_add(dst[k], buf, (size_t)n);
            }
        }
    }
    return true;
}

/* Passes the helper's warnings on; returns its error (status and
 * message), or IM_OK with *other the lines that were neither. */
static im_status_t relay(im_ctx_t *ctx, char *text, char **error_msg,
                         im_bytes_t *other)
{
    im_status_t st = IM_OK;
    *error_msg = NULL;
    for (char *line = text, *next; line && *line; line = next) {
        next = strchr(line, '\n');
        if (next)
            *next++ = '\0';
        size_t wl = strlen(IM_READER_WARNING), el = strlen(IM_READER_ERROR);
        if (!strncmp(line, IM_READER_WARNING, wl)) {
            im_warn(ctx, "%s", line + wl);
        } else if (!strncmp(line, IM_READER_ERROR, el) && !st) {
            char *msg = NULL;
            long code = strtol(line + el, &msg, 10);
            st = code > 0 && code <= IM_ERR_NOMEM ? (im_status_t)code
                                                   : IM_ERR_LIB;
            *error_msg = msg && *msg == '\t' ? msg + 1 : msg;
        } else if (*line) {
            im_bytes_add(other, line, strlen(line));
            im_bytes_add(other, " ", 1);
        }
    }
    return st;
}

im_status_t im_layer_read_apart(im_ctx_t *ctx, const im_gazetteer_t *gaz,
                                const char *source, const char *name_field,
                                im_layer_t **out, bool *out_ran)
{
    *out = NULL;
    *out_ran = false;
    const char *path = im_module_path("INCIMAP_LAYER_READER",
                                      IM_LAYER_READER_BUILT,
                                      IM_LAYER_READER_INSTALLED, X_OK);
    if (access(path, X_OK) != 0)
        return IM_OK;
    const char *origin = im_gazetteer_origin(gaz);
    const char *data_dir = im_ctx_data_dir(ctx);
    char *argv[] = {(char *)path,
                    (char *)(data_dir ? data_dir : ""),
                    (char *)(origin ? origin : ""),
                    (char *)source,
                    (char *)(name_field ? name_field : ""),
                    NULL};
    int po[2] = {-1, -1}, pe[2] = {-1, -1};
    if (cloexec_pipe(po) || cloexec_pipe(pe)) {
        im_status_t st = im_error(ctx, IM_ERR_IO, "cannot read '%s': pipe: %s",
                                  source, strerror(errno));
        for (int k = 0; k < 2; k++) {
            if (po[k] >= 0)
                close(po[k]);
            if (pe[k] >= 0)
                close(pe[k]);
        }
        return st;
    }
    posix_spawn_file_actions_t fa;
    posix_spawn_file_actions_init(&fa);
    posix_spawn_file_actions_adddup2(&fa, po[1], 1);
    posix_spawn_file_actions_adddup2(&fa, pe[1], 2);
    pid_t pid;
    int rc = posix_spawn(&pid, path, &fa, NULL, argv, environ);
    posix_spawn_file_actions_destroy(&fa);
    close(po[1]);
    close(pe[1]);
    if (rc != 0) {
        close(po[0]);
        close(pe[0]);
        return IM_OK;
    }
    *out_ran = true;
    im_bytes_t layer = {0}, err = {0}, other = {0};
    bool read_ok = drain(po[0], pe[0], &layer, &err);
    close(po[0]);
    close(pe[0]);
    int status = 0;
    while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
        ;
    char *msg = NULL;
    im_status_t st = relay(ctx, (char *)err.data, &msg, &other);
    if (st) {
        st = im_error(ctx, st, "%s", msg ? msg : "");
    } else if (layer.failed || err.failed || other.failed) {
        st = im_error(ctx, IM_ERR_NOMEM, "out of memory");
    } else if (!read_ok || !WIFEXITED(status) || WEXITSTATUS(status) != 0) {
        char how[48];
        if (WIFSIGNALED(status))
            snprintf(how, sizeof how, "stopped by signal %d", WTERMSIG(status));
        else
            snprintf(how, sizeof how, "exit status %d", WEXITSTATUS(status));
        st = im_error(ctx, IM_ERR_LIB, "cannot read '%s': %s failed (%s)%s%s",
                      source, path, how, other.len ? ": " : "",
                      other.len ? (const char *)other.data : "");
    } else {
        if (other.len)
            im_warn(ctx, "%s: %s", source, (const char *)other.data);
        st = im_layer_parse(ctx, gaz, layer.data, layer.len, source, out);
    }
    free(layer.data);
    free(err.data);
    free(other.data);
    return st;
}
