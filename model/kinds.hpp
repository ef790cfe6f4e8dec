// flowlab::topology kinds — what the model knows of a node kind (its name, a node's `kind:` value, and the role it
// plays) and of a probe kind (its name, a probe's `kind:` value, and which of a probe's options it can honour). The
// table itself belongs to the node drivers (nodes::kinds(), one registration line per kind); the loader is handed
// it, so the model never names a kind.
#pragma once

#include "common/tcp_md5_key.hpp"
#include "model/model.hpp"

#include <cstddef>

#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace flowlab::topology {

// Collectors: the TCP-MD5 passwords (`bgp_password:`) this kind's configuration can carry, beyond the common rule
// (common/tcp_md5_key.hpp); the defaults add no limit. Each limit says why, naming the product.
struct PasswordLimits {
  std::size_t max_bytes = kMaxTcpMd5KeyBytes;
  std::string_view max_bytes_why = {};
  std::string_view refused = {};  // characters the kind's file cannot hold
  std::string_view refused_why = {};
};

struct KindInfo {
  std::string_view name;  // the value of a node's `kind:` key
  Role role;
  // Routers: why this kind cannot report to a collector over BMP (RFC 7854), naming the product ("BIRD 2 has no
  // BMP"); empty when it can (a collector's `bmp:` list takes it).
  std::string_view no_bmp = {};
  // Whether the kind is a flowlab program that takes `fault:` (a seeded fault switch, docs/faults.md); a
  // third-party tool does not, and the loader rejects the key on its nodes.
  bool faults = false;
  PasswordLimits password = {};
  // Collectors: why this kind cannot write a lab's store (`store: NODE`), naming the product; empty when it can.
  std::string_view no_store = {};
};

// An option of a probe its kind cannot honour: the probe's key ("format", "direction", "ifindex", "bgp", ...) and
// why, in words naming the kind ("fprobe exports NetFlow v5 only, not ipfix").
struct KindIssue {
  std::string key;
  std::string message;
};
// The options of `probe` its kind cannot honour; empty when the kind runs the probe as written.
using ProbeCheck = std::vector<KindIssue> (*)(const ProbeSpec& probe);

struct ProbeKindInfo {
  std::string_view name;  // the value of a probe's `kind:` key
  ProbeCheck check = nullptr;
};

// Every kind a topology may use, in the order they are listed to users. A probe without `kind:` runs the first
// probe kind.
struct KindTable {
  std::span<const KindInfo> nodes;
  std::span<const ProbeKindInfo> probes;
};

// The kind named `kind`, or nullptr.
[[nodiscard]] const KindInfo* find_kind(KindTable kinds, std::string_view kind);
// The role of a kind, or nullopt for a kind the table does not list.
[[nodiscard]] std::optional<Role> role_of_kind(KindTable kinds, std::string_view kind);
// The node kinds: "bird, frr, host, collector, tee"
[[nodiscard]] std::string kind_list(KindTable kinds);
// The node kinds of one role ("collector, nfacctd"), or the probe kinds ("flowprobe, softflowd, ...").
[[nodiscard]] std::string kind_list(KindTable kinds, Role role);
[[nodiscard]] std::string probe_kind_list(KindTable kinds);
// The node kinds that take `fault:` ("collector, tee").
[[nodiscard]] std::string fault_kind_list(KindTable kinds);
// The probe kind named `kind`, or nullptr.
[[nodiscard]] const ProbeKindInfo* find_probe_kind(KindTable kinds, std::string_view kind);
// The kind a probe without `kind:` runs ("" for a table without probe kinds).
[[nodiscard]] std::string_view default_probe_kind(KindTable kinds);
// Why `choice` cannot be applied (an unknown kind, or one of the wrong role, listing the valid ones); "" when it can.
[[nodiscard]] std::string check_kind_choice(KindTable kinds, const KindChoice& choice);
// Why a collector of `kind` cannot use `key` (already valid by the common rule) as its TCP-MD5 password; "" when it
// can.
[[nodiscard]] std::string password_problem(const KindInfo& kind, std::string_view key);
// "router", "host", "collector", "tee"
[[nodiscard]] std::string_view role_name(Role role);

}  // namespace flowlab::topology
