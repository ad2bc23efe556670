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

from expected import (ERROR_INVALID_OPERATION, ERROR_INVALID_PARAMETER,
                      ERROR_INVALID_SERVER_RESPONSE, EMPTY_STATUS, QUERY_NO_CLOSE, RECEIVE_CLOSE,
                      RECEIVE_CLOSE_AFTER_OWN, RECEIVE_INVALID, WSAECONNRESET, close_frames,
                      query_reason)
from wsharness import CAPTURES, PluginTestCase, decode_as_args, passes_args

WINE = "real-winhttp-wine.pcapng"
FIELDS = ["frame.number", "tcp.srcport", "tcp.dstport", "wsclose.from", "wsclose.abort",
          "wsclose.abort.tcp", "wsclose.abort.by",
          "wsclose.api.receive", "wsclose.api.receive.error", "wsclose.api.query",
          "wsclose.api.query.error", "wsclose.api.query.status", "wsclose.api.query.reason",
          "wsclose.api.call", "wsclose.api.call.status", "wsclose.api.close.error",
          "wsclose.api.error"]
API = FIELDS[7:]
FIN0 = "; the reference is silent on a close frame with FIN=0 (Wine accepts it)"


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
            values = line.split("\t")
            self.assertEqual(len(values), len(FIELDS), line)
            row = dict(zip(FIELDS, values))
            for port in (int(row["tcp.srcport"]), int(row["tcp.dstport"])):
                out.setdefault(port, []).append(row)
        return out

    def expected(self, conn, rows):
        """[(frame, field, value)] the reference gives this connection's WinHTTP calls, and
        Wine's results checked against it on the way (README lists where Wine differs)."""
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
                         (n, "wsclose.api.receive.error", str(ERROR_INVALID_SERVER_RESPONSE)),
                         (n, "wsclose.api.error", str(ERROR_INVALID_SERVER_RESPONSE)),
                         (n, "wsclose.api.query", QUERY_NO_CLOSE),
                         (n, "wsclose.api.query.error", str(ERROR_INVALID_OPERATION)),
                         (n, "wsclose.api.error", str(ERROR_INVALID_OPERATION))]
                self.assertEqual(receive[-1]["error"], ERROR_INVALID_SERVER_RESPONSE, where)
                # Wine's QueryCloseStatus fails with 12152 too (README lists it).
                self.assertEqual(query[-1]["error"], ERROR_INVALID_SERVER_RESPONSE, where)
            else:
                text = RECEIVE_CLOSE_AFTER_OWN if client_first else RECEIVE_CLOSE
                want.append((n, "wsclose.api.receive", text + ("" if sf["fin"] else FIN0)))
                reason = bytes.fromhex(sf["reason_hex"] or "")
                code = sf["code"] if sf["payload_len"] else None
                want.append((n, "wsclose.api.query.status",
                             str(code if code is not None else EMPTY_STATUS)))
                if reason:
                    want.append((n, "wsclose.api.query.reason", query_reason(reason)))
                self.assertTrue(query and query[-1]["ok"], where)
                # Wine reports 0 for an empty close, the reference's enum value is 1005.
                self.assertEqual(query[-1]["status"], code if code is not None else 0, where)
                self.assertEqual(query[-1]["reason_hex"], reason.hex(), where)
                if not client_first:
                    self.assertEqual(receive[-1]["buffer_type"],
                                     "WINHTTP_WEB_SOCKET_CLOSE_BUFFER_TYPE", where)
        if client:
            cf, row = client[0], frames["client"][0]
            reason = bytes.fromhex(cf["reason_hex"] or "")
            sent = [c for c in conn["winhttp_calls"]
                    if c["call"] in ("WinHttpWebSocketClose", "WinHttpWebSocketShutdown")]
            self.assertEqual(sent[0]["status"], cf["code"], where)
            self.assertEqual(sent[0]["reason_hex"], reason.hex(), where)
            want.append((int(row["frame.number"]), "wsclose.api.call.status", str(cf["code"])))
        if not server:
            # What the client receives ends without a close frame from the server.
            aborts = [r for r in rows if "client" in r["wsclose.abort"].split("|")]
            self.assertEqual(len(aborts), 1, where)
            n = int(aborts[0]["frame.number"])
            rst = bool(receive) and receive[-1]["error"] == WSAECONNRESET
            # The client that closed its handles first ended the TCP connection: the server's
            # FIN answers the client's.
            after = (", after the client's FIN" if "closews" in conn["client_steps"] else "")
            want += [(n, "wsclose.api.receive",
                      "fails: the connection was aborted (TCP %s from the server before its "
                      "close frame%s)" % ("RST" if rst else "FIN", after)),
                     (n, "wsclose.api.query", QUERY_NO_CLOSE),
                     (n, "wsclose.api.query.error", str(ERROR_INVALID_OPERATION)),
                     (n, "wsclose.api.error", str(ERROR_INVALID_OPERATION))]
            self.assertEqual(aborts[0]["wsclose.abort.tcp"].split("|")[0], "RST" if rst else "FIN",
                             where)
            if query:
                self.assertEqual(query[-1]["error"], ERROR_INVALID_OPERATION, where)
        return sorted(want)

    @staticmethod
    def got(rows, fields):
        out = []
        for r in rows:
            for f in fields:
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
                    got = self.got(mine, [f for f in API if f != "wsclose.api.call"])
                    # A successful QueryCloseStatus's text is checked in test_texts_of_the_calls
                    # (and its formatting by tests/unit/test_winhttp_api.c); here its typed
                    # status and reason are: one text per frame with a status.
                    texts = [g for g in got if g[1] == "wsclose.api.query" and
                             g[2] != QUERY_NO_CLOSE]
                    self.assertEqual([g[0] for g in texts],
                                     [g[0] for g in got if g[1] == "wsclose.api.query.status"])
                    self.assertEqual([g for g in got if g not in texts],
                                     self.expected(conn, mine))

    def test_texts_of_the_calls(self):
        """The wsclose.api.* texts of one connection of each kind, written out by hand."""
        m = wine_manifest()
        ports = {c["scenario"]: c["client_port"] for c in m["connections"]}
        rows = self.rows(WINE, *decode_as_args(m["decode_as"]))

        def texts(scenario):
            return [(r["wsclose.from"], r["wsclose.api.receive"], r["wsclose.api.query"],
                     r["wsclose.api.call"]) for r in rows[ports[scenario]]]

        self.assertEqual(texts("server-close-1000"), [
            ("server", RECEIVE_CLOSE,
             'usStatus WINHTTP_WEB_SOCKET_SUCCESS_CLOSE_STATUS (1000), reason 23 bytes '
             '"server closes with 1000"', ""),
            ("client", "", "",
             "WinHttpWebSocketClose (usStatus WINHTTP_WEB_SOCKET_SUCCESS_CLOSE_STATUS (1000), "
             "no reason), answering the server's close (frame %s)"
             % rows[ports["server-close-1000"]][0]["frame.number"])])
        self.assertEqual(texts("server-close-4000"), [
            ("server", RECEIVE_CLOSE,
             'usStatus 4000 (Private use (4000-4999)), reason 23 bytes "server closes with 4000"',
             ""),
            ("client", "", "",
             "WinHttpWebSocketClose (usStatus 4000 (Private use (4000-4999)), no reason), "
             "answering the server's close (frame %s)"
             % rows[ports["server-close-4000"]][0]["frame.number"])])

    def test_error_filters_find_the_frames(self):
        """README's table "From an error in your log to the frame": each filter finds exactly
        the connections whose WinHTTP calls the reference (or, where it names no code, Wine)
        makes return that error; the manifest's recorded calls agree."""
        m = wine_manifest()
        da = decode_as_args(m["decode_as"])
        conns = m["connections"]

        def found(flt):
            rows = self.ts.fields(WINE, ["tcp.srcport", "tcp.dstport"], "-Y", flt, *da)
            ports = {c["client_port"] for c in conns}
            return sorted({int(p) for r in rows for p in r} & ports)

        def where(pred):
            return sorted(c["client_port"] for c in conns if pred(c))

        def server_close(c):
            return next((f for f in c["close_frames"] if f["by"] == "server"), None)

        def last_error(c, call):
            made = calls(c, call)
            return made[-1]["error"] if made else None

        rejected = where(lambda c: server_close(c) is not None and invalid(server_close(c)))
        no_server_close = where(lambda c: server_close(c) is None)
        ends_without_close = where(lambda c: "closews" in c["client_steps"] and not any(
            f["by"] == "client" for f in c["close_frames"]))
        self.assertEqual((len(rejected), len(no_server_close), len(ends_without_close)),
                         (2, 6, 2))
        # The reference's codes.
        self.assertEqual(found("wsclose.api.receive.error == 12152"), rejected)
        self.assertEqual(where(lambda c: last_error(c, "WinHttpWebSocketReceive") == 12152
                               and server_close(c) is not None), rejected)
        self.assertEqual(found("wsclose.api.query.error == 4317"),
                         sorted(rejected + no_server_close))
        self.assertEqual(found("wsclose.abort == \"client\""), no_server_close)
        self.assertEqual(found("wsclose.end_without_close"), ends_without_close)
        # One of those two clients logged 87: its Close refused a 124-byte reason.
        self.assertEqual(where(lambda c: last_error(c, "WinHttpWebSocketClose") == 87),
                         [p for p in ends_without_close
                          if "close-reason-124" in next(c["scenario"] for c in conns
                                                        if c["client_port"] == p)])
        # Where the reference names no code, Wine's: 12152 at the server's FIN, 10054 at an
        # RST, and 12152 from QueryCloseStatus after a rejected close.
        self.assertEqual(
            found("wsclose.abort == \"client\" && wsclose.abort.tcp == \"FIN\" && "
                  "wsclose.abort.by == \"server\""),
            where(lambda c: server_close(c) is None and
                  last_error(c, "WinHttpWebSocketReceive") == ERROR_INVALID_SERVER_RESPONSE))
        self.assertEqual(
            found("wsclose.abort == \"client\" && wsclose.abort.tcp == \"RST\""),
            where(lambda c: last_error(c, "WinHttpWebSocketReceive") == WSAECONNRESET))
        self.assertEqual(
            found("wsclose.api.receive.error == 12152"),
            where(lambda c: last_error(c, "WinHttpWebSocketQueryCloseStatus") == 12152))
        # QueryCloseStatus's usStatus, as a number.
        self.assertEqual(found("wsclose.api.query.status == 4000"),
                         where(lambda c: server_close(c) is not None and
                               server_close(c)["code"] == 4000 and
                               server_close(c)["payload_len"] > 0))


