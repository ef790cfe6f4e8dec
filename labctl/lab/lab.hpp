// flowlab::lab — the lab controller: a derived Topology becomes namespaces, links, addresses and running nodes,
// and `destroy` takes all of it away again.
//
// Deploy order: run dir + state file; one namespace per node plus the lab's management namespace (bridge br0);
// mgmt0 veths; data-plane veths (both ends created directly inside their namespaces); addresses, routes, sysctls;
// node configs rendered and daemons started; readiness. Every resource is recorded in the state file before it is
// created, so destroy() works from the state file alone — after a crash, a SIGKILL, or with the topology gone.
// destroy() is idempotent; it also sweeps namespaces named after the lab and processes living in them.
#pragma once

#include "common/result.hpp"
#include "labctl/lab/state.hpp"
#include "model/model.hpp"
#include "nodes/core/driver.hpp"

#include <chrono>
#include <filesystem>
#include <functional>
#include <string>
#include <vector>

namespace flowlab::lab {

inline constexpr const char* kDefaultRunDir = "/run/flowlab";
// The lab index: one file per lab, `<kLabIndexDir>/<lab>`, holding the absolute run directory the lab was deployed
// under (whatever its --rundir). deploy writes it before creating anything, destroy removes it. It lets every verb
// find a lab's state, configs and sockets from any --rundir (lab_rundir()). Not a lab name (leading dot).
inline constexpr const char* kLabIndexDir = "/run/flowlab/.labs";

struct Options {
  std::filesystem::path rundir = kDefaultRunDir;
  std::function<void(const std::string&)> progress;  // one line per step ("creating namespaces (12)")
  std::chrono::milliseconds ready_timeout{20000};
};

// Builds the whole lab. On failure the partial lab is left for `destroy` (the error says so) unless
// cleanup_on_failure is true.
Status deploy(const topology::Topology& topo, const Options& options, bool cleanup_on_failure = true);

// Stops every process of one node of a deployed lab (its daemons, and the probes running in it) and starts them
// again from freshly rendered configs, as deploy does; returns once they are ready. `topo` is the deployed one.
Status restart_node(const topology::Topology& topo, const std::string& node, const Options& options);

// Removes every namespace, link, process, mount and file of the lab (its run directory found by lab_rundir(), and
// its index entry). Idempotent: succeeds when nothing is left.
Status destroy(const std::string& lab, const Options& options);

// Names of labs that exist: a run directory under options.rundir, namespaces named fl-<lab>-*, or an index entry
// whose run directory still holds the lab.
std::vector<std::string> existing_labs(const Options& options);

// The run directory that holds `lab`: options.rundir when the lab's state file or topology copy is there, else
// the one the lab index recorded at deploy (when it still holds the lab), else options.rundir.
std::filesystem::path lab_rundir(const std::string& lab, const Options& options);

// The topology a deployed lab was built from (the copy kept in its run dir, found by lab_rundir()). An unknown lab
// is an error "no lab named 'X' (labs: a, b)".
Result<topology::Topology> load_deployed_topology(const std::string& lab, const Options& options);

// Node context (dir, topology, node) for driving a node of a deployed lab (its directory under lab_rundir()).
nodes::NodeContext node_context(const topology::Topology& topo, const topology::Node& node, const Options& options);

// Gives a loaded topology another lab name (`deploy --name`): the namespace names follow.
void rename_lab(topology::Topology& topo, const std::string& name);

// Lab name validity ([a-z][a-z0-9-]{0,15}); also protects destroy's namespace sweep from odd names.
bool valid_lab_name(const std::string& name);

}  // namespace flowlab::lab
