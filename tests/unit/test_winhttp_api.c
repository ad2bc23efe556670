/* test_winhttp_api.c
 * plugin/winhttp_api.[ch]: what the WinHTTP client's WebSocket calls return, one row per
 * situation of Microsoft's API reference (WinHttpWebSocketReceive, -QueryCloseStatus, -Close,
 * -Shutdown) and of README's table "What your WinHTTP application sees", each with two
 * expectations: the reference's, and Wine 8's as recorded in captures/real-winhttp-wine.json
 * (the WinHTTP client under Wine: every call and its result).
 *
 * The expected values are typed in from the reference's wording and from that manifest, not
 * computed by the code under test.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include <stddef.h>
#include <string.h>

#include "unit_check.h"
#include "winhttp_api.h"

#define N_ELEMENTS(a) (sizeof(a) / sizeof((a)[0]))

/* What one implementation's calls return. */
typedef struct {
    wsclose_receive_t receive;
    uint32_t receive_error;
    bool query;
    uint32_t query_error;
    uint16_t query_status;
    bool query_reason; /* the frame's reason is returned, as sent */
    wsclose_call_t call;
    uint32_t call_error;
    uint16_t call_status;
    bool fin_undocumented;
    bool after_close_timeout;
} expect_t;

typedef struct {
    const char *what;
    bool from_server;
    bool duplicate;
    bool answers;
    bool fin;
    const char *payload; /* the unmasked close payload, payload_len bytes */
    size_t payload_len;
    uint64_t wire_len; /* written in the header; 0: payload_len */
    int64_t answer_delay_ns;
    expect_t reference;
    expect_t wine;
} frame_case_t;

#define SEC 1000000000LL

