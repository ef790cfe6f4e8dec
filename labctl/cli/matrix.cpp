// labctl matrix SCENARIO... --probes K,K,... --collectors K,K,... [--out DIR] [--name PREFIX] [--json]
// Runs every scenario with every probe kind × collector kind (labctl/matrix/matrix.hpp) and prints the table of
// PASS / FAIL / FLAGGED / n/a per field family; writes matrix.txt, matrix.json and matrix.html into DIR, each
// combination's run directory under DIR/<scenario>/<probe>-<collector>.
#include "labctl/matrix/matrix.hpp"
#include "labctl/cli/cli.hpp"
#include "platform/process/interrupt.hpp"

#include <ctime>
#include <fstream>
#include <iostream>
#include <memory>

namespace flowlab::cli {
namespace {

// Kinds named after their program: flowcollector is the program of kind `collector`.
constexpr EnumName<const char*> kKindAliases[] = {{"flowcollector", "collector"}};

struct MatrixArgs {
  std::vector<std::string> scenarios;
  std::vector<std::string> probes;
  std::vector<std::string> collectors;
  std::string out;
  std::string name = "mx";
  bool json = false;
};

std::vector<std::string> kinds_of(const std::vector<std::string>& given) {
  std::vector<std::string> out;
  for (const auto& k : given) {
    const auto alias = find_enum(kKindAliases, k);
    out.emplace_back(alias ? *alias : k);
  }
  return out;
}

Status write_file(const std::filesystem::path& path, const std::string& text) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out << text;
  return out ? Status{} : fail(ErrorKind::kIo, "cannot write " + path.string());
}

int run_matrix_verb(const MatrixArgs& args, const Cli& cli) {
  matrix::MatrixOptions options;
  options.scenarios.assign(args.scenarios.begin(), args.scenarios.end());
  options.probes = kinds_of(args.probes);
  options.collectors = kinds_of(args.collectors);
  options.lab_prefix = args.name;
  options.lab_rundir = cli.rundir;
  options.out_dir = args.out.empty()
                        ? std::filesystem::absolute("flowlab-runs") / ("matrix-" + std::to_string(std::time(nullptr)))
                        : std::filesystem::path(args.out);
  if (!args.json) {
    options.progress = [](const std::string& line) { std::cerr << "labctl: " << line << "\n"; };
  }
  process::catch_interrupts();  // SIGINT/SIGTERM: the running combination destroys its lab, no other starts
  auto m = matrix::run_matrix(options);
  if (!m.ok()) {
    if (m.error().kind == ErrorKind::kUsage && m.error().message.find(": error: ") != std::string::npos) {
      std::cerr << m.error().message;  // a scenario's diagnostics, one per line
    } else {
      print_error(m.error().message);
    }
    return is_usage_error(m.error().kind) ? kExitUsage : kExitRuntime;
  }
  std::error_code ec;
  std::filesystem::create_directories(options.out_dir, ec);
  const std::string text = matrix::matrix_text(*m);
  const auto json = matrix::matrix_json(*m);
  for (const auto& [file, content] : {std::pair<std::string, std::string>{"matrix.txt", text},
                                      {"matrix.json", json.dump(2) + "\n"},
                                      {"matrix.html", matrix::matrix_html(*m)}}) {
    if (auto written = write_file(options.out_dir / file, content); !written.ok()) {
      print_error(written.error().message);
      return kExitRuntime;
    }
  }
  if (args.json) {
    std::cout << json.dump(2) << "\n";
  } else {
    std::cout << text << "matrix: " << (options.out_dir / "matrix.html").string() << "\n";
  }
  if (!m->interrupted.empty()) {
    return kExitRuntime;  // the reports hold the combinations that ran
  }
  return matrix::failed(*m) ? kExitVerifyFailed : kExitOk;
}

}  // namespace

void add_matrix(CLI::App& app, Cli& cli) {
  auto args = std::make_shared<MatrixArgs>();
  auto* sub = app.add_subcommand(
      "matrix", "Run scenarios with every probe kind x collector kind: PASS / FAIL / n/a per field family");
  sub->add_option("scenario", args->scenarios, "Scenario files (YAML)")->required()->check(CLI::ExistingFile);
  sub->add_option("--probes", args->probes, "Probe kinds, comma-separated (flowprobe, softflowd, pmacctd, fprobe)")
      ->delimiter(',')
      ->required();
  sub->add_option("--collectors", args->collectors,
                  "Collector kinds, comma-separated (flowcollector = kind collector, nfacctd, sfacctd, nfcapd, sfcapd)")
      ->delimiter(',')
      ->required();
  sub->add_option("--out", args->out,
                  "Directory for matrix.txt/.json/.html and each run (default: ./flowlab-runs/matrix-<unix time>)")
      ->transform(absolute_path());
  sub->add_option("--name", args->name,
                  "Lab name prefix: each combination runs as lab <prefix><scenario#>-<probe><collector>")
      ->capture_default_str();
  sub->add_flag("--json", args->json, "Print matrix.json instead of the table (no progress lines)");
  sub->callback([args, &cli] { cli.action = [args, &cli] { return run_matrix_verb(*args, cli); }; });
}

}  // namespace flowlab::cli
