/* close_payload.c
 * Close frame payload parsing and strict UTF-8 validation.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include "close_payload.h"

void
wsclose_payload_parse(const uint8_t *payload, size_t len, wsclose_payload_t *out)
{
    out->code = 0;
    out->reason_len = 0;
    out->reason_utf8 = true;
    if (len == 0) {
        out->kind = WSCLOSE_PAYLOAD_EMPTY;
        return;
    }
    if (len == 1) {
        out->kind = WSCLOSE_PAYLOAD_ONE_BYTE;
        return;
    }
    out->kind = WSCLOSE_PAYLOAD_CODE;
    out->code = (uint16_t)((payload[0] << 8) | payload[1]);
    out->reason_len = len - 2;
    out->reason_utf8 = wsclose_utf8_valid(payload + 2, len - 2);
}

bool
wsclose_utf8_valid(const uint8_t *s, size_t len)
{
    size_t i = 0;

    while (i < len) {
        uint8_t c = s[i];
        size_t need, k;
        uint32_t cp, min;

        if (c < 0x80) {
            i++;
            continue;
        }
        if ((c & 0xe0) == 0xc0) {
            need = 1;
            cp = c & 0x1f;
            min = 0x80;
        } else if ((c & 0xf0) == 0xe0) {
            need = 2;
            cp = c & 0x0f;
            min = 0x800;
        } else if ((c & 0xf8) == 0xf0) {
            need = 3;
            cp = c & 0x07;
            min = 0x10000;
        } else {
            return false;
        }
        if (len - i - 1 < need)
            return false;
        for (k = 1; k <= need; k++) {
            if ((s[i + k] & 0xc0) != 0x80)
                return false;
            cp = (cp << 6) | (s[i + k] & 0x3f);
        }
        if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
            return false;
        i += need + 1;
    }
    return true;
}
