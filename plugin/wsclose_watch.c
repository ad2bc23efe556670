/* wsclose_watch.c
 * The HTTP watch, the FIN/RST watch, and the init and cleanup of a file.
 *
 * A FIN or RST segment carries no WebSocket bytes for the hook to see, nor does an upgrade's
 * request or response.  Each tap listener costs every packet a little (with one listener,
 * every dissector queues its tap data), so the HTTP watch (an http tap) is there while a
 * file has shown no WebSocket yet, and after that only while trees are built (it checks
 * each upgrade's response against its request, which shows only in a tree); the FIN watch
 * (a tcp tap) once WebSocket has been seen.  Both only help wsclose dissect
 * (TL_IS_DISSECTOR_HELPER): tshark does not dissect for them.
 *
 * The tcp listener's callback finds the ends after each packet's dissection: the cheapest
 * place, but by then the expert tap has collected the packet's expert items.  So once
 * something reads expert items (tshark -z expert, the GUI's Expert Information, a filter
 * or column on them), the ends are found during the dissection instead, by a postdissector
 * that reads TCP's and HTTP's queued data (fetch_tapped_data); a postdissector costs every packet
 * its call, and 4.0 to 4.6 export no way to remove one, so it is registered only then.
 * Where no tap runs (tshark -2's first pass; a GUI redissection), the postdissector finds
 * the ends and the upgrade checks an earlier pass recorded, by frame number.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include <stdbool.h>
#include <string.h>

#include <epan/address.h>
#include <epan/dissectors/packet-http.h>
#include <epan/dissectors/packet-tcp.h>
#include <epan/epan_dissect.h>
#include <epan/packet.h>
#include <epan/proto_data.h>
#include <epan/tap.h>

#include "close_handshake.h"
#include "wsclose_keys.h"
#include "wsclose_note.h"
#include "wsclose_upgrade.h"
#include "wsclose_watch.h"

static struct {
    int proto_wsclose;
    wsclose_experts_wanted_fn experts_wanted;
    protocol_t *wsclose_protocol;
    wsclose_draw_end_fn draw_end;
    wsclose_draw_upgrade_fn draw_upgrade;
    wsclose_upgrade_wanted_fn upgrade_wanted;
    wsclose_experts_wanted_fn experts_tapped;
    int tcp_tap_id;
    int http_tap_id;
    wmem_map_t *offers;   /* connection_key() -> upgrade_offer_t: an Upgrade not answered yet */
    wmem_map_t *upgrades; /* frame -> wsclose_upgrade_result_t: a response with problems */
    int upgrade_tapdata;
    bool upgrade_active;
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
}

/* Whether this pass has not drawn the key's items of the frame yet (and from now on has):
 * the tap callback and the postdissector may both meet them. */
static bool
first_draw(packet_info *pinfo, wsclose_key_t key)
{
    if (p_get_proto_data(pinfo->pool, pinfo, watch.proto_wsclose, key))
        return false;
    p_add_proto_data(pinfo->pool, pinfo, watch.proto_wsclose, key, GUINT_TO_POINTER(1));
    return true;
}

/* The end of a connection at a frame, drawn once per pass (out of line: the tcp tap's
 * callback, which runs for every TCP packet, stays small). */
static G_GNUC_NO_INLINE void
draw_once(proto_tree *tree, tvbuff_t *tvb, packet_info *pinfo, const wsclose_connection_t *conn)
{
    if (first_draw(pinfo, WSCLOSE_KEY_DRAWN))
        watch.draw_end(tree, tvb, pinfo, conn);
}

/* A TCP header of this packet: the connection its FIN or RST ends, drawn where it ends what
 * an endpoint receives before its peer's close frame (the abort items), or where a reader
 * of notes (a table) wants every end. */
static void
examine_end(tvbuff_t *tvb, packet_info *pinfo, proto_tree *tree, const wsclose_connection_t *conn,
            bool aborted)
{
    if (aborted || wsclose_note_wanted())
        draw_once(tree, tvb, pinfo, conn);
}

