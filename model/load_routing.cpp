// The topology file's `bgp: policies:` and `probes:`.
#include "model/topology_parser.hpp"

namespace flowlab::topology::detail {

using yaml::child;
using yaml::Entry;
using yaml::item;

namespace {

constexpr std::uint64_t kMaxIfindex = 2147483647ULL;  // ifindexes are positive ints
constexpr std::uint64_t kMaxPrepend = 32;

}  // namespace

void Parser::parse_bgp(const YAML::Node& n, Topology& t) {
  auto entries = map_entries(n, "bgp", {"policies"}, true);
  if (!entries) {
    return;
  }
  for (const auto& e : *entries) {
    auto items = list_items(e.value, "bgp.policies", true);
    if (!items) {
      continue;
    }
    for (std::size_t i = 0; i < items->size(); ++i) {
      Policy p;
      parse_policy((*items)[i], item("bgp.policies", i), p);
      t.policies.push_back(std::move(p));
    }
  }
}

void Parser::parse_policy(const YAML::Node& n, const std::string& path, Policy& p) {
  static const std::vector<std::string> kKeys{"node",    "neighbor",    "direction",         "local_pref", "med",
                                              "prepend", "communities", "large_communities", "deny"};
  p.mark = marks_.at(path);
  auto entries = map_entries(n, path, kKeys);
  if (!entries) {
    return;
  }
  require(*entries, path, {"node", "neighbor", "direction"});
  // The direction first: which other keys apply depends on it.
  std::optional<Direction> direction;
  for (const auto& e : *entries) {
    if (e.key == "direction") {
      direction = get_enum(e.value, child(path, e.key), kDirectionNames);
    }
  }
  if (direction) {
    p.direction = *direction;
  }
  for (const auto& e : *entries) {
    parse_policy_key(e, child(path, e.key), p, direction);
  }
}

void Parser::parse_policy_key(const Entry& e, const std::string& path, Policy& p, std::optional<Direction> direction) {
  if (e.key == "node") {
    p.node = get_string(e.value, path).value_or("");
  } else if (e.key == "neighbor") {
    p.neighbor = get_string(e.value, path).value_or("");
  } else if (e.key == "local_pref") {
    if (direction == Direction::kExport) {
      error(path, "local_pref applies to import policies only (this policy is export)");
    } else if (auto v = get_uint(e.value, path, 0, kMaxU32)) {
      p.local_pref = static_cast<std::uint32_t>(*v);
    }
  } else if (e.key == "med") {
    if (auto v = get_uint(e.value, path, 0, kMaxU32)) {
      p.med = static_cast<std::uint32_t>(*v);
    }
  } else if (e.key == "prepend") {
    if (direction == Direction::kImport) {
      error(path, "prepend applies to export policies only (this policy is import)");
    } else if (auto v = get_uint(e.value, path, 0, kMaxPrepend)) {
      p.prepend = static_cast<std::uint32_t>(*v);
    }
  } else if (e.key == "communities" || e.key == "large_communities") {
    const bool large = e.key == "large_communities";
    auto list = get_string_list(e.value, path);
    for (std::size_t i = 0; list && i < list->size(); ++i) {
      if (check_community((*list)[i], large, item(path, i))) {
        (large ? p.large_communities : p.communities).push_back((*list)[i]);
      }
    }
  } else if (e.key == "deny") {
    p.deny = get_prefix_list(e.value, path).value_or(std::vector<Prefix>{});
  }
}

void Parser::parse_probes(const YAML::Node& n, Topology& t) {
  static const std::vector<std::string> kKeys{"kind",    "node",     "interfaces",     "mirror",           "export",
                                              "format",  "sampling", "active_timeout", "inactive_timeout", "direction",
                                              "ifindex", "bgp",      "fault"};
  auto items = list_items(n, "probes", true);
  if (!items) {
    return;
  }
  for (std::size_t i = 0; i < items->size(); ++i) {
    const std::string path = item("probes", i);
    ProbeSpec probe;
    probe.kind = default_probe_kind(kinds_);
    probe.mark = marks_.at(path);
    if (auto entries = map_entries((*items)[i], path, kKeys)) {
      require(*entries, path, {"node", "export"});
      for (const auto& e : *entries) {
        parse_probe_key(e, child(path, e.key), probe);
      }
    }
    if (!choice_.probe.empty()) {
      probe.kind = choice_.probe;  // the run's choice; validate.cpp checks the options against it
    }
    t.probes.push_back(std::move(probe));
  }
}

void Parser::parse_probe_key(const Entry& e, const std::string& path, ProbeSpec& probe) {
  if (e.key == "kind") {
    probe.kind = get_string(e.value, path).value_or(probe.kind);  // validate.cpp checks it against the table
  } else if (e.key == "node") {
    probe.node = get_string(e.value, path).value_or("");
  } else if (e.key == "interfaces") {
    probe.interfaces = get_string_list(e.value, path).value_or(std::vector<std::string>{});
  } else if (e.key == "mirror") {
    probe.mirror = get_link_endpoint(e.value, path);
  } else if (e.key == "export") {
    probe.export_to = get_string(e.value, path).value_or("");
  } else if (e.key == "format") {
    probe.format = get_enum(e.value, path, kExportFormatNames).value_or(probe.format);
  } else if (e.key == "direction") {
    probe.direction = get_enum(e.value, path, kProbeDirectionNames).value_or(probe.direction);
  } else if (e.key == "sampling") {
    if (auto v = get_uint(e.value, path, 1, kMaxU32)) {
      probe.sampling = static_cast<std::uint32_t>(*v);
    }
  } else if (e.key == "active_timeout") {
    probe.active_timeout_s = get_timeout(e.value, path).value_or(probe.active_timeout_s);
  } else if (e.key == "inactive_timeout") {
    probe.inactive_timeout_s = get_timeout(e.value, path).value_or(probe.inactive_timeout_s);
  } else if (e.key == "bgp") {
    probe.bgp = get_bool(e.value, path).value_or(false);
  } else if (e.key == "fault") {
    probe.fault = get_fault(e.value, path);
  } else if (e.key == "ifindex") {
    if (auto ientries = map_entries(e.value, path, {}, true)) {
      for (const auto& ie : *ientries) {
        if (auto v = get_uint(ie.value, child(path, ie.key), 1, kMaxIfindex)) {
          probe.ifindex[ie.key] = static_cast<std::uint32_t>(*v);
        }
      }
    }
  }
}

}  // namespace flowlab::topology::detail
