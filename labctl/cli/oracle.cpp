// labctl oracle TOPOLOGY [--json] [--node R] [--all] [--path SRC DST]: what the oracle predicts from the topology
// alone — every router's BGP RIB (best route, candidates, ambiguity) or, with --path, the hop-by-hop walk of a
// stream with its observations (the RIBs too only with --node or --all). SRC is a node name; DST an address or a
// node name (its first address).
#include "labctl/oracle/oracle.hpp"
#include "labctl/cli/cli.hpp"
#include "labctl/oracle/oracle_json.hpp"

#include <iostream>
#include <memory>

namespace flowlab::cli {

namespace {

using nlohmann::json;

struct OracleArgs {
  std::string file;
  std::string node;
  std::vector<std::string> path;  // SRC DST
  bool all = false;               // with --path: every router's RIB too
  bool json_out = false;
  bool ipv6 = false;  // --path with a node name as DST: use its IPv6 address
};

std::string text_path(const std::vector<std::uint32_t>& path) {
  std::string out;
  for (auto as : path) {
    out += (out.empty() ? "" : " ") + std::to_string(as);
  }
  return out.empty() ? "(local)" : out;
}

// DST: an address, or a node name (hosts: first interface address; routers: loopback) of the wanted family.
std::optional<IpAddress> destination(const topology::Topology& topo, const std::string& text, bool ipv6) {
  if (auto a = IpAddress::parse(text)) {
    return a;
  }
  const auto* n = topo.find_node(text);
  if (n == nullptr) {
    return std::nullopt;
  }
  const auto& lo = ipv6 ? n->loopback6 : n->loopback;
  if (n->is_router() && lo) {
    return *lo;
  }
  for (const auto& i : n->interfaces) {
    const auto& a = ipv6 ? i.ipv6 : i.ipv4;
    if (a) {
      return a->address;
    }
  }
  return std::nullopt;
}

void print_ribs(const oracle::Oracle& o, const std::string& only) {
  std::vector<std::vector<std::string>> rows{
      {"ROUTER", "PREFIX", "AS_PATH", "NEXT_HOP", "FROM", "LOCAL_PREF", "MED", "CANDIDATES", "DECIDED BY"}};
  for (const auto& [router, rib] : o.ribs()) {
    if (!only.empty() && router != only) {
      continue;
    }
    for (const auto& [prefix, e] : rib.entries) {
      const auto& b = e.best();
      std::string why = e.ambiguous ? "AMBIGUOUS: " + e.reason : e.reason;
      if (e.multipath > 1) {
        why += " [ECMP x" + std::to_string(e.multipath) + "]";
      }
      rows.push_back({router, prefix.to_string(), text_path(b.as_path), b.next_hop ? b.next_hop->to_string() : "-",
                      b.learned_from.empty() ? "(local)" : b.learned_from + " " + oracle::to_string(b.source),
                      std::to_string(b.local_pref), b.med ? std::to_string(*b.med) : "-",
                      std::to_string(e.candidates.size()), why});
    }
  }
  print_table(rows);
}

// `after_table`: a blank line first, after the RIB table.
void print_prediction(const oracle::Oracle::StreamPrediction& p, bool after_table) {
  std::cout << (after_table ? "\n" : "") << p.stream.from << " " << p.stream.src.to_string() << " -> "
            << p.stream.dst.to_string() << ": " << oracle::to_string(p.walk.outcome)
            << (p.walk.ambiguous ? " (ambiguous)" : "") << (p.walk.reason.empty() ? "" : " — " + p.walk.reason) << "\n";
  std::vector<std::vector<std::string>> rows{{"HOP", "NODE", "IN", "OUT", "NEXT", "VIA", "ROUTE", "NOTE"}};
  for (std::size_t i = 0; i < p.walk.hops.size(); ++i) {
    const auto& h = p.walk.hops[i];
    rows.push_back({std::to_string(i + 1), h.node, h.in_interface.empty() ? "-" : h.in_interface,
                    h.out_interface.empty() ? "-" : h.out_interface, h.next_node.empty() ? "-" : h.next_node,
                    oracle::to_string(h.via), h.route ? h.route->to_string() : "-",
                    (h.ambiguous ? "AMBIGUOUS " : "") + h.note});
  }
  print_table(rows);
  for (const auto& o : p.observations) {
    std::cout << "\nobservation: probe " << o.probe_index << " on " << o.probe_node << ", " << o.metering_router << ":"
              << o.observed_interface << " " << (o.ingress ? "ingress" : "egress") << ", collector " << o.collector
              << (o.ambiguous ? " (AMBIGUOUS: " + o.reason + ")" : "") << "\n";
    std::vector<std::vector<std::string>> fields{{"FIELD", "VALUE"}};
    for (const auto& [k, v] : o.fields) {
      fields.push_back({k, v.empty() ? "\"\"" : v});
    }
    print_table(fields);
  }
}

int run_oracle(const OracleArgs& args) {
  auto topo = load_topology_or_report(args.file);
  if (!topo) {
    return kExitUsage;
  }
  if (!args.node.empty()) {
    const auto* n = topo->find_node(args.node);
    if (n == nullptr || !n->is_router()) {
      print_error("topology " + topo->name + " has no router '" + args.node + "'");
      return kExitUsage;
    }
  }
  std::optional<oracle::Stream> stream;
  if (!args.path.empty()) {
    if (args.path.size() != 2 || topo->find_node(args.path[0]) == nullptr) {
      print_error("--path takes SRC DST: a node name and an address or node name");
      return kExitUsage;
    }
    auto dst = destination(*topo, args.path[1], args.ipv6);
    if (!dst) {
      print_error("--path: '" + args.path[1] + "' is neither an address nor a node with an address");
      return kExitUsage;
    }
    stream = oracle::Stream{args.path[0], IpAddress{}, *dst};
  }
  auto built = oracle::Oracle::build(std::move(*topo));
  if (!built.ok()) {
    print_error(built.error().to_string());
    return kExitUsage;
  }
  const auto& o = *built;
  // The RIB table: always without --path; with it only when asked for (--node R, --all).
  const bool show_ribs = !stream || !args.node.empty() || args.all;
  std::optional<oracle::Oracle::StreamPrediction> prediction;
  if (stream) {
    auto p = o.predict(*stream);
    if (!p.ok()) {
      print_error(p.error().to_string());
      return kExitUsage;
    }
    prediction = std::move(p).value();
  }
  if (args.json_out) {
    json out;
    out["topology"] = o.topology().name;
    if (!show_ribs) {
      out["path"] = oracle::to_json(*prediction);
      std::cout << out.dump(2) << "\n";
      return kExitOk;
    }
    json ribs = json::object();
    for (const auto& [router, rib] : o.ribs()) {
      if (!args.node.empty() && router != args.node) {
        continue;
      }
      json entries = json::array();
      for (const auto& [prefix, e] : rib.entries) {
        entries.push_back(oracle::to_json(e));
      }
      ribs[router] = entries;
    }
    out["ribs"] = ribs;
    if (prediction) {
      out["path"] = oracle::to_json(*prediction);
    }
    std::cout << out.dump(2) << "\n";
    return kExitOk;
  }
  if (show_ribs) {
    print_ribs(o, args.node);
  }
  if (prediction) {
    print_prediction(*prediction, show_ribs);
  }
  return kExitOk;
}

}  // namespace

void add_oracle(CLI::App& app, Cli& cli) {
  auto args = std::make_shared<OracleArgs>();
  auto* sub =
      app.add_subcommand("oracle", "Predict every router's BGP RIB and a stream's path from the topology alone");
  sub->add_option("topology", args->file, "Topology file")->required();
  sub->add_option("--node", args->node, "Only this router's RIB (with --path: also show it)");
  sub->add_flag("--all", args->all, "With --path: also show every router's RIB");
  sub->add_option("--path", args->path, "Walk a stream (alone): SRC node, DST address or node")->expected(2);
  sub->add_flag("-6,--ipv6", args->ipv6, "With --path and a node name as DST: its IPv6 address");
  sub->add_flag("--json", args->json_out, "Machine-readable output");
  sub->callback([args, &cli] { cli.action = [args] { return run_oracle(*args); }; });
}

}  // namespace flowlab::cli
