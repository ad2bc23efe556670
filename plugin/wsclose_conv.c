/* wsclose_conv.c
 * The "wsclose,conv" table: one row per WebSocket connection.
 *
 * It listens on the tcp tap, as the statistics tree does, because the end of a connection
 * (a FIN or RST segment) carries no WebSocket bytes.  Each packet whose note
 * (wsclose_note.h) names a connection (its first WebSocket frame, a close frame, a FIN or
 * RST that ends it) redraws that connection's row from the connection's analysis, so the
 * row ends up saying what the last of them left: the same in one pass and in -2.  Rows
 * come in the order their connections were first noted.  Nothing is kept per packet;
 * while the table is open, each row's texts and one map entry per connection.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include <epan/address.h>
#include <epan/to_str.h>
#include <epan/dissectors/packet-tcp.h>
#include <epan/packet.h>
#include <epan/stat_tap_ui.h>

#include "close_handshake.h"
#include "winhttp_api.h"
#include "winhttp_status.h"
#include "wsclose_conv.h"
#include "wsclose_frame.h"
#include "wsclose_note.h"

enum {
    COL_STREAM,
    COL_CLIENT,
    COL_SERVER,
    COL_PATH,
    COL_CLOSED_FIRST,
    COL_CLIENT_CLOSE,
    COL_SERVER_CLOSE,
    COL_RECEIVE,
    COL_QUERY,
    COL_ABORT,
    COL_OPEN,
    COL_HANDSHAKE,
    COL_COUNT
};

static stat_tap_table_item conv_fields[COL_COUNT] = {
    [COL_STREAM] = {TABLE_ITEM_UINT, TAP_ALIGN_RIGHT, "TCP stream", "%u"},
    [COL_CLIENT] = {TABLE_ITEM_STRING, TAP_ALIGN_LEFT, "Client", "%s"},
    [COL_SERVER] = {TABLE_ITEM_STRING, TAP_ALIGN_LEFT, "Server", "%s"},
    [COL_PATH] = {TABLE_ITEM_STRING, TAP_ALIGN_LEFT, "Path", "%s"},
    [COL_CLOSED_FIRST] = {TABLE_ITEM_STRING, TAP_ALIGN_LEFT, "Closed first", "%s"},
    [COL_CLIENT_CLOSE] = {TABLE_ITEM_STRING, TAP_ALIGN_LEFT, "Client close", "%s"},
    [COL_SERVER_CLOSE] = {TABLE_ITEM_STRING, TAP_ALIGN_LEFT, "Server close", "%s"},
    [COL_RECEIVE] = {TABLE_ITEM_STRING, TAP_ALIGN_LEFT, "Receive", "%s"},
    [COL_QUERY] = {TABLE_ITEM_STRING, TAP_ALIGN_LEFT, "QueryCloseStatus", "%s"},
    [COL_ABORT] = {TABLE_ITEM_STRING, TAP_ALIGN_LEFT, "Abort", "%s"},
    [COL_OPEN] = {TABLE_ITEM_STRING, TAP_ALIGN_LEFT, "Open at end", "%s"},
    [COL_HANDSHAKE] = {TABLE_ITEM_STRING, TAP_ALIGN_LEFT, "Closing handshake", "%s"},
};

static const char table_name[] = "WebSocket connections";

static struct {
    wsclose_conv_name_fn name;
    /* The table being filled, and the row of each connection in it (index + 1).  Wireshark
     * keeps one table per registration, shared by every dialog and -z argument. */
    stat_tap_table *table;
    GHashTable *row_of;
    bool reading; /* the table has asked for notes */
} conv;

/* Replaces the string of a cell (the table owns its strings). */
static void
set_text(stat_tap_table *table, unsigned row, unsigned col, char *text)
{
    stat_tap_table_item_type *item = stat_tap_get_field_data(table, row, col);

    if (item->value.string_value && strcmp(item->value.string_value, text) == 0) {
        g_free(text);
        return;
    }
    g_free((char *)item->value.string_value);
    item->value.string_value = text;
}

