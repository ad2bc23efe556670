"""The tests' oracle: every name table and every WinHTTP call result the tests expect,
written down from the documentation (Microsoft's WINHTTP_WEB_SOCKET_CLOSE_STATUS table and
WinHTTP WebSocket reference, websocket.h, .NET's WebSocketCloseStatus, the IANA registry),
independently of the plugin's own table in plugin/winhttp_status.c; and the generator's
manifest of what each capture carries on the wire.  Tests take their tables from here, never
from a copy of their own."""

import collections
import json
import os

HERE = os.path.dirname(os.path.abspath(__file__))
MANIFEST = os.path.join(HERE, "..", "captures", "gen", "manifest.json")

# code -> (enum name, the documentation's meaning)
WINHTTP = {
    1000: ("WINHTTP_WEB_SOCKET_SUCCESS_CLOSE_STATUS", "The connection closed successfully."),
    1001: ("WINHTTP_WEB_SOCKET_ENDPOINT_TERMINATED_CLOSE_STATUS",
           "The peer is going away and terminating the connection."),
    1002: ("WINHTTP_WEB_SOCKET_PROTOCOL_ERROR_CLOSE_STATUS", "A protocol error occurred."),
    1003: ("WINHTTP_WEB_SOCKET_INVALID_DATA_TYPE_CLOSE_STATUS",
           "Invalid data received by the peer."),
    1005: ("WINHTTP_WEB_SOCKET_EMPTY_CLOSE_STATUS", "The close message was empty."),
    1006: ("WINHTTP_WEB_SOCKET_ABORTED_CLOSE_STATUS", "The connection was aborted."),
    1007: ("WINHTTP_WEB_SOCKET_INVALID_PAYLOAD_CLOSE_STATUS", "The payload was invalid."),
    1008: ("WINHTTP_WEB_SOCKET_POLICY_VIOLATION_CLOSE_STATUS",
           "The message violates an endpoint's policy."),
    1009: ("WINHTTP_WEB_SOCKET_MESSAGE_TOO_BIG_CLOSE_STATUS",
           "The message sent was too large to process."),
    1010: ("WINHTTP_WEB_SOCKET_UNSUPPORTED_EXTENSIONS_CLOSE_STATUS",
           "A client endpoint expected the server to negotiate one or more extensions, but "
           "the server didn't return them in the response message of the WebSocket "
           "handshake."),
    1011: ("WINHTTP_WEB_SOCKET_SERVER_ERROR_CLOSE_STATUS",
           "An unexpected condition prevented the server from fulfilling the request."),
    1015: ("WINHTTP_WEB_SOCKET_SECURE_HANDSHAKE_ERROR_CLOSE_STATUS",
           "The TLS handshake could not be completed."),
}
ALIAS_1007 = ("WINHTTP_WEB_SOCKET_INVALID_UTF8_CLOSE_STATUS",
              "UTF-8 frame carried an invalid UTF-8 stream.")
IANA_ONLY = {1012: "Service Restart", 1013: "Try Again Later", 1014: "Bad Gateway"}


def range_class(code):
    """Which class a code belongs to, as a keyword the range text must contain."""
    if code in WINHTTP:
        return "WinHTTP"
    if code in IANA_ONLY:
        return "IANA"
    if code == 1004 or 1016 <= code <= 2999:
        return "Reserved"
    if 3000 <= code <= 3999:
        return "libraries"
    if 4000 <= code <= 4999:
        return "Private"
    return "Invalid"


def range_text(code):
    """wsclose.range of a code: its class as the documentation names it."""
    cls = range_class(code)
    if cls == "IANA":
        return "IANA-registered, not in WinHTTP: " + IANA_ONLY[code]
    return {"WinHTTP": "WinHTTP enum value",
            "Reserved": "Reserved (1004, 1016-2999)",
            "libraries": "Registered for libraries/frameworks (3000-3999)",
            "Private": "Private use (4000-4999)",
            "Invalid": "Invalid (0-999, 5000 and above)"}[cls]


def manifest():
    with open(MANIFEST) as f:
        return json.load(f)["captures"]


def close_frames(capture):
    """Every close frame the generator put in a capture, in frame order."""
    frames = []
    for conn in manifest()[capture]["connections"]:
        for cf in conn["close_frames"]:
            frames.append(dict(cf, tcp_stream=conn["tcp_stream"], scenario=conn["scenario"]))
    return sorted(frames, key=lambda cf: cf["frame"])


# What the WinHTTP client's WebSocket calls return, from Microsoft's reference (winhttp.h).
# Error codes the reference names: ERROR_INVALID_PARAMETER (Close/Shutdown with a reason over
# 123 bytes), ERROR_INVALID_OPERATION ("No close frame has been received yet"),
# ERROR_WINHTTP_INVALID_SERVER_RESPONSE ("Invalid data was received from the server").
ERROR_INVALID_PARAMETER = 87
ERROR_INVALID_OPERATION = 4317
ERROR_INVALID_SERVER_RESPONSE = 12152
# Where the reference names no code, Wine 8 returns this one for an RST (winsock's).
WSAECONNRESET = 10054
# QueryCloseStatus after a close frame without payload: the enum's "The close message was
# empty".
EMPTY_STATUS = 1005
# The wording of wsclose.api.receive / wsclose.api.query for the reference's cases.
RECEIVE_CLOSE = "WINHTTP_WEB_SOCKET_CLOSE_BUFFER_TYPE"
RECEIVE_CLOSE_AFTER_OWN = ("WINHTTP_WEB_SOCKET_CLOSE_BUFFER_TYPE (to a Receive after "
                           "WinHttpWebSocketShutdown; a waiting WinHttpWebSocketClose returns "
                           "NO_ERROR)")
