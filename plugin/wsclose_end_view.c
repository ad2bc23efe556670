/* wsclose_end_view.c
 * The ends of WebSocket connections: registration and drawing.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include <stdbool.h>

#include <epan/expert.h>
#include <epan/packet.h>

#include "close_handshake.h"
#include "winhttp_api.h"
#include "winhttp_status.h"
#include "wsclose_end_view.h"
#include "wsclose_label.h"
#include "wsclose_note.h"
#include "wsclose_view.h"

/* What the dissector registered and the ends' items share (wsclose_end_view_register). */
static struct {
    int proto_wsclose;
    int ett_wsclose;
    int hf_wsclose_handshake;
    const int *name_set;
} from_dissector = {-1, -1, -1, NULL};

static int hf_wsclose_abort = -1;
static int hf_wsclose_abort_tcp = -1;
static int hf_wsclose_abort_by = -1;
static int hf_wsclose_abort_ended_in = -1;

static expert_field ei_wsclose_abort_without_close = EI_INIT;
static expert_field ei_wsclose_end_without_close = EI_INIT;

/* The name-set preference's value now. */
static wsclose_name_set_t
current_name_set(void)
{
    return (wsclose_name_set_t)*from_dissector.name_set;
}

/* The side that sent this packet and how, as "FIN from the server". */
static const char *
end_text(wmem_allocator_t *pool, bool rst, wsclose_side_t sender)
{
    return wmem_strdup_printf(pool, "%s from the %s", rst ? "RST" : "FIN",
                              wsclose_handshake_side_name(sender));
}

/* The items of an endpoint whose connection aborted at this frame (RFC 6455 7.1.5); returns
 * its subtree's item. */
static proto_item *
show_abort(proto_tree *tree, tvbuff_t *tvb, packet_info *pinfo, const wsclose_connection_t *conn,
           wsclose_side_t endpoint)
{
    const char *me = wsclose_handshake_side_name(endpoint);
    const wsclose_side_t sender = wsclose_handshake_side(conn, pinfo);
    const bool rst = conn->side[endpoint].recv_end_rst;
    const char *how = end_text(pinfo->pool, rst, sender);
    const char *name = wsclose_label_name(current_name_set(), WSCLOSE_ABORTED_CODE);
    /* When the other side ended the connection first, this end answers that one. */
    const char *after = conn->end_frame != pinfo->num && conn->end_by != sender
                            ? wmem_strdup_printf(pinfo->pool, ", after the %s's %s",
                                                 wsclose_handshake_side_name(conn->end_by),
                                                 conn->end_rst ? "RST" : "FIN")
                            : "";
    const char *named = name ? wmem_strdup_printf(pinfo->pool, " (%s)", name) : "";
    /* "from the server before its close frame", "from the client before the server's" */
    const char *whose =
        sender == WSCLOSE_PEER(endpoint)
            ? "its"
            : wmem_strdup_printf(pinfo->pool, "the %s's",
                                 wsclose_handshake_side_name(WSCLOSE_PEER(endpoint)));
    proto_item *ti;
    proto_tree *ab_tree;
    wsclose_api_result_t r;
    char label[ITEM_LABEL_LENGTH];

    ti = proto_tree_add_protocol_format(tree, from_dissector.proto_wsclose, tvb, 0, 0,
                                        "WebSocket Close Status (WinHTTP): abort for the %s%s: "
                                        "TCP %s before %s close frame%s",
                                        me, named, how, whose, after);
    ab_tree = proto_item_add_subtree(ti, from_dissector.ett_wsclose);
    wsclose_add_generated_string(ab_tree, hf_wsclose_abort, tvb, 0, 0, me);
    wsclose_add_generated_string(ab_tree, hf_wsclose_abort_tcp, tvb, 0, 0, rst ? "RST" : "FIN");
    wsclose_add_generated_string(ab_tree, hf_wsclose_abort_by, tvb, 0, 0,
                                 wsclose_handshake_side_name(conn->end_by));
    wsclose_add_generated_uint(ab_tree, hf_wsclose_abort_ended_in, tvb, 0, 0, conn->end_frame);
    wsclose_add_generated_string(ab_tree, from_dissector.hf_wsclose_handshake, tvb, 0, 0,
                                 wsclose_handshake_outcome(conn));
    if (endpoint == WSCLOSE_SIDE_CLIENT) {
        if (wsclose_view_wanted(ab_tree)) {
            wsclose_api_abort(rst, WSCLOSE_IMPL_REFERENCE, &r);
            wsclose_view_receive(ab_tree, tvb, 0, 0, &r, false,
                                 wmem_strdup_printf(pinfo->pool, "TCP %s before %s close frame%s",
                                                    how, whose, after));
        }
        wsclose_note_add_expert_format(
            pinfo, ti, &ei_wsclose_abort_without_close,
            "TCP %s without a close frame from the server: the WinHTTP client's "
            "calls fail, the connection was aborted",
            rst ? "RST" : "FIN");
    } else {
        wsclose_note_add_expert_format(pinfo, ti, &ei_wsclose_abort_without_close,
                                       "TCP %s without a close frame from the client: the server's "
                                       "connection closed abnormally",
                                       rst ? "RST" : "FIN");
    }
    wsclose_label_abort(label, sizeof(label), current_name_set(), me, how, after);
    wsclose_view_info_append(pinfo, label);
    return ti;
}

