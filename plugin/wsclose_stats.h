/* wsclose_stats.h
 * The "wsclose" statistics tree (tshark -z wsclose,tree; Statistics in the GUI), which
 * counts what the dissector notes about each packet (wsclose_note.h).
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#ifndef WSCLOSE_STATS_H
#define WSCLOSE_STATS_H

void wsclose_stats_register(void);

#endif /* WSCLOSE_STATS_H */
