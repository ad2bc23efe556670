/* wsclose_upgrade_view.c
 * The opening handshake's items: registration and drawing.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include <stdbool.h>

#include <epan/expert.h>
#include <epan/packet.h>

#include "winhttp_api.h"
#include "wsclose_upgrade.h"
#include "wsclose_upgrade_view.h"
#include "wsclose_view.h"

static int proto_wsclose = -1;
static int hf_wsclose_upgrade_request_in = -1;
static int hf_wsclose_upgrade_accept_expected = -1;
static int hf_wsclose_api_upgrade = -1;
static int ett_wsclose_upgrade = -1;

static expert_field ei_wsclose_upgrade_refused = EI_INIT;
static expert_field ei_wsclose_upgrade_no_upgrade = EI_INIT;
static expert_field ei_wsclose_upgrade_no_connection = EI_INIT;
static expert_field ei_wsclose_upgrade_no_accept = EI_INIT;
static expert_field ei_wsclose_upgrade_wrong_accept = EI_INIT;
static expert_field ei_wsclose_upgrade_unoffered_protocol = EI_INIT;
static expert_field ei_wsclose_upgrade_unoffered_extension = EI_INIT;

/* The expert item of each problem of a 101, in wsclose_upgrade_problem_t's order. */
static const struct {
    wsclose_upgrade_problem_t problem;
    expert_field *ei;
} problem_items[] = {
    {WSCLOSE_UPGRADE_NO_UPGRADE, &ei_wsclose_upgrade_no_upgrade},
    {WSCLOSE_UPGRADE_NO_CONNECTION, &ei_wsclose_upgrade_no_connection},
    {WSCLOSE_UPGRADE_NO_ACCEPT, &ei_wsclose_upgrade_no_accept},
    {WSCLOSE_UPGRADE_WRONG_ACCEPT, &ei_wsclose_upgrade_wrong_accept},
    {WSCLOSE_UPGRADE_UNOFFERED_PROTOCOL, &ei_wsclose_upgrade_unoffered_protocol},
    {WSCLOSE_UPGRADE_UNOFFERED_EXTENSION, &ei_wsclose_upgrade_unoffered_extension},
};

static bool
own_field(int hf)
{
    size_t i;

    if (hf == hf_wsclose_upgrade_request_in || hf == hf_wsclose_upgrade_accept_expected ||
        hf == hf_wsclose_api_upgrade || hf == ei_wsclose_upgrade_refused.hf)
        return true;
    for (i = 0; i < G_N_ELEMENTS(problem_items); i++)
        if (hf == problem_items[i].ei->hf)
            return true;
    return false;
}

/* Per file, from the first upgrade on (references are in place by then): whether a filter,
 * column or field list names one of the items, and whether it names other wsclose fields
 * only (then a shown tree prints those alone: tshark 4.0 shows the tree of
 * -T fields -e wsclose.winhttp). */
static struct {
    bool known;
    bool own;
    bool others_only;
} refs;

static void
learn_references(void)
{
    void *cookie = NULL;
    header_field_info *hfi;
    bool others = false;

    refs.own = false;
    for (hfi = proto_get_first_protocol_field(proto_wsclose, &cookie); hfi;
         hfi = proto_get_next_protocol_field(proto_wsclose, &cookie)) {
        if (hfi->ref_type == HF_REF_TYPE_NONE)
            continue;
        if (own_field(hfi->id))
            refs.own = true;
        else
            others = true;
    }
    refs.others_only = others && !refs.own;
    refs.known = true;
}

static void
forget_references(void)
{
    refs.known = false;
}

bool
wsclose_upgrade_view_wanted(proto_tree *tree)
{
    if (!refs.known)
        learn_references();
    if (refs.own)
        return true;
    return tree && PTREE_DATA(tree)->visible && !refs.others_only &&
           !wsclose_view_field_named(proto_wsclose);
}

void
wsclose_upgrade_view_draw(proto_tree *tree, tvbuff_t *tvb, packet_info *pinfo,
                          const wsclose_upgrade_result_t *result)
{
    const char *caller_proto = pinfo->current_proto;
    const bool refused = (result->problems & WSCLOSE_UPGRADE_REFUSED) != 0;
    char text[WSCLOSE_API_TEXT_MAX];
    proto_item *ti;
    proto_tree *sub;
    size_t i;

    /* So that the expert items name WSCLOSE, not the protocol that happens to be current. */
    pinfo->current_proto = "WSCLOSE";
    ti = proto_tree_add_item(tree, proto_wsclose, tvb, 0, 0, ENC_NA);
    proto_item_append_text(ti, refused ? ": WebSocket upgrade refused"
                                       : ": WebSocket upgrade response a client must fail");
    sub = proto_item_add_subtree(ti, ett_wsclose_upgrade);
    wsclose_add_generated_uint(sub, hf_wsclose_upgrade_request_in, tvb, 0, 0,
                               result->request_frame);
    if (!refused && result->expected_accept[0] &&
        (result->problems & (WSCLOSE_UPGRADE_NO_ACCEPT | WSCLOSE_UPGRADE_WRONG_ACCEPT)))
        wsclose_add_generated_string(sub, hf_wsclose_upgrade_accept_expected, tvb, 0, 0,
                                     result->expected_accept);
    if (wsclose_view_wanted(sub) || wsclose_view_item_wanted(sub, hf_wsclose_api_upgrade)) {
        wsclose_api_upgrade_text(text, sizeof(text), result->status, false);
        wsclose_add_generated_string(sub, hf_wsclose_api_upgrade, tvb, 0, 0, text);
    }
    if (refused) {
        expert_add_info_format(pinfo, ti, &ei_wsclose_upgrade_refused,
                               "WebSocket upgrade answered with %u, not 101: "
                               "WinHttpWebSocketCompleteUpgrade fails",
                               result->status);
    } else {
        for (i = 0; i < G_N_ELEMENTS(problem_items); i++)
            if (result->problems & problem_items[i].problem)
                expert_add_info(pinfo, ti, problem_items[i].ei);
    }
    pinfo->current_proto = caller_proto;
}