static const frame_case_t frame_cases[] = {
    /* A server close with a code and a reason of up to 123 bytes: Receive returns the close
     * buffer type, QueryCloseStatus the code and the reason bytes as sent. */
    {"server 1000 \"bye\"",
     true,
     false,
     false,
     true,
     UNIT_HEX("\x03\xe8"
              "bye"),
     0,
     0,
     {WSCLOSE_RECEIVE_CLOSE_BUFFER, 0, true, 0, 1000, true, WSCLOSE_CALL_NONE, 0, 0, false, false},
     {WSCLOSE_RECEIVE_CLOSE_BUFFER, 0, true, 0, 1000, true, WSCLOSE_CALL_NONE, 0, 0, false, false}},
    /* Any code, reserved and invalid ones included, is reported as it was sent. */
    {"server 65535",
     true,
     false,
     false,
     true,
     UNIT_HEX("\xff\xff"),
     0,
     0,
     {WSCLOSE_RECEIVE_CLOSE_BUFFER, 0, true, 0, 65535, true, WSCLOSE_CALL_NONE, 0, 0, false, false},
     {WSCLOSE_RECEIVE_CLOSE_BUFFER, 0, true, 0, 65535, true, WSCLOSE_CALL_NONE, 0, 0, false,
      false}},
    {"server 0",
     true,
     false,
     false,
     true,
     UNIT_HEX("\x00\x00"),
     0,
     0,
     {WSCLOSE_RECEIVE_CLOSE_BUFFER, 0, true, 0, 0, true, WSCLOSE_CALL_NONE, 0, 0, false, false},
     {WSCLOSE_RECEIVE_CLOSE_BUFFER, 0, true, 0, 0, true, WSCLOSE_CALL_NONE, 0, 0, false, false}},
    /* A reason that is not UTF-8 is returned as its bytes. */
    {"server 1000, reason 80 ff",
     true,
     false,
     false,
     true,
     UNIT_HEX("\x03\xe8\x80\xff"),
     0,
     0,
     {WSCLOSE_RECEIVE_CLOSE_BUFFER, 0, true, 0, 1000, true, WSCLOSE_CALL_NONE, 0, 0, false, false},
     {WSCLOSE_RECEIVE_CLOSE_BUFFER, 0, true, 0, 1000, true, WSCLOSE_CALL_NONE, 0, 0, false, false}},
    /* 1006 sent in a close frame: reported like any code (it is not an abort). */
    {"server 1006 on the wire",
     true,
     false,
     false,
     true,
     UNIT_HEX("\x03\xee"),
     0,
     0,
     {WSCLOSE_RECEIVE_CLOSE_BUFFER, 0, true, 0, 1006, true, WSCLOSE_CALL_NONE, 0, 0, false, false},
     {WSCLOSE_RECEIVE_CLOSE_BUFFER, 0, true, 0, 1006, true, WSCLOSE_CALL_NONE, 0, 0, false, false}},
    /* Without payload: the enum's 1005, "The close message was empty"; Wine reports 0. */
    {"server empty",
     true,
     false,
     false,
     true,
     UNIT_HEX(""),
     0,
     0,
     {WSCLOSE_RECEIVE_CLOSE_BUFFER, 0, true, 0, 1005, false, WSCLOSE_CALL_NONE, 0, 0, false, false},
     {WSCLOSE_RECEIVE_CLOSE_BUFFER, 0, true, 0, 0, false, WSCLOSE_CALL_NONE, 0, 0, false, false}},
    /* A 1-byte payload: Receive fails with 12152, "Invalid data was received from the
     * server"; no close frame has been received (4317); Wine's Query fails with 12152. */
    {"server 1 byte",
     true,
     false,
     false,
     true,
     UNIT_HEX("\x03"),
     0,
     0,
     {WSCLOSE_RECEIVE_INVALID, 12152, true, 4317, 0, false, WSCLOSE_CALL_NONE, 0, 0, false, false},
     {WSCLOSE_RECEIVE_INVALID, 12152, true, 12152, 0, false, WSCLOSE_CALL_NONE, 0, 0, false,
      false}},
    /* Over 125 bytes on the wire (control frames carry at most 125): the same. */
    {"server 132 bytes",
     true,
     false,
     false,
     true,
     UNIT_HEX("\x03\xe8"),
     132,
     0,
     {WSCLOSE_RECEIVE_INVALID, 12152, true, 4317, 0, false, WSCLOSE_CALL_NONE, 0, 0, false, false},
     {WSCLOSE_RECEIVE_INVALID, 12152, true, 12152, 0, false, WSCLOSE_CALL_NONE, 0, 0, false,
      false}},
    /* 125 bytes is still a control frame. */
    {"server 125 bytes",
     true,
     false,
     false,
     true,
     UNIT_HEX("\x03\xe8"),
     125,
     0,
     {WSCLOSE_RECEIVE_CLOSE_BUFFER, 0, true, 0, 1000, true, WSCLOSE_CALL_NONE, 0, 0, false, false},
     {WSCLOSE_RECEIVE_CLOSE_BUFFER, 0, true, 0, 1000, true, WSCLOSE_CALL_NONE, 0, 0, false, false}},
    /* FIN=0: the reference is silent; Wine delivers it as a normal close. */
    {"server 1001 FIN=0",
     true,
     false,
     false,
     false,
     UNIT_HEX("\x03\xe9"),
     0,
     0,
     {WSCLOSE_RECEIVE_CLOSE_BUFFER, 0, true, 0, 1001, true, WSCLOSE_CALL_NONE, 0, 0, true, false},
     {WSCLOSE_RECEIVE_CLOSE_BUFFER, 0, true, 0, 1001, true, WSCLOSE_CALL_NONE, 0, 0, false, false}},
    /* The server answers the client's close 12 s later: a WinHttpWebSocketClose waiting
     * for it has failed after the default 10 s; Wine rejects the option and waits on. */
    {"server answer after 12 s",
     true,
     false,
     true,
     true,
     UNIT_HEX("\x03\xe8"),
     0,
     12 * SEC,
     {WSCLOSE_RECEIVE_CLOSE_BUFFER, 0, true, 0, 1000, true, WSCLOSE_CALL_NONE, 0, 0, false, true},
     {WSCLOSE_RECEIVE_CLOSE_BUFFER, 0, true, 0, 1000, true, WSCLOSE_CALL_NONE, 0, 0, false, false}},
    /* Exactly the timeout is not later than it. */
    {"server answer after 10 s",
     true,
     false,
     true,
     true,
     UNIT_HEX("\x03\xe8"),
     0,
     10 * SEC,
     {WSCLOSE_RECEIVE_CLOSE_BUFFER, 0, true, 0, 1000, true, WSCLOSE_CALL_NONE, 0, 0, false, false},
     {WSCLOSE_RECEIVE_CLOSE_BUFFER, 0, true, 0, 1000, true, WSCLOSE_CALL_NONE, 0, 0, false, false}},
    {"server answer after 10.001 s",
     true,
     false,
     true,
     true,
     UNIT_HEX("\x03\xe8"),
     0,
     10 * SEC + 1000000,
     {WSCLOSE_RECEIVE_CLOSE_BUFFER, 0, true, 0, 1000, true, WSCLOSE_CALL_NONE, 0, 0, false, true},
     {WSCLOSE_RECEIVE_CLOSE_BUFFER, 0, true, 0, 1000, true, WSCLOSE_CALL_NONE, 0, 0, false, false}},
    /* A second close frame from the server: the calls returned at its first. */
    {"server second close",
     true,
     true,
     false,
     true,
     UNIT_HEX("\x03\xe8"),
     0,
     0,
     {WSCLOSE_RECEIVE_NONE, 0, false, 0, 0, false, WSCLOSE_CALL_NONE, 0, 0, false, false},
     {WSCLOSE_RECEIVE_NONE, 0, false, 0, 0, false, WSCLOSE_CALL_NONE, 0, 0, false, false}},
    /* A client close: Close or Shutdown sent it with that usStatus; Wine sends any usStatus
     * as given (0, 1005, 1006, 1015, 65535 included). */
    {"client 1000",
     false,
     false,
     false,
     true,
     UNIT_HEX("\x03\xe8"),
     0,
     0,
     {WSCLOSE_RECEIVE_NONE, 0, false, 0, 0, false, WSCLOSE_CALL_CLOSE_OR_SHUTDOWN, 0, 1000, false,
      false},
     {WSCLOSE_RECEIVE_NONE, 0, false, 0, 0, false, WSCLOSE_CALL_CLOSE_OR_SHUTDOWN, 0, 1000, false,
      false}},
    {"client 1006",
     false,
     false,
     false,
     true,
     UNIT_HEX("\x03\xee"),
     0,
     0,
     {WSCLOSE_RECEIVE_NONE, 0, false, 0, 0, false, WSCLOSE_CALL_CLOSE_OR_SHUTDOWN, 0, 1006, false,
      false},
     {WSCLOSE_RECEIVE_NONE, 0, false, 0, 0, false, WSCLOSE_CALL_CLOSE_OR_SHUTDOWN, 0, 1006, false,
      false}},
    /* After the server's close, WinHttpWebSocketClose sends the answer. */
    {"client answer 1000",
     false,
     false,
     true,
     true,
     UNIT_HEX("\x03\xe8"),
     0,
     0,
     {WSCLOSE_RECEIVE_NONE, 0, false, 0, 0, false, WSCLOSE_CALL_CLOSE_ANSWER, 0, 1000, false,
      false},
     {WSCLOSE_RECEIVE_NONE, 0, false, 0, 0, false, WSCLOSE_CALL_CLOSE_ANSWER, 0, 1000, false,
      false}},
    /* A reason of 123 bytes is the most Close and Shutdown take. */
    {"client reason 123 bytes",
     false,
     false,
     false,
     true,
     UNIT_HEX("\x03\xe8"),
     125,
     0,
     {WSCLOSE_RECEIVE_NONE, 0, false, 0, 0, false, WSCLOSE_CALL_CLOSE_OR_SHUTDOWN, 0, 1000, false,
      false},
     {WSCLOSE_RECEIVE_NONE, 0, false, 0, 0, false, WSCLOSE_CALL_CLOSE_OR_SHUTDOWN, 0, 1000, false,
      false}},
    /* 124 bytes: both refuse it with ERROR_INVALID_PARAMETER (87) and send nothing. */
    {"client reason 124 bytes",
     false,
     false,
     false,
     true,
     UNIT_HEX("\x03\xe8"),
     126,
     0,
     {WSCLOSE_RECEIVE_NONE, 0, false, 0, 0, false, WSCLOSE_CALL_REFUSED, 87, 0, false, false},
     {WSCLOSE_RECEIVE_NONE, 0, false, 0, 0, false, WSCLOSE_CALL_REFUSED, 87, 0, false, false}},
    /* A usStatus is always sent: an empty client close is no call's. */
    {"client empty",
     false,
     false,
     false,
     true,
     UNIT_HEX(""),
     0,
     0,
     {WSCLOSE_RECEIVE_NONE, 0, false, 0, 0, false, WSCLOSE_CALL_NONE, 0, 0, false, false},
     {WSCLOSE_RECEIVE_NONE, 0, false, 0, 0, false, WSCLOSE_CALL_NONE, 0, 0, false, false}},
    {"client second close",
     false,
     true,
     false,
     true,
     UNIT_HEX("\x03\xe8"),
     0,
     0,
     {WSCLOSE_RECEIVE_NONE, 0, false, 0, 0, false, WSCLOSE_CALL_NONE, 0, 0, false, false},
     {WSCLOSE_RECEIVE_NONE, 0, false, 0, 0, false, WSCLOSE_CALL_NONE, 0, 0, false, false}},
};

