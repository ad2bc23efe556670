"""Regression tests over the REAL captures (captures/real-*.pcapng, made by captures/record/).

Each capture has a manifest beside it (captures/real-*.json) that records what every peer was
told to send -- the recorder's intent, not what any dissector printed.  For every connection
we check, close frame by close frame and in order, that the plugin labels the frame with the
code on the wire and with the WinHTTP enum name of the tests' own table (expected.py, written
from the documentation, independent of the plugin's), in one-pass and two-pass (-2)
dissection; that it labels exactly the close frames the built-in WebSocket dissector sees;
and that aborted connections have no close frame at all.

RealCapturesBuiltinTest needs no plugin: it checks the captures against their manifests with
Wireshark's own WebSocket dissector, so a bad re-recording is caught even without a build.

  WSCLOSE_PLUGIN=/path/to/wsclose.so /usr/bin/python3 -m unittest tests/test_real_captures.py
"""

import glob
import json
import os
import sys
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import wsharness  # noqa: E402
from expected import ALIAS_1007, WINHTTP  # noqa: E402

EMPTY = WINHTTP[1005][0]

MANIFESTS = sorted(glob.glob(os.path.join(wsharness.CAPTURES, "real-*.json")))

PLUGIN_FIELDS = ["frame.number", "tcp.stream", "tcp.srcport", "websocket.opcode",
                 "wsclose.status", "wsclose.winhttp", "wsclose.winhttp.alias", "wsclose.from",
                 "_ws.col.Info"]
BUILTIN_FIELDS = ["frame.number", "tcp.stream", "tcp.srcport", "websocket.opcode",
                  "websocket.payload.close.status_code", "websocket.payload.close.reason"]


def load(path):
    with open(path, encoding="utf-8") as f:
        return json.load(f)


def decode_as(manifest):
    return wsharness.decode_as_args(manifest.get("decode_as", []))


def variants(manifest):
    """(label, extra tshark args): one pass, two passes, and -- where the manifest needs a
    Decode As -- once more with the HTTP-over-TCP heuristic off, so -d alone must do it."""
    base = decode_as(manifest)
    out = [(name, args + base) for name, args in wsharness.PASSES]
    if base:
        out.append(("decode-as-only", ["--disable-heuristic", "http_tcp"] + base))
    return out


def stream_map(ts, capture, extra):
    """{(client_port, server_port): tcp.stream} from the SYNs, and {tcp.stream: request uri}."""
    rows = ts.fields(capture, ["tcp.stream", "tcp.srcport", "tcp.dstport"],
                     "-Y", "tcp.flags.syn == 1 && tcp.flags.ack == 0", *extra)
    streams = {}
    for stream, sport, dport in rows:
        key = (int(sport), int(dport))
        if key in streams:
            raise AssertionError("%s: port pair %r used by two TCP streams" % (capture, key))
        streams[key] = int(stream)
    uris = {}
    for stream, uri in ts.fields(capture, ["tcp.stream", "http.request.uri"],
                                 "-Y", "http.request", *extra):
        uris[int(stream)] = uri
    return streams, uris


def split(value):
    return value.split(",") if value else []


class _Checks:
    """Shared per-capture checks: rows of close frames per connection vs the manifest."""

    def connections(self, ts, manifest, extra):
        capture = manifest["capture"]
        streams, uris = stream_map(ts, capture, extra)
        for conn in manifest["connections"]:
            key = (conn["client_port"], conn["server_port"])
            self.assertIn(key, streams, "%s %s: no TCP stream for ports %r"
                          % (capture, conn["scenario"], key))
            stream = streams[key]
            path = conn.get("request_path")
            if path:
                self.assertEqual(uris.get(stream, "").split("?")[0], path,
                                 "%s %s: request URI" % (capture, conn["scenario"]))
            yield conn, stream

    @staticmethod
    def direction(conn, srcport):
        return "server" if int(srcport) == conn["server_port"] else "client"


@unittest.skipUnless(MANIFESTS, "no captures/real-*.json")
class RealCapturesBuiltinTest(unittest.TestCase, _Checks):
    """The captures agree with their manifests, per Wireshark's own WebSocket dissector."""

    @classmethod
    def setUpClass(cls):
        cls.ts = wsharness.Tshark(with_plugin=False)

    @classmethod
    def tearDownClass(cls):
        cls.ts.close()

    def test_captures_are_small_and_have_manifests(self):
        for path in MANIFESTS:
            manifest = load(path)
            pcap = os.path.join(wsharness.CAPTURES, manifest["capture"])
            self.assertTrue(os.path.isfile(pcap), pcap)
            self.assertLess(os.path.getsize(pcap), 200 * 1024, pcap)
            self.assertTrue(manifest["software"], path)
            self.assertTrue(manifest["connections"], path)

    def test_close_frames_match_manifest(self):
        for path in MANIFESTS:
            manifest = load(path)
            with self.subTest(capture=manifest["capture"]):
                self.check(manifest, decode_as(manifest))

    def check(self, manifest, extra):
        capture = manifest["capture"]
        rows = self.ts.fields(capture, BUILTIN_FIELDS, "-Y", "websocket.opcode == 8", *extra)
        by_stream = {}
        for frame, stream, sport, _opcodes, status, _reason in rows:
            by_stream.setdefault(int(stream), []).append((frame, sport, status))
        seen = set()
        for conn, stream in self.connections(self.ts, manifest, extra):
            seen.add(stream)
            got = by_stream.get(stream, [])
            want = conn["close_frames"]
            where = "%s %s (tcp.stream %d)" % (capture, conn["scenario"], stream)
            self.assertEqual(len(got), len(want), "%s: close frames %r" % (where, got))
            for (frame, sport, status), exp in zip(got, want):
                self.assertEqual(self.direction(conn, sport), exp["by"], "%s frame %s" % (where, frame))
                self.assertEqual(status, "" if exp["code"] is None else str(exp["code"]),
                                 "%s frame %s" % (where, frame))
        self.assertEqual(sorted(set(by_stream) - seen), [],
                         "%s: close frames in connections the manifest does not list" % capture)


