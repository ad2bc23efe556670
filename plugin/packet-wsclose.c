/* packet-wsclose.c
 * WebSocket Close Status (WinHTTP): labels every WebSocket close frame with the
 * WINHTTP_WEB_SOCKET_CLOSE_STATUS value a WinHTTP application receives for it, and shows
 * what the WinHTTP client's calls return there (winhttp_api.c decides; this file draws).
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include <string.h>
#include <stdbool.h>
#include <stdint.h>

#include <epan/epan_dissect.h>
#include <epan/expert.h>
#include <epan/packet.h>
#include <epan/prefs.h>
#include <epan/tap.h>

#include "close_handshake.h"
#include "close_payload.h"
#include "packet-wsclose.h"
#include "winhttp_api.h"
#include "winhttp_status.h"
#include "wsclose_compat.h"
#include "wsclose_conv.h"
#include "wsclose_end_view.h"
#include "wsclose_frame.h"
#include "wsclose_label.h"
#include "wsclose_note.h"
#include "wsclose_stats.h"
#include "wsclose_view.h"
#include "wsclose_upgrade_view.h"
#include "wsclose_watch.h"

void proto_register_wsclose(void);
void proto_reg_handoff_wsclose(void);

static int proto_wsclose = -1;
static protocol_t *wsclose_protocol;
/* wsclose's own registration, looked up once: whether a filter, column or field list names
 * wsclose is asked for every WebSocket segment. */
static header_field_info *wsclose_hfi;
static int expert_tap_id = -1;
/* Wireshark's own fields of every expert item (_ws.expert, .message, .group, .severity). */
static header_field_info *expert_generic_hfi[4];

static int hf_wsclose_status = -1;
static int hf_wsclose_winhttp = -1;
static int hf_wsclose_meaning = -1;
static int hf_wsclose_alias = -1;
static int hf_wsclose_alias_meaning = -1;
static int hf_wsclose_range = -1;
static int hf_wsclose_from = -1;
static int hf_wsclose_initiator = -1;
static int hf_wsclose_reply_in = -1;
static int hf_wsclose_request_in = -1;
static int hf_wsclose_duplicate_of = -1;
static int hf_wsclose_sender_close_in = -1;
static int hf_wsclose_time = -1;
static int hf_wsclose_handshake = -1;
static int hf_wsclose_websocket_h = -1;
static int hf_wsclose_dotnet = -1;
static int hf_wsclose_iana = -1;

static int ett_wsclose = -1;
static int ett_wsclose_alias = -1;
static int ett_wsclose_names = -1;

static expert_field ei_wsclose_close = EI_INIT;
static expert_field ei_wsclose_api_only_code = EI_INIT;
static expert_field ei_wsclose_reserved_code = EI_INIT;
static expert_field ei_wsclose_one_byte_payload = EI_INIT;
static expert_field ei_wsclose_reason_not_utf8 = EI_INIT;
static expert_field ei_wsclose_payload_too_long = EI_INIT;
static expert_field ei_wsclose_not_final = EI_INIT;
static expert_field ei_wsclose_truncated = EI_INIT;
static expert_field ei_wsclose_status_differs = EI_INIT;
static expert_field ei_wsclose_data_after_close = EI_INIT;
static expert_field ei_wsclose_duplicate_close = EI_INIT;
static expert_field ei_wsclose_close_timeout = EI_INIT;
static expert_field ei_wsclose_reason_over_123 = EI_INIT;

/*
 * A reason longer than a control frame allows is already an error; looking at more of it
 * than this would only cost time on hostile input.
 */
#define REASON_EXAMINE_MAX 4096

/* Which API's names the Info column and the subtree title use. */

static const enum_val_t name_set_vals[] = {
    {"winhttp", "WinHTTP (WINHTTP_WEB_SOCKET_*_CLOSE_STATUS)", WSCLOSE_NAMES_WINHTTP},
    {"websocket_h", "websocket.h / WinINet (WEB_SOCKET_*_CLOSE_STATUS)", WSCLOSE_NAMES_WEBSOCKET_H},
    {"dotnet", ".NET (WebSocketCloseStatus)", WSCLOSE_NAMES_DOTNET},
    {"iana", "IANA registry", WSCLOSE_NAMES_IANA},
    {"none", "None (the code only)", WSCLOSE_NAMES_NONE},
    {NULL, NULL, -1},
};

static int pref_name_set = WSCLOSE_NAMES_WINHTTP;
static wsclose_pref_bool_t pref_chat_items = true;
/* WINHTTP_OPTION_WEB_SOCKET_CLOSE_TIMEOUT, in seconds; the reference's default. */
static unsigned pref_close_timeout = 10;

/* The name of a code in the chosen name set, or NULL. */
static const char *
name_in_set(unsigned code)
{
    return wsclose_label_name((wsclose_name_set_t)pref_name_set, code);
}

