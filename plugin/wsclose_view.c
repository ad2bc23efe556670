/* wsclose_view.c
 * The wsclose.api.* fields: registration, and the drawing of winhttp_api.c's answers.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#include <epan/packet.h>

#include "winhttp_api.h"
#include "winhttp_status.h"
#include "wsclose_view.h"

static int hf_wsclose_api_receive = -1;
static int hf_wsclose_api_receive_error = -1;
static int hf_wsclose_api_error = -1;
static int hf_wsclose_api_query = -1;
static int hf_wsclose_api_query_error = -1;
static int hf_wsclose_api_query_status = -1;
static int hf_wsclose_api_query_reason = -1;
static int hf_wsclose_api_call = -1;
static int hf_wsclose_api_call_status = -1;
static int hf_wsclose_api_close_error = -1;

/* Filled from winhttp_api's table at registration: the codes live there. */
static value_string api_error_vals[8];

bool
wsclose_view_field_named(int hf)
{
    return proto_registrar_get_nth(hf)->ref_type != HF_REF_TYPE_NONE;
}

/* The wsclose.api.* fields' registrations, looked up once: whether one of them is named is
 * asked for every close frame of a tree that is not shown (tshark -Y, -T fields). */
static header_field_info *api_hfi[10];

bool
wsclose_view_item_wanted(proto_tree *tree, int hf)
{
    return tree && (PTREE_DATA(tree)->visible || wsclose_view_field_named(hf));
}

void
wsclose_add_generated_string(proto_tree *tree, int hf, tvbuff_t *tvb, int offset, int len,
                             const char *value)
{
    if (wsclose_view_item_wanted(tree, hf))
        proto_item_set_generated(proto_tree_add_string(tree, hf, tvb, offset, len, value));
}

void
wsclose_add_generated_uint(proto_tree *tree, int hf, tvbuff_t *tvb, int offset, int len,
                           uint32_t value)
{
    if (wsclose_view_item_wanted(tree, hf))
        proto_item_set_generated(proto_tree_add_uint(tree, hf, tvb, offset, len, value));
}

void
wsclose_view_info_append(packet_info *pinfo, const char *label)
{
    const char *text = col_get_text(pinfo->cinfo, COL_INFO);

    if (!text)
        return;
    col_append_lstr(pinfo->cinfo, COL_INFO, (*text && text[strlen(text) - 1] != ' ') ? " [" : "[",
                    label, "]", COL_ADD_LSTR_TERMINATOR);
}

void
wsclose_view_format_status(char *buf, uint32_t code)
{
    wsclose_status_text(buf, ITEM_LABEL_LENGTH, code);
}

bool
wsclose_view_wanted(proto_tree *tree)
{
    size_t i;

    if (!tree)
        return false;
    if (PTREE_DATA(tree)->visible)
        return true;
    for (i = 0; i < G_N_ELEMENTS(api_hfi); i++)
        if (api_hfi[i]->ref_type != HF_REF_TYPE_NONE)
            return true;
    return false;
}

/* An error code of a call, in its own field and in wsclose.api.error (every error here). */
static void
add_api_error(proto_tree *tree, int hf, tvbuff_t *tvb, int offset, int len, uint32_t error)
{
    wsclose_add_generated_uint(tree, hf, tvb, offset, len, error);
    wsclose_add_generated_uint(tree, hf_wsclose_api_error, tvb, offset, len, error);
}

void
wsclose_view_receive(proto_tree *tree, tvbuff_t *tvb, int offset, int len,
                     const wsclose_api_result_t *r, bool answer, const char *why)
{
    char text[WSCLOSE_API_TEXT_MAX];

    if (r->receive == WSCLOSE_RECEIVE_NONE)
        return;
    wsclose_api_receive_text(text, sizeof(text), r, answer, why);
    wsclose_add_generated_string(tree, hf_wsclose_api_receive, tvb, offset, len, text);
    if (r->receive_error)
        add_api_error(tree, hf_wsclose_api_receive_error, tvb, offset, len, r->receive_error);
    if (!r->query)
        return;
    wsclose_api_query_text(text, sizeof(text), r);
    wsclose_add_generated_string(tree, hf_wsclose_api_query, tvb, offset, len, text);
    if (r->query_error) {
        add_api_error(tree, hf_wsclose_api_query_error, tvb, offset, len, r->query_error);
        return;
    }
    wsclose_add_generated_uint(tree, hf_wsclose_api_query_status, tvb, offset, len,
                               r->query_status);
    wsclose_api_reason_value(text, sizeof(text), r);
    wsclose_add_generated_string(tree, hf_wsclose_api_query_reason, tvb, offset, len, text);
}

