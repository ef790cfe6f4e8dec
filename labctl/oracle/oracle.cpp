#include "labctl/oracle/oracle.hpp"

#include "common/enum_names.hpp"
#include "labctl/oracle/state.hpp"

#include <algorithm>
#include <array>

namespace flowlab::oracle {

namespace {

constexpr std::array<EnumName<RouteSource>, 3> kRouteSourceNames{
    {{"local", RouteSource::kLocal}, {"ebgp", RouteSource::kEbgp}, {"ibgp", RouteSource::kIbgp}}};
constexpr std::array<EnumName<Via>, 5> kViaNames{{{"connected", Via::kConnected},
                                                  {"ospf", Via::kOspf},
                                                  {"bgp", Via::kBgp},
                                                  {"default", Via::kDefault},
                                                  {"delivered", Via::kDelivered}}};
constexpr std::array<EnumName<WalkOutcome>, 3> kWalkOutcomeNames{
    {{"delivered", WalkOutcome::kDelivered}, {"blackhole", WalkOutcome::kBlackhole}, {"loop", WalkOutcome::kLoop}}};

}  // namespace

// The names are string literals, so the views are NUL-terminated.
const char* to_string(RouteSource source) { return enum_name(kRouteSourceNames, source, "?").data(); }
const char* to_string(Via via) { return enum_name(kViaNames, via, "?").data(); }
const char* to_string(WalkOutcome outcome) { return enum_name(kWalkOutcomeNames, outcome, "?").data(); }

const RibEntry* RouterRib::find(const Prefix& prefix) const {
  auto it = entries.find(prefix);
  return it == entries.end() ? nullptr : &it->second;
}

const RibEntry* RouterRib::lookup(const IpAddress& address) const {
  const RibEntry* best = nullptr;
  for (const auto& [prefix, entry] : entries) {
    if (prefix.contains(address) && (best == nullptr || prefix.length > best->prefix.length)) {
      best = &entry;
    }
  }
  return best;
}

std::string format_as_path(const std::vector<std::uint32_t>& path) {
  std::string out;
  for (auto as : path) {
    out += (out.empty() ? "" : "_") + std::to_string(as);
  }
  return out;
}

std::string format_list(const std::vector<std::string>& items) {
  std::string out;
  for (const auto& s : items) {
    out += (out.empty() ? "" : "_") + s;
  }
  return out;
}

Oracle::Oracle(std::unique_ptr<State> state) : state_(std::move(state)) {}
Oracle::Oracle(Oracle&&) noexcept = default;
Oracle& Oracle::operator=(Oracle&&) noexcept = default;
Oracle::~Oracle() = default;

Result<Oracle> Oracle::build(topology::Topology topology) {
  auto state = std::make_unique<State>(std::move(topology));
  state->ends = detail::session_ends(state->topo);
  for (const auto& [node, ends] : state->ends) {
    for (const auto& e : ends) {
      for (auto direction : {topology::Direction::kImport, topology::Direction::kExport}) {
        auto merged = detail::merged_policy(state->topo, e.self, e.peer, direction);
        FLOWLAB_TRY(merged);
        auto& table = direction == topology::Direction::kImport ? state->import_policies : state->export_policies;
        table[{e.self, e.peer}] = std::move(merged).value();
      }
    }
  }
  // Policies towards collectors the router does not peer with still shape collector_view().
  for (const auto& p : state->topo.policies) {
    auto merged = detail::merged_policy(state->topo, p.node, p.neighbor, p.direction);
    FLOWLAB_TRY(merged);
    auto& table = p.direction == topology::Direction::kImport ? state->import_policies : state->export_policies;
    table[{p.node, p.neighbor}] = std::move(merged).value();
  }
  state->ribs = detail::simulate_bgp(*state);
  return Oracle(std::move(state));
}

const topology::Topology& Oracle::topology() const { return state_->topo; }
const std::map<std::string, RouterRib>& Oracle::ribs() const { return state_->ribs; }

const RouterRib* Oracle::rib(const std::string& router) const {
  auto it = state_->ribs.find(router);
  return it == state_->ribs.end() ? nullptr : &it->second;
}

const RibEntry* Oracle::entry(const std::string& router, const Prefix& prefix) const {
  const RouterRib* r = rib(router);
  return r == nullptr ? nullptr : r->find(prefix);
}

CollectorView Oracle::collector_view(const std::string& router, const std::string& collector) const {
  CollectorView view;
  const RouterRib* r = rib(router);
  const topology::Node* node = state_->topo.find_node(router);
  if (r == nullptr || node == nullptr) {
    return view;
  }
  static const detail::MergedPolicy kNone;
  auto it = state_->export_policies.find({router, collector});
  const detail::MergedPolicy& policy = it == state_->export_policies.end() ? kNone : it->second;
  for (const auto& [prefix, entry] : r->entries) {
    const Route& best = entry.best();
    if (!best.igp_cost || policy.denies(prefix)) {
      continue;
    }
    Route out = best;
    detail::apply_policy(policy, node->asn, out);
    if (best.source == RouteSource::kLocal) {
      // A route without a next hop of its own goes out with the router's session address (mgmt0).
      if (prefix.family() == Family::kIpv4) {
        out.next_hop = node->mgmt4.address;
      } else if (node->mgmt6) {
        out.next_hop = node->mgmt6->address;
      }
    }
    view.emplace(prefix, std::move(out));
  }
  return view;
}

CollectorView Oracle::bmp_view(const std::string& router, const std::string& collector) const {
  CollectorView view;
  const RouterRib* r = rib(router);
  const topology::Node* station = state_->topo.find_node(collector);
  if (r == nullptr || station == nullptr ||
      std::find(station->bmp_peers.begin(), station->bmp_peers.end(), router) == station->bmp_peers.end()) {
    return view;
  }
  for (const auto& [prefix, entry] : r->entries) {
    const Route& best = entry.best();
    if (best.source == RouteSource::kLocal || !best.igp_cost) {
      continue;
    }
    Route out = best;
    if (best.source == RouteSource::kEbgp) {
      out.local_pref = 100;  // FRR 8.4 reports no LOCAL_PREF for them: the station assumes the default
    }
    view.emplace(prefix, std::move(out));
  }
  return view;
}

CollectorView Oracle::probe_view(const std::string& router) const {
  CollectorView view = collector_view(router, topology::kProbeBgpNode);
  const topology::Node* node = state_->topo.find_node(router);
  for (auto& [prefix, route] : view) {
    if (route.source != RouteSource::kLocal || node == nullptr) {
      continue;
    }
    if (prefix.family() == Family::kIpv4) {
      route.next_hop = *IpAddress::parse(topology::kProbeBgpRouterAddress);
    } else if (node->loopback6) {
      route.next_hop = *node->loopback6;
    }
  }
  return view;
}

std::optional<std::uint32_t> Oracle::igp_cost(const std::string& router, const IpAddress& address) const {
  return detail::next_hop_cost(state_->topo, state_->igp, router, address);
}

const topology::Node* Oracle::owner_of(const IpAddress& address) const {
  for (const auto& n : state_->topo.nodes) {
    if ((n.loopback && *n.loopback == address) || (n.loopback6 && *n.loopback6 == address)) {
      return &n;
    }
    for (const auto& i : n.interfaces) {
      if ((i.ipv4 && i.ipv4->address == address) || (i.ipv6 && i.ipv6->address == address)) {
        return &n;
      }
    }
  }
  return nullptr;
}

}  // namespace flowlab::oracle
