/*
 * testlib.h: the few helpers every test uses.  A failed check prints where
 * and why and makes the test exit non-zero; checks keep going so one run
 * reports every failure.
 */
#ifndef IM_TESTLIB_H
#define IM_TESTLIB_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int test_failures;

#define CHECK(cond, ...)                                                     \
    do {                                                                     \
        if (!(cond)) {                                                       \
            fprintf(stderr, "%s:%d: check failed: %s: ", __FILE__, __LINE__, \
                    #cond);                                                  \
            fprintf(stderr, __VA_ARGS__);                                    \
            fputc('\n', stderr);                                             \
            test_failures++;                                                 \
        }                                                                    \
    } while (0)

#define CHECK_STR(got, want)                                                 \
    CHECK((got) && strcmp((got), (want)) == 0, "got '%s', want '%s'",        \
          (got) ? (got) : "(null)", (want))

#define TEST_DONE()                                                          \
    do {                                                                     \
        if (test_failures)                                                   \
            fprintf(stderr, "%d check(s) failed\n", test_failures);          \
        return test_failures ? 1 : 0;                                        \
    } while (0)

/* The source tree, from the environment meson sets for every test. */
static inline const char *test_source_root(void)
{
    const char *s = getenv("INCIMAP_SOURCE_ROOT");
    return s ? s : ".";
}

/* Path under the source tree; static buffer, one at a time per call site. */
static inline const char *test_path(char *buf, size_t n, const char *rel)
{
    snprintf(buf, n, "%s/%s", test_source_root(), rel);
    return buf;
}

/* A scratch directory for the test's outputs. */
static inline const char *test_tmpdir(void)
{
    const char *s = getenv("INCIMAP_TEST_TMP");
    return s ? s : "/tmp";
}

#endif