/* The Info label and subtree title of a close frame's status, in the chosen name set. */
static void
label_status(packet_info *pinfo, proto_item *ti, unsigned code, bool empty)
{
    char label[ITEM_LABEL_LENGTH];
    const char *info;

    if (ti) {
        wsclose_label_title(label, sizeof(label), (wsclose_name_set_t)pref_name_set, code, empty);
        proto_item_append_text(ti, ": %s", label);
    }
    info =
        wsclose_label_status(label, sizeof(label), (wsclose_name_set_t)pref_name_set, code, empty);
    if (info)
        wsclose_view_info_append(pinfo, info);
}

/* The same code's name in websocket.h, .NET and the IANA registry, where it has one. */
static void
add_name_sets(proto_tree *tree, tvbuff_t *tvb, int offset, int len, const wsclose_code_info_t *row)
{
    if (row->websocket_h)
        wsclose_add_generated_string(tree, hf_wsclose_websocket_h, tvb, offset, len,
                                     row->websocket_h);
    if (row->dotnet)
        wsclose_add_generated_string(tree, hf_wsclose_dotnet, tvb, offset, len, row->dotnet);
    if (row->iana)
        wsclose_add_generated_string(tree, hf_wsclose_iana, tvb, offset, len, row->iana);
}

static void
add_winhttp_status(proto_tree *tree, tvbuff_t *tvb, int offset, int len,
                   const wsclose_code_info_t *info)
{
    proto_item *ti;
    proto_tree *alias_tree;

    if (!tree)
        return;
    ti = proto_tree_add_string(tree, hf_wsclose_winhttp, tvb, offset, len, info->winhttp);
    proto_item_set_generated(ti);
    add_name_sets(proto_item_add_subtree(ti, ett_wsclose_names), tvb, offset, len, info);
    wsclose_add_generated_string(tree, hf_wsclose_meaning, tvb, offset, len, info->meaning);
    if (info->code == 1007 && (wsclose_view_item_wanted(tree, hf_wsclose_alias) ||
                               wsclose_view_item_wanted(tree, hf_wsclose_alias_meaning))) {
        ti = proto_tree_add_string(tree, hf_wsclose_alias, tvb, offset, len,
                                   WSCLOSE_ALIAS_1007_NAME);
        proto_item_set_generated(ti);
        alias_tree = proto_item_add_subtree(ti, ett_wsclose_alias);
        ti = proto_tree_add_string(alias_tree, hf_wsclose_alias_meaning, tvb, offset, len,
                                   WSCLOSE_ALIAS_1007_MEANING);
        proto_item_set_generated(ti);
    }
}

static void
add_range(packet_info *pinfo, proto_tree *tree, tvbuff_t *tvb, int offset, unsigned code,
          wsclose_class_t cls)
{
    proto_item *ti;

    /* Every close frame comes here: no call without a tree (tshark's summary). */
    if (!tree || !wsclose_view_item_wanted(tree, hf_wsclose_range))
        return;
    if (cls == WSCLOSE_CLASS_IANA)
        ti = proto_tree_add_string(tree, hf_wsclose_range, tvb, offset, 2,
                                   wmem_strdup_printf(pinfo->pool, "%s: %s",
                                                      wsclose_class_label(cls),
                                                      wsclose_code_info(code)->iana));
    else
        ti =
            proto_tree_add_string(tree, hf_wsclose_range, tvb, offset, 2, wsclose_class_label(cls));
    proto_item_set_generated(ti);
}

/* Where this close frame stands in its connection's closing handshake.  Expert summaries
 * carry no frame numbers, so that the same finding groups; the links are fields. */
static void
add_handshake(proto_tree *tree, tvbuff_t *tvb, packet_info *pinfo, proto_item *ti,
              const wsclose_analysis_t *an)
{
    proto_item *it;

    /* Without a tree (tshark's summary, -2's first pass) the names are not looked up. */
    if (tree) {
        wsclose_add_generated_string(tree, hf_wsclose_from, tvb, 0, 0,
                                     wsclose_handshake_side_name(an->from));
        wsclose_add_generated_string(tree, hf_wsclose_initiator, tvb, 0, 0,
                                     wsclose_handshake_side_name(an->initiator));
    }
    if (an->duplicate_of) {
        wsclose_add_generated_uint(tree, hf_wsclose_duplicate_of, tvb, 0, 0, an->duplicate_of);
        wsclose_note_add_expert_format(pinfo, ti, &ei_wsclose_duplicate_close,
                                       "Second close frame from the %s",
                                       wsclose_handshake_side_name(an->from));
        return;
    }
    if (an->reply_in)
        wsclose_add_generated_uint(tree, hf_wsclose_reply_in, tvb, 0, 0, an->reply_in);
    if (an->request_in) {
        wsclose_add_generated_uint(tree, hf_wsclose_request_in, tvb, 0, 0, an->request_in);
        if (tree && wsclose_view_item_wanted(tree, hf_wsclose_time)) {
            it = proto_tree_add_time(tree, hf_wsclose_time, tvb, 0, 0, &an->reply_time);
            proto_item_set_generated(it);
        }
        /* RFC 6455 lets the answer carry a status of its own ("typically echoes"), and a
         * WinHTTP client answers with whatever its WinHttpWebSocketClose passes. */
        if (an->status_differs) {
            wsclose_note_add_expert_format(pinfo, ti, &ei_wsclose_status_differs,
                                           "The %s answered the %s's %u with %u",
                                           wsclose_handshake_side_name(an->from),
                                           wsclose_handshake_side_name(WSCLOSE_PEER(an->from)),
                                           an->request_status, an->reply_status);
        }
    }
}

