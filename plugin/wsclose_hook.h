/* wsclose_hook.h
 * The hook: wsclose's wrappers around the built-in WebSocket and TCP handles (see wsclose_hook.c).
 * It registers itself like a dissector (plugin.c calls these), so nothing else calls into it.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#ifndef WSCLOSE_HOOK_H
#define WSCLOSE_HOOK_H

void proto_register_wsclose_hook(void);
void proto_reg_handoff_wsclose_hook(void);

#endif /* WSCLOSE_HOOK_H */
