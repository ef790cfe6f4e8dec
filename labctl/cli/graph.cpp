// labctl graph TOPOLOGY [--format dot|svg] [-o FILE]
#include "labctl/cli/cli.hpp"
#include "labctl/report/diagram.hpp"

#include <fstream>
#include <iostream>
#include <memory>

namespace flowlab::cli {

namespace {

struct GraphArgs {
  std::string file;
  std::string format;  // "" = by the output file's extension, else dot
  std::string out;
};

bool ends_with(const std::string& s, const std::string& suffix) {
  return s.size() >= suffix.size() && s.compare(s.size() - suffix.size(), suffix.size(), suffix) == 0;
}

int run_graph(const GraphArgs& args) {
  // A topology file, or a scenario (its topology: a path or inline).
  auto loaded = load_topology_or_scenario(args.file);
  if (!loaded.topology) {
    for (const auto& d : loaded.diagnostics) {
      std::cerr << d.to_string() << "\n";
    }
    std::cerr << "labctl: " << loaded.diagnostics.size() << " error(s) in " << args.file << " (a " << loaded.kind
              << " file)\n";
    return kExitUsage;
  }
  const std::optional<topology::Topology>& topo = loaded.topology;
  const std::string format = !args.format.empty() ? args.format : ends_with(args.out, ".svg") ? "svg" : "dot";
  const auto diagram = report::diagram_of(*topo);
  std::string text;
  if (format == "svg") {
    text = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n" +
           report::render_svg(diagram, report::layout_diagram(diagram)) + "\n";
  } else {
    text = report::render_dot(diagram);
  }
  if (args.out.empty() || args.out == "-") {
    std::cout << text;
    return kExitOk;
  }
  std::ofstream out(args.out);
  out << text;
  if (!out) {
    print_error("cannot write " + args.out);
    return kExitRuntime;
  }
  return kExitOk;
}

}  // namespace

void add_graph(CLI::App& app, Cli& cli) {
  auto args = std::make_shared<GraphArgs>();
  auto* sub = app.add_subcommand(
      "graph", "Draw a topology (or a scenario's topology): Graphviz DOT, or SVG from labctl's own layout");
  sub->add_option("topology", args->file, "Topology or scenario file (YAML)")->required()->check(CLI::ExistingFile);
  sub->add_option("--format", args->format, "dot or svg (default: svg when -o ends in .svg, else dot)")
      ->check(CLI::IsMember({"dot", "svg"}));
  sub->add_option("-o,--output", args->out, "Write to FILE instead of standard output")->transform(absolute_path());
  sub->callback([args, &cli] { cli.action = [args] { return run_graph(*args); }; });
}

}  // namespace flowlab::cli
