"""Robustness of the Lua edition: malformed and cut input raises no Lua error.

Every capture in captures/ (the malformed ones and the fuzz regression included), and
mutated copies of each (bytes changed at random past the TCP/IP headers with fixed seeds, and
every packet cut by a snaplen), through tshark with lua/wsclose.lua: tshark exits as it does
without the Lua edition, prints no Lua error on stderr, and its tree (-T pdml) holds no
"Lua Error" item.  The cut copies are where the built-in dissector throws the exception that
Dissector:call does not catch (the Lua edition hands it only the frames captured whole).
"""

import glob
import os
import subprocess
import sys
import unittest
from concurrent.futures import ThreadPoolExecutor

from test_equality import decode_as
from test_lua_parity import LuaTshark
from wsharness import CAPTURES, Tshark

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "fuzz"))
from fuzz import py_edit  # noqa: E402  (the fuzz slice's editor for pcapng editcap rejects)

SEEDS = (11, 12)
RATE = 0.02
SKIP = 54  # Ethernet, IPv4 and TCP headers: the mutations reach the payloads
SNAPLENS = (60, 70)


def variants(src, work):
    """(name, path) of the mutated copies of a capture."""
    base = os.path.basename(src)
    out = []
    for seed in SEEDS:
        dst = os.path.join(work, "%s.E%d.pcapng" % (base, seed))
        proc = subprocess.run(["editcap", "-E", str(RATE), "--seed", str(seed), "-o", str(SKIP),
                               src, dst], capture_output=True, text=True)
        if proc.returncode != 0:
            py_edit(src, dst, RATE, seed, SKIP, None)
        out.append(("%s -E seed %d" % (base, seed), dst))
    for snaplen in SNAPLENS:
        dst = os.path.join(work, "%s.s%d.pcapng" % (base, snaplen))
        proc = subprocess.run(["editcap", "-s", str(snaplen), src, dst], capture_output=True,
                              text=True)
        if proc.returncode != 0:
            py_edit(src, dst, 0.0, 0, 0, snaplen)
        out.append(("%s -s %d" % (base, snaplen), dst))
    return out


def run_bytes(ts, args):
    """tshark's exit status, stdout and stderr as bytes: mutated payloads are not UTF-8."""
    return subprocess.run(ts.command(args), capture_output=True, timeout=300, cwd=ts.home)


class LuaRobustness(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.lua = LuaTshark()
        cls.bare = Tshark(with_plugin=False)
        work = os.path.join(cls.lua.home, "mutated")
        os.makedirs(work)
        cls.inputs = []
        for src in sorted(glob.glob(os.path.join(CAPTURES, "*.pcap*"))):
            da = decode_as(os.path.basename(src))
            cls.inputs.append((os.path.basename(src), cls.lua.capture(os.path.basename(src)), da))
            for name, path in variants(src, work):
                cls.inputs.append((name, path, da))
        for root, _dirs, files in os.walk(cls.lua.home):
            os.chmod(root, 0o755)
            for f in files:
                os.chmod(os.path.join(root, f), 0o644)
        jobs = {}
        for name, path, da in cls.inputs:
            jobs[(name, "lua")] = (cls.lua, ["-r", path, "-T", "pdml"] + da)
            jobs[(name, "bare")] = (cls.bare, ["-r", path, "-T", "pdml"] + da)
        with ThreadPoolExecutor(max_workers=2) as pool:
            futures = {k: pool.submit(run_bytes, ts, args) for k, (ts, args) in jobs.items()}
            cls.runs = {k: f.result() for k, f in futures.items()}

    @classmethod
    def tearDownClass(cls):
        cls.lua.close()
        cls.bare.close()

    def test_no_lua_error(self):
        self.assertGreaterEqual(len(self.inputs), 27 * (1 + len(SEEDS) + len(SNAPLENS)))
        labeled = 0
        for name, _path, _da in self.inputs:
            with self.subTest(input=name):
                lua, bare = self.runs[(name, "lua")], self.runs[(name, "bare")]
                self.assertEqual(lua.returncode, bare.returncode, lua.stderr)
                self.assertNotIn(b"Lua", lua.stderr)
                self.assertNotIn(b"Lua Error", lua.stdout)
                labeled += b'name="wsclose"' in lua.stdout
        # The mutations leave most close frames in place: the Lua edition still labels them.
        self.assertGreater(labeled, len(self.inputs) // 2)


if __name__ == "__main__":
    unittest.main()
