#include "probes/bgp/lpm.hpp"
#include "probes/bgp/lpm_internal.hpp"

#include <sys/mman.h>

#include <algorithm>
#include <utility>

namespace flowlab::bgp {

namespace {

constexpr std::uint32_t mask4(std::uint32_t addr, unsigned len) {
  return len == 0 ? 0 : addr & ~((len >= 32 ? 0U : (0xffffffffU >> len)));
}
constexpr std::uint64_t key4(std::uint32_t addr, unsigned len) { return (std::uint64_t{addr} << 6U) | len; }

std::uint32_t* map_tbl24(std::size_t entries) {
  return static_cast<std::uint32_t*>(detail::map_table(entries * sizeof(std::uint32_t)));
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

}  // namespace flowlab::bgp
