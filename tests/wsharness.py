"""Run the real tshark with the freshly built wsclose plugin loaded.

As root, Wireshark ignores personal plugin folders (and WIRESHARK_PLUGIN_DIR), so every
tshark here runs as an unprivileged user (uid 65534, via setpriv when we are root) with a
throw-away HOME whose personal plugin folder holds the plugin under test.  Captures are
copied into that HOME because the checkout itself may not be readable by that user.

A wsclose.so in Wireshark's system plugin folder (the Debian package, or a system install)
is loaded too and wins over the personal copy, so tests would test it instead of the build
they belong to: plugin_loaded() fails, saying what to remove (foreign_copy_message).

A test that cannot run skips (unittest.SkipTest); ctest reports it as skipped, not passed
(SKIP_REGULAR_EXPRESSION, see the top-level CMakeLists.txt).
"""

import json
import os
import re
import shutil
import subprocess
import tempfile
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(HERE)
CAPTURES = os.path.join(REPO, "captures")
NOBODY = 65534


def wireshark_version():
    """'4.0' for tshark 4.0.17: the personal plugin folder is per major.minor."""
    out = subprocess.run(["tshark", "-v"], capture_output=True, text=True, check=True).stdout
    first = out.splitlines()[0]  # "TShark (Wireshark) 4.0.17 (...)"
    ver = first.split(")")[1].split()[0]
    return ".".join(ver.split(".")[:2])


def package_of(path):
    """The Debian package that installed path, or None."""
    try:
        proc = subprocess.run(["dpkg-query", "-S", path], capture_output=True, text=True)
    except OSError:
        return None
    if proc.returncode != 0 or ":" not in proc.stdout:
        return None
    return proc.stdout.split(":")[0].strip()


def foreign_copy_message(paths):
    """What to tell when tshark loads a wsclose.so that is not the one under test."""
    lines = ["tshark loads a wsclose.so that is not the build under test: %s." % ", ".join(paths),
             "A system-wide copy (Wireshark's system plugin folder) wins over the personal one,",
             "so the tests would test it. The personal and the system install exclude each",
             "other (README, \"Install and use\"); remove the system copy to run the tests:"]
    for path in paths:
        owner = package_of(path)
        lines.append("    sudo dpkg --purge %s" % owner if owner else "    sudo rm %s" % path)
    return "\n".join(lines)


def wsclose_rows(plugins_output):
    """The wsclose.so rows of `tshark -G plugins`: [name, version, type, path]."""
    rows = [[c.strip() for c in line.split("\t")] for line in plugins_output.splitlines()]
    return [row for row in rows if row and row[0] == "wsclose.so"]


def decode_as_args(entries):
    """tshark's -d arguments for Decode As entries ("tcp.port==N,websocket")."""
    args = []
    for entry in entries:
        args += ["-d", entry]
    return args


def passes_args(two_pass):
    """tshark's arguments for one pass (none) or two passes (-2)."""
    return ["-2"] if two_pass else []


# The two ways tshark dissects a file: (name, arguments).  Two passes also fill the forward
# links (wsclose.reply_in) that one pass cannot know yet.
PASSES = (("one-pass", passes_args(False)), ("two-pass", passes_args(True)))


def info_labels(info):
    """The bracketed groups wsclose adds to an Info column text (the built-in WebSocket
    [FIN], [FRAGMENT] and [MASKED] left out)."""
    return [g for g in re.findall(r"\[([^\]]*)\]", info)
            if g not in ("FIN", "FRAGMENT", "MASKED")]


def plugin_path():
    path = os.environ.get("WSCLOSE_PLUGIN")
    if not path or not os.path.isfile(path):
        raise unittest.SkipTest("WSCLOSE_PLUGIN is not set to the built wsclose.so")
    return path


