/* wsclose_watch.h
 * What carries no WebSocket bytes: the HTTP upgrade that opens a connection, and the TCP FIN
 * or RST that ends it.  The watch finds the aborts of each frame (RFC 6455 7.1.5) and the
 * upgrade responses a client must not accept (RFC 6455 4.1), and hands them to the
 * dissector to draw; while expert items are read (-z expert, the GUI's Expert
 * Information), during the frame's dissection, so that their expert items reach them.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#ifndef WSCLOSE_WATCH_H
#define WSCLOSE_WATCH_H

#include <epan/packet.h>

#include "close_handshake.h"
#include "wsclose_upgrade.h"

/* Draws a FIN or RST that ends conn or what one of its endpoints receives, with the aborts
 * there: called at most once per frame and pass. */
typedef void (*wsclose_draw_end_fn)(proto_tree *tree, tvbuff_t *tvb, packet_info *pinfo,
                                    const wsclose_connection_t *conn);

/* An Upgrade's response that keeps the client from using the connection. */
typedef struct {
    unsigned problems; /* wsclose_upgrade_problem_t bits */
    unsigned status;   /* the response's status code */
    uint32_t request_frame;
    char expected_accept[WSCLOSE_ACCEPT_LEN + 1]; /* "" when the request had no key */
} wsclose_upgrade_result_t;

/* Draws such a response: called at most once per frame and pass. */
typedef void (*wsclose_draw_upgrade_fn)(proto_tree *tree, tvbuff_t *tvb, packet_info *pinfo,
                                        const wsclose_upgrade_result_t *result);

/* Whether the tree shows an upgrade's items (shown, or a filter, column or field on them). */
typedef bool (*wsclose_upgrade_wanted_fn)(proto_tree *tree);

/* Whether anything reads expert items now (then the ends are found during the dissection,
 * so that their expert items reach every reader). */
typedef bool (*wsclose_experts_wanted_fn)(void);

/* From proto_register_wsclose.  experts_tapped: whether the expert tap reads expert items
 * (tshark -z expert, the GUI's Expert Information), which checks upgrades too; not a mere
 * reference to Wireshark's expert fields, which tshark 4.0's -T fields makes whatever it
 * prints. */
void wsclose_watch_register(int proto_wsclose, wsclose_draw_end_fn draw_end,
                            wsclose_draw_upgrade_fn draw_upgrade,
                            wsclose_upgrade_wanted_fn upgrade_wanted,
                            wsclose_experts_wanted_fn experts_wanted,
                            wsclose_experts_wanted_fn experts_tapped);

/* From proto_reg_handoff_wsclose. */
void wsclose_watch_handoff(void);

/* A WebSocket frame was seen: the ends of connections are watched from now on, by the
 * postdissector where expert items are read (experts_read). */
void wsclose_watch_websocket_seen(bool experts_read);

#endif /* WSCLOSE_WATCH_H */
