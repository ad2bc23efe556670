"""Close diagnosis: handshake fields and expert items per frame, in one pass and with -2.

Expectations come from what the generator put on the wire (captures/gen/manifest.json) and
from RFC 6455's closing handshake; FIN/RST frames are found with tshark's own tcp fields."""

import unittest

from expected import WINHTTP, close_frames, manifest
from wsharness import PluginTestCase, passes_args

ABORTED = WINHTTP[1006][0]
PEER = {"client": "server", "server": "client"}
FIELDS = ["frame.number", "wsclose.from", "wsclose.initiator", "wsclose.request_in",
          "wsclose.reply_in", "wsclose.time", "wsclose.abort", "wsclose.winhttp",
          "_ws.expert.message"]


class Handshake(PluginTestCase):
    def analysis(self, capture, two_pass):
        rows = self.ts.fields(capture, FIELDS, "-Y",
                              "wsclose || wsclose.data_after_close", *passes_args(two_pass))
        return {int(r[0]): dict(zip(FIELDS[1:], r[1:])) for r in rows}

    def passes(self):
        return (False, True)

    def check_pair(self, capture, initiator_frame, reply_frame, initiator):
        for two_pass in self.passes():
            with self.subTest(capture=capture, two_pass=two_pass):
                a = self.analysis(capture, two_pass)
                first, reply = a[initiator_frame], a[reply_frame]
                other = "server" if initiator == "client" else "client"
                self.assertEqual(first["wsclose.from"], initiator)
                self.assertEqual(reply["wsclose.from"], other)
                self.assertEqual(first["wsclose.initiator"], initiator)
                self.assertEqual(reply["wsclose.initiator"], initiator)
                self.assertEqual(reply["wsclose.request_in"], str(initiator_frame))
                self.assertEqual(first["wsclose.request_in"], "")
                # A forward link only once the reply has been seen: never in one pass.
                self.assertEqual(first["wsclose.reply_in"], str(reply_frame) if two_pass else "")
                self.assertEqual(reply["wsclose.reply_in"], "")
        return a

    def frames(self, capture):
        return [cf["frame"] for cf in close_frames(capture)]

    def test_client_initiated(self):
        f = self.frames("diag-client-close.pcapng")
        self.check_pair("diag-client-close.pcapng", f[0], f[1], "client")

    def test_server_initiated(self):
        f = self.frames("diag-server-close.pcapng")
        self.check_pair("diag-server-close.pcapng", f[0], f[1], "server")

    def test_simultaneous_close(self):
        # Both closes cross on the wire: the first one seen starts the handshake.
        f = self.frames("diag-simultaneous.pcapng")
        self.check_pair("diag-simultaneous.pcapng", f[0], f[1], "client")

    def test_port_reuse(self):
        # The second connection reuses the first one's addresses and ports after a new SYN:
        # its closes start a handshake of their own, not duplicates of the first one's.
        cap = "diag-port-reuse.pcapng"
        f = self.frames(cap)
        self.assertEqual(len(f), 4)
        self.check_pair(cap, f[0], f[1], "client")
        a = self.check_pair(cap, f[2], f[3], "server")
        self.assertEqual(a[f[3]]["wsclose.request_in"], str(f[2]))
        for two_pass in self.passes():
            out = self.ts.fields(cap, ["frame.number"], "-Y",
                                 "wsclose.duplicate_close || wsclose.abort",
                                 *passes_args(two_pass))
            self.assertEqual(out, [], two_pass)

    def test_reply_time(self):
        for capture, seconds in (("diag-client-close.pcapng", 0.002),
                                 ("diag-delayed-echo.pcapng", 30.002)):
            f = self.frames(capture)
            a = self.check_pair(capture, f[0], f[1], "client")
            self.assertAlmostEqual(float(a[f[1]]["wsclose.time"]), seconds, places=6)

    def test_echo_mismatch_is_a_note(self):
        cap = "diag-mismatch.pcapng"
        f = close_frames(cap)
        self.assertNotEqual(f[0]["code"], f[1]["code"])
        for two_pass in self.passes():
            a = self.analysis(cap, two_pass)
            self.assertIn("differs from the initiating close's %d" % f[0]["code"],
                          a[f[1]["frame"]]["_ws.expert.message"])
            self.assertNotIn("differs", a[f[0]["frame"]]["_ws.expert.message"])
        out = self.ts.out("-r", self.ts.capture(cap), "-Y", "wsclose.status_differs", "-V")
        self.assertIn("(Note/Sequence)", out)

    def test_matching_echo_has_no_note(self):
        out = self.ts.out("-r", self.ts.capture("diag-client-close.pcapng"), "-Y",
                          "wsclose.status_differs")
        self.assertEqual(out, "")

    def test_data_after_close(self):
        cap = "diag-data-after-close.pcapng"
        conn = manifest()[cap]["connections"][0]
        data = [f["frame"] for f in conn["other_frames"] if f["direction"] == "client"]
        close = [f["frame"] for f in conn["close_frames"] if f["direction"] == "client"][0]
        self.assertTrue(data)
        self.assertTrue(all(d > close for d in data), (close, data))
        for two_pass in self.passes():
            out = self.ts.fields(cap, ["frame.number"], "-Y", "wsclose.data_after_close",
                                 *passes_args(two_pass))
            self.assertEqual([int(r[0]) for r in out], data)
        out = self.ts.out("-r", self.ts.capture(cap), "-V", "-Y", "wsclose.data_after_close")
        self.assertIn("(Warning/Sequence): Data frame from the client after its close frame "
                      "(frame %d)" % close, out)

    def test_duplicate_close(self):
        cap = "diag-duplicate.pcapng"
        client = [cf["frame"] for cf in close_frames(cap) if cf["direction"] == "client"]
        self.assertEqual(len(client), 2)
        for two_pass in self.passes():
            out = self.ts.fields(cap, ["frame.number"], "-Y", "wsclose.duplicate_close",
                                 *passes_args(two_pass))
            self.assertEqual([int(r[0]) for r in out], [client[1]])
            # The server's reply answers the first close, not the duplicate.
            server = [cf for cf in close_frames(cap) if cf["direction"] == "server"][0]
            a = self.analysis(cap, two_pass)
            self.assertEqual(a[server["frame"]]["wsclose.request_in"], str(client[0]))


