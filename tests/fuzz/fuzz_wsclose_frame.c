/* libFuzzer harness: RFC 6455 frame header parsing (wsclose_frame.c).
 *
 * Beyond "no crash": the frame walk of packet-wsclose.c relies on wsclose_frame_pdu_len and
 * wsclose_frame_header_parse agreeing, and on wsclose_unmask being its own inverse.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include <stdlib.h>
#include <string.h>

#include "wsclose_frame.h"
#include "fuzz_check.h"

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    wsclose_frame_header_t hdr;
    wsclose_header_result_t res;
    uint32_t pdu;
    uint8_t *copy;
    size_t avail;

    /* Exact-size copies so ASan sees every read past the input. */
    for (avail = 0; avail <= size && avail <= WSCLOSE_HEADER_MAX + 1; avail++) {
        copy = malloc(avail ? avail : 1);
        memcpy(copy, data, avail);
        res = wsclose_frame_header_parse(copy, avail, &hdr);
        pdu = wsclose_frame_pdu_len(copy, avail);
        if (res == WSCLOSE_HEADER_OK) {
            CHECK(hdr.header_len >= 2 && hdr.header_len <= WSCLOSE_HEADER_MAX);
            CHECK(hdr.header_len <= avail);
            CHECK(hdr.opcode == (copy[0] & 0x0f));
            CHECK(hdr.fin == ((copy[0] & 0x80) != 0));
            CHECK(hdr.rsv == ((copy[0] >> 4) & 7));
            CHECK(hdr.masked == ((copy[1] & 0x80) != 0));
            /* The PDU length is the header plus the 64-bit length cut to 32 bits. */
            CHECK(pdu == (uint32_t)(hdr.header_len + (uint32_t)hdr.payload_len));
            if ((copy[1] & 0x7f) < 126)
                CHECK(hdr.payload_len == (copy[1] & 0x7f));
            else if ((copy[1] & 0x7f) == 126)
                CHECK(hdr.payload_len <= 0xffff);
        } else {
            CHECK(res == WSCLOSE_HEADER_SHORT);
            CHECK(avail < WSCLOSE_HEADER_MAX);
        }
        if (avail < 2)
            CHECK(pdu == 0 && res == WSCLOSE_HEADER_SHORT);
        free(copy);
    }

    /* Unmasking twice gives the input back, at any offset. */
    if (size >= 5) {
        uint8_t mask[4];
        size_t offset = data[0];

        memcpy(mask, data + 1, 4);
        copy = malloc(size - 5 ? size - 5 : 1);
        memcpy(copy, data + 5, size - 5);
        wsclose_unmask(copy, size - 5, mask, offset);
        wsclose_unmask(copy, size - 5, mask, offset);
        CHECK(memcmp(copy, data + 5, size - 5) == 0);
        free(copy);
    }
    return 0;
}