/* "address:port", IPv6 addresses in brackets. */
static char *
endpoint_text(const address *addr, uint32_t port)
{
    char *a = address_to_str(NULL, addr);
    char *text = addr->type == AT_IPv6 ? g_strdup_printf("[%s]:%u", a, port)
                                       : g_strdup_printf("%s:%u", a, port);

    wmem_free(NULL, a);
    return text;
}

/* A status in the user's name set: "NAME (code)", or the code alone. */
static char *
status_text(unsigned code)
{
    const char *name = conv.name(code);
    char text[128];

    if (!name)
        return g_strdup_printf("%u", code);
    wsclose_name_code_text(text, sizeof(text), name, code);
    return g_strdup(text);
}

/* The close frame an endpoint sent first, as the other endpoint's application gets it. */
static char *
close_text(const wsclose_endpoint_t *ep)
{
    char *status, *text;

    if (!ep->close_frame)
        return g_strdup("none");
    if (!ep->close_status_known)
        return g_strdup(ep->close_invalid ? "1-byte payload" : "not captured");
    if (ep->close_len == 0)
        return g_strdup("no status code");
    if (ep->close_len <= WSCLOSE_CONTROL_PAYLOAD_MAX)
        return status_text(ep->close_status);
    status = status_text(ep->close_status);
    text = ep->close_len == 0xffff
               ? g_strdup_printf("%s, payload over 65534 bytes", status)
               : g_strdup_printf("%s, %u-byte payload", status, (unsigned)ep->close_len);
    g_free(status);
    return text;
}

/* "NAME (code)" of a WinHTTP error code. */
static char *
error_text(uint32_t code)
{
    char text[64];

    wsclose_api_error_text(text, sizeof(text), code);
    return g_strdup(text);
}

/* What the client's WinHttpWebSocketReceive and QueryCloseStatus return at the end of what
 * it receives: the server's close frame, or the abort before it. */
static void
client_view(const wsclose_connection_t *c, char **receive, char **query)
{
    const wsclose_endpoint_t *client = &c->side[WSCLOSE_SIDE_CLIENT];
    const wsclose_endpoint_t *server = &c->side[WSCLOSE_SIDE_SERVER];
    wsclose_api_frame_t f;
    wsclose_api_result_t r;

    if (client->aborted) {
        wsclose_api_abort(client->recv_end_rst, WSCLOSE_IMPL_REFERENCE, &r);
    } else if (server->close_frame && (server->close_status_known || server->close_invalid)) {
        memset(&f, 0, sizeof(f));
        f.from_server = true;
        f.answers = client->close_frame && client->close_frame < server->close_frame;
        f.fin = true;
        f.wire_len = server->close_len;
        f.payload.kind = server->close_len == 0   ? WSCLOSE_PAYLOAD_EMPTY
                         : server->close_len == 1 ? WSCLOSE_PAYLOAD_ONE_BYTE
                                                  : WSCLOSE_PAYLOAD_CODE;
        f.payload.code = server->close_status;
        f.payload.reason_utf8 = true;
        wsclose_api_close_frame(&f, WSCLOSE_IMPL_REFERENCE, &r);
    } else {
        *receive = g_strdup("");
        *query = g_strdup("");
        return;
    }
    switch (r.receive) {
    case WSCLOSE_RECEIVE_CLOSE_BUFFER:
        *receive = g_strdup("WINHTTP_WEB_SOCKET_CLOSE_BUFFER_TYPE");
        break;
    case WSCLOSE_RECEIVE_INVALID:
        *receive = error_text(r.receive_error);
        break;
    case WSCLOSE_RECEIVE_ABORTED:
        *receive = g_strdup("fails: connection aborted");
        break;
    default:
        *receive = g_strdup("");
        break;
    }
    if (!r.query)
        *query = g_strdup("");
    else if (r.query_error)
        *query = error_text(r.query_error);
    else
        *query = g_strdup_printf("usStatus %u", r.query_status);
}

