"""Statistics tree, name sets and preferences.

Stats counts are compared with counts computed independently: -Y filters on the same
fields, and the generator's manifest. Name sets are checked against the tables written down
in expected.py from the documentation."""

import os
import re
import unittest

import collections

from expected import SIBLINGS as NAME_SETS
from expected import (API_ONLY, IANA_ONLY, WINHTTP, close_frames, close_label, empty_label,
                      manifest, manifest_clients, range_class, range_text,
                      rejected_by_winhttp)
from wsharness import (REPO, PluginTestCase, decode_as_args, expected_aborts, info_labels,
                       pdml_experts, real_clients, real_close_frames, real_manifest)

SETS = ("wsclose.websocket_h", "wsclose.dotnet", "wsclose.iana")


def tree_counts(text):
    """'name  count ...' lines of a -z ...,tree output -> {name: count}."""
    counts = {}
    for line in text.splitlines():
        m = re.match(r"^\s*(\S.*?)\s{2,}(\d+)\s", line)
        if m:
            counts[m.group(1)] = int(m.group(2))
    return counts


def parse_tree(text):
    """A -z ...,tree output -> {(node, child, ...): count}, every row between the rules read
    (a row that cannot be read fails)."""
    lines = text.splitlines()
    rules = [i for i, l in enumerate(lines) if l.startswith("-----")]
    if len(rules) != 2:
        raise AssertionError("not a stats tree: %r" % text)
    out, path = {}, []
    for line in lines[rules[0] + 1:rules[1]]:
        if not line.strip():
            continue
        m = re.match(r"^( *)(\S.*?)\s{2,}(\d+)(\s|$)", line)
        if not m:
            raise AssertionError("unreadable stats tree row %r" % line)
        depth = len(m.group(1))
        if depth > len(path):
            raise AssertionError("stats tree row %r skips a level" % line)
        path = path[:depth] + [m.group(2)]
        out[tuple(path)] = int(m.group(3))
    return out


def children(tree, *node):
    """{name: count} of the rows right under a node of parse_tree()'s result."""
    return {k[-1]: v for k, v in tree.items() if k[:-1] == node}


def t_section(text, heading):
    """{name: count} of the rows right under a top-level node of a -z ...,tree output."""
    return children(parse_tree(text), heading)


def range_row(cf):
    """The statistics tree's "By range" row of a close frame."""
    if cf["code"] is None:
        return ("No status code (empty payload)" if cf["payload_len"] == 0
                else "No readable status (1 byte or not captured)")
    if range_class(cf["code"]) == "IANA":
        return "IANA-registered, not in WinHTTP"
    return range_text(cf["code"])


def status_row(cf):
    """The statistics tree's "By WinHTTP status" row of a close frame: its code on the wire."""
    if cf["code"] is None:
        return ("%s (no status code)" % WINHTTP[1005][0] if cf["payload_len"] == 0
                else "No readable status")
    if cf["code"] in WINHTTP:
        return "%s (%d)" % (WINHTTP[cf["code"]][0], cf["code"])
    return "Not in WinHTTP: %d" % cf["code"]


