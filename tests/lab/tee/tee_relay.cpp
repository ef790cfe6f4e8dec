// tee_relay — a minimal tee-only daemon for the tee lab test: one UDP listener, one Tee, nothing else.
//
//   tee_relay --listen ADDRESS:PORT --receivers FILE [--name N] [--balance all|hash-agent|rr] [--transparent]
//             [--ready FILE]
//
// Receives with recvmmsg (batches of 64) into a large forced socket buffer and hands each datagram to
// Tee::forward with its source address. SIGHUP re-reads the receivers file; SIGTERM/SIGINT drains what is queued,
// then prints one JSON line per receiver with its counters (plus one with the listener's totals) and exits 0.
// Stands in for `flowcollector` with a tee-only config until that exists (same library, same forward path).
#include "probes/collector/tee.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <unistd.h>

#include <array>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <string>
#include <vector>

namespace {

using flowlab::IpAddress;
using flowlab::collector::Tee;
using flowlab::collector::TeeConfig;

constexpr std::size_t kBatch = 64;
constexpr std::size_t kMaxDatagram = 65536;

int usage(const char* why) {
  std::fprintf(stderr,
               "tee_relay: %s\nusage: tee_relay --listen ADDRESS:PORT --receivers FILE [--name N] "
               "[--balance all|hash-agent|rr] [--transparent] [--ready FILE]\n",
               why);
  return 2;
}

IpAddress from_sockaddr(const sockaddr_storage& ss, std::uint16_t& port) {
  if (ss.ss_family == AF_INET) {
    sockaddr_in sin{};
    std::memcpy(&sin, &ss, sizeof(sin));
    port = ntohs(sin.sin_port);
    std::array<std::uint8_t, 4> b{};
    std::memcpy(b.data(), &sin.sin_addr, 4);
    return IpAddress::v4(b);
  }
  sockaddr_in6 sin6{};
  std::memcpy(&sin6, &ss, sizeof(sin6));
  port = ntohs(sin6.sin6_port);
  std::array<std::uint8_t, 16> b{};
  std::memcpy(b.data(), &sin6.sin6_addr, 16);
  return IpAddress::v6(b);
}

}  // namespace

