#include "probes/probe/bgp_feed.hpp"

#include <spdlog/spdlog.h>

namespace flowlab::probe {

Result<std::unique_ptr<BgpFeed>> BgpFeed::start(const ProbeOptions& options) {
  std::unique_ptr<BgpFeed> f(new BgpFeed());
  bgp::SpeakerConfig cfg;
  cfg.listen.clear();
  for (const auto& l : options.bgp_listen) {
    cfg.listen.push_back(bgp::ListenAddress{l.address, l.port});
  }
  cfg.local_as = options.bgp_asn;
  if (options.bgp_router_id) {
    cfg.bgp_id = options.bgp_router_id->v4_host_order();
  }
  cfg.hold_time = 90;
  cfg.connect_retry = std::chrono::seconds(2);
  for (const auto& p : options.bgp_peers) {
    bgp::PeerConfig peer;
    peer.address = p.address;
    peer.mirror_as = options.bgp_asn == 0;
    peer.active = options.bgp_listen.empty();
    peer.port = p.port;
    peer.add_path_receive = false;
    peer.name = "router " + p.address.to_string();
    cfg.peers.push_back(peer);
    f->ribs_.emplace(p.address, std::make_unique<bgp::Rib>(f->store_));
    f->up_[p.address] = false;
  }
  f->speaker_ = std::make_unique<bgp::Speaker>(f->io_, std::move(cfg));
  BgpFeed* self = f.get();
  f->speaker_->on_route([self](const bgp::PeerInfo& peer, const bgp::RouteEvent& e) {
    auto it = self->ribs_.find(peer.address);
    if (it != self->ribs_.end()) {
      it->second->apply(e.prefix, e.path_id, e.attrs);
      ++self->counters_.updates;
    }
  });
  f->speaker_->on_state([self](const bgp::PeerInfo& peer, bgp::State state) {
    const bool up = state == bgp::State::kEstablished;
    bool& was = self->up_[peer.address];
    if (up && !was) {
      ++self->counters_.sessions_up;
      spdlog::info("[probe] BGP session with {} (AS {}) established", peer.address.to_string(), peer.asn);
    } else if (!up && was) {
      ++self->counters_.sessions_down;
      spdlog::warn("[probe] BGP session with {} is {}", peer.address.to_string(), bgp::to_string(state));
    }
    was = up;
  });
  f->speaker_->on_peer_down([self](const bgp::PeerInfo& peer) {
    if (auto it = self->ribs_.find(peer.address); it != self->ribs_.end()) {
      it->second->clear();
    }
    self->up_[peer.address] = false;
  });
  f->speaker_->on_log([](std::string_view line) { spdlog::debug("[bgp] {}", line); });
  FLOWLAB_TRY(f->speaker_->start());
  return f;
}

BgpFeed::~BgpFeed() {
  ribs_.clear();  // RIBs release their references into store_
}

void BgpFeed::poll() {
  io_.poll();
  if (io_.stopped()) {
    io_.restart();
  }
}

void BgpFeed::stop() {
  if (speaker_) {
    speaker_->stop();
    poll();
  }
}

bool BgpFeed::established() const {
  for (const auto& [address, up] : up_) {
    if (up) {
      return true;
    }
  }
  return false;
}

void BgpFeed::enrich(std::vector<wire::FlowRecord>& records) {
  if (!established()) {
    counters_.unenriched += records.size();
    return;
  }
  for (auto& r : records) {
    fill(r);
  }
}

void BgpFeed::fill(wire::FlowRecord& r) {
  auto lookup = [this](const IpAddress& a) -> std::optional<bgp::RibRoute> {
    if (!a.is_set()) {
      return std::nullopt;
    }
    for (const auto& [address, rib] : ribs_) {
      if (!up_[address]) {
        continue;
      }
      if (auto route = rib->lookup(a)) {
        return route;
      }
    }
    return std::nullopt;
  };
  const auto dst = lookup(r.dst_addr);
  const auto src = lookup(r.src_addr);
  if (dst) {
    r.dst_as = dst->attrs->as_path->origin_as();
    r.dst_peer_as = dst->attrs->as_path->first_as();
    r.bgp_next_hop = dst->attrs->next_hop(r.dst_addr.family);
    r.dst_mask = dst->prefix.length;
  } else {
    ++counters_.no_route_dst;
  }
  if (src) {
    r.src_as = src->attrs->as_path->origin_as();
    r.src_peer_as = src->attrs->as_path->first_as();
    r.src_mask = src->prefix.length;
  } else {
    ++counters_.no_route_src;
  }
  if (src || dst) {
    ++counters_.enriched;
  }
}

nlohmann::json BgpFeed::stats() const {
  nlohmann::json j;
  j["state"] = established() ? "established" : "down";
  nlohmann::json peers = nlohmann::json::array();
  for (const auto& st : speaker_->peers()) {
    peers.push_back({{"address", st.info.address.to_string()},
                     {"asn", st.info.asn},
                     {"state", std::string(bgp::to_string(st.state))},
                     {"established_count", st.established_count}});
  }
  j["peers"] = peers;
  std::size_t v4 = 0;
  std::size_t v6 = 0;
  for (const auto& [address, rib] : ribs_) {
    v4 += rib->prefix_count(Family::kIpv4);
    v6 += rib->prefix_count(Family::kIpv6);
  }
  j["routes_v4"] = v4;
  j["routes_v6"] = v6;
  j["enriched"] = counters_.enriched;
  j["unenriched"] = counters_.unenriched;
  j["no_route_src"] = counters_.no_route_src;
  j["no_route_dst"] = counters_.no_route_dst;
  j["updates"] = counters_.updates;
  j["sessions_up"] = counters_.sessions_up;
  j["sessions_down"] = counters_.sessions_down;
  return j;
}

}  // namespace flowlab::probe
