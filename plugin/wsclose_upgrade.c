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
    size_t colon = 0, start, end;

    while (colon < len && line[colon] != ':')
        colon++;
    if (colon == len)
        return;
    start = colon + 1;
    end = len;
    while (start < end && is_ows(line[start]))
        start++;
    while (end > start && is_ows(line[end - 1]))
        end--;
    {
        wsclose_http_value_t v = {line + start, end - start, true};

        if (equal_nocase(line, colon, "upgrade")) {
            out->upgrade_websocket = out->upgrade_websocket || list_has_token(&v, "websocket");
        } else if (equal_nocase(line, colon, "connection")) {
            out->connection_upgrade = out->connection_upgrade || list_has_token(&v, "upgrade");
        } else if (equal_nocase(line, colon, "sec-websocket-key")) {
            set_value(&out->key, v.ptr, v.len, false);
        } else if (equal_nocase(line, colon, "sec-websocket-accept")) {
            set_value(&out->accept, v.ptr, v.len, false);
        } else if (equal_nocase(line, colon, "sec-websocket-protocol")) {
            set_value(&out->protocol, v.ptr, v.len, true);
        } else if (equal_nocase(line, colon, "sec-websocket-extensions")) {
            set_value(&out->extensions, v.ptr, v.len, true);
        }
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

/* SHA-1 (FIPS 180-4), for the one 60-odd-byte input the handshake hashes. */
typedef struct {
    uint32_t h[5];
    uint8_t block[64];
    size_t fill;
    uint64_t total;
} sha1_t;

static uint32_t
rol(uint32_t x, unsigned n)
{
    return (x << n) | (x >> (32 - n));
}

static void
sha1_block(sha1_t *s)
{
    uint32_t w[80], a, b, c, d, e, f, k, t;
    unsigned i;

    for (i = 0; i < 16; i++)
        w[i] = (uint32_t)s->block[4 * i] << 24 | (uint32_t)s->block[4 * i + 1] << 16 |
               (uint32_t)s->block[4 * i + 2] << 8 | s->block[4 * i + 3];
    for (i = 16; i < 80; i++)
        w[i] = rol(w[i - 3] ^ w[i - 8] ^ w[i - 14] ^ w[i - 16], 1);
    a = s->h[0], b = s->h[1], c = s->h[2], d = s->h[3], e = s->h[4];
    for (i = 0; i < 80; i++) {
        if (i < 20)
            f = (b & c) | (~b & d), k = 0x5A827999;
        else if (i < 40)
            f = b ^ c ^ d, k = 0x6ED9EBA1;
        else if (i < 60)
            f = (b & c) | (b & d) | (c & d), k = 0x8F1BBCDC;
        else
            f = b ^ c ^ d, k = 0xCA62C1D6;
        t = rol(a, 5) + f + e + k + w[i];
        e = d, d = c, c = rol(b, 30), b = a, a = t;
    }
    s->h[0] += a, s->h[1] += b, s->h[2] += c, s->h[3] += d, s->h[4] += e;
}

static void
sha1_update(sha1_t *s, const uint8_t *p, size_t len)
{
    s->total += len;
    while (len--) {
        s->block[s->fill++] = *p++;
        if (s->fill == 64) {
            sha1_block(s);
            s->fill = 0;
        }
    }
}

static void
sha1_final(sha1_t *s, uint8_t digest[20])
{
    const uint64_t bits = s->total * 8;
    const uint8_t pad = 0x80, zero = 0;
    uint8_t len_be[8];
    unsigned i;

    sha1_update(s, &pad, 1);
    while (s->fill != 56)
        sha1_update(s, &zero, 1);
    for (i = 0; i < 8; i++)
        len_be[i] = (uint8_t)(bits >> (56 - 8 * i));
    sha1_update(s, len_be, 8);
    for (i = 0; i < 20; i++)
        digest[i] = (uint8_t)(s->h[i / 4] >> (24 - 8 * (i % 4)));
}

void
wsclose_upgrade_accept(const uint8_t *key, size_t key_len, char out[WSCLOSE_ACCEPT_LEN + 1])
{
    static const char b64[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    sha1_t s = {{0x67452301, 0xEFCDAB89, 0x98BADCFE, 0x10325476, 0xC3D2E1F0}, {0}, 0, 0};
    uint8_t d[21];
    unsigned i, o = 0;

    sha1_update(&s, key, key_len);
    sha1_update(&s, (const uint8_t *)WEBSOCKET_GUID, sizeof(WEBSOCKET_GUID) - 1);
    sha1_final(&s, d);
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
