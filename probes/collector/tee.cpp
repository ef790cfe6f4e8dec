#include "probes/collector/tee.hpp"

#include "probes/faults/faults.hpp"

#include "common/endpoint.hpp"
#include "common/fd.hpp"
#include "common/inet.hpp"
#include "probes/collector/tee_socket.hpp"

#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/uio.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <cstring>
#include <fstream>
#include <map>
#include <sstream>
#include <tuple>
#include <utility>

namespace flowlab::collector {
namespace {

using detail::open_tee_raw;
using detail::open_tee_udp;

std::string errno_text(int err) { return std::strerror(err); }

struct Receiver {
  Endpoint endpoint;
  SocketAddress udp_address;
  SocketAddress raw_address;  // port 0: on a raw IPv6 socket the port field would be read as the protocol
  int udp_fd = -1;            // borrowed from State::udp_sockets
  TeeReceiverCounters counters;
};

struct Pool {
  std::uint32_t id = 0;
  TeeBalance balance = TeeBalance::kAll;
  std::vector<Receiver> receivers;
  std::size_t next = 0;  // round robin cursor
};

using UdpSocketKey = std::pair<int, std::uint16_t>;  // (family, src_port)

// The sockets one set of pools sends from.
struct Sockets {
  std::map<UdpSocketKey, Fd> udp;
  Fd raw4;
  Fd raw6;
};

// Seeded fault `tee-drops-receiver` (docs/faults.md): the file's last receiver is forgotten.
void drop_last_receiver(std::vector<TeePool>& pools) {
  if (pools.back().receivers.size() > 1) {
    pools.back().receivers.pop_back();
  } else if (pools.size() > 1) {
    pools.pop_back();
  }
}

// Reads and parses the receivers file; `empty_note` ends the message when it lists no receivers.
Result<std::vector<TeePool>> read_receivers(const TeeConfig& config, const std::string& empty_note) {
  std::ifstream in(config.receivers);
  if (!in) {
    return fail(ErrorKind::kConfig, "tee " + config.name + ": cannot read receivers file " + config.receivers.string() +
                                        ": " + errno_text(errno));
  }
  std::stringstream text;
  text << in.rdbuf();
  auto pools = parse_tee_receivers(text.str(), config.receivers.string());
  if (!pools.ok()) {
    return fail(pools.error());
  }
  if (pools->empty()) {
    return fail(ErrorKind::kConfig, "tee " + config.name + ": receivers file " + config.receivers.string() +
                                        " lists no receivers" + empty_note);
  }
  if (faults::on(faults::Fault::kTeeDropsReceiver)) {
    drop_last_receiver(*pools);
  }
  return pools;
}

}  // namespace

struct Tee::State {
  TeeConfig config;
  std::vector<TeePool> spec;
  std::vector<Pool> pools;
  Sockets sockets;
  std::uint16_t ip_id = 0;
  // Transparent mode, per datagram: the payload's checksum sum, computed once for all receivers.
  std::optional<InternetSum> payload_sum;
  Writer headers{kMaxIpUdpHeaderBytes};

