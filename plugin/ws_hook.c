/* ws_hook.c
 * How wsclose sees the WebSocket frames the built-in dissector sees.
 *
 * The built-in WebSocket dissector decodes close frames itself and hands close payloads to
 * no subdissector table, so there is nothing to register for.  Asking it for its fields
 * from a postdissector would force a protocol tree for every packet (measured 1.14x on
 * captures with no WebSocket at all).  Instead wsclose puts a wrapper handle wherever the
 * built-in "websocket" handle is registered: it calls the built-in dissector on the same
 * tvb, then walks the same frames for close frames (a 2-byte read per frame).
 *
 * The wrapper is created under the WebSocket protocol itself, so Decode As, "Enabled
 * Protocols" and the layer list (frame.protocols) look exactly as without the plugin; the
 * built-in handle is then reached through a private table with add_proto_name FALSE, so
 * "websocket" is not listed twice.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include <epan/conversation.h>
#include <epan/exceptions.h>
#include <epan/packet.h>

#include "packet-wsclose.h"
#include "ws_compat.h"

#define INNER_TABLE "wsclose.websocket"

static dissector_handle_t ws_builtin;
static dissector_handle_t ws_wrapper;
static dissector_table_t ws_inner_table;
static heur_dissector_t ws_builtin_heur;

static int
dissect_websocket_wrapped(tvbuff_t *tvb, packet_info *pinfo, proto_tree *tree, void *data)
{
    guint16 can_desegment = pinfo->can_desegment;
    volatile int len = 0;

    /* One more dissector layer must not cost the built-in dissector its TCP reassembly. */
    if (can_desegment > 0)
        pinfo->can_desegment = can_desegment + 1;
    TRY {
        len = dissector_try_uint_new(ws_inner_table, 0, tvb, pinfo, tree, FALSE, data);
    }
    CATCH_ALL {
        /*
         * A frame cut short by the capture stops the built-in dissector with an exception;
         * the close frames before it, and what was captured of it, still get labels.
         */
        pinfo->can_desegment = can_desegment;
        wsclose_scan(tvb, pinfo, tree, can_desegment > 0);
        RETHROW;
    }
    ENDTRY;
    pinfo->can_desegment = can_desegment;
    if (len > 0)
        wsclose_scan(tvb, pinfo, tree, can_desegment > 0);
    return len;
}

static gboolean
dissect_websocket_heur_wrapped(tvbuff_t *tvb, packet_info *pinfo, proto_tree *tree, void *data)
{
    bool could_desegment = pinfo->can_desegment > 0;

    if (!ws_builtin_heur(tvb, pinfo, tree, data))
        return FALSE;
    /* The built-in heuristic pins the connection to the built-in handle: pin it to ours. */
    conversation_set_dissector(find_or_create_conversation(pinfo), ws_wrapper);
    wsclose_scan(tvb, pinfo, tree, could_desegment);
    return TRUE;
}

/* A (table, key) that maps to the built-in handle, to be mapped to the wrapper. */
typedef struct {
    char *table;
    ftenum_t type;
    guint uint_key;
    char *string_key;
} registration_t;

static void
collect_registration(const gchar *table_name, ftenum_t selector_type, gpointer key,
                     gpointer value, gpointer user_data)
{
    GSList **found = (GSList **)user_data;
    registration_t *reg;

    if (dtbl_entry_get_handle((dtbl_entry_t *)value) != ws_builtin)
        return;
    reg = g_new0(registration_t, 1);
    reg->table = g_strdup(table_name);
    reg->type = selector_type;
    if (selector_type == FT_STRING || selector_type == FT_STRINGZ)
        reg->string_key = g_strdup((const char *)key);
    else
        reg->uint_key = GPOINTER_TO_UINT(key);
    *found = g_slist_prepend(*found, reg);
}

static void
visit_table(const gchar *table_name, const gchar *ui_name _U_, gpointer user_data)
{
    GSList *handle;

    if (strcmp(table_name, INNER_TABLE) == 0)
        return;
    /* Decode As offers the handles in this list: offer the wrapper in the same place. */
    for (handle = dissector_table_get_dissector_handles(find_dissector_table(table_name));
         handle; handle = handle->next) {
        if (handle->data == ws_builtin)
            handle->data = ws_wrapper;
    }
    dissector_table_foreach(table_name, collect_registration, user_data);
}

static void
reregister(gpointer data, gpointer user_data _U_)
{
    registration_t *reg = (registration_t *)data;

    /*
     * Registering again (not dissector_change_*) makes the wrapper the entry's initial
     * handle too, so that resetting Decode As keeps it.
     */
    if (reg->string_key)
        dissector_add_string(reg->table, reg->string_key, ws_wrapper);
    else if (IS_FT_UINT(reg->type))
        dissector_add_uint(reg->table, reg->uint_key, ws_wrapper);
    g_free(reg->table);
    g_free(reg->string_key);
    g_free(reg);
}

void
wsclose_hook_register(int proto_wsclose)
{
    ws_inner_table = register_dissector_table(INNER_TABLE, "WebSocket, as wsclose reaches it",
                                              proto_wsclose, FT_UINT8, BASE_DEC);
}

void
wsclose_hook_websocket(void)
{
    GSList *registrations = NULL;
    heur_dtbl_entry_t *heur;
    int proto_websocket;

    ws_builtin = find_dissector("websocket");
    proto_websocket = proto_get_id_by_filter_name("websocket");
    if (!ws_builtin || proto_websocket < 0)
        return;

    ws_wrapper = create_dissector_handle(dissect_websocket_wrapped, proto_websocket);
    dissector_all_tables_foreach_table(visit_table, &registrations, NULL);
    g_slist_foreach(registrations, reregister, NULL);
    g_slist_free(registrations);

    dissector_add_uint(INNER_TABLE, 0, ws_builtin);

    /* Keep the heuristic's name, description and enabled state; only its work changes. */
    heur = find_heur_dissector_by_unique_short_name("websocket_tcp");
    if (heur && heur->dissector != dissect_websocket_heur_wrapped) {
        ws_builtin_heur = heur->dissector;
        heur->dissector = dissect_websocket_heur_wrapped;
    }
}
