// flowlab::bgp RIB — per-peer Adj-RIB-In with interned attribute sets and longest-prefix match.
//
// `AttrStore` hash-conses attribute sets (and, inside them, AS paths): identical sets from any peer are stored once
// and referenced by a 32-bit `AttrId` with a reference count. A `Rib` holds one peer's routes — (prefix, path id) →
// AttrId — in its LPM tables' own prefix maps, so a route costs a hash slot and a 12-byte path node; with ADD-PATH
// several paths per prefix form a short list whose head is the path chosen for lookups (highest LOCAL_PREF, shortest
// AS_PATH, lowest ORIGIN, lowest MED, lowest path id). Not thread-safe: one thread owns a Rib and its AttrStore.
#pragma once

#include "common/ip.hpp"
#include "probes/bgp/lpm.hpp"
#include "probes/bgp/message.hpp"

#include <cstddef>
#include <cstdint>
#include <deque>
#include <memory>
#include <optional>
#include <unordered_map>
#include <vector>

namespace flowlab::bgp {

using AttrId = std::uint32_t;

// An interned attribute set: the AS path is itself interned (shared by every set with that path); `attrs` holds
// everything else (attrs.as_path is empty, MP NLRI lists are empty, AS4_* merged away).
struct RouteAttributes {
  std::shared_ptr<const AsPath> as_path;  // never null
  PathAttributes attrs;

  [[nodiscard]] IpAddress next_hop(Family family) const { return attrs.next_hop_for(family); }
  [[nodiscard]] std::uint32_t local_pref() const { return attrs.local_pref.value_or(100); }
};

class AttrStore {
 public:
  // Interns a normalized attribute set (Update::route_attributes()); the returned id holds one reference.
  AttrId intern(const PathAttributes& attrs);
  void ref(AttrId id) { ++entries_[id].refs; }
  void unref(AttrId id);
  [[nodiscard]] const RouteAttributes& get(AttrId id) const { return entries_[id].value; }

  [[nodiscard]] std::size_t size() const { return entries_.size() - free_.size(); }  // live attribute sets
  [[nodiscard]] std::size_t path_count() const;                                      // live AS paths

 private:
  struct Entry {
    RouteAttributes value;
    std::size_t hash = 0;
    std::uint32_t refs = 0;
  };
  std::shared_ptr<const AsPath> intern_path(const AsPath& path);
  void release_path(const std::shared_ptr<const AsPath>& path);

  std::deque<Entry> entries_;  // stable, no moves of whole attribute sets on growth
  std::vector<AttrId> free_;
  std::unordered_multimap<std::size_t, AttrId> index_;
  std::unordered_multimap<std::size_t, std::shared_ptr<const AsPath>> paths_;
};

// One route as a lookup or iteration sees it.
struct RibRoute {
  Prefix prefix;
  std::uint32_t path_id = 0;
  const RouteAttributes* attrs = nullptr;
};

class Rib {
 public:
  explicit Rib(std::shared_ptr<AttrStore> store);
  ~Rib();
  Rib(const Rib&) = delete;
  Rib& operator=(const Rib&) = delete;

  // Adds or replaces (prefix, path_id) with the given attribute set.
  void announce(const Prefix& prefix, std::uint32_t path_id, const PathAttributes& normalized);
  // Same with an already interned set; takes its own reference.
  void announce(const Prefix& prefix, std::uint32_t path_id, AttrId id);
  // The Speaker's per-prefix events: attrs == nullptr withdraws. Consecutive events sharing one attrs object (one
  // UPDATE) are interned once.
  void apply(const Prefix& prefix, std::uint32_t path_id, const std::shared_ptr<const PathAttributes>& attrs);
  // Removes (prefix, path_id); false when it was not there.
  bool withdraw(const Prefix& prefix, std::uint32_t path_id);
  // Removes everything (the peer went down).
  void clear();

  // Longest-prefix match of an address in its family's table.
  [[nodiscard]] std::optional<RibRoute> lookup(const IpAddress& address) const;
  // IPv4 fast path (host-order address): the chosen path's attributes or nullptr.
  [[nodiscard]] const RouteAttributes* lookup_v4(std::uint32_t address) const {
    const std::uint32_t v = v4_.lookup(address);
    return v == Lpm4::kNone ? nullptr : &store_->get(nodes_[v].attr);
  }
  // Every path for an exact prefix (chosen one first).
  [[nodiscard]] std::vector<RibRoute> paths(const Prefix& prefix) const;

  [[nodiscard]] std::size_t size() const { return routes_; }  // (prefix, path id) pairs
  [[nodiscard]] std::size_t prefix_count() const { return v4_.size() + v6_.size(); }
  [[nodiscard]] std::size_t memory_bytes() const;
  [[nodiscard]] const AttrStore& store() const { return *store_; }

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
  struct PathNode {
    AttrId attr = 0;
    std::uint32_t path_id = 0;
    std::uint32_t next = kNil;
  };

  template <class F>
  void emit(const Prefix& prefix, std::uint32_t head, F&& f) const {
    for (std::uint32_t n = head; n != kNil; n = nodes_[n].next) {
      f(RibRoute{prefix, nodes_[n].path_id, &store_->get(nodes_[n].attr)});
    }
  }
  [[nodiscard]] std::optional<std::uint32_t> head_of(const Prefix& prefix) const;
  void set_head(const Prefix& prefix, std::uint32_t head);
  void remove_prefix(const Prefix& prefix);
  std::uint32_t alloc(AttrId attr, std::uint32_t path_id);
  [[nodiscard]] bool better(const PathNode& a, const PathNode& b) const;
  std::uint32_t select_best(std::uint32_t head);

  std::shared_ptr<AttrStore> store_;
  Lpm4 v4_;
  Lpm6 v6_;
  std::vector<PathNode> nodes_;
  std::vector<std::uint32_t> free_;
  std::size_t routes_ = 0;
  std::shared_ptr<const PathAttributes> cached_attrs_;  // last interned event attrs (kept alive: address is the key)
  AttrId cached_id_ = 0;
};

}  // namespace flowlab::bgp
