"""What README advises, checked on the captures it names.

Each class holds one piece of README's advice: the facts behind it, shown with the real
tshark and plugin on captures/ (README's own commands also run as written in
test_readme.py), and the README text that gives it.
"""

import json
import os
import re
import struct
import subprocess
import unittest

from expected import WINHTTP, close_frames
from wsharness import CAPTURES, REPO, PluginTestCase

README = os.path.join(REPO, "README.md")
PROFILE = os.path.join(REPO, "docs", "profile", "wsclose")
ALTPORT = "altport.pcapng"       # one connection: upgrade on TCP 9001, 4001 both ways
WINE = "real-winhttp-wine.pcapng"
TLS = "real-python-python.pcapng"  # ws:// on 8088 and wss:// on 443, its TLS keys embedded


def readme():
    with open(README, encoding="utf-8") as f:
        return f.read()


def section(text, title):
    """The text of README's section `title` (## or ###), up to the next heading of its level
    or above."""
    m = re.search(r"^(#+) %s\n" % re.escape(title), text, re.M)
    if m is None:
        raise AssertionError("README has no section %r" % title)
    level = len(m.group(1))
    end = re.search(r"^#{1,%d} " % level, text[m.end():], re.M)
    return text[m.end():m.end() + end.start()] if end else text[m.end():]


def paragraphs(text):
    """Paragraphs and list items, each joined into one line."""
    out = []
    for block in re.split(r"\n\s*\n", text):
        for item in re.split(r"\n(?=- )", block):
            out.append(" ".join(item.split()))
    return out


def readme_tshark_commands(text):
    """README's inline `tshark ...` commands on captures/."""
    return [c for c in re.findall(r"`(tshark [^`\n]+)`", text) if " captures/" in c]


def without_secrets(src, dst):
    """Copy a pcapng without its Decryption Secrets Blocks (editcap 4.0 cannot rewrite these
    captures, so the blocks are dropped here: block type 0x0000000A)."""
    with open(src, "rb") as f:
        data = f.read()
    out, pos, order, dropped = bytearray(), 0, "<", 0
    while pos < len(data):
        if data[pos:pos + 4] == b"\x0a\x0d\x0d\x0a":  # section header: its byte order
            order = "<" if data[pos + 8:pos + 12] == b"\x4d\x3c\x2b\x1a" else ">"
        btype, blen = struct.unpack_from(order + "II", data, pos)
        if btype == 0x0000000A:
            dropped += 1
        else:
            out += data[pos:pos + blen]
        pos += blen
    with open(dst, "wb") as f:
        f.write(out)
    os.chmod(dst, 0o644)
    return dropped


