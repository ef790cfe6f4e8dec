#!/usr/bin/env python3
"""Writes the hand-built decode vectors of tests/golden/wire/*.hex, one annotated line per field.

The vectors are built field by field from the RFCs (not by flowlab's encoder), and each was checked with
`tshark -V` (see README.md). Run from this directory: python3 make_vectors.py
"""
import ipaddress
import struct


class Vec:
    def __init__(self, title):
        self.lines = [f"# {line}" for line in title.strip().splitlines()]

    def datagram(self, note):
        self.lines.append(f"--- datagram: {note}")

    def add(self, data, comment):
        self.lines.append(f"{data.hex(' '):<60} # {comment}")

    def u8(self, v, c): self.add(struct.pack("!B", v), c)
    def u16(self, v, c): self.add(struct.pack("!H", v), c)
    def u32(self, v, c): self.add(struct.pack("!I", v), c)
    def u64(self, v, c): self.add(struct.pack("!Q", v), c)
    def ip(self, a, c): self.add(ipaddress.ip_address(a).packed, c)

    def write(self, name):
        with open(name, "w") as f:
            f.write("\n".join(self.lines) + "\n")


def field_specs(v, fields):
    for ie, length, name in fields:
        v.add(struct.pack("!HH", ie, length), f"field {name} ({ie}), length {length}")


# ---------------------------------------------------------------------------------------------------- NetFlow v5
v = Vec("""NetFlow v5: two records, 1:100 deterministic sampling in the header.
export time 1700000000.5 s, sysUptime 1000000 ms -> boot at 1699999000500 ms.""")
v.datagram("v5 header + 2 records")
v.u16(5, "version 5")
v.u16(2, "count 2")
v.u32(1000000, "sysUptime 1000000 ms")
v.u32(1700000000, "unix_secs")
v.u32(500000000, "unix_nsecs (0.5 s)")
v.u32(1000, "flow_sequence 1000")
v.u8(1, "engine_type 1")
v.u8(2, "engine_id 2")
v.u16(0x4064, "sampling: mode 1 (deterministic), interval 100")
for (src, dst, nh, i, o, pk, by, first, last, sp, dp, fl, pr, tos, sas, das, sm, dm) in [
        ("192.0.2.1", "198.51.100.10", "203.0.113.1", 3, 4, 10, 5000, 990000, 999000, 12345, 443, 0x1b, 6, 0x28,
         64500, 64510, 24, 24),
        ("192.0.2.2", "198.51.100.20", "0.0.0.0", 3, 0, 1, 84, 999500, 999500, 0, 0x0800, 0, 1, 0, 0, 0, 0, 0)]:
    v.ip(src, f"srcaddr {src}")
    v.ip(dst, f"dstaddr {dst}")
    v.ip(nh, f"nexthop {nh}")
    v.u16(i, f"input {i}")
    v.u16(o, f"output {o}")
    v.u32(pk, f"dPkts {pk}")
    v.u32(by, f"dOctets {by}")
    v.u32(first, f"First {first} (sysUptime ms)")
    v.u32(last, f"Last {last}")
    v.u16(sp, f"srcport {sp}")
    v.u16(dp, f"dstport {dp:#06x}" + (" (ICMP echo request: type 8 code 0)" if pr == 1 else ""))
    v.u8(0, "pad1")
    v.u8(fl, f"tcp_flags {fl:#04x}")
    v.u8(pr, f"prot {pr}")
    v.u8(tos, f"tos {tos:#04x}")
    v.u16(sas, f"src_as {sas}")
    v.u16(das, f"dst_as {das}")
    v.u8(sm, f"src_mask {sm}")
    v.u8(dm, f"dst_mask {dm}")
    v.u16(0, "pad2")
v.write("v5_sampled.hex")

# ---------------------------------------------------------------------------------------------------- NetFlow v9
V9_DATA = [(8, 4, "IPV4_SRC_ADDR"), (12, 4, "IPV4_DST_ADDR"), (7, 2, "L4_SRC_PORT"), (11, 2, "L4_DST_PORT"),
           (4, 1, "PROTOCOL"), (6, 1, "TCP_FLAGS"), (2, 4, "IN_PKTS"), (1, 4, "IN_BYTES"),
           (22, 4, "FIRST_SWITCHED"), (21, 4, "LAST_SWITCHED"), (10, 2, "INPUT_SNMP"), (14, 2, "OUTPUT_SNMP"),
           (48, 1, "FLOW_SAMPLER_ID")]
