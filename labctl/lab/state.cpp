#include "labctl/lab/state.hpp"

#include <nlohmann/json.hpp>

#include <cstdio>
#include <fstream>
#include <sstream>

namespace flowlab::lab {
namespace fs = std::filesystem;
using nlohmann::json;

fs::path lab_dir(const fs::path& rundir, const std::string& lab) { return rundir / lab; }
fs::path state_path(const fs::path& rundir, const std::string& lab) { return lab_dir(rundir, lab) / "state.json"; }

Result<State> read_state(const fs::path& rundir, const std::string& lab) {
  fs::path path = state_path(rundir, lab);
  std::ifstream in(path);
  if (!in) {
    return fail(ErrorKind::kState, "no state file " + path.string());
  }
  try {
    json j = json::parse(in);
    State s;
    s.lab = j.at("lab").get<std::string>();
    s.topology_file = j.value("topology_file", "");
    s.status = j.value("status", "");
    s.namespaces = j.value("namespaces", std::vector<std::string>{});
    for (const auto& p : j.value("processes", json::array())) {
      process::ProcessRef ref;
      ref.pid = p.at("pid").get<pid_t>();
      ref.start_time = p.at("start_time").get<std::uint64_t>();
      ref.name = p.value("name", "");
      ref.node = p.value("node", "");
      s.processes.push_back(ref);
    }
    for (const auto& l : j.value("leftovers", json::array())) {
      s.leftovers.push_back({l.at("pid").get<pid_t>(), l.at("start_time").get<std::uint64_t>(), l.at("path")});
    }
    return s;
  } catch (const std::exception& e) {
    return fail(ErrorKind::kState, "reading " + path.string() + ": " + e.what());
  }
}

Status write_state(const fs::path& rundir, const State& state) {
  json j;
  j["lab"] = state.lab;
  j["topology_file"] = state.topology_file;
  j["status"] = state.status;
  j["namespaces"] = state.namespaces;
  json procs = json::array();
  for (const auto& p : state.processes) {
    procs.push_back({{"node", p.node}, {"name", p.name}, {"pid", p.pid}, {"start_time", p.start_time}});
  }
  j["processes"] = procs;
  json leftovers = json::array();
  for (const auto& l : state.leftovers) {
    leftovers.push_back({{"pid", l.pid}, {"start_time", l.start_time}, {"path", l.path}});
  }
  j["leftovers"] = leftovers;
  fs::path path = state_path(rundir, state.lab);
  fs::path tmp = path;
  tmp += ".tmp";
  {
    std::ofstream out(tmp, std::ios::trunc);
    if (!out) {
      return fail(ErrorKind::kState, "writing " + tmp.string());
    }
    out << j.dump(2) << "\n";
    out.flush();
    if (!out) {
      return fail(ErrorKind::kState, "writing " + tmp.string());
    }
  }
  std::error_code ec;
  fs::rename(tmp, path, ec);
  if (ec) {
    return fail(ErrorKind::kState, "renaming " + tmp.string() + ": " + ec.message());
  }
  return {};
}

std::vector<std::string> list_labs(const fs::path& rundir) {
  std::vector<std::string> out;
  std::error_code ec;
  for (const auto& entry : fs::directory_iterator(rundir, ec)) {
    const std::string name = entry.path().filename().string();
    if (entry.is_directory() && !name.starts_with('.')) {  // not the lab index (lab.hpp kLabIndexDir)
      out.push_back(name);
    }
  }
  std::sort(out.begin(), out.end());
  return out;
}

}  // namespace flowlab::lab
