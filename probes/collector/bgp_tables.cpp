#include "probes/collector/bgp_tables.hpp"

#include "probes/collector/fault_hooks.hpp"

#include <algorithm>

namespace flowlab::collector {

BgpTables::BgpTables() : store_(std::make_shared<bgp::AttrStore>()) {}

BgpTables::BgpTables(std::shared_ptr<bgp::AttrStore> store) : store_(std::move(store)) {}

BgpTables::~BgpTables() {
  // RIBs release their attribute references into store_, which must outlive them.
  peers_.clear();
}

BgpTables::Entry& BgpTables::entry(const IpAddress& address) {
  auto it = peers_.find(address);
  if (it == peers_.end()) {
    Entry e;
    e.info.address = address;
    e.rib = std::make_unique<bgp::Rib>(store_);
    e.info.rib = e.rib.get();
    it = peers_.emplace(address, std::move(e)).first;
    ++peer_generation_;
  }
  return it->second;
}

namespace {

bool waiting(const BgpTables::Peer& p) { return p.ipv4.waiting || p.ipv6.waiting; }

}  // namespace

std::string_view BgpTables::Peer::sync_state(Family family, std::chrono::steady_clock::time_point now) const {
  const FamilySync& s = sync(family);
  if (s.end_of_rib) {
    return "end-of-rib";
  }
  if (!s.waiting) {
    return "";
  }
  return now < sync_deadline ? "syncing" : "timeout";
}

void BgpTables::restart_sync(Entry& e, const bgp::PeerInfo* peer) {
  const bool before = waiting(e.info);
  e.info.ipv4 = FamilySync{};
  e.info.ipv6 = FamilySync{};
  if (peer != nullptr && sync_timeout_.count() > 0) {
    e.info.ipv4.waiting = peer->context.ipv4_unicast;
    e.info.ipv6.waiting = peer->context.ipv6_unicast;
    e.info.sync_deadline = std::chrono::steady_clock::now() + sync_timeout_;
  }
  const bool after = waiting(e.info);
  ++sync_generation_;
  if (before != after) {
    after ? ++waiting_ : --waiting_;
  }
}

void BgpTables::peer_up(const bgp::PeerInfo& peer) {
  Entry& e = entry(peer.address);
  if (e.info.bgp_id != peer.bgp_id) {
    ++peer_generation_;
  }
  e.info.asn = peer.asn;
  e.info.bgp_id = peer.bgp_id;
  e.info.up = true;
  restart_sync(e, &peer);
  ++generation_;
}

void BgpTables::end_of_rib(const bgp::PeerInfo& peer, bgp::AfiSafi af) {
  auto it = peers_.find(peer.address);
  if (it == peers_.end() || (af != bgp::kIpv4Unicast && af != bgp::kIpv6Unicast)) {
    return;
  }
  Peer& p = it->second.info;
  const bool before = waiting(p);
  FamilySync& s = af == bgp::kIpv6Unicast ? p.ipv6 : p.ipv4;
  s.waiting = false;
  s.end_of_rib = true;
  ++sync_generation_;
  if (before && !waiting(p)) {
    --waiting_;
  }
}

bool BgpTables::syncing(const bgp::Rib* rib, Family family) const {
  const auto deadline = sync_deadline(rib, family);
  return deadline != std::chrono::steady_clock::time_point::min() && std::chrono::steady_clock::now() < deadline;
}

std::chrono::steady_clock::time_point BgpTables::sync_deadline(const bgp::Rib* rib, Family family) const {
  if (waiting_ == 0 || rib == nullptr) {
    return std::chrono::steady_clock::time_point::min();
  }
  for (const auto& [address, e] : peers_) {
    if (e.rib.get() == rib) {
      return e.info.sync(family).waiting ? e.info.sync_deadline : std::chrono::steady_clock::time_point::min();
    }
  }
  return std::chrono::steady_clock::time_point::min();
}

std::chrono::steady_clock::time_point BgpTables::any_sync_deadline(Family family) const {
  auto latest = std::chrono::steady_clock::time_point::min();
  if (waiting_ == 0) {
    return latest;
  }
  for (const auto& [address, e] : peers_) {
    if (e.info.sync(family).waiting) {
      latest = std::max(latest, e.info.sync_deadline);
    }
  }
  return latest;
}

bool BgpTables::any_syncing(Family family) const {
  return waiting_ != 0 && std::chrono::steady_clock::now() < any_sync_deadline(family);
}

BgpTables::Entry& BgpTables::live_entry(const bgp::PeerInfo& peer) {
  Entry& e = entry(peer.address);
  if (!e.info.up) {
    if (e.info.bgp_id != peer.bgp_id) {
      ++peer_generation_;
    }
    e.info.asn = peer.asn;
    e.info.bgp_id = peer.bgp_id;
    e.info.up = true;
  }
  return e;
}

void BgpTables::apply(const bgp::PeerInfo& peer, const bgp::RouteEvent& event) {
  live_entry(peer).rib->apply(event.prefix, event.path_id, bend_route(event.attrs));
  ++generation_;
}

void BgpTables::apply(const bgp::PeerInfo& peer, const bgp::RouteBatch& batch) {
  live_entry(peer).rib->apply(batch.withdrawn, batch.announced, bend_route(batch.attrs));
  ++generation_;
}

void BgpTables::peer_down(const bgp::PeerInfo& peer) {
  auto it = peers_.find(peer.address);
  if (it == peers_.end()) {
    return;
  }
  it->second.rib->clear();
  it->second.info.up = false;
  restart_sync(it->second, nullptr);
  ++generation_;
}

const bgp::Rib* BgpTables::by_address(const IpAddress& peer) const {
  auto it = peers_.find(peer);
  return it == peers_.end() ? nullptr : it->second.rib.get();
}

const bgp::Rib* BgpTables::by_router_id(std::uint32_t bgp_id) const {
  // A handful of peers: a scan is cheaper than keeping a second index in step. Prefer a peer that is up.
  const bgp::Rib* found = nullptr;
  for (const auto& [address, e] : peers_) {
    if (e.info.bgp_id == bgp_id) {
      if (e.info.up) {
        return e.rib.get();
      }
      found = e.rib.get();
    }
  }
  return found;
}

std::vector<BgpTables::Peer> BgpTables::peers() const {
  std::vector<Peer> out;
  out.reserve(peers_.size());
  for (const auto& [address, e] : peers_) {
    out.push_back(e.info);
  }
  std::sort(out.begin(), out.end(), [](const Peer& a, const Peer& b) { return a.address < b.address; });
  return out;
}

bgp::Rib& BgpTables::rib(const IpAddress& peer, std::uint32_t asn, std::uint32_t bgp_id) {
  Entry& e = entry(peer);
  if (e.info.bgp_id != bgp_id) {
    ++peer_generation_;
  }
  e.info.asn = asn;
  e.info.bgp_id = bgp_id;
  e.info.up = true;
  ++generation_;
  return *e.rib;
}

std::uint64_t BgpTables::refused() const {
  std::uint64_t n = 0;
  for (const auto& [address, e] : peers_) {
    n += e.rib->refused();
  }
  return n;
}

}  // namespace flowlab::collector
