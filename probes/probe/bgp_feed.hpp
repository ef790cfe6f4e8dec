// bgp_feed.hpp — flowprobe's BGP feed (collection model 1, DESIGN.md section 1): the probe peers iBGP with the
// router it runs on and fills each exported record's routing fields from the longest-prefix match of its addresses.
//
// It reuses probes/bgp: a bgp::Speaker (receive-only; passive on --bgp-listen, else it connects to --bgp-peer) and
// one bgp::Rib per peer. For a record's destination route R_d: dst_as = the origin AS (last AS of the path),
// dst_peer_as = the first AS (bgpNextAdjacentAsNumber, IE 128), bgp_next_hop = R_d's next hop (IE 18/63), dst_mask
// = R_d's length; the source route R_s gives src_as, src_peer_as (IE 129) and src_mask. A route with an empty AS
// path (originated inside the router's AS) yields AS 0, as Cisco/Juniper exporters and pmacct report it. Records
// ended while no session is Established keep zeros and are counted as `unenriched`. The Speaker runs on its own
// io_context, which the probe's loop polls (poll()) between packet bursts: no thread, no locking.
#pragma once

#include "common/result.hpp"
#include "probes/bgp/rib.hpp"
#include "probes/bgp/session.hpp"
#include "probes/probe/options.hpp"
#include "probes/wire/flow_record.hpp"

#include <boost/asio/io_context.hpp>
#include <nlohmann/json.hpp>

#include <cstdint>
#include <map>
#include <memory>
#include <vector>

namespace flowlab::probe {

struct BgpFeedCounters {
  std::uint64_t enriched = 0;       // records that got at least one route (source or destination)
  std::uint64_t unenriched = 0;     // records ended while no session was Established: routing fields left 0
  std::uint64_t no_route_src = 0;   // with a session up: no route for the source address
  std::uint64_t no_route_dst = 0;   // ... for the destination address
  std::uint64_t updates = 0;        // route events applied (announce + withdraw)
  std::uint64_t sessions_up = 0;    // times a session reached Established
  std::uint64_t sessions_down = 0;  // times one left it
};

class BgpFeed {
 public:
  // Fails when a listener cannot be bound.
  static Result<std::unique_ptr<BgpFeed>> start(const ProbeOptions& options);
  ~BgpFeed();
  BgpFeed(const BgpFeed&) = delete;
  BgpFeed& operator=(const BgpFeed&) = delete;

  // Runs whatever the sessions have ready (never blocks).
  void poll();
  // Fills the routing fields of each record (see the file comment).
  void enrich(std::vector<wire::FlowRecord>& records);
  // Cease to the peers.
  void stop();

  [[nodiscard]] bool established() const;
  [[nodiscard]] const BgpFeedCounters& counters() const { return counters_; }
  // {"state": "established", "peers": [...], "routes_v4": N, "routes_v6": N, "enriched": ..., "unenriched": ...}
  [[nodiscard]] nlohmann::json stats() const;

 private:
  BgpFeed() = default;
  void fill(wire::FlowRecord& r);

  boost::asio::io_context io_;
  std::shared_ptr<bgp::AttrStore> store_ = std::make_shared<bgp::AttrStore>();
  std::map<IpAddress, std::unique_ptr<bgp::Rib>> ribs_;  // by session address, in address order
  std::map<IpAddress, bool> up_;
  std::unique_ptr<bgp::Speaker> speaker_;
  BgpFeedCounters counters_;
};

}  // namespace flowlab::probe
