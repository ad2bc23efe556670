#!/usr/bin/env python3
"""Generate wsclose's synthetic WebSocket captures, byte for byte reproducibly.

Usage:
    /usr/bin/python3 captures/gen/gencaps.py [OUTDIR]   write captures + manifest
    /usr/bin/python3 captures/gen/gencaps.py --check    regenerate into a temporary
                                                        directory, compare with the
                                                        committed files (exit 1 if
                                                        anything differs)

OUTDIR defaults to the captures/ directory beside gen/.  The manifest is written
to gen/manifest.json there (OUTDIR/manifest.json for any other OUTDIR).

Everything is deterministic: fixed addresses, ports, ISNs, IP ids, mask keys and
timestamps (start 2026-01-01T00:00:00Z, 1 ms between packets), and the only
"random" bytes come from random.Random with a fixed seed.  Python 3 stdlib only.

Layout of this file, bottom-up:
    checksums and packet headers  (Ethernet, IPv4, IPv6, TCP)
    capture file writers          (classic pcap, pcapng SHB+IDB+EPB)
    Capture                       packets of one file + its manifest entry
    TcpConn                       one TCP connection: handshake, data, ACK, FIN, RST
    WsConn                        HTTP upgrade and WebSocket frames on a TcpConn
    scenarios                     one function per capture file
"""

import argparse
import base64
import filecmp
import hashlib
import ipaddress
import json
import os
import random
import re
import struct
import sys
import tempfile
import zlib

EPOCH_S = 1767225600            # 2026-01-01T00:00:00Z
PACKET_GAP_US = 1000            # between consecutive packets
CONNECTION_GAP_US = 100000      # between connections in one file
SNAPLEN = 262144

CLIENT_MAC = bytes.fromhex("020000000001")   # locally administered
SERVER_MAC = bytes.fromhex("020000000002")
CLIENT_V4, SERVER_V4 = "192.0.2.1", "192.0.2.80"            # RFC 5737
CLIENT_V6, SERVER_V6 = "2001:db8::1", "2001:db8::80"        # RFC 3849

WS_GUID = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11"
OP_CONT, OP_TEXT, OP_BINARY, OP_CLOSE, OP_PING, OP_PONG = 0, 1, 2, 8, 9, 10

TCP_FIN, TCP_SYN, TCP_RST, TCP_PSH, TCP_ACK = 0x01, 0x02, 0x04, 0x08, 0x10
PROTO_TCP = 6


def det_bytes(label, n):
    """n deterministic pseudo-random bytes named by label."""
    return hashlib.sha256(label.encode()).digest()[:n]


# ---------------------------------------------------------------------------
# Checksums and headers
# ---------------------------------------------------------------------------

