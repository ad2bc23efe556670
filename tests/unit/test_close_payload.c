/* test_close_payload.c
 * plugin/close_payload.[ch]: the close payload of RFC 6455 5.5.1 (nothing, or a 2-byte
 * status code in network byte order and an optional reason) and strict UTF-8 as RFC 3629
 * defines it.
 *
 * Every expected value is worked out by hand from the RFCs (the UTF-8 sequences from RFC 3629
 * section 3's bit patterns and section 7's examples), not by running the code.  Each input is
 * handed over in a heap block of exactly its length, so that the sanitized build reports a
 * read past the end.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include <stddef.h>
#include <string.h>

#include "close_payload.h"
#include "unit_check.h"

#define N_ELEMENTS(a) (sizeof(a) / sizeof((a)[0]))

typedef struct {
    const char *what;
    const char *bytes; /* len bytes */
    size_t len;
    bool valid;
} utf8_case_t;

static const utf8_case_t utf8_cases[] = {
    /* Well-formed: every sequence length at its first and last code point. */
    {"empty", UNIT_HEX(""), true},
    {"U+0000", UNIT_HEX("\x00"), true},
    {"U+007F", UNIT_HEX("\x7f"), true},
    {"ASCII text", UNIT_HEX("Hello"), true},
    {"U+0080", UNIT_HEX("\xc2\x80"), true},
    {"U+00E9", UNIT_HEX("\xc3\xa9"), true},
    {"U+07FF", UNIT_HEX("\xdf\xbf"), true},
    {"U+0800", UNIT_HEX("\xe0\xa0\x80"), true},
    {"U+20AC", UNIT_HEX("\xe2\x82\xac"), true},
    {"U+D7FF, below the surrogates", UNIT_HEX("\xed\x9f\xbf"), true},
    {"U+E000, above the surrogates", UNIT_HEX("\xee\x80\x80"), true},
    {"U+FFFD", UNIT_HEX("\xef\xbf\xbd"), true},
    {"U+FFFF", UNIT_HEX("\xef\xbf\xbf"), true},
    {"U+10000", UNIT_HEX("\xf0\x90\x80\x80"), true},
    {"U+1F600", UNIT_HEX("\xf0\x9f\x98\x80"), true},
    {"U+10FFFF", UNIT_HEX("\xf4\x8f\xbf\xbf"), true},
    {"all lengths mixed", UNIT_HEX("\x61\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80\x7a"), true},
    /* RFC 3629 section 7's examples. */
    {"RFC 3629: A<NOT IDENTICAL TO><ALPHA>.", UNIT_HEX("\x41\xe2\x89\xa2\xce\x91\x2e"), true},
    {"RFC 3629: Korean", UNIT_HEX("\xed\x95\x9c\xea\xb5\xad\xec\x96\xb4"), true},
    {"RFC 3629: Japanese", UNIT_HEX("\xe6\x97\xa5\xe6\x9c\xac\xe8\xaa\x9e"), true},
    {"RFC 3629: BOM, U+233B4", UNIT_HEX("\xef\xbb\xbf\xf0\xa3\x8e\xb4"), true},

    /* Overlong forms. */
    {"overlong U+0000 in 2 bytes", UNIT_HEX("\xc0\x80"), false},
    {"overlong '/' in 2 bytes", UNIT_HEX("\xc0\xaf"), false},
    {"overlong U+007F in 2 bytes", UNIT_HEX("\xc1\xbf"), false},
    {"overlong U+0000 in 3 bytes", UNIT_HEX("\xe0\x80\x80"), false},
    {"overlong '/' in 3 bytes", UNIT_HEX("\xe0\x80\xaf"), false},
    {"overlong U+07FF in 3 bytes", UNIT_HEX("\xe0\x9f\xbf"), false},
    {"overlong U+0000 in 4 bytes", UNIT_HEX("\xf0\x80\x80\x80"), false},
    {"overlong '/' in 4 bytes", UNIT_HEX("\xf0\x80\x80\xaf"), false},
    {"overlong U+FFFF in 4 bytes", UNIT_HEX("\xf0\x8f\xbf\xbf"), false},
    {"overlong '/' in 5 bytes", UNIT_HEX("\xf8\x80\x80\x80\xaf"), false},
    {"overlong '/' in 6 bytes", UNIT_HEX("\xfc\x80\x80\x80\x80\xaf"), false},
    /* UTF-16 surrogates, alone, paired (CESU-8) and overlong. */
    {"U+D800", UNIT_HEX("\xed\xa0\x80"), false},
    {"U+DB7F", UNIT_HEX("\xed\xad\xbf"), false},
    {"U+DB80", UNIT_HEX("\xed\xae\x80"), false},
    {"U+DBFF", UNIT_HEX("\xed\xaf\xbf"), false},
    {"U+DC00", UNIT_HEX("\xed\xb0\x80"), false},
    {"U+DF80", UNIT_HEX("\xed\xbe\x80"), false},
    {"U+DFFF", UNIT_HEX("\xed\xbf\xbf"), false},
    {"U+D800 U+DC00", UNIT_HEX("\xed\xa0\x80\xed\xb0\x80"), false},
    {"U+1F600 as CESU-8", UNIT_HEX("\xed\xa0\xbd\xed\xb8\x80"), false},
    {"U+D800 in 4 bytes", UNIT_HEX("\xf0\x8d\xa0\x80"), false},
    /* Above U+10FFFF. */
    {"U+110000", UNIT_HEX("\xf4\x90\x80\x80"), false},
    {"U+13FFFF", UNIT_HEX("\xf4\xbf\xbf\xbf"), false},
    {"U+140000", UNIT_HEX("\xf5\x80\x80\x80"), false},
    {"U+1FFFFF", UNIT_HEX("\xf7\xbf\xbf\xbf"), false},
    {"U+200000 in 5 bytes", UNIT_HEX("\xf8\x88\x80\x80\x80"), false},
    {"U+4000000 in 6 bytes", UNIT_HEX("\xfc\x84\x80\x80\x80\x80"), false},
    {"0xFE", UNIT_HEX("\xfe"), false},
    {"0xFF", UNIT_HEX("\xff"), false},
    /* Truncated sequences: at the end, and cut by the next character. */
    {"lead of 2, alone", UNIT_HEX("\xc2"), false},
    {"lead of 3, alone", UNIT_HEX("\xe2"), false},
    {"3 bytes, 2 present", UNIT_HEX("\xe2\x82"), false},
    {"lead of 4, alone", UNIT_HEX("\xf0"), false},
    {"4 bytes, 2 present", UNIT_HEX("\xf0\x9f"), false},
    {"4 bytes, 3 present", UNIT_HEX("\xf0\x9f\x98"), false},
    {"text, then 3 bytes, 2 present", UNIT_HEX("\x6f\x6b\xe2\x82"), false},
    {"2 bytes cut by ASCII", UNIT_HEX("\xc3\x61"), false},
    {"3 bytes cut by ASCII", UNIT_HEX("\xe2\x82\x61"), false},
    {"4 bytes cut by ASCII", UNIT_HEX("\xf0\x9f\x98\x61"), false},
    {"2 bytes cut by a lead", UNIT_HEX("\xc3\xc3\xa9"), false},
    /* Continuation bytes without a lead. */
    {"0x80 alone", UNIT_HEX("\x80"), false},
    {"0xBF alone", UNIT_HEX("\xbf"), false},
    {"text, then 0x80", UNIT_HEX("\x61\x80"), false},
    {"one continuation too many", UNIT_HEX("\xc3\xa9\xa9"), false},
};

