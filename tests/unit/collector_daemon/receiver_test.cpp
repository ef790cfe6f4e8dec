// The receiver's batches over loopback: every datagram reaches the handler whole and in order, whatever its length
// (up to UDP's largest over IPv4), across more than one recvmmsg batch, with its source and no truncation.
#include "probes/collector/receiver.hpp"

#include "tests/unit/collector_daemon/loopback_udp.hpp"

#include <gtest/gtest.h>

#include <boost/asio/io_context.hpp>

#include <cstddef>
#include <vector>

namespace flowlab::collector {
namespace {

std::vector<std::byte> pattern(std::size_t length, std::size_t seed) {
  std::vector<std::byte> d(length);
  for (std::size_t i = 0; i < length; ++i) {
    d[i] = static_cast<std::byte>((i * 131U + seed * 7U + i / 251U) & 0xffU);
  }
  return d;
}

TEST(Receiver, EveryLengthArrivesWholeAcrossBatches) {
  boost::asio::io_context io;
  std::vector<std::vector<std::byte>> got;
  Receiver::Options options;
  options.batch = 3;  // seven datagrams: three recvmmsg batches
  ListenConfig listen;
  listen.address = *IpAddress::parse("127.0.0.1");
  listen.port = 0;
  auto receiver = Receiver::open(
      io, listen, options, [&](std::span<const std::byte> d, const IpAddress& source, std::uint16_t, std::uint64_t) {
        EXPECT_EQ(source, *IpAddress::parse("127.0.0.1"));
        got.emplace_back(d.begin(), d.end());
      });
  ASSERT_TRUE(receiver.ok()) << receiver.error().message;
  std::vector<std::vector<std::byte>> sent;
  std::size_t seed = 1;
  for (const std::size_t length : {100U, 2047U, 2048U, 2049U, 1400U, 9000U, 65507U}) {
    sent.push_back(pattern(length, seed++));
  }
  testing::send_udp((*receiver)->local_port(), sent);
  EXPECT_EQ((*receiver)->drain(), sent.size());
  ASSERT_EQ(got.size(), sent.size());
  for (std::size_t i = 0; i < sent.size(); ++i) {
    EXPECT_EQ(got[i], sent[i]) << "datagram " << i << " of " << sent[i].size() << " bytes";
  }
  EXPECT_EQ((*receiver)->counters().truncated, 0U);
  EXPECT_EQ((*receiver)->counters().datagrams, sent.size());
  EXPECT_GE((*receiver)->counters().batches, 3U);
}

}  // namespace
}  // namespace flowlab::collector
