"""The real-winhttp-wine and real-winhttp-wine-upgrade captures: what each connection does,
and its manifest entry.

Used by record.py (which runs the processes).  Each connection is one run of the WinHTTP client
(winhttp/client.c under Wine) against one of these servers on loopback:

  ws       Python `websockets` (py_peer.py server): echoes text, closes with sclose/sreason
           after the first message, echoes a client's close payload verbatim
  raw      raw_peer.py server: writes exactly the frames and TCP endings of its `do` actions
  upgrade  raw_peer.py server on a port of its own, for real-winhttp-wine-upgrade
           (upgrade_connections()): it answers the Upgrade as the connection's `answer` query
           asks (403, 200, or a 101 that breaks RFC 6455 section 4.1), then runs `do`

The client steps and raw actions are documented in winhttp/client.c and raw_peer.py.  A server
close is always answered the same way: Receive (the CLOSE buffer), QueryCloseStatus, then
WinHttpWebSocketClose with the status QueryCloseStatus returned (an echo, RFC 6455 5.5.1).
"""

import struct
from urllib.parse import quote, urlencode

PORTS = {"ws": 47320, "raw": 47321, "upgrade": 47322}
SERVER_IMPL = {"ws": "python-websockets", "raw": "raw-socket", "upgrade": "raw-socket"}

# Codes websockets 10.4 refuses to send (py_peer.py probe); record.py checks this against the
# probe of the installed version, so a scenario never asks websockets for a refused code.
WS_REFUSED = {0, 999, 1004, 1005, 1006, 1015, 1016, 1999, 2000, 2999, 5000, 65535}

HELLO = "hello from winhttp"
DATA = ["send:" + HELLO, "recv"]           # one text message each way
ANSWER = ["recv", "query", "close-echo"]   # take the server's close and echo its status
REASON_123 = ("reason of exactly 123 bytes " + "abcdefghijklmnopqrstuvwxyz" * 5)[:123]
REASON_124 = REASON_123 + "!"
INVALID_UTF8 = b"\xff\xfe bad"             # as in malformed.pcapng


def hexs(b):
    return b.hex() if isinstance(b, bytes) else b.encode("utf-8").hex()


def close_payload(code, reason=b""):
    return b"" if code is None else struct.pack("!H", code) + (
        reason if isinstance(reason, bytes) else reason.encode("utf-8"))


def frame(payload, fin=True):
    """A raw_peer.py action: send a close frame with this payload."""
    return "frame:8:%d:%s" % (1 if fin else 0, payload.hex())


def told(payload, fin=True, tcp=None):
    """What the server was told to send (close frame payload as hex; fin; a TCP ending)."""
    out = {}
    if payload is not None:
        out["close_frame"] = close_fields(payload, fin)
    if tcp:
        out["tcp"] = tcp
    return out


def close_fields(payload, fin=True):
    code = struct.unpack("!H", payload[:2])[0] if len(payload) >= 2 else None
    reason = payload[2:]
    try:
        text = reason.decode("utf-8") if code is not None else None
    except UnicodeDecodeError:
        text = None
    return {"code": code, "reason": text, "reason_hex": reason.hex() if code is not None else None,
            "payload_len": len(payload), "payload_hex": payload.hex(), "fin": fin,
            "well_formed": fin and len(payload) != 1 and len(payload) <= 125 and
            (code is None or text is not None)}


def W(scenario, server, steps, description, server_told, do=None, sclose=None, sreason="",
      answer=None, defect=None):
    return dict(scenario=scenario, server=server, steps=steps, description=description,
                told=server_told, do=do or [], sclose=sclose, sreason=sreason,
                answer=answer or {}, defect=defect)


def server_close(code, description):
    """Server-initiated close with CODE and a short ASCII reason, by websockets if it can."""
    reason = "server closes with %d" % code
    payload = close_payload(code, reason)
    if code in WS_REFUSED:
        return W("server-close-%d" % code, "raw", DATA + ANSWER, description + " (raw server)",
                 told(payload, tcp="FIN after the client's close"),
                 do=["echo", frame(payload), "readclose", "fin"])
    return W("server-close-%d" % code, "ws", DATA + ANSWER, description + " (websockets)",
             told(payload, tcp="websockets closes TCP after the client's close"),
             sclose=code, sreason=reason)


