#include "probes/bgp/rib.hpp"

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

std::size_t hash_attrs(const PathAttributes& a, std::size_t path_hash) {
  Hasher h;
  h.add(path_hash);
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

}  // namespace

// ---------------------------------------------------------------- AttrStore

std::shared_ptr<const AsPath> AttrStore::intern_path(const AsPath& path) {
  const std::size_t h = hash_path(path);
  auto [lo, hi] = paths_.equal_range(h);
  for (auto it = lo; it != hi; ++it) {
    if (*it->second == path) {
      return it->second;
    }
  }
  auto p = std::make_shared<const AsPath>(path);
  paths_.emplace(h, p);
  return p;
}

void AttrStore::release_path(const std::shared_ptr<const AsPath>& path) {
  if (path.use_count() > 2) {  // the index, the caller's copy, and others
    return;
  }
  auto [lo, hi] = paths_.equal_range(hash_path(*path));
  for (auto it = lo; it != hi; ++it) {
    if (it->second == path) {
      paths_.erase(it);
      return;
    }
  }
}

std::size_t AttrStore::path_count() const { return paths_.size(); }

AttrId AttrStore::intern(const PathAttributes& attrs) {
  static const AsPath kEmptyPath;
  const AsPath& path = attrs.as_path ? *attrs.as_path : kEmptyPath;
  const std::size_t path_hash = hash_path(path);
  const std::size_t h = hash_attrs(attrs, path_hash);
  auto [lo, hi] = index_.equal_range(h);
  for (auto it = lo; it != hi; ++it) {
    Entry& e = entries_[it->second];
    if (*e.value.as_path == path) {
      // Compare everything but the AS path, which lives outside attrs in the store.
      const auto& stored = e.value.attrs;
      const bool same = stored.origin == attrs.origin && stored.next_hop == attrs.next_hop && stored.med == attrs.med &&
                        stored.local_pref == attrs.local_pref && stored.atomic_aggregate == attrs.atomic_aggregate &&
                        stored.aggregator == attrs.aggregator && stored.communities == attrs.communities &&
                        stored.originator_id == attrs.originator_id && stored.cluster_list == attrs.cluster_list &&
                        stored.mp_reach == attrs.mp_reach && stored.mp_unreach == attrs.mp_unreach &&
                        stored.ext_communities == attrs.ext_communities && stored.as4_path == attrs.as4_path &&
                        stored.as4_aggregator == attrs.as4_aggregator &&
                        stored.large_communities == attrs.large_communities && stored.unknown == attrs.unknown;
      if (same) {
        ++e.refs;
        return it->second;
      }
    }
  }
  AttrId id = 0;
  if (!free_.empty()) {
    id = free_.back();
    free_.pop_back();
  } else {
    id = static_cast<AttrId>(entries_.size());
    entries_.emplace_back();
  }
  Entry& e = entries_[id];
  e.value.as_path = intern_path(path);
  e.value.attrs = attrs;
  e.value.attrs.as_path.reset();
  e.hash = h;
  e.refs = 1;
  index_.emplace(h, id);
  return id;
}

void AttrStore::unref(AttrId id) {
  Entry& e = entries_[id];
  if (--e.refs != 0) {
    return;
  }
  auto [lo, hi] = index_.equal_range(e.hash);
  for (auto it = lo; it != hi; ++it) {
    if (it->second == id) {
      index_.erase(it);
      break;
    }
  }
  auto path = std::move(e.value.as_path);
  e.value = RouteAttributes{};
  release_path(path);
  free_.push_back(id);
}

// ---------------------------------------------------------------- Rib

Uint128 Rib::to_u128(const IpAddress& a) {
  Uint128 v = 0;
  for (auto b : a.bytes) {
    v = (v << 8U) | b;
  }
  return v;
}

IpAddress Rib::to_address(Uint128 v) {
  std::array<std::uint8_t, 16> b{};
  for (std::size_t i = 16; i-- > 0;) {
    b[i] = static_cast<std::uint8_t>(v & 0xffU);
    v >>= 8U;
  }
  return IpAddress::v6(b);
}

Rib::Rib(std::shared_ptr<AttrStore> store) : store_(std::move(store)) {}

Rib::~Rib() { clear(); }

std::optional<std::uint32_t> Rib::head_of(const Prefix& p) const {
  if (p.address.is_v4()) {
    return v4_.get(p.address.v4_host_order(), p.length);
  }
  return v6_.get(to_u128(p.address), p.length);
}

void Rib::set_head(const Prefix& p, std::uint32_t head) {
  if (p.address.is_v4()) {
    v4_.insert(p.address.v4_host_order(), p.length, head);
  } else {
    v6_.insert(to_u128(p.address), p.length, head);
  }
}

void Rib::remove_prefix(const Prefix& p) {
  if (p.address.is_v4()) {
    v4_.remove(p.address.v4_host_order(), p.length);
  } else {
    v6_.remove(to_u128(p.address), p.length);
  }
}

std::uint32_t Rib::alloc(AttrId attr, std::uint32_t path_id) {
  if (!free_.empty()) {
    const std::uint32_t n = free_.back();
    free_.pop_back();
    nodes_[n] = PathNode{attr, path_id, kNil};
    return n;
  }
  nodes_.push_back(PathNode{attr, path_id, kNil});
  return static_cast<std::uint32_t>(nodes_.size() - 1);
}

