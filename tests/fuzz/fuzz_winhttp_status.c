/* libFuzzer harness: the close code table and classification (winhttp_status.c).
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include <stdlib.h>
#include <string.h>

#include "winhttp_status.h"
#include "fuzz_check.h"

static void
check_code(unsigned code)
{
    const wsclose_code_info_t *info = wsclose_code_info(code);
    const wsclose_code_info_t *win = wsclose_winhttp_status(code);
    wsclose_class_t cls = wsclose_classify(code);
    const char *label = wsclose_class_label(cls);

    CHECK((int)cls >= 0 && cls < WSCLOSE_CLASS_COUNT);
    CHECK(label && strlen(label) > 0);
    CHECK((info != NULL) == (code >= 1000 && code <= 1015));
    if (info) {
        CHECK(info->code == code);
        CHECK(info->iana != NULL);
        CHECK((info->winhttp == NULL) == (info->meaning == NULL));
    }
    CHECK(win == ((info && info->winhttp) ? info : NULL));
    CHECK((cls == WSCLOSE_CLASS_WINHTTP) == (win != NULL));
    if (win)
        CHECK(strncmp(win->winhttp, "WINHTTP_WEB_SOCKET_", 19) == 0);
    if (cls == WSCLOSE_CLASS_IANA)
        CHECK(info && !info->winhttp);
    if (wsclose_code_is_api_only(code))
        CHECK(win != NULL);
    if (code > 0xffff)
        CHECK(cls == WSCLOSE_CLASS_INVALID);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    size_t i;

    /* Every 16-bit code on the wire, and any unsigned a caller might pass. */
    for (i = 0; i + 1 < size; i += 2)
        check_code((unsigned)((data[i] << 8) | data[i + 1]));
    if (size >= 4) {
        unsigned wide;

        memcpy(&wide, data, sizeof(wide));
        check_code(wide);
        /* Class labels for any value, including out-of-range enum values. */
        CHECK(wsclose_class_label((wsclose_class_t)(wide % 64)) != NULL);
    }
    return 0;
}
