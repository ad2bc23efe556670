/* fuzz_check.h
 * What every libFuzzer harness of wsclose's pure C parts shares: a check that traps (so the
 * fuzzer reports the input), and the entry point's prototype.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#ifndef FUZZ_CHECK_H
#define FUZZ_CHECK_H

#include <stddef.h>
#include <stdint.h>

#define CHECK(cond)                                                                                \
    do {                                                                                           \
        if (!(cond))                                                                               \
            __builtin_trap();                                                                      \
    } while (0)

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#endif /* FUZZ_CHECK_H */
