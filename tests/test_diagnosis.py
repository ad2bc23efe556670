"""Close diagnosis: handshake fields and expert items per frame, in one pass and with -2.

Expectations come from what the generator put on the wire (captures/gen/manifest.json) and
from RFC 6455's closing handshake; FIN/RST frames are found with tshark's own tcp fields."""

import collections
import re
import unittest

from expected import (API_ONLY, END_WITHOUT_CLOSE, PEER, WINHTTP, abort_labels, abort_summary,
                      close_frames, manifest, manifest_clients, reported_status,
                      status_differs_summary)
from wsharness import (PluginTestCase, Tshark, decode_as_args, expected_aborts, passes_args,
                       pdml_experts, printed_labels, real_clients, real_close_frames,
                       real_manifest, z_expert)

WINE = "real-winhttp-wine.pcapng"
WINE_MANIFEST = real_manifest(WINE)
WINE_DA = decode_as_args(WINE_MANIFEST["decode_as"])


FIELDS = ["frame.number", "wsclose.from", "wsclose.initiator", "wsclose.request_in",
          "wsclose.reply_in", "wsclose.time", "wsclose.abort", "wsclose.winhttp",
          "_ws.expert.message"]


def wine_clients(ts):
    return real_clients(ts, WINE_MANIFEST)


def wine_close_frames(ts):
    return real_close_frames(ts, WINE_MANIFEST)


class Handshake(PluginTestCase):
    def analysis(self, capture, two_pass):
        rows = self.ts.fields(capture, FIELDS, "-Y",
                              "wsclose || wsclose.data_after_close", *passes_args(two_pass))
        for r in rows:
            self.assertEqual(len(r), len(FIELDS), r)
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

    def differing_replies(self, frames):
        """{frame: (chat summary, code)} of the replies whose status differs from the initiating
        close's, from the manifest: both statuses known (a 1-byte or uncaptured close has
        none; an empty one reports 1005)."""
        out = {}
        for conn_frames in frames:
            closes = sorted(conn_frames, key=lambda cf: cf["frame"])
            if len(closes) < 2 or closes[0]["direction"] == closes[1]["direction"]:
                continue
            first, reply = closes[0], closes[1]
            statuses = [None if cf.get("truncated_in_capture")
                        else reported_status(cf["payload_len"], cf["code"])
                        for cf in (first, reply)]
            if None not in statuses and statuses[0] != statuses[1]:
                out[reply["frame"]] = (status_differs_summary(
                    reply["direction"], first["direction"], *statuses), reply["code"])
        return out

    def test_status_differs_is_chat_only(self):
        # RFC 6455 lets the reply carry a status of its own, and a WinHTTP client answers
        # with whatever its WinHttpWebSocketClose passes: a fact in a field, an item at chat
        # level, nothing above it.
        cases = []
        for cap in ("diag-mismatch.pcapng", "malformed.pcapng", "diag-client-close.pcapng",
                    "classes.pcapng"):
            conns = [[dict(cf) for cf in c["close_frames"]]
                     for c in manifest()[cap]["connections"]]
            cases.append((cap, [], self.differing_replies(conns)))
        wine = {}
        for cf in wine_close_frames(self.ts):
            wine.setdefault(cf["scenario"], []).append(cf)
        cases.append((WINE, WINE_DA, self.differing_replies(wine.values())))
        self.assertEqual(sorted(cases[0][2]), [10])
        self.assertEqual(len(cases[4][2]), 3, cases[4][2])  # empty, 132-byte, 4000 answered
        for cap, da, want in cases:
            for two_pass in self.passes():
                with self.subTest(capture=cap, two_pass=two_pass):
                    got = self.ts.fields(cap, ["frame.number", "wsclose.request_in"], "-Y",
                                         "wsclose.status_differs", *da,
                                         *passes_args(two_pass))
                    self.assertEqual([int(r[0]) for r in got], sorted(want))
                    experts = pdml_experts(self.ts.out("-r", self.ts.capture(cap), "-T", "pdml",
                                                       *da, *passes_args(two_pass)))
                    for frame, (summary, code) in want.items():
                        items = experts[frame]
                        differs = [e for e in items if e[0] == "wsclose.status_differs"]
                        self.assertEqual(differs, [("wsclose.status_differs", "Chat",
                                                    "Sequence", summary)], frame)
                        # A reply with a WinHTTP enum code: besides it, only the close's
                        # own chat item, no note or warning.
                        if code in WINHTTP and code not in API_ONLY:
                            self.assertEqual(
                                [e for e in items if e[0] != "wsclose.status_differs"],
                                [("wsclose.close", "Chat", "Sequence",
                                  "Close: %s (%d)" % (WINHTTP[code][0], code))], frame)

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
            rows = self.ts.fields(cap, ["frame.number", "wsclose.sender_close_in"], "-Y",
                                  "wsclose.sender_close_in", *passes_args(two_pass))
            self.assertEqual(rows, [[str(d), str(close)] for d in data])
        experts = pdml_experts(self.ts.out("-r", self.ts.capture(cap), "-T", "pdml"))
        self.assertEqual(experts[data[0]],
                         [("wsclose.data_after_close", "Warning", "Sequence",
                           "Data frame from the client after its close frame")])

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
            rows = self.ts.fields(cap, ["frame.number", "wsclose.duplicate_of"], "-Y",
                                  "wsclose.duplicate_of", *passes_args(two_pass))
            self.assertEqual(rows, [[str(client[1]), str(client[0])]])
        experts = pdml_experts(self.ts.out("-r", self.ts.capture(cap), "-T", "pdml"))
        self.assertEqual([e for e in experts[client[1]] if e[0] == "wsclose.duplicate_close"],
                         [("wsclose.duplicate_close", "Warning", "Sequence",
                           "Second close frame from the client")])


