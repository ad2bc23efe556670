/* wsclose_compat.h
 * Every compile-time difference between the Wireshark versions wsclose supports (4.0 to
 * 4.6) is bridged here, so the dissector reads the same on all of them.  Differences found
 * at run time (4.6's separate websocket_tcp handle) are handled where the handle is looked
 * up (wsclose_hook.c), which says so.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#ifndef WSCLOSE_COMPAT_H
#define WSCLOSE_COMPAT_H

#include <stdbool.h>

#include <glib.h>

#include <epan/ftypes/ftypes.h>

#include <ws_version.h>

#define WSCLOSE_WS_AT_LEAST(major, minor)                                                          \
    (WIRESHARK_VERSION_MAJOR > (major) ||                                                          \
     (WIRESHARK_VERSION_MAJOR == (major) && WIRESHARK_VERSION_MINOR >= (minor)))

/* Heuristic dissectors return gboolean up to 4.2, bool from 4.4 on. */
#if WSCLOSE_WS_AT_LEAST(4, 4)
typedef bool wsclose_heur_result_t;
#else
typedef gboolean wsclose_heur_result_t;
#endif

/* Boolean preferences are gboolean up to 4.2, bool from 4.4 on. */
#if WSCLOSE_WS_AT_LEAST(4, 4)
typedef bool wsclose_pref_bool_t;
#else
typedef gboolean wsclose_pref_bool_t;
#endif

/* IS_FT_UINT was renamed FT_IS_UINT. */
#ifdef FT_IS_UINT
#define WSCLOSE_FT_IS_UINT(ft) FT_IS_UINT(ft)
#else
#define WSCLOSE_FT_IS_UINT(ft) IS_FT_UINT(ft)
#endif

/* 4.6 deprecates dissector_try_uint_new for dissector_try_uint_with_data. */
#if WSCLOSE_WS_AT_LEAST(4, 6)
#define wsclose_dissector_try_uint dissector_try_uint_with_data
#else
#define wsclose_dissector_try_uint dissector_try_uint_new
#endif

/* The request URI of the last HTTP request on a connection (for an upgraded connection, the
 * Upgrade's): http_conv_t has it up to 4.0; from 4.2 on each request/response pair does. */
#if WSCLOSE_WS_AT_LEAST(4, 2)
#define WSCLOSE_HTTP_REQUEST_URI(http)                                                             \
    ((http)->req_res_tail ? (const char *)(http)->req_res_tail->request_uri : NULL)
#else
#define WSCLOSE_HTTP_REQUEST_URI(http) ((const char *)(http)->request_uri)
#endif

#endif /* WSCLOSE_COMPAT_H */
