#include "probes/collector/steering.hpp"

#include <sched.h>
#include <sys/socket.h>

#include <cerrno>
#include <cstring>
#include <string>

namespace flowlab::collector {
namespace {

constexpr std::uint32_t kMultiplier = 0x9E3779B1U;  // Knuth's multiplicative hash (2^32 / golden ratio)

std::uint32_t word(const IpAddress& a, std::size_t at) {  // network order bytes as cBPF loads them (big-endian)
  return (std::uint32_t{a.bytes[at]} << 24U) | (std::uint32_t{a.bytes[at + 1]} << 16U) |
         (std::uint32_t{a.bytes[at + 2]} << 8U) | std::uint32_t{a.bytes[at + 3]};
}

sock_filter statement(std::uint16_t code, std::uint32_t k) { return BPF_STMT(code, k); }
sock_filter jump(std::uint16_t code, std::uint32_t k, std::uint8_t jt, std::uint8_t jf) {
  return BPF_JUMP(code, k, jt, jf);
}

}  // namespace

std::size_t exporter_worker(const IpAddress& exporter, std::size_t workers) {
  if (workers <= 1) {
    return 0;
  }
  std::uint32_t folded = 0;
  if (exporter.is_v4()) {
    folded = word(exporter, 0);
  } else if (exporter.is_v6()) {
    folded = word(exporter, 0) ^ word(exporter, 4) ^ word(exporter, 8) ^ word(exporter, 12);
  }
  std::uint32_t h = folded * kMultiplier;
  h ^= h >> 16U;
  return h % static_cast<std::uint32_t>(workers);
}

std::vector<sock_filter> steering_program(std::size_t workers) {
  const auto net = static_cast<std::uint32_t>(SKF_NET_OFF);
  const auto n = static_cast<std::uint32_t>(workers == 0 ? 1 : workers);
  return {
      statement(BPF_LD | BPF_B | BPF_ABS, net + 0),       // 0: version and IHL
      statement(BPF_ALU | BPF_RSH | BPF_K, 4),            // 1: the version
      jump(BPF_JMP | BPF_JEQ | BPF_K, 6, 2, 0),           // 2: IPv6 to 5, else 3
      statement(BPF_LD | BPF_W | BPF_ABS, net + 12),      // 3: A = the IPv4 source
      jump(BPF_JMP | BPF_JA, 10, 0, 0),                   // 4: to 15
      statement(BPF_LD | BPF_W | BPF_ABS, net + 8),       // 5: the IPv6 source's four words, XORed
      statement(BPF_MISC | BPF_TAX, 0),                   // 6
      statement(BPF_LD | BPF_W | BPF_ABS, net + 12),      // 7
      statement(BPF_ALU | BPF_XOR | BPF_X, 0),            // 8
      statement(BPF_MISC | BPF_TAX, 0),                   // 9
      statement(BPF_LD | BPF_W | BPF_ABS, net + 16),      // 10
      statement(BPF_ALU | BPF_XOR | BPF_X, 0),            // 11
      statement(BPF_MISC | BPF_TAX, 0),                   // 12
      statement(BPF_LD | BPF_W | BPF_ABS, net + 20),      // 13
      statement(BPF_ALU | BPF_XOR | BPF_X, 0),            // 14
      statement(BPF_ALU | BPF_MUL | BPF_K, kMultiplier),  // 15: h = A * K
      statement(BPF_MISC | BPF_TAX, 0),                   // 16
      statement(BPF_ALU | BPF_RSH | BPF_K, 16),           // 17
      statement(BPF_ALU | BPF_XOR | BPF_X, 0),            // 18: h ^= h >> 16
      statement(BPF_ALU | BPF_MOD | BPF_K, n),            // 19: h % workers
      statement(BPF_RET | BPF_A, 0),                      // 20: the socket's index in the group
  };
}

Status attach_steering(int fd, std::size_t workers) {
  std::vector<sock_filter> program = steering_program(workers);
  sock_fprog fprog{};
  fprog.len = static_cast<unsigned short>(program.size());
  fprog.filter = program.data();
  if (::setsockopt(fd, SOL_SOCKET, SO_ATTACH_REUSEPORT_CBPF, &fprog, sizeof(fprog)) != 0) {
    return fail(ErrorKind::kSocket, std::string("setsockopt(SO_ATTACH_REUSEPORT_CBPF): ") + std::strerror(errno));
  }
  return {};
}

std::size_t default_workers() {
  cpu_set_t set;
  CPU_ZERO(&set);
  if (::sched_getaffinity(0, sizeof(set), &set) != 0) {
    return 1;
  }
  const int n = CPU_COUNT(&set);
  return n > 0 ? static_cast<std::size_t>(n) : 1;
}

}  // namespace flowlab::collector