class Aborts(PluginTestCase):
    """RFC 6455 7.1.5 per direction: an endpoint's connection closes abnormally (1006) when
    what it receives ends (the peer's FIN, or an RST from either side) before the peer's
    close frame arrived; the label sits on that FIN or RST, for that endpoint."""

    # fuzz-regress-len64 is left out: its close frames are raw bytes the manifest does not
    # list as close frames.
    SYNTHETIC = sorted(name for name, cap in manifest().items()
                       if any(c.get("websocket") for c in cap["connections"])
                       and name != "fuzz-regress-len64.pcap")
    FIELDS = ["frame.number", "wsclose.abort", "wsclose.abort.tcp", "wsclose.abort.by",
              "wsclose.abort.ended_in", "wsclose.winhttp", "wsclose.meaning"]

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.bare = Tshark(with_plugin=False)

    @classmethod
    def tearDownClass(cls):
        cls.bare.close()
        super().tearDownClass()

    def expected(self, capture):
        """{frame: [Abort, ...]} from the generator's roles and tshark's own TCP and
        WebSocket fields (no wsclose field is read)."""
        return expected_aborts(self.ts, capture, manifest_clients(capture))

    def aborts(self, capture, two_pass, extra=()):
        """{frame: {field: value}} of the frames wsclose.abort selects."""
        extra = list(extra) + passes_args(two_pass)
        rows = self.ts.fields(capture, self.FIELDS, "-Y", "wsclose.abort", *extra)
        return {int(r[0]): dict(zip(self.FIELDS[1:], r[1:])) for r in rows}

    def check(self, capture, expected, extra=()):
        for two_pass in (False, True):
            with self.subTest(capture=capture, two_pass=two_pass):
                got = self.aborts(capture, two_pass, extra)
                self.assertEqual(sorted(got), sorted(expected))
                labels = printed_labels(self.ts, self.bare, capture, expected,
                                        list(extra) + passes_args(two_pass))
                for frame, endings in expected.items():
                    row = got[frame]
                    self.assertEqual(row, {
                        "wsclose.abort": ",".join(a.endpoint for a in endings),
                        "wsclose.abort.tcp": ",".join(a.how for a in endings),
                        "wsclose.abort.by": ",".join(a.ended_by for a in endings),
                        "wsclose.abort.ended_in": ",".join(str(a.ended_in) for a in endings),
                        # An abort is no close status on the wire: 1006 is not put on it.
                        "wsclose.winhttp": "",
                        "wsclose.meaning": ""}, frame)
                    self.assertEqual(labels[frame], abort_labels("winhttp", endings), frame)

    def endpoints(self, expected):
        return {frame: [a.endpoint for a in endings] for frame, endings in expected.items()}

    def test_oracle_on_known_shapes(self):
        # The oracle itself, on shapes whose answer is written out here.
        self.assertEqual(self.endpoints(self.expected("diag-fin-no-close.pcapng")),
                         {12: ["client"], 13: ["server"]})
        self.assertEqual(self.endpoints(self.expected("diag-rst-no-close.pcapng")),
                         {12: ["client", "server"]})
        self.assertEqual(self.endpoints(self.expected("diag-unanswered.pcapng")),
                         {11: ["client"]})
        self.assertEqual(self.expected("diag-client-close.pcapng"), {})
        # diag-ends: RST and FINs right after the 101, half-closes that are no aborts
        # (client-half-close-then-server-close, FINs 56 and 60; server-fin-then-client-close,
        # the client's FIN 75 after its own close), a client RST after a server close.
        self.assertEqual(self.endpoints(self.expected("diag-ends.pcapng")),
                         {8: ["client", "server"], 16: ["client"], 17: ["server"],
                          26: ["server"], 27: ["client"], 71: ["client"], 100: ["server"]})
        a = self.expected("diag-ends.pcapng")
        self.assertEqual(a[17][0].after, ("server", "FIN"))
        self.assertEqual(a[27][0].after, ("client", "FIN"))
        self.assertEqual(a[16][0].after, None)

    def test_every_synthetic_capture_follows_the_rule(self):
        for capture in self.SYNTHETIC:
            self.check(capture, self.expected(capture))

    def test_real_winhttp_capture_follows_the_rule(self):
        want = expected_aborts(self.ts, WINE, wine_clients(self.ts), WINE_DA)
        # Its manifest's aborted connections (no close frame at all) each have an abort.
        self.assertEqual(len(want), 10, want)
        self.check(WINE, want, WINE_DA)

    def test_server_fin_without_close(self):
        # The server's FIN ends what the client receives; the client's FIN then ends what
        # the server receives: two aborts, each on its own frame.
        want = self.expected("diag-fin-no-close.pcapng")
        self.assertEqual(self.endpoints(want), {12: ["client"], 13: ["server"]})
        self.check("diag-fin-no-close.pcapng", want)

    def test_rst_without_close(self):
        cap = "diag-rst-no-close.pcapng"
        self.assertEqual(manifest()[cap]["connections"][0]["rst_frame"], 12)
        self.check(cap, self.expected(cap))
        experts = pdml_experts(self.ts.out("-r", self.ts.capture(cap), "-T", "pdml"))
        self.assertEqual(experts, {12: [
            ("wsclose.abort_without_close", "Warning", "Sequence", abort_summary("client", "RST")),
            ("wsclose.abort_without_close", "Warning", "Sequence", abort_summary("server", "RST")),
            ("wsclose.end_without_close", "Warning", "Sequence", END_WITHOUT_CLOSE)]})

    def test_unanswered_close(self):
        # The client closed, then sent FIN: a half-close, no abort for the server.  The
        # server's FIN, without its close frame, leaves the client with an abort.
        want = self.expected("diag-unanswered.pcapng")
        self.assertEqual(self.endpoints(want), {11: ["client"]})
        self.check("diag-unanswered.pcapng", want)

    def test_ends_and_half_closes(self):
        # No WebSocket frame at all after the 101: the RST, and each FIN, still count; a FIN
        # after the sender's own close frame is a half-close.  Exactly these frames.
        for two_pass in (False, True):
            got = self.aborts("diag-ends.pcapng", two_pass)
            self.assertEqual({f: r["wsclose.abort"] for f, r in got.items()},
                             {8: "client,server", 16: "client", 17: "server", 26: "server",
                              27: "client", 71: "client", 100: "server"}, two_pass)

    def test_completed_handshakes_are_not_aborts(self):
        for cap in ("diag-client-close.pcapng", "diag-server-close.pcapng",
                    "diag-delayed-echo.pcapng", "enum-codes.pcapng"):
            self.assertEqual(self.expected(cap), {}, cap)
            self.assertEqual(self.aborts(cap, False), {}, cap)
            self.assertEqual(self.aborts(cap, True), {}, cap)

    def test_name_sets_in_abort_labels(self):
        # Every label honours the name set: none and iana carry no WinHTTP name.
        cap = "diag-ends.pcapng"
        want = self.expected(cap)
        for name_set in ("winhttp", "websocket_h", "dotnet", "iana", "none"):
            with self.subTest(name_set=name_set):
                labels = printed_labels(self.ts, self.bare, cap, want,
                                        prefs=["-o", "wsclose.name_set:" + name_set])
                self.assertEqual(labels, {f: abort_labels(name_set, e) for f, e in want.items()})
                if name_set in ("none", "iana"):
                    self.assertEqual([l for ls in labels.values() for l in ls
                                      if "WINHTTP_" in l], [])

    def test_no_websocket_no_items(self):
        cap = "no-websocket.pcapng"
        for two_pass in (False, True):
            self.assertEqual(self.ts.out("-r", self.ts.capture(cap), "-Y", "wsclose",
                                         *passes_args(two_pass)), "")
            pdml = self.ts.out("-r", self.ts.capture(cap), "-T", "pdml", *passes_args(two_pass))
            self.assertEqual(re.findall(r'name="wsclose[^"]*"', pdml), [])
            self.assertEqual(pdml_experts(pdml), {})
            self.assertEqual(z_expert(self.ts.out("-r", self.ts.capture(cap), "-q", "-z",
                                                  "expert", *passes_args(two_pass))), [])