class Tshark:
    """A HOME with (or without) the plugin, and a way to run tshark in it."""

    def __init__(self, with_plugin=True, plugin=None):
        self.home = tempfile.mkdtemp(prefix="wsclose-test-")
        os.chmod(self.home, 0o755)
        self.with_plugin = with_plugin
        if with_plugin:
            pdir = os.path.join(self.home, ".local", "lib", "wireshark", "plugins",
                                wireshark_version(), "epan")
            os.makedirs(pdir)
            shutil.copy(plugin or plugin_path(), pdir)
        self.capdir = os.path.join(self.home, "captures")
        os.makedirs(self.capdir)
        for root, _dirs, _files in os.walk(self.home):
            os.chmod(root, 0o755)
            for f in _files:
                os.chmod(os.path.join(root, f), 0o644)

    def close(self):
        shutil.rmtree(self.home, ignore_errors=True)

    def capture(self, name, src_dir=CAPTURES):
        """Path of a world-readable copy of captures/<name>."""
        dst = os.path.join(self.capdir, os.path.basename(name))
        if not os.path.exists(dst):
            shutil.copy(os.path.join(src_dir, name), dst)
            os.chmod(dst, 0o644)
        return dst

    def command(self, args, tool="tshark"):
        env = ["env", "-i", "HOME=" + self.home, "PATH=/usr/bin:/bin", "LC_ALL=C.UTF-8"]
        # Sanitized runs (tests/sanitized.sh): tshark alone gets these variables, given as
        # NAME=VALUE or as NAME (copied from our environment), e.g.
        # WSCLOSE_TSHARK_ENV="LD_PRELOAD=/usr/lib/.../libasan.so ASAN_OPTIONS=detect_leaks=0".
        for item in os.environ.get("WSCLOSE_TSHARK_ENV", "").split():
            if "=" in item:
                env.append(item)
            elif item in os.environ:
                env.append("%s=%s" % (item, os.environ[item]))
        if os.geteuid() == 0:
            return ["setpriv", "--reuid=%d" % NOBODY, "--regid=%d" % NOBODY,
                    "--clear-groups"] + env + [tool] + list(args)
        return env + [tool] + list(args)

    def run(self, *args, check=True, tool="tshark", timeout=300):
        proc = subprocess.run(self.command(args, tool), capture_output=True, text=True,
                              timeout=timeout, cwd=self.home)
        if check and proc.returncode != 0:
            raise AssertionError("%s %s failed (%d): %s" % (tool, " ".join(args),
                                                            proc.returncode, proc.stderr))
        return proc

    def out(self, *args, **kw):
        return self.run(*args, **kw).stdout

    def loaded_paths(self):
        """Where tshark, as this user with this HOME, loads wsclose.so from."""
        return [row[-1] for row in wsclose_rows(self.out("-G", "plugins"))]

    def plugin_loaded(self):
        """Whether tshark loads the plugin of this HOME; fails when it loads another
        wsclose.so (a system-wide copy)."""
        paths = self.loaded_paths()
        foreign = [p for p in paths if not p.startswith(self.home + os.sep)]
        if foreign:
            raise AssertionError(foreign_copy_message(foreign))
        return bool(paths)

    def fields(self, capture, fields, *extra):
        """Rows of -T fields output, one list per frame; multi-valued fields stay joined by ','."""
        args = ["-r", self.capture(capture), "-T", "fields", "-E", "occurrence=a"]
        for f in fields:
            args += ["-e", f]
        args += list(extra)
        return [line.split("\t") for line in self.out(*args).splitlines()]


class PluginTestCase(unittest.TestCase):
    """Base class: one HOME per test class, and a guard that the plugin really loaded."""

    @classmethod
    def setUpClass(cls):
        cls.ts = Tshark()
        if not cls.ts.plugin_loaded():
            cls.ts.close()
            raise AssertionError("wsclose.so is not loaded by tshark (tshark -G plugins)")

    @classmethod
    def tearDownClass(cls):
        cls.ts.close()


def flag_set(value):
    """tcp.flags.* as -T fields prints them: 1/0 up to 4.2, True/False from 4.4 on."""
    return value in ("1", "True")