/* How the TCP connection ended, and whose WebSocket connection closed abnormally. */
static char *
abort_text(const wsclose_connection_t *c)
{
    const bool client = c->side[WSCLOSE_SIDE_CLIENT].aborted;
    const bool server = c->side[WSCLOSE_SIDE_SERVER].aborted;

    if (!client && !server)
        return g_strdup("none");
    return g_strdup_printf(
        "%s from %s, %s aborted", c->end_rst ? "RST" : "FIN",
        wsclose_handshake_side_name(c->end_by),
        client && server
            ? "client and server"
            : wsclose_handshake_side_name(client ? WSCLOSE_SIDE_CLIENT : WSCLOSE_SIDE_SERVER));
}

static const char *
closed_first(const wsclose_connection_t *c)
{
    const uint32_t client = c->side[WSCLOSE_SIDE_CLIENT].close_frame;
    const uint32_t server = c->side[WSCLOSE_SIDE_SERVER].close_frame;

    if (client && (!server || client < server))
        return "client";
    return server ? "server" : "none";
}

/* A new row for a connection, with what the packet's TCP header says of it. */
static unsigned
new_row(stat_tap_table *table, packet_info *pinfo, const struct tcpheader *tcph,
        const wsclose_connection_t *c)
{
    stat_tap_table_item_type items[COL_COUNT];
    const bool server_sends =
        tcph->th_sport == c->server_port && addresses_equal(&tcph->ip_src, &c->server_addr);
    const char *uri = wsclose_handshake_request_uri(pinfo);
    unsigned row = table->num_elements, col;

    memset(items, 0, sizeof(items));
    for (col = 0; col < COL_COUNT; col++)
        items[col].type = conv_fields[col].type;
    items[COL_STREAM].value.uint_value = tcph->th_stream;
    items[COL_CLIENT].value.string_value = server_sends
                                               ? endpoint_text(&tcph->ip_dst, tcph->th_dport)
                                               : endpoint_text(&tcph->ip_src, tcph->th_sport);
    items[COL_SERVER].value.string_value = server_sends
                                               ? endpoint_text(&tcph->ip_src, tcph->th_sport)
                                               : endpoint_text(&tcph->ip_dst, tcph->th_dport);
    /* The path: the request URI without its query. */
    items[COL_PATH].value.string_value = uri ? g_strndup(uri, strcspn(uri, "?")) : g_strdup("");
    for (col = COL_CLOSED_FIRST; col < COL_COUNT; col++)
        items[col].value.string_value = g_strdup("");
    stat_tap_init_table_row(table, row, COL_COUNT, items);
    g_hash_table_insert(conv.row_of, (void *)c, GUINT_TO_POINTER(row + 1));
    return row;
}

static void
draw_row(stat_tap_table *table, unsigned row, const wsclose_connection_t *c)
{
    char *receive, *query;

    set_text(table, row, COL_CLOSED_FIRST, g_strdup(closed_first(c)));
    set_text(table, row, COL_CLIENT_CLOSE, close_text(&c->side[WSCLOSE_SIDE_CLIENT]));
    set_text(table, row, COL_SERVER_CLOSE, close_text(&c->side[WSCLOSE_SIDE_SERVER]));
    client_view(c, &receive, &query);
    set_text(table, row, COL_RECEIVE, receive);
    set_text(table, row, COL_QUERY, query);
    set_text(table, row, COL_ABORT, abort_text(c));
    set_text(table, row, COL_OPEN, g_strdup(c->end_frame ? "no" : "yes"));
    set_text(table, row, COL_HANDSHAKE, g_strdup(wsclose_handshake_outcome(c)));
}