/* Expert items that follow from the frame alone (no connection state). */
static void
check_frame(packet_info *pinfo, proto_item *ti, const wsclose_frame_header_t *hdr)
{
    if (hdr->payload_len > WSCLOSE_CONTROL_PAYLOAD_MAX) {
        wsclose_note_add_expert_format(pinfo, ti, &ei_wsclose_payload_too_long,
                                       "Close frame payload is %" PRIu64
                                       " bytes; control frames carry at most 125",
                                       hdr->payload_len);
    }
    if (!hdr->fin) {
        wsclose_note_add_expert(pinfo, ti, &ei_wsclose_not_final);
    }
}

static void
check_code(packet_info *pinfo, proto_item *ti, unsigned code, wsclose_class_t cls)
{
    if (wsclose_code_is_api_only(code)) {
        wsclose_note_add_expert_format(
            pinfo, ti, &ei_wsclose_api_only_code,
            "Close code %u (%s) is for APIs to report and must not be sent "
            "in a close frame (RFC 6455 7.4.1)",
            code, wsclose_winhttp_status(code)->winhttp);
    } else if (cls == WSCLOSE_CLASS_RESERVED || cls == WSCLOSE_CLASS_INVALID) {
        wsclose_note_add_expert_format(pinfo, ti, &ei_wsclose_reserved_code,
                                       "Close code %u is %s and must not be sent (RFC 6455 7.4.2)",
                                       code, wsclose_class_short_label(cls));
    }
}

/* Whether a filter, column or field list refers to Wireshark's own expert fields (asked for
 * every WebSocket segment: their registrations are looked up once).  From 4.4 on,
 * tshark -T fields alone does not mark them. */
static bool
expert_fields_referenced(void)
{
    unsigned i;

    for (i = 0; i < G_N_ELEMENTS(expert_generic_hfi); i++)
        if (expert_generic_hfi[i] && expert_generic_hfi[i]->ref_type != HF_REF_TYPE_NONE)
            return true;
    return false;
}

/* Whether the expert tap reads expert items: tshark -z expert, the GUI's Expert
 * Information. */
static bool
experts_tapped(void)
{
    return have_tap_listener(expert_tap_id);
}

/* Whether anything reads expert items: the expert tap, or a filter, column or field list on
 * their fields. */
static bool
experts_wanted(void)
{
    return experts_tapped() || expert_fields_referenced();
}

/*
 * The tree to build wsclose's items in.  A tree that is not shown (tshark -Y on other
 * fields) fakes the items under wsclose's subtree anyway, but not the subtree itself nor
 * the expert items: when nothing refers to wsclose (a field of it marks the protocol as
 * referenced too) or to expert items, they are not built at all.  Whether the tree is
 * shown is read through proto.h's PTREE_DATA(): 4.0 to 4.6 have a setter for it
 * (proto_tree_set_visible) but no getter, and Wireshark's own plugins read it the same way.
 */
static proto_tree *
tree_if_wanted(proto_tree *tree, bool experts)
{
    if (!tree || PTREE_DATA(tree)->visible || experts || wsclose_hfi->ref_type != HF_REF_TYPE_NONE)
        return tree;
    return NULL;
}

/* One WebSocket segment's walk over its frames: its captured bytes, and whether anything
 * reads expert items (asked once per segment). */
typedef struct {
    wsclose_walk_t walk;
    const uint8_t *data;
    bool experts;
} segment_t;

/* The chat-level item that lists every well-formed close in the Expert Information dialog
 * and in tshark -z expert. */
static void
add_chat(packet_info *pinfo, proto_item *ti, bool experts, const char *fmt, const char *name,
         unsigned code)
{
    if (!pref_chat_items)
        return;
    wsclose_note_expert(pinfo, &ei_wsclose_close);
    /* Formatting it costs more than the rest of the close frame: skip it when nothing
     * would show it (no shown tree, no filter or column on its fields, no expert tap, no
     * Expert column). */
    if (!(ti && wsclose_view_item_wanted(ti, ei_wsclose_close.hf)) && !experts &&
        !col_get_text(pinfo->cinfo, COL_EXPERT))
        return;
    expert_add_info_format(pinfo, ti, &ei_wsclose_close, fmt, name, code);
}

