/* wsclose_hook.c
 * How wsclose sees the WebSocket frames the built-in dissector sees.
 *
 * The built-in WebSocket dissector decodes close frames itself and hands close payloads to
 * no subdissector table, so there is nothing to register for.  Asking it for its fields
 * from a postdissector would force a protocol tree for every packet, with or without
 * WebSocket in the capture.  Instead wsclose puts a wrapper handle wherever a
 * built-in WebSocket handle is registered: it calls the built-in dissector on the same
 * tvb, then walks the same frames for close frames (a 2-byte read per frame).
 *
 * Where the wrapper is reached through a table entry or a conversation (the HTTP upgrade,
 * the heuristic), it has no protocol of its own and calls the built-in handle as HTTP
 * would: the layer list (frame.protocols) and "Enabled Protocols" stay as they are.  Decode
 * As offers and names handles by protocol, so there the wrapper is created under the
 * WebSocket protocol itself and reaches the built-in handle through a private table with
 * add_proto_name false, so that "websocket" is not listed twice.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include <string.h>
#include <stdbool.h>
#include <stdint.h>

#include <epan/conversation.h>
#include <epan/exceptions.h>
#include <epan/packet.h>

#include "packet-wsclose.h"
#include "wsclose_compat.h"
#include "wsclose_hook.h"

#define INNER_TABLE "wsclose.websocket"

/*
 * The built-in handles: "websocket" (HTTP upgrade; also Decode As up to 4.4) and, from 4.6
 * on, "websocket_tcp" (Decode As on TCP ports).  The index is the key of the built-in handle
 * in the private table.
 */
enum { HOOK_WEBSOCKET, HOOK_WEBSOCKET_TCP, HOOK_COUNT };
static const char *const builtin_names[HOOK_COUNT] = {"websocket", "websocket_tcp"};

static struct {
    dissector_handle_t builtin[HOOK_COUNT];
    dissector_handle_t wrapper[HOOK_COUNT];   /* no protocol of its own */
    dissector_handle_t decode_as[HOOK_COUNT]; /* under the WebSocket protocol */
    dissector_table_t inner_table;
    heur_dissector_t builtin_heur;
} hook;

/* The built-in handle, reached without adding a second "websocket" layer when the wrapper
 * already carries the WebSocket protocol. */
static int
call_builtin(unsigned which, bool as_websocket, tvbuff_t *tvb, packet_info *pinfo, proto_tree *tree,
             void *data)
{
    if (as_websocket)
        return wsclose_dissector_try_uint(hook.inner_table, which, tvb, pinfo, tree, false, data);
    return call_dissector_only(hook.builtin[which], tvb, pinfo, tree, data);
}

/*
 * The built-in dissector, then the walk over the same frames.  A frame cut short by the
 * capture stops the built-in dissector with an exception; the close frames before it, and
 * what was captured of it, still get labels.  Only such tvbs pay for the exception frame.
 */
static int
call_builtin_and_scan(unsigned which, bool as_websocket, tvbuff_t *tvb, packet_info *pinfo,
                      proto_tree *tree, void *data)
{
    uint16_t can_desegment = pinfo->can_desegment;
    volatile int len = 0;

    /* One more dissector layer must not cost the built-in dissector its TCP reassembly. */
    if (can_desegment > 0)
        pinfo->can_desegment = can_desegment + 1;
    if (tvb_captured_length(tvb) == tvb_reported_length(tvb)) {
        len = call_builtin(which, as_websocket, tvb, pinfo, tree, data);
    } else {
        TRY
        {
            len = call_builtin(which, as_websocket, tvb, pinfo, tree, data);
        }
        CATCH_ALL
        {
            pinfo->can_desegment = can_desegment;
            wsclose_scan(tvb, pinfo, tree, can_desegment > 0);
            RETHROW;
        }
        ENDTRY;
    }
    pinfo->can_desegment = can_desegment;
    if (len > 0)
        wsclose_scan(tvb, pinfo, tree, can_desegment > 0);
    return len;
}

static int
dissect_websocket_wrapped(tvbuff_t *tvb, packet_info *pinfo, proto_tree *tree, void *data)
{
    return call_builtin_and_scan(HOOK_WEBSOCKET, false, tvb, pinfo, tree, data);
}

