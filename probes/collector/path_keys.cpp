#include "probes/collector/path_keys.hpp"

#include "probes/collector/enrich.hpp"

#include <algorithm>
#include <cstdint>
#include <span>

namespace flowlab::collector {
namespace {

// pmacct prints AS paths with '_' for blanks in every output.
std::string underscored(std::string s) {
  std::replace(s.begin(), s.end(), ' ', '_');
  return s;
}

}  // namespace

PathKeys::PathKeys(PathKeys&& o) noexcept
    : store_(std::move(o.store_)),
      bits_(std::move(o.bits_)),
      pinned_(std::move(o.pinned_)),
      applied_(o.applied_),
      texts_(std::move(o.texts_)),
      foreign_(std::move(o.foreign_)) {
  o.store_.reset();
  o.bits_.clear();
  o.pinned_.clear();
  o.applied_ = 0;
  o.texts_.clear();
  o.foreign_.clear();
}

PathKeys& PathKeys::operator=(PathKeys&& o) noexcept {
  if (this != &o) {
    clear();
    store_ = std::move(o.store_);
    bits_ = std::move(o.bits_);
    pinned_ = std::move(o.pinned_);
    applied_ = o.applied_;
    texts_ = std::move(o.texts_);
    foreign_ = std::move(o.foreign_);
    o.store_.reset();
    o.bits_.clear();
    o.pinned_.clear();
    o.applied_ = 0;
    o.texts_.clear();
    o.foreign_.clear();
  }
  return *this;
}

void PathKeys::clear() {
  apply_pins();  // every id in pinned_ holds its pin before they are given back
  if (store_) {
    for (const std::uint32_t id : pinned_) {
      store_->unpin_path(id);
    }
  }
  pinned_.clear();
  applied_ = 0;
  bits_.clear();
  texts_.clear();  // a key may name another path once its pin is given back
  foreign_.clear();
}

void PathKeys::apply_pins() {
  if (applied_ < pinned_.size()) {
    store_->pin_paths(std::span<const std::uint32_t>(pinned_).subspan(applied_));
    applied_ = pinned_.size();
  }
}

void PathKeys::mark(std::uint32_t id, bool empty_path) {
  const Bit b = bit_of(id);
  if (b.at >= bits_.size()) {
    bits_.resize(std::max(b.at + 2, bits_.size() * 2));
  }
  bits_[b.at] |= b.mask;
  bits_[b.at + 1] |= empty_path ? b.mask : 0;
  pinned_.push_back(id);
}

std::uint32_t PathKeys::own_first_sight(std::uint32_t id, bool empty_path) {
  mark(id, empty_path);  // pending until apply_pins()
  return empty_path ? 0 : id + 1;
}

std::uint32_t PathKeys::first_sight(const bgp::RouteAttributes* route, const bgp::Rib* view) {
  apply_pins();  // pinned() below compares with our pins: the pending ones count
  if (!store_) {
    store_ = view != nullptr ? view->shared_store() : std::make_shared<bgp::AttrStore>();
  }
  if (!store_->pin_path(route->path_index, route->as_path.get())) {
    return foreign_key(route->as_path);  // another store's set: the key of an equal path in ours
  }
  return pinned(route->path_index, route->as_path.get());
}

std::uint32_t PathKeys::foreign_key(const std::shared_ptr<const bgp::AsPath>& path) {
  if (foreign_.empty()) {
    foreign_.resize(kForeignSlots);
  }
  Foreign& f = foreign_[(reinterpret_cast<std::uintptr_t>(path.get()) >> 4U) % kForeignSlots];  // NOLINT
  if (f.path != path) {
    f.path = path;
    const std::uint32_t id = store_->pin_path(*path);
    f.key = pinned(id, store_->path_at(id));
  }
  return f.key;
}

std::uint32_t PathKeys::pinned(std::uint32_t id, const bgp::AsPath* path) {
  const Bit b = bit_of(id);
  if (b.at < bits_.size() && (bits_[b.at] & b.mask) != 0) {
    store_->unpin_path(id);  // pinned before (reached by content from another store's set): one pin is enough
  } else {
    mark(id, path->segments.empty());
    applied_ = pinned_.size();  // pinned already (first_sight applied every pending pin before)
  }
  return pinned_key(id, b);
}

std::string PathKeys::text(std::uint32_t key) const {
  const bgp::AsPath* path = key == 0 || !store_ ? nullptr : store_->path_at(key - 1);
  return path == nullptr ? std::string() : underscored(pmacct_as_path_string(*path));
}

std::string_view PathKeys::cached_text(std::uint32_t key) {
  if (key >= texts_.size()) {
    texts_.resize(std::max<std::size_t>(std::size_t{key} + 1, texts_.size() * 2));
  }
  if (texts_[key].empty()) {
    texts_[key] = text(key);
  }
  return texts_[key];
}

}  // namespace flowlab::collector
