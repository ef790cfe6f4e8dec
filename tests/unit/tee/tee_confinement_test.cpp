// The tee sends only to the receivers its receivers file lists (issue 20): in a private network namespace (nothing
// else sends there), every UDP datagram leaving on lo is captured (AF_PACKET) while the file is replaced by garbage,
// half-written lines, lines that add an address beside a broken one, an empty file and no file, each followed by a
// reload. Every datagram must go to the one receiver of the last valid file, in both modes (transparent: raw IP).
#include "probes/collector/tee.hpp"

#include <arpa/inet.h>
#include <linux/if_packet.h>
#include <net/ethernet.h>
#include <net/if.h>
#include <netinet/in.h>
#include <netinet/ip.h>
#include <netinet/udp.h>
#include <poll.h>
#include <sched.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <cstring>
#include <filesystem>
#include <fstream>
#include <map>
#include <string>

namespace flowlab::collector {
namespace {

namespace fs = std::filesystem;

bool bring_lo_up() {
  const int fd = ::socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  ifreq ifr{};
  std::strncpy(ifr.ifr_name, "lo", IFNAMSIZ - 1);
  bool ok = ::ioctl(fd, SIOCGIFFLAGS, &ifr) == 0;
  ifr.ifr_flags = static_cast<short>(ifr.ifr_flags | IFF_UP);  // NOLINT(*-union-access)
  ok = ok && ::ioctl(fd, SIOCSIFFLAGS, &ifr) == 0;
  ::close(fd);
  return ok;
}

// Every IPv4 UDP datagram sent on lo, as "address:port" -> count.
class LoCapture {
 public:
  LoCapture() {
    fd_ = ::socket(AF_PACKET, SOCK_DGRAM | SOCK_CLOEXEC, htons(ETH_P_ALL));
    sockaddr_ll sll{};
    sll.sll_family = AF_PACKET;
    sll.sll_protocol = htons(ETH_P_ALL);
    sll.sll_ifindex = static_cast<int>(::if_nametoindex("lo"));
    ok_ = fd_ >= 0 && ::bind(fd_, reinterpret_cast<sockaddr*>(&sll), sizeof(sll)) == 0;  // NOLINT
  }
  ~LoCapture() { ::close(fd_); }
  LoCapture(const LoCapture&) = delete;
  LoCapture& operator=(const LoCapture&) = delete;
  [[nodiscard]] bool ok() const { return ok_; }

  std::map<std::string, int> drain() {
    std::map<std::string, int> out;
    std::uint8_t buf[65536];
    for (;;) {
      pollfd p{fd_, POLLIN, 0};
      if (::poll(&p, 1, 200) <= 0) {
        return out;
      }
      sockaddr_ll from{};
      socklen_t len = sizeof(from);
      const ssize_t n = ::recvfrom(fd_, buf, sizeof(buf), 0, reinterpret_cast<sockaddr*>(&from), &len);  // NOLINT
      if (n < 0 || from.sll_pkttype != PACKET_OUTGOING) {
        continue;  // lo shows each packet twice: count it leaving
      }
      if (ntohs(from.sll_protocol) != ETH_P_IP || n < 28 || (buf[0] >> 4) != 4 || buf[9] != IPPROTO_UDP) {
        ++out["not IPv4 UDP"];
        continue;
      }
      const std::size_t ihl = (buf[0] & 0x0fU) * 4U;
      char addr[INET_ADDRSTRLEN];
      ::inet_ntop(AF_INET, buf + 16, addr, sizeof(addr));
      const unsigned port = (static_cast<unsigned>(buf[ihl + 2]) << 8U) | buf[ihl + 3];
      ++out[std::string(addr) + ":" + std::to_string(port)];
    }
  }

 private:
  int fd_ = -1;
  bool ok_ = false;
};

// A bound UDP socket (no ICMP port unreachable noise) that counts what arrives.
class Sink {
 public:
  Sink(const char* address, std::uint16_t port) {
    fd_ = ::socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
    sockaddr_in sin{};
    sin.sin_family = AF_INET;
    sin.sin_port = htons(port);
    ::inet_pton(AF_INET, address, &sin.sin_addr);
    ok_ = ::bind(fd_, reinterpret_cast<sockaddr*>(&sin), sizeof(sin)) == 0;  // NOLINT
  }
  ~Sink() { ::close(fd_); }
  Sink(const Sink&) = delete;
  Sink& operator=(const Sink&) = delete;
  [[nodiscard]] bool ok() const { return ok_; }
  int count() {
    int n = 0;
    char buf[2048];
    while (::recv(fd_, buf, sizeof(buf), 0) >= 0) {
      ++n;
    }
    return n;
  }