static int
dissect_websocket_tcp_wrapped(tvbuff_t *tvb, packet_info *pinfo, proto_tree *tree, void *data)
{
    return call_builtin_and_scan(HOOK_WEBSOCKET_TCP, false, tvb, pinfo, tree, data);
}

static int
dissect_websocket_decode_as(tvbuff_t *tvb, packet_info *pinfo, proto_tree *tree, void *data)
{
    return call_builtin_and_scan(HOOK_WEBSOCKET, true, tvb, pinfo, tree, data);
}

static int
dissect_websocket_tcp_decode_as(tvbuff_t *tvb, packet_info *pinfo, proto_tree *tree, void *data)
{
    return call_builtin_and_scan(HOOK_WEBSOCKET_TCP, true, tvb, pinfo, tree, data);
}

static wsclose_heur_result_t
dissect_websocket_heur_wrapped(tvbuff_t *tvb, packet_info *pinfo, proto_tree *tree, void *data)
{
    bool could_desegment = pinfo->can_desegment > 0;

    conversation_t *conv;
    dissector_handle_t pinned;
    unsigned which;

    if (!hook.builtin_heur(tvb, pinfo, tree, data))
        return false;
    /* The built-in heuristic pins the connection to a built-in handle ("websocket" up to 4.4,
     * "websocket_tcp" from 4.6 on, which expect different callers): pin it to our wrapper of
     * that same handle. */
    conv = find_or_create_conversation(pinfo);
    pinned = conversation_get_dissector(conv, pinfo->num);
    for (which = 0; which < HOOK_COUNT; which++) {
        if (pinned && pinned == hook.builtin[which] && hook.wrapper[which]) {
            conversation_set_dissector(conv, hook.wrapper[which]);
            break;
        }
    }
    wsclose_scan(tvb, pinfo, tree, could_desegment);
    return true;
}

/* The wrapper to put where the built-in handle is: Decode As needs one it can name. */
static dissector_handle_t
wrapper_of(dissector_handle_t handle, bool for_decode_as)
{
    unsigned i;

    for (i = 0; i < HOOK_COUNT; i++) {
        if (handle && handle == hook.builtin[i])
            return for_decode_as ? hook.decode_as[i] : hook.wrapper[i];
    }
    return NULL;
}

/* A (table, key) that maps to a built-in handle, to be mapped to its wrapper. */
typedef struct {
    char *table;
    ftenum_t type;
    unsigned uint_key;
    char *string_key;
    dissector_handle_t wrapper;
} registration_t;

static void
collect_registration(const char *table_name, ftenum_t selector_type, void *key, void *value,
                     void *user_data)
{
    GSList **found = (GSList **)user_data;
    dissector_handle_t wrapper =
        wrapper_of(dtbl_entry_get_handle((dtbl_entry_t *)value),
                   dissector_table_supports_decode_as(find_dissector_table(table_name)));
    registration_t *reg;

    if (!wrapper)
        return;
    reg = g_new0(registration_t, 1);
    reg->table = g_strdup(table_name);
    reg->type = selector_type;
    reg->wrapper = wrapper;
    if (selector_type == FT_STRING || selector_type == FT_STRINGZ)
        reg->string_key = g_strdup((const char *)key);
    else
        reg->uint_key = GPOINTER_TO_UINT(key);
    *found = g_slist_prepend(*found, reg);
}

/*
 * Writes into epan's own list: dissector_table_get_dissector_handles() returns the table's
 * list of Decode As handles itself, not a copy, and no API replaces a handle in it.  Decode
 * As offers the handles of that list, so the wrapper takes the built-in's place there (the
 * built-in stays reachable through the private table).  Checked against 4.0, 4.4 and 4.6.
 * If a future Wireshark hands out a copy, the Decode As dialog offers the built-in handle
 * and its choice gets no labels; tshark's -d is rewired by the init routine either way
 * (tests/test_dissection.py, MidStream.test_decode_as), so no tshark test notices that.
 */
static void
offer_wrappers_for_decode_as(dissector_table_t table)
{
    GSList *handle;
    dissector_handle_t wrapper;

    for (handle = dissector_table_get_dissector_handles(table); handle; handle = handle->next) {
        wrapper = wrapper_of((dissector_handle_t)handle->data, true);
        if (wrapper)
            handle->data = wrapper;
    }
}

