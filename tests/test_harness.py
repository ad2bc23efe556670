"""The harness tests the build it belongs to: a wsclose.so in Wireshark's system plugin
folder (which wins over the personal one) makes the tests fail, saying what to remove.

The system folder is simulated with WIRESHARK_PLUGIN_DIR (honoured for the unprivileged
user the harness runs tshark as), so nothing is installed on this machine.
"""

import os
import shutil
import tempfile
import unittest

from wsharness import Tshark, plugin_path, wireshark_version


class SystemCopy(unittest.TestCase):

    def setUp(self):
        self.fake = tempfile.mkdtemp(prefix="wsclose-fake-system-")
        self.addCleanup(shutil.rmtree, self.fake, True)
        epan = os.path.join(self.fake, wireshark_version(), "epan")
        os.makedirs(epan)
        shutil.copy(plugin_path(), epan)
        self.copy = os.path.join(epan, "wsclose.so")
        for root, _dirs, files in os.walk(self.fake):
            os.chmod(root, 0o755)
            for f in files:
                os.chmod(os.path.join(root, f), 0o644)
        old = os.environ.get("WSCLOSE_TSHARK_ENV")
        self.addCleanup(lambda: os.environ.pop("WSCLOSE_TSHARK_ENV", None) if old is None
                        else os.environ.__setitem__("WSCLOSE_TSHARK_ENV", old))

    def use_fake_system_folder(self):
        os.environ["WSCLOSE_TSHARK_ENV"] = "WIRESHARK_PLUGIN_DIR=" + self.fake

    def check_fails(self, with_plugin):
        ts = Tshark(with_plugin=with_plugin)
        self.addCleanup(ts.close)
        self.use_fake_system_folder()
        self.assertEqual(ts.loaded_paths(), [self.copy])   # the system copy wins
        with self.assertRaises(AssertionError) as cm:
            ts.plugin_loaded()
        msg = str(cm.exception)
        self.assertIn("not the build under test: " + self.copy, msg)
        self.assertIn("    sudo rm " + self.copy, msg)    # no package owns it

    def test_system_copy_beside_the_personal_one_fails(self):
        self.check_fails(with_plugin=True)

    def test_system_copy_without_a_personal_one_fails(self):
        self.check_fails(with_plugin=False)

    def test_personal_copy_alone_is_the_one_tested(self):
        ts = Tshark()
        self.addCleanup(ts.close)
        self.assertTrue(ts.plugin_loaded())
        self.assertEqual(ts.loaded_paths(),
                         [os.path.join(ts.home, ".local", "lib", "wireshark", "plugins",
                                       wireshark_version(), "epan", "wsclose.so")])


if __name__ == "__main__":
    unittest.main()
