/* winhttp_api.c
 * What the WinHTTP client's WebSocket calls return: the rules of Microsoft's reference
 * (WinHttpWebSocketReceive, WinHttpWebSocketQueryCloseStatus, WinHttpWebSocketClose,
 * WinHttpWebSocketShutdown), and where Wine 8 differs.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include <stdio.h>
#include <string.h>

#include "wsclose_frame.h"
#include "winhttp_api.h"
#include "winhttp_status.h"

const wsclose_api_error_info_t wsclose_api_errors[] = {
    {WSCLOSE_ERROR_INVALID_PARAMETER, "ERROR_INVALID_PARAMETER", NULL},
    {WSCLOSE_ERROR_INVALID_OPERATION, "ERROR_INVALID_OPERATION",
     "No close frame has been received yet"},
    /* Not in the reference: Wine's Receive when the server resets the connection. */
    {WSCLOSE_ERROR_WSAECONNRESET, "WSAECONNRESET", NULL},
    {WSCLOSE_ERROR_INVALID_SERVER_RESPONSE, "ERROR_WINHTTP_INVALID_SERVER_RESPONSE",
     "Invalid data was received from the server"},
    {0, NULL, NULL},
};

const char *
wsclose_api_error_name(uint32_t code)
{
    const wsclose_api_error_info_t *e;

    for (e = wsclose_api_errors; e->name; e++)
        if (e->code == code)
            return e->name;
    return NULL;
}

bool
wsclose_api_close_malformed(const wsclose_payload_t *payload, uint64_t wire_len)
{
    return payload->kind == WSCLOSE_PAYLOAD_ONE_BYTE || wire_len > WSCLOSE_CONTROL_PAYLOAD_MAX;
}

/* A server close frame: Receive delivers it as the close buffer type, unless it is
 * malformed; QueryCloseStatus then reports its status and reason. */
static void
server_close(const wsclose_api_frame_t *f, wsclose_impl_t impl, wsclose_api_result_t *out)
{
    out->query = true;
    if (wsclose_api_close_malformed(&f->payload, f->wire_len)) {
        out->receive = WSCLOSE_RECEIVE_INVALID;
        out->receive_error = WSCLOSE_ERROR_INVALID_SERVER_RESPONSE;
        /* The reference: no close frame has been received.  Wine repeats Receive's error. */
        out->query_error = impl == WSCLOSE_IMPL_WINE8 ? WSCLOSE_ERROR_INVALID_SERVER_RESPONSE
                                                      : WSCLOSE_ERROR_INVALID_OPERATION;
        return;
    }
    out->receive = WSCLOSE_RECEIVE_CLOSE_BUFFER;
    /* RFC 6455 forbids fragmented control frames; the reference says nothing of one, and
     * Wine delivers it as any other close. */
    out->fin_undocumented = !f->fin && impl == WSCLOSE_IMPL_REFERENCE;
    if (f->payload.kind == WSCLOSE_PAYLOAD_EMPTY) {
        /* The enum's 1005, "The close message was empty"; Wine reports 0. */
        out->query_status = impl == WSCLOSE_IMPL_WINE8 ? 0 : WSCLOSE_EMPTY_CODE;
    } else {
        out->query_status = f->payload.code;
        out->query_reason = f->reason;
        out->query_reason_len = f->payload.reason_len;
        out->query_reason_utf8 = f->payload.reason_utf8;
    }
    /* Close waits at most the close timeout for the server's answer; Wine 8 rejects the
     * option and waits without a limit. */
    out->after_close_timeout = f->answers && impl == WSCLOSE_IMPL_REFERENCE &&
                               f->answer_delay_ns > (int64_t)f->close_timeout_s * 1000000000;
}

/* A client close frame: the call that sent it, or why no WinHTTP call can have. */
static void
client_close(const wsclose_api_frame_t *f, wsclose_api_result_t *out)
{
    /* A usStatus is always sent: a frame without one is not attributed to a call. */
    if (f->payload.kind != WSCLOSE_PAYLOAD_CODE)
        return;
    if (f->wire_len - 2 > WSCLOSE_API_REASON_MAX) {
        out->call = WSCLOSE_CALL_REFUSED;
        out->call_error = WSCLOSE_ERROR_INVALID_PARAMETER;
        return;
    }
    /* Close and Shutdown send the usStatus they are given, whatever it is. */
    out->call = f->answers ? WSCLOSE_CALL_CLOSE_ANSWER : WSCLOSE_CALL_CLOSE_OR_SHUTDOWN;
    out->call_status = f->payload.code;
}

void
wsclose_api_close_frame(const wsclose_api_frame_t *frame, wsclose_impl_t impl,
                        wsclose_api_result_t *out)
{
    memset(out, 0, sizeof(*out));
    /* A second close frame from one side: the calls returned at the first. */
    if (frame->duplicate)
        return;
    if (frame->from_server)
        server_close(frame, impl, out);
    else
        client_close(frame, out);
}

