#!/usr/bin/env python3
"""Helpers of tests/data/regenerate.sh (python3 standard library only).

  flowdata.py truth PCAP TRUTH_CSV        recompute PCAP's flow table and compare it with TRUTH_CSV
  flowdata.py nfdump-csv IN OUT           nfdump 1.7.1's `-o csv` -> the *.nfdump.csv layout (without the `tr` column
                                          and the `avg_bpp` summary field: tr is the time nfcapd received a record)
  flowdata.py tshark-csv JSON OUT_CSV     tshark -T json --no-duplicate-keys (cflow) -> the *.tshark.csv layout
  flowdata.py datagrams PCAP              print the number of UDP datagrams in PCAP and their destination port(s)
  flowdata.py payloads NEW OLD            how many of NEW's UDP payloads are byte-identical to OLD's (information only)
  flowdata.py sink PORT_FILE              bind a free UDP port of 127.0.0.1, write it to PORT_FILE, discard what
                                          arrives until killed (so exporters never get "port unreachable")
  flowdata.py replay PCAP HOST PORT       send PCAP's UDP payloads, in order, to HOST:PORT (1 ms apart)
  flowdata.py compare KIND NEW OLD TRUTH  compare the flows of a regenerated decode (KIND: nfdump|tshark) with the
                                          committed decode OLD and with the ground truth TRUTH_CSV

Exit status: 0 equal, 1 different (compare: from the truth), 2 bad input, 3 (compare) equal to the truth but not
to the committed decode.
"""
import csv
import ipaddress
import json
import struct
import sys
from collections import Counter

TSHARK_COLUMNS = ["frame", "version", "obs_domain", "flowset_id", "src", "dst", "sport", "dport", "proto", "tos",
                  "tcp_flags", "packets", "bytes", "start", "end"]
PROTO_NAMES = {"TCP": 6, "UDP": 17, "ICMP": 1, "ICMP6": 58}


def fail(message):
    print(f"flowdata.py: {message}", file=sys.stderr)
    sys.exit(2)


# ---- truth: a pcap reader (Ethernet, optional 802.1Q, IPv4/IPv6, TCP/UDP) ----

