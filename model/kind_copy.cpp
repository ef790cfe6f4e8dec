// The topology as a run deployed it: the kind choice written into the YAML text (loader.hpp).
#include "model/loader.hpp"

#include <yaml-cpp/yaml.h>

namespace flowlab::topology {
namespace {

// The `kind:` a node map names, or the topology's default kind.
std::string node_kind(const YAML::Node& node, const YAML::Node& root) {
  if (node.IsMap() && node["kind"] && node["kind"].IsScalar()) {
    return node["kind"].Scalar();
  }
  const YAML::Node defaults = root["defaults"];
  if (defaults && defaults.IsMap() && defaults["kind"] && defaults["kind"].IsScalar()) {
    return defaults["kind"].Scalar();
  }
  return Topology{}.default_kind;
}

void choose_kinds(YAML::Node root, KindTable kinds, const KindChoice& choice) {
  if (!choice.collector.empty() && root["nodes"] && root["nodes"].IsMap()) {
    for (auto entry : root["nodes"]) {
      YAML::Node node = entry.second;
      if (node.IsMap() && role_of_kind(kinds, node_kind(node, root)) == Role::kCollector) {
        node["kind"] = choice.collector;
      }
    }
  }
  if (!choice.probe.empty() && root["probes"] && root["probes"].IsSequence()) {
    for (auto probe : root["probes"]) {
      if (probe.IsMap()) {
        probe["kind"] = choice.probe;
      }
    }
  }
}

}  // namespace

Result<std::string> topology_text_with_kinds(std::string_view yaml, KindTable kinds, const KindChoice& choice) {
  try {
    YAML::Node root = YAML::Load(std::string(yaml));
    if (root.IsMap() && root["topology"] && root["topology"].IsMap()) {
      root = root["topology"];  // a scenario with its topology inline
    }
    if (!root.IsMap()) {
      return fail(ErrorKind::kConfig, "not a topology: expected a map at the top level");
    }
    choose_kinds(root, kinds, choice);
    YAML::Emitter out;
    out << root;
    if (!out.good()) {
      return fail(ErrorKind::kConfig, "cannot write the topology: " + out.GetLastError());
    }
    return std::string(out.c_str()) + "\n";
  } catch (const YAML::Exception& e) {
    return fail(ErrorKind::kConfig, std::string("cannot read the topology: ") + e.what());
  }
}

}  // namespace flowlab::topology
