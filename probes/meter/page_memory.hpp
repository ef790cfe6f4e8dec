// flowlab::meter::PageMemory — zero-filled anonymous memory for the large, long-lived tables of the metering hot
// path (flow cache slots and entries, the pcap read buffer). Blocks of 512 KiB or more are rounded up to whole 2 MiB
// pages, aligned to them and marked MADV_HUGEPAGE: on the virtual machines this runs on a 4 KiB page fault costs
// 20-30 us, so a 1 MiB slot array touched page by page cost ~6 ms of a 150 ms benchmark run, one huge page ~0.1 ms.
// Pages are still touched only when used (a large cache costs nothing until flows fill it). Allocation failure
// throws std::bad_alloc, as std::vector would.
#pragma once

#include <cstddef>

namespace flowlab::meter {

class PageMemory {
 public:
  PageMemory() = default;
  explicit PageMemory(std::size_t bytes);
  ~PageMemory();
  PageMemory(PageMemory&& other) noexcept;
  PageMemory& operator=(PageMemory&& other) noexcept;
  PageMemory(const PageMemory&) = delete;
  PageMemory& operator=(const PageMemory&) = delete;

  [[nodiscard]] void* data() const { return data_; }
  [[nodiscard]] std::size_t size() const { return size_; }  // as asked (the mapping may be larger)

 private:
  void release();

  void* data_ = nullptr;
  std::size_t size_ = 0;
  void* mapping_ = nullptr;
  std::size_t mapping_bytes_ = 0;
};

}  // namespace flowlab::meter
