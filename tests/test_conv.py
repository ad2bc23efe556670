"""The wsclose,conv table (tshark -z wsclose,conv): one row per WebSocket connection.

On captures/real-winhttp-wine.pcapng every row must say what the recorder's manifest says of
that connection (the close frames each side sent, how TCP ended, what the WinHTTP calls
returned), with the WinHTTP calls' results as Microsoft's reference gives them (expected.py;
where Wine differs, README's "What your WinHTTP application sees" lists it and the test checks
Wine's own result against that list).  Endpoints and tcp.stream come from tshark's own tcp and
ip fields.  On synthetic captures the rows are written out by hand.  One pass and -2 give the
same table.
"""

import json
import os
import subprocess
import unittest

from expected import SIBLINGS, NAME_SETS, WINHTTP
from wsharness import CAPTURES, PluginTestCase, decode_as_args, passes_args

WINE = "real-winhttp-wine.pcapng"
COLUMNS = ["TCP stream", "Client", "Server", "Path", "Closed first", "Client close",
           "Server close", "Receive", "QueryCloseStatus", "Abort", "Open at end",
           "Closing handshake"]
COMPLETE = "complete"
REJECTED = "incomplete: server's close rejected"
NO_CLOSE_FRAME = "incomplete: no close frame"
CLIENT_UNANSWERED = "incomplete: client's close unanswered"
CLOSE_BUFFER = "WINHTTP_WEB_SOCKET_CLOSE_BUFFER_TYPE"
INVALID_RESPONSE = "ERROR_WINHTTP_INVALID_SERVER_RESPONSE (12152)"
NO_CLOSE = "ERROR_INVALID_OPERATION (4317)"
ABORTED = "fails: connection aborted"


def wine_manifest():
    with open(os.path.join(CAPTURES, "real-winhttp-wine.json"), encoding="utf-8") as f:
        return json.load(f)


def parse_table(out):
    """(column names, [row]) of the wsclose,conv table in tshark's output; a row is a list
    of its cells."""
    lines = out.splitlines()
    start = lines.index("WebSocket Connections (WinHTTP Close Status):")
    header = [c.strip() for c in lines[start + 2].split("|")][:-1]
    assert lines[start + 3] == "WebSocket connections", lines[start + 3]
    rows = []
    for line in lines[start + 4:]:
        if line.startswith("====="):
            break
        rows.append([c.strip() for c in line.split("|")][:-1])
    return header, rows


def status(code, name_set="winhttp"):
    """A close status as the table names it in a name set."""
    if name_set == "winhttp":
        name = WINHTTP.get(code, (None,))[0]
    elif name_set == "none":
        name = None
    else:
        name = SIBLINGS.get(code, (None, None, None))[NAME_SETS[name_set]]
    return "%s (%d)" % (name, code) if name else str(code)


def sent_close(frame, name_set="winhttp"):
    """The Client close / Server close cell of a manifest close frame."""
    if frame is None:
        return "none"
    if frame["payload_len"] == 0:
        return "no status code"
    if frame["payload_len"] == 1:
        return "1-byte payload"
    if frame["payload_len"] > 125:
        return "%s, %d-byte payload" % (status(frame["code"], name_set), frame["payload_len"])
    return status(frame["code"], name_set)


def calls(conn, name):
    return [c for c in conn["winhttp_calls"] if c["call"] == name]


