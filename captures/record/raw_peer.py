#!/usr/bin/python3
"""A raw-socket WebSocket server for captures/record/record.py: it writes exact bytes.

  raw_peer.py server --port N [--host 127.0.0.1]

It accepts one connection at a time, reads the HTTP Upgrade request, answers 101 with the
correct Sec-WebSocket-Accept (no extensions), then runs the actions named in the request URI's
query, `do=ACTION,ACTION,...`, in order.  Other query keys change the answer (for the
opening-handshake scenarios; without them the answer is the correct 101):

  answer=200|403       that status instead of 101, with a short text/plain body (Content-Length)
                       and no WebSocket headers
  accept=wrong         101 whose Sec-WebSocket-Accept is RFC 6455 section 1.3's example value
                       (valid base64 of a SHA-1, but of another key)
  accept=none          101 without Sec-WebSocket-Accept
  upgrade=none         101 without `Upgrade: websocket` (Connection: Upgrade kept)
  protocol=NAME        101 with `Sec-WebSocket-Protocol: NAME`, whatever the client offered

The actions:

  echo                 read one data frame from the client, send its payload back (same opcode)
  frame:OP:FIN:HEX     send a server frame (unmasked) with opcode OP (decimal), FIN 0/1 and the
                       payload bytes in hex: frame:8:1:03e8 is a close 1000 without reason
  readclose            read frames until the client's close frame
  sleep:MS             wait
  fin                  shutdown(SHUT_WR), read until the client's EOF (at most 5 s), close
  rst                  SO_LINGER {1, 0} and close: the kernel sends a TCP RST
  drain                read frames until the client's EOF or reset (at most 15 s), then close

Each stdout line is one JSON event: listening; conn (path, remote_port: the client's port on
the accepted socket, the request's header names and its Sec-WebSocket-Protocol, and what the
server answered: status, header lines, body); sent/got per frame (opcode, fin, payload hex);
eof/reset/timeout; end.  All on loopback.
"""

import argparse
import base64
import hashlib
import json
import socket
import struct
import time
from urllib.parse import parse_qs, urlsplit

GUID = b"258EAFA5-E914-47DA-95CA-C5AB0DC85B11"


def emit(**kw):
    print(json.dumps(kw), flush=True)


class Closed(Exception):
    pass


class Conn:
    def __init__(self, sock, path, remote_port):
        self.sock = sock
        self.path = path
        self.port = remote_port
        self.buf = b""

    def ev(self, event, **kw):
        emit(event=event, path=self.path, remote_port=self.port, **kw)

    def recv_exact(self, n):
        while len(self.buf) < n:
            try:
                chunk = self.sock.recv(65536)
            except ConnectionResetError:
                raise Closed("reset")
            except socket.timeout:
                raise Closed("timeout")
            if not chunk:
                raise Closed("eof")
            self.buf += chunk
        out, self.buf = self.buf[:n], self.buf[n:]
        return out

    def read_frame(self):
        b0, b1 = self.recv_exact(2)
        n = b1 & 0x7F
        if n == 126:
            n = struct.unpack("!H", self.recv_exact(2))[0]
        elif n == 127:
            n = struct.unpack("!Q", self.recv_exact(8))[0]
        key = self.recv_exact(4) if b1 & 0x80 else b"\0\0\0\0"
        data = bytes(c ^ key[i % 4] for i, c in enumerate(self.recv_exact(n)))
        frame = dict(opcode=b0 & 0x0F, fin=bool(b0 & 0x80), masked=bool(b1 & 0x80),
                     payload_hex=data.hex())
        if frame["opcode"] == 8 and len(data) >= 2:
            frame["code"] = struct.unpack("!H", data[:2])[0]
        self.ev("got", **frame)
        return frame

    def send_frame(self, opcode, fin, payload):
        n = len(payload)
        head = bytes([(0x80 if fin else 0) | opcode])
        if n < 126:
            head += bytes([n])
        elif n < 65536:
            head += bytes([126]) + struct.pack("!H", n)
        else:
            head += bytes([127]) + struct.pack("!Q", n)
        self.sock.sendall(head + payload)
        self.ev("sent", opcode=opcode, fin=bool(fin), payload_hex=payload.hex())

    def wait_end(self, seconds, log_frames):
        """Read until EOF/reset/timeout; returns how it ended."""
        self.sock.settimeout(seconds)
        try:
            while True:
                if log_frames:
                    self.read_frame()
                else:
                    self.recv_exact(len(self.buf) + 1)
        except Closed as e:
            self.ev(str(e))
            return str(e)

    def run(self, actions):
        for a in actions:
            parts = a.split(":")
            if parts[0] == "echo":
                f = self.read_frame()
                self.send_frame(f["opcode"], True, bytes.fromhex(f["payload_hex"]))
            elif parts[0] == "frame":
                self.send_frame(int(parts[1]), int(parts[2]), bytes.fromhex(parts[3] if len(parts) > 3 else ""))
            elif parts[0] == "readclose":
                while self.read_frame()["opcode"] != 8:
                    pass
            elif parts[0] == "sleep":
                time.sleep(int(parts[1]) / 1000.0)
            elif parts[0] == "fin":
                self.sock.shutdown(socket.SHUT_WR)
                self.ev("shutdown-wr")
                self.wait_end(5, log_frames=True)
                self.sock.close()
                return
            elif parts[0] == "rst":
                self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
                self.sock.close()
                self.ev("rst-sent")
                return
            elif parts[0] == "drain":
                self.wait_end(15, log_frames=True)
                self.sock.close()
                return
            else:
                raise ValueError("unknown action %r" % a)
        self.sock.close()


