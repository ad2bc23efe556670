/* test_wsclose_label.c
 * plugin/wsclose_label.[ch]: the Info column labels and subtree titles, for every name set.
 * The names are Microsoft's (winhttp.h, websocket.h, .NET's WebSocketCloseStatus) and the
 * IANA registry's; the wording of each situation is README's. Typed in by hand.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include <string.h>

#include "unit_check.h"
#include "wsclose_label.h"

#define N_ELEMENTS(a) (sizeof(a) / sizeof((a)[0]))

typedef struct {
    wsclose_name_set_t set;
    unsigned code;
    bool empty;
    const char *info; /* NULL: no label */
    const char *title;
} label_case_t;

static const label_case_t cases[] = {
    {WSCLOSE_NAMES_WINHTTP, 1000, false, "WINHTTP_WEB_SOCKET_SUCCESS_CLOSE_STATUS",
     "WINHTTP_WEB_SOCKET_SUCCESS_CLOSE_STATUS (1000)"},
    {WSCLOSE_NAMES_WEBSOCKET_H, 1001, false, "WEB_SOCKET_ENDPOINT_UNAVAILABLE_CLOSE_STATUS",
     "WEB_SOCKET_ENDPOINT_UNAVAILABLE_CLOSE_STATUS (1001)"},
    {WSCLOSE_NAMES_DOTNET, 1001, false, "EndpointUnavailable", "EndpointUnavailable (1001)"},
    {WSCLOSE_NAMES_IANA, 1001, false, "Going Away", "Going Away (1001)"},
    {WSCLOSE_NAMES_NONE, 1000, false, NULL, "1000"},
    /* No payload: the receiver reports 1005. */
    {WSCLOSE_NAMES_WINHTTP, 1005, true, "no status code: WINHTTP_WEB_SOCKET_EMPTY_CLOSE_STATUS",
     "WINHTTP_WEB_SOCKET_EMPTY_CLOSE_STATUS (1005, no status code)"},
    {WSCLOSE_NAMES_IANA, 1005, true, "no status code: No Status Rcvd",
     "No Status Rcvd (1005, no status code)"},
    {WSCLOSE_NAMES_NONE, 1005, true, "no status code", "no status code (1005)"},
    /* Codes for APIs to report, sent in a close frame anyway (RFC 6455 7.4.1). */
    {WSCLOSE_NAMES_WINHTTP, 1005, false,
     "WINHTTP_WEB_SOCKET_EMPTY_CLOSE_STATUS (1005) sent in a close frame",
     "WINHTTP_WEB_SOCKET_EMPTY_CLOSE_STATUS (1005)"},
    {WSCLOSE_NAMES_WINHTTP, 1006, false,
     "WINHTTP_WEB_SOCKET_ABORTED_CLOSE_STATUS (1006) sent in a close frame",
     "WINHTTP_WEB_SOCKET_ABORTED_CLOSE_STATUS (1006)"},
    {WSCLOSE_NAMES_IANA, 1006, false, "Abnormal Closure (1006) sent in a close frame",
     "Abnormal Closure (1006)"},
    {WSCLOSE_NAMES_DOTNET, 1006, false, "1006 sent in a close frame", "1006"},
    {WSCLOSE_NAMES_NONE, 1006, false, "1006 sent in a close frame", "1006"},
    {WSCLOSE_NAMES_DOTNET, 1015, false, "1015 sent in a close frame", "1015"},
    /* Codes without a name in the set. */
    {WSCLOSE_NAMES_WINHTTP, 1012, false, "1012: IANA Service Restart, not in WinHTTP",
     "1012 (IANA-registered, not in WinHTTP)"},
    {WSCLOSE_NAMES_IANA, 1013, false, "Try Again Later", "Try Again Later (1013)"},
    {WSCLOSE_NAMES_DOTNET, 1012, false, "1012: IANA Service Restart, not in WinHTTP",
     "1012 (IANA-registered, not in WinHTTP)"},
    {WSCLOSE_NAMES_WINHTTP, 1004, false, "1004: reserved", "1004 (Reserved (1004, 1016-2999))"},
    {WSCLOSE_NAMES_WINHTTP, 3000, false, "3000: registered",
     "3000 (Registered for libraries/frameworks (3000-3999))"},
    {WSCLOSE_NAMES_WINHTTP, 4999, false, "4999: private use", "4999 (Private use (4000-4999))"},
    {WSCLOSE_NAMES_WINHTTP, 999, false, "999: invalid", "999 (Invalid (0-999, 5000 and above))"},
    {WSCLOSE_NAMES_NONE, 4000, false, NULL, "4000 (Private use (4000-4999))"},
};

int
main(void)
{
    char buf[256];
    size_t i;

    for (i = 0; i < N_ELEMENTS(cases); i++) {
        const label_case_t *c = &cases[i];
        const char *info;

        unit_case("set %d, code %u%s", (int)c->set, c->code, c->empty ? ", empty" : "");
        memset(buf, 0, sizeof(buf));
        info = wsclose_label_status(buf, sizeof(buf), c->set, c->code, c->empty);
        UNIT_EQ_STR(c->info, info);
        wsclose_label_title(buf, sizeof(buf), c->set, c->code, c->empty);
        UNIT_EQ_STR(c->title, buf);
    }
    unit_case("abort labels");
    wsclose_label_abort(buf, sizeof(buf), WSCLOSE_NAMES_WINHTTP, "client", "FIN from the server",
                        "");
    UNIT_EQ_STR("Abort for the client (WINHTTP_WEB_SOCKET_ABORTED_CLOSE_STATUS): FIN from the "
                "server",
                buf);
    wsclose_label_abort(buf, sizeof(buf), WSCLOSE_NAMES_IANA, "server", "FIN from the client",
                        ", after the server's FIN");
    UNIT_EQ_STR("Abort for the server (Abnormal Closure): FIN from the client, after the "
                "server's FIN",
                buf);
    wsclose_label_abort(buf, sizeof(buf), WSCLOSE_NAMES_DOTNET, "client", "RST from the client",
                        "");
    UNIT_EQ_STR("Abort for the client: RST from the client", buf);
    wsclose_label_abort(buf, sizeof(buf), WSCLOSE_NAMES_NONE, "client", "RST from the server", "");
    UNIT_EQ_STR("Abort for the client: RST from the server", buf);
    unit_case("names");
    UNIT_EQ_STR("WEB_SOCKET_ABORTED_CLOSE_STATUS",
                wsclose_label_name(WSCLOSE_NAMES_WEBSOCKET_H, 1006));
    UNIT_EQ_STR(NULL, wsclose_label_name(WSCLOSE_NAMES_NONE, 1000));
    UNIT_EQ_STR(NULL, wsclose_label_name(WSCLOSE_NAMES_WINHTTP, 4000));
    return unit_finish("test_wsclose_label");
}
