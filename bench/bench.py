#!/usr/bin/python3
"""wsclose benchmark: tshark with and without the plugin, CPU time, instructions, memory.

    bench/run.sh [--plugin PATH] [--reps N] [--cg-frames N] [--out FILE] [--smoke] ...

Generates its captures into a temporary directory (bench/benchcaps.py), then:
  1. CPU time (user+sys of the tshark process, from wait4) of every mode on every capture,
     with and without the plugin, alternating (ABAB / BABA per repetition); the ratio is
     the median of the per-repetition ratios.
  2. Instructions per packet with valgrind --tool=callgrind on the first --cg-frames frames
     of each capture (--cg-frames-tree for -V and -T fields, which cost 3-6 times more per
     packet): (Ir(-c N) - Ir(-c 1)) / (N - 1), with and without.  Counts are exact and do
     not depend on the machine's load (bench/cgstart.c also fixes wmem's hash seed), so the
     runs go in parallel, one per CPU: this is the deciding figure.
  3. Peak RSS (ru_maxrss) with and without at 10k and 100k connections (close-heavy
     capture), as bytes per connection.
Prints the table and writes it as markdown (bench/last-run.md by default).

tshark runs as in tests/wsharness.py: as uid 65534 (via setpriv when root, since Wireshark
run as root ignores personal plugins) with a throw-away HOME whose personal plugin folder
holds the plugin, versus a HOME without it.  Python 3 stdlib only.
"""

import argparse
import concurrent.futures
import datetime
import hashlib
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
WS_LIMIT, PLAIN_LIMIT = 1.02, 1.01

# Captures: name, kind, connections, data frames per connection, limit, description.
FULL_CAPTURES = [
    ("ws", "ws", 2500, 120, WS_LIMIT,
     "WebSocket-heavy: 2,500 connections x (upgrade, 120 text frames, close + echo, FIN)"),
    ("close", "close", 100000, 0, WS_LIMIT,
     "close-heavy: 100,000 connections x (handshake, upgrade, close + echo, FIN)"),
    ("plain", "plain", 2500, 120, PLAIN_LIMIT,
     "WebSocket-free: 2,500 connections, half HTTP/1.1 GET/200 keep-alive, half raw TCP"),
]
SMOKE_CAPTURES = [
    ("ws", "ws", 40, 20, WS_LIMIT, "WebSocket-heavy (smoke)"),
    ("close", "close", 400, 0, WS_LIMIT, "close-heavy (smoke)"),
    ("plain", "plain", 40, 20, PLAIN_LIMIT, "WebSocket-free (smoke)"),
]
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

    def __init__(self, plugin, tmp):
        self.tmp = tmp
        self.version_line, mm = wireshark_version()
        self.homes = {}
        for state in ("with", "without"):
            home = os.path.join(tmp, "home-" + state)
            os.makedirs(home)
            if state == "with":
                pdir = os.path.join(home, ".local", "lib", "wireshark", "plugins", mm, "epan")
                os.makedirs(pdir)
                shutil.copy(plugin, pdir)
            self.homes[state] = home
        for root, dirs, files in os.walk(tmp):
            os.chmod(root, 0o755)
            for f in files:
                os.chmod(os.path.join(root, f), 0o644)
        self.shim = None

    def command(self, state, args, valgrind=None, preload=None):
        env = ["env", "-i", "HOME=" + self.homes[state], "PATH=/usr/bin:/bin",
               "LC_ALL=C.UTF-8"]
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