class ConvTable(PluginTestCase):
    def table(self, capture, *extra):
        out = self.ts.out("-r", self.ts.capture(capture), "-q", "-z", "wsclose,conv", *extra)
        header, rows = parse_table(out)
        self.assertEqual(header, COLUMNS)
        for row in rows:
            self.assertEqual(len(row), len(COLUMNS), row)
        return rows

    def both_passes(self, capture, *extra):
        """The table of one pass, checked equal to that of -2."""
        one = self.table(capture, *(list(extra) + passes_args(False)))
        two = self.table(capture, *(list(extra) + passes_args(True)))
        self.assertEqual(one, two)
        return one

    def endpoints(self, capture, *extra):
        """{client port: (tcp.stream, client ip, server ip)} from each connection's SYN."""
        rows = self.ts.fields(capture, ["tcp.stream", "tcp.srcport", "ip.src", "ip.dst"],
                              "-Y", "tcp.flags.syn == 1 && tcp.flags.ack == 0", *extra)
        return {int(port): (stream, src, dst) for stream, port, src, dst in rows}

    def wine_expected(self, conn, ends, name_set="winhttp"):
        """The row of a manifest connection, and Wine's results checked on the way."""
        where = conn["scenario"]
        stream, client_ip, server_ip = ends[conn["client_port"]]
        frames = conn["close_frames"]
        client = next((f for f in frames if f["by"] == "client"), None)
        server = next((f for f in frames if f["by"] == "server"), None)
        receive = calls(conn, "WinHttpWebSocketReceive")
        query = calls(conn, "WinHttpWebSocketQueryCloseStatus")
        if server is None:
            # RFC 6455 7.1.5: what the client receives ended without the server's close.
            want_receive, want_query = ABORTED, NO_CLOSE
            if query:
                self.assertEqual(query[-1]["error"], 4317, where)
        elif server["payload_len"] == 1 or server["payload_len"] > 125:
            want_receive, want_query = INVALID_RESPONSE, NO_CLOSE
            self.assertEqual(receive[-1]["error"], 12152, where)
            # Wine's QueryCloseStatus fails with 12152 too (README lists it).
            self.assertEqual(query[-1]["error"], 12152, where)
        else:
            code = server["code"] if server["payload_len"] else 1005
            want_receive, want_query = CLOSE_BUFFER, "usStatus %d" % code
            # Wine reports 0 for an empty close (README lists it).
            self.assertEqual(query[-1]["status"], code if server["payload_len"] else 0, where)
        if server and (server["payload_len"] == 1 or server["payload_len"] > 125):
            handshake = REJECTED
        elif client and server:
            handshake = COMPLETE
        else:
            handshake = (CLIENT_UNANSWERED if client else
                         "incomplete: server's close unanswered" if server else NO_CLOSE_FRAME)
        if conn["aborted"]:
            events = [e["event"] for e in conn["server_log"]]
            first = next(e for e in events if e in ("shutdown-wr", "rst-sent", "eof", "reset"))
            how = {"shutdown-wr": "FIN from server", "rst-sent": "RST from server",
                   "eof": "FIN from client", "reset": "RST from client"}[first]
            who = [side for side, peer_close in (("client", server), ("server", client))
                   if peer_close is None]
            abort = "%s, %s aborted" % (how, " and ".join(who))
        else:
            abort = "none"
        # Every recorded connection ended: the server saw it end.
        self.assertTrue({"end", "closed"} & {e["event"] for e in conn["server_log"]}, where)
        return [stream, "%s:%d" % (client_ip, conn["client_port"]),
                "%s:%d" % (server_ip, conn["server_port"]), conn["request_path"],
                frames[0]["by"] if frames else "none", sent_close(client, name_set),
                sent_close(server, name_set), want_receive, want_query, abort, "no", handshake]

    def test_wine_rows_agree_with_the_manifest(self):
        m = wine_manifest()
        da = decode_as_args(m["decode_as"])
        ends = self.endpoints(WINE, *da)
        rows = self.both_passes(WINE, *da)
        self.assertEqual(len(rows), len(m["connections"]))
        by_port = {int(r[1].rsplit(":", 1)[1]): r for r in rows}
        for conn in m["connections"]:
            with self.subTest(scenario=conn["scenario"]):
                self.assertEqual(by_port[conn["client_port"]], self.wine_expected(conn, ends))
        # Rows come in the order the connections were first seen.
        self.assertEqual([int(r[0]) for r in rows], sorted(int(r[0]) for r in rows))

    def test_handshake_field_agrees_with_the_table(self):
        """wsclose.handshake, in a later pass, on every close frame and abort of a connection,
        is its row's "Closing handshake"; every connection with a close frame or an abort
        has it."""
        m = wine_manifest()
        da = decode_as_args(m["decode_as"])
        rows = self.table(WINE, *da)
        col = COLUMNS.index("Closing handshake")
        fields = self.ts.fields(WINE, ["tcp.stream", "wsclose.handshake"], "-2", "-Y",
                                "wsclose.handshake", "-E", "occurrence=a", "-E",
                                "aggregator=|", *da)
        got = {}
        for stream, values in fields:
            got.setdefault(stream, set()).update(values.split("|"))
        self.assertEqual(got, {r[0]: {r[col]} for r in rows})

    def test_name_sets(self):
        m = wine_manifest()
        da = decode_as_args(m["decode_as"])
        ends = self.endpoints(WINE, *da)
        for name_set in ("iana", "none", "dotnet"):
            rows = self.table(WINE, "-o", "wsclose.name_set:" + name_set, *da)
            by_port = {int(r[1].rsplit(":", 1)[1]): r for r in rows}
            for conn in m["connections"]:
                with self.subTest(name_set=name_set, scenario=conn["scenario"]):
                    self.assertEqual(by_port[conn["client_port"]],
                                     self.wine_expected(conn, ends, name_set))

    def test_synthetic_ends(self):
        # captures/README.md: diag-ends.pcapng, eight ways a connection ends.
        ok = "WINHTTP_WEB_SOCKET_SUCCESS_CLOSE_STATUS (1000)"
        both = "client and server aborted"
        want = [
            ["0", "192.0.2.1:50720", "192.0.2.80:80", "/chat", "none", "none", "none",
             ABORTED, NO_CLOSE, "RST from server, " + both, "no",
             NO_CLOSE_FRAME],
            ["1", "192.0.2.1:50721", "192.0.2.80:80", "/chat", "none", "none", "none",
             ABORTED, NO_CLOSE, "FIN from server, " + both, "no",
             NO_CLOSE_FRAME],
            ["2", "192.0.2.1:50722", "192.0.2.80:80", "/chat", "none", "none", "none",
             ABORTED, NO_CLOSE, "FIN from client, " + both, "no",
             NO_CLOSE_FRAME],
            ["3", "192.0.2.1:50723", "192.0.2.80:80", "/chat", "client", ok, ok,
             CLOSE_BUFFER, "usStatus 1000", "none", "no", COMPLETE],
            ["4", "192.0.2.1:50724", "192.0.2.80:80", "/chat", "client", ok, ok,
             CLOSE_BUFFER, "usStatus 1000", "none", "no", COMPLETE],
            # The server's FIN comes before any close of its own; the client closes after.
            ["5", "192.0.2.1:50725", "192.0.2.80:80", "/chat", "client",
             "WINHTTP_WEB_SOCKET_ENDPOINT_TERMINATED_CLOSE_STATUS (1001)", "none",
             ABORTED, NO_CLOSE, "FIN from server, client aborted", "no", CLIENT_UNANSWERED],
            ["6", "192.0.2.1:50726", "192.0.2.80:80", "/chat", "client", ok, ok,
             CLOSE_BUFFER, "usStatus 1000", "none", "no", COMPLETE],
            # A 1-byte close the client's WinHTTP rejects, then the client's RST.
            ["7", "192.0.2.1:50727", "192.0.2.80:80", "/chat", "server", "none",
             "1-byte payload", INVALID_RESPONSE, NO_CLOSE, "RST from client, server aborted",
             "no", REJECTED],
        ]
        self.assertEqual(self.both_passes("diag-ends.pcapng"), want)

    def test_open_at_end(self):
        # diag-server-close.pcapng cut after the client's echo (frame 12): both closes, no
        # FIN or RST yet.
        src = self.ts.capture("diag-server-close.pcapng")
        cut = os.path.join(self.ts.capdir, "diag-server-close-cut.pcapng")
        subprocess.run(["editcap", "-r", src, cut, "1-12"], check=True, capture_output=True)
        os.chmod(cut, 0o644)
        going = "WINHTTP_WEB_SOCKET_ENDPOINT_TERMINATED_CLOSE_STATUS (1001)"
        self.assertEqual(self.both_passes(os.path.basename(cut), ),
                         [["0", "192.0.2.1:50701", "192.0.2.80:80", "/chat", "server", going,
                           going, CLOSE_BUFFER, "usStatus 1001", "none", "yes", COMPLETE]])
        self.assertEqual(self.table("diag-server-close.pcapng")[0][10], "no")

    def test_no_websocket_no_rows(self):
        self.assertEqual(self.both_passes("no-websocket.pcapng"), [])


if __name__ == "__main__":
    unittest.main()
