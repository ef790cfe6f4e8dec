#include "probes/gen/sender.hpp"

#include "common/endpoint.hpp"
#include "probes/gen/packet.hpp"
#include "probes/gen/schedule.hpp"

#include <netinet/in.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <ctime>
#include <utility>

namespace flowlab::gen {
namespace {

std::int64_t clock_ns(clockid_t clock) {
  timespec ts{};
  clock_gettime(clock, &ts);
  return static_cast<std::int64_t>(ts.tv_sec) * 1'000'000'000LL + ts.tv_nsec;
}

void sleep_until(std::int64_t monotonic_ns) {
  timespec ts{};
  ts.tv_sec = static_cast<time_t>(monotonic_ns / 1'000'000'000LL);
  ts.tv_nsec = static_cast<long>(monotonic_ns % 1'000'000'000LL);
  clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &ts, nullptr);  // EINTR: the caller checks its flag and loops
}

std::string errno_text(int err) { return std::strerror(err); }

}  // namespace

Result<IpAddress> resolve_source(const IpAddress& dst) {
  const Fd fd(::socket(socket_family(dst), SOCK_DGRAM | SOCK_CLOEXEC, 0));
  if (!fd) {
    return fail(ErrorKind::kSocket,
                "opening a UDP socket to find the source address toward " + dst.to_string() + ": " + errno_text(errno));
  }
  const SocketAddress to = to_sockaddr(Endpoint{dst, 9});
  if (::connect(fd.get(), to.get(), to.length) != 0) {
    return fail(ErrorKind::kNetlink,
                "no route to " + dst.to_string() + " in this network namespace (" + errno_text(errno) + ")");
  }
  SocketAddress local;
  local.length = sizeof(local.storage);
  if (::getsockname(fd.get(), local.get(), &local.length) != 0) {
    return fail(ErrorKind::kSocket, "getsockname toward " + dst.to_string() + ": " + errno_text(errno));
  }
  const auto endpoint = from_sockaddr(local);
  if (!endpoint) {
    return fail(ErrorKind::kSocket, "getsockname toward " + dst.to_string() + ": not an IP address");
  }
  return endpoint->address;
}

Result<Sender> Sender::create(std::vector<StreamSpec> streams) {
  std::vector<StreamCounters> counters(streams.size());
  bool need4 = false;
  bool need6 = false;
  for (std::size_t i = 0; i < streams.size(); ++i) {
    const StreamSpec& s = streams[i];
    if (s.src) {
      counters[i].src = s.src;
    } else {
      auto src = resolve_source(s.dst);
      if (!src) {
        return fail(src.error().kind, "stream '" + s.name + "': " + src.error().message);
      }
      counters[i].src = *src;
    }
    (s.family == Family::kIpv6 ? need6 : need4) = true;
  }
  Sender sender(std::move(streams), std::move(counters));
  if (need4) {
    sender.fd4_.reset(::socket(AF_INET, SOCK_RAW | SOCK_CLOEXEC, IPPROTO_RAW));
    if (!sender.fd4_) {
      return fail(ErrorKind::kSocket, "opening an IPv4 raw socket (needs CAP_NET_RAW): " + errno_text(errno));
    }
  }
  if (need6) {
    sender.fd6_.reset(::socket(AF_INET6, SOCK_RAW | SOCK_CLOEXEC, IPPROTO_RAW));
    if (!sender.fd6_) {
      return fail(ErrorKind::kSocket, "opening an IPv6 raw socket (needs CAP_NET_RAW): " + errno_text(errno));
    }
  }
  return sender;
}

Status Sender::send_one(std::size_t stream, std::uint64_t index) {
  const StreamSpec& s = streams_[stream];
  StreamCounters& c = counters_[stream];
  const std::vector<std::byte> packet = build_packet(s, *c.src, index);
  const SocketAddress to = to_sockaddr(Endpoint{s.dst, 0});  // raw sockets: the destination routes, the port is 0
  const int fd = s.family == Family::kIpv6 ? fd6_.get() : fd4_.get();
  const std::int64_t give_up = clock_ns(CLOCK_MONOTONIC) + 1'000'000'000LL;
  std::int64_t handed_ns = 0;  // when the successful sendto() began: the packet's departure, as near as we see it
  for (;;) {
    handed_ns = clock_ns(CLOCK_REALTIME);
    const ssize_t n = ::sendto(fd, packet.data(), packet.size(), 0, to.get(), to.length);
    if (n == static_cast<ssize_t>(packet.size())) {
      break;
    }
    const int err = n < 0 ? errno : EMSGSIZE;
    const bool transient = err == ENOBUFS || err == EAGAIN || err == EINTR;
    if (!transient || clock_ns(CLOCK_MONOTONIC) > give_up) {
      std::string why = errno_text(err);
      if (err == EMSGSIZE) {
        why += " (" + std::to_string(packet.size()) + " bytes exceed the MTU of the route to " + s.dst.to_string() +
               "; flowgen never fragments)";
      }
      return fail(ErrorKind::kSocket, "stream '" + s.name + "': packet " + std::to_string(index + 1) + " of " +
                                          std::to_string(s.packets) + " to " + s.dst.to_string() + ": " + why);
    }
    if (err == ENOBUFS) {
      timespec pause{0, 20'000};
      nanosleep(&pause, nullptr);
    }
  }
  if (c.packets == 0) {
    c.first_ns = handed_ns;
  }
  c.last_ns = handed_ns;
  ++c.packets;
  c.bytes += packet.size();
  return {};
}

Status Sender::run(const volatile std::sig_atomic_t* stop) {
  prctl(PR_SET_TIMERSLACK, 1UL, 0UL, 0UL, 0UL);
  Schedule schedule(streams_);
  const std::int64_t start = clock_ns(CLOCK_MONOTONIC);
  while (auto packet = schedule.next()) {
    if (stop != nullptr && *stop != 0) {
      interrupted_ = true;
      break;
    }
    const std::int64_t due = start + packet->due_ns;
    while (clock_ns(CLOCK_MONOTONIC) < due && (stop == nullptr || *stop == 0)) {
      sleep_until(due);
    }
    if (stop != nullptr && *stop != 0) {
      interrupted_ = true;
      break;
    }
    if (Status sent = send_one(packet->stream, packet->index); !sent.ok()) {
      elapsed_ns_ = clock_ns(CLOCK_MONOTONIC) - start;
      return sent;
    }
  }
  elapsed_ns_ = clock_ns(CLOCK_MONOTONIC) - start;
  return {};
}

}  // namespace flowlab::gen
