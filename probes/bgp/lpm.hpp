// flowlab::bgp longest-prefix match — IPv4 and IPv6 tables mapping prefixes to 25-bit values, updated
// incrementally (routes come and go one by one).
//
// Lpm4 is DIR-24-8 (Gupta, Lin, McKeown 1998): a 2^24-entry table indexed by the top 24 address bits, each
// entry either a result or the index of a 256-entry second-level group for prefixes longer than /24. A lookup is
// one memory access (two for addresses under a /25../32). Prefixes up to /16 live in a separate 2^16-entry table
// (256 KiB, cache resident) consulted when the big one holds nothing for the address, so a default route or a /8
// writes at most 65,536 entries instead of 2^24 and does not make a small per-peer table touch all 64 MiB. Each entry
// carries the length of the prefix that owns it, so inserts and deletes rewrite only the entries that prefix owns; a
// control-plane hash map (prefix → value, 8 bytes a slot) finds the covering prefix when one is removed. The 64 MiB
// first level is mmap'ed (transparent huge pages advised): untouched parts cost no memory, so small per-peer tables
// stay small.
//
// Lpm6 is DIR-24 over Patricia tries: a 2^24-entry direct table indexed by the top 24 address bits (mmap'ed like
// Lpm4's, 8 bytes an entry, 128 MiB of address space of which a table under 2000::/3 touches at most 16 MiB; huge
// pages advised, so random lookups take no TLB miss) holding prefixes /17../24 expanded and, for each /24 that holds
// longer prefixes, the root of a path-compressed binary trie (Patricia) of them; prefixes up to /16 live in a
// 2^16-entry side table (256 KiB, cache resident) consulted when nothing longer matches. A lookup is one access to
// the direct table plus the trie nodes on the address's path (one or two in a full table, where /24s hold few
// prefixes); lookup_batch overlaps these accesses for a batch of addresses. Same control-plane map.
// Values are caller-chosen integers in [0, kMaxValue]; lookups return kNone when nothing matches.
#pragma once

#include "probes/bgp/flat_map.hpp"

#include <cstddef>
#include <cstdint>
#include <optional>
#include <vector>

namespace flowlab::bgp {

__extension__ using Uint128 = unsigned __int128;

struct LpmMatch {
  std::uint32_t value = 0;
  std::uint8_t length = 0;
};

namespace detail {
struct Key4Hash {
  std::size_t operator()(std::uint64_t k) const { return mix64(k); }
};
struct Key6 {  // 8-byte aligned (24 bytes), so a map slot is 32 bytes rather than 48 with a 16-aligned __int128
  std::uint64_t hi = 0;
  std::uint64_t lo = 0;
  std::uint8_t len = 0;
  Key6() = default;
  Key6(Uint128 addr, unsigned length)
      : hi(static_cast<std::uint64_t>(addr >> 64U)),
        lo(static_cast<std::uint64_t>(addr)),
        len(static_cast<std::uint8_t>(length)) {}
  [[nodiscard]] Uint128 addr() const { return (Uint128{hi} << 64U) | lo; }
  bool operator==(const Key6& o) const { return hi == o.hi && lo == o.lo && len == o.len; }
};
struct Key6Hash {
  std::size_t operator()(const Key6& k) const { return mix64(k.hi ^ mix64(k.lo + k.len)); }
};
}  // namespace detail

class Lpm4 {
 public:
  static constexpr std::uint32_t kNone = 0xffffffffU;
  static constexpr std::uint32_t kMaxValue = (1U << 25U) - 2U;

  Lpm4();
  ~Lpm4();
  Lpm4(const Lpm4&) = delete;
  Lpm4& operator=(const Lpm4&) = delete;
  Lpm4(Lpm4&& other) noexcept;
  Lpm4& operator=(Lpm4&& other) noexcept;

