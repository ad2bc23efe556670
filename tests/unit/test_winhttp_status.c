/* test_winhttp_status.c
 * plugin/winhttp_status.[ch] against the documentation, row by row.
 *
 * Every expected value below is typed from the sources, not derived from the code under
 * test: the enum values, names and meanings from Microsoft's WINHTTP_WEB_SOCKET_CLOSE_STATUS
 * enumeration page (winhttp.h), the sibling names from websocket.h's WEB_SOCKET_CLOSE_STATUS
 * and .NET's System.Net.WebSockets.WebSocketCloseStatus, the names and ranges from the IANA
 * WebSocket Close Code Number Registry, the API-only codes from RFC 6455 7.4.1, and the class
 * labels from README's field reference (wsclose.range).
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include <limits.h>
#include <stddef.h>

#include "unit_check.h"
#include "winhttp_status.h"

/* One close code as the documentation names it; NULL where a column shows no name ("—"). */
typedef struct {
    unsigned code;
    const char *winhttp;     /* WINHTTP_WEB_SOCKET_CLOSE_STATUS member */
    const char *meaning;     /* the WinHTTP page's wording of that member */
    const char *websocket_h; /* websocket.h WEB_SOCKET_*_CLOSE_STATUS */
    const char *dotnet;      /* .NET WebSocketCloseStatus */
    const char *iana;        /* IANA registry name */
    wsclose_class_t cls;
    bool api_only; /* RFC 6455 7.4.1: reported by APIs, never sent in a frame */
} doc_row_t;

static const doc_row_t doc_rows[] = {
    {1000, "WINHTTP_WEB_SOCKET_SUCCESS_CLOSE_STATUS", "The connection closed successfully.",
     "WEB_SOCKET_SUCCESS_CLOSE_STATUS", "NormalClosure", "Normal Closure", WSCLOSE_CLASS_WINHTTP,
     false},
    {1001, "WINHTTP_WEB_SOCKET_ENDPOINT_TERMINATED_CLOSE_STATUS",
     "The peer is going away and terminating the connection.",
     "WEB_SOCKET_ENDPOINT_UNAVAILABLE_CLOSE_STATUS", "EndpointUnavailable", "Going Away",
     WSCLOSE_CLASS_WINHTTP, false},
    {1002, "WINHTTP_WEB_SOCKET_PROTOCOL_ERROR_CLOSE_STATUS", "A protocol error occurred.",
     "WEB_SOCKET_PROTOCOL_ERROR_CLOSE_STATUS", "ProtocolError", "Protocol error",
     WSCLOSE_CLASS_WINHTTP, false},
    {1003, "WINHTTP_WEB_SOCKET_INVALID_DATA_TYPE_CLOSE_STATUS",
     "Invalid data received by the peer.", "WEB_SOCKET_INVALID_DATA_TYPE_CLOSE_STATUS",
     "InvalidMessageType", "Unsupported Data", WSCLOSE_CLASS_WINHTTP, false},
    {1004, NULL, NULL, NULL, NULL, "Reserved", WSCLOSE_CLASS_RESERVED, false},
    {1005, "WINHTTP_WEB_SOCKET_EMPTY_CLOSE_STATUS", "The close message was empty.",
     "WEB_SOCKET_EMPTY_CLOSE_STATUS", "Empty", "No Status Rcvd", WSCLOSE_CLASS_WINHTTP, true},
    {1006, "WINHTTP_WEB_SOCKET_ABORTED_CLOSE_STATUS", "The connection was aborted.",
     "WEB_SOCKET_ABORTED_CLOSE_STATUS", NULL, "Abnormal Closure", WSCLOSE_CLASS_WINHTTP, true},
    {1007, "WINHTTP_WEB_SOCKET_INVALID_PAYLOAD_CLOSE_STATUS", "The payload was invalid.",
     "WEB_SOCKET_INVALID_PAYLOAD_CLOSE_STATUS", "InvalidPayloadData", "Invalid frame payload data",
     WSCLOSE_CLASS_WINHTTP, false},
    {1008, "WINHTTP_WEB_SOCKET_POLICY_VIOLATION_CLOSE_STATUS",
     "The message violates an endpoint's policy.", "WEB_SOCKET_POLICY_VIOLATION_CLOSE_STATUS",
     "PolicyViolation", "Policy Violation", WSCLOSE_CLASS_WINHTTP, false},
    {1009, "WINHTTP_WEB_SOCKET_MESSAGE_TOO_BIG_CLOSE_STATUS",
     "The message sent was too large to process.", "WEB_SOCKET_MESSAGE_TOO_BIG_CLOSE_STATUS",
     "MessageTooBig", "Message Too Big", WSCLOSE_CLASS_WINHTTP, false},
    {1010, "WINHTTP_WEB_SOCKET_UNSUPPORTED_EXTENSIONS_CLOSE_STATUS",
     "A client endpoint expected the server to negotiate one or more extensions, but the server "
     "didn't return them in the response message of the WebSocket handshake.",
     "WEB_SOCKET_UNSUPPORTED_EXTENSIONS_CLOSE_STATUS", "MandatoryExtension", "Mandatory Ext.",
     WSCLOSE_CLASS_WINHTTP, false},
    {1011, "WINHTTP_WEB_SOCKET_SERVER_ERROR_CLOSE_STATUS",
     "An unexpected condition prevented the server from fulfilling the request.",
     "WEB_SOCKET_SERVER_ERROR_CLOSE_STATUS", "InternalServerError", "Internal Error",
     WSCLOSE_CLASS_WINHTTP, false},
    {1012, NULL, NULL, NULL, NULL, "Service Restart", WSCLOSE_CLASS_IANA, false},
    {1013, NULL, NULL, NULL, NULL, "Try Again Later", WSCLOSE_CLASS_IANA, false},
    {1014, NULL, NULL, NULL, NULL, "Bad Gateway", WSCLOSE_CLASS_IANA, false},
    {1015, "WINHTTP_WEB_SOCKET_SECURE_HANDSHAKE_ERROR_CLOSE_STATUS",
     "The TLS handshake could not be completed.", "WEB_SOCKET_SECURE_HANDSHAKE_ERROR_CLOSE_STATUS",
     NULL, "TLS handshake", WSCLOSE_CLASS_WINHTTP, true},
};