class EndWithoutClose(PluginTestCase):
    """The client ends the TCP connection (its FIN or RST comes first) without a close frame
    of its own (its application closed the handles without WinHttpWebSocketClose, or Close
    failed before sending): a hint on that frame, where the server's connection aborts.  A
    client FIN that answers the server's FIN gets none."""

    CAPTURES = ("diag-fin-no-close.pcapng", "diag-rst-no-close.pcapng", "diag-ends.pcapng",
                "malformed.pcapng", "diag-unanswered.pcapng", "diag-client-close.pcapng",
                "diag-server-close.pcapng")

    def client_ends_after_own_close(self, capture, clients, extra=()):
        """Frames of the client's FINs and RSTs sent after its own close frame."""
        first_close = {}
        for frame, stream, sport in self.ts.fields(capture, ["frame.number", "tcp.stream",
                                                             "tcp.srcport"],
                                                   "-Y", "websocket.opcode == 8", *extra):
            if clients.get(int(stream)) == int(sport):
                first_close.setdefault(int(stream), int(frame))
        out = []
        for frame, stream, sport in self.ts.fields(
                capture, ["frame.number", "tcp.stream", "tcp.srcport"],
                "-Y", "tcp.flags.fin == 1 || tcp.flags.reset == 1", *extra):
            stream = int(stream)
            if clients.get(stream) == int(sport) and first_close.get(stream, 1 << 40) < int(frame):
                out.append(int(frame))
        return out

    def check(self, capture, clients, extra=()):
        # The client's first FIN or RST ends the TCP connection, and the server's
        # connection aborts there (the client had sent no close frame).
        want = sorted(frame for frame, endings in
                      expected_aborts(self.ts, capture, clients, extra).items()
                      if any(a.endpoint == "server" and a.ended_by == "client"
                             and a.ended_in == frame for a in endings))
        for two_pass in (False, True):
            with self.subTest(capture=capture, two_pass=two_pass):
                got = [int(r[0]) for r in self.ts.fields(
                    capture, ["frame.number"], "-Y", "wsclose.end_without_close", *extra,
                    *passes_args(two_pass))]
                self.assertEqual(got, want)
                experts = pdml_experts(self.ts.out("-r", self.ts.capture(capture), "-T", "pdml",
                                                   *extra, *passes_args(two_pass)))
                hints = sorted(f for f, items in experts.items() for e in items
                               if e[0] == "wsclose.end_without_close")
                self.assertEqual(hints, want)
                for frame in want:
                    self.assertIn(("wsclose.end_without_close", "Warning", "Sequence",
                                   END_WITHOUT_CLOSE), experts[frame])
        return want, self.client_ends_after_own_close(capture, clients, extra)

    def test_synthetic_captures(self):
        hinted, after_own = [], []
        for cap in self.CAPTURES:
            want, own = self.check(cap, manifest_clients(cap))
            hinted.append((cap, want))
            after_own.append((cap, own))
        self.assertEqual(dict(hinted), {
            "diag-fin-no-close.pcapng": [], "diag-rst-no-close.pcapng": [12],
            "diag-ends.pcapng": [26, 100], "malformed.pcapng": [80],
            "diag-unanswered.pcapng": [], "diag-client-close.pcapng": [],
            "diag-server-close.pcapng": []})
        # The client's FIN after its own close frame gets none (the checks above compare
        # the whole list); these captures have such FINs.
        self.assertEqual([c for c, own in after_own if own],
                         ["diag-ends.pcapng", "malformed.pcapng", "diag-unanswered.pcapng",
                          "diag-client-close.pcapng", "diag-server-close.pcapng"])

    def test_real_winhttp_capture(self):
        clients = wine_clients(self.ts)
        want, own = self.check(WINE, clients, WINE_DA)
        # client-closes-handles-without-close and client-close-reason-124-bytes; not the
        # client's FIN that answers the server's FIN (server-fin-after-101, -after-data).
        self.assertEqual(len(want), 2, want)
        self.assertTrue(own)


