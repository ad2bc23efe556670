/* close_handshake.h
 * Per-connection analysis of the WebSocket closing handshake: who closed first, whether
 * and when the peer answered, with which status, and whether the TCP connection ended
 * before a side sent its close frame (its peer's WinHTTP application then reports 1006).
 *
 * State lives in conversation data (one small struct per WebSocket connection that
 * closes or ends, file scope), so memory grows with connections, not packets.  Everything
 * shown on a frame is derived from that state: in a first pass only what is known so far,
 * in later passes (GUI, tshark -2) the forward links too.
 *
 * Cost: nothing is looked up for WebSocket data frames unless a connection is half-closed,
 * and nothing at all runs for traffic without WebSocket (the FIN/RST watch and the
 * postdissector are registered once WebSocket, or an abort, has been seen).  A conversation
 * lookup is the largest cost of a close frame, so a connection is looked up once: its later
 * close frames find it in a small port-pair cache that the tcp tap keeps honest (a SYN on
 * the same ports empties the slot; without taps the cache is not used), its FIN or RST by
 * the tcp.stream the tap learnt at its first close, later passes by frame number.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#ifndef CLOSE_HANDSHAKE_H
#define CLOSE_HANDSHAKE_H

#include <stdbool.h>

#include <epan/packet.h>

typedef enum { WS_SIDE_CLIENT = 0, WS_SIDE_SERVER = 1 } ws_side_t;

#define WS_PEER(side) ((ws_side_t)(1 - (side)))

typedef struct {
    guint32 close_frame; /* first close frame this side sent; 0: none (yet) */
    nstime_t close_time;
    guint16 close_status; /* status the peer's application reports for it */
    bool close_status_known;
    guint32 data_after_close; /* first data frame this side sent after its close */
} ws_endpoint_t;

typedef struct {
    ws_endpoint_t side[2];
    guint32 first_frame; /* where wsclose started to follow this connection */
    bool server_known;
    address server_addr; /* its data is server_addr_data when it fits (IPv4, IPv6) */
    guint8 server_addr_data[16];
    guint32 server_port;
    guint32 end_frame; /* first FIN or RST of the TCP connection; 0: none (yet) */
    bool end_rst;
    bool stream_known; /* its tcp.stream has been learnt (see close_handshake_tcp_packet) */
} ws_connection_t;

/* Close frames of each side met so far in one walk over one tvb (one packet). */
typedef struct {
    ws_connection_t *conn;
    unsigned closes[2];
} ws_walk_t;

/* What one close frame is in its connection's closing handshake. */
typedef struct {
    ws_side_t from;
    ws_side_t initiator;
    guint32 duplicate_of; /* this side's first close frame, when this is another one */
    guint32 request_in;   /* the close this one answers */
    guint32 reply_in;     /* the close that answered this one (known in later passes) */
    nstime_t reply_time;  /* from the initiating close to this reply */
    bool status_differs;  /* a reply whose status is not the initiator's */
    guint16 request_status;
} ws_close_analysis_t;

/* A WebSocket tvb is about to be walked: starts the FIN/RST watch on first use. */
void close_handshake_websocket_seen(void);

/* The connection of this packet, created (as file-scope conversation data) if needed;
 * sender_masked tells the client from the server (RFC 6455 5.1). */
ws_connection_t *close_handshake_connection(packet_info *pinfo, bool sender_masked);

/* The connection of this packet if it is a WebSocket connection, created if needed but
 * without telling client from server; NULL otherwise. */
ws_connection_t *close_handshake_websocket_connection(packet_info *pinfo);

ws_side_t close_handshake_side(const ws_connection_t *conn, const packet_info *pinfo);

const char *close_handshake_side_name(ws_side_t side);

/* A close frame from the sender of this packet; status_known is false when the payload
 * carries no readable status (1 byte, or not captured). */
void close_handshake_close(ws_walk_t *walk, packet_info *pinfo, bool status_known, guint16 status,
                           ws_close_analysis_t *out);

/* A data frame from the sender of this packet: the sender's close frame number when this
 * is the first data frame it sent after its close frame, else 0. */
guint32 close_handshake_data(ws_walk_t *walk, packet_info *pinfo, ws_side_t *from);

/* Sides that had sent no close frame when the connection ended (FIN/RST). */
bool close_handshake_side_aborted(const ws_connection_t *conn, ws_side_t side);

/* A TCP packet, after dissection (from a tcp tap): its FIN or RST may end a WebSocket
 * connection.  Idempotent, so every tcp tap listener that needs it may call it. */
struct tcpheader;
void close_handshake_tcp_packet(packet_info *pinfo, epan_dissect_t *edt,
                                const struct tcpheader *tcph);

void close_handshake_register(int proto_wsclose);
void close_handshake_handoff(void);

/* Provided by the dissector: the items for a connection's end without a close frame. */
void wsclose_show_abort(proto_tree *tree, tvbuff_t *tvb, packet_info *pinfo,
                        const ws_connection_t *conn);

#endif /* CLOSE_HANDSHAKE_H */
