/* winhttp_status.c
 * The close code table, from Microsoft's WINHTTP_WEB_SOCKET_CLOSE_STATUS documentation,
 * websocket.h, .NET's WebSocketCloseStatus and the IANA registry.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include <stdio.h>
#include <string.h>

#include "winhttp_status.h"

#include <stddef.h>

#define FIRST_CODE 1000
#define LAST_CODE 1015

/* Indexed by code - FIRST_CODE, so a lookup is one bounds check. */
static const wsclose_code_info_t code_table[LAST_CODE - FIRST_CODE + 1] = {
    {1000, "WINHTTP_WEB_SOCKET_SUCCESS_CLOSE_STATUS", "The connection closed successfully.",
     "WEB_SOCKET_SUCCESS_CLOSE_STATUS", "NormalClosure", "Normal Closure"},
    {1001, "WINHTTP_WEB_SOCKET_ENDPOINT_TERMINATED_CLOSE_STATUS",
     "The peer is going away and terminating the connection.",
     "WEB_SOCKET_ENDPOINT_UNAVAILABLE_CLOSE_STATUS", "EndpointUnavailable", "Going Away"},
    {1002, "WINHTTP_WEB_SOCKET_PROTOCOL_ERROR_CLOSE_STATUS", "A protocol error occurred.",
     "WEB_SOCKET_PROTOCOL_ERROR_CLOSE_STATUS", "ProtocolError", "Protocol error"},
    {1003, "WINHTTP_WEB_SOCKET_INVALID_DATA_TYPE_CLOSE_STATUS",
     "Invalid data received by the peer.", "WEB_SOCKET_INVALID_DATA_TYPE_CLOSE_STATUS",
     "InvalidMessageType", "Unsupported Data"},
    {1004, NULL, NULL, NULL, NULL, "Reserved"},
    {1005, "WINHTTP_WEB_SOCKET_EMPTY_CLOSE_STATUS", "The close message was empty.",
     "WEB_SOCKET_EMPTY_CLOSE_STATUS", "Empty", "No Status Rcvd"},
    {1006, "WINHTTP_WEB_SOCKET_ABORTED_CLOSE_STATUS", "The connection was aborted.",
     "WEB_SOCKET_ABORTED_CLOSE_STATUS", NULL, "Abnormal Closure"},
    {1007, "WINHTTP_WEB_SOCKET_INVALID_PAYLOAD_CLOSE_STATUS", "The payload was invalid.",
     "WEB_SOCKET_INVALID_PAYLOAD_CLOSE_STATUS", "InvalidPayloadData", "Invalid frame payload data"},
    {1008, "WINHTTP_WEB_SOCKET_POLICY_VIOLATION_CLOSE_STATUS",
     "The message violates an endpoint's policy.", "WEB_SOCKET_POLICY_VIOLATION_CLOSE_STATUS",
     "PolicyViolation", "Policy Violation"},
    {1009, "WINHTTP_WEB_SOCKET_MESSAGE_TOO_BIG_CLOSE_STATUS",
     "The message sent was too large to process.", "WEB_SOCKET_MESSAGE_TOO_BIG_CLOSE_STATUS",
     "MessageTooBig", "Message Too Big"},
    {1010, "WINHTTP_WEB_SOCKET_UNSUPPORTED_EXTENSIONS_CLOSE_STATUS",
     "A client endpoint expected the server to negotiate one or more extensions, but the "
     "server didn't return them in the response message of the WebSocket handshake.",
     "WEB_SOCKET_UNSUPPORTED_EXTENSIONS_CLOSE_STATUS", "MandatoryExtension", "Mandatory Ext."},
    {1011, "WINHTTP_WEB_SOCKET_SERVER_ERROR_CLOSE_STATUS",
     "An unexpected condition prevented the server from fulfilling the request.",
     "WEB_SOCKET_SERVER_ERROR_CLOSE_STATUS", "InternalServerError", "Internal Error"},
    {1012, NULL, NULL, NULL, NULL, "Service Restart"},
    {1013, NULL, NULL, NULL, NULL, "Try Again Later"},
    {1014, NULL, NULL, NULL, NULL, "Bad Gateway"},
    {1015, "WINHTTP_WEB_SOCKET_SECURE_HANDSHAKE_ERROR_CLOSE_STATUS",
     "The TLS handshake could not be completed.", "WEB_SOCKET_SECURE_HANDSHAKE_ERROR_CLOSE_STATUS",
     NULL, "TLS handshake"},
};