/* What the statistics tree counts of this close frame. */
static void
note_close(packet_info *pinfo, const wsclose_payload_t *cp, const wsclose_analysis_t *an,
           const wsclose_connection_t *conn)
{
    wsclose_packet_note_t *note;
    wsclose_close_note_t *cn;

    if (!wsclose_note_wanted())
        return;
    note = wsclose_packet_note(pinfo);
    note->connection = conn;
    cn = wmem_new0(pinfo->pool, wsclose_close_note_t);
    cn->has_code = cp && cp->kind == WSCLOSE_PAYLOAD_CODE;
    cn->code = cn->has_code ? cp->code : 0;
    cn->empty = cp && cp->kind == WSCLOSE_PAYLOAD_EMPTY;
    cn->from = an->from;
    cn->initiator = an->initiator;
    cn->duplicate = an->duplicate_of != 0;
    cn->completes_handshake = an->completes;
    cn->clean = an->clean;
    if (!note->closes)
        note->closes = wmem_list_new(pinfo->pool);
    wmem_list_append(note->closes, cn);
}

/* A close frame whose status the capture cut off (snaplen). */
static void
not_captured(packet_info *pinfo, tvbuff_t *tvb, proto_tree *cl_tree, proto_item *ti,
             wsclose_walk_t *walk)
{
    wsclose_analysis_t an;

    wsclose_handshake_close(walk, pinfo, 0, false, 0, false, &an);
    note_close(pinfo, NULL, &an, walk->conn);
    add_handshake(cl_tree, tvb, pinfo, ti, &an);
    wsclose_note_add_expert(pinfo, ti, &ei_wsclose_truncated);
    wsclose_view_info_append(pinfo, "close status not captured");
}

/* A server close frame WinHTTP rejects: what the client gets instead of its status. */
static void
label_rejected(packet_info *pinfo, proto_tree *tree, tvbuff_t *tvb, proto_item *ti, int offset,
               int len, const wsclose_api_result_t *r)
{
    const char *error = wsclose_api_error_name(r->receive_error);

    proto_item_append_text(ti, ": rejected by WinHTTP (%s)", error);
    wsclose_add_generated_string(
        tree, hf_wsclose_meaning, tvb, offset, len,
        wmem_strdup_printf(pinfo->pool,
                           "WinHttpWebSocketReceive fails with %s: invalid "
                           "data was received from the server",
                           error));
    wsclose_view_info_append(pinfo, wmem_strdup_printf(pinfo->pool,
                                                       "invalid close: WinHTTP Receive fails "
                                                       "with %u",
                                                       r->receive_error));
}

/*
 * One close frame: frame_len bytes at offset in tvb, with its parsed header, or NULL when
 * the capture cut the header short (the payload may be cut short too).
 */