void
wsclose_view_call(proto_tree *tree, tvbuff_t *tvb, int offset, int len,
                  const wsclose_api_frame_t *f, const wsclose_api_result_t *r, uint32_t request_in)
{
    char text[WSCLOSE_API_TEXT_MAX];

    if (r->call == WSCLOSE_CALL_NONE)
        return;
    wsclose_api_call_text(text, sizeof(text), r, f->reason, f->payload.reason_len,
                          f->payload.reason_utf8, request_in);
    wsclose_add_generated_string(tree, hf_wsclose_api_call, tvb, offset, len, text);
    if (r->call == WSCLOSE_CALL_REFUSED)
        add_api_error(tree, hf_wsclose_api_close_error, tvb, offset, len, r->call_error);
    else
        wsclose_add_generated_uint(tree, hf_wsclose_api_call_status, tvb, offset, len,
                                   r->call_status);
}

void
wsclose_view_register(int proto_wsclose)
{
    static hf_register_info hf[] = {
        {&hf_wsclose_api_receive,
         {"WinHttpWebSocketReceive", "wsclose.api.receive", FT_STRING, BASE_NONE, NULL, 0x0,
          "What the WinHTTP client's WinHttpWebSocketReceive returns for what it receives "
          "here: the close buffer type, or that it fails and why (invalid data from the "
          "server; the connection was aborted)",
          HFILL}},
        {&hf_wsclose_api_receive_error,
         {"WinHttpWebSocketReceive error", "wsclose.api.receive.error", FT_UINT32, BASE_DEC,
          VALS(api_error_vals), 0x0,
          "Error code WinHttpWebSocketReceive fails with here, where the reference names one",
          HFILL}},
        {&hf_wsclose_api_error,
         {"WinHTTP error", "wsclose.api.error", FT_UINT32, BASE_DEC, VALS(api_error_vals), 0x0,
          "Every error code the WinHTTP reference names for a WebSocket call of the client "
          "here (each call's own: wsclose.api.receive.error, wsclose.api.query.error, "
          "wsclose.api.close.error)",
          HFILL}},
        {&hf_wsclose_api_query,
         {"WinHttpWebSocketQueryCloseStatus", "wsclose.api.query", FT_STRING, BASE_NONE, NULL, 0x0,
          "What the WinHTTP client's WinHttpWebSocketQueryCloseStatus then reports: the status "
          "and the reason, or that no close frame has been received",
          HFILL}},
        {&hf_wsclose_api_query_error,
         {"WinHttpWebSocketQueryCloseStatus error", "wsclose.api.query.error", FT_UINT32, BASE_DEC,
          VALS(api_error_vals), 0x0, "Error code WinHttpWebSocketQueryCloseStatus fails with here",
          HFILL}},
        {&hf_wsclose_api_query_status,
         {"WinHttpWebSocketQueryCloseStatus usStatus", "wsclose.api.query.status", FT_UINT16,
          BASE_CUSTOM, CF_FUNC(wsclose_view_format_status), 0x0,
          "The usStatus WinHttpWebSocketQueryCloseStatus returns here", HFILL}},
        {&hf_wsclose_api_query_reason,
         {"WinHttpWebSocketQueryCloseStatus reason", "wsclose.api.query.reason", FT_STRING,
          BASE_NONE, NULL, 0x0,
          "The reason WinHttpWebSocketQueryCloseStatus returns here (its bytes in hex when "
          "they are not UTF-8)",
          HFILL}},
        {&hf_wsclose_api_call,
         {"WinHTTP call", "wsclose.api.call", FT_STRING, BASE_NONE, NULL, 0x0,
          "The WinHTTP client call that sends a close frame like this one, with its usStatus "
          "and reason",
          HFILL}},
        {&hf_wsclose_api_call_status,
         {"WinHTTP call usStatus", "wsclose.api.call.status", FT_UINT16, BASE_CUSTOM,
          CF_FUNC(wsclose_view_format_status), 0x0,
          "The usStatus the WinHTTP client's call passed to send this close frame", HFILL}},
        {&hf_wsclose_api_close_error,
         {"WinHttpWebSocketClose error", "wsclose.api.close.error", FT_UINT32, BASE_DEC,
          VALS(api_error_vals), 0x0,
          "Error code WinHttpWebSocketClose and WinHttpWebSocketShutdown return when asked to "
          "send a close frame like this one",
          HFILL}},
    };
    size_t i;

    for (i = 0; wsclose_api_errors[i].name && i + 1 < G_N_ELEMENTS(api_error_vals); i++) {
        api_error_vals[i].value = wsclose_api_errors[i].code;
        api_error_vals[i].strptr = wsclose_api_errors[i].name;
    }
    proto_register_field_array(proto_wsclose, hf, array_length(hf));
    G_STATIC_ASSERT(G_N_ELEMENTS(hf) == G_N_ELEMENTS(api_hfi));
    for (i = 0; i < G_N_ELEMENTS(hf); i++)
        api_hfi[i] = proto_registrar_get_nth(*hf[i].p_id);
}
