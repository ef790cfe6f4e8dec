// flowlab — what a TCP-MD5 password (RFC 2385) may be: the one rule shared by the topology loader (`bgp_password:`
// of a collector), flowcollector.yaml (`bgp.peers[].password`) and the BGP speaker's setsockopt (probes/bgp).
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

namespace flowlab {

inline constexpr std::size_t kMaxTcpMd5KeyBytes = 80;  // Linux TCP_MD5SIG_MAXKEYLEN

// Why `key` cannot be a TCP-MD5 password in the configuration files it is written to (flowcollector.yaml,
// bird.conf, frr.conf): "" when it can. Printable ASCII without blanks, quotes, backslashes or the comment and
// block characters of those files (# ! ; { }), 1..80 bytes.
inline std::string tcp_md5_key_problem(std::string_view key) {
  if (key.empty() || key.size() > kMaxTcpMd5KeyBytes) {
    return "a password must be 1.." + std::to_string(kMaxTcpMd5KeyBytes) + " bytes (TCP-MD5, RFC 2385), found " +
           std::to_string(key.size());
  }
  constexpr std::string_view kRefused = "\"'\\#!;{}";
  for (const char c : key) {
    if (c <= ' ' || c > '~' || kRefused.find(c) != std::string_view::npos) {
      return "a password may hold printable ASCII except blanks and \" ' \\ # ! ; { } (it is written into router "
             "configuration files)";
    }
  }
  return "";
}

}  // namespace flowlab