void
wsclose_api_abort(bool rst, wsclose_impl_t impl, wsclose_api_result_t *out)
{
    memset(out, 0, sizeof(*out));
    /* The reference: every error other than the ones it lists means the connection was
     * aborted; it names no code for it. */
    out->receive = WSCLOSE_RECEIVE_ABORTED;
    if (impl == WSCLOSE_IMPL_WINE8)
        out->receive_error =
            rst ? WSCLOSE_ERROR_WSAECONNRESET : WSCLOSE_ERROR_INVALID_SERVER_RESPONSE;
    out->query = true;
    out->query_error = WSCLOSE_ERROR_INVALID_OPERATION;
}

bool
wsclose_api_end_without_close(bool client_ends, bool client_sent_close)
{
    return client_ends && !client_sent_close;
}

wsclose_upgrade_call_t
wsclose_api_complete_upgrade(unsigned status, bool rfc_valid, wsclose_impl_t impl)
{
    /* Wine 8 takes any response, 101 or not, and returns a handle; after a 403 or 200 its
     * Receive reads the response's body as frames (captures/real-winhttp-wine-upgrade). */
    if (impl == WSCLOSE_IMPL_WINE8)
        return WSCLOSE_UPGRADE_CALL_HANDLE;
    /* The reference: "Calling it with any other status code will result in a failure". */
    if (status != 101)
        return WSCLOSE_UPGRADE_CALL_FAILS;
    return rfc_valid ? WSCLOSE_UPGRADE_CALL_HANDLE : WSCLOSE_UPGRADE_CALL_UNDOCUMENTED;
}

/*
 * A text built into a caller's buffer, cut where snprintf would cut it (at size - 1 bytes,
 * always NUL-terminated).  The texts are written piece by piece, not through snprintf: they
 * are built for every close frame of every tree that shows them.
 */
typedef struct {
    char *buf;
    size_t size;
    size_t used;
} text_t;

static void
text_init(text_t *t, char *buf, size_t size)
{
    t->buf = buf;
    t->size = size;
    t->used = 0;
    if (size)
        buf[0] = '\0';
}

static void
text_put_n(text_t *t, const char *s, size_t n)
{
    size_t room;

    if (t->used + 1 >= t->size)
        return;
    room = t->size - t->used - 1;
    if (n > room)
        n = room;
    memcpy(t->buf + t->used, s, n);
    t->used += n;
    t->buf[t->used] = '\0';
}

static void
text_put(text_t *t, const char *s)
{
    text_put_n(t, s, strlen(s));
}

static void
text_uint(text_t *t, uint64_t v)
{
    char digits[24];
    size_t i = sizeof(digits);

    do {
        digits[--i] = (char)('0' + v % 10);
        v /= 10;
    } while (v);
    text_put_n(t, digits + i, sizeof(digits) - i);
}

static void
text_hex(text_t *t, uint8_t byte)
{
    static const char hex[] = "0123456789abcdef";
    const char two[2] = {hex[byte >> 4], hex[byte & 15]};

    text_put_n(t, two, 2);
}

static void
reason_text(text_t *t, const uint8_t *reason, size_t len, bool utf8)
{
    size_t i;

    if (len == 0) {
        text_put(t, "no reason");
        return;
    }
    text_put(t, "reason ");
    text_uint(t, len);
    text_put(t, len == 1 ? " byte" : " bytes");
    if (!utf8) {
        text_put(t, " (not UTF-8):");
        for (i = 0; i < len; i++) {
            text_put_n(t, " ", 1);
            text_hex(t, reason[i]);
        }
        return;
    }
    text_put(t, " \"");
    for (i = 0; i < len; i++) {
        const char c = (char)reason[i];

        if (c == '"' || c == '\\') {
            const char escaped[2] = {'\\', c};

            text_put_n(t, escaped, 2);
        } else if (reason[i] < 0x20 || reason[i] == 0x7f) {
            text_put(t, "\\x");
            text_hex(t, reason[i]);
        } else {
            text_put_n(t, &c, 1);
        }
    }
    text_put(t, "\"");
}

void
wsclose_api_format_reason(char *buf, size_t size, const uint8_t *reason, size_t len, bool utf8)
{
    text_t t;

    text_init(&t, buf, size);
    reason_text(&t, reason, len, utf8);
}

static void
error_text(text_t *t, uint32_t error)
{
    const char *name = wsclose_api_error_name(error);

    if (name) {
        text_put(t, name);
        text_put(t, " (");
        text_uint(t, error);
        text_put(t, ")");
    } else {
        text_uint(t, error);
    }
}

void
wsclose_api_error_text(char *buf, size_t size, uint32_t error)
{
    text_t t;

    text_init(&t, buf, size);
    error_text(&t, error);
}