  Status install(std::vector<TeePool> new_spec);
  // Opens what new_spec needs and the current sockets lack (a failure leaves the current ones untouched), then
  // moves over the current ones it keeps.
  Result<Sockets> sockets_for(const std::vector<TeePool>& new_spec);
  [[nodiscard]] std::vector<Pool> pools_for(const std::vector<TeePool>& new_spec, const Sockets& next) const;
  // headers (may be empty) + payload as one datagram, via sendmsg (no copy of the payload).
  void send(Receiver& receiver, int fd, const SocketAddress& to, std::span<const std::uint8_t> header,
            std::span<const std::uint8_t> payload);
  void deliver(Receiver& receiver, std::span<const std::uint8_t> datagram, const IpAddress& source,
               std::uint16_t source_port);
};

Result<Sockets> Tee::State::sockets_for(const std::vector<TeePool>& new_spec) {
  Sockets next;
  bool any4 = false;
  bool any6 = false;
  for (const TeePool& pool : new_spec) {
    for (const Endpoint& e : pool.receivers) {
      (e.address.is_v4() ? any4 : any6) = true;
      const UdpSocketKey key{socket_family(e.address), pool.src_port};
      if (next.udp.count(key) == 0 && sockets.udp.count(key) == 0) {
        auto fd = open_tee_udp(key.first, key.second, config.socket_buffer, config.name);
        FLOWLAB_TRY(fd);
        next.udp.emplace(key, std::move(*fd));
      }
    }
  }
  // Transparent: a raw socket per family present (an exporter of either family may show up for a receiver of
  // the same family).
  if (config.transparent && any4 && !sockets.raw4) {
    auto fd = open_tee_raw(AF_INET, config.socket_buffer, config.name);
    FLOWLAB_TRY(fd);
    next.raw4 = std::move(*fd);
  }
  if (config.transparent && any6 && !sockets.raw6) {
    auto fd = open_tee_raw(AF_INET6, config.socket_buffer, config.name);
    FLOWLAB_TRY(fd);
    next.raw6 = std::move(*fd);
  }
  // Nothing can fail from here: keep the current sockets the new pools still use (the others close).
  for (const TeePool& pool : new_spec) {
    for (const Endpoint& e : pool.receivers) {
      auto current = sockets.udp.find({socket_family(e.address), pool.src_port});
      if (current != sockets.udp.end()) {
        next.udp.emplace(current->first, std::move(current->second));
        sockets.udp.erase(current);
      }
    }
  }
  next.raw4 = next.raw4 ? std::move(next.raw4) : std::move(sockets.raw4);
  next.raw6 = next.raw6 ? std::move(next.raw6) : std::move(sockets.raw6);
  return next;
}

std::vector<Pool> Tee::State::pools_for(const std::vector<TeePool>& new_spec, const Sockets& next) const {
  // Carry counters of receivers that stay (same pool id and endpoint).
  std::map<std::tuple<std::uint32_t, IpAddress, std::uint16_t>, TeeReceiverCounters> old_counters;
  for (const Pool& pool : pools) {
    for (const Receiver& r : pool.receivers) {
      old_counters[{pool.id, r.endpoint.address, r.endpoint.port}] = r.counters;
    }
  }
  std::vector<Pool> out;
  for (const TeePool& tp : new_spec) {
    Pool pool;
    pool.id = tp.id;
    pool.balance = tp.balance.value_or(config.balance);
    for (const Endpoint& e : tp.receivers) {
      Receiver r;
      r.endpoint = e;
      r.udp_address = to_sockaddr(e);
      r.raw_address = to_sockaddr(Endpoint{e.address, 0});
      r.udp_fd = next.udp.at({socket_family(e.address), tp.src_port}).get();
      auto it = old_counters.find({tp.id, e.address, e.port});
      r.counters = it != old_counters.end() ? it->second
                                            : TeeReceiverCounters{.id = tp.id, .address = e.address, .port = e.port};
      pool.receivers.push_back(r);
    }
    out.push_back(std::move(pool));
  }
  return out;
}

Status Tee::State::install(std::vector<TeePool> new_spec) {
  auto next = sockets_for(new_spec);
  FLOWLAB_TRY(next);
  pools = pools_for(new_spec, *next);
  sockets = std::move(*next);  // sockets no longer needed close here
  spec = std::move(new_spec);
  return {};
}

void Tee::State::send(Receiver& receiver, int fd, const SocketAddress& to, std::span<const std::uint8_t> header,
                      std::span<const std::uint8_t> payload) {
  auto& c = receiver.counters;
  std::array<iovec, 2> iov{iovec{const_cast<std::uint8_t*>(header.data()), header.size()},     // NOLINT: iovec API
                           iovec{const_cast<std::uint8_t*>(payload.data()), payload.size()}};  // NOLINT
  msghdr msg{};
  msg.msg_name = const_cast<sockaddr*>(to.get());  // NOLINT: msghdr API
  msg.msg_namelen = to.length;
  msg.msg_iov = header.empty() ? &iov[1] : iov.data();
  msg.msg_iovlen = header.empty() ? 1 : 2;
  const auto deadline = std::chrono::steady_clock::now() + config.send_wait;
  for (;;) {
    ssize_t n = ::sendmsg(fd, &msg, MSG_DONTWAIT | MSG_NOSIGNAL);
    if (n >= 0) {
      ++c.datagrams;
      c.bytes += payload.size();
      return;
    }
    int err = errno;
    if (err == EINTR) {
      continue;
    }
    ++c.errors;
    if (err != EAGAIN && err != EWOULDBLOCK && err != ENOBUFS) {
      ++c.dropped;  // EMSGSIZE, ENETUNREACH, EPERM, ...: retrying cannot help
      return;
    }
    ++c.would_block;
    auto now = std::chrono::steady_clock::now();
    if (now >= deadline) {
      ++c.dropped;
      return;
    }
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - now).count();
    if (err == ENOBUFS) {
      // No socket to wait on (device queue or memory): back off a millisecond.
      ::poll(nullptr, 0, 1);
    } else {
      pollfd p{fd, POLLOUT, 0};
      ::poll(&p, 1, static_cast<int>(std::clamp<long long>(left, 1, 1000)));
    }
  }
}

