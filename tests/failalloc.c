/*
 * failalloc.c: see failalloc.h.  Linked into one test executable, whose
 * definitions of malloc and friends every shared library then binds to;
 * the real allocator is reached through glibc's __libc_* entry points,
 * which (unlike dlsym) never allocate themselves.
 */
#define _GNU_SOURCE
#include "failalloc.h"

#include <dlfcn.h>
#include <errno.h>
#include <execinfo.h>
#include <link.h>
#include <pthread.h>
#include <sqlite3.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* AddressSanitizer replaces malloc itself: a second replacement would take
 * the process down before main, so under it there is nothing but stubs
 * (and the test skips itself). */
#if defined(__SANITIZE_ADDRESS__)
bool failalloc_init(const void *function_in_library)
{
    (void)function_in_library;
    return false;
}
void failalloc_arm(unsigned long at) { (void)at; }
void failalloc_disarm(void) {}
unsigned long failalloc_count(void) { return 0; }
bool failalloc_fired(void) { return false; }
size_t failalloc_live(char *buf, size_t len)
{
    if (len)
        buf[0] = '\0';
    return 0;
}
long long failalloc_sqlite_used(void) { return 0; }
#else

extern void *__libc_malloc(size_t n);
extern void *__libc_calloc(size_t n, size_t size);
extern void *__libc_realloc(void *p, size_t n);
extern void __libc_free(void *p);

static uintptr_t lib_lo, lib_hi;   /* the library's executable segments */
static uintptr_t lib_base;         /* where it is loaded, for addr2line */
static atomic_bool armed;
static atomic_ulong counted, fail_at;
static atomic_bool fired;

/* Blocks the library allocated while armed: open addressing keyed on the
 * address, linear probing, deletion by moving entries back (tombstones
 * made every free probe a long way).  Big enough for any one scenario of
 * the test; a full table aborts rather than miss a leak. */
#define LIVE_SLOTS (1u << 18)
#define FRAMES 5
typedef struct {
    void *p;
    size_t size;
    unsigned gen;         /* slots of an earlier arming count as empty */
    void *frames[FRAMES]; /* where it was allocated: the allocator first */
} live_t;
static live_t live[LIVE_SLOTS];
static size_t live_count;
static unsigned live_gen = 1;

static bool slot_empty(const live_t *e)
{
    return !e->p || e->gen != live_gen;
}
static pthread_mutex_t live_lock = PTHREAD_MUTEX_INITIALIZER;

static size_t slot_of(const void *p)
{
    return (size_t)(((uintptr_t)p >> 4) * 2654435761u) & (LIVE_SLOTS - 1);
}

static void remember(void *p, size_t size)
{
    live_t e = {p, size, 0, {0}};
    backtrace(e.frames, FRAMES);
    pthread_mutex_lock(&live_lock);
    e.gen = live_gen;
    size_t j = slot_of(p), probes = 0;
    while (!slot_empty(&live[j])) {
        j = (j + 1) & (LIVE_SLOTS - 1);
        if (++probes == LIVE_SLOTS) {
            static const char msg[] = "failalloc: table of live blocks full\n";
            if (write(2, msg, sizeof msg - 1) < 0) {
            }
            abort();
        }
    }
    live[j] = e;
    live_count++;
    pthread_mutex_unlock(&live_lock);
}

static void forget(void *p)
{
    if (!p)
        return;
    pthread_mutex_lock(&live_lock);
    size_t j = slot_of(p);
    while (live_count && !slot_empty(&live[j]) && live[j].p != p)
        j = (j + 1) & (LIVE_SLOTS - 1);
    if (live_count && !slot_empty(&live[j])) {
        live_count--;
        /* Entries further along the run that may not stay behind the
         * hole (their home slot is not after it) move into it. */
        for (size_t k = (j + 1) & (LIVE_SLOTS - 1); !slot_empty(&live[k]);
             k = (k + 1) & (LIVE_SLOTS - 1)) {
            size_t home = slot_of(live[k].p);
            bool stays = j <= k ? home > j && home <= k : home > j || home <= k;
            if (!stays) {
                live[j] = live[k];
                j = k;
            }
        }
        live[j].p = NULL;
    }
    pthread_mutex_unlock(&live_lock);
}

static bool ours(uintptr_t caller)
{
    return caller >= lib_lo && caller < lib_hi;
}

/* Whether this allocation is to fail; counts it when armed. */
static bool should_fail(void)
{
    if (!atomic_load(&armed))
        return false;
    unsigned long n = atomic_fetch_add(&counted, 1) + 1;
    if (n == atomic_load(&fail_at)) {
        atomic_store(&fired, true);
        /* FAILALLOC_TRACE=1 shows where, for addr2line. */
        const char *trace = getenv("FAILALLOC_TRACE");
        if (trace && *trace == '1') {
            void *frames[12];
            backtrace_symbols_fd(frames, backtrace(frames, 12), 2);
        }
        return true;
    }
    return false;
}

static void *track(void *p, size_t size)
{
    if (p && atomic_load(&armed))
        remember(p, size);
    return p;
}

void *malloc(size_t n)
{
    uintptr_t caller = (uintptr_t)__builtin_return_address(0);
    if (!ours(caller))
        return __libc_malloc(n);
    if (should_fail()) {
        errno = ENOMEM;
        return NULL;
    }
    return track(__libc_malloc(n), n);
}

