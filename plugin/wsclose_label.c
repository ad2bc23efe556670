/* wsclose_label.c
 * Info column labels and subtree titles.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include <stdio.h>

#include "winhttp_status.h"
#include "wsclose_label.h"

const char *
wsclose_label_name(wsclose_name_set_t set, unsigned code)
{
    const wsclose_code_info_t *row = wsclose_code_info(code);

    if (!row)
        return NULL;
    switch (set) {
    case WSCLOSE_NAMES_WINHTTP:
        return row->winhttp;
    case WSCLOSE_NAMES_WEBSOCKET_H:
        return row->websocket_h;
    case WSCLOSE_NAMES_DOTNET:
        return row->dotnet;
    case WSCLOSE_NAMES_IANA:
        return row->iana;
    case WSCLOSE_NAMES_NONE:
    default:
        return NULL;
    }
}

/* The name sets that may lack a name for a WinHTTP enum value (.NET has none for 1006 and
 * 1015). */
static const char *
set_short_name(wsclose_name_set_t set)
{
    switch (set) {
    case WSCLOSE_NAMES_WEBSOCKET_H:
        return "websocket.h";
    case WSCLOSE_NAMES_DOTNET:
        return ".NET";
    case WSCLOSE_NAMES_IANA:
        return "IANA";
    default:
        return "such";
    }
}

/* A code without a name in the set: where it stands. */
static void
label_unnamed(char *buf, size_t size, wsclose_name_set_t set, unsigned code)
{
    const wsclose_class_t cls = wsclose_classify(code);

    if (cls == WSCLOSE_CLASS_IANA)
        snprintf(buf, size, "%u: IANA %s, not in WinHTTP", code, wsclose_code_info(code)->iana);
    else if (cls == WSCLOSE_CLASS_WINHTTP)
        snprintf(buf, size, "%u: no %s name", code, set_short_name(set));
    else
        snprintf(buf, size, "%u: %s", code, wsclose_class_short_label(cls));
}

const char *
wsclose_label_status(char *buf, size_t size, wsclose_name_set_t set, unsigned code, bool empty)
{
    const char *name = wsclose_label_name(set, code);

    if (empty) {
        if (name)
            snprintf(buf, size, "no status code: %s", name);
        else
            snprintf(buf, size, "no status code");
    } else if (wsclose_code_is_api_only(code)) {
        /* Never to read like the situation it names (an abort, an empty close). */
        if (name)
            snprintf(buf, size, "%s (%u) sent in a close frame", name, code);
        else
            snprintf(buf, size, "%u sent in a close frame", code);
    } else if (name) {
        /* The common case, for every close frame: no copy. */
        return name;
    } else if (set == WSCLOSE_NAMES_NONE) {
        return NULL;
    } else {
        label_unnamed(buf, size, set, code);
    }
    return buf;
}

void
wsclose_label_title(char *buf, size_t size, wsclose_name_set_t set, unsigned code, bool empty)
{
    const char *name = wsclose_label_name(set, code);
    const wsclose_class_t cls = wsclose_classify(code);

    if (name && !empty)
        wsclose_name_code_text(buf, size, name, code);
    else if (name)
        snprintf(buf, size, "%s (%u, no status code)", name, code);
    else if (empty)
        snprintf(buf, size, "no status code (%u)", code);
    else if (cls == WSCLOSE_CLASS_WINHTTP)
        snprintf(buf, size, "%u", code);
    else
        snprintf(buf, size, "%u (%s)", code, wsclose_class_label(cls));
}

void
wsclose_label_abort(char *buf, size_t size, wsclose_name_set_t set, const char *endpoint,
                    const char *how, const char *after)
{
    const char *name = wsclose_label_name(set, WSCLOSE_ABORTED_CODE);

    if (name)
        snprintf(buf, size, "Abort for the %s (%s): %s%s", endpoint, name, how, after);
    else
        snprintf(buf, size, "Abort for the %s: %s%s", endpoint, how, after);
}
