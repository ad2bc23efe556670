#!/usr/bin/python3
"""Fuzz the wsclose plugin inside the real tshark.

Two sources of input, both replayable from their seeds:

  mutate    every capture in captures/ through `editcap -E RATE --seed SEED` (several error
            rates; with -o 54 on half of them, so that Ethernet/IP/TCP survive and the bytes
            that change are the HTTP and WebSocket ones), and through `editcap -s SNAPLEN`
  generate  random WebSocket traffic inside valid TCP connections that start with a valid
            HTTP upgrade (captures/gen/gencaps.py writes the packets): close frames with
            payloads of 0-200 bytes, random and reserved codes, valid / random / invalid
            UTF-8 reasons, FIN=0, RSV bits, masked and unmasked from either side,
            non-minimal and lying length fields (64-bit lengths beyond 32 bits), several
            frames per segment, frames split across segments, segments cut by the snaplen,
            IPv4 / IPv6, pcap / pcapng

Every capture goes through `tshark -V` and `tshark -2 -V` with the plugin loaded (the
tests/wsharness.py way: uid 65534, the plugin in a throw-away HOME), alternating the way
WebSocket is found (HTTP upgrade, Decode As, the websocket_tcp heuristic).  With --preload
(the ASan runtime, for the ASan+UBSan build of the plugin; tests/sanitized.sh passes it):
halt on the first ASan/UBSan error, leak check with only leaks that have a frame in
wsclose.so counted.  WIRESHARK_ABORT_ON_DISSECTOR_BUG=1 turns a dissector bug into a crash;
a crash that also happens without the plugin is tshark's own and is listed, not counted.
With --valgrind-plugin (a plain build), a subset also runs under `valgrind --error-exitcode=1`.

Failure = a nonzero exit or a crash, a sanitizer report mentioning the plugin, a valgrind
error.  Failing inputs are copied to --keep (default: a new temporary folder, made on the
first failure and named in the output) with the command that replays them.

A tool that is missing (valgrind for --valgrind-plugin, the --preload runtime) is not a
failure: fuzz.py says which Debian package to install and exits with 77, which ctest
reports as skipped.

    tests/sanitized.sh fuzz --ci          the bounded CI slice (about 2 minutes)
    tests/sanitized.sh fuzz --long        >= 1,000,000 fuzzed frames (hours; nice it)
    tests/fuzz/fuzz.py --plugin build-asan/plugin/wsclose.so --preload "$(gcc -print-file-name=libasan.so)" \\
        --only generate --seed 1234 --rounds 1        one generated capture, replayed

Summary line: frames fuzzed (packets of mutated captures + WebSocket frames generated),
tshark runs, crashes, sanitizer reports, valgrind reports.
"""

import argparse
import glob
import os
import random
import re
import shutil
import struct
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
TESTS = os.path.dirname(HERE)
REPO = os.path.dirname(TESTS)
CAPTURES = os.path.join(REPO, "captures")
sys.path.insert(0, TESTS)
sys.path.insert(0, os.path.join(CAPTURES, "gen"))

import gencaps as g  # noqa: E402
from wsharness import Tshark  # noqa: E402

ERROR_RATES = (0.002, 0.01, 0.05, 0.2)
SNAPLENS = (54, 58, 60, 62, 66, 70, 74, 80, 90)
# Interesting close codes: WinHTTP, API-only, class borders.
CODES = (0, 1, 999, 1000, 1001, 1002, 1003, 1004, 1005, 1006, 1007, 1008, 1009, 1010, 1011,
         1012, 1013, 1014, 1015, 1016, 2999, 3000, 3999, 4000, 4999, 5000, 0x7fff, 0x8000,
         0xfffe, 0xffff)
# Ways WebSocket is found: HTTP upgrade, Decode As (wrapper in tcp.port), heuristic.
FINDERS = ([], ["-d", "tcp.port==80,websocket"],
           ["--enable-heuristic", "websocket_tcp", "--disable-heuristic", "http_tcp"])
SKIP_EXIT = 77      # ctest's SKIP_RETURN_CODE: a test that cannot run
TOOL_PATH = "/usr/bin:/bin"     # the PATH tshark and valgrind run with (wsharness.py)
SANITIZER_MARKS = ("ERROR: AddressSanitizer", "runtime error:", "ERROR: LeakSanitizer",
                   "SUMMARY: UndefinedBehaviorSanitizer")


