#!/usr/bin/python3
"""What the parts of a Lua plugin cost tshark on traffic without WebSocket.

    bench/lua_parts.py [--frames N] [--jobs N] [--lua FILE] [-- TSHARK ARGS...]

Runs tshark under callgrind, as bench.py's step 5 does (cgstart.so, the pinned environment,
uid 65534, a throw-away HOME per script), on the perf test's WebSocket-free capture, once
without a plugin and once per Lua script below, each alone in its HOME's personal Lua plugin
folder; prints instructions per packet, (Ir(-c N) - Ir(-c 1)) / (N - 1), and the ratio to
the run without a plugin.  With --lua, the Lua edition itself is one more row.  README's Lua
section quotes these rows.  Python 3 stdlib only.
"""

import argparse
import concurrent.futures
import os
import shutil
import sys
import tempfile

sys.dont_write_bytecode = True
HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
sys.path.insert(1, os.path.join(os.path.dirname(HERE), "tests"))
import bench  # noqa: E402
import benchcaps  # noqa: E402

PARTS = [
    ("a Proto in http.upgrade", """
local p = Proto("wsclosepart", "part")
function p.dissector(tvb, pinfo, tree) end
DissectorTable.get("http.upgrade"):add("wsclosepart", p)
"""),
    ("one field extractor", """
local f = Field.new("tcp.flags")
"""),
    ("a postdissector that does nothing", """
local p = Proto("wsclosepart", "part")
function p.dissector(tvb, pinfo, tree) end
register_postdissector(p)
"""),
    ("a tcp Listener that does nothing", """
local l = Listener.new("tcp")
function l.packet(pinfo, tvb, info) end
"""),
]


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--frames", type=int, default=bench.PERF_FRAMES)
    ap.add_argument("--jobs", type=int, default=2)
    ap.add_argument("--lua", metavar="FILE", help="the Lua edition, as one more row")
    ap.add_argument("tshark_args", nargs="*", help="after --: a mode, e.g. -- -V")
    a = ap.parse_args()
    tmp = tempfile.mkdtemp(prefix="wsclose-bench-", dir="/tmp")
    try:
        env = bench.Env(None, tmp, states=("without",))
        rows = [(name, text) for name, text in PARTS]
        if a.lua:
            with open(a.lua) as fh:
                rows.append(("the Lua edition (%s)" % os.path.basename(a.lua), fh.read()))
        for i, (_name, text) in enumerate(rows):
            pdir = os.path.join(tmp, "home-%d" % i, ".local", "lib", "wireshark", "plugins")
            os.makedirs(pdir)
            with open(os.path.join(pdir, "wsclose.lua"), "w") as fh:
                fh.write(text)
            env.homes[i] = os.path.join(tmp, "home-%d" % i)
        _kind, conns, data, _desc = [c for c in bench.PERF_CAPTURES if c[0] == "plain"][0]
        cap = os.path.join(tmp, "plain.pcap")
        benchcaps.write_plain(cap, conns, data)
        for root, _dirs, files in os.walk(tmp):
            os.chmod(root, 0o755)
            for f in files:
                os.chmod(os.path.join(root, f), 0o644)
        env.shim = bench.build_shim(tmp)
        if not env.shim:
            raise SystemExit("cgstart.so could not be built (gcc, valgrind's callgrind.h)")
        runs = {(state, n): ["-r", cap, "-c", str(n)] + a.tshark_args
                for state in env.homes for n in (1, a.frames)}
        with concurrent.futures.ThreadPoolExecutor(max_workers=max(1, a.jobs)) as pool:
            futures = {key: pool.submit(bench.callgrind_ir, env, key[0], args)
                       for key, args in runs.items()}
            ir = {key: f.result() for key, f in futures.items()}
        per = {state: (ir[(state, a.frames)] - ir[(state, 1)]) / (a.frames - 1)
               for state in env.homes}
        print("WebSocket-free capture, %d frames, tshark %s"
              % (a.frames, " ".join(a.tshark_args) or "(summary: no arguments)"))
        print("%-45s %12s %8s" % ("", "Ir/packet", "ratio"))
        print("%-45s %12.1f %8s" % ("without a plugin", per["without"], "1.0000"))
        for i, (name, _text) in enumerate(rows):
            print("%-45s %12.1f %8.4f" % (name, per[i], per[i] / per["without"]))
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
