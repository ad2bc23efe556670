#!/usr/bin/python3
"""wsclose benchmark: tshark with and without the plugin, CPU time, instructions, memory.

    bench/run.sh [--plugin PATH] [--reps N] [--cg-frames N] [--out FILE] [--smoke] ...
    bench/bench.py --perf-test --plugin PATH     the ctest `perf` test (see below)
    bench/run.sh --lua lua/wsclose.lua [--lua-only]   also (or only) the Lua edition

Generates its captures into a temporary directory (bench/benchcaps.py), then:
  1. CPU time (user+sys of the tshark process, from wait4) of every mode on every capture,
     with and without the plugin, alternating (ABAB / BABA per repetition); the ratio is
     the median of the per-repetition ratios.
  2. Instructions per packet with valgrind --tool=callgrind on the first --cg-frames frames
     of each capture (--cg-frames-tree for -V and -T fields, which cost 3-6 times more per
     packet): (Ir(-c N) - Ir(-c 1)) / (N - 1), with and without.  Counts are exact and do
     not depend on the machine's load (bench/cgstart.c also fixes wmem's hash seed, the
     clock and the random bytes libraries draw at start-up), so the runs go in parallel,
     one per CPU: this is the deciding figure.  Next to the modes that
     build every tree item, the ratio of tree items (-T pdml) over the same frames.
  3. Peak RSS (ru_maxrss) with and without at 10k and 100k connections (close-heavy
     capture), as bytes per connection.
Prints the table and writes it as markdown (bench/last-run.md by default).

--perf-test: only step 2, on small captures (about 2,000 frames each), every mode; exit
status 1 when an instruction ratio is over its limit, or when valgrind or cgstart.so (gcc)
is missing: it is a test, and instruction counts are what make it repeatable.

tshark runs as in tests/wsharness.py: as uid 65534 (via setpriv when root, since Wireshark
run as root ignores personal plugins) with a throw-away HOME whose personal plugin folder
holds the plugin, versus a HOME without it.  With --lua, a third HOME whose personal Lua
plugin folder holds the Lua edition gets the same callgrind runs (instructions only, with
the C plugin's arguments): the table gains its instructions per packet and its ratio to the
same runs without a plugin.  Python 3 stdlib only.
"""

import argparse
import concurrent.futures
import datetime
import hashlib
import json
import os
import platform
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time

sys.dont_write_bytecode = True      # nothing written into the checkout
HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(HERE)
sys.path.insert(0, HERE)
sys.path.insert(1, os.path.join(REPO, "tests"))
import benchcaps  # noqa: E402
from wsharness import foreign_copy_message, wsclose_rows  # noqa: E402

NOBODY = 65534
SKIP_EXIT = 77      # ctest's SKIP_RETURN_CODE: the smoke test cannot run

# Limits (instructions per packet, with / without the plugin), the same on every Wireshark
# version.  The close-heavy capture is the worst case by construction (a fifth of all
# packets are close frames, each labelled and analysed), so it gets CLOSE_LIMIT; the modes
# that build every tree item get CLOSE_TREE_LIMIT there, since the wsclose subtree is itself
# about 3 % more tree items on that capture.
WS_LIMIT, CLOSE_LIMIT, CLOSE_TREE_LIMIT, PLAIN_LIMIT = 1.02, 1.03, 1.06, 1.01
FULL_TREE_MODES = ("-V", "-T fields", "-T pdml", "-T json")


def builds_every_item(mode):
    return mode.startswith(FULL_TREE_MODES)


def limit_of(kind, mode):
    """The limit of a mode on a capture of this kind (ws, close, plain)."""
    if kind == "plain":
        return PLAIN_LIMIT
    if kind == "close":
        return CLOSE_TREE_LIMIT if builds_every_item(mode) else CLOSE_LIMIT
    return WS_LIMIT


# Captures: name (= kind), connections, data frames per connection, description.
FULL_CAPTURES = [
    ("ws", 2500, 120,
     "WebSocket-heavy: 2,500 connections x (upgrade, 120 text frames, close + echo, FIN)"),
    ("close", 100000, 0,
     "close-heavy: 100,000 connections x (handshake, upgrade, close + echo, FIN)"),
    ("plain", 2500, 120,
     "WebSocket-free: 2,500 connections, half HTTP/1.1 GET/200 keep-alive, half raw TCP"),
]
SMOKE_CAPTURES = [
    ("ws", 40, 20, "WebSocket-heavy (smoke)"),
    ("close", 400, 0, "close-heavy (smoke)"),
    ("plain", 40, 20, "WebSocket-free (smoke)"),
]
# The perf test: just over PERF_FRAMES packets each (130 per ws connection, 10 per close).
PERF_CAPTURES = [
    ("ws", 16, 120, "WebSocket-heavy: 16 connections x (upgrade, 120 text frames, close, FIN)"),
    ("close", 200, 0, "close-heavy: 200 connections x (handshake, upgrade, close, FIN)"),
    ("plain", 16, 120, "WebSocket-free: 16 connections, half HTTP/1.1, half raw TCP"),
]
PERF_FRAMES, PERF_FRAMES_TREE = 2000, 1000
PACKETS_PER_CLOSE_CONN = 10
V_FRAMES = 30000

