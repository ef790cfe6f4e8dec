// bmp_tables.hpp — what BMP (RFC 7854) sessions taught the collector: per monitored router (keyed by the BMP
// session's source address), per RIB kind (Adj-RIB-In pre/post-policy, Adj-RIB-Out pre/post, Loc-RIB), one
// BgpTables of per-peer RIBs — the same per-peer RIBs the BGP speaker fills — plus the router's *view*: the RIB
// enrichment reads when `enrich.source: bmp`.
//
// The view is the router's RFC 9069 Loc-RIB when it sends one; otherwise the best path per prefix over its peers'
// post-policy Adj-RIB-In (pre-policy while the router sends no post-policy routes), chosen like bgp::Rib chooses
// among paths: highest LOCAL_PREF, shortest AS_PATH, lowest ORIGIN, lowest MED, then eBGP over iBGP, then the peer
// seen first. Peer Down withdraws that peer's routes; the end of the BMP session drops the router.
//
// A route of an eBGP peer in the Adj-RIB-In (pre- or post-policy) is stored as the router holds it:
// * FRR 8.4 encodes the Route Monitoring attributes of an eBGP peer's routes as if it sent them to that peer: its
//   own AS in front of the path (tests/data/bmp_frr.bin). A path learned from eBGP peer P starts with P's AS (RFC
//   4271 §6.3) and a router drops paths holding its own AS, so a path "<own AS> <P's AS> ..." from P is that
//   encoding: the leading own AS is removed (FRR's own table shows the path without it).
// * Without LOCAL_PREF (pre-policy routes of eBGP peers never carry one; FRR 8.4 leaves it out of post-policy ones
//   too) it gets 100, the value BIRD and FRR give such a route, so the `local_pref` primitive and the view's
//   decision use what the router uses by default (an import policy's own value is lost when the router omits it).
//
// A view is *syncing* — enrichment does not read it, as with BGP sessions (bgp_tables.hpp, `records_unenriched_
// syncing`) — while a table it is made of is still being dumped. When the BMP session comes up the router reports
// every peer that is up (Peer Up), then sends their tables and ends the dump with an End-of-RIB marker per peer, RIB
// and family (RFC 7854 §5; FRR 8.4: bmp_wrsync, then bmp_eor for every peer). Meanwhile the view can hold the /16
// of one peer while the /24 of another is still to come. Such a peer's tables sync from its Peer Up until that
// End-of-RIB (BgpTables::end_of_rib), or the sync timeout (`bmp.end_of_rib_timeout`). A peer that comes up while
// the session runs is reported live, each route as the router learns it: the station then holds what the router
// holds, and there is nothing to wait for (FRR 8.4 sends such a peer no End-of-RIB at all). The station tells the
// two apart by when the Peer Up arrives: the router sends the Peer Ups of the peers it will dump right after its
// Initiation, in one burst before any route (FRR 8.4: bmp_send_peerup, then bmp_wrsync). A Peer Up that comes before
// the session's first Route Monitoring message and at most kBurstGap after the Initiation or the Peer Up before it is
// dumped; any other is live. (The Peer Up's own timestamp cannot tell: FRR 8.4 stamps it hours off the real time, as
// tests/data/bmp_frr.bin shows.) Only the families both Peer Up OPENs carry wait (bmp::session_context).
#pragma once

#include "common/ip.hpp"
#include "probes/bgp/rib.hpp"
#include "probes/bmp/feed.hpp"
#include "probes/bmp/message.hpp"
#include "probes/collector/bgp_tables.hpp"

#include <array>
#include <chrono>
#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <vector>

namespace flowlab::collector {

class BmpTables {
 public:
  static constexpr std::size_t kRibKinds = 5;
  // The longest pause between the Initiation and the Peer Ups of the router's opening burst (see above).
  static constexpr std::chrono::milliseconds kBurstGap{100};

  BmpTables();
  ~BmpTables();
  BmpTables(const BmpTables&) = delete;
  BmpTables& operator=(const BmpTables&) = delete;

  // A BMP session's life and messages (bmp::Feed's handlers); `router` is the session's source address.
  void session_up(const IpAddress& router);
  void initiation(const IpAddress& router, const bmp::Initiation& init);
  void peer_up(const IpAddress& router, const bmp::PeerUp& up, const bgp::SessionContext& ctx);
  void routes(const IpAddress& router, const bmp::PeerHeader& peer, bmp::RibKind kind, const bgp::RouteBatch& batch);
  void end_of_rib(const IpAddress& router, const bmp::PeerHeader& peer, bmp::RibKind kind, bgp::AfiSafi af);
  void peer_down(const IpAddress& router, const bmp::PeerHeader& peer);
  void session_down(const IpAddress& router);