int main(int argc, char** argv) {
  std::string listen;
  std::string ready;
  TeeConfig config;
  config.name = "relay";
  for (int i = 1; i < argc; ++i) {
    std::string arg = argv[i];
    auto value = [&]() -> std::string { return i + 1 < argc ? argv[++i] : ""; };
    if (arg == "--listen") {
      listen = value();
    } else if (arg == "--receivers") {
      config.receivers = value();
    } else if (arg == "--name") {
      config.name = value();
    } else if (arg == "--balance") {
      auto b = flowlab::collector::parse_tee_balance(value());
      if (!b.ok()) {
        return usage(b.error().message.c_str());
      }
      config.balance = *b;
    } else if (arg == "--transparent") {
      config.transparent = true;
    } else if (arg == "--ready") {
      ready = value();
    } else {
      return usage(("unknown argument " + arg).c_str());
    }
  }
  auto colon = listen.rfind(':');
  if (colon == std::string::npos || config.receivers.empty()) {
    return usage("--listen ADDRESS:PORT and --receivers FILE are required");
  }
  std::string host = listen.substr(0, colon);
  if (host.size() > 2 && host.front() == '[') {
    host = host.substr(1, host.size() - 2);
  }
  auto address = IpAddress::parse(host);
  int port = std::atoi(listen.c_str() + colon + 1);
  if (!address || port <= 0 || port > 65535) {
    return usage("bad --listen");
  }

  auto tee = Tee::create(config);
  if (!tee.ok()) {
    std::fprintf(stderr, "tee_relay: %s\n", tee.error().to_string().c_str());
    return 1;
  }

  int fd = ::socket(address->is_v4() ? AF_INET : AF_INET6, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  int buffer = 256 << 20;
  ::setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &buffer, sizeof(buffer));
  sockaddr_storage ss{};
  socklen_t len = 0;
  if (address->is_v4()) {
    sockaddr_in sin{};
    sin.sin_family = AF_INET;
    sin.sin_port = htons(static_cast<std::uint16_t>(port));
    std::memcpy(&sin.sin_addr, address->bytes.data(), 4);
    std::memcpy(&ss, &sin, sizeof(sin));
    len = sizeof(sin);
  } else {
    sockaddr_in6 sin6{};
    sin6.sin6_family = AF_INET6;
    sin6.sin6_port = htons(static_cast<std::uint16_t>(port));
    std::memcpy(&sin6.sin6_addr, address->bytes.data(), 16);
    std::memcpy(&ss, &sin6, sizeof(sin6));
    len = sizeof(sin6);
  }
  if (::bind(fd, reinterpret_cast<sockaddr*>(&ss), len) != 0) {  // NOLINT: sockaddr API
    std::fprintf(stderr, "tee_relay: bind %s: %s\n", listen.c_str(), std::strerror(errno));
    return 1;
  }

  sigset_t mask;
  sigemptyset(&mask);
  sigaddset(&mask, SIGTERM);
  sigaddset(&mask, SIGINT);
  sigaddset(&mask, SIGHUP);
  sigprocmask(SIG_BLOCK, &mask, nullptr);
  int sfd = ::signalfd(-1, &mask, SFD_CLOEXEC);

  if (!ready.empty()) {
    std::ofstream(ready) << ::getpid() << "\n";
  }

  std::vector<std::array<std::uint8_t, kMaxDatagram>> buffers(kBatch);
  std::array<mmsghdr, kBatch> msgs{};
  std::array<iovec, kBatch> iovs{};
  std::array<sockaddr_storage, kBatch> sources{};
  std::uint64_t received = 0;
  std::uint64_t truncated = 0;
  // Receives until the socket is empty; returns false on a receive error.
  auto drain = [&]() {
    for (;;) {
      for (std::size_t i = 0; i < kBatch; ++i) {
        iovs[i] = iovec{buffers[i].data(), buffers[i].size()};
        msgs[i] = mmsghdr{};
        msgs[i].msg_hdr.msg_iov = &iovs[i];
        msgs[i].msg_hdr.msg_iovlen = 1;
        msgs[i].msg_hdr.msg_name = &sources[i];
        msgs[i].msg_hdr.msg_namelen = sizeof(sockaddr_storage);
      }
      int n = ::recvmmsg(fd, msgs.data(), kBatch, MSG_DONTWAIT, nullptr);
      if (n <= 0) {
        return;
      }
      for (std::size_t i = 0; i < static_cast<std::size_t>(n); ++i) {
        if ((msgs[i].msg_hdr.msg_flags & MSG_TRUNC) != 0) {
          ++truncated;
        }
        std::uint16_t source_port = 0;
        IpAddress source = from_sockaddr(sources[i], source_port);
        (*tee)->forward(std::span<const std::uint8_t>(buffers[i].data(), msgs[i].msg_len), source, source_port);
        ++received;
      }
    }
  };

  for (;;) {
    std::array<pollfd, 2> p{pollfd{fd, POLLIN, 0}, pollfd{sfd, POLLIN, 0}};
    if (::poll(p.data(), p.size(), -1) < 0 && errno != EINTR) {
      std::fprintf(stderr, "tee_relay: poll: %s\n", std::strerror(errno));
      return 1;
    }
    if ((p[0].revents & POLLIN) != 0) {
      drain();
    }
    if ((p[1].revents & POLLIN) != 0) {
      signalfd_siginfo info{};
      if (::read(sfd, &info, sizeof(info)) != static_cast<ssize_t>(sizeof(info))) {
        continue;
      }
      if (info.ssi_signo == SIGHUP) {
        auto status = (*tee)->reload();
        if (!status.ok()) {
          std::fprintf(stderr, "tee_relay: reload: %s\n", status.error().to_string().c_str());
        }
        continue;
      }
      drain();
      break;
    }
  }

  std::printf("{\"tee\":\"%s\",\"received\":%llu,\"truncated\":%llu}\n", config.name.c_str(),
              static_cast<unsigned long long>(received), static_cast<unsigned long long>(truncated));
  for (const auto& c : (*tee)->counters()) {
    std::printf(
        "{\"tee\":\"%s\",\"id\":%u,\"address\":\"%s\",\"port\":%u,\"datagrams\":%llu,\"bytes\":%llu,\"errors\":%llu,"
        "\"would_block\":%llu,\"dropped\":%llu}\n",
        config.name.c_str(), c.id, c.address.to_string().c_str(), static_cast<unsigned>(c.port),
        static_cast<unsigned long long>(c.datagrams), static_cast<unsigned long long>(c.bytes),
        static_cast<unsigned long long>(c.errors), static_cast<unsigned long long>(c.would_block),
        static_cast<unsigned long long>(c.dropped));
  }
  std::fflush(stdout);
  ::close(fd);
  return 0;
}
