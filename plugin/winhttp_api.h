/* winhttp_api.h
 * What the WinHTTP client's WebSocket calls return where the wire shows a close frame or the
 * end of the connection.  Every rule of what a call returns lives here: Microsoft's API
 * reference decides; Wine 8's winhttp.dll is a second implementation, asked for where the
 * reference is silent or to say where Wine differs (never used for the labels).
 *
 * WinHTTP's WebSocket API is client-only: a close frame from the server is what the client
 * receives (WinHttpWebSocketReceive, then WinHttpWebSocketQueryCloseStatus), a close frame
 * from the client is what its WinHttpWebSocketClose or WinHttpWebSocketShutdown sent.
 *
 * Pure C (no epan), unit-tested.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#ifndef WINHTTP_API_H
#define WINHTTP_API_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "close_payload.h"

/* Which implementation's behaviour to report. */
typedef enum {
    WSCLOSE_IMPL_REFERENCE, /* Microsoft's API reference (what wsclose shows) */
    WSCLOSE_IMPL_WINE8,     /* Wine 8's winhttp.dll, recorded in captures/real-winhttp-wine */
} wsclose_impl_t;

/* Windows error codes of the WebSocket calls: those the reference names, and the one Wine
 * returns where the reference names none. */
#define WSCLOSE_ERROR_INVALID_PARAMETER 87
#define WSCLOSE_ERROR_INVALID_OPERATION 4317
#define WSCLOSE_ERROR_WSAECONNRESET 10054
#define WSCLOSE_ERROR_INVALID_SERVER_RESPONSE 12152

/* A close reason longer than this is refused by WinHttpWebSocketClose and
 * WinHttpWebSocketShutdown, and never returned by WinHttpWebSocketQueryCloseStatus. */
#define WSCLOSE_API_REASON_MAX 123

/* One error code and its name in winerror.h / winhttp.h. */
typedef struct {
    uint32_t code;
    const char *name;
    const char *meaning; /* the reference's wording where it gives one */
} wsclose_api_error_info_t;

/* The errors above, in code order, ended by a row whose name is NULL. */
extern const wsclose_api_error_info_t wsclose_api_errors[];

/* The name of an error code above, or NULL. */
const char *wsclose_api_error_name(uint32_t code);

/* "NAME (code)" of an error code (the code alone without a name), into buf. */
void wsclose_api_error_text(char *buf, size_t size, uint32_t code);

typedef enum {
    WSCLOSE_RECEIVE_NONE,         /* not something the client receives */
    WSCLOSE_RECEIVE_CLOSE_BUFFER, /* returns WINHTTP_WEB_SOCKET_CLOSE_BUFFER_TYPE */
    WSCLOSE_RECEIVE_INVALID,      /* fails: receive_error, invalid data from the server */
    WSCLOSE_RECEIVE_ABORTED,      /* fails: the connection was aborted (receive_error, if one
                                     is known, is the implementation's own) */
} wsclose_receive_t;

typedef enum {
    WSCLOSE_CALL_NONE,              /* not a close frame the client sent */
    WSCLOSE_CALL_CLOSE_OR_SHUTDOWN, /* Close or Shutdown initiated the closing handshake */
    WSCLOSE_CALL_CLOSE_ANSWER,      /* Close answered the server's close frame */
    WSCLOSE_CALL_REFUSED,           /* no WinHTTP call sends this frame: call_error is what
                                       Close and Shutdown return when asked to */
} wsclose_call_t;

/* A close frame, as the wire shows it. */
typedef struct {
    bool from_server;
    bool duplicate; /* its sender's second close frame: the calls have already returned */
    bool answers;   /* the peer's close frame came first: this one answers it */
    bool fin;
    uint64_t wire_len; /* payload length written in the header */
    wsclose_payload_t payload;
    const uint8_t *reason; /* payload.reason_len unmasked reason bytes */
    /* A server close that answers the client's: the time between them, and the client's
     * close timeout (WINHTTP_OPTION_WEB_SOCKET_CLOSE_TIMEOUT). */
    int64_t answer_delay_ns;
    unsigned close_timeout_s;
} wsclose_api_frame_t;