def connections():
    conns = []
    for code in (1000, 1001, 1002, 1003, 1005, 1006, 1007, 1008, 1009, 1010, 1011, 1015):
        conns.append(server_close(code, "server closes with WinHTTP enum value %d" % code))
    for code in (0, 999, 1004, 1012, 2000, 3000, 4000, 4999, 5000, 65535):
        conns.append(server_close(code, "server closes with %d (not in WinHTTP's enum)" % code))

    def malformed(name, payload, description, fin=True):
        return W(name, "raw", DATA + ["recv", "query", "close:1002"], description,
                 told(payload, fin, tcp="none: reads until the client's FIN or RST"),
                 do=["echo", frame(payload, fin), "drain"])

    conns += [
        W("server-close-empty", "raw", DATA + ANSWER,
          "server close frame without payload; the client echoes the status QueryCloseStatus "
          "reports", told(b"", tcp="FIN after the client's close"),
          do=["echo", frame(b""), "readclose", "fin"]),
        malformed("server-close-1-byte-payload", b"\x03",
                  "server close frame with a 1-byte payload (invalid); the client then calls "
                  "Close(1002)"),
        malformed("server-close-132-byte-payload", close_payload(1000, "a" * 130),
                  "server close frame with a 132-byte payload (over 125: invalid, 16-bit length); "
                  "the client then calls Close(1002)"),
        W("server-close-invalid-utf8-reason", "raw", DATA + ANSWER,
          "server close 1000 whose reason is not UTF-8 (ff fe 20 62 61 64)",
          told(close_payload(1000, INVALID_UTF8), tcp="FIN after the client's close"),
          do=["echo", frame(close_payload(1000, INVALID_UTF8)), "readclose", "fin"]),
        W("server-close-fin0", "raw", DATA + ANSWER,
          "server close frame 1001 with FIN=0 (control frames must not be fragmented)",
          told(close_payload(1001, "close with FIN=0"), fin=False,
               tcp="FIN after the client's close"),
          do=["echo", frame(close_payload(1001, "close with FIN=0"), fin=False), "readclose",
              "fin"]),
        W("server-fin-after-101", "raw", ["recv", "query"],
          "server half-closes TCP (FIN) 0.5 s after the 101 while the client's Receive waits; "
          "no close frame", told(None, tcp="FIN (shutdown SHUT_WR), then close"),
          do=["sleep:500", "fin"]),
        W("server-fin-after-data", "raw", DATA + ["recv", "query"],
          "server half-closes TCP (FIN) after one message each way; no close frame",
          told(None, tcp="FIN (shutdown SHUT_WR), then close"), do=["echo", "sleep:500", "fin"]),
        W("server-rst-after-101", "raw", ["recv", "query"],
          "server resets TCP (SO_LINGER 0) 0.5 s after the 101 while the client's Receive waits",
          told(None, tcp="RST (SO_LINGER 0 + close)"), do=["sleep:500", "rst"]),
        W("server-rst-after-data", "raw", DATA + ["recv", "query"],
          "server resets TCP after one message each way; no close frame",
          told(None, tcp="RST (SO_LINGER 0 + close)"), do=["echo", "sleep:500", "rst"]),
        W("client-closes-handles-without-close", "raw", DATA + ["closews"],
          "after one message each way the client closes its WinHTTP handles without "
          "WinHttpWebSocketClose", told(None, tcp="none: reads until the client's FIN or RST"),
          do=["echo", "drain"]),
        W("client-close-1000-bye", "ws", DATA + ["close:1000:" + hexs("bye"), "query"],
          "client WinHttpWebSocketClose(1000, 'bye'); websockets echoes the payload",
          told(None, tcp="websockets echoes the client's close payload, then closes TCP")),
        W("client-close-4000-answered-1001", "raw",
          DATA + ["close:4000:" + hexs("client closes with 4000"), "query"],
          "client WinHttpWebSocketClose(4000, reason); the server answers with 1001",
          told(close_payload(1001, "server answers 1001"), tcp="FIN after its close"),
          do=["echo", "readclose", frame(close_payload(1001, "server answers 1001")), "fin"]),
        W("client-shutdown-1000", "ws",
          DATA + ["shutdown:1000:" + hexs("client shutdown"), "recv", "query"],
          "client WinHttpWebSocketShutdown(1000, reason), then Receive gets the server's close "
          "(websockets echoes the payload), then QueryCloseStatus",
          told(None, tcp="websockets echoes the client's close payload, then closes TCP")),
        W("client-close-late-answer-close-timeout", "raw",
          ["opt:WEB_SOCKET_CLOSE_TIMEOUT:1:websocket"] + DATA +
          ["close:1000:" + hexs("close timeout 1 s"), "query"],
          "WINHTTP_OPTION_WEB_SOCKET_CLOSE_TIMEOUT = 1 (seconds) on the websocket handle, then "
          "Close(1000); the server answers 2 s later",
          told(close_payload(1000, "late answer"), tcp="FIN after its close"),
          do=["echo", "readclose", "sleep:2000", frame(close_payload(1000, "late answer")), "fin"]),
        W("client-close-late-answer-receive-timeout", "raw",
          ["opt:RECEIVE_TIMEOUT:1000:request"] + DATA +
          ["close:1000:" + hexs("receive timeout 1000 ms"), "query"],
          "WINHTTP_OPTION_RECEIVE_TIMEOUT = 1000 ms on the request handle before the upgrade, "
          "then Close(1000); the server answers 2 s later",
          told(close_payload(1000, "late answer"), tcp="FIN after its close"),
          do=["echo", "readclose", "sleep:2000", frame(close_payload(1000, "late answer")), "fin"]),
        W("client-close-reason-123-bytes", "ws",
          DATA + ["close:1000:" + hexs(REASON_123), "query"],
          "client Close(1000) with a 123-byte reason (the maximum); websockets echoes it",
          told(None, tcp="websockets echoes the client's close payload, then closes TCP")),
        W("client-close-reason-124-bytes", "raw",
          DATA + ["close:1000:" + hexs(REASON_124), "closews"],
          "client Close(1000) with a 124-byte reason (one too many), then it closes its handles",
          told(None, tcp="none: reads until the client's FIN or RST"), do=["echo", "drain"]),
    ]
    return conns