def expected_aborts(ts, capture, clients, extra=(), streams=None):
    """The aborts RFC 6455 7.1.5 gives for a capture (expected.aborts()), from tshark's own
    TCP and WebSocket fields (no wsclose field is read): {frame: [(endpoint, how, sender,
    after), ...]}.  clients: {tcp.stream: the client's TCP port} of the WebSocket
    connections.  streams, when given, gets {frame: tcp.stream} of the abort frames."""
    from expected import aborts  # the oracle, not a harness matter
    ends, first_close = {}, {}
    for frame, stream, sport, fin, rst in ts.fields(
            capture, ["frame.number", "tcp.stream", "tcp.srcport", "tcp.flags.fin",
                      "tcp.flags.reset"],
            "-Y", "tcp.flags.fin == 1 || tcp.flags.reset == 1", *extra):
        stream = int(stream)
        if stream in clients:
            sender = "client" if int(sport) == clients[stream] else "server"
            ends.setdefault(stream, []).append(
                (int(frame), sender, "RST" if flag_set(rst) else "FIN"))
    for frame, stream, sport in ts.fields(capture, ["frame.number", "tcp.stream", "tcp.srcport"],
                                          "-Y", "websocket.opcode == 8", *extra):
        stream = int(stream)
        if stream in clients:
            sender = "client" if int(sport) == clients[stream] else "server"
            first_close.setdefault(stream, {}).setdefault(sender, int(frame))
    out = {}
    for stream, stream_ends in ends.items():
        found = aborts(stream_ends, first_close.get(stream, {}))
        out.update(found)
        if streams is not None:
            streams.update((frame, stream) for frame in found)
    return out


def frame_filter(frames):
    """A display filter selecting exactly these frame numbers."""
    return " || ".join("frame.number == %d" % f for f in sorted(frames))


def printed_labels(ts, bare, capture, frames, extra=(), prefs=()):
    """{frame: the "[...]" groups wsclose adds to the Info column tshark prints} for the given
    frames: the groups of the line with the plugin (ts) less those of the same line without it
    (bare).  The printed line, not the _ws.col.Info field: from 4.4 on that field is a copy
    taken before the taps run, and the end of a connection is seen by one.  prefs: arguments
    for the run with the plugin only (wsclose's preferences)."""
    if not frames:
        return {}
    flt = frame_filter(frames)
    out = {}
    for tshark, key, args in ((ts, "with", list(extra) + list(prefs)),
                              (bare, "without", list(extra))):
        numbers = [int(r[0]) for r in tshark.fields(capture, ["frame.number"], "-Y", flt,
                                                    *args)]
        lines = tshark.out("-r", tshark.capture(capture), "-Y", flt, *args).splitlines()
        if len(numbers) != len(lines) or numbers != sorted(frames):
            raise AssertionError("%s: frames %r, %d printed lines, for %r"
                                 % (capture, numbers, len(lines), sorted(frames)))
        for n, line in zip(numbers, lines):
            if line.split()[0] != str(n):
                raise AssertionError("%s: line %r is not frame %d" % (capture, line, n))
            out.setdefault(n, {})[key] = info_labels(line)
    labels = {}
    for n, both in out.items():
        added = list(both["with"])
        for group in both["without"]:
            if group not in added:
                raise AssertionError("%s frame %d: %r lost with the plugin" % (capture, n, group))
            added.remove(group)
        labels[n] = added
    return labels


# Expert severities and groups as PDML shows them (_ws.expert.severity / .group shownames)
# and as tshark -z expert names its sections.
EXPERT_SECTIONS = {"Errors": "Error", "Warns": "Warning", "Notes": "Note", "Chats": "Chat",
                   "Comments": "Comment"}


def pdml_experts(pdml_text, prefix="wsclose."):
    """{frame: [(abbrev, severity, group, summary), ...]} of the expert items whose abbrev
    starts with prefix, in tree order, from tshark -T pdml."""
    import xml.etree.ElementTree as ET
    out = {}
    for packet in ET.fromstring(pdml_text).findall("packet"):
        frame = int(packet.find("proto[@name='frame']/field[@name='frame.number']").get("show"))
        for item in packet.iter("field"):
            if item.get("name") != "_ws.expert":
                continue
            abbrev = [c.get("name") for c in item if not c.get("name").startswith("_ws.")]
            if len(abbrev) != 1 or not abbrev[0].startswith(prefix):
                continue
            shown = {c.get("name"): c for c in item}
            out.setdefault(frame, []).append((
                abbrev[0],
                shown["_ws.expert.severity"].get("showname").split(": ", 1)[1],
                shown["_ws.expert.group"].get("showname").split(": ", 1)[1],
                shown["_ws.expert.message"].get("show")))
    return out


