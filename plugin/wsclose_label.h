/* wsclose_label.h
 * The words wsclose puts in the Info column and the subtree title: each close code named in
 * the name set the user chose, and each situation (a status, no status code, a code for
 * APIs sent on the wire, an abort) worded so that it never reads like another.
 *
 * Pure C (no epan), unit-tested.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#ifndef WSCLOSE_LABEL_H
#define WSCLOSE_LABEL_H

#include <stdbool.h>
#include <stddef.h>

/* Which API's names the labels use (the preference wsclose.name_set). */
typedef enum {
    WSCLOSE_NAMES_WINHTTP,
    WSCLOSE_NAMES_WEBSOCKET_H,
    WSCLOSE_NAMES_DOTNET,
    WSCLOSE_NAMES_IANA,
    WSCLOSE_NAMES_NONE,
} wsclose_name_set_t;

/* The name of a code in a name set, or NULL. */
const char *wsclose_label_name(wsclose_name_set_t set, unsigned code);

/* The Info column label of a close frame's status (empty: no payload, the receiver reports
 * code 1005): the name itself, or the label written into buf; NULL when the name set asks
 * for none. */
const char *wsclose_label_status(char *buf, size_t size, wsclose_name_set_t set, unsigned code,
                                 bool empty);

/* What the subtree title says after "WebSocket Close Status (WinHTTP): ". */
void wsclose_label_title(char *buf, size_t size, wsclose_name_set_t set, unsigned code, bool empty);

/* The Info column label of an abort: the endpoint affected, the name its ending has in the
 * name set (RFC 6455 7.1.5's 1006), and what ended it ("FIN from the server", and ", after
 * the client's FIN" when the other side had ended the TCP connection first). */
void wsclose_label_abort(char *buf, size_t size, wsclose_name_set_t set, const char *endpoint,
                         const char *how, const char *after);

#endif /* WSCLOSE_LABEL_H */
