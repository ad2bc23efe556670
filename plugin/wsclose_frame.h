/* wsclose_frame.h
 * RFC 6455 frame header, parsed from raw bytes.
 *
 * Pure C: the walk over a TCP payload must find exactly the frames that the built-in
 * WebSocket dissector finds, so the length arithmetic mirrors its get_pdu_len callback
 * (including its 32-bit truncation of 64-bit lengths), and it is fuzzed on its own.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#ifndef WSCLOSE_FRAME_H
#define WSCLOSE_FRAME_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Opcodes below it are data frames (continuation, text, binary and reserved ones). */
#define WSCLOSE_OPCODE_CLOSE 0x8

/* Control frames carry at most this much payload (RFC 6455 5.5). */
#define WSCLOSE_CONTROL_PAYLOAD_MAX 125
/* Longest header: 2 bytes, 8-byte extended length, 4-byte masking key. */
#define WSCLOSE_HEADER_MAX 14

typedef struct {
    bool fin;
    uint8_t rsv; /* RSV1-3, right-aligned */
    uint8_t opcode;
    bool masked;
    uint8_t mask[4];
    unsigned header_len;  /* 2 to 14 */
    uint64_t payload_len; /* as written on the wire */
    uint32_t pdu_len;     /* what wsclose_frame_pdu_len() returns for it */
} wsclose_frame_header_t;

typedef enum {
    WSCLOSE_HEADER_OK,
    WSCLOSE_HEADER_SHORT, /* not enough bytes for the whole header */
} wsclose_header_result_t;

/* Parse the header at buf (avail bytes available).  WSCLOSE_HEADER_SHORT when it is not all
 * there; pdu_len is still set when its length bytes are. */
wsclose_header_result_t wsclose_frame_header_parse(const uint8_t *buf, size_t avail,
                                                   wsclose_frame_header_t *hdr);

/*
 * Bytes the built-in dissector assigns to this frame (its PDU length): header plus
 * payload, computed in 32 bits as it does.  0 when it cannot tell from the first
 * avail bytes (it then asks TCP for more).
 */
uint32_t wsclose_frame_pdu_len(const uint8_t *buf, size_t avail);

/* The opcode of the frame whose header starts at buf (at least 1 byte there). */
uint8_t wsclose_frame_opcode(const uint8_t *buf);

/* Apply (or remove: XOR is its own inverse) the masking key; offset is the position of
 * buf[0] within the payload. */
void wsclose_unmask(uint8_t *buf, size_t len, const uint8_t mask[4], size_t offset);

#endif /* WSCLOSE_FRAME_H */