 private:
  int fd_ = -1;
  bool ok_ = false;
};

void send_burst(Tee& tee, int n) {
  const std::string payload = "flow datagram";
  for (int i = 0; i < n; ++i) {
    tee.forward(std::span<const std::uint8_t>(reinterpret_cast<const std::uint8_t*>(payload.data()),  // NOLINT
                                              payload.size()),
                *IpAddress::parse("127.0.0.9"), 2055);
  }
}

// Replacements of a valid file that must all be refused (the tee keeps its list): each names addresses the tee must
// never send to.
const std::string kBadFiles[] = {
    "id=1 ip=127.0.0.1:5001\nid=2 ip=127.0.0.3:9999 balance-alg=bogus\n",  // a new receiver beside a broken line
    "id=1 ip=127.0.0.3:9999\nid=1 ip=127.0.0.4:9\n",                       // duplicate pool id
    std::string("\xff\xfe id=9 ip=127.0.0.5:7\x01\n", 22),                 // binary garbage
    "id=1 ip=127.0.0.",                                                    // a write caught half-way
    "id=1 ip=localhost:5001\n",                                            // names are not addresses
    "id=1 ip=127.0.0.6:0\n",                                               // port 0
    "",                                                                    // empty
    "! only a comment\n",
};

void run_sequence(bool transparent, const fs::path& dir) {
  SCOPED_TRACE(transparent ? "transparent" : "plain UDP");
  Sink a("127.0.0.1", 5001);
  Sink b("127.0.0.2", 5002);
  ASSERT_TRUE(a.ok() && b.ok());
  LoCapture capture;
  ASSERT_TRUE(capture.ok()) << "AF_PACKET socket: " << std::strerror(errno);
  const fs::path file = dir / "receivers.lst";
  std::ofstream(file) << "id=1 ip=127.0.0.1:5001\n";
  auto tee = Tee::create(TeeConfig{.name = "t", .receivers = file, .transparent = transparent});
  ASSERT_TRUE(tee.ok()) << tee.error().to_string();
  constexpr int kBurst = 10;
  send_burst(**tee, kBurst);
  int refused = 0;
  for (const auto& text : kBadFiles) {
    std::ofstream(file, std::ios::binary | std::ios::trunc) << text;
    refused += (*tee)->reload().ok() ? 0 : 1;
    send_burst(**tee, kBurst);
  }
  fs::remove(file);  // no file at all
  refused += (*tee)->reload().ok() ? 0 : 1;
  send_burst(**tee, kBurst);
  EXPECT_EQ(refused, static_cast<int>(std::size(kBadFiles)) + 1);

  std::ofstream(file) << "id=1 ip=127.0.0.2:5002\n";  // a valid change moves everything over
  ASSERT_TRUE((*tee)->reload().ok());
  send_burst(**tee, kBurst);

  const int before_switch = kBurst * static_cast<int>(std::size(kBadFiles) + 2);
  const std::map<std::string, int> expected{{"127.0.0.1:5001", before_switch}, {"127.0.0.2:5002", kBurst}};
  EXPECT_EQ(capture.drain(), expected);
  EXPECT_EQ(a.count(), before_switch);
  EXPECT_EQ(b.count(), kBurst);
}

TEST(TeeConfinement, SendsOnlyToTheReceiversOfTheLastValidFile) {
  if (::geteuid() != 0) {
    GTEST_SKIP() << "needs root (a private network namespace and a packet socket)";
  }
  // This process's own network namespace from here on: the capture sees only the tee's datagrams.
  ASSERT_EQ(::unshare(CLONE_NEWNET), 0) << std::strerror(errno);
  ASSERT_TRUE(bring_lo_up());
  const fs::path dir = fs::temp_directory_path() / ("tee_confine_" + std::to_string(::getpid()));
  fs::create_directories(dir);
  run_sequence(false, dir);
  run_sequence(true, dir);
  fs::remove_all(dir);
}

}  // namespace
}  // namespace flowlab::collector