static void
examine(tvbuff_t *tvb, packet_info *pinfo, proto_tree *tree, const struct tcpheader *tcph)
{
    bool aborted;
    const wsclose_connection_t *conn;

    if (tcph) {
        conn = wsclose_handshake_tcp_packet(pinfo, tcph, &aborted);
    } else {
        conn = wsclose_handshake_aborted_in(pinfo);
        aborted = true;
    }
    if (conn)
        examine_end(tvb, pinfo, tree, conn, aborted);
}

/* From now on the postdissector finds the ends (expert items are read). */
static void
register_ends(void)
{
    if (watch.ends_registered)
        return;
    register_postdissector(watch.ends_handle);
    watch.ends_registered = true;
}

/* The same, if expert items are read. */
static void
watch_experts(void)
{
    if (!watch.ends_registered && watch.experts_wanted())
        register_ends();
}

/* An Upgrade request not answered yet, under its connection's key. */
typedef struct {
    address client, server;
    uint32_t client_port, server_port;
    uint32_t request_frame;
    wsclose_upgrade_offer_t offer;
} upgrade_offer_t;

/* The key of a connection's pending request, from the request (client to server) or the
 * response (server to client); the entry holds the endpoints to tell a collision. */
static void *
connection_key(packet_info *pinfo, bool response)
{
    const address *client = response ? &pinfo->dst : &pinfo->src;
    const address *server = response ? &pinfo->src : &pinfo->dst;
    const uint32_t ports =
        response ? pinfo->destport << 16 | pinfo->srcport : pinfo->srcport << 16 | pinfo->destport;

    return GUINT_TO_POINTER(add_address_to_hash(add_address_to_hash(ports, client), server) | 1);
}

static bool
same_connection(const upgrade_offer_t *offer, packet_info *pinfo)
{
    return offer->client_port == pinfo->destport && offer->server_port == pinfo->srcport &&
           addresses_equal(&offer->client, &pinfo->dst) &&
           addresses_equal(&offer->server, &pinfo->src);
}

/* A head is looked for in its first bytes only: an upgrade's headers are short. */
#define HTTP_HEAD_MAX 8192

/* Whether a head of the message the http tap reported (a request, or a response with its
 * status) begins at offset. */
static bool
head_at(tvbuff_t *tvb, unsigned offset, const http_info_value_t *http, wsclose_http_head_t *head)
{
    const int avail = tvb_captured_length_remaining(tvb, offset);
    const unsigned len = avail > HTTP_HEAD_MAX ? HTTP_HEAD_MAX : (unsigned)(avail > 0 ? avail : 0);

    if (len == 0 || !wsclose_http_head_parse(tvb_get_ptr(tvb, offset, len), len, head))
        return false;
    if (http->response_code != 0)
        return head->response && head->status == http->response_code;
    return !head->response;
}

/*
 * The head of the HTTP message the http tap reported for this frame: at the start of a data
 * source of the frame when HTTP was reassembled or decrypted, else in the frame.  Inside a
 * tap callback the other taps' data (TCP's header, which says where the payload begins)
 * cannot be fetched, so the frame is searched for the start line: a status line with the
 * reported status (a 101 may follow a 100 Continue in one segment), or a GET (RFC 6455 4.1:
 * an upgrade is a GET).  A data source that holds a body (de-chunked, uncompressed) has no
 * start line.
 */
static bool
http_head(tvbuff_t *frame, packet_info *pinfo, const http_info_value_t *http,
          wsclose_http_head_t *head)
{
    const char *start = http->response_code != 0 ? "HTTP/1." : "GET ";
    const unsigned start_len = http->response_code != 0 ? 7 : 4;
    const unsigned captured = tvb_captured_length(frame);
    const uint8_t *bytes;
    unsigned offset;
    GSList *src;

    for (src = pinfo->data_src; src; src = src->next) {
        tvbuff_t *tvb = get_data_source_tvb((const struct data_source *)src->data);

        if (tvb != frame && head_at(tvb, 0, http, head))
            return true;
    }
    if (captured < start_len)
        return false;
    bytes = tvb_get_ptr(frame, 0, captured);
    for (offset = 0; offset + start_len <= captured; offset++)
        if (bytes[offset] == (uint8_t)start[0] && memcmp(bytes + offset, start, start_len) == 0 &&
            head_at(frame, offset, http, head))
            return true;
    return false;
}

