// Test helpers: build Ethernet / IP / transport frames byte by byte (Writer), for the meter's tests.
#pragma once

#include "common/bytes.hpp"

#include <array>
#include <cstdint>
#include <vector>

namespace flowlab::meter::test {

struct FrameSpec {
  int ip_version = 4;
  std::array<std::uint8_t, 16> src{198, 18, 0, 1};
  std::array<std::uint8_t, 16> dst{198, 19, 0, 1};
  std::uint8_t protocol = 6;
  std::uint8_t tos = 0;
  std::uint16_t sport = 1024;
  std::uint16_t dport = 80;
  std::uint8_t tcp_flags = 0x10;
  std::uint8_t icmp_type = 0;
  std::uint8_t icmp_code = 0;
  std::uint16_t payload = 0;           // transport payload bytes (counted in IP length)
  std::vector<std::uint16_t> vlans;    // 802.1Q tags, outer first
  std::size_t ipv4_option_bytes = 0;   // multiple of 4
  std::vector<std::uint8_t> ipv6_ext;  // extension header types to insert (0, 43, 60: 8 bytes; 44: fragment)
  std::uint16_t fragment_offset = 0;   // IPv4 offset / IPv6 fragment offset (8-byte units)
  std::size_t snap = 65535;            // cut the frame here
};

inline std::size_t l4_size(const FrameSpec& s) {
  switch (s.protocol) {
    case 6:
      return 20;
    case 17:
      return 8;
    case 1:
    case 58:
      return 8;
    default:
      return 0;
  }
}

inline void write_l4(Writer& w, const FrameSpec& s) {
  if (s.protocol == 6) {
    w.u16(s.sport);
    w.u16(s.dport);
    w.u32(1);
    w.u32(0);
    w.u8(0x50);
    w.u8(s.tcp_flags);
    w.u16(65535);
    w.u16(0);
    w.u16(0);
  } else if (s.protocol == 17) {
    w.u16(s.sport);
    w.u16(s.dport);
    w.u16(static_cast<std::uint16_t>(8 + s.payload));
    w.u16(0);
  } else if (s.protocol == 1 || s.protocol == 58) {
    w.u8(s.icmp_type);
    w.u8(s.icmp_code);
    w.u16(0);
    w.u32(0);
  }
  w.zeros(s.payload);
}

inline std::vector<std::byte> build_frame(const FrameSpec& s) {
  Writer w;
  w.zeros(6);
  w.u8(2);
  w.zeros(5);
  for (std::uint16_t v : s.vlans) {
    w.u16(0x8100);
    w.u16(v);
  }
  if (s.ip_version == 4) {
    w.u16(0x0800);
    const std::size_t ihl = 20 + s.ipv4_option_bytes;
    const std::size_t total = ihl + l4_size(s) + s.payload;
    w.u8(static_cast<std::uint8_t>(0x40 | (ihl / 4)));
    w.u8(s.tos);
    w.u16(static_cast<std::uint16_t>(total));
    w.u16(1);
    w.u16(s.fragment_offset);
    w.u8(64);
    w.u8(s.protocol);
    w.u16(0);
    w.bytes(std::span<const std::uint8_t>(s.src.data(), 4));
    w.bytes(std::span<const std::uint8_t>(s.dst.data(), 4));
    w.zeros(s.ipv4_option_bytes);
  } else {
    w.u16(0x86dd);
    const std::size_t ext = s.ipv6_ext.size() * 8;
    w.u32(0x60000000U | (static_cast<std::uint32_t>(s.tos) << 20U));
    w.u16(static_cast<std::uint16_t>(ext + l4_size(s) + s.payload));
    w.u8(s.ipv6_ext.empty() ? s.protocol : s.ipv6_ext.front());
    w.u8(64);
    w.bytes(std::span<const std::uint8_t>(s.src.data(), 16));
    w.bytes(std::span<const std::uint8_t>(s.dst.data(), 16));
    for (std::size_t i = 0; i < s.ipv6_ext.size(); ++i) {
      const std::uint8_t next = i + 1 < s.ipv6_ext.size() ? s.ipv6_ext[i + 1] : s.protocol;
      w.u8(next);
      w.u8(0);
      if (s.ipv6_ext[i] == 44) {
        w.u16(static_cast<std::uint16_t>(s.fragment_offset << 3U));
        w.u32(7);
      } else {
        w.zeros(6);
      }
    }
  }
  write_l4(w, s);
  std::vector<std::byte> out = w.take();
  if (out.size() > s.snap) {
    out.resize(s.snap);
  }
  return out;
}

inline std::array<std::uint8_t, 16> v6(std::uint8_t last) {
  return {0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, last};
}

}  // namespace flowlab::meter::test
