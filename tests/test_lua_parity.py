"""Parity: the Lua edition (lua/wsclose.lua) shows what the C plugin shows.

Every capture in captures/ goes through the real tshark twice, once with the C plugin and once
with the Lua edition (each alone, in its own throw-away HOME, as uid 65534), in one pass and
with -2, and per frame these must be equal:
  - every wsclose item of the tree (-T pdml): each wsclose.* field's name and value, in tree
    order, and the title of each wsclose subtree;
  - every wsclose expert item of the tree (filter name, severity, group, text);
  - the printed summary line (the Info column with the labels);
and, per capture, tshark -z expert's WSCLOSE rows, the whole text of tshark -q -z wsclose,tree
(title, rows, counts, order, rates, bursts, layout) and the whole text of tshark -q -z
wsclose,conv, without and with a display filter (title, filter line, columns, rows, order).  Also the registrations: the same wsclose
fields with the same types (tshark -G fields).

The opening handshake, which the Lua edition checks in every mode, also in a filter on the
protocol alone (LuaUpgradeChecks).

The differences Lua cannot avoid are listed in LUA_DIFFERENCES below, each with its reason
(README, "Lua edition"); a listed difference that no longer occurs fails the test too, so the
list stays exact.
"""

import collections
import glob
import os
import re
import shutil
import unittest
import xml.etree.ElementTree as ET
from concurrent.futures import ThreadPoolExecutor

from test_equality import decode_as
from wsharness import CAPTURES, PASSES, REPO, Tshark, z_expert

LUA_FILE = os.path.join(REPO, "lua", "wsclose.lua")

# (capture, pass, frame) -> why Lua cannot match the C plugin there.  Only frames listed here
# may differ, and each listed frame must differ.
TWO_PASS_ROLES = ("tshark -2 builds no protocol tree in its first pass, so a Lua field "
                  "extractor reads neither tcp.stream nor HTTP's 101 there: that pass tells "
                  "the client by the mask bit and a connection by its address/port pair")
TRUNCATED = ("a WebSocket segment cut short by the capture: the built-in dissector's "
             "BoundsError is caught neither by Dissector:call nor by pcall (it would unwind "
             "through the Lua dissector past Lua's error handling), so the Lua edition gives the built-in dissector only "
             "the frames captured whole; the Info column lacks the built-in text of the cut "
             "frame and the exception's label, the wsclose label and items are the same")
LUA_DIFFERENCES = {
    # The client of one connection does not mask: the first pass takes it for the server.
    ("diag-ends.pcapng", "two-pass", 40): TWO_PASS_ROLES,
    ("diag-ends.pcapng", "two-pass", 42): TWO_PASS_ROLES,
    # Two connections on the same addresses and ports: the first pass takes them for one.
    ("diag-port-reuse.pcapng", "two-pass", 19): TWO_PASS_ROLES,
    ("diag-port-reuse.pcapng", "two-pass", 21): TWO_PASS_ROLES,
    ("diag-port-reuse.pcapng", "two-pass", 23): TWO_PASS_ROLES,
    # The close frame whose status the capture cut off.
    ("malformed.pcapng", "one-pass", 64): TRUNCATED,
    ("malformed.pcapng", "two-pass", 64): TRUNCATED,
}
# (capture, pass) whose tshark -z expert rows differ, because of the frames above.
Z_EXPERT_DIFFERENCES = {
    ("diag-port-reuse.pcapng", "two-pass"): TWO_PASS_ROLES,
}
# (capture, pass) whose tshark -q -z wsclose,tree output differs, because of the frames above.
STATS_TREE_DIFFERENCES = {
    ("diag-ends.pcapng", "two-pass"): TWO_PASS_ROLES,
    ("diag-port-reuse.pcapng", "two-pass"): TWO_PASS_ROLES,
}
# The -z wsclose,conv runs: (name, display filter).  The filter is README's.
CONV_RUNS = (("conv", None), ("conv_abort", "wsclose.abort"))
# (capture, pass, run) whose tshark -q -z wsclose,conv output differs, because of the frames
# above: one connection's client taken for its server (who closed first), two connections
# taken for one.
CONV_DIFFERENCES = {
    ("diag-ends.pcapng", "two-pass", "conv"): TWO_PASS_ROLES,
    ("diag-port-reuse.pcapng", "two-pass", "conv"): TWO_PASS_ROLES,
}


def all_captures():
    return sorted(os.path.basename(p) for p in glob.glob(os.path.join(CAPTURES, "*.pcap*")))


