#include "labctl/lab/lab.hpp"
#include "nodes/core/driver.hpp"

#include "labctl/lab/lab_detail.hpp"

#include "common/files.hpp"
#include "common/poll.hpp"
#include "common/strings.hpp"

#include "model/loader.hpp"
#include "nodes/core/probe_driver.hpp"
#include "nodes/probe/flowprobe.hpp"
#include "platform/netns/netns.hpp"

#include <signal.h>
#include <sys/stat.h>

#include <algorithm>
#include <fstream>
#include <map>
#include <numeric>
#include <regex>
#include <set>
#include <thread>

namespace flowlab::lab {
namespace fs = std::filesystem;
using topology::Node;
using topology::Role;
using topology::Topology;

namespace {

using detail::remove_leftovers;
using detail::say;
using detail::stop_all;
using detail::write_index;

std::string mgmt_peer_name(const Node& node) { return node.name; }  // the node's port on the mgmt bridge

// Everything deploy does, step by step; each step records intent in the state file first.
class Deployer {
 public:
  Deployer(const Topology& topo, const Options& options) : topo_(topo), options_(options) {
    state_.lab = topo.name;
    state_.topology_file = topo.source_file;
    state_.status = "deploying";
  }

  // Driving a deployed lab (restart): its recorded state instead of a fresh one.
  Deployer(const Topology& topo, const Options& options, State state)
      : topo_(topo), options_(options), state_(std::move(state)) {}

  Status run() {
    FLOWLAB_TRY(prepare_run_dir());
    FLOWLAB_TRY(create_namespaces());
    FLOWLAB_TRY(build_mgmt_network());
    FLOWLAB_TRY(build_links());
    FLOWLAB_TRY(configure_nodes());
    FLOWLAB_TRY(start_nodes());
    FLOWLAB_TRY(wait_ready());
    FLOWLAB_TRY(start_probes());
    state_.status = "deployed";
    return write_state(options_.rundir, state_);
  }

  // Stops every process of `node` (its daemons and the probes running in it), then starts them again the way
  // deploy does and waits until they are ready. Other nodes are not touched.
  Status restart(const Node& node) {
    std::vector<process::ProcessRef> mine;
    std::vector<process::ProcessRef> others;
    for (const auto& p : state_.processes) {
      (p.node == node.name ? mine : others).push_back(p);
    }
    FLOWLAB_TRY(stop_all(mine));
    state_.leftovers = remove_leftovers(state_.leftovers);
    state_.processes = std::move(others);
    FLOWLAB_TRY(save());
    FLOWLAB_TRY(start_node(node));
    FLOWLAB_TRY(wait_ready({node.name}));
    std::vector<std::size_t> probes;
    for (std::size_t i = 0; i < topo_.probes.size(); ++i) {
      if (topo_.probes[i].node == node.name) {
        probes.push_back(i);
      }
    }
    return start_probes(probes);
  }

 private:
  Status save() { return write_state(options_.rundir, state_); }

  Status prepare_run_dir() {
    fs::path dir = lab_dir(options_.rundir, topo_.name);
    std::error_code ec;
    fs::create_directories(dir, ec);
    if (ec) {
      return fail(ErrorKind::kIo, "creating " + dir.string() + ": " + ec.message());
    }
    FLOWLAB_TRY(save());
    write_index(topo_.name, options_.rundir, options_);
    if (!topo_.source_file.empty()) {
      FLOWLAB_TRY(copy_topology(dir / "topology.yaml"));
    }
    for (const auto& node : topo_.nodes) {
      fs::create_directories(dir / node.name, ec);
      if (ec) {
        return fail(ErrorKind::kIo, "creating " + (dir / node.name).string() + ": " + ec.message());
      }
    }
    return {};
  }

