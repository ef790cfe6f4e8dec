// labctl report RUN_DIR [--html FILE] [--text]
#include "labctl/report/report.hpp"
#include "labctl/cli/cli.hpp"
#include "labctl/report/report_html.hpp"

#include <filesystem>
#include <fstream>
#include <iostream>
#include <memory>
#include <sstream>

namespace flowlab::cli {

namespace {

namespace fs = std::filesystem;

struct ReportArgs {
  std::string dir;
  std::string html;  // "" = RUN_DIR/report.html (with verdict.txt); "-" = standard output
  bool text = false;
};

bool write_file(const fs::path& path, const std::string& text) {
  std::ofstream out(path);
  out << text;
  if (!out) {
    print_error("cannot write " + path.string());
    return false;
  }
  return true;
}

int run_report(const ReportArgs& args) {
  std::error_code ec;
  if (!fs::is_directory(args.dir, ec)) {
    print_error(args.dir + ": no such directory (give the run directory a `labctl run` wrote)");
    return kExitUsage;
  }
  const fs::path json_file = fs::path(args.dir) / "verdict.json";
  std::ifstream in(json_file);
  if (!in) {
    print_error(args.dir + ": no verdict.json here — not a labctl run directory?");
    return kExitUsage;
  }
  std::stringstream buffer;
  buffer << in.rdbuf();
  const auto json = nlohmann::json::parse(buffer.str(), nullptr, /*allow_exceptions=*/false);
  if (json.is_discarded()) {
    print_error(json_file.string() + ": not valid JSON");
    return kExitUsage;
  }
  auto run = report::run_from_json(json);
  if (!run.ok()) {
    print_error(json_file.string() + ": " + run.error().message);
    return kExitUsage;
  }
  if (std::ifstream steps(fs::path(args.dir) / "steps.json"); steps) {  // the time steps, when the run has them
    std::stringstream text;
    text << steps.rdbuf();
    run->time_steps = nlohmann::json::parse(text.str(), nullptr, /*allow_exceptions=*/false);
    if (run->time_steps.is_discarded()) {
      print_error((fs::path(args.dir) / "steps.json").string() + ": not valid JSON");
      return kExitUsage;
    }
  }
  if (args.text) {
    std::cout << report::verdict_table(*run);
  }
  if (args.html == "-") {
    std::cout << report::report_html(*run);
  } else if (!args.html.empty()) {
    if (!write_file(args.html, report::report_html(*run))) {
      return kExitRuntime;
    }
    std::cerr << "labctl: wrote " << args.html << "\n";
  } else if (!args.text) {
    const fs::path txt = fs::path(args.dir) / "verdict.txt";
    const fs::path html = fs::path(args.dir) / "report.html";
    if (!write_file(txt, report::verdict_table(*run)) || !write_file(html, report::report_html(*run))) {
      return kExitRuntime;
    }
    std::cerr << "labctl: wrote " << txt.string() << " and " << html.string() << "\n";
  }
  return kExitOk;
}

}  // namespace

void add_report(CLI::App& app, Cli& cli) {
  auto args = std::make_shared<ReportArgs>();
  auto* sub =
      app.add_subcommand("report", "Re-render a run directory's verdict.txt and report.html from its verdict.json");
  sub->add_option("run_dir", args->dir, "Run directory written by labctl run")->required()->transform(absolute_path());
  sub->add_option("--html", args->html, "Write report.html to FILE instead (- = standard output)")
      ->transform(absolute_path());
  sub->add_flag("--text", args->text, "Print the verdict table (with --html: as well; alone: nothing is written)");
  sub->callback([args, &cli] { cli.action = [args] { return run_report(*args); }; });
}

}  // namespace flowlab::cli
