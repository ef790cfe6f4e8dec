// Rib: one peer's Adj-RIB-In over the LPM tables, best-path choice per prefix and lookups (rib.hpp).
#include "probes/bgp/rib.hpp"

#include <algorithm>
#include <span>
#include <utility>

namespace flowlab::bgp {

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

Rib::Rib(std::shared_ptr<AttrStore> store, std::size_t max_nodes)
    : store_(std::move(store)), max_nodes_(std::min(max_nodes, kMaxNodes)) {}

Rib::~Rib() { clear(); }

std::optional<std::uint32_t> Rib::head_of(const Prefix& p) const {
  if (p.address.is_v4()) {
    return v4_.get(p.address.v4_host_order(), p.length);
  }
  return v6_.get(to_u128(p.address), p.length);
}

void Rib::set_head(const Prefix& p, std::uint32_t value) {
  if (p.address.is_v4()) {
    v4_.insert(p.address.v4_host_order(), p.length, value);
  } else {
    v6_.insert(to_u128(p.address), p.length, value);
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

void Rib::release(std::uint32_t value) {
  if (!is_list(value)) {
    store_->unref(value >> 1U);
    return;
  }
  for (std::uint32_t n = value >> 1U; n != kNil;) {
    store_->unref(nodes_[n].attr);
    const std::uint32_t next = nodes_[n].next;
    free_.push_back(n);
    n = next;
  }
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
  if (id != AttrStore::kNoAttr) {
    store_->unref(id);
  }
}

std::size_t Rib::nodes_needed(std::optional<std::uint32_t> current, std::uint32_t path_id) const {
  if (!current) {
    return path_id == 0 ? 0 : 1;
  }
  if (!is_list(*current)) {
    return path_id == 0 ? 0 : 2;  // the only path is replaced, or the prefix becomes a two-node list
  }
  for (std::uint32_t n = *current >> 1U; n != kNil; n = nodes_[n].next) {
    if (nodes_[n].path_id == path_id) {
      return 0;  // replaced in place
    }
  }
  return 1;
}

// The LPM tables mask host bits themselves, so prefixes are used as given (no canonical() copy per route).
void Rib::announce(const Prefix& prefix, std::uint32_t path_id, AttrId id) {
  const auto current = head_of(prefix);
  const std::size_t room = free_.size() + (max_nodes_ - std::min(max_nodes_, nodes_.size()));  // nodes left
  if (id == AttrStore::kNoAttr || (room < 2 && room < nodes_needed(current, path_id))) {
    ++refused_;
    withdraw(prefix, path_id);
    return;
  }
  store_->ref(id);
  if (!current) {
    set_head(prefix, path_id == 0 ? direct(id) : list(alloc(id, path_id)));
    ++routes_;
    return;
  }
  std::uint32_t head = 0;
  if (!is_list(*current)) {
    if (path_id == 0) {  // replaces the only path
      store_->unref(*current >> 1U);
      set_head(prefix, direct(id));
      return;
    }
    head = alloc(*current >> 1U, 0);  // a second path: the prefix becomes a list
    nodes_[head].next = alloc(id, path_id);
    ++routes_;
  } else {
    head = *current >> 1U;
    std::uint32_t n = head;
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
      nodes_[last].next = alloc(id, path_id);
      ++routes_;
    }
  }
  const std::uint32_t best = select_best(head);
  if (list(best) != *current) {
    set_head(prefix, list(best));
  }
}

AttrId Rib::intern_cached(const std::shared_ptr<const PathAttributes>& attrs) {
  if (attrs != cached_attrs_) {
    if (cached_attrs_ && cached_id_ != AttrStore::kNoAttr) {
      store_->unref(cached_id_);
    }
    cached_id_ = store_->intern(*attrs);
    cached_attrs_ = attrs;
  }
  return cached_id_;
}

void Rib::apply(const Prefix& prefix, std::uint32_t path_id, const std::shared_ptr<const PathAttributes>& attrs) {
  if (!attrs) {
    withdraw(prefix, path_id);
    return;
  }
  announce(prefix, path_id, intern_cached(attrs));
}

void Rib::prefetch(const Prefix& p) const {
  if (p.address.is_v4()) {
    v4_.prefetch(p.address.v4_host_order(), p.length);
  } else if (p.address.is_v6()) {
    v6_.prefetch(to_u128(p.address), p.length);
  }
}

void Rib::apply(std::span<const Nlri> withdrawn, std::span<const Nlri> announced,
                const std::shared_ptr<const PathAttributes>& attrs) {
  for (const auto& n : withdrawn) {
    withdraw(n.prefix, n.path_id);
  }
  if (!attrs) {
    for (const auto& n : announced) {
      withdraw(n.prefix, n.path_id);
    }
    return;
  }
  if (announced.empty()) {
    return;
  }
  constexpr std::size_t kAhead = 16;  // prefixes in flight: enough to cover interning, few enough to stay cached
  for (std::size_t i = 0; i < std::min(kAhead, announced.size()); ++i) {
    prefetch(announced[i].prefix);
  }
  const AttrId id = intern_cached(attrs);
  for (std::size_t i = 0; i < announced.size(); ++i) {
    if (i + kAhead < announced.size()) {
      prefetch(announced[i + kAhead].prefix);
    }
    announce(announced[i].prefix, announced[i].path_id, id);
  }
}

bool Rib::withdraw(const Prefix& prefix, std::uint32_t path_id) {
  const auto current = head_of(prefix);
  if (!current) {
    return false;
  }
  if (!is_list(*current)) {
    if (path_id != 0) {
      return false;
    }
    store_->unref(*current >> 1U);
    --routes_;
    remove_prefix(prefix);
    return true;
  }
  const std::uint32_t head = *current >> 1U;
  std::uint32_t prev = kNil;
  std::uint32_t n = head;
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
  if (nodes_[next].next == kNil && nodes_[next].path_id == 0) {  // back to a single path of id 0
    set_head(prefix, direct(nodes_[next].attr));
    free_.push_back(next);
    return true;
  }
  set_head(prefix, list(select_best(next)));
  return true;
}

void Rib::clear() {
  v4_.for_each([this](std::uint32_t, unsigned, std::uint32_t value) { release(value); });
  v6_.for_each([this](Uint128, unsigned, std::uint32_t value) { release(value); });
  if (cached_attrs_ && cached_id_ != AttrStore::kNoAttr) {
    store_->unref(cached_id_);
  }
  cached_attrs_.reset();
  v4_.clear();
  v6_.clear();
  nodes_ = {};
  free_ = {};
  routes_ = 0;
}

LpmMatch Rib::match(const IpAddress& address) const {
  std::optional<LpmMatch> m;
  if (address.is_v4()) {
    m = v4_.match(address.v4_host_order());
  } else if (address.is_v6()) {
    m = v6_.match(to_u128(address));
  }
  return m ? *m : LpmMatch{Lpm4::kNone, 0};
}

void Rib::prefetch_match(const IpAddress& address) const {
  if (address.is_v4()) {
    v4_.prefetch_match(address.v4_host_order());
  } else if (address.is_v6()) {
    v6_.prefetch_match(to_u128(address));
  }
}

void Rib::prefetch_route(const LpmMatch& m) const {
  if (m.value == Lpm4::kNone) {
    return;
  }
  if (is_list(m.value)) {
    __builtin_prefetch(&nodes_[m.value >> 1U]);
  } else {
    store_->prefetch(m.value >> 1U);
  }
}

std::optional<RibRoute> Rib::route(const IpAddress& address, const LpmMatch& m) const {
  if (m.value == Lpm4::kNone) {
    return std::nullopt;
  }
  return RibRoute{Prefix{address, m.length}.canonical(), path_id_of(m.value), attributes(m)};
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
