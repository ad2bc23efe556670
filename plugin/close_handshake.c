/* close_handshake.c
 * Per-connection closing handshake analysis.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include <string.h>

#include <epan/conversation.h>
#include <epan/dissectors/packet-http.h>
#include <epan/dissectors/packet-tcp.h>
#include <epan/packet.h>

#include "close_handshake.h"
#include "wsclose_compat.h"

/* Registration-time constants. */
static int proto_wsclose = -1;
static int proto_websocket = -1;
static int proto_http = -1;
static int proto_tcp = -1;

/*
 * Connections met lately, by port pair, so that a connection's later close frames skip the
 * conversation lookup (the largest cost of a close frame).  A slot is trusted only once the
 * tcp tap has seen the frame that filled it: the tap then also sees every SYN, and a SYN on
 * the same ports may start a new connection (TCP starts a new conversation there), so it
 * empties the slot.  Without taps (tshark -2's first pass) no slot is ever trusted and every
 * close frame looks its conversation up.
 */
#define RECENT_SLOTS 256
typedef struct {
    wsclose_connection_t *conn; /* NULL: empty */
    uint32_t frame;             /* the close frame that filled it */
    bool confirmed;             /* the tcp tap has seen that frame */
    uint8_t addr_len;           /* IPv4 or IPv6 only */
    uint16_t port[2]; /* [0] from the sender of the frame that filled it, [1] to its receiver */
    uint8_t addr[2][16];
} recent_conn_t;

/* Everything this module knows about the open file: made by the init routine, dropped by
 * the cleanup routine. */
static struct {
    /* What HTTP switches a connection to after a 101 with "Upgrade: websocket". */
    dissector_handle_t websocket_upgrade_handle;
    /* FIN/RST frames where an endpoint's connection aborted, by frame number. */
    wmem_map_t *abort_frames;
    /* What a FIN or RST has found about its TCP stream (tcp.stream + 1): the connection, or
     * &per_file.not_websocket; the stream's later FINs skip the conversation lookup. */
    wmem_map_t *stream_seen;
    int not_websocket;
    /* Close frames whose connection the first pass had to look up (the others came from
     * the cache), by frame number: later passes find it there again. */
    wmem_map_t *looked_up_frames;
    /* First data frames sent after the sender's close, by frame number. */
    wmem_map_t *data_after_close_frames;
    /* Connections with a close frame and no FIN/RST yet (first pass): only while there
     * are any can a data frame come after its sender's close. */
    unsigned closing;
    /* Client ports of connections that have a close frame (one bit per port): a data
     * frame whose ports are not among them cannot come after its sender's close, so it
     * needs no conversation lookup. */
    uint8_t *closing_ports;
    recent_conn_t recent[RECENT_SLOTS];
} per_file;

#define RECENT_SLOT(port_a, port_b) (&per_file.recent[((port_a) ^ (port_b)) & (RECENT_SLOTS - 1)])

#define PORT_BIT_SET(map, port) ((map)[(port) >> 3] |= (uint8_t)(1u << ((port)&7)))
#define PORT_BIT(map, port) ((map)[(port) >> 3] & (1u << ((port)&7)))

static wsclose_connection_t *
connection_of(conversation_t *conv)
{
    return (wsclose_connection_t *)conversation_get_proto_data(conv, proto_wsclose);
}

static wsclose_connection_t *
new_connection(conversation_t *conv, packet_info *pinfo)
{
    wsclose_connection_t *conn = wmem_new0(wmem_file_scope(), wsclose_connection_t);

    conn->first_frame = pinfo->num;
    conversation_add_proto_data(conv, proto_wsclose, conn);
    return conn;
}

static bool
recent_addr_fits(const address *addr)
{
    return (addr->type == AT_IPv4 || addr->type == AT_IPv6) && addr->len <= 16;
}

/* Address bytes of a slot against an address of the same length (4 or 16 bytes): fixed-size
 * compares, since this runs for every close frame and every SYN. */
