// Observations: which probes see a stream, and every DESIGN.md section 6 field they would report.
#include "labctl/oracle/state.hpp"
#include "model/feeds.hpp"

#include <algorithm>

namespace flowlab::oracle {
namespace {

using topology::Node;

const Route* lookup(const CollectorView& view, const IpAddress& address) {
  const Route* best = nullptr;
  for (const auto& [prefix, route] : view) {
    if (prefix.contains(address) && (best == nullptr || prefix.length > best->prefix.length)) {
      best = &route;
    }
  }
  return best;
}

std::string text(const std::optional<IpAddress>& a) { return a ? a->to_string() : ""; }

// The address a node sends from towards `dst`: hosts their first address of the family, routers their loopback.
std::optional<IpAddress> source_address(const Node& n, Family family) {
  if (n.is_router()) {
    const auto& lo = family == Family::kIpv4 ? n.loopback : n.loopback6;
    if (lo) {
      return *lo;
    }
  }
  for (const auto& i : n.interfaces) {
    const auto& a = family == Family::kIpv4 ? i.ipv4 : i.ipv6;
    if (a) {
      return a->address;
    }
  }
  return std::nullopt;
}

// The routes `collector` enriches the metering router's records from: its BGP view of the router, the router's BMP
// view (a collector with `bmp:` and no `bgp:`), or with as_source netflow the probe's own feed (model 1, else none).
CollectorView enrichment_view(const Oracle& oracle, const Node* collector, const std::string& collector_name,
                              const topology::ProbeSpec& probe, const Node* meter, const std::string& metering_router) {
  if (collector != nullptr && collector->as_source == topology::AsSource::kNetflow) {
    const bool feed = probe.bgp && meter != nullptr && metering_router == probe.node;
    return feed ? oracle.probe_view(metering_router) : CollectorView{};
  }
  if (collector != nullptr && collector->enriches_from_bmp()) {
    return oracle.bmp_view(metering_router, collector_name);
  }
  return oracle.collector_view(metering_router, collector_name);
}

}  // namespace

Observation Oracle::observe(const topology::ProbeSpec& probe, std::size_t probe_index,
                            const std::string& metering_router, const std::string& iface_in,
                            const std::string& iface_out, const IpAddress& src, const IpAddress& dst) const {
  std::optional<IpAddress> exporter;
  if (const Node* pn = state_->topo.find_node(probe.node)) {
    exporter = pn->mgmt4.address;
  }
  return observe(probe, probe_index, metering_router, iface_in, iface_out, src, dst, probe.export_to, exporter);
}

Observation Oracle::observe(const topology::ProbeSpec& probe, std::size_t probe_index,
                            const std::string& metering_router, const std::string& iface_in,
                            const std::string& iface_out, const IpAddress& src, const IpAddress& dst,
                            const std::string& collector, const std::optional<IpAddress>& exporter) const {
  const State& s = *state_;
  Observation o;
  o.probe_index = probe_index;
  o.probe_node = probe.node;
  o.metering_router = metering_router;
  o.collector = collector;
  o.iface_in = iface_in;
  o.iface_out = iface_out;
  const Node* meter = s.topo.find_node(metering_router);
  o.peer_ip_src = exporter;
  if (meter != nullptr && !iface_in.empty()) {
    if (const auto* i = meter->find_interface(iface_in)) {
      const Node* peer = s.topo.find_node(i->peer_node);
      if (peer != nullptr && peer->is_router() && peer->asn != meter->asn) {
        o.peer_as_src_truth = peer->asn;
      }
    }
  }
  // Where the collector's AS fields come from: its own BGP view of the metering router (as_source bgp), or the
  // record itself (as_source netflow: the probe's BGP feed from the metering router — model 1 — else nothing).
  const CollectorView view =
      enrichment_view(*this, s.topo.find_node(collector), collector, probe, meter, metering_router);
  if (const Route* rd = lookup(view, dst)) {
    o.as_dst = rd->origin_as();
    o.as_path = rd->as_path;
    o.peer_as_dst = rd->first_as();
    o.peer_ip_dst = rd->next_hop;
    o.net_dst = rd->prefix;
    o.local_pref = rd->local_pref;
    o.med = rd->med.value_or(0);
    o.comms = rd->communities;
    o.lcomms = rd->large_communities;
    if (const RibEntry* e = entry(metering_router, rd->prefix); e != nullptr && e->ambiguous) {
      o.ambiguous = true;
      o.reason = metering_router + " " + rd->prefix.to_string() + ": " + e->reason;
    }
  }
  if (const Route* rs = lookup(view, src)) {
    o.as_src = rs->origin_as();
    o.src_as_path = rs->as_path;
    o.peer_as_src_bgp = rs->first_as();
    o.net_src = rs->prefix;
    if (const RibEntry* e = entry(metering_router, rs->prefix); e != nullptr && e->ambiguous && !o.ambiguous) {
      o.ambiguous = true;
      o.reason = metering_router + " " + rs->prefix.to_string() + ": " + e->reason;
    }
  }
  auto& f = o.fields;
  f["iface_in"] = o.iface_in;
  f["iface_out"] = o.iface_out;
  f["as_src"] = std::to_string(o.as_src);
  f["as_dst"] = std::to_string(o.as_dst);
  f["as_path"] = format_as_path(o.as_path);
  f["src_as_path"] = format_as_path(o.src_as_path);
  f["peer_as_src"] = std::to_string(o.peer_as_src_truth);
  f["peer_as_src_bgp"] = std::to_string(o.peer_as_src_bgp);
  f["peer_as_dst"] = std::to_string(o.peer_as_dst);
  f["peer_ip_src"] = text(o.peer_ip_src);
  f["peer_ip_dst"] = text(o.peer_ip_dst);
  f["net_src"] = o.net_src ? o.net_src->address.to_string() : "";
  f["net_dst"] = o.net_dst ? o.net_dst->address.to_string() : "";
  f["mask_src"] = std::to_string(o.net_src ? o.net_src->length : 0);
  f["mask_dst"] = std::to_string(o.net_dst ? o.net_dst->length : 0);
  f["local_pref"] = std::to_string(o.local_pref);
  f["med"] = std::to_string(o.med);
  f["comms"] = format_list(o.comms);
  f["lcomms"] = format_list(o.lcomms);
  return o;
}

namespace {

// Several observations of one packet by one probe (in on one probed interface, out on another) reach the same
// collector with the same flow key. Unless the records say the direction (v9 / IPFIX, IE 61) and the collector's
// aggregate keeps it (`aggregate_direction`), they land in one row with the counters of all of them.
void mark_merged(const topology::Topology& topo, std::vector<Observation>& observations) {
  for (std::size_t i = 0; i < observations.size(); ++i) {
    Observation& o = observations[i];
    std::vector<std::size_t> same{i};
    for (std::size_t j = 0; j < observations.size(); ++j) {
      const Observation& other = observations[j];
      if (j != i && other.probe_index == o.probe_index && other.collector == o.collector &&
          other.iface_in == o.iface_in && other.iface_out == o.iface_out) {
        same.push_back(j);
      }
    }
    if (same.size() < 2) {
      continue;
    }
    const auto& probe = topo.probes[o.probe_index];
    const topology::Node* collector = topo.find_node(o.collector);
    const bool direction_exported =
        probe.format == topology::ExportFormat::kIpfix || probe.format == topology::ExportFormat::kNetflowV9;
    if (direction_exported && collector != nullptr && collector->aggregate_direction) {
      continue;
    }
    std::sort(same.begin(), same.end());
    std::string points;
    for (std::size_t k = 0; k < same.size(); ++k) {
      const Observation& x = observations[same[k]];
      points += (k == 0                 ? ""
                 : k + 1 == same.size() ? " and "
                                        : ", ") +
                x.observed_interface + (x.ingress ? " in" : " out");
    }
    o.merged = same.size();
    o.merged_reason =
        std::string(same.size() == 2 ? "metered twice" : "metered " + std::to_string(same.size()) + " times") + " at " +
        o.metering_router + ": " + points + "; meter one direction, or add `direction` to the " + "aggregate" +
        (direction_exported ? "" : " (and export v9 or IPFIX, which carry it)");
  }
}

}  // namespace

Result<Oracle::StreamPrediction> Oracle::predict(const Stream& stream) const {
  const State& s = *state_;
  const Node* from = s.topo.find_node(stream.from);
  if (from == nullptr) {
    return fail(ErrorKind::kVerify, "no node '" + stream.from + "' in topology " + s.topo.name);
  }
  StreamPrediction p;
  p.stream = stream;
  if (!p.stream.src.is_set()) {
    auto src = source_address(*from, stream.dst.family);
    if (!src) {
      return fail(ErrorKind::kVerify, "node " + stream.from + " has no address of the destination's family");
    }
    p.stream.src = *src;
  }
  auto walk_result = walk(stream.from, stream.dst);
  FLOWLAB_TRY(walk_result);
  p.walk = std::move(walk_result).value();
  bool ambiguous_so_far = false;
  std::string why;
  for (const auto& hop : p.walk.hops) {
    if (hop.ambiguous && !ambiguous_so_far) {
      ambiguous_so_far = true;
      why = hop.node + ": " + hop.note;
    }
    for (std::size_t k = 0; k < s.topo.probes.size(); ++k) {
      const auto& probe = s.topo.probes[k];
      std::vector<std::pair<std::string, bool>> crossings;  // observed interface, ingress
      if (probe.mirror) {
        if (probe.mirror->node == hop.node) {
          if (hop.in_interface == probe.mirror->interface) {
            crossings.emplace_back(hop.in_interface, true);
          }
          if (hop.out_interface == probe.mirror->interface) {
            crossings.emplace_back(hop.out_interface, false);
          }
        }
      } else if (probe.node == hop.node) {
        auto probed = [&](const std::string& i) {
          return !i.empty() && std::find(probe.interfaces.begin(), probe.interfaces.end(), i) != probe.interfaces.end();
        };
        if (probed(hop.in_interface) && probe.direction != topology::ProbeDirection::kOut) {
          crossings.emplace_back(hop.in_interface, true);
        }
        if (probed(hop.out_interface) && probe.direction != topology::ProbeDirection::kIn) {
          crossings.emplace_back(hop.out_interface, false);
        }
      }
      // One observation per final collector the probe feeds (through tees: topology/feeds.hpp).
      const auto feeds = topology::probe_feeds(s.topo, probe);
      for (const auto& [iface, ingress] : crossings) {
        for (const auto& feed : feeds) {
          Observation o =
              observe(probe, k, hop.node, hop.in_interface, hop.out_interface, p.stream.src, p.stream.dst,
                      feed.collector, feed.exporter.is_set() ? std::optional<IpAddress>(feed.exporter) : std::nullopt);
          o.observed_interface = iface;
          o.ingress = ingress;
          if (ambiguous_so_far && !o.ambiguous) {
            o.ambiguous = true;
            o.reason = "the path may differ: " + why;
          }
          p.observations.push_back(std::move(o));
        }
      }
    }
  }
  mark_merged(s.topo, p.observations);
  return p;
}

}  // namespace flowlab::oracle
