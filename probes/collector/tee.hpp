// flowlab::collector::Tee — replicates raw flow datagrams (NetFlow/IPFIX/sFlow) to a list of receivers.
//
// pmacct's tee plugin, rebuilt for flowcollector: a receivers file (pmacct syntax, one pool per line:
// `id=1 ip=192.0.2.1:2100[,198.51.100.1:2100] [balance-alg=rr|hash-agent] [src_port=N]`, '!' or '#' comments)
// lists pools; every datagram goes to every pool, and inside a pool either to all of its receivers or to one
// chosen by round robin or by a stable hash of the exporter address (`hash-agent`). A pool without balance-alg
// uses TeeConfig::balance. Non-transparent mode sends from one UDP socket per address family (the tee's own
// address); transparent mode builds IP + UDP headers (common/inet.hpp) on a raw socket (IP_HDRINCL / IPV6_HDRINCL)
// so the receiver sees the exporter's source address and port — this needs CAP_NET_RAW.
//
// Files: tee_receivers.cpp (the receivers file), tee_socket.{hpp,cpp} (the sending sockets), tee.cpp (pools and
// forwarding).
//
// Zero loss is the goal: a full socket buffer (EAGAIN/ENOBUFS) is counted and waited out (poll for POLLOUT, up
// to TeeConfig::send_wait per datagram) instead of dropping; only a datagram still unsent after that wait, or a
// hard send error, is dropped — and counted. Not thread-safe: the receive workers call it under WorkerShared's mutex
// (worker.hpp).
#pragma once

#include "common/endpoint.hpp"
#include "common/ip.hpp"
#include "common/result.hpp"

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace flowlab::collector {

// How a pool spreads datagrams over its receivers: every receiver / one chosen by a hash of the exporter
// address / one after the other.
enum class TeeBalance : std::uint8_t { kAll, kHashAgent, kRoundRobin };

// "all", "hash-agent", "rr" (pmacct balance-alg names, plus "all").
Result<TeeBalance> parse_tee_balance(std::string_view text);
std::string_view to_string(TeeBalance balance);

// One `tee:` item of flowcollector.yaml (pmacct: tee_receivers[name], tee_transparent).
struct TeeConfig {
  std::string name;
  std::filesystem::path receivers;                             // receivers file (pmacct syntax)
  TeeBalance balance = TeeBalance::kAll;                       // for pools without their own balance-alg
  bool transparent = false;                                    // keep the exporter's source address (raw socket)
  std::chrono::milliseconds send_wait{1000};                   // longest wait for a full socket buffer per datagram
  std::size_t socket_buffer = 4U * std::size_t{1024} * 1024U;  // SO_SNDBUF of the sending sockets (forced when root)
};

// One receivers-file line.
struct TeePool {
  std::uint32_t id = 0;               // > 0, unique in the file
  std::vector<Endpoint> receivers;    // `ip=` list, at least one
  std::optional<TeeBalance> balance;  // `balance-alg=`; unset: TeeConfig::balance
  std::uint16_t src_port = 0;         // `src_port=`: bind the non-transparent socket to it (0: any)
  bool operator==(const TeePool&) const = default;
};

// Parses a receivers file. Errors read "file:line:col: error: ..."; all problems are reported at once (one per
// line). Unsupported pmacct keys (tag=, balance-alg=hash-tag, kafka_*, zmq_*) are errors, not silently ignored.
Result<std::vector<TeePool>> parse_tee_receivers(std::string_view text, std::string_view file);
// Renders pools in the same syntax (parse(render(p)) == p).
std::string render_tee_receivers(std::span<const TeePool> pools);

// The hash-agent choice: a stable 32-bit FNV-1a hash of the exporter address bytes (family-sized), then modulo
// the pool size. Stable across runs, builds and hosts; an unset address hashes to receiver 0.
std::uint32_t tee_agent_hash(const IpAddress& agent);
std::size_t tee_hash_agent_pick(const IpAddress& agent, std::size_t receivers);

struct TeeReceiverCounters {
  std::uint32_t id = 0;  // pool id
  IpAddress address;
  std::uint16_t port = 0;
  std::uint64_t datagrams = 0;    // sent
  std::uint64_t bytes = 0;        // UDP payload bytes sent
  std::uint64_t errors = 0;       // failed send attempts (EAGAIN/ENOBUFS included) and transparent fallbacks
  std::uint64_t would_block = 0;  // EAGAIN/ENOBUFS: waited for room and retried
  std::uint64_t dropped = 0;      // given up (hard error, or still no room after send_wait)
};

class Tee {
 public:
  // Reads the receivers file (file:line:col errors) and opens the sending sockets (raw ones when transparent:
  // fails without CAP_NET_RAW).
  static Result<std::unique_ptr<Tee>> create(const TeeConfig& config);
  // The same, with the pools given directly (config.receivers unused; reload() then keeps them).
  static Result<std::unique_ptr<Tee>> create(const TeeConfig& config, std::vector<TeePool> pools);

  ~Tee();
  Tee(const Tee&) = delete;
  Tee& operator=(const Tee&) = delete;

  // Replicates one datagram received from source:source_port. Never throws; every outcome is counted.
  void forward(std::span<const std::uint8_t> datagram, const IpAddress& source, std::uint16_t source_port);
  void forward(std::span<const std::byte> datagram, const IpAddress& source, std::uint16_t source_port);

  // One entry per receiver, in file order. Counters of receivers still present survive reload().
  [[nodiscard]] std::vector<TeeReceiverCounters> counters() const;
  [[nodiscard]] const TeeConfig& config() const;
  [[nodiscard]] const std::vector<TeePool>& pools() const;

  // Re-reads the receivers file (SIGHUP). On error the old pools stay in use.
  Status reload();

 private:
  struct State;
  explicit Tee(std::unique_ptr<State> state);
  std::unique_ptr<State> state_;
};

}  // namespace flowlab::collector
