/*
 * failalloc.h: allocation failure injected into libincimap for a test.
 *
 * tests/failalloc.c replaces malloc, calloc, realloc, strdup, strndup and
 * free for the whole process, and SQLite's allocator.  Only allocations
 * asked for by code inside libincimap (and by SQLite, which the library
 * alone drives in the import) are counted and may be made to fail: GLib,
 * Cairo and Pango abort on an allocation failure by design, so failing
 * theirs would test nothing of ours.  While armed, the blocks the library
 * allocates are remembered until freed, so that a test can tell a leak
 * on an error path.
 */
#ifndef IM_FAILALLOC_H
#define IM_FAILALLOC_H

#include <stdbool.h>
#include <stddef.h>

/* Finds the library's code from one of its functions; false if it cannot. */
bool failalloc_init(const void *function_in_library);
/* Counts allocations from now on, failing the fail_at-th one (1-based;
 * 0 fails none).  Forgets the blocks remembered by an earlier arming. */
void failalloc_arm(unsigned long fail_at);
/* Stops counting and failing; remembered blocks stay remembered. */
void failalloc_disarm(void);
/* Allocations counted since the last arming. */
unsigned long failalloc_count(void);
/* Whether the failure was injected since the last arming. */
bool failalloc_fired(void);
/* Blocks allocated by the library while armed and not freed since; the
 * first few are described (size, caller's offset in the library, for
 * addr2line) into buf. */
size_t failalloc_live(char *buf, size_t len);
/* Bytes SQLite holds at the moment, whoever asked for them. */
long long failalloc_sqlite_used(void);

#endif
