"""The opening handshake (issue: item 6): an Upgrade answered with anything but 101, and a 101
that breaks RFC 6455 4.1, on the response frame.

captures/diag-upgrade.pcapng (the generator's manifest says what each server answered) and
captures/real-winhttp-wine-upgrade.pcapng (a WinHTTP client under Wine against the same kinds
of answers; its manifest says what each WinHTTP call returned).  Expected items are written
out per scenario; the expected Sec-WebSocket-Accept is computed here from the manifest's key
with Python's hashlib (RFC 6455 4.2.2's formula).  One pass and -2, -V and -Y, and
tshark -z expert.
"""

import base64
import hashlib
import json
import os
import unittest

from wsharness import CAPTURES, PASSES, PluginTestCase, pdml_experts, z_expert

CAPTURE = "diag-upgrade.pcapng"
WINE = "real-winhttp-wine-upgrade.pcapng"
GUID = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11"

MUST_FAIL = (": an RFC 6455 client must fail the connection (4.1); WinHTTP's behaviour is "
             "undocumented")
WINE_ACCEPTS = " (Wine 8 accepts it)"
REFUSED = ("WebSocket upgrade answered with %d, not 101: WinHttpWebSocketCompleteUpgrade "
           "fails")
PROBLEMS = {
    "wsclose.upgrade_no_upgrade": "101 without Upgrade: websocket" + MUST_FAIL + WINE_ACCEPTS,
    "wsclose.upgrade_no_connection": "101 without Connection: Upgrade" + MUST_FAIL,
    "wsclose.upgrade_no_accept": "101 without Sec-WebSocket-Accept" + MUST_FAIL + WINE_ACCEPTS,
    "wsclose.upgrade_wrong_accept": ("101 whose Sec-WebSocket-Accept is not the hash of the "
                                     "request's Sec-WebSocket-Key" + MUST_FAIL + WINE_ACCEPTS),
    "wsclose.upgrade_unoffered_protocol": ("101 with a Sec-WebSocket-Protocol the client did "
                                           "not offer" + MUST_FAIL + WINE_ACCEPTS),
    "wsclose.upgrade_unoffered_extension": ("101 with a Sec-WebSocket-Extensions the client "
                                            "did not offer" + MUST_FAIL),
}
CALL_FAILS = "fails: the server answered %d, not 101"
CALL_UNDOCUMENTED = ("undocumented: the reference is silent on a 101 that breaks RFC 6455 4.1 "
                     "(Wine 8 returns a handle)")

# What each scenario of the generator must give on its response frame.
EXPECTED = {
    "answered-403": ["wsclose.upgrade_refused"],
    "answered-200": ["wsclose.upgrade_refused"],
    "wrong-accept": ["wsclose.upgrade_wrong_accept"],
    "no-accept": ["wsclose.upgrade_no_accept"],
    "no-upgrade-header": ["wsclose.upgrade_no_upgrade"],
    "no-connection-header": ["wsclose.upgrade_no_connection"],
    "protocol-not-offered": ["wsclose.upgrade_unoffered_protocol"],
    "other-protocol": ["wsclose.upgrade_unoffered_protocol"],
    "extension-not-offered": ["wsclose.upgrade_unoffered_extension"],
    "answered-403-chunked": ["wsclose.upgrade_refused"],
    "continue-then-wrong-accept": ["wsclose.upgrade_wrong_accept"],
    "protocol-from-offer": [],
    "header-case": [],
}


def accept(key):
    return base64.b64encode(hashlib.sha1((key + GUID).encode()).digest()).decode()


def connections():
    with open(os.path.join(CAPTURES, "gen", "manifest.json"), encoding="utf-8") as f:
        caps = json.load(f)["captures"]
    return caps[CAPTURE]["connections"]


def expected_items():
    """{response frame: [(abbrev, severity, group, summary)]} of the capture."""
    out = {}
    for conn in connections():
        names = EXPECTED[conn["scenario"]]
        if not names:
            continue
        up = conn["upgrade"]
        items = []
        for name in names:
            if name == "wsclose.upgrade_refused":
                items.append((name, "Warning", "Response", REFUSED % up["response_status"]))
            else:
                items.append((name, "Warning", "Protocol", PROBLEMS[name]))
        out[up["response_frame"]] = items
    return out


