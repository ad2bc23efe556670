"""The real Wireshark GUI (wireshark-qt) with the plugin, under Xvfb.

Runs `wireshark` the way scripts/gui-screenshots.sh does: as uid 65534 when we are root,
with the plugin in the personal plugin folder of a throw-away HOME, on an Xvfb display.
Fails when tshark (same user, same HOME: Wireshark's GUI has no -G plugins) does not list
the plugin, when the GUI does not label the close frames as tshark does (a Lua tap in the
GUI reads wsclose.winhttp of every frame matching `wsclose`), or when the GUI logs an
error or does not exit cleanly on Ctrl+Q.

Skips without wireshark, Xvfb or xdotool, naming the Debian package to install
(`scripts/setup.sh --tests` installs them); ctest then reports the test as skipped.
"""

import os
import shutil
import signal
import subprocess
import time
import unittest

from wsharness import NOBODY, Tshark, plugin_path, wireshark_version

CAPTURE = "enum-codes.pcapng"
FRAME = 8

PROBE = r"""
local ok, f_winhttp = pcall(Field.new, "wsclose.winhttp")
local out_path = os.getenv("HOME") .. "/probe.txt"
if not ok then
  local out = io.open(out_path, "w")
  out:write("ERROR " .. tostring(f_winhttp) .. "\n")
  out:close()
  return
end
local rows = {}
local tap = Listener.new("frame", "wsclose")
function tap.packet(pinfo, tvb)
  local w = f_winhttp()
  rows[pinfo.number] = w and tostring(w) or ""
end
function tap.draw()
  local keys = {}
  for k in pairs(rows) do keys[#keys + 1] = k end
  table.sort(keys)
  local out = io.open(out_path .. ".tmp", "w")
  for _, k in ipairs(keys) do out:write(k .. "\t" .. rows[k] .. "\n") end
  out:close()
  os.rename(out_path .. ".tmp", out_path)
end
function tap.reset() rows = {} end
"""


def wait_for(pred, timeout, step=0.25):
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        if pred():
            return True
        time.sleep(step)
    return pred()


class GuiTest(unittest.TestCase):

    @classmethod
    def setUpClass(cls):
        for tool, package in (("wireshark", "wireshark-qt"), ("Xvfb", "xvfb"),
                              ("xdotool", "xdotool"), ("tshark", "tshark")):
            if not shutil.which(tool, path="/usr/bin:/bin"):
                raise unittest.SkipTest("%s is not installed: install the Debian package %s "
                                        "(scripts/setup.sh --tests installs it)"
                                        % (tool, package))
        plugin_path()  # skips without WSCLOSE_PLUGIN

    def setUp(self):
        self.ts = Tshark()
        self.addCleanup(self.ts.close)
        self.home = self.ts.home
        self.cap = self.ts.capture(CAPTURE)
        with open(os.path.join(self.home, "probe.lua"), "w") as f:
            f.write(PROBE)
        for sub in ("run", "extcap"):
            os.mkdir(os.path.join(self.home, sub))
        os.chmod(os.path.join(self.home, "run"), 0o700)
        if os.geteuid() == 0:  # the GUI writes its profile and the probe into HOME
            for root, dirs, files in os.walk(self.home):
                for name in [root] + [os.path.join(root, n) for n in dirs + files]:
                    os.chown(name, NOBODY, NOBODY)
        self.display = None
        self.procs = []

    def tearDown(self):
        for proc in reversed(self.procs):
            if proc.poll() is None:
                try:
                    os.killpg(proc.pid, signal.SIGKILL)
                except ProcessLookupError:
                    pass
            proc.wait(timeout=30)

    def command(self, *args):
        """ARGS as the GUI's user, in the GUI's environment."""
        env = ["XDG_RUNTIME_DIR=" + os.path.join(self.home, "run"),
               "WIRESHARK_EXTCAP_DIR=" + os.path.join(self.home, "extcap")]
        if self.display is not None:
            env.append("DISPLAY=:%s" % self.display)
        return self.ts.command(env + list(args), tool="env")

    def start(self, *args, **kw):
        proc = subprocess.Popen(self.command(*args), start_new_session=True, **kw)
        self.procs.append(proc)
        return proc

    def start_xvfb(self):
        rfd, wfd = os.pipe()
        try:
            xvfb = self.start("Xvfb", "-displayfd", str(wfd), "-screen", "0", "1280x720x24",
                              "-nolisten", "tcp", pass_fds=(wfd,),
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        finally:
            os.close(wfd)
        with os.fdopen(rfd) as r:
            line = r.readline().strip()
        self.assertTrue(line.isdigit(), "Xvfb did not start (%r)" % line)
        self.assertIsNone(xvfb.poll())
        self.display = line

    def test_plugin_listed(self):
        """tshark as the GUI's user with the GUI's HOME lists the plugin from that HOME."""
        self.assertTrue(self.ts.plugin_loaded())   # fails on a system-wide copy
        self.assertEqual(self.ts.loaded_paths(),
                         [os.path.join(self.home, ".local", "lib", "wireshark", "plugins",
                                       wireshark_version(), "epan", "wsclose.so")])

    def test_gui_labels_close_frames(self):
        self.assertTrue(self.ts.plugin_loaded())   # fails on a system-wide copy
        expected = [line.split("\t") for line in self.ts.out(
            "-r", self.cap, "-Y", "wsclose", "-T", "fields",
            "-e", "frame.number", "-e", "wsclose.winhttp").splitlines()]
        self.assertGreater(len(expected), 0)

        self.start_xvfb()
        log_path = os.path.join(self.home, "wireshark.log")
        with open(log_path, "w") as log:
            gui = self.start("wireshark", "-X", "lua_script:" + os.path.join(self.home, "probe.lua"),
                             "-r", self.cap, "-Y", "wsclose", "-g", str(FRAME),
                             stdout=log, stderr=subprocess.STDOUT)
        probe = os.path.join(self.home, "probe.txt")

        def window():
            proc = subprocess.run(self.command("xdotool", "search", "--onlyvisible",
                                               "--name", CAPTURE),
                                  capture_output=True, text=True)
            return proc.stdout.split()

        def log_text():
            with open(log_path, errors="replace") as f:
                return f.read()

        shown = wait_for(lambda: gui.poll() is not None or (window() and os.path.exists(probe)),
                         120)
        self.assertIsNone(gui.poll(), "wireshark exited (%s):\n%s" % (gui.returncode, log_text()))
        self.assertTrue(shown, "no window / no probe output within 120 s:\n" + log_text())
        time.sleep(2)  # the GUI keeps running: no crash after drawing the selected frame
        self.assertIsNone(gui.poll(), "wireshark exited (%s):\n%s" % (gui.returncode, log_text()))

        # Quit like a user does; the exit status must be 0.
        subprocess.run(self.command("xdotool", "windowfocus", "--sync", window()[0],
                                    "key", "ctrl+q"), capture_output=True)
        try:
            rc = gui.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self.fail("wireshark did not quit on Ctrl+Q:\n" + log_text())
        self.assertEqual(rc, 0, log_text())

        bad = [line for line in log_text().splitlines()
               if "CRITICAL" in line or "ERROR" in line or "Lua" in line]
        self.assertEqual(bad, [], log_text())

        with open(probe) as f:
            got = [line.rstrip("\n").split("\t") for line in f]
        self.assertEqual(got, expected)
        self.assertIn([str(FRAME), "WINHTTP_WEB_SOCKET_SUCCESS_CLOSE_STATUS"], got)


if __name__ == "__main__":
    unittest.main()