v = Vec("""NetFlow v9 (RFC 3954): template 256, options template 257 (scope System; FLOW_SAMPLER_ID,
FLOW_SAMPLER_MODE, FLOW_SAMPLER_RANDOM_INTERVAL) with its data (sampler 5 = 1:64), and a data flowset whose
records name sampler 5. Every flowset is padded to 4 bytes. The second datagram is sent 10 ms after sysUptime
wrapped: its flow started before the wrap (FIRST_SWITCHED 0xfffff000) and must land 4106 ms before export,
not 49.7 days later.""")
v.datagram("templates, options, data (count 5)")
v.u16(9, "version 9")
v.u16(5, "count 5 = 1 template + 1 options template + 1 options data + 2 data records")
v.u32(3600000, "sysUptime 3600000 ms")
v.u32(1700000000, "unix_secs")
v.u32(77, "package sequence 77")
v.u32(42, "source id 42")
v.u16(0, "flowset id 0 (template)")
v.u16(4 + 4 + 4 * len(V9_DATA), f"length {4 + 4 + 4 * len(V9_DATA)}")
v.u16(256, "template id 256")
v.u16(len(V9_DATA), f"field count {len(V9_DATA)}")
field_specs(v, V9_DATA)
v.u16(1, "flowset id 1 (options template)")
v.u16(28, "length 28 (26 + 2 padding)")
v.u16(257, "template id 257")
v.u16(4, "option scope length 4 (one scope field)")
v.u16(12, "option length 12 (three option fields)")
v.add(struct.pack("!HH", 1, 4), "scope System (1), length 4")
field_specs(v, [(48, 1, "FLOW_SAMPLER_ID"), (49, 1, "FLOW_SAMPLER_MODE"), (50, 4, "FLOW_SAMPLER_RANDOM_INTERVAL")])
v.u16(0, "padding")
v.u16(257, "flowset id 257 (options data)")
v.u16(16, "length 16 (14 + 2 padding)")
v.ip("192.0.2.250", "scope System: 192.0.2.250")
v.u8(5, "sampler id 5")
v.u8(2, "sampler mode 2 (random)")
v.u32(64, "random interval 64")
v.u16(0, "padding")
v.u16(256, "flowset id 256 (data)")
v.u16(76, "length 76 (4 + 2 x 35 + 2 padding)")
for (src, dst, sp, dp, pr, fl, pk, by, first, last, i, o) in [
        ("192.0.2.1", "198.51.100.10", 40000, 80, 6, 0x1b, 12, 7000, 3590000, 3599000, 1, 2),
        ("192.0.2.3", "198.51.100.11", 5353, 53, 17, 0, 2, 150, 3599990, 3599995, 1, 2)]:
    v.ip(src, f"IPV4_SRC_ADDR {src}")
    v.ip(dst, f"IPV4_DST_ADDR {dst}")
    v.u16(sp, f"L4_SRC_PORT {sp}")
    v.u16(dp, f"L4_DST_PORT {dp}")
    v.u8(pr, f"PROTOCOL {pr}")
    v.u8(fl, f"TCP_FLAGS {fl:#04x}")
    v.u32(pk, f"IN_PKTS {pk}")
    v.u32(by, f"IN_BYTES {by}")
    v.u32(first, f"FIRST_SWITCHED {first}")
    v.u32(last, f"LAST_SWITCHED {last}")
    v.u16(i, f"INPUT_SNMP {i}")
    v.u16(o, f"OUTPUT_SNMP {o}")
    v.u8(5, "FLOW_SAMPLER_ID 5 -> 1:64")
v.u16(0, "padding")
v.datagram("after the sysUptime wrap (count 1)")
v.u16(9, "version 9")
v.u16(1, "count 1")
v.u32(10, "sysUptime 10 ms: the 32-bit counter just wrapped")
v.u32(1700000100, "unix_secs")
v.u32(78, "package sequence 78")
v.u32(42, "source id 42")
v.u16(256, "flowset id 256 (data)")
v.u16(40, "length 40 (4 + 35 + 1 padding)")
v.ip("192.0.2.9", "IPV4_SRC_ADDR 192.0.2.9")
v.ip("198.51.100.9", "IPV4_DST_ADDR 198.51.100.9")
v.u16(1000, "L4_SRC_PORT 1000")
v.u16(2000, "L4_DST_PORT 2000")
v.u8(17, "PROTOCOL 17")
v.u8(0, "TCP_FLAGS 0")
v.u32(3, "IN_PKTS 3")
v.u32(300, "IN_BYTES 300")
v.u32(0xfffff000, "FIRST_SWITCHED 0xfffff000: 4096 ms before the wrap")
v.u32(5, "LAST_SWITCHED 5: after the wrap")
v.u16(1, "INPUT_SNMP 1")
v.u16(2, "OUTPUT_SNMP 2")
v.u8(5, "FLOW_SAMPLER_ID 5")
v.u8(0, "padding")
v.write("v9_options_padding_wrap.hex")

