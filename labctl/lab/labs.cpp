// The lab index and the labs that exist: run directories, namespaces named after a lab, index entries.
#include "labctl/lab/lab_detail.hpp"
#include "platform/netns/netns.hpp"

#include <fstream>
#include <regex>
#include <set>

namespace flowlab::lab {
namespace fs = std::filesystem;

namespace detail {

void say(const Options& o, const std::string& line) {
  if (o.progress) {
    o.progress(line);
  }
}

namespace {
fs::path index_file(const std::string& lab) { return fs::path(kLabIndexDir) / lab; }

}  // namespace

// The run directory the index recorded for `lab` ("" when none).
fs::path indexed_rundir(const std::string& lab) {
  std::ifstream in(index_file(lab));
  std::string line;
  if (!in || !std::getline(in, line)) {
    return {};
  }
  return fs::path(line);
}

// Records the lab's run directory in the index (temp file + rename). Best effort: a lab without an index entry
// is still found under its own --rundir.
void write_index(const std::string& lab, const fs::path& rundir, const Options& options) {
  std::error_code ec;
  fs::create_directories(kLabIndexDir, ec);
  const fs::path tmp = index_file(lab).string() + ".tmp";
  {
    std::ofstream out(tmp);
    out << fs::absolute(rundir, ec).string() << "\n";
  }
  fs::rename(tmp, index_file(lab), ec);
  if (ec) {
    say(options, "cannot record lab " + lab + " in " + std::string(kLabIndexDir) + ": " + ec.message());
  }
}

// The index directory itself stays (shared by every lab, like the default run directory): removing it when empty
// would race with another lab's deploy writing its entry.
void remove_index(const std::string& lab) {
  std::error_code ec;
  fs::remove(index_file(lab), ec);
}

bool holds_lab(const fs::path& rundir, const std::string& lab) {
  std::error_code ec;
  return fs::exists(state_path(rundir, lab), ec) || fs::exists(lab_dir(rundir, lab) / "topology.yaml", ec);
}

}  // namespace detail

using detail::holds_lab;
using detail::indexed_rundir;

std::vector<std::string> existing_labs(const Options& options) {
  std::set<std::string> labs;
  for (const auto& l : list_labs(options.rundir)) {
    labs.insert(l);
  }
  const std::regex ns_re("^fl-([a-z][a-z0-9-]*)-[a-z0-9]+$");
  for (const auto& ns : netns::list_namespaces("fl-")) {
    std::smatch m;
    if (std::regex_match(ns, m, ns_re)) {
      labs.insert(m[1].str());
    }
  }
  std::error_code ec;
  for (const auto& entry : fs::directory_iterator(kLabIndexDir, ec)) {
    const std::string name = entry.path().filename().string();
    if (valid_lab_name(name) && holds_lab(indexed_rundir(name), name)) {
      labs.insert(name);
    }
  }
  return {labs.begin(), labs.end()};
}

fs::path lab_rundir(const std::string& lab, const Options& options) {
  if (holds_lab(options.rundir, lab)) {
    return options.rundir;
  }
  fs::path indexed = indexed_rundir(lab);
  if (!indexed.empty() && holds_lab(indexed, lab)) {
    return indexed;
  }
  return options.rundir;
}

}  // namespace flowlab::lab
