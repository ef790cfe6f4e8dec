// Every combination of a matrix, run in turn (matrix.hpp).
#include "labctl/matrix/matrix.hpp"

#include "common/strings.hpp"
#include "labctl/scenario/loader.hpp"
#include "labctl/scenario/runner.hpp"
#include "model/kinds.hpp"
#include "model/topology_reader.hpp"
#include "nodes/core/driver.hpp"
#include "platform/process/interrupt.hpp"

#include <algorithm>
#include <chrono>

namespace flowlab::matrix {
namespace {

constexpr std::size_t kMaxLabName = 16;  // topology names (model: [a-z0-9-], at most 16 bytes)

// A kind's part of a lab name: its first three letters, or its first two and its position when another listed kind
// starts alike ("nfacctd" -> "nfa"; "sfacctd" and "sfcapd" stay apart: "sfa", "sfc").
std::string short_name(std::string_view kind, const std::vector<std::string>& listed) {
  const std::string three(kind.substr(0, 3));
  const auto alike =
      std::count_if(listed.begin(), listed.end(), [&](const std::string& k) { return k.substr(0, 3) == three; });
  if (alike <= 1) {
    return three;
  }
  const auto at = std::find(listed.begin(), listed.end(), kind) - listed.begin();
  return std::string(kind.substr(0, 2)) + std::to_string(at);
}

std::string scenario_dir_name(const std::filesystem::path& file) { return file.stem().string(); }

// Why the chosen kinds cannot run the scenario: the loader's diagnostics, one line.
std::string load_reason(const scenario::LoadResult& loaded) {
  std::vector<std::string> lines;
  for (const auto& d : loaded.diagnostics) {
    lines.push_back(d.to_string());
  }
  return join(lines, "; ");
}

Combination run_one(const MatrixOptions& options, std::size_t index, const std::string& probe,
                    const std::string& collector) {
  const std::filesystem::path& file = options.scenarios[index];
  Combination c;
  c.scenario = scenario_dir_name(file);
  c.probe = probe;
  c.collector = collector;
  c.lab = lab_name(options.lab_prefix, index + 1, short_name(probe, options.probes),
                   short_name(collector, options.collectors));
  scenario::LoadOptions lo;
  lo.lab_name = c.lab;
  lo.kinds = {collector, probe};
  auto loaded = scenario::load_scenario_file(file, lo);
  if (!loaded.ok()) {
    not_applicable(c, load_reason(loaded));
    return c;
  }
  c.scenario = loaded.scenario->name;
  scenario::RunOptions ro;
  ro.lab_rundir = options.lab_rundir;
  ro.out_dir = options.out_dir / scenario_dir_name(file) / (probe + "-" + collector);
  const auto run = scenario::run_scenario(*loaded.scenario, ro);
  fold_run(run, c);
  return c;
}

}  // namespace

std::string lab_name(const std::string& prefix, std::size_t index, std::string_view probe, std::string_view collector) {
  return prefix + std::to_string(index) + "-" + std::string(probe) + std::string(collector);
}

std::string check_options(const MatrixOptions& options) {
  const auto table = nodes::kinds();
  for (const auto& p : options.probes) {
    if (auto why = topology::check_kind_choice(table, {"", p}); !why.empty()) {
      return "--probes: " + why;
    }
  }
  for (const auto& c : options.collectors) {
    if (auto why = topology::check_kind_choice(table, {c, ""}); !why.empty()) {
      return "--collectors: " + why;
    }
  }
  if (options.probes.empty() || options.collectors.empty()) {
    return "give at least one probe kind (--probes) and one collector kind (--collectors)";
  }
  const std::string longest = lab_name(options.lab_prefix, options.scenarios.size(), "xxx", "xxx");
  if (longest.size() > kMaxLabName || !topology::name_chars_ok(options.lab_prefix, "-") || options.lab_prefix.empty()) {
    return "--name " + options.lab_prefix + ": a lab name prefix of lowercase letters, digits and '-' leaving " +
           "room for the combination (labs are <prefix><scenario#>-<probe><collector>, at most 16 bytes: " + longest +
           ")";
  }
  return "";
}

Result<Matrix> run_matrix(const MatrixOptions& options) {
  if (auto why = check_options(options); !why.empty()) {
    return fail(ErrorKind::kUsage, why);
  }
  // A scenario invalid on its own (with its own kinds) is an error before anything is deployed.
  for (const auto& file : options.scenarios) {
    if (auto loaded = scenario::load_scenario_file(file); !loaded.ok()) {
      return fail(ErrorKind::kUsage, loaded.error_text());
    }
  }
  const auto t0 = std::chrono::steady_clock::now();
  Matrix m;
  m.probes = options.probes;
  m.collectors = options.collectors;
  // Per scenario, per probe, per collector: combination k.
  const std::size_t n_collectors = options.collectors.size();
  const std::size_t n_probes = options.probes.size();
  const std::size_t total = options.scenarios.size() * n_probes * n_collectors;
  for (std::size_t k = 0; k < total && m.interrupted.empty(); ++k) {
    const std::size_t i = k / (n_probes * n_collectors);
    const std::string& probe = options.probes[(k / n_collectors) % n_probes];
    const std::string& collector = options.collectors[k % n_collectors];
    if (options.progress) {
      options.progress(options.scenarios[i].string() + ": probe " + probe + ", collector " + collector);
    }
    m.combinations.push_back(run_one(options, i, probe, collector));
    const auto& c = m.combinations.back();
    if (options.progress) {
      options.progress("  " + c.outcome + (c.runnable ? "" : " (" + c.reason + ")"));
    }
    // The combination's run destroyed its lab when the signal came; the others are not started.
    if (process::interrupt_signal() != 0) {
      m.interrupted = process::interrupt_text() + " after " + std::to_string(m.combinations.size()) + " of " +
                      std::to_string(total) + " combinations (lab " + c.lab + " destroyed)";
    }
  }
  m.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  return m;
}

}  // namespace flowlab::matrix