/* "usStatus NAME (code), reason ..." of a status and reason a call passes or reports. */
static void
status_text(text_t *t, uint16_t status, const uint8_t *reason, size_t len, bool utf8)
{
    char status_name[96];

    wsclose_status_text(status_name, sizeof(status_name), status);
    text_put(t, "usStatus ");
    text_put(t, status_name);
    text_put(t, ", ");
    reason_text(t, reason, len, utf8);
}

void
wsclose_api_receive_text(char *buf, size_t size, const wsclose_api_result_t *r, bool answer,
                         const char *why)
{
    text_t t;

    text_init(&t, buf, size);
    switch (r->receive) {
    case WSCLOSE_RECEIVE_NONE:
        break;
    case WSCLOSE_RECEIVE_CLOSE_BUFFER:
        text_put(&t, answer ? "WINHTTP_WEB_SOCKET_CLOSE_BUFFER_TYPE (to a Receive after "
                              "WinHttpWebSocketShutdown; a waiting WinHttpWebSocketClose returns "
                              "NO_ERROR)"
                            : "WINHTTP_WEB_SOCKET_CLOSE_BUFFER_TYPE");
        if (r->fin_undocumented)
            text_put(&t, "; the reference is silent on a close frame with FIN=0 "
                         "(Wine accepts it)");
        break;
    case WSCLOSE_RECEIVE_INVALID:
        text_put(&t, "fails: ");
        error_text(&t, r->receive_error);
        text_put(&t, ", invalid data received from the server");
        break;
    case WSCLOSE_RECEIVE_ABORTED:
        text_put(&t, "fails: the connection was aborted (");
        text_put(&t, why ? why : "");
        text_put(&t, ")");
        break;
    }
}

void
wsclose_api_query_text(char *buf, size_t size, const wsclose_api_result_t *r)
{
    text_t t;

    text_init(&t, buf, size);
    if (!r->query)
        return;
    if (r->query_error) {
        error_text(&t, r->query_error);
        text_put(&t, ": no close frame has been received");
        return;
    }
    status_text(&t, r->query_status, r->query_reason, r->query_reason_len, r->query_reason_utf8);
}

void
wsclose_api_call_text(char *buf, size_t size, const wsclose_api_result_t *r, const uint8_t *reason,
                      size_t reason_len, bool reason_utf8, uint32_t request_in)
{
    text_t t;

    text_init(&t, buf, size);
    switch (r->call) {
    case WSCLOSE_CALL_NONE:
        break;
    case WSCLOSE_CALL_REFUSED:
        text_put(&t, "none: WinHttpWebSocketClose and WinHttpWebSocketShutdown refuse a reason "
                     "over ");
        text_uint(&t, WSCLOSE_API_REASON_MAX);
        text_put(&t, " bytes (");
        error_text(&t, r->call_error);
        text_put(&t, ")");
        break;
    case WSCLOSE_CALL_CLOSE_ANSWER:
        text_put(&t, "WinHttpWebSocketClose (");
        status_text(&t, r->call_status, reason, reason_len, reason_utf8);
        text_put(&t, "), answering the server's close (frame ");
        text_uint(&t, request_in);
        text_put(&t, ")");
        break;
    case WSCLOSE_CALL_CLOSE_OR_SHUTDOWN:
        text_put(&t, "WinHttpWebSocketClose or WinHttpWebSocketShutdown (");
        status_text(&t, r->call_status, reason, reason_len, reason_utf8);
        text_put(&t, ")");
        break;
    }
}

void
wsclose_api_reason_value(char *buf, size_t size, const wsclose_api_result_t *r)
{
    const void *nul;
    text_t t;
    size_t i;

    text_init(&t, buf, size);
    if (r->query_reason_utf8) {
        /* As a string field holds it: up to a NUL. */
        nul = memchr(r->query_reason, 0, r->query_reason_len);
        text_put_n(&t, (const char *)r->query_reason,
                   nul ? (size_t)((const uint8_t *)nul - r->query_reason) : r->query_reason_len);
        return;
    }
    for (i = 0; i < r->query_reason_len; i++) {
        if (i)
            text_put_n(&t, " ", 1);
        text_hex(&t, r->query_reason[i]);
    }
}

void
wsclose_api_upgrade_text(char *buf, size_t size, unsigned status, bool rfc_valid)
{
    switch (wsclose_api_complete_upgrade(status, rfc_valid, WSCLOSE_IMPL_REFERENCE)) {
    case WSCLOSE_UPGRADE_CALL_FAILS:
        snprintf(buf, size, "fails: the server answered %u, not 101", status);
        break;
    case WSCLOSE_UPGRADE_CALL_UNDOCUMENTED:
        snprintf(buf, size,
                 "undocumented: the reference is silent on a 101 that breaks RFC 6455 4.1 "
                 "(Wine 8 returns a handle)");
        break;
    case WSCLOSE_UPGRADE_CALL_HANDLE:
    default:
        snprintf(buf, size, "returns the WebSocket handle");
        break;
    }
}