RECEIVE_INVALID = ("fails: ERROR_WINHTTP_INVALID_SERVER_RESPONSE (12152), invalid data "
                   "received from the server")
QUERY_NO_CLOSE = "ERROR_INVALID_OPERATION (4317): no close frame has been received"


def query_reason(reason):
    """wsclose.api.query.reason: the reason bytes QueryCloseStatus returns, as text when
    they are UTF-8, else in hex."""
    try:
        return reason.decode("utf-8")
    except UnicodeDecodeError:
        return " ".join("%02x" % b for b in reason)


# The same codes in the sibling APIs and the IANA registry:
# code -> (websocket.h WEB_SOCKET_*_CLOSE_STATUS, .NET WebSocketCloseStatus, IANA name).
SIBLINGS = {
    1000: ("WEB_SOCKET_SUCCESS_CLOSE_STATUS", "NormalClosure", "Normal Closure"),
    1001: ("WEB_SOCKET_ENDPOINT_UNAVAILABLE_CLOSE_STATUS", "EndpointUnavailable", "Going Away"),
    1002: ("WEB_SOCKET_PROTOCOL_ERROR_CLOSE_STATUS", "ProtocolError", "Protocol error"),
    1003: ("WEB_SOCKET_INVALID_DATA_TYPE_CLOSE_STATUS", "InvalidMessageType", "Unsupported Data"),
    1004: (None, None, "Reserved"),
    1005: ("WEB_SOCKET_EMPTY_CLOSE_STATUS", "Empty", "No Status Rcvd"),
    1006: ("WEB_SOCKET_ABORTED_CLOSE_STATUS", None, "Abnormal Closure"),
    1007: ("WEB_SOCKET_INVALID_PAYLOAD_CLOSE_STATUS", "InvalidPayloadData",
           "Invalid frame payload data"),
    1008: ("WEB_SOCKET_POLICY_VIOLATION_CLOSE_STATUS", "PolicyViolation", "Policy Violation"),
    1009: ("WEB_SOCKET_MESSAGE_TOO_BIG_CLOSE_STATUS", "MessageTooBig", "Message Too Big"),
    1010: ("WEB_SOCKET_UNSUPPORTED_EXTENSIONS_CLOSE_STATUS", "MandatoryExtension",
           "Mandatory Ext."),
    1011: ("WEB_SOCKET_SERVER_ERROR_CLOSE_STATUS", "InternalServerError", "Internal Error"),
    1012: (None, None, "Service Restart"),
    1013: (None, None, "Try Again Later"),
    1014: (None, None, "Bad Gateway"),
    1015: ("WEB_SOCKET_SECURE_HANDSHAKE_ERROR_CLOSE_STATUS", None, "TLS handshake"),
}
NAME_SETS = {"winhttp": None, "websocket_h": 0, "dotnet": 1, "iana": 2}
SET_SHORT = {"websocket_h": "websocket.h", "dotnet": ".NET", "iana": "IANA"}


# RFC 6455 7.4.1: codes for APIs to report, never to be sent in a close frame.
API_ONLY = (1005, 1006, 1015)


def name_in_set(name_set, code):
    """A code's name in a name set, or None."""
    if name_set == "none":
        return None
    if name_set == "winhttp":
        return WINHTTP.get(code, (None,))[0]
    return SIBLINGS.get(code, (None, None, None))[NAME_SETS[name_set]]


def info_label(name_set, code):
    """The Info column label of a close code sent in a close frame, in a name set (None: no
    label).  A code for APIs to report says that it was sent in a close frame, so that it
    never reads like the situation it names (1006: an abort; 1005: an empty close)."""
    name = name_in_set(name_set, code)
    if code in API_ONLY:
        return ("%s (%d) sent in a close frame" % (name, code) if name
                else "%d sent in a close frame" % code)
    if name_set == "none":
        return None
    if name:
        return name
    if code in IANA_ONLY:
        return "%d: IANA %s, not in WinHTTP" % (code, IANA_ONLY[code])
    if code in WINHTTP:
        return "%d: no %s name" % (code, SET_SHORT[name_set])
    cls = range_class(code)
    short = {"Reserved": "reserved", "libraries": "registered", "Private": "private use",
             "Invalid": "invalid"}[cls]
    return "%d: %s" % (code, short)


def empty_label(name_set):
    """The Info column label of a close frame without payload: what the receiver reports."""
    name = name_in_set(name_set, EMPTY_STATUS)
    return "no status code: %s" % name if name else "no status code"


