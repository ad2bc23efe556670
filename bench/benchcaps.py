"""Benchmark captures for wsclose, written at run time (never committed).

Reuses the packet builders of captures/gen/gencaps.py (tcp, ipv4, ethernet, ws_frame,
close_payload, ws_accept) but streams packets straight into a classic pcap file instead of
keeping them, with manifest facts, in memory: a million packets take a few seconds.

Three kinds, all deterministic (fixed addresses, ports, ISNs, masks, timestamps):
  ws      WebSocket-heavy: per connection TCP handshake, HTTP upgrade, DATA text frames
          alternating client (masked) / server, one frame per segment, then close 1000 from
          the client, echo from the server, FIN from the server.
  close   close-heavy: per connection handshake, upgrade, client close, server echo, FINs.
  plain   WebSocket-free, same packet volume as "ws": half the connections HTTP/1.1
          keep-alive GET/200 on port 80, half raw TCP on port 40000 with frame-sized payloads.

Addresses come from 198.18.0.0/15 (RFC 2544, benchmarking); one client address per 50,000
client ports.
"""

import base64
import ipaddress
import os
import struct
import sys

sys.dont_write_bytecode = True      # nothing written into the checkout
HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(os.path.dirname(HERE), "captures", "gen"))
import gencaps  # noqa: E402  (the repository's capture generator, used as a module)

TCP_FIN, TCP_SYN, TCP_PSH, TCP_ACK = (gencaps.TCP_FIN, gencaps.TCP_SYN, gencaps.TCP_PSH,
                                      gencaps.TCP_ACK)
SERVER_IP = "198.19.0.80"
CLIENT_BASE = int(ipaddress.ip_address("198.18.0.1"))
PORTS_PER_CLIENT = 50000
GAP_US = 100                    # between packets


class PcapWriter:
    """Classic pcap, LINKTYPE_ETHERNET, microsecond timestamps, written as it goes."""

    def __init__(self, path):
        self.fh = open(path, "wb", buffering=1 << 20)
        self.fh.write(struct.pack("<IHHiIII", 0xA1B2C3D4, 2, 4, 0, 0, gencaps.SNAPLEN, 1))
        self.clock_us = gencaps.EPOCH_S * 1000000
        self.count = 0

    def emit(self, pkt):
        self.clock_us += GAP_US
        self.fh.write(struct.pack("<IIII", self.clock_us // 1000000, self.clock_us % 1000000,
                                  len(pkt), len(pkt)))
        self.fh.write(pkt)
        self.count += 1

    def close(self):
        self.fh.close()


