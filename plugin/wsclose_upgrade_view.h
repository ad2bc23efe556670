/* wsclose_upgrade_view.h
 * The opening handshake's items: on an Upgrade's response that keeps an RFC 6455 client
 * from using the connection, the wsclose.upgrade.* fields, what WinHttpWebSocketCompleteUpgrade
 * returns (wsclose.api.upgrade) and an expert item per problem (registered here, under the
 * wsclose protocol).
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#ifndef WSCLOSE_UPGRADE_VIEW_H
#define WSCLOSE_UPGRADE_VIEW_H

#include <epan/packet.h>

#include "wsclose_watch.h"

/* The watch's wsclose_draw_upgrade_fn. */
void wsclose_upgrade_view_draw(proto_tree *tree, tvbuff_t *tvb, packet_info *pinfo,
                               const wsclose_upgrade_result_t *result);

/* The watch's wsclose_upgrade_wanted_fn: a filter, column or field on one of the items, or a
 * shown tree where no filter or field list names only other wsclose fields. */
bool wsclose_upgrade_view_wanted(proto_tree *tree);

/* From proto_register_wsclose. */
void wsclose_upgrade_view_register(int proto_wsclose);

#endif /* WSCLOSE_UPGRADE_VIEW_H */