/* A FIN or RST that ends the TCP connection or what an endpoint receives (the watch's
 * callback): every endpoint whose connection aborted here. */
void
wsclose_end_view_draw(proto_tree *tree, tvbuff_t *tvb, packet_info *pinfo,
                      const wsclose_connection_t *conn)
{
    const char *caller_proto = pinfo->current_proto;
    wsclose_packet_note_t *note = wsclose_note_wanted() ? wsclose_packet_note(pinfo) : NULL;
    const wsclose_endpoint_t *client = &conn->side[WSCLOSE_SIDE_CLIENT];
    wsclose_side_t endpoint;
    proto_item *ti;

    /* So that the expert items name WSCLOSE, not the protocol that happens to be current. */
    pinfo->current_proto = "WSCLOSE";
    for (endpoint = WSCLOSE_SIDE_CLIENT; endpoint <= WSCLOSE_SIDE_SERVER; endpoint++) {
        if (!wsclose_handshake_aborted_at(conn, endpoint, pinfo->num))
            continue;
        ti = show_abort(tree, tvb, pinfo, conn, endpoint);
        if (note)
            note->aborted[endpoint] = true;
        /* The client ends the TCP connection (its first FIN or RST) without a close frame of
         * its own: the server's connection aborts here. */
        if (endpoint == WSCLOSE_SIDE_SERVER &&
            wsclose_api_end_without_close(
                conn->end_frame == pinfo->num && conn->end_by == WSCLOSE_SIDE_CLIENT,
                client->close_frame != 0 && client->close_frame <= pinfo->num))
            wsclose_note_add_expert(pinfo, ti, &ei_wsclose_end_without_close);
    }
    if (note) {
        note->connection = conn;
        note->connection_aborted = conn->abort_frame == pinfo->num;
        note->ended_by = conn->end_by;
        /* A connection first met at its end (no close frame was seen) counts here. */
        wsclose_note_connection(pinfo, conn);
    }
    pinfo->current_proto = caller_proto;
}

void
wsclose_end_view_register(int proto, int ett, int hf_handshake, const int *name_set)
{
    static hf_register_info hf[] = {
        {&hf_wsclose_abort,
         {"Aborted for", "wsclose.abort", FT_STRING, BASE_NONE, NULL, 0x0,
          "Endpoint whose connection closed abnormally here (RFC 6455 7.1.5; the enum value "
          "WINHTTP_WEB_SOCKET_ABORTED_CLOSE_STATUS names that ending): what it receives ended "
          "(the peer's FIN, or an RST) before the peer's close frame arrived",
          HFILL}},
        {&hf_wsclose_abort_tcp,
         {"Ended by TCP", "wsclose.abort.tcp", FT_STRING, BASE_NONE, NULL, 0x0,
          "What ended what the aborted endpoint receives here: FIN or RST", HFILL}},
        {&hf_wsclose_abort_by,
         {"Connection ended by", "wsclose.abort.by", FT_STRING, BASE_NONE, NULL, 0x0,
          "Endpoint that ended the TCP connection: the sender of its first FIN or RST", HFILL}},
        {&hf_wsclose_abort_ended_in,
         {"Connection ended in", "wsclose.abort.ended_in", FT_FRAMENUM, BASE_NONE, NULL, 0x0,
          "Frame of the TCP connection's first FIN or RST", HFILL}},
    };
    static ei_register_info ei[] = {
        {&ei_wsclose_abort_without_close,
         {"wsclose.abort_without_close", PI_SEQUENCE, PI_WARN,
          "TCP connection ended without a close frame from one side", EXPFILL}},
        {&ei_wsclose_end_without_close,
         {"wsclose.end_without_close", PI_SEQUENCE, PI_WARN,
          "The client ends the TCP connection without a close frame of its own: its "
          "application closed its WinHTTP handles without WinHttpWebSocketClose, or Close "
          "failed before sending (a reason over 123 bytes: ERROR_INVALID_PARAMETER)",
          EXPFILL}},
    };

    from_dissector.proto_wsclose = proto;
    from_dissector.ett_wsclose = ett;
    from_dissector.hf_wsclose_handshake = hf_handshake;
    from_dissector.name_set = name_set;
    proto_register_field_array(proto, hf, array_length(hf));
    expert_register_field_array(expert_register_protocol(proto), ei, array_length(ei));
}
