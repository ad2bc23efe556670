"""Regression tests over the REAL captures (captures/real-*.pcapng, made by captures/record/).

Each capture has a manifest beside it (captures/real-*.json) that records what every peer was
told to send -- the recorder's intent, not what any dissector printed.  For every connection
we check, close frame by close frame and in order, that the plugin labels the frame with the
code on the wire and with the WinHTTP enum name of the tests' own table (expected.py, written
from the documentation, independent of the plugin's), in one-pass and two-pass (-2)
dissection; that it labels exactly the close frames the built-in WebSocket dissector sees;
and that aborted connections have no close frame at all.  A connection whose Upgrade was not
answered with a 101 carrying `Upgrade: websocket` (real-winhttp-wine-upgrade's server_answer)
carries no WebSocket on the wire: nothing to label there, and no abort.

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
from expected import (ALIAS_1007, REJECTED_MEANING, WINHTTP, abort_labels,  # noqa: E402
                      close_label, rejected_by_winhttp)

EMPTY = WINHTTP[1005][0]

MANIFESTS = sorted(glob.glob(os.path.join(wsharness.CAPTURES, "real-*.json")))

PLUGIN_FIELDS = ["frame.number", "tcp.stream", "tcp.srcport", "websocket.opcode",
                 "wsclose.status", "wsclose.winhttp", "wsclose.meaning", "wsclose.winhttp.alias",
                 "wsclose.from", "_ws.col.Info"]
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


def websocket_on_wire(conn):
    """Whether the connection is WebSocket on the wire: Wireshark's HTTP dissector hands a
    stream to WebSocket after a 101 with `Upgrade: websocket` only (what the server answered,
    per the manifest).  Manifests without server_answer hold upgraded connections only."""
    answer = conn.get("server_answer")
    if answer is None:
        return True
    upgrade = [h.split(":", 1)[1].strip().lower() for h in answer["headers"]
               if h.split(":", 1)[0].strip().lower() == "upgrade"]
    return answer["status"] == 101 and upgrade == ["websocket"]


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
            # The client's close frame after a 403 is bytes after an HTTP response, not a
            # WebSocket frame.
            want = conn["close_frames"] if websocket_on_wire(conn) else []
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

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.bare = wsharness.Tshark(with_plugin=False)

    @classmethod
    def tearDownClass(cls):
        cls.bare.close()
        super().tearDownClass()

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
        self.assertTrue(close_frames, "%s: no close frames dissected" % capture)
        self.assertEqual(sorted(labelled, key=int), sorted(close_frames, key=int),
                         "%s: wsclose-labelled frames != websocket close frames" % capture)

        # Aborts: exactly the frames RFC 6455 7.1.5 gives, with their labels.
        clients = {}
        for conn, stream in self.connections(ts, manifest, extra):
            if websocket_on_wire(conn):
                clients[stream] = conn["client_port"]
        streams = {}
        aborts = wsharness.expected_aborts(ts, capture, clients, extra, streams)
        got_aborts = [int(r[0]) for r in ts.fields(capture, ["frame.number"], "-Y",
                                                    "wsclose.abort", *extra)]
        self.assertEqual(got_aborts, sorted(aborts), "%s: wsclose.abort frames" % capture)
        labels = wsharness.printed_labels(ts, self.bare, capture, aborts, extra)
        self.assertEqual(labels, {f: abort_labels("winhttp", e) for f, e in aborts.items()},
                         "%s: abort labels" % capture)
        aborted_streams = set(streams.values())

        rows = ts.fields(capture, PLUGIN_FIELDS, "-Y",
                         "websocket.opcode == 8 || (wsclose && !wsclose.abort)", *extra)
        by_stream = {}
        for frame, stream, sport, opcodes, status, winhttp, meaning, alias, frm, info in rows:
            n_close = split(opcodes).count("8")
            self.assertEqual(n_close, 1, "%s frame %s: %r close frames in one segment"
                             % (capture, frame, n_close))
            by_stream.setdefault(int(stream), []).append(
                dict(frame=frame, sport=sport, status=status, winhttp=winhttp, meaning=meaning,
                     alias=alias, frm=frm, info=info))

        expected_total = 0
        for conn, stream in self.connections(ts, manifest, extra):
            got = by_stream.get(stream, [])
            where = "%s %s (tcp.stream %d)" % (capture, conn["scenario"], stream)
            if not websocket_on_wire(conn):
                # No WebSocket connection: no close frame to label; its FINs are no abort (the
                # abort frames were compared above, with this stream left out).
                self.assertEqual(got, [], "%s: not WebSocket, yet close frames %r" % (where, got))
                continue
            want = conn["close_frames"]
            expected_total += len(want)
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
                # The library peers send well-formed closes only; their manifests give no
                # length: no code is an empty payload.
                size = exp.get("payload_len", 0 if code is None else 2)
                self.assertEqual(row["status"], "" if code is None else str(code), at)
                if rejected_by_winhttp(exp["by"], size):
                    self.assertEqual((row["winhttp"], row["meaning"]), ("", REJECTED_MEANING), at)
                elif size == 1:
                    self.assertEqual((row["winhttp"], row["meaning"]), ("", ""), at)
                elif code is None:
                    self.assertEqual((row["winhttp"], row["meaning"]), WINHTTP[1005], at)
                else:
                    self.assertEqual((row["winhttp"], row["meaning"]),
                                     WINHTTP.get(code, ("", "")), at)
                self.assertEqual(row["alias"], ALIAS_1007[0] if code == 1007 else "", at)
                self.assertEqual(wsharness.info_labels(row["info"]),
                                 [close_label("winhttp", exp["by"], size, code)],
                                 at + ": Info column")
        self.assertEqual(len(close_frames), expected_total,
                         "%s: close frames outside the manifest's connections" % capture)


if __name__ == "__main__":
    unittest.main()