static void
check_result(const frame_case_t *c, const uint8_t *payload, const expect_t *e,
             const wsclose_api_result_t *r)
{
    UNIT_EQ_UINT(e->receive, r->receive);
    UNIT_EQ_UINT(e->receive_error, r->receive_error);
    UNIT_EQ_BOOL(e->query, r->query);
    UNIT_EQ_UINT(e->query_error, r->query_error);
    UNIT_EQ_UINT(e->query_status, r->query_status);
    if (e->query_reason) {
        UNIT_EQ_PTR(payload + 2, r->query_reason);
        UNIT_EQ_UINT(c->payload_len - 2, r->query_reason_len);
    } else {
        UNIT_EQ_PTR(NULL, r->query_reason);
        UNIT_EQ_UINT(0, r->query_reason_len);
    }
    UNIT_EQ_UINT(e->call, r->call);
    UNIT_EQ_UINT(e->call_error, r->call_error);
    UNIT_EQ_UINT(e->call_status, r->call_status);
    UNIT_EQ_BOOL(e->fin_undocumented, r->fin_undocumented);
    UNIT_EQ_BOOL(e->after_close_timeout, r->after_close_timeout);
}

static void
test_close_frames(void)
{
    size_t i;
    wsclose_api_frame_t f;
    wsclose_api_result_t r;

    for (i = 0; i < N_ELEMENTS(frame_cases); i++) {
        const frame_case_t *c = &frame_cases[i];
        uint8_t *payload = unit_copy(UNIT_BYTES(c->payload), c->payload_len);

        memset(&f, 0, sizeof(f));
        f.from_server = c->from_server;
        f.duplicate = c->duplicate;
        f.answers = c->answers;
        f.fin = c->fin;
        f.wire_len = c->wire_len ? c->wire_len : c->payload_len;
        wsclose_payload_parse(payload, c->payload_len, &f.payload);
        f.reason = f.payload.kind == WSCLOSE_PAYLOAD_CODE ? payload + 2 : NULL;
        f.answer_delay_ns = c->answer_delay_ns;
        f.close_timeout_s = 10;

        unit_case("%s, reference", c->what);
        wsclose_api_close_frame(&f, WSCLOSE_IMPL_REFERENCE, &r);
        check_result(c, payload, &c->reference, &r);
        unit_case("%s, Wine 8", c->what);
        wsclose_api_close_frame(&f, WSCLOSE_IMPL_WINE8, &r);
        check_result(c, payload, &c->wine, &r);
        unit_free(payload);
    }
}