class DecodeAs(PluginTestCase):
    """README: `-d tcp.port==N,http` when the capture holds the handshake; `,websocket` only
    for a capture that starts after it."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        src = cls.ts.capture(ALTPORT)
        # The same connection captured from after the handshake: frames 8-14 (the client's
        # close on).
        cls.mid = os.path.join(cls.ts.capdir, "altport-after-handshake.pcapng")
        subprocess.run(["editcap", "-r", src, cls.mid, "8-14"], check=True)
        os.chmod(cls.mid, 0o644)

    def rows(self, capture, *extra):
        """[(frame, wsclose.status, wsclose.abort)] of every frame wsclose adds to."""
        return [tuple(r) for r in self.ts.fields(
            capture, ["frame.number", "wsclose.status", "wsclose.abort"], *extra,
            "-Y", "wsclose")]

    def test_http_on_a_capture_with_its_handshake(self):
        self.assertEqual(self.rows(ALTPORT, "-d", "tcp.port==9001,http"),
                         [("8", "4001", ""), ("10", "4001", "")])

    def test_websocket_on_a_capture_with_its_handshake_invents_a_close_and_aborts(self):
        # The request is read as a WebSocket frame, the 101 as a close frame ("HT" = 21584),
        # and the real closes are lost: the final FIN becomes an abort.
        self.assertEqual(self.rows(ALTPORT, "-d", "tcp.port==9001,websocket"),
                         [("6", "21584", ""), ("13", "", "server")])

    def test_websocket_on_a_capture_from_after_the_handshake(self):
        mid = os.path.basename(self.mid)
        self.assertEqual(self.rows(mid, "-d", "tcp.port==9001,websocket"),
                         [("1", "4001", ""), ("3", "4001", "")])
        self.assertEqual(self.rows(mid, "-d", "tcp.port==9001,http"), [])

    def test_readme_decode_as_commands_use_http_where_the_handshake_is_captured(self):
        commands = [c for c in readme_tshark_commands(readme()) if " -d " in c]
        self.assertGreater(len(commands), 0, "README shows no Decode As command")
        for cmd in commands:
            capture = re.search(r" captures/(\S+)", cmd).group(1)
            for port, proto in re.findall(r"-d tcp\.port==(\d+),(\w+)", cmd):
                with self.subTest(command=cmd, port=port):
                    upgrades = self.ts.fields(capture, ["frame.number"], "-d",
                                              "tcp.port==%s,http" % port, "-Y",
                                              "http.response.code == 101 && tcp.srcport == %s"
                                              % port)
                    self.assertGreater(len(upgrades), 0, "no 101 on port %s" % port)
                    self.assertEqual(proto, "http")

    def test_readme_http_command_finds_what_the_heuristic_finds(self):
        # README's example on the WinHTTP capture: the same close frames and aborts as
        # Wireshark's HTTP heuristic finds alone, where ",websocket" reports more aborts.
        cmd = [c for c in readme_tshark_commands(readme()) if WINE in c and " -d " in c]
        self.assertEqual(len(cmd), 1, cmd)
        ports = re.findall(r"-d tcp\.port==(\d+),http", cmd[0])
        self.assertEqual(sorted(ports), ["47320", "47321"])
        http = [a for p in ports for a in ("-d", "tcp.port==%s,http" % p)]
        ws = [a for p in ports for a in ("-d", "tcp.port==%s,websocket" % p)]
        self.assertEqual(self.rows(WINE, *http), self.rows(WINE))
        aborts = lambda rows: [r for r in rows if r[2]]
        self.assertGreater(len(aborts(self.rows(WINE, *ws))), len(aborts(self.rows(WINE))))

    def test_readme_says_websocket_only_after_the_handshake(self):
        # Where users read advice: every mention of ",websocket" Decode As says when.
        text = readme().split("\n## How it hooks into Wireshark\n")[0]
        mentions = [p for p in paragraphs(text) if re.search(r"tcp\.port==\w+,websocket", p)]
        self.assertGreater(len(mentions), 0)
        for p in mentions:
            self.assertIn("starts after the handshake", p)


class ProfileColumns(PluginTestCase):
    """docs/profile/wsclose: a column shows something for every close frame with a code or
    an empty payload, codes outside the enum included, and the widths apply."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        dst = os.path.join(cls.ts.home, ".config", "wireshark", "profiles", "wsclose")
        os.makedirs(dst)
        for name in os.listdir(PROFILE):
            with open(os.path.join(PROFILE, name), "rb") as f, \
                    open(os.path.join(dst, name), "wb") as g:
                g.write(f.read())
        for root, _dirs, files in os.walk(os.path.join(cls.ts.home, ".config")):
            os.chmod(root, 0o755)
            for name in files:
                os.chmod(os.path.join(root, name), 0o644)
        with open(os.path.join(PROFILE, "preferences"), encoding="utf-8") as f:
            prefs = f.read()
        fmt = re.search(r"^gui\.column\.format:\n((?:\t.*\n?)+)", prefs, re.M).group(1)
        items = re.findall(r'"([^"]*)"', fmt)
        cls.formats = items[1::2]   # in column order

    def column_rows(self, capture):
        """{frame: (Close code column, WinHTTP close status column,
        websocket.payload.close.status_code)} of every close frame, as tshark prints the
        profile's columns with -T tabs (a tab between columns on 4.0 to 4.6; the
        _ws.col.<title> fields of 4.0 are gone in 4.4). The arrow tshark prints between
        source and destination is a column of its own there, left out here."""
        self.assertEqual(self.formats[0], "%m")
        code = self.formats.index("%Cus:wsclose.status:0:U")
        winhttp = self.formats.index("%Cus:wsclose.winhttp:0:R")
        out = self.ts.out("-r", self.ts.capture(capture), "-C", "wsclose", "-2", "-T", "tabs",
                          "-Y", "websocket.opcode == 8")
        wire = dict(self.ts.fields(capture, ["frame.number",
                                             "websocket.payload.close.status_code"],
                                   "-2", "-Y", "websocket.opcode == 8"))
        rows = {}
        for line in out.splitlines():
            cols = [c.strip() for c in line.split("\t")]
            cols = [c for c in cols if c not in ("\u2192", "\u2190")]
            self.assertEqual(len(cols), len(self.formats), line)
            rows[int(cols[0])] = (cols[code], cols[winhttp], wire[cols[0]])
        self.assertEqual(sorted(rows), sorted(int(f) for f in wire))
        return rows

    def test_enum_code(self):
        rows = self.column_rows("enum-codes.pcapng")
        self.assertEqual(rows[92], ("1007", WINHTTP[1007][0], "1007"))

    def test_code_outside_the_enum(self):
        rows = self.column_rows("classes.pcapng")
        self.assertEqual(rows[148], ("4999", "", "4999"))   # private use
        self.assertEqual(rows[22], ("1012", "", "1012"))    # IANA only

    def test_empty_payload(self):
        rows = self.column_rows("classes.pcapng")
        empty = [cf["frame"] for cf in close_frames("classes.pcapng") if cf["payload_len"] == 0]
        self.assertEqual(len(empty), 2)
        for frame in empty:
            self.assertEqual(rows[frame], ("", WINHTTP[1005][0], ""))

    def test_every_close_frame_with_a_code_shows_it(self):
        for capture in ("enum-codes.pcapng", "classes.pcapng", WINE):
            rows = self.column_rows(capture)
            self.assertGreater(len(rows), 0)
            for frame, (code, _winhttp, wire) in rows.items():
                with self.subTest(capture=capture, frame=frame):
                    self.assertEqual(code, wire)

    def test_widths_apply_to_the_columns(self):
        # Wireshark 4.0 matches a width to a custom column by its field alone ("%Cus:FIELD");
        # a key with occurrence and resolution is ignored.
        with open(os.path.join(PROFILE, "recent"), encoding="utf-8") as f:
            recent = f.read()
        line = re.search(r"^column\.width:(.*)$", recent, re.M).group(1)
        items = [i.strip().strip('"') for i in line.split(",")]
        widths = dict(zip(items[0::2], (int(w) for w in items[1::2])))
        fields = sorted(f.split(":")[1] for f in self.formats if f.startswith("%Cus:"))
        self.assertEqual(sorted(k[5:] for k in widths if k.startswith("%Cus:")), fields)
        for fmt in self.formats:
            key = "%Cus:" + fmt.split(":")[1] if fmt.startswith("%Cus:") else fmt
            self.assertIn(key, widths)
        # The longest name at 8 px a character (DejaVu Sans Mono, Wireshark's default list
        # font on Debian, at 96 dpi).
        longest = max(len(name) for name, _meaning in WINHTTP.values())
        self.assertGreaterEqual(widths["%Cus:wsclose.winhttp"], 8 * longest)


