/* packet-wsclose.h
 * What the hook (wsclose_hook.c) calls in the close frame dissector.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#ifndef PACKET_WSCLOSE_H
#define PACKET_WSCLOSE_H

#include <stdbool.h>

#include <epan/packet.h>

/*
 * Label the close frames among the WebSocket frames that start at offset 0 of tvb, right
 * after the built-in WebSocket dissector has dissected that same tvb.  could_desegment is
 * whether the built-in dissector could ask TCP for more data: if so, it skipped an
 * incomplete last frame (it will see it again, reassembled), and so does this walk.
 */
void wsclose_scan(tvbuff_t *tvb, packet_info *pinfo, proto_tree *tree, bool could_desegment);

#endif /* PACKET_WSCLOSE_H */
