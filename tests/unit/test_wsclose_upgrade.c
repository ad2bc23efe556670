/* test_wsclose_upgrade.c
 * plugin/wsclose_upgrade.[ch]: the heads of an HTTP Upgrade request and response, the
 * Sec-WebSocket-Accept of a key, and RFC 6455 4.1's checks of the response.
 *
 * The accept values: RFC 6455 1.3's example, Wikipedia's WebSocket example, and keys whose
 * key + GUID input ends on each side of SHA-1's 55/56/64-byte padding boundaries, computed
 * with Python's hashlib (another SHA-1).  The heads and problems are worked out by hand from
 * RFC 6455 4.1 and RFC 9110.  Every input is handed over in a heap block of exactly its
 * length, so that the sanitized build reports a read past the end.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include <string.h>

#include "unit_check.h"
#include "wsclose_upgrade.h"

#define N_ELEMENTS(a) (sizeof(a) / sizeof((a)[0]))

static const struct {
    const char *key;
    const char *accept;
} accept_cases[] = {
    {"dGhlIHNhbXBsZSBub25jZQ==", "s3pPLMBiTxaQ9kYGzzhZRbK+xOo="}, /* RFC 6455 1.3 */
    {"x3JJHMbDL1EzLkh9GBhXDw==", "HSmrc0sMlYUkAGmm5OPpG2HaGWk="},
    {"", "Kfh9QIsMVZcl6xEPYxPHzW8SZ8w="},
    {"aaaaaaaaaaaaaaaaaaa", "yzaGyu0mcUukN7CdsSwa30tnCpc="},          /* 55 bytes hashed */
    {"bbbbbbbbbbbbbbbbbbbb", "ZcAjD7PIOoLRa1NCxLLy2g7qFSM="},         /* 56 */
    {"ccccccccccccccccccccccccccc", "Xzn2fokiJl1Koh72DA/8vUEKVbc="},  /* 63 */
    {"dddddddddddddddddddddddddddd", "B4yIM9R1UI4iRr3vCtjKc4UgVC0="}, /* 64 */
    {"eeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeee",
     "QXv4ndIkyCqR5phO4v51wOxQnPo="}, /* 100 */
};

static void
test_accept(void)
{
    size_t i;

    for (i = 0; i < N_ELEMENTS(accept_cases); i++) {
        const size_t len = strlen(accept_cases[i].key);
        uint8_t *key = unit_copy((const uint8_t *)accept_cases[i].key, len);
        char out[WSCLOSE_ACCEPT_LEN + 1];

        unit_case("accept of \"%s\"", accept_cases[i].key);
        memset(out, 'X', sizeof(out));
        wsclose_upgrade_accept(key, len, out);
        UNIT_EQ_STR(accept_cases[i].accept, out);
        unit_free(key);
    }
}

/* The copies parsed: the heads' values point into them, so they live until the end. */
static uint8_t *copies[64];
static size_t n_copies;

static bool
parse(const char *text, wsclose_http_head_t *head)
{
    const size_t len = strlen(text);
    uint8_t *copy = unit_copy((const uint8_t *)text, len);

    if (n_copies < N_ELEMENTS(copies))
        copies[n_copies++] = copy;
    return wsclose_http_head_parse(copy, len, head);
}

static void
eq_value(const char *expected, const wsclose_http_value_t *v)
{
    char buf[256] = "";

    if (v->present && v->len < sizeof(buf)) {
        memcpy(buf, v->ptr, v->len);
        buf[v->len] = '\0';
    }
    UNIT_EQ_STR(expected, v->present ? buf : NULL);
}

#define REQUEST                                                                                    \
    "GET /chat HTTP/1.1\r\nHost: example.com\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"     \
    "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n"

