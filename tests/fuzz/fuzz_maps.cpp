// libFuzzer target: the collector's pmacct map files — bgp_agent_map and bgp_peer_src_as_map — on the same input
// (one syntax, two parsers), each parsed map then looked up.
#include "probes/collector/agent_map.hpp"
#include "probes/collector/peer_src_map.hpp"
#include "tests/fuzz/text_input.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using flowlab::IpAddress;
  const auto text = flowlab::fuzz::as_text(data, size);
  const IpAddress v4 = IpAddress::v4(0xc0000201U);
  if (auto agents = flowlab::collector::AgentMap::parse(text, "agents.map"); agents.ok()) {
    (void)agents->lookup(v4);
  }
  if (auto peers = flowlab::collector::PeerSrcAsMap::parse(text, "peers.map"); peers.ok()) {
    (void)peers->lookup(v4, 3);
  }
  return 0;
}
