/* packet-wsclose.h
 * What the hook (ws_hook.c) calls in the close frame dissector.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#ifndef PACKET_WSCLOSE_H
#define PACKET_WSCLOSE_H

#include <stdbool.h>

#include <epan/packet.h>

/* The WebSocket frames of a tvb the built-in WebSocket dissector has just dissected. */
void wsclose_scan(tvbuff_t *tvb, packet_info *pinfo, proto_tree *tree, bool could_desegment);

#endif /* PACKET_WSCLOSE_H */
