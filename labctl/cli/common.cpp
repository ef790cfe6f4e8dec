#include "labctl/cli/cli.hpp"
#include "nodes/core/driver.hpp"

#include "labctl/scenario/loader.hpp"
#include "model/loader.hpp"

#include <algorithm>
#include <filesystem>
#include <iostream>

namespace flowlab::cli {

lab::Options Cli::lab_options(bool progress) const {
  lab::Options o;
  o.rundir = rundir;
  if (progress) {
    o.progress = [](const std::string& line) { std::cerr << "labctl: " << line << "\n"; };
  }
  return o;
}

const CLI::Validator& absolute_path() {
  static const CLI::Validator kAbsolute(
      [](std::string& value) {
        if (value.empty() || value == "-") {
          return std::string();
        }
        std::error_code ec;
        auto path = std::filesystem::absolute(value, ec);
        if (ec) {
          return "cannot make " + value + " absolute: " + ec.message();
        }
        value = path.lexically_normal().string();
        return std::string();
      },
      "", "ABSOLUTE");
  return kAbsolute;
}

void print_error(const std::string& message) { std::cerr << "labctl: error: " << message << "\n"; }

std::optional<topology::Topology> load_topology_or_report(const std::string& file) {
  auto loaded = topology::load_topology_file(file, nodes::kinds());
  for (const auto& d : loaded.diagnostics) {
    std::cerr << d.to_string() << "\n";
  }
  if (!loaded.topology) {
    std::cerr << "labctl: " << loaded.diagnostics.size() << " error(s) in " << file << "\n";
    return std::nullopt;
  }
  return std::move(loaded.topology);
}

TopologyOrScenario load_topology_or_scenario(const std::string& file) {
  TopologyOrScenario v;
  if (scenario::is_scenario_file(file)) {
    v.kind = "scenario";
    auto loaded = scenario::load_scenario_file(file);
    v.diagnostics = std::move(loaded.diagnostics);
    if (loaded.scenario) {
      v.scenario_summary = "scenario " + loaded.scenario->name + ": " +
                           std::to_string(loaded.scenario->traffic.size()) + " streams, " +
                           std::to_string(loaded.scenario->steps.size()) + " steps; ";
      v.topology = std::move(loaded.scenario->topology);
    }
    return v;
  }
  v.kind = "topology";
  auto loaded = topology::load_topology_file(file, nodes::kinds());
  v.diagnostics = std::move(loaded.diagnostics);
  v.topology = std::move(loaded.topology);
  return v;
}

std::optional<topology::Topology> load_lab_or_report(const std::string& lab, const Cli& cli) {
  auto topo = lab::load_deployed_topology(lab, cli.lab_options(false));
  if (!topo.ok()) {
    print_error(topo.error().message);
    return std::nullopt;
  }
  return std::move(*topo);
}

void print_table(const std::vector<std::vector<std::string>>& rows) {
  std::vector<std::size_t> width;
  for (const auto& row : rows) {
    width.resize(std::max(width.size(), row.size()));
    for (std::size_t i = 0; i < row.size(); ++i) {
      width[i] = std::max(width[i], row[i].size());
    }
  }
  for (const auto& row : rows) {
    std::string line;
    for (std::size_t i = 0; i < row.size(); ++i) {
      line += row[i];
      if (i + 1 < row.size()) {
        line += std::string(width[i] - row[i].size() + 2, ' ');
      }
    }
    std::cout << line << "\n";
  }
}

}  // namespace flowlab::cli
