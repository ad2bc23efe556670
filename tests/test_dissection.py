"""Foundation: every close frame of the sample captures carries its WinHTTP label, in every
view tshark offers, with the real plugin loaded into the real tshark."""

import json
import os
import subprocess
import unittest

from expected import ALIAS_1007, WINHTTP, close_frames, info_label, range_class, range_text
from wsharness import PluginTestCase, Tshark, info_labels

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
            self.assertNotEqual(proc.returncode, 0)  # unknown field
            info = ts.out("-r", ts.capture("enum-codes.pcapng"))
            self.assertNotIn("WINHTTP_", info)
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
                if cf["payload_len"] == 0:
                    self.assertEqual(status, "")
                    self.assertEqual(winhttp, WINHTTP[1005][0])
                    self.assertEqual(meaning, WINHTTP[1005][1])
                    self.assertEqual(info_labels(info), [WINHTTP[1005][0]], info)
                    continue
                code = cf["code"]
                self.assertEqual(status, str(code))
                self.assertEqual(rng, range_text(code))
                if code in WINHTTP:
                    self.assertEqual(winhttp, WINHTTP[code][0])
                    self.assertEqual(meaning, WINHTTP[code][1])
                else:
                    self.assertEqual(winhttp, "")
                    self.assertEqual(meaning, "")
                self.assertEqual(info_labels(info), [info_label("winhttp", code)], info)
                self.assertEqual(alias, ALIAS_1007[0] if code == 1007 else "")
                # The built-in text stays.
                self.assertTrue(info.startswith("WebSocket Connection Close"), info)
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
        self.assertEqual(len(labeled), 24)
        for code, (name, _meaning) in WINHTTP.items():
            self.assertEqual(sum(l.endswith("[%s]" % name) for l in labeled), 2, name)

    def test_verbose_tree(self):
        out = self.ts.out("-r", self.ts.capture("enum-codes.pcapng"), "-V", "-Y",
                          "wsclose.status == 1007")
        self.assertIn("WebSocket Close Status (WinHTTP): "
                      "WINHTTP_WEB_SOCKET_INVALID_PAYLOAD_CLOSE_STATUS (1007)", out)
        self.assertIn("    Status: WINHTTP_WEB_SOCKET_INVALID_PAYLOAD_CLOSE_STATUS (1007)", out)
        # Derived items are marked generated (shown in brackets); the code is on the wire.
        self.assertIn("    [WinHTTP status: WINHTTP_WEB_SOCKET_INVALID_PAYLOAD_CLOSE_STATUS]", out)
        self.assertIn("[Documentation alias: %s]" % ALIAS_1007[0], out)
        self.assertIn("[Alias meaning: %s]" % ALIAS_1007[1], out)

    def test_empty_close_is_generated(self):
        out = self.ts.out("-r", self.ts.capture("classes.pcapng"), "-V", "-Y",
                          "wsclose && !wsclose.status")
        self.assertIn("    [WinHTTP status: WINHTTP_WEB_SOCKET_EMPTY_CLOSE_STATUS]", out)
        self.assertNotIn("    Status:", out)

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

    def frame(self, scenario_word, direction="client"):
        for cf in close_frames(self.CAP):
            if scenario_word in cf["scenario"] and cf["direction"] == direction:
                return cf
        raise AssertionError("no %s frame in manifest" % scenario_word)

    def expert(self, frame):
        return self.ts.out("-r", self.ts.capture(self.CAP), "-V", "-Y",
                           "frame.number == %d" % frame)

    def test_one_byte_payload(self):
        cf = self.frame("one-byte")
        out = self.expert(cf["frame"])
        self.assertIn("1-byte close payload", out)
        self.assertIn("Error/Malformed", out)
        self.assertNotIn("    Status:", out)
        self.assertNotIn("WinHTTP status", out)

    def test_invalid_utf8_reason(self):
        cf = self.frame("utf8")
        out = self.expert(cf["frame"])
        self.assertIn("Status: %s (%d)" % (WINHTTP[cf["code"]][0], cf["code"]), out)
        self.assertIn("not valid UTF-8", out)

    def test_truncated_by_snaplen(self):
        cf = [c for c in close_frames(self.CAP) if c["truncated_in_capture"]][0]
        out = self.expert(cf["frame"])
        self.assertIn("status code not captured", out)
        self.assertNotIn("    Status:", out)

    def test_too_long_and_not_final(self):
        for word, text in (("over-125", "control frames carry at most 125"),
                           ("fin-0", "not final")):
            cf = self.frame(word)
            self.assertIn(text, self.expert(cf["frame"]))

    def test_every_close_frame_still_labeled_or_flagged(self):
        rows = self.ts.fields(self.CAP, ["frame.number", "wsclose"], "-Y", "websocket.opcode == 8")
        self.assertTrue(rows)
        self.assertTrue(all(r[1] for r in rows), rows)


class NoWebSocket(PluginTestCase):
    def test_capture_without_websocket_has_no_items(self):
        out = self.ts.out("-r", self.ts.capture("no-websocket.pcapng"), "-Y", "wsclose")
        self.assertEqual(out, "")
        out = self.ts.out("-r", self.ts.capture("no-websocket.pcapng"), "-V")
        self.assertNotIn("WebSocket Close Status", out)
        self.assertNotIn("WINHTTP_", out)


if __name__ == "__main__":
    unittest.main()
