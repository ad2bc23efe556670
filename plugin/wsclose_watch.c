/* wsclose_watch.c
 * The HTTP 101 watch, the FIN/RST watch, and the init and cleanup of a file.
 *
 * A FIN or RST segment carries no WebSocket bytes for the hook to see.  Each tap listener
 * costs every packet a little (with one listener, every dissector queues its tap data), so
 * only one is there at a time: the HTTP 101 watch (an http tap) while a file has shown no
 * WebSocket yet, then a tcp tap listener.  Both only help wsclose dissect
 * (TL_IS_DISSECTOR_HELPER): tshark does not dissect for them.
 *
 * The tcp listener's callback finds the ends after each packet's dissection: the cheapest
 * place, but by then the expert tap has collected the packet's expert items.  So once
 * something reads expert items (tshark -z expert, the GUI's Expert Information, a filter
 * or column on them), the ends are found during the dissection instead, by a postdissector
 * that reads TCP's queued header (fetch_tapped_data); a postdissector costs every packet
 * its call, and 4.0 to 4.6 export no way to remove one, so it is registered only then.
 * Where no tap runs (tshark -2's first pass; a GUI redissection), the postdissector finds
 * the ends an earlier pass recorded, by frame number.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include <stdbool.h>

#include <epan/dissectors/packet-http.h>
#include <epan/dissectors/packet-tcp.h>
#include <epan/epan_dissect.h>
#include <epan/packet.h>
#include <epan/proto_data.h>
#include <epan/tap.h>

#include "close_handshake.h"
#include "wsclose_keys.h"
#include "wsclose_note.h"
#include "wsclose_watch.h"

static struct {
    int proto_wsclose;
    wsclose_experts_wanted_fn experts_wanted;
    protocol_t *wsclose_protocol;
    wsclose_draw_end_fn draw_end;
    int tcp_tap_id;
    int upgrade_tapdata;
    bool upgrade_active;
    bool upgrade_retire; /* the FIN watch has started: the 101 watch goes at the next packet */
    int fin_tapdata;
    bool fin_active;
    dissector_handle_t ends_handle;
    bool ends_registered; /* the postdissector finds the ends (for good) */
} watch = {.proto_wsclose = -1};

static void
stop_upgrade_watch(void)
{
    if (watch.upgrade_active)
        remove_tap_listener(&watch.upgrade_tapdata);
    watch.upgrade_active = false;
    watch.upgrade_retire = false;
}

/* The end of a connection at a frame, drawn once per pass. */
static void
draw_once(proto_tree *tree, tvbuff_t *tvb, packet_info *pinfo, const wsclose_connection_t *conn)
{
    if (p_get_proto_data(pinfo->pool, pinfo, watch.proto_wsclose, WSCLOSE_KEY_DRAWN))
        return;
    p_add_proto_data(pinfo->pool, pinfo, watch.proto_wsclose, WSCLOSE_KEY_DRAWN,
                     GUINT_TO_POINTER(1));
    watch.draw_end(tree, tvb, pinfo, conn);
}

/* A TCP header of this packet: the connection its FIN or RST ends, drawn where it ends what
 * an endpoint receives before its peer's close frame (the abort items), or where a reader
 * of notes (a table) wants every end. */
static void
examine(tvbuff_t *tvb, packet_info *pinfo, proto_tree *tree, const struct tcpheader *tcph)
{
    const wsclose_connection_t *conn =
        tcph ? wsclose_handshake_tcp_packet(pinfo, tcph) : wsclose_handshake_aborted_in(pinfo);

    if (conn && (wsclose_handshake_aborted_at(conn, WSCLOSE_SIDE_CLIENT, pinfo->num) ||
                 wsclose_handshake_aborted_at(conn, WSCLOSE_SIDE_SERVER, pinfo->num) ||
                 wsclose_note_wanted()))
        draw_once(tree, tvb, pinfo, conn);
}

