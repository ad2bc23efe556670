/* wsclose_end_view.h
 * The ends of WebSocket connections: on a FIN or RST before which an endpoint received no
 * close frame from its peer (an abort, RFC 6455 7.1.5), the wsclose.abort.* fields, what the
 * client's WinHTTP calls return there and the expert items (registered here, under the
 * wsclose protocol); every end noted for the statistics tree and the per-connection table.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#ifndef WSCLOSE_END_VIEW_H
#define WSCLOSE_END_VIEW_H

#include <epan/packet.h>

#include "close_handshake.h"

/* The watch's wsclose_draw_end_fn: a FIN or RST that ends the TCP connection or what an
 * endpoint receives. */
void wsclose_end_view_draw(proto_tree *tree, tvbuff_t *tvb, packet_info *pinfo,
                           const wsclose_connection_t *conn);

/* From proto_register_wsclose, once its own fields are registered: the abort subtree shares
 * the close frames' subtree type and their wsclose.handshake field, and its labels follow
 * the name-set preference (name_set, read at each draw). */
void wsclose_end_view_register(int proto_wsclose, int ett_wsclose, int hf_wsclose_handshake,
                               const int *name_set);

#endif /* WSCLOSE_END_VIEW_H */
