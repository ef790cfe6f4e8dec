// flowlab::nodes::pmacct — reading pmacct's output back: the memory plugin's table (`pmacct -s -O json`), the BGP
// daemon's message log (bgp_daemon_msglog_file, JSON) and the per-agent statistics the core process logs on SIGUSR1
// (print_status_table(), src/xflow_status.c).
#pragma once

#include "common/result.hpp"
#include "nodes/core/driver.hpp"

#include <map>
#include <string>
#include <vector>

namespace flowlab::nodes::pmacct {

// `pmacct -s -O json` (one JSON object per line) as rows, pmacct's JSON keys renamed to DESIGN.md section 6 names
// (ip_src -> src_host, port_dst -> dst_port, ip_proto -> proto, ecomms -> ext_comm; the rest keep their names).
Result<std::vector<FlowRow>> parse_table_json(const std::string& text);

// The BGP state a message log describes: per peer address, whether its session is up (a log_init not followed by a
// log_close) and its routes (updates minus withdrawals, cleared when the session closes).
struct MsglogState {
  struct Peer {
    bool up = false;
    std::map<Prefix, RibEntry> routes;
  };
  std::map<IpAddress, Peer> peers;
};
Result<MsglogState> parse_msglog(const std::string& text);

// The last complete statistics block in the daemon's log ("stats [...] agent=A:ID ... packets=N ... seq_jmp_fwd=J
// seq_jmp_bck=B"), summed over the observation domains of `exporter`; `blocks` says how many blocks the log holds.
struct AgentStats {
  std::size_t blocks = 0;
  DeliveryCounters counters;
};
AgentStats parse_agent_stats(const std::string& log, const IpAddress& exporter);

}  // namespace flowlab::nodes::pmacct
