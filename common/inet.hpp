// flowlab IP/UDP packet building — the one Internet checksum and the one IPv4/IPv6 + UDP header writer.
//
// InternetSum is the one's complement sum of RFC 1071: feed it bytes (16-bit big-endian words; an odd last byte is
// padded with zero, so only the last block fed may have an odd length) and read checksum(). write_ip_header()
// appends an IPv4 header (20 bytes, no options, with its header checksum) or an IPv6 header (40 bytes, flow label 0)
// to a Writer; write_ip_udp_headers() adds the UDP header with its checksum over the pseudo-header (RFC 768 for
// IPv4, RFC 8200 section 8.1 for IPv6), taking the payload as its word sum so a payload sent to many receivers is
// summed once. Used by flowgen (every packet it sends), the tee (transparent mode) and flowprobe (export pcap).
#pragma once

#include "common/bytes.hpp"
#include "common/endpoint.hpp"
#include "common/ip.hpp"

#include <cstddef>
#include <cstdint>
#include <span>
#include <vector>

namespace flowlab {

inline constexpr std::size_t kIpv4HeaderBytes = 20;
inline constexpr std::size_t kIpv6HeaderBytes = 40;
inline constexpr std::size_t kUdpHeaderBytes = 8;
inline constexpr std::size_t kMaxIpUdpHeaderBytes = kIpv6HeaderBytes + kUdpHeaderBytes;
inline constexpr std::uint8_t kDefaultTtl = 64;
inline constexpr std::uint8_t kIpProtocolUdp = 17;

class InternetSum {
 public:
  InternetSum& add(Bytes data);
  InternetSum& add(std::span<const std::uint8_t> data);
  InternetSum& add_word(std::uint32_t value) {
    sum_ += value;
    return *this;
  }
  // Another sum's words, as if they followed (at an even offset).
  InternetSum& add(const InternetSum& other) {
    sum_ += other.sum_;
    return *this;
  }
  // The checksum field's value: the folded sum, complemented.
  [[nodiscard]] std::uint16_t checksum() const;

 private:
  std::uint64_t sum_ = 0;
};

// The checksum of data alone (a header's own checksum; 0 when data already holds a correct checksum).
[[nodiscard]] std::uint16_t internet_checksum(Bytes data);

// The transport pseudo-header's sum: both addresses, the protocol and the transport length.
[[nodiscard]] InternetSum pseudo_header_sum(const IpAddress& source, const IpAddress& destination,
                                            std::uint8_t protocol, std::uint32_t length);

struct IpHeader {
  IpAddress source;
  IpAddress destination;  // of the source's family
  std::uint8_t protocol = 0;
  std::uint8_t tos = 0;            // IPv4 ToS / IPv6 traffic class
  std::uint16_t id = 0;            // IPv4 identification
  bool dont_fragment = false;      // IPv4 DF
  std::uint8_t ttl = kDefaultTtl;  // IPv4 TTL / IPv6 hop limit
};

[[nodiscard]] inline std::size_t ip_header_bytes(Family family) {
  return family == Family::kIpv6 ? kIpv6HeaderBytes : kIpv4HeaderBytes;
}

// Appends the IP header of a packet carrying `payload_length` bytes after it (IPv4: total length = 20 + that).
void write_ip_header(Writer& out, const IpHeader& header, std::size_t payload_length);

// What write_ip_udp_headers() puts in the IP header besides addresses and lengths.
struct UdpPacketOptions {
  std::uint16_t ip_id = 0;
  bool dont_fragment = false;
  std::uint8_t tos = 0;
};

// The UDP checksum of a datagram whose payload has `payload_size` bytes summing to `payload_sum`; 0 is sent as
// 0xffff (RFC 768: 0 means "no checksum").
[[nodiscard]] std::uint16_t udp_checksum(const Endpoint& source, const Endpoint& destination, std::size_t payload_size,
                                         InternetSum payload_sum);

// Whether an IP + UDP packet from source to destination with this payload size can be built: one family, set, and
// the lengths fit (UDP length and IPv4 total length <= 65535).
[[nodiscard]] bool fits_ip_udp(const Endpoint& source, const Endpoint& destination, std::size_t payload_size);

// Appends the IP and UDP headers (the payload is the caller's to append or send beside them); false, with nothing
// written, when !fits_ip_udp().
bool write_ip_udp_headers(Writer& out, const Endpoint& source, const Endpoint& destination, std::size_t payload_size,
                          InternetSum payload_sum, const UdpPacketOptions& options = {});

// Headers + payload as one packet; empty when !fits_ip_udp().
[[nodiscard]] std::vector<std::byte> build_ip_udp_packet(const Endpoint& source, const Endpoint& destination,
                                                         Bytes payload, const UdpPacketOptions& options = {});

}  // namespace flowlab
