#include "model/loader.hpp"

#include "common/yaml_diagnostics.hpp"
#include "model/derive.hpp"
#include "model/duration.hpp"
#include "model/feeds.hpp"
#include "model/kinds.hpp"
#include "model/topology_parser.hpp"
#include "model/validate.hpp"
#include "model/validate_collector_as.hpp"
#include "model/validate_store.hpp"

#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <fstream>
#include <map>
#include <sstream>

namespace flowlab::topology::detail {

using yaml::child;
using yaml::describe;
using yaml::item;
using yaml::mark_of;

namespace {

constexpr std::size_t kMaxLabName = 16;
constexpr std::size_t kMaxIfName = 15;

}  // namespace

std::optional<IpAddress> Parser::get_address(const YAML::Node& n, const std::string& path, Family family,
                                             std::string_view other_key) {
  const std::string_view fam = family == Family::kIpv4 ? "IPv4" : "IPv6";
  auto s = get_scalar(n, path, std::string("an ") + std::string(fam) + " address");
  if (!s) {
    return std::nullopt;
  }
  auto a = IpAddress::parse(*s);
  if (!a) {
    error(path, "expected an " + std::string(fam) + " address, found '" + *s + "'");
    return std::nullopt;
  }
  if (a->family != family) {
    std::string msg = "expected an " + std::string(fam) + " address, found the " + (a->is_v4() ? "IPv4" : "IPv6") +
                      " address '" + *s + "'";
    if (!other_key.empty()) {
      msg += " (" + std::string(a->is_v4() ? "IPv4" : "IPv6") + " goes in '" + std::string(other_key) + "')";
    }
    error(path, msg);
    return std::nullopt;
  }
  return a;
}

std::optional<Prefix> Parser::get_subnet(const YAML::Node& n, const std::string& path, Family family) {
  auto p = get_prefix(n, path, family);
  if (!p) {
    return std::nullopt;
  }
  if (p->length >= p->address.max_prefix_len()) {
    error(path, p->to_string() + " is too small for two addresses (use /" +
                    std::to_string(p->address.max_prefix_len() - 1) + " or shorter)");
    return std::nullopt;
  }
  return p;
}

std::optional<Endpoint> Parser::get_link_endpoint(const YAML::Node& n, const std::string& path) {
  auto ep = get_endpoint(n, path);
  if (!ep) {
    return std::nullopt;
  }
  const std::string& ifname = ep->interface;
  if (ifname.size() > kMaxIfName) {
    error(path, "interface name '" + ifname + "' is " + std::to_string(ifname.size()) +
                    " bytes, longer than Linux's limit of 15");
    return std::nullopt;
  }
  if (ifname == "lo") {
    error(path, "interface name 'lo' is reserved (the loopback)");
    return std::nullopt;
  }
  if (ifname == "mgmt0") {
    error(path, "interface name 'mgmt0' is reserved (the management interface)");
    return std::nullopt;
  }
  bool chars_ok = std::all_of(ifname.begin(), ifname.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' || c == '.' ||
           c == '-';
  });
  if (!chars_ok) {
    error(path, "interface name '" + ifname + "' may only contain letters, digits, '_', '.' and '-'");
    return std::nullopt;
  }
  return ep;
}

std::optional<std::uint32_t> Parser::get_timeout(const YAML::Node& n, const std::string& path) {
  auto s = get_scalar(n, path, "a duration like 10s, 2m or 500ms");
  if (!s) {
    return std::nullopt;
  }
  auto ms = parse_duration_ms(*s);
  if (!ms) {
    error(path, "expected a duration like 10s, 2m or 500ms, found '" + *s + "'");
    return std::nullopt;
  }
  if (*ms % 1000 != 0 || *ms == 0) {
    error(path, "'" + *s + "' is not a whole number of seconds >= 1s (flow export timeouts have 1 s resolution)");
    return std::nullopt;
  }
  if (*ms / 1000 > kMaxU32) {
    error(path, "'" + *s + "' is too long");
    return std::nullopt;
  }
  return static_cast<std::uint32_t>(*ms / 1000);
}

