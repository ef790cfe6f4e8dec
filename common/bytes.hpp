// flowlab::Reader / flowlab::Writer — the only way flowlab touches untrusted bytes.
//
// A Reader is a bounded, shrinking window over a span of bytes. Every read is checked against the window; a
// read past the end returns zero and makes the reader fail (sticky), so a decoder can read a whole header and
// check `ok()` once. `sub(n)` carves a child reader that can never run past its parent (the parent skips the n
// bytes). No reinterpret_cast onto structs, no pointer arithmetic outside this file. Big-endian (network order).
#pragma once

#include <array>
#include <bit>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <span>
#include <string>
#include <string_view>
#include <type_traits>
#include <vector>

namespace flowlab {

using Bytes = std::span<const std::byte>;

inline Bytes as_bytes(std::string_view s) { return std::as_bytes(std::span<const char>(s.data(), s.size())); }
inline Bytes as_bytes(const std::vector<std::uint8_t>& v) {
  return std::as_bytes(std::span<const std::uint8_t>(v.data(), v.size()));
}

namespace detail {
// Big-endian unsigned integer of the first n bytes of `b`, a byte at a time (widths without a word load).
[[nodiscard]] inline std::uint64_t load_be_bytes(Bytes b, std::size_t n) {
  std::uint64_t v = 0;
  for (std::size_t i = 0; i < n; ++i) {
    v = (v << 8U) | std::to_integer<std::uint64_t>(b[i]);
  }
  return v;
}
}  // namespace detail

// Big-endian unsigned integer of N bytes at the start of `b`, which the caller has checked holds N bytes (one
// check for a whole record, then loads without a check each). 2, 4 and 8 bytes are one load and a byte swap.
template <std::size_t N>
[[nodiscard]] inline std::uint64_t load_be(Bytes b) {
  static_assert(N >= 1 && N <= 8);
  if constexpr (N == 2 || N == 4 || N == 8) {
    using Word = std::conditional_t<N == 2, std::uint16_t, std::conditional_t<N == 4, std::uint32_t, std::uint64_t>>;
    Word v = 0;
    std::memcpy(&v, b.data(), N);
    if constexpr (std::endian::native == std::endian::little) {
      if constexpr (N == 2) {
        v = __builtin_bswap16(v);
      } else if constexpr (N == 4) {
        v = __builtin_bswap32(v);
      } else {
        v = __builtin_bswap64(v);
      }
    }
    return v;
  } else {
    return detail::load_be_bytes(b, N);
  }
}

// The same for a width known only at run time (1..8, reduced-size encoding, RFC 7011 section 6.2).
[[nodiscard]] inline std::uint64_t load_be(Bytes b, std::size_t n) {
  switch (n) {
    case 1:
      return load_be<1>(b);
    case 2:
      return load_be<2>(b);
    case 4:
      return load_be<4>(b);
    case 8:
      return load_be<8>(b);
    default:
      return detail::load_be_bytes(b, n);
  }
}

class Reader {
 public:
  Reader() = default;
  explicit Reader(Bytes data, std::size_t base_offset = 0) : data_(data), base_(base_offset) {}

  [[nodiscard]] bool ok() const { return ok_; }
  [[nodiscard]] bool failed() const { return !ok_; }
  [[nodiscard]] std::size_t remaining() const { return ok_ ? data_.size() - pos_ : 0; }
  [[nodiscard]] bool empty() const { return remaining() == 0; }
  // Offset of the cursor from the start of the outermost buffer (for error messages).
  [[nodiscard]] std::size_t offset() const { return base_ + pos_; }
  [[nodiscard]] bool has(std::size_t n) const { return ok_ && data_.size() - pos_ >= n; }

  std::uint8_t u8() { return static_cast<std::uint8_t>(take<1>()); }
  std::uint16_t u16() { return static_cast<std::uint16_t>(take<2>()); }
  std::uint32_t u24() { return static_cast<std::uint32_t>(take<3>()); }
  std::uint32_t u32() { return static_cast<std::uint32_t>(take<4>()); }
  std::uint64_t u64() { return take<8>(); }
  // Unsigned big-endian integer of 1..8 bytes (reduced-size encoding, RFC 7011 section 6.2).
  std::uint64_t uint(std::size_t n) {
    if (n == 0 || n > 8 || !has(n)) {
      fail();
      return 0;
    }
    const std::uint64_t v = load_be(data_.subspan(pos_, n), n);
    pos_ += n;
    return v;
  }