/* What the client's calls return.  Fields of calls that do not apply are 0 / false. */
typedef struct {
    wsclose_receive_t receive;
    uint32_t receive_error; /* 0: none, or none named */

    bool query;           /* WinHttpWebSocketQueryCloseStatus applies here */
    uint32_t query_error; /* 0: it succeeds */
    uint16_t query_status;
    const uint8_t *query_reason; /* as sent, also when not UTF-8 */
    size_t query_reason_len;
    bool query_reason_utf8;

    wsclose_call_t call;
    uint32_t call_error; /* WSCLOSE_CALL_REFUSED: what Close and Shutdown return */
    uint16_t call_status;

    bool fin_undocumented;    /* a server close with FIN=0: the reference is silent */
    bool after_close_timeout; /* the server's close came after the client's close timeout:
                                 a WinHttpWebSocketClose waiting for it failed before */
} wsclose_api_result_t;

/* Whether a close frame breaks a frame rule WinHTTP checks on what it receives: a 1-byte
 * payload (a status needs two bytes), or over 125 bytes on the wire (control frames). */
bool wsclose_api_close_malformed(const wsclose_payload_t *payload, uint64_t wire_len);

/* What the client's calls return for this close frame. */
void wsclose_api_close_frame(const wsclose_api_frame_t *frame, wsclose_impl_t impl,
                             wsclose_api_result_t *out);

/* What the client's calls return when what it receives ends (the server's FIN, or an RST
 * from either side) before the server's close frame: RFC 6455 7.1.5's abnormal closure. */
void wsclose_api_abort(bool rst, wsclose_impl_t impl, wsclose_api_result_t *out);

/* Whether a WinHTTP client bypassed WinHttpWebSocketClose (it closed its handles, or Close
 * failed before sending): client_ends, it ended the TCP connection (the first FIN or RST is
 * its own), without having sent a close frame. */
bool wsclose_api_end_without_close(bool client_ends, bool client_sent_close);

/* What WinHttpWebSocketCompleteUpgrade returns for the response to the Upgrade request. */
typedef enum {
    WSCLOSE_UPGRADE_CALL_HANDLE,       /* returns the WebSocket handle */
    WSCLOSE_UPGRADE_CALL_FAILS,        /* fails; the reference names no error code */
    WSCLOSE_UPGRADE_CALL_UNDOCUMENTED, /* the reference is silent */
} wsclose_upgrade_call_t;

/* status: the response's status code; rfc_valid: a 101 a client may accept (RFC 6455 4.1). */
wsclose_upgrade_call_t wsclose_api_complete_upgrade(unsigned status, bool rfc_valid,
                                                    wsclose_impl_t impl);

/*
 * A close reason as the application gets it, into buf (always NUL-terminated, cut at
 * size): its length, then the text in quotes (quotes, backslashes and control characters
 * escaped) or, when it is not UTF-8, its bytes in hex.  "no reason" when empty.
 */
void wsclose_api_format_reason(char *buf, size_t size, const uint8_t *reason, size_t len,
                               bool utf8);

/* Room for wsclose_api_format_reason() of any reason a WinHTTP call passes. */
#define WSCLOSE_API_REASON_TEXT_MAX (32 + 4 * WSCLOSE_API_REASON_MAX)

/* Room for each of the texts below. */
#define WSCLOSE_API_TEXT_MAX (256 + WSCLOSE_API_REASON_TEXT_MAX)

/*
 * The wording of the results, as the wsclose.api.* fields show them (cut at size).  Each is
 * empty where the call does not apply.  Receive: answer, the server's close answers the
 * client's (a Receive after WinHttpWebSocketShutdown gets it); why, what aborted the
 * connection.  The call: request_in, the frame of the server's close it answers.
 */
void wsclose_api_receive_text(char *buf, size_t size, const wsclose_api_result_t *r, bool answer,
                              const char *why);
void wsclose_api_query_text(char *buf, size_t size, const wsclose_api_result_t *r);
void wsclose_api_call_text(char *buf, size_t size, const wsclose_api_result_t *r,
                           const uint8_t *reason, size_t reason_len, bool reason_utf8,
                           uint32_t request_in);

/* What WinHttpWebSocketCompleteUpgrade returns, as wsclose.api.upgrade shows it. */
void wsclose_api_upgrade_text(char *buf, size_t size, unsigned status, bool rfc_valid);

/* The reason QueryCloseStatus returns, as a field's value: the text, or its bytes in hex
 * when they are not UTF-8. */
void wsclose_api_reason_value(char *buf, size_t size, const wsclose_api_result_t *r);

#endif /* WINHTTP_API_H */
