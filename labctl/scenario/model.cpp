#include "labctl/scenario/model.hpp"

#include "model/topology_reader.hpp"

#include "common/strings.hpp"

#include <algorithm>
#include <array>
#include <set>
#include <utility>

namespace flowlab::scenario {
namespace {

constexpr std::array kFields{
    FieldInfo{Field::kAsDst, "as_dst", FieldType::kAsn, true},
    FieldInfo{Field::kAsPath, "as_path", FieldType::kAsPath, true},
    FieldInfo{Field::kPeerAsDst, "peer_as_dst", FieldType::kAsn, true},
    FieldInfo{Field::kPeerIpDst, "peer_ip_dst", FieldType::kAddress, true},
    FieldInfo{Field::kAsSrc, "as_src", FieldType::kAsn, true},
    FieldInfo{Field::kSrcAsPath, "src_as_path", FieldType::kAsPath, true},
    FieldInfo{Field::kPeerAsSrc, "peer_as_src", FieldType::kAsn, true},
    FieldInfo{Field::kPeerIpSrc, "peer_ip_src", FieldType::kAddress, false},
    FieldInfo{Field::kNetSrc, "net_src", FieldType::kPrefix, true},
    FieldInfo{Field::kNetDst, "net_dst", FieldType::kPrefix, true},
    FieldInfo{Field::kMaskSrc, "mask_src", FieldType::kMask, true},
    FieldInfo{Field::kMaskDst, "mask_dst", FieldType::kMask, true},
    FieldInfo{Field::kComms, "comms", FieldType::kCommunities, true},
    FieldInfo{Field::kLcomms, "lcomms", FieldType::kLargeCommunities, true},
    FieldInfo{Field::kLocalPref, "local_pref", FieldType::kUint32, true},
    FieldInfo{Field::kMed, "med", FieldType::kUint32, true},
    FieldInfo{Field::kIfaceIn, "iface_in", FieldType::kInterface, false},
    FieldInfo{Field::kIfaceOut, "iface_out", FieldType::kInterface, false},
};

bool lab_name_ok(std::string_view s) { return s.size() <= 16 && topology::name_chars_ok(s, "-"); }

}  // namespace

std::string_view proto_name(Proto proto) { return enum_name(kProtoNames, proto); }

std::uint8_t ip_protocol_number(Proto proto, Family family) {
  switch (proto) {
    case Proto::kUdp:
      return 17;
    case Proto::kTcp:
      return 6;
    case Proto::kIcmp:
      return family == Family::kIpv6 ? 58 : 1;
  }
  return 0;
}

std::span<const FieldInfo> all_fields() { return kFields; }

const FieldInfo& field_info(Field field) {
  for (const auto& f : kFields) {
    if (f.field == field) {
      return f;
    }
  }
  return kFields[0];  // unreachable: every Field is in the table
}

std::string_view field_name(Field field) { return field_info(field).name; }

std::optional<Field> field_from_name(std::string_view name) {
  for (const auto& f : kFields) {
    if (f.name == name) {
      return f.field;
    }
  }
  return std::nullopt;
}

std::string FieldValue::to_string() const {
  switch (type) {
    case FieldType::kAsn:
    case FieldType::kMask:
    case FieldType::kUint32:
      return std::to_string(number);
    case FieldType::kAsPath: {
      std::string out;
      for (auto asn : as_path) {
        if (!out.empty()) {
          out += '_';
        }
        out += std::to_string(asn);
      }
      return out;
    }
    case FieldType::kAddress:
      return address.is_set() ? address.to_string() : "0";
    case FieldType::kPrefix:
      return prefix.to_string();
    case FieldType::kCommunities:
    case FieldType::kLargeCommunities:
      return join(communities, " ");
    case FieldType::kInterface:
      return text;
  }
  return {};
}

std::string_view counter_check_name(CounterCheck check) { return enum_name(kCounterCheckNames, check); }

std::string_view Step::kind() const {
  struct Namer {
    std::string_view operator()(const ConvergeStep&) const { return "converge"; }
    std::string_view operator()(const SendStep&) const { return "send"; }
    std::string_view operator()(const ExpectStep&) const { return "expect"; }
    std::string_view operator()(const LinkStep&) const { return "link"; }
    std::string_view operator()(const BgpStep&) const { return "bgp"; }
    std::string_view operator()(const BmpStep&) const { return "bmp"; }
    std::string_view operator()(const AnnounceStep&) const { return "announce"; }
    std::string_view operator()(const WithdrawStep&) const { return "withdraw"; }
    std::string_view operator()(const RestartStep&) const { return "restart"; }
    std::string_view operator()(const WaitStep&) const { return "wait"; }
    std::string_view operator()(const CollectStep&) const { return "collect"; }
  };
  return std::visit(Namer{}, action);
}

std::string Step::summary() const {
  struct Summarizer {
    static std::string duration(std::chrono::milliseconds ms) {
      const auto n = ms.count();
      if (n % 60'000 == 0) {
        return std::to_string(n / 60'000) + "m";
      }
      if (n % 1000 == 0) {
        return std::to_string(n / 1000) + "s";
      }
      return std::to_string(n) + "ms";
    }
    static std::string streams(const std::vector<std::string>& names, bool all) {
      return all ? "all (" + join(names, ", ") + ")" : join(names, ", ");
    }
    std::string operator()(const ConvergeStep& c) const { return "converge (timeout " + duration(c.timeout) + ")"; }
    std::string operator()(const SendStep& s) const { return "send " + streams(s.streams, s.all); }
    std::string operator()(const ExpectStep& e) const {
      std::string out = "expect " + streams(e.streams, e.all) + " at " + e.at;
      if (e.from == RecordSource::kStore) {
        out += " from store";
      }
      if (e.point) {
        out += " point " + e.point->node + (e.point->interface.empty() ? "" : ":" + e.point->interface);
      }
      std::string fields;
      switch (e.mode) {
        case FieldsMode::kAuto:
          fields = "auto";
          break;
        case FieldsMode::kListed:
          fields = std::to_string(e.fields.size()) + " listed";
          break;
        case FieldsMode::kUnenriched:
          fields = "unenriched";
          break;
      }
      return out + " (fields " + fields + ", counters " + std::string(counter_check_name(e.counters)) + ")";
    }
    std::string operator()(const LinkStep& l) const {
      return std::string("link ") + (l.action == LinkAction::kDown ? "down " : "up ") + l.endpoint.node + ":" +
             l.endpoint.interface;
    }
    std::string operator()(const BgpStep& b) const {
      return std::string("bgp ") + (b.action == LinkAction::kDown ? "down " : "up ") + b.node + " -- " + b.neighbor;
    }
    std::string operator()(const BmpStep& b) const {
      return std::string("bmp ") + (b.action == LinkAction::kDown ? "down " : "up ") + b.node + " -> " + b.station;
    }
    std::string operator()(const AnnounceStep& a) const { return "announce " + a.prefix.to_string() + " at " + a.node; }
    std::string operator()(const WithdrawStep& w) const { return "withdraw " + w.prefix.to_string() + " at " + w.node; }
    std::string operator()(const RestartStep& r) const { return "restart " + r.node; }
    std::string operator()(const WaitStep& w) const { return "wait " + duration(w.duration); }
    std::string operator()(const CollectStep&) const { return "collect"; }
  };
  return std::visit(Summarizer{}, action);
}

const Stream* Scenario::find_stream(std::string_view stream_name) const {
  for (const auto& s : traffic) {
    if (s.name == stream_name) {
      return &s;
    }
  }
  return nullptr;
}

namespace {

using NodeIf = std::pair<std::string, std::string>;

std::pair<std::string, std::string> ordered(const std::string& a, const std::string& b) {
  return a < b ? std::pair{a, b} : std::pair{b, a};
}

// What the steps before a point of the timeline have taken down (announce / withdraw change the topology itself).
struct TimelineState {
  std::set<NodeIf> down_ifaces;                            // both ends of every link that is down
  std::set<std::pair<std::string, std::string>> down_bgp;  // (smaller, larger) node names

  [[nodiscard]] bool is_down(const std::string& node, const std::string& ifname) const {
    return !ifname.empty() && down_ifaces.count(NodeIf{node, ifname}) != 0;
  }
};

void replay_link(const topology::Topology& t, const LinkStep& l, TimelineState& state) {
  const topology::Node* n = t.find_node(l.endpoint.node);
  const topology::Interface* ifc = n == nullptr ? nullptr : n->find_interface(l.endpoint.interface);
  if (ifc == nullptr) {
    return;
  }
  for (const NodeIf& end : {NodeIf{n->name, ifc->name}, NodeIf{ifc->peer_node, ifc->peer_interface}}) {
    if (l.action == LinkAction::kDown) {
      state.down_ifaces.insert(end);
    } else {
      state.down_ifaces.erase(end);
    }
  }
}

TimelineState replay_steps(const Scenario& scenario, std::size_t step_index, topology::Topology& t) {
  TimelineState state;
  for (std::size_t i = 0; i < step_index && i < scenario.steps.size(); ++i) {
    const auto& action = scenario.steps[i].action;
    if (const auto* l = std::get_if<LinkStep>(&action)) {
      replay_link(t, *l, state);
    } else if (const auto* b = std::get_if<BgpStep>(&action)) {
      if (b->action == LinkAction::kDown) {
        state.down_bgp.insert(ordered(b->node, b->neighbor));
      } else {
        state.down_bgp.erase(ordered(b->node, b->neighbor));
      }
    } else if (const auto* a = std::get_if<AnnounceStep>(&action)) {
      for (auto& n : t.nodes) {
        if (n.name == a->node && std::find(n.announce.begin(), n.announce.end(), a->prefix) == n.announce.end()) {
          n.announce.push_back(a->prefix);
        }
      }
    } else if (const auto* w = std::get_if<WithdrawStep>(&action)) {
      for (auto& n : t.nodes) {
        if (n.name == w->node) {
          n.announce.erase(std::remove(n.announce.begin(), n.announce.end(), w->prefix), n.announce.end());
        }
      }
    }
  }
  return state;
}

// Links: drop the down ones (and their interfaces), renumber the rest.
void remove_down_links(topology::Topology& t, const TimelineState& state) {
  std::vector<std::size_t> new_index(t.links.size(), 0);
  std::vector<topology::Link> links;
  for (std::size_t i = 0; i < t.links.size(); ++i) {
    const auto& l = t.links[i];
    if (state.is_down(l.a.node, l.a.interface)) {
      continue;
    }
    new_index[i] = links.size();
    links.push_back(l);
  }
  t.links = std::move(links);
  for (auto& n : t.nodes) {
    std::vector<topology::Interface> kept;
    for (auto& i : n.interfaces) {
      if (!state.is_down(n.name, i.name)) {
        i.link_index = new_index[i.link_index < new_index.size() ? i.link_index : 0];
        kept.push_back(i);
      }
    }
    n.interfaces = std::move(kept);
  }
}

}  // namespace

topology::Topology topology_at(const Scenario& scenario, std::size_t step_index) {
  topology::Topology t = scenario.topology;
  const TimelineState state = replay_steps(scenario, step_index, t);
  remove_down_links(t, state);
  // Sessions: over a down link, or taken down themselves.
  std::vector<topology::BgpSession> sessions;
  for (const auto& s : t.sessions) {
    if (state.is_down(s.local_node, s.local_interface) || state.is_down(s.remote_node, s.remote_interface) ||
        state.down_bgp.count(ordered(s.local_node, s.remote_node)) != 0) {
      continue;
    }
    sessions.push_back(s);
  }
  t.sessions = std::move(sessions);
  // Probes: no capture on interfaces that are gone.
  for (auto& p : t.probes) {
    p.interfaces.erase(std::remove_if(p.interfaces.begin(), p.interfaces.end(),
                                      [&](const std::string& ifname) { return state.is_down(p.node, ifname); }),
                       p.interfaces.end());
    if (p.mirror && state.is_down(p.mirror->node, p.mirror->interface)) {
      p.mirror.reset();
    }
  }
  return t;
}

std::optional<std::string> set_lab_name(Scenario& scenario, const std::string& lab_name) {
  if (!lab_name_ok(lab_name)) {
    return "lab name '" + lab_name +
           "' must match ^[a-z][a-z0-9-]{0,15}$ (a lowercase letter, then lowercase letters, digits or '-')";
  }
  scenario.topology.name = lab_name;
  for (auto& node : scenario.topology.nodes) {
    node.namespace_name = scenario.topology.namespace_of(node.name);
  }
  return std::nullopt;
}

}  // namespace flowlab::scenario
