"""Foundation: every close frame of the sample captures carries its WinHTTP label, in every
view tshark offers, with the real plugin loaded into the real tshark."""

import json
import os
import subprocess
import unittest

import collections

from expected import (ALIAS_1007, API_ONLY, MALFORMED_LABEL, NOT_CAPTURED_LABEL,
                      REJECTED_LABEL, REJECTED_MEANING, WINHTTP, abort_labels, close_frames,
                      close_label, empty_label, info_label, manifest_clients, range_class,
                      range_text, rejected_by_winhttp)
from wsharness import (PluginTestCase, Tshark, decode_as_args, expected_aborts, info_labels,
                       pdml_experts, printed_labels, real_clients, real_close_frames,
                       real_manifest)

FIELDS = ["frame.number", "wsclose.status", "wsclose.winhttp", "wsclose.meaning",
          "wsclose.winhttp.alias", "wsclose.range", "_ws.col.Info"]


class PluginLoads(unittest.TestCase):
    def test_plugin_listed_and_protocol_registered(self):
        ts = Tshark()
        try:
            self.assertTrue(ts.plugin_loaded())
            protos = [l.split("\t")[2] for l in ts.out("-G", "protocols").splitlines()]
            self.assertIn("wsclose", protos)
        finally:
            ts.close()

    def test_without_plugin_there_is_no_label(self):
        """The harness can tell: without the plugin, the same run has no wsclose at all."""
        ts = Tshark(with_plugin=False)
        try:
            self.assertFalse(ts.plugin_loaded())
            proc = ts.run("-r", ts.capture("enum-codes.pcapng"), "-Y", "wsclose", check=False)
            # Exactly what this tshark says of a name no dissector registers (its exit status
            # and message differ between versions: 2 and "neither a field nor a protocol
            # name" on 4.0, 4 and "not a valid protocol or protocol field" on 4.6).
            unknown = ts.run("-r", ts.capture("enum-codes.pcapng"), "-Y", "wsclosx",
                             check=False)
            self.assertNotEqual(unknown.returncode, 0)
            self.assertEqual(proc.returncode, unknown.returncode, proc.stderr)
            self.assertEqual(proc.stderr, unknown.stderr.replace("wsclosx", "wsclose"))
            self.assertEqual(proc.stdout, "")
            # The close frames carry the built-in text alone.
            rows = ts.fields("enum-codes.pcapng", ["frame.number", "_ws.col.Info"], "-Y",
                             "websocket.opcode == 8")
            self.assertEqual([int(r[0]) for r in rows],
                             [cf["frame"] for cf in close_frames("enum-codes.pcapng")])
            self.assertEqual([info_labels(r[1]) for r in rows], [[]] * len(rows))
        finally:
            ts.close()


