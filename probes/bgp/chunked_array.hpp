// chunked_array.hpp — a growable array whose elements never move, indexed with a shift, a mask and a small table.
#pragma once

#include <cstddef>
#include <memory>
#include <new>
#include <utility>
#include <vector>

namespace flowlab::bgp::detail {

// Elements in chunks of 2^kBits, each chunk allocated once at its full size: growing never moves an element, so
// references stay valid as long as the array (what std::deque gives), but an index costs a shift and a mask and
// reads a chunk table that stays in cache (a million elements: 245 chunk pointers with the default kBits). std::deque
// holds 512 bytes per block — a few elements of the AttrStore's sets — so its map for a million sets is a megabyte
// that every lookup reads before the element (a cache miss of its own) and every index is a division.
template <class T, unsigned kBits = 12>
class ChunkedArray {
 public:
  static constexpr std::size_t kChunk = std::size_t{1} << kBits;

  ChunkedArray() = default;
  ~ChunkedArray() { clear(); }
  ChunkedArray(const ChunkedArray&) = delete;
  ChunkedArray& operator=(const ChunkedArray&) = delete;

  T& operator[](std::size_t i) { return slot(i); }
  const T& operator[](std::size_t i) const { return const_cast<ChunkedArray&>(*this).slot(i); }  // NOLINT
  [[nodiscard]] std::size_t size() const { return size_; }
  [[nodiscard]] std::size_t capacity() const { return chunks_.size() * kChunk; }

  template <class... Args>
  T& emplace_back(Args&&... args) {
    if (size_ == capacity()) {
      // NOLINTNEXTLINE(*-avoid-c-arrays): uninitialized storage, so a chunk's pages are touched only as it fills
      chunks_.push_back(std::make_unique_for_overwrite<Storage[]>(kChunk));
    }
    T* at = new (raw(size_).bytes) T(std::forward<Args>(args)...);
    ++size_;
    return *at;
  }
  void clear() {
    for (std::size_t i = size_; i > 0; --i) {
      slot(i - 1).~T();
    }
    size_ = 0;
    chunks_.clear();
  }

 private:
  struct alignas(T) Storage {
    std::byte bytes[sizeof(T)];  // NOLINT(*-avoid-c-arrays): room for one T, constructed by emplace_back
  };
  Storage& raw(std::size_t i) { return chunks_[i >> kBits][i & (kChunk - 1)]; }
  T& slot(std::size_t i) { return *std::launder(reinterpret_cast<T*>(raw(i).bytes)); }  // NOLINT

  std::vector<std::unique_ptr<Storage[]>> chunks_;  // NOLINT(*-avoid-c-arrays)
  std::size_t size_ = 0;
};

}  // namespace flowlab::bgp::detail
