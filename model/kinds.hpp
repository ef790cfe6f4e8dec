// flowlab::topology kinds — what the model knows of a node kind: its name (a node's `kind:` value) and the role it
// plays. The table itself belongs to the node drivers (nodes::kinds(), one registration line per kind); the loader
// is handed it, so the model never names a kind.
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

// Every kind a topology may use, in the order they are listed to users.
using KindTable = std::span<const KindInfo>;

// The role of a kind, or nullopt for a kind the table does not list.
[[nodiscard]] std::optional<Role> role_of_kind(KindTable kinds, std::string_view kind);
// "bird, frr, host, collector, tee"
[[nodiscard]] std::string kind_list(KindTable kinds);
// "router", "host", "collector", "tee"
[[nodiscard]] std::string_view role_name(Role role);

}  // namespace flowlab::topology
