/* wsclose_note.c
 * Per-packet notes for the statistics tree.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include <stdarg.h>

#include <epan/expert.h>
#include <epan/packet.h>
#include <epan/proto_data.h>

#include "wsclose_keys.h"
#include "wsclose_note.h"

static struct {
    int proto_wsclose;
    unsigned readers; /* statistics trees open (a GUI may show several) */
} notes = {-1, 0};

void
wsclose_note_register(int proto_wsclose)
{
    notes.proto_wsclose = proto_wsclose;
}

void
wsclose_note_reader(bool opens)
{
    if (opens)
        notes.readers++;
    else if (notes.readers > 0)
        notes.readers--;
}

bool
wsclose_note_wanted(void)
{
    return notes.readers > 0;
}

wsclose_packet_note_t *
wsclose_packet_note_find(packet_info *pinfo)
{
    return (wsclose_packet_note_t *)p_get_proto_data(pinfo->pool, pinfo, notes.proto_wsclose,
                                                     WSCLOSE_KEY_NOTE);
}

wsclose_packet_note_t *
wsclose_packet_note(packet_info *pinfo)
{
    wsclose_packet_note_t *note = wsclose_packet_note_find(pinfo);

    if (!note) {
        note = wmem_new0(pinfo->pool, wsclose_packet_note_t);
        p_add_proto_data(pinfo->pool, pinfo, notes.proto_wsclose, WSCLOSE_KEY_NOTE, note);
    }
    return note;
}

void
wsclose_note_expert(packet_info *pinfo, expert_field *ei)
{
    wsclose_packet_note_t *note;

    if (!notes.readers)
        return;
    note = wsclose_packet_note(pinfo);
    if (!note->experts)
        note->experts = wmem_list_new(pinfo->pool);
    wmem_list_append(note->experts, GINT_TO_POINTER(ei->hf));
}

void
wsclose_note_add_expert(packet_info *pinfo, proto_item *ti, expert_field *ei)
{
    expert_add_info(pinfo, ti, ei);
    wsclose_note_expert(pinfo, ei);
}

void
wsclose_note_add_expert_format(packet_info *pinfo, proto_item *ti, expert_field *ei,
                               const char *fmt, ...)
{
    va_list ap;
    char *text;

    va_start(ap, fmt);
    text = wmem_strdup_vprintf(pinfo->pool, fmt, ap);
    va_end(ap);
    expert_add_info_format(pinfo, ti, ei, "%s", text);
    wsclose_note_expert(pinfo, ei);
}

void
wsclose_note_connection(packet_info *pinfo, const wsclose_connection_t *conn)
{
    wsclose_packet_note_t *note;

    if (!notes.readers || !conn || conn->first_frame != pinfo->num)
        return;
    note = wsclose_packet_note(pinfo);
    note->connection = conn;
    if (note->counted_connection == conn)
        return;
    note->counted_connection = conn;
    note->new_connections++;
}
