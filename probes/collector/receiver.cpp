#include "probes/collector/receiver.hpp"

#include <boost/asio/error.hpp>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstring>

namespace flowlab::collector {
namespace {

constexpr std::size_t kMaxDatagram = 65536;
constexpr std::size_t kControlSize = CMSG_SPACE(sizeof(std::uint32_t)) + 64;

std::uint64_t now_ms() {
  return static_cast<std::uint64_t>(
      std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch())
          .count());
}

std::string errno_text() { return std::strerror(errno); }

IpAddress from_sockaddr(const sockaddr_storage& ss, std::uint16_t& port) {
  if (ss.ss_family == AF_INET) {
    sockaddr_in sin{};
    std::memcpy(&sin, &ss, sizeof(sin));
    port = ntohs(sin.sin_port);
    std::array<std::uint8_t, 4> b{};
    std::memcpy(b.data(), &sin.sin_addr, 4);
    return IpAddress::v4(b);
  }
  if (ss.ss_family == AF_INET6) {
    sockaddr_in6 sin6{};
    std::memcpy(&sin6, &ss, sizeof(sin6));
    port = ntohs(sin6.sin6_port);
    std::array<std::uint8_t, 16> b{};
    std::memcpy(b.data(), &sin6.sin6_addr, 16);
    static constexpr std::uint8_t kMapped[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};
    if (std::memcmp(b.data(), kMapped, 12) == 0) {
      return IpAddress::v4(std::array<std::uint8_t, 4>{b[12], b[13], b[14], b[15]});
    }
    return IpAddress::v6(b);
  }
  port = 0;
  return {};
}

}  // namespace

Receiver::Receiver(boost::asio::io_context& io, ListenConfig config, std::size_t batch, Handler handler)
    : config_(std::move(config)),
      socket_(io),
      handler_(std::move(handler)),
      batch_(batch == 0 ? 1 : batch),
      buffers_(batch_ * kMaxDatagram),
      control_(batch_ * kControlSize) {}

Receiver::~Receiver() { close(); }

Result<std::unique_ptr<Receiver>> Receiver::open(boost::asio::io_context& io, const ListenConfig& config,
                                                 std::size_t socket_buffer, std::size_t batch, Handler handler) {
  const bool v6 = config.address.is_v6();
  const std::string where = std::string(to_string(config.proto)) + " listener " +
                            (config.address.is_set() ? config.address.to_string() : std::string("0.0.0.0")) + ":" +
                            std::to_string(config.port);
  const int fd = ::socket(v6 ? AF_INET6 : AF_INET, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (fd < 0) {
    return fail(ErrorKind::kSocket, where + ": socket(): " + errno_text());
  }
  auto close_fd = [fd](std::string message) {
    ::close(fd);
    return fail(ErrorKind::kSocket, std::move(message));
  };
  const int one = 1;
  ::setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
  if (v6) {
    const int v6only = config.address.is_unspecified() ? 0 : 1;  // "::" takes IPv4 too (mapped)
    ::setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &v6only, sizeof(v6only));
  }
  if (socket_buffer > 0) {
    const int size = static_cast<int>(std::min<std::size_t>(socket_buffer, 1U << 30));
    // The kernel doubles the value; halve so SO_RCVBUF reports about what was asked for.
    const int half = size / 2;
    if (::setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &half, sizeof(half)) != 0) {
      ::setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &half, sizeof(half));  // capped by net.core.rmem_max
    }
  }
  if (::setsockopt(fd, SOL_SOCKET, SO_RXQ_OVFL, &one, sizeof(one)) != 0) {
    return close_fd(where + ": setsockopt(SO_RXQ_OVFL): " + errno_text());
  }
  sockaddr_storage ss{};
  socklen_t len = 0;
  if (v6) {
    sockaddr_in6 sin6{};
    sin6.sin6_family = AF_INET6;
    sin6.sin6_port = htons(config.port);
    std::memcpy(&sin6.sin6_addr, config.address.bytes.data(), 16);
    std::memcpy(&ss, &sin6, sizeof(sin6));
    len = sizeof(sin6);
  } else {
    sockaddr_in sin{};
    sin.sin_family = AF_INET;
    sin.sin_port = htons(config.port);
    if (config.address.is_set()) {
      std::memcpy(&sin.sin_addr, config.address.bytes.data(), 4);
    }
    std::memcpy(&ss, &sin, sizeof(sin));
    len = sizeof(sin);
  }
  auto* sa = reinterpret_cast<sockaddr*>(&ss);  // NOLINT: the sockets API
  if (::bind(fd, sa, len) != 0) {
    return close_fd(where + ": bind(): " + errno_text());
  }
  std::unique_ptr<Receiver> r(new Receiver(io, config, batch, std::move(handler)));
  boost::system::error_code ec;
  r->socket_.assign(v6 ? boost::asio::ip::udp::v6() : boost::asio::ip::udp::v4(), fd, ec);
  if (ec) {
    return close_fd(where + ": registering with Asio: " + ec.message());
  }
  int actual = 0;
  socklen_t alen = sizeof(actual);
  if (::getsockopt(fd, SOL_SOCKET, SO_RCVBUF, &actual, &alen) == 0) {
    r->counters_.socket_buffer = static_cast<std::size_t>(actual);
  }
  r->config_.port = r->local_port();
  r->wait();
  return r;
}

