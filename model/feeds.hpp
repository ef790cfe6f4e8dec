// flowlab::topology feeds — where a probe's export datagrams end up once tee nodes are in the way.
//
// A probe's `export:` names a collector or a tee; a tee (kind `tee`: `receivers`, `transparent`, `balance`)
// replicates every datagram to its receivers, which are collectors or further tees. probe_feeds() follows those
// chains to the *final* collectors and says, for each, which tees the datagrams crossed and which source address
// the collector sees them from: the probe node's mgmt0 address when every tee on the way is transparent (raw
// socket, source kept), else the mgmt0 address of the last non-transparent tee (it re-sends from its own socket).
// With `balance: hash` a tee sends each exporter to one receiver only, chosen exactly as flowcollector's tee does
// (`hash-agent`: FNV-1a 32 over the source address bytes, modulo the receiver count), so the feeds stay exact.
//
// check_feeds() runs after derivation (the hash needs the mgmt addresses) and rejects what would make a final
// collector's view unusable: the same probe arriving twice (two tee paths into one collector) and two probes
// arriving from one source address (a non-transparent tee merging them: agent map and sequence numbers could not
// tell them apart).
#pragma once

#include "common/ip.hpp"
#include "common/yaml_diagnostics.hpp"
#include "model/model.hpp"

#include <cstddef>
#include <cstdint>
#include <string>
#include <utility>
#include <vector>

namespace flowlab::topology {

struct Feed {
  std::string collector;          // the final collector
  std::vector<std::string> tees;  // tees crossed, in order (empty: the probe exports to the collector directly)
  std::string source_node;        // whose mgmt0 address the collector sees as the exporter
  IpAddress exporter;             // that address (IPv4 mgmt0; unset before derivation)
  bool transparent = true;        // every tee on the way keeps the source (source_node is the probe's node)
};

// The final collectors a probe feeds, in depth-first receiver order. A probe exporting straight to a node that
// is not a tee yields one feed for that node (whatever it is). Unknown nodes and loops end the walk silently
// (validation reports them).
[[nodiscard]] std::vector<Feed> probe_feeds(const Topology& topology, const ProbeSpec& probe);

// Every (probe index, feed) whose final collector is `collector`, in probe order.
[[nodiscard]] std::vector<std::pair<std::size_t, Feed>> collector_feeds(const Topology& topology,
                                                                        const std::string& collector);

// "s1 → s2" (empty when direct).
[[nodiscard]] std::string tee_path_text(const Feed& feed);

// flowcollector's hash-agent choice (common/address_hash.hpp, shared with probes/collector/tee), so the topology
// library needs no collector code: FNV-1a 32 over the address bytes (4 or 16), then modulo `receivers`.
[[nodiscard]] std::uint32_t tee_address_hash(const IpAddress& address);
[[nodiscard]] std::size_t tee_hash_pick(const IpAddress& address, std::size_t receivers);

// The post-derivation checks described above; one diagnostic per problem, at the probe's `export`.
void check_feeds(const Topology& topology, const SourceMap& marks, DiagnosticSink& sink);

}  // namespace flowlab::topology
