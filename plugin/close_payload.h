/* close_payload.h
 * The payload of a WebSocket close frame: nothing, or a 2-byte status code and an
 * optional UTF-8 reason (RFC 6455 5.5.1).
 *
 * Pure C, so it can be unit-tested and fuzzed without Wireshark.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#ifndef CLOSE_PAYLOAD_H
#define CLOSE_PAYLOAD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef enum {
    WSCLOSE_PAYLOAD_EMPTY,    /* no status code: the receiver reports 1005 */
    WSCLOSE_PAYLOAD_ONE_BYTE, /* invalid: a status code needs two bytes */
    WSCLOSE_PAYLOAD_CODE,     /* status code, maybe followed by a reason */
} wsclose_payload_kind_t;

typedef struct {
    wsclose_payload_kind_t kind;
    uint16_t code;     /* valid for WSCLOSE_PAYLOAD_CODE */
    size_t reason_len; /* bytes after the code, as examined */
    bool reason_utf8;  /* the reason bytes examined are well-formed UTF-8 */
} wsclose_payload_t;

/* payload holds the first len bytes of the (unmasked) close payload. */
void wsclose_payload_parse(const uint8_t *payload, size_t len, wsclose_payload_t *out);

/* Strict UTF-8 as RFC 3629 defines it: no overlong forms, surrogates or code points above
 * U+10FFFF, as WebSocket endpoints must enforce. */
bool wsclose_utf8_valid(const uint8_t *s, size_t len);

#endif /* CLOSE_PAYLOAD_H */
