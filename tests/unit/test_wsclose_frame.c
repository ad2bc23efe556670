/* test_wsclose_frame.c
 * plugin/wsclose_frame.[ch]: the RFC 6455 5.2 frame header, the PDU length the built-in
 * WebSocket dissector computes (32-bit arithmetic: a 64-bit length keeps its low 32 bits,
 * and header plus payload wraps around), and unmasking (RFC 6455 5.3).
 *
 * Every expected value is worked out by hand from RFC 6455 (the frames of section 5.7 are
 * its own examples), not by running the code.  Each input is handed over in a heap block of
 * exactly the length the function is told, so that the sanitized build reports a read past
 * the end.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include <stddef.h>
#include <string.h>

#include "close_payload.h"
#include "unit_check.h"
#include "wsclose_frame.h"

#define N_ELEMENTS(a) (sizeof(a) / sizeof((a)[0]))

typedef struct {
    const char *what;
    const char *bytes; /* a header and nothing more */
    size_t len;
    bool fin;
    unsigned rsv;
    unsigned opcode;
    bool masked;
    const char *mask; /* 4 bytes; zeros when not masked */
    unsigned header_len;
    uint64_t payload_len;
} header_case_t;

static const header_case_t header_cases[] = {
    /* RFC 6455 5.7. */
    {"5.7 unmasked text \"Hello\"", UNIT_HEX("\x81\x05"), true, 0, 0x1, false, "\0\0\0\0", 2, 5},
    {"5.7 masked text \"Hello\"", UNIT_HEX("\x81\x85\x37\xfa\x21\x3d"), true, 0, 0x1, true,
     "\x37\xfa\x21\x3d", 6, 5},
    {"5.7 first fragment \"Hel\"", UNIT_HEX("\x01\x03"), false, 0, 0x1, false, "\0\0\0\0", 2, 3},
    {"5.7 last fragment \"lo\"", UNIT_HEX("\x80\x02"), true, 0, 0x0, false, "\0\0\0\0", 2, 2},
    {"5.7 unmasked ping", UNIT_HEX("\x89\x05"), true, 0, 0x9, false, "\0\0\0\0", 2, 5},
    {"5.7 masked pong", UNIT_HEX("\x8a\x85\x37\xfa\x21\x3d"), true, 0, 0xa, true,
     "\x37\xfa\x21\x3d", 6, 5},
    {"5.7 256 bytes, 16-bit length", UNIT_HEX("\x82\x7e\x01\x00"), true, 0, 0x2, false, "\0\0\0\0",
     4, 256},
    {"5.7 64 KiB, 64-bit length", UNIT_HEX("\x82\x7f\x00\x00\x00\x00\x00\x01\x00\x00"), true, 0,
     0x2, false, "\0\0\0\0", 10, 65536},
    /* Close frames. */
    {"empty close", UNIT_HEX("\x88\x00"), true, 0, 0x8, false, "\0\0\0\0", 2, 0},
    {"masked close, code only", UNIT_HEX("\x88\x82\x37\xfa\x21\x3d"), true, 0, 0x8, true,
     "\x37\xfa\x21\x3d", 6, 2},
    {"close, 125 bytes", UNIT_HEX("\x88\x7d"), true, 0, 0x8, false, "\0\0\0\0", 2, 125},
    {"close, FIN clear", UNIT_HEX("\x08\x02"), false, 0, 0x8, false, "\0\0\0\0", 2, 2},
    /* Masked extended lengths: 2 + 2 + 4 and 2 + 8 + 4 bytes. */
    {"masked, 16-bit length", UNIT_HEX("\x82\xfe\x01\x00\x11\x22\x33\x44"), true, 0, 0x2, true,
     "\x11\x22\x33\x44", 8, 256},
    {"masked, 64-bit length", UNIT_HEX("\x82\xff\x00\x00\x00\x00\x00\x01\x00\x00\x11\x22\x33\x44"),
     true, 0, 0x2, true, "\x11\x22\x33\x44", 14, 65536},
    /* RSV1 is the top bit of the right-aligned rsv. */
    {"RSV1 (permessage-deflate)", UNIT_HEX("\xc1\x00"), true, 4, 0x1, false, "\0\0\0\0", 2, 0},
    {"RSV2", UNIT_HEX("\xa2\x00"), true, 2, 0x2, false, "\0\0\0\0", 2, 0},
    {"RSV3", UNIT_HEX("\x91\x00"), true, 1, 0x1, false, "\0\0\0\0", 2, 0},
    {"all RSV, FIN clear", UNIT_HEX("\x78\x00"), false, 7, 0x8, false, "\0\0\0\0", 2, 0},
    {"reserved opcode 0xF", UNIT_HEX("\x8f\x00"), true, 0, 0xf, false, "\0\0\0\0", 2, 0},
    /* Lengths as written, even where RFC 6455 asks for the minimal form or a clear MSB. */
    {"5 in a 16-bit length", UNIT_HEX("\x82\x7e\x00\x05"), true, 0, 0x2, false, "\0\0\0\0", 4, 5},
    {"125 in a 64-bit length", UNIT_HEX("\x82\x7f\x00\x00\x00\x00\x00\x00\x00\x7d"), true, 0, 0x2,
     false, "\0\0\0\0", 10, 125},
    {"2^32 + 5", UNIT_HEX("\x82\x7f\x00\x00\x00\x01\x00\x00\x00\x05"), true, 0, 0x2, false,
     "\0\0\0\0", 10, UINT64_C(0x100000005)},
    {"2^63 (MSB set)", UNIT_HEX("\x82\x7f\x80\x00\x00\x00\x00\x00\x00\x00"), true, 0, 0x2, false,
     "\0\0\0\0", 10, UINT64_C(0x8000000000000000)},
    {"2^64 - 1", UNIT_HEX("\x82\x7f\xff\xff\xff\xff\xff\xff\xff\xff"), true, 0, 0x2, false,
     "\0\0\0\0", 10, UINT64_MAX},
};

