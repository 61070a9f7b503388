/*
 * store_stage.c: the file side of a staged store (see store_stage.h).
 * SQLite writes the staged file like any other; this module names it,
 * publishes it with link(), which unlike rename() fails when the target
 * exists, and sweeps up the staged files of killed processes.
 */
#include "store_stage.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

bool im_stage_wanted(const char *path)
{
    if (!path || !*path || !strcmp(path, ":memory:") ||
        !strncmp(path, "file:", 5))
        return false;
    struct stat st;
    return lstat(path, &st) != 0 && errno == ENOENT;
}

/* The directory part of path ("." when it has none); caller frees. */
static char *dir_of(const char *path)
{
    const char *slash = strrchr(path, '/');
    if (!slash)
        return strdup(".");
    size_t n = slash == path ? 1 : (size_t)(slash - path);
    char *d = malloc(n + 1);
    if (d) {
        memcpy(d, path, n);
        d[n] = '\0';
    }
    return d;
}

/* The process id in a staged file's name "<base>.<pid>-<n>.tmp", or 0
 * when name is not one of base's. */
static long staged_pid(const char *name, const char *base)
{
    size_t bl = strlen(base);
    if (strncmp(name, base, bl) != 0 || name[bl] != '.')
        return 0;
    char *end;
    long pid = strtol(name + bl + 1, &end, 10);
    if (end == name + bl + 1 || *end != '-' || pid <= 0)
        return 0;
    const char *p = end + 1;
    if (*p < '0' || *p > '9')
        return 0;
    while (*p >= '0' && *p <= '9')
        p++;
    return strcmp(p, ".tmp") == 0 ? pid : 0;
}

/* A killed first import leaves its staged file behind; its process is
 * gone, which no live import's can be.  (A process of that id started
 * since keeps the file, which is harmless; a file deleted under a live
 * import of another machine or PID namespace makes its link() fail, and
 * that import then goes into the store the usual way.) */
static void sweep(const char *path)
{
    char *dir = dir_of(path);
    DIR *d = dir ? opendir(dir) : NULL;
    const char *slash = strrchr(path, '/');
    const char *base = slash ? slash + 1 : path;
    struct dirent *e;
    while (d && (e = readdir(d)) != NULL) {
        long pid = staged_pid(e->d_name, base);
        if (pid > 0 && pid != (long)getpid() && kill((pid_t)pid, 0) != 0 &&
            errno == ESRCH)
            unlinkat(dirfd(d), e->d_name, 0);
    }
    if (d)
        closedir(d);
    free(dir);
}

bool im_stage_create(const char *path, im_stage_t *out)
{
    out->tmp = NULL;
    out->fd = -1;
    sweep(path);
    size_t n = strlen(path) + 48;
    char *tmp = malloc(n);
    if (!tmp) {
        errno = ENOMEM;
        return false;
    }
    /* 0644 as SQLite creates a store, the umask applying. */
    int fd = -1;
    for (unsigned k = 0; fd < 0 && k < 100; k++) {
        snprintf(tmp, n, "%s.%ld-%u.tmp", path, (long)getpid(), k);
        fd = open(tmp, O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
        if (fd < 0 && errno != EEXIST)
            break;
    }
    if (fd < 0) {
        int err = errno;
        free(tmp);
        errno = err;
        return false;
    }
    out->tmp = tmp;
    out->fd = fd;
    return true;
}

int im_stage_sync(im_stage_t *stage)
{
    return fsync(stage->fd) == 0 ? 0 : errno;
}

int im_stage_link(im_stage_t *stage, const char *path)
{
    int err = link(stage->tmp, path) == 0 ? 0 : errno;
    if (!err) {
        /* The new name itself, best effort: without it a crash may lose
         * the store's name, never its contents. */
        char *dir = dir_of(path);
        int dfd = dir ? open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC) : -1;
        if (dfd >= 0) {
            fsync(dfd);
            close(dfd);
        }
        free(dir);
    }
    im_stage_discard(stage);
    return err;
}

void im_stage_discard(im_stage_t *stage)
{
    if (stage->fd >= 0)
        close(stage->fd);
    if (stage->tmp)
        unlink(stage->tmp);
    free(stage->tmp);
    stage->tmp = NULL;
    stage->fd = -1;
}