/* Every packet, once expert items are read: the ends, during the dissection. */
static int
dissect_ends(tvbuff_t *tvb, packet_info *pinfo, proto_tree *tree, void *data _U_)
{
    const struct tcpheader *tcph;
    int i;

    if (!proto_is_protocol_enabled(watch.wsclose_protocol))
        return 0;
    /* Tunnels may carry several TCP headers in one frame; the last one dissected has the
     * frame's ports, so a first header with them is the only one that matters. */
    for (i = 0; (tcph = (const struct tcpheader *)fetch_tapped_data(watch.tcp_tap_id, i)) != NULL;
         i++) {
        examine(tvb, pinfo, tree, tcph);
        if (tcph->th_sport == pinfo->srcport && tcph->th_dport == pinfo->destport)
            break;
    }
    if (i == 0 && PINFO_FD_VISITED(pinfo))
        examine(tvb, pinfo, tree, NULL);
    return 0;
}

/* Every TCP packet once WebSocket has been seen: the ends, after the dissection, until the
 * postdissector takes over. */
static tap_packet_status
fin_watch_packet(void *tapdata _U_, packet_info *pinfo, epan_dissect_t *edt, const void *data,
                 tap_flags_t flags _U_)
{
    /* Not from the 101 watch's own callback: a listener must not remove itself. */
    if (watch.upgrade_retire)
        stop_upgrade_watch();
    if (!watch.ends_registered)
        examine(edt->tvb, pinfo, edt->tree, (const struct tcpheader *)data);
    return TAP_PACKET_DONT_REDRAW;
}

/* from_tap: called from a tap listener (the 101 watch), which must stay until it returns. */
static void
start_fin_watch(bool from_tap)
{
    GString *error;

    if (watch.fin_active)
        return;
    error = register_tap_listener("tcp", &watch.fin_tapdata, NULL, TL_IS_DISSECTOR_HELPER, NULL,
                                  fin_watch_packet, NULL, NULL);
    if (error) {
        g_string_free(error, true);
        return;
    }
    watch.fin_active = true;
    if (from_tap)
        watch.upgrade_retire = true;
    else
        stop_upgrade_watch();
}

/* From now on the postdissector finds the ends, if expert items are read. */
static void
watch_experts(void)
{
    if (watch.ends_registered || !watch.experts_wanted())
        return;
    register_postdissector(watch.ends_handle);
    watch.ends_registered = true;
}

void
wsclose_watch_websocket_seen(void)
{
    start_fin_watch(false);
    watch_experts();
}

/* Every HTTP message until the first WebSocket frame: a 101 may have upgraded its
 * connection to WebSocket, which may end before any WebSocket frame. */
static tap_packet_status
upgrade_watch_packet(void *tapdata _U_, packet_info *pinfo _U_, epan_dissect_t *edt _U_,
                     const void *data, tap_flags_t flags _U_)
{
    const http_info_value_t *http = (const http_info_value_t *)data;

    if (http && wsclose_handshake_upgrade_response(http->response_code)) {
        start_fin_watch(true);
        watch_experts();
    }
    return TAP_PACKET_DONT_REDRAW;
}

static void
watch_init(void)
{
    GString *error;

    if (watch.upgrade_active || watch.fin_active)
        return;
    error = register_tap_listener("http", &watch.upgrade_tapdata, NULL, TL_IS_DISSECTOR_HELPER,
                                  NULL, upgrade_watch_packet, NULL, NULL);
    if (error)
        g_string_free(error, true);
    else
        watch.upgrade_active = true;
}

static void
watch_cleanup(void)
{
    stop_upgrade_watch();
    if (watch.fin_active)
        remove_tap_listener(&watch.fin_tapdata);
    watch.fin_active = false;
}

void
wsclose_watch_register(int proto_wsclose, wsclose_draw_end_fn draw_end,
                       wsclose_experts_wanted_fn experts_wanted)
{
    watch.proto_wsclose = proto_wsclose;
    watch.draw_end = draw_end;
    watch.experts_wanted = experts_wanted;
    /* No protocol of its own: a postdissector with one would have its layer added to and
     * removed from every packet's layer list (it adds no layer: the abort items are
     * wsclose's).  Disabling wsclose is checked in dissect_ends. */
    watch.ends_handle = create_dissector_handle(dissect_ends, -1);
    register_init_routine(watch_init);
    register_cleanup_routine(watch_cleanup);
}

void
wsclose_watch_handoff(void)
{
    watch.tcp_tap_id = find_tap_id("tcp");
    watch.wsclose_protocol = find_protocol_by_id(watch.proto_wsclose);
}