/* The end of what the client receives before the server's close frame. */
static void
test_aborts(void)
{
    wsclose_api_result_t r;

    /* The reference: Receive fails, every error but the listed ones meaning the connection
     * was aborted (no code named); QueryCloseStatus: no close frame received (4317). */
    unit_case("server FIN, reference");
    wsclose_api_abort(false, WSCLOSE_IMPL_REFERENCE, &r);
    UNIT_EQ_UINT(WSCLOSE_RECEIVE_ABORTED, r.receive);
    UNIT_EQ_UINT(0, r.receive_error);
    UNIT_EQ_BOOL(true, r.query);
    UNIT_EQ_UINT(4317, r.query_error);
    UNIT_EQ_UINT(WSCLOSE_CALL_NONE, r.call);
    unit_case("RST, reference");
    wsclose_api_abort(true, WSCLOSE_IMPL_REFERENCE, &r);
    UNIT_EQ_UINT(WSCLOSE_RECEIVE_ABORTED, r.receive);
    UNIT_EQ_UINT(0, r.receive_error);
    UNIT_EQ_UINT(4317, r.query_error);
    /* Wine 8: Receive fails with 12152 on a FIN, 10054 (WSAECONNRESET) on an RST. */
    unit_case("server FIN, Wine 8");
    wsclose_api_abort(false, WSCLOSE_IMPL_WINE8, &r);
    UNIT_EQ_UINT(WSCLOSE_RECEIVE_ABORTED, r.receive);
    UNIT_EQ_UINT(12152, r.receive_error);
    UNIT_EQ_UINT(4317, r.query_error);
    unit_case("RST, Wine 8");
    wsclose_api_abort(true, WSCLOSE_IMPL_WINE8, &r);
    UNIT_EQ_UINT(10054, r.receive_error);
    UNIT_EQ_UINT(4317, r.query_error);
}