static bool
addr_bytes_equal(const uint8_t *slot, const void *data, uint8_t len)
{
    uint32_t a4, b4;
    uint64_t a16[2], b16[2];

    if (len == 4) {
        memcpy(&a4, slot, 4);
        memcpy(&b4, data, 4);
        return a4 == b4;
    }
    if (len == 16) {
        memcpy(a16, slot, 16);
        memcpy(b16, data, 16);
        return a16[0] == b16[0] && a16[1] == b16[1];
    }
    return memcmp(slot, data, len) == 0;
}

/* Whether a slot holds these two endpoints (either way round). */
static bool
recent_holds(const recent_conn_t *r, const address *src, uint32_t sport, const address *dst,
             uint32_t dport)
{
    if (!r->conn || r->addr_len != src->len || src->len != dst->len || src->type != dst->type)
        return false;
    if (r->port[0] == sport && r->port[1] == dport)
        return addr_bytes_equal(r->addr[0], src->data, r->addr_len) &&
               addr_bytes_equal(r->addr[1], dst->data, r->addr_len);
    if (r->port[0] == dport && r->port[1] == sport)
        return addr_bytes_equal(r->addr[0], dst->data, r->addr_len) &&
               addr_bytes_equal(r->addr[1], src->data, r->addr_len);
    return false;
}

static wsclose_connection_t *
recent_lookup(const packet_info *pinfo)
{
    const recent_conn_t *r = RECENT_SLOT(pinfo->srcport, pinfo->destport);

    if (!r->confirmed ||
        !recent_holds(r, &pinfo->src, pinfo->srcport, &pinfo->dst, pinfo->destport))
        return NULL;
    return r->conn;
}

static void
recent_put(const packet_info *pinfo, wsclose_connection_t *conn)
{
    recent_conn_t *r = RECENT_SLOT(pinfo->srcport, pinfo->destport);

    if (pinfo->ptype != PT_TCP || !recent_addr_fits(&pinfo->src) ||
        pinfo->src.type != pinfo->dst.type || pinfo->src.len != pinfo->dst.len) {
        r->conn = NULL;
        return;
    }
    r->conn = conn;
    r->frame = pinfo->num;
    r->confirmed = false;
    r->addr_len = (uint8_t)pinfo->src.len;
    r->port[0] = (uint16_t)pinfo->srcport;
    r->port[1] = (uint16_t)pinfo->destport;
    memcpy(r->addr[0], pinfo->src.data, r->addr_len);
    memcpy(r->addr[1], pinfo->dst.data, r->addr_len);
}

/* The tcp tap's view of a packet, after its dissection: a SYN empties its slot; the visit to
 * the frame that filled a slot makes the slot trusted. */
static G_GNUC_NO_INLINE void
recent_tcp_packet(const packet_info *pinfo, const struct tcpheader *tcph)
{
    recent_conn_t *r = RECENT_SLOT(tcph->th_sport, tcph->th_dport);

    if (!r->conn || !recent_holds(r, &tcph->ip_src, tcph->th_sport, &tcph->ip_dst, tcph->th_dport))
        return;
    if (tcph->th_flags & TH_SYN) {
        r->conn = NULL;
        r->confirmed = false;
    } else if (r->frame == pinfo->num) {
        r->confirmed = true;
    }
}

static void
set_server(wsclose_connection_t *conn, const address *addr, uint32_t port)
{
    if (addr->len > 0 && (size_t)addr->len <= sizeof(conn->server_addr_data)) {
        memcpy(conn->server_addr_data, addr->data, addr->len);
        set_address(&conn->server_addr, addr->type, addr->len, conn->server_addr_data);
    } else {
        copy_address_wmem(wmem_file_scope(), &conn->server_addr, addr);
    }
    conn->server_port = port;
    conn->server_known = true;
}

/* HTTP's record of the 101 that switched this connection to WebSocket ("Upgrade:
 * websocket"), or NULL. */
static const http_conv_t *
websocket_upgrade(conversation_t *conv)
{
    const http_conv_t *http = (const http_conv_t *)conversation_get_proto_data(conv, proto_http);

    if (http && http->startframe && http->next_handle &&
        http->next_handle == per_file.websocket_upgrade_handle)
        return http;
    return NULL;
}

