/* wsclose_watch.c
 * The HTTP 101 watch, the FIN/RST watch, and the init and cleanup of a file.
 *
 * A FIN or RST segment carries no WebSocket bytes for the hook to see.  Each tap listener
 * costs every packet a little (with one listener, every dissector queues its tap data), so
 * only one is there at a time: the HTTP 101 watch (an http tap) while a file has shown no
 * WebSocket yet, then a tcp tap listener.  That listener has no callback of its own: it
 * makes TCP queue its header for every packet, and a postdissector reads that header during
 * the packet's dissection (fetch_tapped_data), so that the abort items are added while the
 * expert tap still collects them.  Both listeners only help wsclose dissect
 * (TL_IS_DISSECTOR_HELPER): tshark does not dissect for them.  Where no tap runs (tshark -2's
 * first pass; a GUI redissection), the postdissector finds the aborts an earlier pass
 * recorded, by frame number.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include <stdbool.h>

#include <epan/dissectors/packet-http.h>
#include <epan/dissectors/packet-tcp.h>
#include <epan/packet.h>
#include <epan/proto_data.h>
#include <epan/tap.h>

#include "close_handshake.h"
#include "wsclose_keys.h"
#include "wsclose_note.h"
#include "wsclose_watch.h"

static struct {
    int proto_wsclose;
    protocol_t *wsclose_protocol;
    wsclose_draw_end_fn draw_end;
    int tcp_tap_id;
    int upgrade_tapdata;
    bool upgrade_active;
    bool upgrade_retire; /* the FIN watch has started: the 101 watch goes at the next packet */
    int fin_tapdata;
    bool fin_active;
    dissector_handle_t ends_handle;
    bool ends_registered; /* 4.0 to 4.6 export no way to remove a postdissector */
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

/* Every packet once WebSocket has been seen: a FIN or RST that ends a WebSocket connection
 * is drawn; where it ends what an endpoint receives before its peer's close frame, with
 * the abort items. */
static int
dissect_ends(tvbuff_t *tvb, packet_info *pinfo, proto_tree *tree, void *data _U_)
{
    const struct tcpheader *tcph;
    const wsclose_connection_t *conn = NULL, *ended;
    bool tapped = false;
    int i;

    /* Not from the 101 watch's own callback: a listener must not remove itself. */
    if (watch.upgrade_retire)
        stop_upgrade_watch();
    if (!proto_is_protocol_enabled(watch.wsclose_protocol))
        return 0;
    /* Tunnels may carry several TCP headers in one frame; the last one dissected has the
     * frame's ports, so a first header with them is the only one that matters. */
    for (i = 0; (tcph = (const struct tcpheader *)fetch_tapped_data(watch.tcp_tap_id, i)) != NULL;
         i++) {
        tapped = true;
        ended = wsclose_handshake_tcp_packet(pinfo, tcph);
        if (ended)
            conn = ended;
        if (tcph->th_sport == pinfo->srcport && tcph->th_dport == pinfo->destport)
            break;
    }
    if (!tapped && PINFO_FD_VISITED(pinfo))
        conn = wsclose_handshake_aborted_in(pinfo);
    /* An end without an abort draws nothing: only a reader of notes (a table) wants it. */
    if (conn && (wsclose_handshake_aborted_at(conn, WSCLOSE_SIDE_CLIENT, pinfo->num) ||
                 wsclose_handshake_aborted_at(conn, WSCLOSE_SIDE_SERVER, pinfo->num) ||
                 wsclose_note_wanted()))
        draw_once(tree, tvb, pinfo, conn);
    return 0;
}

/* from_tap: called from a tap listener (the 101 watch), which must stay until it returns. */
static void
start_fin_watch(bool from_tap)
{
    GString *error;

    if (watch.fin_active)
        return;
    error = register_tap_listener("tcp", &watch.fin_tapdata, NULL, TL_IS_DISSECTOR_HELPER, NULL,
                                  NULL, NULL, NULL);
    if (error) {
        g_string_free(error, true);
        return;
    }
    watch.fin_active = true;
    if (!watch.ends_registered) {
        register_postdissector(watch.ends_handle);
        watch.ends_registered = true;
    }
    if (from_tap)
        watch.upgrade_retire = true;
    else
        stop_upgrade_watch();
}

void
wsclose_watch_websocket_seen(void)
{
    start_fin_watch(false);
}

/* Every HTTP message until the first WebSocket frame: a 101 may have upgraded its
 * connection to WebSocket, which may end before any WebSocket frame. */
static tap_packet_status
upgrade_watch_packet(void *tapdata _U_, packet_info *pinfo _U_, epan_dissect_t *edt _U_,
                     const void *data, tap_flags_t flags _U_)
{
    const http_info_value_t *http = (const http_info_value_t *)data;

    if (http && wsclose_handshake_upgrade_response(http->response_code))
        start_fin_watch(true);
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
wsclose_watch_register(int proto_wsclose, wsclose_draw_end_fn draw_end)
{
    watch.proto_wsclose = proto_wsclose;
    watch.draw_end = draw_end;
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
