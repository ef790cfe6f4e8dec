// flowlab::bgp RIB — per-peer Adj-RIB-In with interned attribute sets and longest-prefix match.
//
// `AttrStore` hash-conses attribute sets (and, inside them, AS paths): identical sets from any peer are stored once
// and referenced by a 32-bit `AttrId` with a reference count. A `Rib` holds one peer's routes — (prefix, path id) →
// AttrId — in its LPM tables' own prefix maps: a prefix with a single path of id 0 (no ADD-PATH) stores its AttrId
// right there (the IPv4 map's 8-byte slot is the whole route); with ADD-PATH several paths per prefix form a short
// list of 12-byte nodes whose head is the path chosen for lookups (highest LOCAL_PREF, shortest AS_PATH, lowest
// ORIGIN, lowest MED, lowest path id). Not thread-safe: one thread owns a Rib and its AttrStore.
#pragma once

#include "common/ip.hpp"
#include "probes/bgp/chunked_array.hpp"
#include "probes/bgp/lpm.hpp"
#include "probes/bgp/message.hpp"

#include <array>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <span>
#include <vector>

namespace flowlab::bgp {

using AttrId = std::uint32_t;

// An interned attribute set: the AS path and everything else (`attrs`: attrs.as_path is empty, MP NLRI lists are
// empty, AS4_* merged away) are each interned on their own and shared by every set that has them; a set is the pair.
// Read it as before (`r.as_path->...`, `r.attrs.communities`); `attrs` is a reference into the store, so a
// RouteAttributes is only ever handed out by AttrStore/Rib (by pointer or const reference), never built by callers.
// The per-record reads of enrichment sit beside the path pointer (computed once when the set is interned), so a flow
// record reaches them in the one cache miss that reaches the set, not three more through the AsPath's vectors.
struct RouteAttributes {
  std::shared_ptr<const AsPath> as_path;  // never null
  const PathAttributes& attrs;
  std::uint32_t first_as = 0;    // pmacct_first_as(*as_path)
  std::uint32_t last_as = 0;     // pmacct_last_as(*as_path)
  std::uint32_t path_index = 0;  // the interned path's id in the store (AttrStore::path_at): stable while interned
  bool empty_path = false;       // as_path->segments.empty() (set by the store; a holder keys it without the path)

  [[nodiscard]] IpAddress next_hop(Family family) const { return attrs.next_hop_for(family); }
  [[nodiscard]] std::uint32_t local_pref() const { return attrs.local_pref.value_or(100); }
};

// The origin AS as pmacct's evaluate_last_asn(): the last ASN of the normalized path whatever its segment type (so
// the largest member when the path ends in an AS_SET); 0 for an empty path. (AsPath::origin_as differs: 0 there.)
[[nodiscard]] std::uint32_t pmacct_last_as(const AsPath& path);
// The neighbour AS as pmacct's evaluate_first_asn() on the path string: the first ASN of a leading AS_SEQUENCE or
// AS_CONFED_SEQUENCE ("(65005) 65001" -> 65005, bgp_peer_as_skip_subas off), 0 for an empty path or a leading set.
[[nodiscard]] std::uint32_t pmacct_first_as(const AsPath& path);

// Hash-consing of attribute sets. Real tables have few distinct "everything but the AS path" parts (next hop,
// communities, LOCAL_PREF, MED ...) and fewer distinct AS paths than routes; a set costs one 64-byte entry (the
// pair) plus its index slot, and each distinct part is stored once.
class AttrStore {
 public:
  // What intern() returns when the store is full.
  static constexpr AttrId kNoAttr = detail::IdIndex::kNone;
  // Ids must fit the tagged index (and, doubled, the 25-bit LPM values): at most kMaxSets live sets.
  static constexpr std::size_t kMaxSets = std::size_t{detail::IdIndex::kMaxId} + 1;

  explicit AttrStore(std::size_t max_sets = kMaxSets) : max_sets_(std::min(max_sets, kMaxSets)) {}
  ~AttrStore();
  AttrStore(const AttrStore&) = delete;
  AttrStore& operator=(const AttrStore&) = delete;