# Modes: name, arguments with the plugin, arguments without it (the baseline).
MODES = [
    ("summary", [], []),
    ("-V", ["-V"], ["-V"]),
    ("-Y websocket.opcode==8", ["-Y", "websocket.opcode==8"], ["-Y", "websocket.opcode==8"]),
    # Without the plugin "wsclose" is not a valid filter: the baseline is the filter a user
    # would type for close frames without wsclose (same rows, same filter machinery).
    ("-Y wsclose", ["-Y", "wsclose"], ["-Y", "websocket.opcode==8"]),
    # Baseline: the built-in dissector's close status field.
    ("-T fields -e wsclose.winhttp", ["-T", "fields", "-e", "wsclose.winhttp"],
     ["-T", "fields", "-e", "websocket.payload.close.status_code"]),
    ("-2", ["-2"], ["-2"]),
]


def log(msg):
    print(msg, file=sys.stderr, flush=True)


def wireshark_version():
    out = subprocess.run(["tshark", "-v"], capture_output=True, text=True, check=True).stdout
    first = out.splitlines()[0]             # "TShark (Wireshark) 4.0.17 (...)"
    return first, ".".join(first.split(")")[1].split()[0].split(".")[:2])


class Env:
    """Two HOMEs (with / without the plugin) and the captures, in one temporary directory."""

    def __init__(self, plugin, tmp, lua=None, states=("with", "without")):
        self.tmp = tmp
        self.version_line, mm = wireshark_version()
        self.homes = {}
        for state in states:
            home = os.path.join(tmp, "home-" + state)
            os.makedirs(home)
            if state == "with":
                pdir = os.path.join(home, ".local", "lib", "wireshark", "plugins", mm, "epan")
                os.makedirs(pdir)
                shutil.copy(plugin, pdir)
            elif state == "lua":
                # The personal Lua plugin folder (the C plugin's folder without the version).
                pdir = os.path.join(home, ".local", "lib", "wireshark", "plugins")
                os.makedirs(pdir)
                shutil.copy(lua, os.path.join(pdir, "wsclose.lua"))
            self.homes[state] = home
        for root, dirs, files in os.walk(tmp):
            os.chmod(root, 0o755)
            for f in files:
                os.chmod(os.path.join(root, f), 0o644)
        self.shim = None

    def command(self, state, args, valgrind=None, preload=None):
        # The whole environment, spelt out: a variable that tshark or libc reads (the locale
        # alone moved the counts by 69 instructions per packet) is the same in every run.
        env = ["env", "-i", "HOME=" + self.homes[state], "PATH=/usr/bin:/bin",
               "LC_ALL=C.UTF-8", "TZ=UTC"]
        if valgrind:
            # Without fastbins, what glibc does at exit no longer depends on where the heap
            # happens to lie (on 4.4 the length of HOME moved the -c 1 run that is subtracted).
            env.append("GLIBC_TUNABLES=glibc.malloc.mxfast=0")
        if preload:
            env.append("LD_PRELOAD=" + preload)
        cmd = env + (valgrind or []) + ["tshark"] + list(args)
        if os.geteuid() == 0:
            cmd = ["setpriv", "--reuid=%d" % NOBODY, "--regid=%d" % NOBODY,
                   "--clear-groups"] + cmd
        return cmd

    def run(self, state, args, stdout=subprocess.DEVNULL, **kw):
        """Run tshark; returns (cpu seconds, max RSS bytes, stderr text, stdout text)."""
        out_file = tempfile.TemporaryFile(dir=self.tmp) if stdout is None else None
        err_file = tempfile.TemporaryFile(dir=self.tmp)
        proc = subprocess.Popen(self.command(state, args, **kw), stdout=out_file or stdout,
                                stderr=err_file, cwd=self.homes[state])
        _pid, status, ru = os.wait4(proc.pid, 0)
        proc.returncode = os.waitstatus_to_exitcode(status)
        err_file.seek(0)
        err = err_file.read().decode(errors="replace")
        out = ""
        if out_file:
            out_file.seek(0)
            out = out_file.read().decode(errors="replace")
        if proc.returncode != 0:
            raise RuntimeError("tshark %s (%s) failed (%d): %s"
                               % (" ".join(args), state, proc.returncode, err[-2000:]))
        return ru.ru_utime + ru.ru_stime, ru.ru_maxrss * 1024, err, out


def build_shim(tmp):
    """cgstart.so, or None (then callgrind instruments start-up too: slower, same figures)."""
    src = os.path.join(HERE, "cgstart.c")
    so = os.path.join(tmp, "cgstart.so")
    cc = shutil.which("cc") or shutil.which("gcc")
    if not cc or not os.path.exists("/usr/include/valgrind/callgrind.h"):
        return None
    r = subprocess.run([cc, "-O2", "-shared", "-fPIC", "-o", so, src, "-ldl"],
                       capture_output=True, text=True)
    if r.returncode != 0:
        log("cgstart.so not built (%s): callgrind will instrument start-up" % r.stderr.strip())
        return None
    os.chmod(so, 0o755)
    return so


