#!/usr/bin/python3
"""Record real WebSocket implementations closing, on loopback, into captures/real-*.pcapng.

Run through record.sh (which installs what is missing).  For every capture below, this starts
the server(s), starts dumpcap on `lo` filtered to the servers' ports, runs one client
connection per scenario (sequentially), stops dumpcap, embeds the TLS key log (if any),
normalises the pcapng section/interface headers (no OS, hardware or host names), and writes a
manifest beside it: versions, and per connection what each peer was TOLD to send.

  /usr/bin/python3 captures/record/record.py [--only NAME ...] [--out DIR]

real-winhttp-wine is different: its client is winhttp/client.c (WinHTTP's WebSocket API, built
with mingw-w64 and run under Wine in a throw-away WINEPREFIX), its servers are websockets and
raw_peer.py, its connections are in winhttp_scenarios.py, and its manifest also lists every
WinHTTP call the client made and what it returned.  real-winhttp-wine-upgrade is made the same
way, with raw_peer.py alone answering the Upgrade with 403, 200 or a 101 that breaks RFC 6455
section 4.1 (winhttp_scenarios.upgrade_connections()); its manifest adds per connection what
the client offered and what the server answered.
"""

import argparse
import http.server
import json
import os
import queue
import shutil
import signal
import struct
import subprocess
import sys
import tempfile
import threading
import time
from urllib.parse import quote, unquote, urlencode

import winhttp_scenarios

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(os.path.dirname(HERE))
PY = "/usr/bin/python3"
PY_PEER = os.path.join(HERE, "py_peer.py")
NODE_PEER = os.path.join(HERE, "node", "peer.js")
RAW_PEER = os.path.join(HERE, "raw_peer.py")
WINHTTP_CLIENT = os.path.join(HERE, "winhttp", "client.c")

IMPL = {"python": "python-websockets", "node": "node-ws", "chromium": "chromium",
        "winhttp": "winhttp-wine", "raw": "raw-socket"}

UTF8_REASON_1 = "Tschüß – 再见 👋"          # 2-, 3- and 4-byte UTF-8 sequences
UTF8_REASON_2 = "Serveur arrêté — 服务器关闭 🛑"
UTF8_REASON_3 = "Ünïcödé ✓ — ошибка ☃ 🚀"

# ---------------------------------------------------------------- the scenarios
#
# A connection: scenario (unique in its capture, also the request path), server (key into
# the capture's servers), and what the peers are told:
#   close:  client side: CODE (close with CODE, reason), "empty" (close without a code),
#           "server" (wait for the server to close), "abort" (killed: FIN),
#           "abort-rst" (killed with unread data: RST)
#   sclose: server side: CODE or "empty": close after `msgs` echoed messages
#   kill_server: the server process is killed while the client waits (last in a capture)
#   msgs, deflate (does the client offer permessage-deflate; Chromium always does), tls


def stop_recording(dump, servers):
    """Let the last packets reach dumpcap, stop it, then the servers."""
    time.sleep(1.0)
    dump.send_signal(signal.SIGTERM)
    dump.wait(timeout=20)
    for s in servers.values():
        s.kill()


def C(scenario, server, close="server", reason="", sclose=None, sreason="", msgs=1,
      deflate=False, kill_server=False, description=""):
    return dict(scenario=scenario, server=server, close=close, reason=reason, sclose=sclose,
                sreason=sreason, msgs=msgs, deflate=deflate, kill_server=kill_server,
                description=description)


def python_node():
    conns = []
    for code in (1000, 1001, 1002, 1003, 1007, 1008, 1009, 1010, 1011, 3000, 3999, 4000, 4999):
        conns.append(C("client-close-%d" % code, "ws", close=code,
                       reason="python client closes with %d" % code,
                       description="client-initiated close with code %d and an ASCII reason" % code))
    conns += [
        C("client-close-1000-utf8-reason", "ws", close=1000, reason=UTF8_REASON_1,
          description="client-initiated 1000 with a multibyte UTF-8 reason"),
        C("client-close-after-deflate-data", "ws", close=1000, reason="done", msgs=3, deflate=True,
          description="3 compressed messages each way, then a client-initiated 1000"),
        C("server-close-1001", "ws", sclose=1001, sreason="node server going away",
          description="server-initiated close"),
    ]
    for code in (1012, 1013, 1014):
        conns.append(C("server-close-%d" % code, "ws", sclose=code,
                       sreason="node server closes with %d" % code,
                       description="server-initiated %d (IANA-registered, not in WinHTTP's enum)" % code))
    conns += [
        C("server-close-empty", "ws", sclose="empty",
          description="server-initiated close with an empty payload (ws.close() without a code)"),
        C("abort-client-killed-fin", "ws", close="abort",
          description="client process SIGKILLed while idle: TCP FIN, no close frame"),
        C("abort-client-killed-rst", "ws", close="abort-rst",
          description="client process SIGKILLed with unread data: TCP RST, no close frame"),
        C("abort-server-killed", "ws", close="server", kill_server=True,
          description="server process SIGKILLed while the client waits: no close frame"),
    ]
    return dict(name="real-python-node", client="python",
                servers={"ws": dict(impl="node", port=8080)}, conns=conns)


