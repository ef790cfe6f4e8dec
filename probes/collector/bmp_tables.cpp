#include "probes/collector/bmp_tables.hpp"

namespace flowlab::collector {

namespace {

constexpr std::size_t index_of(bmp::RibKind kind) { return static_cast<std::size_t>(kind); }
constexpr std::size_t index_of(Family family) { return family == Family::kIpv6 ? 1 : 0; }

// View path ids: iBGP after eBGP, then the peer's slot, then its own path id (ADD-PATH), so bgp::Rib's last
// tie-break (lowest path id) orders them.
constexpr std::uint32_t kIbgpBit = 0x80000000U;
constexpr unsigned kSlotShift = 20;
constexpr std::uint32_t kPathIdMask = (1U << kSlotShift) - 1U;
constexpr std::uint32_t kSlotMask = (kIbgpBit >> kSlotShift) - 1U;

constexpr std::uint32_t kDefaultLocalPref = 100;  // what BIRD and FRR give a route without LOCAL_PREF

// FRR 8.4's encoding of an eBGP peer's route: "<own AS> <peer AS> ..." (see bmp_tables.hpp).
bool leads_with_own_as(const bgp::PathAttributes& attrs, std::uint32_t local_as, std::uint32_t peer_as) {
  if (local_as == 0 || local_as == peer_as || !attrs.as_path || attrs.as_path->segments.empty()) {
    return false;
  }
  const auto& segments = attrs.as_path->segments;
  const auto& first = segments.front();
  if (first.type != bgp::SegmentType::kSequence || first.asns.empty() || first.asns.front() != local_as) {
    return false;
  }
  if (first.asns.size() >= 2) {
    return first.asns[1] == peer_as;
  }
  return segments.size() >= 2 && !segments[1].asns.empty() && segments[1].asns.front() == peer_as;
}

}  // namespace

BmpTables::BmpTables() : store_(std::make_shared<bgp::AttrStore>()) {}

BmpTables::~BmpTables() { routers_.clear(); }

BmpTables::Router& BmpTables::router(const IpAddress& address) {
  auto it = routers_.find(address);
  if (it == routers_.end()) {
    Router r;
    r.info.address = address;
    for (auto& t : r.ribs) {
      t = std::make_unique<BgpTables>(store_);
      t->set_sync_timeout(sync_timeout_);
    }
    r.merged = std::make_unique<bgp::Rib>(store_);
    it = routers_.emplace(address, std::move(r)).first;
    ++peer_generation_;
    ++sync_generation_;
  }
  return it->second;
}

BmpTables::Router* BmpTables::find(const IpAddress& address) {
  auto it = routers_.find(address);
  return it == routers_.end() ? nullptr : &it->second;
}

const BmpTables::Router* BmpTables::find(const IpAddress& address) const {
  auto it = routers_.find(address);
  return it == routers_.end() ? nullptr : &it->second;
}

bgp::PeerInfo BmpTables::peer_info(const bmp::PeerHeader& peer) {
  bgp::PeerInfo info;
  info.address = peer.address;
  info.name = peer.address.to_string();
  info.asn = peer.asn;
  info.bgp_id = peer.bgp_id;
  return info;
}

BmpTables::PeerState& BmpTables::peer_state(Router& r, const bmp::PeerHeader& peer) {
  auto [it, added] = r.peers.try_emplace(bmp::key_of(peer));
  if (added) {
    it->second.slot = static_cast<std::uint32_t>(r.peers.size() - 1) & kSlotMask;
  }
  return it->second;
}

std::uint32_t BmpTables::view_path_id(const PeerState& p, std::uint32_t path_id) {
  return (p.ebgp ? 0U : kIbgpBit) | (p.slot << kSlotShift) | (path_id & kPathIdMask);
}

void BmpTables::session_up(const IpAddress& router_address) {
  session_down(router_address);  // a new session re-sends everything: start clean
  router(router_address).burst = std::chrono::steady_clock::now();
  ++generation_;
}

bool BmpTables::dumped(Router& r) {
  const auto now = std::chrono::steady_clock::now();
  if (r.routes_seen || now - r.burst > kBurstGap) {
    return false;
  }
  r.burst = now;
  return true;
}

void BmpTables::initiation(const IpAddress& router_address, const bmp::Initiation& init) {
  Router& r = router(router_address);
  r.info.sys_name = init.sys_name();
  r.burst = std::chrono::steady_clock::now();
}

void BmpTables::peer_up(const IpAddress& router_address, const bmp::PeerUp& up, const bgp::SessionContext& ctx) {
  Router& r = router(router_address);
  if (up.sent && r.info.bgp_id != up.sent->bgp_id) {
    r.info.bgp_id = up.sent->bgp_id;
    ++peer_generation_;
  }
  PeerState& state = peer_state(r, up.peer);
  state.ebgp = ctx.ebgp;
  state.local_as = up.sent ? up.sent->asn() : 0;  // 0: unknown, FRR's own-AS prepend is not stripped
  bgp::PeerInfo info = peer_info(up.peer);
  info.context = ctx;
  // Only the families of a dumped peer wait for their End-of-RIB (see bmp_tables.hpp).
  const bool in_dump = dumped(r);
  info.context.ipv4_unicast = ctx.ipv4_unicast && in_dump && !r.dump_over[index_of(Family::kIpv4)];
  info.context.ipv6_unicast = ctx.ipv6_unicast && in_dump && !r.dump_over[index_of(Family::kIpv6)];
  for (auto& t : r.ribs) {
    t->peer_up(info);
  }
  ++generation_;
  ++sync_generation_;
}

bmp::RibKind BmpTables::merged_kind(const Router& r) const {
  return r.post_policy ? bmp::RibKind::kAdjInPost : bmp::RibKind::kAdjInPre;
}

bmp::RibKind BmpTables::view_kind(const Router& r) const { return r.loc_rib ? bmp::RibKind::kLocRib : merged_kind(r); }

std::shared_ptr<const bgp::PathAttributes> BmpTables::as_the_router_holds(
    const std::shared_ptr<const bgp::PathAttributes>& attrs, const PeerState& p, std::uint32_t peer_as) {
  if (!p.ebgp || attrs == nullptr) {
    return attrs;
  }
  const bool strip = leads_with_own_as(*attrs, p.local_as, peer_as);
  if (!strip && attrs->local_pref) {
    return attrs;
  }
  auto fixed = std::make_shared<bgp::PathAttributes>(*attrs);
  if (!fixed->local_pref) {
    fixed->local_pref = kDefaultLocalPref;
  }
  if (strip) {
    auto& path = fixed->as_path->segments;
    path.front().asns.erase(path.front().asns.begin());
    if (path.front().asns.empty()) {
      path.erase(path.begin());
    }
  }
  return fixed;
}

void BmpTables::routes(const IpAddress& router_address, const bmp::PeerHeader& peer, bmp::RibKind kind,
                       const bgp::RouteBatch& in) {
  Router& r = router(router_address);
  r.routes_seen = true;
  bgp::RouteBatch batch = in;
  if (kind == bmp::RibKind::kAdjInPre || kind == bmp::RibKind::kAdjInPost) {
    batch.attrs = as_the_router_holds(in.attrs, peer_state(r, peer), peer.asn);
  }
  r.ribs[index_of(kind)]->apply(peer_info(peer), batch);
  if (kind == bmp::RibKind::kLocRib && !r.loc_rib) {
    r.loc_rib = true;
    ++peer_generation_;  // the view moves to the Loc-RIB
    ++sync_generation_;
  }
  if (kind == bmp::RibKind::kAdjInPost && !r.post_policy) {
    r.post_policy = true;
    ++sync_generation_;  // the view is made of the post-policy tables now
    rebuild_merged(r);
  } else if (kind == merged_kind(r)) {
    merge(r, peer, batch);
  }
  ++generation_;
}

void BmpTables::merge(Router& r, const bmp::PeerHeader& peer, const bgp::RouteBatch& batch) {
  const PeerState& p = peer_state(r, peer);
  auto remap = [&](std::span<const bgp::Nlri> in) {
    std::vector<bgp::Nlri> out(in.begin(), in.end());
    for (auto& n : out) {
      n.path_id = view_path_id(p, n.path_id);
    }
    return out;
  };
  const auto withdrawn = remap(batch.withdrawn);
  const auto announced = remap(batch.announced);
  r.merged->apply(withdrawn, announced, batch.attrs);
}

void BmpTables::unmerge_peer(Router& r, const IpAddress& peer) {
  const bgp::Rib* rib = r.ribs[index_of(merged_kind(r))]->by_address(peer);
  if (rib == nullptr) {
    return;
  }
  std::vector<bgp::Nlri> routes;
  rib->for_each([&](const bgp::RibRoute& route) { routes.push_back(bgp::Nlri{route.prefix, route.path_id}); });
  for (const auto& [key, state] : r.peers) {
    if (key.address == peer) {
      for (const auto& n : routes) {
        r.merged->withdraw(n.prefix, view_path_id(state, n.path_id));
      }
    }
  }
}

void BmpTables::rebuild_merged(Router& r) {
  r.merged->clear();
  for (const auto& peer : r.ribs[index_of(merged_kind(r))]->peers()) {
    bmp::PeerHeader h;
    h.address = peer.address;
    const PeerState& p = peer_state(r, h);
    peer.rib->for_each([&](const bgp::RibRoute& route) {
      bgp::PathAttributes attrs = route.attrs->attrs;  // the interned set without its path: put it back
      attrs.as_path = *route.attrs->as_path;
      r.merged->announce(route.prefix, view_path_id(p, route.path_id), attrs);
    });
  }
}

void BmpTables::peer_down(const IpAddress& router_address, const bmp::PeerHeader& peer) {
  Router* r = find(router_address);
  if (r == nullptr) {
    return;
  }
  unmerge_peer(*r, peer.address);
  const bgp::PeerInfo info = peer_info(peer);
  for (auto& t : r->ribs) {
    t->peer_down(info);
  }
  ++generation_;
  ++sync_generation_;
}

void BmpTables::end_of_rib(const IpAddress& router_address, const bmp::PeerHeader& peer, bmp::RibKind kind,
                           bgp::AfiSafi af) {
  Router* r = find(router_address);
  if (r == nullptr || (af != bgp::kIpv4Unicast && af != bgp::kIpv6Unicast)) {
    return;
  }
  r->routes_seen = true;
  r->dump_over[index_of(af == bgp::kIpv6Unicast ? Family::kIpv6 : Family::kIpv4)] = true;
  r->ribs[index_of(kind)]->end_of_rib(peer_info(peer), af);
  ++sync_generation_;
}

void BmpTables::set_sync_timeout(std::chrono::milliseconds timeout) {
  sync_timeout_ = timeout;
  for (auto& [address, r] : routers_) {
    for (auto& t : r.ribs) {
      t->set_sync_timeout(timeout);
    }
  }
}

bool BmpTables::syncing(const bgp::Rib* view_rib, Family family) const {
  const auto deadline = sync_deadline(view_rib, family);
  return deadline != std::chrono::steady_clock::time_point::min() && std::chrono::steady_clock::now() < deadline;
}

std::chrono::steady_clock::time_point BmpTables::sync_deadline(const bgp::Rib* view_rib, Family family) const {
  auto latest = std::chrono::steady_clock::time_point::min();
  if (view_rib == nullptr) {
    return latest;
  }
  for (const auto& [address, r] : routers_) {
    if (view(address) == view_rib) {
      latest = std::max(latest, r.ribs[index_of(view_kind(r))]->any_sync_deadline(family));
    }
  }
  return latest;
}

void BmpTables::session_down(const IpAddress& router_address) {
  if (routers_.erase(router_address) > 0) {
    ++generation_;
    ++peer_generation_;
    ++sync_generation_;
  }
}

const bgp::Rib* BmpTables::view(const IpAddress& router_address) const {
  const Router* r = find(router_address);
  if (r == nullptr) {
    return nullptr;
  }
  if (r->loc_rib) {
    for (const auto& peer : r->ribs[index_of(bmp::RibKind::kLocRib)]->peers()) {
      return peer.rib;  // RFC 9069: one Loc-RIB instance per router here
    }
  }
  return r->merged.get();
}

const bgp::Rib* BmpTables::view_by_router_id(std::uint32_t bgp_id) const {
  for (const auto& [address, r] : routers_) {
    if (r.info.bgp_id == bgp_id) {
      return view(address);
    }
  }
  return nullptr;
}

const BgpTables* BmpTables::tables(const IpAddress& router_address, bmp::RibKind kind) const {
  const Router* r = find(router_address);
  return r == nullptr ? nullptr : r->ribs[index_of(kind)].get();
}

std::vector<BmpTables::RouterInfo> BmpTables::routers() const {
  std::vector<RouterInfo> out;
  for (const auto& [address, r] : routers_) {
    RouterInfo info = r.info;
    for (const auto& p : r.ribs[index_of(bmp::RibKind::kAdjInPre)]->peers()) {
      info.peers_up += p.up ? 1 : 0;
    }
    const bgp::Rib* v = view(address);
    info.view_routes = v == nullptr ? 0 : v->size();
    info.syncing_ipv4 = r.ribs[index_of(view_kind(r))]->any_syncing(Family::kIpv4);
    info.syncing_ipv6 = r.ribs[index_of(view_kind(r))]->any_syncing(Family::kIpv6);
    out.push_back(std::move(info));
  }
  return out;
}

}  // namespace flowlab::collector