# ---------------------------------------------------------------------------
# Random WebSocket traffic
# ---------------------------------------------------------------------------

def rand_reason(rng):
    kind = rng.randrange(6)
    n = rng.randint(0, 198)
    if kind == 0:
        return b""
    if kind == 1:   # random bytes
        return bytes(rng.getrandbits(8) for _ in range(n))
    if kind == 2:   # valid UTF-8 from all planes
        chars = []
        while len("".join(chars).encode()) < n:
            plane = rng.choice((0x7f, 0x7ff, 0xffff, 0x10ffff))
            cp = rng.randint(0, plane)
            if 0xd800 <= cp <= 0xdfff:
                cp = 0x41
            chars.append(chr(cp))
        return "".join(chars).encode()[:n + 3]
    # valid text with one invalid sequence somewhere (or at the end: cut multibyte)
    bad = rng.choice((b"\xc0\xaf", b"\xe0\x80\xaf", b"\xed\xa0\x80", b"\xf4\x90\x80\x80",
                      b"\xf5", b"\xff", b"\x80", b"\xc3", b"\xe2\x82", b"\xf0\x9f\x91",
                      b"\xfe\xff", b"\xc1\xbf"))
    text = ("reason-%d-" % n).encode() * 8
    cut = rng.randint(0, min(len(text), n))
    if kind == 5:
        return text[:cut] + bad
    return text[:cut] + bad + text[:rng.randint(0, 20)]


def rand_close_payload(rng):
    pick = rng.randrange(10)
    if pick == 0:
        return b""
    if pick == 1:
        return bytes([rng.getrandbits(8)])
    code = rng.choice(CODES) if rng.random() < 0.6 else rng.randrange(65536)
    payload = struct.pack("!H", code) + rand_reason(rng)
    if rng.random() < 0.3:
        payload = payload[:rng.randint(2, 125)]
    return payload[:200]


def rand_frame(rng, side):
    """Bytes of one frame (header possibly lying) and whether it is a close frame."""
    r = rng.random()
    if r < 0.6:
        opcode, payload = g.OP_CLOSE, rand_close_payload(rng)
    else:
        opcode = rng.choice((g.OP_TEXT, g.OP_BINARY, g.OP_PING, g.OP_PONG, g.OP_CONT, 3, 0xb,
                             0xf))
        payload = bytes(rng.getrandbits(8) for _ in range(rng.randint(0, 300)))
    fin = rng.random() > 0.15
    rsv = rng.getrandbits(3) if rng.random() < 0.1 else 0
    masked = (side == "client") != (rng.random() < 0.1)
    mask = bytes(rng.getrandbits(8) for _ in range(4)) if masked else None
    n = len(payload)
    enc = rng.random()
    declared = n
    if enc < 0.04:      # lying length: shorter, longer, or beyond 32 bits
        declared = rng.choice((max(0, n - rng.randint(1, 10)), n + rng.randint(1, 400),
                               (1 << 32) + n, (1 << 32) - rng.randint(1, 16),
                               (1 << 63) + n, rng.getrandbits(64)))
    b0 = (0x80 if fin else 0) | (rsv << 4) | opcode
    mbit = 0x80 if masked else 0
    if declared > 0xffff or (enc > 0.97 and declared <= 0xffffffffffffffff):
        header = struct.pack("!BBQ", b0, mbit | 127, declared & 0xffffffffffffffff)
    elif declared > 125 or 0.94 < enc <= 0.97:
        header = struct.pack("!BBH", b0, mbit | 126, declared)
    else:
        header = struct.pack("!BB", b0, mbit | declared)
    if mask:
        header += mask
        payload = bytes(b ^ mask[i % 4] for i, b in enumerate(payload))
    return header + payload, opcode == g.OP_CLOSE


