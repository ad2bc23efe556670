/* wsclose_view.h
 * The WinHTTP client view: what winhttp_api.c decides each call returns, drawn as the
 * wsclose.api.* fields (registered here, under the wsclose protocol); and what every view
 * shares: the generated items built only when they are shown or asked for, the Info label.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#ifndef WSCLOSE_VIEW_H
#define WSCLOSE_VIEW_H

#include <stdbool.h>
#include <stdint.h>

#include <epan/packet.h>

#include "winhttp_api.h"

/* Whether a filter, column or field list names the field, with or without a tree at hand.
 * proto_field_is_referenced() needs a tree, and for a protocol it also answers yes whenever
 * the tree does not fake protocols, which would build wsclose's items for nothing in the
 * modes that fake only fields. */
bool wsclose_view_field_named(int hf);

/* Whether an item is worth building: the tree is shown, or a filter, column or field list
 * names its field (proto_field_is_referenced() without its second look at the tree, for a
 * field that is not a protocol). */
bool wsclose_view_item_wanted(proto_tree *tree, int hf);

/* A generated string item, built only when the tree is shown or the field is asked for: in
 * a tree that is not shown, the children of a referenced item (wsclose.winhttp for
 * -T fields) would otherwise be built in full. */
void wsclose_add_generated_string(proto_tree *tree, int hf, tvbuff_t *tvb, int offset, int len,
                                  const char *value);

/* A generated integer item (frame links, error codes, statuses), built only when wanted. */
void wsclose_add_generated_uint(proto_tree *tree, int hf, tvbuff_t *tvb, int offset, int len,
                                uint32_t value);

/* Appends a label to the Info column in brackets, after a space unless the built-in
 * dissector's text already ends with one (it does when the frame is not masked). */
void wsclose_view_info_append(packet_info *pinfo, const char *label);

/* A close status as its field shows it: the WinHTTP name where there is one, and the class
 * otherwise (BASE_CUSTOM). */
void wsclose_view_format_status(char *buf, uint32_t code);

/* Whether a client view item is worth formatting: the tree is shown, or a field is asked
 * for. */
bool wsclose_view_wanted(proto_tree *tree);

/* Both drawn where wsclose_view_wanted().
 * What WinHttpWebSocketReceive and then WinHttpWebSocketQueryCloseStatus return (answer:
 * the server's close answers the client's; why: what aborted the connection). */
void wsclose_view_receive(proto_tree *tree, tvbuff_t *tvb, int offset, int len,
                          const wsclose_api_result_t *r, bool answer, const char *why);

/* The call that sent a client close frame, or why none can have (request_in: the frame of
 * the server's close it answers). */
void wsclose_view_call(proto_tree *tree, tvbuff_t *tvb, int offset, int len,
                       const wsclose_api_frame_t *f, const wsclose_api_result_t *r,
                       uint32_t request_in);

/* From proto_register_wsclose: the wsclose.api.* fields. */
void wsclose_view_register(int proto_wsclose);

#endif /* WSCLOSE_VIEW_H */