/* The words every 101 problem ends with: what RFC 6455 requires, and what is known of
 * WinHTTP there. */
#define MUST_FAIL                                                                                  \
    ": an RFC 6455 client must fail the connection (4.1); WinHTTP's behaviour is "                 \
    "undocumented"
#define WINE_ACCEPTS " (Wine 8 accepts it)"

void
wsclose_upgrade_view_register(int proto)
{
    static hf_register_info hf[] = {
        {&hf_wsclose_upgrade_request_in,
         {"Upgrade request in", "wsclose.upgrade.request_in", FT_FRAMENUM, BASE_NONE,
          FRAMENUM_TYPE(FT_FRAMENUM_REQUEST), 0x0,
          "Frame of the WebSocket Upgrade request this response answers", HFILL}},
        {&hf_wsclose_upgrade_accept_expected,
         {"Expected Sec-WebSocket-Accept", "wsclose.upgrade.accept_expected", FT_STRING, BASE_NONE,
          NULL, 0x0,
          "The Sec-WebSocket-Accept the request's Sec-WebSocket-Key asks for: "
          "base64(SHA-1(key + 258EAFA5-E914-47DA-95CA-C5AB0DC85B11))",
          HFILL}},
        {&hf_wsclose_api_upgrade,
         {"WinHttpWebSocketCompleteUpgrade", "wsclose.api.upgrade", FT_STRING, BASE_NONE, NULL, 0x0,
          "What the client's WinHttpWebSocketCompleteUpgrade returns for this response", HFILL}},
    };
    static int *ett[] = {&ett_wsclose_upgrade};
    static ei_register_info ei[] = {
        {&ei_wsclose_upgrade_refused,
         {"wsclose.upgrade_refused", PI_RESPONSE_CODE, PI_WARN,
          "WebSocket upgrade answered with a status other than 101: "
          "WinHttpWebSocketCompleteUpgrade fails",
          EXPFILL}},
        {&ei_wsclose_upgrade_no_upgrade,
         {"wsclose.upgrade_no_upgrade", PI_PROTOCOL, PI_WARN,
          "101 without Upgrade: websocket" MUST_FAIL WINE_ACCEPTS, EXPFILL}},
        {&ei_wsclose_upgrade_no_connection,
         {"wsclose.upgrade_no_connection", PI_PROTOCOL, PI_WARN,
          "101 without Connection: Upgrade" MUST_FAIL, EXPFILL}},
        {&ei_wsclose_upgrade_no_accept,
         {"wsclose.upgrade_no_accept", PI_PROTOCOL, PI_WARN,
          "101 without Sec-WebSocket-Accept" MUST_FAIL WINE_ACCEPTS, EXPFILL}},
        {&ei_wsclose_upgrade_wrong_accept,
         {"wsclose.upgrade_wrong_accept", PI_PROTOCOL, PI_WARN,
          "101 whose Sec-WebSocket-Accept is not the hash of the request's "
          "Sec-WebSocket-Key" MUST_FAIL WINE_ACCEPTS,
          EXPFILL}},
        {&ei_wsclose_upgrade_unoffered_protocol,
         {"wsclose.upgrade_unoffered_protocol", PI_PROTOCOL, PI_WARN,
          "101 with a Sec-WebSocket-Protocol the client did not offer" MUST_FAIL WINE_ACCEPTS,
          EXPFILL}},
        {&ei_wsclose_upgrade_unoffered_extension,
         {"wsclose.upgrade_unoffered_extension", PI_PROTOCOL, PI_WARN,
          "101 with a Sec-WebSocket-Extensions the client did not offer" MUST_FAIL, EXPFILL}},
    };
    expert_module_t *expert_wsclose;

    proto_wsclose = proto;
    register_init_routine(forget_references);
    proto_register_field_array(proto, hf, array_length(hf));
    proto_register_subtree_array(ett, array_length(ett));
    expert_wsclose = expert_register_protocol(proto);
    expert_register_field_array(expert_wsclose, ei, array_length(ei));
}