class Labels(PluginTestCase):
    def rows(self, capture, *extra):
        return {int(r[0]): r for r in self.ts.fields(capture, FIELDS, "-Y", "wsclose", *extra)}

    def assert_labeled(self, capture, *extra):
        rows = self.rows(capture, *extra)
        expected = close_frames(capture)
        self.assertEqual(sorted(rows), [cf["frame"] for cf in expected])
        for cf in expected:
            frame, status, winhttp, meaning, alias, rng, info = rows[cf["frame"]]
            with self.subTest(capture=capture, frame=frame, code=cf["code"]):
                self.assertEqual(info_labels(info), [close_label("winhttp", cf["direction"],
                                                                 cf["payload_len"], cf["code"])],
                                 info)
                # The built-in text stays.
                self.assertTrue(info.startswith("WebSocket Connection Close"), info)
                self.assertEqual(alias, ALIAS_1007[0] if cf["code"] == 1007 else "")
                if rejected_by_winhttp(cf["direction"], cf["payload_len"]):
                    self.assertEqual((winhttp, meaning), ("", REJECTED_MEANING))
                    continue
                if cf["payload_len"] == 0:
                    self.assertEqual((status, winhttp, meaning, rng),
                                     ("", WINHTTP[1005][0], WINHTTP[1005][1], ""))
                    continue
                code = cf["code"]
                self.assertEqual(status, str(code))
                self.assertEqual(rng, range_text(code))
                self.assertEqual((winhttp, meaning), WINHTTP.get(code, ("", "")))
        return rows

    def test_all_enum_values(self):
        rows = self.assert_labeled("enum-codes.pcapng")
        codes = {int(r[1]) for r in rows.values()}
        self.assertEqual(codes, set(WINHTTP))

    def test_every_class_and_empty_close(self):
        rows = self.assert_labeled("classes.pcapng")
        classes = {range_class(int(r[1])) for r in rows.values() if r[1]}
        self.assertEqual(classes, {"WinHTTP", "IANA", "Reserved", "libraries", "Private",
                                   "Invalid"})

    def test_framing_multi_frame_segment_and_split_close(self):
        rows = self.assert_labeled("framing.pcap")  # classic pcap, not pcapng
        split = [cf for cf in close_frames("framing.pcap") if cf["split_across_segments"]]
        self.assertTrue(split)
        for cf in split:
            # Labeled where the close is reassembled, not on its first segment.
            self.assertIn(cf["frame"], rows)
            self.assertNotIn(cf["segments"][0], rows)

    def test_ipv6_labeled(self):
        self.assert_labeled("ipv6.pcapng")

    def test_permessage_deflate_labeled(self):
        self.assert_labeled("deflate.pcapng")

    def test_non_standard_port(self):
        # The HTTP heuristic finds the upgrade on its own; -d says the same thing explicitly.
        self.assert_labeled("altport.pcapng")
        self.assert_labeled("altport.pcapng", "--disable-heuristic", "http_tcp",
                            "-d", "tcp.port==9001,http")

    def test_two_pass_labels_the_same(self):
        for capture in ("enum-codes.pcapng", "classes.pcapng", "framing.pcap"):
            self.assert_labeled(capture, "-2")

    def test_each_field_filters(self):
        cap = self.ts.capture("enum-codes.pcapng")
        for flt, count in (("wsclose.status == 1001", 2),
                           ('wsclose.winhttp == "%s"' % WINHTTP[1008][0], 2),
                           ('wsclose.meaning contains "TLS handshake"', 2),
                           ("wsclose.winhttp.alias", 2),
                           ('wsclose.range contains "WinHTTP"', 24),
                           ("wsclose", 24)):
            out = self.ts.out("-r", cap, "-Y", flt).splitlines()
            self.assertEqual(len(out), count, flt)


