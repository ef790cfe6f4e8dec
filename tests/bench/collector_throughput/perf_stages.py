#!/usr/bin/env python3
"""Cost per stage of flowcollector's receive path from a perf profile of bench_collector_throughput.

    BENCH_SKIP_NFACCTD=1 perf record -e cpu-clock -F 999 --call-graph dwarf,8192 -o perf.data \\
        build/tests/bench/collector_throughput/bench_collector_throughput 1000000 1000000
    perf script -i perf.data --tid PID -F tid,time,ip,sym > perf.txt   # PID: the bench's main thread (workers: 1)
    tests/bench/collector_throughput/perf_stages.py perf.txt [SEGMENT]

Every sample whose stack holds Receiver::drain goes to the first stage, from the leaf up, whose functions a frame
names; samples more than 0.25 s apart start a new segment (one bench trial). SEGMENT also lists that segment's leaf
functions. docs/enrichment.md ("Cost per stage (session 16)") has the method and the figures.
"""
import collections
import re
import sys

STAGES = [
    ("decode", re.compile(r"wire::detail::|wire::Decoder::|DecoderState")),
    ("lpm+route", re.compile(r"Lpm4::|Lpm6::|Rib::match|Rib::prefetch_|Rib::route|Rib::lookup|Rib::attributes")),
    ("enrich fields", re.compile(r"Enricher::|net_of|Prefix::canonical|pmacct_")),
    ("path ids", re.compile(r"PathKeys::|AttrStore::pin_path|AttrStore::unpin|AttrStore::release_path")),
    ("agg probe/insert", re.compile(r"Aggregate::find_or_insert|Aggregate::grow")),
    ("agg key+hash", re.compile(r"Aggregate::|hash_bytes")),
    ("sampling/seq/counters", re.compile(r"Collector::on_datagram|SamplingTable|match_sampling_rule|Worker::process")),
    ("recv (kernel+handler)", re.compile(r"Receiver::|recvmmsg")),
]


def read_samples(path):
    samples, current = [], None
    with open(path, encoding="utf-8", errors="replace") as f:
        for line in f:
            if line[:1].isdigit():
                if current:
                    samples.append(current)
                current = (float(line.split()[1].rstrip(":")), [])
            elif line.strip() and current:
                parts = line.strip().split(None, 1)
                current[1].append(parts[1] if len(parts) > 1 else "")
    if current:
        samples.append(current)
    return samples


def stage_of(frames):
    for frame in frames:
        for name, pattern in STAGES:
            if pattern.search(frame):
                return name
    return "other"


def main():
    if len(sys.argv) < 2:
        sys.exit(__doc__)
    drain = [(t, fr) for t, fr in read_samples(sys.argv[1]) if any("Receiver::drain" in f for f in fr)]
    segments = []
    for t, frames in drain:
        if not segments or t - segments[-1][-1][0] > 0.25:
            segments.append([])
        segments[-1].append((t, frames))
    for i, seg in enumerate(segments):
        counts = collections.Counter(stage_of(frames) for _, frames in seg)
        print(f"segment {i}: {seg[0][0]:.2f}-{seg[-1][0]:.2f} s, {len(seg)} samples")
        for name, n in counts.most_common():
            print(f"   {name:24s} {n:6d} {100 * n / len(seg):5.1f} %")
    if len(sys.argv) > 2:
        seg = segments[int(sys.argv[2])]
        leaves = collections.Counter((frames[0] if frames else "?")[:100] for _, frames in seg)
        for name, n in leaves.most_common(40):
            print(f"   {n:6d} {100 * n / len(seg):5.1f} %  {name}")


if __name__ == "__main__":
    main()