/* A response with problems, drawn once per frame and pass. */
static void
draw_upgrade_once(proto_tree *tree, tvbuff_t *tvb, packet_info *pinfo,
                  const wsclose_upgrade_result_t *result)
{
    if (first_draw(pinfo, WSCLOSE_KEY_UPGRADE_DRAWN))
        watch.draw_upgrade(tree, tvb, pinfo, result);
}

/* An HTTP message of this frame (an http tap's data): a WebSocket Upgrade request is kept
 * until its response, which is checked against it.  Only where the result shows
 * (upgrade_wanted): hashing every key costs the modes that do not show it. */
static void
examine_http(tvbuff_t *tvb, packet_info *pinfo, proto_tree *tree, const http_info_value_t *http)
{
    const bool response = http->response_code != 0;
    wsclose_http_head_t head;
    wsclose_upgrade_result_t result, *kept;
    upgrade_offer_t *offer;
    void *key;

    /* An upgrade is a GET (RFC 6455 4.1). */
    if (!response && (!http->request_method || strcmp(http->request_method, "GET") != 0))
        return;
    if (!watch.upgrade_wanted(tree) && !watch.experts_tapped())
        return;
    if (!http_head(tvb, pinfo, http, &head))
        return;
    key = connection_key(pinfo, response);
    if (!response) {
        wsclose_upgrade_offer_t fresh;

        if (!wsclose_upgrade_offer(&head, &fresh))
            return;
        offer = wmem_new(wmem_file_scope(), upgrade_offer_t);
        offer->offer = fresh;
        copy_address_wmem(wmem_file_scope(), &offer->client, &pinfo->src);
        copy_address_wmem(wmem_file_scope(), &offer->server, &pinfo->dst);
        offer->client_port = pinfo->srcport;
        offer->server_port = pinfo->destport;
        offer->request_frame = pinfo->num;
        wmem_map_insert(watch.offers, key, offer);
        /* Its response's items are expert items too. */
        watch_experts();
        return;
    }
    /* An interim response: the final one follows. */
    if (head.status >= 100 && head.status < 200 && head.status != 101)
        return;
    offer = (upgrade_offer_t *)wmem_map_lookup(watch.offers, key);
    if (!offer || !same_connection(offer, pinfo))
        return;
    wmem_map_remove(watch.offers, key);
    result.problems = wsclose_upgrade_check(&offer->offer, &head, result.expected_accept);
    if (!result.problems)
        return;
    result.status = head.status;
    result.request_frame = offer->request_frame;
    kept =
        (wsclose_upgrade_result_t *)wmem_map_lookup(watch.upgrades, GUINT_TO_POINTER(pinfo->num));
    if (!kept)
        wmem_map_insert(watch.upgrades, GUINT_TO_POINTER(pinfo->num),
                        wmem_memdup(wmem_file_scope(), &result, sizeof(result)));
    draw_upgrade_once(tree, tvb, pinfo, &result);
}

/* Every packet, once expert items are read: the ends, during the dissection. */
static int
dissect_ends(tvbuff_t *tvb, packet_info *pinfo, proto_tree *tree, void *data _U_)
{
    const struct tcpheader *tcph;
    const http_info_value_t *http;
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
    for (i = 0; (http = (const http_info_value_t *)fetch_tapped_data(watch.http_tap_id, i)) != NULL;
         i++)
        examine_http(tvb, pinfo, tree, http);
    /* Where no tap runs: a response an earlier pass found problems in. */
    if (i == 0 && tree && PINFO_FD_VISITED(pinfo)) {
        const wsclose_upgrade_result_t *result = (const wsclose_upgrade_result_t *)wmem_map_lookup(
            watch.upgrades, GUINT_TO_POINTER(pinfo->num));

        if (result)
            draw_upgrade_once(tree, tvb, pinfo, result);
    }
    return 0;
}

static tap_packet_status upgrade_watch_packet(void *tapdata, packet_info *pinfo,
                                              epan_dissect_t *edt, const void *data,
                                              tap_flags_t flags);

