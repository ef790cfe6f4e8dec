// labctl flows LAB [NODE] [-a AGG] [--csv|--json] [--match K=V] [--top N] [--sort C] [--clear] [--counters]
// [--bgp-peers] [--bgp-dump PEER] [--flush] [--watch SECONDS] [--history [--tier T] [--since|--last] [--until]
// [--host ADDR]]: asks a deployed lab's flowcollector through its query socket (labctl/ui/collector_feed.hpp, the same
// reading `labctl ui` uses) and prints exactly what `flowcollector query` prints (pmacct -s style). --watch redraws the
// terminal every SECONDS with top talkers by AS, peer AS, prefix and interface and their rates, the live view's tables,
// until Ctrl-C.
// --history reads the lab's store instead (the collector's `store:` node, through its driver): the raw tier regrouped
// like the live aggregate, or the minute / hour tier, over a time range; --host reads one address's flows through the
// store's address index.
#include "common/enum_names.hpp"
#include "common/ip.hpp"
#include "common/poll.hpp"
#include "labctl/cli/cli.hpp"
#include "labctl/lab/lab.hpp"
#include "labctl/ui/collector_feed.hpp"
#include "labctl/ui/live.hpp"
#include "model/duration.hpp"
#include "nodes/core/driver.hpp"
#include "probes/collector/primitives.hpp"
#include "probes/collector/query.hpp"
#include "probes/collector/record_format.hpp"

#include <atomic>
#include <csignal>
#include <ctime>
#include <iostream>
#include <sstream>
#include <thread>

