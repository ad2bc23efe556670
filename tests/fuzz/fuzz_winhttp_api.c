/* libFuzzer harness: what the WinHTTP calls return, their wording, and the labels
 * (winhttp_api.c, wsclose_label.c), for any close frame.
 *
 * The first bytes choose the frame's circumstances (sender, FIN, answer, second close, wire
 * length, delay, name set); the rest is the close payload.  Invariants from the reference:
 * a server close is either delivered (its status and reason as sent) or rejected with 12152
 * (and QueryCloseStatus then 4317); a client close is a call's or refused with 87; every text
 * is a NUL-terminated string within its buffer.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include <stdlib.h>
#include <string.h>

#include "fuzz_check.h"
#include "winhttp_api.h"
#include "wsclose_label.h"

static void
check_text(const char *buf, size_t size)
{
    CHECK(memchr(buf, '\0', size) != NULL);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    wsclose_api_frame_t f;
    wsclose_api_result_t r;
    char buf[WSCLOSE_API_TEXT_MAX], small[16];
    uint8_t *payload;
    size_t len;
    uint8_t flags, extra;

    if (size < 2)
        return 0;
    flags = data[0];
    extra = data[1];
    len = size - 2;
    payload = malloc(len ? len : 1);
    memcpy(payload, data + 2, len);

    memset(&f, 0, sizeof(f));
    f.from_server = flags & 1;
    f.fin = flags & 2;
    f.answers = flags & 4;
    f.duplicate = flags & 8;
    /* The header may say more than was examined (an overlong frame). */
    f.wire_len = len + ((flags & 16) ? extra * 4u : 0);
    wsclose_payload_parse(payload, len, &f.payload);
    f.reason = f.payload.kind == WSCLOSE_PAYLOAD_CODE ? payload + 2 : NULL;
    f.answer_delay_ns = (int64_t)extra * 100000000;
    f.close_timeout_s = 10;

    wsclose_api_close_frame(&f, (flags & 32) ? WSCLOSE_IMPL_WINE8 : WSCLOSE_IMPL_REFERENCE, &r);
    if (f.duplicate) {
        CHECK(r.receive == WSCLOSE_RECEIVE_NONE && r.call == WSCLOSE_CALL_NONE && !r.query);
    } else if (f.from_server) {
        CHECK(r.call == WSCLOSE_CALL_NONE && r.query);
        if (r.receive == WSCLOSE_RECEIVE_INVALID) {
            CHECK(r.receive_error == WSCLOSE_ERROR_INVALID_SERVER_RESPONSE);
            CHECK(f.payload.kind == WSCLOSE_PAYLOAD_ONE_BYTE || f.wire_len > 125);
        } else {
            CHECK(r.receive == WSCLOSE_RECEIVE_CLOSE_BUFFER && r.query_error == 0);
            if (f.payload.kind == WSCLOSE_PAYLOAD_CODE) {
                CHECK(r.query_status == f.payload.code && r.query_reason == f.reason);
                CHECK(r.query_reason_len == len - 2 && len - 2 <= WSCLOSE_API_REASON_MAX);
            }
        }
    } else {
        CHECK(r.receive == WSCLOSE_RECEIVE_NONE && !r.query);
        if (r.call == WSCLOSE_CALL_REFUSED)
            CHECK(r.call_error == WSCLOSE_ERROR_INVALID_PARAMETER && f.wire_len - 2 > 123);
    }
    wsclose_api_receive_text(buf, sizeof(buf), &r, f.answers, "why");
    check_text(buf, sizeof(buf));
    wsclose_api_query_text(buf, sizeof(buf), &r);
    check_text(buf, sizeof(buf));
    /* The reason a query returns is at most 123 bytes; a longer one is the caller's. */
    if (r.query_reason_len <= WSCLOSE_API_REASON_MAX) {
        wsclose_api_reason_value(buf, sizeof(buf), &r);
        check_text(buf, sizeof(buf));
    }
    wsclose_api_call_text(buf, sizeof(buf), &r, f.reason, f.payload.reason_len,
                          f.payload.reason_utf8, extra);
    check_text(buf, sizeof(buf));
    wsclose_api_format_reason(small, sizeof(small), f.reason, f.payload.reason_len,
                              f.payload.reason_utf8);
    check_text(small, sizeof(small));
    if (f.payload.kind == WSCLOSE_PAYLOAD_CODE) {
        wsclose_name_set_t set = (wsclose_name_set_t)(extra % 5);
        const char *info = wsclose_label_status(small, sizeof(small), set, f.payload.code, false);

        CHECK(!info || info != small || memchr(small, '\0', sizeof(small)) != NULL);
        wsclose_label_title(buf, sizeof(buf), set, f.payload.code, flags & 64);
        check_text(buf, sizeof(buf));
    }
    free(payload);
    return 0;
}