def oracle_tree(frames, connections, aborts):
    """The statistics tree's rows, from the close frames the capture carries (code,
    direction, payload length, per connection) and the abort rule (expected.aborts()).
    connections: {connection: [close frames]} of every WebSocket connection; aborts:
    {"frames": expected.aborts()'s result, "connections": {connection: who ended it}} of
    the aborted connections."""
    tree = {}

    def section(path, counter):
        tree[path] = sum(counter.values())
        for name, n in counter.items():
            tree[path + (name,)] = n

    closes = [cf for cf in frames if not cf.get("truncated_in_capture")]
    tree[("Close frames",)] = len(frames)
    section(("Close frames", "By sender"), collections.Counter(cf["direction"] for cf in frames))
    section(("Close frames", "By range"), collections.Counter(
        range_row(cf) if cf in closes else "No readable status (1 byte or not captured)"
        for cf in frames))
    section(("Close frames", "By WinHTTP status"), collections.Counter(
        status_row(cf) if cf in closes else "No readable status" for cf in frames))
    section(("Closing handshakes by initiator",), collections.Counter(
        min(cfs, key=lambda cf: cf["frame"])["direction"] for cfs in connections.values()
        if cfs))
    aborted = {conn for conn in connections if conn in aborts["connections"]}
    both = {conn for conn, cfs in connections.items()
            if conn not in aborted and {cf["direction"] for cf in cfs} == {"client", "server"}}
    # Clean: both close frames, and the server's one the WinHTTP client accepts.
    rejected = {conn for conn in both
                if any(rejected_by_winhttp(cf["direction"], cf["payload_len"])
                       for cf in connections[conn])}
    conn_node = ("WebSocket connections",)
    tree[conn_node] = len(connections)
    tree[conn_node + ("Closed cleanly (both close frames, the server's accepted by the "
                      "client)",)] = len(both - rejected)
    tree[conn_node + ("Both close frames, the server's rejected by the client (12152)",)] = \
        len(rejected)
    tree[conn_node + ("Aborted (WINHTTP_WEB_SOCKET_ABORTED_CLOSE_STATUS)",)] = len(aborted)
    tree[conn_node + ("Not closed in the capture",)] = len(set(connections) - both - aborted)
    section(("Aborted connections by who ended them",),
            collections.Counter(aborts["connections"][conn] for conn in aborted))
    section(("Aborts (1006) by endpoint",), collections.Counter(
        a.endpoint for endings in aborts["frames"].values() for a in endings))
    return tree


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
        # Every close frame of the two code captures, in every name set: the label written
        # down from the documentation tables (expected.py), exactly.
        for cap in ("enum-codes.pcapng", "classes.pcapng"):
            frames = close_frames(cap)
            for name_set in ("winhttp", "websocket_h", "dotnet", "iana", "none"):
                with self.subTest(capture=cap, name_set=name_set):
                    rows = self.ts.fields(cap, ["frame.number", "_ws.col.Info"], "-Y",
                                          "wsclose", "-o", "wsclose.name_set:" + name_set)
                    self.assertEqual([int(r[0]) for r in rows], [cf["frame"] for cf in frames])
                    for (frame, info), cf in zip(rows, frames):
                        label = close_label(name_set, cf["direction"], cf["payload_len"],
                                            cf["code"])
                        self.assertEqual(info_labels(info), [label] if label else [],
                                         (frame, cf["code"], info))
                        self.assertNotIn("(null)", info)
        self.assertEqual(empty_label("none"), "no status code")

    def test_chat_items_preference_turns_items_off(self):
        cap = "enum-codes.pcapng"
        # A chat item for every well-formed close of a WinHTTP enum code, not for the codes
        # for APIs to report (those get a warning instead).
        want = [cf["frame"] for cf in close_frames(cap)
                if cf["code"] in WINHTTP and cf["code"] not in API_ONLY and cf["fin"]
                and cf["payload_len"] <= 125]
        self.assertEqual(len(want), 18)
        on = [int(r[0]) for r in self.ts.fields(cap, ["frame.number"], "-Y", "wsclose.close")]
        off = self.ts.fields(cap, ["frame.number"], "-Y", "wsclose.close", "-o",
                             "wsclose.chat_items:FALSE")
        self.assertEqual(on, want)
        self.assertEqual(off, [])

    def test_preferences_listed_with_defaults(self):
        prefs = [l for l in self.ts.out("-G", "currentprefs").splitlines() if "wsclose." in l]
        self.assertIn("#wsclose.name_set: WinHTTP (WINHTTP_WEB_SOCKET_*_CLOSE_STATUS)", prefs)
        self.assertIn("#wsclose.chat_items: TRUE", prefs)