static void
test_end_without_close(void)
{
    unit_case("client ends without its close frame");
    UNIT_EQ_BOOL(true, wsclose_api_end_without_close(true, false));
    unit_case("client ends after its close frame");
    UNIT_EQ_BOOL(false, wsclose_api_end_without_close(true, true));
    unit_case("server ends");
    UNIT_EQ_BOOL(false, wsclose_api_end_without_close(false, false));
}

/* WinHttpWebSocketCompleteUpgrade: the reference fails on anything but a 101 ("Calling it
 * with any other status code will result in a failure") and is silent on a 101 that breaks
 * RFC 6455 4.1; Wine 8 returns a handle for all of them (captures/real-winhttp-wine-upgrade). */
static void
test_complete_upgrade(void)
{
    static const struct {
        unsigned status;
        bool rfc_valid;
        wsclose_upgrade_call_t reference, wine8;
        const char *text;
    } rows[] = {
        {101, true, WSCLOSE_UPGRADE_CALL_HANDLE, WSCLOSE_UPGRADE_CALL_HANDLE,
         "returns the WebSocket handle"},
        {101, false, WSCLOSE_UPGRADE_CALL_UNDOCUMENTED, WSCLOSE_UPGRADE_CALL_HANDLE,
         "undocumented: the reference is silent on a 101 that breaks RFC 6455 4.1 (Wine 8 "
         "returns a handle)"},
        {403, false, WSCLOSE_UPGRADE_CALL_FAILS, WSCLOSE_UPGRADE_CALL_HANDLE,
         "fails: the server answered 403, not 101"},
        {200, false, WSCLOSE_UPGRADE_CALL_FAILS, WSCLOSE_UPGRADE_CALL_HANDLE,
         "fails: the server answered 200, not 101"},
    };
    char text[WSCLOSE_API_TEXT_MAX];
    size_t i;

    for (i = 0; i < N_ELEMENTS(rows); i++) {
        unit_case("CompleteUpgrade after %u, rfc_valid %d", rows[i].status, rows[i].rfc_valid);
        UNIT_EQ_UINT(rows[i].reference,
                     wsclose_api_complete_upgrade(rows[i].status, rows[i].rfc_valid,
                                                  WSCLOSE_IMPL_REFERENCE));
        UNIT_EQ_UINT(rows[i].wine8, wsclose_api_complete_upgrade(rows[i].status, rows[i].rfc_valid,
                                                                 WSCLOSE_IMPL_WINE8));
        wsclose_api_upgrade_text(text, sizeof(text), rows[i].status, rows[i].rfc_valid);
        UNIT_EQ_STR(rows[i].text, text);
    }
}

