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

/* The payload length written in a header whose extended length field (ext bytes) is
 * there. */
static uint64_t
payload_length(const uint8_t *buf, unsigned ext)
{
    uint64_t len = 0;
    unsigned i;

    if (ext == 0)
        return buf[1] & 0x7f;
    for (i = 0; i < ext; i++)
        len = (len << 8) | buf[2 + i];
    return len;
}

/* Header length; a 64-bit payload length keeps only its low 32 bits in the PDU length, as
 * in the built-in dissector. */
static uint32_t
pdu_len_of(const uint8_t *buf, unsigned ext, uint64_t payload_len)
{
    return 2 + ext + ((buf[1] & 0x80) ? 4 : 0) + (uint32_t)payload_len;
}

wsclose_header_result_t
wsclose_frame_header_parse(const uint8_t *buf, size_t avail, wsclose_frame_header_t *hdr)
{
    unsigned ext;

    if (avail < 2) {
        memset(hdr, 0, sizeof(*hdr));
        return WSCLOSE_HEADER_SHORT;
    }
    /* Every field set one by one: this runs for every close frame. */
    hdr->fin = (buf[0] & 0x80) != 0;
    hdr->rsv = (buf[0] >> 4) & 0x07;
    hdr->opcode = wsclose_frame_opcode(buf);
    hdr->masked = (buf[1] & 0x80) != 0;
    memset(hdr->mask, 0, sizeof(hdr->mask));
    ext = length_field_size(buf[1] & 0x7f);
    hdr->header_len = 2 + ext + (hdr->masked ? 4 : 0);
    hdr->payload_len = 0;
    hdr->pdu_len = 0;
    if (avail < 2 + ext)
        return WSCLOSE_HEADER_SHORT;
    hdr->payload_len = payload_length(buf, ext);
    hdr->pdu_len = pdu_len_of(buf, ext, hdr->payload_len);
    if (avail < hdr->header_len)
        return WSCLOSE_HEADER_SHORT;
    if (hdr->masked)
        memcpy(hdr->mask, buf + 2 + ext, 4);
    return WSCLOSE_HEADER_OK;
}

uint32_t
wsclose_frame_pdu_len(const uint8_t *buf, size_t avail)
{
    unsigned ext;

    /* The walk asks this of every frame: no header struct. */
    if (avail < 2)
        return 0;
    ext = length_field_size(buf[1] & 0x7f);
    if (avail < 2 + ext)
        return 0;
    return pdu_len_of(buf, ext, payload_length(buf, ext));
}

uint8_t
wsclose_frame_opcode(const uint8_t *buf)
{
    return buf[0] & 0x0f;
}

void
wsclose_unmask(uint8_t *buf, size_t len, const uint8_t mask[4], size_t offset)
{
    size_t i;

    for (i = 0; i < len; i++)
        buf[i] ^= mask[(offset + i) & 3];
}
