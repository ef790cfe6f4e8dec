// flowlab::cli — labctl's verbs. Each verb lives in its own file and registers itself in the table of main.cpp
// (name -> add function); a verb's add() declares its CLI11 subcommand and sets the action to run after parsing.
// Exit codes (docs/labctl.md): 0 ok, 1 verification failed, 2 usage or configuration error, 3 runtime error.
#pragma once

#include "labctl/lab/lab.hpp"
#include "model/model.hpp"

#include <CLI/CLI.hpp>
#include <nlohmann/json.hpp>

#include <chrono>
#include <functional>
#include <iosfwd>
#include <optional>
#include <string>
#include <vector>

namespace flowlab::cli {

enum ExitCode : int { kExitOk = 0, kExitVerifyFailed = 1, kExitUsage = kExitUsageError, kExitRuntime = 3 };

struct Cli {
  std::string rundir = lab::kDefaultRunDir;
  std::string log_level = "warn";
  std::function<int()> action;  // set by the chosen verb

  [[nodiscard]] lab::Options lab_options(bool progress) const;
};

using AddVerb = void (*)(CLI::App& app, Cli& cli);
struct Verb {
  const char* name;
  AddVerb add;
};

// The verbs (one file each).
void add_deploy(CLI::App& app, Cli& cli);
void add_destroy(CLI::App& app, Cli& cli);
void add_inspect(CLI::App& app, Cli& cli);
void add_exec(CLI::App& app, Cli& cli);
void add_validate(CLI::App& app, Cli& cli);
void add_converge(CLI::App& app, Cli& cli);
void add_routes(CLI::App& app, Cli& cli);
void add_flows(CLI::App& app, Cli& cli);  // flows.cpp: a lab's flowcollector (issue 4)
void add_oracle(CLI::App& app, Cli& cli);
void add_run(CLI::App& app, Cli& cli);     // run.cpp: scenarios (issue 5)
void add_report(CLI::App& app, Cli& cli);  // report.cpp: re-render a run directory
void add_graph(CLI::App& app, Cli& cli);   // graph.cpp: the topology diagram (DOT / SVG)
void add_ui(CLI::App& app, Cli& cli);      // ui.cpp: the live view in a browser (issue 17)
void add_matrix(CLI::App& app, Cli& cli);  // matrix.cpp: every probe kind x collector kind (issue 14)

// Shared helpers.
// Loads and derives a topology file; prints every diagnostic to stderr. nullopt when invalid.
std::optional<topology::Topology> load_topology_or_report(const std::string& file);
// A topology file, or a scenario file (one with a `topology:` key: validated fully, its topology inline or by path).
struct TopologyOrScenario {
  std::string kind;  // "topology" or "scenario"
  std::optional<topology::Topology> topology;
  std::vector<topology::Diagnostic> diagnostics;
  std::string scenario_summary;  // "scenario NAME: N streams, M steps; "
};
TopologyOrScenario load_topology_or_scenario(const std::string& file);
// Loads a deployed lab's topology; prints the error. nullopt when the lab is unknown.
std::optional<topology::Topology> load_lab_or_report(const std::string& lab, const Cli& cli);
// Prints rows as an aligned text table (first row = header).
void print_table(const std::vector<std::vector<std::string>>& rows);
// Makes a path option absolute against labctl's working directory, once, where it enters the program: the
// processes labctl starts inside nodes (flowgen, daemons) do not run in that directory. "-" stays as it is.
const CLI::Validator& absolute_path();
// Prints an error line "labctl: error: ..." to stderr.
void print_error(const std::string& message);
// converge.cpp: runs lab::converge for `converge` and `deploy --converge`, prints the outcome (text to `out`, or a
// JSON object to stdout) and returns the exit code: ok, verification failed (timeout) or runtime error.
int converge_and_report(const topology::Topology& topo, const lab::Options& options, std::chrono::milliseconds timeout,
                        bool no_oracle, bool json, std::ostream& out);

}  // namespace flowlab::cli