def read_pcap(path):
    with open(path, "rb") as f:
        data = f.read()
    if len(data) < 24:
        fail(f"{path}: not a pcap file (too short)")
    magic = data[:4]
    if magic in (b"\xd4\xc3\xb2\xa1", b"\x4d\x3c\xb2\xa1"):
        endian = "<"
    elif magic in (b"\xa1\xb2\xc3\xd4", b"\xa1\xb2\x3c\x4d"):
        endian = ">"
    else:
        fail(f"{path}: not a pcap file (magic {magic.hex()}; pcapng is not read here)")
    nano = magic in (b"\x4d\x3c\xb2\xa1", b"\xa1\xb2\x3c\x4d")
    link = struct.unpack(endian + "I", data[20:24])[0]
    if link != 1:
        fail(f"{path}: link type {link}, expected Ethernet (1)")
    off = 24
    while off + 16 <= len(data):
        sec, frac, caplen, origlen = struct.unpack(endian + "IIII", data[off:off + 16])
        frame = data[off + 16:off + 16 + caplen]
        if len(frame) != caplen:
            fail(f"{path}: truncated record at byte {off}")
        off += 16 + caplen
        yield sec * 1_000_000 + (frac // 1000 if nano else frac), frame, origlen


def parse_frame(frame):
    """(ipver, proto, src, dst, sport, dport, tos, ip_length, tcp_flags) or None for a non-IP frame."""
    ethertype = struct.unpack("!H", frame[12:14])[0]
    l3 = 14
    while ethertype in (0x8100, 0x88a8):
        ethertype = struct.unpack("!H", frame[l3 + 2:l3 + 4])[0]
        l3 += 4
    ip = frame[l3:]
    if ethertype == 0x0800:
        ihl = (ip[0] & 0x0F) * 4
        tos, length, proto = ip[1], struct.unpack("!H", ip[2:4])[0], ip[9]
        src, dst = str(ipaddress.IPv4Address(ip[12:16])), str(ipaddress.IPv4Address(ip[16:20]))
        l4, ipver = ip[ihl:], 4
    elif ethertype == 0x86DD:
        tos = ((ip[0] & 0x0F) << 4) | (ip[1] >> 4)
        length, proto = 40 + struct.unpack("!H", ip[4:6])[0], ip[6]
        src, dst = str(ipaddress.IPv6Address(ip[8:24])), str(ipaddress.IPv6Address(ip[24:40]))
        l4, ipver = ip[40:], 6
    else:
        return None
    sport = dport = flags = 0
    if proto in (6, 17) and len(l4) >= 4:
        sport, dport = struct.unpack("!HH", l4[:4])
    if proto == 6 and len(l4) >= 14:
        flags = l4[13]
    return ipver, proto, src, dst, sport, dport, tos, length, flags


def truth(pcap, truth_csv):
    table = {}
    frames = 0
    for ts, frame, origlen in read_pcap(pcap):
        parsed = parse_frame(frame)
        if parsed is None:
            continue
        frames += 1
        ipver, proto, src, dst, sport, dport, tos, length, flags = parsed
        key = (ipver, proto, src, dst, sport, dport, tos)
        row = table.setdefault(key, [0, 0, 0, 0, ts, ts])
        row[0] += 1
        row[1] += length
        row[2] += origlen
        row[3] |= flags
        row[5] = ts
    recomputed = {k: tuple(v) for k, v in table.items()}
    committed = {}
    with open(truth_csv, newline="") as f:
        for n, r in enumerate(csv.DictReader(f), start=2):
            try:
                key = (int(r["ipver"]), int(r["proto"]), str(ipaddress.ip_address(r["src"])),
                       str(ipaddress.ip_address(r["dst"])), int(r["sport"]), int(r["dport"]), int(r["tos"]))
                value = (int(r["packets"]), int(r["bytes"]), int(r["frame_bytes"]), int(r["tcp_flags"]),
                         int(r["first_us"]), int(r["last_us"]))
            except (KeyError, ValueError, TypeError) as e:
                fail(f"{truth_csv}:{n}: bad row ({e})")
            if key in committed:
                fail(f"{truth_csv}:{n}: flow {key} appears twice")
            committed[key] = value
    name = truth_csv.rsplit("/", 1)[-1]
    if recomputed == committed:
        packets = sum(v[0] for v in committed.values())
        print(f"truth   OK    {name} equals the flow table recomputed from the pcap "
              f"({len(committed)} flows, {packets} packets; packets, bytes, frame bytes, TCP flags, first/last)")
        return 0
    missing = sorted(set(committed) - set(recomputed), key=str)
    extra = sorted(set(recomputed) - set(committed), key=str)
    changed = sorted((k for k in committed.keys() & recomputed.keys() if committed[k] != recomputed[k]), key=str)
    print(f"truth   DIFF  {name}: {len(missing)} flows only in the file, {len(extra)} only in the pcap, "
          f"{len(changed)} with other counts")
    for k in (missing + extra + changed)[:5]:
        print(f"        {k}: file {committed.get(k)} pcap {recomputed.get(k)}")
    return 1


# ---- datagrams / replay: the UDP payloads of an export capture ----

def udp_datagrams(path):
    """(destination port, payload) of every IPv4/IPv6 UDP datagram in PCAP, in capture order."""
    out = []
    for _, frame, _ in read_pcap(path):
        ethertype = struct.unpack("!H", frame[12:14])[0]
        ip = frame[14:]
        if ethertype == 0x0800 and ip[9] == 17:
            l4 = ip[(ip[0] & 0x0F) * 4:]
        elif ethertype == 0x86DD and ip[6] == 17:
            l4 = ip[40:]
        else:
            continue
        length = struct.unpack("!H", l4[4:6])[0]
        payload = l4[8:length]
        if len(payload) != length - 8:
            fail(f"{path}: a datagram was truncated by the capture's snap length")
        out.append((struct.unpack("!H", l4[2:4])[0], payload))
    return out


def datagrams(path):
    found = udp_datagrams(path)
    ports = sorted({port for port, _ in found})
    print(len(found), ",".join(str(p) for p in ports))
    return 0


def payloads(new, old):
    a, b = udp_datagrams(new), udp_datagrams(old)
    same = sum(x[1] == y[1] for x, y in zip(a, b))
    name = new.rsplit("/", 1)[-1]
    print(f"payload INFO  {name}: {same} of {len(a)} datagrams byte-identical to the committed capture's "
          f"({len(b)} datagrams)")
    return 0


def sink(port_file):
    import os
    import socket
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 1 << 20)
    s.bind(("127.0.0.1", 0))
    with open(port_file + ".tmp", "w") as f:
        f.write(f"{s.getsockname()[1]}\n")
    os.rename(port_file + ".tmp", port_file)
    while True:
        s.recv(65536)


