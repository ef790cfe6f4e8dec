// Lpm6: DIR-24 direct table over per-/24 Patricia tries (see lpm.hpp).
#include "probes/bgp/lpm.hpp"
#include "probes/bgp/lpm_internal.hpp"

#include <sys/mman.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <utility>
#include <vector>

namespace flowlab::bgp {

using detail::bit128;
using detail::clz128;
using detail::kValMask;
using detail::top_entry;
using detail::top_len;

namespace {
std::size_t index24(Uint128 addr) { return static_cast<std::size_t>(addr >> 104U); }
std::size_t index16(Uint128 addr) { return static_cast<std::size_t>(addr >> 112U); }

// Bytes of [p, p + bytes) resident in memory (bytes when the kernel cannot tell).
std::size_t resident_bytes(void* p, std::size_t bytes) {
  const auto page = static_cast<std::size_t>(sysconf(_SC_PAGESIZE));
  std::vector<unsigned char> pages((bytes + page - 1) / page);
  if (mincore(p, bytes, pages.data()) != 0) {
    return bytes;
  }
  return page * static_cast<std::size_t>(
                    std::count_if(pages.begin(), pages.end(), [](unsigned char c) { return (c & 1U) != 0; }));
}
}  // namespace

Lpm6::Lpm6()
    : tbl24_(static_cast<Slot*>(detail::map_table(kMapBytes))),
      short_(reinterpret_cast<std::uint32_t*>(tbl24_ + kTbl24Size)),  // NOLINT(*-reinterpret-cast)
      nodes_(1) {
  nodes_[0].len = 128;
}

Lpm6::~Lpm6() {
  if (tbl24_ != nullptr) {
    munmap(tbl24_, kMapBytes);
  }
}

Lpm6::Lpm6(Lpm6&& other) noexcept
    : tbl24_(std::exchange(other.tbl24_, nullptr)),
      short_(std::exchange(other.short_, nullptr)),
      nodes_(std::move(other.nodes_)),
      free_nodes_(std::move(other.free_nodes_)),
      prefixes_(std::move(other.prefixes_)) {}

Lpm6& Lpm6::operator=(Lpm6&& other) noexcept {
  if (this != &other) {
    if (tbl24_ != nullptr) {
      munmap(tbl24_, kMapBytes);
    }
    tbl24_ = std::exchange(other.tbl24_, nullptr);
    short_ = std::exchange(other.short_, nullptr);
    nodes_ = std::move(other.nodes_);
    free_nodes_ = std::move(other.free_nodes_);
    prefixes_ = std::move(other.prefixes_);
  }
  return *this;
}

std::uint32_t Lpm6::new_node(Uint128 key, unsigned len, std::uint32_t value_plus_one) {
  Node n;
  n.key_hi = static_cast<std::uint64_t>(key >> 64U);
  n.key_lo = static_cast<std::uint64_t>(key);
  n.len = static_cast<std::uint8_t>(len);
  n.value_plus_one = value_plus_one;
  if (!free_nodes_.empty()) {
    const std::uint32_t i = free_nodes_.back();
    free_nodes_.pop_back();
    nodes_[i] = n;
    return i;
  }
  nodes_.push_back(n);
  return static_cast<std::uint32_t>(nodes_.size() - 1);
}

void Lpm6::free_node(std::uint32_t n) {
  nodes_[n] = Node{};
  free_nodes_.push_back(n);
}

void Lpm6::trie_insert(std::uint32_t& root, Uint128 key, unsigned len, std::uint32_t value_plus_one) {
  std::uint32_t parent = kNil;
  unsigned side = 0;
  auto link = [&]() -> std::uint32_t& { return parent == kNil ? root : nodes_[parent].child[side]; };
  for (;;) {
    const std::uint32_t n = link();
    if (n == kNil) {
      const std::uint32_t leaf = new_node(key, len, value_plus_one);
      link() = leaf;
      return;
    }
    const Node nd = nodes_[n];
    const unsigned limit = len < nd.len ? len : nd.len;
    const unsigned common = std::min(limit, clz128(key ^ nd.key()));
    if (common == nd.len && common == len) {
      nodes_[n].value_plus_one = value_plus_one;
      return;
    }
    if (common == nd.len) {
      parent = n;
      side = bit128(key, nd.len);
      continue;
    }
    if (common == len) {  // the new prefix sits above n
      const std::uint32_t m = new_node(key, len, value_plus_one);
      nodes_[m].child[bit128(nd.key(), len)] = n;
      link() = m;
      return;
    }
    const std::uint32_t glue = new_node(mask(key, common), common, 0);
    const std::uint32_t leaf = new_node(key, len, value_plus_one);
    nodes_[glue].child[bit128(key, common)] = leaf;
    nodes_[glue].child[bit128(nd.key(), common)] = n;
    link() = glue;
    return;
  }
}

bool Lpm6::trie_remove(std::uint32_t& root, Uint128 key, unsigned len) {
  // path[i] = (node, side followed); link of the node at depth k is the parent's child[side] (or root).
  std::vector<std::pair<std::uint32_t, unsigned>> path;
  auto link_at = [&](std::size_t depth) -> std::uint32_t& {
    return depth == 0 ? root : nodes_[path[depth - 1].first].child[path[depth - 1].second];
  };
  std::uint32_t n = root;
  while (n != kNil) {
    const Node& nd = nodes_[n];
    if (nd.len > len || mask(key ^ nd.key(), nd.len) != 0) {
      return false;
    }
    if (nd.len == len) {
      break;
    }
    const unsigned side = bit128(key, nd.len);
    path.emplace_back(n, side);
    n = nd.child[side];
  }
  if (n == kNil || nodes_[n].value_plus_one == 0) {
    return false;
  }
  nodes_[n].value_plus_one = 0;
  const std::size_t depth = path.size();
  const std::uint32_t c0 = nodes_[n].child[0];
  const std::uint32_t c1 = nodes_[n].child[1];
  if (c0 != kNil && c1 != kNil) {
    return true;  // stays as glue
  }
  link_at(depth) = c0 != kNil ? c0 : c1;
  free_node(n);
  if (c0 == kNil && c1 == kNil && depth > 0) {
    // The parent may now be a glue node with a single child: splice it out.
    const std::uint32_t p = path[depth - 1].first;
    Node& pn = nodes_[p];
    if (pn.value_plus_one == 0) {
      const std::uint32_t other = pn.child[0] != kNil ? pn.child[0] : pn.child[1];
      link_at(depth - 1) = other;
      free_node(p);
    }
  }
  return true;
}

void Lpm6::fill(Uint128 addr, unsigned len, std::uint32_t new_entry, bool only_owned) {
  auto apply = [len, only_owned, new_entry](std::uint32_t& e) {
    if (only_owned ? top_len(e) == len : top_len(e) <= len) {
      e = new_entry;
    }
  };
  if (len <= 16) {
    const std::size_t first = index16(addr);
    for (std::size_t i = first; i < first + (std::size_t{1} << (16U - len)); ++i) {
      apply(short_[i]);
    }
    return;
  }
  const std::size_t first = index24(addr);
  for (std::size_t i = first; i < first + (std::size_t{1} << (24U - len)); ++i) {
    apply(tbl24_[i].entry);
  }
}

// The entry of the longest prefix covering addr/len in the same table: lengths 0..len-1 for the side table,
// 17..len-1 for the direct one (shorter prefixes are the side table's, which lookups fall back to).
std::uint32_t Lpm6::covering_entry(Uint128 addr, unsigned len) const {
  const unsigned min_len = len <= 16 ? 0U : 17U;
  for (unsigned l = len; l-- > min_len;) {
    if (const std::uint32_t* v = prefixes_.find(detail::Key6{mask(addr, l), l})) {
      return top_entry(*v + 1U, l);
    }
  }
  return 0;
}

bool Lpm6::insert(Uint128 addr, unsigned len, std::uint32_t value) {
  if (len > 128 || value > kMaxValue) {
    return false;
  }
  addr = mask(addr, len);
  prefixes_.put(detail::Key6{addr, len}, value);
  if (len > 24) {
    trie_insert(tbl24_[index24(addr)].root, addr, len, value + 1U);
  } else {
    fill(addr, len, top_entry(value + 1U, len), false);
  }
  return true;
}

bool Lpm6::remove(Uint128 addr, unsigned len) {
  if (len > 128) {
    return false;
  }
  addr = mask(addr, len);
  if (!prefixes_.erase(detail::Key6{addr, len})) {
    return false;
  }
  if (len > 24) {
    trie_remove(tbl24_[index24(addr)].root, addr, len);
  } else {
    fill(addr, len, covering_entry(addr, len), true);
  }
  return true;
}

void Lpm6::prefetch(Uint128 addr, unsigned len) const {
  if (len <= 128) {
    addr = mask(addr, len);
    prefixes_.prefetch(detail::Key6{addr, len});
    if (len > 16) {
      __builtin_prefetch(&tbl24_[index24(addr)]);
    }
  }
}

std::optional<std::uint32_t> Lpm6::get(Uint128 addr, unsigned len) const {
  if (len > 128) {
    return std::nullopt;
  }
  const std::uint32_t* v = prefixes_.find(detail::Key6{mask(addr, len), len});
  return v != nullptr ? std::optional<std::uint32_t>(*v) : std::nullopt;
}

// Without data-dependent branches but the loop's end (after one node in a table where /24s hold few prefixes), so
// the processor runs ahead into the next lookups while this one waits for memory. Node 0, the placeholder a missing
// trie points to, is a /128 of value 0 at :: : it ends the walk and changes nothing.
[[gnu::always_inline]] inline void Lpm6::walk(std::uint32_t n, Uint128 addr, std::uint32_t& best,
                                              unsigned& best_len) const {
  for (;;) {
    const Node& nd = nodes_[n];
    const unsigned len = nd.len;  // 24..128 (a trie holds prefixes longer than its /24)
    const bool hit = ((addr ^ nd.key()) >> (128U - len)) == 0;
    const bool better = hit && nd.value_plus_one != 0;
    best = better ? nd.value_plus_one : best;
    best_len = better ? len : best_len;
    n = hit && len < 128 ? nd.child[bit128(addr, len & 127U)] : kNil;
    if (n == kNil) {
      return;
    }
  }
}

void Lpm6::prefetch_match(Uint128 addr) const { __builtin_prefetch(&tbl24_[index24(addr)]); }

std::optional<LpmMatch> Lpm6::match(Uint128 addr) const {
  const Slot s = tbl24_[index24(addr)];
  std::uint32_t best = s.entry & kValMask;
  unsigned best_len = top_len(s.entry);
  walk(s.root, addr, best, best_len);
  if (best == 0) {
    const std::uint32_t e = short_[index16(addr)];
    best = e & kValMask;
    best_len = top_len(e);
  }
  if (best == 0) {
    return std::nullopt;
  }
  return LpmMatch{best - 1U, static_cast<std::uint8_t>(best_len)};
}

std::uint32_t Lpm6::lookup(Uint128 addr) const {
  const Slot s = tbl24_[index24(addr)];
  std::uint32_t best = s.entry & kValMask;
  unsigned best_len = 0;
  walk(s.root, addr, best, best_len);
  return (best != 0 ? best : short_[index16(addr)] & kValMask) - 1U;  // 0 (nothing matched) → kNone
}

void Lpm6::lookup_batch(const Uint128* addrs, std::uint32_t* out, std::size_t n) const {
  constexpr std::size_t kBlock = 32;  // misses in flight at once: a datagram's records, as many as the core tracks
  std::array<Slot, kBlock> slot{};
  for (std::size_t base = 0; base < n; base += kBlock) {
    const std::size_t m = std::min(kBlock, n - base);
    const Uint128* a = addrs + base;
    for (std::size_t i = 0; i < m; ++i) {
      __builtin_prefetch(&tbl24_[index24(a[i])]);
    }
    for (std::size_t i = 0; i < m; ++i) {  // the direct table: the trie root to load
      slot[i] = tbl24_[index24(a[i])];
      __builtin_prefetch(&nodes_[slot[i].root]);  // node 0 (no trie) is the placeholder
    }
    for (std::size_t i = 0; i < m; ++i) {  // the trie under the /24, as lookup() walks it
      std::uint32_t best = slot[i].entry & kValMask;
      unsigned best_len = 0;
      walk(slot[i].root, a[i], best, best_len);
      out[base + i] = (best != 0 ? best : short_[index16(a[i])] & kValMask) - 1U;
    }
  }
}

std::size_t Lpm6::memory_bytes() const {
  return resident_bytes(tbl24_, kMapBytes) + nodes_.capacity() * sizeof(Node) +
         free_nodes_.capacity() * sizeof(std::uint32_t) + prefixes_.memory_bytes();
}

void Lpm6::clear() {
  madvise(tbl24_, kMapBytes, MADV_DONTNEED);  // anonymous pages read back as zero
  nodes_.assign(1, Node{});
  nodes_[0].len = 128;
  free_nodes_ = {};
  prefixes_.clear();
}

}  // namespace flowlab::bgp