class Diagnosis(PluginTestCase):
    def experts(self, capture, *extra):
        """{frame: [every expert message]} of the frames with a close_timeout or
        reason_over_123 item."""
        # Without the chat items: from 4.4 on, -T fields alone does not ask for them.
        rows = self.ts.fields(capture, ["frame.number", "_ws.expert.message"], "-Y",
                              "wsclose.close_timeout || wsclose.reason_over_123",
                              "-o", "wsclose.chat_items:FALSE",
                              "-E", "occurrence=a", "-E", "aggregator=|", *extra)
        return {int(r[0]): r[1].split("|") for r in rows}

    def test_close_timeout(self):
        # diag-ends: the server's close (frame 86) answers the client's (84) 12 s later.
        got = self.experts("diag-ends.pcapng")
        self.assertEqual(got, {86: ["The server's close comes later than the client's close "
                                    "timeout (WINHTTP_OPTION_WEB_SOCKET_CLOSE_TIMEOUT, 10 s): a "
                                    "WinHttpWebSocketClose waiting for it has failed by then"]})
        self.assertEqual(self.ts.fields("diag-ends.pcapng", ["wsclose.request_in", "wsclose.time"],
                                        "-Y", "frame.number == 86"),
                         [["84", "12.002000000"]])
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
        self.assertEqual(msg, ["Close frame payload is 140 bytes; control frames carry at most 125",
                               "Client close reason over 123 bytes: WinHttpWebSocketClose and "
                               "WinHttpWebSocketShutdown refuse it (ERROR_INVALID_PARAMETER), so "
                               "this client does not close through WinHTTP"])
        call = self.ts.fields("malformed.pcapng", ["wsclose.api.call", "wsclose.api.close.error"],
                              "-Y", "frame.number == %d" % frame)
        self.assertEqual(call, [["none: WinHttpWebSocketClose and WinHttpWebSocketShutdown "
                                 "refuse a reason over 123 bytes (ERROR_INVALID_PARAMETER "
                                 "(87))", str(ERROR_INVALID_PARAMETER)]])

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