class WineAfterRejectedClose(unittest.TestCase):
    """README's Wine column: after a server close WinHTTP rejects, Close sends the status the
    application passed (the recording's client passes 1002), not a status of Wine's own."""

    def test_close_sends_the_status_it_was_given(self):
        with open(os.path.join(CAPTURES, "real-winhttp-wine.json"), encoding="utf-8") as f:
            conns = json.load(f)["connections"]
        rejected = [c for c in conns
                    if any(call["call"] == "WinHttpWebSocketReceive" and call["error"] == 12152
                           for call in c["winhttp_calls"])
                    and any(call["call"] == "WinHttpWebSocketClose" for call in c["winhttp_calls"])
                    and c["close_frames"] and c["close_frames"][0]["by"] == "server"
                    and not c["close_frames"][0]["well_formed"]]
        self.assertEqual(len(rejected), 2, [c["scenario"] for c in rejected])
        for c in rejected:
            with self.subTest(scenario=c["scenario"]):
                close = [call for call in c["winhttp_calls"]
                         if call["call"] == "WinHttpWebSocketClose"]
                sent = [f for f in c["close_frames"] if f["by"] == "client"]
                self.assertEqual(len(close), 1)
                self.assertFalse(close[0]["ok"])
                self.assertEqual(close[0]["error"], 12152)
                self.assertEqual([f["code"] for f in sent], [close[0]["status"]])
                self.assertIn("close:%d" % close[0]["status"], c["client_steps"])

    def test_readme_wine_cell(self):
        rows = [l for l in section(readme(), "What your WinHTTP application sees").splitlines()
                if l.startswith("| server close frame with a 1-byte payload")]
        self.assertEqual(len(rows), 1)
        wine = rows[0].rstrip(" |").split(" | ")[-1]
        self.assertIn("Close fails with 12152 but still sends a close frame with the usStatus "
                      "it was given", wine)
        self.assertNotIn("sends a 1002", wine)


