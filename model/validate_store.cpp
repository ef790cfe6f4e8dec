#include "model/validate_store.hpp"

#include "common/strings.hpp"

namespace flowlab::topology {
namespace {

// The collector kinds that write a store ("collector").
std::string store_writers(KindTable kinds) {
  std::string out;
  for (const auto& k : kinds.nodes) {
    if (k.role == Role::kCollector && k.no_store.empty()) {
      out += (out.empty() ? "" : ", ") + std::string(k.name);
    }
  }
  return out;
}

}  // namespace

void validate_stores(const Topology& topology, KindTable kinds, const SourceMap& marks, DiagnosticSink& sink) {
  std::vector<std::string> names;
  for (const auto& n : topology.nodes) {
    names.push_back(n.name);
  }
  for (const auto& n : topology.nodes) {
    if (n.role != Role::kCollector || n.store.empty()) {
      continue;
    }
    const std::string path = "nodes." + n.name + ".store";
    const KindInfo* kind = find_kind(kinds, n.kind);
    if (kind != nullptr && !kind->no_store.empty()) {
      sink.error(marks.at(path), path + ": a " + n.kind + " collector cannot write a store: " +
                                     std::string(kind->no_store) + " (kinds that can: " + store_writers(kinds) + ")");
      continue;
    }
    const Node* store = topology.find_node(n.store);
    if (store == nullptr) {
      std::string msg = "unknown node '" + n.store + "'";
      if (auto guess = closest_match(n.store, names)) {
        msg += " (did you mean '" + *guess + "'?)";
      }
      sink.error(marks.at(path), path + ": " + msg);
    } else if (role_of_kind(kinds, store->kind) != Role::kStore) {
      sink.error(marks.at(path), path + ": node '" + store->name + "' is a " + store->kind +
                                     " node, not a store (store kinds: " + kind_list(kinds, Role::kStore) + ")");
    }
  }
}

}  // namespace flowlab::topology