  // How long a dumped peer's table without End-of-RIB counts as syncing (BgpTables::set_sync_timeout; 0: never).
  void set_sync_timeout(std::chrono::milliseconds timeout);
  // Whether `view` (a router's view()) is syncing for `family` (see above).
  [[nodiscard]] bool syncing(const bgp::Rib* view, Family family) const;
  // When `view`'s wait for `family` ends without an End-of-RIB (the latest deadline of the tables it is made of);
  // time_point::min() when it is not waiting. Only changes when sync_generation() does, so a per-record caller
  // caches it per view (Enricher, as for BgpTables::sync_deadline).
  [[nodiscard]] std::chrono::steady_clock::time_point sync_deadline(const bgp::Rib* view, Family family) const;
  // Bumped by every change of a view's sync state or of which tables make a view (routers, peers, End-of-RIB).
  [[nodiscard]] std::uint64_t sync_generation() const { return sync_generation_; }

  // The router's view (see above); nullptr when no such router is monitored.
  [[nodiscard]] const bgp::Rib* view(const IpAddress& router) const;
  // The view of the router whose BGP identifier (from its Peer Up OPENs, host order) is given.
  [[nodiscard]] const bgp::Rib* view_by_router_id(std::uint32_t bgp_id) const;
  // The per-peer RIBs of one kind at one router; nullptr when the router is unknown.
  [[nodiscard]] const BgpTables* tables(const IpAddress& router, bmp::RibKind kind) const;

  struct RouterInfo {
    IpAddress address;
    std::string sys_name;
    std::uint32_t bgp_id = 0;
    std::size_t peers_up = 0;
    std::size_t view_routes = 0;
    bool syncing_ipv4 = false;  // the view is syncing (see above)
    bool syncing_ipv6 = false;
  };
  [[nodiscard]] std::vector<RouterInfo> routers() const;  // ordered by address

  [[nodiscard]] std::uint64_t generation() const { return generation_; }
  [[nodiscard]] std::uint64_t peer_generation() const { return peer_generation_; }

 private:
  struct PeerState {
    std::uint32_t slot = 0;  // order of first sight at this router (the view's last tie-break)
    bool ebgp = false;
    std::uint32_t local_as = 0;  // the router's AS on this session (its OPEN in the Peer Up)
  };
  struct Router {
    RouterInfo info;
    std::array<std::unique_ptr<BgpTables>, kRibKinds> ribs;
    std::unique_ptr<bgp::Rib> merged;  // best paths over the peers (when no Loc-RIB)
    std::map<bmp::PeerKey, PeerState> peers;
    bool post_policy = false;  // the router sends post-policy Adj-RIB-In: the merged view uses it
    bool loc_rib = false;
    std::chrono::steady_clock::time_point burst{};  // the last message of the opening burst (see above)
    bool routes_seen = false;                       // a Route Monitoring message arrived: the burst is over
    std::array<bool, 2> dump_over{};                // per family (IPv4, IPv6): an End-of-RIB arrived
  };
  Router& router(const IpAddress& address);
  Router* find(const IpAddress& address);
  [[nodiscard]] const Router* find(const IpAddress& address) const;
  static bgp::PeerInfo peer_info(const bmp::PeerHeader& peer);
  PeerState& peer_state(Router& r, const bmp::PeerHeader& peer);
  [[nodiscard]] bmp::RibKind merged_kind(const Router& r) const;
  [[nodiscard]] bmp::RibKind view_kind(const Router& r) const;  // the RIB kind the view is made of
  [[nodiscard]] static bool dumped(Router& r);                  // the Peer Up arriving now is of the opening burst
  void merge(Router& r, const bmp::PeerHeader& peer, const bgp::RouteBatch& batch);
  [[nodiscard]] static std::shared_ptr<const bgp::PathAttributes> as_the_router_holds(
      const std::shared_ptr<const bgp::PathAttributes>& attrs, const PeerState& p, std::uint32_t peer_as);
  void unmerge_peer(Router& r, const IpAddress& peer);
  void rebuild_merged(Router& r);
  [[nodiscard]] static std::uint32_t view_path_id(const PeerState& p, std::uint32_t path_id);

  std::shared_ptr<bgp::AttrStore> store_;
  std::map<IpAddress, Router> routers_;
  std::uint64_t generation_ = 0;
  std::uint64_t peer_generation_ = 0;
  std::uint64_t sync_generation_ = 0;
  std::chrono::milliseconds sync_timeout_{0};
};

}  // namespace flowlab::collector
