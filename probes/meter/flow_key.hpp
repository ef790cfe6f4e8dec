// flowlab::meter::FlowKey — what makes two packets the same flow: the 5-tuple (IPv4 or IPv6), ToS / traffic
// class, input ifindex and VLAN. A plain 48-byte value with no padding holes, so equality and hashing are cheap.
#pragma once

#include "probes/meter/packet.hpp"

#include <array>
#include <bit>
#include <cstddef>
#include <cstdint>
#include <cstring>

namespace flowlab::meter {

struct FlowKey {
  std::array<std::uint8_t, 16> src{};  // IPv4 in the first 4 bytes, rest zero
  std::array<std::uint8_t, 16> dst{};
  std::uint32_t input_ifindex = 0;
  std::uint16_t src_port = 0;
  std::uint16_t dst_port = 0;
  std::uint16_t vlan = 0;
  std::uint8_t protocol = 0;
  std::uint8_t tos = 0;
  std::uint8_t ip_version = 0;             // 4 or 6
  std::uint8_t egress = 0;                 // 1: metered leaving interface `input_ifindex` (it is the output)
  std::array<std::uint8_t, 2> reserved{};  // keeps the struct free of padding (hash reads every byte)

  // Six 8-byte compares instead of memcmp (the struct has no padding, so every byte is a field byte).
  bool operator==(const FlowKey& o) const {
    std::array<std::uint64_t, 6> a{};
    std::array<std::uint64_t, 6> b{};
    std::memcpy(a.data(), this, sizeof(FlowKey));
    std::memcpy(b.data(), &o, sizeof(FlowKey));
    return ((a[0] ^ b[0]) | (a[1] ^ b[1]) | (a[2] ^ b[2]) | (a[3] ^ b[3]) | (a[4] ^ b[4]) | (a[5] ^ b[5])) == 0;
  }

  // Built as three 16-byte stores (the addresses as copied, the remaining fields composed in registers), because
  // hash_key() and operator== read the key back at once as whole words: a load the CPU cannot forward from one
  // earlier store (a word over several narrow field stores) waits for the stores to retire, which cost more than
  // the hash itself. Other byte orders fill the fields one by one.
  static FlowKey from_packet(const ParsedPacket& p, std::uint32_t input_ifindex, bool egress = false) {
    FlowKey k;
    k.src = p.src;
    k.dst = p.dst;
    if constexpr (std::endian::native == std::endian::little) {
      using Vector = std::uint64_t __attribute__((vector_size(16)));
      const std::uint64_t ids = input_ifindex | (std::uint64_t{p.src_port} << 32U) | (std::uint64_t{p.dst_port} << 48U);
      const std::uint64_t rest = p.vlan | (std::uint64_t{p.protocol} << 16U) | (std::uint64_t{p.tos} << 24U) |
                                 (std::uint64_t{p.ip_version} << 32U) | (std::uint64_t{egress ? 1U : 0U} << 40U);
      const Vector tail = {ids, rest};
      static_assert(offsetof(FlowKey, input_ifindex) == 32 && offsetof(FlowKey, vlan) == 40 &&
                    offsetof(FlowKey, protocol) == 42 && offsetof(FlowKey, tos) == 43 &&
                    offsetof(FlowKey, ip_version) == 44 && offsetof(FlowKey, egress) == 45);
      std::memcpy(reinterpret_cast<unsigned char*>(&k) + offsetof(FlowKey, input_ifindex), &tail, 16);
    } else {
      k.egress = egress ? 1U : 0U;
      k.input_ifindex = input_ifindex;
      k.src_port = p.src_port;
      k.dst_port = p.dst_port;
      k.vlan = p.vlan;
      k.protocol = p.protocol;
      k.tos = p.tos;
      k.ip_version = p.ip_version;
    }
    return k;
  }
};
static_assert(sizeof(FlowKey) == 48, "FlowKey must have no padding");

// 64-bit hash of a key: the six 8-byte words multiplied by distinct odd constants (independent, so they run in
// parallel), summed, then one murmur3-style finalizer spreads the bits over the low ones the table indexes with.
inline std::uint64_t hash_key(const FlowKey& k) {
  std::array<std::uint64_t, 6> w{};
  std::memcpy(w.data(), &k, sizeof(FlowKey));
  std::uint64_t h = w[0] * 0x9e3779b97f4a7c15ULL + w[1] * 0xbf58476d1ce4e5b9ULL + w[2] * 0x94d049bb133111ebULL +
                    w[3] * 0xff51afd7ed558ccdULL + w[4] * 0xc4ceb9fe1a85ec53ULL + w[5] * 0x2127599bf4325c37ULL;
  h ^= h >> 33U;
  h *= 0xff51afd7ed558ccdULL;
  h ^= h >> 33U;
  return h;
}

}  // namespace flowlab::meter