# ---------------------------------------------------------------------------------------------------- IPFIX
def ipfix_header(v, length, seq, domain, export=1700000000):
    v.u16(10, "version 10 (IPFIX)")
    v.u16(length, f"message length {length}")
    v.u32(export, f"export time {export}")
    v.u32(seq, f"sequence {seq}")
    v.u32(domain, f"observation domain {domain}")


def utf8(v, text, three_byte, comment):
    if three_byte:
        v.add(bytes([255]) + struct.pack("!H", len(text)), f"varlen: 255 + 2-byte length {len(text)}")
    else:
        v.u8(len(text), f"varlen: 1-byte length {len(text)}")
    v.add(text.encode(), f'{comment} "{text}"')


v = Vec("""IPFIX (RFC 7011): variable-length fields with 1- and 3-byte lengths (section 7), enterprise-specific IEs (PEN 32473, RFC 5612 documentation number;
opaque, fixed and variable length), reduced-size encoding (packetDeltaCount in 4 bytes, octetDeltaCount in 2,
selectorId in 1; section 6.2), an options template scoped by selectorId (302) with samplingPacketInterval /
samplingPacketSpace (305/306: 1 + 9 -> 1:10), and 3 bytes of set padding.""")
T = [(8, 4, "sourceIPv4Address"), (12, 4, "destinationIPv4Address"), (4, 1, "protocolIdentifier"),
     (7, 2, "sourceTransportPort"), (11, 2, "destinationTransportPort"), (2, 4, "packetDeltaCount (reduced 4)"),
     (1, 2, "octetDeltaCount (reduced 2)"), (302, 1, "selectorId (reduced 1)")]
