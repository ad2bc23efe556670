#!/usr/bin/python3
"""Where wsclose's instructions per packet go: the residual costs of bench/README.md.

    bench/residual.py [--plugin PATH] [--capture close|plain] [--frames N] [--keep DIR]
                      [-- TSHARK_ARGS...]

Four callgrind runs of tshark under the perf test's pinned conditions (bench.py's Env and
cgstart.so: env -i, LC_ALL, TZ, GLIBC_TUNABLES, the fixed hash seed, clock and random
bytes): with and without the plugin, on the first --frames frames of the perf test's
capture and on its first frame, which is subtracted as in bench.py.  The function-level
profiles (self costs and call edges) then attribute the difference, per packet:

  tap queueing       what Wireshark's tap machinery costs once a listener exists
                     (tap_queue_packet, tap_queue_init, the loop of tap_push_tapped_queue
                     without the listeners' callbacks, have_tap_listener, the other tap_*
                     and what they call)
  conversation       the conversation lookups wsclose's own functions make
  HTTP watch         the http tap listener's callback (upgrade_watch_packet)
  FIN watch          the tcp tap listener's callback (fin_watch_packet)
  hook               the plugin's work inside the dissection: its wrappers of the
                     built-in WebSocket dissector less that dissector (contains the
                     conversation lookups and the Info label)
  rest               the difference left: the extra dissector-handle call, the items the
                     plugin adds being printed (-V), and where the heap happens to lie (the
                     same calls of libc's string functions cost more or less with the
                     addresses they get)

Without Wireshark's debug symbols, static functions have no names: tap_push_tapped_queue
is found as the function that calls the plugin's tap callbacks, tap_queue_init as the one
that calls tap_build_interesting.  Python 3 stdlib only; needs valgrind and gcc as bench.py.
"""

import argparse
import collections
import os
import re
import shutil
import sys
import tempfile

sys.dont_write_bytecode = True
HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import bench  # noqa: E402
import benchcaps  # noqa: E402

NAME_KIND = {"ob": "ob", "cob": "ob", "fl": "fl", "fi": "fl", "fe": "fl", "cfi": "fl",
             "cfl": "fl", "fn": "fn", "cfn": "fn"}


def short_object(path):
    return os.path.basename(path or "?").split(".so")[0]


def read_profile(path):
    """Self cost per function and inclusive cost per call edge, keyed by (object, name)."""
    names = {"ob": {}, "fl": {}, "fn": {}}
    self_cost, edge_cost, edge_calls = (collections.Counter(), collections.Counter(),
                                        collections.Counter())
    ob = cob = fn = cfn = None
    in_call = False
    with open(path) as fh:
        for line in fh:
            line = line.rstrip("\n")
            if not line:
                continue
            if line[0].isdigit() or line[0] in "+-*":
                parts = line.split()
                cost = int(parts[1]) if len(parts) > 1 else 0
                if in_call:
                    edge_cost[(fn, cfn)] += cost
                    in_call, cob = False, None
                else:
                    self_cost[fn] += cost
                continue
            key, sep, val = line.partition("=")
            if not sep:
                continue
            if key in NAME_KIND:
                table = names[NAME_KIND[key]]
                m = re.match(r"\((\d+)\)(?: (.*))?$", val)
                if m:
                    if m.group(2) is not None:
                        table[m.group(1)] = m.group(2)
                    val = table[m.group(1)]
                if key == "ob":
                    ob = short_object(val)
                elif key == "cob":
                    cob = short_object(val)
                elif key == "fn":
                    fn, cob = (ob, val), None
                elif key == "cfn":
                    cfn = (cob or ob, val)
            elif key == "calls":
                in_call = True
                edge_calls[(fn, cfn)] += int(val.split()[0])
    return self_cost, edge_cost, edge_calls


def per_packet(long_run, short_run, frames):
    """(long - short) / (frames - 1) of each of the three counters."""
    return [{k: (a.get(k, 0) - b.get(k, 0)) / (frames - 1) for k in set(a) | set(b)}
            for a, b in zip(long_run, short_run)]


