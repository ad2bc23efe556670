/* packet-wsclose.c
 * WebSocket Close Status (WinHTTP): labels every WebSocket close frame with the
 * WINHTTP_WEB_SOCKET_CLOSE_STATUS value a WinHTTP application receives for it.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include <string.h>
#include <stdbool.h>
#include <stdint.h>

#include <epan/dissectors/packet-http.h>
#include <epan/dissectors/packet-tcp.h>
#include <epan/epan_dissect.h>
#include <epan/expert.h>
#include <epan/packet.h>
#include <epan/prefs.h>
#include <epan/proto_data.h>
#include <epan/tap.h>

#include "close_handshake.h"
#include "close_payload.h"
#include "packet-wsclose.h"
#include "winhttp_status.h"
#include "wsclose_compat.h"
#include "wsclose_frame.h"
#include "wsclose_note.h"
#include "wsclose_stats.h"

void proto_register_wsclose(void);
void proto_reg_handoff_wsclose(void);

static int proto_wsclose = -1;
static protocol_t *wsclose_protocol;
static int expert_tap_id = -1;
/* Wireshark's own fields of every expert item (_ws.expert, .message, .group, .severity). */
static int expert_generic_hf[4] = {-1, -1, -1, -1};

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
static int hf_wsclose_time = -1;
static int hf_wsclose_abort = -1;
static int hf_wsclose_websocket_h = -1;
static int hf_wsclose_dotnet = -1;
static int hf_wsclose_iana = -1;
static int hf_wsclose_api_receive = -1;
static int hf_wsclose_api_error = -1;
static int hf_wsclose_api_query = -1;
static int hf_wsclose_api_call = -1;

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
static expert_field ei_wsclose_abort_without_close = EI_INIT;
static expert_field ei_wsclose_close_timeout = EI_INIT;
static expert_field ei_wsclose_reason_over_123 = EI_INIT;

/*
 * The taps that see what carries no WebSocket bytes.  Each tap listener costs every packet
 * a little (with one listener, every dissector queues its tap data), so only one is there
 * at a time: the HTTP 101 watch while a file has shown no WebSocket yet, then the FIN and
 * RST watch.  Both only help wsclose dissect (TL_IS_DISSECTOR_HELPER): tshark does not
 * dissect for them.  Later passes draw the aborts of a frame from a postdissector,
 * registered at the first abort (4.0 to 4.6 export no way to remove a postdissector).
 */
static struct {
    int upgrade_tapdata;
    bool upgrade_active;
    bool upgrade_retire; /* the FIN watch has started: the 101 watch goes at the next tap */
    int fin_tapdata;
    bool fin_active;
    dissector_handle_t ends_handle;
    bool ends_registered;
} watch;

/* p_add_proto_data keys (pinfo->pool): the packet note is 0 (wsclose_note.c). */
#define DRAWN_KEY 1 /* this frame's aborts are drawn */

/* Windows error codes that the WinHTTP reference names for the WebSocket calls. */
#define WSCLOSE_ERROR_INVALID_PARAMETER 87
#define WSCLOSE_ERROR_INVALID_OPERATION 4317
#define WSCLOSE_ERROR_INVALID_SERVER_RESPONSE 12152

static const value_string api_error_vals[] = {
    {WSCLOSE_ERROR_INVALID_PARAMETER, "ERROR_INVALID_PARAMETER"},
    {WSCLOSE_ERROR_INVALID_OPERATION, "ERROR_INVALID_OPERATION"},
    {WSCLOSE_ERROR_INVALID_SERVER_RESPONSE, "ERROR_WINHTTP_INVALID_SERVER_RESPONSE"},
    {0, NULL},
};

/* WinHttpWebSocketClose and WinHttpWebSocketShutdown take a reason of 0 to 123 bytes. */
#define WINHTTP_REASON_MAX 123

/*
 * A reason longer than a control frame allows is already an error; looking at more of it
 * than this would only cost time on hostile input.
 */
#define REASON_EXAMINE_MAX 4096

/* Which API's names the Info column and the subtree title use. */
enum { NAME_SET_WINHTTP, NAME_SET_WEBSOCKET_H, NAME_SET_DOTNET, NAME_SET_IANA, NAME_SET_NONE };

static const enum_val_t name_set_vals[] = {
    {"winhttp", "WinHTTP (WINHTTP_WEB_SOCKET_*_CLOSE_STATUS)", NAME_SET_WINHTTP},
    {"websocket_h", "websocket.h / WinINet (WEB_SOCKET_*_CLOSE_STATUS)", NAME_SET_WEBSOCKET_H},
    {"dotnet", ".NET (WebSocketCloseStatus)", NAME_SET_DOTNET},
    {"iana", "IANA registry", NAME_SET_IANA},
    {"none", "None (the code only)", NAME_SET_NONE},
    {NULL, NULL, -1},
};

static int pref_name_set = NAME_SET_WINHTTP;
static wsclose_pref_bool_t pref_chat_items = true;
/* WINHTTP_OPTION_WEB_SOCKET_CLOSE_TIMEOUT, in seconds; the reference's default. */
static unsigned pref_close_timeout = 10;

static const char *
name_in_set(const wsclose_code_info_t *row)
{
    if (!row)
        return NULL;
    switch (pref_name_set) {
    case NAME_SET_WINHTTP:
        return row->winhttp;
    case NAME_SET_WEBSOCKET_H:
        return row->websocket_h;
    case NAME_SET_DOTNET:
        return row->dotnet;
    case NAME_SET_IANA:
        return row->iana;
    default:
        return NULL;
    }
}

/* Expert items are counted by kind for the statistics tree. */
static void
note_expert(packet_info *pinfo, expert_field *ei)
{
    wsclose_packet_note_t *note;

    if (!wsclose_note_wanted())
        return;
    note = wsclose_packet_note(pinfo);
    if (!note->experts)
        note->experts = wmem_list_new(pinfo->pool);
    wmem_list_append(note->experts, GINT_TO_POINTER(ei->hf));
}

static void
add_expert(packet_info *pinfo, proto_item *ti, expert_field *ei)
{
    expert_add_info(pinfo, ti, ei);
    note_expert(pinfo, ei);
}

