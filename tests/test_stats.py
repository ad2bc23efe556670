"""Statistics tree, name sets and preferences.

Stats counts are compared with counts computed independently: -Y filters on the same
fields, and the generator's manifest. Name sets are checked against the tables written down
in expected.py from the documentation."""

import os
import re
import unittest

from expected import SIBLINGS as NAME_SETS
from expected import WINHTTP, close_frames, info_label, manifest
from wsharness import REPO, PluginTestCase, info_labels

SETS = ("wsclose.websocket_h", "wsclose.dotnet", "wsclose.iana")


def tree_counts(text):
    """'name  count ...' lines of a -z ...,tree output -> {name: count}."""
    counts = {}
    for line in text.splitlines():
        m = re.match(r"^\s*(\S.*?)\s{2,}(\d+)\s", line)
        if m:
            counts[m.group(1)] = int(m.group(2))
    return counts


def t_section(text, heading):
    """{name: count} of the rows right under a node of a -z ...,tree output."""
    lines = text.splitlines()
    start = [i for i, l in enumerate(lines) if l.strip().startswith(heading + " ")][0]
    indent = len(lines[start]) - len(lines[start].lstrip())
    out = {}
    for line in lines[start + 1:]:
        if len(line) - len(line.lstrip()) <= indent:
            break
        out.update(tree_counts(line))
    return out


class NameSets(PluginTestCase):
    def test_every_code_named_in_every_set(self):
        rows = []
        for cap in ("enum-codes.pcapng", "classes.pcapng"):
            rows += self.ts.fields(cap, ["wsclose.status"] + list(SETS), "-Y", "wsclose.status")
        seen = set()
        for status, *names in rows:
            code = int(status)
            expected = NAME_SETS.get(code, (None, None, None))
            self.assertEqual(names, [n or "" for n in expected], code)
            seen.add(code)
        self.assertEqual(set(NAME_SETS) - seen, set(), "codes of the table not on the wire")

    def test_filter_by_dotnet_name(self):
        out = self.ts.fields("enum-codes.pcapng", ["wsclose.status"], "-Y",
                             'wsclose.dotnet == "EndpointUnavailable"')
        self.assertEqual([r[0] for r in out], ["1001", "1001"])

    def test_empty_close_named_as_1005(self):
        out = self.ts.fields("classes.pcapng", list(SETS), "-Y", "wsclose && !wsclose.status")
        self.assertTrue(out)
        for names in out:
            self.assertEqual(names, [n or "" for n in NAME_SETS[1005]])

    def test_names_shown_under_winhttp_line(self):
        out = self.ts.out("-r", self.ts.capture("enum-codes.pcapng"), "-V", "-Y",
                          "wsclose.status == 1001")
        block = out[out.index("[WinHTTP status: "):]
        websocket_h, dotnet, iana = NAME_SETS[1001]
        self.assertEqual(block.splitlines()[:4],
                         ["[WinHTTP status: %s]" % WINHTTP[1001][0],
                          "        [websocket.h name: %s]" % websocket_h,
                          "        [.NET name: %s]" % dotnet,
                          "        [IANA name: %s]" % iana])


