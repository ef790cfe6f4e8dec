// flowlab::bgp::detail::FlatMap — a compact open-addressing hash map (linear probing, backward-shift deletion)
// for trivially copyable keys and values. Used for the prefix tables, where std::unordered_map's per-node
// allocation would triple the memory of a full table. PackedMap is the same for keys and values that fit one
// 64-bit word together (8 bytes a slot: the IPv4 prefix table).
#pragma once

#include <sys/mman.h>

#include <cstddef>
#include <cstdint>
#include <new>
#include <type_traits>
#include <utility>
#include <vector>

namespace flowlab::bgp::detail {

// Allocator for the big hash tables: blocks of 2 MiB or more are mmap'ed and advised to transparent huge pages, so
// random probes into a full table (16 MiB for a million IPv4 prefixes) miss the TLB far less; smaller blocks come
// from operator new. Untouched pages cost nothing either way.
template <class T>
struct HugeAlloc {
  using value_type = T;
  static constexpr std::size_t kHuge = std::size_t{2} << 20U;
  HugeAlloc() = default;
  template <class U>
  HugeAlloc(const HugeAlloc<U>& /*other*/) {}  // NOLINT(google-explicit-constructor): allocator rebinding
  T* allocate(std::size_t n) {
    const std::size_t bytes = n * sizeof(T);
    if (bytes < kHuge) {
      return static_cast<T*>(::operator new(bytes));
    }
    void* p = mmap(nullptr, bytes, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (p == MAP_FAILED) {
      throw std::bad_alloc();
    }
    madvise(p, bytes, MADV_HUGEPAGE);
    return static_cast<T*>(p);
  }
  void deallocate(T* p, std::size_t n) {
    const std::size_t bytes = n * sizeof(T);
    if (bytes < kHuge) {
      ::operator delete(p);
    } else {
      munmap(p, bytes);
    }
  }
  template <class U>
  bool operator==(const HugeAlloc<U>& /*other*/) const {
    return true;
  }
};

inline std::uint64_t mix64(std::uint64_t x) {  // splitmix64 finalizer
  x ^= x >> 30U;
  x *= 0xbf58476d1ce4e5b9ULL;
  x ^= x >> 27U;
  x *= 0x94d049bb133111ebULL;
  x ^= x >> 31U;
  return x;
}

// kMaxLoad8: the table doubles when more than kMaxLoad8/8 of its slots would be used.
template <class K, class V, class Hash, unsigned kMaxLoad8 = 6>
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
  // Starts loading key's home slot into the cache (a find or put follows soon).
  void prefetch(const K& key) const {
    if (!slots_.empty()) {
      __builtin_prefetch(&slots_[home(key)]);
    }
  }

  // Inserts or overwrites; returns true when the key is new.
  bool put(const K& key, const V& value) {
    if ((size_ + 1) * 8 > slots_.size() * kMaxLoad8) {
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
    std::vector<Slot, HugeAlloc<Slot>> old = std::move(slots_);
    slots_.assign(old.empty() ? 16 : old.size() * 2, Slot{});
    size_ = 0;
    for (const auto& s : old) {
      if (s.used) {
        put(s.key, s.value);
      }
    }
  }

  std::vector<Slot, HugeAlloc<Slot>> slots_;
  std::size_t size_ = 0;
};

// Open-addressing map whose slots are single 64-bit words: the key in the high bits, the value in the low
// kValueBits. Keys must be < 2^(64 - kValueBits) and no (key, value) may pack to all ones (the empty slot).
template <unsigned kValueBits>
class PackedMap {
  static constexpr std::uint64_t kEmpty = ~std::uint64_t{0};
  static constexpr std::uint64_t kValueMask = (std::uint64_t{1} << kValueBits) - 1U;

 public:
  [[nodiscard]] std::size_t size() const { return size_; }
  [[nodiscard]] std::size_t memory_bytes() const { return slots_.capacity() * sizeof(std::uint64_t); }

  // The value of key, or nullopt-like false.
  bool find(std::uint64_t key, std::uint32_t& value) const {
    if (size_ == 0) {
      return false;
    }
    for (std::size_t i = home(key);; i = next(i)) {
      const std::uint64_t s = slots_[i];
      if (s == kEmpty) {
        return false;
      }
      if ((s >> kValueBits) == key) {
        value = static_cast<std::uint32_t>(s & kValueMask);
        return true;
      }
    }
  }

  void prefetch(std::uint64_t key) const {
    if (!slots_.empty()) {
      __builtin_prefetch(&slots_[home(key)]);
    }
  }

  // Inserts or overwrites; returns true when the key is new.
  bool put(std::uint64_t key, std::uint32_t value) {
    if ((size_ + 1) * 4 > slots_.size() * 3) {
      grow();
    }
    const std::uint64_t packed = (key << kValueBits) | (value & kValueMask);
    for (std::size_t i = home(key);; i = next(i)) {
      std::uint64_t& s = slots_[i];
      if (s == kEmpty) {
        s = packed;
        ++size_;
        return true;
      }
      if ((s >> kValueBits) == key) {
        s = packed;
        return false;
      }
    }
  }