/* add_expert() with a message of its own (4.0 exports no va_list form of
 * expert_add_info_format(), hence the formatted copy). */
static void add_expert_format(packet_info *pinfo, proto_item *ti, expert_field *ei, const char *fmt,
                              ...) G_GNUC_PRINTF(4, 5);

static void
add_expert_format(packet_info *pinfo, proto_item *ti, expert_field *ei, const char *fmt, ...)
{
    va_list ap;
    char *text;

    va_start(ap, fmt);
    text = wmem_strdup_vprintf(pinfo->pool, fmt, ap);
    va_end(ap);
    expert_add_info_format(pinfo, ti, ei, "%s", text);
    note_expert(pinfo, ei);
}

/* wsclose.status shows the WinHTTP name where there is one, and the class otherwise. */
static void
format_status(char *buf, uint32_t code)
{
    const wsclose_code_info_t *info = wsclose_winhttp_status(code);

    if (info)
        snprintf(buf, ITEM_LABEL_LENGTH, "%s (%u)", info->winhttp, code);
    else
        snprintf(buf, ITEM_LABEL_LENGTH, "%u (%s)", code,
                 wsclose_class_label(wsclose_classify(code)));
}

/* The built-in dissector ends its Info text with a space when the frame is not masked. */
static void
info_append(packet_info *pinfo, const char *label)
{
    const char *text = col_get_text(pinfo->cinfo, COL_INFO);

    if (!text)
        return;
    col_append_lstr(pinfo->cinfo, COL_INFO, (*text && text[strlen(text) - 1] != ' ') ? " [" : "[",
                    label, "]", COL_ADD_LSTR_TERMINATOR);
}

static const value_string short_class_vals[] = {
    {WSCLOSE_CLASS_RESERVED, "reserved"},
    {WSCLOSE_CLASS_REGISTERED, "registered"},
    {WSCLOSE_CLASS_PRIVATE, "private use"},
    {WSCLOSE_CLASS_INVALID, "invalid"},
    {0, NULL},
};

/* The name sets that may lack a name for a WinHTTP enum value (.NET has none for 1006 and
 * 1015). */
static const value_string name_set_short_vals[] = {
    {NAME_SET_WEBSOCKET_H, "websocket.h"},
    {NAME_SET_DOTNET, ".NET"},
    {NAME_SET_IANA, "IANA"},
    {0, NULL},
};

/* Info text for a code without a name in the chosen set: the code and where it stands. */
static void
info_append_code(packet_info *pinfo, unsigned code, wsclose_class_t cls)
{
    char label[64];

    if (cls == WSCLOSE_CLASS_IANA)
        snprintf(label, sizeof(label), "%u: IANA %s, not in WinHTTP", code,
                 wsclose_code_info(code)->iana);
    else if (cls == WSCLOSE_CLASS_WINHTTP)
        snprintf(label, sizeof(label), "%u: no %s name", code,
                 val_to_str_const((uint32_t)pref_name_set, name_set_short_vals, "such"));
    else
        snprintf(label, sizeof(label), "%u: %s", code,
                 val_to_str_const(cls, short_class_vals, "unclassified"));
    info_append(pinfo, label);
}

/* The Info label and subtree title of a status, in the chosen name set. */
static void
label_status(packet_info *pinfo, proto_item *ti, unsigned code, bool empty)
{
    const char *name = name_in_set(wsclose_code_info(code));
    wsclose_class_t cls = wsclose_classify(code);

    if (!ti) {
        /* no subtree title to write */
    } else if (name)
        proto_item_append_text(ti, empty ? ": %s (%u, no status code)" : ": %s (%u)", name, code);
    else if (empty)
        proto_item_append_text(ti, ": no status code (%u)", code);
    else if (cls == WSCLOSE_CLASS_WINHTTP)
        proto_item_append_text(ti, ": %u", code);
    else
        proto_item_append_text(ti, ": %u (%s)", code, wsclose_class_label(cls));

    if (name)
        info_append(pinfo, name);
    else if (pref_name_set != NAME_SET_NONE)
        info_append_code(pinfo, code, cls);
}

/*
 * A generated string item, built only when the tree is shown or the field is asked for: in
 * a tree that is not shown, the children of a referenced item (wsclose.winhttp for
 * -T fields) would otherwise be built in full.
 */
static inline void
add_generated_string(proto_tree *tree, int hf, tvbuff_t *tvb, int offset, int len,
                     const char *value)
{
    /* A shown tree wants every item: proto_field_is_referenced() says so too, at a call's
     * cost for each item of -V and of the GUI's packet details. */
    if (tree && (PTREE_DATA(tree)->visible || proto_field_is_referenced(tree, hf)))
        proto_item_set_generated(proto_tree_add_string(tree, hf, tvb, offset, len, value));
}