def sanity(env, caps):
    """The plugin is loaded in one HOME and not in the other, and labels close frames."""
    for state, want in (("with", True), ("without", False)):
        _c, _r, _e, out = env.run(state, ["-G", "plugins"], stdout=None)
        paths = [row[-1] for row in wsclose_rows(out)]
        foreign = [p for p in paths if not p.startswith(env.homes["with"] + os.sep)]
        if foreign:
            raise SystemExit(foreign_copy_message(foreign))
        if bool(paths) != want:
            raise SystemExit("wsclose.so is %sloaded in the %s-plugin HOME"
                             % ("not " if want else "", state))
    path, conns = caps["ws"]["path"], 3
    frames = conns * (caps["ws"]["data"] + 10)
    _c, _r, _e, out = env.run("with", ["-r", path, "-c", str(frames), "-T", "fields",
                                       "-e", "wsclose.winhttp"], stdout=None)
    labels = [line for line in out.splitlines() if line]
    if labels != ["WINHTTP_WEB_SOCKET_SUCCESS_CLOSE_STATUS"] * (2 * conns):
        raise SystemExit("unexpected wsclose labels on the benchmark capture: %r" % labels[:8])


def mode_args(mode_args_, path, count=None):
    args = ["-r", path] + list(mode_args_)
    if count:
        args += ["-c", str(count)]
    return args


def cg_mode_frames(mode, frames, frames_tree):
    return frames_tree if mode in ("-V", "-T fields -e wsclose.winhttp") else frames


def fmt_ratio(r):
    return "-" if r is None else "%.3f" % r


