// flowlab::topology kinds — the table that maps each node kind ("bird", "frr", "host", "collector", ...) to the
// role it plays in the lab. Adding a kind is one line in kinds.cpp.
#pragma once

#include "model/model.hpp"

#include <optional>
#include <span>
#include <string>
#include <string_view>

namespace flowlab::topology {

struct KindInfo {
  std::string_view name;  // the value of a node's `kind:` key
  Role role;
};

// Every known kind, in the order they are listed to users.
[[nodiscard]] std::span<const KindInfo> known_kinds();
// The role of a kind, or nullopt for an unknown kind.
[[nodiscard]] std::optional<Role> role_of_kind(std::string_view kind);
// A router by its kind (before derivation sets Node::role too); false for nullptr.
[[nodiscard]] bool is_router_node(const Node* node);
// "bird, frr, host, collector"
[[nodiscard]] std::string known_kind_list();
// "router", "host", "collector", "tee"
[[nodiscard]] std::string_view role_name(Role role);

}  // namespace flowlab::topology