  // Interns a normalized attribute set (Update::route_attributes()); the returned id holds one reference.
  // kNoAttr when the set is new and max_sets are live already (counted in refused()).
  AttrId intern(const PathAttributes& attrs);
  void ref(AttrId id) { ++entries_[id].refs; }
  void unref(AttrId id);
  [[nodiscard]] const RouteAttributes& get(AttrId id) const { return *entries_[id].value; }
  void prefetch(AttrId id) const { __builtin_prefetch(&entries_[id]); }

  [[nodiscard]] std::size_t size() const { return entries_.size() - free_.size(); }            // live attribute sets
  [[nodiscard]] std::size_t path_count() const;                                                // live AS paths
  [[nodiscard]] std::size_t rest_count() const { return rests_.size() - free_rests_.size(); }  // live non-path parts
  [[nodiscard]] std::uint64_t refused() const { return refused_; }  // intern() calls that found the store full

  // AS path ids. Every interned path has a small integer id (RouteAttributes::path_index), assigned when the path is
  // interned and kept while any set uses it or any pin holds it: a path leaves the store, and its id may name
  // another path, only when both counts are 0. A holder outside the store (an aggregate row keyed by the id) pins
  // the id for as long as it keeps it, so a path withdrawn from every route meanwhile keeps its id (re-interning
  // it finds the same id) and the id never names another path under the holder.
  //
  // Threads: the store has one writer thread (intern, ref, unref: the BGP or BMP feed). Holders on other threads —
  // the collector's receive workers — may pin, unpin and read paths (the next five calls, and path_count and
  // memory_bytes) concurrently with each other; those lock a mutex of their own. The writer changes the store only
  // while no holder runs (the collector's TableLock), so it takes no lock.
  // Pins id when it names `path` (the object a RouteAttributes of this store holds); false otherwise (a set of
  // another store, or an id freed since).
  bool pin_path(std::uint32_t id, const AsPath* path);
  // Pins the id of a path equal to `path`, interning it first when no set uses one (a path from another store).
  std::uint32_t pin_path(const AsPath& path);
  void unpin_path(std::uint32_t id);  // one pin_path() given back
  // One pin for each id, under one lock: ids a holder read from live sets of this store (RouteAttributes::
  // path_index) while the writer could not run, and keyed before pinning (PathKeys' batch of new ids).
  void pin_paths(std::span<const std::uint32_t> ids);
  // The path an id names (a pinned or used id); nullptr for a free one.
  [[nodiscard]] const AsPath* path_at(std::uint32_t id) const {
    const std::lock_guard lock(pins_mutex_);
    return path_at_locked(id);
  }
  // Estimate of the heap bytes held (entries, indexes, the interned parts and their vectors).
  [[nodiscard]] std::size_t memory_bytes() const;

 private:
  struct Rest {  // the non-path part of one or more sets
    PathAttributes attrs;
    std::size_t hash = 0;
    std::uint32_t refs = 0;  // sets using it
  };
  struct alignas(64) Entry {  // one cache line: a lookup's reads of a set (AS numbers, path id) take one miss
    std::optional<RouteAttributes> value;  // empty while on the free list
    std::uint32_t refs = 0;
    std::uint32_t rest = 0;
  };
  // A path flattened into words — per segment (type << 16 | count), then its ASNs — when it fits kInlineWords;
  // a lookup compares these instead of chasing the AsPath's vectors (two cache misses fewer per UPDATE).
  static constexpr std::uint32_t kInlineWords = 7;         // with pins, PathRec stays one cache line
  static constexpr std::uint32_t kLongPath = 0xffffffffU;  // PathRec::words_used of a path that does not fit
  struct alignas(64) PathRec {                             // an interned AS path: one cache line
    std::size_t hash = 0;
    std::shared_ptr<const AsPath> path;  // null while on the free list
    std::uint32_t refs = 0;              // sets using it
    std::uint32_t words_used = kLongPath;
    std::array<std::uint32_t, kInlineWords> words{};
    std::uint32_t pins = 0;  // pin_path() holders
  };
  static std::uint32_t flatten(const AsPath& path, std::array<std::uint32_t, kInlineWords>& words);
  [[nodiscard]] const AsPath* path_at_locked(std::uint32_t id) const {
    return id < paths_.size() ? paths_[id].path.get() : nullptr;
  }
  std::uint32_t find_path(const AsPath& path, std::size_t hash) const;
  std::uint32_t add_path(const AsPath& path, std::size_t hash);
  void release_path(std::uint32_t id);  // frees the id when no set uses it and no pin holds it
  std::uint32_t intern_rest(const PathAttributes& attrs, std::size_t hash);
  void release_rest(std::uint32_t rest);
  [[nodiscard]] std::size_t entry_hash(AttrId id) const;