def z_expert(text, protocol="WSCLOSE"):
    """[(severity, group, summary, frequency), ...] of one protocol's rows of tshark -q -z
    expert.  Fails on a line it cannot read, and when a section's rows do not add up to the
    count in its heading."""
    rows, section, total, counted = [], None, 0, {}
    for line in text.splitlines():
        if not line.strip() or set(line.strip()) == {"="}:
            continue
        m = re.match(r"^(\w+) \((\d+)\)$", line)
        if m and m.group(1) in EXPERT_SECTIONS:
            section = EXPERT_SECTIONS[m.group(1)]
            counted[section] = [int(m.group(2)), 0]
            continue
        if re.match(r"^\s+Frequency\s+Group\s+Protocol\s+Summary$", line):
            continue
        m = re.match(r"^\s+(\d+)\s+(\S+)\s+(\S+)  (.*)$", line)
        if not m or section is None:
            raise AssertionError("tshark -z expert: unreadable line %r" % line)
        freq = int(m.group(1))
        counted[section][1] += freq
        if m.group(3) == protocol:
            rows.append((section, m.group(2), m.group(4), freq))
    for section, (heading, summed) in counted.items():
        if heading != summed:
            raise AssertionError("tshark -z expert: %s (%d) lists %d" % (section, heading,
                                                                          summed))
    return rows


def real_manifest(capture):
    """The JSON manifest beside a real capture (captures/real-*.json)."""
    with open(os.path.join(CAPTURES, capture.rsplit(".", 1)[0] + ".json"), encoding="utf-8") as f:
        return json.load(f)


def real_clients(ts, manifest):
    """{tcp.stream: the client's TCP port} of a real capture's connections, from the SYNs."""
    ports = {c["client_port"] for c in manifest["connections"]}
    out = {}
    for stream, sport in ts.fields(manifest["capture"], ["tcp.stream", "tcp.srcport"], "-Y",
                                   "tcp.flags.syn == 1 && tcp.flags.ack == 0",
                                   *decode_as_args(manifest.get("decode_as", []))):
        if int(sport) in ports:
            out[int(stream)] = int(sport)
    if len(out) != len(ports):
        raise AssertionError("%s: %d of %d connections found" % (manifest["capture"], len(out),
                                                                 len(ports)))
    return out


def real_close_frames(ts, manifest):
    """A real capture's close frames as its manifest lists them, in frame order, each with
    its frame number (the built-in dissector's close frames of that connection, in order),
    "direction" (= "by"), "scenario" and "tcp_stream"."""
    capture = manifest["capture"]
    da = decode_as_args(manifest.get("decode_as", []))
    streams = {port: stream for stream, port in real_clients(ts, manifest).items()}
    seen = {}
    for frame, stream in ts.fields(capture, ["frame.number", "tcp.stream"], "-Y",
                                   "websocket.opcode == 8", *da):
        seen.setdefault(int(stream), []).append(int(frame))
    out = []
    for conn in manifest["connections"]:
        frames = seen.pop(streams[conn["client_port"]], [])
        if len(frames) != len(conn["close_frames"]):
            raise AssertionError("%s %s: close frames %r for %d in the manifest"
                                 % (capture, conn["scenario"], frames, len(conn["close_frames"])))
        for frame, cf in zip(frames, conn["close_frames"]):
            out.append(dict(cf, frame=frame, direction=cf["by"], scenario=conn["scenario"],
                            tcp_stream=streams[conn["client_port"]]))
    if seen:
        raise AssertionError("%s: close frames outside the manifest: %r" % (capture, seen))
    return sorted(out, key=lambda cf: cf["frame"])