static void
dissect_close_frame(tvbuff_t *tvb, int offset, unsigned captured, uint32_t frame_len,
                    const wsclose_frame_header_t *hdr, packet_info *pinfo, proto_tree *tree,
                    segment_t *seg)
{
    wsclose_walk_t *walk = &seg->walk;
    wsclose_analysis_t an;
    wsclose_api_frame_t f;
    wsclose_api_result_t r;
    proto_item *ti;
    proto_tree *cl_tree;
    uint32_t payload_len;
    unsigned payload_captured, examine;
    uint8_t *payload = NULL;
    uint8_t small[WSCLOSE_CONTROL_PAYLOAD_MAX + 2];
    int payload_offset;
    int view_len;
    const wsclose_code_info_t *info = NULL;
    wsclose_class_t cls;
    bool view;

    ti = cl_tree = NULL;
    if (tree) {
        ti =
            proto_tree_add_item(tree, proto_wsclose, tvb, offset, MIN(captured, frame_len), ENC_NA);
        cl_tree = proto_item_add_subtree(ti, ett_wsclose);
    }
    if (!hdr) {
        not_captured(pinfo, tvb, cl_tree, ti, walk);
        return;
    }
    payload_offset = offset + (int)hdr->header_len;
    check_frame(pinfo, ti, hdr);

    /* The payload is what the built-in dissector delimits: its 32-bit frame length keeps
     * only the low bits of a 64-bit payload length.  The wire length still decides the
     * "over 125 bytes" error. */
    payload_len = frame_len > hdr->header_len ? frame_len - hdr->header_len : 0;
    payload_captured = MIN(captured - hdr->header_len, payload_len);
    /* What the payload is follows from its length on the wire, not from what was captured. */
    if (payload_len >= 2 && payload_captured < 2) {
        not_captured(pinfo, tvb, cl_tree, ti, walk);
        return;
    }
    examine = MIN(payload_captured, REASON_EXAMINE_MAX + 2);
    if (examine) {
        /* A well-formed close payload fits on the stack; only an overlong one needs the
         * packet pool. */
        payload = examine <= sizeof(small) ? small : (uint8_t *)wmem_alloc(pinfo->pool, examine);
        /* Within the captured bytes: examine <= payload_captured. */
        memcpy(payload, seg->data + payload_offset, examine);
        if (hdr->masked)
            wsclose_unmask(payload, examine, hdr->mask, 0);
    }
    memset(&f, 0, sizeof(f));
    wsclose_payload_parse(payload, payload_len < 2 ? payload_len : examine, &f.payload);
    f.fin = hdr->fin;
    f.wire_len = hdr->payload_len;
    f.reason = f.payload.kind == WSCLOSE_PAYLOAD_CODE ? payload + 2 : NULL;
    view_len = (int)payload_captured;

    /* The status the peer's application reports: the code, or 1005 when empty. */
    wsclose_handshake_close(
        walk, pinfo, hdr->payload_len, f.payload.kind != WSCLOSE_PAYLOAD_ONE_BYTE,
        f.payload.kind == WSCLOSE_PAYLOAD_CODE ? f.payload.code : WSCLOSE_EMPTY_CODE,
        wsclose_api_close_malformed(&f.payload, hdr->payload_len), &an);
    note_close(pinfo, &f.payload, &an, walk->conn);
    f.from_server = an.from == WSCLOSE_SIDE_SERVER;
    f.duplicate = an.duplicate_of != 0;
    f.answers = an.request_in != 0;
    f.answer_delay_ns = (int64_t)an.reply_time.secs * 1000000000 + an.reply_time.nsecs;
    f.close_timeout_s = pref_close_timeout;
    wsclose_api_close_frame(&f, WSCLOSE_IMPL_REFERENCE, &r);

    cls = wsclose_classify(f.payload.kind == WSCLOSE_PAYLOAD_CODE ? f.payload.code
                                                                  : WSCLOSE_EMPTY_CODE);
    if (cl_tree && f.payload.kind == WSCLOSE_PAYLOAD_CODE)
        proto_tree_add_uint(cl_tree, hf_wsclose_status, tvb, payload_offset, 2, f.payload.code);
    if (r.receive == WSCLOSE_RECEIVE_INVALID) {
        label_rejected(pinfo, cl_tree, tvb, ti, payload_offset, view_len, &r);
    } else if (f.payload.kind == WSCLOSE_PAYLOAD_ONE_BYTE) {
        proto_item_append_text(ti, ": [Malformed: 1-byte payload]");
        wsclose_view_info_append(pinfo, "Malformed close payload");
    } else {
        const unsigned code =
            f.payload.kind == WSCLOSE_PAYLOAD_CODE ? f.payload.code : WSCLOSE_EMPTY_CODE;

        info = wsclose_winhttp_status(code);
        label_status(pinfo, ti, code, f.payload.kind == WSCLOSE_PAYLOAD_EMPTY);
        if (info)
            add_winhttp_status(cl_tree, tvb, payload_offset,
                               f.payload.kind == WSCLOSE_PAYLOAD_EMPTY ? 0 : 2, info);
        else if (wsclose_code_info(code))
            add_name_sets(cl_tree, tvb, payload_offset, 2, wsclose_code_info(code));
        if (f.payload.kind == WSCLOSE_PAYLOAD_CODE)
            add_range(pinfo, cl_tree, tvb, payload_offset, code, cls);
    }
    add_handshake(cl_tree, tvb, pinfo, ti, &an);
    /* Final on the close that completes the handshake, and in later passes. */
    if (cl_tree && (an.completes || PINFO_FD_VISITED(pinfo)))
        wsclose_add_generated_string(cl_tree, hf_wsclose_handshake, tvb, 0, 0,
                                     wsclose_handshake_outcome(walk->conn));
    if (r.after_close_timeout) {
        wsclose_note_add_expert_format(
            pinfo, ti, &ei_wsclose_close_timeout,
            "The server's close comes later than the client's close timeout "
            "(WINHTTP_OPTION_WEB_SOCKET_CLOSE_TIMEOUT, %u s): a "
            "WinHttpWebSocketClose waiting for it has failed by then",
            pref_close_timeout);
    }
    view = wsclose_view_wanted(cl_tree);
    if (view)
        wsclose_view_receive(cl_tree, tvb, payload_offset, view_len, &r, f.answers, NULL);
    if (r.call == WSCLOSE_CALL_REFUSED)
        wsclose_note_add_expert(pinfo, ti, &ei_wsclose_reason_over_123);
    if (view)
        wsclose_view_call(cl_tree, tvb, payload_offset, view_len, &f, &r, an.request_in);

    switch (f.payload.kind) {
    case WSCLOSE_PAYLOAD_ONE_BYTE:
        wsclose_note_add_expert(pinfo, ti, &ei_wsclose_one_byte_payload);
        return;
    case WSCLOSE_PAYLOAD_EMPTY:
        if (r.receive != WSCLOSE_RECEIVE_INVALID)
            add_chat(pinfo, ti, seg->experts, "Close without status code: %s (%u)",
                     wsclose_winhttp_status(WSCLOSE_EMPTY_CODE)->winhttp, WSCLOSE_EMPTY_CODE);
        return;
    case WSCLOSE_PAYLOAD_CODE:
        break;
    }
    check_code(pinfo, ti, f.payload.code, cls);
    if (!f.payload.reason_utf8) {
        wsclose_note_add_expert(pinfo, ti, &ei_wsclose_reason_not_utf8);
    }
    if (info && !wsclose_code_is_api_only(f.payload.code) && hdr->fin &&
        hdr->payload_len <= WSCLOSE_CONTROL_PAYLOAD_MAX)
        add_chat(pinfo, ti, seg->experts, "Close: %s (%u)", info->winhttp, f.payload.code);
}