class Preferences(PluginTestCase):
    def info(self, *prefs, capture="enum-codes.pcapng", flt="wsclose.status == 1001"):
        args = []
        for p in prefs:
            args += ["-o", p]
        return self.ts.fields(capture, ["_ws.col.Info"], "-Y", flt, *args)[0][0]

    def test_name_set_changes_info_column(self):
        for value, expected in (("winhttp", WINHTTP[1001][0]),
                                ("websocket_h", NAME_SETS[1001][0]),
                                ("dotnet", NAME_SETS[1001][1]),
                                ("iana", NAME_SETS[1001][2])):
            info = self.info("wsclose.name_set:" + value)
            self.assertEqual(info_labels(info), [expected], (value, info))
        self.assertEqual(info_labels(self.info("wsclose.name_set:none")), [])

    def test_name_set_changes_title(self):
        out = self.ts.out("-r", self.ts.capture("enum-codes.pcapng"), "-V", "-Y",
                          "wsclose.status == 1001", "-o", "wsclose.name_set:dotnet")
        self.assertIn("WebSocket Close Status (WinHTTP): EndpointUnavailable (1001)", out)

    def test_info_label_for_every_name_set_and_code(self):
        # Every code of the two code captures, in every name set: the label written down
        # from the documentation tables (expected.info_label), exactly.
        for cap in ("enum-codes.pcapng", "classes.pcapng"):
            # An empty payload is labeled as the 1005 it reports.
            codes = [1005 if cf["code"] is None else cf["code"] for cf in close_frames(cap)]
            for name_set in ("winhttp", "websocket_h", "dotnet", "iana", "none"):
                with self.subTest(capture=cap, name_set=name_set):
                    rows = self.ts.fields(cap, ["frame.number", "_ws.col.Info"], "-Y",
                                          "wsclose", "-o", "wsclose.name_set:" + name_set)
                    self.assertEqual(len(rows), len(codes))
                    for (frame, info), code in zip(rows, codes):
                        label = info_label(name_set, code)
                        self.assertEqual(info_labels(info), [label] if label else [],
                                         (frame, code, info))
                        self.assertNotIn("(null)", info)

    def test_chat_items_preference_turns_items_off(self):
        cap = self.ts.capture("enum-codes.pcapng")
        on = self.ts.out("-r", cap, "-Y", "wsclose.close").splitlines()
        off = self.ts.out("-r", cap, "-Y", "wsclose.close", "-o",
                          "wsclose.chat_items:FALSE").splitlines()
        self.assertGreater(len(on), 0)
        self.assertEqual(off, [])

    def test_preferences_listed_with_defaults(self):
        prefs = [l for l in self.ts.out("-G", "currentprefs").splitlines() if "wsclose." in l]
        self.assertIn("#wsclose.name_set: WinHTTP (WINHTTP_WEB_SOCKET_*_CLOSE_STATUS)", prefs)
        self.assertIn("#wsclose.chat_items: TRUE", prefs)


