// libFuzzer target for the BGP decoders: the first input byte picks the session context (4-octet AS, ADD-PATH per
// AF, eBGP), the rest is one BGP message (header included). Every path must fail cleanly or decode; decoded
// UPDATEs are re-encoded, re-parsed and normalized to exercise the encoder and the AS4 merge too, then applied to a
// RIB (announce/withdraw each NLRI, look every prefix up, clear) to exercise interning and both LPM tables.
#include "probes/bgp/message.hpp"
#include "probes/bgp/rib.hpp"

#include <cstddef>
#include <cstdint>
#include <memory>

namespace {

void feed_rib(const flowlab::bgp::Update& u, const flowlab::bgp::UpdateVerdict& verdict, bool four_octet) {
  using namespace flowlab::bgp;
  static auto store = std::make_shared<AttrStore>();
  static Rib rib(store);  // one RIB for the process (its 64 MiB IPv4 table is mapped once), cleared per input
  std::shared_ptr<const PathAttributes> attrs;
  if (!verdict.treat_as_withdraw) {
    attrs = std::make_shared<const PathAttributes>(u.route_attributes(four_octet));
  }
  auto each = [&](const auto& f) {
    for (const auto& n : u.nlri) f(n);
    if (u.attrs.mp_reach) {
      for (const auto& n : u.attrs.mp_reach->nlri) f(n);
    }
  };
  each([&](const Nlri& n) { rib.apply(n.prefix, n.path_id, attrs); });
  each([&](const Nlri& n) {
    const auto hit = rib.lookup(n.prefix.canonical().address);
    if (attrs && !hit) {
      __builtin_trap();  // an announced prefix must match itself
    }
    (void)rib.paths(n.prefix);
  });
  for (const auto& n : u.withdrawn) rib.withdraw(n.prefix, n.path_id);
  if (u.attrs.mp_unreach) {
    for (const auto& n : u.attrs.mp_unreach->withdrawn) rib.withdraw(n.prefix, n.path_id);
  }
  std::size_t routes = 0;
  rib.for_each([&routes](const RibRoute&) { ++routes; });
  if (routes != rib.size()) {
    __builtin_trap();
  }
  rib.clear();
  if (store->size() != 0) {
    __builtin_trap();  // every reference released
  }
}

}  // namespace

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
        feed_rib(update->update, update->verdict, ctx.four_octet_as);
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