# ---------------------------------------------------------------- the opening handshake

SERVER_TEXT = "hello from the server"
# After a 101 the server sends one text message and a close 1000; the client takes both
# (Receive, Receive) and answers the close as in real-winhttp-wine (ANSWER).  After a 403 or a
# 200 the server only reads (its body is all it sends), so whatever the client's calls put on
# the wire is logged.
AFTER_101 = ["frame:1:1:" + hexs(SERVER_TEXT), frame(close_payload(1000)), "readclose", "fin"]
UPGRADE_STEPS = ["query-protocol", "recv"] + ANSWER

# handshake_defect values: what the answer breaks (None: a correct 101).
DEFECTS = {
    "status-403": "403 Forbidden instead of 101",
    "status-200": "200 OK instead of 101",
    "accept-wrong": "101 whose Sec-WebSocket-Accept is not the hash of the request's key",
    "accept-missing": "101 without Sec-WebSocket-Accept",
    "upgrade-missing": "101 without Upgrade: websocket (Connection: Upgrade kept)",
    "protocol-not-offered": "101 with a Sec-WebSocket-Protocol the client did not offer "
                            "(it offered none)",
    "protocol-not-among-offered": "101 with a Sec-WebSocket-Protocol other than the one the "
                                  "client offered",
}


def U(scenario, answer, defect, description, offered=None):
    """One opening-handshake connection: `answer` holds raw_peer.py's answer keys."""
    upgraded = answer.get("answer", "101") == "101"
    steps = (["proto:" + offered] if offered else []) + UPGRADE_STEPS
    if upgraded:
        told_ = told(close_payload(1000), tcp="FIN after the client's close")
        told_["text_message"] = SERVER_TEXT
        do = AFTER_101
    else:
        told_ = told(None, tcp="none: reads until the client's FIN or RST")
        do = ["drain"]
    told_["answer"] = DEFECTS[defect] if defect else "a correct 101"
    conn = W(scenario, "upgrade", steps, description, told_, do=do, answer=answer, defect=defect)
    conn["offered"] = offered
    return conn


def upgrade_connections():
    """real-winhttp-wine-upgrade: answers to the Upgrade other than a correct 101."""
    return [
        U("upgrade-403", {"answer": "403"}, "status-403",
          "the server answers the Upgrade with 403 Forbidden and a short text body "
          "(Content-Length), then only reads"),
        U("upgrade-200", {"answer": "200"}, "status-200",
          "the server answers the Upgrade with 200 OK and a short text body (Content-Length), "
          "then only reads"),
        U("upgrade-101-wrong-accept", {"accept": "wrong"}, "accept-wrong",
          "101 whose Sec-WebSocket-Accept is RFC 6455 section 1.3's example (valid base64 of a "
          "SHA-1, not of this request's key); then a text message and a close 1000"),
        U("upgrade-101-no-accept", {"accept": "none"}, "accept-missing",
          "101 without Sec-WebSocket-Accept; then a text message and a close 1000"),
        U("upgrade-101-no-upgrade-header", {"upgrade": "none"}, "upgrade-missing",
          "101 without Upgrade: websocket (Connection: Upgrade kept); then a text message and a "
          "close 1000"),
        U("upgrade-101-protocol-not-offered", {"protocol": "chat"}, "protocol-not-offered",
          "101 with Sec-WebSocket-Protocol: chat, the client offered no subprotocol; then a text "
          "message and a close 1000"),
        U("upgrade-101-protocol-not-among-offered", {"protocol": "superchat"},
          "protocol-not-among-offered",
          "the client offers Sec-WebSocket-Protocol: chat, the 101 selects superchat; then a "
          "text message and a close 1000", offered="chat"),
        U("upgrade-101-protocol-echoed", {"protocol": "chat"}, None,
          "control: the client offers chat, a correct 101 selects chat; then a text message and "
          "a close 1000", offered="chat"),
    ]


