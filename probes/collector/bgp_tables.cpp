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

void BgpTables::peer_up(const bgp::PeerInfo& peer) {
  Entry& e = entry(peer.address);
  if (e.info.bgp_id != peer.bgp_id) {
    ++peer_generation_;
  }
  e.info.asn = peer.asn;
  e.info.bgp_id = peer.bgp_id;
  e.info.up = true;
  ++generation_;
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