bool Rib::better(const PathNode& a, const PathNode& b) const {
  const RouteAttributes& x = store_->get(a.attr);
  const RouteAttributes& y = store_->get(b.attr);
  if (x.local_pref() != y.local_pref()) {
    return x.local_pref() > y.local_pref();
  }
  if (x.as_path->length() != y.as_path->length()) {
    return x.as_path->length() < y.as_path->length();
  }
  const auto ox = x.attrs.origin.value_or(Origin::kIncomplete);
  const auto oy = y.attrs.origin.value_or(Origin::kIncomplete);
  if (ox != oy) {
    return ox < oy;
  }
  if (x.attrs.med.value_or(0) != y.attrs.med.value_or(0)) {
    return x.attrs.med.value_or(0) < y.attrs.med.value_or(0);
  }
  return a.path_id < b.path_id;
}

std::uint32_t Rib::select_best(std::uint32_t head) {
  if (nodes_[head].next == kNil) {
    return head;
  }
  std::uint32_t best = head;
  std::uint32_t best_prev = kNil;
  std::uint32_t prev = head;
  for (std::uint32_t n = nodes_[head].next; n != kNil; prev = n, n = nodes_[n].next) {
    if (better(nodes_[n], nodes_[best])) {
      best = n;
      best_prev = prev;
    }
  }
  if (best == head) {
    return head;
  }
  nodes_[best_prev].next = nodes_[best].next;  // unlink best, put it first
  nodes_[best].next = head;
  return best;
}

void Rib::announce(const Prefix& prefix, std::uint32_t path_id, const PathAttributes& normalized) {
  const AttrId id = store_->intern(normalized);
  announce(prefix, path_id, id);
  store_->unref(id);
}

void Rib::announce(const Prefix& raw_prefix, std::uint32_t path_id, AttrId id) {
  const Prefix prefix = raw_prefix.canonical();
  store_->ref(id);
  const auto head = head_of(prefix);
  if (!head) {
    set_head(prefix, alloc(id, path_id));
    ++routes_;
    return;
  }
  std::uint32_t n = *head;
  std::uint32_t last = kNil;
  for (; n != kNil; last = n, n = nodes_[n].next) {
    if (nodes_[n].path_id == path_id) {
      break;
    }
  }
  if (n != kNil) {
    store_->unref(nodes_[n].attr);
    nodes_[n].attr = id;
  } else {
    const std::uint32_t fresh = alloc(id, path_id);
    nodes_[last].next = fresh;
    ++routes_;
  }
  const std::uint32_t best = select_best(*head);
  if (best != *head) {
    set_head(prefix, best);
  }
}

void Rib::apply(const Prefix& prefix, std::uint32_t path_id, const std::shared_ptr<const PathAttributes>& attrs) {
  if (!attrs) {
    withdraw(prefix, path_id);
    return;
  }
  if (attrs != cached_attrs_) {
    if (cached_attrs_) {
      store_->unref(cached_id_);
    }
    cached_id_ = store_->intern(*attrs);
    cached_attrs_ = attrs;
  }
  announce(prefix, path_id, cached_id_);
}

bool Rib::withdraw(const Prefix& raw_prefix, std::uint32_t path_id) {
  const Prefix prefix = raw_prefix.canonical();
  const auto head = head_of(prefix);
  if (!head) {
    return false;
  }
  std::uint32_t prev = kNil;
  std::uint32_t n = *head;
  for (; n != kNil; prev = n, n = nodes_[n].next) {
    if (nodes_[n].path_id == path_id) {
      break;
    }
  }
  if (n == kNil) {
    return false;
  }
  const std::uint32_t next = nodes_[n].next;
  store_->unref(nodes_[n].attr);
  free_.push_back(n);
  --routes_;
  if (prev != kNil) {
    nodes_[prev].next = next;
    return true;
  }
  if (next == kNil) {
    remove_prefix(prefix);
    return true;
  }
  set_head(prefix, select_best(next));
  return true;
}

void Rib::clear() {
  v4_.for_each([this](std::uint32_t, unsigned, std::uint32_t head) {
    for (std::uint32_t n = head; n != kNil; n = nodes_[n].next) {
      store_->unref(nodes_[n].attr);
    }
  });
  v6_.for_each([this](Uint128, unsigned, std::uint32_t head) {
    for (std::uint32_t n = head; n != kNil; n = nodes_[n].next) {
      store_->unref(nodes_[n].attr);
    }
  });
  if (cached_attrs_) {
    store_->unref(cached_id_);
    cached_attrs_.reset();
  }
  v4_.clear();
  v6_.clear();
  nodes_ = {};
  free_ = {};
  routes_ = 0;
}

std::optional<RibRoute> Rib::lookup(const IpAddress& address) const {
  std::optional<LpmMatch> m;
  if (address.is_v4()) {
    m = v4_.match(address.v4_host_order());
  } else if (address.is_v6()) {
    m = v6_.match(to_u128(address));
  }
  if (!m) {
    return std::nullopt;
  }
  const PathNode& n = nodes_[m->value];
  return RibRoute{Prefix{address, m->length}.canonical(), n.path_id, &store_->get(n.attr)};
}

std::vector<RibRoute> Rib::paths(const Prefix& raw_prefix) const {
  const Prefix prefix = raw_prefix.canonical();
  std::vector<RibRoute> out;
  const auto head = head_of(prefix);
  if (head) {
    emit(prefix, *head, [&out](const RibRoute& r) { out.push_back(r); });
  }
  return out;
}

std::size_t Rib::memory_bytes() const {
  return v4_.memory_bytes() + v6_.memory_bytes() + nodes_.capacity() * sizeof(PathNode) +
         free_.capacity() * sizeof(std::uint32_t);
}

}  // namespace flowlab::bgp