def request_path(conn):
    path = "/" + conn["scenario"]
    if conn["server"] != "ws":
        answer = "".join("%s=%s&" % kv for kv in conn["answer"].items())
        return path + "?" + answer + "do=" + ",".join(conn["do"])
    if conn["sclose"] is not None:
        q = {"sclose": str(conn["sclose"]), "after": "1", "sreason": conn["sreason"]}
        return path + "?" + urlencode(q, quote_via=quote)
    return path


def client_args(conn):
    return ["127.0.0.1", str(PORTS[conn["server"]]), request_path(conn)] + conn["steps"]


# ---------------------------------------------------------------- the manifest entry


def close_frames(conn, calls, server_events):
    """The close frames on the wire, in order, as the server saw them (not from a dissector):
    the raw server logs every frame it sent and read; for websockets, the frame it was told to
    send and what it reports receiving (it echoes a client's close payload verbatim)."""
    frames = []
    if conn["server"] != "ws":
        for e in server_events:
            if e.get("event") in ("sent", "got") and e.get("opcode") == 8:
                f = close_fields(bytes.fromhex(e["payload_hex"]), e["fin"])
                f["by"] = "server" if e["event"] == "sent" else "client"
                frames.append(f)
    else:
        closed = [e for e in server_events if e.get("event") == "closed"]
        # websockets reports 1006 when no close frame came (no ws scenario makes the client
        # send 1006) and 1005 for an empty one.
        got = None
        if closed and closed[0]["code"] not in (None, 1006):
            got = close_payload(None if closed[0]["code"] == 1005 else closed[0]["code"],
                                closed[0]["reason"])
        if conn["sclose"] is not None:
            frames.append(dict(close_fields(close_payload(conn["sclose"], conn["sreason"])),
                               by="server"))
            if got is not None:
                frames.append(dict(close_fields(got), by="client"))
        elif got is not None:
            frames.append(dict(close_fields(got), by="client"))
            frames.append(dict(close_fields(got), by="server"))
    for i, f in enumerate(frames):
        if i == 0:
            f["kind"] = "initiate"
        else:
            f["kind"] = "echo" if f["code"] == frames[0]["code"] else "reply"
    return [dict(by=f.pop("by"), kind=f.pop("kind"), **f) for f in frames]


def handshake_fields(conn, server_events):
    """The opening handshake of an `upgrade` connection: what the client offered and what the
    server answered (from the server's own log of what it wrote)."""
    seen = [e for e in server_events if e.get("event") == "conn"][0]
    answer = seen["answer"]
    return {
        "offered_protocol": seen["request_protocol"],
        "server_answer": {"status": answer["status"], "headers": answer["headers"],
                          "body": answer["body"]},
        "upgraded": answer["status"] == 101,
        "handshake_defect": conn["defect"],
    }


def entry(conn, calls, server_events, client_port):
    frames = close_frames(conn, calls, server_events)
    out = {
        "scenario": conn["scenario"],
        "description": conn["description"],
        "client": "winhttp-wine",
        "server": SERVER_IMPL[conn["server"]],
        "transport": "ws",
        "server_port": PORTS[conn["server"]],
        "client_port": client_port,
        "request_path": "/" + conn["scenario"],
        "request_uri": request_path(conn),
        "data_messages_each_way": 1 if "send:" + HELLO in conn["steps"] else 0,
        "permessage_deflate_offered": False,
        "permessage_deflate_negotiated": False,
        "server_told": conn["told"],
        "client_steps": conn["steps"],
        "winhttp_calls": calls,
        "aborted": not frames,
        "close_frames": frames,
        "server_log": [{k: v for k, v in e.items() if k not in ("path", "remote_port")}
                       for e in server_events],
    }
    if conn["server"] == "upgrade":
        out.update(handshake_fields(conn, server_events))
    return out
