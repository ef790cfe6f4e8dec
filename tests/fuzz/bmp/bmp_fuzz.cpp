// libFuzzer target for the BMP station: the input is a BMP stream, fed to a bmp::Feed in two pieces (split at the
// first byte's value) so framing across reads is exercised; every message must parse or fail cleanly, and the
// route changes it yields are applied to a RIB that must stay consistent. Each parsed message is also re-encoded
// and re-parsed (bmp::encode), which must succeed.
#include "probes/bgp/rib.hpp"
#include "probes/bmp/encode.hpp"
#include "probes/bmp/feed.hpp"

#include <cstddef>
#include <cstdint>
#include <memory>

namespace {

using namespace flowlab;

void check_round_trip(Bytes message) {
  auto parsed = bmp::parse_message(message);
  if (!parsed) {
    return;
  }
  const auto again = bmp::encode(*parsed);
  if (!bmp::parse_message(Bytes(again)).ok()) {
    __builtin_trap();
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  static auto store = std::make_shared<bgp::AttrStore>();
  static bgp::Rib rib(store);
  bmp::Feed::Handlers h;
  h.routes = [](const bmp::PeerHeader&, bmp::RibKind, const bgp::RouteBatch& b) {
    rib.apply(b.withdrawn, b.announced, b.attrs);
  };
  bmp::Feed feed(h);
  const auto bytes = std::as_bytes(std::span<const std::uint8_t>(data, size));
  const std::size_t split = size == 0 ? 0 : std::to_integer<std::size_t>(bytes[0]) % (size + 1);
  if (feed.feed(bytes.subspan(0, split)).ok()) {
    (void)feed.feed(bytes.subspan(split));
  }
  for (std::size_t at = 0; at < size;) {
    auto length = bmp::peek_length(bytes.subspan(at));
    if (!length || *length == 0 || *length > size - at) {
      break;
    }
    check_round_trip(bytes.subspan(at, *length));
    at += *length;
  }
  std::size_t routes = 0;
  rib.for_each([&routes](const bgp::RibRoute&) { ++routes; });
  if (routes != rib.size()) {
    __builtin_trap();
  }
  rib.clear();
  if (store->size() != 0) {
    __builtin_trap();
  }
  return 0;
}