  // The lab's copy of its topology, which a deployed lab is reloaded from (labctl flows, inspect, ...): the file
  // as given; with a run's kind choice (labctl run --collector/--probe, a scenario's kinds:) written into it, so it
  // names the kinds that run.
  Status copy_topology(const fs::path& to) const {
    std::error_code ec;
    if (topo_.kinds.empty()) {
      fs::copy_file(topo_.source_file, to, fs::copy_options::overwrite_existing, ec);
      return ec ? fail(ErrorKind::kIo, "copying " + topo_.source_file + ": " + ec.message()) : Status{};
    }
    auto text = read_text_file(topo_.source_file);
    FLOWLAB_TRY(text);
    auto chosen = topology::topology_text_with_kinds(*text, nodes::kinds(), topo_.kinds);
    if (!chosen.ok()) {
      return fail(ErrorKind::kIo, "copying " + topo_.source_file + ": " + chosen.error().message);
    }
    std::ofstream out(to, std::ios::binary | std::ios::trunc);
    out << "# " << topo_.source_file << " as deployed with the run's kinds (collector: "
        << (topo_.kinds.collector.empty() ? "as the file says" : topo_.kinds.collector)
        << ", probe: " << (topo_.kinds.probe.empty() ? "as the file says" : topo_.kinds.probe)
        << "), written by labctl\n"
        << *chosen;
    return out ? Status{} : fail(ErrorKind::kIo, "writing " + to.string());
  }

  Status create_namespaces() {
    std::vector<std::string> names{topo_.mgmt_namespace()};
    for (const auto& node : topo_.nodes) {
      names.push_back(node.namespace_name);
    }
    say(options_, "creating " + std::to_string(names.size()) + " namespaces");
    state_.namespaces = names;
    FLOWLAB_TRY(save());
    for (const auto& ns : names) {
      FLOWLAB_TRY(netns::create_namespace(ns));
      auto sock = netns::NetlinkSocket::open(ns);
      FLOWLAB_TRY(sock);
      FLOWLAB_TRY(sock->set_up("lo"));
      sockets_.emplace(ns, std::move(*sock));
    }
    return {};
  }

  netns::NetlinkSocket& socket(const std::string& ns) { return sockets_.at(ns); }

  Status build_mgmt_network() {
    say(options_, "building the management network (" + topo_.mgmt_subnet4.to_string() + ")");
    const std::string mgmt = topo_.mgmt_namespace();
    auto& msock = socket(mgmt);
    FLOWLAB_TRY(netns::write_sysctls(mgmt, netns::host_sysctls()));
    FLOWLAB_TRY(msock.create_bridge("br0"));
    FLOWLAB_TRY(msock.set_up("br0"));
    for (const auto& node : topo_.nodes) {
      auto& nsock = socket(node.namespace_name);
      FLOWLAB_TRY(nsock.create_veth("mgmt0", mgmt, mgmt_peer_name(node), 1500));
      FLOWLAB_TRY(msock.set_master(mgmt_peer_name(node), "br0"));
      FLOWLAB_TRY(msock.set_up(mgmt_peer_name(node)));
    }
    return {};
  }

  Status build_links() {
    say(options_, "creating " + std::to_string(topo_.links.size()) + " links");
    for (const auto& link : topo_.links) {
      const Node* a = topo_.find_node(link.a.node);
      const Node* b = topo_.find_node(link.b.node);
      FLOWLAB_TRY(
          socket(a->namespace_name).create_veth(link.a.interface, b->namespace_name, link.b.interface, link.mtu));
    }
    // SPAN links of mirror probes: the mirrored router's mir<N> to the probe node's span<N>.
    for (std::size_t i = 0; i < topo_.probes.size(); ++i) {
      const auto& probe = topo_.probes[i];
      if (!probe.mirror) {
        continue;
      }
      const Node* router = topo_.find_node(probe.mirror->node);
      const Node* node = topo_.find_node(probe.node);
      auto& rsock = socket(router->namespace_name);
      FLOWLAB_TRY(rsock.create_veth(nodes::mirror_port(i), node->namespace_name, nodes::span_interface(i), 1500));
      FLOWLAB_TRY(rsock.set_up(nodes::mirror_port(i)));
      FLOWLAB_TRY(socket(node->namespace_name).set_up(nodes::span_interface(i)));
      FLOWLAB_TRY(netns::mirror_interface(router->namespace_name, probe.mirror->interface, nodes::mirror_port(i)));
    }
    return {};
  }

