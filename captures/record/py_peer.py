#!/usr/bin/python3
"""Python `websockets` (Debian python3-websockets) peer for captures/record/record.py.

  py_peer.py server --port N [--tls CERT KEY]
  py_peer.py client --url URL --close CODE|server|abort|abort-rst [--reason R]
                    [--msgs N] [--deflate 0|1] [--keylog FILE] [--cafile CERT]
  py_peer.py probe              (which close codes the API refuses, as JSON)
  py_peer.py versions

The server echoes every text message.  What it does on a connection is told by the request
URI's query: sclose=CODE (close with CODE and sreason=R after `after` messages, default 1),
burst=1 (reply to the message "burst" with data, late).  Each line on stdout is one JSON event.
The client prints {"event":"ready",...} once it has done everything but closing.
"""

import argparse
import asyncio
import json
import os
import ssl
import sys
import time
from urllib.parse import parse_qs, urlsplit

import websockets
from websockets.exceptions import ConnectionClosed
from websockets.frames import Close


def emit(**kw):
    print(json.dumps(kw, ensure_ascii=False), flush=True)


async def handler(ws):
    u = urlsplit(ws.path)
    q = {k: v[0] for k, v in parse_qs(u.query).items()}
    remote_port = ws.remote_address[1]
    emit(event="conn", path=u.path, remote_port=remote_port,
         extensions=[e.name for e in ws.extensions])
    sclose = q.get("sclose")
    after = int(q.get("after", "1"))
    n = 0
    try:
        async for msg in ws:
            if msg == "burst":
                await asyncio.sleep(0.4)
                await ws.send("B" * 8000)
                continue
            await ws.send(msg)
            n += 1
            if sclose and n >= after:
                await ws.close(int(sclose), q.get("sreason", ""))
                break
    except ConnectionClosed:
        pass
    await ws.wait_closed()
    emit(event="closed", path=u.path, remote_port=remote_port,
         code=ws.close_code, reason=ws.close_reason)


async def serve(args):
    ctx = None
    if args.tls:
        ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        ctx.load_cert_chain(args.tls[0], args.tls[1])
    async with websockets.serve(handler, args.host, args.port, ssl=ctx, compression="deflate"):
        emit(event="listening", port=args.port)
        await asyncio.Future()


async def client(args):
    ctx = None
    if args.url.startswith("wss:"):
        ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
        ctx.load_verify_locations(args.cafile)
        ctx.check_hostname = False
        if args.keylog:
            ctx.keylog_filename = args.keylog
    async with websockets.connect(args.url, ssl=ctx, max_size=None,
                                  compression="deflate" if args.deflate else None) as ws:
        local_port = ws.local_address[1]
        if args.close == "abort-rst":
            await ws.send("burst")
            emit(event="ready", local_port=local_port)
            # Block the event loop: the server's late burst stays unread in the kernel, so
            # when this process is killed the kernel answers with a TCP RST.
            time.sleep(3600)
        for i in range(args.msgs):
            await ws.send(("message %d: " % i) + "the quick brown fox jumps over the lazy dog " * 8)
            await ws.recv()
        emit(event="ready", local_port=local_port,
             extensions=[e.name for e in ws.extensions])
        if args.close == "abort":
            await asyncio.sleep(3600)
        elif args.close == "server":
            await ws.wait_closed()
        else:
            await ws.close(int(args.close), args.reason)
    emit(event="closed", local_port=local_port, code=ws.close_code, reason=ws.close_reason)


def probe():
    refused = []
    for code in CANDIDATES:
        try:
            Close(code, "").serialize()  # what WebSocketCommonProtocol.close() serializes
        except Exception:
            refused.append(code)
    emit(refused=refused, empty_close_possible=False,
         note="close(code, reason) only: there is no API to send an empty close payload "
              "(close(1005) is refused); an empty close received is echoed verbatim")


CANDIDATES = [0, 999] + list(range(1000, 1017)) + [1999, 2000, 2999, 3000, 3999, 4000, 4999,
                                                   5000, 65535]


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("mode", choices=["server", "client", "probe", "versions"])
    ap.add_argument("--host", default="127.0.0.1")
    ap.add_argument("--port", type=int)
    ap.add_argument("--tls", nargs=2)
    ap.add_argument("--url")
    ap.add_argument("--close", default="1000")
    ap.add_argument("--reason", default="")
    ap.add_argument("--msgs", type=int, default=1)
    ap.add_argument("--deflate", type=int, default=0)
    ap.add_argument("--keylog")
    ap.add_argument("--cafile")
    args = ap.parse_args()
    if args.mode == "server":
        asyncio.run(serve(args))
    elif args.mode == "client":
        asyncio.run(client(args))
    elif args.mode == "probe":
        probe()
    else:
        emit(python3="%d.%d.%d" % sys.version_info[:3], websockets=websockets.__version__)


if __name__ == "__main__":
    main()