/*
 * Who is the server, from the handshakes in the capture: HTTP's record of the 101 that
 * switched this connection to WebSocket (its sender is the server), else the port the TCP
 * SYN went to.  HTTP keeps that record in its conversation data (http_conv_t, public in
 * packet-http.h of every version from 4.0 to 4.6).
 */
static void
learn_roles(wsclose_connection_t *conn, conversation_t *conv, const packet_info *pinfo)
{
    const http_conv_t *http;
    const struct tcp_analysis *tcpd;

    if (conn->roles_from_handshake)
        return;
    http = websocket_upgrade(conv);
    if (http && http->server_port && http->server_addr.type != AT_NONE) {
        set_server(conn, &http->server_addr, http->server_port);
        conn->roles_from_handshake = true;
        return;
    }
    if (conn->server_known)
        return;
    tcpd = (const struct tcp_analysis *)conversation_get_proto_data(conv, proto_tcp);
    if (!tcpd || !tcpd->server_port || pinfo->srcport == pinfo->destport)
        return;
    if (pinfo->srcport == tcpd->server_port)
        set_server(conn, &pinfo->src, pinfo->srcport);
    else if (pinfo->destport == tcpd->server_port)
        set_server(conn, &pinfo->dst, pinfo->destport);
}

wsclose_connection_t *
wsclose_handshake_connection(packet_info *pinfo, bool sender_masked)
{
    wsclose_connection_t *conn = NULL;

    /* Later passes find the connection where the first pass left it. */
    if (PINFO_FD_VISITED(pinfo))
        conn = (wsclose_connection_t *)wmem_map_lookup(per_file.looked_up_frames,
                                                       GUINT_TO_POINTER(pinfo->num));
    else
        conn = recent_lookup(pinfo);
    if (!conn) {
        conversation_t *conv = find_or_create_conversation(pinfo);

        conn = connection_of(conv);
        if (!conn)
            conn = new_connection(conv, pinfo);
        learn_roles(conn, conv, pinfo);
        if (!PINFO_FD_VISITED(pinfo)) {
            recent_put(pinfo, conn);
            wmem_map_insert(per_file.looked_up_frames, GUINT_TO_POINTER(pinfo->num), conn);
        }
    }
    if (!conn->server_known) {
        /* No handshake in the capture: RFC 6455 5.1, clients mask every frame, servers
         * none. */
        if (sender_masked)
            set_server(conn, &pinfo->dst, pinfo->destport);
        else
            set_server(conn, &pinfo->src, pinfo->srcport);
    }
    return conn;
}

wsclose_connection_t *
wsclose_handshake_websocket_connection(packet_info *pinfo)
{
    conversation_t *conv = find_conversation_pinfo(pinfo, 0);
    wsclose_connection_t *conn;

    if (!conv)
        return NULL;
    conn = connection_of(conv);
    /* The built-in dissector keeps its own data on every WebSocket connection it has seen
     * bytes of; one that ended right after its 101 has only HTTP's record of the upgrade. */
    if (!conn && (conversation_get_proto_data(conv, proto_websocket) || websocket_upgrade(conv)))
        conn = new_connection(conv, pinfo);
    if (conn)
        learn_roles(conn, conv, pinfo);
    return conn;
}

bool
wsclose_handshake_upgrade_response(unsigned response_code)
{
    /* Only whether one may be a WebSocket upgrade: its FIN or RST looks the rest up. */
    return response_code == 101 && per_file.websocket_upgrade_handle;
}

wsclose_side_t
wsclose_handshake_side(const wsclose_connection_t *conn, const packet_info *pinfo)
{
    return (conn->server_known && pinfo->srcport == conn->server_port &&
            addresses_equal(&pinfo->src, &conn->server_addr))
               ? WSCLOSE_SIDE_SERVER
               : WSCLOSE_SIDE_CLIENT;
}

const char *
wsclose_handshake_side_name(wsclose_side_t side)
{
    return side == WSCLOSE_SIDE_SERVER ? "server" : "client";
}

/* Whether this side's first close frame is in an earlier frame. */
static bool
closed_before(const wsclose_endpoint_t *ep, uint32_t frame)
{
    return ep->close_frame != 0 && ep->close_frame < frame;
}

