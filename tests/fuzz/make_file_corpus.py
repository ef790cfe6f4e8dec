#!/usr/bin/env python3
"""Seeds the corpora of the file and protocol fuzz targets (frame, pcap, topology, scenario, collector_config,
maps, tee_receivers, query) from the repository's own inputs: tests/data pcaps, topologies/, scenarios/, the
examples of docs and unit tests. Run from anywhere; rewrites tests/fuzz/corpus/<target>/ (file name = SHA-1)."""
import hashlib
import pathlib
import shutil
import struct

ROOT = pathlib.Path(__file__).resolve().parents[2]
CORPUS = ROOT / "tests/fuzz/corpus"


def put(target, data):
    if isinstance(data, str):
        data = data.encode()
    d = CORPUS / target
    d.mkdir(parents=True, exist_ok=True)
    (d / hashlib.sha1(data).hexdigest()).write_bytes(data)


def pcap_records(path):
    raw = path.read_bytes()
    endian = "<" if raw[:4] in (b"\xd4\xc3\xb2\xa1", b"\x4d\x3c\xb2\xa1") else ">"
    link = struct.unpack(endian + "I", raw[20:24])[0]
    off, out = 24, []
    while off + 16 <= len(raw):
        caplen = struct.unpack(endian + "I", raw[off + 8:off + 12])[0]
        out.append((off, raw[off + 16:off + 16 + caplen]))
        off += 16 + caplen
    return raw, link, out


def seed_probe():
    links = {0: 0, 1: 1, 101: 2, 113: 3, 276: 4, 228: 5, 229: 6}  # fuzz_frame's first byte
    for pcap in sorted((ROOT / "tests/data").glob("*.pcap")):
        raw, link, records = pcap_records(pcap)
        for _, frame in records[:4]:
            put("frame", bytes([links.get(link, 1)]) + frame)
        # the file head: global header + the first three records
        end = records[3][0] if len(records) > 3 else len(raw)
        put("pcap", raw[:end])
        put("pcap", raw[:end - 5])  # a truncated last record


def seed_yaml():
    for f in sorted((ROOT / "topologies").glob("*.yaml")) + sorted((ROOT / "tests/golden/topology").glob("*.yaml")):
        if f.stat().st_size <= 8192:
            put("topology", f.read_text())
    for f in sorted((ROOT / "scenarios").glob("*.yaml")):
        put("scenario", f.read_text())
    put("collector_config", """log: {level: debug}
listen:
  - {proto: netflow, address: 0.0.0.0, port: 2100}
  - {proto: sflow, address: "::", port: 6343}
socket_buffer: 8MiB
bgp:
  local_as: 64500
  router_id: 198.19.128.10
  listen: [{address: 198.19.128.10, port: 179}]
  peers: [{address: 198.19.128.1, asn: 64500, name: r1, active: false}]
  table_dump: {path: /tmp/bgp-%peer.jsonl, interval: 60s}
enrich: {as: bgp, peer_src_as: map, peer_src_as_map: /tmp/peers.map, agent_map: /tmp/agents.map}
outputs:
  socket: /tmp/c1.sock
  files: [{aggregate: in, format: csv, path: /tmp/in-%Y%m%d-%H%M.csv, interval: 30s}]
  sqlite: {path: /tmp/flows.db, interval: 1m}
aggregates:
  - {name: in, primitives: [src_host, dst_host, src_as, peer_src_as], filter: "dst net 192.0.2.0/24"}
  - {name: out, primitives: "dst_as, as_path"}
tee:
  - {name: t1, receivers: /tmp/receivers.lst, balance: hash-agent, transparent: true}
""")
    put("collector_config", "listen: [{proto: ipfix, port: 4739}]\naggregates: [{name: a, primitives: [src_as]}]\n")


def seed_collector_files():
    put("maps", "! agents\nbgp_ip=10.0.0.1   ip=192.0.2.1\nip=192.0.2.0/24 bgp_ip=10.0.0.2  # subnet\n"
                "bgp_ip=2001:db8::1 ip=2001:db8:ffff::1 bgp_port=1790\n")
    put("maps", "id=65001 ip=192.0.2.1 in=3\nid=65002 in=4\nid=65003 ip=2001:db8::/32\n")
    put("tee_receivers", "id=1 ip=172.16.1.100:20001\nid=2 ip=172.16.1.200:20001\n")
    put("tee_receivers", "! pmacct comment\n# hash\n\n\tid=7\tip=192.0.2.1:2100  \r\n")
    put("tee_receivers", "id=1 ip=198.19.128.11:6343,[2001:db8::1]:6343 balance-alg=hash-agent\n")
    put("query", '{"cmd":"table","aggregate":"in","match":{"src_port":"1000"},"top":10,"sort":"bytes"}\n'
                 '{"cmd":"counters"}\n{"cmd":"aggregates"}\n')
    put("query", '{"cmd":"bgp_peers"}\n{"cmd":"bgp_dump","peer":"198.19.0.1"}\n{"cmd":"clear","aggregate":"out"}\n'
                 '{"cmd":"table","aggregate":"out","sort":"packets"}\n')
    put("query", '{"ok":true,"aggregate":"in","primitives":["src_host","dst_as"],'
                 '"rows":[{"values":["192.0.2.1",65001],"packets":3,"bytes":300,"flows":1}],"total":1}\n'
                 '{"ok":true,"peers":[{"address":"198.19.0.1","name":"r1","asn":65001,"state":"Established"}]}\n'
                 '{"ok":true,"lines":["a","b"]}\n{"ok":false,"error":"no"}\n')


if __name__ == "__main__":
    for t in ("frame", "pcap", "topology", "scenario", "collector_config", "maps", "tee_receivers", "query"):
        shutil.rmtree(CORPUS / t, ignore_errors=True)
    seed_probe()
    seed_yaml()
    seed_collector_files()
