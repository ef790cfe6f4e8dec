// labctl inspect [NAME] [--json]: nodes, namespaces, addresses, mgmt IPs, processes, BGP session states (the last two
// read as the live view reads them: ui::add_node_status).
#include "labctl/cli/cli.hpp"
#include "labctl/lab/state.hpp"
#include "labctl/ui/live.hpp"

#include <iostream>
#include <memory>

namespace flowlab::cli {

namespace {

using nlohmann::json;

struct InspectArgs {
  std::string lab;
  bool json_out = false;
};

std::string opt_addr(const std::optional<Prefix>& p) { return p ? p->to_string() : ""; }

json describe_lab(const topology::Topology& topo, const lab::State& state, const Cli& cli) {
  auto options = cli.lab_options(false);
  json out{{"lab", topo.name},
           {"status", state.status},
           {"topology_file", state.topology_file},
           {"rundir", lab::lab_dir(lab::lab_rundir(topo.name, options), topo.name).string()},
           {"mgmt_namespace", topo.mgmt_namespace()},
           {"mgmt_subnet", topo.mgmt_subnet4.to_string()}};
  json nodes = json::array();
  for (const auto& node : topo.nodes) {
    json n{{"name", node.name},
           {"kind", node.kind},
           {"namespace", node.namespace_name},
           {"asn", node.asn},
           {"mgmt", node.mgmt4.to_string()},
           {"loopback", node.loopback ? node.loopback->to_string() : ""},
           {"loopback6", node.loopback6 ? node.loopback6->to_string() : ""}};
    json ifaces = json::array();
    for (const auto& i : node.interfaces) {
      ifaces.push_back({{"name", i.name},
                        {"ipv4", opt_addr(i.ipv4)},
                        {"ipv6", opt_addr(i.ipv6)},
                        {"peer", i.peer_node + ":" + i.peer_interface}});
    }
    n["interfaces"] = ifaces;
    ui::add_node_status(n, topo, node, state, options);
    nodes.push_back(n);
  }
  out["nodes"] = nodes;
  return out;
}

void print_lab_text(const json& lab) {
  std::cout << "lab " << lab["lab"].get<std::string>() << " (" << lab["status"].get<std::string>() << ")  run dir "
            << lab["rundir"].get<std::string>() << "  mgmt " << lab["mgmt_subnet"].get<std::string>() << " in "
            << lab["mgmt_namespace"].get<std::string>() << "\n\n";
  std::vector<std::vector<std::string>> rows{{"NODE", "KIND", "ASN", "NAMESPACE", "MGMT", "LOOPBACK", "PROCESSES"}};
  for (const auto& n : lab["nodes"]) {
    std::string procs;
    for (const auto& p : n["processes"]) {
      procs += (procs.empty() ? "" : " ") + p["name"].get<std::string>() + ":" + std::to_string(p["pid"].get<int>()) +
               (p["alive"].get<bool>() ? "" : "(dead)");
    }
    auto asn = n["asn"].get<std::uint32_t>();
    rows.push_back({n["name"], n["kind"], asn == 0 ? "-" : std::to_string(asn), n["namespace"], n["mgmt"],
                    n["loopback"].get<std::string>().empty() ? "-" : n["loopback"].get<std::string>(),
                    procs.empty() ? "-" : procs});
  }
  print_table(rows);
  std::cout << "\n";
  std::vector<std::vector<std::string>> ifrows{{"NODE", "INTERFACE", "IPV4", "IPV6", "PEER"}};
  for (const auto& n : lab["nodes"]) {
    for (const auto& i : n["interfaces"]) {
      ifrows.push_back({n["name"], i["name"], i["ipv4"], i["ipv6"], i["peer"]});
    }
  }
  print_table(ifrows);
  std::cout << "\n";
  std::vector<std::vector<std::string>> srows{{"NODE", "NEIGHBOR", "ASN", "STATE", "PREFIXES"}};
  for (const auto& n : lab["nodes"]) {
    for (const auto& s : n["bgp_sessions"]) {
      srows.push_back({n["name"], s["neighbor"], std::to_string(s["asn"].get<std::uint32_t>()), s["state"],
                       std::to_string(s["prefixes_received"].get<std::uint32_t>())});
    }
    if (n.contains("error")) {
      srows.push_back({n["name"], "-", "-", "error: " + n["error"].get<std::string>(), "-"});
    }
  }
  print_table(srows);
}

int run_inspect(const InspectArgs& args, const Cli& cli) {
  auto options = cli.lab_options(false);
  if (args.lab.empty()) {
    json labs = json::array();
    for (const auto& name : lab::existing_labs(options)) {
      const auto rundir = lab::lab_rundir(name, options);  // whatever --rundir it was deployed under
      auto state = lab::read_state(rundir, name);
      labs.push_back({{"lab", name},
                      {"status", state.ok() ? state->status : "orphaned (no state file)"},
                      {"rundir", rundir.string()},
                      {"namespaces", state.ok() ? state->namespaces.size() : 0},
                      {"processes", state.ok() ? state->processes.size() : 0}});
    }
    if (args.json_out) {
      std::cout << json{{"labs", labs}}.dump(2) << "\n";
    } else {
      std::vector<std::vector<std::string>> rows{{"LAB", "STATUS", "RUNDIR", "NAMESPACES", "PROCESSES"}};
      for (const auto& l : labs) {
        rows.push_back({l["lab"], l["status"], l["rundir"], std::to_string(l["namespaces"].get<std::size_t>()),
                        std::to_string(l["processes"].get<std::size_t>())});
      }
      print_table(rows);
    }
    return kExitOk;
  }
  auto topo = load_lab_or_report(args.lab, cli);
  if (!topo) {
    return kExitUsage;
  }
  auto state = lab::read_state(lab::lab_rundir(args.lab, options), args.lab);
  lab::State st = state.ok() ? *state : lab::State{};
  json lab = describe_lab(*topo, st, cli);
  if (args.json_out) {
    std::cout << lab.dump(2) << "\n";
  } else {
    print_lab_text(lab);
  }
  return kExitOk;
}

}  // namespace

void add_inspect(CLI::App& app, Cli& cli) {
  auto args = std::make_shared<InspectArgs>();
  auto* sub = app.add_subcommand("inspect", "Show labs, or one lab's nodes, addresses, processes and BGP sessions");
  sub->add_option("lab", args->lab, "Lab name (none: list labs)");
  sub->add_flag("--json", args->json_out, "Machine-readable output");
  sub->callback([args, &cli] { cli.action = [args, &cli] { return run_inspect(*args, cli); }; });
}

}  // namespace flowlab::cli