static void
visit_table(const char *table_name, const char *ui_name _U_, void *user_data)
{
    if (strcmp(table_name, INNER_TABLE) == 0)
        return;
    offer_wrappers_for_decode_as(find_dissector_table(table_name));
    dissector_table_foreach(table_name, collect_registration, user_data);
}

static void
apply_registration(registration_t *reg, bool initial)
{
    /*
     * Registering again (not dissector_change_*) makes the wrapper the entry's initial
     * handle too, so that resetting Decode As keeps it.
     */
    if (reg->string_key) {
        if (initial)
            dissector_add_string(reg->table, reg->string_key, reg->wrapper);
        else
            dissector_change_string(reg->table, reg->string_key, reg->wrapper);
    } else if (WSCLOSE_FT_IS_UINT(reg->type)) {
        if (initial)
            dissector_add_uint(reg->table, reg->uint_key, reg->wrapper);
        else
            dissector_change_uint(reg->table, reg->uint_key, reg->wrapper);
    }
    g_free(reg->table);
    g_free(reg->string_key);
    g_free(reg);
}

static void
register_initial(void *data, void *user_data _U_)
{
    apply_registration((registration_t *)data, true);
}

static void
change_current(void *data, void *user_data _U_)
{
    apply_registration((registration_t *)data, false);
}

/*
 * Decode As may pick a built-in handle by its dissector name (newer tshark's -d does) rather
 * than from the table's list: once its settings are applied, before each file is
 * dissected, point such entries at the wrapper.
 */
static void
rewire_decode_as(void)
{
    GSList *changed = NULL;

    dissector_all_tables_foreach_changed(collect_registration, &changed);
    g_slist_foreach(changed, change_current, NULL);
    g_slist_free(changed);
}

/*
 * Writes into epan's heuristic entry: heur_dtbl_entry_t is public in packet.h, and no API
 * swaps a heuristic's function while keeping its name, description, protocol and enabled
 * state (what "Enabled Protocols" and --enable-heuristic act on).  Checked against 4.0,
 * 4.4 and 4.6.  If a future Wireshark stops calling the function from the entry,
 * tests/test_dissection.py's MidStream.test_heuristic fails (no labels with
 * --enable-heuristic websocket_tcp).
 */
static void
wrap_heuristic(void)
{
    heur_dtbl_entry_t *heur = find_heur_dissector_by_unique_short_name("websocket_tcp");

    if (heur && hook.wrapper[HOOK_WEBSOCKET] && heur->dissector != dissect_websocket_heur_wrapped) {
        hook.builtin_heur = heur->dissector;
        heur->dissector = dissect_websocket_heur_wrapped;
    }
}

void
proto_register_wsclose_hook(void)
{
    register_init_routine(rewire_decode_as);
}

void
proto_reg_handoff_wsclose_hook(void)
{
    static const dissector_t wrappers[HOOK_COUNT] = {dissect_websocket_wrapped,
                                                     dissect_websocket_tcp_wrapped};
    static const dissector_t decode_as[HOOK_COUNT] = {dissect_websocket_decode_as,
                                                      dissect_websocket_tcp_decode_as};
    const int proto_websocket = proto_get_id_by_filter_name("websocket");
    GSList *registrations = NULL;
    unsigned i;

    if (proto_websocket < 0)
        return;
    hook.inner_table =
        register_dissector_table(INNER_TABLE, "WebSocket, as wsclose reaches it",
                                 proto_get_id_by_filter_name("wsclose"), FT_UINT8, BASE_DEC);
    for (i = 0; i < HOOK_COUNT; i++) {
        hook.builtin[i] = find_dissector(builtin_names[i]);
        if (!hook.builtin[i])
            continue;
        hook.wrapper[i] = create_dissector_handle(wrappers[i], -1);
        hook.decode_as[i] = create_dissector_handle(decode_as[i], proto_websocket);
    }

    dissector_all_tables_foreach_table(visit_table, &registrations, NULL);
    g_slist_foreach(registrations, register_initial, NULL);
    g_slist_free(registrations);

    for (i = 0; i < HOOK_COUNT; i++) {
        if (hook.builtin[i])
            dissector_add_uint(INNER_TABLE, i, hook.builtin[i]);
    }
    wrap_heuristic();
}
