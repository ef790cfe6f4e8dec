// flowgen — deterministic traffic (send) and a counting sink (sink); see docs/flowgen.md.
// main() only wires options, signals, logging and the Sender / Sink engines, and maps outcomes to exit codes:
// 0 ok, 1 runtime error, 2 usage error, 3 sink ended short.
#include "common/log.hpp"
#include "probes/gen/options.hpp"
#include "probes/gen/sender.hpp"
#include "probes/gen/sink.hpp"
#include "probes/gen/summary.hpp"

#include <spdlog/spdlog.h>

#include <csignal>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iostream>

namespace {

volatile std::sig_atomic_t g_stop = 0;

extern "C" void on_stop(int /*sig*/) { g_stop = 1; }

void install(int sig) {
  struct sigaction sa {};
  sa.sa_handler = on_stop;
  sigemptyset(&sa.sa_mask);
  sa.sa_flags = 0;  // no SA_RESTART: poll() and clock_nanosleep() wake up
  sigaction(sig, &sa, nullptr);
}

constexpr int kExitOk = 0;
constexpr int kExitRuntime = 1;
constexpr int kExitUsage = flowlab::kExitUsageError;
constexpr int kExitShort = 3;

void print(const flowlab::gen::GenOptions& options, const nlohmann::json& summary) {
  if (options.json) {
    std::cout << summary.dump() << std::endl;
  } else {
    std::cout << flowlab::gen::summary_text(summary) << std::flush;
  }
}

// Written to a temporary name and renamed, so the file's existence means its content is complete.
bool write_ready_file(const std::string& path) {
  const std::string temporary = path + ".tmp";
  {
    std::ofstream out(temporary);
    if (!out) {
      return false;
    }
    out << "{\"ready\":true}\n";
  }
  std::error_code ec;
  std::filesystem::rename(temporary, path, ec);
  return !ec;
}

int run_send(const flowlab::gen::GenOptions& options) {
  auto sender = flowlab::gen::Sender::create(options.streams);
  if (!sender) {
    spdlog::error("[gen] {}", sender.error().message);
    return kExitRuntime;
  }
  const flowlab::Status status = sender->run(&g_stop);
  nlohmann::json summary;
  summary["mode"] = "send";
  summary["complete"] = status.ok() && !sender->interrupted();
  summary["elapsed_ns"] = sender->elapsed_ns();
  summary["streams"] = flowlab::gen::streams_json(flowlab::gen::Mode::kSend, sender->streams(), sender->counters());
  if (!status.ok()) {
    summary["error"] = status.error().message;
  }
  print(options, summary);
  if (!status.ok()) {
    spdlog::error("[gen] {}", status.error().message);
    return kExitRuntime;
  }
  if (sender->interrupted()) {
    spdlog::warn("[gen] interrupted before every packet was sent");
    return kExitRuntime;
  }
  return kExitOk;
}

int run_sink(const flowlab::gen::GenOptions& options) {
  auto sink = flowlab::gen::Sink::open(options.streams, options.sink);
  if (!sink) {
    spdlog::error("[gen] {}", sink.error().message);
    return flowlab::is_usage_error(sink.error().kind) ? kExitUsage : kExitRuntime;
  }
  std::cout << "{\"ready\":true}" << std::endl;
  if (!options.ready_file.empty() && !write_ready_file(options.ready_file)) {
    spdlog::error("[gen] cannot write the ready file {}", options.ready_file);
    return kExitRuntime;
  }
  spdlog::debug("[gen] sink filter: {}", (*sink)->filter());
  const auto outcome = (*sink)->run(&g_stop);
  nlohmann::json summary;
  summary["mode"] = "sink";
  summary["complete"] = (*sink)->complete();
  summary["timed_out"] = outcome.ok() && *outcome == flowlab::gen::SinkOutcome::kTimedOut;
  summary["kernel_drops"] = (*sink)->kernel_drops();
  summary["unmatched"] = (*sink)->unmatched();
  summary["streams"] = flowlab::gen::streams_json(flowlab::gen::Mode::kSink, (*sink)->streams(), (*sink)->counters());
  if (!outcome.ok()) {
    summary["error"] = outcome.error().message;
  }
  print(options, summary);
  if (!options.ready_file.empty()) {
    std::error_code ec;
    std::filesystem::remove(options.ready_file, ec);
  }
  if (!outcome.ok()) {
    spdlog::error("[gen] {}", outcome.error().message);
    return kExitRuntime;
  }
  if (!(*sink)->complete()) {
    spdlog::warn("[gen] sink {} short of the expected counts (kernel drops: {})",
                 *outcome == flowlab::gen::SinkOutcome::kTimedOut ? "timed out" : "stopped", (*sink)->kernel_drops());
    return kExitShort;
  }
  return kExitOk;
}

}  // namespace

int main(int argc, char** argv) {
  auto parsed = flowlab::gen::parse_options(argc, argv);
  if (auto* outcome = std::get_if<flowlab::gen::ParseOutcome>(&parsed)) {
    (outcome->exit_code == 0 ? std::cout : std::cerr) << outcome->message << "\n";
    return outcome->exit_code;
  }
  const auto& options = std::get<flowlab::gen::GenOptions>(parsed);
  flowlab::log::init("flowgen", options.log_level);
  install(SIGTERM);
  install(SIGINT);
  std::signal(SIGPIPE, SIG_IGN);
  switch (options.command) {
    case flowlab::gen::Command::kSend:
      return run_send(options);
    case flowlab::gen::Command::kSink:
      return run_sink(options);
    case flowlab::gen::Command::kCheck:
      std::cout << flowlab::gen::spec_json(options.streams).dump(options.json ? -1 : 2) << std::endl;
      return kExitOk;
  }
  return kExitUsage;
}