void Tee::State::deliver(Receiver& receiver, std::span<const std::uint8_t> datagram, const IpAddress& source,
                         std::uint16_t source_port) {
  if (config.transparent) {
    const bool same_family = source.family == receiver.endpoint.address.family;
    const Fd& raw = receiver.endpoint.address.is_v4() ? sockets.raw4 : sockets.raw6;
    if (same_family && raw) {
      if (!payload_sum) {
        payload_sum = InternetSum().add(datagram);
      }
      headers.clear();
      if (write_ip_udp_headers(headers, Endpoint{source, source_port}, receiver.endpoint, datagram.size(), *payload_sum,
                               {.ip_id = ++ip_id})) {
        const Bytes h = headers.view();
        send(receiver, raw.get(), receiver.raw_address,
             std::span<const std::uint8_t>(reinterpret_cast<const std::uint8_t*>(h.data()), h.size()),  // NOLINT
             datagram);
        return;
      }
    }
    // An exporter of the other family cannot be spoofed towards this receiver: send it from our own address
    // and count the fallback as an error so it shows.
    ++receiver.counters.errors;
  }
  send(receiver, receiver.udp_fd, receiver.udp_address, {}, datagram);
}

Tee::Tee(std::unique_ptr<State> state) : state_(std::move(state)) {}
Tee::~Tee() = default;

Result<std::unique_ptr<Tee>> Tee::create(const TeeConfig& config) {
  auto pools = read_receivers(config, "");
  FLOWLAB_TRY(pools);
  auto state = std::make_unique<State>();
  state->config = config;
  FLOWLAB_TRY(state->install(std::move(*pools)));
  return std::unique_ptr<Tee>(new Tee(std::move(state)));
}

Result<std::unique_ptr<Tee>> Tee::create(const TeeConfig& config, std::vector<TeePool> pools) {
  if (pools.empty()) {
    return fail(ErrorKind::kConfig, "tee " + config.name + ": no receivers");
  }
  for (const TeePool& pool : pools) {
    if (pool.receivers.empty()) {
      return fail(ErrorKind::kConfig, "tee " + config.name + ": pool " + std::to_string(pool.id) + " has no receivers");
    }
    for (const Endpoint& e : pool.receivers) {
      if (!e.address.is_set() || e.port == 0) {
        return fail(ErrorKind::kConfig, "tee " + config.name + ": pool " + std::to_string(pool.id) +
                                            " has a receiver without address or port");
      }
    }
  }
  auto state = std::make_unique<State>();
  state->config = config;
  state->config.receivers.clear();
  FLOWLAB_TRY(state->install(std::move(pools)));
  return std::unique_ptr<Tee>(new Tee(std::move(state)));
}

void Tee::forward(std::span<const std::uint8_t> datagram, const IpAddress& source, std::uint16_t source_port) {
  state_->payload_sum.reset();
  for (Pool& pool : state_->pools) {
    const std::size_t n = pool.receivers.size();
    switch (pool.balance) {
      case TeeBalance::kAll:
        for (Receiver& r : pool.receivers) {
          state_->deliver(r, datagram, source, source_port);
        }
        break;
      case TeeBalance::kHashAgent:
        state_->deliver(pool.receivers[tee_hash_agent_pick(source, n)], datagram, source, source_port);
        break;
      case TeeBalance::kRoundRobin:
        state_->deliver(pool.receivers[pool.next % n], datagram, source, source_port);
        pool.next = (pool.next + 1) % n;
        break;
    }
  }
}

void Tee::forward(std::span<const std::byte> datagram, const IpAddress& source, std::uint16_t source_port) {
  forward(std::span<const std::uint8_t>(reinterpret_cast<const std::uint8_t*>(datagram.data()),  // NOLINT
                                        datagram.size()),
          source, source_port);
}

std::vector<TeeReceiverCounters> Tee::counters() const {
  std::vector<TeeReceiverCounters> out;
  for (const Pool& pool : state_->pools) {
    for (const Receiver& r : pool.receivers) {
      out.push_back(r.counters);
    }
  }
  return out;
}

const TeeConfig& Tee::config() const { return state_->config; }
const std::vector<TeePool>& Tee::pools() const { return state_->spec; }

Status Tee::reload() {
  if (state_->config.receivers.empty()) {
    return {};  // pools were given directly
  }
  auto pools = read_receivers(state_->config, " (keeping the previous list)");
  FLOWLAB_TRY(pools);
  return state_->install(std::move(*pools));
}

}  // namespace flowlab::collector