def node_python():
    conns = []
    for code in (1000, 1001, 1002, 1003, 1007, 1008, 1009, 1010, 1011, 1012, 1013, 1014,
                 3000, 4000, 4999):
        conns.append(C("server-close-%d" % code, "ws", sclose=code,
                       sreason="python server closes with %d" % code,
                       description="server-initiated close with code %d and an ASCII reason" % code))
    conns += [
        C("server-close-1001-utf8-reason", "ws", sclose=1001, sreason=UTF8_REASON_2,
          description="server-initiated 1001 with a multibyte UTF-8 reason"),
        C("client-close-empty", "ws", close="empty",
          description="client-initiated close with an empty payload (ws.close() without a code)"),
        C("client-close-4500", "ws", close=4500, reason="node client closes with 4500",
          description="client-initiated close"),
        C("client-close-after-deflate-data", "ws", close=1000, reason="done", msgs=3, deflate=True,
          description="3 compressed messages each way, then a client-initiated 1000"),
        C("abort-client-killed-fin", "ws", close="abort",
          description="client process SIGKILLed while idle: TCP FIN, no close frame"),
        C("abort-client-killed-rst", "ws", close="abort-rst",
          description="client process SIGKILLed with unread data: TCP RST, no close frame"),
        C("abort-server-killed", "ws", close="server", kill_server=True,
          description="server process SIGKILLed while the client waits: no close frame"),
    ]
    return dict(name="real-node-python", client="node",
                servers={"ws": dict(impl="python", port=8088)}, conns=conns)


def chromium_python():
    conns = [
        C("browser-close-1000", "ws", close=1000, reason="bye", msgs=2,
          description="ws.close(1000, 'bye')"),
        C("browser-close-nocode", "ws", close="empty", msgs=2,
          description="ws.close() without a code: empty close payload"),
        C("browser-close-4000-utf8-reason", "ws", close=4000, reason=UTF8_REASON_3, msgs=2,
          description="ws.close(4000, multibyte UTF-8 reason)"),
        C("browser-close-3000", "ws", close=3000, reason="browser closes with 3000", msgs=2,
          description="ws.close(3000, reason)"),
        C("server-close-1001", "ws", sclose=1001, sreason="python server going away", msgs=2,
          description="server-initiated close"),
        C("server-close-1011", "ws", sclose=1011, sreason="python server error", msgs=2,
          description="server-initiated close"),
        C("server-close-4999", "ws", sclose=4999, sreason="python server closes with 4999", msgs=2,
          description="server-initiated close"),
        C("abort-browser-killed", "ws", close="abort", msgs=2,
          description="Chromium's process group SIGKILLed: no close frame"),
        C("wss-browser-close-1000", "wss", close=1000, reason="bye over TLS", msgs=2,
          description="wss:// (self-signed, --ignore-certificate-errors), ws.close(1000, reason)"),
        C("wss-server-close-1008", "wss", sclose=1008, sreason="python server policy over TLS",
          msgs=2, description="wss://, server-initiated close"),
    ]
    return dict(name="real-chromium-python", client="chromium",
                servers={"ws": dict(impl="python", port=47301),
                         "wss": dict(impl="python", port=443, tls=True)}, conns=conns,
                decode_as=["tcp.port==47301,http"])


def chromium_node():
    conns = [
        C("browser-close-1000", "ws", close=1000, reason="bye", msgs=2,
          description="ws.close(1000, 'bye')"),
        C("browser-close-nocode", "ws", close="empty", msgs=2,
          description="ws.close() without a code: empty close payload"),
        C("browser-close-4999-utf8-reason", "ws", close=4999, reason=UTF8_REASON_1, msgs=2,
          description="ws.close(4999, multibyte UTF-8 reason)"),
        C("server-close-1008", "ws", sclose=1008, sreason="node server policy", msgs=2,
          description="server-initiated close"),
        C("server-close-1012", "ws", sclose=1012, sreason="node server restarting", msgs=2,
          description="server-initiated 1012 (not in WinHTTP's enum)"),
        C("server-close-empty", "ws", sclose="empty", msgs=2,
          description="server-initiated close with an empty payload"),
        C("abort-browser-killed", "ws", close="abort", msgs=2,
          description="Chromium's process group SIGKILLed: no close frame"),
    ]
    return dict(name="real-chromium-node", client="chromium",
                servers={"ws": dict(impl="node", port=8080)}, conns=conns)


