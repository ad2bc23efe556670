"""README's tshark commands, run as written.

Every shell command README.md shows that runs tshark on the sample captures (a `$ tshark`
line of a shown session, or an inline `tshark ... captures/...` command) runs through
`sh -c`, exactly as written, in a folder holding a copy of captures/, as the same user and
HOME the other tests use (the freshly built plugin in the personal plugin folder; uid 65534
when we are root).  Each must exit 0, print to stdout and nothing to stderr (no warning:
not "running as root", not "found in multiple directories"), and show what wsclose adds (a
WinHTTP status name).  Where README also shows the output, the output must be that: line
for line, with "..." standing for lines left out.
"""

import os
import re
import shlex
import unittest

from wsharness import REPO, PluginTestCase

README = os.path.join(REPO, "README.md")
# At least this many commands: the test must not pass on a README it cannot parse.
MIN_COMMANDS = 14


def readme_commands(text):
    """[(command, shown output lines or None)] of README's tshark commands on captures/."""
    found = []
    # Shown sessions: fenced blocks with "$ tshark ..." lines, each followed by its output.
    for block in re.findall(r"^```[a-z]*\n(.*?)^```", text, re.S | re.M):
        cmd, out = None, []
        for line in block.splitlines() + ["$ "]:
            if line.startswith("$ "):
                if cmd is not None and "captures/" in cmd:
                    found.append((cmd, out))
                cmd, out = line[2:].strip(), []
                if not cmd.startswith("tshark "):
                    cmd = None
            elif cmd is not None:
                out.append(line)
    # Inline commands: `tshark ...` spans naming a capture of captures/.
    outside = re.sub(r"^```.*?^```", "", text, flags=re.S | re.M)
    for span in re.findall(r"`([^`\n]+)`", outside):
        if span.startswith("tshark ") and " captures/" in span:
            found.append((span, None))
    return found


def matches(shown, actual):
    """Whether actual output lines are the shown ones, "..." standing for any lines."""
    chunks, cur = [], []
    for line in shown:
        if line.strip() == "...":
            chunks.append(cur)
            cur = []
        else:
            cur.append(line)
    chunks.append(cur)
    if len(chunks) == 1:
        return actual == chunks[0]
    first, last = chunks[0], chunks[-1]
    if actual[:len(first)] != first:
        return False
    pos = len(first)
    for chunk in chunks[1:-1]:
        for i in range(pos, len(actual) - len(chunk) + 1):
            if actual[i:i + len(chunk)] == chunk:
                pos = i + len(chunk)
                break
        else:
            return False
    return not last or (len(actual) - len(last) >= pos and actual[len(actual) - len(last):] == last)


# What tshark says when it loads no wsclose: as root, Wireshark ignores personal plugin
# folders, so README's commands fail so for root with a personal install.
ROOT_MESSAGE = "wsclose is neither a field nor a protocol name"


class AsRoot(unittest.TestCase):
    """README says, where its examples start, what root must do (test_root.py shows that
    root gets that error)."""

    def test_readme_says_so_where_the_examples_start(self):
        with open(README, encoding="utf-8") as f:
            text = f.read()
        before = text[:text.index("\n$ tshark ")]
        # The paragraph that leads into the first shown session (before its fence).
        lead_in = " ".join(before.rsplit("\n```", 1)[0].rsplit("\n\n", 1)[-1].split())
        self.assertIn(ROOT_MESSAGE, lead_in)
        self.assertIn("root uses the system install", lead_in)


class ReadmeCommands(PluginTestCase):

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        with open(README, encoding="utf-8") as f:
            cls.commands = readme_commands(f.read())

    def test_found(self):
        self.assertGreaterEqual(len(self.commands), MIN_COMMANDS, self.commands)
        shown = [cmd for cmd, out in self.commands if out is not None]
        self.assertGreaterEqual(len(shown), 3, shown)

    def test_commands_run_as_written(self):
        for cmd, shown in self.commands:
            with self.subTest(command=cmd):
                for word in shlex.split(cmd):
                    if word.startswith("captures/"):
                        self.assertTrue(os.path.isfile(os.path.join(REPO, word)), word)
                        self.ts.capture(word[len("captures/"):])
                proc = self.ts.run("-c", cmd, tool="sh", check=False)
                self.assertEqual(proc.returncode, 0, proc.stderr)
                self.assertEqual(proc.stderr, "")
                self.assertNotEqual(proc.stdout.strip(), "")
                # What wsclose adds: a WinHTTP status name, or its connection table.
                self.assertIn("WebSocket Connections (WinHTTP Close Status):"
                              if "-z wsclose,conv" in cmd else "WINHTTP_WEB_SOCKET_",
                              proc.stdout)
                if shown is not None:
                    self.assertTrue(matches(shown, proc.stdout.splitlines()),
                                    "README shows:\n%s\ntshark prints:\n%s"
                                    % ("\n".join(shown), proc.stdout))

    def test_matches(self):
        """The comparison itself: "..." stands for lines left out, nothing else does."""
        self.assertTrue(matches(["a", "b"], ["a", "b"]))
        self.assertFalse(matches(["a", "b"], ["a", "b", "c"]))
        self.assertTrue(matches(["...", "b", "..."], ["a", "b", "c"]))
        self.assertFalse(matches(["...", "b", "c", "..."], ["a", "b", "x", "c"]))
        self.assertTrue(matches(["a", "...", "c"], ["a", "b", "c"]))
        self.assertFalse(matches(["a", "...", "c"], ["a", "c", "d"]))


if __name__ == "__main__":
    unittest.main()