class TestUpgradeResponses(PluginTestCase):
    def test_manifest_covers_every_scenario(self):
        self.assertEqual(sorted(c["scenario"] for c in connections()), sorted(EXPECTED))

    def test_expert_items_on_the_response_frames(self):
        want = expected_items()
        self.assertEqual(len(want), 11)
        for name, passes in PASSES:
            with self.subTest(passes=name):
                pdml = self.ts.out("-r", self.ts.capture(CAPTURE), "-T", "pdml", *passes)
                got = {frame: [i for i in items if i[0].startswith("wsclose.upgrade_")]
                       for frame, items in pdml_experts(pdml).items()}
                got = {frame: items for frame, items in got.items() if items}
                self.assertEqual(got, want)

    def test_fields(self):
        want = {}
        for conn in connections():
            if not EXPECTED[conn["scenario"]]:
                continue
            up = conn["upgrade"]
            refused = up["response_status"] != 101
            bad_accept = EXPECTED[conn["scenario"]][0] in ("wsclose.upgrade_no_accept",
                                                           "wsclose.upgrade_wrong_accept")
            want[str(up["response_frame"])] = [
                str(up["request_frame"]),
                accept(up["key"]) if bad_accept else "",
                CALL_FAILS % up["response_status"] if refused else CALL_UNDOCUMENTED]
        fields = ["frame.number", "wsclose.upgrade.request_in",
                  "wsclose.upgrade.accept_expected", "wsclose.api.upgrade"]
        for name, passes in PASSES:
            for mode in (["-V"], ["-Y", "wsclose.upgrade.request_in"]):
                with self.subTest(passes=name, mode=mode):
                    rows = self.ts.fields(CAPTURE, fields, *(passes + mode))
                    got = {r[0]: r[1:] for r in rows if r[1]}
                    self.assertEqual(got, want)

    def test_filters_select_the_responses(self):
        by_name = {}
        for conn in connections():
            for name in EXPECTED[conn["scenario"]]:
                by_name.setdefault(name, []).append(str(conn["upgrade"]["response_frame"]))
        self.assertEqual(len(by_name), 7)
        for name, frames in by_name.items():
            for label, passes in PASSES:
                with self.subTest(filter=name, passes=label):
                    rows = self.ts.fields(CAPTURE, ["frame.number"], "-Y", name, *passes)
                    self.assertEqual([r[0] for r in rows], frames)

    def test_filter_on_other_wsclose_fields_skips_upgrades(self):
        """README: -Y wsclose names other wsclose fields only, so upgrades are not checked:
        it selects the close frames, none of the responses."""
        closes = sorted(f["frame"] for c in connections() for f in c["close_frames"])
        self.assertEqual(len(closes), 18)
        for name, passes in PASSES:
            with self.subTest(passes=name):
                rows = self.ts.fields(CAPTURE, ["frame.number"], "-Y", "wsclose", *passes)
                self.assertEqual([int(r[0]) for r in rows], closes)

    def test_z_expert(self):
        want = {}
        for items in expected_items().values():
            for _, severity, group, summary in items:
                key = (severity, group, summary)
                want[key] = want.get(key, 0) + 1
        # Every close frame of the capture is a 1000: its chat item.
        closes = sum(len(c["close_frames"]) for c in connections())
        self.assertEqual(closes, 18)
        want[("Chat", "Sequence", "Close: WINHTTP_WEB_SOCKET_SUCCESS_CLOSE_STATUS (1000)")] = closes
        want = sorted((s, g, m, n) for (s, g, m), n in want.items())
        for name, passes in PASSES:
            with self.subTest(passes=name):
                out = self.ts.out("-r", self.ts.capture(CAPTURE), "-q", "-z", "expert", *passes)
                self.assertEqual(sorted(z_expert(out)), want)

    def test_no_item_on_correct_upgrades(self):
        """Every other capture's upgrades are correct (real browsers, libraries and Wine
        offering subprotocols and extensions among them)."""
        names = sorted(n for n in os.listdir(CAPTURES)
                       if n.endswith((".pcap", ".pcapng")) and n not in (CAPTURE, WINE))
        self.assertGreater(len(names), 20)
        for capture in names:
            with self.subTest(capture=capture):
                rows = self.ts.fields(capture, ["frame.number"], "-Y",
                                      "wsclose.upgrade.request_in")
                self.assertEqual(rows, [])


