'use strict';
// Node `ws` peer for captures/record/record.py (same protocol as ../py_peer.py).
//
//   node peer.js server --port N [--tls CERT KEY]
//   node peer.js client --url URL --close CODE|empty|server|abort|abort-rst [--reason R]
//                       [--msgs N] [--deflate 0|1] [--cafile CERT]
//   (TLS keys: run node with --tls-keylog=FILE)
//   node peer.js probe | versions
//
// Server: echoes text; the request URI query says what to do: sclose=CODE|empty (+ sreason,
// after=N messages, default 1), and "burst" messages get a late data reply.
// Every stdout line is one JSON event.

const fs = require('fs');
const http = require('http');
const https = require('https');
const { WebSocket, WebSocketServer, Sender } = require('ws');

function emit(o) { process.stdout.write(JSON.stringify(o) + '\n'); }

function parseArgs(argv) {
  const a = { mode: argv[0], host: '127.0.0.1', close: '1000', reason: '', msgs: 1, deflate: 0 };
  for (let i = 1; i < argv.length; i++) {
    const k = argv[i].replace(/^--/, '');
    if (k === 'tls') { a.tls = [argv[++i], argv[++i]]; continue; }
    a[k] = argv[++i];
  }
  a.msgs = Number(a.msgs);
  a.deflate = Number(a.deflate);
  return a;
}

function server(a) {
  const handler = (req, res) => { res.writeHead(404); res.end(); };
  const hs = a.tls
    ? https.createServer({ cert: fs.readFileSync(a.tls[0]), key: fs.readFileSync(a.tls[1]) }, handler)
    : http.createServer(handler);
  const wss = new WebSocketServer({ server: hs, perMessageDeflate: true });
  wss.on('connection', (ws, req) => {
    const u = new URL(req.url, 'http://x');
    const q = u.searchParams;
    const remotePort = req.socket.remotePort;
    emit({ event: 'conn', path: u.pathname, remote_port: remotePort,
           extensions: ws.extensions ? ws.extensions.split(',') : [] });
    const sclose = q.get('sclose');
    const after = Number(q.get('after') || '1');
    let n = 0;
    ws.on('message', (data, isBinary) => {
      const text = data.toString();
      if (text === 'burst') {
        setTimeout(() => ws.send('B'.repeat(8000)), 400);
        return;
      }
      ws.send(data, { binary: isBinary });
      n += 1;
      if (sclose && n === after) {
        if (sclose === 'empty') ws.close();
        else ws.close(Number(sclose), q.get('sreason') || '');
      }
    });
    ws.on('error', (e) => emit({ event: 'error', path: u.pathname, remote_port: remotePort, error: String(e) }));
    ws.on('close', (code, reason) => emit({ event: 'closed', path: u.pathname, remote_port: remotePort,
                                            code, reason: reason.toString() }));
  });
  hs.listen(Number(a.port), a.host, () => emit({ event: 'listening', port: Number(a.port) }));
}

function client(a) {
  const opts = { perMessageDeflate: !!a.deflate };
  if (a.url.startsWith('wss:')) {
    opts.ca = fs.readFileSync(a.cafile);
    opts.checkServerIdentity = () => undefined;
  }
  const ws = new WebSocket(a.url, opts);
  ws.on('error', (e) => { emit({ event: 'error', error: String(e) }); });
  let got = 0;
  let localPort = null;
  ws.on('open', () => {
    localPort = ws._socket.localPort;
    if (a.close === 'abort-rst') {
      ws.send('burst', () => {
        emit({ event: 'ready', local_port: localPort });
        // Block the event loop so the server's late burst stays unread in the kernel: when
        // this process is killed the kernel answers with a TCP RST.
        Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 3600 * 1000);
      });
      return;
    }
    if (a.msgs === 0) return afterData();
    for (let i = 0; i < a.msgs; i++) {
      ws.send(`message ${i}: ` + 'the quick brown fox jumps over the lazy dog '.repeat(8));
    }
  });
  ws.on('message', () => { got += 1; if (got === a.msgs) afterData(); });
  function afterData() {
    emit({ event: 'ready', local_port: localPort, extensions: ws.extensions ? ws.extensions.split(',') : [] });
    if (a.close === 'abort' || a.close === 'server') return;
    if (a.close === 'empty') ws.close();
    else ws.close(Number(a.close), a.reason);
  }
  ws.on('close', (code, reason) => {
    emit({ event: 'closed', local_port: localPort, code, reason: reason.toString() });
  });
}

const CANDIDATES = [0, 999].concat(Array.from({ length: 17 }, (_, i) => 1000 + i),
  [1999, 2000, 2999, 3000, 3999, 4000, 4999, 5000, 65535]);

function probe() {
  // WebSocket#close(code, reason) hands the code to Sender#close, which validates it.
  const sock = { cork() {}, uncork() {}, write() { return true; } };
  const refused = [];
  for (const code of CANDIDATES) {
    try { new Sender(sock).close(code, '', true, () => {}); } catch (e) { refused.push(code); }
  }
  emit({ refused, empty_close_possible: true, note: 'ws.close() without a code sends an empty close payload' });
}

const a = parseArgs(process.argv.slice(2));
if (a.mode === 'server') server(a);
else if (a.mode === 'client') client(a);
else if (a.mode === 'probe') probe();
else emit({ node: process.version, ws: require('ws/package.json').version });