/* The class of every code, from the IANA ranges (0-999 not used, 1000-2999 the protocol's,
 * 3000-3999 registered, 4000-4999 private use, 5000 and above not valid; 1016-1999
 * unassigned and 2000-2999 for extensions are both "Reserved" to a WinHTTP application),
 * with the enum values and the IANA-only names of 1000-1015 above. */
typedef struct {
    unsigned first, last;
    wsclose_class_t cls;
} doc_range_t;

static const doc_range_t doc_ranges[] = {
    {0, 999, WSCLOSE_CLASS_INVALID},      {1000, 1003, WSCLOSE_CLASS_WINHTTP},
    {1004, 1004, WSCLOSE_CLASS_RESERVED}, {1005, 1011, WSCLOSE_CLASS_WINHTTP},
    {1012, 1014, WSCLOSE_CLASS_IANA},     {1015, 1015, WSCLOSE_CLASS_WINHTTP},
    {1016, 2999, WSCLOSE_CLASS_RESERVED}, {3000, 3999, WSCLOSE_CLASS_REGISTERED},
    {4000, 4999, WSCLOSE_CLASS_PRIVATE},  {5000, 65535, WSCLOSE_CLASS_INVALID},
};

/* The class boundaries, and values beyond 16 bits that a caller may pass as unsigned. */
static const struct {
    unsigned code;
    wsclose_class_t cls;
} boundaries[] = {
    {0, WSCLOSE_CLASS_INVALID},       {999, WSCLOSE_CLASS_INVALID},
    {1000, WSCLOSE_CLASS_WINHTTP},    {1015, WSCLOSE_CLASS_WINHTTP},
    {1016, WSCLOSE_CLASS_RESERVED},   {1999, WSCLOSE_CLASS_RESERVED},
    {2000, WSCLOSE_CLASS_RESERVED},   {2999, WSCLOSE_CLASS_RESERVED},
    {3000, WSCLOSE_CLASS_REGISTERED}, {3999, WSCLOSE_CLASS_REGISTERED},
    {4000, WSCLOSE_CLASS_PRIVATE},    {4999, WSCLOSE_CLASS_PRIVATE},
    {5000, WSCLOSE_CLASS_INVALID},    {65535, WSCLOSE_CLASS_INVALID},
    {65536, WSCLOSE_CLASS_INVALID},   {UINT_MAX, WSCLOSE_CLASS_INVALID},
};

#define N_ELEMENTS(a) (sizeof(a) / sizeof((a)[0]))

static void
test_rows(void)
{
    size_t i;

    /* One row for each code 1000-1015, in order. */
    UNIT_EQ_UINT(16, N_ELEMENTS(doc_rows));
    for (i = 0; i < N_ELEMENTS(doc_rows); i++) {
        const doc_row_t *row = &doc_rows[i];
        const wsclose_code_info_t *info = wsclose_code_info(row->code);

        unit_case("code %u", row->code);
        UNIT_EQ_UINT(1000 + i, row->code);
        if (!UNIT_EQ_BOOL(true, info != NULL))
            continue;
        UNIT_EQ_UINT(row->code, info->code);
        UNIT_EQ_STR(row->winhttp, info->winhttp);
        UNIT_EQ_STR(row->meaning, info->meaning);
        UNIT_EQ_STR(row->websocket_h, info->websocket_h);
        UNIT_EQ_STR(row->dotnet, info->dotnet);
        UNIT_EQ_STR(row->iana, info->iana);
        /* The WinHTTP row is that same row for an enum member, none for the others. */
        UNIT_EQ_PTR(row->winhttp ? info : NULL, wsclose_winhttp_status(row->code));
        UNIT_EQ_UINT(row->cls, wsclose_classify(row->code));
        UNIT_EQ_BOOL(row->api_only, wsclose_code_is_api_only(row->code));
    }
}

