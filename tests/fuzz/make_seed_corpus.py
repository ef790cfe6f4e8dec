#!/usr/bin/env python3
"""Seeds corpus/<target>/ with the golden datagrams (tests/golden/wire/*.hex) and the first datagrams of the
third-party captures. Files are named by content hash, as libFuzzer names them. Run from tests/fuzz/."""
import hashlib
import os
import struct
import sys

sys.path.insert(0, "../golden/wire")
from hex2pcap import datagrams  # noqa: E402

GOLDEN = {
    "v5": ["v5_sampled", "exporter_v5"],
    "v9": ["v9_options_padding_wrap", "exporter_v9"],
    "ipfix": ["ipfix_varlen_enterprise", "ipfix_withdrawal_sysuptime", "ipfix_single_ingress", "exporter_ipfix"],
    "sflow": ["sflow_samples"],
}
CAPTURES = {"v5": ["export_softflowd_v5"], "v9": ["export_softflowd_v9", "export_pmacctd_v9"],
            "ipfix": ["export_softflowd_ipfix"]}
DATA = os.path.join(os.path.dirname(__file__) or ".", "../data")


def udp_payloads(path, limit):
    with open(path, "rb") as f:
        data = f.read()
    magic = struct.unpack("<I", data[:4])[0]
    endian = "<" if magic in (0xa1b2c3d4, 0xa1b23c4d) else ">"
    link = struct.unpack(endian + "I", data[20:24])[0]
    off, out = 24, []
    while off + 16 <= len(data) and len(out) < limit:
        _, _, caplen, _ = struct.unpack(endian + "IIII", data[off:off + 16])
        frame = data[off + 16:off + 16 + caplen]
        off += 16 + caplen
        l2 = {1: 14, 113: 16, 0: 4}.get(link, 0)
        ip = frame[l2:]
        ihl = (ip[0] & 0x0f) * 4
        out.append(ip[ihl + 8:])
    return out


def write(target, blob):
    d = os.path.join("corpus", target)
    os.makedirs(d, exist_ok=True)
    with open(os.path.join(d, hashlib.sha1(blob).hexdigest()), "wb") as f:
        f.write(blob)


for target, names in GOLDEN.items():
    for name in names:
        for blob in datagrams(f"../golden/wire/{name}.hex"):
            write(target, blob)
            write("any", blob)
for target, names in CAPTURES.items():
    for name in names:
        for blob in udp_payloads(os.path.join(DATA, name + ".pcap"), 2):
            write(target, blob)
            write("any", blob)
print("ok")
