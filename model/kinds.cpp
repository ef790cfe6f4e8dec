#include "model/kinds.hpp"

#include <array>

namespace flowlab::topology {
namespace {

// One line per kind. Later kinds (nfacctd, softflowd, ...) are added here.
// clang-format off
constexpr std::array kKinds{
    KindInfo{"bird", Role::kRouter},
    KindInfo{"frr", Role::kRouter},
    KindInfo{"host", Role::kHost},
    KindInfo{"collector", Role::kCollector},
    KindInfo{"tee", Role::kTee},
};
// clang-format on

}  // namespace

std::span<const KindInfo> known_kinds() { return kKinds; }

std::optional<Role> role_of_kind(std::string_view kind) {
  for (const auto& k : kKinds) {
    if (k.name == kind) {
      return k.role;
    }
  }
  return std::nullopt;
}

std::string known_kind_list() {
  std::string out;
  for (const auto& k : kKinds) {
    if (!out.empty()) {
      out += ", ";
    }
    out += k.name;
  }
  return out;
}

bool is_router_node(const Node* node) { return node != nullptr && role_of_kind(node->kind) == Role::kRouter; }

std::string_view role_name(Role role) { return enum_name(kRoleNames, role); }

}  // namespace flowlab::topology
