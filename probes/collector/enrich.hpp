// enrich.hpp — one flow record's DESIGN.md §6 fields, computed the way pmacct's nfacctd computes them.
//
// For a record from exporter E the BGP view is the RIB of the peer the agent map names for E, else the peer whose
// session address is E, else the peer whose router id is E (IPv4 exporters). R_d / R_s are the longest-prefix
// matches of the destination / source address in that view. A view still syncing (its session came up and the
// peer's End-of-RIB for the record's family has not arrived, bgp_tables.hpp) is not read: the record is enriched
// as if the exporter had no view, and flagged (EnrichedFlow::view_syncing), never from a half-filled table.
#pragma once

#include "common/ip.hpp"
#include "probes/bgp/rib.hpp"
#include "probes/collector/agent_map.hpp"
#include "probes/collector/bgp_tables.hpp"
#include "probes/collector/bmp_tables.hpp"
#include "probes/collector/peer_src_map.hpp"
#include "probes/wire/flow_record.hpp"

#include <chrono>
#include <cstdint>
#include <span>
#include <string>
#include <vector>

namespace flowlab::collector {

// nfacctd_as / nfacctd_net: where as_src/as_dst (and net/mask) come from.
//   kNetflow: the record's own fields; kBgp: the RIB; kLongest: whichever has the longer prefix (the record's mask
//   vs the RIB match's length; a tie goes to BGP).
enum class AsSource : std::uint8_t { kNetflow, kBgp, kLongest };
// enrich.source: which routing view enriches — the collector's BGP sessions (pmacct bgp_daemon) or what BMP
// sessions report (pmacct bmp_daemon): the router's Loc-RIB, else its best path over its peers' Adj-RIB-In.
enum class ViewSource : std::uint8_t { kBgp, kBmp };
// bgp_peer_src_as_type: bgp (first AS of R_s), map (peer_src_as_map), netflow (the record's src_peer_as).
enum class PeerSrcAsMethod : std::uint8_t { kBgp, kMap, kNetflow };

struct EnrichConfig {
  ViewSource source = ViewSource::kBgp;
  AsSource as_source = AsSource::kBgp;
  AsSource net_source = AsSource::kBgp;  // pmacct nfacctd_net (src_net/dst_net/src_mask/dst_mask)
  PeerSrcAsMethod peer_src_as = PeerSrcAsMethod::kBgp;
  AgentMap agent_map;  // empty: exporter address / router id = peer
  PeerSrcAsMap peer_src_as_map;
  bool renormalize = true;  // multiply counters by the sampling interval
  // Compute net_src/net_dst (src_net, dst_net, src_mask, dst_mask): off when no aggregate and no store reads them
  // (Collector::enrichers decides), so a record does not pay for prefixes nobody prints.
  bool networks = true;
};

// Pointers refer into BgpTables / the record and stay valid until the next BGP event / the record's end of life.
struct EnrichedFlow {
  const wire::FlowRecord* record = nullptr;
  IpAddress peer_ip_src;  // the exporter (the NetFlow agent's address, as pmacct's peer_src_ip)
  std::uint32_t as_src = 0;
  std::uint32_t as_dst = 0;
  std::uint32_t peer_as_src = 0;
  std::uint32_t peer_as_dst = 0;
  IpAddress peer_ip_dst;                            // R_d's BGP next hop (unset when no route)
  const bgp::RouteAttributes* src_route = nullptr;  // R_s (nullptr: none)
  const bgp::RouteAttributes* dst_route = nullptr;  // R_d
  Prefix net_src;                                   // matched prefixes (length 0 when none) -> mask_src/mask_dst
  Prefix net_dst;
  const bgp::Rib* view = nullptr;  // the RIB used (nullptr: no BGP view for this exporter, or it is syncing)
  bool view_syncing = false;       // the exporter's view is still syncing (BgpTables::syncing): not read
  std::uint64_t packets = 0;       // renormalized when configured
  std::uint64_t bytes = 0;
  std::uint64_t flows = 0;
};

// pmacct's view of an AS path (its Quagga-derived bgp_aspath.c): AS_SET / AS_CONFED_SET members sorted and
// de-duplicated, adjacent segments of one type merged.
[[nodiscard]] bgp::AsPath pmacct_normalized(const bgp::AsPath& path);
// pmacct's origin and neighbour AS of a path (rib.hpp): kept per interned set as RouteAttributes::last_as/first_as.
using bgp::pmacct_first_as;
using bgp::pmacct_last_as;
// The path as pmacct prints it, blanks kept: "65001 {65003,65004}"; empty for an empty path.
[[nodiscard]] std::string pmacct_as_path_string(const bgp::AsPath& path);

// The one renormalization rule: what packets and bytes are multiplied by — the record's sampling_interval (the rate
// SamplingTable chose) when `renormalize` is on, else 1. Flows are never multiplied (pmacct does not either).
[[nodiscard]] std::uint64_t renormalization(const EnrichConfig& config, const wire::FlowRecord& record);

class Enricher {
 public:
  // `bmp` is read when config.source is kBmp (nullptr there: no view at all).
  Enricher(const BgpTables& tables, EnrichConfig config, const BmpTables* bmp = nullptr);

