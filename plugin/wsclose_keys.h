/* wsclose_keys.h
 * The keys of wsclose's per-packet data (p_add_proto_data, pinfo->pool), in one place.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#ifndef WSCLOSE_KEYS_H
#define WSCLOSE_KEYS_H

typedef enum {
    WSCLOSE_KEY_NOTE,          /* the statistics note of the packet (wsclose_note.c) */
    WSCLOSE_KEY_DRAWN,         /* the packet's aborts are drawn (wsclose_watch.c) */
    WSCLOSE_KEY_UPGRADE_DRAWN, /* the packet's upgrade response is drawn (wsclose_watch.c) */
} wsclose_key_t;

#endif /* WSCLOSE_KEYS_H */