  std::size_t max_sets_;
  std::uint64_t refused_ = 0;
  detail::ChunkedArray<Entry> entries_;  // stable addresses: get() references live as long as the set
  std::vector<AttrId> free_;
  detail::IdIndex index_;                // sets by (path, rest)
  detail::ChunkedArray<Rest, 8> rests_;  // few: small chunks
  std::vector<std::uint32_t> free_rests_;
  detail::IdIndex rest_index_;
  mutable std::mutex pins_mutex_;  // the holders' calls (above)
  std::vector<PathRec> paths_;
  std::vector<std::uint32_t> free_paths_;
  detail::IdIndex path_index_;
};

// One route as a lookup or iteration sees it.
struct RibRoute {
  Prefix prefix;
  std::uint32_t path_id = 0;
  const RouteAttributes* attrs = nullptr;
};

class Rib {
 public:
  // Path-list nodes (ADD-PATH) are LPM values too: at most kMaxNodes live.
  static constexpr std::size_t kMaxNodes = (std::size_t{Lpm4::kMaxValue} >> 1U) + 1;

  explicit Rib(std::shared_ptr<AttrStore> store, std::size_t max_nodes = kMaxNodes);
  ~Rib();
  Rib(const Rib&) = delete;
  Rib& operator=(const Rib&) = delete;

  // Adds or replaces (prefix, path_id) with the given attribute set. When the route cannot be stored (its attribute
  // set is new and the store is full, or no path node is left), the prefix's old path is withdrawn instead — a
  // stale route would enrich wrongly — and the route is counted in refused().
  void announce(const Prefix& prefix, std::uint32_t path_id, const PathAttributes& normalized);
  // Same with an already interned set (or AttrStore::kNoAttr); takes its own reference.
  void announce(const Prefix& prefix, std::uint32_t path_id, AttrId id);
  // The Speaker's per-prefix events: attrs == nullptr withdraws. Consecutive events sharing one attrs object (one
  // UPDATE) are interned once.
  void apply(const Prefix& prefix, std::uint32_t path_id, const std::shared_ptr<const PathAttributes>& attrs);
  // One UPDATE's route changes (Speaker::on_update): every prefix of `withdrawn` is withdrawn, then every prefix of
  // `announced` gets attrs — or is withdrawn too when attrs is nullptr (RFC 7606 treat-as-withdraw). attrs is
  // interned once, and the prefixes' table slots are prefetched first so their cache misses overlap that work.
  void apply(std::span<const Nlri> withdrawn, std::span<const Nlri> announced,
             const std::shared_ptr<const PathAttributes>& attrs);
  // Removes (prefix, path_id); false when it was not there.
  bool withdraw(const Prefix& prefix, std::uint32_t path_id);
  // Removes everything (the peer went down).
  void clear();

  // Longest-prefix match of an address in its family's table.
  [[nodiscard]] std::optional<RibRoute> lookup(const IpAddress& address) const {
    return route(address, match(address));
  }
  // lookup() in stages, for a batch of addresses whose cache misses overlap (the collector's records of a datagram):
  // prefetch_match() starts loading the LPM slot; match() reads the LPM table only (value Lpm4::kNone: no route) —
  // independent loads across a batch; then prefetch_route() starts loading each match's attribute set; route() reads
  // it.
  [[nodiscard]] LpmMatch match(const IpAddress& address) const;
  void prefetch_match(const IpAddress& address) const;  // before match(): its table slot
  void prefetch_route(const LpmMatch& m) const;
  [[nodiscard]] std::optional<RibRoute> route(const IpAddress& address, const LpmMatch& m) const;
  // route(...)->attrs without building the prefix: the chosen path's attributes, nullptr for no match.
  [[nodiscard]] const RouteAttributes* attributes(const LpmMatch& m) const {
    return m.value == Lpm4::kNone ? nullptr : &store_->get(attr_of(m.value));
  }
  // IPv4 fast path (host-order address): the chosen path's attributes or nullptr.
  [[nodiscard]] const RouteAttributes* lookup_v4(std::uint32_t address) const {
    return attributes(LpmMatch{v4_.lookup(address), 0});
  }
  // Every path for an exact prefix (chosen one first).
  [[nodiscard]] std::vector<RibRoute> paths(const Prefix& prefix) const;

