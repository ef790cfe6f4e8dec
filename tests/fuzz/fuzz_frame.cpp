// libFuzzer target: meter::parse_frame (the probe's packet parser). The first byte picks the link type, the rest
// is the captured frame; a parsed packet must stay inside what the parser reports.
#include "probes/meter/packet.hpp"

#include <array>
#include <cstddef>
#include <cstdint>
#include <cstdlib>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using flowlab::packet::LinkType;
  static constexpr std::array<LinkType, 7> kLinks{LinkType::kNull,     LinkType::kEthernet,  LinkType::kRaw,
                                                  LinkType::kLinuxSll, LinkType::kLinuxSll2, LinkType::kIpv4,
                                                  LinkType::kIpv6};
  if (size == 0) {
    return 0;
  }
  const LinkType link = kLinks[data[0] % kLinks.size()];
  const flowlab::Bytes frame(reinterpret_cast<const std::byte*>(data + 1), size - 1);  // NOLINT
  flowlab::packet::ParsedPacket packet;
  const auto status = flowlab::meter::parse_frame(link, frame, packet);
  if (status == flowlab::packet::ParseStatus::kOk && packet.ip_version != 4 && packet.ip_version != 6) {
    std::abort();  // a parsed packet is IPv4 or IPv6
  }
  return 0;
}
