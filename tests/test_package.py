"""The Debian package: build it with CPack, install it with dpkg, check that tshark run as
root (which ignores personal plugin folders) loads wsclose.so from Wireshark's system plugin
folder and labels close frames, then purge it and check that it is gone.

Needs root, or passwordless sudo (then dpkg and root's tshark run through `sudo -n`), and
dpkg; skips otherwise.  ctest passes WSCLOSE_BUILD_DIR.  The package is purged on every exit
path, and the test fails without touching a system that already has the package or a
wsclose.so in the system plugin folder (the other tests would test that copy too), saying
what to remove.
"""

import os
import shutil
import subprocess
import tempfile
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(HERE)
CAPTURES = os.path.join(REPO, "captures")
PACKAGE = "wireshark-plugin-wsclose"


def root_prefix():
    """How to run a command as root: [] as root, ["sudo", "-n"] with passwordless sudo,
    None when neither works."""
    if os.geteuid() == 0:
        return []
    if shutil.which("sudo") and subprocess.run(["sudo", "-n", "true"], capture_output=True,
                                               stdin=subprocess.DEVNULL).returncode == 0:
        return ["sudo", "-n"]
    return None


def run(cmd, check=True, **kw):
    proc = subprocess.run(cmd, capture_output=True, text=True, timeout=300, **kw)
    if check and proc.returncode != 0:
        raise AssertionError("%s failed (%d):\n%s%s" % (" ".join(cmd), proc.returncode,
                                                        proc.stdout, proc.stderr))
    return proc


def package_status():
    """dpkg's status of the package: 'ii' installed, 'rc' config files left, ...;
    '' when dpkg does not know it or knows it as not installed."""
    proc = run(["dpkg-query", "-W", "-f", "${db:Status-Abbrev}", PACKAGE], check=False)
    status = proc.stdout.strip() if proc.returncode == 0 else ""
    return "" if status[1:2] in ("", "n") else status


def global_plugin_dir(prefix):
    """Wireshark's system plugin folder, as tshark reports it (tshark -G folders)."""
    for line in run(prefix + ["tshark", "-G", "folders"]).stdout.splitlines():
        key, _, value = line.partition(":")
        if key.strip() == "Global Plugins":
            return value.strip()
    raise AssertionError("tshark -G folders lists no Global Plugins folder")