/* A data frame: flagged when it is the first its sender sent after its close frame. */
static void
check_data_frame(tvbuff_t *tvb, int offset, uint32_t frame_len, packet_info *pinfo,
                 proto_tree *tree, wsclose_walk_t *walk)
{
    wsclose_side_t from;
    uint32_t close_frame = wsclose_handshake_data(walk, pinfo, &from);
    const int len = (int)MIN((unsigned)tvb_captured_length_remaining(tvb, offset), frame_len);

    if (!close_frame)
        return;
    proto_tree_add_expert_format(tree, pinfo, &ei_wsclose_data_after_close, tvb, offset, len,
                                 "Data frame from the %s after its close frame",
                                 wsclose_handshake_side_name(from));
    wsclose_add_generated_uint(tree, hf_wsclose_sender_close_in, tvb, offset, len, close_frame);
    wsclose_note_expert(pinfo, &ei_wsclose_data_after_close);
}

void
wsclose_scan(tvbuff_t *tvb, packet_info *pinfo, proto_tree *tree, bool could_desegment)
{
    /* One look at the captured bytes, then plain C over them: this runs for every
     * WebSocket segment. */
    const unsigned captured_total = tvb_captured_length(tvb);
    const unsigned reported_total = tvb_reported_length(tvb);
    const uint8_t *data;
    const char *caller_proto = pinfo->current_proto;
    uint64_t offset = 0;
    segment_t seg;
    wsclose_frame_header_t hdr;

    if (captured_total == 0 || !proto_is_protocol_enabled(wsclose_protocol))
        return;
    memset(&seg, 0, sizeof(seg));
    seg.experts = experts_wanted();
    wsclose_watch_websocket_seen(seg.experts);
    tree = tree_if_wanted(tree, seg.experts);
    /* Expert items name the protocol current when they are added. */
    pinfo->current_proto = "WSCLOSE";
    seg.data = data = tvb_get_ptr(tvb, 0, captured_total);

    while (offset < reported_total && offset < captured_total) {
        const unsigned captured = captured_total - (unsigned)offset;
        const uint8_t *header = data + offset;
        const uint8_t opcode = wsclose_frame_opcode(header);
        bool whole_header = false;
        uint32_t frame_len;

        /* A close frame's header is read whole, the others' only for their length. */
        if (opcode == WSCLOSE_OPCODE_CLOSE) {
            whole_header = wsclose_frame_header_parse(header, captured, &hdr) == WSCLOSE_HEADER_OK;
            frame_len = hdr.pdu_len;
        } else {
            frame_len = wsclose_frame_pdu_len(header, captured);
        }
        /* The built-in dissector stops here too: it asks for more data, or gives up. */
        if (frame_len < 2 || (could_desegment && captured < frame_len))
            break;
        if (opcode == WSCLOSE_OPCODE_CLOSE) {
            if (!seg.walk.conn || !seg.walk.conn->server_known)
                seg.walk.conn = wsclose_handshake_connection(pinfo, hdr.masked);
            dissect_close_frame(tvb, (int)offset, captured, frame_len, whole_header ? &hdr : NULL,
                                pinfo, tree, &seg);
        } else if (opcode < WSCLOSE_OPCODE_CLOSE) {
            check_data_frame(tvb, (int)offset, frame_len, pinfo, tree, &seg.walk);
        }
        offset += frame_len;
        if (offset > G_MAXINT)
            break;
    }
    /* Connections that carry WebSocket count from their first whole WebSocket frame, even if
     * they never close in the capture (a segment that only starts a frame is, in later
     * passes, no longer handed to WebSocket at all); a walk that met a close frame has its
     * connection at hand. */
    if (offset > 0 && wsclose_note_wanted())
        wsclose_note_connection(
            pinfo, seg.walk.conn ? seg.walk.conn : wsclose_handshake_websocket_connection(pinfo));
    pinfo->current_proto = caller_proto;
}

/* The expert tap is registered after the plugins' handoff: it is looked up per file. */
static void
wsclose_init(void)
{
    expert_tap_id = find_tap_id("expert");
}