static void
test_errors(void)
{
    unit_case("error names (winerror.h, winhttp.h, winsock2.h)");
    UNIT_EQ_STR("ERROR_INVALID_PARAMETER", wsclose_api_error_name(87));
    UNIT_EQ_STR("ERROR_INVALID_OPERATION", wsclose_api_error_name(4317));
    UNIT_EQ_STR("WSAECONNRESET", wsclose_api_error_name(10054));
    UNIT_EQ_STR("ERROR_WINHTTP_INVALID_SERVER_RESPONSE", wsclose_api_error_name(12152));
    UNIT_EQ_STR(NULL, wsclose_api_error_name(0));
    UNIT_EQ_STR(NULL, wsclose_api_error_name(12002));
}

typedef struct {
    const char *what;
    const char *reason;
    size_t len;
    bool utf8;
    const char *text;
} reason_case_t;

static const reason_case_t reason_cases[] = {
    {"none", UNIT_HEX(""), true, "no reason"},
    {"one byte", UNIT_HEX("x"), true, "reason 1 byte \"x\""},
    {"text", UNIT_HEX("reason 1007"), true, "reason 11 bytes \"reason 1007\""},
    {"quote and backslash", UNIT_HEX("a\"b\\c"), true, "reason 5 bytes \"a\\\"b\\\\c\""},
    {"control characters", UNIT_HEX("a\nb\x7f"), true, "reason 4 bytes \"a\\x0ab\\x7f\""},
    {"UTF-8 kept as is", UNIT_HEX("\xc3\xa9"), true, "reason 2 bytes \"\xc3\xa9\""},
    {"not UTF-8", UNIT_HEX("\x80\xff"), false, "reason 2 bytes (not UTF-8): 80 ff"},
};

static void
test_format_reason(void)
{
    size_t i;
    char buf[WSCLOSE_API_REASON_TEXT_MAX];
    char small[12];
    uint8_t many_ones[WSCLOSE_API_REASON_MAX];
    uint8_t *reason;

    memset(many_ones, 0x01, sizeof(many_ones));

    for (i = 0; i < N_ELEMENTS(reason_cases); i++) {
        const reason_case_t *c = &reason_cases[i];

        unit_case("reason: %s", c->what);
        reason = unit_copy(UNIT_BYTES(c->reason), c->len);
        wsclose_api_format_reason(buf, sizeof(buf), reason, c->len, c->utf8);
        UNIT_EQ_STR(c->text, buf);
        unit_free(reason);
    }
    /* The longest reason a call passes, every byte escaped, fits. */
    unit_case("reason: 123 control bytes");
    reason = unit_copy(many_ones, sizeof(many_ones));
    wsclose_api_format_reason(buf, sizeof(buf), reason, sizeof(many_ones), true);
    UNIT_EQ_UINT(strlen("reason 123 bytes \"\"") + 4 * 123, strlen(buf));
    unit_free(reason);
    /* A buffer too small is cut, and stays a string. */
    unit_case("reason: cut at the buffer's size");
    wsclose_api_format_reason(small, sizeof(small), UNIT_BYTES("abcdef"), 6, true);
    UNIT_EQ_STR("reason 6 by", small);
}

