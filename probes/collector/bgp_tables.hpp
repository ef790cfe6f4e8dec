// flowlab::collector — the collector's enrichment and aggregation core (DESIGN.md §6, §8).
//
// Data flows one way: `BgpTables` keeps every BGP peer's Adj-RIB-In (fed by bgp::Speaker callbacks); an `Enricher`
// picks the BGP view for a record's exporter (agent map, then session address, then router id) and fills an
// `EnrichedFlow` with pmacct's fields; each `Aggregate` filters it, packs the requested primitives into a binary
// key and adds the counters; `record_format` prints rows as `pmacct -s`, CSV or JSON lines. One thread owns all of
// it (the collector's io_context); nothing here locks.
//
// bgp_tables.hpp — one bgp::Rib per BGP peer (keyed by the session address), all sharing one bgp::AttrStore.
#pragma once

#include "common/ip.hpp"
#include "probes/bgp/rib.hpp"
#include "probes/bgp/session.hpp"

#include <cstdint>
#include <memory>
#include <unordered_map>
#include <vector>

namespace flowlab::collector {

class BgpTables {
 public:
  BgpTables();
  // RIBs interning into a store shared with other tables (BMP: every router's tables share one).
  explicit BgpTables(std::shared_ptr<bgp::AttrStore> store);
  ~BgpTables();
  BgpTables(const BgpTables&) = delete;
  BgpTables& operator=(const BgpTables&) = delete;

  // The Speaker's callbacks. peer_up remembers the peer's AS and router id (creating its RIB if needed); apply
  // creates the RIB on first use too (a route before peer_up is kept); peer_down drops every route of that peer.
  void peer_up(const bgp::PeerInfo& peer);
  void apply(const bgp::PeerInfo& peer, const bgp::RouteEvent& event);
  void apply(const bgp::PeerInfo& peer, const bgp::RouteBatch& batch);  // one UPDATE (Speaker::on_update)
  void peer_down(const bgp::PeerInfo& peer);

  // The RIB learned from the peer whose session address / BGP identifier (host order) is given; nullptr if none.
  [[nodiscard]] const bgp::Rib* by_address(const IpAddress& peer) const;
  [[nodiscard]] const bgp::Rib* by_router_id(std::uint32_t bgp_id) const;

  struct Peer {
    IpAddress address;
    std::uint32_t asn = 0;
    std::uint32_t bgp_id = 0;
    bool up = false;
    const bgp::Rib* rib = nullptr;
  };
  [[nodiscard]] std::vector<Peer> peers() const;  // ordered by address

  // A peer's RIB for direct filling (tests, table loads); created on first use, the peer marked up.
  bgp::Rib& rib(const IpAddress& peer, std::uint32_t asn = 0, std::uint32_t bgp_id = 0);

  [[nodiscard]] const bgp::AttrStore& store() const { return *store_; }
  // Announcements every RIB withdrew instead of storing for lack of room (bgp::Rib::refused()).
  [[nodiscard]] std::uint64_t refused() const;
  // Bumped by every change (route, peer up/down): enrichment results older than this may hold stale pointers.
  [[nodiscard]] std::uint64_t generation() const { return generation_; }
  // Bumped only when a peer appears or changes its router id (view selection caches key on it).
  [[nodiscard]] std::uint64_t peer_generation() const { return peer_generation_; }

 private:
  struct Entry {
    Peer info;
    std::unique_ptr<bgp::Rib> rib;
  };
  Entry& entry(const IpAddress& address);
  Entry& live_entry(const bgp::PeerInfo& peer);  // entry(), marked up with the peer's AS and router id

  std::shared_ptr<bgp::AttrStore> store_;
  std::unordered_map<IpAddress, Entry> peers_;
  std::uint64_t generation_ = 0;
  std::uint64_t peer_generation_ = 0;
};

}  // namespace flowlab::collector