const wsclose_code_info_t *
wsclose_code_info(unsigned code)
{
    if (code < FIRST_CODE || code > LAST_CODE)
        return NULL;
    return &code_table[code - FIRST_CODE];
}

const wsclose_code_info_t *
wsclose_winhttp_status(unsigned code)
{
    const wsclose_code_info_t *info = wsclose_code_info(code);

    return (info && info->winhttp) ? info : NULL;
}

wsclose_class_t
wsclose_classify(unsigned code)
{
    if (wsclose_winhttp_status(code))
        return WSCLOSE_CLASS_WINHTTP;
    if (code >= 1012 && code <= 1014)
        return WSCLOSE_CLASS_IANA;
    if (code >= 1000 && code <= 2999)
        return WSCLOSE_CLASS_RESERVED;
    if (code >= 3000 && code <= 3999)
        return WSCLOSE_CLASS_REGISTERED;
    if (code >= 4000 && code <= 4999)
        return WSCLOSE_CLASS_PRIVATE;
    return WSCLOSE_CLASS_INVALID;
}

const char *
wsclose_class_label(wsclose_class_t cls)
{
    switch (cls) {
    case WSCLOSE_CLASS_WINHTTP:
        return "WinHTTP enum value";
    case WSCLOSE_CLASS_IANA:
        return "IANA-registered, not in WinHTTP";
    case WSCLOSE_CLASS_RESERVED:
        return "Reserved (1004, 1016-2999)";
    case WSCLOSE_CLASS_REGISTERED:
        return "Registered for libraries/frameworks (3000-3999)";
    case WSCLOSE_CLASS_PRIVATE:
        return "Private use (4000-4999)";
    case WSCLOSE_CLASS_INVALID:
    default:
        return "Invalid (0-999, 5000 and above)";
    }
}

const char *
wsclose_class_short_label(wsclose_class_t cls)
{
    switch (cls) {
    case WSCLOSE_CLASS_WINHTTP:
        return "WinHTTP";
    case WSCLOSE_CLASS_IANA:
        return "IANA-registered";
    case WSCLOSE_CLASS_RESERVED:
        return "reserved";
    case WSCLOSE_CLASS_REGISTERED:
        return "registered";
    case WSCLOSE_CLASS_PRIVATE:
        return "private use";
    case WSCLOSE_CLASS_INVALID:
    default:
        return "invalid";
    }
}

void
wsclose_name_code_text(char *buf, size_t size, const char *name, unsigned code)
{
    const size_t name_len = strlen(name);
    char digits[10];
    size_t d = sizeof(digits), used = name_len;
    unsigned v = code;

    /* Built for every close frame a tree shows: without snprintf where it fits. */
    if (size < name_len + sizeof(digits) + 4) {
        snprintf(buf, size, "%s (%u)", name, code);
        return;
    }
    do {
        digits[--d] = (char)('0' + v % 10);
        v /= 10;
    } while (v);
    memcpy(buf, name, name_len);
    buf[used++] = ' ';
    buf[used++] = '(';
    memcpy(buf + used, digits + d, sizeof(digits) - d);
    used += sizeof(digits) - d;
    buf[used++] = ')';
    buf[used] = '\0';
}

void
wsclose_status_text(char *buf, size_t size, unsigned code)
{
    const wsclose_code_info_t *info = wsclose_winhttp_status(code);

    if (info)
        wsclose_name_code_text(buf, size, info->winhttp, code);
    else
        snprintf(buf, size, "%u (%s)", code, wsclose_class_label(wsclose_classify(code)));
}

bool
wsclose_code_is_api_only(unsigned code)
{
    return code == 1005 || code == 1006 || code == 1015;
}
