// path_keys.hpp — AS paths as 32-bit aggregate key values (Aggregate): ids in a bgp::AttrStore, pinned while a key
// uses them, printed only when a row is.
#pragma once

#include "probes/bgp/rib.hpp"

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace flowlab::collector {

// AS paths as key values: the path's id in one bgp::AttrStore (RouteAttributes::path_index), pinned there
// (AttrStore::pin_paths, at the end of the batch that first keys it) until clear(), so the id keeps naming that path —
// even after every route with it is withdrawn — and never another path while a row holds it. Key value: id + 1; 0 for
// no route and for the empty path (both print ""). The store is the first view's (Rib::shared_store); a route of
// another store (or a RouteAttributes built outside a store, as the ClickHouse writer does) is pinned by content, so
// equal paths get one key whatever object holds them, and is found again by its address while a small cache holds it
// (foreign_key). Without any view the PathKeys owns a private store.
class PathKeys {
 public:
  PathKeys() = default;
  ~PathKeys() { clear(); }
  PathKeys(PathKeys&& o) noexcept;
  PathKeys& operator=(PathKeys&& o) noexcept;
  PathKeys(const PathKeys&) = delete;
  PathKeys& operator=(const PathKeys&) = delete;

  // The key value of a route's AS path (0: no route); `view` is the Rib the route came from (nullptr: unknown).
  // A new id of our own store is keyed at once and pinned by apply_pins(), which the caller runs before the store's
  // writer may run again (the end of its batch, under the same table lock): the route is live until then, so its
  // id names its path.
  std::uint32_t key(const bgp::RouteAttributes* route, const bgp::Rib* view) {
    if (route == nullptr) {
      return 0;
    }
    const std::uint32_t id = route->path_index;
    if (view != nullptr && view->shared_store().get() == store_.get()) {  // an id of our store
      const Bit b = bit_of(id);
      if (b.at < bits_.size() && (bits_[b.at] & b.mask) != 0) {  // pinned by us: names the route's path until clear()
        return pinned_key(id, b);
      }
      return own_first_sight(id, route->empty_path);
    }
    return first_sight(route, view);
  }
  // The pins of the ids key() met for the first time since the last call, under one lock.
  void apply_pins();
  // The path as pmacct prints it ('_' for blanks); "" for key 0.
  [[nodiscard]] std::string text(std::uint32_t key) const;
  // The same, printed once per key and kept until clear() (a writer printing every row: ClickHouse).
  std::string_view cached_text(std::uint32_t key);
  void clear();  // every pin given back

 private:
  std::uint32_t first_sight(const bgp::RouteAttributes* route, const bgp::Rib* view);
  std::uint32_t own_first_sight(std::uint32_t id, bool empty_path);  // marked and keyed now, pinned by apply_pins()
  void mark(std::uint32_t id, bool empty_path);                      // the id's bits set, the id in pinned_
  // The key of an id pinned just now (or before, then the pin is returned); `path`: the store's object for the id.
  std::uint32_t pinned(std::uint32_t id, const bgp::AsPath* path);
  // The key of a path object of another store (BMP tables, the ClickHouse writer's rebuilt routes), found by
  // content once and then by the object's address: a direct-mapped cache whose entry holds the object, so the
  // address cannot name another path while it is cached.
  std::uint32_t foreign_key(const std::shared_ptr<const bgp::AsPath>& path);
  struct Foreign {
    std::shared_ptr<const bgp::AsPath> path;
    std::uint32_t key = 0;
  };
  static constexpr std::size_t kForeignSlots = 4096;

  struct Bit {  // where an id's bits are: bits_[at] (pinned) and bits_[at + 1] (empty path), under mask
    std::size_t at;
    std::uint64_t mask;
  };
  static Bit bit_of(std::uint32_t id) { return {std::size_t{id} / 64 * 2, std::uint64_t{1} << (id % 64)}; }
  [[nodiscard]] std::uint32_t pinned_key(std::uint32_t id, Bit b) const {
    return (bits_[b.at + 1] & b.mask) != 0 ? 0 : id + 1;
  }

  std::shared_ptr<bgp::AttrStore> store_;
  // Two words per 64 ids: which ids we pinned, and which of those are the empty path (key 0). A bit per id keeps
  // the table in cache (180,000 paths: 45 KB), where a slot per id missed it on most records of a large view.
  std::vector<std::uint64_t> bits_;
  std::vector<std::uint32_t> pinned_;  // the ids we pinned; from pinned_[applied_] on, keyed and not pinned yet
  std::size_t applied_ = 0;
  std::vector<std::string> texts_;  // cached_text() by key; "" not printed yet (or an empty path)
  std::vector<Foreign> foreign_;    // kForeignSlots entries once a foreign path was seen
};

}  // namespace flowlab::collector
