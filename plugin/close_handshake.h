/* close_handshake.h
 * Per-connection analysis of the WebSocket closing handshake: who closed first, whether
 * and when the peer answered, with which status, and, for each endpoint, whether what it
 * receives ended (the peer's FIN, or an RST from either side) before the peer's close frame
 * arrived: RFC 6455 7.1.5's abnormal closure (1006).
 *
 * Roles: the client is the side that sent the HTTP Upgrade request (HTTP's own record of
 * the 101); without a handshake in the capture, the TCP SYN's server port, then the mask
 * bit of the first close frame (RFC 6455 5.1: clients mask, servers do not).
 *
 * State lives in conversation data (one small struct per WebSocket connection that
 * closes or ends, file scope), so memory grows with connections, not packets.  Everything
 * shown on a frame is derived from that state: in a first pass only what is known so far,
 * in later passes (GUI, tshark -2) the forward links too.  This module only records and
 * reports; the dissector draws.
 *
 * Cost: nothing is looked up for WebSocket data frames unless a connection is half-closed.
 * A conversation lookup is the largest cost of a close frame, so a connection is looked up
 * once: its later close frames, FIN and RST find it in a small port-pair cache that the tcp
 * tap keeps honest (a SYN on the same ports empties the slot; without taps the cache is not
 * used), later passes by frame number.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#ifndef CLOSE_HANDSHAKE_H
#define CLOSE_HANDSHAKE_H

#include <stdbool.h>
#include <stdint.h>

#include <epan/packet.h>

typedef enum { WSCLOSE_SIDE_CLIENT = 0, WSCLOSE_SIDE_SERVER = 1 } wsclose_side_t;

#define WSCLOSE_PEER(side) ((wsclose_side_t)(1 - (side)))

typedef struct {
    uint32_t close_frame; /* first close frame this side sent; 0: none (yet) */
    nstime_t close_time;
    uint16_t close_status; /* status the peer's application reports for it */
    bool close_status_known;
    bool close_invalid;        /* it breaks a frame rule a receiver checks (1 byte, over 125) */
    uint16_t close_len;        /* its payload length on the wire (65535: that or more) */
    uint32_t data_after_close; /* first data frame this side sent after its close */
    uint32_t recv_end_frame;   /* the peer's FIN, or an RST, that ended what this side
                                 receives; 0: none (yet) */
    bool recv_end_rst;
    bool aborted; /* what it receives ended before the peer's close frame arrived */
} wsclose_endpoint_t;

typedef struct {
    wsclose_endpoint_t side[2];
    uint32_t first_frame; /* where wsclose started to follow this connection */
    bool server_known;
    address server_addr; /* its data is server_addr_data when it fits (IPv4, IPv6) */
    uint8_t server_addr_data[16];
    uint32_t server_port;
    uint32_t end_frame;    /* first FIN or RST of the TCP connection; 0: none (yet) */
    wsclose_side_t end_by; /* who sent it: who ended the TCP connection */
    bool end_rst;
    uint32_t abort_frame;      /* first frame where an endpoint's connection aborted; 0: none */
    bool roles_from_handshake; /* server_addr is the 101's sender, not a guess from a mask */
} wsclose_connection_t;

/* Close frames of each side met so far in one walk over one tvb (one packet). */
typedef struct {
    wsclose_connection_t *conn;
    unsigned closes[2];
} wsclose_walk_t;

/* What one close frame is in its connection's closing handshake. */
typedef struct {
    wsclose_side_t from;
    wsclose_side_t initiator;
    uint32_t duplicate_of; /* this side's first close frame, when this is another one */
    uint32_t request_in;   /* the close this one answers */
    uint32_t reply_in;     /* the close that answered this one (known in later passes) */
    nstime_t reply_time;   /* from the initiating close to this reply */
    bool status_differs;   /* a reply whose status is not the initiator's */
    uint16_t request_status;
    uint16_t reply_status; /* this reply's status, as the peer's application reports it */
    bool completes;        /* a reply: both sides have now sent their close */
    bool clean;            /* completes, and the server's close is one a WinHTTP client accepts */
} wsclose_analysis_t;

/* The connection of this packet, created (as file-scope conversation data) if needed;
 * sender_masked tells the client from the server when no handshake does. */
wsclose_connection_t *wsclose_handshake_connection(packet_info *pinfo, bool sender_masked);

/* The connection of this packet if it is a WebSocket connection, created if needed; NULL
 * otherwise. */
wsclose_connection_t *wsclose_handshake_websocket_connection(packet_info *pinfo);

/* An HTTP response (from the http tap): whether it may be the 101 that upgrades its
 * connection to WebSocket, whose end is then to be watched for. */
bool wsclose_handshake_upgrade_response(unsigned response_code);

wsclose_side_t wsclose_handshake_side(const wsclose_connection_t *conn, const packet_info *pinfo);

const char *wsclose_handshake_side_name(wsclose_side_t side);

/* A close frame from the sender of this packet, wire_len bytes of payload on the wire;
 * status_known is false when the payload carries no readable status (1 byte, or not
 * captured); invalid when it breaks a frame rule a receiver checks (a 1-byte payload, over
 * 125 bytes). */
void wsclose_handshake_close(wsclose_walk_t *walk, packet_info *pinfo, uint64_t wire_len,
                             bool status_known, uint16_t status, bool invalid,
                             wsclose_analysis_t *out);

/* A data frame from the sender of this packet: the sender's close frame number when this
 * is the first data frame it sent after its close frame, else 0. */
uint32_t wsclose_handshake_data(wsclose_walk_t *walk, packet_info *pinfo, wsclose_side_t *from);

/* Whether the closing handshake completed, as the client's WinHTTP sees it, so far: "complete",
 * or "incomplete: " and why not. */
const char *wsclose_handshake_outcome(const wsclose_connection_t *conn);

/* Whether this endpoint's connection aborted at this frame (its receiving direction ended
 * there, before the peer's close frame). */
bool wsclose_handshake_aborted_at(const wsclose_connection_t *conn, wsclose_side_t side,
                                  uint32_t frame);

/* A TCP packet, after dissection (from a tcp tap): its FIN or RST may end what an endpoint
 * of a WebSocket connection receives; a SYN may start a new connection on cached ports.
 * Returns the connection when this frame ends the TCP connection or what one of its
 * endpoints receives, with *aborted saying whether an endpoint aborted here, else NULL.
 * Idempotent, so every pass that runs taps may call it. */
struct tcpheader;
const wsclose_connection_t *
wsclose_handshake_tcp_packet(packet_info *pinfo, const struct tcpheader *tcph, bool *aborted);

/* Later passes: the connection an endpoint of which aborted at this frame, or NULL. */
const wsclose_connection_t *wsclose_handshake_aborted_in(const packet_info *pinfo);

/* The request URI of the HTTP Upgrade that made this packet's connection a WebSocket
 * connection (HTTP's record of it, file scope), or NULL when the capture lacks it.  Looks
 * the conversation up: for readers that run per connection, not per packet. */
const char *wsclose_handshake_request_uri(packet_info *pinfo);

void wsclose_handshake_register(int proto_wsclose);
void wsclose_handshake_handoff(void);

#endif /* CLOSE_HANDSHAKE_H */
