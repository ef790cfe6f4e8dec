// flowlab::bgp::detail::FlatMap — a compact open-addressing hash map (linear probing, backward-shift deletion)
// for trivially copyable keys and values. Used for the prefix tables, where std::unordered_map's per-node
// allocation would triple the memory of a full table.
#pragma once

#include <cstddef>
#include <cstdint>
#include <type_traits>
#include <utility>
#include <vector>

namespace flowlab::bgp::detail {

inline std::uint64_t mix64(std::uint64_t x) {  // splitmix64 finalizer
  x ^= x >> 30U;
  x *= 0xbf58476d1ce4e5b9ULL;
  x ^= x >> 27U;
  x *= 0x94d049bb133111ebULL;
  x ^= x >> 31U;
  return x;
}

template <class K, class V, class Hash>
class FlatMap {
  static_assert(std::is_trivially_copyable_v<K> && std::is_trivially_copyable_v<V>);

 public:
  [[nodiscard]] std::size_t size() const { return size_; }
  [[nodiscard]] std::size_t capacity() const { return slots_.size(); }
  [[nodiscard]] std::size_t memory_bytes() const { return slots_.capacity() * sizeof(Slot); }

  V* find(const K& key) {
    if (size_ == 0) {
      return nullptr;
    }
    for (std::size_t i = home(key);; i = next(i)) {
      Slot& s = slots_[i];
      if (!s.used) {
        return nullptr;
      }
      if (s.key == key) {
        return &s.value;
      }
    }
  }
  const V* find(const K& key) const { return const_cast<FlatMap*>(this)->find(key); }  // NOLINT

  // Inserts or overwrites; returns true when the key is new.
  bool put(const K& key, const V& value) {
    if ((size_ + 1) * 4 > slots_.size() * 3) {
      grow();
    }
    for (std::size_t i = home(key);; i = next(i)) {
      Slot& s = slots_[i];
      if (!s.used) {
        s.used = true;
        s.key = key;
        s.value = value;
        ++size_;
        return true;
      }
      if (s.key == key) {
        s.value = value;
        return false;
      }
    }
  }

  bool erase(const K& key) {
    if (size_ == 0) {
      return false;
    }
    std::size_t i = home(key);
    for (;; i = next(i)) {
      if (!slots_[i].used) {
        return false;
      }
      if (slots_[i].key == key) {
        break;
      }
    }
    // Backward-shift: pull later members of the probe run into the hole.
    std::size_t hole = i;
    for (std::size_t j = next(i);; j = next(j)) {
      Slot& s = slots_[j];
      if (!s.used) {
        break;
      }
      const std::size_t h = home(s.key);
      // s may move to the hole when its home is not in (hole, j] (cyclically).
      const bool in_range = hole <= j ? (h > hole && h <= j) : (h > hole || h <= j);
      if (!in_range) {
        slots_[hole] = s;
        hole = j;
      }
    }
    slots_[hole].used = false;
    --size_;
    return true;
  }

  template <class F>
  void for_each(F&& f) const {
    for (const auto& s : slots_) {
      if (s.used) {
        f(s.key, s.value);
      }
    }
  }

  void clear() {
    slots_.clear();
    slots_.shrink_to_fit();
    size_ = 0;
  }

 private:
  struct Slot {
    K key{};
    V value{};
    bool used = false;
  };

  [[nodiscard]] std::size_t home(const K& key) const { return Hash{}(key) & (slots_.size() - 1); }
  [[nodiscard]] std::size_t next(std::size_t i) const { return (i + 1) & (slots_.size() - 1); }

  void grow() {
    std::vector<Slot> old = std::move(slots_);
    slots_.assign(old.empty() ? 16 : old.size() * 2, Slot{});
    size_ = 0;
    for (const auto& s : old) {
      if (s.used) {
        put(s.key, s.value);
      }
    }
  }

  std::vector<Slot> slots_;
  std::size_t size_ = 0;
};

}  // namespace flowlab::bgp::detail
