/* wsclose_upgrade.c
 * The opening handshake's heads and RFC 6455 4.1's checks of the response.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include <string.h>

#include "wsclose_upgrade.h"

static const char WEBSOCKET_GUID[] = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11";

static int
lower(int c)
{
    return c >= 'A' && c <= 'Z' ? c + ('a' - 'A') : c;
}

static bool
equal_nocase(const uint8_t *a, size_t len, const char *b)
{
    size_t i;

    if (strlen(b) != len)
        return false;
    for (i = 0; i < len; i++)
        if (lower(a[i]) != lower((unsigned char)b[i]))
            return false;
    return true;
}

static bool
is_ows(uint8_t c)
{
    return c == ' ' || c == '\t';
}

/* Whether the comma-separated list v names token (case-insensitive, as RFC 9110 5.6.1 and
 * 7.6.1 / 7.8 make Connection and Upgrade tokens). */
static bool
list_has_token(const wsclose_http_value_t *v, const char *token)
{
    size_t i = 0;

    while (v->present && i < v->len) {
        size_t start, end;

        while (i < v->len && (is_ows(v->ptr[i]) || v->ptr[i] == ','))
            i++;
        start = i;
        while (i < v->len && v->ptr[i] != ',')
            i++;
        end = i;
        while (end > start && is_ows(v->ptr[end - 1]))
            end--;
        if (end > start && equal_nocase(v->ptr + start, end - start, token))
            return true;
    }
    return false;
}

/* Whether the exact token (case-sensitive: subprotocol names, RFC 6455 4.1) is in the
 * comma-separated list. */
static bool
offer_has(const char *list, const uint8_t *token, size_t token_len)
{
    const char *p = list;

    while (*p) {
        const char *start, *end;

        while (*p == ' ' || *p == '\t' || *p == ',')
            p++;
        start = p;
        while (*p && *p != ',')
            p++;
        end = p;
        while (end > start && (end[-1] == ' ' || end[-1] == '\t'))
            end--;
        if ((size_t)(end - start) == token_len && token_len > 0 &&
            memcmp(start, token, token_len) == 0)
            return true;
    }
    return false;
}

static bool
is_digit(uint8_t c)
{
    return c >= '0' && c <= '9';
}

/* "HTTP/1.x " then three digits. */
static bool
parse_status_line(const uint8_t *line, size_t len, unsigned *status)
{
    if (len < 12 || memcmp(line, "HTTP/1.", 7) != 0 || !is_digit(line[7]) || line[8] != ' ')
        return false;
    if (is_digit(line[9]) && is_digit(line[10]) && is_digit(line[11]) &&
        (len == 12 || line[12] == ' '))
        *status = (unsigned)(line[9] - '0') * 100 + (unsigned)(line[10] - '0') * 10 +
                  (unsigned)(line[11] - '0');
    else
        *status = 0;
    return true;
}

/* "METHOD target HTTP/1.x" with an upper-case method. */
static bool
parse_request_line(const uint8_t *line, size_t len)
{
    size_t i = 0;

    while (i < len && line[i] >= 'A' && line[i] <= 'Z')
        i++;
    if (i == 0 || i >= len || line[i] != ' ')
        return false;
    return len >= 9 && memcmp(line + len - 9, " HTTP/1.", 8) == 0 && is_digit(line[len - 1]);
}

static void
set_value(wsclose_http_value_t *v, const uint8_t *ptr, size_t len, bool keep_first)
{
    if (keep_first && v->present)
        return;
    v->ptr = ptr;
    v->len = len;
    v->present = true;
}

static void
header_line(const uint8_t *line, size_t len, wsclose_http_head_t *out)
{
    const uint8_t *colon = memchr(line, ':', len);
    size_t name_len, start, end;
    wsclose_http_value_t v;

    if (!colon)
        return;
    name_len = (size_t)(colon - line);
    /* Most header lines are none of these: their name's length alone says so. */
    if (name_len != 7 && name_len != 10 && name_len != 17 && name_len != 20 && name_len != 22 &&
        name_len != 24)
        return;
    start = name_len + 1;
    end = len;
    while (start < end && is_ows(line[start]))
        start++;
    while (end > start && is_ows(line[end - 1]))
        end--;
    v.ptr = line + start;
    v.len = end - start;
    v.present = true;
    switch (name_len) {
    case 7:
        if (equal_nocase(line, name_len, "upgrade"))
            out->upgrade_websocket = out->upgrade_websocket || list_has_token(&v, "websocket");
        break;
    case 10:
        if (equal_nocase(line, name_len, "connection"))
            out->connection_upgrade = out->connection_upgrade || list_has_token(&v, "upgrade");
        break;
    case 17:
        if (equal_nocase(line, name_len, "sec-websocket-key"))
            set_value(&out->key, v.ptr, v.len, false);
        break;
    case 20:
        if (equal_nocase(line, name_len, "sec-websocket-accept"))
            set_value(&out->accept, v.ptr, v.len, false);
        break;
    case 22:
        if (equal_nocase(line, name_len, "sec-websocket-protocol"))
            set_value(&out->protocol, v.ptr, v.len, true);
        break;
    case 24:
        if (equal_nocase(line, name_len, "sec-websocket-extensions"))
            set_value(&out->extensions, v.ptr, v.len, true);
        break;
    default:
        break;
    }
}