class PackageTest(unittest.TestCase):

    @classmethod
    def setUpClass(cls):
        cls.root = root_prefix()
        if cls.root is None:
            raise unittest.SkipTest("needs root or passwordless sudo (dpkg -i)")
        for tool in ("dpkg", "dpkg-query", "cpack", "tshark"):
            if not shutil.which(tool):
                raise unittest.SkipTest("%s is not available" % tool)
        build = os.environ.get("WSCLOSE_BUILD_DIR", "")
        cls.cpack_config = os.path.join(build, "CPackConfig.cmake")
        if not os.path.isfile(cls.cpack_config):
            raise unittest.SkipTest("no CPackConfig.cmake in WSCLOSE_BUILD_DIR (%r)" % build)
        cls.home = tempfile.mkdtemp(prefix="wsclose-pkg-home-")
        # Root's tshark with a throw-away HOME: nothing of the caller's profile or
        # personal plugin folder takes part (root ignores the latter anyway).
        cls.env = ["env", "-i", "HOME=" + cls.home, "PATH=/usr/sbin:/usr/bin:/sbin:/bin",
                   "LC_ALL=C.UTF-8"]
        cls.plugin_file = os.path.join(global_plugin_dir(cls.root + cls.env), "epan",
                                       "wsclose.so")
        status = package_status()
        if status:
            cls.remove_home()
            raise AssertionError("%s is already known to dpkg (%s): not touching it; the "
                                 "other tests would test it too. Remove it: sudo dpkg --purge %s"
                                 % (PACKAGE, status, PACKAGE))
        if os.path.exists(cls.plugin_file):
            cls.remove_home()
            raise AssertionError("%s already exists (not from the package): not touching it; "
                                 "the other tests would test it too. Remove it: sudo rm %s"
                                 % (cls.plugin_file, cls.plugin_file))

    @classmethod
    def remove_home(cls):
        # Root's tshark may have written into it.
        run(cls.root + ["rm", "-rf", cls.home], check=False)

    @classmethod
    def tearDownClass(cls):
        cls.remove_home()

    def setUp(self):
        self.outdir = tempfile.mkdtemp(prefix="wsclose-pkg-")
        self.addCleanup(shutil.rmtree, self.outdir, True)

    def purge(self):
        if package_status():
            run(self.root + ["dpkg", "--purge", PACKAGE], check=False)

    def tshark(self, *args):
        """tshark as root."""
        return run(self.root + self.env + ["tshark"] + list(args), cwd=self.home).stdout

    def build_package(self):
        run(["cpack", "-G", "DEB", "--config", self.cpack_config, "-B", self.outdir])
        debs = [f for f in os.listdir(self.outdir) if f.endswith(".deb")]
        self.assertEqual(len(debs), 1, debs)
        return os.path.join(self.outdir, debs[0])

    def test_install_load_remove(self):
        deb = self.build_package()

        # What the package holds and needs, before installing it.
        fields = run(["dpkg-deb", "-f", deb, "Package", "Depends"]).stdout
        self.assertIn("Package: " + PACKAGE, fields)
        self.assertRegex(fields, r"Depends: .*libwireshark\d+ \(>= \d+\.\d+\)")
        self.assertRegex(fields, r"libwireshark\d+ \(<< \d+\.\d+~\)")
        contents = run(["dpkg-deb", "-c", deb]).stdout
        files = [line.split()[-1].lstrip(".") for line in contents.splitlines()
                 if line.startswith("-")]
        self.assertEqual(files, [self.plugin_file])

        # Install; whatever happens next, purge it again.
        self.addCleanup(self.purge)
        run(self.root + ["dpkg", "-i", deb])
        self.assertEqual(package_status(), "ii")
        self.assertTrue(os.path.isfile(self.plugin_file))
        listed = run(["dpkg", "-L", PACKAGE]).stdout.split()
        self.assertIn(self.plugin_file, listed)
        for path in listed:
            self.assertFalse(path.startswith(("/root", "/home")), path)

        # tshark as root loads it from the system folder...
        plugins = [line.split("\t") for line in self.tshark("-G", "plugins").splitlines()]
        ours = [row for row in plugins if row and row[0].strip() == "wsclose.so"]
        self.assertEqual(len(ours), 1, ours)
        self.assertEqual(ours[0][-1], self.plugin_file)

        # ... and labels the close frames.
        cap = os.path.join(CAPTURES, "enum-codes.pcapng")
        rows = [line.split("\t") for line in self.tshark(
            "-r", cap, "-Y", "wsclose", "-T", "fields",
            "-e", "frame.number", "-e", "wsclose.winhttp", "-e", "_ws.col.Info").splitlines()]
        self.assertGreater(len(rows), 0)
        first = rows[0]
        self.assertEqual(first[:2], ["8", "WINHTTP_WEB_SOCKET_SUCCESS_CLOSE_STATUS"])
        self.assertIn("[WINHTTP_WEB_SOCKET_SUCCESS_CLOSE_STATUS]", first[2])
        codes = set(row[1] for row in rows)
        self.assertIn("WINHTTP_WEB_SOCKET_ENDPOINT_TERMINATED_CLOSE_STATUS", codes)

        # Purge: the file and the package are gone, tshark no longer loads it.
        run(self.root + ["dpkg", "--purge", PACKAGE])
        self.assertEqual(package_status(), "")
        self.assertFalse(os.path.exists(self.plugin_file))
        self.assertNotIn("wsclose.so", self.tshark("-G", "plugins"))


if __name__ == "__main__":
    unittest.main()
