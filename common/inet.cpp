#include "common/inet.hpp"

#include <cassert>
#include <limits>

namespace flowlab {
namespace {

constexpr std::uint16_t kDontFragment = 0x4000;
constexpr std::size_t kMaxLength = std::numeric_limits<std::uint16_t>::max();

template <typename Byte>
std::uint64_t sum_words(std::span<const Byte> data, std::uint64_t sum) {
  const auto value = [](Byte b) { return static_cast<std::uint64_t>(static_cast<std::uint8_t>(b)); };
  std::size_t i = 0;
  for (; i + 1 < data.size(); i += 2) {
    sum += (value(data[i]) << 8U) | value(data[i + 1]);
  }
  if (i < data.size()) {
    sum += value(data[i]) << 8U;
  }
  return sum;
}

Bytes address_bytes(const IpAddress& a) {
  return std::as_bytes(std::span<const std::uint8_t>(a.bytes.data(), a.size()));
}

}  // namespace

InternetSum& InternetSum::add(Bytes data) {
  sum_ = sum_words(data, sum_);
  return *this;
}

InternetSum& InternetSum::add(std::span<const std::uint8_t> data) {
  sum_ = sum_words(data, sum_);
  return *this;
}

std::uint16_t InternetSum::checksum() const {
  std::uint64_t sum = sum_;
  while ((sum >> 16U) != 0) {
    sum = (sum & 0xffffU) + (sum >> 16U);
  }
  return static_cast<std::uint16_t>(~sum & 0xffffU);
}

std::uint16_t internet_checksum(Bytes data) { return InternetSum().add(data).checksum(); }

InternetSum pseudo_header_sum(const IpAddress& source, const IpAddress& destination, std::uint8_t protocol,
                              std::uint32_t length) {
  InternetSum sum;
  sum.add(address_bytes(source)).add(address_bytes(destination));
  // IPv4 carries a 16-bit length, IPv6 a 32-bit one: the same words either way.
  return sum.add_word(length >> 16U).add_word(length & 0xffffU).add_word(protocol);
}

void write_ip_header(Writer& out, const IpHeader& header, std::size_t payload_length) {
  assert(header.source.is_set() && header.source.family == header.destination.family);
  const std::span<const std::uint8_t> source(header.source.bytes.data(), header.source.size());
  const std::span<const std::uint8_t> destination(header.destination.bytes.data(), header.destination.size());
  if (header.source.is_v6()) {
    out.u32(6U << 28U | static_cast<std::uint32_t>(header.tos) << 20U);  // version, traffic class, flow label 0
    out.u16(static_cast<std::uint16_t>(payload_length));
    out.u8(header.protocol);
    out.u8(header.ttl);
    out.bytes(source);
    out.bytes(destination);
    return;
  }
  const std::size_t start = out.size();
  out.u8(0x45);  // version 4, IHL 5
  out.u8(header.tos);
  out.u16(static_cast<std::uint16_t>(kIpv4HeaderBytes + payload_length));
  out.u16(header.id);
  out.u16(header.dont_fragment ? kDontFragment : 0);
  out.u8(header.ttl);
  out.u8(header.protocol);
  out.u16(0);  // header checksum, patched below
  out.bytes(source);
  out.bytes(destination);
  out.patch_u16(start + 10, internet_checksum(out.view().subspan(start, kIpv4HeaderBytes)));
}

std::uint16_t udp_checksum(const Endpoint& source, const Endpoint& destination, std::size_t payload_size,
                           InternetSum payload_sum) {
  const auto udp_length = static_cast<std::uint32_t>(kUdpHeaderBytes + payload_size);
  InternetSum sum = pseudo_header_sum(source.address, destination.address, kIpProtocolUdp, udp_length);
  // The UDP header with a zero checksum field; the payload's words continue after it (an even offset).
  sum.add_word(source.port).add_word(destination.port).add_word(udp_length);
  sum.add(payload_sum);
  const std::uint16_t checksum = sum.checksum();
  return checksum == 0 ? 0xffff : checksum;
}

bool fits_ip_udp(const Endpoint& source, const Endpoint& destination, std::size_t payload_size) {
  if (source.address.family != destination.address.family || !source.address.is_set()) {
    return false;
  }
  const std::size_t ip_header = source.address.is_v4() ? kIpv4HeaderBytes : 0;  // IPv6: payload length only
  return kUdpHeaderBytes + payload_size + ip_header <= kMaxLength;
}

bool write_ip_udp_headers(Writer& out, const Endpoint& source, const Endpoint& destination, std::size_t payload_size,
                          InternetSum payload_sum, const UdpPacketOptions& options) {
  if (!fits_ip_udp(source, destination, payload_size)) {
    return false;
  }
  const std::size_t udp_length = kUdpHeaderBytes + payload_size;
  write_ip_header(out,
                  IpHeader{source.address, destination.address, kIpProtocolUdp, options.tos, options.ip_id,
                           options.dont_fragment, kDefaultTtl},
                  udp_length);
  out.u16(source.port);
  out.u16(destination.port);
  out.u16(static_cast<std::uint16_t>(udp_length));
  out.u16(udp_checksum(source, destination, payload_size, payload_sum));
  return true;
}

std::vector<std::byte> build_ip_udp_packet(const Endpoint& source, const Endpoint& destination, Bytes payload,
                                           const UdpPacketOptions& options) {
  Writer out(kMaxIpUdpHeaderBytes + payload.size());
  if (!write_ip_udp_headers(out, source, destination, payload.size(), InternetSum().add(payload), options)) {
    return {};
  }
  out.bytes(payload);
  return out.take();
}

}  // namespace flowlab
