// receiver.hpp — one UDP listener of flowcollector: a non-blocking socket (IPv4, or IPv6 dual-stack for "::")
// registered with Asio; when Asio says readable, the socket is drained with recvmmsg() in batches and every
// datagram is handed to the callback with its source address and receive time. SO_RCVBUF is set to the
// configured size (SO_RCVBUFFORCE first, which root may use past net.core.rmem_max), and SO_RXQ_OVFL makes the
// kernel report, with each datagram, how many it dropped on this socket for want of buffer space.
#pragma once

#include "common/ip.hpp"
#include "common/result.hpp"
#include "probes/collector/config.hpp"

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/udp.hpp>

#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <span>
#include <vector>

namespace flowlab::collector {

struct ReceiverCounters {
  std::uint64_t datagrams = 0;
  std::uint64_t bytes = 0;
  std::uint64_t batches = 0;                                // recvmmsg calls that returned datagrams
  std::uint64_t kernel_drops = 0;                           // SO_RXQ_OVFL: datagrams the kernel dropped on this socket
  std::uint64_t truncated = 0;                              // datagrams longer than the receive buffer (MSG_TRUNC)
  std::uint64_t errors = 0;                                 // recvmmsg errors other than EAGAIN
  std::size_t socket_buffer = 0;                            // SO_RCVBUF as the kernel reports it
  ReceiverCounters& operator+=(const ReceiverCounters& o);  // the counts summed (socket_buffer kept)
};

class Receiver {
 public:
  // datagram, source address (IPv4-mapped IPv6 sources are unmapped), source port, receive time (UTC ms).
  using Handler = std::function<void(std::span<const std::byte>, const IpAddress&, std::uint16_t, std::uint64_t)>;

  struct Options {
    std::size_t socket_buffer = 0;  // SO_RCVBUF asked for; 0: the system's
    std::size_t batch = 64;         // datagrams per recvmmsg
    // > 1: the socket is one of that many sharing the address (SO_REUSEPORT, one per receive worker, bound in
    // worker order), and the group steers each exporter to one of them (steering.hpp).
    std::size_t workers = 1;
    // Held while the socket is drained (the handler runs under it, the counters change under it): the receive
    // worker's mutex, so another thread reading the worker — and counters() — holds it too. nullptr: none.
    std::mutex* guard = nullptr;
  };
  // Binds and starts waiting for datagrams. Errors name the address and the failing call.
  static Result<std::unique_ptr<Receiver>> open(boost::asio::io_context& io, const ListenConfig& config,
                                                const Options& options, Handler handler);
  ~Receiver();
  Receiver(const Receiver&) = delete;
  Receiver& operator=(const Receiver&) = delete;

  [[nodiscard]] const ListenConfig& config() const { return config_; }
  [[nodiscard]] std::uint16_t local_port() const;  // the bound port (config port 0 picks one)
  [[nodiscard]] const ReceiverCounters& counters() const { return counters_; }
  // Reads every queued datagram now (also what the Asio wait handler does). Returns how many were read.
  std::size_t drain();
  void close();

 private:
  Receiver(boost::asio::io_context& io, ListenConfig config, std::size_t batch, std::mutex* guard, Handler handler);
  std::size_t drain_locked();
  void wait();

  ListenConfig config_;
  boost::asio::ip::udp::socket socket_;
  Handler handler_;
  std::size_t batch_;
  std::mutex* guard_;
  std::vector<std::byte> buffers_;  // batch_ slots of kMaxDatagram bytes
  std::vector<std::byte> control_;  // batch_ cmsg buffers
  ReceiverCounters counters_;
  std::uint32_t last_overflow_ = 0;  // SO_RXQ_OVFL is a running count per socket
  bool closed_ = false;
};

}  // namespace flowlab::collector
