// flowlab::IpAddress and flowlab::Prefix — one value type for IPv4 and IPv6 addresses and prefixes.
//
// IPv4 is stored in the first 4 bytes; comparisons order IPv4 before IPv6. Parsing never throws: parse_*
// return std::nullopt for anything that is not exactly an address (or a prefix with its host bits clear, for
// parse_prefix with strict = true).
#pragma once

#include <array>
#include <compare>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>

namespace flowlab {

enum class Family : std::uint8_t { kNone = 0, kIpv4 = 4, kIpv6 = 6 };

struct IpAddress {
  Family family = Family::kNone;
  std::array<std::uint8_t, 16> bytes{};

  static IpAddress v4(std::uint32_t host_order);
  static IpAddress v4(std::array<std::uint8_t, 4> b);
  static IpAddress v6(const std::array<std::uint8_t, 16>& b);
  static std::optional<IpAddress> parse(std::string_view text);

  [[nodiscard]] bool is_v4() const { return family == Family::kIpv4; }
  [[nodiscard]] bool is_v6() const { return family == Family::kIpv6; }
  [[nodiscard]] bool is_set() const { return family != Family::kNone; }
  [[nodiscard]] bool is_unspecified() const;
  [[nodiscard]] bool is_link_local() const;  // fe80::/10 (and 169.254/16)
  [[nodiscard]] std::size_t size() const { return is_v4() ? 4 : (is_v6() ? 16 : 0); }
  [[nodiscard]] unsigned max_prefix_len() const { return is_v4() ? 32U : 128U; }
  [[nodiscard]] std::uint32_t v4_host_order() const;
  [[nodiscard]] std::string to_string() const;  // "" for kNone
  // The address plus n (wrapping inside the family); used by pools.
  [[nodiscard]] IpAddress plus(std::uint64_t n) const;
  [[nodiscard]] bool bit(unsigned index) const {
    return ((static_cast<unsigned>(bytes[index / 8U]) >> (7U - index % 8U)) & 1U) != 0U;
  }

  auto operator<=>(const IpAddress&) const = default;  // NOLINT(modernize-use-nullptr): clang-tidy 14 bug
  bool operator==(const IpAddress&) const = default;
};

struct Prefix {
  IpAddress address;  // host bits are zero for a canonical prefix
  std::uint8_t length = 0;

  // "192.0.2.0/24"; strict rejects set host bits ("192.0.2.1/24"); a bare address is a host prefix.
  static std::optional<Prefix> parse(std::string_view text, bool strict = true);
  // "192.0.2.1/31" -> address 192.0.2.1, length 31 (an interface address with its subnet).
  static std::optional<Prefix> parse_interface(std::string_view text) { return parse(text, false); }

  [[nodiscard]] Family family() const { return address.family; }
  [[nodiscard]] Prefix canonical() const;  // host bits cleared
  [[nodiscard]] bool contains(const IpAddress& a) const;
  [[nodiscard]] bool contains(const Prefix& p) const { return p.length >= length && contains(p.address); }
  [[nodiscard]] bool overlaps(const Prefix& p) const { return contains(p) || p.contains(*this); }
  [[nodiscard]] std::string to_string() const;
  // Number of addresses as a saturating 64-bit count (2^64-1 for anything larger).
  [[nodiscard]] std::uint64_t size() const;

  auto operator<=>(const Prefix&) const = default;  // NOLINT(modernize-use-nullptr): clang-tidy 14 bug
  bool operator==(const Prefix&) const = default;
};

}  // namespace flowlab

template <>
struct std::hash<flowlab::IpAddress> {
  std::size_t operator()(const flowlab::IpAddress& a) const noexcept {
    std::size_t h = static_cast<std::size_t>(a.family);
    for (auto b : a.bytes) {
      h = h * 1099511628211ULL ^ b;
    }
    return h;
  }
};
