/* wsclose_stats.c
 * The "wsclose" statistics tree: tshark -z wsclose,tree, and Statistics in the GUI.
 *
 * It listens on the tcp tap rather than a tap of its own, because the end of a connection
 * (a FIN or RST segment) carries no WebSocket bytes; each TCP packet's note from the
 * dissector (wsclose_note.h) says what it carried.  It only reads.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include <stdio.h>
#include <stdbool.h>

#include <epan/packet.h>
#include <epan/stats_tree.h>

#include "close_handshake.h"
#include "winhttp_status.h"
#include "wsclose_note.h"
#include "wsclose_stats.h"
#include "wsclose_compat.h"

static int st_node_closes = -1;
static int st_node_status = -1;
static int st_node_range = -1;
static int st_node_sender = -1;
static int st_node_initiator = -1;
static int st_node_connections = -1;
static int st_node_aborts = -1;
static int st_node_ended_by = -1;
static int st_node_experts = -1;

static const char st_str_closes[] = "Close frames";
static const char st_str_status[] = "By WinHTTP status";
static const char st_str_range[] = "By range";
static const char st_str_sender[] = "By sender";
static const char st_str_initiator[] = "Closing handshakes by initiator";
static const char st_str_connections[] = "WebSocket connections";
static const char st_str_clean[] =
    "Closed cleanly (both close frames, the server's accepted by the client)";
static const char st_str_rejected[] =
    "Both close frames, the server's rejected by the client (12152)";
static const char st_str_aborted[] = "Aborted (WINHTTP_WEB_SOCKET_ABORTED_CLOSE_STATUS)";
static const char st_str_open[] = "Not closed in the capture";
static const char st_str_aborts[] = "Aborts (1006) by endpoint";
static const char st_str_ended_by[] = "Aborted connections by who ended them";
static const char st_str_no_code[] = "No status code (empty payload)";
static const char st_str_unreadable[] = "No readable status (1 byte or not captured)";
static const char st_str_experts[] = "Expert items";

/* Connection counts of each open tree (a GUI may show several), to derive "not closed". */
typedef struct {
    int connections;
    int clean;
    int rejected;
    int aborted;
} conn_counts_t;

static GHashTable *counts_by_tree;

static void
stats_init(stats_tree *st)
{
    st_node_closes = stats_tree_create_node(st, st_str_closes, 0, STAT_DT_INT, true);
    st_node_status = stats_tree_create_node(st, st_str_status, st_node_closes, STAT_DT_INT, true);
    st_node_range = stats_tree_create_node(st, st_str_range, st_node_closes, STAT_DT_INT, true);
    st_node_sender = stats_tree_create_node(st, st_str_sender, st_node_closes, STAT_DT_INT, true);
    st_node_initiator = stats_tree_create_node(st, st_str_initiator, 0, STAT_DT_INT, true);
    st_node_connections = stats_tree_create_node(st, st_str_connections, 0, STAT_DT_INT, true);
    stats_tree_create_node(st, st_str_clean, st_node_connections, STAT_DT_INT, false);
    stats_tree_create_node(st, st_str_rejected, st_node_connections, STAT_DT_INT, false);
    stats_tree_create_node(st, st_str_aborted, st_node_connections, STAT_DT_INT, false);
    stats_tree_create_node(st, st_str_open, st_node_connections, STAT_DT_INT, false);
    st_node_aborts = stats_tree_create_node(st, st_str_aborts, 0, STAT_DT_INT, true);
    st_node_ended_by = stats_tree_create_node(st, st_str_ended_by, 0, STAT_DT_INT, true);
    st_node_experts = stats_tree_create_node(st, st_str_experts, 0, STAT_DT_INT, true);
    if (!counts_by_tree)
        counts_by_tree = g_hash_table_new_full(g_direct_hash, g_direct_equal, NULL, g_free);
    g_hash_table_insert(counts_by_tree, st, g_new0(conn_counts_t, 1));
    wsclose_note_reader(true);
}

static void
stats_cleanup(stats_tree *st)
{
    if (counts_by_tree && g_hash_table_remove(counts_by_tree, st))
        wsclose_note_reader(false);
}

