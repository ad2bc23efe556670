/* wsclose_conv.h
 * The "wsclose,conv" table: one row per WebSocket connection, saying how it ended (tshark
 * -z wsclose,conv; Statistics in the GUI), from one stat_tap_table registration.  Like the
 * statistics tree it reads what the dissector notes about each packet (wsclose_note.h).
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#ifndef WSCLOSE_CONV_H
#define WSCLOSE_CONV_H

/* The name of a close code in the user's chosen name set, or NULL. */
typedef const char *(*wsclose_conv_name_fn)(unsigned code);

/* From proto_register_wsclose. */
void wsclose_conv_register(wsclose_conv_name_fn name);

#endif /* WSCLOSE_CONV_H */