class CloseReason(PluginTestCase):
    """The reason text is the built-in websocket.payload.close.reason; README says so where
    users look for it."""

    def test_field_holds_the_reason_text(self):
        for capture in ("classes.pcapng", "enum-codes.pcapng"):
            want = {cf["frame"]: cf["reason_text"] for cf in close_frames(capture)
                    if cf["reason_text"]}
            self.assertGreater(len(want), 0)
            rows = self.ts.fields(capture, ["frame.number", "websocket.payload.close.reason"],
                                  "-Y", "wsclose && websocket.payload.close.reason")
            with self.subTest(capture=capture):
                self.assertEqual({int(f): r for f, r in rows}, want)

    def test_readme_names_it(self):
        text = readme()
        self.assertIn("`websocket.payload.close.reason`", section(text, "Field reference"))
        examples = [c for c in readme_tshark_commands(section(text, "Install and use"))
                    if "-e websocket.payload.close.reason" in c]
        self.assertEqual(len(examples), 1, examples)


class TlsWithoutKeys(PluginTestCase):
    """wss:// that Wireshark cannot decrypt: wsclose shows nothing for it."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.ts.capture(TLS)
        cls.nokeys = "real-python-python-without-keys.pcapng"
        cls.dropped = without_secrets(os.path.join(CAPTURES, TLS),
                                      os.path.join(cls.ts.capdir, cls.nokeys))
        with open(os.path.join(CAPTURES, TLS[:-len(".pcapng")] + ".json"),
                  encoding="utf-8") as f:
            cls.conns = json.load(f)["connections"]

    def wsclose_frames(self, capture, port, *extra):
        return [r[0] for r in self.ts.fields(capture, ["frame.number"], *extra, "-Y",
                                             "tcp.port == %d && wsclose" % port)]

    def tree_row(self, capture, title):
        out = self.ts.out("-r", self.ts.capture(capture), "-q", "-z", "wsclose,tree")
        for line in out.splitlines():
            if line.startswith(title + " "):
                return int(line[len(title):].split()[0])
        raise AssertionError("no row %r in:\n%s" % (title, out))

    def test_with_keys_labeled(self):
        self.assertEqual(self.dropped, 1)
        wss = [c for c in self.conns if c["transport"] == "wss"]
        self.assertEqual(len(wss), 4)
        self.assertEqual(len(self.wsclose_frames(TLS, 443)),
                         sum(len(c["close_frames"]) for c in wss))
        self.assertEqual(self.tree_row(TLS, "WebSocket connections"), len(self.conns))

    def test_without_keys_nothing(self):
        for extra in ((), ("-2",)):
            with self.subTest(extra=extra):
                self.assertEqual(self.wsclose_frames(self.nokeys, 443, *extra), [])
                # Still TLS records on that port: the traffic is there, undecrypted.
                self.assertGreater(len(self.ts.fields(self.nokeys, ["frame.number"], *extra,
                                                      "-Y", "tls.app_data")), 0)
        ws = [c for c in self.conns if c["transport"] == "ws"]
        self.assertEqual(self.tree_row(self.nokeys, "WebSocket connections"), len(ws))
        self.assertEqual(self.tree_row(self.nokeys, "Close frames"),
                         sum(len(c["close_frames"]) for c in ws))

    def test_readme_tls_section(self):
        tls = " ".join(section(readme(), "wss://").split())
        self.assertIn("Schannel", tls)
        self.assertIn("writes no key log", tls)
        self.assertIn("wsclose shows nothing for that connection", tls)


if __name__ == "__main__":
    unittest.main()