def python_python():
    conns = [
        C("client-close-1000", "ws", close=1000, reason="python client done",
          description="plain ws://, client-initiated close"),
        C("server-close-1003", "ws", sclose=1003, sreason="python server: wrong data type",
          description="plain ws://, server-initiated close"),
        C("wss-client-close-1000-after-deflate-data", "wss", close=1000, reason="done", msgs=3,
          deflate=True, description="wss://, 3 compressed messages each way, client-initiated 1000"),
        C("wss-client-close-4000-utf8-reason", "wss", close=4000, reason=UTF8_REASON_2,
          description="wss://, client-initiated 4000 with a multibyte UTF-8 reason"),
        C("wss-server-close-1001", "wss", sclose=1001, sreason="python server going away",
          description="wss://, server-initiated close"),
        C("wss-server-close-1009", "wss", sclose=1009, sreason="python server: too big",
          description="wss://, server-initiated close"),
    ]
    return dict(name="real-python-python", client="python",
                servers={"ws": dict(impl="python", port=8088),
                         "wss": dict(impl="python", port=443, tls=True)}, conns=conns)


def winhttp_wine():
    ports = winhttp_scenarios.PORTS
    return dict(name="real-winhttp-wine", client="winhttp",
                servers={"ws": dict(impl="python", port=ports["ws"]),
                         "raw": dict(impl="raw", port=ports["raw"])},
                conns=winhttp_scenarios.connections(),
                decode_as=["tcp.port==%d,http" % ports["ws"], "tcp.port==%d,http" % ports["raw"]])


def winhttp_wine_upgrade():
    port = winhttp_scenarios.PORTS["upgrade"]
    return dict(name="real-winhttp-wine-upgrade", client="winhttp",
                servers={"upgrade": dict(impl="raw", port=port)},
                conns=winhttp_scenarios.upgrade_connections(),
                decode_as=["tcp.port==%d,http" % port],
                notes=[
                    "The server (raw-socket) answers each Upgrade as server_answer says (status, "
                    "header lines, body: what it wrote); handshake_defect names what the answer "
                    "breaks (null: a correct 101): status-403, status-200, accept-wrong "
                    "(RFC 6455 section 1.3's example Sec-WebSocket-Accept, not this key's hash), "
                    "accept-missing, upgrade-missing (no Upgrade: websocket), "
                    "protocol-not-offered, protocol-not-among-offered.  offered_protocol is the "
                    "request's Sec-WebSocket-Protocol (null: none); upgraded is status == 101.",
                    "After a 101 the server sends a text message and a close 1000 and the client "
                    "answers with Receive, Receive, QueryCloseStatus, WinHttpWebSocketClose; "
                    "after a 403 or a 200 the server sends nothing more (its body aside) and "
                    "reads until the client's FIN, and the client makes the same calls whenever "
                    "WinHttpWebSocketCompleteUpgrade returned a handle.",
                    "close_frames after a 403 or a 200 are the bytes the client wrote after that "
                    "HTTP response, read by the server as WebSocket frames; no WebSocket "
                    "connection was established there (no 101).",
                ])


CAPTURES = [python_node, node_python, chromium_python, chromium_node, python_python, winhttp_wine,
            winhttp_wine_upgrade]

# ---------------------------------------------------------------- processes


class Proc:
    """A child process whose stdout lines are JSON events, collected by a thread."""

    def __init__(self, argv, env=None, name=""):
        self.name = name
        self.events = queue.Queue()
        self.all = []
        self.p = subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                  env=env, start_new_session=True, text=True)
        threading.Thread(target=self._read, daemon=True).start()
        threading.Thread(target=self._err, daemon=True).start()

    def _read(self):
        for line in self.p.stdout:
            try:
                ev = json.loads(line)
            except ValueError:
                ev = {"event": "text", "text": line.rstrip()}
            self.all.append(ev)
            self.events.put(ev)

    def _err(self):
        for line in self.p.stderr:
            if self.name == "chromium":  # dbus/GPU chatter of a headless browser
                continue
            sys.stderr.write("[%s] %s" % (self.name, line))

    def wait_event(self, kind, timeout=20):
        deadline = time.time() + timeout
        while True:
            left = deadline - time.time()
            if left <= 0:
                raise RuntimeError("%s: no %r event within %ss" % (self.name, kind, timeout))
            try:
                ev = self.events.get(timeout=left)
            except queue.Empty:
                continue
            if ev.get("event") == kind:
                return ev

    def kill(self):
        if self.p.poll() is None:
            try:
                os.killpg(self.p.pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
        self.p.wait()


class PageServer:
    """Serves page.html to Chromium on loopback (not captured) and collects /done reports."""

    def __init__(self):
        self.reports = queue.Queue()
        outer = self

        class H(http.server.BaseHTTPRequestHandler):
            def do_GET(self):
                if self.path.startswith("/done?"):
                    outer.reports.put(json.loads(unquote(self.path[len("/done?"):])))
                    self.send_response(204)
                    self.end_headers()
                    return
                if self.path.split("?")[0] == "/favicon.ico":
                    self.send_response(404)
                    self.end_headers()
                    return
                with open(os.path.join(HERE, "page.html"), "rb") as f:
                    body = f.read()
                self.send_response(200)
                self.send_header("Content-Type", "text/html; charset=utf-8")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *a):
                pass

        self.httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), H)
        self.port = self.httpd.server_address[1]
        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()

    def wait(self, kind, timeout=30):
        deadline = time.time() + timeout
        while True:
            left = deadline - time.time()
            if left <= 0:
                raise RuntimeError("chromium: no %r report within %ss" % (kind, timeout))
            try:
                r = self.reports.get(timeout=left)
            except queue.Empty:
                continue
            if r.get("event") == kind:
                return r


