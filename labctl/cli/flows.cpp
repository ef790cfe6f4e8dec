// labctl flows LAB [NODE] [-a AGG] [--csv|--json] [--match K=V] [--top N] [--sort C] [--clear] [--counters]
// [--bgp-peers] [--bgp-dump PEER] [--flush] [--watch SECONDS] [--history [--tier T] [--since|--last] [--until]]: asks a
// deployed lab's flowcollector through its query socket (labctl/ui/collector_feed.hpp, the same reading `labctl ui`
// uses) and prints exactly what `flowcollector query` prints (pmacct -s style). --watch redraws the terminal every
// SECONDS with top talkers by AS, peer AS, prefix and interface and their rates, the live view's tables, until Ctrl-C.
// --history reads the lab's store instead (the collector's `store:` node, through its driver): the raw tier regrouped
// like the live aggregate, or the minute / hour tier, over a time range.
#include "common/enum_names.hpp"
#include "labctl/cli/cli.hpp"
#include "labctl/lab/lab.hpp"
#include "labctl/ui/collector_feed.hpp"
#include "labctl/ui/live.hpp"
#include "model/duration.hpp"
#include "nodes/core/driver.hpp"
#include "probes/collector/primitives.hpp"
#include "probes/collector/query.hpp"

#include <algorithm>
#include <atomic>
#include <cctype>
#include <csignal>
#include <ctime>
#include <iostream>
#include <thread>

namespace flowlab::cli {

namespace {

struct HistoryArgs {
  bool on = false;  // --history
  std::string tier = "raw";
  std::string since;  // "YYYY-MM-DD HH:MM:SS" (UTC) or Unix seconds
  std::string until;
  std::string last;  // a duration: "10m"
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
    const auto until = std::chrono::steady_clock::now() + period;
    while (!g_stop_watch && std::chrono::steady_clock::now() < until) {
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
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

// A stored value as the live JSON lines print it: a number for a number primitive, else the text.
nlohmann::json json_value(const std::string& column, const std::string& text) {
  for (const auto& i : collector::all_primitives()) {
    if (i.client_json_key == column && i.kind == collector::ValueKind::kNumber) {
      auto number = nlohmann::json::parse(text, nullptr, false);
      return number.is_number_unsigned() ? number : nlohmann::json(text);
    }
  }
  return text;
}

void print_history(const std::vector<nodes::FlowRow>& rows, bool json) {
  if (json) {
    for (const auto& r : rows) {
      nlohmann::json j = nlohmann::json::object();
      for (const auto& [column, text] : r.fields) {
        j[column] = json_value(column, text);
      }
      j["packets"] = r.packets;
      j["bytes"] = r.bytes;
      j["flows"] = r.flows;
      std::cout << j.dump() << "\n";
    }
    return;
  }
  std::vector<std::vector<std::string>> table;
  if (!rows.empty()) {
    table.emplace_back();
    for (const auto& [field, value] : rows.front().fields) {
      std::string header = field;
      std::transform(header.begin(), header.end(), header.begin(), [](unsigned char c) { return std::toupper(c); });
      table.back().push_back(header);
    }
    table.back().insert(table.back().end(), {"PACKETS", "BYTES", "FLOWS"});
  }
  for (const auto& r : rows) {
    table.emplace_back();
    for (const auto& [field, value] : r.fields) {
      table.back().push_back(value);
    }
    table.back().insert(table.back().end(),
                        {std::to_string(r.packets), std::to_string(r.bytes), std::to_string(r.flows)});
  }
  print_table(table);
  std::cout << "\nFor a total of: " << rows.size() << " entries\n";
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
  for (const char* other : {"--csv", "--json", "--match", "--clear", "--counters", "--bgp-peers", "--bgp-dump",
                            "--flush", "--aggregate", "--top"}) {
    watch->excludes(sub->get_option(other));
  }
  watch->excludes(history);
  for (const char* other :
       {"--csv", "--match", "--clear", "--counters", "--bgp-peers", "--bgp-dump", "--flush", "--aggregate"}) {
    history->excludes(sub->get_option(other));
  }
  for (const char* needs : {"--tier", "--since", "--until", "--last"}) {
    sub->get_option(needs)->needs(history);
  }
  sub->callback([args, &cli] { cli.action = [args, &cli] { return run_flows(*args, cli); }; });
}

}  // namespace flowlab::cli
