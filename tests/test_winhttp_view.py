"""The WinHTTP client's view (wsclose.api.*), against a real WinHTTP implementation and the
reference.

captures/real-winhttp-wine.pcapng was recorded from a WinHTTP client running under Wine 8
(captures/record/winhttp/client.c); its manifest lists, per connection, every WinHTTP call and
what it returned.  For each connection the wsclose.api.* fields must say what the reference
(Microsoft's WinHTTP reference, written out in expected.py) makes those calls return, and
Wine's results must agree with it, except where README's "What your WinHTTP application sees"
lists a difference (the empty close: Wine reports 0, the reference's enum value is 1005; after
a malformed server close Wine's QueryCloseStatus fails with 12152, the reference names 4317 for
"no close frame"; at a FIN without a close frame Wine's Receive fails with 12152, where the
reference names no error).
"""

import json
import os
import unittest

from expected import (ERROR_INVALID_OPERATION, ERROR_INVALID_SERVER_RESPONSE, QUERY_NO_CLOSE,
                      RECEIVE_CLOSE, RECEIVE_CLOSE_AFTER_OWN, RECEIVE_INVALID, api_call,
                      api_query, close_frames)
from wsharness import CAPTURES, PluginTestCase, decode_as_args, passes_args

WINE = "real-winhttp-wine.pcapng"
FIELDS = ["frame.number", "tcp.srcport", "tcp.dstport", "wsclose.from", "wsclose.abort",
          "wsclose.api.receive", "wsclose.api.error", "wsclose.api.query", "wsclose.api.call"]
API = FIELDS[5:]
FIN0 = "; the reference is silent on a close frame with FIN=0 (Wine accepts it)"
WSAECONNRESET = 10054


def wine_manifest():
    with open(os.path.join(CAPTURES, "real-winhttp-wine.json"), encoding="utf-8") as f:
        return json.load(f)


def calls(conn, name):
    return [c for c in conn["winhttp_calls"] if c["call"] == name]


def invalid(frame):
    """A close payload WinHTTP refuses: 1 byte, or over 125 bytes."""
    return frame["payload_len"] == 1 or frame["payload_len"] > 125


class WineView(PluginTestCase):
    def rows(self, capture, *extra):
        """{client port: [row dict]} of every frame with a wsclose item.  Items of one frame
        are joined by '|' (the texts hold commas)."""
        args = ["-r", self.ts.capture(capture), "-Y", "wsclose", "-T", "fields",
                "-E", "occurrence=a", "-E", "aggregator=|"]
        for f in FIELDS:
            args += ["-e", f]
        out = {}
        for line in self.ts.out(*(args + list(extra))).splitlines():
            row = dict(zip(FIELDS, line.split("\t")))
            for port in (int(row["tcp.srcport"]), int(row["tcp.dstport"])):
                out.setdefault(port, []).append(row)
        return out

    def expected(self, conn, rows):
        """[(frame, field, value)] the reference gives this connection, and Wine's results
        checked against it on the way."""
        want = []
        server = [f for f in conn["close_frames"] if f["by"] == "server"]
        client = [f for f in conn["close_frames"] if f["by"] == "client"]
        frames = {"server": [r for r in rows if r["wsclose.from"] == "server"],
                  "client": [r for r in rows if r["wsclose.from"] == "client"]}
        receive = calls(conn, "WinHttpWebSocketReceive")
        query = calls(conn, "WinHttpWebSocketQueryCloseStatus")
        where = conn["scenario"]
        if server:
            sf, row = server[0], frames["server"][0]
            n = int(row["frame.number"])
            client_first = bool(client) and client[0]["kind"] == "initiate"
            if invalid(sf):
                want += [(n, "wsclose.api.receive", RECEIVE_INVALID),
                         (n, "wsclose.api.error", str(ERROR_INVALID_SERVER_RESPONSE)),
                         (n, "wsclose.api.query", QUERY_NO_CLOSE),
                         (n, "wsclose.api.error", str(ERROR_INVALID_OPERATION))]
                self.assertEqual(receive[-1]["error"], ERROR_INVALID_SERVER_RESPONSE, where)
                # Wine's QueryCloseStatus fails with 12152 too (README lists it).
                self.assertEqual(query[-1]["error"], ERROR_INVALID_SERVER_RESPONSE, where)
            else:
                text = RECEIVE_CLOSE_AFTER_OWN if client_first else RECEIVE_CLOSE
                want.append((n, "wsclose.api.receive", text + ("" if sf["fin"] else FIN0)))
                reason = bytes.fromhex(sf["reason_hex"] or "")
                code = sf["code"] if sf["payload_len"] else None
                want.append((n, "wsclose.api.query", api_query(code, reason)))
                self.assertTrue(query and query[-1]["ok"], where)
                # Wine reports 0 for an empty close, the reference's enum value is 1005.
                self.assertEqual(query[-1]["status"], code if code is not None else 0, where)
                self.assertEqual(query[-1]["reason_hex"], reason.hex(), where)
                if not client_first:
                    self.assertEqual(receive[-1]["buffer_type"],
                                     "WINHTTP_WEB_SOCKET_CLOSE_BUFFER_TYPE", where)
        if client:
            cf, row = client[0], frames["client"][0]
            answers = None
            if server and cf["kind"] != "initiate":
                answers = int(frames["server"][0]["frame.number"])
            reason = bytes.fromhex(cf["reason_hex"] or "")
            want.append((int(row["frame.number"]), "wsclose.api.call",
                         api_call(cf["code"], reason, answers)))
            sent = [c for c in conn["winhttp_calls"]
                    if c["call"] in ("WinHttpWebSocketClose", "WinHttpWebSocketShutdown")]
            self.assertEqual(sent[0]["status"], cf["code"], where)
            self.assertEqual(sent[0]["reason_hex"], reason.hex(), where)
        if not server:
            # What the client receives ends without a close frame from the server.
            aborts = [r for r in rows if "client" in r["wsclose.abort"].split("|")]
            self.assertEqual(len(aborts), 1, where)
            n = int(aborts[0]["frame.number"])
            how = "RST" if receive and receive[-1]["error"] == WSAECONNRESET else "FIN"
            want += [(n, "wsclose.api.receive",
                      "fails: the connection was aborted (TCP %s from the server before its "
                      "close frame)" % how),
                     (n, "wsclose.api.query", QUERY_NO_CLOSE),
                     (n, "wsclose.api.error", str(ERROR_INVALID_OPERATION))]
            if query:
                self.assertEqual(query[-1]["error"], ERROR_INVALID_OPERATION, where)
        return sorted(want)

    @staticmethod
    def got(rows):
        out = []
        for r in rows:
            for f in API:
                out += [(int(r["frame.number"]), f, v) for v in r[f].split("|") if v]
        return sorted(out)

    def test_every_connection_agrees_with_the_reference_and_wine(self):
        m = wine_manifest()
        self.assertEqual(len(m["connections"]), 39)
        for two_pass in (False, True):
            rows = self.rows(WINE, *(decode_as_args(m["decode_as"]) + passes_args(two_pass)))
            for conn in m["connections"]:
                with self.subTest(scenario=conn["scenario"], two_pass=two_pass):
                    mine = rows.get(conn["client_port"], [])
                    self.assertEqual(self.got(mine), self.expected(conn, mine))

    def test_error_filter_finds_the_frames(self):
        m = wine_manifest()
        rows = self.ts.fields(WINE, ["tcp.srcport", "tcp.dstport"], "-Y",
                              "wsclose.api.error == 12152", *decode_as_args(m["decode_as"]))
        ports = {int(p) for r in rows for p in r}
        want = {c["client_port"] for c in m["connections"]
                if any(f["by"] == "server" and invalid(f) for f in c["close_frames"])}
        self.assertEqual(len(want), 2)
        self.assertEqual(ports & want, want)
        self.assertEqual(len(rows), 2)