  Bytes bytes(std::size_t n) {
    if (!has(n)) {
      fail();
      return {};
    }
    Bytes out = data_.subspan(pos_, n);
    pos_ += n;
    return out;
  }
  template <std::size_t N>
  std::array<std::uint8_t, N> array() {
    std::array<std::uint8_t, N> out{};
    Bytes b = bytes(N);
    if (!b.empty()) {
      std::memcpy(out.data(), b.data(), N);
    }
    return out;
  }
  void skip(std::size_t n) {
    if (!has(n)) {
      fail();
      return;
    }
    pos_ += n;
  }
  // A child reader over the next n bytes; the parent moves past them. Fails both when n is too large.
  Reader sub(std::size_t n) {
    std::size_t start = offset();
    Bytes b = bytes(n);
    Reader child(b, start);
    if (!ok_) {
      child.fail();
    }
    return child;
  }
  // Everything left, as a child reader.
  Reader rest() { return sub(remaining()); }
  [[nodiscard]] Bytes peek_rest() const { return ok_ ? data_.subspan(pos_) : Bytes{}; }

  void fail() { ok_ = false; }

 private:
  template <std::size_t N>
  std::uint64_t take() {
    if (!has(N)) {
      fail();
      return 0;
    }
    const std::uint64_t v = load_be<N>(data_.subspan(pos_, N));
    pos_ += N;
    return v;
  }

  Bytes data_{};
  std::size_t pos_ = 0;
  std::size_t base_ = 0;
  bool ok_ = true;
};

// Writer mirrors Reader: appends big-endian values to an owned buffer; `patch_u16` fills in lengths later.
class Writer {
 public:
  Writer() = default;
  explicit Writer(std::size_t reserve) { buf_.reserve(reserve); }

  void u8(std::uint8_t v) { buf_.push_back(static_cast<std::byte>(v)); }
  void u16(std::uint16_t v) { put(v, 2); }
  void u24(std::uint32_t v) { put(v, 3); }
  void u32(std::uint32_t v) { put(v, 4); }
  void u64(std::uint64_t v) { put(v, 8); }
  void uint(std::uint64_t v, std::size_t n) { put(v, n); }
  void bytes(Bytes b) { buf_.insert(buf_.end(), b.begin(), b.end()); }
  void bytes(std::span<const std::uint8_t> b) {
    for (auto x : b) {
      u8(x);
    }
  }
  void zeros(std::size_t n) { buf_.insert(buf_.end(), n, std::byte{0}); }
  void patch_u16(std::size_t at, std::uint16_t v) {
    buf_.at(at) = static_cast<std::byte>(v >> 8U);
    buf_.at(at + 1) = static_cast<std::byte>(v & 0xffU);
  }
  void patch_u32(std::size_t at, std::uint32_t v) {
    for (std::size_t i = 0; i < 4; ++i) {
      buf_.at(at + i) = static_cast<std::byte>((v >> (8U * (3 - i))) & 0xffU);
    }
  }
  [[nodiscard]] std::size_t size() const { return buf_.size(); }
  [[nodiscard]] Bytes view() const { return {buf_.data(), buf_.size()}; }
  [[nodiscard]] const std::vector<std::byte>& buffer() const { return buf_; }
  std::vector<std::byte> take() { return std::move(buf_); }
  void clear() { buf_.clear(); }

 private:
  void put(std::uint64_t v, std::size_t n) {
    for (std::size_t i = 0; i < n; ++i) {
      buf_.push_back(static_cast<std::byte>((v >> (8U * (n - 1 - i))) & 0xffU));
    }
  }
  std::vector<std::byte> buf_;
};

// Hex helpers for tests and golden files: "0a 0b" <-> bytes.
std::vector<std::byte> from_hex(std::string_view hex);
std::string to_hex(Bytes bytes);

}  // namespace flowlab
