// steering.hpp — which receive worker an exporter's datagrams go to (flowcollector `workers: N`).
//
// Every worker binds its own socket to each listen address with SO_REUSEPORT, the sockets joining one reuseport
// group in worker order. The kernel would spread datagrams over the group by a hash of the 4-tuple — one exporter
// sending from two ports would then be split over two workers, and a group that changes size reshuffles all of
// them. Instead a classic BPF program (SO_ATTACH_REUSEPORT_CBPF) picks the socket from the exporter's *source
// address* alone, so an exporter's templates, sequence state and sampling rates always live on one worker. The
// program reads the address from the IP header (SKF_NET_OFF), folds an IPv6 address into 32 bits by XOR, and
// computes exporter_worker() below: the same function in user space tells tests, benchmarks and on_datagram()
// callers which worker the kernel chose.
#pragma once

#include "common/ip.hpp"
#include "common/result.hpp"

#include <linux/filter.h>

#include <cstddef>
#include <cstdint>
#include <vector>

namespace flowlab::collector {

// The worker (0..workers-1) of an exporter address; 0 for one worker. IPv4-mapped addresses count as IPv4.
[[nodiscard]] std::size_t exporter_worker(const IpAddress& exporter, std::size_t workers);

// The classic BPF program computing exporter_worker() for a datagram in the kernel (a socket index of the group).
[[nodiscard]] std::vector<sock_filter> steering_program(std::size_t workers);

// Attaches steering_program(workers) to a bound SO_REUSEPORT socket's group (replacing the group's program).
Status attach_steering(int fd, std::size_t workers);

// How many workers `workers: auto` (0) means: the CPUs this process may run on (sched_getaffinity), at least 1.
[[nodiscard]] std::size_t default_workers();

}  // namespace flowlab::collector