void
proto_register_wsclose(void)
{
    static hf_register_info hf[] = {
        {&hf_wsclose_status,
         {"Status", "wsclose.status", FT_UINT16, BASE_CUSTOM, CF_FUNC(wsclose_view_format_status),
          0x0, "Close status code on the wire, with its WinHTTP name where it has one", HFILL}},
        {&hf_wsclose_winhttp,
         {"WinHTTP status", "wsclose.winhttp", FT_STRING, BASE_NONE, NULL, 0x0,
          "WINHTTP_WEB_SOCKET_CLOSE_STATUS value of this close frame's status (1005 when it has "
          "none); not on a server close the client's WinHTTP rejects, nor on an abort",
          HFILL}},
        {&hf_wsclose_meaning,
         {"Meaning", "wsclose.meaning", FT_STRING, BASE_NONE, NULL, 0x0,
          "Meaning of the WinHTTP status, in the words of its documentation; for a server close "
          "the client's WinHTTP rejects, what the client gets instead",
          HFILL}},
        {&hf_wsclose_alias,
         {"Documentation alias", "wsclose.winhttp.alias", FT_STRING, BASE_NONE, NULL, 0x0,
          "Second name the WinHTTP documentation gives this code (not a member of the enum "
          "in winhttp.h)",
          HFILL}},
        {&hf_wsclose_alias_meaning,
         {"Alias meaning", "wsclose.winhttp.alias.meaning", FT_STRING, BASE_NONE, NULL, 0x0,
          "Meaning the WinHTTP documentation gives the alias", HFILL}},
        {&hf_wsclose_range,
         {"Range", "wsclose.range", FT_STRING, BASE_NONE, NULL, 0x0,
          "Where the close code stands: WinHTTP enum value, IANA-registered, reserved, "
          "registered for libraries/frameworks, private use or invalid",
          HFILL}},
        {&hf_wsclose_websocket_h,
         {"websocket.h name", "wsclose.websocket_h", FT_STRING, BASE_NONE, NULL, 0x0,
          "Name of the code in websocket.h (WEB_SOCKET_*_CLOSE_STATUS; WinINet's "
          "HTTP_WEB_SOCKET_* has the same values)",
          HFILL}},
        {&hf_wsclose_dotnet,
         {".NET name", "wsclose.dotnet", FT_STRING, BASE_NONE, NULL, 0x0,
          "Name of the code in .NET's System.Net.WebSockets.WebSocketCloseStatus", HFILL}},
        {&hf_wsclose_iana,
         {"IANA name", "wsclose.iana", FT_STRING, BASE_NONE, NULL, 0x0,
          "Name of the code in the IANA WebSocket Close Code Number Registry", HFILL}},
        {&hf_wsclose_from,
         {"From", "wsclose.from", FT_STRING, BASE_NONE, NULL, 0x0,
          "Endpoint that sent this close frame: client or server", HFILL}},
        {&hf_wsclose_initiator,
         {"Initiator", "wsclose.initiator", FT_STRING, BASE_NONE, NULL, 0x0,
          "Endpoint that started this connection's closing handshake", HFILL}},
        {&hf_wsclose_reply_in,
         {"Reply in", "wsclose.reply_in", FT_FRAMENUM, BASE_NONE,
          FRAMENUM_TYPE(FT_FRAMENUM_RESPONSE), 0x0,
          "Frame in which the peer answered this close frame", HFILL}},
        {&hf_wsclose_request_in,
         {"Request in", "wsclose.request_in", FT_FRAMENUM, BASE_NONE,
          FRAMENUM_TYPE(FT_FRAMENUM_REQUEST), 0x0,
          "Frame of the initiating close frame that this one answers", HFILL}},
        {&hf_wsclose_duplicate_of,
         {"First close in", "wsclose.duplicate_of", FT_FRAMENUM, BASE_NONE, NULL, 0x0,
          "Frame of the sender's first close frame, of which this one is a second", HFILL}},
        {&hf_wsclose_sender_close_in,
         {"Sender's close in", "wsclose.sender_close_in", FT_FRAMENUM, BASE_NONE, NULL, 0x0,
          "Frame of the close frame that this data frame's sender sent before it", HFILL}},
        {&hf_wsclose_time,
         {"Time since request", "wsclose.time", FT_RELATIVE_TIME, BASE_NONE, NULL, 0x0,
          "Time from the initiating close frame to this reply", HFILL}},
        {&hf_wsclose_handshake,
         {"Closing handshake", "wsclose.handshake", FT_STRING, BASE_NONE, NULL, 0x0,
          "Whether the connection's closing handshake completed, as the client's WinHTTP sees "
          "it: \"complete\", or \"incomplete: \" and why not (on the close frame that "
          "completes it, on aborts, and in later passes on every close frame)",
          HFILL}},
    };

    static int *ett[] = {
        &ett_wsclose,
        &ett_wsclose_alias,
        &ett_wsclose_names,
    };

    static ei_register_info ei[] = {
        {&ei_wsclose_close, {"wsclose.close", PI_SEQUENCE, PI_CHAT, "WebSocket close", EXPFILL}},
        {&ei_wsclose_api_only_code,
         {"wsclose.api_only_code", PI_PROTOCOL, PI_WARN,
          "Close code for APIs to report (1005, 1006, 1015) sent on the wire", EXPFILL}},
        {&ei_wsclose_reserved_code,
         {"wsclose.reserved_code", PI_PROTOCOL, PI_WARN, "Reserved or invalid close code sent",
          EXPFILL}},
        {&ei_wsclose_one_byte_payload,
         {"wsclose.one_byte_payload", PI_MALFORMED, PI_ERROR,
          "1-byte close payload: a status code needs two bytes", EXPFILL}},
        {&ei_wsclose_reason_not_utf8,
         {"wsclose.reason_not_utf8", PI_PROTOCOL, PI_WARN,
          "Close reason is not valid UTF-8; the receiving WinHTTP application gets these "
          "bytes as the reason",
          EXPFILL}},
        {&ei_wsclose_payload_too_long,
         {"wsclose.payload_too_long", PI_PROTOCOL, PI_ERROR, "Close frame payload over 125 bytes",
          EXPFILL}},
        {&ei_wsclose_not_final,
         {"wsclose.not_final", PI_PROTOCOL, PI_ERROR,
          "Close frame not final (FIN=0): control frames must not be fragmented", EXPFILL}},
        {&ei_wsclose_truncated,
         {"wsclose.truncated", PI_UNDECODED, PI_WARN,
          "Close frame cut short by the capture: status code not captured", EXPFILL}},
        {&ei_wsclose_status_differs,
         {"wsclose.status_differs", PI_SEQUENCE, PI_CHAT,
          "Reply close status differs from the initiator's", EXPFILL}},
        {&ei_wsclose_data_after_close,
         {"wsclose.data_after_close", PI_SEQUENCE, PI_WARN,
          "Data frame sent after the sender's close frame", EXPFILL}},
        {&ei_wsclose_duplicate_close,
         {"wsclose.duplicate_close", PI_SEQUENCE, PI_WARN, "Second close frame from one side",
          EXPFILL}},
        {&ei_wsclose_close_timeout,
         {"wsclose.close_timeout", PI_SEQUENCE, PI_WARN,
          "Server's close later than the WinHTTP client's close timeout", EXPFILL}},
        {&ei_wsclose_reason_over_123,
         {"wsclose.reason_over_123", PI_PROTOCOL, PI_NOTE,
          "Client close reason over 123 bytes: WinHttpWebSocketClose and "
          "WinHttpWebSocketShutdown refuse it (ERROR_INVALID_PARAMETER), so this client does "
          "not close through WinHTTP",
          EXPFILL}},
    };

    expert_module_t *expert_wsclose;
    module_t *wsclose_module;

    proto_wsclose =
        proto_register_protocol("WebSocket Close Status (WinHTTP)", "WSCLOSE", "wsclose");
    proto_register_field_array(proto_wsclose, hf, array_length(hf));
    proto_register_subtree_array(ett, array_length(ett));
    expert_wsclose = expert_register_protocol(proto_wsclose);
    expert_register_field_array(expert_wsclose, ei, array_length(ei));
    wsclose_module = prefs_register_protocol(proto_wsclose, NULL);
    prefs_register_enum_preference(wsclose_module, "name_set", "Names in Info column and title",
                                   "Which API's names of close codes the Info column and the "
                                   "subtree title show",
                                   &pref_name_set, name_set_vals, false);
    prefs_register_bool_preference(wsclose_module, "chat_items", "Expert item for every close",
                                   "Add a chat-level expert item naming the WinHTTP status of "
                                   "every well-formed close frame, so that the Expert "
                                   "Information dialog lists all closes",
                                   &pref_chat_items);
    prefs_register_uint_preference(wsclose_module, "close_timeout",
                                   "WinHTTP close timeout (seconds)",
                                   "The client's WINHTTP_OPTION_WEB_SOCKET_CLOSE_TIMEOUT: a "
                                   "server close that answers the client's later than this "
                                   "gets an expert item (the reference's default is 10 s)",
                                   10, &pref_close_timeout);

    register_init_routine(wsclose_init);
    wsclose_watch_register(proto_wsclose, wsclose_end_view_draw, wsclose_upgrade_view_draw,
                           wsclose_upgrade_view_wanted, experts_wanted, experts_tapped);
    /* The abort subtree shares the close frames' subtree type and wsclose.handshake. */
    wsclose_end_view_register(proto_wsclose, ett_wsclose, hf_wsclose_handshake, &pref_name_set);
    wsclose_view_register(proto_wsclose);
    wsclose_upgrade_view_register(proto_wsclose);
    wsclose_note_register(proto_wsclose);
    wsclose_handshake_register(proto_wsclose);
    /* The table names statuses as the Info column does. */
    wsclose_conv_register(name_in_set);
}

void
proto_reg_handoff_wsclose(void)
{
    wsclose_protocol = find_protocol_by_id(proto_wsclose);
    wsclose_hfi = proto_registrar_get_nth(proto_wsclose);
    expert_generic_hfi[0] = proto_registrar_get_byname("_ws.expert");
    expert_generic_hfi[1] = proto_registrar_get_byname("_ws.expert.message");
    expert_generic_hfi[2] = proto_registrar_get_byname("_ws.expert.group");
    expert_generic_hfi[3] = proto_registrar_get_byname("_ws.expert.severity");
    wsclose_watch_handoff();
    wsclose_handshake_handoff();
    wsclose_stats_register();
}