class LuaTshark(Tshark):
    """A HOME whose personal Lua plugin folder holds lua/wsclose.lua (and no C plugin)."""

    def __init__(self):
        super().__init__(with_plugin=False)
        pdir = os.path.join(self.home, ".local", "lib", "wireshark", "plugins")
        os.makedirs(pdir, exist_ok=True)
        shutil.copy(LUA_FILE, pdir)
        for root, _dirs, files in os.walk(self.home):
            os.chmod(root, 0o755)
            for f in files:
                os.chmod(os.path.join(root, f), 0o644)


def tree_items(pdml_text):
    """{frame: [(name, show or title), ...]} of every wsclose element (fields, protocol
    subtrees) in tree order, and {frame: [(abbrev, severity, group, message), ...]} of the
    wsclose expert items."""
    items, experts = {}, {}
    for packet in ET.fromstring(pdml_text).findall("packet"):
        frame = int(packet.find("proto[@name='frame']/field[@name='frame.number']").get("show"))
        found, exp = [], []
        for elem in packet.iter():
            name = elem.get("name") or ""
            if name == "wsclose":
                found.append((name, elem.get("showname")))
            elif name.startswith("wsclose."):
                found.append((name, elem.get("show")))
            elif name == "_ws.expert":
                abbrev = [c.get("name") for c in elem if not c.get("name").startswith("_ws.")]
                if len(abbrev) == 1 and abbrev[0].startswith("wsclose."):
                    shown = {c.get("name"): c for c in elem}
                    exp.append((abbrev[0], shown["_ws.expert.severity"].get("showname"),
                                shown["_ws.expert.group"].get("showname"),
                                shown["_ws.expert.message"].get("show")))
        if found:
            items[frame] = found
        if exp:
            experts[frame] = exp
    return items, experts


def summary_lines(text):
    """{frame: printed summary line}."""
    out = {}
    for line in text.splitlines():
        m = re.match(r"^\s*(\d+)\s", line)
        if m:
            out[int(m.group(1))] = line
    return out


def registered_fields(text):
    """{abbrev: (type, base)} of the wsclose fields tshark -G fields lists."""
    out = {}
    for line in text.splitlines():
        cols = line.split("\t")
        if cols[0] == "F" and cols[2].startswith("wsclose."):
            out[cols[2]] = cols[3]
    return out


