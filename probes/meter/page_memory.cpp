#include "probes/meter/page_memory.hpp"

#include <sys/mman.h>

#include <cstdint>
#include <new>
#include <utility>

namespace flowlab::meter {
namespace {

constexpr std::size_t kHugePage = std::size_t{2} << 20U;
constexpr std::size_t kHugeFrom = std::size_t{512} << 10U;  // smaller blocks: plain pages

}  // namespace

PageMemory::PageMemory(std::size_t bytes) : size_(bytes) {
  if (bytes == 0) {
    return;
  }
  const bool huge = bytes >= kHugeFrom;
  const std::size_t rounded = huge ? (bytes + kHugePage - 1) / kHugePage * kHugePage : bytes;
  // Over-map by one huge page so an aligned window of `rounded` bytes fits; the slack is unmapped again.
  const std::size_t map_bytes = huge ? rounded + kHugePage : rounded;
  void* p = ::mmap(nullptr, map_bytes, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  if (p == MAP_FAILED) {
    throw std::bad_alloc();
  }
  if (!huge) {
    mapping_ = p;
    mapping_bytes_ = map_bytes;
    data_ = p;
    return;
  }
  const auto base = reinterpret_cast<std::uintptr_t>(p);
  const std::uintptr_t aligned = (base + kHugePage - 1) & ~(std::uintptr_t{kHugePage} - 1);
  const std::size_t head = aligned - base;
  const std::size_t tail = map_bytes - head - rounded;
  if (head > 0) {
    ::munmap(p, head);
  }
  if (tail > 0) {
    ::munmap(reinterpret_cast<void*>(aligned + rounded), tail);
  }
  mapping_ = reinterpret_cast<void*>(aligned);
  mapping_bytes_ = rounded;
  data_ = mapping_;
  (void)::madvise(mapping_, mapping_bytes_, MADV_HUGEPAGE);  // a hint: without THP the pages are just 4 KiB
}

PageMemory::~PageMemory() { release(); }

PageMemory::PageMemory(PageMemory&& other) noexcept
    : data_(std::exchange(other.data_, nullptr)),
      size_(std::exchange(other.size_, 0)),
      mapping_(std::exchange(other.mapping_, nullptr)),
      mapping_bytes_(std::exchange(other.mapping_bytes_, 0)) {}

PageMemory& PageMemory::operator=(PageMemory&& other) noexcept {
  if (this != &other) {
    release();
    data_ = std::exchange(other.data_, nullptr);
    size_ = std::exchange(other.size_, 0);
    mapping_ = std::exchange(other.mapping_, nullptr);
    mapping_bytes_ = std::exchange(other.mapping_bytes_, 0);
  }
  return *this;
}

void PageMemory::release() {
  if (mapping_ != nullptr) {
    ::munmap(mapping_, mapping_bytes_);
  }
  data_ = nullptr;
  size_ = 0;
  mapping_ = nullptr;
  mapping_bytes_ = 0;
}

}  // namespace flowlab::meter