class ExpertTap(PluginTestCase):
    """Every wsclose expert item of the tree reaches tshark -z expert, in one pass and with
    -2, and no summary carries a frame number (identical findings group)."""

    CAPTURES = [(c, []) for c in sorted(manifest()) if c.startswith("diag-")] + [
        ("malformed.pcapng", []), ("classes.pcapng", []), ("enum-codes.pcapng", []),
        (WINE, WINE_DA)]

    def test_z_expert_lists_every_item_of_the_tree(self):
        kinds = set()
        for cap, da in self.CAPTURES:
            for two_pass in (False, True):
                with self.subTest(capture=cap, two_pass=two_pass):
                    args = ["-r", self.ts.capture(cap)] + da + passes_args(two_pass)
                    tree = collections.Counter(
                        (sev, group, summary)
                        for items in pdml_experts(self.ts.out(*args, "-T", "pdml")).values()
                        for _abbrev, sev, group, summary in items)
                    listed = collections.Counter()
                    for sev, group, summary, freq in z_expert(
                            self.ts.out(*args, "-q", "-z", "expert")):
                        listed[(sev, group, summary)] += freq
                    self.assertEqual(listed, tree)
                    self.assertTrue(tree)
                    for _sev, _group, summary in tree:
                        self.assertIsNone(re.search(r"\bframes? #?\d", summary), summary)
                    kinds |= {k[0] for k in tree}
        self.assertEqual(kinds, {"Error", "Warning", "Note", "Chat"})


if __name__ == "__main__":
    unittest.main()