  void enrich(const wire::FlowRecord& record, EnrichedFlow& out) const;
  [[nodiscard]] EnrichedFlow enrich(const wire::FlowRecord& record) const {
    EnrichedFlow out;
    enrich(record, out);
    return out;
  }
  // out[i] = enrich(records[i]) for a datagram's records, in stages over the batch so the cache misses of different
  // records overlap: every record's view and LPM matches, then the matched sets prefetched, then the fields.
  void enrich(std::span<const wire::FlowRecord> records, std::vector<EnrichedFlow>& out) const;
  // The BGP view for an exporter (agent map, session address, router id); nullptr when none. With source kBmp the
  // same three keys name a BMP router (its BMP session address, its BGP identifier) and its view is returned.
  [[nodiscard]] const bgp::Rib* view_for(const IpAddress& exporter) const;
  // The view for lookups of one address family: view_for(exporter), unless that peer carries no route of the family
  // and another established session with the same BGP identifier does (a router with one session per family, as
  // BIRD and FRR peer over IPv4 and IPv6 transport) — then that session's RIB.
  [[nodiscard]] const bgp::Rib* view_for(const IpAddress& exporter, Family family) const;

  [[nodiscard]] const EnrichConfig& config() const { return config_; }

 private:
  [[nodiscard]] const bgp::Rib* cached_view(const IpAddress& exporter, Family family) const;
  // The LPM matches of one record's source and destination (value Lpm4::kNone: none).
  struct Matches {
    bgp::LpmMatch src{bgp::Lpm4::kNone, 0};
    bgp::LpmMatch dst{bgp::Lpm4::kNone, 0};
  };
  // The stages of enrich(): the record's counters and view (out.view; nullptr when none or syncing), then its
  // matches in out.view, then every field from the matches.
  void start(const wire::FlowRecord& record, EnrichedFlow& out) const;
  static Matches match(const EnrichedFlow& flow);
  void finish(const Matches& m, EnrichedFlow& out) const;
  [[nodiscard]] const bgp::Rib* bmp_view_for(const IpAddress& exporter) const;
  [[nodiscard]] std::uint64_t view_generation() const;
  // syncing(view, family) of the view's source (tables_, or bmp_ with source kBmp) for the cached view, from a
  // deadline cached per view and sync generation: the clock is read only for records of a view that waits for its
  // End-of-RIB, the peers and BMP routers never scanned per record.
  [[nodiscard]] bool cached_syncing(const bgp::Rib* view, Family family) const;

  const BgpTables& tables_;
  const BmpTables* bmp_;
  EnrichConfig config_;
  // Last exporter's view (records arrive in runs from one exporter); valid while peer_generation is unchanged.
  mutable IpAddress cache_exporter_;
  mutable Family cache_family_ = Family::kNone;
  mutable const bgp::Rib* cache_view_ = nullptr;
  mutable std::uint64_t cache_generation_ = ~std::uint64_t{0};
  // The sync deadline of cache_view_ (time_point::min(): not waiting), valid while sync_generation is unchanged.
  mutable const bgp::Rib* sync_view_ = nullptr;
  mutable Family sync_family_ = Family::kNone;
  mutable std::uint64_t sync_generation_ = ~std::uint64_t{0};
  mutable std::chrono::steady_clock::time_point sync_until_{};
  mutable std::vector<Matches> matches_;  // enrich(span) scratch
};

}  // namespace flowlab::collector