static void
test_header(void)
{
    size_t i, avail;

    for (i = 0; i < N_ELEMENTS(header_cases); i++) {
        const header_case_t *c = &header_cases[i];
        uint8_t *copy = unit_copy(UNIT_BYTES(c->bytes), c->len);
        wsclose_frame_header_t hdr;

        unit_case("header: %s", c->what);
        memset(&hdr, 0xa5, sizeof(hdr));
        if (UNIT_EQ_UINT(WSCLOSE_HEADER_OK, wsclose_frame_header_parse(copy, c->len, &hdr))) {
            UNIT_EQ_BOOL(c->fin, hdr.fin);
            UNIT_EQ_UINT(c->rsv, hdr.rsv);
            UNIT_EQ_UINT(c->opcode, hdr.opcode);
            UNIT_EQ_BOOL(c->masked, hdr.masked);
            UNIT_EQ_BYTES(UNIT_BYTES(c->mask), hdr.mask, 4);
            UNIT_EQ_UINT(c->header_len, hdr.header_len);
            UNIT_EQ_UINT(c->payload_len, hdr.payload_len);
        }
        unit_free(copy);

        /* Every shorter buffer is too short for this header. */
        for (avail = 0; avail < c->len; avail++) {
            copy = unit_copy(UNIT_BYTES(c->bytes), avail);
            unit_case("header: %s, %zu of %zu bytes", c->what, avail, c->len);
            UNIT_EQ_UINT(WSCLOSE_HEADER_SHORT, wsclose_frame_header_parse(copy, avail, &hdr));
            unit_free(copy);
        }
    }
}

typedef struct {
    const char *what;
    /* The bytes the length is read from: 2, 4 or 10 (not the masking key, not the payload). */
    const char *bytes;
    size_t needed;
    uint32_t pdu_len;
} pdu_case_t;

