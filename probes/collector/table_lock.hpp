// table_lock.hpp — the BGP and BMP tables' writer lock (flowcollector `workers: N`).
//
// Receive workers read the tables (enrichment) on their own threads, each while holding its own mutex (Worker).
// The collector's thread is the tables' one writer: around every change — a BGP UPDATE, a session up or down, an
// End-of-RIB, a chunk of a BMP stream — it holds every worker's mutex, so no worker reads a table mid-change. A
// worker's mutex is only ever contended by this and by the collector reading that worker's aggregates; workers
// never wait for each other. Lock order: workers in index order (only the collector's thread takes more than one).
#pragma once

#include <mutex>
#include <vector>

namespace flowlab::collector {

class TableLock {
 public:
  void add(std::mutex& m) { mutexes_.push_back(&m); }
  void clear() { mutexes_.clear(); }

  class Held {
   public:
    explicit Held(const std::vector<std::mutex*>& mutexes) {
      locks_.reserve(mutexes.size());
      for (std::mutex* m : mutexes) {
        locks_.emplace_back(*m);
      }
    }

   private:
    std::vector<std::unique_lock<std::mutex>> locks_;
  };
  // Every worker's mutex, held until the result is destroyed.
  [[nodiscard]] Held hold() const { return Held(mutexes_); }

 private:
  std::vector<std::mutex*> mutexes_;
};

}  // namespace flowlab::collector