def replay(path, host, port):
    import socket
    import time
    found = udp_datagrams(path)
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
        for _, payload in found:
            s.sendto(payload, (host, int(port)))
            time.sleep(0.001)
    return 0


# ---- nfdump-csv: the committed layout of nfdump's csv ----

def nfdump_csv(in_path, out_path):
    with open(in_path) as f:
        lines = f.read().splitlines()
    if not lines or not lines[0].startswith("ts,"):
        fail(f"{in_path}:1: expected nfdump's csv header 'ts,te,...'")
    out = []
    drop_tr = lines[0].endswith(",tr")
    summary = False
    for line in lines:
        if line == "Summary":
            summary = True
        elif summary and line.startswith("flows,"):
            drop_bpp = line.endswith(",avg_bpp")
            line = line[:-len(",avg_bpp")] if drop_bpp else line
        elif summary and drop_bpp:
            line = line.rsplit(",", 1)[0]
        elif not summary and drop_tr:
            line = line.rsplit(",", 1)[0]
        out.append(line)
    with open(out_path, "w") as f:
        f.write("\n".join(out) + "\n")
    return 0


# ---- tshark-csv: tshark's JSON (cflow) -> one row per flow record ----

def records(node, frame, version, obs_domain, flowset_id, out):
    if isinstance(node, list):
        for child in node:
            records(child, frame, version, obs_domain, flowset_id, out)
        return
    if not isinstance(node, dict):
        return
    flowset_id = node.get("cflow.flowset_id", flowset_id)
    v4, v6 = "cflow.srcaddr" in node, "cflow.srcaddrv6" in node
    if (v4 or v6) and "cflow.packets" in node:
        times = node.get("cflow.timedelta_tree", {})
        out.append({
            "frame": frame, "version": version, "obs_domain": obs_domain,
            "flowset_id": flowset_id if version != "5" else "",
            "src": node["cflow.srcaddr" if v4 else "cflow.srcaddrv6"],
            "dst": node["cflow.dstaddr" if v4 else "cflow.dstaddrv6"],
            "sport": node.get("cflow.srcport", ""), "dport": node.get("cflow.dstport", ""),
            "proto": node.get("cflow.protocol", ""), "tos": node.get("cflow.tos", ""),
            "tcp_flags": node.get("cflow.tcpflags", ""), "packets": node["cflow.packets"],
            "bytes": node.get("cflow.octets", ""),
            "start": times.get("cflow.timestart", times.get("cflow.abstimestart", "")),
            "end": times.get("cflow.timeend", times.get("cflow.abstimeend", "")),
        })
        return
    for child in node.values():
        records(child, frame, version, obs_domain, flowset_id, out)


def tshark_csv(json_path, out_path):
    with open(json_path) as f:
        packets = json.load(f)
    rows = []
    for packet in packets:
        layers = packet["_source"]["layers"]
        frame = layers["frame"]["frame.number"]
        cflows = layers.get("cflow")
        if cflows is None:
            fail(f"{json_path}: frame {frame} was not decoded as NetFlow/IPFIX")
        for cflow in cflows if isinstance(cflows, list) else [cflows]:
            version = cflow["cflow.version"]
            obs_domain = cflow.get("cflow.od_id", cflow.get("cflow.source_id", ""))
            records(cflow, frame, version, obs_domain, "", rows)
    with open(out_path, "w", newline="") as f:
        w = csv.DictWriter(f, fieldnames=TSHARK_COLUMNS)  # CRLF line ends, as the committed files
        w.writeheader()
        w.writerows(rows)
    return 0


# ---- compare: flows of a decode (ignoring times, ordering and export metadata) ----

def addr(text):
    return str(ipaddress.ip_address(text.strip()))