  Status configure_nodes() {
    say(options_, "configuring addresses, routes and sysctls");
    for (const auto& node : topo_.nodes) {
      auto& sock = socket(node.namespace_name);
      FLOWLAB_TRY(netns::write_sysctls(node.namespace_name,
                                       node.is_router() ? netns::router_sysctls() : netns::host_sysctls()));
      FLOWLAB_TRY(sock.add_address("mgmt0", node.mgmt4));
      if (node.mgmt6) {
        FLOWLAB_TRY(sock.add_address("mgmt0", *node.mgmt6));
      }
      FLOWLAB_TRY(sock.set_up("mgmt0"));
      if (node.loopback) {
        FLOWLAB_TRY(sock.add_address("lo", Prefix{*node.loopback, 32}));
      }
      if (node.loopback6) {
        FLOWLAB_TRY(sock.add_address("lo", Prefix{*node.loopback6, 128}));
      }
      if (std::any_of(topo_.sessions.begin(), topo_.sessions.end(), [&](const topology::BgpSession& session) {
            return session.to_probe && session.local_node == node.name;
          })) {
        // Model 1: the router's end of its flowprobe session on lo, the probe's end local (topology::kProbeBgp*).
        const auto pair = *Prefix::parse(topology::kProbeBgpPrefix);
        FLOWLAB_TRY(sock.add_address("lo", Prefix{*IpAddress::parse(topology::kProbeBgpRouterAddress), pair.length}));
        FLOWLAB_TRY(sock.add_local_route(Prefix{*IpAddress::parse(topology::kProbeBgpProbeAddress), 32}, "lo"));
      }
      for (const auto& iface : node.interfaces) {
        if (iface.ipv4) {
          FLOWLAB_TRY(sock.add_address(iface.name, *iface.ipv4));
        }
        if (iface.ipv6) {
          FLOWLAB_TRY(sock.add_address(iface.name, *iface.ipv6));
        }
        FLOWLAB_TRY(sock.set_up(iface.name));
      }
      if (node.role == Role::kHost) {
        if (node.gateway4) {
          FLOWLAB_TRY(sock.add_route(*Prefix::parse("0.0.0.0/0"), *node.gateway4, std::nullopt));
        }
        if (node.gateway6) {
          FLOWLAB_TRY(sock.add_route(*Prefix::parse("::/0"), *node.gateway6, std::nullopt));
        }
      }
    }
    return {};
  }

  // Start order: every non-tee node in file order, then tees with each tee after the tees it sends to, so that
  // receivers listen before a sender sends (probes start only after all nodes are ready).
  std::vector<const Node*> start_order() const {
    std::vector<const Node*> order;
    std::vector<const Node*> tees;
    for (const auto& node : topo_.nodes) {  // stores first: a collector creates its store's schema at start
      if (node.role == Role::kStore) {
        order.push_back(&node);
      }
    }
    for (const auto& node : topo_.nodes) {
      if (node.role != Role::kStore) {
        (node.role == Role::kTee ? tees : order).push_back(&node);
      }
    }
    std::set<std::string> placed;
    while (!tees.empty()) {
      const std::size_t before = tees.size();
      for (auto it = tees.begin(); it != tees.end();) {
        const bool receivers_up = std::all_of((*it)->receivers.begin(), (*it)->receivers.end(), [&](const auto& r) {
          const Node* n = topo_.find_node(r);
          return n == nullptr || n->role != Role::kTee || placed.count(r) != 0;
        });
        if (receivers_up) {
          placed.insert((*it)->name);
          order.push_back(*it);
          it = tees.erase(it);
        } else {
          ++it;
        }
      }
      if (tees.size() == before) {  // a loop (validation rejects it): keep file order
        order.insert(order.end(), tees.begin(), tees.end());
        break;
      }
    }
    return order;
  }

  Status start_nodes() {
    std::size_t daemons = 0;
    std::set<std::string> stores;  // started, not yet waited for
    for (const Node* node_ptr : start_order()) {
      if (node_ptr->role != Role::kStore && !stores.empty()) {
        FLOWLAB_TRY(wait_ready(stores));  // the collectors insert into them from their start on
        stores.clear();
      }
      const std::size_t before = state_.processes.size();
      FLOWLAB_TRY(start_node(*node_ptr));
      daemons += state_.processes.size() - before;
      if (node_ptr->role == Role::kStore) {
        stores.insert(node_ptr->name);
      }
    }
    say(options_, "started " + std::to_string(daemons) + " daemons");
    return {};
  }