# RFC 6455 section 1.3's example: the Sec-WebSocket-Accept of the key
# "dGhlIHNhbXBsZSBub25jZQ==", so never the hash of a client's random key.
WRONG_ACCEPT = "s3pPLMBiTxaQ9kYGzzhZRbK+xOo="
REASONS = {101: "Switching Protocols", 200: "OK", 403: "Forbidden"}


def answer(headers, q):
    """The status, header lines and body of the answer the query asks for."""
    status = int(q.get("answer", "101"))
    if status != 101:
        body = ("%d %s: not a WebSocket endpoint\n" % (status, REASONS[status])).encode()
        return status, ["Content-Type: text/plain", "Content-Length: %d" % len(body)], body
    lines = [] if q.get("upgrade") == "none" else ["Upgrade: websocket"]
    lines.append("Connection: Upgrade")
    if q.get("accept") == "wrong":
        lines.append("Sec-WebSocket-Accept: " + WRONG_ACCEPT)
    elif q.get("accept") != "none":
        key = headers["sec-websocket-key"].encode()
        lines.append("Sec-WebSocket-Accept: "
                     + base64.b64encode(hashlib.sha1(key + GUID).digest()).decode())
    if "protocol" in q:
        lines.append("Sec-WebSocket-Protocol: " + q["protocol"])
    return status, lines, b""


def handshake(sock):
    """Reads the request and answers it; (target, headers, answer) or None at EOF."""
    data = b""
    while b"\r\n\r\n" not in data:
        chunk = sock.recv(4096)
        if not chunk:
            return None
        data += chunk
    head = data.split(b"\r\n\r\n", 1)[0].decode("latin-1").split("\r\n")
    target = head[0].split(" ")[1]
    headers = {}
    for line in head[1:]:
        k, _, v = line.partition(":")
        headers[k.strip().lower()] = v.strip()
    q = {k: v[0] for k, v in parse_qs(urlsplit(target).query).items()}
    status, lines, body = answer(headers, q)
    sock.sendall(("HTTP/1.1 %d %s\r\n" % (status, REASONS[status])
                  + "".join(line + "\r\n" for line in lines) + "\r\n").encode() + body)
    return target, headers, dict(status=status, headers=lines, body=body.decode())


def serve(args):
    ls = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    ls.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    ls.bind((args.host, args.port))
    ls.listen(8)
    emit(event="listening", port=args.port)
    while True:
        sock, addr = ls.accept()
        sock.settimeout(20)
        shook = handshake(sock)
        if shook is None:
            sock.close()
            continue
        target, headers, answered = shook
        u = urlsplit(target)
        q = {k: v[0] for k, v in parse_qs(u.query).items()}
        conn = Conn(sock, u.path, addr[1])
        conn.ev("conn", extensions=[], request_headers=sorted(headers),
                request_protocol=headers.get("sec-websocket-protocol"), answer=answered)
        try:
            conn.run([a for a in q.get("do", "").split(",") if a])
        except Closed as e:
            conn.ev(str(e))
            sock.close()
        conn.ev("end")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("mode", choices=["server"])
    ap.add_argument("--host", default="127.0.0.1")
    ap.add_argument("--port", type=int, required=True)
    serve(ap.parse_args())


if __name__ == "__main__":
    main()
