#include "labctl/oracle/oracle_json.hpp"

namespace flowlab::oracle {
namespace {

using nlohmann::json;

json address(const std::optional<IpAddress>& a) { return a ? json(a->to_string()) : json(); }

}  // namespace

json to_json(const Route& r) {
  return json{{"prefix", r.prefix.to_string()},
              {"source", to_string(r.source)},
              {"as_path", r.as_path},
              {"origin", r.origin},
              {"local_pref", r.local_pref},
              {"med", r.med ? json(*r.med) : json()},
              {"communities", r.communities},
              {"large_communities", r.large_communities},
              {"next_hop", address(r.next_hop)},
              {"learned_from", r.learned_from},
              {"session", r.session},
              {"neighbor_address", address(r.neighbor_address)},
              {"neighbor_router_id", r.neighbor_router_id.is_set() ? json(r.neighbor_router_id.to_string()) : json()},
              {"neighbor_asn", r.neighbor_asn},
              {"igp_cost", r.igp_cost ? json(*r.igp_cost) : json()}};
}

json to_json(const RibEntry& e) {
  json candidates = json::array();
  for (const auto& c : e.candidates) {
    candidates.push_back(to_json(c));
  }
  return json{{"prefix", e.prefix.to_string()}, {"best", to_json(e.best())}, {"candidates", candidates},
              {"ambiguous", e.ambiguous},       {"reason", e.reason},        {"tied", e.tied},
              {"multipath", e.multipath}};
}

json to_json(const Hop& h) {
  return json{{"node", h.node},
              {"in_interface", h.in_interface},
              {"out_interface", h.out_interface},
              {"next_node", h.next_node},
              {"gateway", address(h.gateway)},
              {"via", to_string(h.via)},
              {"route", h.route ? json(h.route->to_string()) : json()},
              {"ambiguous", h.ambiguous},
              {"note", h.note}};
}

json to_json(const Walk& w) {
  json hops = json::array();
  for (const auto& h : w.hops) {
    hops.push_back(to_json(h));
  }
  return json{{"destination", w.destination.to_string()},
              {"outcome", to_string(w.outcome)},
              {"ambiguous", w.ambiguous},
              {"reason", w.reason},
              {"hops", hops}};
}

json to_json(const Observation& o) {
  return json{{"probe_index", o.probe_index},
              {"probe_node", o.probe_node},
              {"metering_router", o.metering_router},
              {"observed_interface", o.observed_interface},
              {"direction", o.ingress ? "ingress" : "egress"},
              {"collector", o.collector},
              {"ambiguous", o.ambiguous},
              {"reason", o.reason},
              {"merged", o.merged},
              {"merged_reason", o.merged_reason},
              {"fields", o.fields}};
}

json to_json(const Oracle::StreamPrediction& p) {
  json observations = json::array();
  for (const auto& o : p.observations) {
    observations.push_back(to_json(o));
  }
  return json{{"from", p.stream.from},
              {"src", p.stream.src.to_string()},
              {"dst", p.stream.dst.to_string()},
              {"walk", to_json(p.walk)},
              {"observations", observations}};
}

}  // namespace flowlab::oracle