void *calloc(size_t n, size_t size)
{
    uintptr_t caller = (uintptr_t)__builtin_return_address(0);
    if (!ours(caller))
        return __libc_calloc(n, size);
    if (should_fail()) {
        errno = ENOMEM;
        return NULL;
    }
    return track(__libc_calloc(n, size), n * size);
}

void *realloc(void *p, size_t n)
{
    uintptr_t caller = (uintptr_t)__builtin_return_address(0);
    if (!ours(caller))
        return __libc_realloc(p, n);
    if (should_fail()) {
        errno = ENOMEM;
        return NULL;
    }
    void *q = __libc_realloc(p, n);
    if (q || n == 0)
        forget(p);
    return track(q, n);
}

void free(void *p)
{
    forget(p);
    __libc_free(p);
}

char *strdup(const char *s)
{
    uintptr_t caller = (uintptr_t)__builtin_return_address(0);
    size_t n = strlen(s) + 1;
    if (ours(caller) && should_fail()) {
        errno = ENOMEM;
        return NULL;
    }
    char *d = __libc_malloc(n);
    if (d)
        memcpy(d, s, n);
    return ours(caller) ? track(d, n) : d;
}

char *strndup(const char *s, size_t max)
{
    uintptr_t caller = (uintptr_t)__builtin_return_address(0);
    size_t n = strnlen(s, max);
    if (ours(caller) && should_fail()) {
        errno = ENOMEM;
        return NULL;
    }
    char *d = __libc_malloc(n + 1);
    if (d) {
        memcpy(d, s, n);
        d[n] = '\0';
    }
    return ours(caller) ? track(d, n + 1) : d;
}

/* SQLite's allocator, counted whoever calls SQLite: in the scenarios of
 * the test only the library and PROJ (for its database) do. */
static sqlite3_mem_methods sqlite_real;

static void *sqlite_malloc(int n)
{
    return should_fail() ? NULL : sqlite_real.xMalloc(n);
}

static void *sqlite_realloc(void *p, int n)
{
    return should_fail() ? NULL : sqlite_real.xRealloc(p, n);
}

struct range {
    uintptr_t addr, lo, hi, base;
};

static int find_segments(struct dl_phdr_info *info, size_t size, void *arg)
{
    (void)size;
    struct range *r = arg;
    uintptr_t lo = UINTPTR_MAX, hi = 0;
    bool contains = false;
    for (int i = 0; i < info->dlpi_phnum; i++) {
        const ElfW(Phdr) *ph = &info->dlpi_phdr[i];
        if (ph->p_type != PT_LOAD || !(ph->p_flags & PF_X))
            continue;
        uintptr_t a = info->dlpi_addr + ph->p_vaddr, b = a + ph->p_memsz;
        lo = a < lo ? a : lo;
        hi = b > hi ? b : hi;
        contains |= r->addr >= a && r->addr < b;
    }
    if (!contains)
        return 0;
    r->lo = lo;
    r->hi = hi;
    r->base = info->dlpi_addr;
    return 1;
}

bool failalloc_init(const void *function_in_library)
{
    struct range r = {(uintptr_t)function_in_library, 0, 0, 0};
    if (!dl_iterate_phdr(find_segments, &r))
        return false;
    if (sqlite3_config(SQLITE_CONFIG_GETMALLOC, &sqlite_real) != SQLITE_OK)
        return false;
    sqlite3_mem_methods m = sqlite_real;
    m.xMalloc = sqlite_malloc;
    m.xRealloc = sqlite_realloc;
    if (sqlite3_config(SQLITE_CONFIG_MALLOC, &m) != SQLITE_OK)
        return false;
    /* backtrace() loads its unwinder on first use, allocating. */
    void *warm[2];
    backtrace(warm, 2);
    lib_lo = r.lo;
    lib_base = r.base;
    lib_hi = r.hi;
    return true;
}

void failalloc_arm(unsigned long at)
{
    pthread_mutex_lock(&live_lock);
    live_gen++;
    live_count = 0;
    pthread_mutex_unlock(&live_lock);
    atomic_store(&counted, 0);
    atomic_store(&fail_at, at);
    atomic_store(&fired, false);
    atomic_store(&armed, true);
}

void failalloc_disarm(void) { atomic_store(&armed, false); }
unsigned long failalloc_count(void) { return atomic_load(&counted); }
bool failalloc_fired(void) { return atomic_load(&fired); }

size_t failalloc_live(char *buf, size_t len)
{
    pthread_mutex_lock(&live_lock);
    size_t n = live_count, shown = 0, used = 0;
    if (len)
        buf[0] = '\0';
    for (size_t j = 0; n && j < LIVE_SLOTS && shown < 8 && used < len; j++) {
        if (slot_empty(&live[j]))
            continue;
        int w = snprintf(buf + used, len - used, "%s%zu bytes from",
                         shown ? "; " : "", live[j].size);
        used += w > 0 ? (size_t)w : 0;
        for (int f = 1; f < FRAMES && used < len; f++) {
            uintptr_t a = (uintptr_t)live[j].frames[f];
            w = ours(a) ? snprintf(buf + used, len - used, " libincimap+0x%lx",
                                   (unsigned long)(a - lib_base))
                        : snprintf(buf + used, len - used, " %p", (void *)a);
            used += w > 0 ? (size_t)w : 0;
        }
        shown++;
    }
    pthread_mutex_unlock(&live_lock);
    return n;
}

long long failalloc_sqlite_used(void) { return sqlite3_memory_used(); }

#endif