def generate_capture(seed, connections):
    """A capture of random WebSocket traffic: (bytes, suffix, ws frames, close frames)."""
    rng = random.Random(seed)
    suffix = ".pcapng" if rng.random() < 0.5 else ".pcap"
    cap = g.Capture("fuzz-%d%s" % (seed, suffix), "fuzz seed %d" % seed)
    frames = closes = 0
    for i in range(connections):
        ws = g.WsConn(cap, "fuzz-%d" % i, 1024 + (seed * 131 + i) % 60000,
                      v6=rng.random() < 0.2,
                      extensions=["permessage-deflate"] if rng.random() < 0.1 else None).open()
        for _send in range(rng.randint(1, 6)):
            side = rng.choice(("client", "server"))
            data = b""
            for _f in range(1 if rng.random() < 0.7 else rng.randint(2, 4)):
                wire, is_close = rand_frame(rng, side)
                data += wire
                frames += 1
                closes += is_close
            split = ()
            if len(data) > 1 and rng.random() < 0.35:
                k = rng.randint(1, min(4, len(data) - 1))
                split = sorted(rng.sample(range(1, len(data)), k))
            caplen = rng.randint(0, len(data)) if rng.random() < 0.1 else None
            ws.tcp.send(side, data, split=split, ack=rng.random() < 0.8, caplen_payload=caplen)
        if rng.random() < 0.2:
            ws.rst(rng.choice(("client", "server")))
        else:
            ws.fin(rng.choice(("client", "server")))
    return cap.file_bytes(), suffix, frames, closes


# Variables meant for tshark only (forwarded by wsharness.py): editcap and capinfos run
# without them (a preloaded ASan runtime deadlocks some of them at exit).
TSHARK_ONLY = ("LD_PRELOAD", "ASAN_OPTIONS", "LSAN_OPTIONS", "UBSAN_OPTIONS",
               "ASAN_SYMBOLIZER_PATH", "WIRESHARK_EXTCAP_DIR", "WIRESHARK_ABORT_ON_DISSECTOR_BUG")


def clean_env():
    return {k: v for k, v in os.environ.items() if k not in TSHARK_ONLY}


def tool(cmd):
    return subprocess.run(cmd, capture_output=True, text=True, env=clean_env(), timeout=300)


def py_edit(src, out, rate, seed, skip, snaplen):
    """editcap -E/-o/-s for the pcapng files editcap 4.0 cannot write back (e.g. with a
    Decryption Secrets Block): each Enhanced Packet Block's data bytes past `skip` change
    with probability `rate` (seeded), captured length cut to `snaplen`; other blocks kept."""
    rng = random.Random(seed)
    data = open(src, "rb").read()
    pos, blocks = 0, []
    while pos + 12 <= len(data):
        btype, blen = struct.unpack_from("<II", data, pos)
        block = data[pos:pos + blen]
        if btype == 6 and blen >= 32:
            caplen, origlen = struct.unpack_from("<II", block, 20)
            pkt = bytearray(block[28:28 + caplen])
            for i in range(skip, len(pkt)):
                if rng.random() < rate:
                    pkt[i] = rng.getrandbits(8)
            if snaplen is not None:
                pkt = pkt[:snaplen]
            opts = block[28 + caplen + (-caplen % 4):-4]
            body = block[8:20] + struct.pack("<II", len(pkt), origlen) + bytes(pkt) \
                + b"\0" * (-len(pkt) % 4) + opts
            block = struct.pack("<II", 6, len(body) + 12) + body + struct.pack("<I", len(body) + 12)
        blocks.append(block)
        pos += blen
    with open(out, "wb") as fh:
        fh.write(b"".join(blocks))


def count_packets(path):
    out = tool(["capinfos", "-c", "-M", "-T", path])
    try:
        return int(out.stdout.strip().splitlines()[-1].split("\t")[1])
    except (IndexError, ValueError):
        return 0


# ---------------------------------------------------------------------------
# Running tshark
# ---------------------------------------------------------------------------

class Stats:
    def __init__(self):
        self.packets = self.ws_frames = self.close_frames = self.runs = 0
        self.crashes = self.sanitizer = self.valgrind = self.valgrind_runs = 0
        self.tshark_own = 0
        self.failures = []

    def frames(self):
        return self.packets + self.ws_frames

    def line(self, elapsed):
        return ("fuzz: %d frames fuzzed (%d mutated-capture packets, %d generated WebSocket "
                "frames of which %d close), %d tshark runs (%d under valgrind), %d crashes, "
                "%d sanitizer reports, %d valgrind reports, %d tshark-own failures (also "
                "without the plugin, or valgrind reports without a wsclose frame), %.0f s"
                % (self.frames(), self.packets, self.ws_frames, self.close_frames, self.runs,
                   self.valgrind_runs, self.crashes, self.sanitizer, self.valgrind,
                   self.tshark_own, elapsed))


