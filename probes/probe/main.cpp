// flowprobe — packets (live interfaces or a pcap file) to NetFlow v5/v9, IPFIX or sFlow v5 export.
// main() only wires options, signals, logging and the Probe engine; see docs/flowprobe.md.
#include "common/log.hpp"
#include "probes/probe/options.hpp"
#include "probes/probe/probe.hpp"

#include <spdlog/spdlog.h>

#include <unistd.h>

#include <csignal>
#include <cstdio>
#include <iostream>

namespace {

volatile std::sig_atomic_t g_stop = 0;
volatile std::sig_atomic_t g_report = 0;
volatile std::sig_atomic_t g_flush = 0;

extern "C" void on_stop(int /*sig*/) { g_stop = 1; }
extern "C" void on_report(int /*sig*/) { g_report = 1; }
extern "C" void on_flush(int /*sig*/) { g_flush = 1; }

// Replaces path with content atomically (write a temporary file, rename it over).
void write_atomically(const std::string& path, const std::string& content) {
  const std::string tmp = path + ".tmp";
  if (std::FILE* f = std::fopen(tmp.c_str(), "w"); f != nullptr) {
    std::fputs(content.c_str(), f);
    std::fclose(f);
    std::rename(tmp.c_str(), path.c_str());
  } else {
    spdlog::warn("[probe] cannot write stats file {}", path);
  }
}

void install(int sig, void (*handler)(int)) {
  struct sigaction sa {};
  sa.sa_handler = handler;
  sigemptyset(&sa.sa_mask);
  sa.sa_flags = 0;  // no SA_RESTART: poll() wakes up
  sigaction(sig, &sa, nullptr);
}

}  // namespace

int main(int argc, char** argv) {
  auto parsed = flowlab::probe::parse_options(argc, argv);
  if (auto* outcome = std::get_if<flowlab::probe::ParseOutcome>(&parsed)) {
    (outcome->exit_code == 0 ? std::cout : std::cerr) << outcome->message << "\n";
    return outcome->exit_code;
  }
  const auto& options = std::get<flowlab::probe::ProbeOptions>(parsed);
  flowlab::log::init("flowprobe", options.log_level);

  install(SIGTERM, on_stop);
  install(SIGINT, on_stop);
  install(SIGUSR1, on_report);
  install(SIGUSR2, on_flush);
  std::signal(SIGPIPE, SIG_IGN);

  auto probe = flowlab::probe::Probe::create(options);
  if (!probe) {
    spdlog::error("[probe] {}", probe.error().to_string());
    return flowlab::is_usage_error(probe.error().kind) ? flowlab::kExitUsageError : 1;
  }
  {
    std::string where = options.read_file.empty() ? "capturing on" : "reading";
    for (const auto& i : options.interfaces) {
      where += " " + i;
    }
    where += options.read_file.empty() ? "" : " " + options.read_file;
    std::string to;
    for (const auto& c : options.collectors) {
      to += " " + c.to_string();
    }
    spdlog::info("[probe] {}, exporting {} to{}", where,
                 options.protocol == flowlab::wire::ExportProtocol::kSflowV5
                     ? std::string("sFlow v5")
                     : (options.protocol == flowlab::wire::ExportProtocol::kIpfix
                            ? std::string("IPFIX")
                            : "NetFlow v" + std::to_string(static_cast<int>(options.protocol))),
                 to.empty() ? std::string(" (no collector)") : to);
  }
  auto print = [&](const nlohmann::json& stats) {
    if (!options.stats_file.empty()) {
      write_atomically(options.stats_file, stats.dump() + "\n");
    }
    if (options.json) {
      std::cout << stats.dump() << std::endl;
    } else {
      spdlog::info("[probe] packets {} (kernel drops {}), flows exported {}, datagrams {}, evictions {}",
                   stats["packets_seen"].get<std::uint64_t>(), stats["kernel_drops"].get<std::uint64_t>(),
                   stats["flows_exported"].get<std::uint64_t>(), stats["datagrams_sent"].get<std::uint64_t>(),
                   stats["evictions"].get<std::uint64_t>());
    }
  };
  if (!options.pidfile.empty()) {
    if (std::FILE* f = std::fopen(options.pidfile.c_str(), "w"); f != nullptr) {
      std::fprintf(f, "%d\n", static_cast<int>(getpid()));
      std::fclose(f);
    } else {
      spdlog::warn("[probe] cannot write pidfile {}", options.pidfile);
    }
  }
  flowlab::probe::RunControl control{&g_stop, &g_report, print, &g_flush};
  const auto status = (*probe)->run(control);
  if (!options.pidfile.empty()) {
    std::remove(options.pidfile.c_str());
  }
  print((*probe)->stats());
  if (!status) {
    spdlog::error("[probe] {}", status.error().to_string());
    return 1;
  }
  return 0;
}
