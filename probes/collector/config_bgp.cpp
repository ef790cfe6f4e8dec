// flowcollector.yaml's `bgp:` — the speaker: local AS, router id, listeners, hold time, peers, table dumps.
#include "common/tcp_md5_key.hpp"
#include "probes/collector/config_parser.hpp"

namespace flowlab::collector::detail {

using yaml::child;
using yaml::describe;
using yaml::item;

namespace {

constexpr std::uint64_t kMaxU32 = 0xffffffffULL;

}  // namespace

void Parser::parse_bgp(const YAML::Node& n, BgpConfig& bgp) {
  auto e =
      entries(n, "bgp", {"local_as", "router_id", "listen", "hold_time", "end_of_rib_timeout", "peers", "table_dump"});
  if (!e) {
    return;
  }
  for (const auto& [key, key_node, value] : *e) {
    const std::string k = child("bgp", key);
    if (key == "local_as") {
      if (auto v = get_uint(value, k, 1, kMaxU32)) {
        bgp.local_as = static_cast<std::uint32_t>(*v);
      }
    } else if (key == "router_id") {
      auto a = get_address(value, k);
      if (a && !a->is_v4()) {
        error(k, "expected an IPv4 address, found " + describe(value));
      } else if (a) {
        bgp.router_id = *a;
      }
    } else if (key == "hold_time") {
      if (auto v = get_uint(value, k, 0, 65535)) {
        if (*v == 1 || *v == 2) {
          error(k, "expected 0 or 3..65535 seconds (RFC 4271), found " + describe(value));
        } else {
          bgp.hold_time = static_cast<std::uint16_t>(*v);
        }
      }
    } else if (key == "end_of_rib_timeout") {
      bgp.end_of_rib_timeout = get_duration(value, k).value_or(bgp.end_of_rib_timeout);
    } else if (key == "listen") {
      parse_tcp_listen(value, k, 179, bgp.listen);
    } else if (key == "peers") {
      parse_bgp_peers(value, k, bgp);
    } else if (key == "table_dump") {
      parse_table_dump(value, k, bgp);
    }
  }
}

void Parser::parse_bmp(const YAML::Node& n, BmpConfig& bmp) {
  auto e = entries(n, "bmp", {"listen", "end_of_rib_timeout"});
  if (!e) {
    return;
  }
  for (const auto& [key, key_node, value] : *e) {
    if (key == "end_of_rib_timeout") {
      bmp.end_of_rib_timeout = get_duration(value, child("bmp", key)).value_or(bmp.end_of_rib_timeout);
    } else {
      parse_tcp_listen(value, child("bmp", key), BmpConfig::kDefaultPort, bmp.listen);
    }
  }
}

void Parser::parse_tcp_listen(const YAML::Node& n, const std::string& path, std::uint16_t default_port,
                              std::vector<BgpConfig::Listen>& out) {
  auto list = list_items(n, path, true);
  for (std::size_t i = 0; list && i < list->size(); ++i) {
    const std::string where = item(path, i);
    auto le = entries((*list)[i], where, {"address", "port"});
    if (!le) {
      continue;
    }
    BgpConfig::Listen l;
    l.port = default_port;
    for (const auto& [lk, lk_node, lv] : *le) {
      if (lk == "address") {
        l.address = get_address(lv, child(where, lk)).value_or(l.address);
      } else if (auto p = get_uint(lv, child(where, lk), 0, 65535)) {
        l.port = static_cast<std::uint16_t>(*p);
      }
    }
    out.push_back(l);
  }
}

void Parser::parse_bgp_peers(const YAML::Node& n, const std::string& path, BgpConfig& bgp) {
  auto list = list_items(n, path, true);
  for (std::size_t i = 0; list && i < list->size(); ++i) {
    const std::string where = item(path, i);
    auto p = parse_bgp_peer((*list)[i], where);
    if (!p) {
      continue;
    }
    for (const auto& other : bgp.peers) {
      if (other.address == p->address) {
        error(where, "duplicate peer " + p->address.to_string());
      }
    }
    bgp.peers.push_back(*p);
  }
}

std::optional<BgpPeerConfig> Parser::parse_bgp_peer(const YAML::Node& n, const std::string& path) {
  auto pe = entries(n, path, {"address", "asn", "name", "active", "port", "password"});
  if (!pe) {
    return std::nullopt;
  }
  BgpPeerConfig p;
  bool has_address = false;
  for (const auto& [pk, pk_node, pv] : *pe) {
    const std::string k = child(path, pk);
    if (pk == "address") {
      auto a = get_address(pv, k);
      has_address = a.has_value();
      p.address = a.value_or(p.address);
    } else if (pk == "asn") {
      p.asn = static_cast<std::uint32_t>(get_uint(pv, k, 0, kMaxU32).value_or(p.asn));
    } else if (pk == "name") {
      p.name = get_string(pv, k).value_or(p.name);
    } else if (pk == "active") {
      p.active = get_bool(pv, k).value_or(p.active);
    } else if (pk == "port") {
      p.port = static_cast<std::uint16_t>(get_uint(pv, k, 1, 65535).value_or(p.port));
    } else if (pk == "password") {
      p.password = get_string(pv, k).value_or(p.password);
      if (const std::string problem = tcp_md5_key_problem(p.password); !problem.empty()) {
        error(k, problem);
      }
    }
  }
  if (!has_address && n.IsMap()) {
    error(path, "missing required key 'address'");
    return std::nullopt;
  }
  return p;
}

void Parser::parse_table_dump(const YAML::Node& n, const std::string& path, BgpConfig& bgp) {
  auto te = entries(n, path, {"path", "interval"});
  if (!te) {
    return;
  }
  for (const auto& [tk, tk_node, tv] : *te) {
    if (tk == "path") {
      bgp.table_dump_path = get_string(tv, child(path, tk)).value_or(bgp.table_dump_path);
    } else {
      bgp.table_dump_interval = get_duration(tv, child(path, tk)).value_or(bgp.table_dump_interval);
    }
  }
}

}  // namespace flowlab::collector::detail
