#!/usr/bin/env python3
"""hex2pcap.py FILE.hex OUT.pcap PORT: wraps each datagram of an annotated hex vector in Ethernet/IPv4/UDP to
127.0.0.1:PORT, so `tshark -r OUT.pcap -V -z expert` can check it (see README.md)."""
import struct
import sys


def datagrams(path):
    out, cur, started = [], [], False
    for line in open(path):
        if line.startswith("--- datagram"):
            if started:
                out.append(bytes.fromhex("".join(cur)))
            cur, started = [], True
            continue
        line = line.split("#", 1)[0]
        cur.append("".join(ch for ch in line if ch in "0123456789abcdefABCDEF"))
    if started:
        out.append(bytes.fromhex("".join(cur)))
    return out


def checksum(b):
    s = sum(struct.unpack(f"!{len(b) // 2}H", b))
    while s > 0xffff:
        s = (s & 0xffff) + (s >> 16)
    return ~s & 0xffff


def main():
    src, dst, port = sys.argv[1], sys.argv[2], int(sys.argv[3])
    with open(dst, "wb") as f:
        f.write(struct.pack("<IHHiIII", 0xa1b2c3d4, 2, 4, 0, 0, 65535, 1))
        for i, d in enumerate(datagrams(src)):
            ip = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 28 + len(d), 0, 0x4000, 64, 17, 0, bytes([127, 0, 0, 1]),
                             bytes([127, 0, 0, 1]))
            ip = ip[:10] + struct.pack("!H", checksum(ip)) + ip[12:]
            frame = b"\0" * 12 + b"\x08\x00" + ip + struct.pack("!HHHH", 40000, port, 8 + len(d), 0) + d
            f.write(struct.pack("<IIII", 1700000000, i, len(frame), len(frame)) + frame)


if __name__ == "__main__":
    main()
