#include "probes/bgp/lpm.hpp"

#include <sys/mman.h>

#include <algorithm>
#include <array>
#include <new>
#include <utility>

namespace flowlab::bgp {

namespace {

constexpr std::uint32_t mask4(std::uint32_t addr, unsigned len) {
  return len == 0 ? 0 : addr & ~((len >= 32 ? 0U : (0xffffffffU >> len)));
}
constexpr std::uint64_t key4(std::uint32_t addr, unsigned len) { return (std::uint64_t{addr} << 6U) | len; }

std::uint32_t* map_tbl24(std::size_t entries) {
  const std::size_t bytes = entries * sizeof(std::uint32_t);
  void* p = mmap(nullptr, bytes, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
  if (p == MAP_FAILED) {
    throw std::bad_alloc();  // like any allocation failure
  }
  madvise(p, bytes, MADV_HUGEPAGE);
  return static_cast<std::uint32_t*>(p);
}

unsigned clz128(Uint128 x) {
  const auto hi = static_cast<std::uint64_t>(x >> 64U);
  if (hi != 0) {
    return static_cast<unsigned>(__builtin_clzll(hi));
  }
  const auto lo = static_cast<std::uint64_t>(x);
  return lo == 0 ? 128U : 64U + static_cast<unsigned>(__builtin_clzll(lo));
}

unsigned bit128(Uint128 key, unsigned index) { return static_cast<unsigned>((key >> (127U - index)) & 1U); }

constexpr std::uint32_t kLenShift = 25U;
constexpr std::uint32_t kValMask = (1U << 25U) - 1U;
constexpr unsigned top_len(std::uint32_t e) { return (e >> kLenShift) & 0x3fU; }
constexpr std::uint32_t top_entry(std::uint32_t value_plus_one, unsigned len) {
  return (static_cast<std::uint32_t>(len) << kLenShift) | value_plus_one;
}

}  // namespace

// ---------------------------------------------------------------- Lpm4

Lpm4::Lpm4() : tbl24_(map_tbl24(kTbl24Size)), short_(65536, 0) {}

Lpm4::~Lpm4() {
  if (tbl24_ != nullptr) {
    munmap(tbl24_, kTbl24Size * sizeof(std::uint32_t));
  }
}

Lpm4::Lpm4(Lpm4&& other) noexcept
    : tbl24_(std::exchange(other.tbl24_, nullptr)),
      short_(std::move(other.short_)),
      tbl8_(std::move(other.tbl8_)),
      group_refs_(std::move(other.group_refs_)),
      free_groups_(std::move(other.free_groups_)),
      prefixes_(std::move(other.prefixes_)) {}

Lpm4& Lpm4::operator=(Lpm4&& other) noexcept {
  if (this != &other) {
    if (tbl24_ != nullptr) {
      munmap(tbl24_, kTbl24Size * sizeof(std::uint32_t));
    }
    tbl24_ = std::exchange(other.tbl24_, nullptr);
    short_ = std::move(other.short_);
    tbl8_ = std::move(other.tbl8_);
    group_refs_ = std::move(other.group_refs_);
    free_groups_ = std::move(other.free_groups_);
    prefixes_ = std::move(other.prefixes_);
  }
  return *this;
}

void Lpm4::fill(std::uint32_t addr, unsigned len, std::uint32_t new_entry, bool only_owned) {
  auto wanted = [len, only_owned](std::uint32_t e) { return only_owned ? entry_len(e) == len : entry_len(e) <= len; };
  if (len <= 16) {
    const std::size_t first = addr >> 16U;
    const std::size_t count = std::size_t{1} << (16U - len);
    for (std::size_t i = first; i < first + count; ++i) {
      if (wanted(short_[i])) {
        short_[i] = new_entry;
      }
    }
    return;
  }
  if (len <= 24) {
    const std::size_t first = addr >> 8U;
    const std::size_t count = std::size_t{1} << (24U - len);
    for (std::size_t i = first; i < first + count; ++i) {
      const std::uint32_t e = tbl24_[i];
      if ((e & kGroupBit) != 0) {
        std::uint32_t* group = &tbl8_[static_cast<std::size_t>(e & ~kGroupBit) << 8U];
        for (std::size_t j = 0; j < 256; ++j) {
          if (wanted(group[j])) {
            group[j] = new_entry;
          }
        }
      } else if (wanted(e)) {
        tbl24_[i] = new_entry;
      }
    }
    return;
  }
  const std::uint32_t e = tbl24_[addr >> 8U];
  std::uint32_t* group = &tbl8_[static_cast<std::size_t>(e & ~kGroupBit) << 8U];
  const std::size_t first = addr & 0xffU;
  const std::size_t count = std::size_t{1} << (32U - len);
  for (std::size_t j = first; j < first + count; ++j) {
    if (wanted(group[j])) {
      group[j] = new_entry;
    }
  }
}

// The entry of the longest prefix covering addr/len in the same table: lengths 0..len-1 for the short table,
// 17..len-1 for the big one (shorter prefixes are the short table's, which lookups fall back to).
std::uint32_t Lpm4::covering_entry(std::uint32_t addr, unsigned len) const {
  const unsigned min_len = len <= 16 ? 0U : 17U;
  for (unsigned l = len; l-- > min_len;) {
    std::uint32_t v = 0;
    if (prefixes_.find(key4(mask4(addr, l), l), v)) {
      return entry(v + 1U, l);
    }
  }
  return 0;
}

bool Lpm4::insert(std::uint32_t addr, unsigned len, std::uint32_t value) {
  if (len > 32 || value > kMaxValue) {
    return false;
  }
  addr = mask4(addr, len);
  const bool is_new = prefixes_.put(key4(addr, len), value);
  if (len > 24) {
    std::uint32_t& top = tbl24_[addr >> 8U];
    if ((top & kGroupBit) == 0) {
      std::uint32_t g = 0;
      if (!free_groups_.empty()) {
        g = free_groups_.back();
        free_groups_.pop_back();
      } else {
        g = static_cast<std::uint32_t>(group_refs_.size());
        group_refs_.push_back(0);
        tbl8_.resize(tbl8_.size() + 256);
      }
      std::fill_n(tbl8_.begin() + static_cast<std::ptrdiff_t>(std::size_t{g} << 8U), 256, top);
      group_refs_[g] = 0;
      top = kGroupBit | g;
    }
    if (is_new) {
      ++group_refs_[top & ~kGroupBit];
    }
  }
  fill(addr, len, entry(value + 1U, len), false);
  return true;
}

bool Lpm4::remove(std::uint32_t addr, unsigned len) {
  if (len > 32) {
    return false;
  }
  addr = mask4(addr, len);
  if (!prefixes_.erase(key4(addr, len))) {
    return false;
  }
  fill(addr, len, covering_entry(addr, len), true);
  if (len > 24) {
    std::uint32_t& top = tbl24_[addr >> 8U];
    const std::uint32_t g = top & ~kGroupBit;
    if (--group_refs_[g] == 0) {
      top = tbl8_[std::size_t{g} << 8U];  // every entry now holds the /24-or-shorter owner
      free_groups_.push_back(g);
    }
  }
  return true;
}

std::optional<std::uint32_t> Lpm4::get(std::uint32_t addr, unsigned len) const {
  if (len > 32) {
    return std::nullopt;
  }
  std::uint32_t v = 0;
  return prefixes_.find(key4(mask4(addr, len), len), v) ? std::optional<std::uint32_t>(v) : std::nullopt;
}

void Lpm4::prefetch(std::uint32_t addr, unsigned len) const {
  if (len > 32) {
    return;
  }
  addr = mask4(addr, len);
  prefixes_.prefetch(key4(addr, len));
  if (len > 16) {
    __builtin_prefetch(&tbl24_[addr >> 8U]);
  }
}

std::optional<LpmMatch> Lpm4::match(std::uint32_t addr) const {
  std::uint32_t e = tbl24_[addr >> 8U];
  if ((e & kGroupBit) != 0) {
    e = tbl8_[(static_cast<std::size_t>(e & ~kGroupBit) << 8U) | (addr & 0xffU)];
  }
  if ((e & kValueMask) == 0) {
    e = short_[addr >> 16U];
  }
  if ((e & kValueMask) == 0) {
    return std::nullopt;
  }
  return LpmMatch{(e & kValueMask) - 1U, static_cast<std::uint8_t>(entry_len(e))};
}

std::size_t Lpm4::memory_bytes() const {
  return kTbl24Size * sizeof(std::uint32_t) + short_.capacity() * sizeof(std::uint32_t) +
         tbl8_.capacity() * sizeof(std::uint32_t) + group_refs_.capacity() * sizeof(std::uint16_t) +
         prefixes_.memory_bytes();
}

void Lpm4::clear() {
  madvise(tbl24_, kTbl24Size * sizeof(std::uint32_t), MADV_DONTNEED);  // anonymous pages read back as zero
  std::fill(short_.begin(), short_.end(), 0U);
  tbl8_ = {};
  group_refs_ = {};
  free_groups_ = {};
  prefixes_.clear();
}

// ---------------------------------------------------------------- Lpm6

namespace {
// The second level: a group per /16 holding longer prefixes, indexed by the kGroupBits address bits after the /16.
constexpr unsigned kGroupBits = 8;
constexpr unsigned kGroupSize = 1U << kGroupBits;
constexpr unsigned kGroupEnd = 16U + kGroupBits;  // prefixes /17../kGroupEnd are expanded into the group
std::size_t group_index(Uint128 addr) {
  return static_cast<std::size_t>((addr >> (112U - kGroupBits)) & (kGroupSize - 1U));
}
}  // namespace

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

void Lpm6::fill(Slot* slots, std::size_t first, std::size_t count, unsigned len, std::uint32_t new_entry,
                bool only_owned) {
  for (std::size_t i = first; i < first + count; ++i) {
    const std::uint32_t e = slots[i].entry;
    if (only_owned ? top_len(e) == len : top_len(e) <= len) {
      slots[i].entry = new_entry;
    }
  }
}

// The entry of the longest prefix of length in [min_len, len) covering addr, or 0.
std::uint32_t Lpm6::covering_entry(Uint128 addr, unsigned len, unsigned min_len) const {
  for (unsigned l = len; l-- > min_len;) {
    if (const std::uint32_t* v = prefixes_.find(detail::Key6{mask(addr, l), l})) {
      return top_entry(*v + 1U, l);
    }
  }
  return 0;
}

std::uint32_t Lpm6::group_of(Uint128 addr) {
  Slot& top = top_[static_cast<std::size_t>(addr >> 112U)];
  if (top.link == kNil) {
    std::uint32_t g = 0;
    if (!free_groups_.empty()) {
      g = free_groups_.back();
      free_groups_.pop_back();
    } else {
      g = static_cast<std::uint32_t>(group_refs_.size());
      group_refs_.push_back(0);
      groups_.resize(groups_.size() + kGroupSize);
    }
    std::fill_n(groups_.begin() + static_cast<std::ptrdiff_t>(std::size_t{g} << kGroupBits), kGroupSize, Slot{});
    group_refs_[g] = 0;
    top.link = g;
  }
  return top.link;
}

bool Lpm6::insert(Uint128 addr, unsigned len, std::uint32_t value) {
  if (len > 128 || value > kMaxValue) {
    return false;
  }
  if (top_.empty()) {
    top_.resize(65536);
  }
  addr = mask(addr, len);
  const bool is_new = prefixes_.put(detail::Key6{addr, len}, value);
  const std::uint32_t e = top_entry(value + 1U, len);
  if (len <= 16) {
    fill(top_.data(), static_cast<std::size_t>(addr >> 112U), std::size_t{1} << (16U - len), len, e, false);
    return true;
  }
  const std::uint32_t g = group_of(addr);
  if (is_new) {
    ++group_refs_[g];
  }
  Slot* group = &groups_[std::size_t{g} << kGroupBits];
  const auto index = group_index(addr);
  if (len <= kGroupEnd) {
    fill(group, index, std::size_t{1} << (kGroupEnd - len), len, e, false);
  } else {
    trie_insert(group[index].link, addr, len, value + 1U);
  }
  return true;
}

bool Lpm6::remove(Uint128 addr, unsigned len) {
  if (len > 128 || top_.empty()) {
    return false;
  }
  addr = mask(addr, len);
  if (!prefixes_.erase(detail::Key6{addr, len})) {
    return false;
  }
  if (len <= 16) {
    fill(top_.data(), static_cast<std::size_t>(addr >> 112U), std::size_t{1} << (16U - len), len,
         covering_entry(addr, len, 0), true);
    return true;
  }
  Slot& top = top_[static_cast<std::size_t>(addr >> 112U)];
  const std::uint32_t g = top.link;
  Slot* group = &groups_[std::size_t{g} << kGroupBits];
  const auto index = group_index(addr);
  if (len <= kGroupEnd) {
    // Only /17../24 owners live here; shorter covering prefixes are the first level's.
    fill(group, index, std::size_t{1} << (kGroupEnd - len), len, covering_entry(addr, len, 17), true);
  } else {
    trie_remove(group[index].link, addr, len);
  }
  if (--group_refs_[g] == 0) {
    top.link = kNil;
    free_groups_.push_back(g);
  }
  return true;
}

void Lpm6::prefetch(Uint128 addr, unsigned len) const {
  if (len <= 128) {
    prefixes_.prefetch(detail::Key6{mask(addr, len), len});
  }
}

std::optional<std::uint32_t> Lpm6::get(Uint128 addr, unsigned len) const {
  if (len > 128) {
    return std::nullopt;
  }
  const std::uint32_t* v = prefixes_.find(detail::Key6{mask(addr, len), len});
  return v != nullptr ? std::optional<std::uint32_t>(*v) : std::nullopt;
}

std::optional<LpmMatch> Lpm6::match(Uint128 addr) const {
  if (top_.empty()) {
    return std::nullopt;
  }
  const Slot& top = top_[static_cast<std::size_t>(addr >> 112U)];
  std::uint32_t best = top.entry & kValMask;
  unsigned best_len = top_len(top.entry);
  if (top.link != kNil) {
    const Slot& s = groups_[(std::size_t{top.link} << kGroupBits) | group_index(addr)];
    if (s.entry != 0) {
      best = s.entry & kValMask;
      best_len = top_len(s.entry);
    }
    for (std::uint32_t n = s.link; n != kNil;) {
      const Node& nd = nodes_[n];
      if (mask(addr ^ nd.key(), nd.len) != 0) {
        break;
      }
      if (nd.value_plus_one != 0) {
        best = nd.value_plus_one;
        best_len = nd.len;
      }
      if (nd.len == 128) {
        break;
      }
      n = nd.child[bit128(addr, nd.len)];
    }
  }
  if (best == 0) {
    return std::nullopt;
  }
  return LpmMatch{best - 1U, static_cast<std::uint8_t>(best_len)};
}

std::uint32_t Lpm6::lookup(Uint128 addr) const {
  const auto m = match(addr);
  return m ? m->value : kNone;
}

void Lpm6::lookup_batch(const Uint128* addrs, std::uint32_t* out, std::size_t n) const {
  if (top_.empty()) {
    std::fill(out, out + n, kNone);
    return;
  }
  constexpr std::size_t kBlock = 16;
  std::array<const Slot*, kBlock> slot{};
  std::array<std::uint32_t, kBlock> best{};
  std::array<std::uint32_t, kBlock> root{};
  for (std::size_t base = 0; base < n; base += kBlock) {
    const std::size_t m = std::min(kBlock, n - base);
    const Uint128* a = addrs + base;
    for (std::size_t i = 0; i < m; ++i) {
      slot[i] = &top_[static_cast<std::size_t>(a[i] >> 112U)];
      __builtin_prefetch(slot[i]);
    }
    for (std::size_t i = 0; i < m; ++i) {  // first level: its best entry, and the second-level slot to load
      const Slot& top = *slot[i];
      best[i] = top.entry & kValMask;
      slot[i] = top.link == kNil ? nullptr : &groups_[(std::size_t{top.link} << kGroupBits) | group_index(a[i])];
      if (slot[i] != nullptr) {
        __builtin_prefetch(slot[i]);
      }
    }
    for (std::size_t i = 0; i < m; ++i) {  // second level: a better entry, and the trie root to load
      root[i] = kNil;
      if (slot[i] != nullptr) {
        const Slot& s = *slot[i];
        best[i] = s.entry != 0 ? s.entry & kValMask : best[i];
        root[i] = s.link;
        if (root[i] != kNil) {
          __builtin_prefetch(&nodes_[root[i]]);
        }
      }
    }
    for (std::size_t i = 0; i < m; ++i) {  // the trie under the /24, as match() walks it
      std::uint32_t v = best[i];
      for (std::uint32_t nd_index = root[i]; nd_index != kNil;) {
        const Node& nd = nodes_[nd_index];
        if (mask(a[i] ^ nd.key(), nd.len) != 0) {
          break;
        }
        v = nd.value_plus_one != 0 ? nd.value_plus_one : v;
        if (nd.len == 128) {
          break;
        }
        nd_index = nd.child[bit128(a[i], nd.len)];
      }
      out[base + i] = v - 1U;  // 0 (nothing matched) → kNone
    }
  }
}

std::size_t Lpm6::memory_bytes() const {
  return top_.capacity() * sizeof(Slot) + groups_.capacity() * sizeof(Slot) +
         group_refs_.capacity() * sizeof(std::uint32_t) + nodes_.capacity() * sizeof(Node) + prefixes_.memory_bytes();
}

void Lpm6::clear() {
  top_ = {};
  groups_ = {};
  group_refs_ = {};
  free_groups_ = {};
  nodes_ = {};
  free_nodes_ = {};
  prefixes_.clear();
}

}  // namespace flowlab::bgp