bool
wsclose_http_head_parse(const uint8_t *msg, size_t len, wsclose_http_head_t *out)
{
    size_t pos = 0;
    bool first = true;

    memset(out, 0, sizeof(*out));
    while (pos < len) {
        const uint8_t *nl = memchr(msg + pos, '\n', len - pos);
        size_t line_len;

        if (!nl)
            break; /* a line cut off: the head is incomplete */
        line_len = (size_t)(nl - (msg + pos));
        if (line_len > 0 && msg[pos + line_len - 1] == '\r')
            line_len--;
        if (first) {
            if (parse_status_line(msg + pos, line_len, &out->status))
                out->response = true;
            else if (!parse_request_line(msg + pos, line_len))
                return false;
            first = false;
        } else if (line_len == 0) {
            out->complete = true;
            break;
        } else {
            header_line(msg + pos, line_len, out);
        }
        pos = (size_t)(nl - msg) + 1;
    }
    return !first;
}

/* SHA-1 (FIPS 180-4) of one short message: the handshake hashes a key of a few dozen bytes
 * and the GUID, two or three blocks. */
static uint32_t
rol(uint32_t x, unsigned n)
{
    return (x << n) | (x >> (32 - n));
}

/* One 64-byte block.  The rounds are written out (a 16-word rolling schedule, no loop over
 * the round functions): every connection's 101 is hashed, in every mode that shows it. */
#define SHA1_W(i)                                                                                  \
    (w[(i)&15] = rol(w[((i) + 13) & 15] ^ w[((i) + 8) & 15] ^ w[((i) + 2) & 15] ^ w[(i)&15], 1))
#define SHA1_ROUND(a, b, c, d, e, f, k, wi)                                                        \
    do {                                                                                           \
        e += rol(a, 5) + (f) + (k) + (wi);                                                         \
        b = rol(b, 30);                                                                            \
    } while (0)
#define SHA1_F0(b, c, d) ((d) ^ ((b) & ((c) ^ (d))))
#define SHA1_F1(b, c, d) ((b) ^ (c) ^ (d))
#define SHA1_F2(b, c, d) (((b) & (c)) | ((d) & ((b) | (c))))
#define SHA1_FIVE(i, F, k, W)                                                                      \
    do {                                                                                           \
        SHA1_ROUND(a, b, c, d, e, F(b, c, d), k, W(i));                                            \
        SHA1_ROUND(e, a, b, c, d, F(a, b, c), k, W((i) + 1));                                      \
        SHA1_ROUND(d, e, a, b, c, F(e, a, b), k, W((i) + 2));                                      \
        SHA1_ROUND(c, d, e, a, b, F(d, e, a), k, W((i) + 3));                                      \
        SHA1_ROUND(b, c, d, e, a, F(c, d, e), k, W((i) + 4));                                      \
    } while (0)
#define SHA1_W0(i) w[i]

static void
sha1_block(uint32_t h[5], const uint8_t *block)
{
    uint32_t w[16], a = h[0], b = h[1], c = h[2], d = h[3], e = h[4];
    unsigned i;

    for (i = 0; i < 16; i++)
        w[i] = (uint32_t)block[4 * i] << 24 | (uint32_t)block[4 * i + 1] << 16 |
               (uint32_t)block[4 * i + 2] << 8 | block[4 * i + 3];
    SHA1_FIVE(0, SHA1_F0, 0x5A827999u, SHA1_W0);
    SHA1_FIVE(5, SHA1_F0, 0x5A827999u, SHA1_W0);
    SHA1_FIVE(10, SHA1_F0, 0x5A827999u, SHA1_W0);
    SHA1_ROUND(a, b, c, d, e, SHA1_F0(b, c, d), 0x5A827999u, w[15]);
    SHA1_ROUND(e, a, b, c, d, SHA1_F0(a, b, c), 0x5A827999u, SHA1_W(16));
    SHA1_ROUND(d, e, a, b, c, SHA1_F0(e, a, b), 0x5A827999u, SHA1_W(17));
    SHA1_ROUND(c, d, e, a, b, SHA1_F0(d, e, a), 0x5A827999u, SHA1_W(18));
    SHA1_ROUND(b, c, d, e, a, SHA1_F0(c, d, e), 0x5A827999u, SHA1_W(19));
    for (i = 20; i < 40; i += 5)
        SHA1_FIVE(i, SHA1_F1, 0x6ED9EBA1u, SHA1_W);
    for (i = 40; i < 60; i += 5)
        SHA1_FIVE(i, SHA1_F2, 0x8F1BBCDCu, SHA1_W);
    for (i = 60; i < 80; i += 5)
        SHA1_FIVE(i, SHA1_F1, 0xCA62C1D6u, SHA1_W);
    h[0] += a, h[1] += b, h[2] += c, h[3] += d, h[4] += e;
}

