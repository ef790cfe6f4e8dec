#include "probes/meter/flow_cache.hpp"

#include <algorithm>
#include <cassert>
#include <new>

namespace flowlab::meter {

FlowCache::FlowCache(const CacheOptions& options) : options_(options) {
  const std::size_t max_flows = std::clamp<std::size_t>(options_.max_flows, 1, std::size_t{1} << 30U);
  options_.max_flows = max_flows;
  // Untouched until used: a large cache costs nothing until flows fill it.
  entry_memory_ = PageMemory(max_flows * sizeof(Entry));
  entries_ = static_cast<Entry*>(entry_memory_.data());
  std::size_t slots = 2;
  while (slots < max_flows * 2) {  // load factor <= 0.5 keeps probe runs short
    slots <<= 1U;
  }
  slot_memory_ = PageMemory(slots * sizeof(Slot));  // zero pages: every slot empty (Slot{} is all zero)
  slots_ = static_cast<Slot*>(slot_memory_.data());
  slot_mask_ = static_cast<std::uint32_t>(slots - 1);
  free_head_ = kNone;
}

std::uint32_t FlowCache::find_slot(const FlowKey& key, std::uint32_t tag) const {
  std::uint32_t s = tag & slot_mask_;
  while (slots_[s].ref != 0) {
    if (slots_[s].tag == tag && entries_[slots_[s].ref - 1].key == key) {
      return s;
    }
    s = (s + 1) & slot_mask_;
  }
  return kNone;
}

void FlowCache::add(const FlowKey& key, std::uint32_t l3_bytes, std::uint8_t tcp_flags, std::uint64_t ts_us,
                    std::vector<wire::FlowRecord>& out) {
  const auto tag = static_cast<std::uint32_t>(hash_key(key));
  const std::uint32_t slot = find_slot(key, tag);
  std::uint32_t index = kNone;
  if (slot != kNone) {
    index = slots_[slot].ref - 1;
    Entry& e = entries_[index];
    if (ts_us >= e.first_us && ts_us - e.first_us >= options_.active_timeout_us) {
      remove(index, EndReason::kActive, out);
      index = kNone;
    } else if (ts_us >= e.last_us && ts_us - e.last_us >= options_.inactive_timeout_us) {
      // Idle long enough that the periodic expiry would have ended it: the packet starts a new flow.
      remove(index, EndReason::kIdle, out);
      index = kNone;
    }
  }
  if (index == kNone) {
    index = insert(key, tag, ts_us, out);
  } else {
    unlink<&Entry::lru>(lru_, index);
    append<&Entry::lru>(lru_, index);
  }
  Entry& e = entries_[index];
  e.packets += 1;
  e.bytes += l3_bytes;
  e.tcp_flags |= tcp_flags;
  e.first_us = std::min(e.first_us, ts_us);
  e.last_us = std::max(e.last_us, ts_us);
  if (options_.tcp_end_expires && key.protocol == kProtoTcp && (tcp_flags & (kTcpFin | kTcpRst)) != 0) {
    remove(index, EndReason::kEndOfFlow, out);
  }
}

std::uint32_t FlowCache::insert(const FlowKey& key, std::uint32_t tag, std::uint64_t ts_us,
                                std::vector<wire::FlowRecord>& out) {
  if (free_head_ == kNone) {
    if (entries_used_ < options_.max_flows) {
      ::new (static_cast<void*>(entries_ + entries_used_)) Entry();  // within the reserved pool: never allocates
      free_head_ = static_cast<std::uint32_t>(entries_used_++);
      entries_[free_head_].lru.next = kNone;
    } else {
      assert(lru_.head != kNone);
      remove(lru_.head, EndReason::kLackOfResources, out);
    }
  }
  const std::uint32_t index = free_head_;
  free_head_ = entries_[index].lru.next;
  Entry& e = entries_[index];
  e.key = key;
  e.first_us = ts_us;
  e.last_us = ts_us;
  e.packets = 0;
  e.bytes = 0;
  e.tcp_flags = 0;
  e.hash_low = tag;
  std::uint32_t s = tag & slot_mask_;
  while (slots_[s].ref != 0) {
    s = (s + 1) & slot_mask_;
  }
  slots_[s] = Slot{index + 1, tag};
  append<&Entry::lru>(lru_, index);
  append<&Entry::age>(age_, index);
  ++size_;
  ++counters_.created;
  return index;
}

void FlowCache::remove(std::uint32_t index, EndReason reason, std::vector<wire::FlowRecord>& out) {
  Entry& e = entries_[index];
  emit(e, reason, out);
  switch (reason) {
    case EndReason::kIdle:
      ++counters_.expired_idle;
      break;
    case EndReason::kActive:
      ++counters_.expired_active;
      break;
    case EndReason::kEndOfFlow:
      ++counters_.ended_tcp;
      break;
    case EndReason::kForced:
      ++counters_.flushed;
      break;
    case EndReason::kLackOfResources:
      ++counters_.evictions;
      break;
  }
  // Find the entry's slot, then backward-shift the probe run behind it so lookups never need tombstones.
  std::uint32_t hole = e.hash_low & slot_mask_;
  while (slots_[hole].ref != index + 1) {
    hole = (hole + 1) & slot_mask_;
  }
  std::uint32_t next = hole;
  for (;;) {
    next = (next + 1) & slot_mask_;
    if (slots_[next].ref == 0) {
      break;
    }
    const std::uint32_t home = slots_[next].tag & slot_mask_;
    // Move `next` into the hole when its home is not cyclically within (hole, next].
    const bool stays = hole <= next ? (home > hole && home <= next) : (home > hole || home <= next);
    if (!stays) {
      slots_[hole] = slots_[next];
      hole = next;
    }
  }
  slots_[hole] = Slot{};
  unlink<&Entry::lru>(lru_, index);
  unlink<&Entry::age>(age_, index);
  e.lru.next = free_head_;
  free_head_ = index;
  --size_;
}

void FlowCache::emit(const Entry& e, EndReason reason, std::vector<wire::FlowRecord>& out) const {
  wire::FlowRecord& r = out.emplace_back();
  const Family family = e.key.ip_version == 6 ? Family::kIpv6 : Family::kIpv4;
  r.src_addr.family = family;
  r.src_addr.bytes = e.key.src;
  r.dst_addr.family = family;
  r.dst_addr.bytes = e.key.dst;
  r.src_port = e.key.src_port;
  r.dst_port = e.key.dst_port;
  r.protocol = e.key.protocol;
  r.tos = e.key.tos;
  r.tcp_flags = e.tcp_flags;
  r.vlan = e.key.vlan;
  if (e.key.egress != 0U) {
    r.output_ifindex = e.key.input_ifindex;
    r.direction = wire::FlowDirection::kEgress;
  } else {
    r.input_ifindex = e.key.input_ifindex;
    r.direction = wire::FlowDirection::kIngress;
  }
  r.packets = e.packets;
  r.bytes = e.bytes;
  r.first_ms = e.first_us / 1000U;
  r.last_ms = e.last_us / 1000U;
  r.sampling_interval = options_.sampling_interval;
  r.flow_end_reason = static_cast<std::uint8_t>(reason);
}

void FlowCache::expire(std::uint64_t now_us, std::vector<wire::FlowRecord>& out) {
  while (lru_.head != kNone) {
    const Entry& e = entries_[lru_.head];
    if (now_us < e.last_us || now_us - e.last_us < options_.inactive_timeout_us) {
      break;
    }
    remove(lru_.head, EndReason::kIdle, out);
  }
  while (age_.head != kNone) {
    const Entry& e = entries_[age_.head];
    if (now_us < e.first_us || now_us - e.first_us < options_.active_timeout_us) {
      break;
    }
    remove(age_.head, EndReason::kActive, out);
  }
}

void FlowCache::flush(std::vector<wire::FlowRecord>& out, std::size_t max_flows) {
  // Oldest first, so exports come out in creation order.
  for (std::size_t n = 0; n < max_flows && age_.head != kNone; ++n) {
    remove(age_.head, EndReason::kForced, out);
  }
}

template <FlowCache::Link FlowCache::Entry::*link>
void FlowCache::unlink(List& list, std::uint32_t i) {
  Link& l = entries_[i].*link;
  (l.prev != kNone ? (entries_[l.prev].*link).next : list.head) = l.next;
  (l.next != kNone ? (entries_[l.next].*link).prev : list.tail) = l.prev;
  l.prev = kNone;
  l.next = kNone;
}

template <FlowCache::Link FlowCache::Entry::*link>
void FlowCache::append(List& list, std::uint32_t i) {
  Link& l = entries_[i].*link;
  l.prev = list.tail;
  l.next = kNone;
  (list.tail != kNone ? (entries_[list.tail].*link).next : list.head) = i;
  list.tail = i;
}

}  // namespace flowlab::meter