def callgrind_ir(env, state, args):
    valgrind = ["valgrind", "--tool=callgrind", "--callgrind-out-file=/dev/null"]
    if env.shim:
        valgrind.append("--instr-atstart=no")
    _cpu, _rss, err, _out = env.run(state, args, valgrind=valgrind, preload=env.shim)
    m = re.search(r"Collected : (\d+)", err)
    if not m:
        raise RuntimeError("no callgrind total in: " + err[-1000:])
    return int(m.group(1))


def lua_rows(plugins_output):
    """The wsclose.lua rows of `tshark -G plugins`: [name, version, type, path]."""
    rows = [[c.strip() for c in line.split("\t")] for line in plugins_output.splitlines()]
    return [row for row in rows if row and row[0] == "wsclose.lua"]


def sanity(env, caps):
    """Each HOME loads what it holds (wsclose.so, wsclose.lua, or neither) and nothing
    else, and the ones with wsclose label the close frames."""
    for state in env.homes:
        _c, _r, _e, out = env.run(state, ["-G", "plugins"], stdout=None)
        paths = [row[-1] for row in wsclose_rows(out)]
        foreign = [p for p in paths if not p.startswith(env.homes["with"] + os.sep)] \
            if "with" in env.homes else paths
        if foreign:
            raise SystemExit(foreign_copy_message(foreign))
        if bool(paths) != (state == "with"):
            raise SystemExit("wsclose.so is %sloaded in the %s-plugin HOME"
                             % ("not " if state == "with" else "", state))
        lua = [row[-1] for row in lua_rows(out)]
        if lua != ([os.path.join(env.homes["lua"], ".local", "lib", "wireshark", "plugins",
                                 "wsclose.lua")] if state == "lua" else []):
            raise SystemExit("tshark -G plugins in the %s HOME lists wsclose.lua as %r"
                             % (state, lua))
    path, conns = caps["ws"]["path"], 3
    frames = conns * (caps["ws"]["data"] + 10)
    for state in env.homes:
        if state == "without":
            continue
        _c, _r, err, out = env.run(state, ["-r", path, "-c", str(frames), "-T", "fields",
                                           "-e", "wsclose.winhttp"], stdout=None)
        labels = [line for line in out.splitlines() if line]
        if labels != ["WINHTTP_WEB_SOCKET_SUCCESS_CLOSE_STATUS"] * (2 * conns):
            raise SystemExit("unexpected wsclose labels (%s) on the benchmark capture: %r"
                             % (state, labels[:8]))
        if state == "lua" and err.strip():
            # A Lua error is reported on standard error, and tshark goes on without it.
            raise SystemExit("tshark (%s) wrote to standard error: %s" % (state, err[-2000:]))



def pdml_items(env, state, args):
    """Tree items (<proto> and <field> elements) tshark -T pdml prints: streamed, not kept."""
    proc = subprocess.Popen(env.command(state, list(args) + ["-T", "pdml"]),
                            stdout=subprocess.PIPE, stderr=subprocess.DEVNULL,
                            cwd=env.homes[state])
    items = sum(1 for line in proc.stdout if line.lstrip().startswith((b"<field", b"<proto")))
    if proc.wait() != 0:
        raise RuntimeError("tshark %s -T pdml (%s) failed" % (" ".join(args), state))
    return items


def mode_args(mode_args_, path, count=None):
    args = ["-r", path] + list(mode_args_)
    if count:
        args += ["-c", str(count)]
    return args


def fmt_ratio(r, digits=3):
    return "-" if r is None else "%.*f" % (digits, r)


# -- configuration -------------------------------------------------------------------------