namespace flowlab::cli {

namespace {

struct HistoryArgs {
  bool on = false;  // --history
  std::string tier = "raw";
  std::string since;  // "YYYY-MM-DD HH:MM:SS" (UTC) or Unix seconds
  std::string until;
  std::string last;  // a duration: "10m"
  std::string host;  // an address: its flows as source or destination
};

struct FlowsArgs {
  std::string lab;
  std::string node;
  collector::QueryOptions query;
  bool csv = false;
  bool json = false;
  double watch = 0;  // seconds; 0 = once
  HistoryArgs history;
};

std::atomic<bool> g_stop_watch{false};
extern "C" void stop_watch(int /*signal*/) { g_stop_watch = true; }

std::string count(const nlohmann::json& v) { return std::to_string(v.get<std::uint64_t>()); }
std::string rate(const nlohmann::json& v) { return std::to_string(static_cast<std::uint64_t>(v.get<double>())); }

void print_watch_frame(const FlowsArgs& args, const nlohmann::json& flows) {
  const std::time_t now = std::time(nullptr);
  char clock[16];
  std::strftime(clock, sizeof clock, "%H:%M:%S", std::localtime(&now));
  std::cout << "\033[H\033[2J"
            << "lab " << args.lab << ", collector " << flows.value("collector", "?") << ", " << clock << ", every "
            << args.watch << " s (Ctrl-C stops)\n";
  if (flows.contains("error")) {
    std::cout << "error: " << flows["error"].get<std::string>() << "\n" << std::flush;
    return;
  }
  const auto& t = flows["total"];
  std::cout << "total: " << count(t["bytes"]) << " bytes, " << count(t["packets"]) << " packets, " << count(t["flows"])
            << " flows, " << rate(t["bytes_per_second"]) << " bytes/s\n";
  for (const char* group : ui::kTalkerGroups) {
    std::vector<std::vector<std::string>> rows{{group, "BYTES", "PACKETS", "FLOWS", "BYTES/S"}};
    for (const auto& r : flows["groups"][group]) {
      rows.push_back(
          {r["key"], count(r["bytes"]), count(r["packets"]), count(r["flows"]), rate(r["bytes_per_second"])});
    }
    std::cout << "\n";
    print_table(rows);
  }
  std::cout << std::flush;
}

int watch_flows(const FlowsArgs& args, const topology::Topology& topo, const topology::Node& node, const Cli& cli) {
  ui::LiveLab live(topo, node, cli.lab_options(false));
  std::signal(SIGINT, stop_watch);
  std::signal(SIGTERM, stop_watch);
  const auto period = std::chrono::milliseconds(static_cast<std::int64_t>(args.watch * 1000));
  while (!g_stop_watch) {
    print_watch_frame(args, live.poll_flows());
    (void)poll_for([] { return g_stop_watch.load(); }, period, std::chrono::milliseconds(100));
  }
  return kExitOk;
}

// A --since / --until value as Unix seconds: digits, or "YYYY-MM-DD[ HH:MM[:SS]]" in UTC.
Result<std::int64_t> parse_time(const std::string& option, const std::string& text) {
  if (!text.empty() && text.find_first_not_of("0123456789") == std::string::npos && text.size() <= 12) {
    return std::stoll(text);
  }
  std::tm tm{};
  for (const char* format : {"%Y-%m-%d %H:%M:%S", "%Y-%m-%d %H:%M", "%Y-%m-%d"}) {
    tm = std::tm{};
    const char* end = strptime(text.c_str(), format, &tm);
    if (end != nullptr && *end == '\0') {
      return static_cast<std::int64_t>(timegm(&tm));
    }
  }
  return fail(ErrorKind::kUsage,
              option + ": expected Unix seconds or 'YYYY-MM-DD[ HH:MM[:SS]]' (UTC), found '" + text + "'");
}

Result<nodes::StoredQuery> stored_query(const FlowsArgs& args) {
  nodes::StoredQuery q;
  q.column_names = true;
  const auto tier = find_enum(nodes::kStoreTierNames, args.history.tier);
  if (!tier) {
    return fail(ErrorKind::kUsage, "--tier: expected raw, minute or hour, found '" + args.history.tier + "'");
  }
  q.tier = *tier;
  if (!args.history.last.empty()) {
    const auto ms = topology::parse_duration_ms(args.history.last);
    if (!ms) {
      return fail(ErrorKind::kUsage,
                  "--last: expected a duration like 90s, 10m or 2h, found '" + args.history.last + "'");
    }
    q.since = static_cast<std::int64_t>(std::time(nullptr)) - static_cast<std::int64_t>(*ms / 1000);
  }
  if (!args.history.since.empty()) {
    auto t = parse_time("--since", args.history.since);
    FLOWLAB_TRY(t);
    q.since = *t;
  }
  if (!args.history.until.empty()) {
    auto t = parse_time("--until", args.history.until);
    FLOWLAB_TRY(t);
    q.until = *t;
  }
  if (!args.history.host.empty()) {
    const auto host = IpAddress::parse(args.history.host);
    if (!host) {
      return fail(ErrorKind::kUsage, "--host: expected an IPv4 or IPv6 address, found '" + args.history.host + "'");
    }
    if (q.tier != collector::StoreTier::kRaw) {
      return fail(ErrorKind::kUsage, "--host: the " + args.history.tier +
                                         " tier keeps no addresses (docs/store.md): use it with --tier raw");
    }
    q.host = *host;
  }
  q.sort = args.query.sort.empty() ? "bytes" : args.query.sort;
  if (args.query.top > 0) {
    q.top = static_cast<std::uint64_t>(args.query.top);
  }
  return q;
}

// The collector whose store --history reads: the one named, else the first with `store:`.
Result<const topology::Node*> store_collector(const topology::Topology& topo, const std::string& name) {
  for (const auto& n : topo.nodes) {
    if (n.role == topology::Role::kCollector && (name.empty() || n.name == name)) {
      if (!n.store.empty()) {
        return &n;
      }
      if (!name.empty()) {
        return fail(ErrorKind::kNotFound,
                    "lab " + topo.name + ": collector " + name +
                        " has no store (give it `store: NODE`, a clickhouse node; docs/store.md)");
      }
    }
  }
  return fail(ErrorKind::kNotFound, name.empty()
                                        ? "lab " + topo.name +
                                              " has no store (a collector with `store: NODE`, a clickhouse node; "
                                              "docs/store.md)"
                                        : "lab " + topo.name + " has no collector node '" + name + "'");
}

// Stored rows in the live aggregate's format (record_format, pmacct -s / -O json, flows included): each column a
// primitive by its `pmacct -s -O json` key; a tier's `time` goes first (a TIME column, a "time" key).
struct HistoryRows {
  collector::AggregateSpec spec;
  std::vector<collector::Row> rows;
  std::vector<std::string> times;  // per row; empty for the raw tier
};

HistoryRows history_rows(const std::vector<nodes::FlowRow>& stored) {
  HistoryRows out;
  if (stored.empty()) {
    return out;
  }
  std::vector<std::string> columns;
  for (const auto& [column, value] : stored.front().fields) {
    for (const auto& i : collector::all_primitives()) {
      if (i.client_json_key == column) {
        out.spec.primitives.push_back(i.primitive);
        columns.push_back(column);
      }
    }
  }
  const bool timed = stored.front().fields.contains("time");
  for (const auto& r : stored) {
    collector::Row row{{}, r.packets, r.bytes, r.flows};
    for (const auto& column : columns) {
      row.values.push_back(r.fields.at(column));
    }
    out.rows.push_back(std::move(row));
    if (timed) {
      out.times.push_back(r.fields.at("time"));
    }
  }
  return out;
}

void print_history(const std::vector<nodes::FlowRow>& stored, bool json) {
  const HistoryRows h = history_rows(stored);
  const collector::FormatOptions options{collector::Style::kClient, true};
  if (json) {
    for (std::size_t i = 0; i < h.rows.size(); ++i) {
      const std::string line = collector::format_json_line(h.spec, h.rows[i], options);
      std::cout << (h.times.empty() ? line : "{\"time\": " + nlohmann::json(h.times[i]).dump() + ", " + line.substr(1))
                << "\n";
    }
    return;
  }
  const std::string table = collector::format_table(h.spec, h.rows, options);
  if (h.times.empty()) {
    std::cout << table;
    return;
  }
  std::istringstream lines(table);  // the header, one line per row, then the total
  std::string line;
  for (std::size_t i = 0; std::getline(lines, line); ++i) {
    if (i <= h.times.size()) {
      const std::string time = i == 0 ? "TIME" : h.times[i - 1];
      line = time + std::string(time.size() < 21 ? 21 - time.size() : 1, ' ') + line;
    }
    std::cout << line << "\n";
  }
}

int run_history(const FlowsArgs& args, const topology::Topology& topo, const Cli& cli) {
  auto query = stored_query(args);
  if (!query) {
    print_error(query.error().message);
    return kExitUsage;
  }
  auto collector = store_collector(topo, args.node);
  if (!collector) {
    print_error(collector.error().message);
    return kExitUsage;
  }
  const auto ctx = lab::node_context(topo, **collector, cli.lab_options(false));
  auto rows = nodes::find_driver((*collector)->kind)->stored_records(ctx, *query);
  if (!rows) {
    print_error((*collector)->name + ": " + rows.error().message);
    return kExitRuntime;
  }
  print_history(*rows, args.json);
  return kExitOk;
}

int run_flows(FlowsArgs& args, const Cli& cli) {
  auto topo = load_lab_or_report(args.lab, cli);
  if (!topo) {
    return kExitUsage;
  }
  if (args.history.on) {
    return run_history(args, *topo, cli);
  }
  auto node = ui::find_collector(*topo, args.node);
  if (!node) {
    print_error(node.error().message);
    return kExitUsage;
  }
  if (args.watch > 0) {
    return watch_flows(args, *topo, **node, cli);
  }
  const auto options = cli.lab_options(false);
  args.query.socket = ui::collector_socket(*topo, **node, options).string();
  args.query.format = args.csv ? collector::QueryFormat::kCsv
                               : (args.json ? collector::QueryFormat::kJson : collector::QueryFormat::kTable);
  auto request = collector::build_request(args.query);
  if (!request) {
    print_error(request.error().message);
    return kExitUsage;
  }
  auto response = ui::query_collector(*topo, **node, *request, options);
  if (!response) {
    print_error(response.error().message);
    return kExitRuntime;
  }
  auto text = collector::render_response(args.query, *response);
  if (!text) {
    print_error((*node)->name + ": " + text.error().message);
    return kExitRuntime;
  }
  std::cout << *text;
  return kExitOk;
}

}  // namespace

void add_flows(CLI::App& app, Cli& cli) {
  auto args = std::make_shared<FlowsArgs>();
  auto* sub = app.add_subcommand("flows", "query a lab's flowcollector (aggregates, counters, BGP view)");
  sub->add_option("lab", args->lab, "lab name")->required();
  sub->add_option("node", args->node, "collector node (default: the first collector)");
  sub->add_option("-a,--aggregate", args->query.aggregate, "aggregate name (default: the first)");
  sub->add_flag("--csv", args->csv, "CSV output");
  sub->add_flag("--json", args->json, "JSON lines output");
  sub->add_option("-M,--match", args->query.match, "PRIMITIVE=VALUE (repeatable)");
  sub->add_option("-T,--top", args->query.top, "the N largest rows");
  sub->add_option("--sort", args->query.sort, "bytes, packets or flows")->capture_default_str();
  sub->add_flag("-e,--clear", args->query.clear, "clear the aggregate");
  sub->add_flag("--counters", args->query.counters, "decoder, sequence, receiver, BGP and tee counters");
  sub->add_flag("--bgp-peers", args->query.bgp_peers, "BGP peers and their state");
  sub->add_option("--bgp-dump", args->query.bgp_dump, "a peer's BGP table dump (address or name)");
  sub->add_flag("--flush", args->query.flush, "write every output now");
  auto* watch = sub->add_option("-w,--watch", args->watch,
                                "redraw every SECONDS: top talkers by AS, peer AS, prefix, interface with rates")
                    ->check(CLI::Range(0.2, 3600.0));
  auto* history = sub->add_flag("--history", args->history.on,
                                "the rows the lab's store holds (a collector's `store:` node), grouped like the live "
                                "aggregate (raw tier) or per minute / hour");
  sub->add_option("--tier", args->history.tier, "with --history: raw, minute or hour")->capture_default_str();
  auto* since = sub->add_option("--since", args->history.since,
                                "with --history: records received at or after TIME (Unix seconds or "
                                "'YYYY-MM-DD[ HH:MM[:SS]]', UTC)");
  sub->add_option("--until", args->history.until, "with --history: records received before TIME");
  sub->add_option("--last", args->history.last, "with --history: the last DURATION (90s, 10m, 2h)")->excludes(since);
  sub->add_option("--host", args->history.host,
                  "with --history: the flows from or to ADDRESS (raw tier; read through the store's address index)");
  for (const char* other : {"--csv", "--json", "--match", "--clear", "--counters", "--bgp-peers", "--bgp-dump",
                            "--flush", "--aggregate", "--top"}) {
    watch->excludes(sub->get_option(other));
  }
  watch->excludes(history);
  for (const char* other :
       {"--csv", "--match", "--clear", "--counters", "--bgp-peers", "--bgp-dump", "--flush", "--aggregate"}) {
    history->excludes(sub->get_option(other));
  }
  for (const char* needs : {"--tier", "--since", "--until", "--last", "--host"}) {
    sub->get_option(needs)->needs(history);
  }
  sub->callback([args, &cli] { cli.action = [args, &cli] { return run_flows(*args, cli); }; });
}

}  // namespace flowlab::cli
