/* wsclose_note.h
 * Per-packet notes: what the dissector found in a packet, kept for the statistics tree,
 * which runs after the packet's dissection.  Notes are made only while a statistics tree
 * is open, in the packet's own memory pool.  The dissector's expert items are added here,
 * so that each is counted.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#ifndef WSCLOSE_NOTE_H
#define WSCLOSE_NOTE_H

#include <stdbool.h>
#include <stdint.h>

#include <epan/expert.h>
#include <epan/packet.h>

#include "close_handshake.h"

typedef struct {
    bool has_code; /* a status code was on the wire */
    uint16_t code;
    bool empty; /* no payload: the application reports 1005 */
    wsclose_side_t from;
    wsclose_side_t initiator;
    bool duplicate;
    bool completes_handshake; /* a reply: both sides have now sent their close */
    bool clean;               /* ... and the client's WinHTTP accepted the server's */
} wsclose_close_note_t;

typedef struct {
    /* The connection this packet's items concern (the last one met, in the rare frame that
     * carries several). */
    const wsclose_connection_t *connection;
    wmem_list_t *closes;  /* wsclose_close_note_t * */
    wmem_list_t *experts; /* GINT_TO_POINTER(hf id of each expert item added) */
    unsigned new_connections;
    const wsclose_connection_t *counted_connection;
    bool aborted[2];         /* by wsclose_side_t: this endpoint's connection aborted here */
    bool connection_aborted; /* the first abort of its connection is here */
    wsclose_side_t ended_by; /* with connection_aborted: who ended the TCP connection */
} wsclose_packet_note_t;

void wsclose_note_register(int proto_wsclose);

/* A reader (a statistics tree) opens or closes: notes are made while there is one. */
void wsclose_note_reader(bool opens);

bool wsclose_note_wanted(void);

/* This packet's note, made if needed. */
wsclose_packet_note_t *wsclose_packet_note(packet_info *pinfo);

/* This packet's note, or NULL. */
wsclose_packet_note_t *wsclose_packet_note_find(packet_info *pinfo);

/* Counts an expert item by kind for the statistics tree (it was added, or would have been
 * where nothing reads it). */
void wsclose_note_expert(packet_info *pinfo, expert_field *ei);

/* Adds an expert item and counts it. */
void wsclose_note_add_expert(packet_info *pinfo, proto_item *ti, expert_field *ei);

/* The same with a message of its own (4.0 exports no va_list form of
 * expert_add_info_format(), hence the formatted copy). */
void wsclose_note_add_expert_format(packet_info *pinfo, proto_item *ti, expert_field *ei,
                                    const char *fmt, ...) G_GNUC_PRINTF(4, 5);

/* Counts a connection on the packet where wsclose started to follow it. */
void wsclose_note_connection(packet_info *pinfo, const wsclose_connection_t *conn);

#endif /* WSCLOSE_NOTE_H */
