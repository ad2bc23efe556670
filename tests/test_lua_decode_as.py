"""The Lua edition through Decode As: a WebSocket connection found without an HTTP upgrade.

The C plugin's wrapper takes the built-in WebSocket handle's place in tcp.port's Decode As
list, so `-d tcp.port==N,websocket` labels close frames.  A Lua script can only add its own
Proto to that list (DissectorTable:add_for_decode_as), so the Lua edition is chosen by its own
name, `-d tcp.port==N,wsclose`, and calls the built-in dissector from there.  With those two
equivalent commands both editions must show the same: every wsclose item of the tree, every
wsclose expert item, the printed summary line of every frame, tshark -z expert's WSCLOSE rows
and the -z wsclose,tree text, in one pass and with -2.

Captures: altport.pcapng without its HTTP request and 101 (the capture starts after the
handshake, what Decode As is for), and enum-codes.pcapng with port 80 decoded as WebSocket
over its handshakes (the handshake bytes read as WebSocket frames: Decode As applied where
README says not to, which both editions must get equally wrong).
"""

import os
import subprocess
import unittest

from test_lua_parity import LuaTshark, summary_lines, tree_items
from wsharness import PASSES, Tshark, z_expert

# (capture, Decode As port, the wsclose.status values one pass shows, in frame order)
CASES = (("midstream.pcapng", 9001, ["4001", "4001"]),
         ("enum-codes.pcapng", 80, None))


def midstream(ts):
    """altport.pcapng without the HTTP request and the 101 (frames 4 and 6), in ts's HOME."""
    src = ts.capture("altport.pcapng")
    dst = os.path.join(ts.capdir, "midstream.pcapng")
    if not os.path.exists(dst):
        subprocess.run(["editcap", src, dst, "4", "6"], check=True)
        os.chmod(dst, 0o644)
    return dst


class LuaDecodeAs(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.c = Tshark()
        cls.lua = LuaTshark()
        if not cls.c.plugin_loaded():
            raise AssertionError("wsclose.so is not loaded by tshark (tshark -G plugins)")
        cls.runs = {}
        for cap, port, _ in CASES:
            for edition, ts, proto in (("c", cls.c, "websocket"), ("lua", cls.lua, "wsclose")):
                path = midstream(ts) if cap == "midstream.pcapng" else ts.capture(cap)
                da = ["--disable-heuristic", "http_tcp", "-d", "tcp.port==%d,%s" % (port, proto)]
                for pname, pargs in PASSES:
                    base = ["-r", path] + pargs + da
                    for kind, extra in (("pdml", ["-T", "pdml"]), ("lines", []),
                                        ("expert", ["-q", "-z", "expert"]),
                                        ("stats", ["-q", "-z", "wsclose,tree"]),
                                        ("status", ["-Y", "wsclose.status", "-T", "fields",
                                                    "-e", "wsclose.status"])):
                        cls.runs[(cap, edition, pname, kind)] = ts.run(*(base + extra))

    @classmethod
    def tearDownClass(cls):
        cls.c.close()
        cls.lua.close()

    def out(self, cap, edition, pname, kind):
        return self.runs[(cap, edition, pname, kind)].stdout

    def test_no_lua_error(self):
        for (cap, edition, pname, kind), proc in self.runs.items():
            if edition == "lua":
                self.assertNotIn("Lua", proc.stderr, (cap, pname, kind))
                self.assertNotIn("Lua Error", proc.stdout, (cap, pname, kind))

    def test_labels_mid_stream(self):
        # Not only equal: the close frames of the connection without its handshake are there.
        for cap, _, statuses in CASES:
            if statuses is None:
                continue
            for edition in ("c", "lua"):
                self.assertEqual(self.out(cap, edition, "one-pass", "status").split(), statuses,
                                 (cap, edition))

    def test_same_items_and_lines(self):
        for cap, _, _ in CASES:
            for pname, _ in PASSES:
                with self.subTest(capture=cap, passes=pname):
                    c_items, c_exp = tree_items(self.out(cap, "c", pname, "pdml"))
                    l_items, l_exp = tree_items(self.out(cap, "lua", pname, "pdml"))
                    self.assertTrue(c_items)
                    self.assertEqual(l_items, c_items)
                    self.assertEqual(l_exp, c_exp)
                    c_lines = summary_lines(self.out(cap, "c", pname, "lines"))
                    self.assertTrue(c_lines)
                    self.assertEqual(summary_lines(self.out(cap, "lua", pname, "lines")),
                                     c_lines)

    def test_same_z_expert_and_stats_tree(self):
        rows = 0
        for cap, _, _ in CASES:
            for pname, _ in PASSES:
                with self.subTest(capture=cap, passes=pname):
                    c = z_expert(self.out(cap, "c", pname, "expert"))
                    rows += len(c)
                    self.assertEqual(z_expert(self.out(cap, "lua", pname, "expert")), c)
                    c = self.out(cap, "c", pname, "stats")
                    self.assertIn("\nWebSocket Close Status (WinHTTP):\n", c)
                    self.assertEqual(self.out(cap, "lua", pname, "stats"), c)
        # Private-use codes (the mid-stream capture's 4001) have no chat item: enum-codes'
        # rows are what is compared.
        self.assertGreater(rows, 0)


class LuaDecodeAsNames(unittest.TestCase):
    """What README says of the names: with the Lua edition, `,websocket` is the built-in
    dissector alone (no labels), and `,wsclose` adds its protocol layer before it."""

    def test_names(self):
        lua = LuaTshark()
        try:
            path = midstream(lua)
            rows = {}
            for proto in ("websocket", "wsclose"):
                out = lua.out("-r", path, "--disable-heuristic", "http_tcp", "-d",
                              "tcp.port==9001,%s" % proto, "-Y", "websocket.opcode == 8",
                              "-T", "fields", "-e", "wsclose.status", "-e", "frame.protocols")
                rows[proto] = [line.split("\t") for line in out.splitlines()]
            self.assertEqual(rows["websocket"], [["", "eth:ethertype:ip:tcp:websocket"]] * 2)
            self.assertEqual(rows["wsclose"],
                             [["4001", "eth:ethertype:ip:tcp:wsclose:websocket"]] * 2)
        finally:
            lua.close()


if __name__ == "__main__":
    unittest.main()