class Recorder:
    def __init__(self, out):
        self.out = out
        self.tmp = tempfile.mkdtemp(prefix="wsclose-record-")
        os.chmod(self.tmp, 0o755)
        self.cert = os.path.join(self.tmp, "cert.pem")
        self.key = os.path.join(self.tmp, "key.pem")
        subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2",
                        "-subj", "/CN=localhost", "-addext", "subjectAltName=IP:127.0.0.1",
                        "-keyout", self.key, "-out", self.cert],
                       check=True, capture_output=True)
        self.page = None

    # -- peers

    def start_server(self, spec):
        argv_tls = ["--tls", self.cert, self.key] if spec.get("tls") else []
        if spec["impl"] == "python":
            argv = [PY, PY_PEER, "server", "--port", str(spec["port"])] + argv_tls
        elif spec["impl"] == "raw":
            argv = [PY, RAW_PEER, "server", "--port", str(spec["port"])]
        else:
            argv = ["node", NODE_PEER, "server", "--port", str(spec["port"])] + argv_tls
        p = Proc(argv, name="%s-server:%d" % (spec["impl"], spec["port"]))
        p.wait_event("listening")
        return p

    def url(self, cap, conn):
        spec = cap["servers"][conn["server"]]
        scheme = "wss" if spec.get("tls") else "ws"
        q = {}
        if conn["sclose"] is not None:
            q["sclose"] = str(conn["sclose"])
            q["after"] = str(conn["msgs"])
            if conn["sreason"]:
                q["sreason"] = conn["sreason"]
        return "%s://127.0.0.1:%d/%s%s" % (scheme, spec["port"], conn["scenario"],
                                           ("?" + urlencode(q, quote_via=quote)) if q else "")

    def run_client(self, cap, conn, servers, keylog):
        impl = cap["client"]
        url = self.url(cap, conn)
        close = conn["close"]
        if impl == "chromium":
            return self.run_chromium(url, conn, servers, keylog)
        mode = str(close)
        args = ["client", "--url", url, "--close", mode, "--reason", conn["reason"],
                "--msgs", str(conn["msgs"]), "--deflate", "1" if conn["deflate"] else "0"]
        if url.startswith("wss:"):
            args += ["--cafile", self.cert]
        if impl == "python":
            if url.startswith("wss:"):
                args += ["--keylog", keylog]
            argv = [PY, PY_PEER] + args
        else:
            argv = ["node"] + (["--tls-keylog=" + keylog] if url.startswith("wss:") else []) \
                + [NODE_PEER] + args
        p = Proc(argv, name="%s-client %s" % (impl, conn["scenario"]))
        ready = p.wait_event("ready")
        info = {"ready": ready}
        if mode == "abort":
            time.sleep(0.5)
            p.kill()
        elif mode == "abort-rst":
            time.sleep(1.5)  # the server's burst arrives (unread) after 0.4 s
            p.kill()
        elif conn["kill_server"]:
            time.sleep(0.5)
            for s in servers.values():
                s.kill()
            p.wait_event("closed")
            p.p.wait(timeout=20)
        else:
            info["closed"] = p.wait_event("closed")
            p.p.wait(timeout=20)
        info["events"] = p.all
        return info

    def run_chromium(self, url, conn, servers, keylog):
        if self.page is None:
            self.page = PageServer()
        close = conn["close"]
        mode = {"empty": "nocode"}.get(close, str(close))
        q = {"url": url, "msgs": str(conn["msgs"]), "close": mode, "reason": conn["reason"]}
        page_url = "http://127.0.0.1:%d/page.html?%s" % (self.page.port, urlencode(q, quote_via=quote))
        extra = []
        if url.startswith("wss:"):
            # The self-signed certificate of this run; TLS keys go to the capture's key log.
            extra = ["--ignore-certificate-errors", "--ssl-key-log-file=" + keylog]
        p, profile = self.start_chromium(page_url, extra)
        try:
            info = {"ready": self.page.wait("ready")}
            if mode == "abort":
                time.sleep(0.5)
                p.kill()
            elif conn["kill_server"]:
                time.sleep(0.5)
                for s in servers.values():
                    s.kill()
                info["closed"] = self.page.wait("closed")
            else:
                info["closed"] = self.page.wait("closed")
                time.sleep(0.3)
        finally:
            p.kill()
            shutil.rmtree(profile, ignore_errors=True)
        return info

    def start_chromium(self, page_url, extra=()):
        profile = tempfile.mkdtemp(prefix="wsclose-chromium-")
        argv = ["chromium", "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic",
                "--no-first-run", "--disable-background-networking", "--disable-component-update",
                "--disable-sync", "--user-data-dir=" + profile] + list(extra) + [page_url]
        return Proc(argv, name="chromium"), profile

    def chromium_probe(self):
        if self.page is None:
            self.page = PageServer()
        p, profile = self.start_chromium("http://127.0.0.1:%d/page.html?probe=1" % self.page.port)
        try:
            r = self.page.wait("probe")
        finally:
            p.kill()
            shutil.rmtree(profile, ignore_errors=True)
        return r

    # -- one capture

    def record(self, cap, software, api):
        if cap["client"] == "winhttp":
            return self.record_winhttp(cap, software, api)
        name = cap["name"]
        print("== %s" % name, flush=True)
        raw = os.path.join(self.tmp, name + ".raw.pcapng")
        keylog = os.path.join(self.tmp, name + ".keys")
        ports = sorted({s["port"] for s in cap["servers"].values()})
        bpf = " or ".join("tcp port %d" % p for p in ports)
        servers = {k: self.start_server(s) for k, s in cap["servers"].items()}
        dump = subprocess.Popen(["dumpcap", "-q", "-i", "lo", "-f", bpf, "-w", raw],
                                stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
        self.wait_capturing(dump, raw)
        results = []
        try:
            for conn in cap["conns"]:
                print("   %s" % conn["scenario"], flush=True)
                info = self.run_client(cap, conn, servers, keylog)
                time.sleep(0.4)
                results.append(info)
        finally:
            stop_recording(dump, servers)
        server_events = [e for s in servers.values() for e in s.all]
        staged = raw
        if os.path.exists(keylog) and os.path.getsize(keylog):
            staged = os.path.join(self.tmp, name + ".keys.pcapng")
            subprocess.run(["editcap", "--inject-secrets", "tls," + keylog, raw, staged], check=True)
        final = os.path.join(self.out, name + ".pcapng")
        normalise_pcapng(staged, final,
                         "Recorded on loopback by captures/record/record.sh; what each peer was "
                         "told to send is in %s.json" % name)
        manifest = self.manifest(cap, results, server_events, software, api,
                                 keylog_embedded=staged != raw)
        with open(os.path.join(self.out, name + ".json"), "w", encoding="utf-8") as f:
            json.dump(manifest, f, indent=2, ensure_ascii=False)
            f.write("\n")
        print("   -> %s (%d bytes)" % (final, os.path.getsize(final)), flush=True)

    # -- the WinHTTP client under Wine

    def wine_start(self):
        """Build client.exe and make a WINEPREFIX of our own (removed by wine_stop)."""
        exe = os.path.join(self.tmp, "client.exe")
        subprocess.run(["x86_64-w64-mingw32-gcc", "-O2", "-Wall", "-o", exe, WINHTTP_CLIENT,
                        "-lwinhttp"], check=True)
        prefix = tempfile.mkdtemp(prefix="wsclose-wineprefix-")
        env = dict(os.environ, WINEPREFIX=prefix, WINEDLLOVERRIDES="mscoree,mshtml=",
                   WINEDEBUG="-all", WINEARCH="win64")
        env.pop("DISPLAY", None)
        self.wine = dict(exe=exe, prefix=prefix, env=env)
        # A persistent wineserver: each client run then starts in a fraction of a second.
        subprocess.run(["wineserver", "-p"], env=env, check=True)
        print("   new WINEPREFIX (wineboot)", flush=True)
        subprocess.run(["wine", "wineboot", "--init"], env=env, check=True,
                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)

    def wine_stop(self):
        if getattr(self, "wine", None):
            subprocess.run(["wineserver", "-k"], env=self.wine["env"])
            subprocess.run(["wineserver", "-w"], env=self.wine["env"])
            shutil.rmtree(self.wine["prefix"], ignore_errors=True)
            self.wine = None

    def run_winhttp(self, conn):
        """One client run: its WinHTTP calls (one JSON object per line on stdout)."""
        argv = ["wine", self.wine["exe"]] + winhttp_scenarios.client_args(conn)
        try:
            p = subprocess.run(argv, env=self.wine["env"], capture_output=True, text=True,
                               timeout=60)
        except subprocess.TimeoutExpired:
            subprocess.run(["wineserver", "-k"], env=self.wine["env"])
            raise RuntimeError("%s: the WinHTTP client hung" % conn["scenario"])
        calls = [json.loads(line) for line in p.stdout.splitlines() if line.startswith("{")]
        if p.returncode != 0 or not calls:
            raise RuntimeError("%s: client exit %d: %s" % (conn["scenario"], p.returncode,
                                                          p.stderr[-2000:]))
        return calls

    @staticmethod
    def server_events(server, path, last, timeout=25):
        """The server's events for the connection with this request path, once `last` is seen."""
        deadline = time.time() + timeout
        while time.time() < deadline:
            evs = [e for e in list(server.all) if e.get("path") == path]
            if any(e.get("event") == last for e in evs):
                return evs
            time.sleep(0.05)
        raise RuntimeError("%s: no %r event from the server" % (path, last))

    def winhttp_connections(self, cap, raw):
        """Servers and dumpcap up, one client run per connection; the manifest entries."""
        servers = {k: self.start_server(s) for k, s in cap["servers"].items()}
        bpf = " or ".join("tcp port %d" % s["port"] for s in cap["servers"].values())
        dump = subprocess.Popen(["dumpcap", "-q", "-i", "lo", "-f", bpf, "-w", raw],
                                stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
        t0 = time.time()
        entries, ports = [], set()
        try:
            self.wait_capturing(dump, raw)
            for conn in cap["conns"]:
                print("   %s" % conn["scenario"], flush=True)
                calls = self.run_winhttp(conn)
                path = "/" + conn["scenario"]
                last = "closed" if conn["server"] == "ws" else "end"
                evs = self.server_events(servers[conn["server"]], path, last)
                seen = [e for e in evs if e.get("event") == "conn"]
                if len(seen) != 1:
                    raise RuntimeError("%s: server saw %d connections" % (path, len(seen)))
                port = seen[0]["remote_port"]
                own = [c.get("local_port") for c in calls
                       if c.get("option") == "WINHTTP_OPTION_CONNECTION_INFO"]
                if own != [port]:
                    raise RuntimeError("%s: WinHTTP says local port %r, server saw %d"
                                       % (path, own, port))
                if port in ports:
                    raise RuntimeError("%s: client port %d used twice" % (path, port))
                ports.add(port)
                entries.append(winhttp_scenarios.entry(conn, calls, evs, port))
                time.sleep(0.3)
        finally:
            stop_recording(dump, servers)
        print("   recorded %d connections in %.0f s" % (len(entries), time.time() - t0), flush=True)
        return entries

    def record_winhttp(self, cap, software, api):
        name = cap["name"]
        print("== %s" % name, flush=True)
        refused = set(api.get("python-websockets", {}).get("refused", []))
        for conn in cap["conns"]:
            if conn["server"] == "ws" and conn["sclose"] in refused:
                raise RuntimeError("%s: websockets refuses %s" % (conn["scenario"], conn["sclose"]))
        raw = os.path.join(self.tmp, name + ".raw.pcapng")
        try:
            self.wine_start()
            entries = self.winhttp_connections(cap, raw)
        finally:
            self.wine_stop()
        final = os.path.join(self.out, name + ".pcapng")
        normalise_pcapng(raw, final,
                         "Recorded on loopback by captures/record/record.sh; what each peer was "
                         "told to send and every WinHTTP call with its result are in %s.json"
                         % name)
        server_impls = sorted({IMPL[s["impl"]] for s in cap["servers"].values()})
        impls = server_impls + ["winhttp-wine"]
        close_code_api = {
            "python-websockets": api.get("python-websockets"),
            "raw-socket": {"refused": [], "empty_close_possible": True,
                           "note": "captures/record/raw_peer.py writes any frame bytes"},
            "winhttp-wine": {
                "note": "WinHttpWebSocketClose/Shutdown take any USHORT status and a reason "
                        "of at most 123 bytes; what Wine did with each is in winhttp_calls"},
        }
        manifest = {
            "capture": name + ".pcapng",
            "recorded_by": "captures/record/record.sh",
            "client_impl": "winhttp-wine",
            "server_impls": server_impls,
            "software": software_for(impls, software),
            "decode_as": cap["decode_as"],
            "tls_keylog_embedded": False,
            "close_code_api": {i: close_code_api[i] for i in impls},
            "notes": [
                "close_frames lists, in order, the close frames of each connection as the server "
                "saw them on its socket (raw-socket: every frame it wrote and read; "
                "python-websockets: the close it was told to send and the one it reports "
                "receiving; it echoes a client's close payload verbatim), not from a dissector. "
                "'initiate' is the first; 'echo' answers with the same code (null code: empty "
                "payload), 'reply' with another. well_formed is false for a 1-byte payload, a "
                "payload over 125 bytes, FIN=0 or a reason that is not UTF-8.",
                "winhttp_calls lists, in order, every WinHTTP call the client made: call, ok, "
                "error (the returned DWORD, or GetLastError() for BOOL/handle calls), error_name, "
                "ms (how long it took), and per call: Receive buffer_type/bytes, "
                "QueryCloseStatus status/reason_hex/consumed, Close/Shutdown the "
                "status/reason_hex/reason_length passed, SetOption/QueryOption the option.",
                "A server close is answered with Receive, QueryCloseStatus, then "
                "WinHttpWebSocketClose with the status QueryCloseStatus returned (no reason).",
                "client_port is the client's port on the server's accepted socket; the client's "
                "WINHTTP_OPTION_CONNECTION_INFO reported the same (the QueryOption call).",
                "Connections are identified by client_port and server_port (and request_path).",
            ] + cap.get("notes", []),
            "connections": entries,
        }
        with open(os.path.join(self.out, name + ".json"), "w", encoding="utf-8") as f:
            f.write(dump_json(manifest, {"winhttp_calls", "close_frames", "server_log"}) + "\n")
        print("   -> %s (%d bytes)" % (final, os.path.getsize(final)), flush=True)

    @staticmethod
    def wait_capturing(dump, raw):
        deadline = time.time() + 15
        while time.time() < deadline:
            if dump.poll() is not None:
                raise RuntimeError("dumpcap failed: %s" % dump.stderr.read())
            if os.path.exists(raw) and os.path.getsize(raw) > 0:
                time.sleep(0.5)
                return
            time.sleep(0.1)
        raise RuntimeError("dumpcap did not start")

    def manifest(self, cap, results, server_events, software, api, keylog_embedded):
        client = IMPL[cap["client"]]
        conns = []
        for conn, info in zip(cap["conns"], results):
            spec = cap["servers"][conn["server"]]
            server = IMPL[spec["impl"]]
            seen = [e for e in server_events
                    if e.get("event") == "conn" and e.get("path") == "/" + conn["scenario"]]
            if len(seen) != 1:
                raise RuntimeError("%s: server saw %d connections" % (conn["scenario"], len(seen)))
            frames = expected_close_frames(conn)
            entry = {
                "scenario": conn["scenario"],
                "description": conn["description"],
                "client": client,
                "server": server,
                "transport": "wss" if spec.get("tls") else "ws",
                "server_port": spec["port"],
                "client_port": seen[0]["remote_port"],
                "request_path": "/" + conn["scenario"],
                "data_messages_each_way": conn["msgs"] if conn["close"] != "abort-rst" else 0,
                "permessage_deflate_offered": bool(conn["deflate"] or cap["client"] == "chromium"),
                "permessage_deflate_negotiated": "permessage-deflate" in seen[0].get("extensions", []),
                "aborted": not frames,
                "close_frames": frames,
            }
            if conn["close"] == "abort":
                entry["abort"] = "client process killed (SIGKILL) while idle"
            elif conn["close"] == "abort-rst":
                entry["abort"] = "client process killed (SIGKILL) with unread data in its socket"
            elif conn["kill_server"]:
                entry["abort"] = "server process killed (SIGKILL) while the client waited"
            conns.append(entry)
        impls = sorted({client} | {IMPL[s["impl"]] for s in cap["servers"].values()})
        return {
            "capture": cap["name"] + ".pcapng",
            "recorded_by": "captures/record/record.sh",
            "client_impl": client,
            "server_impls": sorted({IMPL[s["impl"]] for s in cap["servers"].values()}),
            "software": software_for(impls, software),
            "decode_as": cap.get("decode_as", []),
            "tls_keylog_embedded": keylog_embedded,
            "close_code_api": {i: api[i] for i in impls},
            "notes": [
                "close_frames lists, in order, the close frames of each connection: 'initiate' "
                "is what the recorder told that peer to send; 'echo' is the other peer's "
                "automatic reply, which RFC 6455 5.5.1 says carries the received status code "
                "(null code: empty payload).",
                "Connections are identified by client_port and server_port (and request_path).",
            ],
            "connections": conns,
        }


def dump_json(obj, one_line=(), indent=2, level=0):
    """json.dumps(indent=2), except that the items of the lists under the keys in one_line are
    written one per line (one WinHTTP call or server event a line)."""
    pad, inner = " " * (indent * level), " " * (indent * (level + 1))
    if isinstance(obj, dict) and obj:
        items = []
        for k, v in obj.items():
            if k in one_line and isinstance(v, list) and v:
                body = ",\n".join(inner + " " * indent + json.dumps(x, ensure_ascii=False)
                                   for x in v)
                items.append("%s%s: [\n%s\n%s]" % (inner, json.dumps(k), body, inner))
            else:
                items.append("%s%s: %s" % (inner, json.dumps(k),
                                           dump_json(v, one_line, indent, level + 1)))
        return "{\n" + ",\n".join(items) + "\n" + pad + "}"
    if isinstance(obj, list) and obj:
        return "[\n" + ",\n".join(inner + dump_json(x, one_line, indent, level + 1)
                                    for x in obj) + "\n" + pad + "]"
    return json.dumps(obj, ensure_ascii=False)


def expected_close_frames(conn):
    close, sclose = conn["close"], conn["sclose"]
    if close in ("abort", "abort-rst") or conn["kill_server"]:
        return []
    if sclose is not None:
        code = None if sclose == "empty" else int(sclose)
        reason = conn["sreason"] if code is not None else None
        return [{"by": "server", "kind": "initiate", "code": code, "reason": reason},
                {"by": "client", "kind": "echo", "code": code}]
    code = None if close == "empty" else int(close)
    reason = conn["reason"] if code is not None else None
    return [{"by": "client", "kind": "initiate", "code": code, "reason": reason},
            {"by": "server", "kind": "echo", "code": code}]


def software_for(impls, software):
    out = {"dumpcap": software["dumpcap"]}
    if "python-websockets" in impls:
        out["python3"] = software["python3"]
        out["websockets"] = software["websockets"]
    if "node-ws" in impls:
        out["node"] = software["node"]
        out["ws"] = software["ws"]
    if "chromium" in impls:
        out["chromium"] = software["chromium"]
    if "winhttp-wine" in impls:
        for k in ("wine", "x86_64-w64-mingw32-gcc", "mingw-w64"):
            out[k] = software[k]
    return out


# ---------------------------------------------------------------- pcapng normalisation

SHB, IDB = 0x0A0D0D0A, 0x00000001
IDB_KEEP = {2, 9, 11}  # if_name ("lo"), if_tsresol, if_filter: no description/OS/hardware


def _options(buf, end):
    opts, off = [], 0
    while off + 4 <= len(buf):
        code, length = struct.unpack(end + "HH", buf[off:off + 4])
        if code == 0:
            break
        opts.append((code, buf[off + 4:off + 4 + length]))
        off += 4 + ((length + 3) & ~3)
    return opts


def _pack_options(opts, end):
    out = b""
    for code, val in opts:
        out += struct.pack(end + "HH", code, len(val)) + val + b"\0" * ((-len(val)) % 4)
    return out + struct.pack(end + "HH", 0, 0) if opts else out


def _block(btype, body, end):
    total = 12 + len(body)
    return struct.pack(end + "II", btype, total) + body + struct.pack(end + "I", total)


def normalise_pcapng(src, dst, comment):
    """Rewrite the SHB (only a comment and shb_userappl) and IDBs (no OS/hardware/description)."""
    data = open(src, "rb").read()
    out, off, end = b"", 0, "<"
    while off < len(data):
        btype = struct.unpack("<I", data[off:off + 4])[0]
        if btype == SHB:
            end = "<" if data[off + 8:off + 12] == b"\x4d\x3c\x2b\x1a" else ">"
        blen = struct.unpack(end + "I", data[off + 4:off + 8])[0]
        body = data[off + 8:off + blen - 4]
        if btype == SHB:
            fixed = body[:8] + struct.pack(end + "q", -1)
            opts = [(1, comment.encode()), (4, b"captures/record/record.sh (dumpcap, editcap)")]
            body = fixed + _pack_options(opts, end)
        elif btype == IDB:
            opts = [(c, v) for c, v in _options(body[8:], end) if c in IDB_KEEP]
            body = body[:8] + _pack_options(opts, end)
        out += _block(btype, body, end)
        off += blen
    with open(dst, "wb") as f:
        f.write(out)


# ---------------------------------------------------------------- main


def capture_impls(cap):
    return {IMPL[cap["client"]]} | {IMPL[s["impl"]] for s in cap["servers"].values()}


def run_out(argv):
    return subprocess.run(argv, capture_output=True, text=True, check=True).stdout.strip()


def versions(impls):
    """The versions of what the selected captures use."""
    first = subprocess.run(["dumpcap", "--version"], capture_output=True, text=True).stdout
    sw = {"dumpcap": first.split()[2] if first.startswith("Dumpcap") else first.splitlines()[0]}
    if "python-websockets" in impls:
        sw.update(json.loads(run_out([PY, PY_PEER, "versions"])))
    if "node-ws" in impls:
        sw.update(json.loads(run_out(["node", NODE_PEER, "versions"])))
    if "chromium" in impls:
        out = subprocess.run(["chromium", "--version"], capture_output=True, text=True).stdout.split()
        sw["chromium"] = out[1] if len(out) > 1 else "unknown"
    if "winhttp-wine" in impls:
        sw["wine"] = run_out(["wine", "--version"])
        gcc = "x86_64-w64-mingw32-gcc"
        sw[gcc] = "%s (Debian gcc-mingw-w64-x86-64-win32 %s)" % (
            run_out([gcc, "-dumpversion"]),
            run_out(["dpkg-query", "-W", "-f", "${Version}", "gcc-mingw-w64-x86-64-win32"]))
        sw["mingw-w64"] = run_out(["dpkg-query", "-W", "-f", "${Version}", "mingw-w64-x86-64-dev"])
    return sw


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--only", nargs="*")
    ap.add_argument("--out", default=os.path.join(REPO, "captures"))
    args = ap.parse_args()
    caps = [make() for make in CAPTURES]
    unknown = set(args.only or []) - {c["name"] for c in caps}
    if unknown:
        ap.error("unknown capture(s): %s" % ", ".join(sorted(unknown)))
    caps = [c for c in caps if not args.only or c["name"] in args.only]
    impls = set().union(*(capture_impls(c) for c in caps))
    rec = Recorder(args.out)
    try:
        software = versions(impls)
        api = {}
        if "python-websockets" in impls:
            api["python-websockets"] = json.loads(run_out([PY, PY_PEER, "probe"]))
        if "node-ws" in impls:
            api["node-ws"] = json.loads(run_out(["node", NODE_PEER, "probe"]))
        print("software: %s" % json.dumps(software), flush=True)
        if "chromium" in impls:
            api["chromium"] = rec.chromium_probe()
            api["chromium"].pop("event", None)
            ua = api["chromium"].pop("user_agent", "")
            print("chromium UA: %s" % ua, flush=True)
        for cap in caps:
            rec.record(cap, software, api)
    finally:
        shutil.rmtree(rec.tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
