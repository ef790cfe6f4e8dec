#include "labctl/scenario/validate.hpp"

#include "common/strings.hpp"
#include "labctl/scenario/validator.hpp"

#include <algorithm>
#include <map>
#include <set>
#include <tuple>

namespace flowlab::scenario {
namespace detail {
namespace {

std::string_view family_name(Family f) { return f == Family::kIpv6 ? "IPv6" : "IPv4"; }

constexpr std::uint32_t ip_header_len(Family f) { return f == Family::kIpv6 ? 40 : 20; }
constexpr std::uint32_t l4_header_len(Proto p) { return p == Proto::kTcp ? 20 : 8; }

// The first data-plane address of a family on a node (hosts and collectors), or its loopback (routers).
struct NodeAddress {
  IpAddress address;
  const topology::Interface* interface = nullptr;
};

std::optional<NodeAddress> address_of(const Node& node, Family family) {
  if (node.is_router()) {
    const auto& lo = family == Family::kIpv4 ? node.loopback : node.loopback6;
    if (lo) {
      return NodeAddress{*lo, nullptr};
    }
    return std::nullopt;
  }
  for (const auto& i : node.interfaces) {
    const auto& p = family == Family::kIpv4 ? i.ipv4 : i.ipv6;
    if (p) {
      return NodeAddress{p->address, &i};
    }
  }
  return std::nullopt;
}

}  // namespace

const Node* Validator::node_ref(const std::string& name, const std::string& path) {
  if (const Node* n = t_.find_node(name)) {
    return n;
  }
  auto guess = closest_match(name, node_names_);
  error(path, "unknown node '" + name + "'" + (guess ? " (did you mean '" + *guess + "'?)" : ""));
  return nullptr;
}

const topology::Interface* Validator::interface_ref(const Node& node, const std::string& ifname,
                                                    const std::string& path) {
  if (const auto* i = node.find_interface(ifname)) {
    return i;
  }
  if (ifname == "mgmt0") {
    error(path, "mgmt0 is " + node.name + "'s management interface; steps and points act on the data plane");
    return nullptr;
  }
  std::vector<std::string> names;
  for (const auto& i : node.interfaces) {
    names.push_back(i.name);
  }
  auto guess = closest_match(ifname, names);
  error(path, "node '" + node.name + "' has no interface '" + ifname + "'" +
                  (guess           ? " (did you mean '" + *guess + "'?)"
                   : names.empty() ? std::string(" (it has none)")
                                   : " (it has: " + join(names) + ")"));
  return nullptr;
}

void Validator::check_stream(Stream& st, std::size_t index) {
  const std::string path = child("traffic", st.name);
  const bool family_given = marks_.has(child(path, "family"));
  const std::string to_path = child(path, "to");
  // Destination first: an address fixes the family.
  bool to_ok = false;
  if (auto addr = IpAddress::parse(st.to)) {
    if (!resolve_address_destination(st, *addr, path, family_given)) {
      return;
    }
    to_ok = true;
  } else if (!st.to.empty()) {
    if (!resolve_node_destination(st, path, family_given)) {
      return;
    }
    to_ok = true;
  }
  // Source: a host with an address of the family.
  const Node* src = st.from.empty() ? nullptr : node_ref(st.from, child(path, "from"));
  if (src == nullptr) {
    return;
  }
  if (src->role != Role::kHost) {
    error(child(path, "from"),
          "'" + src->name + "' is " + a_role(src->role) + ", not a host (streams are sent by flowgen on a host)");
    return;
  }
  auto a = address_of(*src, st.family);
  if (!a || a->interface == nullptr) {
    error(child(path, "from"),
          "host '" + src->name + "' has no " + std::string(family_name(st.family)) + " address to send from");
    return;
  }
  st.src = a->address;
  if (to_ok && st.to_node == src->name) {
    error(to_path, "the destination is the sending host '" + src->name + "' itself");
  }
  if (st.proto != Proto::kIcmp) {
    if (st.sport == 0) {
      st.sport = static_cast<std::uint16_t>(kDefaultSportBase + index);
    }
    if (st.dport == 0) {
      st.dport = kDefaultDport;
    }
  }
  check_stream_size(st, path, *src, *a->interface);
}

bool Validator::resolve_address_destination(Stream& st, const IpAddress& addr, const std::string& path,
                                            bool family_given) {
  if (family_given && addr.family != st.family) {
    error(child(path, "family"), std::string(family_name(st.family)) + " does not match the " +
                                     std::string(family_name(addr.family)) + " destination " + st.to);
    return false;
  }
  st.family = addr.family;
  st.dst = addr;
  // Owned by a node (interface or loopback)?
  for (const auto& n : t_.nodes) {
    bool owns = (n.loopback && *n.loopback == addr) || (n.loopback6 && *n.loopback6 == addr);
    for (const auto& i : n.interfaces) {
      owns = owns || (i.ipv4 && i.ipv4->address == addr) || (i.ipv6 && i.ipv6->address == addr);
    }
    if (owns) {
      st.to_node = n.name;
      return true;
    }
  }
  const bool announced = std::any_of(t_.nodes.begin(), t_.nodes.end(), [&](const Node& n) {
    return std::any_of(n.announce.begin(), n.announce.end(), [&](const Prefix& p) { return p.contains(addr); });
  });
  if (!announced) {
    error(
        child(path, "to"),
        "address " + st.to + " is not inside the lab (no node has it and no router announces a prefix containing it)");
  }
  return announced;
}

bool Validator::resolve_node_destination(Stream& st, const std::string& path, bool family_given) {
  const std::string to_path = child(path, "to");
  const Node* dst = node_ref(st.to, to_path);
  if (dst == nullptr) {
    return false;
  }
  if (dst->role == Role::kCollector || dst->role == Role::kTee) {
    error(to_path, "'" + dst->name + "' is " + a_role(dst->role) +
                       ": it has no data-plane address (streams go to hosts or routers)");
    return false;
  }
  auto a = address_of(*dst, st.family);
  if (!a) {
    error(family_given ? child(path, "family") : to_path,
          "node '" + dst->name + "' has no " + std::string(family_name(st.family)) + " address");
    return false;
  }
  st.to_node = dst->name;
  st.dst = a->address;
  return true;
}

// Size: headers at least, the sender's MTU at most (flowgen never fragments: counts must stay exact).
void Validator::check_stream_size(const Stream& st, const std::string& path, const Node& src,
                                  const topology::Interface& iface) {
  if (st.size == 0) {
    return;
  }
  const std::uint32_t min = ip_header_len(st.family) + l4_header_len(st.proto);
  const std::string size_path = marks_.has(child(path, "size")) ? child(path, "size") : path;
  if (st.size < min) {
    error(size_path, "size " + std::to_string(st.size) + " is smaller than the " + std::string(family_name(st.family)) +
                         " + " + std::string(proto_name(st.proto)) + " headers (" + std::to_string(min) +
                         " bytes; size is the IP total length)");
  } else if (st.size > iface.mtu) {
    error(size_path, "size " + std::to_string(st.size) + " exceeds the MTU " + std::to_string(iface.mtu) + " of " +
                         src.name + ":" + iface.name + " (flowgen never fragments)");
  }
}

void Validator::check_unique_tuples() {
  using Tuple = std::tuple<IpAddress, IpAddress, Proto, std::uint16_t, std::uint16_t>;
  std::map<Tuple, std::string> seen;
  for (const auto& st : s_.traffic) {
    if (!st.src.is_set() || !st.dst.is_set()) {
      continue;
    }
    Tuple key{st.src, st.dst, st.proto, st.sport, st.dport};
    auto [it, inserted] = seen.emplace(key, st.name);
    if (!inserted) {
      error(child("traffic", st.name), "stream '" + st.name + "' has the same 5-tuple as '" + it->second + "' (" +
                                           std::string(proto_name(st.proto)) + " " + st.src.to_string() + " -> " +
                                           st.dst.to_string() +
                                           "): records could not be told apart; give it another sport or dport");
    }
  }
}

std::vector<std::string> Validator::collectors() const {
  std::vector<std::string> out;
  for (const auto& n : t_.nodes) {
    if (n.role == Role::kCollector) {
      out.push_back(n.name);
    }
  }
  return out;
}

std::vector<std::string> Validator::bgp_neighbours(const std::string& node) const {
  std::vector<std::string> out;
  for (const auto& ses : t_.sessions) {
    const std::string* other = ses.local_node == node    ? &ses.remote_node
                               : ses.remote_node == node ? &ses.local_node
                                                         : nullptr;
    if (other != nullptr && std::find(out.begin(), out.end(), *other) == out.end()) {
      out.push_back(*other);
    }
  }
  return out;
}

void Validator::default_steps() {
  s_.default_steps = true;
  SendStep send;
  send.all = true;
  ExpectStep expect;
  expect.all = true;
  expect.mode = FieldsMode::kAuto;
  s_.steps.push_back(Step{ConvergeStep{}, Mark{}});
  s_.steps.push_back(Step{send, Mark{}});
  s_.steps.push_back(Step{expect, Mark{}});
}

void Validator::resolve_stream_refs(std::vector<std::string>& names, bool all, const std::string& path,
                                    bool must_be_sent) {
  std::vector<std::string> stream_names;
  for (const auto& st : s_.traffic) {
    stream_names.push_back(st.name);
  }
  if (all) {
    if (s_.traffic.empty()) {
      error(path, "'all' names no stream: the scenario has no traffic");
    }
    names = must_be_sent ? std::vector<std::string>{} : stream_names;
    if (must_be_sent) {
      for (const auto& n : stream_names) {
        if (sent_.count(n) != 0) {
          names.push_back(n);
        }
      }
      if (names.empty() && !s_.traffic.empty()) {
        error(path, "no stream has been sent before this expect (add a send step first)");
      }
    }
    return;
  }
  std::set<std::string> seen;
  for (std::size_t i = 0; i < names.size(); ++i) {
    const std::string ipath = names.size() == 1 && !marks_.has(item(path, 0)) ? path : item(path, i);
    const std::string& n = names[i];
    if (s_.find_stream(n) == nullptr) {
      auto guess = closest_match(n, stream_names);
      error(ipath, "unknown stream '" + n + "'" +
                       (guess                  ? " (did you mean '" + *guess + "'?)"
                        : stream_names.empty() ? std::string(" (the scenario has no traffic)")
                                               : " (streams: " + join(stream_names) + ")"));
    } else if (!seen.insert(n).second) {
      error(ipath, "stream '" + n + "' is named twice");
    } else if (must_be_sent && sent_.count(n) == 0) {
      error(ipath, "stream '" + n + "' is not sent by any earlier step");
    }
  }
}

void Validator::check_link(const LinkStep& l, const std::string& path) {
  const std::string kpath = child(path, l.action == LinkAction::kDown ? "down" : "up");
  const Node* n = node_ref(l.endpoint.node, kpath);
  if (n == nullptr) {
    return;
  }
  const auto* i = interface_ref(*n, l.endpoint.interface, kpath);
  if (i == nullptr) {
    return;
  }
  const auto self = std::pair{n->name, i->name};
  const auto peer = std::pair{i->peer_node, i->peer_interface};
  const bool down = down_links_.count(self) != 0;
  if (l.action == LinkAction::kDown) {
    if (down) {
      error(kpath,
            "link " + n->name + ":" + i->name + " -- " + i->peer_node + ":" + i->peer_interface + " is already down");
    }
    down_links_.insert(self);
    down_links_.insert(peer);
  } else {
    if (!down) {
      error(kpath, "link " + n->name + ":" + i->name + " -- " + i->peer_node + ":" + i->peer_interface +
                       " is not down (links start up)");
    }
    down_links_.erase(self);
    down_links_.erase(peer);
  }
}

void Validator::check_bgp(const BgpStep& b, const std::string& path) {
  const std::string kpath = child(path, b.action == LinkAction::kDown ? "down" : "up");
  const Node* n = node_ref(b.node, child(kpath, "node"));
  const Node* m = node_ref(b.neighbor, child(kpath, "neighbor"));
  if (n == nullptr || m == nullptr) {
    return;
  }
  if (!n->is_router()) {
    error(child(kpath, "node"),
          "'" + n->name + "' is " + a_role(n->role) + ", not a router (bgp steps act on a router's session)");
    return;
  }
  const auto neighbours = bgp_neighbours(n->name);
  if (std::find(neighbours.begin(), neighbours.end(), m->name) == neighbours.end()) {
    error(child(kpath, "neighbor"),
          "'" + m->name + "' is not a BGP neighbour of '" + n->name + "'" +
              (neighbours.empty() ? std::string(" (it has no sessions)") : " (neighbours: " + join(neighbours) + ")"));
    return;
  }
  const auto key = std::minmax(n->name, m->name);
  const auto session = std::pair{key.first, key.second};
  if (b.action == LinkAction::kDown) {
    if (!down_sessions_.insert(session).second) {
      error(kpath, "the BGP session " + n->name + " -- " + m->name + " is already down");
    }
  } else if (down_sessions_.erase(session) == 0) {
    error(kpath, "the BGP session " + n->name + " -- " + m->name + " is not down (sessions start up)");
  }
}

// A bmp step: the station is a collector whose `bmp:` lists the router (the topology checked the router's kind).
void Validator::check_bmp(const BmpStep& b, const std::string& path) {
  const std::string kpath = child(path, b.action == LinkAction::kDown ? "down" : "up");
  const Node* n = node_ref(b.node, child(kpath, "node"));
  const Node* c = node_ref(b.station, child(kpath, "station"));
  if (n == nullptr || c == nullptr) {
    return;
  }
  if (std::find(c->bmp_peers.begin(), c->bmp_peers.end(), n->name) == c->bmp_peers.end()) {
    error(child(kpath, "station"), "'" + n->name + "' does not report to '" + c->name + "' over BMP (" +
                                       (c->bmp_peers.empty() ? "'" + c->name + "' has no bmp: routers"
                                                             : "its bmp: routers are " + join(c->bmp_peers)) +
                                       ")");
    return;
  }
  const auto session = std::pair{n->name, c->name};
  if (b.action == LinkAction::kDown) {
    if (!down_bmp_.insert(session).second) {
      error(kpath, "the BMP session " + n->name + " -> " + c->name + " is already down");
    }
  } else if (down_bmp_.erase(session) == 0) {
    error(kpath, "the BMP session " + n->name + " -> " + c->name + " is not down (sessions start up)");
  }
}

void Validator::check_origin(const std::string& node, const Prefix& prefix, bool announce, const std::string& path) {
  const Node* n = node_ref(node, child(path, "node"));
  if (n == nullptr) {
    return;
  }
  if (!n->is_router()) {
    error(child(path, "node"),
          "'" + n->name + "' is " + a_role(n->role) + ", not a router (only routers originate prefixes)");
    return;
  }
  auto [it, fresh] = originated_.try_emplace(n->name, n->announce);
  auto& list = it->second;
  auto pos = std::find(list.begin(), list.end(), prefix);
  if (announce) {
    if (pos != list.end()) {
      error(child(path, "prefix"), "'" + n->name + "' already originates " + prefix.to_string());
      return;
    }
    list.push_back(prefix);
  } else {
    if (pos == list.end()) {
      std::vector<std::string> names;
      for (const auto& p : list) {
        names.push_back(p.to_string());
      }
      error(child(path, "prefix"),
            "'" + n->name + "' does not originate " + prefix.to_string() +
                (names.empty() ? std::string(" (it originates nothing)") : " (it originates: " + join(names) + ")"));
      return;
    }
    list.erase(pos);
  }
}

void Validator::check_restart(const RestartStep& r, const std::string& path) {
  const std::string npath = marks_.has(child(path, "node")) ? child(path, "node") : path;
  const Node* n = node_ref(r.node, npath);
  if (n == nullptr) {
    return;
  }
  const bool probe =
      std::any_of(t_.probes.begin(), t_.probes.end(), [&](const topology::ProbeSpec& p) { return p.node == n->name; });
  if (n->role == Role::kHost && !probe) {
    error(npath, "'" + n->name + "' is a host without a probe: only routers, probe nodes and collectors restart");
  }
}

void Validator::check_step(Step& step, const std::string& path) {
  if (auto* send = std::get_if<SendStep>(&step.action)) {
    resolve_stream_refs(send->streams, send->all, path, false);
    for (const auto& n : send->streams) {
      sent_.insert(n);
    }
  } else if (auto* expect = std::get_if<ExpectStep>(&step.action)) {
    check_expect(*expect, path);
  } else if (const auto* link = std::get_if<LinkStep>(&step.action)) {
    check_link(*link, path);
  } else if (const auto* bgp = std::get_if<BgpStep>(&step.action)) {
    check_bgp(*bgp, path);
  } else if (const auto* bmp = std::get_if<BmpStep>(&step.action)) {
    check_bmp(*bmp, path);
  } else if (const auto* ann = std::get_if<AnnounceStep>(&step.action)) {
    check_origin(ann->node, ann->prefix, true, path);
  } else if (const auto* wd = std::get_if<WithdrawStep>(&step.action)) {
    check_origin(wd->node, wd->prefix, false, path);
  } else if (const auto* rs = std::get_if<RestartStep>(&step.action)) {
    check_restart(*rs, path);
  }
}

void Validator::run() {
  for (std::size_t i = 0; i < s_.traffic.size(); ++i) {
    check_stream(s_.traffic[i], i);
  }
  check_unique_tuples();
  if (s_.collect) {
    (void)resolve_collector(s_.collect->at, "collect", "to read time steps from");
  }
  if (!marks_.has("steps")) {
    if (s_.traffic.empty()) {
      sink_.error(Mark{1, 1}, "nothing to run: the scenario has neither traffic nor steps");
      return;
    }
    default_steps();
    for (std::size_t i = 0; i < s_.steps.size(); ++i) {
      check_step(s_.steps[i], "");
    }
    return;
  }
  for (std::size_t i = 0; i < s_.steps.size() && i < step_paths_.size(); ++i) {
    check_step(s_.steps[i], step_paths_[i]);
  }
}

}  // namespace detail

void validate_scenario(Scenario& scenario, std::span<const std::string> step_paths, const SourceMap& marks,
                       DiagnosticSink& sink) {
  detail::Validator(scenario, step_paths, marks, sink).run();
}

}  // namespace flowlab::scenario