void
wsclose_handshake_close(wsclose_walk_t *walk, packet_info *pinfo, uint64_t wire_len,
                        bool status_known, uint16_t status, bool invalid, wsclose_analysis_t *out)
{
    wsclose_connection_t *conn = walk->conn;
    wsclose_side_t from = wsclose_handshake_side(conn, pinfo);
    wsclose_endpoint_t *me = &conn->side[from], *peer = &conn->side[WSCLOSE_PEER(from)];
    unsigned nth = walk->closes[from]++;

    memset(out, 0, sizeof(*out));
    out->from = from;
    /* Only the first pass writes state; later passes derive the same answers from it. */
    if (!PINFO_FD_VISITED(pinfo) && me->close_frame == 0) {
        if (peer->close_frame == 0 && conn->end_frame == 0) {
            per_file.closing++;
            PORT_BIT_SET(
                per_file.closing_ports,
                0xffff & (conn->server_port == pinfo->srcport ? pinfo->destport : pinfo->srcport));
        }
        me->close_frame = pinfo->num;
        me->close_time = pinfo->abs_ts;
        me->close_status = status;
        me->close_status_known = status_known;
        me->close_invalid = invalid;
        me->close_len = wire_len > 0xffff ? 0xffff : (uint16_t)wire_len;
    }
    if (me->close_frame != pinfo->num || nth > 0) {
        out->duplicate_of = me->close_frame;
        out->initiator = (peer->close_frame != 0 && peer->close_frame < me->close_frame)
                             ? WSCLOSE_PEER(from)
                             : from;
        return;
    }
    if (closed_before(peer, pinfo->num)) {
        out->initiator = WSCLOSE_PEER(from);
        out->request_in = peer->close_frame;
        nstime_delta(&out->reply_time, &me->close_time, &peer->close_time);
        out->status_differs = me->close_status_known && peer->close_status_known &&
                              me->close_status != peer->close_status;
        out->request_status = peer->close_status;
        out->reply_status = me->close_status;
        out->completes = true;
        out->clean = !conn->side[WSCLOSE_SIDE_SERVER].close_invalid;
    } else {
        out->initiator = from;
        out->reply_in = peer->close_frame; /* 0 until the reply has been seen */
    }
}

uint32_t
wsclose_handshake_data(wsclose_walk_t *walk, packet_info *pinfo, wsclose_side_t *from)
{
    wsclose_connection_t *conn;
    wsclose_endpoint_t *me;

    if (PINFO_FD_VISITED(pinfo)) {
        if (wmem_map_size(per_file.data_after_close_frames) == 0)
            return 0;
        conn = (wsclose_connection_t *)wmem_map_lookup(per_file.data_after_close_frames,
                                                       GUINT_TO_POINTER(pinfo->num));
        if (!conn)
            return 0;
        *from = wsclose_handshake_side(conn, pinfo);
        return conn->side[*from].data_after_close == pinfo->num ? conn->side[*from].close_frame : 0;
    }
    if (walk->closes[0] == 0 && walk->closes[1] == 0 &&
        (per_file.closing == 0 || !(PORT_BIT(per_file.closing_ports, pinfo->srcport & 0xffff) ||
                                    PORT_BIT(per_file.closing_ports, pinfo->destport & 0xffff))))
        return 0;
    conn = walk->conn;
    if (!conn)
        conn = recent_lookup(pinfo);
    if (!conn) {
        conversation_t *conv = find_conversation_pinfo(pinfo, 0);

        conn = conv ? connection_of(conv) : NULL;
        if (!conn)
            return 0;
        walk->conn = conn;
    }
    *from = wsclose_handshake_side(conn, pinfo);
    me = &conn->side[*from];
    if (me->data_after_close ||
        !(closed_before(me, pinfo->num) || (me->close_frame == pinfo->num && walk->closes[*from])))
        return 0;
    me->data_after_close = pinfo->num;
    wmem_map_insert(per_file.data_after_close_frames, GUINT_TO_POINTER(pinfo->num), conn);
    return me->close_frame;
}