static void
test_boundaries(void)
{
    size_t i;

    for (i = 0; i < N_ELEMENTS(boundaries); i++) {
        unsigned code = boundaries[i].code;
        bool in_table = code >= 1000 && code <= 1015;

        unit_case("boundary %u", code);
        UNIT_EQ_UINT(boundaries[i].cls, wsclose_classify(code));
        UNIT_EQ_BOOL(in_table, wsclose_code_info(code) != NULL);
        UNIT_EQ_BOOL(in_table, wsclose_winhttp_status(code) != NULL);
        UNIT_EQ_BOOL(code == 1015, wsclose_code_is_api_only(code));
    }
}

/* Every 16-bit code: its class from the documented ranges; a table row only for 1000-1015
 * (checked field by field above); a WinHTTP row and the API-only flag only for the codes the
 * documentation gives them. */
static void
test_every_code(void)
{
    size_t r;

    UNIT_EQ_UINT(0, doc_ranges[0].first);
    for (r = 0; r < N_ELEMENTS(doc_ranges); r++) {
        unsigned code;

        if (r > 0)
            UNIT_EQ_UINT(doc_ranges[r - 1].last + 1, doc_ranges[r].first);
        for (code = doc_ranges[r].first; code <= doc_ranges[r].last; code++) {
            bool in_table = code >= 1000 && code <= 1015;
            bool winhttp = doc_ranges[r].cls == WSCLOSE_CLASS_WINHTTP;

            unit_case("code %u", code);
            UNIT_EQ_UINT(doc_ranges[r].cls, wsclose_classify(code));
            UNIT_EQ_BOOL(in_table, wsclose_code_info(code) != NULL);
            UNIT_EQ_BOOL(winhttp, wsclose_winhttp_status(code) != NULL);
            UNIT_EQ_BOOL(code == 1005 || code == 1006 || code == 1015,
                         wsclose_code_is_api_only(code));
        }
    }
    UNIT_EQ_UINT(65535, doc_ranges[N_ELEMENTS(doc_ranges) - 1].last);
}

static void
test_alias_and_api_codes(void)
{
    const wsclose_code_info_t *info;

    /* The page's second name for 1007, without a value of its own. */
    unit_case("alias of 1007");
    UNIT_EQ_STR("WINHTTP_WEB_SOCKET_INVALID_UTF8_CLOSE_STATUS", WSCLOSE_ALIAS_1007_NAME);
    UNIT_EQ_STR("UTF-8 frame carried an invalid UTF-8 stream.", WSCLOSE_ALIAS_1007_MEANING);
    info = wsclose_winhttp_status(1007);
    if (UNIT_EQ_BOOL(true, info != NULL))
        UNIT_EQ_STR("WINHTTP_WEB_SOCKET_INVALID_PAYLOAD_CLOSE_STATUS", info->winhttp);

    /* What QueryCloseStatus reports for an empty close payload, and for no close frame. */
    unit_case("API-only codes");
    UNIT_EQ_UINT(1005, WSCLOSE_EMPTY_CODE);
    UNIT_EQ_UINT(1006, WSCLOSE_ABORTED_CODE);
    info = wsclose_winhttp_status(WSCLOSE_EMPTY_CODE);
    if (UNIT_EQ_BOOL(true, info != NULL))
        UNIT_EQ_STR("WINHTTP_WEB_SOCKET_EMPTY_CLOSE_STATUS", info->winhttp);
    info = wsclose_winhttp_status(WSCLOSE_ABORTED_CODE);
    if (UNIT_EQ_BOOL(true, info != NULL))
        UNIT_EQ_STR("WINHTTP_WEB_SOCKET_ABORTED_CLOSE_STATUS", info->winhttp);
}

static void
test_class_labels(void)
{
    /* README's field reference, wsclose.range (with ASCII hyphens; the IANA-only name is
     * appended by the dissector). */
    unit_case("class labels");
    UNIT_EQ_STR("WinHTTP enum value", wsclose_class_label(WSCLOSE_CLASS_WINHTTP));
    UNIT_EQ_STR("IANA-registered, not in WinHTTP", wsclose_class_label(WSCLOSE_CLASS_IANA));
    UNIT_EQ_STR("Reserved (1004, 1016-2999)", wsclose_class_label(WSCLOSE_CLASS_RESERVED));
    UNIT_EQ_STR("Registered for libraries/frameworks (3000-3999)",
                wsclose_class_label(WSCLOSE_CLASS_REGISTERED));
    UNIT_EQ_STR("Private use (4000-4999)", wsclose_class_label(WSCLOSE_CLASS_PRIVATE));
    UNIT_EQ_STR("Invalid (0-999, 5000 and above)", wsclose_class_label(WSCLOSE_CLASS_INVALID));
    UNIT_EQ_UINT(6, WSCLOSE_CLASS_COUNT);
}

int
main(void)
{
    test_rows();
    test_boundaries();
    test_every_code();
    test_alias_and_api_codes();
    test_class_labels();
    return unit_finish("test_winhttp_status");
}