static void
test_heads(void)
{
    wsclose_http_head_t h;

    unit_case("request");
    UNIT_EQ_BOOL(true, parse(REQUEST "Sec-WebSocket-Protocol: chat, superchat\r\n\r\n", &h));
    UNIT_EQ_BOOL(false, h.response);
    UNIT_EQ_BOOL(true, h.complete);
    UNIT_EQ_BOOL(true, h.upgrade_websocket);
    UNIT_EQ_BOOL(true, h.connection_upgrade);
    eq_value("dGhlIHNhbXBsZSBub25jZQ==", &h.key);
    eq_value("chat, superchat", &h.protocol);
    eq_value(NULL, &h.accept);
    eq_value(NULL, &h.extensions);

    unit_case("response, LF line ends, other cases, lists, spaces around values");
    UNIT_EQ_BOOL(true, parse("HTTP/1.1 101 Switching Protocols\nUPGRADE:  WebSocket \n"
                             "connection: keep-alive,  upgrade\nsec-websocket-accept:"
                             "\ts3pPLMBiTxaQ9kYGzzhZRbK+xOo=  \n\nbody",
                             &h));
    UNIT_EQ_BOOL(true, h.response);
    UNIT_EQ_UINT(101, h.status);
    UNIT_EQ_BOOL(true, h.complete);
    UNIT_EQ_BOOL(true, h.upgrade_websocket);
    UNIT_EQ_BOOL(true, h.connection_upgrade);
    eq_value("s3pPLMBiTxaQ9kYGzzhZRbK+xOo=", &h.accept);

    unit_case("a token that only begins like websocket, a Connection without upgrade");
    UNIT_EQ_BOOL(true, parse("HTTP/1.1 101 OK\r\nUpgrade: websocket2, h2c\r\n"
                             "Connection: close\r\n\r\n",
                             &h));
    UNIT_EQ_BOOL(false, h.upgrade_websocket);
    UNIT_EQ_BOOL(false, h.connection_upgrade);

    unit_case("status line without a reason phrase; head cut before its end");
    UNIT_EQ_BOOL(true, parse("HTTP/1.0 403\r\nUpgrade: websocket\r\n", &h));
    UNIT_EQ_UINT(403, h.status);
    UNIT_EQ_BOOL(false, h.complete);
    UNIT_EQ_BOOL(true, h.upgrade_websocket);

    unit_case("a status that is not three digits");
    UNIT_EQ_BOOL(true, parse("HTTP/1.1 1x1 Odd\r\n\r\n", &h));
    UNIT_EQ_BOOL(true, h.response);
    UNIT_EQ_UINT(0, h.status);

    unit_case("first of two protocol lines; last of two accept lines");
    UNIT_EQ_BOOL(true, parse("HTTP/1.1 101 x\r\nSec-WebSocket-Protocol: a\r\n"
                             "Sec-WebSocket-Protocol: b\r\nSec-WebSocket-Accept: one\r\n"
                             "Sec-WebSocket-Accept: two\r\n\r\n",
                             &h));
    eq_value("a", &h.protocol);
    eq_value("two", &h.accept);

    unit_case("not HTTP");
    UNIT_EQ_BOOL(false, parse("SSH-2.0-OpenSSH\r\n\r\n", &h));
    UNIT_EQ_BOOL(false, parse("get / HTTP/1.1\r\n\r\n", &h));
    UNIT_EQ_BOOL(false, parse("GET / HTTP/2\r\n\r\n", &h));
    UNIT_EQ_BOOL(false, parse("HTTP/1.1 101", &h)); /* no line end */
    UNIT_EQ_BOOL(false, parse("", &h));
}

static wsclose_upgrade_offer_t
offer_of(const char *request)
{
    wsclose_http_head_t h;
    wsclose_upgrade_offer_t o;

    UNIT_EQ_BOOL(true, parse(request, &h));
    UNIT_EQ_BOOL(true, wsclose_upgrade_offer(&h, &o));
    return o;
}

static unsigned
problems_of(const wsclose_upgrade_offer_t *o, const char *response, char *expected)
{
    wsclose_http_head_t h;

    UNIT_EQ_BOOL(true, parse(response, &h));
    return wsclose_upgrade_check(o, &h, expected);
}

#define OK_101                                                                                     \
    "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"            \
    "Sec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo=\r\n"

