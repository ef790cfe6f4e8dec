// AttrStore: hash-consing of attribute sets and AS paths (rib.hpp); the Rib that references them is rib.cpp.
#include "probes/bgp/rib.hpp"

#include <algorithm>
#include <span>
#include <utility>

namespace flowlab::bgp {

namespace {

struct Hasher {
  std::uint64_t h = 0x9e3779b97f4a7c15ULL;
  void add(std::uint64_t v) { h = detail::mix64(h ^ (v + 0x9e3779b97f4a7c15ULL + (h << 6U) + (h >> 2U))); }
  void add(const IpAddress& a) {
    add(static_cast<std::uint64_t>(a.family));
    std::uint64_t hi = 0;
    std::uint64_t lo = 0;
    for (std::size_t i = 0; i < 8; ++i) {
      hi = (hi << 8U) | a.bytes[i];
      lo = (lo << 8U) | a.bytes[8 + i];
    }
    add(hi);
    add(lo);
  }
  template <class T>
  void add_opt(const std::optional<T>& v) {
    add(v.has_value() ? 1 : 0);
    if (v) {
      add(*v);
    }
  }
};

bool is_set(SegmentType t) { return t == SegmentType::kSet || t == SegmentType::kConfedSet; }

std::size_t hash_path(const AsPath& p) {
  Hasher h;
  for (const auto& s : p.segments) {
    h.add(static_cast<std::uint64_t>(s.type) << 32U | s.asns.size());
    for (auto a : s.asns) {
      h.add(a);
    }
  }
  return h.h;
}

// Everything but the AS path (which is interned on its own).
std::size_t hash_rest(const PathAttributes& a) {
  Hasher h;
  h.add(a.origin ? static_cast<std::uint64_t>(*a.origin) + 1 : 0);
  if (a.next_hop) {
    h.add(*a.next_hop);
  }
  h.add_opt(a.med);
  h.add_opt(a.local_pref);
  h.add(a.atomic_aggregate ? 1 : 0);
  if (a.aggregator) {
    h.add(a.aggregator->asn);
    h.add(a.aggregator->address);
  }
  for (auto c : a.communities) {
    h.add(c);
  }
  h.add(0xc0);
  if (a.originator_id) {
    h.add(*a.originator_id);
  }
  for (auto c : a.cluster_list) {
    h.add(c);
  }
  if (a.mp_reach) {
    h.add(a.mp_reach->af.afi);
    h.add(a.mp_reach->next_hop);
    h.add(a.mp_reach->link_local_next_hop);
  }
  for (auto c : a.ext_communities) {
    h.add(c);
  }
  for (const auto& c : a.large_communities) {
    h.add(c.global_admin);
    h.add(c.local1);
    h.add(c.local2);
  }
  for (const auto& u : a.unknown) {
    h.add(u.type);
    h.add(u.value.size());
    for (auto b : u.value) {
      h.add(std::to_integer<std::uint64_t>(b));
    }
  }
  return h.h;
}

// Field-wise equality of everything but the AS path.
bool same_rest(const PathAttributes& stored, const PathAttributes& attrs) {
  return stored.origin == attrs.origin && stored.next_hop == attrs.next_hop && stored.med == attrs.med &&
         stored.local_pref == attrs.local_pref && stored.atomic_aggregate == attrs.atomic_aggregate &&
         stored.aggregator == attrs.aggregator && stored.communities == attrs.communities &&
         stored.originator_id == attrs.originator_id && stored.cluster_list == attrs.cluster_list &&
         stored.mp_reach == attrs.mp_reach && stored.mp_unreach == attrs.mp_unreach &&
         stored.ext_communities == attrs.ext_communities && stored.as4_path == attrs.as4_path &&
         stored.as4_aggregator == attrs.as4_aggregator && stored.large_communities == attrs.large_communities &&
         stored.unknown == attrs.unknown;
}

std::size_t pair_hash(const AsPath* path, std::uint32_t rest) {
  return detail::mix64(reinterpret_cast<std::uintptr_t>(path) ^ (std::uint64_t{rest} << 48U) ^ rest);
}

}  // namespace

// ---------------------------------------------------------------- AttrStore

AttrStore::~AttrStore() {
  for (std::size_t i = 0; i < entries_.size(); ++i) {
    entries_[i].value.reset();  // before the rests they refer to
  }
}

std::uint32_t AttrStore::flatten(const AsPath& path, std::array<std::uint32_t, kInlineWords>& words) {
  std::uint32_t n = 0;
  for (const auto& seg : path.segments) {
    if (n + 1 + seg.asns.size() > kInlineWords) {
      return kLongPath;
    }
    words[n++] = (static_cast<std::uint32_t>(seg.type) << 16U) | static_cast<std::uint32_t>(seg.asns.size());
    for (const auto a : seg.asns) {
      words[n++] = a;
    }
  }
  return n;
}

std::uint32_t pmacct_last_as(const AsPath& path) {
  // The last printed ASN: walk back to the last non-empty segment; in a set that is its largest member.
  for (auto it = path.segments.rbegin(); it != path.segments.rend(); ++it) {
    if (it->asns.empty()) {
      continue;
    }
    return is_set(it->type) ? *std::max_element(it->asns.begin(), it->asns.end()) : it->asns.back();
  }
  return 0;
}

std::uint32_t pmacct_first_as(const AsPath& path) {
  for (const auto& seg : path.segments) {
    if (seg.asns.empty()) {
      continue;  // prints nothing (or "{}"): pmacct's strtoul sees the next token only for sequences
    }
    return is_set(seg.type) ? 0 : seg.asns.front();
  }
  return 0;
}

std::uint32_t AttrStore::find_path(const AsPath& path, std::size_t h) const {
  std::array<std::uint32_t, kInlineWords> words{};
  const std::uint32_t n = flatten(path, words);
  if (n != kLongPath) {
    return path_index_.find(h, [&](std::uint32_t p) {
      const PathRec& rec = paths_[p];
      return rec.hash == h && rec.words_used == n && std::equal(words.begin(), words.begin() + n, rec.words.begin());
    });
  }
  return path_index_.find(h, [&](std::uint32_t p) {
    const PathRec& rec = paths_[p];
    return rec.hash == h && rec.words_used == kLongPath && *rec.path == path;
  });
}

std::uint32_t AttrStore::add_path(const AsPath& path, std::size_t h) {
  static_assert(sizeof(PathRec) == 64, "an interned path is one cache line");
  static_assert(sizeof(Entry) == 64, "an interned set is one cache line");
  std::uint32_t p = 0;
  if (!free_paths_.empty()) {
    p = free_paths_.back();
    free_paths_.pop_back();
  } else {
    p = static_cast<std::uint32_t>(paths_.size());
    paths_.emplace_back();
  }
  PathRec& rec = paths_[p];
  rec.path = std::make_shared<const AsPath>(path);
  rec.hash = h;
  rec.refs = 0;
  rec.pins = 0;
  rec.words_used = flatten(path, rec.words);
  path_index_.insert(p, h, [this](std::uint32_t o) { return paths_[o].hash; });
  return p;
}

void AttrStore::release_path(std::uint32_t id) {
  PathRec& rec = paths_[id];
  if (rec.refs != 0 || rec.pins != 0) {
    return;
  }
  path_index_.erase(id, rec.hash, [this](std::uint32_t o) { return paths_[o].hash; });
  rec.path.reset();  // readers still holding a copy keep theirs
  free_paths_.push_back(id);
}

bool AttrStore::pin_path(std::uint32_t id, const AsPath* path) {
  const std::lock_guard lock(pins_mutex_);
  if (path == nullptr || path_at_locked(id) != path) {
    return false;
  }
  ++paths_[id].pins;
  return true;
}

std::uint32_t AttrStore::pin_path(const AsPath& path) {
  const std::lock_guard lock(pins_mutex_);
  const std::size_t h = hash_path(path);
  std::uint32_t id = find_path(path, h);
  if (id == detail::IdIndex::kNone) {
    id = add_path(path, h);
  }
  ++paths_[id].pins;
  return id;
}

void AttrStore::pin_paths(std::span<const std::uint32_t> ids) {
  const std::lock_guard lock(pins_mutex_);  // another holder may add a path (pin by content): paths_ may move
  for (const std::uint32_t id : ids) {      // the records' misses overlap, then the increments
    if (id < paths_.size()) {
      __builtin_prefetch(&paths_[id], 1);
    }
  }
  for (const std::uint32_t id : ids) {
    if (id < paths_.size() && paths_[id].path != nullptr) {  // never a freed id (a holder that pinned too late)
      ++paths_[id].pins;
    }
  }
}

void AttrStore::unpin_path(std::uint32_t id) {
  const std::lock_guard lock(pins_mutex_);
  if (id >= paths_.size() || paths_[id].pins == 0) {
    return;
  }
  --paths_[id].pins;
  release_path(id);
}

std::size_t AttrStore::path_count() const {
  const std::lock_guard lock(pins_mutex_);
  return path_index_.size();
}

std::uint32_t AttrStore::intern_rest(const PathAttributes& attrs, std::size_t h) {
  const std::uint32_t found =
      rest_index_.find(h, [&](std::uint32_t r) { return rests_[r].hash == h && same_rest(rests_[r].attrs, attrs); });
  if (found != detail::IdIndex::kNone) {
    ++rests_[found].refs;
    return found;
  }
  std::uint32_t r = 0;
  if (!free_rests_.empty()) {
    r = free_rests_.back();
    free_rests_.pop_back();
  } else {
    r = static_cast<std::uint32_t>(rests_.size());
    rests_.emplace_back();
  }
  Rest& rest = rests_[r];
  rest.attrs = attrs;
  rest.attrs.as_path.reset();
  rest.hash = h;
  rest.refs = 1;
  rest_index_.insert(r, h, [this](std::uint32_t o) { return rests_[o].hash; });
  return r;
}

void AttrStore::release_rest(std::uint32_t r) {
  Rest& rest = rests_[r];
  if (--rest.refs != 0) {
    return;
  }
  rest_index_.erase(r, rest.hash, [this](std::uint32_t o) { return rests_[o].hash; });
  rest.attrs = PathAttributes{};
  free_rests_.push_back(r);
}

std::size_t AttrStore::entry_hash(AttrId id) const {
  const Entry& e = entries_[id];
  return pair_hash(e.value->as_path.get(), e.rest);
}

AttrId AttrStore::intern(const PathAttributes& attrs) {
  static const AsPath kEmptyPath;
  const AsPath& path = attrs.as_path ? *attrs.as_path : kEmptyPath;
  // The rest is interned (one reference), then the pair; an existing pair gives the rest's reference back. A path
  // not interned yet means the pair is new too.
  const std::size_t path_hash = hash_path(path);
  std::uint32_t p = find_path(path, path_hash);
  const std::uint32_t rest = intern_rest(attrs, hash_rest(attrs));
  if (p != detail::IdIndex::kNone) {
    const AsPath* shared_path = paths_[p].path.get();
    const AttrId found = index_.find(pair_hash(shared_path, rest), [&](AttrId id) {
      const Entry& e = entries_[id];
      return e.rest == rest && e.value->as_path.get() == shared_path;
    });
    if (found != detail::IdIndex::kNone) {
      ++entries_[found].refs;
      release_rest(rest);  // the set already holds one
      return found;
    }
  }
  if (free_.empty() && entries_.size() >= max_sets_) {
    ++refused_;
    release_rest(rest);
    return kNoAttr;
  }
  if (p == detail::IdIndex::kNone) {
    p = add_path(path, path_hash);
  }
  AttrId id = 0;
  if (!free_.empty()) {
    id = free_.back();
    free_.pop_back();
  } else {
    id = static_cast<AttrId>(entries_.size());
    entries_.emplace_back();
  }
  PathRec& rec = paths_[p];
  ++rec.refs;
  Entry& e = entries_[id];
  e.value.emplace(RouteAttributes{rec.path, rests_[rest].attrs, pmacct_first_as(path), pmacct_last_as(path), p,
                                  path.segments.empty()});
  e.refs = 1;
  e.rest = rest;
  index_.insert(id, pair_hash(rec.path.get(), rest), [this](AttrId o) { return entry_hash(o); });
  return id;
}

void AttrStore::unref(AttrId id) {
  Entry& e = entries_[id];
  if (--e.refs != 0) {
    return;
  }
  index_.erase(id, entry_hash(id), [this](AttrId o) { return entry_hash(o); });
  const std::uint32_t path = e.value->path_index;
  e.value.reset();
  --paths_[path].refs;
  release_path(path);
  release_rest(e.rest);
  free_.push_back(id);
}

std::size_t AttrStore::memory_bytes() const {
  const std::lock_guard lock(pins_mutex_);
  auto heap = [](std::size_t bytes) { return bytes == 0 ? 0 : ((bytes + 8 + 15) / 16) * 16; };  // malloc chunks
  std::size_t n = entries_.capacity() * sizeof(Entry) + rests_.capacity() * sizeof(Rest) +
                  free_.capacity() * sizeof(AttrId) + free_rests_.capacity() * 4 + index_.memory_bytes() +
                  rest_index_.memory_bytes();
  for (std::size_t i = 0; i < rests_.size(); ++i) {
    const auto& a = rests_[i].attrs;
    n += heap(a.communities.capacity() * 4) + heap(a.cluster_list.capacity() * 4) +
         heap(a.ext_communities.capacity() * 8) + heap(a.large_communities.capacity() * sizeof(LargeCommunity)) +
         heap(a.unknown.capacity() * sizeof(RawAttribute));
  }
  n += paths_.capacity() * sizeof(PathRec) + free_paths_.capacity() * 4 + path_index_.memory_bytes();
  for (const auto& rec : paths_) {
    if (!rec.path) {
      continue;
    }
    n += heap(sizeof(AsPath) + 16) + heap(rec.path->segments.capacity() * sizeof(AsPathSegment));
    for (const auto& seg : rec.path->segments) {
      n += heap(seg.asns.capacity() * 4);
    }
  }
  return n;
}

}  // namespace flowlab::bgp