class Conn:
    """One IPv4 TCP connection, client i of the capture, to SERVER_IP:server_port."""

    def __init__(self, out, i, server_port):
        self.out = out
        cip = str(ipaddress.ip_address(CLIENT_BASE + i // PORTS_PER_CLIENT))
        cport = 10000 + i % PORTS_PER_CLIENT
        isn_c = (i * 2654435761) & 0xFFFFFFFF
        isn_s = (i * 40503 + 0x5EED) & 0xFFFFFFFF
        # side: [ip, port, mac, snd_nxt, ip_id]
        self.end = {
            "c": [cip, cport, gencaps.CLIENT_MAC, isn_c, i & 0xFFFF],
            "s": [SERVER_IP, server_port, gencaps.SERVER_MAC, isn_s, (i * 7) & 0xFFFF],
        }

    def seg(self, side, flags, payload=b"", options=b""):
        src = self.end[side]
        dst = self.end["s" if side == "c" else "c"]
        ack = dst[3] if flags & TCP_ACK else 0
        t = gencaps.tcp(src[0], dst[0], src[1], dst[1], src[3], ack, flags, payload, options)
        ip = gencaps.ipv4(src[0], dst[0], gencaps.PROTO_TCP, t, src[4])
        src[4] = (src[4] + 1) & 0xFFFF
        src[3] = (src[3] + len(payload) + (1 if flags & (TCP_SYN | TCP_FIN) else 0)) & 0xFFFFFFFF
        self.out.emit(gencaps.ethernet(src[2], dst[2], 0x0800, ip))

    def handshake(self):
        mss = bytes.fromhex("020405b4")
        self.seg("c", TCP_SYN, options=mss)
        self.seg("s", TCP_SYN | TCP_ACK, options=mss)
        self.seg("c", TCP_ACK)

    def data(self, side, payload):
        self.seg(side, TCP_PSH | TCP_ACK, payload)

    def fin(self, first):
        second = "s" if first == "c" else "c"
        self.seg(first, TCP_FIN | TCP_ACK)
        self.seg(second, TCP_FIN | TCP_ACK)
        self.seg(first, TCP_ACK)


def upgrade(i):
    key = base64.b64encode(gencaps.det_bytes("bench/key/%d" % i, 16)).decode()
    req = ("GET /chat HTTP/1.1\r\nHost: %s\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
           "Sec-WebSocket-Key: %s\r\nSec-WebSocket-Version: 13\r\n\r\n" % (SERVER_IP, key))
    resp = ("HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
            "Sec-WebSocket-Accept: %s\r\n\r\n" % gencaps.ws_accept(key))
    return req.encode(), resp.encode()


def message(k):
    return ('{"seq":%d,"event":"tick","value":%d}' % (k, (k * 7919) % 100000)).encode()


def ws_frames(n):
    """n data frames alternating client (masked) / server, built once, reused per connection."""
    frames = []
    for k in range(n):
        side = "c" if k % 2 == 0 else "s"
        mask = gencaps.det_bytes("bench/mask/%d" % k, 4) if side == "c" else None
        frames.append((side, gencaps.ws_frame(gencaps.OP_TEXT, message(k), mask)[0]))
    return frames


CLOSE_C = gencaps.ws_frame(gencaps.OP_CLOSE, gencaps.close_payload(1000, b"bye"),
                           gencaps.det_bytes("bench/mask/close", 4))[0]
CLOSE_S = gencaps.ws_frame(gencaps.OP_CLOSE, gencaps.close_payload(1000))[0]


def write_ws(path, conns, data_frames, closes=True):
    out = PcapWriter(path)
    frames = ws_frames(data_frames)
    upgrades = {}
    for i in range(conns):
        c = Conn(out, i, 80)
        c.handshake()
        req, resp = upgrades.setdefault(i % 4096, upgrade(i))
        c.data("c", req)
        c.data("s", resp)
        for side, wire in frames:
            c.data(side, wire)
        if closes:
            c.data("c", CLOSE_C)
            c.data("s", CLOSE_S)
        c.fin("s")
    out.close()
    return out.count


def write_plain(path, conns, data_frames):
    """Same packet count as write_ws(conns, data_frames) but no WebSocket anywhere."""
    out = PcapWriter(path)
    exchanges = data_frames // 2 + 1        # + 1 for the upgrade's place, + 1 for the close's
    for i in range(conns):
        http = i % 2 == 0
        c = Conn(out, i, 80 if http else 40000)
        c.handshake()
        for k in range(exchanges + 1):
            if http:
                body = message(k)
                c.data("c", b"GET /api/%d HTTP/1.1\r\nHost: %s\r\n\r\n" % (k, SERVER_IP.encode()))
                c.data("s", b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n"
                            b"Content-Length: %d\r\n\r\n%s" % (len(body), body))
            else:
                # Raw bytes on a port nothing claims (the heuristics get to look at them).
                c.data("c", message(2 * k) + b"\n")
                c.data("s", message(2 * k + 1) + b"\n")
        c.fin("c")
    out.close()
    return out.count


def main():
    kind, path, conns, n = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4])
    if kind == "ws":
        print(write_ws(path, conns, n))
    elif kind == "close":
        print(write_ws(path, conns, 0))
    elif kind == "plain":
        print(write_plain(path, conns, n))
    else:
        raise SystemExit("kind: ws | close | plain")


if __name__ == "__main__":
    main()