bool Parser::check_kind(const YAML::Node& n, const std::string& path, std::string& kind) {
  auto s = get_string(n, path);
  if (!s) {
    return false;
  }
  kind = *s;
  if (!role_of_kind(kinds_, *s)) {
    error(path, "unknown kind '" + *s + "' (known kinds: " + kind_list(kinds_) + ")");
    return false;
  }
  return true;
}

void Parser::parse_document(const YAML::Node& root, Topology& t) {
  marks_.set("", Mark{1, 1});
  if (!root.IsMap()) {
    error_at(mark_of(root).line != 0 ? mark_of(root) : Mark{1, 1},
             "expected a map with at least 'name' and 'nodes' at the top level, found " + describe(root));
    return;
  }
  static const std::vector<std::string> kTop{"name", "defaults", "nodes", "links", "bgp", "probes", "mgmt"};
  auto entries = map_entries(root, "", kTop);
  if (!entries) {
    return;
  }
  require(*entries, "", {"name", "nodes"});
  std::map<std::string, YAML::Node> by_key;
  for (const auto& e : *entries) {
    by_key[e.key] = e.value;
  }
  // defaults first: they shape how nodes and links are read.
  if (auto it = by_key.find("defaults"); it != by_key.end()) {
    parse_defaults(it->second, t);
  }
  if (auto it = by_key.find("name"); it != by_key.end()) {
    parse_name(it->second, t);
  }
  if (auto it = by_key.find("nodes"); it != by_key.end()) {
    parse_nodes(it->second, t);
  }
  if (auto it = by_key.find("links"); it != by_key.end()) {
    parse_links(it->second, t);
  }
  if (auto it = by_key.find("bgp"); it != by_key.end()) {
    parse_bgp(it->second, t);
  }
  if (auto it = by_key.find("probes"); it != by_key.end()) {
    parse_probes(it->second, t);
  }
  if (auto it = by_key.find("mgmt"); it != by_key.end()) {
    parse_mgmt(it->second, t);
  }
}

void Parser::parse_defaults(const YAML::Node& n, Topology& t) {
  auto entries = map_entries(n, "defaults", {"kind", "ipv6"}, true);
  if (!entries) {
    return;
  }
  for (const auto& e : *entries) {
    const std::string path = child("defaults", e.key);
    if (e.key == "kind") {
      default_kind_ok_ = check_kind(e.value, path, t.default_kind);
    } else if (e.key == "ipv6") {
      if (auto b = get_bool(e.value, path)) {
        t.ipv6 = *b;
      }
    }
  }
}

void Parser::parse_name(const YAML::Node& n, Topology& t) {
  auto s = get_string(n, "name");
  if (!s) {
    return;
  }
  t.name = *s;
  if (s->size() > kMaxLabName) {
    error("name", "lab name '" + *s + "' is " + std::to_string(s->size()) +
                      " bytes, longer than 16 (it prefixes every namespace: fl-<lab>-<node>)");
  } else if (!name_chars_ok(*s, "-")) {
    error("name",
          "lab name '" + *s +
              "' must match ^[a-z][a-z0-9-]{0,15}$ (a lowercase letter, then lowercase letters, digits or '-')");
  }
}

void Parser::parse_links(const YAML::Node& n, Topology& t) {
  auto items = list_items(n, "links", true);
  if (!items) {
    return;
  }
  for (std::size_t i = 0; i < items->size(); ++i) {
    const std::string path = item("links", i);
    Link link;
    link.mark = marks_.at(path);
    auto entries = map_entries((*items)[i], path, {"endpoints", "ipv4", "ipv6", "mtu", "cost"});
    if (!entries) {
      t.links.push_back(std::move(link));
      continue;
    }
    require(*entries, path, {"endpoints"});
    for (const auto& e : *entries) {
      const std::string kpath = child(path, e.key);
      if (e.key == "endpoints") {
        parse_link_endpoints(e.value, kpath, link);
      } else if (e.key == "ipv4") {
        link.ipv4 = get_subnet(e.value, kpath, Family::kIpv4);
      } else if (e.key == "ipv6") {
        link.ipv6 = get_subnet(e.value, kpath, Family::kIpv6);
      } else if (e.key == "mtu") {
        if (auto v = get_uint(e.value, kpath, 68, 65535)) {
          link.mtu = static_cast<std::uint32_t>(*v);
        }
      } else if (e.key == "cost") {
        if (auto v = get_uint(e.value, kpath, 1, 65535)) {
          link.ospf_cost = static_cast<std::uint32_t>(*v);
        }
      }
    }
    t.links.push_back(std::move(link));
  }
}