static const pdu_case_t pdu_cases[] = {
    {"unmasked, 5 bytes", UNIT_HEX("\x81\x05"), 2 + 5},
    {"masked, 5 bytes", UNIT_HEX("\x81\x85"), 2 + 4 + 5},
    {"empty close", UNIT_HEX("\x88\x00"), 2},
    {"masked close, code only", UNIT_HEX("\x88\x82"), 2 + 4 + 2},
    {"close, 125 bytes", UNIT_HEX("\x88\x7d"), 2 + 125},
    {"masked close, 125 bytes", UNIT_HEX("\x88\xfd"), 2 + 4 + 125},
    {"16-bit length 256", UNIT_HEX("\x82\x7e\x01\x00"), 4 + 256},
    {"masked, 16-bit length 256", UNIT_HEX("\x82\xfe\x01\x00"), 4 + 4 + 256},
    {"16-bit length 65535", UNIT_HEX("\x82\x7e\xff\xff"), 4 + 65535},
    {"64-bit length 65536", UNIT_HEX("\x82\x7f\x00\x00\x00\x00\x00\x01\x00\x00"), 10 + 65536},
    {"masked, 64-bit length 65536", UNIT_HEX("\x82\xff\x00\x00\x00\x00\x00\x01\x00\x00"),
     10 + 4 + 65536},
    /* The 32-bit truncation: 2^32 + 5 keeps 5, 2^63 keeps 0. */
    {"64-bit length 2^32 + 5", UNIT_HEX("\x82\x7f\x00\x00\x00\x01\x00\x00\x00\x05"), 10 + 5},
    {"masked, 64-bit length 2^32 + 5", UNIT_HEX("\x82\xff\x00\x00\x00\x01\x00\x00\x00\x05"),
     10 + 4 + 5},
    {"64-bit length 2^63", UNIT_HEX("\x82\x7f\x80\x00\x00\x00\x00\x00\x00\x00"), 10},
    {"masked, 64-bit length 2^63", UNIT_HEX("\x82\xff\x80\x00\x00\x00\x00\x00\x00\x00"), 10 + 4},
    /* Near 2^32, and past it: header plus payload wraps around in 32 bits. */
    {"64-bit length 0xFFFFFFF0", UNIT_HEX("\x82\x7f\x00\x00\x00\x00\xff\xff\xff\xf0"),
     UINT32_C(0xfffffffa)},
    {"masked, 64-bit length 0xFFFFFFF0", UNIT_HEX("\x82\xff\x00\x00\x00\x00\xff\xff\xff\xf0"),
     UINT32_C(0xfffffffe)},
    {"64-bit length 0xFFFFFFFF (wraps)", UNIT_HEX("\x82\x7f\x00\x00\x00\x00\xff\xff\xff\xff"), 9},
    {"masked, 64-bit length 0xFFFFFFFF (wraps)",
     UNIT_HEX("\x82\xff\x00\x00\x00\x00\xff\xff\xff\xff"), 13},
    {"64-bit length 2^64 - 1 (wraps)", UNIT_HEX("\x82\x7f\xff\xff\xff\xff\xff\xff\xff\xff"), 9},
};

static void
test_pdu_len(void)
{
    size_t i, avail;

    for (i = 0; i < N_ELEMENTS(pdu_cases); i++) {
        const pdu_case_t *c = &pdu_cases[i];
        uint8_t *copy = unit_copy(UNIT_BYTES(c->bytes), c->needed);

        /* The masking key and the payload need not be there yet. */
        unit_case("PDU length: %s", c->what);
        UNIT_EQ_UINT(c->pdu_len, wsclose_frame_pdu_len(copy, c->needed));
        unit_free(copy);

        /* With fewer bytes it cannot tell: 0, "ask TCP for more". */
        for (avail = 0; avail < c->needed; avail++) {
            copy = unit_copy(UNIT_BYTES(c->bytes), avail);
            unit_case("PDU length: %s, %zu of %zu bytes", c->what, avail, c->needed);
            UNIT_EQ_UINT(0, wsclose_frame_pdu_len(copy, avail));
            unit_free(copy);
        }
    }
}

#define KEY_5_7 "\x37\xfa\x21\x3d"
#define KEY_PLAIN "\x11\x22\x33\x44"

