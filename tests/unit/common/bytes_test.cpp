#include "common/bytes.hpp"

#include <gtest/gtest.h>

namespace flowlab {
namespace {

TEST(Reader, ReadsBigEndianAndFailsStickyPastTheEnd) {
  auto buf = from_hex("01 0203 040506 0708090a");
  Reader r{Bytes(buf)};
  EXPECT_EQ(r.u8(), 0x01);
  EXPECT_EQ(r.u16(), 0x0203);
  EXPECT_EQ(r.u24(), 0x040506U);
  EXPECT_EQ(r.u32(), 0x0708090aU);
  EXPECT_TRUE(r.ok());
  EXPECT_EQ(r.remaining(), 0U);
  EXPECT_EQ(r.u8(), 0);
  EXPECT_FALSE(r.ok());
  EXPECT_EQ(r.u16(), 0);  // stays failed
  EXPECT_EQ(r.remaining(), 0U);
}

TEST(Reader, SubReaderCannotRunPastItsParent) {
  auto buf = from_hex("00 01 02 03 04");
  Reader r{Bytes(buf)};
  r.skip(1);
  Reader child = r.sub(2);
  EXPECT_EQ(child.offset(), 1U);
  EXPECT_EQ(child.u16(), 0x0102);
  EXPECT_EQ(child.u8(), 0);
  EXPECT_FALSE(child.ok());
  EXPECT_TRUE(r.ok());
  EXPECT_EQ(r.u8(), 0x03);
  Reader too_long = r.sub(5);
  EXPECT_FALSE(too_long.ok());
  EXPECT_FALSE(r.ok());
}

TEST(Reader, ReducedSizeUnsigned) {
  auto buf = from_hex("0102 030405");
  Reader r{Bytes(buf)};
  EXPECT_EQ(r.uint(2), 0x0102U);
  EXPECT_EQ(r.uint(3), 0x030405U);
  EXPECT_EQ(r.uint(9), 0U);
  EXPECT_FALSE(r.ok());
}

// Every width 1..8 (the byte-swapped loads for 2, 4, 8 and the loop for the others) reads big-endian, from the
// bytes it is given and no further.
TEST(LoadBe, EveryWidthIsBigEndian) {
  auto buf = from_hex("0102030405060708 ff");
  const Bytes b(buf);
  std::uint64_t expected = 0;
  for (std::size_t n = 1; n <= 8; ++n) {
    expected = expected << 8U | n;
    EXPECT_EQ(load_be(b, n), expected) << n << " bytes";
  }
  EXPECT_EQ(load_be<2>(b.subspan(7)), 0x08ffU);
  EXPECT_EQ(load_be<4>(b.subspan(5)), 0x060708ffU);
  EXPECT_EQ(load_be<8>(b.subspan(1)), 0x02030405060708ffULL);
  EXPECT_EQ(load_be<3>(b.subspan(6)), 0x0708ffU);
  Reader r{b};
  EXPECT_EQ(r.uint(8), 0x0102030405060708ULL);
  EXPECT_EQ(r.u8(), 0xffU);
}

TEST(Writer, MirrorsReader) {
  Writer w;
  w.u8(1);
  w.u16(0x0203);
  w.u24(0x040506);
  w.u32(0x0708090a);
  w.u64(0x0b0c0d0e0f101112ULL);
  w.patch_u16(1, 0xbeef);
  EXPECT_EQ(to_hex(w.view()), "01 be ef 04 05 06 07 08 09 0a 0b 0c 0d 0e 0f 10 11 12");
}

}  // namespace
}  // namespace flowlab
