/* ws_frame.h
 * RFC 6455 frame header, parsed from raw bytes.
 *
 * Pure C: the walk over a TCP payload must find exactly the frames that the built-in
 * WebSocket dissector finds, so the length arithmetic mirrors its get_pdu_len callback
 * (including its 32-bit truncation of 64-bit lengths), and it is fuzzed on its own.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#ifndef WS_FRAME_H
#define WS_FRAME_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define WS_OPCODE_CONTINUATION 0x0
#define WS_OPCODE_TEXT 0x1
#define WS_OPCODE_BINARY 0x2
#define WS_OPCODE_CLOSE 0x8

/* Control frames carry at most this much payload (RFC 6455 5.5). */
#define WS_CONTROL_PAYLOAD_MAX 125
/* Longest header: 2 bytes, 8-byte extended length, 4-byte masking key. */
#define WS_HEADER_MAX 14

typedef struct {
    bool fin;
    uint8_t rsv; /* RSV1-3, right-aligned */
    uint8_t opcode;
    bool masked;
    uint8_t mask[4];
    unsigned header_len;  /* 2 to 14 */
    uint64_t payload_len; /* as written on the wire */
} ws_frame_header_t;

typedef enum {
    WS_HEADER_OK,
    WS_HEADER_SHORT, /* not enough bytes for the whole header */
} ws_header_result_t;

/* Parse the header at buf (avail bytes available). */
ws_header_result_t ws_frame_header_parse(const uint8_t *buf, size_t avail, ws_frame_header_t *hdr);

/*
 * Bytes the built-in dissector assigns to this frame (its PDU length): header plus
 * payload, computed in 32 bits as it does.  0 when it cannot tell from the first
 * avail bytes (it then asks TCP for more).
 */
uint32_t ws_frame_pdu_len(const uint8_t *buf, size_t avail);

/* Apply (or remove: XOR is its own inverse) the masking key; offset is the position of
 * buf[0] within the payload. */
void ws_unmask(uint8_t *buf, size_t len, const uint8_t mask[4], size_t offset);

#endif /* WS_FRAME_H */