std::uint16_t Receiver::local_port() const {
  boost::system::error_code ec;
  auto ep = socket_.local_endpoint(ec);
  return ec ? config_.port : ep.port();
}

void Receiver::wait() {
  if (closed_) {
    return;
  }
  socket_.async_wait(boost::asio::ip::udp::socket::wait_read, [this](const boost::system::error_code& ec) {
    if (ec == boost::asio::error::operation_aborted) {
      return;  // closed: `this` may be gone
    }
    if (!ec) {
      drain();
    } else {
      ++counters_.errors;
    }
    wait();
  });
}

std::size_t Receiver::drain() {
  if (closed_) {
    return 0;
  }
  const int fd = socket_.native_handle();
  std::vector<mmsghdr> msgs(batch_);
  std::vector<iovec> iov(batch_);
  std::vector<sockaddr_storage> addrs(batch_);
  std::size_t total = 0;
  for (;;) {
    for (std::size_t i = 0; i < batch_; ++i) {
      iov[i].iov_base = buffers_.data() + i * kMaxDatagram;
      iov[i].iov_len = kMaxDatagram;
      msgs[i] = mmsghdr{};
      msgs[i].msg_hdr.msg_name = &addrs[i];
      msgs[i].msg_hdr.msg_namelen = sizeof(sockaddr_storage);
      msgs[i].msg_hdr.msg_iov = &iov[i];
      msgs[i].msg_hdr.msg_iovlen = 1;
      msgs[i].msg_hdr.msg_control = control_.data() + i * kControlSize;
      msgs[i].msg_hdr.msg_controllen = kControlSize;
    }
    const int n = ::recvmmsg(fd, msgs.data(), static_cast<unsigned>(batch_), MSG_DONTWAIT, nullptr);
    if (n < 0) {
      if (errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR) {
        ++counters_.errors;
      }
      break;
    }
    if (n == 0) {
      break;
    }
    ++counters_.batches;
    const std::uint64_t received_ms = now_ms();
    for (std::size_t i = 0; i < static_cast<std::size_t>(n); ++i) {
      msghdr& h = msgs[i].msg_hdr;
      for (cmsghdr* c = CMSG_FIRSTHDR(&h); c != nullptr; c = CMSG_NXTHDR(&h, c)) {
        if (c->cmsg_level == SOL_SOCKET && c->cmsg_type == SO_RXQ_OVFL) {
          std::uint32_t overflow = 0;
          std::memcpy(&overflow, CMSG_DATA(c), sizeof(overflow));
          counters_.kernel_drops += overflow - last_overflow_;  // modulo 2^32 running count
          last_overflow_ = overflow;
        }
      }
      if ((h.msg_flags & MSG_TRUNC) != 0) {
        ++counters_.truncated;
        continue;
      }
      const std::size_t length = msgs[i].msg_len;
      ++counters_.datagrams;
      counters_.bytes += length;
      std::uint16_t port = 0;
      const IpAddress source = from_sockaddr(addrs[i], port);
      handler_(std::span<const std::byte>(buffers_.data() + i * kMaxDatagram, length), source, port, received_ms);
      if (closed_) {
        return total + i + 1;
      }
    }
    total += static_cast<std::size_t>(n);
    if (static_cast<std::size_t>(n) < batch_) {
      break;
    }
  }
  return total;
}

void Receiver::close() {
  if (closed_) {
    return;
  }
  closed_ = true;
  boost::system::error_code ec;
  socket_.cancel(ec);
  socket_.close(ec);
}

}  // namespace flowlab::collector
