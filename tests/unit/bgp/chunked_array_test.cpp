// detail::ChunkedArray (the AttrStore's entries): elements keep their addresses while the array grows across chunks,
// indexes reach the right element on both sides of every chunk boundary, and clear() destroys what was built.
#include "probes/bgp/chunked_array.hpp"

#include <gtest/gtest.h>

#include <cstddef>
#include <string>
#include <vector>

namespace flowlab::bgp::detail {
namespace {

struct Counted {
  explicit Counted(std::size_t v, int* counter) : value(v), text(std::to_string(v)), live(counter) { ++*live; }
  ~Counted() { --*live; }
  Counted(const Counted&) = delete;
  Counted& operator=(const Counted&) = delete;
  std::size_t value;
  std::string text;  // a heap-owning member: a moved or copied element would show here
  int* live;
};

TEST(ChunkedArray, AddressesStayAndIndexesCrossChunks) {
  int live = 0;
  {
    ChunkedArray<Counted, 3> a;  // chunks of 8
    std::vector<const Counted*> addresses;
    for (std::size_t i = 0; i < 100; ++i) {
      addresses.push_back(&a.emplace_back(i, &live));
      ASSERT_EQ(a.size(), i + 1);
    }
    EXPECT_EQ(live, 100);
    EXPECT_EQ(a.capacity(), 104U);  // 13 chunks of 8
    for (std::size_t i = 0; i < 100; ++i) {
      EXPECT_EQ(&a[i], addresses[i]) << i;
      EXPECT_EQ(a[i].value, i);
      EXPECT_EQ(a[i].text, std::to_string(i));
    }
    const auto& constant = a;
    EXPECT_EQ(constant[7].value, 7U);
    EXPECT_EQ(constant[8].value, 8U);
    a.clear();
    EXPECT_EQ(live, 0);
    EXPECT_EQ(a.size(), 0U);
    a.emplace_back(std::size_t{5}, &live);
    EXPECT_EQ(a[0].value, 5U);
  }
  EXPECT_EQ(live, 0);  // the destructor destroyed the element left
}

}  // namespace
}  // namespace flowlab::bgp::detail
