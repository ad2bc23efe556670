"""README's screenshots show what the plugin shows now.

scripts/gui-screenshots.sh writes next to each docs/NAME.png a docs/NAME.txt: the PNG's
SHA-256, the SHA-256 of each profile file the shot used, and the tshark commands that print
what the shot shows (the same capture, filter, frame and profile; two passes, as the GUI has
dissected every frame before it draws) with their output.  This test re-runs every command
with the freshly built plugin (or, for a record marked "# edition lua", with lua/wsclose.lua
alone), as written, and fails when its output, the PNG or a profile
file is not what it was when the screenshot was taken: the screenshot is then stale.
"""

import difflib
import hashlib
import os
import re
import shlex
import shutil
import unittest

from test_lua_parity import LuaTshark
from wsharness import REPO, PluginTestCase

DOCS = os.path.join(REPO, "docs")
README = os.path.join(REPO, "README.md")
PROFILES = os.path.join(DOCS, "profile")
REGENERATE = ("Regenerate the screenshots from the current plugin: cmake --build build && "
              "scripts/gui-screenshots.sh, then commit docs/.")


def sha256(path):
    with open(path, "rb") as f:
        return hashlib.sha256(f.read()).hexdigest()


def parse_record(text):
    """(png sha256, tshark version line, {profile file: sha256}, [(command, output lines)])
    of a docs/NAME.txt."""
    png_sum, version, profiles, commands = None, None, {}, []
    for line in text.splitlines():
        if commands:
            if line.startswith("$ "):
                commands.append((line[2:], []))
            else:
                commands[-1][1].append(line)
            continue
        m = re.match(r"# \S+\.png sha256 ([0-9a-f]{64}), (.*)$", line)
        if m:
            png_sum, version = m.groups()
            continue
        m = re.match(r"# profile (\S+) sha256 ([0-9a-f]{64})$", line)
        if m:
            profiles[m.group(1)] = m.group(2)
            continue
        if line.startswith("$ "):
            commands.append((line[2:], []))
    return png_sum, version, profiles, commands


def record_edition(text):
    """"lua" when the record's commands show the Lua edition ("# edition lua" before the first
    command), else "c"."""
    for line in text.splitlines():
        if line.startswith("$ "):
            break
        if line == "# edition lua":
            return "lua"
    return "c"


def readme_screenshots():
    with open(README, encoding="utf-8") as f:
        return sorted(set(re.findall(r"!\[[^\]]*\]\(docs/([^)]+\.png)\)", f.read())))


class Screenshots(PluginTestCase):

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.lua = LuaTshark()
        cls.editions = {"c": cls.ts, "lua": cls.lua}
        # The profiles of docs/profile/, for commands that name one with -C.
        for ts in cls.editions.values():
            dst = os.path.join(ts.home, ".config", "wireshark", "profiles")
            shutil.copytree(PROFILES, dst)
            for root, dirs, files in os.walk(os.path.join(ts.home, ".config")):
                os.chmod(root, 0o755)
                for name in files:
                    os.chmod(os.path.join(root, name), 0o644)
        cls.version = cls.ts.out("-v").splitlines()[0]

    @classmethod
    def tearDownClass(cls):
        cls.lua.close()
        super().tearDownClass()

    def test_every_screenshot_has_a_record(self):
        pngs = sorted(n for n in os.listdir(DOCS) if n.endswith(".png"))
        self.assertEqual(readme_screenshots(), pngs)
        for png in pngs:
            with self.subTest(png=png):
                record = os.path.join(DOCS, png[:-4] + ".txt")
                self.assertTrue(os.path.isfile(record),
                                "docs/%s has no record of what it shows (docs/%s). %s"
                                % (png, os.path.basename(record), REGENERATE))
                _sum, _version, _profiles, commands = self.record(png)
                self.assertGreater(len(commands), 0)

    def record_text(self, png):
        with open(os.path.join(DOCS, png[:-4] + ".txt"), encoding="utf-8") as f:
            return f.read()

    def record(self, png):
        return parse_record(self.record_text(png))

    def test_screenshots_are_current(self):
        for png in readme_screenshots():
            record = os.path.join(DOCS, png[:-4] + ".txt")
            if not os.path.isfile(record):
                self.fail("docs/%s has no record of what it shows. %s" % (png, REGENERATE))
            png_sum, version, profiles, commands = self.record(png)
            with self.subTest(png=png):
                self.assertEqual(sha256(os.path.join(DOCS, png)), png_sum,
                                 "docs/%s is not the picture its record was written with. %s"
                                 % (png, REGENERATE))
                for path, digest in profiles.items():
                    self.assertEqual(sha256(os.path.join(REPO, path)), digest,
                                     "%s changed since docs/%s was taken. %s"
                                     % (path, png, REGENERATE))
                ts = self.editions[record_edition(self.record_text(png))]
                for cmd, shown in commands:
                    self.check_command(ts, png, version, cmd, shown)

    def test_lua_edition_shown(self):
        # README shows the Lua edition in the GUI: its shots are recorded as the Lua edition's.
        lua_shots = [png for png in readme_screenshots()
                     if record_edition(self.record_text(png)) == "lua"]
        self.assertEqual(lua_shots, ["gui-lua-packet-details.png", "gui-lua-stats.png"])
        self.assertIn("wsclose.lua", self.lua.out("-G", "plugins"))
        self.assertNotIn("wsclose.so", self.lua.out("-G", "plugins"))

    def check_command(self, ts, png, version, cmd, shown):
        words = shlex.split(cmd)
        self.assertEqual(words[0], "tshark", cmd)
        for word in words:
            if word.startswith("captures/"):
                ts.capture(word[len("captures/"):])
        proc = ts.run("-c", cmd, tool="sh", check=False)
        self.assertEqual(proc.returncode, 0, proc.stderr)
        self.assertEqual(proc.stderr, "")
        actual = proc.stdout.splitlines()
        if actual != shown:
            diff = "\n".join(difflib.unified_diff(shown, actual, "when the screenshot was taken",
                                                  "now", lineterm=""))
            self.fail("docs/%s is stale: `%s` prints something else now.\n%s\n"
                      "(taken with %s; now %s)\n%s"
                      % (png, cmd, REGENERATE, version, self.version, diff))

    def test_parse_record(self):
        """The record format itself, as scripts/gui-screenshots.sh writes it."""
        text = ("# gui-x.png sha256 %s, TShark (Wireshark) 4.0.17 (x)\n"
                "# What the screenshot shows ...\n"
                "# profile docs/profile/wsclose/recent sha256 %s\n"
                "$ tshark -2 -r captures/a.pcapng -Y wsclose\n"
                "line 1\n"
                "# not a comment: output\n"
                "$ tshark -q\n") % ("a" * 64, "b" * 64)
        self.assertEqual(parse_record(text),
                         ("a" * 64, "TShark (Wireshark) 4.0.17 (x)",
                          {"docs/profile/wsclose/recent": "b" * 64},
                          [("tshark -2 -r captures/a.pcapng -Y wsclose",
                            ["line 1", "# not a comment: output"]),
                           ("tshark -q", [])]))
        self.assertEqual(record_edition(text), "c")
        self.assertEqual(record_edition(text.replace("# What", "# edition lua\n# What")), "lua")
        self.assertEqual(record_edition(text + "# edition lua\n"), "c")  # output, not a mark


if __name__ == "__main__":
    unittest.main()
