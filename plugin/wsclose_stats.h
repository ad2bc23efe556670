/* wsclose_stats.h
 * What the dissector notes about each packet for the statistics tree, kept in pinfo->pool:
 * the statistics tree runs on the tcp tap, after the packet has been dissected.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#ifndef WSCLOSE_STATS_H
#define WSCLOSE_STATS_H

#include <stdbool.h>

#include <epan/packet.h>

#include "close_handshake.h"

typedef struct {
    bool has_code; /* a status code was on the wire */
    guint16 code;
    bool empty; /* no payload: the application reports 1005 */
    ws_side_t from;
    ws_side_t initiator;
    bool duplicate;
    bool completes_handshake; /* a reply: both sides have now sent their close */
} wsclose_close_note_t;

typedef struct {
    wmem_list_t *closes;  /* wsclose_close_note_t * */
    wmem_list_t *experts; /* GINT_TO_POINTER(hf id of each expert item added) */
    unsigned new_connections;
    const ws_connection_t *counted_connection;
} wsclose_packet_note_t;

/* Whether a statistics tree is open: notes are only taken then. */
bool wsclose_stats_active(void);

/* This packet's note, created on first use. */
wsclose_packet_note_t *wsclose_packet_note(packet_info *pinfo);

/* This packet's note, or NULL when the dissector noted nothing. */
wsclose_packet_note_t *wsclose_packet_note_find(packet_info *pinfo);

/* A connection counts once, in the frame where wsclose started to follow it. */
void wsclose_note_connection(packet_info *pinfo, const ws_connection_t *conn);

void wsclose_stats_register(void);

#endif /* WSCLOSE_STATS_H */