  // Renders the node's config and starts its programs in order.
  Status start_node(const Node& node) {
    const nodes::NodeDriver* driver = nodes::find_driver(node.kind);
    if (driver == nullptr) {
      return fail(ErrorKind::kConfig, "no driver for kind '" + node.kind + "' (node " + node.name + ")");
    }
    auto ctx = node_context(topo_, node, options_);
    FLOWLAB_TRY(driver->render(ctx));
    auto specs = driver->programs(ctx);
    for (std::size_t index = 0; index < specs.size(); ++index) {
      auto spec = specs[index];
      if (spec.netns.empty()) {
        spec.netns = node.namespace_name;
      }
      if (spec.log_file.empty()) {
        spec.log_file = ctx.dir / (spec.name + ".log");
      }
      auto ref = process::start(spec);
      if (!ref.ok()) {
        return fail(ref.error().kind, "node " + node.name + ": " + ref.error().message);
      }
      ref->node = node.name;
      state_.processes.push_back(*ref);
      for (const auto& path : driver->leftovers(*ref)) {
        state_.leftovers.push_back({ref->pid, ref->start_time, path.string()});
      }
      FLOWLAB_TRY(save());
      // The next program of this node may depend on this one (FRR daemons on zebra's socket).
      auto deadline = std::chrono::steady_clock::now() + options_.ready_timeout;
      while (index + 1 < specs.size()) {
        auto next_ok = driver->program_ready(ctx, index);
        if (next_ok.ok() && *next_ok) {
          break;
        }
        if (!process::alive(*ref) || std::chrono::steady_clock::now() > deadline) {
          return fail(ErrorKind::kProcess,
                      spec.name + " on node " + node.name + " did not come up; see " + spec.log_file.string());
        }
        std::this_thread::sleep_for(std::chrono::milliseconds(20));
      }
    }
    return {};
  }

  Status wait_ready() {
    std::set<std::string> all;
    for (const auto& node : topo_.nodes) {
      all.insert(node.name);
    }
    FLOWLAB_TRY(wait_ready(all));
    say(options_, "all " + std::to_string(topo_.nodes.size()) + " nodes ready");
    return {};
  }