  [[nodiscard]] std::size_t size() const { return routes_; }  // (prefix, path id) pairs
  [[nodiscard]] std::size_t prefix_count() const { return v4_.size() + v6_.size(); }
  [[nodiscard]] std::size_t prefix_count(Family family) const {
    return family == Family::kIpv6 ? v6_.size() : v4_.size();
  }
  [[nodiscard]] std::size_t memory_bytes() const;
  [[nodiscard]] const AttrStore& store() const { return *store_; }
  // The store itself, shared with the tables' other Ribs: for holders that pin AS path ids (AttrStore::pin_path).
  [[nodiscard]] const std::shared_ptr<AttrStore>& shared_store() const { return store_; }
  [[nodiscard]] std::uint64_t refused() const { return refused_; }  // announcements withdrawn for lack of room

  // Calls f(const RibRoute&) for every path of every prefix.
  template <class F>
  void for_each(F&& f) const {
    v4_.for_each([&](std::uint32_t addr, unsigned len, std::uint32_t head) {
      emit(Prefix{IpAddress::v4(addr), static_cast<std::uint8_t>(len)}, head, f);
    });
    v6_.for_each([&](Uint128 addr, unsigned len, std::uint32_t head) {
      emit(Prefix{to_address(addr), static_cast<std::uint8_t>(len)}, head, f);
    });
  }

  static Uint128 to_u128(const IpAddress& a);
  static IpAddress to_address(Uint128 v);

 private:
  static constexpr std::uint32_t kNil = 0xffffffffU;
  // LPM values: AttrId << 1 for a prefix whose only path has id 0, (path node << 1) | 1 for a path list.
  static constexpr std::uint32_t direct(AttrId id) { return id << 1U; }
  static constexpr std::uint32_t list(std::uint32_t node) { return (node << 1U) | 1U; }
  static constexpr bool is_list(std::uint32_t v) { return (v & 1U) != 0; }
  [[nodiscard]] AttrId attr_of(std::uint32_t v) const { return is_list(v) ? nodes_[v >> 1U].attr : v >> 1U; }
  [[nodiscard]] std::uint32_t path_id_of(std::uint32_t v) const { return is_list(v) ? nodes_[v >> 1U].path_id : 0; }
  struct PathNode {
    AttrId attr = 0;
    std::uint32_t path_id = 0;
    std::uint32_t next = kNil;
  };

  template <class F>
  void emit(const Prefix& prefix, std::uint32_t v, F&& f) const {
    if (!is_list(v)) {
      f(RibRoute{prefix, 0, &store_->get(v >> 1U)});
      return;
    }
    for (std::uint32_t n = v >> 1U; n != kNil; n = nodes_[n].next) {
      f(RibRoute{prefix, nodes_[n].path_id, &store_->get(nodes_[n].attr)});
    }
  }
  [[nodiscard]] std::optional<std::uint32_t> head_of(const Prefix& prefix) const;
  void prefetch(const Prefix& prefix) const;
  AttrId intern_cached(const std::shared_ptr<const PathAttributes>& attrs);
  void set_head(const Prefix& prefix, std::uint32_t value);
  void release(std::uint32_t value);  // unrefs every path of a prefix's value and frees its nodes
  void remove_prefix(const Prefix& prefix);
  std::uint32_t alloc(AttrId attr, std::uint32_t path_id);
  // Path nodes announce(prefix, path_id) would allocate given the prefix's current value.
  [[nodiscard]] std::size_t nodes_needed(std::optional<std::uint32_t> current, std::uint32_t path_id) const;
  [[nodiscard]] bool better(const PathNode& a, const PathNode& b) const;
  std::uint32_t select_best(std::uint32_t head);

  std::shared_ptr<AttrStore> store_;
  Lpm4 v4_;
  Lpm6 v6_;
  std::vector<PathNode> nodes_;
  std::vector<std::uint32_t> free_;
  std::size_t max_nodes_;
  std::size_t routes_ = 0;
  std::uint64_t refused_ = 0;
  std::shared_ptr<const PathAttributes> cached_attrs_;  // last interned event attrs (kept alive: address is the key)
  AttrId cached_id_ = 0;
};

}  // namespace flowlab::bgp
