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
    [FIN] and [MASKED] left out)."""
    return [g for g in re.findall(r"\[([^\]]*)\]", info) if g not in ("FIN", "MASKED")]


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