  // Inserts prefix addr/len (host bits ignored) or replaces its value. False when value > kMaxValue or len > 32.
  bool insert(std::uint32_t addr, unsigned len, std::uint32_t value);
  // Removes addr/len; false when it was not there.
  bool remove(std::uint32_t addr, unsigned len);
  // Exact-match value of addr/len.
  [[nodiscard]] std::optional<std::uint32_t> get(std::uint32_t addr, unsigned len) const;
  // Starts loading what get/insert of addr/len will touch first (its prefix-map slot and first-level entry), so a
  // caller with several prefixes in hand overlaps their cache misses.
  void prefetch(std::uint32_t addr, unsigned len) const;

  // Longest-prefix match: the value, or kNone.
  [[nodiscard]] std::uint32_t lookup(std::uint32_t addr) const {
    std::uint32_t e = tbl24_[addr >> 8U];
    if ((e & kGroupBit) != 0) {
      e = tbl8_[(static_cast<std::size_t>(e & ~kGroupBit) << 8U) | (addr & 0xffU)];
    }
    if ((e & kValueMask) == 0) {
      e = short_[addr >> 16U];
    }
    return (e & kValueMask) - 1U;  // empty entries hold 0 → kNone
  }
  // Longest-prefix match with the matched prefix length.
  [[nodiscard]] std::optional<LpmMatch> match(std::uint32_t addr) const;
  // Starts loading the first-level entry match(addr) reads: a batch prefetches every address before it matches any,
  // so the misses overlap instead of waiting on each other's branches.
  void prefetch_match(std::uint32_t addr) const { __builtin_prefetch(&tbl24_[addr >> 8U]); }

  [[nodiscard]] std::size_t size() const { return prefixes_.size(); }
  // Resident estimate: touched first-level pages are not known, so this counts the whole first level.
  [[nodiscard]] std::size_t memory_bytes() const;
  void clear();

  // Every (addr, len, value), in no particular order.
  template <class F>
  void for_each(F&& f) const {
    prefixes_.for_each([&f](std::uint64_t k, std::uint32_t v) {
      f(static_cast<std::uint32_t>(k >> 6U), static_cast<unsigned>(k & 0x3fU), v);
    });
  }

 private:
  // Entry: bit 31 = group index follows; else bits 25..30 = owner prefix length, bits 0..24 = value + 1.
  static constexpr std::uint32_t kGroupBit = 0x80000000U;
  static constexpr std::uint32_t kValueMask = (1U << 25U) - 1U;
  static constexpr std::uint32_t entry(std::uint32_t value_plus_one, unsigned len) {
    return (static_cast<std::uint32_t>(len) << 25U) | value_plus_one;
  }
  static constexpr unsigned entry_len(std::uint32_t e) { return (e >> 25U) & 0x3fU; }
  static constexpr std::size_t kTbl24Size = std::size_t{1} << 24U;

  void fill(std::uint32_t addr, unsigned len, std::uint32_t new_entry, bool only_owned);
  std::uint32_t covering_entry(std::uint32_t addr, unsigned len) const;

  std::uint32_t* tbl24_ = nullptr;    // prefixes /17../24 and group links
  std::vector<std::uint32_t> short_;  // 65536 entries: prefixes up to /16
  std::vector<std::uint32_t> tbl8_;
  std::vector<std::uint16_t> group_refs_;  // prefixes longer than /24 in each group
  std::vector<std::uint32_t> free_groups_;
  detail::PackedMap<25> prefixes_;  // (addr << 6 | len) → value
};

class Lpm6 {
 public:
  static constexpr std::uint32_t kNone = 0xffffffffU;
  static constexpr std::uint32_t kMaxValue = (1U << 25U) - 2U;

  Lpm6();
  ~Lpm6();
  Lpm6(const Lpm6&) = delete;
  Lpm6& operator=(const Lpm6&) = delete;
  Lpm6(Lpm6&& other) noexcept;
  Lpm6& operator=(Lpm6&& other) noexcept;