tmpl_len = 4 + 4 + 4 * len(T) + 8 + 4 + 8 + 4 + 4
opt_len = 4 + 6 + 4 * 3
v.datagram("templates + options data + 2 data records")
msg = 16 + tmpl_len + opt_len + (4 + 1 + 4 + 4) + (4 + 2 * 0)  # patched below
records = []
v.u16(10, "version 10 (IPFIX)")
total_at = len(v.lines)
v.u16(0, "message length (patched)")
v.u32(1700000000, "export time 1700000000")
v.u32(500, "sequence 500")
v.u32(7, "observation domain 7")
v.u16(2, "set id 2 (template set)")
v.u16(tmpl_len, f"set length {tmpl_len}")
v.u16(300, "template id 300")
v.u16(len(T) + 5, f"field count {len(T) + 5}")
field_specs(v, T)
v.add(struct.pack("!HHI", 0x8000 | 1, 4, 32473), "enterprise bit + IE 1, length 4, enterprise 32473 (opaque)")
v.add(struct.pack("!HH", 82, 0xffff), "interfaceName (82), variable length")
v.add(struct.pack("!HHI", 0x8000 | 2, 0xffff, 32473), "enterprise bit + IE 2, variable length, enterprise 32473")
v.add(struct.pack("!HH", 152, 8), "flowStartMilliseconds (152), length 8")
v.add(struct.pack("!HH", 153, 8), "flowEndMilliseconds (153), length 8")
v.u16(3, "set id 3 (options template set)")
v.u16(opt_len, f"set length {opt_len}")
v.u16(301, "template id 301")
v.u16(3, "field count 3")
v.u16(1, "scope field count 1")
v.add(struct.pack("!HH", 302, 4), "scope selectorId (302), length 4")
v.add(struct.pack("!HH", 305, 4), "samplingPacketInterval (305), length 4")
v.add(struct.pack("!HH", 306, 4), "samplingPacketSpace (306), length 4")
v.u16(301, "set id 301 (options data)")
v.u16(16, "set length 16")
v.u32(3, "selectorId 3")
v.u32(1, "samplingPacketInterval 1")
v.u32(9, "samplingPacketSpace 9 -> 1 in 10")
rec1_len = 4 + 4 + 1 + 2 + 2 + 4 + 2 + 1 + 4 + (1 + 4) + (1 + 3) + 8 + 8
rec2_len = 4 + 4 + 1 + 2 + 2 + 4 + 2 + 1 + 4 + (3 + 5) + (1 + 0) + 8 + 8
data_len = 4 + rec1_len + rec2_len + 3
v.u16(300, "set id 300 (data)")
v.u16(data_len, f"set length {data_len} (2 records + 3 padding)")
for (src, dst, pr, sp, dp, pk, by, name, three, opaque, start, end) in [
        ("192.0.2.1", "198.51.100.1", 6, 33000, 443, 20, 16000, "eth0", False, b"\xaa\xbb\xcc", 1699999990000,
         1699999999000),
        ("192.0.2.2", "198.51.100.2", 17, 33001, 53, 1, 76, "eth10", True, b"", 1699999995000, 1699999995000)]:
    v.ip(src, f"sourceIPv4Address {src}")
    v.ip(dst, f"destinationIPv4Address {dst}")
    v.u8(pr, f"protocolIdentifier {pr}")
    v.u16(sp, f"sourceTransportPort {sp}")
    v.u16(dp, f"destinationTransportPort {dp}")
    v.u32(pk, f"packetDeltaCount {pk} (4 bytes)")
    v.u16(by, f"octetDeltaCount {by} (2 bytes)")
    v.u8(3, "selectorId 3 (1 byte) -> 1:10")
    v.add(b"\xde\xad\xbe\xef", "enterprise 32473 IE 1: opaque")
    utf8(v, name, three, "interfaceName")
    v.u8(len(opaque), f"varlen: 1-byte length {len(opaque)}")
    if opaque:
        v.add(opaque, "enterprise 32473 IE 2: opaque")
    v.u64(start, f"flowStartMilliseconds {start}")
    v.u64(end, f"flowEndMilliseconds {end}")
v.add(b"\x00\x00\x00", "set padding")
length = 16 + tmpl_len + opt_len + 16 + data_len
v.lines[total_at] = f"{struct.pack('!H', length).hex(' '):<60} # message length {length}"
v.write("ipfix_varlen_enterprise.hex")

# Withdrawal and systemInitTimeMilliseconds.
v = Vec("""IPFIX template withdrawal (RFC 7011 section 8.1) and flowStart/EndSysUpTime (22/21) relative to
systemInitTimeMilliseconds (160) from options data. Datagram 1: template 256, options template 258 (scope
observationDomainId) with systemInitTimeMilliseconds, one data record. Datagram 2: withdraws template 256, then
a data set for 256 arrives: it is skipped and counted (ipfix_template_missing). Datagram 3: withdraws all
options templates (template id 3 in set 3); the data template 256 is re-announced with one record.""")
T = [(8, 4, "sourceIPv4Address"), (12, 4, "destinationIPv4Address"), (2, 8, "packetDeltaCount"),
     (1, 8, "octetDeltaCount"), (22, 4, "flowStartSysUpTime"), (21, 4, "flowEndSysUpTime")]
t_len = 4 + 4 + 4 * len(T)
o_len = 4 + 6 + 8
rec_len = 4 + 4 + 8 + 8 + 4 + 4
v.datagram("templates, options (system init), data")
ipfix_header(v, 16 + t_len + o_len + (4 + 12) + (4 + rec_len), 0, 99)
v.u16(2, "set id 2 (template set)")
v.u16(t_len, f"set length {t_len}")
v.u16(256, "template id 256")
v.u16(len(T), f"field count {len(T)}")
field_specs(v, T)
v.u16(3, "set id 3 (options template set)")
v.u16(o_len, f"set length {o_len}")
v.u16(258, "template id 258")
v.u16(2, "field count 2")
v.u16(1, "scope field count 1")
v.add(struct.pack("!HH", 149, 4), "scope observationDomainId (149), length 4")
v.add(struct.pack("!HH", 160, 8), "systemInitTimeMilliseconds (160), length 8")
v.u16(258, "set id 258 (options data)")
v.u16(16, "set length 16")
v.u32(99, "observationDomainId 99")
v.u64(1699990000000, "systemInitTimeMilliseconds 1699990000000")