static void
test_utf8(void)
{
    size_t i;

    for (i = 0; i < N_ELEMENTS(utf8_cases); i++) {
        const utf8_case_t *c = &utf8_cases[i];
        uint8_t *copy = unit_copy(UNIT_BYTES(c->bytes), c->len);

        unit_case("UTF-8: %s", c->what);
        UNIT_EQ_BOOL(c->valid, wsclose_utf8_valid(copy, c->len));
        unit_free(copy);
    }
}

typedef struct {
    const char *what;
    const char *bytes; /* len bytes */
    size_t len;
    wsclose_payload_kind_t kind;
    unsigned code;
    size_t reason_len;
    bool reason_utf8;
} payload_case_t;

static const payload_case_t payload_cases[] = {
    {"empty", UNIT_HEX(""), WSCLOSE_PAYLOAD_EMPTY, 0, 0, true},
    {"1 byte 0x03", UNIT_HEX("\x03"), WSCLOSE_PAYLOAD_ONE_BYTE, 0, 0, true},
    {"1 byte 0xe8", UNIT_HEX("\xe8"), WSCLOSE_PAYLOAD_ONE_BYTE, 0, 0, true},
    {"code 1000", UNIT_HEX("\x03\xe8"), WSCLOSE_PAYLOAD_CODE, 1000, 0, true},
    {"code 1005 (API-only, still parsed)", UNIT_HEX("\x03\xed"), WSCLOSE_PAYLOAD_CODE, 1005, 0,
     true},
    {"code 1007", UNIT_HEX("\x03\xef"), WSCLOSE_PAYLOAD_CODE, 1007, 0, true},
    {"code 4000", UNIT_HEX("\x0f\xa0"), WSCLOSE_PAYLOAD_CODE, 4000, 0, true},
    {"code 0", UNIT_HEX("\x00\x00"), WSCLOSE_PAYLOAD_CODE, 0, 0, true},
    {"code 65535", UNIT_HEX("\xff\xff"), WSCLOSE_PAYLOAD_CODE, 65535, 0, true},
    {"code 1000, reason \"bye\"", UNIT_HEX("\x03\xe8\x62\x79\x65"), WSCLOSE_PAYLOAD_CODE, 1000, 3,
     true},
    {"code 1001, reason U+00E9", UNIT_HEX("\x03\xe9\xc3\xa9"), WSCLOSE_PAYLOAD_CODE, 1001, 2, true},
    {"code 1000, reason U+1F600", UNIT_HEX("\x03\xe8\xf0\x9f\x98\x80"), WSCLOSE_PAYLOAD_CODE, 1000,
     4, true},
    {"code 1000, reason U+0000", UNIT_HEX("\x03\xe8\x00"), WSCLOSE_PAYLOAD_CODE, 1000, 1, true},
    {"code 1002, reason 0xFF", UNIT_HEX("\x03\xea\xff"), WSCLOSE_PAYLOAD_CODE, 1002, 1, false},
    {"code 1007, overlong reason", UNIT_HEX("\x03\xef\xc0\x80"), WSCLOSE_PAYLOAD_CODE, 1007, 2,
     false},
    {"code 1007, surrogate reason", UNIT_HEX("\x03\xef\xed\xa0\x80"), WSCLOSE_PAYLOAD_CODE, 1007, 3,
     false},
    {"code 1011, reason above U+10FFFF", UNIT_HEX("\x03\xf3\xf4\x90\x80\x80"), WSCLOSE_PAYLOAD_CODE,
     1011, 4, false},
    {"code 1000, truncated reason", UNIT_HEX("\x03\xe8\x6f\x6b\xe2\x82"), WSCLOSE_PAYLOAD_CODE,
     1000, 4, false},
    /* A code whose second byte alone would be a UTF-8 lead: the code is not part of the
     * reason. */
    {"code 1000 is not read as UTF-8", UNIT_HEX("\x03\xe8\x61"), WSCLOSE_PAYLOAD_CODE, 1000, 1,
     true},
};