static tap_packet_status
conv_packet(void *tapdata, packet_info *pinfo, epan_dissect_t *edt _U_, const void *data,
            tap_flags_t flags _U_)
{
    const stat_data_t *stat_data = (const stat_data_t *)tapdata;
    const struct tcpheader *tcph = (const struct tcpheader *)data;
    const wsclose_packet_note_t *note = wsclose_packet_note_find(pinfo);
    const wsclose_connection_t *c;
    stat_tap_table *table;
    void *found;

    if (!note || !note->connection || !tcph || stat_data->stat_tap_data->tables->len == 0)
        return TAP_PACKET_DONT_REDRAW;
    c = note->connection;
    /* A frame with several TCP headers (a tunnel): the one of this connection. */
    if (!c->server_known || (tcph->th_sport != c->server_port && tcph->th_dport != c->server_port))
        return TAP_PACKET_DONT_REDRAW;
    table = g_array_index(stat_data->stat_tap_data->tables, stat_tap_table *, 0);
    if (table != conv.table)
        return TAP_PACKET_DONT_REDRAW;
    found = g_hash_table_lookup(conv.row_of, c);
    draw_row(table, found ? GPOINTER_TO_UINT(found) - 1 : new_row(table, pinfo, tcph, c), c);
    return TAP_PACKET_REDRAW;
}

static void
conv_free_item(stat_tap_table *table _U_, unsigned row _U_, unsigned column,
               stat_tap_table_item_type *field_data)
{
    if (conv_fields[column].type == TABLE_ITEM_STRING) {
        g_free((char *)field_data->value.string_value);
        field_data->value.string_value = NULL;
    }
}

/* Every row goes: a retap (the GUI's, or a new file) lists the connections again. */
static void
conv_reset(stat_tap_table *table)
{
    unsigned row, col;

    for (row = 0; row < table->num_elements; row++) {
        for (col = 0; col < table->num_fields; col++)
            conv_free_item(table, row, col, stat_tap_get_field_data(table, row, col));
        g_free(table->elements[row]);
    }
    g_free(table->elements);
    table->elements = NULL;
    table->num_elements = 0;
    if (conv.row_of)
        g_hash_table_remove_all(conv.row_of);
}

static void
conv_init(stat_tap_table_ui *ui)
{
    stat_tap_table *table = stat_tap_find_table(ui, table_name);

    if (!conv.row_of)
        conv.row_of = g_hash_table_new(g_direct_hash, g_direct_equal);
    /* The dissector notes what the table reads from now on.  stat_tap_table offers no
     * callback when a table closes, so in the GUI they go on being made after its dialog
     * has closed (a close frame's and a connection's first frame's note, no more). */
    if (!conv.reading) {
        wsclose_note_reader(true);
        conv.reading = true;
    }
    if (table) {
        conv_reset(table);
    } else {
        table = stat_tap_init_table(table_name, COL_COUNT, 0, NULL);
        stat_tap_add_table(ui, table);
        g_hash_table_remove_all(conv.row_of);
    }
    conv.table = table;
}

void
wsclose_conv_register(wsclose_conv_name_fn name)
{
    static tap_param conv_params[] = {{PARAM_FILTER, "filter", "Filter", NULL, true}};
    static stat_tap_table_ui conv_table = {
        .group = REGISTER_STAT_GROUP_GENERIC,
        .title = "WebSocket Connections (WinHTTP Close Status)",
        .tap_name = "tcp",
        .cli_string = "wsclose,conv",
        .stat_tap_init_cb = conv_init,
        .packet_func = conv_packet,
        .stat_tap_reset_table_cb = conv_reset,
        .stat_tap_free_table_item_cb = conv_free_item,
        .stat_filter_check_cb = NULL,
        .nfields = COL_COUNT,
        .fields = conv_fields,
        .nparams = G_N_ELEMENTS(conv_params),
        .params = conv_params,
        .tables = NULL,
        .refcount = 0,
    };

    conv.name = name;
    register_stat_tap_table_ui(&conv_table);
}