def leak_blocks(stderr):
    """LeakSanitizer blocks ("Direct leak of ..." up to the next blank line)."""
    blocks, cur = [], None
    for line in stderr.splitlines():
        if line.startswith(("Direct leak", "Indirect leak")):
            cur = [line]
            blocks.append(cur)
        elif cur is not None:
            if not line.strip():
                cur = None
            else:
                cur.append(line)
    return ["\n".join(b) for b in blocks]


def valgrind_blocks(stderr):
    """Memcheck's error reports: the "==PID== " lines between two of its blank ones."""
    blocks, cur = [], []
    for line in stderr.splitlines():
        m = re.match(r"==\d+== ?(.*)$", line)
        if not m:
            continue
        if m.group(1).strip():
            cur.append(m.group(1))
        elif cur:
            blocks.append("\n".join(cur))
            cur = []
    if cur:
        blocks.append("\n".join(cur))
    return blocks


class Runner:
    def __init__(self, args, stats):
        self.args = args
        self.stats = stats
        self.keep = args.keep
        self.no_extcap = None
        self.ts = Tshark(plugin=args.plugin)
        self.bare = None    # without the plugin, to tell tshark's own crashes from ours
        self.vg = Tshark(plugin=args.valgrind_plugin) if args.valgrind_plugin else None
        # Passed to tshark alone (wsharness.py forwards WSCLOSE_TSHARK_ENV's NAME=VALUE items):
        # editcap and friends must not run with the runtime preloaded.
        items = ["WIRESHARK_ABORT_ON_DISSECTOR_BUG=1"]
        if args.preload:
            # tshark -G runs every extcap tool, and androiddump deadlocks at exit under the
            # preloaded runtime: let tshark find none.
            self.no_extcap = no_extcap = tempfile.mkdtemp(prefix="wsclose-no-extcap-")
            os.chmod(no_extcap, 0o755)
            items += ["LD_PRELOAD=" + args.preload,
                      "ASAN_OPTIONS=detect_leaks=%d:halt_on_error=1:exitcode=86:symbolize=1"
                      % (1 if args.leaks else 0),
                      "UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1:exitcode=87",
                      "ASAN_SYMBOLIZER_PATH=/usr/bin/llvm-symbolizer",
                      "WIRESHARK_EXTCAP_DIR=" + no_extcap]
        os.environ["WSCLOSE_TSHARK_ENV"] = " ".join(items)
        if not self.ts.plugin_loaded():
            raise SystemExit("fuzz.py: %s is not loaded by tshark" % args.plugin)

    def close(self):
        for t in (self.ts, self.bare, self.vg):
            if t:
                t.close()
        if self.no_extcap:
            shutil.rmtree(self.no_extcap, ignore_errors=True)

    def keep_dir(self):
        """Where failing inputs go: --keep, or a temporary folder of this run."""
        if not self.keep:
            self.keep = tempfile.mkdtemp(prefix="wsclose-fuzz-failures-")
            print("fuzz: failing inputs go to %s" % self.keep, flush=True)
        os.makedirs(self.keep, exist_ok=True)
        return self.keep

    def place(self, ts, path):
        dst = os.path.join(ts.capdir, os.path.basename(path))
        if os.path.abspath(path) != dst:
            shutil.copy(path, dst)
        os.chmod(dst, 0o644)
        return dst

    def tshark(self, path, extra, label):
        """tshark -V and -2 -V over path; record failures."""
        cap = self.place(self.ts, path)
        for passes in ([], ["-2"]):
            args = ["-r", cap, "-V"] + passes + list(extra)
            self.stats.runs += 1
            try:
                proc = subprocess.run(self.ts.command(args), stdout=subprocess.DEVNULL,
                                      stderr=subprocess.PIPE, cwd=self.ts.home,
                                      env=clean_env(), timeout=self.args.timeout)
            except subprocess.TimeoutExpired as e:
                # A hang is a failure of its own (the input is kept to replay); a loaded
                # machine needs a longer --timeout.
                err = (e.stderr or b"").decode("utf-8", "replace")
                self.failure(path, args, label, "no result within %d s" % self.args.timeout,
                             err)
                continue
            err = proc.stderr.decode("utf-8", "replace")
            problem = self.judge(proc.returncode, err)
            if problem:
                self.failure(path, args, label, problem, err)

    @staticmethod
    def judge(rc, err):
        if any(m in err for m in SANITIZER_MARKS[:2] + SANITIZER_MARKS[3:]):
            return "sanitizer report"
        if any("wsclose" in b for b in leak_blocks(err)):
            return "leak in wsclose"
        # Leaks of tshark's own (no wsclose frame) end with the ASan exit code: not ours.
        if rc != 0 and not (rc == 86 and "ERROR: LeakSanitizer" in err):
            return "exit status %d" % rc
        return None

    def fails_without_plugin(self, path, args):
        """The same tshark run (same sanitizer runtime) without the plugin fails too."""
        if self.bare is None:
            self.bare = Tshark(with_plugin=False)
        cap = self.place(self.bare, path)
        bare_args = [cap if a.endswith(os.path.basename(path)) else a for a in args]
        try:
            proc = subprocess.run(self.bare.command(bare_args), stdout=subprocess.DEVNULL,
                                  stderr=subprocess.PIPE, timeout=self.args.timeout,
                                  env=clean_env())
        except subprocess.TimeoutExpired:
            return True  # it hangs without the plugin too
        return self.judge(proc.returncode, proc.stderr.decode("utf-8", "replace")) is not None

    def failure(self, path, args, label, problem, err):
        if problem != "leak in wsclose" and not label.endswith("-valgrind") and \
                self.fails_without_plugin(path, args):
            # tshark's own bug (its built-in dissectors crash without the plugin too):
            # listed and kept, not counted against the plugin.
            self.tshark_own(path, args, label, problem + " (also without the plugin)", err)
            return
        if problem.startswith(("sanitizer", "leak")):
            self.stats.sanitizer += 1
        elif label.endswith("-valgrind"):
            self.stats.valgrind += 1
        else:
            self.stats.crashes += 1
        kept = os.path.join(self.keep_dir(), "%s-%s" % (label, os.path.basename(path)))
        shutil.copy(path, kept)
        with open(kept + ".txt", "w") as fh:
            fh.write("%s\ntshark %s\n\n%s" % (problem, " ".join(args), err[-20000:]))
        self.stats.failures.append((label, problem, kept))
        print("fuzz: FAIL %s: %s -> %s\n%s" % (label, problem, kept, err[-3000:]), flush=True)

    def tshark_own(self, path, args, label, problem, err):
        """tshark's own bug (its built-in dissectors crash without the plugin too, or valgrind
        reports nothing in wsclose): listed and kept, not counted against the plugin."""
        self.stats.tshark_own += 1
        kept = os.path.join(self.keep_dir(), "tshark-own-%s-%s" % (label, os.path.basename(path)))
        shutil.copy(path, kept)
        with open(kept + ".txt", "w") as fh:
            fh.write("%s\ntshark %s\n\n%s" % (problem, " ".join(args), err[-20000:]))
        print("fuzz: tshark's own (%s: %s) -> %s" % (label, problem, kept), flush=True)

    def valgrind(self, path, extra, label):
        if not self.vg:
            return
        cap = self.place(self.vg, path)
        for passes in ([], ["-2"]):
            # Deep stacks: a report reached from wsclose.so must show that frame.
            args = ["--error-exitcode=1", "--quiet", "--track-origins=no", "--num-callers=50",
                    "tshark", "-r",
                    cap, "-V"] + passes + list(extra)
            env_bak = os.environ.pop("WSCLOSE_TSHARK_ENV", None)
            try:
                cmd = self.vg.command(args, tool="valgrind")
            finally:
                if env_bak is not None:
                    os.environ["WSCLOSE_TSHARK_ENV"] = env_bak
            proc = subprocess.run(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                                  cwd=self.vg.home, timeout=self.args.timeout * 20,
                                  env=clean_env())
            err = proc.stderr.decode("utf-8", "replace")
            if proc.returncode == 127:      # env: 'valgrind': No such file or directory
                raise MissingTool("valgrind", "valgrind")
            self.stats.valgrind_runs += 1
            if proc.returncode == 0:
                continue
            blocks = valgrind_blocks(err)
            if proc.returncode == 1 and blocks and not any("wsclose" in b for b in blocks):
                # Every report is of tshark's own libraries with no wsclose frame (on 4.6:
                # re2 under the falco bridge's libsinsp, as it is loaded at start-up).
                self.tshark_own(path, args, label + "-valgrind",
                                "valgrind reports without a wsclose frame", err)
            else:
                self.failure(path, args, label + "-valgrind", "valgrind exit %d"
                             % proc.returncode, err)