class StatsTree(PluginTestCase):
    def tree(self, capture, *extra):
        return tree_counts(self.ts.out("-r", self.ts.capture(capture), "-q", "-z",
                                       "wsclose,tree", *extra))

    def count(self, capture, flt, field="frame.number"):
        return len(self.ts.fields(capture, [field], "-Y", flt))

    def test_close_counts_equal_filters(self):
        for cap in ("enum-codes.pcapng", "classes.pcapng", "malformed.pcapng",
                    "diag-duplicate.pcapng", "real-python-node.pcapng"):
            with self.subTest(capture=cap):
                t = self.tree(cap)
                self.assertEqual(t["Close frames"],
                                 self.count(cap, "wsclose && !wsclose.abort"))
                self.assertEqual(t["Close frames"], self.count(cap, "websocket.opcode == 8"))
                for code, (name, _m) in WINHTTP.items():
                    n = self.count(cap, "wsclose.status == %d" % code)
                    self.assertEqual(t.get("%s (%d)" % (name, code), 0), n, name)
                # Every close frame has a row by range, so the rows add up.
                ranges = t_section(self.ts.out("-r", self.ts.capture(cap), "-q", "-z",
                                               "wsclose,tree"), "By range")
                self.assertEqual(sum(ranges.values()), t["Close frames"], ranges)
                for ei in ("wsclose.close", "wsclose.reserved_code", "wsclose.api_only_code",
                           "wsclose.one_byte_payload", "wsclose.duplicate_close"):
                    self.assertEqual(t.get(ei, 0), self.count(cap, ei), ei)

    def test_sender_counts_equal_manifest(self):
        cap = "enum-codes.pcapng"
        out = self.ts.out("-r", self.ts.capture(cap), "-q", "-z", "wsclose,tree")
        sender = out[out.index("By sender"):].splitlines()[1:3]
        got = {l.split()[0]: int(l.split()[1]) for l in sender}
        want = {}
        for cf in close_frames(cap):
            want[cf["direction"]] = want.get(cf["direction"], 0) + 1
        self.assertEqual(got, want)

    def test_connection_outcomes(self):
        for cap, clean, aborted in (("diag-client-close.pcapng", 1, 0),
                                    ("diag-unanswered.pcapng", 0, 1),
                                    ("diag-rst-no-close.pcapng", 0, 1),
                                    ("enum-codes.pcapng", 12, 0)):
            for extra in ((), ("-2",)):
                t = self.tree(cap, *extra)
                with self.subTest(capture=cap, extra=extra):
                    conns = len(manifest()[cap]["connections"])
                    self.assertEqual(t["WebSocket connections"], conns)
                    self.assertEqual(t["Closed cleanly (both close frames)"], clean)
                    self.assertEqual(t["Aborted (WINHTTP_WEB_SOCKET_ABORTED_CLOSE_STATUS)"],
                                     aborted)
                    self.assertEqual(t["Not closed in the capture"], conns - clean - aborted)
                    self.assertEqual(aborted, len({r[0] for r in self.ts.fields(
                        cap, ["tcp.stream"], "-Y", "wsclose.abort")}))

    def test_aborts_by_endpoint(self):
        for cap, extra in (("diag-ends.pcapng", ()), ("diag-ends.pcapng", ("-2",)),
                           ("diag-fin-no-close.pcapng", ())):
            with self.subTest(capture=cap, extra=extra):
                out = self.ts.out("-r", self.ts.capture(cap), "-q", "-z", "wsclose,tree", *extra)
                got = t_section(out, "Aborts (1006) by endpoint")
                want = {}
                for (who,) in self.ts.fields(cap, ["wsclose.abort"], "-Y", "wsclose.abort",
                                             *extra):
                    for endpoint in who.split(","):
                        want[endpoint] = want.get(endpoint, 0) + 1
                self.assertEqual(got, want)

    def test_capture_without_websocket_counts_nothing(self):
        t = self.tree("no-websocket.pcapng")
        self.assertEqual(t.get("Close frames", 0), 0)
        self.assertEqual(t.get("WebSocket connections", 0), 0)


class FieldReference(PluginTestCase):
    def registered(self):
        """(fields, expert items) of wsclose, from tshark -G fields: name -> description."""
        fields, experts = {}, {}
        for line in self.ts.out("-G", "fields").splitlines():
            parts = line.split("\t")
            if parts[0] != "F" or not parts[2].startswith("wsclose."):
                continue
            if parts[3] == "FT_NONE":  # expert items: their name is their description
                experts[parts[2]] = parts[1]
            else:
                fields[parts[2]] = parts[7] if len(parts) > 7 else ""
        return fields, experts

    def readme_table(self, heading):
        with open(os.path.join(REPO, "README.md")) as f:
            readme = f.read()
        section = readme[readme.index(heading):]
        section = section[:section.index("\n#", len(heading))]
        return set(re.findall(r"^\| `(wsclose\.[a-z0-9_.]+)` \|", section, re.M))

    def test_every_field_has_a_blurb(self):
        fields, experts = self.registered()
        self.assertGreater(len(fields), 10)
        self.assertGreater(len(experts), 5)
        for name, blurb in fields.items():
            self.assertTrue(blurb.strip(), "%s has no description" % name)

    def test_readme_matches_registered_fields(self):
        fields, experts = self.registered()
        self.assertEqual(self.readme_table("## Field reference"), set(fields))
        self.assertEqual(self.readme_table("### Expert info"), set(experts))


if __name__ == "__main__":
    unittest.main()
