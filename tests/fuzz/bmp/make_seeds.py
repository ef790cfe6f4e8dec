#!/usr/bin/env python3
"""Writes the BMP fuzz seed corpus (corpus/*.bin): one small stream per message type, built by hand after
RFC 7854 (the FRR capture in tests/data/bmp_frr.bin is a seed too: copied as corpus/frr_stream.bin)."""
import os
import struct

HERE = os.path.dirname(os.path.abspath(__file__))


def bmp(msg_type, body):
    return struct.pack("!BIB", 3, 6 + len(body), msg_type) + body


def peer_header(addr4, asn, flags=0):
    return struct.pack("!BBQ", 0, flags, 0) + b"\0" * 12 + bytes(addr4) + struct.pack("!IIII", asn, 0x0A000002, 1700000000, 0)


def bgp(msg_type, body):
    return b"\xff" * 16 + struct.pack("!HB", 19 + len(body), msg_type) + body


def open_msg(asn, bgp_id):
    caps = bytes([1, 4, 0, 1, 0, 1]) + bytes([1, 4, 0, 2, 0, 1]) + bytes([65, 4]) + struct.pack("!I", asn)
    caps += bytes([69, 4, 0, 1, 1, 3])  # ADD-PATH IPv4 unicast, both
    params = bytes([2, len(caps)]) + caps
    return bgp(1, struct.pack("!BHHI", 4, asn & 0xFFFF, 90, bgp_id) + bytes([len(params)]) + params)


def update_v4():
    attrs = bytes([0x40, 1, 1, 0])  # ORIGIN IGP
    attrs += bytes([0x40, 2, 10, 2, 2]) + struct.pack("!II", 65002, 65020)  # AS_PATH
    attrs += bytes([0x40, 3, 4, 192, 0, 2, 2])  # NEXT_HOP
    nlri = bytes([16, 10, 2]) + bytes([24, 10, 2, 1])
    return bgp(2, struct.pack("!H", 0) + struct.pack("!H", len(attrs)) + attrs + nlri)


def update_v6():
    nlri = bytes([48, 0x20, 0x01, 0x0D, 0xB8, 0, 2])
    mp = struct.pack("!HBB", 2, 1, 16) + bytes.fromhex("20010db8000000000000000000000002") + b"\0" + nlri
    attrs = bytes([0x40, 1, 1, 0]) + bytes([0x40, 2, 6, 2, 1]) + struct.pack("!I", 65002)
    attrs += bytes([0x90, 14]) + struct.pack("!H", len(mp)) + mp
    return bgp(2, struct.pack("!HH", 0, len(attrs)) + attrs)


def main():
    peer = peer_header([192, 0, 2, 2], 65002)
    post = peer_header([192, 0, 2, 2], 65002, 0x40)
    tlv = lambda t, v: struct.pack("!HH", t, len(v)) + v
    seeds = {
        "initiation": bmp(4, tlv(1, b"FRRouting") + tlv(2, b"r1")),
        "peer_up": bmp(3, peer + b"\0" * 12 + bytes([192, 0, 2, 1]) + struct.pack("!HH", 179, 40000)
                       + open_msg(65001, 0xC0000201) + open_msg(65002, 0xC0000202)),
        "route_monitoring_v4": bmp(0, post + update_v4()),
        "route_monitoring_v6": bmp(0, peer_header([192, 0, 2, 2], 65002) + update_v6()),
        "peer_down": bmp(2, peer + bytes([3]) + bgp(3, bytes([6, 2]))),
        "peer_down_fsm": bmp(2, peer + bytes([2]) + struct.pack("!H", 7)),
        "stats": bmp(1, peer + struct.pack("!I", 2) + struct.pack("!HHI", 0, 4, 3) + struct.pack("!HHHBQ", 9, 11, 2, 1, 12)),
        "termination": bmp(5, tlv(0, b"bye") + tlv(1, b"\0\1")),
    }
    seeds["session"] = seeds["initiation"] + seeds["peer_up"] + seeds["route_monitoring_v4"] + seeds["peer_down"]
    os.makedirs(os.path.join(HERE, "corpus"), exist_ok=True)
    for name, data in seeds.items():
        with open(os.path.join(HERE, "corpus", name + ".bin"), "wb") as f:
            f.write(data)


if __name__ == "__main__":
    main()
