/* unit_check.h
 * The assertions of the C unit tests (tests/unit/test_*.c): each compares one value with its
 * exact expected value and, when they differ, prints file:line, the case being checked, the
 * expression, the expected and the actual value.  A test program runs every assertion and
 * returns unit_finish() from main: non-zero when any failed.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#ifndef UNIT_CHECK_H
#define UNIT_CHECK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Names the case the next assertions check (a table row, an input), printf-style; shown in
 * every failure report until the next call. */
void unit_case(const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 1, 2)))
#endif
    ;

#define UNIT_EQ_UINT(expected, actual)                                                             \
    unit_eq_uint(__FILE__, __LINE__, #actual, (uintmax_t)(expected), (uintmax_t)(actual))
#define UNIT_EQ_BOOL(expected, actual)                                                             \
    unit_eq_bool(__FILE__, __LINE__, #actual, (expected), (actual))
/* Strings compared with strcmp; NULL is a value of its own ("no name"). */
#define UNIT_EQ_STR(expected, actual) unit_eq_str(__FILE__, __LINE__, #actual, (expected), (actual))
/* The same object, not merely equal contents. */
#define UNIT_EQ_PTR(expected, actual)                                                              \
    unit_eq_ptr(__FILE__, __LINE__, #actual, (const void *)(expected), (const void *)(actual))
#define UNIT_EQ_BYTES(expected, actual, len)                                                       \
    unit_eq_bytes(__FILE__, __LINE__, #actual, (expected), (actual), (len))

bool unit_eq_uint(const char *file, int line, const char *expr, uintmax_t expected,
                  uintmax_t actual);
bool unit_eq_bool(const char *file, int line, const char *expr, bool expected, bool actual);
bool unit_eq_str(const char *file, int line, const char *expr, const char *expected,
                 const char *actual);
bool unit_eq_ptr(const char *file, int line, const char *expr, const void *expected,
                 const void *actual);
bool unit_eq_bytes(const char *file, int line, const char *expr, const uint8_t *expected,
                   const uint8_t *actual, size_t len);

/* Test inputs are string literals of hex escapes ("\x88\x82" is 88 82).  UNIT_HEX gives
 * the literal and its length (without the terminating NUL), so a 00 byte is data, not the
 * end; UNIT_BYTES reads it as bytes. */
#define UNIT_HEX(s) (s), (sizeof(s) - 1)
#define UNIT_BYTES(s) ((const uint8_t *)(s))

/* A heap copy of exactly len bytes, so that AddressSanitizer reports any read beyond the
 * input.  Free with unit_free(). */
uint8_t *unit_copy(const uint8_t *bytes, size_t len);
void unit_free(uint8_t *copy);

/* Prints "<program>: N assertions, M failed" and returns main's exit status. */
int unit_finish(const char *program);

#endif /* UNIT_CHECK_H */