def main():
    ap = argparse.ArgumentParser(description="wsclose benchmark (see bench/README.md)")
    ap.add_argument("--plugin", default=os.environ.get("WSCLOSE_PLUGIN") or
                    os.path.join(REPO, "build", "plugin", "wsclose.so"))
    ap.add_argument("--reps", type=int, default=3, help="CPU-time repetitions per mode")
    ap.add_argument("--cpu-frames", type=int, default=50000,
                    help="frames per CPU-time run (first N of each capture; 0: whole file)")
    ap.add_argument("--cg-frames", type=int, default=30000,
                    help="frames per callgrind run (first N of each capture)")
    ap.add_argument("--cg-frames-tree", type=int, default=10000,
                    help="frames per callgrind run in the modes that build and print or "
                         "walk the whole tree (-V, -T fields)")
    ap.add_argument("--jobs", type=int, default=min(os.cpu_count() or 1, 4),
                    help="callgrind runs in parallel (counts do not depend on it)")
    ap.add_argument("--out", default=None,
                    help="markdown output (default bench/last-run.md; none with --smoke)")
    ap.add_argument("--smoke", action="store_true",
                    help="tiny captures, one repetition, one callgrind mode: checks the "
                         "machinery, not the limits (<60 s)")
    ap.add_argument("--no-cpu", action="store_true")
    ap.add_argument("--no-callgrind", action="store_true")
    ap.add_argument("--keep", action="store_true", help="keep the temporary directory")
    ap.add_argument("--check", action="store_true",
                    help="exit 1 when an instruction ratio is over its limit")
    a = ap.parse_args()

    t_start = time.monotonic()
    if not os.path.isfile(a.plugin):
        raise SystemExit("plugin not found: %s (build it: cmake --build build)" % a.plugin)
    plugin = os.path.abspath(a.plugin)
    captures = SMOKE_CAPTURES if a.smoke else FULL_CAPTURES
    reps = 1 if a.smoke else a.reps
    cg_frames = 300 if a.smoke else a.cg_frames
    cg_frames_tree = 300 if a.smoke else min(a.cg_frames_tree, cg_frames)
    out_md = a.out if a.out is not None else (None if a.smoke else
                                              os.path.join(HERE, "last-run.md"))
    have_valgrind = shutil.which("valgrind") is not None
    do_cg = not a.no_callgrind and have_valgrind
    if not a.no_callgrind and not have_valgrind:
        if a.smoke:
            # The smoke test checks the whole machinery: without valgrind it cannot.
            log("valgrind is not installed: install the Debian package valgrind "
                "(scripts/setup.sh --tests installs it); smoke test not run")
            return SKIP_EXIT
        log("valgrind not installed: instruction counts skipped (apt-get install valgrind)")

    tmp = tempfile.mkdtemp(prefix="wsclose-bench-")
    timings = {}
    try:
        env = Env(plugin, tmp)
        capdir = os.path.join(tmp, "captures")
        os.makedirs(capdir)
        os.chmod(capdir, 0o755)

        # -- captures ----------------------------------------------------------------
        t0 = time.monotonic()
        caps = {}
        for name, kind, conns, data, limit, desc in captures:
            path = os.path.join(capdir, name + ".pcap")
            if kind == "plain":
                packets = benchcaps.write_plain(path, conns, data)
            else:
                packets = benchcaps.write_ws(path, conns, data)
            os.chmod(path, 0o644)
            caps[name] = dict(path=path, conns=conns, data=data, limit=limit, desc=desc,
                              packets=packets, ws_frames=0 if kind == "plain"
                              else conns * (data + 2))
            log("generated %s: %d packets, %d connections, %d WebSocket frames (%.0f MB)"
                % (name, packets, conns, caps[name]["ws_frames"], os.path.getsize(path) / 1e6))
        timings["captures"] = time.monotonic() - t0
        sanity(env, caps)

        results = {}    # (cap, mode) -> dict
        for cap in caps:
            for mode, _w, _wo in MODES:
                results[(cap, mode)] = {"cpu": {"with": [], "without": []}, "ratios": []}

        # -- CPU time ----------------------------------------------------------------
        rss = {}        # (label, conns) -> {"with": [...], "without": [...]}
        close_conns = caps["close"]["conns"]
        rss_points = [(close_conns // 10, close_conns // 10 * PACKETS_PER_CLOSE_CONN),
                      (close_conns, None)]
        if not a.no_cpu:
            t0 = time.monotonic()
            for rep in range(reps):
                order = ("with", "without") if rep % 2 == 0 else ("without", "with")
                for cap, info in caps.items():
                    for mode, w_args, wo_args in MODES:
                        count = V_FRAMES if mode == "-V" else (a.cpu_frames or None)
                        if count and count >= info["packets"]:
                            count = None
                        cpu = {}
                        for state in order:
                            args = mode_args(w_args if state == "with" else wo_args,
                                             info["path"], count)
                            cpu[state], maxrss, _e, _o = env.run(state, args)
                            results[(cap, mode)]["cpu"][state].append(cpu[state])
                        results[(cap, mode)]["ratios"].append(cpu["with"] / cpu["without"])
                    log("rep %d/%d %s done (%.0f s)" % (rep + 1, reps, cap,
                                                        time.monotonic() - t_start))
            # Peak RSS (plain summary) at a tenth of the close-heavy connections and at all
            # of them: one pair each, it hardly moves.
            for conns, frames in rss_points:
                for state in ("with", "without"):
                    args = ["-r", caps["close"]["path"]] + (["-c", str(frames)] if frames else [])
                    _c, maxrss, _e, _o = env.run(state, args)
                    rss.setdefault(conns, {"with": [], "without": []})[state].append(maxrss)
            timings["cpu"] = time.monotonic() - t0

        # -- callgrind ---------------------------------------------------------------
        startup = {}
        if do_cg:
            t0 = time.monotonic()
            env.shim = build_shim(tmp)
            cg_modes = MODES[:1] if a.smoke else MODES
            first = caps["ws"]["path"]      # every capture starts with the same kind of SYN
            jobs = {}                       # key -> (state, args)
            for mode, w_args, wo_args in cg_modes:
                for state in ("with", "without"):
                    args = w_args if state == "with" else wo_args
                    jobs[("startup", mode, state)] = (state, mode_args(args, first, 1))
                    for cap, info in caps.items():
                        n = min(cg_mode_frames(mode, cg_frames, cg_frames_tree),
                                info["packets"])
                        jobs[(cap, mode, state)] = (state, mode_args(args, info["path"], n))
            with concurrent.futures.ThreadPoolExecutor(max_workers=max(1, a.jobs)) as pool:
                futures = {key: pool.submit(callgrind_ir, env, state, args)
                           for key, (state, args) in jobs.items()}
                counts = {key: f.result() for key, f in futures.items()}
            for cap, info in caps.items():
                for mode, _w, _wo in cg_modes:
                    n = min(cg_mode_frames(mode, cg_frames, cg_frames_tree), info["packets"])
                    results[(cap, mode)]["ir"] = {
                        state: (counts[(cap, mode, state)] - counts[("startup", mode, state)])
                        / (n - 1) for state in ("with", "without")}
                    results[(cap, mode)]["ir_frames"] = n
            log("callgrind done: %d runs, %d in parallel (%.0f s)"
                % (len(jobs), max(1, a.jobs), time.monotonic() - t_start))
            timings["callgrind"] = time.monotonic() - t0
    finally:
        if a.keep:
            log("kept %s" % tmp)
        else:
            shutil.rmtree(tmp, ignore_errors=True)
    total = time.monotonic() - t_start

    # -- report ----------------------------------------------------------------------
    rows = []
    worst_ok = True
    for cap, info in caps.items():
        for mode, _w, _wo in MODES:
            r = results[(cap, mode)]
            cpu_ratio = statistics.median(r["ratios"]) if r["ratios"] else None
            # Load from other jobs only ever adds time: the fastest run of each side is
            # the steadier estimate on a shared machine.
            cpu_min_ratio = (min(r["cpu"]["with"]) / min(r["cpu"]["without"])
                             if r["cpu"]["with"] and r["cpu"]["without"] else None)
            cpu_w = statistics.median(r["cpu"]["with"]) if r["cpu"]["with"] else None
            cpu_wo = statistics.median(r["cpu"]["without"]) if r["cpu"]["without"] else None
            ir = r.get("ir")
            ir_ratio = ir["with"] / ir["without"] if ir else None
            ok = None if ir_ratio is None else ir_ratio <= info["limit"]
            cpu_ok = None if cpu_ratio is None else cpu_ratio <= info["limit"]
            if ok is False:
                worst_ok = False
            rows.append([
                cap, mode,
                "-" if cpu_wo is None else "%.2f" % cpu_wo,
                "-" if cpu_w is None else "%.2f" % cpu_w,
                fmt_ratio(cpu_ratio) + ("" if cpu_ok in (None, True) else " !"),
                fmt_ratio(cpu_min_ratio),
                "-" if not ir else "%.0f" % ir["without"],
                "-" if not ir else "%.0f" % ir["with"],
                fmt_ratio(ir_ratio),
                "%.2f" % info["limit"],
                "-" if ok is None else ("yes" if ok else "NO"),
            ])
    header = ["capture", "mode", "CPU s without", "CPU s with", "CPU ratio",
              "CPU ratio of fastest runs",
              "Ir/pkt without", "Ir/pkt with", "Ir ratio", "limit", "meets limit (Ir)"]

    rss_rows = []
    for conns in sorted(rss):
        w = statistics.median(rss[conns]["with"])
        wo = statistics.median(rss[conns]["without"])
        rss_rows.append([str(conns), "%.1f" % (wo / 2**20), "%.1f" % (w / 2**20),
                         "%.0f" % ((w - wo) / conns)])
    rss_header = ["connections", "peak RSS MiB without", "peak RSS MiB with",
                  "bytes/connection"]
    if len(rss_rows) == 2:
        (c1, c2) = sorted(rss)
        d1 = statistics.median(rss[c1]["with"]) - statistics.median(rss[c1]["without"])
        d2 = statistics.median(rss[c2]["with"]) - statistics.median(rss[c2]["without"])
        marginal = (d2 - d1) / (c2 - c1)
    else:
        marginal = None

    def table(hdr, body, md):
        if md:
            lines = ["| " + " | ".join(hdr) + " |", "|" + "---|" * len(hdr)]
            lines += ["| " + " | ".join(row) + " |" for row in body]
            return "\n".join(lines)
        widths = [max(len(x) for x in col) for col in zip(hdr, *body)]
        fmt = "  ".join("%%-%ds" % wd for wd in widths)
        return "\n".join([fmt % tuple(hdr)] + [fmt % tuple(row) for row in body])

    git = subprocess.run(["git", "-C", REPO, "log", "-1", "--format=%h"], capture_output=True,
                         text=True).stdout.strip() or "?"
    dirty = subprocess.run(["git", "-C", REPO, "status", "--porcelain", "--", "plugin"],
                           capture_output=True, text=True).stdout.strip()
    with open(plugin, "rb") as fh:
        sha = hashlib.sha256(fh.read()).hexdigest()[:12]
    cpu_model = "?"
    try:
        with open("/proc/cpuinfo") as fh:
            cpu_model = next(l.split(":", 1)[1].strip() for l in fh if l.startswith("model name"))
    except (OSError, StopIteration):
        pass
    meta = [
        "date: %s" % datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M UTC"),
        "tshark: %s" % env.version_line,
        "plugin: %s (sha256 %s), checkout %s%s" % (os.path.relpath(plugin, REPO)
                                                   if plugin.startswith(REPO) else plugin,
                                                   sha, git,
                                                   " + uncommitted plugin/ changes" if dirty else ""),
        "machine: %s, %d CPUs, %s" % (cpu_model, os.cpu_count(), platform.platform()),
        "CPU time: median of %d alternating with/without pairs, %s (-V: first %d frames)"
        % (reps, "first %d frames of each capture" % a.cpu_frames if a.cpu_frames
           else "whole captures", V_FRAMES),
        "instructions: callgrind, first %d frames of each capture (-V and -T fields: first "
        "%d), minus a -c 1 run, %d runs in parallel%s"
        % (cg_frames, cg_frames_tree, max(1, a.jobs),
           "" if not do_cg or env.shim else " (start-up instrumented: no cgstart.so)"),
        "run time: %.0f s (captures %.0f s, CPU %.0f s, callgrind %.0f s)"
        % (total, timings.get("captures", 0), timings.get("cpu", 0), timings.get("callgrind", 0)),
    ]
    caps_md = ["- `%s`: %s; %d packets, %d WebSocket frames" %
               (c, i["desc"], i["packets"], i["ws_frames"]) for c, i in caps.items()]

    print()
    print(table(header, rows, False))
    if rss_rows:
        print()
        print(table(rss_header, rss_rows, False))
        if marginal is not None:
            print("marginal: %.0f bytes per additional connection" % marginal)
    print()
    print("\n".join(meta))
    verdict = ("every mode within its limit (instructions per packet)" if worst_ok
               else "SOME MODES OVER THEIR LIMIT (instructions per packet)")
    if do_cg:
        print(verdict)

    if out_md:
        md = ["# wsclose benchmark: last run", "",
              "Written by `bench/run.sh` (see bench/README.md). Limits: %.2fx on captures "
              "with WebSocket, %.2fx without; instructions per packet decide, CPU time is "
              "the second opinion." % (WS_LIMIT, PLAIN_LIMIT), "",
              table(header, rows, True), ""]
        if rss_rows:
            md += ["Peak RSS, close-heavy capture (10 packets per connection):", "",
                   table(rss_header, rss_rows, True), ""]
            if marginal is not None:
                md += ["Marginal cost: %.0f bytes per additional connection (between the two "
                       "points)." % marginal, ""]
        md += ["Captures (generated at run time by `bench/benchcaps.py`):", ""] + caps_md + [""]
        md += ["- " + m for m in meta] + [""]
        if do_cg:
            md += ["Verdict: " + verdict + ".", ""]
        with open(out_md, "w") as fh:
            fh.write("\n".join(md))
        log("wrote %s" % out_md)
    return 1 if a.check and not worst_ok else 0


if __name__ == "__main__":
    sys.exit(main())