def parse_args():
    ap = argparse.ArgumentParser(description="wsclose benchmark (see bench/README.md)")
    ap.add_argument("--plugin", default=os.environ.get("WSCLOSE_PLUGIN") or
                    os.path.join(REPO, "build", "plugin", "wsclose.so"))
    ap.add_argument("--lua", metavar="FILE", default=None,
                    help="also measure this Lua edition (lua/wsclose.lua): instructions per "
                         "packet and their ratio to the runs without a plugin")
    ap.add_argument("--lua-only", action="store_true",
                    help="with --lua: measure the Lua edition and no C plugin")
    ap.add_argument("--reps", type=int, default=3, help="CPU-time repetitions per mode")
    ap.add_argument("--cpu-frames", type=int, default=50000,
                    help="frames per CPU-time run (first N of each capture; 0: whole file)")
    ap.add_argument("--cg-frames", type=int, default=None,
                    help="frames per callgrind run (first N of each capture; default 30000, "
                         "--perf-test %d)" % PERF_FRAMES)
    ap.add_argument("--cg-frames-tree", type=int, default=None,
                    help="frames per callgrind run in the modes that build and print or "
                         "walk the whole tree (-V, -T fields; default 10000, --perf-test %d)"
                         % PERF_FRAMES_TREE)
    ap.add_argument("--jobs", type=int, default=min(os.cpu_count() or 1, 4),
                    help="callgrind runs in parallel (counts do not depend on it)")
    ap.add_argument("--out", default=None,
                    help="markdown output (default bench/last-run.md; none with --smoke "
                         "or --perf-test)")
    profile = ap.add_mutually_exclusive_group()
    profile.add_argument("--smoke", action="store_true",
                         help="tiny captures, one repetition, one callgrind mode: checks the "
                              "machinery, not the limits (<60 s)")
    profile.add_argument("--perf-test", action="store_true",
                         help="the performance test: instructions only, small captures, "
                              "every mode; fails over a limit or without valgrind (~3 min)")
    ap.add_argument("--no-cpu", action="store_true")
    ap.add_argument("--no-callgrind", action="store_true")
    ap.add_argument("--keep", action="store_true", help="keep the temporary directory")
    ap.add_argument("--counts", metavar="FILE", default=None,
                    help="write every raw count (callgrind totals, tree items) as JSON, to "
                         "compare two runs to the instruction")
    ap.add_argument("--check", action="store_true",
                    help="exit 1 when an instruction ratio is over its limit")
    return resolve_profile(ap.parse_args())


def resolve_profile(a):
    """Fills in what --smoke / --perf-test / the full run measure."""
    a.plugin = os.path.abspath(a.plugin)
    if a.lua_only and not a.lua:
        raise SystemExit("--lua-only needs --lua FILE")
    a.lua = a.lua and os.path.abspath(a.lua)
    a.states = (() if a.lua_only else ("with",)) + ("without",) + (("lua",) if a.lua else ())
    if a.lua_only:
        # CPU time and peak RSS compare the C plugin only.
        a.no_cpu = True
    if a.smoke:
        a.captures, a.reps, frames, frames_tree = SMOKE_CAPTURES, 1, 300, 300
        a.cg_modes = MODES[:1]
    elif a.perf_test:
        a.captures, frames, frames_tree = PERF_CAPTURES, PERF_FRAMES, PERF_FRAMES_TREE
        a.cg_modes, a.no_cpu, a.no_callgrind, a.check = MODES, True, False, True
    else:
        a.captures, frames, frames_tree = FULL_CAPTURES, 30000, 10000
        a.cg_modes = MODES
        if a.out is None:
            a.out = os.path.join(HERE, "last-run.md")
    a.cg_frames = a.cg_frames or frames
    a.cg_frames_tree = min(a.cg_frames_tree or frames_tree, a.cg_frames)
    return a


def check_tools(a):
    """Whether callgrind runs; the perf test fails without valgrind (it would prove nothing)."""
    if not a.lua_only and not os.path.isfile(a.plugin):
        raise SystemExit("plugin not found: %s (build it: cmake --build build)" % a.plugin)
    if a.lua and not os.path.isfile(a.lua):
        raise SystemExit("Lua edition not found: %s" % a.lua)
    have_valgrind = shutil.which("valgrind") is not None
    if a.perf_test and not have_valgrind:
        raise SystemExit("perf test FAILED: valgrind is not installed; the test counts "
                         "instructions with callgrind (Debian package: valgrind)")
    if not a.no_callgrind and not have_valgrind:
        if a.smoke:
            # The smoke test checks the whole machinery: without valgrind it cannot.
            log("valgrind is not installed: install the Debian package valgrind "
                "(scripts/setup.sh --tests installs it); smoke test not run")
            return SKIP_EXIT
        log("valgrind not installed: instruction counts skipped (apt-get install valgrind)")
    return not a.no_callgrind and have_valgrind


# -- measuring -----------------------------------------------------------------------------

def make_captures(a, tmp):
    capdir = os.path.join(tmp, "captures")
    os.makedirs(capdir)
    os.chmod(capdir, 0o755)
    caps = {}
    for kind, conns, data, desc in a.captures:
        path = os.path.join(capdir, kind + ".pcap")
        if kind == "plain":
            packets = benchcaps.write_plain(path, conns, data)
        else:
            packets = benchcaps.write_ws(path, conns, data)
        os.chmod(path, 0o644)
        caps[kind] = dict(path=path, conns=conns, data=data, desc=desc, packets=packets,
                          ws_frames=0 if kind == "plain" else conns * (data + 2))
        log("generated %s: %d packets, %d connections, %d WebSocket frames (%.0f MB)"
            % (kind, packets, conns, caps[kind]["ws_frames"], os.path.getsize(path) / 1e6))
    return caps