class LuaParity(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.c = Tshark()
        cls.lua = LuaTshark()
        if not cls.c.plugin_loaded():
            raise AssertionError("wsclose.so is not loaded by tshark (tshark -G plugins)")
        jobs = {}
        for cap in all_captures():
            da = decode_as(cap)
            for edition, ts in (("c", cls.c), ("lua", cls.lua)):
                path = ts.capture(cap)
                for pname, pargs in PASSES:
                    jobs[(cap, edition, pname, "pdml")] = (ts, ["-r", path, "-T", "pdml"] + pargs
                                                           + da)
                    jobs[(cap, edition, pname, "lines")] = (ts, ["-r", path] + pargs + da)
                    jobs[(cap, edition, pname, "expert")] = (ts, ["-r", path, "-q", "-z",
                                                                  "expert"] + pargs + da)
                    jobs[(cap, edition, pname, "stats")] = (ts, ["-r", path, "-q", "-z",
                                                                 "wsclose,tree"] + pargs + da)
                    for run, dfilter in CONV_RUNS:
                        z = "wsclose,conv" + ("," + dfilter if dfilter else "")
                        jobs[(cap, edition, pname, run)] = (ts, ["-r", path, "-q", "-z", z] +
                                                            pargs + da)
        with ThreadPoolExecutor(max_workers=2) as pool:
            futures = {k: pool.submit(ts.run, *args) for k, (ts, args) in jobs.items()}
            cls.runs = {k: f.result() for k, f in futures.items()}
        cls.fields = {"c": cls.c.out("-G", "fields"), "lua": cls.lua.out("-G", "fields")}

    @classmethod
    def tearDownClass(cls):
        cls.c.close()
        cls.lua.close()

    def out(self, cap, edition, pname, kind):
        return self.runs[(cap, edition, pname, kind)].stdout

    def test_lua_runs_without_error(self):
        # Every capture, the malformed ones included: no Lua error on stderr or in the tree.
        lua_runs = 0
        for (cap, edition, pname, kind), proc in self.runs.items():
            if edition == "lua":
                lua_runs += 1
                self.assertNotIn("Lua", proc.stderr, (cap, pname, kind))
                self.assertNotIn("Lua Error", proc.stdout, (cap, pname, kind))
                self.assertEqual(proc.returncode, 0, (cap, pname, kind, proc.stderr))
        self.assertEqual(lua_runs, len(all_captures()) * len(PASSES) * (4 + len(CONV_RUNS)))

    def test_lua_edition_loaded(self):
        self.assertIn("wsclose.lua", self.lua.out("-G", "plugins"))
        self.assertNotIn("wsclose.so", self.lua.out("-G", "plugins"))

    def test_same_fields_registered(self):
        c, lua = registered_fields(self.fields["c"]), registered_fields(self.fields["lua"])
        self.assertIn("wsclose.status", c)
        self.assertEqual(lua, c)

    def test_frame_by_frame(self):
        differing = {}
        compared = collections.Counter()
        for cap in all_captures():
            for pname, _ in PASSES:
                c_items, c_exp = tree_items(self.out(cap, "c", pname, "pdml"))
                l_items, l_exp = tree_items(self.out(cap, "lua", pname, "pdml"))
                c_lines = summary_lines(self.out(cap, "c", pname, "lines"))
                l_lines = summary_lines(self.out(cap, "lua", pname, "lines"))
                self.assertEqual(sorted(c_lines), sorted(l_lines), (cap, pname))
                compared[pname] += 1
                for frame in sorted(c_lines):
                    what = []
                    if c_items.get(frame) != l_items.get(frame):
                        what.append("fields: C %r\n   Lua %r" % (c_items.get(frame),
                                                               l_items.get(frame)))
                    if c_exp.get(frame) != l_exp.get(frame):
                        what.append("experts: C %r\n   Lua %r" % (c_exp.get(frame),
                                                                l_exp.get(frame)))
                    if c_lines[frame] != l_lines[frame]:
                        what.append("line: C %r\n   Lua %r" % (c_lines[frame], l_lines[frame]))
                    if what:
                        differing[(cap, pname, frame)] = what
        unexpected = {k: v for k, v in differing.items() if k not in LUA_DIFFERENCES}
        gone = sorted(k for k in LUA_DIFFERENCES if k not in differing)
        report = ["%s %s frame %d:\n  %s" % (k + ("\n  ".join(v),))
                  for k, v in sorted(unexpected.items())]
        print("compared %d captures in %s; %d frames differ (%d listed as Lua's)"
              % (len(all_captures()), ", ".join("%s %d" % kv for kv in sorted(compared.items())),
                 len(differing), len(differing) - len(unexpected)))
        self.assertEqual(report, [], "\n".join(report[:40]))
        self.assertEqual(gone, [], "listed differences that no longer occur")

    def test_z_expert(self):
        for cap in all_captures():
            for pname, _ in PASSES:
                with self.subTest(capture=cap, passes=pname):
                    c = z_expert(self.out(cap, "c", pname, "expert"))
                    lua = z_expert(self.out(cap, "lua", pname, "expert"))
                    if (cap, pname) in Z_EXPERT_DIFFERENCES:
                        self.assertNotEqual(lua, c, "listed difference no longer occurs")
                    else:
                        self.assertEqual(lua, c)

    def test_stats_tree(self):
        # The whole printed tree, character for character.
        differing = []
        for cap in all_captures():
            for pname, _ in PASSES:
                c = self.out(cap, "c", pname, "stats")
                lua = self.out(cap, "lua", pname, "stats")
                self.assertIn("\nWebSocket Close Status (WinHTTP):\n", c, (cap, pname))
                if lua != c:
                    differing.append((cap, pname))
        print("tshark -q -z wsclose,tree: %d captures x %d passes, differing: %r"
              % (len(all_captures()), len(PASSES), differing))
        self.assertEqual(sorted(differing), sorted(STATS_TREE_DIFFERENCES))

    def test_conv_table(self):
        # The whole printed table, character for character.
        differing, rows = [], 0
        for cap in all_captures():
            for pname, _ in PASSES:
                for run, dfilter in CONV_RUNS:
                    c = self.out(cap, "c", pname, run)
                    lua = self.out(cap, "lua", pname, run)
                    lines = c.splitlines()
                    self.assertEqual(lines[2:4], ["WebSocket Connections (WinHTTP Close Status):",
                                                  "Filter for statistics: " + (dfilter or "")],
                                     (cap, pname, run))
                    rows += sum(1 for line in lines if re.match(r"^\d+ \|", line))
                    if lua != c:
                        differing.append((cap, pname, run))
        print("tshark -q -z wsclose,conv: %d captures x %d passes x %d runs, %d rows, "
              "differing: %r" % (len(all_captures()), len(PASSES), len(CONV_RUNS), rows,
                                 differing))
        self.assertGreater(rows, 0)
        self.assertEqual(sorted(differing), sorted(CONV_DIFFERENCES))


if __name__ == "__main__":
    unittest.main()


# wsclose's preferences, each away from its default: the same in both editions.
PREFERENCE_RUNS = (["-o", "wsclose.name_set:websocket_h"], ["-o", "wsclose.name_set:dotnet"],
                   ["-o", "wsclose.name_set:iana"], ["-o", "wsclose.name_set:none"],
                   ["-o", "wsclose.chat_items:FALSE"], ["-o", "wsclose.close_timeout:1"])
PREFERENCE_CAPTURES = ("classes.pcapng", "diag-ends.pcapng", "enum-codes.pcapng")


class LuaPreferences(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.c = Tshark()
        cls.lua = LuaTshark()
        jobs = {}
        for cap in PREFERENCE_CAPTURES:
            for i, prefs in enumerate(PREFERENCE_RUNS):
                for edition, ts in (("c", cls.c), ("lua", cls.lua)):
                    path = ts.capture(cap)
                    jobs[(cap, i, edition, "pdml")] = (ts, ["-r", path, "-T", "pdml"] + prefs)
                    jobs[(cap, i, edition, "lines")] = (ts, ["-r", path] + prefs)
        with ThreadPoolExecutor(max_workers=2) as pool:
            futures = {k: pool.submit(ts.out, *args) for k, (ts, args) in jobs.items()}
            cls.out = {k: f.result() for k, f in futures.items()}

    @classmethod
    def tearDownClass(cls):
        cls.c.close()
        cls.lua.close()

    def test_same_output(self):
        for cap in PREFERENCE_CAPTURES:
            for i, prefs in enumerate(PREFERENCE_RUNS):
                with self.subTest(capture=cap, prefs=prefs):
                    c_items, c_exp = tree_items(self.out[(cap, i, "c", "pdml")])
                    l_items, l_exp = tree_items(self.out[(cap, i, "lua", "pdml")])
                    self.assertTrue(c_items)
                    self.assertEqual(l_items, c_items)
                    self.assertEqual(l_exp, c_exp)
                    self.assertEqual(summary_lines(self.out[(cap, i, "lua", "lines")]),
                                     summary_lines(self.out[(cap, i, "c", "lines")]))


class LuaStepsAside(unittest.TestCase):
    """The C plugin and the Lua edition both installed: the C plugin works as alone, and the
    Lua edition says once, on stderr, that it stays inactive."""

    def test_steps_aside(self):
        both = Tshark()
        alone = Tshark()
        try:
            pdir = os.path.join(both.home, ".local", "lib", "wireshark", "plugins")
            shutil.copy(LUA_FILE, pdir)
            os.chmod(os.path.join(pdir, "wsclose.lua"), 0o644)
            for cap in ("diag-ends.pcapng", "enum-codes.pcapng"):
                proc = both.run("-r", both.capture(cap))
                self.assertEqual(proc.stderr.splitlines(),
                                 ["wsclose.lua: the wsclose C plugin is loaded, so the Lua "
                                  "edition stays inactive"])
                self.assertEqual(proc.stdout, alone.out("-r", alone.capture(cap)))
            plugins = both.out("-G", "plugins")
            self.assertIn("wsclose.so", plugins)
            self.assertIn("wsclose.lua", plugins)
        finally:
            both.close()
            alone.close()


class LuaUpgradeChecks(unittest.TestCase):
    """The Lua edition checks the opening handshake in every mode (README, "Lua edition"): a
    filter on the protocol alone selects the Upgrade responses with problems too, where the C
    plugin's selects the close frames and aborts only."""

    def test_filter_on_the_protocol(self):
        from test_upgrade import CAPTURE, expected_items

        c, lua = Tshark(), LuaTshark()
        try:
            frames = {}
            for edition, ts in (("c", c), ("lua", lua)):
                out = ts.out("-r", ts.capture(CAPTURE), "-Y", "wsclose", "-T", "fields",
                             "-e", "frame.number")
                frames[edition] = [int(line) for line in out.split()]
        finally:
            c.close()
            lua.close()
        responses = sorted(expected_items())
        self.assertEqual(len(responses), 11)
        self.assertTrue(frames["c"])
        self.assertEqual([f for f in frames["c"] if f in responses], [])
        self.assertEqual(frames["lua"], sorted(frames["c"] + responses))
