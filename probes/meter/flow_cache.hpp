// flowlab::meter::FlowCache — the bounded flow table.
//
// Open addressing (linear probing over a power-of-two slot array, backward-shift deletion) into a fixed pool of
// `max_flows` entries reserved once in PageMemory (huge pages, touched only as flows arrive; an all-zero slot is
// empty, so not even the slot array is written up front): counting a packet never allocates. Two
// intrusive lists order the entries: by last activity (idle expiry walks it from the quietest flow; when the pool is
// full its head — the flow idle longest — is expired early and counted as an eviction) and by creation (active expiry
// walks it from the oldest). Time is whatever the caller says it is: packet timestamps offline, the wall clock live. A
// flow ends by idle (inactive) timeout, active timeout, TCP FIN/RST, eviction or flush; its record goes to `out` with
// the end reason IPFIX IE 136 uses.
#pragma once

#include "probes/meter/flow_key.hpp"
#include "probes/meter/page_memory.hpp"
#include "probes/wire/flow_record.hpp"

#include <cstddef>
#include <cstdint>
#include <vector>

namespace flowlab::meter {

// IPFIX flowEndReason (IE 136) values.
enum class EndReason : std::uint8_t { kIdle = 1, kActive = 2, kEndOfFlow = 3, kForced = 4, kLackOfResources = 5 };

struct CacheOptions {
  std::size_t max_flows = 65536;
  std::uint64_t active_timeout_us = 1800ULL * 1000000ULL;  // flows longer than this are cut (and a new one starts)
  std::uint64_t inactive_timeout_us = 15ULL * 1000000ULL;  // flows quiet for this long end
  bool tcp_end_expires = true;                             // a TCP FIN or RST ends its flow at once
  std::uint32_t sampling_interval = 1;                     // copied into every record
};

struct CacheCounters {
  std::uint64_t created = 0;
  std::uint64_t expired_idle = 0;
  std::uint64_t expired_active = 0;
  std::uint64_t ended_tcp = 0;
  std::uint64_t evictions = 0;  // expired early because the cache was full
  std::uint64_t flushed = 0;
};

class FlowCache {
 public:
  explicit FlowCache(const CacheOptions& options);

  // Count one packet of `key` at time `ts_us`; flows that end because of it are appended to `out`.
  void add(const FlowKey& key, std::uint32_t l3_bytes, std::uint8_t tcp_flags, std::uint64_t ts_us,
           std::vector<wire::FlowRecord>& out);
  // Expire every flow whose idle or active timeout has passed at `now_us`.
  void expire(std::uint64_t now_us, std::vector<wire::FlowRecord>& out);
  // End every flow (shutdown, end of a capture file), or at most max_flows of them, oldest first.
  void flush(std::vector<wire::FlowRecord>& out, std::size_t max_flows = static_cast<std::size_t>(-1));

  [[nodiscard]] std::size_t size() const { return size_; }
  [[nodiscard]] std::size_t capacity() const { return options_.max_flows; }
  [[nodiscard]] const CacheCounters& counters() const { return counters_; }
  [[nodiscard]] const CacheOptions& options() const { return options_; }

 private:
  static constexpr std::uint32_t kNone = 0xffffffffU;

  // An entry's place in one of the two intrusive lists (entry indices).
  struct Link {
    std::uint32_t prev = kNone;
    std::uint32_t next = kNone;
  };
  struct Entry {
    FlowKey key;
    std::uint64_t packets = 0;
    std::uint64_t bytes = 0;
    std::uint64_t first_us = 0;
    std::uint64_t last_us = 0;
    std::uint32_t hash_low = 0;  // low 32 bits of the key hash: its home slot
    std::uint8_t tcp_flags = 0;
    Link lru;  // by last activity; lru.next is also the free-list link
    Link age;  // by creation
  };
  struct Slot {
    std::uint32_t ref = 0;  // entry index + 1; 0 = empty (fresh zero pages are an empty table)
    std::uint32_t tag = 0;  // == Entry::hash_low, compared before touching the entry
  };
  struct List {
    std::uint32_t head = kNone;  // oldest
    std::uint32_t tail = kNone;  // newest
  };

  std::uint32_t find_slot(const FlowKey& key, std::uint32_t tag) const;  // slot index, or kNone
  std::uint32_t insert(const FlowKey& key, std::uint32_t tag, std::uint64_t ts_us, std::vector<wire::FlowRecord>& out);
  void remove(std::uint32_t index, EndReason reason, std::vector<wire::FlowRecord>& out);
  void emit(const Entry& e, EndReason reason, std::vector<wire::FlowRecord>& out) const;

  // Entry i out of / onto the newest end of `list`, through the entries' `link` member (lru or age).
  template <Link Entry::*link>
  void unlink(List& list, std::uint32_t i);
  template <Link Entry::*link>
  void append(List& list, std::uint32_t i);

  CacheOptions options_;
  PageMemory entry_memory_;
  PageMemory slot_memory_;
  Entry* entries_ = nullptr;  // max_flows of them; the first entries_used_ constructed
  std::size_t entries_used_ = 0;
  Slot* slots_ = nullptr;  // slot_mask_ + 1 of them
  std::uint32_t slot_mask_ = 0;
  std::uint32_t free_head_ = kNone;
  List lru_;
  List age_;
  std::size_t size_ = 0;
  CacheCounters counters_;
};

}  // namespace flowlab::meter