  bool erase(std::uint64_t key) {
    if (size_ == 0) {
      return false;
    }
    std::size_t i = home(key);
    for (;; i = next(i)) {
      if (slots_[i] == kEmpty) {
        return false;
      }
      if ((slots_[i] >> kValueBits) == key) {
        break;
      }
    }
    std::size_t hole = i;
    for (std::size_t j = next(i);; j = next(j)) {
      const std::uint64_t s = slots_[j];
      if (s == kEmpty) {
        break;
      }
      const std::size_t h = home(s >> kValueBits);
      const bool in_range = hole <= j ? (h > hole && h <= j) : (h > hole || h <= j);
      if (!in_range) {
        slots_[hole] = s;
        hole = j;
      }
    }
    slots_[hole] = kEmpty;
    --size_;
    return true;
  }

  template <class F>
  void for_each(F&& f) const {
    for (const std::uint64_t s : slots_) {
      if (s != kEmpty) {
        f(s >> kValueBits, static_cast<std::uint32_t>(s & kValueMask));
      }
    }
  }

  void clear() {
    slots_.clear();
    slots_.shrink_to_fit();
    size_ = 0;
  }

 private:
  [[nodiscard]] std::size_t home(std::uint64_t key) const { return mix64(key) & (slots_.size() - 1); }
  [[nodiscard]] std::size_t next(std::size_t i) const { return (i + 1) & (slots_.size() - 1); }

  void grow() {
    std::vector<std::uint64_t, HugeAlloc<std::uint64_t>> old = std::move(slots_);
    slots_.assign(old.empty() ? 16 : old.size() * 2, kEmpty);
    size_ = 0;
    for (const std::uint64_t s : old) {
      if (s != kEmpty) {
        put(s >> kValueBits, static_cast<std::uint32_t>(s & kValueMask));
      }
    }
  }

  std::vector<std::uint64_t, HugeAlloc<std::uint64_t>> slots_;
  std::size_t size_ = 0;
};

// Open-addressing index of ids into the caller's own storage: a slot is 4 bytes, the id (below kMaxId) in the low
// 24 bits and 8 bits of its hash as a tag in the high ones, so a probe dereferences the caller's storage (match)
// only when the tag agrees — a miss walks the slot array alone. The caller supplies each id's hash, and a
// hash_of(id) for growth and deletion.
class IdIndex {
 public:
  static constexpr std::uint32_t kNone = 0xffffffffU;
  static constexpr std::uint32_t kMaxId = (1U << 24U) - 2U;  // ids 0..kMaxId (0xffffff would alias kNone)

  [[nodiscard]] std::size_t size() const { return size_; }
  [[nodiscard]] std::size_t memory_bytes() const { return slots_.capacity() * sizeof(std::uint32_t); }

  // The first id with hash h for which match(id) holds, or kNone.
  template <class Match>
  [[nodiscard]] std::uint32_t find(std::size_t h, Match&& match) const {
    if (slots_.empty()) {
      return kNone;
    }
    const std::size_t mask = slots_.size() - 1;
    const std::uint32_t want = tag(h);
    for (std::size_t i = h & mask; slots_[i] != kNone; i = (i + 1) & mask) {
      const std::uint32_t s = slots_[i];
      if ((s & kTagMask) == want && match(s & kIdMask)) {
        return s & kIdMask;
      }
    }
    return kNone;
  }

  // Adds id (<= kMaxId, not present) with hash h.
  template <class HashOf>
  void insert(std::uint32_t id, std::size_t h, HashOf&& hash_of) {
    if ((size_ + 1) * 4 > slots_.size() * 3) {
      std::vector<std::uint32_t> old = std::move(slots_);
      slots_.assign(old.empty() ? 1024 : old.size() * 2, kNone);
      size_ = 0;
      for (const std::uint32_t o : old) {
        if (o != kNone) {
          place(o, hash_of(o & kIdMask));
        }
      }
    }
    place(id | tag(h), h);
  }

  // Removes id (present, with hash h).
  template <class HashOf>
  void erase(std::uint32_t id, std::size_t h, HashOf&& hash_of) {
    const std::size_t mask = slots_.size() - 1;
    const std::uint32_t slot = id | tag(h);
    std::size_t i = h & mask;
    while (slots_[i] != slot) {
      i = (i + 1) & mask;
    }
    std::size_t hole = i;
    for (std::size_t j = (i + 1) & mask; slots_[j] != kNone; j = (j + 1) & mask) {
      const std::size_t home = hash_of(slots_[j] & kIdMask) & mask;
      const bool in_range = hole <= j ? (home > hole && home <= j) : (home > hole || home <= j);
      if (!in_range) {
        slots_[hole] = slots_[j];
        hole = j;
      }
    }
    slots_[hole] = kNone;
    --size_;
  }

 private:
  static constexpr std::uint32_t kIdMask = (1U << 24U) - 1U;
  static constexpr std::uint32_t kTagMask = ~kIdMask;
  // The hash's top byte: independent of the low bits that pick the home slot.
  static std::uint32_t tag(std::size_t h) { return static_cast<std::uint32_t>(std::uint64_t{h} >> 56U) << 24U; }

  void place(std::uint32_t slot, std::size_t h) {
    const std::size_t mask = slots_.size() - 1;
    std::size_t i = h & mask;
    while (slots_[i] != kNone) {
      i = (i + 1) & mask;
    }
    slots_[i] = slot;
    ++size_;
  }

  std::vector<std::uint32_t> slots_;
  std::size_t size_ = 0;
};

}  // namespace flowlab::bgp::detail
