/* winhttp_status.h
 * WebSocket close codes as Windows APIs and the IANA registry name them.
 *
 * Pure C on purpose (no epan): the table and the classification are unit-tested and
 * fuzzed without Wireshark.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#ifndef WINHTTP_STATUS_H
#define WINHTTP_STATUS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Where a close code stands, from the point of view of a WinHTTP application. */
typedef enum {
    WSCLOSE_CLASS_WINHTTP = 0, /* a WINHTTP_WEB_SOCKET_CLOSE_STATUS value */
    WSCLOSE_CLASS_IANA,        /* registered with IANA but not in the WinHTTP enum */
    WSCLOSE_CLASS_RESERVED,    /* 1004, 1016-2999 */
    WSCLOSE_CLASS_REGISTERED,  /* 3000-3999: libraries, frameworks, applications */
    WSCLOSE_CLASS_PRIVATE,     /* 4000-4999 */
    WSCLOSE_CLASS_INVALID,     /* 0-999, 5000 and above */
    WSCLOSE_CLASS_COUNT
} wsclose_class_t;

/* One close code and its name in each API that names it; NULL where an API has none. */
typedef struct {
    uint16_t code;
    const char *winhttp;     /* WINHTTP_WEB_SOCKET_CLOSE_STATUS member */
    const char *meaning;     /* the WinHTTP documentation's wording */
    const char *websocket_h; /* websocket.h WEB_SOCKET_*_CLOSE_STATUS */
    const char *dotnet;      /* System.Net.WebSockets.WebSocketCloseStatus */
    const char *iana;        /* IANA WebSocket Close Code Number Registry */
} wsclose_code_info_t;

/* The documentation page names 1007 a second time, without a value. */
#define WSCLOSE_ALIAS_1007_NAME "WINHTTP_WEB_SOCKET_INVALID_UTF8_CLOSE_STATUS"
#define WSCLOSE_ALIAS_1007_MEANING "UTF-8 frame carried an invalid UTF-8 stream."

/* What WinHttpWebSocketQueryCloseStatus reports when the close frame carried no code. */
#define WSCLOSE_EMPTY_CODE 1005
/* ...and when the connection ended without a close frame. */
#define WSCLOSE_ABORTED_CODE 1006

/* Row for a code in 1000-1015, or NULL outside that span. */
const wsclose_code_info_t *wsclose_code_info(unsigned code);

/* The WinHTTP row of a code, or NULL when the code is not in the WinHTTP enum. */
const wsclose_code_info_t *wsclose_winhttp_status(unsigned code);

wsclose_class_t wsclose_classify(unsigned code);

/* Human-readable class, e.g. "Private use (4000-4999)". */
const char *wsclose_class_label(wsclose_class_t cls);

/* The class in a few words, for a label beside the code, e.g. "private use". */
const char *wsclose_class_short_label(wsclose_class_t cls);

/* "NAME (code)", into buf (cut at size like snprintf). */
void wsclose_name_code_text(char *buf, size_t size, const char *name, unsigned code);

/* A status as WinHTTP names it, into buf (cut at size): "NAME (code)" for a member of the
 * enum, else "code (class)". */
void wsclose_status_text(char *buf, size_t size, unsigned code);

/* RFC 6455 7.4.1: 1005, 1006 and 1015 exist for APIs and must never be sent in a frame. */
bool wsclose_code_is_api_only(unsigned code);

#endif /* WINHTTP_STATUS_H */
