#include "model/kinds.hpp"

namespace flowlab::topology {

std::optional<Role> role_of_kind(KindTable kinds, std::string_view kind) {
  for (const auto& k : kinds) {
    if (k.name == kind) {
      return k.role;
    }
  }
  return std::nullopt;
}

std::string kind_list(KindTable kinds) {
  std::string out;
  for (const auto& k : kinds) {
    if (!out.empty()) {
      out += ", ";
    }
    out += k.name;
  }
  return out;
}

std::string_view role_name(Role role) { return enum_name(kRoleNames, role); }

}  // namespace flowlab::topology