def flag_set(value):
    """tcp.flags.* as -T fields prints them: 1/0 up to 4.2, True/False from 4.4 on."""
    return value in ("1", "True")


class Aborts(PluginTestCase):
    """RFC 6455 7.1.5 per direction: an endpoint's connection closes abnormally (1006) when
    what it receives ends (the peer's FIN, or an RST from either side) before the peer's
    close frame arrived; the label sits on that FIN or RST, for that endpoint."""

    # fuzz-regress-len64 is left out: its close frames are raw bytes the manifest does not
    # list as close frames.
    SYNTHETIC = sorted(name for name, cap in manifest().items()
                       if any(c.get("websocket") for c in cap["connections"])
                       and name != "fuzz-regress-len64.pcap")

    def expected(self, capture):
        """{frame: [endpoints]} from the generator's roles and close frames and tshark's own
        TCP fields (no wsclose field is read)."""
        conns = {c["tcp_stream"]: c for c in manifest()[capture]["connections"]
                 if c.get("websocket")}
        rows = self.ts.fields(capture, ["frame.number", "tcp.stream", "tcp.srcport",
                                        "tcp.flags.fin", "tcp.flags.reset"],
                              "-Y", "tcp.flags.fin == 1 || tcp.flags.reset == 1")
        ended, out = set(), {}
        for frame, stream, sport, fin, rst in rows:
            conn = conns.get(int(stream))
            if conn is None:
                continue
            frame = int(frame)
            sender = "client" if sport == conn["client"].rsplit(":", 1)[1] else "server"
            receivers = ["client", "server"] if flag_set(rst) else [PEER[sender]]
            for endpoint in receivers:
                if (stream, endpoint) in ended:
                    continue
                ended.add((stream, endpoint))
                peer_closes = [cf["frame"] for cf in conn["close_frames"]
                               if cf["direction"] == PEER[endpoint]]
                if not peer_closes or min(peer_closes) > frame:
                    out.setdefault(frame, []).append(endpoint)
        return {f: sorted(e) for f, e in out.items()}

    def aborts(self, capture, two_pass):
        extra = passes_args(two_pass)
        rows = self.ts.fields(capture, ["frame.number", "wsclose.abort", "wsclose.winhttp"],
                              "-Y", "wsclose.abort", *extra)
        # The Info column as tshark prints it. (Not the _ws.col.Info field: from 4.4 on that
        # is a copy taken before the taps run, and the end of a connection is seen by one.)
        lines = self.ts.out("-r", self.ts.capture(capture), "-Y", "wsclose.abort",
                            *extra).splitlines()
        return {int(r[0]): r[1:] + [line] for r, line in zip(rows, lines)}

    def check(self, capture, expected):
        for two_pass in (False, True):
            with self.subTest(capture=capture, two_pass=two_pass):
                a = self.aborts(capture, two_pass)
                got = {frame: sorted(row[0].split(",")) for frame, row in a.items()}
                self.assertEqual(got, expected)
                for frame, (_who, winhttp, line) in a.items():
                    self.assertEqual(line.split()[0], str(frame))
                    self.assertEqual(set(winhttp.split(",")), {ABORTED})
                    for endpoint in expected[frame]:
                        self.assertIn("[%s for the %s]" % (ABORTED, endpoint), line)

    def test_oracle_on_known_shapes(self):
        # The oracle itself, on shapes whose answer is written out here.
        self.assertEqual(self.expected("diag-fin-no-close.pcapng"), {12: ["client"], 13: ["server"]})
        self.assertEqual(self.expected("diag-rst-no-close.pcapng"), {12: ["client", "server"]})
        self.assertEqual(self.expected("diag-unanswered.pcapng"), {11: ["client"]})
        self.assertEqual(self.expected("diag-client-close.pcapng"), {})

    def test_every_synthetic_capture_follows_the_rule(self):
        for capture in self.SYNTHETIC:
            self.check(capture, self.expected(capture))

    def test_server_fin_without_close(self):
        # The server's FIN ends what the client receives; the client's FIN then ends what
        # the server receives: two aborts, each on its own frame.
        self.check("diag-fin-no-close.pcapng", {12: ["client"], 13: ["server"]})

    def test_rst_without_close(self):
        cap = "diag-rst-no-close.pcapng"
        self.assertEqual(manifest()[cap]["connections"][0]["rst_frame"], 12)
        self.check(cap, {12: ["client", "server"]})
        out = self.ts.out("-r", self.ts.capture(cap), "-V", "-Y", "wsclose.abort")
        self.assertIn("TCP RST without a close frame from the server", out)

    def test_unanswered_close(self):
        # The client closed, then sent FIN: a half-close, no abort for the server.  The
        # server's FIN, without its close frame, leaves the client with an abort.
        self.check("diag-unanswered.pcapng", {11: ["client"]})

    def test_ends_right_after_the_upgrade(self):
        # No WebSocket frame at all after the 101: the RST, and each FIN, still count.
        got = self.aborts("diag-ends.pcapng", False)
        self.assertEqual(sorted(got[8][0].split(",")), ["client", "server"])
        self.assertEqual(got[16][0], "client")
        self.assertEqual(got[17][0], "server")
        self.assertEqual(got[26][0], "server")
        self.assertEqual(got[27][0], "client")

    def test_half_closes_are_not_aborts(self):
        got = self.aborts("diag-ends.pcapng", True)
        # client-half-close-then-server-close: FINs in frames 56 and 60, no abort.
        self.assertNotIn(56, got)
        self.assertNotIn(60, got)
        # server-fin-then-client-close: the server's FIN (71) aborts the client; the
        # client's FIN (75) follows its own close frame.
        self.assertEqual(got[71][0], "client")
        self.assertNotIn(75, got)

    def test_completed_handshakes_are_not_aborts(self):
        for cap in ("diag-client-close.pcapng", "diag-server-close.pcapng",
                    "diag-delayed-echo.pcapng", "enum-codes.pcapng"):
            self.assertEqual(self.aborts(cap, False), {}, cap)
            self.assertEqual(self.aborts(cap, True), {}, cap)

    def test_no_websocket_no_items(self):
        out = self.ts.out("-r", self.ts.capture("no-websocket.pcapng"), "-2", "-V")
        self.assertNotIn("WebSocket Close Status", out)
        self.assertNotIn("wsclose", out)


if __name__ == "__main__":
    unittest.main()