# ---------------------------------------------------------------------------
# Campaigns
# ---------------------------------------------------------------------------

class MissingTool(Exception):
    """A tool the run needs is not installed: the run cannot happen (not a failure)."""

    def __init__(self, tool, package):
        super().__init__("%s is not installed: install the Debian package %s "
                         "(scripts/setup.sh --tests installs it)" % (tool, package))


def check_tools(args):
    if args.valgrind_plugin and not shutil.which("valgrind", path=TOOL_PATH):
        raise MissingTool("valgrind", "valgrind")
    if args.preload and not os.path.isfile(args.preload):
        raise MissingTool("the sanitizer runtime %s" % args.preload,
                          "libclang-rt-dev" if "clang_rt" in args.preload else "gcc")
    for name, package in (("editcap", "wireshark-common"), ("capinfos", "wireshark-common"),
                          ("tshark", "tshark")):
        if not shutil.which(name, path=TOOL_PATH):
            raise MissingTool(name, package)


def sample_captures():
    caps = sorted(glob.glob(os.path.join(CAPTURES, "*.pcap")) +
                  glob.glob(os.path.join(CAPTURES, "*.pcapng")))
    return caps


def mutate_round(runner, stats, work, rnd, caps, valgrind_every):
    """One round: every capture once, with the error rate and offset of this round."""
    rate = ERROR_RATES[rnd % len(ERROR_RATES)]
    skip = 54 if (rnd // len(ERROR_RATES)) % 2 else 0
    for i, src in enumerate(caps):
        seed = rnd * 1000 + i
        name = os.path.basename(src)
        out = os.path.join(work, "mut-%d-%s" % (seed, name))
        cmd = ["editcap", "-E", str(rate), "--seed", str(seed)]
        if skip:
            cmd += ["-o", str(skip)]
        if rnd % 5 == 4:            # and now and then cut by a snaplen
            cmd += ["-s", str(SNAPLENS[(rnd + i) % len(SNAPLENS)])]
        proc = tool(cmd + [src, out])
        if proc.returncode != 0:
            if "can't be written" not in proc.stderr or not src.endswith(".pcapng"):
                raise SystemExit("fuzz.py: %s failed: %s" % (" ".join(cmd), proc.stderr))
            py_edit(src, out, rate, seed, skip,
                    SNAPLENS[(rnd + i) % len(SNAPLENS)] if rnd % 5 == 4 else None)
        stats.packets += count_packets(out)
        label = "mutate-r%d-%s" % (rnd, name.rsplit(".", 1)[0])
        extra = FINDERS[(rnd + i) % len(FINDERS)] if not name.startswith("altport") else []
        runner.tshark(out, extra, label)
        if valgrind_every and (rnd * len(caps) + i) % valgrind_every == 0:
            runner.valgrind(out, extra, label)
        os.unlink(out)


def generate_round(runner, stats, work, seed, connections, valgrind):
    data, suffix, frames, closes = generate_capture(seed, connections)
    out = os.path.join(work, "gen-%d%s" % (seed, suffix))
    with open(out, "wb") as fh:
        fh.write(data)
    stats.ws_frames += frames
    stats.close_frames += closes
    label = "generate-s%d" % seed
    extra = FINDERS[seed % len(FINDERS)]
    runner.tshark(out, extra, label)
    os.unlink(out)
    if valgrind:
        # valgrind is 20-50x slower: a small capture of its own (seed + 10**7), both ways.
        seed += 10 ** 7
        data, suffix, frames, closes = generate_capture(seed, 20)
        out = os.path.join(work, "gen-%d%s" % (seed, suffix))
        with open(out, "wb") as fh:
            fh.write(data)
        stats.ws_frames += frames
        stats.close_frames += closes
        runner.tshark(out, extra, "generate-s%d" % seed)
        runner.valgrind(out, extra, "generate-s%d" % seed)
        os.unlink(out)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--plugin", required=True, help="wsclose.so to fuzz (the ASan build)")
    ap.add_argument("--preload", help="sanitizer runtime to LD_PRELOAD into tshark")
    ap.add_argument("--valgrind-plugin", help="plain wsclose.so for the valgrind subset")
    ap.add_argument("--ci", action="store_true", help="bounded slice for CI")
    ap.add_argument("--long", action="store_true", help=">= 1,000,000 fuzzed frames")
    ap.add_argument("--only", choices=("mutate", "generate"))
    ap.add_argument("--seed", type=int, default=1, help="first round / generator seed")
    ap.add_argument("--rounds", type=int, help="mutation rounds / generated captures")
    ap.add_argument("--connections", type=int, help="connections per generated capture")
    ap.add_argument("--target-frames", type=int, help="stop once this many frames are fuzzed")
    ap.add_argument("--valgrind-every", type=int, help="every Nth input also under valgrind")
    ap.add_argument("--mutate-every", type=int, help="a mutation round every Nth round")
    ap.add_argument("--leaks", action="store_true", default=True)
    ap.add_argument("--no-leaks", dest="leaks", action="store_false")
    ap.add_argument("--timeout", type=int, default=300)
    ap.add_argument("--keep", help="folder for failing inputs (default: a new temporary "
                    "folder, made on the first failure)")
    args = ap.parse_args()
    try:
        check_tools(args)
    except MissingTool as e:
        print("fuzz.py: %s; not run" % e, flush=True)
        return SKIP_EXIT

    if args.long:
        rounds, conns, target = args.rounds or 10 ** 6, args.connections or 1000, \
            args.target_frames or 1000000
        vg_every = args.valgrind_every or 200
        mutate_every = args.mutate_every or 10
    elif args.ci:
        rounds, conns, target = args.rounds or 4, args.connections or 60, args.target_frames
        vg_every = args.valgrind_every or 0
        mutate_every = args.mutate_every or 1
    else:
        rounds, conns, target = args.rounds or 8, args.connections or 100, args.target_frames
        vg_every = args.valgrind_every or 50
        mutate_every = args.mutate_every or 1

    stats = Stats()
    try:
        return campaign(args, stats, rounds, conns, target, vg_every, mutate_every)
    except MissingTool as e:
        print("fuzz.py: %s; not run" % e, flush=True)
        return SKIP_EXIT


def campaign(args, stats, rounds, conns, target, vg_every, mutate_every):
    runner = Runner(args, stats)
    work = tempfile.mkdtemp(prefix="wsclose-fuzz-")
    start = time.time()
    caps = sample_captures()
    try:
        for k in range(rounds):
            rnd = args.seed + k
            if args.only != "generate" and (args.only == "mutate" or k % mutate_every == 0):
                mutate_round(runner, stats, work, rnd, caps, vg_every)
            if args.only != "mutate":
                generate_round(runner, stats, work, rnd, conns,
                               bool(vg_every) and k % max(1, vg_every // 20) == 0)
            if args.long and k % 5 == 0:
                print(stats.line(time.time() - start), flush=True)
            if target and stats.frames() >= target:
                break
        if args.ci and args.valgrind_plugin:
            # The valgrind subset of the slice: one generated capture, one mutated capture.
            generate_round(runner, stats, work, 10 ** 6 + args.seed, 10, True)  # + valgrind
            src = os.path.join(CAPTURES, "malformed.pcapng")
            out = os.path.join(work, "mut-vg-malformed.pcapng")
            if tool(["editcap", "-E", "0.05", "--seed", "7", "-o", "54", src, out]).returncode:
                raise SystemExit("fuzz.py: editcap failed on %s" % src)
            stats.packets += count_packets(out)
            runner.tshark(out, [], "mutate-vg-malformed")
            runner.valgrind(out, [], "mutate-vg-malformed")
    finally:
        runner.close()
        shutil.rmtree(work, ignore_errors=True)
    print(stats.line(time.time() - start), flush=True)
    for label, problem, kept in stats.failures:
        print("fuzz: failure %s: %s (%s)" % (label, problem, kept))
    bad = stats.crashes + stats.sanitizer + stats.valgrind
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