  Status wait_ready(std::set<std::string> pending) {
    auto deadline = std::chrono::steady_clock::now() + options_.ready_timeout;
    while (!pending.empty()) {
      for (auto it = pending.begin(); it != pending.end();) {
        const Node* node = topo_.find_node(*it);
        const nodes::NodeDriver* driver = nodes::find_driver(node->kind);
        auto ready = driver->ready(node_context(topo_, *node, options_));
        if (ready.ok() && *ready) {
          it = pending.erase(it);
        } else {
          ++it;
        }
      }
      for (const auto& p : state_.processes) {
        if (!process::alive(p)) {
          return fail(ErrorKind::kProcess,
                      p.name + " on node " + p.node + " exited during start-up; see " +
                          (lab_dir(options_.rundir, topo_.name) / p.node / (p.name + ".log")).string());
        }
      }
      if (pending.empty()) {
        break;
      }
      if (std::chrono::steady_clock::now() > deadline) {
        std::string names;
        for (const auto& n : pending) {
          names += (names.empty() ? "" : ", ") + n;
        }
        return fail(ErrorKind::kTimeout,
                    "nodes not ready after " + std::to_string(options_.ready_timeout.count() / 1000) + " s: " + names);
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    return {};
  }

  // flowprobe for every `probes:` entry, once the routers are up; ready when its captures are open (pid file).
  Status start_probes() {
    std::vector<std::size_t> all(topo_.probes.size());
    std::iota(all.begin(), all.end(), std::size_t{0});
    return start_probes(all);
  }

  // Starts process `instance` of probe `i` (a kind may run one per capture interface); returns its ready file and
  // process, recorded in the lab state.
  Result<std::pair<fs::path, process::ProcessRef>> start_probe(std::size_t i, std::size_t instance) {
    const Node* node = topo_.find_node(topo_.probes[i].node);
    const nodes::ProbeDriver& driver = nodes::probe_driver(topo_.probes[i]);
    nodes::ProbeContext ctx{&topo_, i, node_context(topo_, *node, options_).dir};
    ctx.instance = instance;
    auto spec = driver.spec(ctx);
    FLOWLAB_TRY(spec);
    for (const auto& stale : driver.stale_files(ctx)) {
      std::error_code ec;
      fs::remove(stale, ec);
    }
    auto ref = process::start(*spec);
    if (!ref.ok()) {
      return fail(ref.error().kind, "probe on node " + node->name + ": " + ref.error().message);
    }
    ref->node = node->name;
    state_.processes.push_back(*ref);
    FLOWLAB_TRY(save());
    return std::make_pair(driver.ready_file(ctx), *ref);
  }

  Status start_probes(const std::vector<std::size_t>& which) {
    if (which.empty()) {
      return {};
    }
    std::vector<std::pair<fs::path, process::ProcessRef>> started;
    for (const std::size_t i : which) {
      const nodes::ProbeDriver& driver = nodes::probe_driver(topo_.probes[i]);
      for (std::size_t instance = 0; instance < driver.instances(topo_.probes[i]); ++instance) {
        auto ref = start_probe(i, instance);
        FLOWLAB_TRY(ref);
        started.push_back(*ref);
      }
    }
    const auto deadline = std::chrono::steady_clock::now() + options_.ready_timeout;
    for (const auto& entry : started) {
      const fs::path& pidfile = entry.first;
      const process::ProcessRef& ref = entry.second;
      if (!poll_until([&] { return fs::exists(pidfile) || !process::alive(ref); }, deadline,
                      std::chrono::milliseconds(10)) ||
          !fs::exists(pidfile)) {
        return fail(ErrorKind::kProcess,
                    ref.name + " on node " + ref.node + " did not start; see " +
                        (lab_dir(options_.rundir, topo_.name) / ref.node / (ref.name + ".log")).string());
      }
    }
    say(options_, "started " + std::to_string(started.size()) + " probes");
    return {};
  }

  const Topology& topo_;
  const Options& options_;
  State state_;
  std::map<std::string, netns::NetlinkSocket> sockets_;
};

}  // namespace

void rename_lab(Topology& topo, const std::string& name) {
  topo.name = name;
  for (auto& node : topo.nodes) {
    node.namespace_name = topo.namespace_of(node.name);
  }
}

bool valid_lab_name(const std::string& name) {
  static const std::regex kLab("^[a-z][a-z0-9-]{0,15}$");
  return std::regex_match(name, kLab);
}

nodes::NodeContext node_context(const Topology& topo, const Node& node, const Options& options) {
  return nodes::NodeContext{&topo, &node, lab_dir(lab_rundir(topo.name, options), topo.name) / node.name};
}

Status deploy(const Topology& topo, const Options& options, bool cleanup_on_failure) {
  if (!valid_lab_name(topo.name)) {
    return fail(ErrorKind::kConfig, "invalid lab name '" + topo.name + "'");
  }
  auto existing = existing_labs(options);
  if (std::find(existing.begin(), existing.end(), topo.name) != existing.end()) {
    return fail(ErrorKind::kExists, "lab '" + topo.name + "' already exists (labctl destroy " + topo.name + ")");
  }
  Deployer deployer(topo, options);
  Status s = deployer.run();
  if (!s.ok() && cleanup_on_failure) {
    say(options, "deploy failed: " + s.error().message + "; cleaning up");
    (void)destroy(topo.name, options);
  }
  return s;
}

Status restart_node(const Topology& topo, const std::string& node, const Options& options) {
  const Node* n = topo.find_node(node);
  if (n == nullptr) {
    return fail(ErrorKind::kProcess, "lab " + topo.name + " has no node " + node);
  }
  auto state = read_state(options.rundir, topo.name);
  FLOWLAB_TRY(state);
  Deployer deployer(topo, options, std::move(*state));
  return deployer.restart(*n);
}

Result<Topology> load_deployed_topology(const std::string& lab, const Options& options) {
  const fs::path rundir = lab_rundir(lab, options);
  fs::path copy = lab_dir(rundir, lab) / "topology.yaml";
  if (!fs::exists(copy)) {
    const auto labs = existing_labs(options);
    if (std::find(labs.begin(), labs.end(), lab) == labs.end()) {
      return fail(ErrorKind::kNotFound,
                  "no lab named '" + lab + "' (" + (labs.empty() ? "no labs" : "labs: " + join(labs)) + ")");
    }
    return fail(ErrorKind::kState, "lab '" + lab + "' exists (namespaces fl-" + lab +
                                       "-*) but has no topology copy in " + lab_dir(rundir, lab).string() +
                                       " (deployed by an older labctl, or its run directory " +
                                       "was removed: labctl destroy " + lab + ")");
  }
  auto loaded = topology::load_topology_file(copy, nodes::kinds());
  if (!loaded.topology) {
    std::string msg;
    for (const auto& d : loaded.diagnostics) {
      msg += d.to_string() + "\n";
    }
    return fail(ErrorKind::kConfig, msg);
  }
  Topology topo = std::move(*loaded.topology);
  rename_lab(topo, lab);
  return topo;
}

}  // namespace flowlab::lab