@unittest.skipUnless(MANIFESTS, "no captures/real-*.json")
class RealCapturesPluginTest(wsharness.PluginTestCase, _Checks):
    """The plugin's labels on real captures, against the manifests and our own enum table."""

    def test_labels_match_manifest(self):
        for path in MANIFESTS:
            manifest = load(path)
            for label, extra in variants(manifest):
                with self.subTest(capture=manifest["capture"], mode=label):
                    self.check(manifest, extra)

    def check(self, manifest, extra):
        capture = manifest["capture"]
        ts = self.ts
        close_frames = {r[0] for r in ts.fields(capture, ["frame.number"],
                                                "-Y", "websocket.opcode == 8", *extra)}
        # Frames that end a connection without a close frame carry wsclose.abort instead.
        labelled = {r[0] for r in ts.fields(capture, ["frame.number"], "-Y",
                                            "wsclose && !wsclose.abort", *extra)}
        aborted_streams = {int(r[0]) for r in ts.fields(capture, ["tcp.stream"], "-Y",
                                                         "wsclose.abort", *extra)}
        self.assertTrue(close_frames, "%s: no close frames dissected" % capture)
        self.assertEqual(sorted(labelled, key=int), sorted(close_frames, key=int),
                         "%s: wsclose-labelled frames != websocket close frames" % capture)

        rows = ts.fields(capture, PLUGIN_FIELDS, "-Y",
                         "websocket.opcode == 8 || (wsclose && !wsclose.abort)", *extra)
        by_stream = {}
        for frame, stream, sport, opcodes, status, winhttp, alias, frm, info in rows:
            n_close = split(opcodes).count("8")
            self.assertEqual(n_close, 1, "%s frame %s: %r close frames in one segment"
                             % (capture, frame, n_close))
            by_stream.setdefault(int(stream), []).append(
                dict(frame=frame, sport=sport, status=status, winhttp=winhttp, alias=alias,
                     frm=frm, info=info))

        expected_total = 0
        for conn, stream in self.connections(ts, manifest, extra):
            got = by_stream.get(stream, [])
            want = conn["close_frames"]
            expected_total += len(want)
            where = "%s %s (tcp.stream %d)" % (capture, conn["scenario"], stream)
            if conn.get("aborted"):
                self.assertEqual(want, [], where)
                self.assertEqual(got, [], "%s: aborted, yet close frames: %r" % (where, got))
                # Killed peers leave a FIN or RST without close frames: wsclose says so.
                self.assertIn(stream, aborted_streams, "%s: no wsclose.abort" % where)
                continue
            self.assertNotIn(stream, aborted_streams, "%s: closed, yet wsclose.abort" % where)
            self.assertEqual(len(got), len(want), "%s: close frames %r" % (where, got))
            for row, exp in zip(got, want):
                at = "%s frame %s (%s %s)" % (where, row["frame"], exp["by"], exp["kind"])
                self.assertEqual(self.direction(conn, row["sport"]), exp["by"], at)
                self.assertEqual(row["frm"], exp["by"], at + ": wsclose.from")
                code = exp["code"]
                if exp.get("payload_len") == 1:
                    # A 1-byte payload has no status code: no WinHTTP label.
                    self.assertEqual(row["status"], "", at)
                    self.assertEqual(row["winhttp"], "", at)
                elif code is None:
                    self.assertEqual(row["status"], "", at + ": empty close has no status")
                    self.assertEqual(row["winhttp"], EMPTY, at)
                else:
                    self.assertEqual(row["status"], str(code), at)
                    self.assertEqual(row["winhttp"], WINHTTP[code][0] if code in WINHTTP
                                     else "", at)
                self.assertEqual(row["alias"], ALIAS_1007[0] if code == 1007 else "", at)
                name = row["winhttp"]
                if name:
                    self.assertIn("[%s]" % name, row["info"], at + ": Info column")
                else:
                    self.assertNotIn("[WINHTTP_", row["info"], at + ": Info column")
        self.assertEqual(len(close_frames), expected_total,
                         "%s: close frames outside the manifest's connections" % capture)


if __name__ == "__main__":
    unittest.main()