/* The wording of the wsclose.api.* fields, typed from README's field reference. */
static void
test_texts(void)
{
    char buf[WSCLOSE_API_TEXT_MAX];
    wsclose_api_frame_t f;
    wsclose_api_result_t r;
    uint8_t *payload = unit_copy(UNIT_BYTES("\x03\xe8"
                                            "bye"),
                                 5);

    memset(&f, 0, sizeof(f));
    f.from_server = true;
    f.fin = true;
    f.wire_len = 5;
    wsclose_payload_parse(payload, 5, &f.payload);
    f.reason = payload + 2;
    wsclose_api_close_frame(&f, WSCLOSE_IMPL_REFERENCE, &r);
    unit_case("texts: server 1000 \"bye\"");
    wsclose_api_receive_text(buf, sizeof(buf), &r, false, NULL);
    UNIT_EQ_STR("WINHTTP_WEB_SOCKET_CLOSE_BUFFER_TYPE", buf);
    wsclose_api_receive_text(buf, sizeof(buf), &r, true, NULL);
    UNIT_EQ_STR("WINHTTP_WEB_SOCKET_CLOSE_BUFFER_TYPE (to a Receive after "
                "WinHttpWebSocketShutdown; a waiting WinHttpWebSocketClose returns NO_ERROR)",
                buf);
    wsclose_api_query_text(buf, sizeof(buf), &r);
    UNIT_EQ_STR("usStatus WINHTTP_WEB_SOCKET_SUCCESS_CLOSE_STATUS (1000), reason 3 bytes \"bye\"",
                buf);
    wsclose_api_reason_value(buf, sizeof(buf), &r);
    UNIT_EQ_STR("bye", buf);
    wsclose_api_call_text(buf, sizeof(buf), &r, f.reason, 3, true, 0);
    UNIT_EQ_STR("", buf);

    unit_case("texts: the same frame from the client, answering frame 11");
    f.from_server = false;
    f.answers = true;
    wsclose_api_close_frame(&f, WSCLOSE_IMPL_REFERENCE, &r);
    wsclose_api_call_text(buf, sizeof(buf), &r, f.reason, 3, true, 11);
    UNIT_EQ_STR("WinHttpWebSocketClose (usStatus WINHTTP_WEB_SOCKET_SUCCESS_CLOSE_STATUS (1000), "
                "reason 3 bytes \"bye\"), answering the server's close (frame 11)",
                buf);
    wsclose_api_receive_text(buf, sizeof(buf), &r, false, NULL);
    UNIT_EQ_STR("", buf);

    unit_case("texts: client reason over 123 bytes");
    f.answers = false;
    f.wire_len = 140;
    wsclose_api_close_frame(&f, WSCLOSE_IMPL_REFERENCE, &r);
    wsclose_api_call_text(buf, sizeof(buf), &r, f.reason, 3, true, 0);
    UNIT_EQ_STR("none: WinHttpWebSocketClose and WinHttpWebSocketShutdown refuse a reason over "
                "123 bytes (ERROR_INVALID_PARAMETER (87))",
                buf);

    unit_case("texts: server 1-byte close");
    f.from_server = true;
    f.wire_len = 1;
    wsclose_payload_parse(payload, 1, &f.payload);
    wsclose_api_close_frame(&f, WSCLOSE_IMPL_REFERENCE, &r);
    wsclose_api_receive_text(buf, sizeof(buf), &r, false, NULL);
    UNIT_EQ_STR("fails: ERROR_WINHTTP_INVALID_SERVER_RESPONSE (12152), invalid data received "
                "from the server",
                buf);
    wsclose_api_query_text(buf, sizeof(buf), &r);
    UNIT_EQ_STR("ERROR_INVALID_OPERATION (4317): no close frame has been received", buf);

    unit_case("texts: abort");
    wsclose_api_abort(true, WSCLOSE_IMPL_REFERENCE, &r);
    wsclose_api_receive_text(buf, sizeof(buf), &r, false,
                             "TCP RST from the server before its close frame");
    UNIT_EQ_STR("fails: the connection was aborted (TCP RST from the server before its close "
                "frame)",
                buf);
    unit_free(payload);

    unit_case("texts: a reason that is not UTF-8, as QueryCloseStatus returns it");
    payload = unit_copy(UNIT_BYTES("\x0f\xa0\xff\xfe b"), 6);
    memset(&f, 0, sizeof(f));
    f.from_server = true;
    f.fin = true;
    f.wire_len = 6;
    wsclose_payload_parse(payload, 6, &f.payload);
    f.reason = payload + 2;
    wsclose_api_close_frame(&f, WSCLOSE_IMPL_REFERENCE, &r);
    wsclose_api_reason_value(buf, sizeof(buf), &r);
    UNIT_EQ_STR("ff fe 20 62", buf);
    wsclose_api_query_text(buf, sizeof(buf), &r);
    UNIT_EQ_STR("usStatus 4000 (Private use (4000-4999)), reason 4 bytes (not UTF-8): ff fe 20 62",
                buf);
    unit_free(payload);
}

int
main(void)
{
    test_close_frames();
    test_aborts();
    test_end_without_close();
    test_complete_upgrade();
    test_errors();
    test_format_reason();
    test_texts();
    return unit_finish("test_winhttp_api");
}
