// peer_src_map.hpp — pmacct's bgp_peer_src_as_map: the neighbour AS a flow entered from, by exporter and input
// interface (bgp_peer_src_as_type: map).
//
// Syntax: `id=<asn> ip=<exporter address[/len]> in=<ifindex>` per line; `ip` and `in` are optional (absent: any),
// `!` or `#` comments. The first matching line wins, as pmacct evaluates maps top-down.
#pragma once

#include "common/ip.hpp"
#include "common/result.hpp"

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace flowlab::collector {

class PeerSrcAsMap {
 public:
  struct Entry {
    std::uint32_t asn = 0;
    std::optional<Prefix> exporter;        // nullopt: any exporter
    std::optional<std::uint32_t> ifindex;  // nullopt: any input interface
    unsigned line = 0;
  };

  static Result<PeerSrcAsMap> parse(std::string_view text, std::string_view file = "peer_src_as_map");
  static Result<PeerSrcAsMap> load(const std::string& path);

  [[nodiscard]] std::optional<std::uint32_t> lookup(const IpAddress& exporter, std::uint32_t input_ifindex) const;
  [[nodiscard]] bool empty() const { return entries_.empty(); }
  [[nodiscard]] const std::vector<Entry>& entries() const { return entries_; }
  void add(Entry entry) { entries_.push_back(entry); }

 private:
  std::vector<Entry> entries_;
};

}  // namespace flowlab::collector