def attribute(w, wo):
    """The per-packet difference, split as in the module's docstring: [(name, value)]."""
    w_self, w_edge, w_calls = w
    wo_self = wo[0]
    total_w, total_wo = sum(w_self.values()), sum(wo_self.values())

    def self_diff(key):
        return w_self.get(key, 0) - wo_self.get(key, 0)

    def into(pred):
        return sum(v for (a, b), v in w_edge.items() if pred(a, b))

    def plugin(fn):
        return fn[0] == "wsclose"

    push = {a for (a, b) in w_edge if not plugin(a) and plugin(b)
            and b[1] in ("fin_watch_packet", "upgrade_watch_packet")}
    init = {a for (a, b) in w_edge if b[1] == "tap_build_interesting"}
    tap_fns = push | init | {k for k in set(w_self) | set(wo_self) if k[0] == "libwireshark"
                             and (k[1].startswith("tap_") or k[1] == "have_tap_listener")}
    wo_edge = wo[1]
    tap = sum(self_diff(k) for k in tap_fns)
    tap -= into(lambda a, b: plugin(a) and b[1] == "have_tap_listener")
    # What the tap functions call besides each other and the listeners' callbacks
    # (dfilter_requires_columns, from 4.4 on).
    tap += sum(w_edge.get(e, 0) - wo_edge.get(e, 0) for e in set(w_edge) | set(wo_edge)
               if e[0] in tap_fns and e[1] not in tap_fns and not plugin(e[1]))
    conv_fns = ("find_conversation_pinfo", "find_or_create_conversation", "find_conversation")
    conv = into(lambda a, b: plugin(a) and b[1] in conv_fns)
    conv_calls = sum(n for (a, b), n in w_calls.items() if plugin(a) and b[1] in conv_fns)
    http = into(lambda a, b: not plugin(a) and b[1] == "upgrade_watch_packet")
    fin = into(lambda a, b: not plugin(a) and b[1] == "fin_watch_packet")
    label = into(lambda a, b: a[1] == "wsclose_view_info_append" and not plugin(b)) + \
        sum(w_self.get(k, 0) for k in w_self if k[1] == "wsclose_view_info_append")
    hook = into(lambda a, b: not plugin(a) and plugin(b) and b[1].startswith("dissect_")) - \
        into(lambda a, b: a[1] == "call_builtin_and_scan" and b[1].startswith("call_dissector"))
    diff = total_w - total_wo
    rows = [("with", total_w), ("without", total_wo), ("difference", diff),
            ("tap queueing", tap), ("HTTP watch", http), ("FIN watch", fin), ("hook", hook),
            ("  of which conversation lookups", conv), ("  of which the Info label", label),
            ("  the rest of it", hook - conv - label),
            ("rest", diff - tap - http - fin - hook)]
    return rows, conv_calls


def profile(env, state, args, frames, outdir):
    counts = []
    for n in (frames, 1):
        out = os.path.join(outdir, "%s.%d.cg" % (state, n))
        valgrind = ["valgrind", "--tool=callgrind", "--callgrind-out-file=" + out,
                    "--instr-atstart=no"]
        env.run(state, ["-r", env.capture, "-c", str(n)] + args, valgrind=valgrind,
                preload=env.shim)
        counts.append(read_profile(out))
    return per_packet(counts[0], counts[1], frames)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--plugin", default=os.path.join(bench.REPO, "build", "plugin", "wsclose.so"))
    ap.add_argument("--capture", choices=("close", "plain"), default="close")
    ap.add_argument("--frames", type=int, default=bench.PERF_FRAMES)
    ap.add_argument("--keep", help="copy the callgrind profiles into this directory")
    ap.add_argument("--from", dest="from_dir",
                    help="no runs: attribute the profiles a --keep wrote (with the same --frames)")
    ap.add_argument("tshark_args", nargs="*", help="after --: the mode, e.g. -V")
    a = ap.parse_args()
    if a.from_dir:
        def load(state):
            return per_packet(*[read_profile(os.path.join(a.from_dir, "%s.%d.cg" % (state, n)))
                                for n in (a.frames, 1)], a.frames)
        report(load("with"), load("without"), "profiles in " + a.from_dir, a)
        return 0
    # The perf test's folder name length and captures: its counts, to the instruction.
    tmp = tempfile.mkdtemp(prefix="wsclose-bench-", dir="/tmp")
    try:
        env = bench.Env(os.path.abspath(a.plugin), tmp)
        capdir = os.path.join(tmp, "captures")
        os.makedirs(capdir)
        os.chmod(capdir, 0o755)
        kind, conns, data, _desc = [c for c in bench.PERF_CAPTURES if c[0] == a.capture][0]
        env.capture = os.path.join(capdir, kind + ".pcap")
        (benchcaps.write_plain if kind == "plain" else benchcaps.write_ws)(env.capture, conns,
                                                                          data)
        os.chmod(env.capture, 0o644)
        env.shim = bench.build_shim(tmp)
        if not env.shim:
            raise SystemExit("cgstart.so could not be built (gcc, valgrind's callgrind.h)")
        outdir = os.path.join(tmp, "profiles")
        os.makedirs(outdir)
        os.chmod(outdir, 0o777)
        w = profile(env, "with", a.tshark_args, a.frames, outdir)
        wo = profile(env, "without", a.tshark_args, a.frames, outdir)
        if a.keep:
            shutil.copytree(outdir, a.keep, dirs_exist_ok=True)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    report(w, wo, env.version_line, a)
    return 0


def report(w, wo, source, a):
    rows, conv_calls = attribute(w, wo)
    base = rows[1][1]
    print("%s, %s capture, first %d frames, tshark %s" % (source, a.capture, a.frames,
                                                          " ".join(a.tshark_args)))
    print("%-34s %10s  %s" % ("instructions per packet", "", "share of with / without"))
    for name, value in rows:
        share = ("%.5f" % (value / base)) if name == "with" else \
            ("" if name == "without" else "%+.4f" % (value / base))
        print("%-34s %10.1f  %s" % (name, value, share))
    print("conversation lookups by wsclose per packet: %.4f" % conv_calls)


if __name__ == "__main__":
    sys.exit(main())
