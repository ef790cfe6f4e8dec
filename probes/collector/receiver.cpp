#include "probes/collector/receiver.hpp"

#include "common/endpoint.hpp"
#include "common/fd.hpp"
#include "probes/collector/steering.hpp"

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

}  // namespace

ReceiverCounters& ReceiverCounters::operator+=(const ReceiverCounters& o) {
  datagrams += o.datagrams;
  bytes += o.bytes;
  batches += o.batches;
  kernel_drops += o.kernel_drops;
  truncated += o.truncated;
  errors += o.errors;
  return *this;
}

Receiver::Receiver(boost::asio::io_context& io, ListenConfig config, std::size_t batch, std::mutex* guard,
                   Handler handler)
    : config_(config),
      socket_(io),
      handler_(std::move(handler)),
      batch_(batch == 0 ? 1 : batch),
      guard_(guard),
      buffers_(batch_ * kMaxDatagram),
      control_(batch_ * kControlSize) {}

Receiver::~Receiver() { close(); }

Result<std::unique_ptr<Receiver>> Receiver::open(boost::asio::io_context& io, const ListenConfig& config,
                                                 const Options& options, Handler handler) {
  const std::size_t socket_buffer = options.socket_buffer;
  const std::size_t workers = options.workers;
  const bool v6 = config.address.is_v6();
  const std::string where = std::string(to_string(config.proto)) + " listener " +
                            (config.address.is_set() ? config.address.to_string() : std::string("0.0.0.0")) + ":" +
                            std::to_string(config.port);
  Fd fd(::socket(v6 ? AF_INET6 : AF_INET, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0));
  if (!fd) {
    return fail(ErrorKind::kSocket, where + ": socket(): " + errno_text());
  }
  const int one = 1;
  ::setsockopt(fd.get(), SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
  if (workers > 1 && ::setsockopt(fd.get(), SOL_SOCKET, SO_REUSEPORT, &one, sizeof(one)) != 0) {
    return fail(ErrorKind::kSocket, where + ": setsockopt(SO_REUSEPORT): " + errno_text());
  }
  if (v6) {
    const int v6only = config.address.is_unspecified() ? 0 : 1;  // "::" takes IPv4 too (mapped)
    ::setsockopt(fd.get(), IPPROTO_IPV6, IPV6_V6ONLY, &v6only, sizeof(v6only));
  }
  if (socket_buffer > 0) {
    const int size = static_cast<int>(std::min<std::size_t>(socket_buffer, 1U << 30));
    // The kernel doubles the value; halve so SO_RCVBUF reports about what was asked for.
    const int half = size / 2;
    if (::setsockopt(fd.get(), SOL_SOCKET, SO_RCVBUFFORCE, &half, sizeof(half)) != 0) {
      ::setsockopt(fd.get(), SOL_SOCKET, SO_RCVBUF, &half, sizeof(half));  // capped by net.core.rmem_max
    }
  }
  if (::setsockopt(fd.get(), SOL_SOCKET, SO_RXQ_OVFL, &one, sizeof(one)) != 0) {
    return fail(ErrorKind::kSocket, where + ": setsockopt(SO_RXQ_OVFL): " + errno_text());
  }
  const SocketAddress local = to_sockaddr(Endpoint{config.address, config.port});  // unset: 0.0.0.0
  if (::bind(fd.get(), local.get(), local.length) != 0) {
    return fail(ErrorKind::kSocket, where + ": bind(): " + errno_text());
  }
  if (workers > 1) {
    if (auto s = attach_steering(fd.get(), workers); !s) {
      return fail(ErrorKind::kSocket, where + ": " + s.error().message);
    }
  }
  std::unique_ptr<Receiver> r(new Receiver(io, config, options.batch, options.guard, std::move(handler)));
  boost::system::error_code ec;
  r->socket_.assign(v6 ? boost::asio::ip::udp::v6() : boost::asio::ip::udp::v4(), fd.get(), ec);
  if (ec) {
    return fail(ErrorKind::kSocket, where + ": registering with Asio: " + ec.message());
  }
  const int owned = fd.release();  // the Asio socket closes it now
  int actual = 0;
  socklen_t alen = sizeof(actual);
  if (::getsockopt(owned, SOL_SOCKET, SO_RCVBUF, &actual, &alen) == 0) {
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
  if (guard_ == nullptr) {
    return drain_locked();
  }
  const std::lock_guard lock(*guard_);
  return drain_locked();
}

std::size_t Receiver::drain_locked() {
  if (closed_) {
    return 0;
  }
  const int fd = socket_.native_handle();
  std::vector<mmsghdr> msgs(batch_);
  std::vector<iovec> iov(batch_);
  std::vector<SocketAddress> addrs(batch_);
  std::size_t total = 0;
  for (;;) {
    for (std::size_t i = 0; i < batch_; ++i) {
      iov[i].iov_base = buffers_.data() + i * kMaxDatagram;
      iov[i].iov_len = kMaxDatagram;
      msgs[i] = mmsghdr{};
      msgs[i].msg_hdr.msg_name = &addrs[i].storage;
      msgs[i].msg_hdr.msg_namelen = sizeof(addrs[i].storage);
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
      addrs[i].length = h.msg_namelen;
      const Endpoint source = from_sockaddr(addrs[i]).value_or(Endpoint{});
      handler_(std::span<const std::byte>(buffers_.data() + i * kMaxDatagram, length), unmap_v4(source.address),
               source.port, received_ms);
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