def measure_cpu(env, caps, results, a, t_start):
    """CPU time of every mode, with and without, alternating (ABAB, then BABA)."""
    reps = a.reps
    for rep in range(reps):
        order = ("with", "without") if rep % 2 == 0 else ("without", "with")
        for cap, info in caps.items():
            for mode, w_args, wo_args in MODES:
                count = V_FRAMES if mode == "-V" else (a.cpu_frames or None)
                if count and count >= info["packets"]:
                    count = None
                r = results[(cap, mode)]
                cpu = {}
                for state in order:
                    args = mode_args(w_args if state == "with" else wo_args, info["path"], count)
                    cpu[state], _rss, _e, _o = env.run(state, args)
                    r["cpu"][state].append(cpu[state])
                r["ratios"].append(cpu["with"] / cpu["without"])
            log("rep %d/%d %s done (%.0f s)" % (rep + 1, reps, cap, time.monotonic() - t_start))


def measure_rss(env, caps):
    """Peak RSS (summary) at a tenth of the close-heavy connections and at all of them: one
    pair each, it hardly moves.  Returns {connections: {"with": [..], "without": [..]}}."""
    conns = caps["close"]["conns"]
    rss = {}
    for n, frames in ((conns // 10, conns // 10 * PACKETS_PER_CLOSE_CONN), (conns, None)):
        for state in ("with", "without"):
            args = ["-r", caps["close"]["path"]] + (["-c", str(frames)] if frames else [])
            _c, maxrss, _e, _o = env.run(state, args)
            rss.setdefault(n, {"with": [], "without": []})[state].append(maxrss)
    return rss


def frames_for(a, mode, info):
    n = a.cg_frames_tree if builds_every_item(mode) else a.cg_frames
    return min(n, info["packets"])


def instruction_jobs(a, caps):
    """key -> (function, state, args, cost)."""
    jobs = {}
    first = caps["ws"]["path"]      # every capture starts with the same kind of SYN
    for mode, w_args, wo_args in a.cg_modes:
        weight = 6 if builds_every_item(mode) else 1
        for state in a.states:
            args = wo_args if state == "without" else w_args
            jobs[("startup", mode, state)] = (callgrind_ir, state, mode_args(args, first, 1), 0)
            for cap, info in caps.items():
                n = frames_for(a, mode, info)
                jobs[(cap, mode, state)] = (callgrind_ir, state,
                                            mode_args(args, info["path"], n), n * weight)
    if "with" in a.states and any(builds_every_item(mode) for mode, _w, _wo in a.cg_modes):
        for cap, info in caps.items():
            for state in ("with", "without"):
                jobs[(cap, "pdml", state)] = (pdml_items, state, mode_args(
                    [], info["path"], min(a.cg_frames_tree, info["packets"])), 0)
    return jobs


def run_jobs(env, jobs, parallel):
    """Each distinct run once (the -Y wsclose baseline is the -Y websocket.opcode==8 run),
    the costliest first so that the last ones are short; key -> count."""
    runs = {}
    for fn, state, args, cost in jobs.values():
        runs.setdefault((fn, state, tuple(args)), cost)
    with concurrent.futures.ThreadPoolExecutor(max_workers=max(1, parallel)) as pool:
        futures = {run: pool.submit(run[0], env, run[1], run[2])
                   for run in sorted(runs, key=lambda run: -runs[run])}
        done = {run: f.result() for run, f in futures.items()}
    counts = {key: done[(fn, state, tuple(args))]
              for key, (fn, state, args, _cost) in jobs.items()}
    return counts, len(runs)


def measure_instructions(env, caps, results, a):
    """Instructions per packet, (Ir(-c N) - Ir(-c 1)) / (N - 1), and tree items; returns
    the number of tshark runs."""
    counts, runs = run_jobs(env, instruction_jobs(a, caps), a.jobs)
    if a.counts:
        with open(a.counts, "w") as fh:
            json.dump({" | ".join(key): n for key, n in sorted(counts.items())}, fh, indent=1)
            fh.write("\n")
    for cap, info in caps.items():
        for mode, _w, _wo in a.cg_modes:
            n = frames_for(a, mode, info)
            ir = {}
            for state in a.states:
                work = counts[(cap, mode, state)] - counts[("startup", mode, state)]
                if work <= 0:
                    raise RuntimeError("callgrind counted no dissection (%s, %s, %s): did "
                                       "cgstart.so's epan_new() hook run?" % (cap, mode, state))
                ir[state] = work / (n - 1)
            r = results[(cap, mode)]
            r["ir"], r["ir_frames"] = ir, n
            if builds_every_item(mode) and (cap, "pdml", "with") in counts:
                r["items"] = {s: counts[(cap, "pdml", s)] for s in ("with", "without")}
    return runs


# -- report --------------------------------------------------------------------------------

def result_row(cap, mode, r):
    """One table row and whether the instruction ratio is within its limit (None: unknown)."""
    limit = limit_of(cap, mode)
    cpu_ratio = statistics.median(r["ratios"]) if r["ratios"] else None
    # Load from other jobs only ever adds time: the fastest run of each side is the
    # steadier estimate on a shared machine.
    cpu_min_ratio = (min(r["cpu"]["with"]) / min(r["cpu"]["without"])
                     if r["cpu"]["with"] and r["cpu"]["without"] else None)
    cpu_w = statistics.median(r["cpu"]["with"]) if r["cpu"]["with"] else None
    cpu_wo = statistics.median(r["cpu"]["without"]) if r["cpu"]["without"] else None
    ir = r.get("ir")
    ir_ratio = ir["with"] / ir["without"] if ir and "with" in ir else None
    lua_ratio = ir["lua"] / ir["without"] if ir and "lua" in ir else None
    items = r.get("items")
    items_ratio = items["with"] / items["without"] if items else None
    ok = None if ir_ratio is None else ir_ratio <= limit
    cpu_ok = None if cpu_ratio is None else cpu_ratio <= limit
    row = [
        cap, mode,
        "-" if cpu_wo is None else "%.2f" % cpu_wo,
        "-" if cpu_w is None else "%.2f" % cpu_w,
        fmt_ratio(cpu_ratio) + ("" if cpu_ok in (None, True) else " !"),
        fmt_ratio(cpu_min_ratio),
        "-" if not ir else "%.0f" % ir["without"],
        "-" if not ir or "with" not in ir else "%.0f" % ir["with"],
        fmt_ratio(ir_ratio, 4),
        fmt_ratio(items_ratio, 4),
        "%.2f" % limit,
        "-" if ok is None else ("yes" if ok else "NO"),
        "-" if not ir or "lua" not in ir else "%.0f" % ir["lua"],
        fmt_ratio(lua_ratio, 4),
    ]
    return row, ok


HEADER = ["capture", "mode", "CPU s without", "CPU s with", "CPU ratio",
          "CPU ratio of fastest runs", "Ir/pkt without", "Ir/pkt with", "Ir ratio",
          "tree items ratio (-T pdml)", "limit", "meets limit (Ir)", "Ir/pkt Lua",
          "Lua Ir ratio"]


def result_rows(caps, results):
    rows, over = [], []
    for cap in caps:
        for mode, _w, _wo in MODES:
            row, ok = result_row(cap, mode, results[(cap, mode)])
            rows.append(row)
            if ok is False:
                over.append(row)
    return rows, over


def rss_table(rss):
    """Rows of the peak-RSS table and the marginal bytes per connection (or None)."""
    rows = []
    delta = {}
    for conns in sorted(rss):
        w = statistics.median(rss[conns]["with"])
        wo = statistics.median(rss[conns]["without"])
        delta[conns] = w - wo
        rows.append([str(conns), "%.1f" % (wo / 2**20), "%.1f" % (w / 2**20),
                     "%.0f" % ((w - wo) / conns)])
    marginal = None
    if len(delta) == 2:
        c1, c2 = sorted(delta)
        marginal = (delta[c2] - delta[c1]) / (c2 - c1)
    return rows, marginal


RSS_HEADER = ["connections", "peak RSS MiB without", "peak RSS MiB with", "bytes/connection"]


def table(hdr, body, md):
    """Text or markdown table; columns that are "-" in every row are left out."""
    keep = [i for i in range(len(hdr)) if not body or any(row[i] != "-" for row in body)]
    if body and "meets limit (Ir)" in hdr and \
            not any(row[hdr.index("meets limit (Ir)")] != "-" for row in body):
        keep.remove(hdr.index("limit"))         # no C plugin measured: no C limit to show
    hdr = [hdr[i] for i in keep]
    body = [[row[i] for i in keep] for row in body]
    if md:
        lines = ["| " + " | ".join(hdr) + " |", "|" + "---|" * len(hdr)]
        lines += ["| " + " | ".join(row) + " |" for row in body]
        return "\n".join(lines)
    widths = [max(len(x) for x in col) for col in zip(hdr, *body)]
    fmt = "  ".join("%%-%ds" % wd for wd in widths)
    return "\n".join([fmt % tuple(hdr)] + [fmt % tuple(row) for row in body])


def git_output(*args):
    """git's output in the checkout, "" without git (the matrix chroots have none)."""
    try:
        return subprocess.run(["git", "-C", REPO] + list(args), capture_output=True,
                              text=True).stdout.strip()
    except OSError:
        return ""


def run_metadata(env, a, do_cg, timings, total):
    git = git_output("log", "-1", "--format=%h") or "?"
    dirty = git_output("status", "--porcelain", "--", "plugin")
    sha = None
    if "with" in a.states:
        with open(a.plugin, "rb") as fh:
            sha = hashlib.sha256(fh.read()).hexdigest()[:12]
    cpu_model = "?"
    try:
        with open("/proc/cpuinfo") as fh:
            cpu_model = next(l.split(":", 1)[1].strip() for l in fh if l.startswith("model name"))
    except (OSError, StopIteration):
        pass
    plugin = os.path.relpath(a.plugin, REPO) if a.plugin.startswith(REPO) else a.plugin
    meta = [
        "date: %s" % datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M UTC"),
        "tshark: %s" % env.version_line,
    ]
    if sha:
        meta.append("plugin: %s (sha256 %s), checkout %s%s" % (
            plugin, sha, git, " + uncommitted plugin/ changes" if dirty else ""))
    if a.lua:
        with open(a.lua, "rb") as fh:
            lua_sha = hashlib.sha256(fh.read()).hexdigest()[:12]
        lua_dirty = git_output("status", "--porcelain", "--", "lua")
        lua = os.path.relpath(a.lua, REPO) if a.lua.startswith(REPO) else a.lua
        meta.append("Lua edition: %s (sha256 %s), checkout %s%s; instructions only" % (
            lua, lua_sha, git, " + uncommitted lua/ changes" if lua_dirty else ""))
    meta.append("machine: %s, %d CPUs, %s" % (cpu_model, os.cpu_count(), platform.platform()))
    if not a.no_cpu:
        meta.append("CPU time: median of %d alternating with/without pairs, %s (-V: first %d "
                    "frames)" % (a.reps, "first %d frames of each capture" % a.cpu_frames
                                 if a.cpu_frames else "whole captures", V_FRAMES))
    if do_cg:
        meta.append("instructions: callgrind, first %d frames of each capture (-V and -T "
                    "fields: first %d; tree items over the same frames), minus a -c 1 run, "
                    "%d runs in parallel%s"
                    % (a.cg_frames, a.cg_frames_tree, max(1, a.jobs),
                       "" if env.shim else " (start-up instrumented: no cgstart.so)"))
    meta.append("run time: %.0f s (captures %.0f s, CPU %.0f s, callgrind %.0f s)"
                % (total, timings.get("captures", 0), timings.get("cpu", 0),
                   timings.get("callgrind", 0)))
    return meta


def limits_text():
    return ("Limits (instructions per packet, with / without the plugin): %.2fx on the "
            "WebSocket-heavy capture, %.2fx on the WebSocket-free one; on the close-heavy "
            "capture %.2fx, and %.2fx for the modes that build every tree item (%s)."
            % (WS_LIMIT, PLAIN_LIMIT, CLOSE_LIMIT, CLOSE_TREE_LIMIT,
               ", ".join(FULL_TREE_MODES)))


def lua_verdict(rows):
    """What the Lua edition's ratios say against the WebSocket-free limit, or None."""
    col = HEADER.index("Lua Ir ratio")
    plain = [row for row in rows if row[0] == "plain" and row[col] != "-"]
    if not plain:
        return None
    over = ["%s %s" % (row[1], row[col]) for row in plain if float(row[col]) > PLAIN_LIMIT]
    return ("Lua edition on the WebSocket-free capture: " +
            ("every mode within %.2f" % PLAIN_LIMIT if not over
             else "over %.2f in %s" % (PLAIN_LIMIT, "; ".join(over))))


def lua_readme_rows(caps, results, version_line):
    """README's Lua cost table for this Wireshark: one row per capture, the Lua edition's
    instruction ratio (with ÷ without a plugin) in every mode."""
    version = re.search(r"\d+(?:\.\d+)+", version_line.split(")", 1)[1]).group(0)
    lines = ["| Wireshark | capture | " + " | ".join(m for m, _w, _wo in MODES) + " |",
             "|---|---|" + "---|" * len(MODES)]
    for cap in caps:
        cells = []
        for mode, _w, _wo in MODES:
            ir = results[(cap, mode)].get("ir")
            cells.append(fmt_ratio(ir["lua"] / ir["without"], 4) if ir and "lua" in ir
                         else "-")
        lines.append("| %s | %s | %s |" % (version, cap, " | ".join(cells)))
    return lines


def print_report(rows, over, rss, meta, do_cg):
    print()
    print(table(HEADER, rows, False))
    rss_rows, marginal = rss_table(rss)
    if rss_rows:
        print()
        print(table(RSS_HEADER, rss_rows, False))
        if marginal is not None:
            print("marginal: %.0f bytes per additional connection" % marginal)
    print()
    print("\n".join(meta))
    print(limits_text())
    if do_cg and lua_verdict(rows):
        print(lua_verdict(rows))
    if do_cg and any(row[HEADER.index("meets limit (Ir)")] != "-" for row in rows):
        print(verdict(over))
        for row in over:
            print("OVER LIMIT: %s, %s: instruction ratio %s > %s"
                  % (row[0], row[1], row[HEADER.index("Ir ratio")],
                     row[HEADER.index("limit")]))


def readme_rows(caps, results, version_line):
    """README's performance table rows for this Wireshark: one per capture, the instruction
    ratio of every mode (a cell over its limit says so)."""
    # "TShark (Wireshark) 4.0.17 (Git ...)." or "TShark (Wireshark) 4.6.9."
    version = re.search(r"\d+(?:\.\d+)+", version_line.split(")", 1)[1]).group(0)
    lines = ["| Wireshark | capture | " + " | ".join(m for m, _w, _wo in MODES) + " |",
             "|---|---|" + "---|" * len(MODES)]
    for cap in caps:
        cells = []
        for mode, _w, _wo in MODES:
            ir = results[(cap, mode)].get("ir")
            if not ir:
                cells.append("-")
                continue
            ratio, limit = ir["with"] / ir["without"], limit_of(cap, mode)
            cells.append(fmt_ratio(ratio, 4) +
                         ("" if ratio <= limit else " (over %.2f)" % limit))
        lines.append("| %s | %s | %s |" % (version, cap, " | ".join(cells)))
    return lines


def verdict(over):
    return ("every mode within its limit (instructions per packet)" if not over
            else "SOME MODES OVER THEIR LIMIT (instructions per packet)")


def write_markdown(path, caps, rows, over, rss, meta, do_cg):
    md = ["# wsclose benchmark: last run", "",
          "Written by `bench/run.sh` (see bench/README.md). " + limits_text() +
          " Instructions per packet decide, CPU time is the second opinion.", "",
          table(HEADER, rows, True), ""]
    rss_rows, marginal = rss_table(rss)
    if rss_rows:
        md += ["Peak RSS, close-heavy capture (10 packets per connection):", "",
               table(RSS_HEADER, rss_rows, True), ""]
        if marginal is not None:
            md += ["Marginal cost: %.0f bytes per additional connection (between the two "
                   "points)." % marginal, ""]
    md += ["Captures (generated at run time by `bench/benchcaps.py`):", ""]
    md += ["- `%s`: %s; %d packets, %d WebSocket frames" %
           (c, i["desc"], i["packets"], i["ws_frames"]) for c, i in caps.items()] + [""]
    md += ["- " + m for m in meta] + [""]
    if do_cg and any(row[HEADER.index("meets limit (Ir)")] != "-" for row in rows):
        md += ["Verdict: " + verdict(over) + ".", ""]
    if do_cg and lua_verdict(rows):
        md += [lua_verdict(rows) + " (the C plugin's limit for it).", ""]
    with open(path, "w") as fh:
        fh.write("\n".join(md))
    log("wrote %s" % path)


# -- main ----------------------------------------------------------------------------------

def measure(a, do_cg, tmp, timings, t_start):
    """Captures, sanity check, then the measurements; returns (env, caps, results, rss)."""
    env = Env(a.plugin, tmp, a.lua, a.states)
    t0 = time.monotonic()
    caps = make_captures(a, tmp)
    timings["captures"] = time.monotonic() - t0
    sanity(env, caps)
    results = {(cap, mode): {"cpu": {"with": [], "without": []}, "ratios": []}
               for cap in caps for mode, _w, _wo in MODES}
    rss = {}
    if not a.no_cpu:
        t0 = time.monotonic()
        measure_cpu(env, caps, results, a, t_start)
        rss = measure_rss(env, caps)
        timings["cpu"] = time.monotonic() - t0
    if do_cg:
        t0 = time.monotonic()
        env.shim = build_shim(tmp)
        if a.perf_test and not env.shim:
            raise SystemExit("perf test FAILED: cgstart.so could not be built (needs gcc and "
                             "valgrind's callgrind.h; Debian packages gcc, valgrind): without "
                             "its fixed hash seed the counts do not repeat")
        runs = measure_instructions(env, caps, results, a)
        log("callgrind done: %d runs, %d in parallel (%.0f s)"
            % (runs, max(1, a.jobs), time.monotonic() - t_start))
        timings["callgrind"] = time.monotonic() - t0
    return env, caps, results, rss


def main():
    a = parse_args()
    do_cg = check_tools(a)
    t_start = time.monotonic()
    timings = {}
    # In /tmp whatever TMPDIR says: tshark sees paths under it (HOME, the captures), and
    # their length moves the counts (by up to 0.1 %); the random part is always as long.
    tmp = tempfile.mkdtemp(prefix="wsclose-bench-", dir="/tmp")
    try:
        env, caps, results, rss = measure(a, do_cg, tmp, timings, t_start)
    finally:
        if a.keep:
            log("kept %s" % tmp)
        else:
            shutil.rmtree(tmp, ignore_errors=True)
    rows, over = result_rows(caps, results)
    meta = run_metadata(env, a, do_cg, timings, time.monotonic() - t_start)
    print_report(rows, over, rss, meta, do_cg)
    c_measured = "with" in a.states
    if a.perf_test and c_measured:
        print()
        print("README's performance table, this version's rows:")
        print("\n".join(readme_rows(caps, results, env.version_line)))
    if a.lua and do_cg:
        print()
        print("The Lua edition, instructions per packet with ÷ without a plugin:")
        print("\n".join(lua_readme_rows(caps, results, env.version_line)))
    if a.out:
        write_markdown(a.out, caps, rows, over, rss, meta, do_cg)
    if a.perf_test and c_measured:
        print("perf test %s" % ("passed" if not over else "FAILED"))
    return 1 if a.check and over else 0


if __name__ == "__main__":
    sys.exit(main())