  bool insert(Uint128 addr, unsigned len, std::uint32_t value);
  bool remove(Uint128 addr, unsigned len);
  [[nodiscard]] std::optional<std::uint32_t> get(Uint128 addr, unsigned len) const;
  void prefetch(Uint128 addr, unsigned len) const;  // as Lpm4::prefetch
  [[nodiscard]] std::uint32_t lookup(Uint128 addr) const;
  // out[i] = lookup(addrs[i]) for i < n, with the lookups of a block interleaved stage by stage (direct table, trie
  // root, trie walk) so their cache misses overlap instead of following one another: a datagram's records.
  void lookup_batch(const Uint128* addrs, std::uint32_t* out, std::size_t n) const;
  [[nodiscard]] std::optional<LpmMatch> match(Uint128 addr) const;
  void prefetch_match(Uint128 addr) const;  // as Lpm4::prefetch_match (the direct table's slot)

  [[nodiscard]] std::size_t size() const { return prefixes_.size(); }
  // Resident bytes: the direct table's touched pages (mincore) plus the other structures.
  [[nodiscard]] std::size_t memory_bytes() const;
  void clear();

  template <class F>
  void for_each(F&& f) const {
    prefixes_.for_each([&f](const detail::Key6& k, std::uint32_t v) { f(k.addr(), static_cast<unsigned>(k.len), v); });
  }

  static Uint128 mask(Uint128 addr, unsigned len) {
    return len == 0 ? 0 : (len >= 128 ? addr : addr & ~((~Uint128{0}) >> len));
  }

 private:
  static constexpr std::uint32_t kNil = 0;  // node 0 is a never-used placeholder, so zeroed memory means "no node"
  // nodes_[0], what a /24 without a trie points to, is a placeholder: a /128 of no value at ::, where a walk ends.
  struct Node {  // 32 bytes (the key as two halves: a 16-aligned __int128 would make it 48)
    std::uint64_t key_hi = 0;
    std::uint64_t key_lo = 0;
    std::uint32_t child[2] = {kNil, kNil};
    std::uint32_t value_plus_one = 0;  // 0: glue node, no prefix here
    std::uint8_t len = 0;
    [[nodiscard]] Uint128 key() const { return (Uint128{key_hi} << 64U) | key_lo; }
  };
  // A direct-table entry. entry: the best /17../24 prefix expanded into it, (len << 25) | value + 1 (0: none).
  // root: the Patricia root of the prefixes longer than /24 under this /24 (kNil: none).
  struct Slot {
    std::uint32_t entry = 0;
    std::uint32_t root = kNil;
  };
  static constexpr std::size_t kTbl24Size = std::size_t{1} << 24U;
  static constexpr std::size_t kMapBytes = kTbl24Size * sizeof(Slot) + 65536 * sizeof(std::uint32_t);

  std::uint32_t new_node(Uint128 key, unsigned len, std::uint32_t value_plus_one);
  void free_node(std::uint32_t n);
  void trie_insert(std::uint32_t& root, Uint128 key, unsigned len, std::uint32_t value_plus_one);
  bool trie_remove(std::uint32_t& root, Uint128 key, unsigned len);
  void fill(Uint128 addr, unsigned len, std::uint32_t new_entry, bool only_owned);
  std::uint32_t covering_entry(Uint128 addr, unsigned len) const;
  // The trie walk under one /24: best (len << 25 | value + 1 for the direct entry, or the trie's) and its length.
  void walk(std::uint32_t n, Uint128 addr, std::uint32_t& best, unsigned& best_len) const;

  Slot* tbl24_ = nullptr;           // prefixes /17../24 and trie roots
  std::uint32_t* short_ = nullptr;  // 65536 entries: prefixes up to /16 (mapped right after tbl24_)
  std::vector<Node> nodes_;         // nodes_[0] is the placeholder
  std::vector<std::uint32_t> free_nodes_;
  detail::FlatMap<detail::Key6, std::uint32_t, detail::Key6Hash, 7> prefixes_;  // up to 7/8 full: 32-byte slots
};

}  // namespace flowlab::bgp
