/* libFuzzer harness: close payload parsing and strict UTF-8 validation (close_payload.c).
 *
 * The validator is checked against an independent reference decoder written the other
 * way round (table of well-formed byte sequences, RFC 3629 section 4).
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include <stdlib.h>
#include <string.h>

#include "close_payload.h"
#include "fuzz_check.h"

/* RFC 3629's UTF8-octets grammar, transcribed. */
static bool
reference_utf8(const uint8_t *s, size_t len)
{
    size_t i = 0;

    while (i < len) {
        uint8_t c = s[i];
        uint8_t lo = 0x80, hi = 0xbf;
        size_t n, k;

        if (c <= 0x7f) {
            i++;
            continue;
        } else if (c >= 0xc2 && c <= 0xdf) {
            n = 1;
        } else if (c == 0xe0) {
            n = 2, lo = 0xa0;
        } else if ((c >= 0xe1 && c <= 0xec) || c == 0xee || c == 0xef) {
            n = 2;
        } else if (c == 0xed) {
            n = 2, hi = 0x9f;
        } else if (c == 0xf0) {
            n = 3, lo = 0x90;
        } else if (c >= 0xf1 && c <= 0xf3) {
            n = 3;
        } else if (c == 0xf4) {
            n = 3, hi = 0x8f;
        } else {
            return false;
        }
        if (len - i < n + 1)
            return false;
        if (s[i + 1] < lo || s[i + 1] > hi)
            return false;
        for (k = 2; k <= n; k++)
            if (s[i + k] < 0x80 || s[i + k] > 0xbf)
                return false;
        i += n + 1;
    }
    return true;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    wsclose_payload_t cp;
    uint8_t *copy = malloc(size ? size : 1);

    memcpy(copy, data, size);
    memset(&cp, 0xa5, sizeof(cp));
    wsclose_payload_parse(copy, size, &cp);
    switch (size) {
    case 0:
        CHECK(cp.kind == WSCLOSE_PAYLOAD_EMPTY);
        break;
    case 1:
        CHECK(cp.kind == WSCLOSE_PAYLOAD_ONE_BYTE);
        break;
    default:
        CHECK(cp.kind == WSCLOSE_PAYLOAD_CODE);
        CHECK(cp.code == (uint16_t)((copy[0] << 8) | copy[1]));
        CHECK(cp.reason_len == size - 2);
        CHECK(cp.reason_utf8 == reference_utf8(copy + 2, size - 2));
    }
    CHECK(wsclose_utf8_valid(copy, size) == reference_utf8(copy, size));
    /* Every prefix too: a reason cut short by the capture is validated as such. */
    if (size <= 64) {
        size_t n;

        for (n = 0; n < size; n++) {
            uint8_t *prefix = malloc(n ? n : 1);

            memcpy(prefix, copy, n);
            CHECK(wsclose_utf8_valid(prefix, n) == reference_utf8(prefix, n));
            free(prefix);
        }
    }
    free(copy);
    return 0;
}