static void
check_payload(const char *what, const uint8_t *bytes, size_t len, wsclose_payload_kind_t kind,
              unsigned code, size_t reason_len, bool reason_utf8)
{
    uint8_t *copy = unit_copy(bytes, len);
    wsclose_payload_t out;

    /* Filled with a pattern first: every field must be written. */
    memset(&out, 0xa5, sizeof(out));
    unit_case("payload: %s", what);
    wsclose_payload_parse(copy, len, &out);
    UNIT_EQ_UINT(kind, out.kind);
    UNIT_EQ_UINT(code, out.code);
    UNIT_EQ_UINT(reason_len, out.reason_len);
    UNIT_EQ_BOOL(reason_utf8, out.reason_utf8);
    unit_free(copy);
}

static void
test_payload(void)
{
    size_t i;
    uint8_t longest[125];

    for (i = 0; i < N_ELEMENTS(payload_cases); i++) {
        const payload_case_t *c = &payload_cases[i];

        check_payload(c->what, UNIT_BYTES(c->bytes), c->len, c->kind, c->code, c->reason_len,
                      c->reason_utf8);
    }

    /* The longest control frame payload (RFC 6455 5.5): code 1009 and 123 bytes of reason. */
    longest[0] = 0x03;
    longest[1] = 0xf1;
    memset(longest + 2, 'x', sizeof(longest) - 2);
    check_payload("125 bytes, ASCII reason", longest, sizeof(longest), WSCLOSE_PAYLOAD_CODE, 1009,
                  123, true);
    /* ...with a 2-byte character cut by the end of the payload. */
    longest[123] = 'x';
    longest[124] = 0xc3;
    check_payload("125 bytes, reason ending in a lead byte", longest, sizeof(longest),
                  WSCLOSE_PAYLOAD_CODE, 1009, 123, false);
}

int
main(void)
{
    test_utf8();
    test_payload();
    return unit_finish("test_close_payload");
}
