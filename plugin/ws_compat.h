/* ws_compat.h
 * Every difference between the Wireshark versions wsclose supports (4.0 to 4.6) is
 * bridged here, so the dissector reads the same on all of them.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#ifndef WS_COMPAT_H
#define WS_COMPAT_H

#include <ws_version.h>

#define WSCLOSE_WS_AT_LEAST(major, minor)                                                  \
    (WIRESHARK_VERSION_MAJOR > (major) ||                                                 \
     (WIRESHARK_VERSION_MAJOR == (major) && WIRESHARK_VERSION_MINOR >= (minor)))

#endif /* WS_COMPAT_H */
