"""README's first example as root: it fails as README says, and works for a user.

As root, Wireshark ignores personal plugin folders, so README's commands fail for root with
a personal install; README says so where its examples start (test_readme.AsRoot checks the
note).  This shows root's behaviour, so it skips when not run as root (CI runs as root).
"""

import os
import shlex
import subprocess
import unittest

from test_readme import README, ROOT_MESSAGE
from wsharness import PluginTestCase


def first_shown_command():
    with open(README, encoding="utf-8") as f:
        text = f.read()
    start = text.index("\n$ tshark ")
    return text[start + 3:text.index("\n", start + 1)]


class RootRun(PluginTestCase):

    def test_root_loads_no_personal_plugin(self):
        if os.geteuid() != 0:
            self.skipTest("shows root's behaviour: run as root")
        cmd = first_shown_command()
        for word in shlex.split(cmd):
            if word.startswith("captures/"):
                self.ts.capture(word[len("captures/"):])
        # Root, with the plugin in root's (here: this HOME's) personal plugin folder.
        proc = subprocess.run(["env", "-i", "HOME=" + self.ts.home, "PATH=/usr/bin:/bin",
                               "LC_ALL=C.UTF-8", "sh", "-c", cmd], cwd=self.ts.home,
                              capture_output=True, text=True, timeout=300)
        self.assertNotEqual(proc.returncode, 0)
        self.assertIn(ROOT_MESSAGE, proc.stderr)
        # The same command, HOME and plugin as an ordinary user (uid 65534) works.
        self.assertEqual(self.ts.run("-c", cmd, tool="sh", check=False).returncode, 0)


if __name__ == "__main__":
    unittest.main()