/* The same code's name in websocket.h, .NET and the IANA registry, where it has one. */
static void
add_name_sets(proto_tree *tree, tvbuff_t *tvb, int offset, int len, const wsclose_code_info_t *row)
{
    if (row->websocket_h)
        add_generated_string(tree, hf_wsclose_websocket_h, tvb, offset, len, row->websocket_h);
    if (row->dotnet)
        add_generated_string(tree, hf_wsclose_dotnet, tvb, offset, len, row->dotnet);
    if (row->iana)
        add_generated_string(tree, hf_wsclose_iana, tvb, offset, len, row->iana);
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
    add_generated_string(tree, hf_wsclose_meaning, tvb, offset, len, info->meaning);
    if (info->code == 1007 && (proto_field_is_referenced(tree, hf_wsclose_alias) ||
                               proto_field_is_referenced(tree, hf_wsclose_alias_meaning))) {
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

    if (!proto_field_is_referenced(tree, hf_wsclose_range))
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

/* Where this close frame stands in its connection's closing handshake. */
static void
add_handshake(proto_tree *tree, tvbuff_t *tvb, packet_info *pinfo, proto_item *ti,
              const wsclose_analysis_t *an)
{
    proto_item *it;

    /* Without a tree (tshark's summary, -2's first pass) the names are not looked up. */
    if (tree) {
        add_generated_string(tree, hf_wsclose_from, tvb, 0, 0,
                             wsclose_handshake_side_name(an->from));
        add_generated_string(tree, hf_wsclose_initiator, tvb, 0, 0,
                             wsclose_handshake_side_name(an->initiator));
    }
    if (an->duplicate_of) {
        add_expert_format(pinfo, ti, &ei_wsclose_duplicate_close,
                          "Second close frame from the %s (its first is frame %u)",
                          wsclose_handshake_side_name(an->from), an->duplicate_of);
        return;
    }
    if (an->reply_in && proto_field_is_referenced(tree, hf_wsclose_reply_in)) {
        it = proto_tree_add_uint(tree, hf_wsclose_reply_in, tvb, 0, 0, an->reply_in);
        proto_item_set_generated(it);
    }
    if (an->request_in) {
        if (proto_field_is_referenced(tree, hf_wsclose_request_in)) {
            it = proto_tree_add_uint(tree, hf_wsclose_request_in, tvb, 0, 0, an->request_in);
            proto_item_set_generated(it);
        }
        if (proto_field_is_referenced(tree, hf_wsclose_time)) {
            it = proto_tree_add_time(tree, hf_wsclose_time, tvb, 0, 0, &an->reply_time);
            proto_item_set_generated(it);
        }
        if (an->status_differs) {
            add_expert_format(pinfo, ti, &ei_wsclose_status_differs,
                              "The %s answered with a status that differs from the "
                              "initiating close's %u (frame %u)",
                              wsclose_handshake_side_name(an->from), an->request_status,
                              an->request_in);
        }
    }
}

/* Whether a WinHTTP client view item is worth formatting: shown, or asked for. */
static bool
api_wanted(proto_tree *tree)
{
    return proto_field_is_referenced(tree, hf_wsclose_api_receive) ||
           proto_field_is_referenced(tree, hf_wsclose_api_error) ||
           proto_field_is_referenced(tree, hf_wsclose_api_query) ||
           proto_field_is_referenced(tree, hf_wsclose_api_call);
}

static void
add_api_error(proto_tree *tree, tvbuff_t *tvb, int offset, int len, uint32_t error)
{
    proto_item_set_generated(
        proto_tree_add_uint(tree, hf_wsclose_api_error, tvb, offset, len, error));
}

/* What QueryCloseStatus reports when no close frame has been received. */
static void
add_no_close_query(proto_tree *tree, tvbuff_t *tvb, int offset, int len)
{
    add_generated_string(tree, hf_wsclose_api_query, tvb, offset, len,
                         "ERROR_INVALID_OPERATION (4317): no close frame has been received");
    add_api_error(tree, tvb, offset, len, WSCLOSE_ERROR_INVALID_OPERATION);
}

/* A close reason as the application gets it: its length, then the text (quotes and control
 * characters escaped) or, when it is not UTF-8, its bytes in hex. */
static const char *
format_reason(wmem_allocator_t *pool, const uint8_t *reason, size_t len, bool utf8)
{
    wmem_strbuf_t *buf = wmem_strbuf_new(pool, "");
    size_t i;

    if (len == 0)
        return "no reason";
    wmem_strbuf_append_printf(buf, "reason %zu byte%s", len, len == 1 ? "" : "s");
    if (!utf8) {
        wmem_strbuf_append(buf, " (not UTF-8):");
        for (i = 0; i < len; i++)
            wmem_strbuf_append_printf(buf, " %02x", reason[i]);
        return wmem_strbuf_get_str(buf);
    }
    wmem_strbuf_append(buf, " \"");
    for (i = 0; i < len; i++) {
        if (reason[i] == '"' || reason[i] == '\\')
            wmem_strbuf_append_printf(buf, "\\%c", reason[i]);
        else if (reason[i] < 0x20 || reason[i] == 0x7f)
            wmem_strbuf_append_printf(buf, "\\x%02x", reason[i]);
        else
            wmem_strbuf_append_c(buf, (char)reason[i]);
    }
    wmem_strbuf_append_c(buf, '"');
    return wmem_strbuf_get_str(buf);
}

/* A status as WinHTTP's API names it: the enum member, or where the code stands. */
static const char *
api_status(wmem_allocator_t *pool, unsigned code)
{
    const wsclose_code_info_t *info = wsclose_winhttp_status(code);

    if (info)
        return wmem_strdup_printf(pool, "usStatus %u (%s)", code, info->winhttp);
    return wmem_strdup_printf(pool, "usStatus %u (not in the enum)", code);
}

/* One close frame, the parts of it the WinHTTP client view needs. */
typedef struct {
    const wsclose_frame_header_t *hdr;
    const wsclose_payload_t *cp;
    const uint8_t *reason; /* unmasked reason bytes examined */
    size_t reason_len;
    int offset;
    int len;
} close_view_t;

/*
 * A close frame the client receives: what WinHttpWebSocketReceive returns for it and what
 * WinHttpWebSocketQueryCloseStatus then reports.
 */
static void
add_client_receive(proto_tree *tree, tvbuff_t *tvb, packet_info *pinfo, const close_view_t *v,
                   const wsclose_analysis_t *an)
{
    const char *receive;

    if (an->duplicate_of || !api_wanted(tree))
        return;
    if (v->cp->kind == WSCLOSE_PAYLOAD_ONE_BYTE ||
        v->hdr->payload_len > WSCLOSE_CONTROL_PAYLOAD_MAX) {
        add_generated_string(tree, hf_wsclose_api_receive, tvb, v->offset, v->len,
                             "fails: ERROR_WINHTTP_INVALID_SERVER_RESPONSE (12152), invalid data "
                             "received from the server");
        add_api_error(tree, tvb, v->offset, v->len, WSCLOSE_ERROR_INVALID_SERVER_RESPONSE);
        add_no_close_query(tree, tvb, v->offset, v->len);
        return;
    }
    receive = an->request_in ? "WINHTTP_WEB_SOCKET_CLOSE_BUFFER_TYPE (to a Receive after "
                               "WinHttpWebSocketShutdown; a waiting WinHttpWebSocketClose "
                               "returns NO_ERROR)"
                             : "WINHTTP_WEB_SOCKET_CLOSE_BUFFER_TYPE";
    if (!v->hdr->fin)
        receive = wmem_strdup_printf(pinfo->pool,
                                     "%s; the reference is silent on a close "
                                     "frame with FIN=0 (Wine accepts it)",
                                     receive);
    add_generated_string(tree, hf_wsclose_api_receive, tvb, v->offset, v->len, receive);
    if (v->cp->kind == WSCLOSE_PAYLOAD_EMPTY) {
        add_generated_string(tree, hf_wsclose_api_query, tvb, v->offset, v->len,
                             "usStatus 1005 (WINHTTP_WEB_SOCKET_EMPTY_CLOSE_STATUS), no reason");
        return;
    }
    add_generated_string(tree, hf_wsclose_api_query, tvb, v->offset, v->len,
                         wmem_strdup_printf(pinfo->pool, "%s, %s",
                                            api_status(pinfo->pool, v->cp->code),
                                            format_reason(pinfo->pool, v->reason, v->reason_len,
                                                          v->cp->reason_utf8)));
}

/* A close frame the client sends: the call that sends such a frame. */
static void
add_client_call(proto_tree *tree, tvbuff_t *tvb, packet_info *pinfo, proto_item *ti,
                const close_view_t *v, const wsclose_analysis_t *an)
{
    const char *args;

    if (an->duplicate_of || v->cp->kind != WSCLOSE_PAYLOAD_CODE)
        return;
    if (v->hdr->payload_len - 2 > WINHTTP_REASON_MAX) {
        add_expert_format(pinfo, ti, &ei_wsclose_reason_over_123,
                          "Close reason of %" PRIu64 " bytes: WinHttpWebSocketClose and "
                          "WinHttpWebSocketShutdown refuse reasons over 123 bytes "
                          "(ERROR_INVALID_PARAMETER), so this client does not close through "
                          "WinHTTP",
                          v->hdr->payload_len - 2);
        if (api_wanted(tree))
            add_generated_string(
                tree, hf_wsclose_api_call, tvb, v->offset, v->len,
                "none: WinHttpWebSocketClose and WinHttpWebSocketShutdown refuse a "
                "reason over 123 bytes (ERROR_INVALID_PARAMETER, 87)");
        return;
    }
    if (!api_wanted(tree))
        return;
    args = wmem_strdup_printf(
        pinfo->pool, "%s, %s", api_status(pinfo->pool, v->cp->code),
        format_reason(pinfo->pool, v->reason, v->reason_len, v->cp->reason_utf8));
    if (an->request_in)
        add_generated_string(tree, hf_wsclose_api_call, tvb, v->offset, v->len,
                             wmem_strdup_printf(pinfo->pool,
                                                "WinHttpWebSocketClose (%s), answering the "
                                                "server's close (frame %u)",
                                                args, an->request_in));
    else
        add_generated_string(
            tree, hf_wsclose_api_call, tvb, v->offset, v->len,
            wmem_strdup_printf(pinfo->pool,
                               "WinHttpWebSocketClose or WinHttpWebSocketShutdown (%s)", args));
}

/* A server close that answers the client's close after WinHTTP's close timeout. */
static void
check_close_timeout(packet_info *pinfo, proto_item *ti, const wsclose_analysis_t *an)
{
    if (an->from != WSCLOSE_SIDE_SERVER || !an->request_in ||
        an->reply_time.secs < (time_t)pref_close_timeout ||
        (an->reply_time.secs == (time_t)pref_close_timeout && an->reply_time.nsecs == 0))
        return;
    add_expert_format(pinfo, ti, &ei_wsclose_close_timeout,
                      "The server's close comes %ld.%03d s after the client's (frame %u), "
                      "later than the client's close timeout (WINHTTP_OPTION_WEB_SOCKET_CLOSE_"
                      "TIMEOUT, %u s): a WinHttpWebSocketClose waiting for it has failed by then",
                      (long)an->reply_time.secs, an->reply_time.nsecs / 1000000, an->request_in,
                      pref_close_timeout);
}

/* The items of an endpoint whose connection aborted at this frame (RFC 6455 7.1.5). */
static void
show_abort(proto_tree *tree, tvbuff_t *tvb, packet_info *pinfo, const wsclose_connection_t *conn,
           wsclose_side_t endpoint)
{
    const wsclose_code_info_t *aborted = wsclose_winhttp_status(WSCLOSE_ABORTED_CODE);
    const char *me = wsclose_handshake_side_name(endpoint);
    const char *peer = wsclose_handshake_side_name(WSCLOSE_PEER(endpoint));
    const wsclose_side_t sender_side = wsclose_handshake_side(conn, pinfo);
    const char *sender = wsclose_handshake_side_name(sender_side);
    const char *how = conn->side[endpoint].recv_end_rst ? "RST" : "FIN";
    /* "from the server before its close frame", "from the client before the server's ..." */
    const char *whose = sender_side == WSCLOSE_PEER(endpoint)
                            ? "its"
                            : wmem_strdup_printf(pinfo->pool, "the %s's", peer);
    proto_item *ti;
    proto_tree *ab_tree;
    char label[96];

    ti = proto_tree_add_protocol_format(
        tree, proto_wsclose, tvb, 0, 0,
        "WebSocket Close Status (WinHTTP): %s (%u) for the %s: TCP %s from the %s before %s "
        "close frame",
        aborted->winhttp, WSCLOSE_ABORTED_CODE, me, how, sender, whose);
    ab_tree = proto_item_add_subtree(ti, ett_wsclose);
    add_generated_string(ab_tree, hf_wsclose_abort, tvb, 0, 0, me);
    add_winhttp_status(ab_tree, tvb, 0, 0, aborted);
    if (endpoint == WSCLOSE_SIDE_CLIENT && api_wanted(ab_tree)) {
        add_generated_string(
            ab_tree, hf_wsclose_api_receive, tvb, 0, 0,
            wmem_strdup_printf(pinfo->pool,
                               "fails: the connection was aborted (TCP %s from the %s "
                               "before %s close frame)",
                               how, sender, whose));
        add_no_close_query(ab_tree, tvb, 0, 0);
    }
    if (endpoint == WSCLOSE_SIDE_CLIENT)
        add_expert_format(pinfo, ti, &ei_wsclose_abort_without_close,
                          "TCP %s without a close frame from the server: the client's WinHTTP "
                          "calls fail, the connection was aborted (%s, %u)",
                          how, aborted->winhttp, WSCLOSE_ABORTED_CODE);
    else
        add_expert_format(pinfo, ti, &ei_wsclose_abort_without_close,
                          "TCP %s without a close frame from the client: the server's "
                          "connection closed abnormally (%s, %u)",
                          how, aborted->winhttp, WSCLOSE_ABORTED_CODE);
    snprintf(label, sizeof(label), "%s for the %s", aborted->winhttp, me);
    info_append(pinfo, label);
}

/* Every endpoint whose connection aborted at this frame. */
static void
show_aborts(proto_tree *tree, tvbuff_t *tvb, packet_info *pinfo, const wsclose_connection_t *conn)
{
    const char *caller_proto = pinfo->current_proto;
    wsclose_side_t endpoint;

    /* So that the expert items name WSCLOSE, not the protocol that happens to be current. */
    pinfo->current_proto = "WSCLOSE";
    for (endpoint = WSCLOSE_SIDE_CLIENT; endpoint <= WSCLOSE_SIDE_SERVER; endpoint++) {
        if (wsclose_handshake_aborted_at(conn, endpoint, pinfo->num))
            show_abort(tree, tvb, pinfo, conn, endpoint);
    }
    pinfo->current_proto = caller_proto;
}

/* Expert items that follow from the frame alone (no connection state). */
static void
check_frame(packet_info *pinfo, proto_item *ti, const wsclose_frame_header_t *hdr)
{
    if (hdr->payload_len > WSCLOSE_CONTROL_PAYLOAD_MAX) {
        add_expert_format(pinfo, ti, &ei_wsclose_payload_too_long,
                          "Close frame payload is %" PRIu64
                          " bytes; control frames carry at most 125",
                          hdr->payload_len);
    }
    if (!hdr->fin) {
        add_expert(pinfo, ti, &ei_wsclose_not_final);
    }
}

static void
check_code(packet_info *pinfo, proto_item *ti, unsigned code, wsclose_class_t cls)
{
    if (wsclose_code_is_api_only(code)) {
        add_expert_format(pinfo, ti, &ei_wsclose_api_only_code,
                          "Close code %u (%s) is for APIs to report and must not be sent "
                          "in a close frame (RFC 6455 7.4.1)",
                          code, wsclose_winhttp_status(code)->winhttp);
    } else if (cls == WSCLOSE_CLASS_RESERVED || cls == WSCLOSE_CLASS_INVALID) {
        add_expert_format(pinfo, ti, &ei_wsclose_reserved_code,
                          "Close code %u is %s and must not be sent (RFC 6455 7.4.2)", code,
                          cls == WSCLOSE_CLASS_RESERVED ? "reserved" : "invalid");
    }
}

/*
 * Whether a filter, column or field list refers to the field, with or without a tree at
 * hand.  proto_field_is_referenced() needs a tree, and for a protocol it also answers yes
 * whenever the tree does not fake protocols, which would build wsclose's items for nothing
 * in the modes that fake only fields.
 */
static bool
field_referenced(int hf)
{
    return proto_registrar_get_nth(hf)->ref_type != HF_REF_TYPE_NONE;
}

/* Whether a filter, column or field list refers to Wireshark's own expert fields. */
static bool
expert_fields_referenced(void)
{
    unsigned i;

    for (i = 0; i < G_N_ELEMENTS(expert_generic_hf); i++)
        if (expert_generic_hf[i] > 0 && field_referenced(expert_generic_hf[i]))
            return true;
    return false;
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
tree_if_wanted(proto_tree *tree)
{
    if (!tree || PTREE_DATA(tree)->visible || field_referenced(proto_wsclose) ||
        expert_fields_referenced() || have_tap_listener(expert_tap_id))
        return tree;
    return NULL;
}

/* Whether anything asks for the chat item's fields, or shows the tree it would be in. */
static bool
chat_wanted(proto_item *ti)
{
    if (!ti)
        return false;
    return proto_field_is_referenced(ti, ei_wsclose_close.hf) || expert_fields_referenced();
}

/* The chat-level item that lists every well-formed close in the Expert Information dialog. */
static void
add_chat(packet_info *pinfo, proto_item *ti, const char *fmt, const char *name, unsigned code)
{
    if (!pref_chat_items)
        return;
    note_expert(pinfo, &ei_wsclose_close);
    /* Formatting it costs more than the rest of the close frame: skip it when nothing
     * would show it (no shown tree, no filter or column on its fields, no expert tap, no
     * Expert column). */
    if (!chat_wanted(ti) && !have_tap_listener(expert_tap_id) &&
        !col_get_text(pinfo->cinfo, COL_EXPERT))
        return;
    expert_add_info_format(pinfo, ti, &ei_wsclose_close, fmt, name, code);
}

/* What the statistics tree counts of this close frame. */
static void
note_close(packet_info *pinfo, const wsclose_payload_t *cp, const wsclose_analysis_t *an)
{
    wsclose_packet_note_t *note;
    wsclose_close_note_t *cn;

    if (!wsclose_note_wanted())
        return;
    note = wsclose_packet_note(pinfo);
    cn = wmem_new0(pinfo->pool, wsclose_close_note_t);
    cn->has_code = cp && cp->kind == WSCLOSE_PAYLOAD_CODE;
    cn->code = cn->has_code ? cp->code : 0;
    cn->empty = cp && cp->kind == WSCLOSE_PAYLOAD_EMPTY;
    cn->from = an->from;
    cn->initiator = an->initiator;
    cn->duplicate = an->duplicate_of != 0;
    cn->completes_handshake = an->request_in != 0 && !cn->duplicate;
    if (!note->closes)
        note->closes = wmem_list_new(pinfo->pool);
    wmem_list_append(note->closes, cn);
}

/* What the WinHTTP client's calls learn from this close frame, or send as it. */
static void
add_client_view(proto_tree *tree, tvbuff_t *tvb, packet_info *pinfo, proto_item *ti,
                const close_view_t *view, const wsclose_analysis_t *an)
{
    if (an->from == WSCLOSE_SIDE_SERVER) {
        check_close_timeout(pinfo, ti, an);
        add_client_receive(tree, tvb, pinfo, view, an);
    } else {
        add_client_call(tree, tvb, pinfo, ti, view, an);
    }
}

/* A close frame whose status the capture cut off (snaplen). */
static void
not_captured(packet_info *pinfo, tvbuff_t *tvb, proto_tree *cl_tree, proto_item *ti,
             wsclose_walk_t *walk)
{
    wsclose_analysis_t an;

    wsclose_handshake_close(walk, pinfo, false, 0, &an);
    note_close(pinfo, NULL, &an);
    add_handshake(cl_tree, tvb, pinfo, ti, &an);
    add_expert(pinfo, ti, &ei_wsclose_truncated);
    info_append(pinfo, "close status not captured");
}

/*
 * One close frame: frame_len bytes at offset in tvb, of which the header has been checked
 * to be there by the caller's walk (it may still be cut short by the capture).
 */
static void
dissect_close_frame(tvbuff_t *tvb, int offset, const uint8_t *frame, unsigned captured,
                    uint32_t frame_len, packet_info *pinfo, proto_tree *tree, wsclose_walk_t *walk)
{
    wsclose_analysis_t an;
    wsclose_frame_header_t hdr;
    wsclose_payload_t cp;
    proto_item *ti;
    proto_tree *cl_tree;
    uint32_t payload_len;
    unsigned payload_captured, examine;
    uint8_t *payload = NULL;
    /* A well-formed close payload fits here; only an overlong one needs the packet pool. */
    uint8_t small[WSCLOSE_CONTROL_PAYLOAD_MAX + 2];
    int payload_offset;
    const wsclose_code_info_t *info = NULL;
    wsclose_class_t cls = WSCLOSE_CLASS_INVALID;
    close_view_t view;

    ti = cl_tree = NULL;
    if (tree) {
        ti =
            proto_tree_add_item(tree, proto_wsclose, tvb, offset, MIN(captured, frame_len), ENC_NA);
        cl_tree = proto_item_add_subtree(ti, ett_wsclose);
    }

    if (wsclose_frame_header_parse(frame, MIN(captured, WSCLOSE_HEADER_MAX), &hdr) !=
        WSCLOSE_HEADER_OK) {
        not_captured(pinfo, tvb, cl_tree, ti, walk);
        return;
    }
    check_frame(pinfo, ti, &hdr);

    payload_offset = offset + (int)hdr.header_len;
    /* The payload is what the built-in dissector delimits: its 32-bit frame length keeps
     * only the low bits of a 64-bit payload length.  The wire length still decides the
     * "over 125 bytes" error. */
    payload_len = frame_len > hdr.header_len ? frame_len - hdr.header_len : 0;
    payload_captured = captured > hdr.header_len ? captured - hdr.header_len : 0;
    if (payload_captured > payload_len)
        payload_captured = payload_len;
    examine = MIN(payload_captured, REASON_EXAMINE_MAX + 2);
    if (examine) {
        payload = examine <= sizeof(small) ? small : (uint8_t *)wmem_alloc(pinfo->pool, examine);
        memcpy(payload, frame + hdr.header_len, examine);
        if (hdr.masked)
            wsclose_unmask(payload, examine, hdr.mask, 0);
    }
    /* What the payload is follows from its length on the wire, not from what was captured. */
    if (payload_len >= 2 && payload_captured < 2) {
        not_captured(pinfo, tvb, cl_tree, ti, walk);
        return;
    }
    wsclose_payload_parse(payload, payload_len < 2 ? payload_len : examine, &cp);
    view.hdr = &hdr;
    view.cp = &cp;
    view.reason = cp.kind == WSCLOSE_PAYLOAD_CODE ? payload + 2 : NULL;
    view.reason_len = cp.kind == WSCLOSE_PAYLOAD_CODE ? examine - 2 : 0;
    view.offset = payload_offset;
    view.len = (int)MIN(payload_captured, payload_len);
    /* The status the peer's WinHTTP application reports: the code, or 1005 when empty. */
    wsclose_handshake_close(walk, pinfo, cp.kind != WSCLOSE_PAYLOAD_ONE_BYTE,
                            cp.kind == WSCLOSE_PAYLOAD_CODE ? cp.code : WSCLOSE_EMPTY_CODE, &an);
    note_close(pinfo, &cp, &an);

    switch (cp.kind) {
    case WSCLOSE_PAYLOAD_EMPTY:
        info = wsclose_winhttp_status(WSCLOSE_EMPTY_CODE);
        label_status(pinfo, ti, WSCLOSE_EMPTY_CODE, true);
        add_winhttp_status(cl_tree, tvb, payload_offset, 0, info);
        add_handshake(cl_tree, tvb, pinfo, ti, &an);
        add_client_view(cl_tree, tvb, pinfo, ti, &view, &an);
        add_chat(pinfo, ti, "Close without status code: %s", info->winhttp, WSCLOSE_EMPTY_CODE);
        return;
    case WSCLOSE_PAYLOAD_ONE_BYTE:
        proto_item_append_text(ti, ": [Malformed: 1-byte payload]");
        add_handshake(cl_tree, tvb, pinfo, ti, &an);
        add_client_view(cl_tree, tvb, pinfo, ti, &view, &an);
        add_expert(pinfo, ti, &ei_wsclose_one_byte_payload);
        info_append(pinfo, "Malformed close payload");
        return;
    case WSCLOSE_PAYLOAD_CODE:
        break;
    }

    info = wsclose_winhttp_status(cp.code);
    cls = wsclose_classify(cp.code);
    if (proto_field_is_referenced(cl_tree, hf_wsclose_status))
        proto_tree_add_uint(cl_tree, hf_wsclose_status, tvb, payload_offset, 2, cp.code);
    label_status(pinfo, ti, cp.code, false);
    if (info)
        add_winhttp_status(cl_tree, tvb, payload_offset, 2, info);
    else if (wsclose_code_info(cp.code))
        add_name_sets(cl_tree, tvb, payload_offset, 2, wsclose_code_info(cp.code));
    add_range(pinfo, cl_tree, tvb, payload_offset, cp.code, cls);
    add_handshake(cl_tree, tvb, pinfo, ti, &an);
    add_client_view(cl_tree, tvb, pinfo, ti, &view, &an);
    check_code(pinfo, ti, cp.code, cls);
    if (!cp.reason_utf8) {
        add_expert(pinfo, ti, &ei_wsclose_reason_not_utf8);
    }
    if (info && !wsclose_code_is_api_only(cp.code) && hdr.fin &&
        hdr.payload_len <= WSCLOSE_CONTROL_PAYLOAD_MAX)
        add_chat(pinfo, ti, "Close: %s (%u)", info->winhttp, cp.code);
}

/* A data frame: flagged when it is the first its sender sent after its close frame. */
static void
check_data_frame(tvbuff_t *tvb, int offset, uint32_t frame_len, packet_info *pinfo,
                 proto_tree *tree, wsclose_walk_t *walk)
{
    wsclose_side_t from;
    uint32_t close_frame = wsclose_handshake_data(walk, pinfo, &from);

    if (!close_frame)
        return;
    proto_tree_add_expert_format(
        tree, pinfo, &ei_wsclose_data_after_close, tvb, offset,
        MIN((unsigned)tvb_captured_length_remaining(tvb, offset), frame_len),
        "Data frame from the %s after its close frame (frame %u)",
        wsclose_handshake_side_name(from), close_frame);
    note_expert(pinfo, &ei_wsclose_data_after_close);
}

/* What the statistics tree counts of an abort. */
static void
note_aborts(packet_info *pinfo, const wsclose_connection_t *conn)
{
    wsclose_packet_note_t *note;
    wsclose_side_t endpoint;

    if (!wsclose_note_wanted())
        return;
    note = wsclose_packet_note(pinfo);
    for (endpoint = WSCLOSE_SIDE_CLIENT; endpoint <= WSCLOSE_SIDE_SERVER; endpoint++)
        note->aborted[endpoint] = wsclose_handshake_aborted_at(conn, endpoint, pinfo->num);
    note->connection_aborted = conn->abort_frame == pinfo->num;
    /* A connection first met at its end (no close frame was seen) counts here. */
    wsclose_note_connection(pinfo, conn);
}

/* The aborts of a frame, drawn once per pass. */
static void
draw_aborts(proto_tree *tree, tvbuff_t *tvb, packet_info *pinfo, const wsclose_connection_t *conn)
{
    if (p_get_proto_data(pinfo->pool, pinfo, proto_wsclose, DRAWN_KEY))
        return;
    p_add_proto_data(pinfo->pool, pinfo, proto_wsclose, DRAWN_KEY, GUINT_TO_POINTER(1));
    note_aborts(pinfo, conn);
    show_aborts(tree, tvb, pinfo, conn);
}

/* Later passes: the aborts an earlier pass recorded for this frame. */
static int
dissect_wsclose_ends(tvbuff_t *tvb, packet_info *pinfo, proto_tree *tree, void *data _U_)
{
    const wsclose_connection_t *conn;

    if (!PINFO_FD_VISITED(pinfo))
        return 0;
    conn = wsclose_handshake_aborted_in(pinfo);
    if (conn)
        draw_aborts(tree, tvb, pinfo, conn);
    return 0;
}

static void
stop_upgrade_watch(void)
{
    if (watch.upgrade_active)
        remove_tap_listener(&watch.upgrade_tapdata);
    watch.upgrade_active = false;
    watch.upgrade_retire = false;
}

/* Every TCP packet once WebSocket has been seen: a FIN or RST that ends what an endpoint
 * receives before its peer's close frame gets the abort items, added after the packet's
 * dissection (it carries no WebSocket bytes for the wrapper to see). */
static tap_packet_status
fin_watch_packet(void *tapdata _U_, packet_info *pinfo, epan_dissect_t *edt, const void *data,
                 tap_flags_t flags _U_)
{
    const wsclose_connection_t *conn;

    /* Not from the 101 watch's own callback: a listener must not remove itself. */
    if (watch.upgrade_retire)
        stop_upgrade_watch();
    conn = wsclose_handshake_tcp_packet(pinfo, (const struct tcpheader *)data);
    if (!conn)
        return TAP_PACKET_DONT_REDRAW;
    if (!watch.ends_registered) {
        register_postdissector(watch.ends_handle);
        watch.ends_registered = true;
    }
    draw_aborts(edt->tree, edt->tvb, pinfo, conn);
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

/* Every HTTP message until the first WebSocket frame: a 101 may have upgraded its
 * connection to WebSocket, which may end before any WebSocket frame. */
static tap_packet_status
upgrade_watch_packet(void *tapdata _U_, packet_info *pinfo _U_, epan_dissect_t *edt _U_,
                     const void *data, tap_flags_t flags _U_)
{
    const http_info_value_t *http = (const http_info_value_t *)data;

    if (http && wsclose_handshake_upgrade(http->response_code))
        start_fin_watch(true);
    return TAP_PACKET_DONT_REDRAW;
}

static void
wsclose_init(void)
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
wsclose_cleanup(void)
{
    stop_upgrade_watch();
    if (watch.fin_active)
        remove_tap_listener(&watch.fin_tapdata);
    watch.fin_active = false;
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
    wsclose_walk_t walk;

    if (captured_total == 0 || !proto_is_protocol_enabled(wsclose_protocol))
        return;
    start_fin_watch(false);
    tree = tree_if_wanted(tree);
    /* Expert items name the protocol current when they are added. */
    pinfo->current_proto = "WSCLOSE";
    memset(&walk, 0, sizeof(walk));
    data = tvb_get_ptr(tvb, 0, captured_total);

    while (offset < reported_total && offset < captured_total) {
        const unsigned captured = captured_total - (unsigned)offset;
        const uint8_t *header = data + offset;
        uint32_t frame_len = wsclose_frame_pdu_len(header, MIN(captured, WSCLOSE_HEADER_MAX));

        /* The built-in dissector stops here too: it asks for more data, or gives up. */
        if (frame_len < 2 || (could_desegment && captured < frame_len))
            break;
        if ((header[0] & 0x0f) == WSCLOSE_OPCODE_CLOSE) {
            if (!walk.conn || !walk.conn->server_known)
                walk.conn = wsclose_handshake_connection(pinfo, (header[1] & 0x80) != 0);
            dissect_close_frame(tvb, (int)offset, header, captured, frame_len, pinfo, tree, &walk);
        } else if ((header[0] & 0x0f) < WSCLOSE_OPCODE_CLOSE) {
            check_data_frame(tvb, (int)offset, frame_len, pinfo, tree, &walk);
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
        wsclose_note_connection(pinfo, walk.conn ? walk.conn
                                                 : wsclose_handshake_websocket_connection(pinfo));
    pinfo->current_proto = caller_proto;
}

void
proto_register_wsclose(void)
{
    static hf_register_info hf[] = {
        {&hf_wsclose_status,
         {"Status", "wsclose.status", FT_UINT16, BASE_CUSTOM, CF_FUNC(format_status), 0x0,
          "Close status code on the wire, with its WinHTTP name where it has one", HFILL}},
        {&hf_wsclose_winhttp,
         {"WinHTTP status", "wsclose.winhttp", FT_STRING, BASE_NONE, NULL, 0x0,
          "WINHTTP_WEB_SOCKET_CLOSE_STATUS value that WinHttpWebSocketQueryCloseStatus "
          "reports for this close frame",
          HFILL}},
        {&hf_wsclose_meaning,
         {"Meaning", "wsclose.meaning", FT_STRING, BASE_NONE, NULL, 0x0,
          "Meaning of the WinHTTP status, in the words of its documentation", HFILL}},
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
        {&hf_wsclose_time,
         {"Time since request", "wsclose.time", FT_RELATIVE_TIME, BASE_NONE, NULL, 0x0,
          "Time from the initiating close frame to this reply", HFILL}},
        {&hf_wsclose_abort,
         {"Aborted for", "wsclose.abort", FT_STRING, BASE_NONE, NULL, 0x0,
          "Endpoint whose connection closed abnormally here (RFC 6455 7.1.5; the enum value "
          "WINHTTP_WEB_SOCKET_ABORTED_CLOSE_STATUS names that ending): what it receives ended "
          "(the peer's FIN, or an RST) before the peer's close frame arrived",
          HFILL}},
        {&hf_wsclose_api_receive,
         {"WinHttpWebSocketReceive", "wsclose.api.receive", FT_STRING, BASE_NONE, NULL, 0x0,
          "What the WinHTTP client's WinHttpWebSocketReceive returns for what it receives "
          "here: the close buffer type, or that it fails and why (invalid data from the "
          "server; the connection was aborted)",
          HFILL}},
        {&hf_wsclose_api_error,
         {"WinHTTP error", "wsclose.api.error", FT_UINT32, BASE_DEC, VALS(api_error_vals), 0x0,
          "Error code the WinHTTP reference names for a WebSocket call "
          "of the client here (left out where it names none)",
          HFILL}},
        {&hf_wsclose_api_query,
         {"WinHttpWebSocketQueryCloseStatus", "wsclose.api.query", FT_STRING, BASE_NONE, NULL, 0x0,
          "What the WinHTTP client's WinHttpWebSocketQueryCloseStatus then reports: the status "
          "and the reason, or that no close frame has been received",
          HFILL}},
        {&hf_wsclose_api_call,
         {"WinHTTP call", "wsclose.api.call", FT_STRING, BASE_NONE, NULL, 0x0,
          "The WinHTTP client call that sends a close frame like this one, with its usStatus "
          "and reason",
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
         {"wsclose.status_differs", PI_SEQUENCE, PI_NOTE,
          "Reply close status differs from the initiator's", EXPFILL}},
        {&ei_wsclose_data_after_close,
         {"wsclose.data_after_close", PI_SEQUENCE, PI_WARN,
          "Data frame sent after the sender's close frame", EXPFILL}},
        {&ei_wsclose_duplicate_close,
         {"wsclose.duplicate_close", PI_SEQUENCE, PI_WARN, "Second close frame from one side",
          EXPFILL}},
        {&ei_wsclose_abort_without_close,
         {"wsclose.abort_without_close", PI_SEQUENCE, PI_WARN,
          "TCP connection ended without a close frame from one side", EXPFILL}},
        {&ei_wsclose_close_timeout,
         {"wsclose.close_timeout", PI_SEQUENCE, PI_WARN,
          "Server's close later than the WinHTTP client's close timeout", EXPFILL}},
        {&ei_wsclose_reason_over_123,
         {"wsclose.reason_over_123", PI_PROTOCOL, PI_NOTE,
          "Client close reason over 123 bytes: not sent through WinHTTP", EXPFILL}},
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

    watch.ends_handle = create_dissector_handle(dissect_wsclose_ends, proto_wsclose);
    register_init_routine(wsclose_init);
    register_cleanup_routine(wsclose_cleanup);
    wsclose_note_register(proto_wsclose);
    wsclose_handshake_register(proto_wsclose);
}

void
proto_reg_handoff_wsclose(void)
{
    wsclose_protocol = find_protocol_by_id(proto_wsclose);
    expert_tap_id = find_tap_id("expert");
    expert_generic_hf[0] = proto_registrar_get_id_byname("_ws.expert");
    expert_generic_hf[1] = proto_registrar_get_id_byname("_ws.expert.message");
    expert_generic_hf[2] = proto_registrar_get_id_byname("_ws.expert.group");
    expert_generic_hf[3] = proto_registrar_get_id_byname("_ws.expert.severity");
    wsclose_handshake_handoff();
    wsclose_stats_register();
}