class MidStream(PluginTestCase):
    """WebSocket found without an HTTP upgrade: through Decode As, or the heuristic."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        src = cls.ts.capture("altport.pcapng")
        cls.cap = os.path.join(cls.ts.capdir, "midstream.pcapng")
        # Drop the HTTP request and the 101 response: the capture starts mid-connection.
        subprocess.run(["editcap", src, cls.cap, "4", "6"], check=True)
        os.chmod(cls.cap, 0o644)

    def labels(self, *extra):
        out = self.ts.out("-r", self.cap, "--disable-heuristic", "http_tcp", *extra,
                          "-T", "fields", "-e", "wsclose.status", "-e", "frame.protocols",
                          "-Y", "wsclose")
        return [line.split("\t") for line in out.splitlines()]

    def test_decode_as_labels_mid_stream(self):
        rows = self.labels("-d", "tcp.port==9001,websocket")
        self.assertEqual([r[0] for r in rows], ["4001", "4001"])
        # Decode As still names the built-in protocol once: nothing else changed.
        self.assertTrue(all(r[1].endswith("tcp:websocket") for r in rows), rows)

    def test_websocket_heuristic_labels_mid_stream(self):
        rows = self.labels("--enable-heuristic", "websocket_tcp")
        self.assertEqual([r[0] for r in rows], ["4001", "4001"])

    def test_nothing_without_websocket(self):
        self.assertEqual(self.labels(), [])


class Views(PluginTestCase):
    def test_plain_summary_info_column(self):
        lines = self.ts.out("-r", self.ts.capture("enum-codes.pcapng")).splitlines()
        labeled = [l for l in lines if "Connection Close" in l]
        frames = close_frames("enum-codes.pcapng")
        self.assertEqual([int(l.split()[0]) for l in labeled], [cf["frame"] for cf in frames])
        for line, cf in zip(labeled, frames):
            self.assertEqual(info_labels(line), [info_label("winhttp", cf["code"])], line)
            self.assertTrue(line.endswith("[%s]" % info_label("winhttp", cf["code"])), line)

    def test_verbose_tree(self):
        lines = self.ts.out("-r", self.ts.capture("enum-codes.pcapng"), "-V", "-Y",
                            "wsclose.status == 1007").splitlines()
        # Two frames (client and server): each line once per frame.
        for line in ("WebSocket Close Status (WinHTTP): "
                     "WINHTTP_WEB_SOCKET_INVALID_PAYLOAD_CLOSE_STATUS (1007)",
                     "    Status: WINHTTP_WEB_SOCKET_INVALID_PAYLOAD_CLOSE_STATUS (1007)",
                     # Derived items are marked generated (shown in brackets); the code is
                     # on the wire.
                     "    [WinHTTP status: WINHTTP_WEB_SOCKET_INVALID_PAYLOAD_CLOSE_STATUS]",
                     "    [Meaning: %s]" % WINHTTP[1007][1],
                     "    [Documentation alias: %s]" % ALIAS_1007[0],
                     "        [Alias meaning: %s]" % ALIAS_1007[1]):
            self.assertEqual(lines.count(line), 2, line)

    def test_empty_close_is_generated(self):
        cap = "classes.pcapng"
        empty = [cf["frame"] for cf in close_frames(cap) if cf["payload_len"] == 0]
        lines = self.ts.out("-r", self.ts.capture(cap), "-V", "-Y",
                            "wsclose && !wsclose.status").splitlines()
        self.assertEqual(lines.count("    [WinHTTP status: WINHTTP_WEB_SOCKET_EMPTY_CLOSE_STATUS]"),
                         len(empty))
        self.assertEqual(lines.count("    [Meaning: %s]" % WINHTTP[1005][1]), len(empty))
        self.assertEqual([l for l in lines if l.startswith("    Status:")], [])
        rows = self.ts.fields(cap, ["frame.number", "wsclose.status"], "-Y",
                              "wsclose && !wsclose.status")
        self.assertEqual(rows, [[str(f), ""] for f in empty])

    def test_json_output_carries_the_fields(self):
        out = self.ts.out("-r", self.ts.capture("enum-codes.pcapng"), "-T", "json", "-Y",
                          "wsclose.status == 1011")
        packets = json.loads(out)
        self.assertEqual(len(packets), 2)
        for p in packets:
            layer = p["_source"]["layers"]["wsclose"]
            self.assertEqual(layer["wsclose.status"], "1011")
            self.assertEqual(layer["wsclose.winhttp"], WINHTTP[1011][0])


class BadInput(PluginTestCase):
    CAP = "malformed.pcapng"
    FIELDS = ["frame.number", "wsclose.status", "wsclose.winhttp", "wsclose.meaning"]

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.experts = pdml_experts(cls.ts.out("-r", cls.ts.capture(cls.CAP), "-T", "pdml"))
        cls.fields = {int(r[0]): r[1:] for r in cls.ts.fields(cls.CAP, cls.FIELDS, "-Y",
                                                               "wsclose")}

    def frame(self, scenario_word, direction="client"):
        for cf in close_frames(self.CAP):
            if scenario_word in cf["scenario"] and cf["direction"] == direction:
                return cf
        raise AssertionError("no %s frame in manifest" % scenario_word)

    def test_one_byte_payload(self):
        cf = self.frame("one-byte")
        self.assertEqual(self.experts[cf["frame"]],
                         [("wsclose.one_byte_payload", "Error", "Malformed",
                           "1-byte close payload: a status code needs two bytes")])
        self.assertEqual(self.fields[cf["frame"]], ["", "", ""])

    def test_invalid_utf8_reason(self):
        cf = self.frame("utf8")
        code = cf["code"]
        self.assertEqual(self.fields[cf["frame"]], [str(code)] + list(WINHTTP[code]))
        self.assertEqual(self.experts[cf["frame"]], [
            ("wsclose.reason_not_utf8", "Warning", "Protocol",
             "Close reason is not valid UTF-8; the receiving WinHTTP application gets these "
             "bytes as the reason"),
            ("wsclose.close", "Chat", "Sequence", "Close: %s (%d)" % (WINHTTP[code][0], code))])

    def test_truncated_by_snaplen(self):
        cf = [c for c in close_frames(self.CAP) if c["truncated_in_capture"]][0]
        self.assertEqual(self.experts[cf["frame"]],
                         [("wsclose.truncated", "Warning", "Undecoded",
                           "Close frame cut short by the capture: status code not captured")])
        self.assertEqual(self.fields[cf["frame"]], ["", "", ""])

    def test_too_long_and_not_final(self):
        long = self.frame("over-125")
        self.assertIn(("wsclose.payload_too_long", "Error", "Protocol",
                       "Close frame payload is %d bytes; control frames carry at most 125"
                       % long["payload_len"]), self.experts[long["frame"]])
        fin0 = self.frame("fin-0")
        self.assertIn(("wsclose.not_final", "Error", "Protocol",
                       "Close frame not final (FIN=0): control frames must not be fragmented"),
                      self.experts[fin0["frame"]])

    def test_every_close_frame_labeled_exactly(self):
        bare = Tshark(with_plugin=False)
        try:
            frames = close_frames(self.CAP)
            aborts = expected_aborts(self.ts, self.CAP, manifest_clients(self.CAP))
            labels = printed_labels(self.ts, bare, self.CAP,
                                    [cf["frame"] for cf in frames] + list(aborts))
        finally:
            bare.close()
        want = {cf["frame"]: [NOT_CAPTURED_LABEL if cf["truncated_in_capture"] else
                              close_label("winhttp", cf["direction"], cf["payload_len"],
                                          cf["code"])] for cf in frames}
        want.update({f: abort_labels("winhttp", e) for f, e in aborts.items()})
        self.assertEqual(labels, want)
        self.assertIn([MALFORMED_LABEL], labels.values())


class WireVersusSituation(PluginTestCase):
    """A code for APIs to report sent in a close frame never reads like the situation it
    names: 1006 on the wire is not an abort, 1005 on the wire is not an empty close; and a
    server close WinHTTP rejects says what the client gets (issue 22, item 1)."""

    WINE = "real-winhttp-wine.pcapng"
    ABORTED = WINHTTP[1006][0]
    EMPTY = WINHTTP[1005][0]

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.bare = Tshark(with_plugin=False)
        wine = real_manifest(cls.WINE)
        cls.wine_da = decode_as_args(wine["decode_as"])
        # (capture, -d arguments, close frames, aborts): synthetic from the generator's
        # manifest, the WinHTTP capture from its own manifest and the built-in dissector.
        cls.cases = [(cap, [], close_frames(cap),
                      expected_aborts(cls.ts, cap, manifest_clients(cap)))
                     for cap in ("enum-codes.pcapng", "classes.pcapng", "diag-ends.pcapng")]
        cls.cases.append((cls.WINE, cls.wine_da, real_close_frames(cls.ts, wine),
                          expected_aborts(cls.ts, cls.WINE, real_clients(cls.ts, wine),
                                          cls.wine_da)))

    @classmethod
    def tearDownClass(cls):
        cls.bare.close()
        super().tearDownClass()

    def selected(self, cap, da, flt):
        return [int(r[0]) for r in self.ts.fields(cap, ["frame.number"], "-Y", flt, *da)]

    def test_1006_on_the_wire_is_not_an_abort(self):
        seen = collections.Counter()
        for cap, da, frames, aborts in self.cases:
            with self.subTest(capture=cap):
                wire = [cf["frame"] for cf in frames if cf["code"] == 1006]
                self.assertEqual(self.selected(cap, da, 'wsclose.winhttp == "%s"' % self.ABORTED),
                                 wire)
                self.assertEqual(self.selected(cap, da, "wsclose.status == 1006"), wire)
                self.assertEqual(self.selected(cap, da, "wsclose.abort"), sorted(aborts))
                labels = printed_labels(self.ts, self.bare, cap, wire + list(aborts), da)
                want = {f: [info_label("winhttp", 1006)] for f in wire}
                want.update({f: abort_labels("winhttp", e) for f, e in aborts.items()})
                self.assertEqual(labels, want)
                seen[cap] = (len(wire), len(aborts))
        # Both situations are on the WinHTTP capture, one of them on each synthetic one.
        self.assertEqual(seen, {"enum-codes.pcapng": (2, 0), "classes.pcapng": (0, 0),
                                "diag-ends.pcapng": (0, 7), self.WINE: (2, 10)})

    def test_1005_on_the_wire_is_not_an_empty_close(self):
        seen = {}
        for cap, da, frames, _aborts in self.cases:
            with self.subTest(capture=cap):
                wire = [cf["frame"] for cf in frames if cf["code"] == 1005]
                empty = [cf["frame"] for cf in frames if cf["payload_len"] == 0]
                # Both report 1005 to the receiver: wsclose.winhttp names it on both.
                self.assertEqual(self.selected(cap, da, 'wsclose.winhttp == "%s"' % self.EMPTY),
                                 sorted(wire + empty))
                self.assertEqual(self.selected(cap, da, "wsclose.status == 1005"), wire)
                self.assertEqual(self.selected(cap, da, "wsclose && !wsclose.status && "
                                               'wsclose.winhttp == "%s"' % self.EMPTY), empty)
                labels = printed_labels(self.ts, self.bare, cap, wire + empty, da)
                want = {f: [info_label("winhttp", 1005)] for f in wire}
                want.update({f: [empty_label("winhttp")] for f in empty})
                self.assertEqual(labels, want)
                seen[cap] = (len(wire), len(empty))
        self.assertEqual(seen, {"enum-codes.pcapng": (2, 0), "classes.pcapng": (0, 2),
                                "diag-ends.pcapng": (0, 0), self.WINE: (2, 1)})

    def test_api_only_codes_in_every_name_set(self):
        cap = "enum-codes.pcapng"
        frames = [cf for cf in close_frames(cap) if cf["code"] in API_ONLY]
        self.assertEqual(len(frames), 6)
        for name_set in ("winhttp", "websocket_h", "dotnet", "iana", "none"):
            with self.subTest(name_set=name_set):
                labels = printed_labels(self.ts, self.bare, cap, [cf["frame"] for cf in frames],
                                        prefs=["-o", "wsclose.name_set:" + name_set])
                self.assertEqual(labels, {cf["frame"]: [info_label(name_set, cf["code"])]
                                          for cf in frames})

    def test_rejected_server_close(self):
        fields = ["frame.number", "wsclose.status", "wsclose.winhttp", "wsclose.meaning",
                  "wsclose.api.receive.error"]
        seen = {}
        for cap, da, frames, _aborts in self.cases:
            with self.subTest(capture=cap):
                rejected = [cf for cf in frames
                            if rejected_by_winhttp(cf["direction"], cf["payload_len"])]
                got = self.ts.fields(cap, fields, "-Y", 'wsclose.meaning == "%s"'
                                     % REJECTED_MEANING, *da)
                self.assertEqual(got, [[str(cf["frame"]),
                                        "" if cf["code"] is None else str(cf["code"]),
                                        "", REJECTED_MEANING, "12152"] for cf in rejected])
                labels = printed_labels(self.ts, self.bare, cap,
                                        [cf["frame"] for cf in rejected], da)
                self.assertEqual(labels, {cf["frame"]: [REJECTED_LABEL] for cf in rejected})
                seen[cap] = sorted(cf["payload_len"] for cf in rejected)
        # A 1-byte server close in diag-ends; a 1-byte and a 132-byte one from the real
        # peer of the WinHTTP capture.
        self.assertEqual(seen, {"enum-codes.pcapng": [], "classes.pcapng": [],
                                "diag-ends.pcapng": [1], self.WINE: [1, 132]})


class NoWebSocket(PluginTestCase):
    def test_capture_without_websocket_has_no_items(self):
        out = self.ts.out("-r", self.ts.capture("no-websocket.pcapng"), "-Y", "wsclose")
        self.assertEqual(out, "")
        out = self.ts.out("-r", self.ts.capture("no-websocket.pcapng"), "-V")
        self.assertNotIn("WebSocket Close Status", out)
        self.assertNotIn("WINHTTP_", out)


if __name__ == "__main__":
    unittest.main()