class StatsTree(PluginTestCase):
    # (capture, -d arguments): every close frame shape, aborts of every kind, real peers.
    CAPTURES = [(c, []) for c in ("enum-codes.pcapng", "classes.pcapng", "malformed.pcapng",
                                  "diag-duplicate.pcapng", "diag-ends.pcapng",
                                  "diag-fin-no-close.pcapng", "diag-rst-no-close.pcapng",
                                  "diag-unanswered.pcapng", "diag-client-close.pcapng")] + [
        ("real-python-node.pcapng", []),
        ("real-winhttp-wine.pcapng",
         decode_as_args(real_manifest("real-winhttp-wine.pcapng")["decode_as"]))]

    def tree_text(self, capture, *extra):
        return self.ts.out("-r", self.ts.capture(capture), "-q", "-z", "wsclose,tree", *extra)

    def oracle(self, capture, da):
        """oracle_tree() of a capture: synthetic ones from the generator's manifest, real
        ones from their manifest and the built-in dissector's close frames."""
        if capture in manifest():
            conns = [c for c in manifest()[capture]["connections"] if c.get("websocket")]
            frames = close_frames(capture)
            clients = manifest_clients(capture)
            connections = {c["tcp_stream"]: [cf for cf in frames
                                             if cf["tcp_stream"] == c["tcp_stream"]]
                           for c in conns}
        else:
            m = real_manifest(capture)
            frames = real_close_frames(self.ts, m)
            for cf in frames:
                # The library peers send well-formed closes only; their manifests give no
                # length: no code is an empty payload.
                cf.setdefault("payload_len", 0 if cf["code"] is None else 2)
            clients = real_clients(self.ts, m)
            connections = {stream: [cf for cf in frames if cf["tcp_stream"] == stream]
                           for stream in clients}
        streams = {}
        aborts = expected_aborts(self.ts, capture, clients, da, streams)
        ended_by = {streams[frame]: endings[0].ended_by for frame, endings in aborts.items()}
        return oracle_tree(frames, connections, {"frames": aborts, "connections": ended_by})

    def test_tree_equals_oracle(self):
        for cap, da in self.CAPTURES:
            want = self.oracle(cap, da)
            for extra in ([], ["-2"]):
                with self.subTest(capture=cap, extra=extra):
                    got = parse_tree(self.tree_text(cap, *(da + extra)))
                    self.assertEqual({k: v for k, v in got.items() if k[0] != "Expert items"},
                                     want)

    def test_expert_counts_equal_the_tree(self):
        # The statistics count each expert item the packet tree shows, by kind.
        for cap, da in self.CAPTURES:
            for extra in ([], ["-2"]):
                with self.subTest(capture=cap, extra=extra):
                    got = children(parse_tree(self.tree_text(cap, *(da + extra))),
                                   "Expert items")
                    pdml = self.ts.out("-r", self.ts.capture(cap), "-T", "pdml", *(da + extra))
                    want = collections.Counter(e[0] for items in pdml_experts(pdml).values()
                                               for e in items)
                    self.assertEqual(got, dict(want))

    def test_status_rows_equal_filters(self):
        # Each "By WinHTTP status" row counts the frames its code's filter selects.
        for cap, da in self.CAPTURES:
            with self.subTest(capture=cap):
                rows = children(parse_tree(self.tree_text(cap, *da)), "Close frames",
                                "By WinHTTP status")
                codes = collections.Counter(
                    int(r[0]) for r in self.ts.fields(cap, ["wsclose.status"], "-Y",
                                                      "wsclose.status", *da))
                self.assertEqual({k: v for k, v in rows.items() if k.endswith(")")
                                  and not k.endswith("(no status code)")},
                                 {"%s (%d)" % (WINHTTP[c][0], c): n for c, n in codes.items()
                                  if c in WINHTTP})
                self.assertEqual({k: v for k, v in rows.items() if k.startswith("Not in")},
                                 {"Not in WinHTTP: %d" % c: n for c, n in codes.items()
                                  if c not in WINHTTP})

    def test_oracle_on_known_outcomes(self):
        # The oracle itself, on outcomes written out here.
        for cap, clean, aborted in (("diag-client-close.pcapng", 1, 0),
                                    ("diag-unanswered.pcapng", 0, 1),
                                    ("diag-rst-no-close.pcapng", 0, 1),
                                    ("enum-codes.pcapng", 12, 0),
                                    ("diag-ends.pcapng", 3, 5)):
            want = self.oracle(cap, [])
            self.assertEqual(
                (want[("WebSocket connections", "Closed cleanly (both close frames, the "
                       "server's accepted by the client)")],
                 want[("WebSocket connections",
                       "Aborted (WINHTTP_WEB_SOCKET_ABORTED_CLOSE_STATUS)")]),
                (clean, aborted), cap)
        ends = self.oracle("diag-ends.pcapng", [])
        self.assertEqual(children(ends, "Aborts (1006) by endpoint"), {"client": 4, "server": 4})
        self.assertEqual(children(ends, "Aborted connections by who ended them"),
                         {"client": 2, "server": 3})

    def test_capture_without_websocket_counts_nothing(self):
        for extra in ([], ["-2"]):
            got = parse_tree(self.tree_text("no-websocket.pcapng", *extra))
            self.assertEqual(got, {
                ("Close frames",): 0, ("Close frames", "By sender"): 0,
                ("Close frames", "By range"): 0, ("Close frames", "By WinHTTP status"): 0,
                ("Closing handshakes by initiator",): 0, ("WebSocket connections",): 0,
                ("WebSocket connections", "Closed cleanly (both close frames, the server's "
                 "accepted by the client)"): 0,
                ("WebSocket connections", "Both close frames, the server's rejected by the "
                 "client (12152)"): 0,
                ("WebSocket connections", "Aborted (WINHTTP_WEB_SOCKET_ABORTED_CLOSE_STATUS)"): 0,
                ("WebSocket connections", "Not closed in the capture"): 0,
                ("Aborts (1006) by endpoint",): 0, ("Aborted connections by who ended them",): 0,
                ("Expert items",): 0})


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
