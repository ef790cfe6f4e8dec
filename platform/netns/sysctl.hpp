// flowlab::netns sysctls — /proc/sys written from a thread inside the namespace (no `sysctl` program).
#pragma once

#include "common/result.hpp"

#include <string>
#include <utility>
#include <vector>

namespace flowlab::netns {

using SysctlList = std::vector<std::pair<std::string, std::string>>;

// "net.ipv4.ip_forward" -> "/proc/sys/net/ipv4/ip_forward". A key containing '/' is taken as a path below
// /proc/sys as is (for interface names with dots: "net/ipv4/conf/eth0.100/rp_filter"). An error for
// keys that are empty or try to leave /proc/sys.
Result<std::string> sysctl_path(const std::string& key);

// Writes each key=value in order inside namespace ns; stops at the first failure, whose error names the key,
// the value and the namespace.
Status write_sysctls(const std::string& ns, const SysctlList& kv);

// Reads one value (trailing newline removed).
Result<std::string> read_sysctl(const std::string& ns, const std::string& key);

// The standard sets, to be written right after the namespace is created and before its interfaces are: the
// "default" entries apply to interfaces created afterwards.
//   both:    accept_dad=0 and dad_transmits=0 (addresses usable at once), rp_filter=0 (all, default: asymmetric
//            paths are normal in a multi-AS lab), keep_addr_on_down=1 (link-down faults keep IPv6 addresses)
//   routers: IPv4 and IPv6 forwarding on
//   hosts:   forwarding off, router solicitations off, accept_ra=0 (routes are configured, not learnt)
SysctlList router_sysctls();
SysctlList host_sysctls();

}  // namespace flowlab::netns
