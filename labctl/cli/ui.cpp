// labctl ui LAB [--listen ADDRESS:PORT] [--allow-remote] [--collector NODE] [--interval SECONDS]: the live view of a
// running lab in a browser (labctl/ui/server.hpp). Read-only; loopback unless --allow-remote.
#include "labctl/cli/cli.hpp"
#include "labctl/ui/collector_feed.hpp"
#include "labctl/ui/server.hpp"

#include <iostream>
#include <memory>

namespace flowlab::cli {

namespace {

struct UiArgs {
  std::string lab;
  std::string collector;
  ui::ServeOptions serve;
  double interval = 2;
};

int run_ui(const UiArgs& args, const Cli& cli) {
  auto topo = load_lab_or_report(args.lab, cli);
  if (!topo) {
    return kExitUsage;
  }
  auto collector = ui::find_collector(*topo, args.collector);
  if (!collector) {
    print_error(collector.error().message);
    return kExitUsage;
  }
  auto at = ui::listen_endpoint(args.serve.listen, args.serve.allow_remote);
  if (!at) {
    print_error(at.error().message);
    return kExitUsage;
  }
  ui::ServeOptions serve = args.serve;
  serve.interval = std::chrono::milliseconds(static_cast<std::int64_t>(args.interval * 1000));
  ui::LiveLab live(*topo, **collector, cli.lab_options(false));
  auto served = ui::serve(live, serve, [&](const std::string& url) {
    const bool local = at->address().is_loopback();
    if (!local) {
      std::cerr << "labctl: warning: listening on " << args.serve.listen
                << ", not loopback: anyone who can reach it sees the whole lab (read-only)\n";
    }
    std::cout << "labctl ui: lab " << args.lab << " (read-only) at " << url << (local ? " — loopback only" : "")
              << "; Ctrl-C stops" << std::endl;
  });
  if (!served) {
    print_error(served.error().message);
    return kExitRuntime;
  }
  std::cout << "labctl ui: stopped" << std::endl;
  return kExitOk;
}

}  // namespace

void add_ui(CLI::App& app, Cli& cli) {
  auto args = std::make_shared<UiArgs>();
  auto* sub = app.add_subcommand(
      "ui",
      "Live view of a running lab in a browser: topology with link/BGP/process state, top talkers with "
      "rates, the Sankey, bytes/s over time (read-only HTTP server, loopback by default)");
  sub->add_option("lab", args->lab, "lab name")->required();
  sub->add_option("--listen", args->serve.listen, "ADDRESS:PORT to listen on (port 0: any free port)")
      ->capture_default_str();
  sub->add_flag("--allow-remote", args->serve.allow_remote,
                "allow a --listen address other than loopback (anyone reaching it sees the lab)");
  sub->add_option("--collector", args->collector, "collector node (default: the first collector)");
  sub->add_option("--interval", args->interval, "seconds between polls of the lab")
      ->capture_default_str()
      ->check(CLI::Range(0.2, 3600.0));
  sub->callback([args, &cli] { cli.action = [args, &cli] { return run_ui(*args, cli); }; });
}

}  // namespace flowlab::cli