static void
test_checks(void)
{
    const wsclose_upgrade_offer_t plain = offer_of(REQUEST "\r\n");
    const wsclose_upgrade_offer_t chat =
        offer_of(REQUEST "Sec-WebSocket-Protocol: chat, superchat\r\n"
                         "Sec-WebSocket-Extensions: permessage-deflate\r\n\r\n");
    wsclose_http_head_t h;
    wsclose_upgrade_offer_t o;
    char expected[WSCLOSE_ACCEPT_LEN + 1];

    unit_case("offers");
    UNIT_EQ_STR("dGhlIHNhbXBsZSBub25jZQ==", plain.key);
    UNIT_EQ_BOOL(true, plain.key_present);
    UNIT_EQ_STR("", plain.protocols);
    UNIT_EQ_BOOL(false, plain.extensions_offered);
    UNIT_EQ_STR("chat, superchat", chat.protocols);
    UNIT_EQ_BOOL(true, chat.extensions_offered);
    UNIT_EQ_BOOL(true, parse("GET / HTTP/1.1\r\nHost: a\r\n\r\n", &h));
    UNIT_EQ_BOOL(false, wsclose_upgrade_offer(&h, &o)); /* no Upgrade: websocket */

    unit_case("a correct 101");
    UNIT_EQ_UINT(0, problems_of(&plain, OK_101 "\r\n", expected));
    UNIT_EQ_STR("s3pPLMBiTxaQ9kYGzzhZRbK+xOo=", expected);
    UNIT_EQ_UINT(0, problems_of(&chat,
                                OK_101 "Sec-WebSocket-Protocol: superchat\r\n"
                                       "Sec-WebSocket-Extensions: permessage-deflate\r\n\r\n",
                                expected));

    unit_case("not 101: refused, and nothing else checked");
    UNIT_EQ_UINT(WSCLOSE_UPGRADE_REFUSED,
                 problems_of(&plain, "HTTP/1.1 403 Forbidden\r\n\r\n", expected));
    UNIT_EQ_UINT(WSCLOSE_UPGRADE_REFUSED, problems_of(&plain, "HTTP/1.1 200 OK\r\n\r\n", expected));

    unit_case("each header missing or wrong");
    UNIT_EQ_UINT(WSCLOSE_UPGRADE_NO_UPGRADE,
                 problems_of(&plain,
                             "HTTP/1.1 101 x\r\nConnection: Upgrade\r\n"
                             "Sec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo=\r\n\r\n",
                             expected));
    UNIT_EQ_UINT(WSCLOSE_UPGRADE_NO_CONNECTION,
                 problems_of(&plain,
                             "HTTP/1.1 101 x\r\nUpgrade: websocket\r\n"
                             "Sec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo=\r\n\r\n",
                             expected));
    UNIT_EQ_UINT(WSCLOSE_UPGRADE_NO_ACCEPT, problems_of(&plain,
                                                        "HTTP/1.1 101 x\r\nUpgrade: websocket\r\n"
                                                        "Connection: Upgrade\r\n\r\n",
                                                        expected));
    UNIT_EQ_STR("s3pPLMBiTxaQ9kYGzzhZRbK+xOo=", expected);
    UNIT_EQ_UINT(WSCLOSE_UPGRADE_WRONG_ACCEPT,
                 problems_of(&plain,
                             "HTTP/1.1 101 x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
                             "Sec-WebSocket-Accept: HSmrc0sMlYUkAGmm5OPpG2HaGWk=\r\n\r\n",
                             expected));
    /* One character short, and the right value in lower case: not the hash. */
    UNIT_EQ_UINT(WSCLOSE_UPGRADE_WRONG_ACCEPT,
                 problems_of(&plain,
                             "HTTP/1.1 101 x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
                             "Sec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo\r\n\r\n",
                             expected));
    UNIT_EQ_UINT(WSCLOSE_UPGRADE_WRONG_ACCEPT,
                 problems_of(&plain,
                             "HTTP/1.1 101 x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
                             "Sec-WebSocket-Accept: s3pplmbitxaq9kygzzhzrbk+xoo=\r\n\r\n",
                             expected));
    UNIT_EQ_UINT(WSCLOSE_UPGRADE_UNOFFERED_PROTOCOL,
                 problems_of(&plain, OK_101 "Sec-WebSocket-Protocol: chat\r\n\r\n", expected));
    UNIT_EQ_UINT(WSCLOSE_UPGRADE_UNOFFERED_PROTOCOL,
                 problems_of(&chat, OK_101 "Sec-WebSocket-Protocol: Chat\r\n\r\n", expected));
    UNIT_EQ_UINT(
        WSCLOSE_UPGRADE_UNOFFERED_PROTOCOL,
        problems_of(&chat, OK_101 "Sec-WebSocket-Protocol: chat, superchat\r\n\r\n", expected));
    UNIT_EQ_UINT(WSCLOSE_UPGRADE_UNOFFERED_EXTENSION,
                 problems_of(&plain, OK_101 "Sec-WebSocket-Extensions: permessage-deflate\r\n\r\n",
                             expected));

    unit_case("everything wrong at once");
    UNIT_EQ_UINT(WSCLOSE_UPGRADE_NO_UPGRADE | WSCLOSE_UPGRADE_NO_CONNECTION |
                     WSCLOSE_UPGRADE_NO_ACCEPT | WSCLOSE_UPGRADE_UNOFFERED_PROTOCOL |
                     WSCLOSE_UPGRADE_UNOFFERED_EXTENSION,
                 problems_of(&plain,
                             "HTTP/1.1 101 x\r\nSec-WebSocket-Protocol: chat\r\n"
                             "Sec-WebSocket-Extensions: x\r\n\r\n",
                             expected));

    unit_case("a request without a key: the accept cannot be checked, only its presence");
    o = offer_of("GET / HTTP/1.1\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\r\n");
    UNIT_EQ_BOOL(false, o.key_present);
    UNIT_EQ_UINT(0, problems_of(&o,
                                "HTTP/1.1 101 x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
                                "Sec-WebSocket-Accept: anything\r\n\r\n",
                                expected));
    UNIT_EQ_STR("", expected);
}

int
main(void)
{
    test_accept();
    test_heads();
    test_checks();
    while (n_copies)
        unit_free(copies[--n_copies]);
    return unit_finish("test_wsclose_upgrade");
}
