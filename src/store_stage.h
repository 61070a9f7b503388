/*
 * store_stage.h: a new store written beside its path and linked into
 * place once complete.  The first import into a store is most of a large
 * store's life; written in place it would pass every page through the
 * write-ahead log and a checkpoint, twice the writes, to protect a file
 * that nobody else can have yet.  Written under a temporary name, it can
 * skip the log, and link() gives it its name atomically: another process
 * sees either no store or the whole first import.
 */
#ifndef IM_STORE_STAGE_H
#define IM_STORE_STAGE_H

#include <stdbool.h>

typedef struct {
    char *tmp;   /* the temporary name: "<path>.<pid>-<n>.tmp" */
    int fd;      /* open on it, for fsync */
} im_stage_t;

/* Whether path names a store that does not exist yet, in a directory
 * that does (not ":memory:" or a "file:" URI), so that it can be staged. */
bool im_stage_wanted(const char *path);
/* Creates an empty file beside path under a temporary name.  Removes the
 * temporary files of stores staged there by processes that no longer run
 * (killed in the middle of a first import).  False, with errno, when
 * none could be made. */
bool im_stage_create(const char *path, im_stage_t *out);
/* Makes the staged file durable: 0 or an errno. */
int im_stage_sync(im_stage_t *stage);
/* Links the staged file to path, and removes its temporary name either
 * way.  0, or the errno of link(): EEXIST when another process created
 * path meanwhile. */
int im_stage_link(im_stage_t *stage, const char *path);
/* Closes and removes a staged file that is not to be published. */
void im_stage_discard(im_stage_t *stage);

#endif