def read_flows(kind, path):
    """Counter of (src, dst, sport, dport, proto, packets, bytes, tos) over the flow records of a decode."""
    flows = Counter()
    with open(path, newline="") as f:
        lines = f.read().splitlines()
    if kind == "nfdump":
        # nfdump -o csv: "ts,te,..." header, one line per flow, then a "flows,bytes,..." summary header and line.
        if not lines or not lines[0].startswith("ts,"):
            fail(f"{path}:1: expected nfdump's csv header 'ts,te,...'")
        header = lines[0].split(",")
        for n, line in enumerate(lines[1:], start=2):
            if not line or line.startswith("flows,") or line.startswith("Summary"):
                break
            r = dict(zip(header, line.split(",")))
            try:
                proto = PROTO_NAMES.get(r["pr"].strip()) or int(r["pr"])
                flows[(addr(r["sa"]), addr(r["da"]), int(r["sp"]), int(r["dp"]), proto, int(r["ipkt"]),
                       int(r["ibyt"]), int(r["stos"]))] += 1
            except (KeyError, ValueError) as e:
                fail(f"{path}:{n}: bad nfdump row ({e})")
    elif kind == "tshark":
        reader = csv.DictReader(lines)
        if reader.fieldnames != TSHARK_COLUMNS:
            fail(f"{path}:1: expected the header {','.join(TSHARK_COLUMNS)}")
        for n, r in enumerate(reader, start=2):
            try:
                flows[(addr(r["src"]), addr(r["dst"]), int(r["sport"]), int(r["dport"]), int(r["proto"]),
                       int(r["packets"]), int(r["bytes"]), int(r["tos"], 0) if r["tos"] else 0)] += 1
            except (KeyError, ValueError) as e:
                fail(f"{path}:{n}: bad tshark row ({e})")
    else:
        fail(f"unknown decode kind {kind!r} (nfdump|tshark)")
    return flows


def read_truth(path, ipv4_only):
    flows = Counter()
    with open(path, newline="") as f:
        for r in csv.DictReader(f):
            if ipv4_only and r["ipver"] != "4":
                continue
            # The exporters carry no IPv6 traffic class: ToS 0 for IPv6 flows (see README.md).
            tos = int(r["tos"]) if r["ipver"] == "4" else 0
            flows[(addr(r["src"]), addr(r["dst"]), int(r["sport"]), int(r["dport"]), int(r["proto"]),
                   int(r["packets"]), int(r["bytes"]), tos)] += 1
    return flows


def aggregate(flows):
    """Per 5-tuple sums: a flow split by the exporter's cache still adds up to the truth."""
    out = Counter()
    for (src, dst, sport, dport, proto, packets, octets, tos), n in flows.items():
        key = (src, dst, sport, dport, proto, tos)
        out[key + ("packets",)] += packets * n
        out[key + ("bytes",)] += octets * n
    return out


def describe(a, b):
    only_a, only_b = a - b, b - a
    parts = []
    if only_a:
        parts.append(f"{sum(only_a.values())} only in the new decode, e.g. {next(iter(only_a))}")
    if only_b:
        parts.append(f"{sum(only_b.values())} missing from it, e.g. {next(iter(only_b))}")
    return "; ".join(parts)


def compare(kind, new, old, truth_csv):
    name = new.rsplit("/", 1)[-1]
    got = read_flows(kind, new)
    committed = read_flows(kind, old)
    ipv4_only = ".v5." in name or "_v5." in name
    expected = read_truth(truth_csv, ipv4_only)
    problems = []
    truth_ok = aggregate(got) == aggregate(expected)
    if not truth_ok:
        problems.append("vs truth: " + describe(got, expected))
    if got != committed:
        problems.append("vs committed: " + describe(got, committed))
    records = sum(got.values())
    if problems:
        print(f"{kind:7} DIFF  {name} ({records} flow records): " + " | ".join(problems))
        return 1 if not truth_ok else 3
    print(f"{kind:7} OK    {name}: {records} flow records = committed decode = truth "
          f"({'IPv4 flows' if ipv4_only else 'all flows'}, {sum(expected.values())})")
    return 0


def main(argv):
    if len(argv) == 4 and argv[1] == "truth":
        return truth(argv[2], argv[3])
    if len(argv) == 4 and argv[1] == "nfdump-csv":
        return nfdump_csv(argv[2], argv[3])
    if len(argv) == 4 and argv[1] == "tshark-csv":
        return tshark_csv(argv[2], argv[3])
    if len(argv) == 3 and argv[1] == "datagrams":
        return datagrams(argv[2])
    if len(argv) == 4 and argv[1] == "payloads":
        return payloads(argv[2], argv[3])
    if len(argv) == 3 and argv[1] == "sink":
        return sink(argv[2])
    if len(argv) == 5 and argv[1] == "replay":
        return replay(argv[2], argv[3], argv[4])
    if len(argv) == 6 and argv[1] == "compare":
        return compare(argv[2], argv[3], argv[4], argv[5])
    print(__doc__, file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv))