void
wsclose_upgrade_accept(const uint8_t *key, size_t key_len, char out[WSCLOSE_ACCEPT_LEN + 1])
{
    static const char b64[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    const size_t guid_len = sizeof(WEBSOCKET_GUID) - 1;
    /* The message, its 0x80, zeros and its 64-bit length in bits: whole blocks. */
    uint8_t msg[3 * 64];
    uint32_t h[5] = {0x67452301, 0xEFCDAB89, 0x98BADCFE, 0x10325476, 0xC3D2E1F0};
    uint8_t d[21];
    size_t len, padded, i;
    uint64_t bits;
    unsigned o = 0;

    /* Keys are 24 characters; one longer than the buffer allows is hashed cut (it is no
     * valid key, and its accept matches nothing a server computes from it anyway). */
    if (key_len > sizeof(msg) - 9 - guid_len)
        key_len = sizeof(msg) - 9 - guid_len;
    len = key_len + guid_len;
    padded = (len + 9 + 63) / 64 * 64;
    memcpy(msg, key, key_len);
    memcpy(msg + key_len, WEBSOCKET_GUID, guid_len);
    msg[len] = 0x80;
    memset(msg + len + 1, 0, padded - len - 1);
    bits = (uint64_t)len * 8;
    for (i = 0; i < 8; i++)
        msg[padded - 1 - i] = (uint8_t)(bits >> (8 * i));
    for (i = 0; i < padded; i += 64)
        sha1_block(h, msg + i);
    for (i = 0; i < 20; i++)
        d[i] = (uint8_t)(h[i / 4] >> (24 - 8 * (i % 4)));
    d[20] = 0;
    /* 20 bytes: six groups of three and one of two, padded with one '='. */
    for (i = 0; i < 21; i += 3) {
        const uint32_t v = (uint32_t)d[i] << 16 | (uint32_t)d[i + 1] << 8 | d[i + 2];

        out[o++] = b64[v >> 18 & 63];
        out[o++] = b64[v >> 12 & 63];
        out[o++] = b64[v >> 6 & 63];
        out[o++] = i + 2 < 20 ? b64[v & 63] : '=';
    }
    out[WSCLOSE_ACCEPT_LEN] = '\0';
}

static void
copy_value(char *dst, size_t cap, const wsclose_http_value_t *v)
{
    const size_t n = v->len < cap ? v->len : cap;

    if (v->present)
        memcpy(dst, v->ptr, n);
    dst[v->present ? n : 0] = '\0';
}

bool
wsclose_upgrade_offer(const wsclose_http_head_t *request, wsclose_upgrade_offer_t *out)
{
    memset(out, 0, sizeof(*out));
    if (request->response || !request->upgrade_websocket)
        return false;
    out->key_present = request->key.present && request->key.len <= WSCLOSE_KEY_MAX;
    if (out->key_present)
        copy_value(out->key, WSCLOSE_KEY_MAX, &request->key);
    copy_value(out->protocols, WSCLOSE_OFFER_MAX, &request->protocol);
    out->extensions_offered = request->extensions.present;
    return true;
}

unsigned
wsclose_upgrade_check(const wsclose_upgrade_offer_t *offer, const wsclose_http_head_t *response,
                      char expected[WSCLOSE_ACCEPT_LEN + 1])
{
    unsigned problems = 0;

    expected[0] = '\0';
    if (offer->key_present)
        wsclose_upgrade_accept((const uint8_t *)offer->key, strlen(offer->key), expected);
    if (response->status != 101)
        return WSCLOSE_UPGRADE_REFUSED;
    if (!response->upgrade_websocket)
        problems |= WSCLOSE_UPGRADE_NO_UPGRADE;
    if (!response->connection_upgrade)
        problems |= WSCLOSE_UPGRADE_NO_CONNECTION;
    if (!response->accept.present)
        problems |= WSCLOSE_UPGRADE_NO_ACCEPT;
    else if (offer->key_present && (response->accept.len != WSCLOSE_ACCEPT_LEN ||
                                    memcmp(response->accept.ptr, expected, WSCLOSE_ACCEPT_LEN)))
        problems |= WSCLOSE_UPGRADE_WRONG_ACCEPT;
    if (response->protocol.present &&
        !offer_has(offer->protocols, response->protocol.ptr, response->protocol.len))
        problems |= WSCLOSE_UPGRADE_UNOFFERED_PROTOCOL;
    if (response->extensions.present && !offer->extensions_offered)
        problems |= WSCLOSE_UPGRADE_UNOFFERED_EXTENSION;
    return problems;
}