def inet_checksum(data):
    if len(data) % 2:
        data += b"\0"
    total = sum(struct.unpack("!%dH" % (len(data) // 2), data))
    while total >> 16:
        total = (total & 0xFFFF) + (total >> 16)
    return ~total & 0xFFFF


def ip_bytes(addr):
    return ipaddress.ip_address(addr).packed


def ethernet(src, dst, ethertype, payload):
    return dst + src + struct.pack("!H", ethertype) + payload


def ipv4(src, dst, proto, payload, ident):
    header = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + len(payload), ident,
                         0x4000, 64, proto, 0, ip_bytes(src), ip_bytes(dst))
    csum = inet_checksum(header)
    return header[:10] + struct.pack("!H", csum) + header[12:] + payload


def ipv6(src, dst, proto, payload):
    header = struct.pack("!IHBB16s16s", 6 << 28, len(payload), proto, 64,
                         ip_bytes(src), ip_bytes(dst))
    return header + payload


def tcp(src, dst, sport, dport, seq, ack, flags, payload=b"", options=b""):
    """TCP header + payload with a correct checksum over the v4/v6 pseudo header."""
    offset = (20 + len(options)) // 4
    header = struct.pack("!HHIIBBHHH", sport, dport, seq & 0xFFFFFFFF,
                         ack & 0xFFFFFFFF, offset << 4, flags, 65535, 0, 0) + options
    segment = header + payload
    s, d = ip_bytes(src), ip_bytes(dst)
    if len(s) == 4:
        pseudo = s + d + struct.pack("!BBH", 0, PROTO_TCP, len(segment))
    else:
        pseudo = s + d + struct.pack("!IxxxB", len(segment), PROTO_TCP)
    csum = inet_checksum(pseudo + segment)
    return segment[:16] + struct.pack("!H", csum) + segment[18:]


# ---------------------------------------------------------------------------
# Capture file writers
# ---------------------------------------------------------------------------

def pcap_bytes(packets):
    """Classic pcap, microsecond timestamps, LINKTYPE_ETHERNET."""
    out = [struct.pack("<IHHiIII", 0xA1B2C3D4, 2, 4, 0, 0, SNAPLEN, 1)]
    for ts_us, data, origlen in packets:
        out.append(struct.pack("<IIII", ts_us // 1000000, ts_us % 1000000,
                               len(data), origlen) + data)
    return b"".join(out)


def pcapng_block(block_type, body):
    body += b"\0" * (-len(body) % 4)
    length = 12 + len(body)
    return struct.pack("<II", block_type, length) + body + struct.pack("<I", length)


def pcapng_bytes(packets):
    """pcapng: one SHB, one Ethernet IDB (default microsecond resolution), EPBs."""
    shb = pcapng_block(0x0A0D0D0A, struct.pack("<IHHq", 0x1A2B3C4D, 1, 0, -1))
    idb = pcapng_block(0x00000001, struct.pack("<HHI", 1, 0, SNAPLEN))
    out = [shb, idb]
    for ts_us, data, origlen in packets:
        body = struct.pack("<IIIII", 0, ts_us >> 32, ts_us & 0xFFFFFFFF,
                           len(data), origlen) + data
        out.append(pcapng_block(0x00000006, body))
    return b"".join(out)


# ---------------------------------------------------------------------------
# Capture: the packets of one file and its manifest entry
# ---------------------------------------------------------------------------

class Capture:
    def __init__(self, filename, description, decode_as=None):
        self.filename = filename
        self.description = description
        self.decode_as = decode_as or []
        self.packets = []               # (ts_us, captured bytes, original length)
        self.clock_us = EPOCH_S * 1000000
        self.connections = []
        self.mask_counter = 0

    @property
    def format(self):
        return "pcapng" if self.filename.endswith(".pcapng") else "pcap"

    def emit(self, data, caplen=None):
        """Append one packet; returns its 1-based frame number."""
        if self.packets:
            self.clock_us += PACKET_GAP_US
        captured = data if caplen is None else data[:caplen]
        self.packets.append((self.clock_us, captured, len(data)))
        return len(self.packets)

    def wait(self, seconds):
        self.wait_us(seconds * 1000000)

    def wait_us(self, microseconds):
        self.clock_us += int(microseconds)

    def next_mask(self):
        self.mask_counter += 1
        return det_bytes("%s/mask/%d" % (self.filename, self.mask_counter), 4)

    def file_bytes(self):
        return pcapng_bytes(self.packets) if self.format == "pcapng" else pcap_bytes(self.packets)

    def manifest(self):
        return {
            "format": self.format,
            "linktype": "ETHERNET",
            "description": self.description,
            "decode_as": self.decode_as,
            "packets": len(self.packets),
            "connections": self.connections,
        }


# ---------------------------------------------------------------------------
# TcpConn: one TCP connection between "client" and "server"
# ---------------------------------------------------------------------------

class TcpConn:
    """Emits the segments of one connection with consistent seq/ack numbers.

    Each side has snd_nxt (next sequence number it sends) and rcv_nxt (what it
    has acknowledged of the peer).  rcv_nxt only moves when that side sends an
    ACK, so "in flight" situations (simultaneous close) come out right.
    """

    def __init__(self, cap, client_port, server_port, v6=False):
        self.cap = cap
        self.v6 = v6
        self.stream = len(cap.connections)
        if cap.connections or cap.packets:
            cap.wait_us(CONNECTION_GAP_US)
        addr = (CLIENT_V6, SERVER_V6) if v6 else (CLIENT_V4, SERVER_V4)
        self.ends = {
            "client": {"ip": addr[0], "port": client_port, "mac": CLIENT_MAC},
            "server": {"ip": addr[1], "port": server_port, "mac": SERVER_MAC},
        }
        label = "%s/%d" % (cap.filename, self.stream)
        for side, end in self.ends.items():
            end["isn"] = struct.unpack("!I", det_bytes(label + "/isn/" + side, 4))[0]
            end["snd_nxt"] = end["isn"]
            end["rcv_nxt"] = 0
            end["ip_id"] = struct.unpack("!H", det_bytes(label + "/ipid/" + side, 2))[0]

    @staticmethod
    def peer(side):
        return "server" if side == "client" else "client"

    def endpoint(self, side):
        end = self.ends[side]
        return ("[%s]:%d" if self.v6 else "%s:%d") % (end["ip"], end["port"])

    def _segment(self, side, flags, payload=b"", options=b"", caplen_payload=None):
        src, dst = self.ends[side], self.ends[self.peer(side)]
        if flags & TCP_ACK:
            ack = src["rcv_nxt"]
        else:
            ack = 0
        seg = tcp(src["ip"], dst["ip"], src["port"], dst["port"], src["snd_nxt"], ack,
                  flags, payload, options)
        if self.v6:
            pkt = ethernet(src["mac"], dst["mac"], 0x86DD, ipv6(src["ip"], dst["ip"], PROTO_TCP, seg))
        else:
            pkt = ethernet(src["mac"], dst["mac"], 0x0800,
                           ipv4(src["ip"], dst["ip"], PROTO_TCP, seg, src["ip_id"]))
            src["ip_id"] = (src["ip_id"] + 1) & 0xFFFF
        caplen = None
        if caplen_payload is not None:
            caplen = len(pkt) - len(payload) + caplen_payload
        src["snd_nxt"] += len(payload) + (1 if flags & (TCP_SYN | TCP_FIN) else 0)
        return self.cap.emit(pkt, caplen)

    def handshake(self):
        mss = bytes.fromhex("020405b4")
        c, s = self.ends["client"], self.ends["server"]
        self._segment("client", TCP_SYN, options=mss)
        s["rcv_nxt"] = c["snd_nxt"]
        self._segment("server", TCP_SYN | TCP_ACK, options=mss)
        c["rcv_nxt"] = s["snd_nxt"]
        self._segment("client", TCP_ACK)

    def ack(self, side):
        """side acknowledges everything the peer has sent (no packet if nothing new)."""
        end, peer = self.ends[side], self.ends[self.peer(side)]
        if end["rcv_nxt"] == peer["snd_nxt"]:
            return None
        end["rcv_nxt"] = peer["snd_nxt"]
        return self._segment(side, TCP_ACK)

    def send(self, side, data, split=(), ack=True, caplen_payload=None):
        """Send data as one or more PSH/ACK segments (split = payload offsets).

        Returns [(frame number, start offset, end offset)] per segment.  With
        ack=True the peer answers with a pure ACK after the last segment.
        caplen_payload truncates the captured copy of a single segment to that
        many TCP payload bytes (EPB/record caplen < original length).
        """
        cuts = [0] + list(split) + [len(data)]
        segments = []
        for start, end in zip(cuts, cuts[1:]):
            frame = self._segment(side, TCP_PSH | TCP_ACK, data[start:end],
                                  caplen_payload=caplen_payload)
            segments.append((frame, start, end))
        if ack:
            self.ack(self.peer(side))
        return segments

    def fin(self, first):
        """Orderly teardown: first sends FIN, peer answers FIN/ACK, first ACKs."""
        second = self.peer(first)
        self.ends[first]["rcv_nxt"] = self.ends[second]["snd_nxt"]
        self._segment(first, TCP_FIN | TCP_ACK)
        self.ends[second]["rcv_nxt"] = self.ends[first]["snd_nxt"]
        self._segment(second, TCP_FIN | TCP_ACK)
        self.ends[first]["rcv_nxt"] = self.ends[second]["snd_nxt"]
        self._segment(first, TCP_ACK)

    def rst(self, side):
        self.ends[side]["rcv_nxt"] = self.ends[self.peer(side)]["snd_nxt"]
        return self._segment(side, TCP_RST | TCP_ACK)


# ---------------------------------------------------------------------------
# WebSocket framing
# ---------------------------------------------------------------------------

def ws_accept(key):
    return base64.b64encode(hashlib.sha1((key + WS_GUID).encode()).digest()).decode()


def ws_frame(opcode, payload, mask_key=None, fin=True, rsv1=False):
    """One RFC 6455 frame; returns (frame bytes, header length)."""
    b0 = (0x80 if fin else 0) | (0x40 if rsv1 else 0) | opcode
    mask_bit = 0x80 if mask_key is not None else 0
    n = len(payload)
    if n < 126:
        header = struct.pack("!BB", b0, mask_bit | n)
    elif n < 65536:
        header = struct.pack("!BBH", b0, mask_bit | 126, n)
    else:
        header = struct.pack("!BBQ", b0, mask_bit | 127, n)
    if mask_key is not None:
        header += mask_key
        payload = bytes(b ^ mask_key[i % 4] for i, b in enumerate(payload))
    return header + payload, len(header)


def close_payload(code=None, reason=b""):
    if isinstance(reason, str):
        reason = reason.encode("utf-8")
    if code is None:
        return reason
    return struct.pack("!H", code) + reason


def deflate_message(text):
    """permessage-deflate (RFC 7692): raw deflate, sync flush, tail 00 00 ff ff removed."""
    comp = zlib.compressobj(9, zlib.DEFLATED, -15)
    data = comp.compress(text.encode()) + comp.flush(zlib.Z_SYNC_FLUSH)
    assert data.endswith(b"\x00\x00\xff\xff")
    return data[:-4]


class Frame:
    """A WebSocket frame to be put on the wire, plus its manifest facts."""

    def __init__(self, side, opcode, payload, mask_key, fin, rsv1):
        self.side, self.opcode, self.payload = side, opcode, payload
        self.mask_key, self.fin, self.rsv1 = mask_key, fin, rsv1
        self.wire, self.header_len = ws_frame(opcode, payload, mask_key, fin, rsv1)

    def facts(self, segments, start, caplen_payload):
        """Manifest entry; segments/start locate the frame in the TCP payload."""
        end = start + len(self.wire)
        in_segs = [f for f, s, e in segments if s < end and e > start]
        last = [f for f, s, e in segments if s < end <= e][0]
        info = {
            "frame": last,
            "segments": in_segs,
            "split_across_segments": len(in_segs) > 1,
            "direction": self.side,
            "opcode": self.opcode,
            "fin": self.fin,
            "rsv1": self.rsv1,
            "masked": self.mask_key is not None,
            "mask_key_hex": self.mask_key.hex() if self.mask_key else None,
            "payload_len": len(self.payload),
            "payload_hex": self.payload.hex(),
        }
        if self.opcode == OP_CLOSE:
            if len(self.payload) >= 2:
                reason = self.payload[2:]
                info["code"] = struct.unpack("!H", self.payload[:2])[0]
                info["reason_hex"] = reason.hex()
                try:
                    info["reason_text"] = reason.decode("utf-8")
                except UnicodeDecodeError:
                    info["reason_text"] = None
            else:
                info["code"] = None
                info["reason_hex"] = None
                info["reason_text"] = None
        info["truncated_in_capture"] = caplen_payload is not None
        if caplen_payload is not None:
            got = max(0, min(len(self.payload), caplen_payload - start - self.header_len))
            info["captured_payload_hex"] = self.payload[:got].hex()
            info["captured_code"] = info.get("code") if got >= 2 else None
        return info


class WsConn:
    """A WebSocket connection: TCP + HTTP/1.1 upgrade + frames, recorded in the manifest."""

    def __init__(self, cap, scenario, client_port, server_port=80, v6=False,
                 extensions=None, notes=None, client_masks=True):
        self.cap = cap
        self.client_masks = client_masks
        self.tcp = TcpConn(cap, client_port, server_port, v6)
        self.extensions = extensions
        self.record = {
            "scenario": scenario,
            "tcp_stream": self.tcp.stream,
            "ip_version": 6 if v6 else 4,
            "client": self.tcp.endpoint("client"),
            "server": self.tcp.endpoint("server"),
            "websocket": True,
            "extensions": extensions or [],
            "close_frames": [],
            "other_frames": [],
            "teardown": None,
        }
        if notes:
            self.record["notes"] = notes
        cap.connections.append(self.record)

    # -- handshake ---------------------------------------------------------
    def open(self, protocols=None, answer=None):
        """The HTTP upgrade.  protocols: the client's Sec-WebSocket-Protocol offer.  answer:
        None for a correct 101, else (description, function(key) -> the response's bytes),
        recorded in the manifest as "upgrade"."""
        self.tcp.handshake()
        host = self.tcp.endpoint("server")
        if self.tcp.ends["server"]["port"] == 80:
            host = host.rsplit(":", 1)[0]
        key = base64.b64encode(det_bytes("%s/key/%d" % (self.cap.filename, self.tcp.stream), 16)).decode()
        request = ["GET /chat HTTP/1.1", "Host: " + host, "Upgrade: websocket",
                   "Connection: Upgrade", "Sec-WebSocket-Key: " + key,
                   "Sec-WebSocket-Version: 13"]
        response = ["HTTP/1.1 101 Switching Protocols", "Upgrade: websocket",
                    "Connection: Upgrade", "Sec-WebSocket-Accept: " + ws_accept(key)]
        if protocols:
            request.append("Sec-WebSocket-Protocol: " + protocols)
        if self.extensions:
            request.append("Sec-WebSocket-Extensions: " + ", ".join(self.extensions))
            response.append("Sec-WebSocket-Extensions: " + ", ".join(self.extensions))
        sent = self.tcp.send("client", ("\r\n".join(request) + "\r\n\r\n").encode())
        if answer is None:
            self.tcp.send("server", ("\r\n".join(response) + "\r\n\r\n").encode())
        else:
            description, make = answer
            data = make(key)
            answered = self.tcp.send("server", data)
            self.record["upgrade"] = {
                "request_frame": sent[0][0], "response_frame": answered[0][0],
                "key": key, "offered_protocols": protocols,
                # The final response's status (an interim 100 may come first).
                "response_status": int(re.findall(rb"HTTP/1\.\d (\d{3})", data)[-1]),
                "answer": description, "response_hex": data.hex()}
        return self

    # -- frames ------------------------------------------------------------
    def frame(self, side, opcode, payload, fin=True, rsv1=False):
        if isinstance(payload, str):
            payload = payload.encode("utf-8")
        mask = self.cap.next_mask() if side == "client" and self.client_masks else None
        return Frame(side, opcode, payload, mask, fin, rsv1)

    def close_frame(self, side, code=None, reason=b"", raw=None, fin=True):
        payload = raw if raw is not None else close_payload(code, reason)
        return self.frame(side, OP_CLOSE, payload, fin=fin)

    def put(self, *frames, split=(), ack=True, caplen_payload=None):
        """Send frames (all from one side) in one TCP send; record them."""
        side = frames[0].side
        data = b"".join(f.wire for f in frames)
        segments = self.tcp.send(side, data, split, ack, caplen_payload)
        start = 0
        for f in frames:
            facts = f.facts(segments, start, caplen_payload)
            key = "close_frames" if f.opcode == OP_CLOSE else "other_frames"
            self.record[key].append(facts)
            start += len(f.wire)
        return segments

    def close(self, side, code=None, reason=b"", **kw):
        raw = kw.pop("raw", None)
        fin = kw.pop("fin", True)
        return self.put(self.close_frame(side, code, reason, raw, fin), **kw)

    def text(self, side, text, **kw):
        return self.put(self.frame(side, OP_TEXT, text), **kw)

    def garbage(self, side, data):
        segments = self.tcp.send(side, data)
        self.record["garbage"] = {"direction": side, "frame": segments[0][0], "len": len(data),
                                  "hex": data.hex()}

    # -- teardown ----------------------------------------------------------
    def fin(self, first):
        self.tcp.fin(first)
        self.record["teardown"] = "fin-%s-first" % first

    def rst(self, side):
        frame = self.tcp.rst(side)
        self.record["teardown"] = "rst-%s" % side
        self.record["rst_frame"] = frame

    def half_close(self, side):
        """side sends FIN (and may still receive); the peer ACKs it."""
        tcp = self.tcp
        tcp.ends[side]["rcv_nxt"] = tcp.ends[tcp.peer(side)]["snd_nxt"]
        frame = tcp._segment(side, TCP_FIN | TCP_ACK)
        tcp.ack(tcp.peer(side))
        self.record.setdefault("half_closes", []).append({"direction": side, "frame": frame})

    def last_fin(self, side):
        """side's FIN after the peer's half-close; the peer ACKs it."""
        self.half_close(side)
        self.record["teardown"] = "half-closes"


def plain_tcp(cap, scenario, client_port, server_port, exchanges, v6=False):
    """A non-WebSocket connection: request/response payload pairs, FIN from client."""
    conn = TcpConn(cap, client_port, server_port, v6)
    cap.connections.append({
        "scenario": scenario, "tcp_stream": conn.stream, "ip_version": 6 if v6 else 4,
        "client": conn.endpoint("client"), "server": conn.endpoint("server"),
        "websocket": False, "close_frames": [], "other_frames": [], "teardown": "fin-client-first",
    })
    conn.handshake()
    for request, response in exchanges:
        conn.send("client", request)
        if response:
            conn.send("server", response)
    conn.fin("client")


# ---------------------------------------------------------------------------
# Scenarios: one function per capture file
# ---------------------------------------------------------------------------

def echo_close(cap, scenario, port, code, reason=b"", server_port=80, v6=False,
               extensions=None, echo_reason=b""):
    """Client closes with code, server echoes it, server FINs first (RFC 6455 7.1.1)."""
    ws = WsConn(cap, scenario, port, server_port, v6, extensions).open()
    ws.close("client", code, reason)
    ws.close("server", code, echo_reason)
    ws.fin("server")
    return ws


WINHTTP_ENUM_CODES = [1000, 1001, 1002, 1003, 1005, 1006, 1007, 1008, 1009, 1010, 1011, 1015]


def cap_enum_codes():
    cap = Capture("enum-codes.pcapng",
                  "One connection per WinHTTP enum value: client close with the code "
                  "(ASCII reason on every other one), server echoes the same code.")
    for i, code in enumerate(WINHTTP_ENUM_CODES):
        reason = ("reason %d" % code) if i % 2 == 0 else ""
        echo_close(cap, "code-%d" % code, 50000 + i, code, reason)
    return cap


CLASS_CODES = [1004, 1012, 1013, 1014, 1016, 2000, 2999, 3000, 3999, 4000, 4999,
               0, 999, 5000, 65535]


def cap_classes():
    cap = Capture("classes.pcapng",
                  "Codes outside the WinHTTP enum (IANA registered, reserved, library, private, "
                  "out of range), an empty close from both sides, and a multibyte UTF-8 reason.")
    for i, code in enumerate(CLASS_CODES):
        reason = ("class %d" % code) if i % 2 == 0 else ""
        echo_close(cap, "code-%d" % code, 50100 + i, code, reason)
    port = 50100 + len(CLASS_CODES)
    ws = WsConn(cap, "empty-both", port).open()
    ws.close("client")
    ws.close("server")
    ws.fin("server")
    echo_close(cap, "utf8-reason", port + 1, 1000, "Tschüss – 再见 👋")
    return cap


def cap_framing():
    cap = Capture("framing.pcap", "TCP/WebSocket framing edge cases (classic pcap).")
    # (a) server: a text frame and a close frame in one TCP segment
    ws = WsConn(cap, "text-and-close-one-segment", 50200).open()
    ws.put(ws.frame("server", OP_TEXT, "bye now"), ws.close_frame("server", 1000, "done"))
    ws.close("client", 1000)
    ws.fin("server")
    # (b) client close split across two segments, the first ending after the
    #     first status byte (2 header + 4 mask + 1 payload byte)
    ws = WsConn(cap, "close-split-two-segments", 50201).open()
    ws.close("client", 1001, "split", split=(7,))
    ws.close("server", 1001)
    ws.fin("server")
    # (c) server close with exactly 125 payload bytes (the control frame maximum)
    ws = WsConn(cap, "close-payload-125", 50202).open()
    ws.close("server", 1000, "x" * 123)
    ws.close("client", 1000)
    ws.fin("server")
    return cap


def cap_ipv6():
    cap = Capture("ipv6.pcapng", "A WebSocket connection over IPv6: client 1001, server echo 1001.")
    echo_close(cap, "ipv6-going-away", 50300, 1001, "going away", v6=True)
    return cap


def cap_deflate():
    cap = Capture("deflate.pcapng",
                  "permessage-deflate negotiated; compressed text frames (RSV1) both ways, "
                  "then close 1000 both ways.")
    ws = WsConn(cap, "permessage-deflate", 50400, extensions=["permessage-deflate"]).open()
    ws.put(ws.frame("client", OP_TEXT, deflate_message("Hello"), rsv1=True))
    ws.put(ws.frame("server", OP_TEXT, deflate_message("hello"), rsv1=True))
    ws.close("client", 1000)
    ws.close("server", 1000)
    ws.fin("server")
    ws.record["notes"] = "other_frames payload_hex is the compressed data (Hello / hello)"
    return cap


def cap_altport():
    cap = Capture("altport.pcapng",
                  "HTTP upgrade on TCP port 9001; close 4001 and echo. Decode as HTTP with "
                  "-d tcp.port==9001,http (tshark 4.0's default-on http_tcp heuristic "
                  "also finds it; with --disable-heuristic http_tcp the -d is required).",
                  decode_as=["tcp.port==9001,http"])
    echo_close(cap, "altport-4001", 50500, 4001, "private", server_port=9001)
    return cap


def cap_malformed():
    cap = Capture("malformed.pcapng", "Invalid close frames and a connection with garbage.")
    ws = WsConn(cap, "one-byte-payload", 50600).open()
    ws.close("client", raw=b"\x03")
    ws.close("server", 1002)
    ws.fin("server")

    ws = WsConn(cap, "invalid-utf8-reason", 50601).open()
    ws.close("client", 1000, b"\xff\xfe bad")
    ws.close("server", 1007)
    ws.fin("server")

    ws = WsConn(cap, "payload-over-125", 50602).open()
    ws.close("client", 1000, "L" * 138)           # 140 bytes: 16-bit extended length
    ws.close("server", 1002)
    ws.fin("server")

    ws = WsConn(cap, "close-fin-0", 50603).open()
    ws.close("client", 1000, "frag", fin=False)
    ws.close("server", 1002)
    ws.fin("server")

    # Captured only up to the first status byte: 2 header + 4 mask + 1 byte.
    ws = WsConn(cap, "close-truncated-by-snaplen", 50604,
                notes="client close packet has caplen < origlen; only the first status "
                      "byte of the payload is in the capture").open()
    ws.close("client", 1000, "cut", caplen_payload=7)
    ws.close("server", 1000)
    ws.fin("server")

    ws = WsConn(cap, "garbage-after-handshake", 50605,
                notes="client sends 48 seeded random bytes (no frame structure), then RST").open()
    ws.garbage("client", garbage_bytes(48))
    ws.rst("client")
    return cap


def garbage_bytes(n):
    """Seeded random bytes whose first byte is not a close opcode."""
    rng = random.Random(6455)
    data = bytearray(rng.getrandbits(8) for _ in range(n))
    data[0] = (data[0] & 0x70) | 0x03            # FIN=0, reserved opcode 3
    return bytes(data)


def diag(filename, description):
    return Capture("diag-%s.pcapng" % filename, description)


def cap_diag_client_close():
    cap = diag("client-close", "Client-initiated close: client 1000, server echo 1000, server FIN first.")
    echo_close(cap, "client-initiated", 50700, 1000, "bye")
    return cap


def cap_diag_server_close():
    cap = diag("server-close", "Server-initiated close: server 1001, client echo 1001, server FIN first.")
    ws = WsConn(cap, "server-initiated", 50701).open()
    ws.text("client", "hi")
    ws.close("server", 1001, "restarting")
    ws.close("client", 1001)
    ws.fin("server")
    return cap


def cap_diag_simultaneous():
    cap = diag("simultaneous", "Simultaneous close: both sides send close 1000 before seeing "
                               "the other's (neither close segment acknowledges the other).")
    ws = WsConn(cap, "simultaneous", 50702).open()
    ws.close("client", 1000, "client done", ack=False)
    ws.close("server", 1000, "server done", ack=False)
    ws.tcp.ack("client")
    ws.tcp.ack("server")
    ws.fin("server")
    return cap


def cap_diag_unanswered():
    cap = diag("unanswered", "Unanswered close: client 1000, server only ACKs; 5 s later the "
                             "client sends FIN.")
    ws = WsConn(cap, "unanswered", 50703).open()
    ws.close("client", 1000)
    cap.wait(5)
    ws.fin("client")
    return cap


def cap_diag_mismatch():
    cap = diag("mismatch", "Echo mismatch: client 1000, server answers 1011.")
    ws = WsConn(cap, "echo-mismatch", 50704).open()
    ws.close("client", 1000)
    ws.close("server", 1011, "oops")
    ws.fin("server")
    return cap


def cap_diag_data_after_close():
    cap = diag("data-after-close", "Client sends close 1000, then a text frame; server echoes 1000.")
    ws = WsConn(cap, "data-after-close", 50705).open()
    ws.close("client", 1000)
    ws.text("client", "one more thing")
    ws.close("server", 1000)
    ws.fin("server")
    return cap


def cap_diag_duplicate():
    cap = diag("duplicate", "Client sends two close frames (1000, then 1001); server echoes 1000.")
    ws = WsConn(cap, "duplicate-close", 50706).open()
    ws.close("client", 1000)
    ws.close("client", 1001, "again")
    ws.close("server", 1000)
    ws.fin("server")
    return cap


def cap_diag_fin_without_close():
    cap = diag("fin-no-close", "Server sends text frames, then TCP FIN; no close frame from either side.")
    ws = WsConn(cap, "fin-without-close", 50707).open()
    ws.text("server", "tick 1")
    ws.text("server", "tick 2")
    ws.fin("server")
    return cap


def cap_diag_rst_without_close():
    cap = diag("rst-no-close", "Client RST in the middle of the connection; no close frame.")
    ws = WsConn(cap, "rst-without-close", 50708).open()
    ws.text("client", "ping?")
    ws.text("server", "pong!")
    ws.rst("client")
    return cap


def cap_diag_delayed_echo():
    cap = diag("delayed-echo", "Client close 1000; the server's echo 1000 comes 30 s later.")
    ws = WsConn(cap, "close-long-delay", 50709).open()
    ws.close("client", 1000, "bye")
    cap.wait(30)
    ws.close("server", 1000)
    ws.fin("server")
    return cap


def cap_diag_port_reuse():
    cap = diag("port-reuse", "Two WebSocket connections on the same addresses and ports, one "
                             "after the other: the first completes its closing handshake "
                             "(client 1000, server echo 1000) but its FIN is not in the "
                             "capture; the second (a new SYN) is closed by the server 1001, "
                             "echoed by the client 1001, then FIN.")
    first = WsConn(cap, "port-reuse-first", 50710).open()
    first.close("client", 1000)
    first.close("server", 1000)
    second = WsConn(cap, "port-reuse-second", 50710).open()
    second.text("server", "welcome back")
    second.close("server", 1001, "restarting")
    second.close("client", 1001)
    second.fin("server")
    return cap


def cap_diag_ends():
    cap = diag("ends", "How connections end, for RFC 6455 7.1.5 per direction: RST or FIN "
                       "right after the 101 (no WebSocket frame at all), a client that does not "
                       "mask, half-closes before the peer's close, a server close after the "
                       "WinHTTP client's close timeout, a malformed server close.")
    ws = WsConn(cap, "server-rst-right-after-101", 50720).open()
    ws.rst("server")
    ws = WsConn(cap, "server-fin-right-after-101", 50721).open()
    ws.fin("server")
    ws = WsConn(cap, "client-fin-right-after-101", 50722).open()
    ws.fin("client")
    ws = WsConn(cap, "client-does-not-mask", 50723, client_masks=False,
                notes="the client's frames carry no mask (RFC 6455 says they must)").open()
    ws.text("client", "unmasked hello")
    ws.text("server", "hello")
    ws.close("client", 1000, "bye")
    ws.close("server", 1000)
    ws.fin("server")
    ws = WsConn(cap, "client-half-close-then-server-close", 50724).open()
    ws.close("client", 1000, "bye")
    ws.half_close("client")
    ws.close("server", 1000)
    ws.last_fin("server")
    ws = WsConn(cap, "server-fin-then-client-close", 50725).open()
    ws.text("server", "last words")
    ws.half_close("server")
    ws.close("client", 1001, "server went away")
    ws.last_fin("client")
    ws = WsConn(cap, "server-close-after-close-timeout", 50726).open()
    ws.close("client", 1000, "bye")
    cap.wait(12)
    ws.close("server", 1000)
    ws.fin("server")
    ws = WsConn(cap, "server-one-byte-close-then-client-rst", 50727).open()
    ws.close("server", raw=b"\x03")
    ws.rst("client")
    return cap


def http_head(*lines, body=b""):
    return ("\r\n".join(lines) + "\r\n\r\n").encode() + body


def answer_101(*headers):
    """A 101 with these headers; "{accept}" in one is replaced by the key's true accept."""
    return lambda key: http_head("HTTP/1.1 101 Switching Protocols",
                                 *(h.replace("{accept}", ws_accept(key)) for h in headers))


def cap_diag_upgrade():
    cap = diag("upgrade", "The opening handshake (RFC 6455 4.1): an Upgrade answered with 403 "
                          "and with 200, and 101s a client must fail: a Sec-WebSocket-Accept "
                          "that is not the key's, none, no Upgrade: websocket, no Connection: "
                          "Upgrade, a subprotocol or an extension the client did not offer; "
                          "a 403 with a chunked body; a 100 Continue and a wrong 101 in one "
                          "segment; then two correct 101s (a subprotocol chosen from the offer, "
                          "header names and tokens in other cases).")
    ws = WsConn(cap, "answered-403", 50900).open(answer=(
        "403 Forbidden instead of 101", lambda key: http_head(
            "HTTP/1.1 403 Forbidden", "Content-Type: text/plain", "Content-Length: 10",
            body=b"forbidden\n")))
    ws.record["websocket"] = False
    ws.fin("server")
    ws = WsConn(cap, "answered-200", 50901).open(answer=(
        "200 OK instead of 101", lambda key: http_head(
            "HTTP/1.1 200 OK", "Content-Type: text/plain", "Content-Length: 3", body=b"ok\n")))
    ws.record["websocket"] = False
    ws.fin("client")
    ws = WsConn(cap, "wrong-accept", 50902).open(answer=(
        "101 whose Sec-WebSocket-Accept is the hash of another key",
        answer_101("Upgrade: websocket", "Connection: Upgrade",
                   "Sec-WebSocket-Accept: " + ws_accept("dGhlIHNhbXBsZSBub25jZQ=="))))
    ws.close("client", 1000)
    ws.close("server", 1000)
    ws.fin("server")
    ws = WsConn(cap, "no-accept", 50903).open(answer=(
        "101 without Sec-WebSocket-Accept",
        answer_101("Upgrade: websocket", "Connection: Upgrade")))
    ws.close("client", 1000)
    ws.close("server", 1000)
    ws.fin("server")
    ws = WsConn(cap, "no-upgrade-header", 50904).open(answer=(
        "101 without an Upgrade header",
        answer_101("Connection: Upgrade", "Sec-WebSocket-Accept: {accept}")))
    ws.record["websocket"] = False
    ws.fin("client")
    ws = WsConn(cap, "no-connection-header", 50905).open(answer=(
        "101 without a Connection header",
        answer_101("Upgrade: websocket", "Sec-WebSocket-Accept: {accept}")))
    ws.close("client", 1000)
    ws.close("server", 1000)
    ws.fin("server")
    ws = WsConn(cap, "protocol-not-offered", 50906).open(answer=(
        "101 with Sec-WebSocket-Protocol: chat, none offered",
        answer_101("Upgrade: websocket", "Connection: Upgrade",
                   "Sec-WebSocket-Accept: {accept}", "Sec-WebSocket-Protocol: chat")))
    ws.close("client", 1000)
    ws.close("server", 1000)
    ws.fin("server")
    ws = WsConn(cap, "other-protocol", 50907).open(protocols="chat", answer=(
        "101 with Sec-WebSocket-Protocol: superchat, chat offered",
        answer_101("Upgrade: websocket", "Connection: Upgrade",
                   "Sec-WebSocket-Accept: {accept}", "Sec-WebSocket-Protocol: superchat")))
    ws.close("client", 1000)
    ws.close("server", 1000)
    ws.fin("server")
    ws = WsConn(cap, "extension-not-offered", 50908).open(answer=(
        "101 with Sec-WebSocket-Extensions: x-webkit-unknown, none offered",
        answer_101("Upgrade: websocket", "Connection: Upgrade",
                   "Sec-WebSocket-Accept: {accept}",
                   "Sec-WebSocket-Extensions: x-webkit-unknown")))
    ws.close("client", 1000)
    ws.close("server", 1000)
    ws.fin("server")
    ws = WsConn(cap, "answered-403-chunked", 50911).open(answer=(
        "403 Forbidden with a chunked body instead of 101", lambda key: http_head(
            "HTTP/1.1 403 Forbidden", "Content-Type: text/plain",
            "Transfer-Encoding: chunked", body=b"a\r\nforbidden\n\r\n0\r\n\r\n")))
    ws.record["websocket"] = False
    ws.fin("server")
    ws = WsConn(cap, "continue-then-wrong-accept", 50912).open(answer=(
        "100 Continue, then in the same segment a 101 whose Sec-WebSocket-Accept is the hash "
        "of another key", lambda key: http_head("HTTP/1.1 100 Continue") + answer_101(
            "Upgrade: websocket", "Connection: Upgrade",
            "Sec-WebSocket-Accept: " + ws_accept("dGhlIHNhbXBsZSBub25jZQ=="))(key)))
    ws.close("client", 1000)
    ws.close("server", 1000)
    ws.fin("server")
    ws = WsConn(cap, "protocol-from-offer", 50909).open(protocols="chat, superchat", answer=(
        "correct 101 choosing superchat from the offer chat, superchat",
        answer_101("Upgrade: websocket", "Connection: Upgrade",
                   "Sec-WebSocket-Accept: {accept}", "Sec-WebSocket-Protocol: superchat")))
    ws.close("client", 1000)
    ws.close("server", 1000)
    ws.fin("server")
    ws = WsConn(cap, "header-case", 50910).open(answer=(
        "correct 101 with header names and tokens in other cases",
        answer_101("UPGRADE: WebSocket", "connection: keep-alive, upgrade",
                   "sec-websocket-accept: {accept}")))
    ws.close("client", 1000)
    ws.close("server", 1000)
    ws.fin("server")
    return cap


def cap_no_websocket():
    cap = Capture("no-websocket.pcapng", "Plain HTTP GET/200 and raw TCP; no WebSocket.")
    body = b"<html><body>hello</body></html>\n"
    get = (b"GET /index.html HTTP/1.1\r\nHost: 192.0.2.80\r\nAccept: */*\r\n\r\n")
    ok = (b"HTTP/1.1 200 OK\r\nContent-Type: text/html\r\nContent-Length: %d\r\n\r\n"
          % len(body)) + body
    get2 = b"GET /status HTTP/1.1\r\nHost: 192.0.2.80\r\n\r\n"
    ok2 = b"HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: 3\r\n\r\nok\n"
    plain_tcp(cap, "http-get-200", 50800, 80, [(get, ok), (get2, ok2)])
    plain_tcp(cap, "raw-tcp", 50801, 40001, [(b"\x08\x00\x02\x03hello raw tcp", b"\x88\x02ack")])
    plain_tcp(cap, "raw-tcp-oneway", 50802, 40002, [(bytes(range(64)), None)])
    return cap


def cap_fuzz_regress_len64():
    """Found by tests/fuzz/fuzz.py: a 64-bit length beyond 32 bits.  Wireshark keeps the low
    32 bits of it for the frame's extent (its get_pdu_len), so the bytes after the header
    belong to the next frame, not to this close frame's payload."""
    cap = Capture("fuzz-regress-len64.pcap",
                  "Server close frames whose 64-bit payload length has bits above 32 set: "
                  "2**32 (Wireshark: no payload, so no status code) followed by a text "
                  "frame; 2**32 + 2 (Wireshark: payload 03 e8 = 1000) followed by a text "
                  "frame. The text frames' bytes are not close payload.")
    ws = WsConn(cap, "len64-no-payload", 51000,
                notes="raw frames, not listed in close_frames: frame 8 carries a close frame "
                      "with wire length 2**32 (no status code for Wireshark) and a text frame "
                      "'abc'; frame 10 a close frame with wire length 2**32+2 (status 1000 "
                      "for Wireshark) and a text frame 'xyz'").open()
    ws.tcp.send("server", struct.pack("!BBQ", 0x88, 127, 1 << 32) + b"\x81\x03abc")
    ws.tcp.send("server", struct.pack("!BBQ", 0x88, 127, (1 << 32) + 2) + b"\x03\xe8"
                + b"\x81\x03xyz")
    ws.fin("server")
    return cap


SCENARIOS = [
    cap_enum_codes, cap_classes, cap_framing, cap_ipv6, cap_deflate, cap_altport,
    cap_malformed,
    cap_diag_client_close, cap_diag_server_close, cap_diag_simultaneous, cap_diag_unanswered,
    cap_diag_mismatch, cap_diag_data_after_close, cap_diag_duplicate,
    cap_diag_fin_without_close, cap_diag_rst_without_close, cap_diag_delayed_echo,
    cap_diag_port_reuse, cap_diag_ends, cap_diag_upgrade, cap_no_websocket,
    cap_fuzz_regress_len64,
]


# ---------------------------------------------------------------------------
# Driver
# ---------------------------------------------------------------------------

def build_manifest(caps):
    return {
        "generator": "captures/gen/gencaps.py",
        "time_origin": "2026-01-01T00:00:00Z",
        "notes": "Facts of what was put on the wire. frame numbers are 1-based as tshark "
                 "numbers them; for a close frame spanning several TCP segments, 'segments' "
                 "lists them all and 'frame' is the segment that completes it (where "
                 "Wireshark shows the reassembled frame). payload_hex is unmasked. "
                 "code/reason_hex are null when the payload is shorter than 2 bytes.",
        "captures": {cap.filename: cap.manifest() for cap in caps},
    }


def generate(outdir, manifest_path):
    os.makedirs(outdir, exist_ok=True)
    caps = [make() for make in SCENARIOS]
    written = []
    for cap in caps:
        path = os.path.join(outdir, cap.filename)
        with open(path, "wb") as fh:
            fh.write(cap.file_bytes())
        written.append(path)
    os.makedirs(os.path.dirname(manifest_path), exist_ok=True)
    with open(manifest_path, "w", encoding="utf-8", newline="\n") as fh:
        json.dump(build_manifest(caps), fh, indent=2, ensure_ascii=False)
        fh.write("\n")
    written.append(manifest_path)
    return written


def check(outdir, manifest_path):
    """Regenerate into a temporary directory; compare with the committed files."""
    differ = []
    with tempfile.TemporaryDirectory() as tmp:
        fresh = generate(tmp, os.path.join(tmp, "manifest.json"))
        for path in fresh:
            name = os.path.basename(path)
            committed = manifest_path if name == "manifest.json" else os.path.join(outdir, name)
            if not os.path.exists(committed) or not filecmp.cmp(path, committed, shallow=False):
                differ.append(committed)
        produced = {os.path.basename(p) for p in fresh}
        for name in sorted(os.listdir(outdir)):
            # real-*: recorded from real implementations by captures/record/, not generated.
            if (name.endswith((".pcap", ".pcapng")) and name not in produced
                    and not name.startswith("real-")):
                differ.append(os.path.join(outdir, name) + " (not generated)")
    for path in differ:
        print("differs: %s" % path, file=sys.stderr)
    if not differ:
        print("all %d files match" % len(fresh))
    return 1 if differ else 0


def main():
    here = os.path.dirname(os.path.abspath(__file__))
    default_out = os.path.dirname(here)
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("outdir", nargs="?", default=default_out)
    parser.add_argument("--check", action="store_true",
                        help="compare a fresh generation with the files in OUTDIR")
    args = parser.parse_args()
    outdir = os.path.abspath(args.outdir)
    if outdir == default_out:
        manifest_path = os.path.join(here, "manifest.json")
    else:
        manifest_path = os.path.join(outdir, "manifest.json")
    if args.check:
        return check(outdir, manifest_path)
    for path in generate(outdir, manifest_path):
        print(os.path.relpath(path))
    return 0


if __name__ == "__main__":
    sys.exit(main())
