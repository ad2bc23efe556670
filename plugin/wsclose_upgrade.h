/* wsclose_upgrade.h
 * The opening handshake: the head of an HTTP Upgrade request and of its response, and what
 * RFC 6455 4.1 requires of the response before a client may use the connection.
 *
 * Pure C, so it can be unit-tested and fuzzed without Wireshark.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#ifndef WSCLOSE_UPGRADE_H
#define WSCLOSE_UPGRADE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* A header value inside the message bytes given to wsclose_http_head_parse (not copied). */
typedef struct {
    const uint8_t *ptr;
    size_t len;
    bool present;
} wsclose_http_value_t;

typedef struct {
    bool response;                   /* a status line, else a request line */
    unsigned status;                 /* a response's status code (0 when not three digits) */
    bool complete;                   /* the empty line that ends the head was found */
    bool upgrade_websocket;          /* an Upgrade header lists the token websocket */
    bool connection_upgrade;         /* a Connection header lists the token Upgrade */
    wsclose_http_value_t key;        /* Sec-WebSocket-Key (the last one) */
    wsclose_http_value_t accept;     /* Sec-WebSocket-Accept (the last one) */
    wsclose_http_value_t protocol;   /* Sec-WebSocket-Protocol (the first one) */
    wsclose_http_value_t extensions; /* Sec-WebSocket-Extensions (the first one) */
} wsclose_http_head_t;

/* The head of an HTTP/1.x message whose start line begins at msg[0]; false when msg does
 * not begin with a request line or an HTTP/1.x status line.  Reads at most len bytes. */
bool wsclose_http_head_parse(const uint8_t *msg, size_t len, wsclose_http_head_t *out);

/* The Sec-WebSocket-Accept a server must answer to key: base64(SHA-1(key + GUID)),
 * 28 characters and a NUL in out. */
#define WSCLOSE_ACCEPT_LEN 28
void wsclose_upgrade_accept(const uint8_t *key, size_t key_len, char out[WSCLOSE_ACCEPT_LEN + 1]);

/* What keeps a client from using the connection (RFC 6455 4.1, "the client MUST Fail the
 * WebSocket Connection"), one bit each. */
typedef enum {
    WSCLOSE_UPGRADE_REFUSED = 1u << 0,            /* the status is not 101 */
    WSCLOSE_UPGRADE_NO_UPGRADE = 1u << 1,         /* no Upgrade: websocket */
    WSCLOSE_UPGRADE_NO_CONNECTION = 1u << 2,      /* no Connection: Upgrade */
    WSCLOSE_UPGRADE_NO_ACCEPT = 1u << 3,          /* no Sec-WebSocket-Accept */
    WSCLOSE_UPGRADE_WRONG_ACCEPT = 1u << 4,       /* not the hash of the request's key */
    WSCLOSE_UPGRADE_UNOFFERED_PROTOCOL = 1u << 5, /* a subprotocol the client did not offer */
    WSCLOSE_UPGRADE_UNOFFERED_EXTENSION = 1u << 6 /* an extension the client did not offer */
} wsclose_upgrade_problem_t;

/* What the client offered, kept from its request until the response (copies: the request's
 * bytes are gone by then). */
#define WSCLOSE_KEY_MAX 64
#define WSCLOSE_OFFER_MAX 256
typedef struct {
    char key[WSCLOSE_KEY_MAX + 1];
    bool key_present;
    char protocols[WSCLOSE_OFFER_MAX + 1]; /* Sec-WebSocket-Protocol, "" when none */
    bool extensions_offered;               /* any Sec-WebSocket-Extensions */
} wsclose_upgrade_offer_t;

/* The offer of a request head; false when the request asks for no WebSocket upgrade. */
bool wsclose_upgrade_offer(const wsclose_http_head_t *request, wsclose_upgrade_offer_t *out);

/* The problems of a response to offer (a set of wsclose_upgrade_problem_t); expected gets the
 * Sec-WebSocket-Accept the response should have carried ("" when the key is unknown). */
unsigned wsclose_upgrade_check(const wsclose_upgrade_offer_t *offer,
                               const wsclose_http_head_t *response,
                               char expected[WSCLOSE_ACCEPT_LEN + 1]);

#endif /* WSCLOSE_UPGRADE_H */
