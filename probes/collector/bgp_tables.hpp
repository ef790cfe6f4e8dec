// flowlab::collector — the collector's enrichment and aggregation core (DESIGN.md §6, §8).
//
// Data flows one way: `BgpTables` keeps every BGP peer's Adj-RIB-In (fed by bgp::Speaker callbacks); an `Enricher`
// picks the BGP view for a record's exporter (agent map, then session address, then router id) and fills an
// `EnrichedFlow` with pmacct's fields; each `Aggregate` filters it, packs the requested primitives into a binary
// key and adds the counters; `record_format` prints rows as `pmacct -s`, CSV or JSON lines. Nothing here locks:
// the collector's thread writes the tables holding every receive worker's mutex (table_lock.hpp), and each worker
// owns its Enricher and Aggregates.
//
// bgp_tables.hpp — one bgp::Rib per BGP peer (keyed by the session address), all sharing one bgp::AttrStore.
//
// A table is *syncing* from the session's Established until the peer's End-of-RIB (RFC 4724 §2) for that address
// family, or until the sync timeout after Established for a peer that never sends one: meanwhile the table may hold
// a less specific route whose more specific one has not arrived yet, so enrichment does not read it (Enricher).
#pragma once

#include "common/ip.hpp"
#include "probes/bgp/rib.hpp"
#include "probes/bgp/session.hpp"

#include <chrono>
#include <cstdint>
#include <memory>
#include <string_view>
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
  // The Speaker's on_end_of_rib: the peer's table of that family is complete.
  void end_of_rib(const bgp::PeerInfo& peer, bgp::AfiSafi af);

  // How long after Established a table of a peer that sends no End-of-RIB counts as syncing; 0: not at all (the
  // default; the collector sets `bgp.end_of_rib_timeout`). Applies to sessions that come up afterwards.
  void set_sync_timeout(std::chrono::milliseconds timeout) { sync_timeout_ = timeout; }
  // Whether `rib` (one of these tables) is syncing for `family`: its peer's End-of-RIB has not arrived and the sync
  // timeout has not passed. Cheap when no table is syncing.
  [[nodiscard]] bool syncing(const bgp::Rib* rib, Family family) const;
  // Whether any of these tables is syncing for `family` (a view merged over them is incomplete meanwhile: BMP).
  [[nodiscard]] bool any_syncing(Family family) const;
  // When `rib`'s wait for `family` ends without an End-of-RIB (its sync deadline); time_point::min() when the table
  // is not waiting. Only changes when sync_generation() does, so a per-record caller caches it per view (Enricher).
  [[nodiscard]] std::chrono::steady_clock::time_point sync_deadline(const bgp::Rib* rib, Family family) const;
  // The latest sync deadline over the tables waiting for `family` (any_syncing() is now < it); time_point::min()
  // when none waits. Only changes when sync_generation() does (a view merged over these tables: BmpTables).
  [[nodiscard]] std::chrono::steady_clock::time_point any_sync_deadline(Family family) const;
  // Bumped by every change of a table's sync state (session up/down, End-of-RIB); timeouts pass without a bump.
  [[nodiscard]] std::uint64_t sync_generation() const { return sync_generation_; }

  // The RIB learned from the peer whose session address / BGP identifier (host order) is given; nullptr if none.
  [[nodiscard]] const bgp::Rib* by_address(const IpAddress& peer) const;
  [[nodiscard]] const bgp::Rib* by_router_id(std::uint32_t bgp_id) const;

  // One address family's sync since the session came up.
  struct FamilySync {
    bool waiting = false;     // negotiated, its End-of-RIB not received yet
    bool end_of_rib = false;  // received
  };
  struct Peer {
    IpAddress address;
    std::uint32_t asn = 0;
    std::uint32_t bgp_id = 0;
    bool up = false;
    const bgp::Rib* rib = nullptr;
    FamilySync ipv4;
    FamilySync ipv6;
    std::chrono::steady_clock::time_point sync_deadline{};  // waiting ends here without an End-of-RIB

    [[nodiscard]] const FamilySync& sync(Family family) const { return family == Family::kIpv6 ? ipv6 : ipv4; }
    [[nodiscard]] bool syncing(Family family, std::chrono::steady_clock::time_point now) const {
      return sync(family).waiting && now < sync_deadline;
    }
    // "syncing", "end-of-rib" (complete), "timeout" (no End-of-RIB in time), "" (family not negotiated / down).
    [[nodiscard]] std::string_view sync_state(Family family, std::chrono::steady_clock::time_point now) const;
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
  // Forgets the entry's End-of-RIB state; with `peer` (a session that came up) its negotiated families wait.
  void restart_sync(Entry& e, const bgp::PeerInfo* peer);

  std::shared_ptr<bgp::AttrStore> store_;
  std::unordered_map<IpAddress, Entry> peers_;
  std::uint64_t generation_ = 0;
  std::uint64_t peer_generation_ = 0;
  std::chrono::milliseconds sync_timeout_{0};
  std::size_t waiting_ = 0;  // peers with a family waiting for its End-of-RIB (timed out or not)
  std::uint64_t sync_generation_ = 0;
};

}  // namespace flowlab::collector
