// Helpers for lab tests: run the real labctl binary, name labs uniquely, and list what a lab left behind.
#pragma once

#include "platform/process/process.hpp"

#include <nlohmann/json.hpp>

#include <string>
#include <vector>

namespace flowlab::labtest {

inline constexpr const char* kRunDir = "/run/flowlab-test";

bool is_root();

// "<stem><pid % 10000>", short enough for a lab name.
std::string unique_lab(const std::string& stem);

// Runs `labctl --rundir kRunDir ARGS...` to completion.
process::Output labctl(const std::vector<std::string>& args,
                       std::chrono::milliseconds timeout = std::chrono::minutes(3));

// Everything of the lab that still exists: namespaces fl-<lab>-*, processes whose command line or namespace points
// into the lab, mounts naming the lab, and its run directory. Empty = clean.
std::vector<std::string> leftovers(const std::string& lab);

// Destroys the lab when the test ends, whatever happened.
class LabGuard {
 public:
  explicit LabGuard(std::string lab) : lab_(std::move(lab)) {}
  LabGuard(const LabGuard&) = delete;
  LabGuard& operator=(const LabGuard&) = delete;
  ~LabGuard() { (void)labctl({"destroy", lab_}); }

 private:
  std::string lab_;
};

// A finished command's stdout and stderr, for failure messages.
std::string describe(const process::Output& out);

// Absolute path of a shipped topology.
std::string topology_path(const std::string& name);

// Sends one UDP datagram from `from_ns` to dst:port and returns what `to_ns` received on that port ("" if nothing
// arrived within the timeout).
std::string udp_roundtrip(const std::string& from_ns, const std::string& to_ns, const std::string& dst,
                          std::uint16_t port, const std::string& payload);

}  // namespace flowlab::labtest