static const struct {
    const char *what;
    const char *key;
    const char *in;
    size_t len;
    size_t offset;
    const char *out;
} unmask_cases[] = {
    /* RFC 6455 5.7: "Hello" masked with 37 fa 21 3d. */
    {"5.7 \"Hello\"", KEY_5_7, UNIT_HEX("\x7f\x9f\x4d\x51\x58"), 0, "Hello"},
    {"5.7 \"Hello\" from offset 1", KEY_5_7, UNIT_HEX("\x9f\x4d\x51\x58"), 1, "ello"},
    {"5.7 \"Hello\" from offset 2", KEY_5_7, UNIT_HEX("\x4d\x51\x58"), 2, "llo"},
    {"5.7 \"Hello\" from offset 4", KEY_5_7, UNIT_HEX("\x58"), 4, "o"},
    /* Zero bytes show the key bytes used, from each offset. */
    {"offset 0", KEY_PLAIN, UNIT_HEX("\0\0\0\0\0\0"), 0, "\x11\x22\x33\x44\x11\x22"},
    {"offset 3", KEY_PLAIN, UNIT_HEX("\0\0\0"), 3, "\x44\x11\x22"},
    {"offset 6", KEY_PLAIN, UNIT_HEX("\0\0\0"), 6, "\x33\x44\x11"},
    {"offset 1021", KEY_PLAIN, UNIT_HEX("\0\0\0\0"), 1021, "\x22\x33\x44\x11"},
    /* Close code 1000 and reason "bye": 03 e8 62 79 65 masked with 37 fa 21 3d. */
    {"close 1000 \"bye\"", KEY_5_7, UNIT_HEX("\x34\x12\x43\x44\x52"), 0, "\x03\xe8\x62\x79\x65"},
    {"nothing", KEY_PLAIN, UNIT_HEX(""), 0, ""},
};

static void
test_unmask(void)
{
    size_t i;

    for (i = 0; i < N_ELEMENTS(unmask_cases); i++) {
        size_t len = unmask_cases[i].len;
        const uint8_t *key = UNIT_BYTES(unmask_cases[i].key);
        uint8_t *copy = unit_copy(UNIT_BYTES(unmask_cases[i].in), len);

        unit_case("unmask: %s", unmask_cases[i].what);
        wsclose_unmask(copy, len, key, unmask_cases[i].offset);
        UNIT_EQ_BYTES(UNIT_BYTES(unmask_cases[i].out), copy, len);
        /* XOR is its own inverse: masking again gives the input back. */
        wsclose_unmask(copy, len, key, unmask_cases[i].offset);
        UNIT_EQ_BYTES(UNIT_BYTES(unmask_cases[i].in), copy, len);
        unit_free(copy);
    }
}

/* A masked close frame from the wire, as the dissector takes it apart: the header, the
 * PDU length, the payload unmasked in two pieces (the second at offset 2), the payload. */
static void
test_close_frame(void)
{
    static const uint8_t frame[] = {0x88, 0x85, 0x37, 0xfa, 0x21, 0x3d,
                                    0x34, 0x12, 0x43, 0x44, 0x52};
    static const uint8_t payload[] = {0x03, 0xe8, 'b', 'y', 'e'};
    uint8_t *copy = unit_copy(frame, sizeof(frame));
    wsclose_frame_header_t hdr;
    wsclose_payload_t cp;

    unit_case("masked close frame 1000 \"bye\"");
    UNIT_EQ_UINT(11, wsclose_frame_pdu_len(copy, sizeof(frame)));
    if (UNIT_EQ_UINT(WSCLOSE_HEADER_OK, wsclose_frame_header_parse(copy, sizeof(frame), &hdr)) &&
        UNIT_EQ_UINT(6, hdr.header_len) && UNIT_EQ_UINT(5, hdr.payload_len)) {
        wsclose_unmask(copy + 6, 2, hdr.mask, 0);
        wsclose_unmask(copy + 8, 3, hdr.mask, 2);
        UNIT_EQ_BYTES(payload, copy + 6, sizeof(payload));
        wsclose_payload_parse(copy + 6, 5, &cp);
        UNIT_EQ_UINT(WSCLOSE_PAYLOAD_CODE, cp.kind);
        UNIT_EQ_UINT(1000, cp.code);
        UNIT_EQ_UINT(3, cp.reason_len);
        UNIT_EQ_BOOL(true, cp.reason_utf8);
    }
    unit_free(copy);
}

int
main(void)
{
    test_header();
    test_pdu_len();
    test_unmask();
    test_close_frame();
    return unit_finish("test_wsclose_frame");
}
