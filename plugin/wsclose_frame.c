/* wsclose_frame.c
 * RFC 6455 frame header parsing.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include "wsclose_frame.h"

#include <string.h>

static unsigned
length_field_size(uint8_t short_len)
{
    if (short_len == 126)
        return 2;
    if (short_len == 127)
        return 8;
    return 0;
}

wsclose_header_result_t
wsclose_frame_header_parse(const uint8_t *buf, size_t avail, wsclose_frame_header_t *hdr)
{
    uint8_t short_len;
    unsigned ext, i;

    memset(hdr, 0, sizeof(*hdr));
    if (avail < 2)
        return WSCLOSE_HEADER_SHORT;

    hdr->fin = (buf[0] & 0x80) != 0;
    hdr->rsv = (buf[0] >> 4) & 0x07;
    hdr->opcode = buf[0] & 0x0f;
    hdr->masked = (buf[1] & 0x80) != 0;
    short_len = buf[1] & 0x7f;
    ext = length_field_size(short_len);
    hdr->header_len = 2 + ext + (hdr->masked ? 4 : 0);
    if (avail < 2 + ext)
        return WSCLOSE_HEADER_SHORT;

    hdr->payload_len = short_len;
    if (ext) {
        hdr->payload_len = 0;
        for (i = 0; i < ext; i++)
            hdr->payload_len = (hdr->payload_len << 8) | buf[2 + i];
    }
    /* A 64-bit length keeps only its low 32 bits, as in the built-in dissector. */
    hdr->pdu_len = hdr->header_len + (uint32_t)hdr->payload_len;
    if (avail < hdr->header_len)
        return WSCLOSE_HEADER_SHORT;
    if (hdr->masked)
        memcpy(hdr->mask, buf + 2 + ext, 4);
    return WSCLOSE_HEADER_OK;
}

uint32_t
wsclose_frame_pdu_len(const uint8_t *buf, size_t avail)
{
    wsclose_frame_header_t hdr;

    wsclose_frame_header_parse(buf, avail, &hdr);
    return hdr.pdu_len;
}

void
wsclose_unmask(uint8_t *buf, size_t len, const uint8_t mask[4], size_t offset)
{
    size_t i;

    for (i = 0; i < len; i++)
        buf[i] ^= mask[(offset + i) & 3];
}