static void
count_close(stats_tree *st, const wsclose_close_note_t *note, conn_counts_t *ended)
{
    const wsclose_code_info_t *info;
    char label[96];

    tick_stat_node(st, st_str_closes, 0, true);
    if (note->empty) {
        info = wsclose_winhttp_status(WSCLOSE_EMPTY_CODE);
        snprintf(label, sizeof(label), "%s (no status code)", info->winhttp);
    } else if (note->has_code && wsclose_winhttp_status(note->code)) {
        wsclose_status_text(label, sizeof(label), note->code);
    } else if (note->has_code) {
        snprintf(label, sizeof(label), "Not in WinHTTP: %u", note->code);
    } else {
        snprintf(label, sizeof(label), "No readable status");
    }
    /* Group nodes count too, so each shows the total of its children. */
    tick_stat_node(st, st_str_status, st_node_closes, true);
    tick_stat_node(st, label, st_node_status, false);
    /* Every close frame has a row here, so that the rows add up to the close frames. */
    tick_stat_node(st, st_str_range, st_node_closes, true);
    if (note->has_code)
        tick_stat_node(st, wsclose_class_label(wsclose_classify(note->code)), st_node_range, false);
    else
        tick_stat_node(st, note->empty ? st_str_no_code : st_str_unreadable, st_node_range, false);
    tick_stat_node(st, st_str_sender, st_node_closes, true);
    tick_stat_node(st, wsclose_handshake_side_name(note->from), st_node_sender, false);
    if (!note->duplicate && note->from == note->initiator) {
        tick_stat_node(st, st_str_initiator, 0, true);
        tick_stat_node(st, wsclose_handshake_side_name(note->initiator), st_node_initiator, false);
    }
    if (note->clean)
        ended->clean++;
    else if (note->completes_handshake)
        ended->rejected++;
}

static tap_packet_status
stats_packet(stats_tree *st, packet_info *pinfo, epan_dissect_t *edt _U_, const void *data _U_,
             tap_flags_t flags _U_)
{
    const wsclose_packet_note_t *note = wsclose_packet_note_find(pinfo);
    wmem_list_frame_t *it;
    conn_counts_t ended = {0, 0, 0, 0};
    conn_counts_t *counts;
    wsclose_side_t side;

    if (!note)
        return TAP_PACKET_DONT_REDRAW;
    for (side = WSCLOSE_SIDE_CLIENT; side <= WSCLOSE_SIDE_SERVER; side++) {
        if (note->aborted[side]) {
            tick_stat_node(st, st_str_aborts, 0, true);
            tick_stat_node(st, wsclose_handshake_side_name(side), st_node_aborts, false);
        }
    }
    if (note->connection_aborted) {
        tick_stat_node(st, st_str_ended_by, 0, true);
        tick_stat_node(st, wsclose_handshake_side_name(note->ended_by), st_node_ended_by, false);
    }
    if (note->closes) {
        for (it = wmem_list_head(note->closes); it; it = wmem_list_frame_next(it))
            count_close(st, (const wsclose_close_note_t *)wmem_list_frame_data(it), &ended);
    }
    if (note->experts) {
        for (it = wmem_list_head(note->experts); it; it = wmem_list_frame_next(it)) {
            tick_stat_node(st, st_str_experts, 0, true);
            tick_stat_node(st,
                           proto_registrar_get_abbrev(GPOINTER_TO_INT(wmem_list_frame_data(it))),
                           st_node_experts, false);
        }
    }
    counts = (conn_counts_t *)g_hash_table_lookup(counts_by_tree, st);
    if (!counts)
        return TAP_PACKET_REDRAW;
    counts->connections += (int)note->new_connections;
    counts->clean += ended.clean;
    counts->rejected += ended.rejected;
    counts->aborted += note->connection_aborted ? 1 : 0;
    set_stat_node(st, st_str_connections, 0, true, counts->connections);
    set_stat_node(st, st_str_clean, st_node_connections, false, counts->clean);
    set_stat_node(st, st_str_rejected, st_node_connections, false, counts->rejected);
    set_stat_node(st, st_str_aborted, st_node_connections, false, counts->aborted);
    set_stat_node(st, st_str_open, st_node_connections, false,
                  counts->connections - counts->clean - counts->rejected - counts->aborted);
    return TAP_PACKET_REDRAW;
}

void
wsclose_stats_register(void)
{
    stats_tree_register_plugin("tcp", "wsclose", "WebSocket Close Status (WinHTTP)", 0,
                               stats_packet, stats_init, stats_cleanup);
}
