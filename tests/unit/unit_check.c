/* unit_check.c
 * The assertions of the C unit tests: count, compare, report.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include "unit_check.h"

#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static unsigned long checks;
static unsigned long failures;
static char current_case[256];

/* A broken range in a sweep over every code fails thousands of times: the first failures say
 * what is wrong, the count says how much. */
#define PRINTED_FAILURES_MAX 50

void
unit_case(const char *fmt, ...)
{
    va_list ap;

    va_start(ap, fmt);
    vsnprintf(current_case, sizeof(current_case), fmt, ap);
    va_end(ap);
}

/* Counts one assertion; on a failure prints where and what, the values follow. */
static bool
judge(bool ok, const char *file, int line, const char *expr)
{
    checks++;
    if (ok)
        return true;
    failures++;
    if (failures <= PRINTED_FAILURES_MAX)
        fprintf(stderr, "%s:%d: FAILED [%s] %s\n", file, line, current_case, expr);
    return false;
}

/* Whether the failure just judged is one of those printed. */
static bool
printing(void)
{
    return failures <= PRINTED_FAILURES_MAX;
}

bool
unit_eq_uint(const char *file, int line, const char *expr, uintmax_t expected, uintmax_t actual)
{
    if (judge(expected == actual, file, line, expr) || !printing())
        return expected == actual;
    fprintf(stderr, "    expected: %" PRIuMAX " (0x%" PRIxMAX ")\n", expected, expected);
    fprintf(stderr, "    actual:   %" PRIuMAX " (0x%" PRIxMAX ")\n", actual, actual);
    return false;
}

bool
unit_eq_bool(const char *file, int line, const char *expr, bool expected, bool actual)
{
    if (judge(expected == actual, file, line, expr) || !printing())
        return expected == actual;
    fprintf(stderr, "    expected: %s\n    actual:   %s\n", expected ? "true" : "false",
            actual ? "true" : "false");
    return false;
}

static void
print_str(const char *label, const char *s)
{
    if (s)
        fprintf(stderr, "    %s\"%s\"\n", label, s);
    else
        fprintf(stderr, "    %sNULL\n", label);
}

bool
unit_eq_str(const char *file, int line, const char *expr, const char *expected, const char *actual)
{
    bool same = (expected && actual) ? strcmp(expected, actual) == 0 : expected == actual;

    if (judge(same, file, line, expr) || !printing())
        return same;
    print_str("expected: ", expected);
    print_str("actual:   ", actual);
    return false;
}

bool
unit_eq_ptr(const char *file, int line, const char *expr, const void *expected, const void *actual)
{
    if (judge(expected == actual, file, line, expr) || !printing())
        return expected == actual;
    fprintf(stderr, "    expected: %p\n    actual:   %p\n", expected, actual);
    return false;
}

static void
print_bytes(const char *label, const uint8_t *b, size_t len)
{
    size_t i;

    fprintf(stderr, "    %s", label);
    for (i = 0; i < len; i++)
        fprintf(stderr, "%02x%s", b[i], i + 1 < len ? " " : "");
    fprintf(stderr, "\n");
}

bool
unit_eq_bytes(const char *file, int line, const char *expr, const uint8_t *expected,
              const uint8_t *actual, size_t len)
{
    bool same = len == 0 || memcmp(expected, actual, len) == 0;

    if (judge(same, file, line, expr) || !printing())
        return same;
    print_bytes("expected: ", expected, len);
    print_bytes("actual:   ", actual, len);
    return false;
}

uint8_t *
unit_copy(const uint8_t *bytes, size_t len)
{
    /* malloc(0) under ASan is a valid pointer to no bytes: reading it is reported too. */
    uint8_t *copy = malloc(len);

    if (!copy && len) {
        fprintf(stderr, "unit_copy: out of memory\n");
        exit(2);
    }
    if (len)
        memcpy(copy, bytes, len);
    return copy;
}

void
unit_free(uint8_t *copy)
{
    free(copy);
}

int
unit_finish(const char *program)
{
    printf("%s: %lu assertions, %lu failed\n", program, checks, failures);
    if (failures > PRINTED_FAILURES_MAX)
        printf("%s: only the first %d failures were printed\n", program, PRINTED_FAILURES_MAX);
    return (failures || !checks) ? EXIT_FAILURE : EXIT_SUCCESS;
}