/* Whether the closing handshake completed, as the client's WinHTTP sees it. */
const char *
wsclose_handshake_outcome(const wsclose_connection_t *c)
{
    const bool client = c->side[WSCLOSE_SIDE_CLIENT].close_frame != 0;
    const bool server = c->side[WSCLOSE_SIDE_SERVER].close_frame != 0;

    /* The client's WinHTTP rejects the server's close, answered or not. */
    if (server && c->side[WSCLOSE_SIDE_SERVER].close_invalid)
        return "incomplete: server's close rejected";
    if (client && server)
        return "complete";
    if (client)
        return "incomplete: client's close unanswered";
    if (server)
        return "incomplete: server's close unanswered";
    return "incomplete: no close frame";
}

bool
wsclose_handshake_aborted_at(const wsclose_connection_t *conn, wsclose_side_t side, uint32_t frame)
{
    const wsclose_endpoint_t *ep = &conn->side[side];

    return ep->aborted && ep->recv_end_frame == frame;
}

/*
 * RFC 6455 7.1.5, per direction: a FIN ends what its receiver receives, an RST what both
 * receive.  An endpoint whose receiving direction ends before the peer's close frame has
 * arrived (a close frame in the same segment as the FIN counts as arrived) closes
 * abnormally; a FIN after the sender's own close frame is a half-close.  Returns whether an
 * endpoint aborted here.
 */
static bool
record_end(wsclose_connection_t *conn, const packet_info *pinfo, bool rst, wsclose_side_t sender)
{
    bool aborted = false;
    unsigned e;

    for (e = WSCLOSE_SIDE_CLIENT; e <= WSCLOSE_SIDE_SERVER; e++) {
        wsclose_endpoint_t *ep = &conn->side[e];
        const wsclose_endpoint_t *peer = &conn->side[WSCLOSE_PEER(e)];

        if (ep->recv_end_frame || (!rst && e == sender))
            continue;
        ep->recv_end_frame = pinfo->num;
        ep->recv_end_rst = rst;
        ep->aborted = !(peer->close_frame != 0 && peer->close_frame <= pinfo->num);
        aborted = aborted || ep->aborted;
    }
    return aborted;
}

/* The WebSocket connection of a FIN or RST, or NULL: from the cache, else from what an
 * earlier FIN of the stream found, else from its conversation. */
static wsclose_connection_t *
ended_connection(packet_info *pinfo, const struct tcpheader *tcph)
{
    void *key = GUINT_TO_POINTER(tcph->th_stream + 1);
    wsclose_connection_t *conn = recent_lookup(pinfo);
    void *seen;

    if (conn)
        return conn;
    seen = wmem_map_lookup(per_file.stream_seen, key);
    if (seen)
        return seen == &per_file.not_websocket ? NULL : (wsclose_connection_t *)seen;
    conn = wsclose_handshake_websocket_connection(pinfo);
    wmem_map_insert(per_file.stream_seen, key,
                    conn ? (void *)conn : (void *)&per_file.not_websocket);
    return conn;
}

/* Whether this frame ends the TCP connection or what one of its endpoints receives. */
static bool
ends_at(const wsclose_connection_t *conn, uint32_t frame)
{
    return conn->end_frame == frame || conn->side[WSCLOSE_SIDE_CLIENT].recv_end_frame == frame ||
           conn->side[WSCLOSE_SIDE_SERVER].recv_end_frame == frame;
}

/*
 * A FIN or RST of a WebSocket connection is recorded in whichever pass sees it first
 * (tshark -2 runs taps in its second pass only); a later pass that runs taps again finds it
 * by frame number.
 */