def sysup_record(v, src, dst, pk, by, s, e):
    v.ip(src, f"sourceIPv4Address {src}")
    v.ip(dst, f"destinationIPv4Address {dst}")
    v.u64(pk, f"packetDeltaCount {pk}")
    v.u64(by, f"octetDeltaCount {by}")
    v.u32(s, f"flowStartSysUpTime {s} ms after system init")
    v.u32(e, f"flowEndSysUpTime {e}")


v.u16(256, "set id 256 (data)")
v.u16(4 + rec_len, f"set length {4 + rec_len}")
sysup_record(v, "192.0.2.5", "198.51.100.5", 4, 400, 9000000, 9500000)
v.datagram("withdrawal of 256, then data for 256")
ipfix_header(v, 16 + 8 + 4 + rec_len, 2, 99, 1700000001)
v.u16(2, "set id 2 (template set)")
v.u16(8, "set length 8")
v.u16(256, "template id 256")
v.u16(0, "field count 0: withdrawal")
v.u16(256, "set id 256 (data): template withdrawn")
v.u16(4 + rec_len, f"set length {4 + rec_len}")
sysup_record(v, "192.0.2.6", "198.51.100.6", 1, 100, 9900000, 9900000)
v.datagram("withdraw all options templates, re-announce 256, data")
ipfix_header(v, 16 + 8 + t_len + 4 + rec_len, 3, 99, 1700000002)
v.u16(3, "set id 3 (options template set)")
v.u16(8, "set length 8")
v.u16(3, "template id 3 = the set id: withdraw all options templates")
v.u16(0, "field count 0 (a withdrawal has no scope field count, RFC 7011 section 8.1)")
v.u16(2, "set id 2 (template set)")
v.u16(t_len, f"set length {t_len}")
v.u16(256, "template id 256")
v.u16(len(T), f"field count {len(T)}")
field_specs(v, T)
v.u16(256, "set id 256 (data)")
v.u16(4 + rec_len, f"set length {4 + rec_len}")
sysup_record(v, "192.0.2.7", "198.51.100.7", 2, 200, 9999000, 9999999)
v.write("ipfix_withdrawal_sysuptime.hex")

# Seed 004: a template with a single interface field.
v = Vec("""IPFIX template with a single interface field, like seed 004's router ("match interface input" without
output): bgpSourceAsNumber, bgpDestinationAsNumber, ingressInterface, destinationIPv4Address, times, counters.
No field after ingressInterface may shift (a collector that assumes in+out interfaces misreads everything after).""")
T = [(16, 4, "bgpSourceAsNumber"), (17, 4, "bgpDestinationAsNumber"), (10, 4, "ingressInterface"),
     (12, 4, "destinationIPv4Address"), (152, 8, "flowStartMilliseconds"), (153, 8, "flowEndMilliseconds"),
     (1, 8, "octetDeltaCount"), (2, 8, "packetDeltaCount")]
t_len = 4 + 4 + 4 * len(T)
rec_len = sum(l for _, l, _ in T)
v.datagram("template + 2 records")
ipfix_header(v, 16 + t_len + 4 + 2 * rec_len, 0, 1)
v.u16(2, "set id 2 (template set)")
v.u16(t_len, f"set length {t_len}")
v.u16(1024, "template id 1024")
v.u16(len(T), f"field count {len(T)}")
field_specs(v, T)
v.u16(1024, "set id 1024 (data)")
v.u16(4 + 2 * rec_len, f"set length {4 + 2 * rec_len}")
for (sas, das, inif, dst, s, e, by, pk) in [(8220, 196714, 17, "178.19.237.10", 1699999900000, 1699999960000,
                                             1500000, 1000),
                                            (2906, 0, 18, "91.137.60.1", 1699999950000, 1699999999000, 64, 1)]:
    v.u32(sas, f"bgpSourceAsNumber {sas}")
    v.u32(das, f"bgpDestinationAsNumber {das}")
    v.u32(inif, f"ingressInterface {inif}")
    v.ip(dst, f"destinationIPv4Address {dst}")
    v.u64(s, f"flowStartMilliseconds {s}")
    v.u64(e, f"flowEndMilliseconds {e}")
    v.u64(by, f"octetDeltaCount {by}")
    v.u64(pk, f"packetDeltaCount {pk}")
v.write("ipfix_single_ingress.hex")
print("ok")
