/* libFuzzer harness: the opening handshake's heads and checks (wsclose_upgrade.c).
 *
 * The input is split at its first NUL into a request and a response; each is parsed from a
 * heap block of exactly its length (a read past the end is reported), every value found
 * must lie inside its message, and the response's problems must be a set of the defined
 * bits, with REFUSED alone exactly when the status is not 101.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include <stdlib.h>
#include <string.h>

#include "fuzz_check.h"
#include "wsclose_upgrade.h"

#define ALL_PROBLEMS                                                                               \
    (WSCLOSE_UPGRADE_REFUSED | WSCLOSE_UPGRADE_NO_UPGRADE | WSCLOSE_UPGRADE_NO_CONNECTION |        \
     WSCLOSE_UPGRADE_NO_ACCEPT | WSCLOSE_UPGRADE_WRONG_ACCEPT |                                    \
     WSCLOSE_UPGRADE_UNOFFERED_PROTOCOL | WSCLOSE_UPGRADE_UNOFFERED_EXTENSION)

static void
check_value(const wsclose_http_value_t *v, const uint8_t *msg, size_t len)
{
    if (v->present)
        CHECK(v->ptr >= msg && v->ptr + v->len <= msg + len);
}

static uint8_t *
parse_copy(const uint8_t *data, size_t size, wsclose_http_head_t *head, bool *ok)
{
    uint8_t *copy = malloc(size ? size : 1);

    memcpy(copy, data, size);
    *ok = wsclose_http_head_parse(copy, size, head);
    check_value(&head->key, copy, size);
    check_value(&head->accept, copy, size);
    check_value(&head->protocol, copy, size);
    check_value(&head->extensions, copy, size);
    CHECK(head->status < 1000);
    return copy;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const uint8_t *nul = memchr(data, 0, size);
    const size_t req_len = nul ? (size_t)(nul - data) : size;
    wsclose_http_head_t request, response;
    wsclose_upgrade_offer_t offer;
    char expected[WSCLOSE_ACCEPT_LEN + 1];
    bool req_ok, resp_ok;
    uint8_t *req = parse_copy(data, req_len, &request, &req_ok);
    uint8_t *resp = nul ? parse_copy(nul + 1, size - req_len - 1, &response, &resp_ok) : NULL;

    if (req_ok && wsclose_upgrade_offer(&request, &offer)) {
        CHECK(strlen(offer.key) <= WSCLOSE_KEY_MAX);
        CHECK(strlen(offer.protocols) <= WSCLOSE_OFFER_MAX);
        if (resp && resp_ok && response.response) {
            const unsigned problems = wsclose_upgrade_check(&offer, &response, expected);

            CHECK((problems & ~(unsigned)ALL_PROBLEMS) == 0);
            CHECK((response.status != 101) == (problems == WSCLOSE_UPGRADE_REFUSED));
            CHECK(strlen(expected) == (offer.key_present ? WSCLOSE_ACCEPT_LEN : 0));
        }
    }
    free(req);
    free(resp);
    return 0;
}
