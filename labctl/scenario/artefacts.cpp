// The run directory (DESIGN.md section 9): the nodes' files, each router's and collector's RIB, each collector's
// records, and the verdict in four forms.
#include "labctl/report/report_html.hpp"
#include "labctl/scenario/run_context.hpp"
#include "labctl/scenario/time_steps.hpp"
#include "labctl/ui/talkers.hpp"

#include <fstream>
#include <set>

namespace flowlab::scenario {

namespace fs = std::filesystem;

namespace {

nlohmann::json rib_json(const std::vector<topology::RibEntry>& rib) {
  nlohmann::json j = nlohmann::json::array();
  for (const auto& e : rib) {
    nlohmann::json r{{"prefix", e.prefix.to_string()},
                     {"best", e.best},
                     {"source", e.source},
                     {"as_path", e.as_path},
                     {"origin", e.origin},
                     {"communities", e.communities},
                     {"large_communities", e.large_communities}};
    if (e.next_hop) {
      r["next_hop"] = e.next_hop->to_string();
    }
    if (e.from) {
      r["from"] = e.from->to_string();
    }
    if (e.local_pref) {
      r["local_pref"] = *e.local_pref;
    }
    j.push_back(r);
  }
  return j;
}

// Every regular file of the lab's node folders, but not a store node's database folders (data/, tmp/, ...): a running
// server writes and merges them while they would be copied, and the rows are read from the server itself (`from:
// store`, `labctl flows --history`). Its config and logs are copied. A file that cannot be copied is said, not skipped
// silently.
void copy_node_files(const RunContext& run) {
  std::error_code ec;
  const fs::path lab_dir = lab::lab_dir(run.lab_options.rundir, run.sc.lab_name());
  const fs::path nodes_dir = run.out_dir / "nodes";
  fs::create_directories(nodes_dir, ec);
  std::set<fs::path> stores;
  for (const auto& node : run.topo().nodes) {
    if (node.role == topology::Role::kStore) {
      stores.insert(lab_dir / node.name);
    }
  }
  fs::recursive_directory_iterator it(lab_dir, ec);
  for (; !ec && it != fs::recursive_directory_iterator(); it.increment(ec)) {
    std::error_code file_ec;
    if (it->is_directory(file_ec) && stores.contains(it->path().parent_path())) {
      it.disable_recursion_pending();
      continue;
    }
    if (!it->is_regular_file(file_ec)) {
      continue;  // sockets, directories
    }
    const fs::path rel = it->path().lexically_relative(lab_dir);
    fs::create_directories((nodes_dir / rel).parent_path(), file_ec);
    if (!fs::copy_file(it->path(), nodes_dir / rel, fs::copy_options::overwrite_existing, file_ec)) {
      run.say("copying " + it->path().string() + " into the run directory: " + file_ec.message());
    }
  }
  if (ec) {
    run.say("copying the lab's files from " + lab_dir.string() + ": " + ec.message());
  }
}

// The AS analysis tables (report.html) of the first collector whose records are an aggregate table (`collect: {at}`
// picks the collector when the scenario names one).
void add_as_tables(RunContext& run, const topology::Node& collector, const nlohmann::json& records) {
  const bool wanted = run.sc.collect ? run.sc.collect->at == collector.name : run.run.as_tables.is_null();
  if (!wanted || !records.contains("primitives")) {
    return;
  }
  run.run.as_tables = ui::as_tables(records, record_labels(run));
  run.run.as_tables["collector"] = collector.name;
}

}  // namespace

void save_artefacts(RunContext& run) {
  // The collectors write their stores and table dumps periodically: have them write now, so the copies below hold
  // the run's rows (flows.db) and each peer's table (bgp-<peer>.jsonl).
  for (const auto& node : run.topo().nodes) {
    if (auto persisted = run.driver(node).persist(run.context(node)); !persisted.ok()) {
      run.say("node " + node.name +
              ": writing its files before saving the run directory: " + persisted.error().message);
    }
  }
  copy_node_files(run);
  std::error_code ec;
  const fs::path ribs = run.out_dir / "ribs";
  fs::create_directories(ribs, ec);
  for (const auto& node : run.topo().nodes) {
    if (!node.is_router() && node.role != topology::Role::kCollector) {
      continue;
    }
    const auto& driver = run.driver(node);
    if (auto rib = driver.rib(run.context(node)); rib.ok()) {
      std::ofstream(ribs / (node.name + ".json")) << rib_json(*rib).dump(1) << "\n";
    } else {
      continue;
    }
    if (auto records = driver.dump_records(run.context(node)); records.ok() && records->has_value()) {
      std::ofstream(run.out_dir / ("records-" + node.name + ".json")) << (*records)->dump(1) << "\n";
      add_as_tables(run, node, **records);
    }
  }
}

void write_reports(const RunContext& run) {
  std::ofstream(run.out_dir / "verdict.txt") << report::verdict_table(run.run);
  std::ofstream(run.out_dir / "verdict.json") << report::verdict_json(run.run).dump(2) << "\n";
  std::ofstream(run.out_dir / "junit.xml") << report::junit_xml({run.run});
  if (!run.run.time_steps.is_null()) {
    std::ofstream(run.out_dir / "steps.json") << run.run.time_steps.dump(1) << "\n";
  }
  std::ofstream(run.out_dir / "report.html") << report::report_html(run.run);
}

}  // namespace flowlab::scenario
