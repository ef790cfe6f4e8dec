#include "model/kinds.hpp"

namespace flowlab::topology {
namespace {

template <typename Range, typename Keep>
std::string names(const Range& range, Keep keep) {
  std::string out;
  for (const auto& k : range) {
    if (keep(k)) {
      out += (out.empty() ? "" : ", ") + std::string(k.name);
    }
  }
  return out;
}

}  // namespace

const KindInfo* find_kind(KindTable kinds, std::string_view kind) {
  for (const auto& k : kinds.nodes) {
    if (k.name == kind) {
      return &k;
    }
  }
  return nullptr;
}

std::optional<Role> role_of_kind(KindTable kinds, std::string_view kind) {
  const KindInfo* k = find_kind(kinds, kind);
  return k == nullptr ? std::nullopt : std::optional<Role>(k->role);
}

std::string kind_list(KindTable kinds) {
  return names(kinds.nodes, [](const KindInfo&) { return true; });
}

std::string kind_list(KindTable kinds, Role role) {
  return names(kinds.nodes, [role](const KindInfo& k) { return k.role == role; });
}

std::string fault_kind_list(KindTable kinds) {
  return names(kinds.nodes, [](const KindInfo& k) { return k.faults; });
}

std::string probe_kind_list(KindTable kinds) {
  return names(kinds.probes, [](const ProbeKindInfo&) { return true; });
}

const ProbeKindInfo* find_probe_kind(KindTable kinds, std::string_view kind) {
  for (const auto& k : kinds.probes) {
    if (k.name == kind) {
      return &k;
    }
  }
  return nullptr;
}

std::string_view default_probe_kind(KindTable kinds) {
  return kinds.probes.empty() ? std::string_view() : kinds.probes.front().name;
}

std::string check_kind_choice(KindTable kinds, const KindChoice& choice) {
  std::string out;
  if (!choice.collector.empty() && role_of_kind(kinds, choice.collector) != Role::kCollector) {
    out =
        "'" + choice.collector + "' is no collector kind (collector kinds: " + kind_list(kinds, Role::kCollector) + ")";
  }
  if (!choice.probe.empty() && find_probe_kind(kinds, choice.probe) == nullptr) {
    out += (out.empty() ? "" : "; ") +
           ("'" + choice.probe + "' is no probe kind (probe kinds: " + probe_kind_list(kinds) + ")");
  }
  return out;
}

std::string password_problem(const KindInfo& kind, std::string_view key) {
  const PasswordLimits& limits = kind.password;
  const std::string who = "kind " + std::string(kind.name) + " cannot use this password: ";
  if (key.size() > limits.max_bytes) {
    return who + "it is " + std::to_string(key.size()) + " bytes, " + std::string(kind.name) + " takes at most " +
           std::to_string(limits.max_bytes) + " (" + std::string(limits.max_bytes_why) + ")";
  }
  if (const auto at = key.find_first_of(limits.refused); at != std::string_view::npos) {
    return who + "it holds '" + std::string(1, key[at]) + "' (" + std::string(limits.refused_why) + ")";
  }
  return "";
}

std::string_view role_name(Role role) { return enum_name(kRoleNames, role); }

}  // namespace flowlab::topology