class Diagnosis(PluginTestCase):
    def experts(self, capture, *extra):
        rows = self.ts.fields(capture, ["frame.number", "_ws.expert.message"], "-Y",
                              "wsclose.close_timeout || wsclose.reason_over_123", *extra)
        return {int(r[0]): r[1] for r in rows}

    def test_close_timeout(self):
        # diag-ends: the server's close (frame 86) answers the client's (84) 12 s later.
        got = self.experts("diag-ends.pcapng")
        self.assertEqual(list(got), [86])
        self.assertIn("12.002 s after the client's (frame 84)", got[86])
        self.assertIn("(WINHTTP_OPTION_WEB_SOCKET_CLOSE_TIMEOUT, 10 s)", got[86])
        self.assertEqual(self.experts("diag-ends.pcapng", "-o", "wsclose.close_timeout:15"), {})
        # diag-delayed-echo: the server's echo 30 s after the client's close.
        echo = [cf["frame"] for cf in close_frames("diag-delayed-echo.pcapng")
                if cf["direction"] == "server"]
        self.assertEqual(list(self.experts("diag-delayed-echo.pcapng")), echo)

    def test_reason_over_123(self):
        # malformed.pcapng: the client's close with a 138-byte reason (140-byte payload).
        got = self.experts("malformed.pcapng")
        self.assertEqual(len(got), 1)
        (frame, msg), = got.items()
        self.assertIn("Close reason of 138 bytes", msg)
        call = self.ts.fields("malformed.pcapng", ["wsclose.api.call"], "-Y",
                              "frame.number == %d" % frame)
        self.assertEqual(call, [["none: WinHttpWebSocketClose and WinHttpWebSocketShutdown "
                                 "refuse a reason over 123 bytes (ERROR_INVALID_PARAMETER, "
                                 "87)"]])

    def test_unmasked_client_is_the_client(self):
        # diag-ends client-does-not-mask: the HTTP Upgrade, not the mask bit, names the client.
        rows = self.ts.fields("diag-ends.pcapng", ["frame.number", "wsclose.from",
                                                   "wsclose.initiator"],
                              "-Y", "tcp.port == 50723 && wsclose")
        self.assertEqual(rows, [["40", "client", "client"], ["42", "server", "client"]])

    def test_no_winhttp_view_on_frames_the_server_receives(self):
        for cap in ("diag-ends.pcapng", "enum-codes.pcapng"):
            rows = self.ts.fields(cap, ["wsclose.from", "wsclose.api.receive",
                                        "wsclose.api.query"],
                                  "-Y", "wsclose.from == \"client\"")
            self.assertTrue(rows)
            for _frm, receive, query in rows:
                self.assertEqual((receive, query), ("", ""))


if __name__ == "__main__":
    unittest.main()
