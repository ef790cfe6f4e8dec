// The fault steps: link down/up (netlink, both ends), bgp down/up (the router's session, via its driver), bmp
// down/up (the router's BMP session with a collector, via its driver), announce
// and withdraw (the router's driver re-renders from the routing topology), restart (a node's processes, with
// delivery accounting started again), wait. Each leaves the probes to be flushed again before the next expect.
#include "labctl/scenario/run_context.hpp"
#include "model/feeds.hpp"
#include "platform/netns/netns.hpp"

#include <algorithm>
#include <thread>

namespace flowlab::scenario {
namespace {

// The router's driver applies the change from run.routing (the deployed topology with the announce lists the steps
// so far left); the next converge step waits for the network to follow.
Status set_announcement(RunContext& run, const std::string& node_name, const Prefix& prefix, bool announce) {
  const auto it = std::find_if(run.routing.nodes.begin(), run.routing.nodes.end(),
                               [&](const topology::Node& n) { return n.name == node_name; });
  if (it == run.routing.nodes.end() || !it->is_router()) {
    return fail(ErrorKind::kBgp, node_name + " is not a router of this lab");
  }
  topology::Node* node = &*it;
  auto& list = node->announce;
  if (announce && std::find(list.begin(), list.end(), prefix) == list.end()) {
    list.push_back(prefix);
  } else if (!announce) {
    list.erase(std::remove(list.begin(), list.end(), prefix), list.end());
  }
  FLOWLAB_TRY(nodes::find_driver(node->kind)
                  ->set_announcement(lab::node_context(run.routing, *node, run.lab_options), prefix, announce));
  run.collected = false;
  return {};
}

// A probe's feed that runs through the restarted node.
struct Affected {
  std::size_t probe;
  topology::Feed feed;
};

std::vector<Affected> affected_by(const RunContext& run, const std::string& node) {
  std::vector<Affected> out;
  const auto& topo = run.topo();
  for (std::size_t i = 0; i < topo.probes.size(); ++i) {
    for (auto& feed : topology::probe_feeds(topo, topo.probes[i])) {
      const bool on_path =
          feed.collector == node || std::find(feed.tees.begin(), feed.tees.end(), node) != feed.tees.end();
      if (topo.probes[i].node == node || on_path) {
        out.push_back({i, std::move(feed)});
      }
    }
  }
  return out;
}

// Delivery is counted again from now: a restarted probe's datagram counter starts at 0, a restarted collector's
// too.
void rebase_delivery(RunContext& run, const std::string& node, const std::vector<Affected>& affected,
                     const std::map<std::size_t, std::uint64_t>& sent_now) {
  for (const auto& [i, feed] : affected) {
    const bool probe_restarts = run.topo().probes[i].node == node;
    const bool collector_restarts = feed.collector == node;
    DeliveryBase& base = run.delivery_base[{i, feed.collector}];
    const topology::Node* collector = run.topo().find_node(feed.collector);
    std::uint64_t received_now = 0;
    if (collector != nullptr && !collector_restarts) {
      if (auto seq = delivery_counters(run, *collector, feed.exporter)) {
        received_now = seq->datagrams;
      }
    }
    base.sent = probe_restarts ? 0 : sent_now.at(i);
    base.received = received_now;
    base.probe_restarted = collector_restarts ? false : (base.probe_restarted || probe_restarts);
  }
}

}  // namespace

Status run_step(RunContext& run, const LinkStep& l, report::StepRecord& /*rec*/) {
  const topology::Node* node = run.topo().find_node(l.endpoint.node);
  const topology::Interface* iface = node == nullptr ? nullptr : node->find_interface(l.endpoint.interface);
  if (iface == nullptr) {
    return fail(ErrorKind::kNetlink, "no interface " + l.endpoint.node + ":" + l.endpoint.interface);
  }
  for (const auto& [n, i] : {std::pair{node->name, iface->name}, std::pair{iface->peer_node, iface->peer_interface}}) {
    auto sock = netns::NetlinkSocket::open(run.topo().namespace_of(n));
    FLOWLAB_TRY(sock);
    FLOWLAB_TRY(l.action == LinkAction::kDown ? sock->set_down(i) : sock->set_up(i));
  }
  run.collected = false;
  return {};
}

Status run_step(RunContext& run, const BgpStep& b, report::StepRecord& /*rec*/) {
  const topology::Node* node = run.topo().find_node(b.node);
  if (node == nullptr) {
    return fail(ErrorKind::kBgp, "no node " + b.node);
  }
  FLOWLAB_TRY(run.driver(*node).set_bgp_session(run.context(*node), b.neighbor, b.action == LinkAction::kUp));
  run.collected = false;
  return {};
}

// The router's BMP session with the station (its driver: FRR removes or re-adds the `bmp targets` block); the
// station drops what the router reported when the session ends and the router re-sends its tables when it is back.
Status run_step(RunContext& run, const BmpStep& b, report::StepRecord& /*rec*/) {
  const topology::Node* node = run.topo().find_node(b.node);
  if (node == nullptr) {
    return fail(ErrorKind::kBgp, "no node " + b.node);
  }
  FLOWLAB_TRY(run.driver(*node).set_bmp_session(run.context(*node), b.station, b.action == LinkAction::kUp));
  run.collected = false;
  return {};
}

Status run_step(RunContext& run, const AnnounceStep& a, report::StepRecord& /*rec*/) {
  return set_announcement(run, a.node, a.prefix, true);
}

Status run_step(RunContext& run, const WithdrawStep& w, report::StepRecord& /*rec*/) {
  return set_announcement(run, w.node, w.prefix, false);
}

// Restarts a node. Every probe whose datagrams run through it (it runs the probe, or it is a tee or the final
// collector on the way) is first delivered completely; delivery is then counted again from the restart. After a
// collector or tee restart the probes are flushed once more, so their templates reach the new process at once.
Status run_step(RunContext& run, const RestartStep& r, report::StepRecord& rec) {
  rec.details["probes"] = nlohmann::json::array();
  const std::vector<Affected> affected = affected_by(run, r.node);
  std::set<std::size_t> probes;
  for (const auto& a : affected) {
    probes.insert(a.probe);
  }
  std::map<std::size_t, std::uint64_t> sent_now;
  for (const auto i : probes) {
    // Delivery before the restart is a precondition, not a verdict of this step: details only.
    auto sent = deliver(run, i, rec.details["probes"], nullptr, nullptr);
    FLOWLAB_TRY(sent);
    sent_now[i] = *sent;
  }
  rebase_delivery(run, r.node, affected, sent_now);
  FLOWLAB_TRY(lab::restart_node(run.routing, r.node, run.lab_options));
  for (const auto i : probes) {
    if (run.topo().probes[i].node != r.node) {
      FLOWLAB_TRY(flush_probe(run, i));
    }
  }
  run.collected = false;
  return {};
}

Status run_step(RunContext& run, const WaitStep& w, report::StepRecord& /*rec*/) {
  return watched_sleep(run, std::chrono::duration_cast<std::chrono::milliseconds>(w.duration));
}

}  // namespace flowlab::scenario