static G_GNUC_NO_INLINE const wsclose_connection_t *
examine_end(packet_info *pinfo, const struct tcpheader *tcph, bool *aborted)
{
    wsclose_connection_t *conn;
    wsclose_side_t sender;

    if (PINFO_FD_VISITED(pinfo)) {
        conn = (wsclose_connection_t *)wmem_map_lookup(per_file.abort_frames,
                                                       GUINT_TO_POINTER(pinfo->num));
        if (conn) {
            *aborted = true;
            return conn;
        }
    }
    conn = ended_connection(pinfo, tcph);
    if (!conn)
        return NULL;
    /* A later pass that runs taps again: the end recorded here before. */
    if (ends_at(conn, pinfo->num)) {
        *aborted = wsclose_handshake_aborted_at(conn, WSCLOSE_SIDE_CLIENT, pinfo->num) ||
                   wsclose_handshake_aborted_at(conn, WSCLOSE_SIDE_SERVER, pinfo->num);
        return conn;
    }
    sender = wsclose_handshake_side(conn, pinfo);
    if (conn->end_frame == 0) {
        if ((conn->side[0].close_frame != 0 || conn->side[1].close_frame != 0) && per_file.closing)
            per_file.closing--;
        conn->end_frame = pinfo->num;
        conn->end_by = sender;
        conn->end_rst = (tcph->th_flags & TH_RST) != 0;
    }
    if (!record_end(conn, pinfo, (tcph->th_flags & TH_RST) != 0, sender))
        return ends_at(conn, pinfo->num) ? conn : NULL;
    *aborted = true;
    if (!conn->abort_frame)
        conn->abort_frame = pinfo->num;
    wmem_map_insert(per_file.abort_frames, GUINT_TO_POINTER(pinfo->num), conn);
    return conn;
}

/* Runs for every TCP packet once WebSocket has been seen: most need nothing. */
const wsclose_connection_t *
wsclose_handshake_tcp_packet(packet_info *pinfo, const struct tcpheader *tcph, bool *aborted)
{
    const recent_conn_t *r;

    *aborted = false;
    if (tcph->th_flags & (TH_FIN | TH_RST))
        return examine_end(pinfo, tcph, aborted);
    /* A SYN, or the frame that filled its slot (which this visit makes trusted). */
    r = RECENT_SLOT(tcph->th_sport, tcph->th_dport);
    if (r->conn && ((tcph->th_flags & TH_SYN) || (r->frame == pinfo->num && !r->confirmed)))
        recent_tcp_packet(pinfo, tcph);
    return NULL;
}

const wsclose_connection_t *
wsclose_handshake_aborted_in(const packet_info *pinfo)
{
    if (wmem_map_size(per_file.abort_frames) == 0)
        return NULL;
    return (const wsclose_connection_t *)wmem_map_lookup(per_file.abort_frames,
                                                         GUINT_TO_POINTER(pinfo->num));
}

const char *
wsclose_handshake_request_uri(packet_info *pinfo)
{
    conversation_t *conv = find_conversation_pinfo(pinfo, 0);
    const http_conv_t *http = conv ? websocket_upgrade(conv) : NULL;

    return http ? WSCLOSE_HTTP_REQUEST_URI(http) : NULL;
}

static void
wsclose_handshake_init(void)
{
    /* The maps empty themselves at the end of each file (autoreset). */
    per_file.not_websocket = 0;
    per_file.closing = 0;
    memset(per_file.recent, 0, sizeof(per_file.recent));
    per_file.closing_ports = (uint8_t *)wmem_alloc0(wmem_file_scope(), 65536 / 8);
    /* The hook has put its wrapper into the http.upgrade table by now (handoff). */
    per_file.websocket_upgrade_handle =
        dissector_get_string_handle(find_dissector_table("http.upgrade"), "websocket");
}

static void
wsclose_handshake_cleanup(void)
{
    /* closing_ports lived in file scope, which ends with the file. */
    per_file.closing_ports = NULL;
    per_file.websocket_upgrade_handle = NULL;
}

static wmem_map_t *
per_file_map(void)
{
    return wmem_map_new_autoreset(wmem_epan_scope(), wmem_file_scope(), g_direct_hash,
                                  g_direct_equal);
}

void
wsclose_handshake_register(int proto)
{
    proto_wsclose = proto;
    per_file.abort_frames = per_file_map();
    per_file.data_after_close_frames = per_file_map();
    per_file.looked_up_frames = per_file_map();
    per_file.stream_seen = per_file_map();
    register_init_routine(wsclose_handshake_init);
    register_cleanup_routine(wsclose_handshake_cleanup);
}

void
wsclose_handshake_handoff(void)
{
    proto_websocket = proto_get_id_by_filter_name("websocket");
    proto_http = proto_get_id_by_filter_name("http");
    proto_tcp = proto_get_id_by_filter_name("tcp");
}