# What each defect the recorder's server put in its answer must give on the response.
WINE_EXPECTED = {
    "status-403": [("wsclose.upgrade_refused", "Warning", "Response", REFUSED % 403)],
    "status-200": [("wsclose.upgrade_refused", "Warning", "Response", REFUSED % 200)],
    "accept-wrong": [("wsclose.upgrade_wrong_accept", "Warning", "Protocol",
                      PROBLEMS["wsclose.upgrade_wrong_accept"])],
    "accept-missing": [("wsclose.upgrade_no_accept", "Warning", "Protocol",
                        PROBLEMS["wsclose.upgrade_no_accept"])],
    "upgrade-missing": [("wsclose.upgrade_no_upgrade", "Warning", "Protocol",
                         PROBLEMS["wsclose.upgrade_no_upgrade"])],
    "protocol-not-offered": [("wsclose.upgrade_unoffered_protocol", "Warning", "Protocol",
                              PROBLEMS["wsclose.upgrade_unoffered_protocol"])],
    "protocol-not-among-offered": [("wsclose.upgrade_unoffered_protocol", "Warning", "Protocol",
                                    PROBLEMS["wsclose.upgrade_unoffered_protocol"])],
    None: [],
}


class TestRealWinhttpUpgrades(PluginTestCase):
    """A WinHTTP client under Wine 8 against each kind of answer: the items on the response
    frames, and the Wine claims of the texts ("Wine 8 accepts it", "returns a handle")
    against what its calls returned."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        with open(os.path.join(CAPTURES, WINE.replace(".pcapng", ".json")),
                  encoding="utf-8") as f:
            cls.manifest = json.load(f)

    def responses(self):
        """{tcp.stream: response frame} of the capture's HTTP responses, from tshark's own
        http fields."""
        rows = self.ts.fields(WINE, ["tcp.stream", "frame.number"], "-Y", "http.response")
        return {int(stream): int(frame) for stream, frame in rows}

    def test_items_on_the_responses(self):
        conns = self.manifest["connections"]
        self.assertEqual(len(conns), 8)
        responses = self.responses()
        self.assertEqual(sorted(responses), list(range(8)))
        want = {}
        for stream, conn in enumerate(conns):
            if WINE_EXPECTED[conn["handshake_defect"]]:
                want[responses[stream]] = WINE_EXPECTED[conn["handshake_defect"]]
        self.assertEqual(len(want), 7)
        for name, passes in PASSES:
            with self.subTest(passes=name):
                pdml = self.ts.out("-r", self.ts.capture(WINE), "-T", "pdml", *passes)
                got = {frame: [i for i in items if i[0].startswith("wsclose.upgrade_")]
                       for frame, items in pdml_experts(pdml).items()}
                self.assertEqual({f: i for f, i in got.items() if i}, want)

    def test_error_filter_finds_the_connections(self):
        """README's "From an error in your log to the frame": wsclose.upgrade_refused finds
        exactly the connections whose CompleteUpgrade fails per the reference (the server's
        answer is not a 101) and, under Wine 8, whose first Receive failed with 12152."""
        conns = self.manifest["connections"]
        rows = self.ts.fields(WINE, ["tcp.stream"], "-Y", "wsclose.upgrade_refused")
        found = sorted(int(r[0]) for r in rows)
        self.assertEqual(found, [s for s, c in enumerate(conns)
                                 if c["server_answer"]["status"] != 101])
        first_receive = [next(x for x in c["winhttp_calls"]
                              if x["call"] == "WinHttpWebSocketReceive") for c in conns]
        self.assertEqual(found, [s for s, x in enumerate(first_receive)
                                 if (x["ok"], x["error"]) == (False, 12152)])
        self.assertEqual(found, [0, 1])

    def test_wine_claims(self):
        """Wine 8's CompleteUpgrade returned a handle for every answer (README and
        wsclose.api.upgrade say so); a 101 that breaks RFC 6455 4.1 went on to deliver the
        server's message and close (the expert items say Wine 8 accepts it); after a 403 or
        200, Receive failed with 12152 (README)."""
        for conn in self.manifest["connections"]:
            with self.subTest(scenario=conn["scenario"]):
                calls = conn["winhttp_calls"]
                upgrade = [c for c in calls if c["call"] == "WinHttpWebSocketCompleteUpgrade"]
                self.assertEqual([(c["ok"], c["error"]) for c in upgrade], [(True, 0)])
                receives = [(c["ok"], c["error"]) for c in calls
                            if c["call"] == "WinHttpWebSocketReceive"]
                if conn["handshake_defect"] in ("status-403", "status-200"):
                    self.assertEqual(receives, [(False, 12152), (False, 12152)])
                else:
                    self.assertEqual(receives, [(True, 0), (True, 0)])


if __name__ == "__main__":
    unittest.main()