def abort_label(name_set, endpoint, how, sender, after=None):
    """The Info column label of an abort: who is affected, the enum value that names that
    ending (RFC 6455 7.1.5: 1006) in the name set, what ended the connection there, and,
    when the other side had ended the TCP connection first, which end this one answers
    (after = (side, "FIN"|"RST"))."""
    name = name_in_set(name_set, 1006)
    label = "Abort for the %s%s: %s from the %s" % (endpoint, " (%s)" % name if name else "",
                                                    how, sender)
    if after:
        label += ", after the %s's %s" % after
    return label


# A server close frame the client's WinHTTP rejects: Receive fails with 12152.
REJECTED_LABEL = "invalid close: WinHTTP Receive fails with 12152"
# ... and what its wsclose.meaning says instead of the code's meaning: what the client gets
# (the reference's wording for 12152).
REJECTED_MEANING = ("WinHttpWebSocketReceive fails with ERROR_WINHTTP_INVALID_SERVER_RESPONSE: "
                    "invalid data was received from the server")
# A close frame with a 1-byte payload that the WinHTTP client does not receive (its own).
MALFORMED_LABEL = "Malformed close payload"
# A close frame whose status code the capture cut off (snaplen).
NOT_CAPTURED_LABEL = "close status not captured"


def rejected_by_winhttp(direction, payload_len):
    """Whether the WinHTTP client's Receive rejects this close frame with 12152: a server
    close with a 1-byte payload or one over 125 bytes (RFC 6455 5.5, 5.5.1)."""
    return direction == "server" and (payload_len == 1 or payload_len > 125)


def close_label(name_set, direction, payload_len, code):
    """The Info column label of a close frame (None: no label), from who sent it, its payload
    length on the wire and its code (None: no code)."""
    if rejected_by_winhttp(direction, payload_len):
        return REJECTED_LABEL
    if payload_len == 1:
        return MALFORMED_LABEL
    if payload_len == 0:
        return empty_label(name_set)
    return info_label(name_set, code)


def reported_status(payload_len, code):
    """The status a close frame reports to the peer's application: its code, 1005 for an
    empty payload, None when it has none (1-byte payload, or not captured: code None)."""
    if payload_len == 0:
        return EMPTY_STATUS
    return code


def status_differs_summary(replier, initiator, request_status, reply_status):
    """The chat item of a reply whose status differs from the initiating close's (RFC 6455
    5.5.1 lets the reply carry its own status; a WinHTTP client answers with whatever its
    WinHttpWebSocketClose passes).  No frame number: identical findings group."""
    return "The %s answered the %s's %d with %d" % (replier, initiator, request_status,
                                                     reply_status)


# The hint on the FIN or RST that the client sends without a close frame of its own (the
# server's connection aborts there): what the client's application did.
END_WITHOUT_CLOSE = ("The client ends the TCP connection without a close frame of its own: its "
                     "application closed its WinHTTP handles without WinHttpWebSocketClose, or "
                     "Close failed before sending (a reason over 123 bytes: "
                     "ERROR_INVALID_PARAMETER)")

PEER = {"client": "server", "server": "client"}
Abort = collections.namedtuple("Abort", "endpoint how sender after ended_in ended_by")


def aborts(ends, first_close):
    """RFC 6455 7.1.5, per direction: an endpoint's connection aborts at the first packet that
    ends what it receives (the peer's FIN, or an RST from either side) when the peer's close
    frame had not arrived before it.  ends: the TCP connection's FINs and RSTs in frame order,
    (frame, sender, "FIN" | "RST"); first_close: {side: frame of its first close frame}.
    Returns {frame: [Abort, ...]} (client first): after is what abort_label() takes, the
    other side's end that came first, or None; ended_in and ended_by are the connection's
    first FIN or RST and its sender."""
    out, ended = {}, set()
    first = ends[0] if ends else None
    for frame, sender, how in ends:
        receivers = ("client", "server") if how == "RST" else (PEER[sender],)
        for endpoint in receivers:
            if endpoint in ended:
                continue
            ended.add(endpoint)
            peer_close = first_close.get(PEER[endpoint])
            if peer_close is not None and peer_close <= frame:
                continue
            after = (first[1], first[2]) if first[0] != frame and first[1] != sender else None
            out.setdefault(frame, []).append(Abort(endpoint, how, sender, after, first[0],
                                                   first[1]))
    return out


def abort_labels(name_set, endings):
    """The Info labels of one frame's aborts (aborts()'s list for that frame)."""
    return [abort_label(name_set, a.endpoint, a.how, a.sender, a.after) for a in endings]


def abort_summary(endpoint, how):
    """The warning on an abort: what the aborted endpoint is left with."""
    if endpoint == "client":
        return ("TCP %s without a close frame from the server: the WinHTTP client's calls "
                "fail, the connection was aborted" % how)
    return ("TCP %s without a close frame from the client: the server's connection closed "
            "abnormally" % how)


def manifest_clients(capture):
    """{tcp.stream: the client's TCP port} of a synthetic capture's WebSocket connections."""
    return {c["tcp_stream"]: int(c["client"].rsplit(":", 1)[1])
            for c in manifest()[capture]["connections"] if c.get("websocket")}