void Parser::parse_link_endpoints(const YAML::Node& n, const std::string& path, Link& link) {
  auto eps = list_items(n, path);
  if (!eps) {
    return;
  }
  if (eps->size() != 2) {
    error(path, "expected a list of two 'node:interface' entries, found " + std::to_string(eps->size()) +
                    (eps->size() == 1 ? " entry" : " entries"));
    return;
  }
  if (auto a = get_link_endpoint((*eps)[0], item(path, 0))) {
    link.a = *a;
  }
  if (auto b = get_link_endpoint((*eps)[1], item(path, 1))) {
    link.b = *b;
  }
}

void Parser::parse_mgmt(const YAML::Node& n, Topology& t) {
  auto entries = map_entries(n, "mgmt", {"ipv4", "ipv6"}, true);
  if (!entries) {
    return;
  }
  for (const auto& e : *entries) {
    const std::string kpath = child("mgmt", e.key);
    if (e.key == "ipv4") {
      if (auto p = get_subnet(e.value, kpath, Family::kIpv4)) {
        t.mgmt_subnet4 = *p;
      }
    } else if (auto p = get_subnet(e.value, kpath, Family::kIpv6)) {
      t.mgmt_subnet6 = *p;
    }
  }
}

}  // namespace flowlab::topology::detail

namespace flowlab::topology {
namespace {

LoadResult finish(Topology t, KindTable kinds, const SourceMap& marks, DiagnosticSink& sink) {
  validate_topology(t, kinds, marks, sink);
  validate_collector_as(t, kinds, marks, sink);
  validate_stores(t, kinds, marks, sink);
  if (sink.empty()) {
    derive_topology(t, marks, sink);
  }
  if (sink.empty()) {
    check_feeds(t, marks, sink);  // tee chains: needs the derived mgmt addresses
  }
  LoadResult out;
  out.diagnostics = sink.take();
  if (out.diagnostics.empty()) {
    out.topology = std::move(t);
  }
  return out;
}

}  // namespace

std::string LoadResult::error_text() const {
  std::string out;
  for (const auto& d : diagnostics) {
    out += d.to_string() + "\n";
  }
  return out;
}

LoadResult load_topology_string(std::string_view yaml, KindTable kinds, std::string file_name,
                                const KindChoice& choice) {
  Topology t;
  t.source_file = file_name;
  t.kinds = choice;
  DiagnosticSink sink(std::move(file_name));
  SourceMap marks;
  detail::Parser parser(sink, marks, kinds, choice);
  try {
    const YAML::Node root = parser.load(yaml);
    parser.parse_document(root, t);
  } catch (const YAML::Exception& e) {
    parser.exception(e);
    LoadResult out;
    out.diagnostics = sink.take();
    return out;
  }
  return finish(std::move(t), kinds, marks, sink);
}

LoadResult load_topology_file(const std::filesystem::path& file, KindTable kinds, const KindChoice& choice) {
  std::ifstream in(file, std::ios::binary);
  if (!in) {
    LoadResult out;
    out.diagnostics.push_back(Diagnostic{file.string(), Mark{}, "cannot open the topology file"});
    return out;
  }
  std::ostringstream text;
  text << in.rdbuf();
  return load_topology_string(text.str(), kinds, file.string(), choice);
}

LoadResult finish_topology(Topology topology, KindTable kinds) {
  DiagnosticSink sink(topology.source_file.empty() ? "<topology>" : topology.source_file);
  for (auto& n : topology.nodes) {
    if (auto role = role_of_kind(kinds, n.kind)) {
      n.role = *role;
    }
  }
  for (auto& p : topology.probes) {
    if (p.kind.empty()) {
      p.kind = default_probe_kind(kinds);
    }
  }
  SourceMap marks;
  return finish(std::move(topology), kinds, marks, sink);
}

}  // namespace flowlab::topology
