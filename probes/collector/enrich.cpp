#include "probes/collector/enrich.hpp"

#include "probes/collector/fault_hooks.hpp"

#include <algorithm>

namespace flowlab::collector {

namespace {

bool is_set(bgp::SegmentType t) { return t == bgp::SegmentType::kSet || t == bgp::SegmentType::kConfedSet; }

// The address with every bit past `length` cleared.
IpAddress masked(const IpAddress& a, unsigned length) {
  IpAddress out = a;
  const unsigned bytes = static_cast<unsigned>(a.size());
  for (unsigned i = 0; i < bytes; ++i) {
    const unsigned first_bit = i * 8U;
    if (first_bit >= length) {
      out.bytes[i] = 0;
    } else if (first_bit + 8U > length) {
      const unsigned keep = length - first_bit;
      out.bytes[i] = static_cast<std::uint8_t>(out.bytes[i] & static_cast<std::uint8_t>(0xffU << (8U - keep)));
    }
  }
  return out;
}

Prefix no_match(const IpAddress& a) {
  IpAddress zero;
  zero.family = a.family;
  return Prefix{zero, 0};
}

}  // namespace

bgp::AsPath pmacct_normalized(const bgp::AsPath& path) {
  bgp::AsPath out;
  for (const auto& seg : path.segments) {
    bgp::AsPathSegment s = seg;
    if (is_set(s.type)) {
      std::sort(s.asns.begin(), s.asns.end());
      s.asns.erase(std::unique(s.asns.begin(), s.asns.end()), s.asns.end());
    }
    if (!out.segments.empty() && out.segments.back().type == s.type && !is_set(s.type)) {
      auto& back = out.segments.back().asns;
      back.insert(back.end(), s.asns.begin(), s.asns.end());
    } else {
      out.segments.push_back(std::move(s));
    }
  }
  return out;
}

std::string pmacct_as_path_string(const bgp::AsPath& path) {
  for (const auto& seg : path.segments) {
    if (is_set(seg.type) && !std::is_sorted(seg.asns.begin(), seg.asns.end())) {
      return pmacct_normalized(path).to_string();
    }
    if (is_set(seg.type) && std::adjacent_find(seg.asns.begin(), seg.asns.end()) != seg.asns.end()) {
      return pmacct_normalized(path).to_string();
    }
  }
  return path.to_string();
}

Enricher::Enricher(const BgpTables& tables, EnrichConfig config, const BmpTables* bmp)
    : tables_(tables), bmp_(bmp), config_(std::move(config)) {}

const bgp::Rib* Enricher::bmp_view_for(const IpAddress& exporter) const {
  if (bmp_ == nullptr) {
    return nullptr;
  }
  if (!config_.agent_map.empty()) {
    if (auto router = config_.agent_map.lookup(exporter)) {
      return bmp_->view(*router);
    }
  }
  if (const bgp::Rib* rib = bmp_->view(exporter)) {
    return rib;
  }
  return exporter.is_v4() ? bmp_->view_by_router_id(exporter.v4_host_order()) : nullptr;
}

std::uint64_t Enricher::view_generation() const {
  if (config_.source == ViewSource::kBmp) {
    return bmp_ == nullptr ? 0 : bmp_->peer_generation();
  }
  return tables_.peer_generation();
}

const bgp::Rib* Enricher::view_for(const IpAddress& exporter) const {
  if (config_.source == ViewSource::kBmp) {
    return bmp_view_for(exporter);
  }
  if (!config_.agent_map.empty()) {
    if (auto peer = config_.agent_map.lookup(exporter)) {
      return tables_.by_address(*peer);
    }
  }
  if (const bgp::Rib* rib = tables_.by_address(exporter)) {
    return rib;
  }
  if (exporter.is_v4()) {
    return tables_.by_router_id(exporter.v4_host_order());
  }
  return nullptr;
}

const bgp::Rib* Enricher::view_for(const IpAddress& exporter, Family family) const {
  const bgp::Rib* rib = view_for(exporter);
  if (config_.source == ViewSource::kBmp || rib == nullptr || rib->prefix_count(family) > 0) {
    return rib;
  }
  const auto peers = tables_.peers();
  const auto self = std::find_if(peers.begin(), peers.end(), [&](const auto& p) { return p.rib == rib; });
  if (self == peers.end() || self->bgp_id == 0) {
    return rib;
  }
  for (const auto& p : peers) {
    if (p.up && p.rib != nullptr && p.rib != rib && p.bgp_id == self->bgp_id && p.rib->prefix_count(family) > 0) {
      return p.rib;
    }
  }
  return rib;
}

const bgp::Rib* Enricher::cached_view(const IpAddress& exporter, Family family) const {
  // An empty view is not cached: its routes (or its sibling session's) may still be arriving.
  if (cache_generation_ != view_generation() || !(cache_exporter_ == exporter) || cache_family_ != family ||
      cache_view_ == nullptr || cache_view_->prefix_count(family) == 0) {
    cache_view_ = bend_view(tables_, exporter, view_for(exporter, family));
    cache_exporter_ = exporter;
    cache_family_ = family;
    cache_generation_ = view_generation();
  }
  return cache_view_;
}

bool Enricher::cached_syncing(const bgp::Rib* view, Family family) const {
  using Clock = std::chrono::steady_clock;
  if (view == nullptr) {
    return false;
  }
  const bool bmp = config_.source == ViewSource::kBmp;
  const std::uint64_t generation = bmp ? bmp_->sync_generation() : tables_.sync_generation();
  if (sync_generation_ != generation || sync_view_ != view || sync_family_ != family) {
    sync_until_ = bmp ? bmp_->sync_deadline(view, family) : tables_.sync_deadline(view, family);
    sync_view_ = view;
    sync_family_ = family;
    sync_generation_ = generation;
  }
  if (sync_until_ == Clock::time_point::min()) {
    return false;
  }
  if (Clock::now() < sync_until_) {
    return true;
  }
  sync_until_ = Clock::time_point::min();  // timed out: the view is read from now on
  return false;
}

namespace {

// The prefix lengths of the routes found for the source and destination addresses (0: none).
struct RouteLengths {
  std::uint8_t src = 0;
  std::uint8_t dst = 0;
};

// R_s / R_d from the matches in the exporter's BGP view.
RouteLengths routes_of(const bgp::Rib* view, const bgp::LpmMatch& src, const bgp::LpmMatch& dst, EnrichedFlow& out) {
  RouteLengths lengths;
  if (view == nullptr) {
    return lengths;
  }
  out.src_route = view->attributes(src);  // nullptr for Lpm4::kNone (no match, or no address to match)
  out.dst_route = view->attributes(dst);
  lengths.src = out.src_route != nullptr ? src.length : 0;
  lengths.dst = out.dst_route != nullptr ? dst.length : 0;
  return lengths;
}

// Which source wins for the source / destination side: true = BGP.
bool bgp_wins(AsSource how, bool have_route, std::uint8_t bgp_len, std::uint8_t nf_len) {
  switch (how) {
    case AsSource::kNetflow:
      return false;
    case AsSource::kBgp:
      return true;
    case AsSource::kLongest:
      return have_route && bgp_len >= nf_len;  // a tie goes to BGP (pmacct: `>=` in bgp_srcdst_lookup)
  }
  return true;
}

Prefix net_of(const IpAddress& a, bool use_bgp, bool have_route, std::uint8_t bgp_len, std::uint8_t nf_len) {
  if (!a.is_set()) {
    return Prefix{};
  }
  const unsigned len = use_bgp ? (have_route ? bgp_len : 0U) : std::min<unsigned>(nf_len, a.max_prefix_len());
  if (len == 0) {
    return no_match(a);
  }
  return Prefix{masked(a, len), static_cast<std::uint8_t>(len)};
}

// Networks and masks (nfacctd_net), origin ASes (nfacctd_as).
void set_networks_and_ases(const EnrichConfig& config, const wire::FlowRecord& record, RouteLengths lengths,
                           EnrichedFlow& out) {
  const bool have_src = out.src_route != nullptr;
  const bool have_dst = out.dst_route != nullptr;
  if (config.networks) {
    const bool net_src_bgp = bgp_wins(config.net_source, have_src, lengths.src, record.src_mask);
    const bool net_dst_bgp = bgp_wins(config.net_source, have_dst, lengths.dst, record.dst_mask);
    out.net_src = net_of(record.src_addr, net_src_bgp, have_src, lengths.src, record.src_mask);
    out.net_dst = net_of(record.dst_addr, net_dst_bgp, have_dst, lengths.dst, record.dst_mask);
  }

  const bool as_src_bgp = bgp_wins(config.as_source, have_src, lengths.src, record.src_mask);
  const bool as_dst_bgp = bgp_wins(config.as_source, have_dst, lengths.dst, record.dst_mask);
  out.as_src = as_src_bgp ? (have_src ? out.src_route->last_as : 0U) : record.src_as;
  out.as_dst = as_dst_bgp ? (have_dst ? out.dst_route->last_as : 0U) : record.dst_as;
}

// The destination peer (from BGP unless the record's own fields are asked for) and the source peer AS
// (bgp_peer_src_as_type).
void set_peers(const EnrichConfig& config, const wire::FlowRecord& record, EnrichedFlow& out) {
  if (config.as_source == AsSource::kNetflow) {
    out.peer_as_dst = record.dst_peer_as;
    out.peer_ip_dst = record.bgp_next_hop;
  } else if (out.dst_route != nullptr) {
    out.peer_as_dst = out.dst_route->first_as;
    out.peer_ip_dst = out.dst_route->next_hop(record.dst_addr.family);
  }
  switch (config.peer_src_as) {
    case PeerSrcAsMethod::kBgp:
      out.peer_as_src = out.src_route ? out.src_route->first_as : 0U;
      break;
    case PeerSrcAsMethod::kMap:
      out.peer_as_src = config.peer_src_as_map.lookup(record.exporter, record.input_ifindex).value_or(0U);
      break;
    case PeerSrcAsMethod::kNetflow:
      out.peer_as_src = record.src_peer_as;
      break;
  }
}

}  // namespace

std::uint64_t renormalization(const EnrichConfig& config, const wire::FlowRecord& record) {
  return config.renormalize && record.sampling_interval > 1 ? record.sampling_interval : 1;
}

void Enricher::start(const wire::FlowRecord& record, EnrichedFlow& out) const {
  out = EnrichedFlow{};
  out.record = &record;
  out.peer_ip_src = record.exporter;

  const std::uint64_t factor = renormalization(config_, record);
  out.packets = record.packets * factor;
  out.bytes = record.bytes * factor;
  out.flows = record.flows;  // pmacct renormalizes packets and bytes only

  const Family family = record.dst_addr.is_set() ? record.dst_addr.family : record.src_addr.family;
  const bgp::Rib* view = cached_view(record.exporter, family);
  if (cached_syncing(view, family)) {
    out.view_syncing = true;
    view = nullptr;
  }
  out.view = view;
}

Enricher::Matches Enricher::match(const EnrichedFlow& flow) {
  Matches m;
  if (flow.view != nullptr) {
    if (flow.record->src_addr.is_set()) {
      m.src = flow.view->match(flow.record->src_addr);
    }
    if (flow.record->dst_addr.is_set()) {
      m.dst = flow.view->match(flow.record->dst_addr);
    }
  }
  return m;
}

void Enricher::finish(const Matches& m, EnrichedFlow& out) const {
  const wire::FlowRecord& record = *out.record;
  const RouteLengths lengths = routes_of(out.view, m.src, m.dst, out);
  set_networks_and_ases(config_, record, lengths, out);
  set_peers(config_, record, out);
  bend_flow(record, out);
}

void Enricher::enrich(const wire::FlowRecord& record, EnrichedFlow& out) const {
  start(record, out);
  finish(match(out), out);
}

void Enricher::enrich(std::span<const wire::FlowRecord> records, std::vector<EnrichedFlow>& out) const {
  out.resize(records.size());
  matches_.resize(records.size());
  for (std::size_t i = 0; i < records.size(); ++i) {
    start(records[i], out[i]);
    if (out[i].view != nullptr) {  // every record's LPM slots requested before any is read: the misses overlap
      out[i].view->prefetch_match(records[i].src_addr);
      out[i].view->prefetch_match(records[i].dst_addr);
    }
  }
  for (std::size_t i = 0; i < records.size(); ++i) {
    matches_[i] = match(out[i]);
  }
  for (std::size_t i = 0; i < records.size(); ++i) {
    if (out[i].view != nullptr) {
      out[i].view->prefetch_route(matches_[i].src);
      out[i].view->prefetch_route(matches_[i].dst);
    }
  }
  for (std::size_t i = 0; i < records.size(); ++i) {
    finish(matches_[i], out[i]);
  }
}

}  // namespace flowlab::collector