static void
start_upgrade_watch(void)
{
    GString *error;

    if (watch.upgrade_active)
        return;
    error = register_tap_listener("http", &watch.upgrade_tapdata, NULL, TL_IS_DISSECTOR_HELPER,
                                  NULL, upgrade_watch_packet, NULL, NULL);
    if (error)
        g_string_free(error, true);
    else
        watch.upgrade_active = true;
}

/* Every TCP packet once WebSocket has been seen: the ends, after the dissection, until the
 * postdissector takes over.  The 101 watch stays only while trees are built (its upgrade
 * checks show nowhere else), and comes back when they are built again (tshark -2's second
 * pass); from here, not from its own callback: a listener must not remove itself. */
static tap_packet_status
fin_watch_packet(void *tapdata _U_, packet_info *pinfo, epan_dissect_t *edt, const void *data,
                 tap_flags_t flags _U_)
{
    const wsclose_connection_t *conn;
    bool aborted;

    /* Every TCP packet: nothing to call unless a tree comes or goes, or the packet ends a
     * connection. */
    if ((edt->tree != NULL) != watch.upgrade_active) {
        if (edt->tree)
            start_upgrade_watch();
        else
            stop_upgrade_watch();
    }
    if (watch.ends_registered)
        return TAP_PACKET_DONT_REDRAW;
    conn = wsclose_handshake_tcp_packet(pinfo, (const struct tcpheader *)data, &aborted);
    if (conn)
        examine_end(edt->tvb, pinfo, edt->tree, conn, aborted);
    return TAP_PACKET_DONT_REDRAW;
}

static void
start_fin_watch(void)
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
}

void
wsclose_watch_websocket_seen(bool experts_read)
{
    start_fin_watch();
    if (experts_read)
        register_ends();
}

/* Every HTTP message until the first WebSocket frame, and while trees are built: a 101 may
 * have upgraded its connection to WebSocket, which may end before any WebSocket frame; an
 * upgrade's response is checked against its request. */
static tap_packet_status
upgrade_watch_packet(void *tapdata _U_, packet_info *pinfo, epan_dissect_t *edt, const void *data,
                     tap_flags_t flags _U_)
{
    const http_info_value_t *http = (const http_info_value_t *)data;

    if (!http)
        return TAP_PACKET_DONT_REDRAW;
    if (wsclose_handshake_upgrade_response(http->response_code)) {
        start_fin_watch();
        watch_experts();
    }
    /* Once expert items are read, the postdissector examines HTTP during the dissection. */
    if (!watch.ends_registered)
        examine_http(edt->tvb, pinfo, edt->tree, http);
    return TAP_PACKET_DONT_REDRAW;
}

static void
watch_init(void)
{
    if (!watch.fin_active)
        start_upgrade_watch();
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
                       wsclose_draw_upgrade_fn draw_upgrade,
                       wsclose_upgrade_wanted_fn upgrade_wanted,
                       wsclose_experts_wanted_fn experts_wanted,
                       wsclose_experts_wanted_fn experts_tapped)
{
    watch.proto_wsclose = proto_wsclose;
    watch.draw_end = draw_end;
    watch.draw_upgrade = draw_upgrade;
    watch.upgrade_wanted = upgrade_wanted;
    watch.experts_tapped = experts_tapped;
    watch.experts_wanted = experts_wanted;
    /* No protocol of its own: a postdissector with one would have its layer added to and
     * removed from every packet's layer list (it adds no layer: the abort items are
     * wsclose's).  Disabling wsclose is checked in dissect_ends. */
    watch.ends_handle = create_dissector_handle(dissect_ends, -1);
    watch.offers =
        wmem_map_new_autoreset(wmem_epan_scope(), wmem_file_scope(), g_direct_hash, g_direct_equal);
    watch.upgrades =
        wmem_map_new_autoreset(wmem_epan_scope(), wmem_file_scope(), g_direct_hash, g_direct_equal);
    register_init_routine(watch_init);
    register_cleanup_routine(watch_cleanup);
}

void
wsclose_watch_handoff(void)
{
    watch.tcp_tap_id = find_tap_id("tcp");
    watch.http_tap_id = find_tap_id("http");
    watch.wsclose_protocol = find_protocol_by_id(watch.proto_wsclose);
}
