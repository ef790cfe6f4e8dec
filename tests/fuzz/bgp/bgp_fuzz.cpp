// libFuzzer target for the BGP decoders: the first input byte picks the session context (4-octet AS, ADD-PATH per
// AF, eBGP), the rest is one BGP message (header included). Every path must fail cleanly or decode; decoded
// UPDATEs are re-encoded, re-parsed and normalized to exercise the encoder and the AS4 merge too.
#include "probes/bgp/message.hpp"

#include <cstddef>
#include <cstdint>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace flowlab::bgp;
  if (size < 1) {
    return 0;
  }
  SessionContext ctx;
  ctx.four_octet_as = (data[0] & 1U) != 0;
  ctx.add_path_ipv4 = (data[0] & 2U) != 0;
  ctx.add_path_ipv6 = (data[0] & 4U) != 0;
  ctx.ebgp = (data[0] & 8U) != 0;
  const flowlab::Bytes msg(reinterpret_cast<const std::byte*>(data + 1), size - 1);  // NOLINT: fuzzer ABI
  auto header = parse_header(msg);
  if (!header) {
    return 0;
  }
  const flowlab::Bytes body = msg.subspan(kHeaderSize, header->length - kHeaderSize);
  Counters counters;
  switch (header->type) {
    case MessageType::kOpen: {
      auto open = parse_open(body);
      if (open) {
        (void)check_open(*open, 65001, 1);
        auto again = parse_open(flowlab::Bytes(encode(*open)).subspan(kHeaderSize));
        (void)again;
      }
      break;
    }
    case MessageType::kUpdate: {
      auto update = parse_update(body, ctx, counters);
      if (update) {
        PathAttributes attrs = update->update.route_attributes(ctx.four_octet_as);
        (void)attrs;
        const auto bytes = encode(update->update, ctx);
        if (bytes.size() <= kMaxMessageSize) {
          auto again = parse_update(flowlab::Bytes(bytes).subspan(kHeaderSize), ctx, counters);
          (void)again;
        }
      }
      break;
    }
    case MessageType::kNotification:
      (void)parse_notification(body);
      break;
    case MessageType::kRouteRefresh:
      (void)parse_route_refresh(body);
      break;
    case MessageType::kKeepalive:
      break;
  }
  return 0;
}
