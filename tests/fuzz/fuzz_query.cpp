// libFuzzer target: the collector query protocol, both ends. Each input line is (1) a request to a Collector's
// dispatcher (handle_query, as the query socket hands it over: only JSON objects reach it), whose answer must
// serialise and render on the client side, and (2) a response as `flowcollector query` / `labctl flows` render
// it in each format. The collector holds two aggregates filled from one NetFlow v5 datagram.
#include "probes/collector/collector.hpp"
#include "probes/collector/config.hpp"
#include "probes/collector/query.hpp"
#include "tests/fuzz/text_input.hpp"

#include <boost/asio/io_context.hpp>

#include <array>
#include <cstdlib>
#include <memory>
#include <string_view>
#include <vector>

namespace {

using flowlab::collector::QueryFormat;
using flowlab::collector::QueryOptions;

constexpr std::string_view kConfig = R"(aggregates:
  - {name: in, primitives: [src_host, dst_host, src_port, dst_port, proto]}
  - {name: out, primitives: "dst_as, as_path"}
)";

// One NetFlow v5 datagram, one record: 192.0.2.1:1000 -> 198.51.100.1:80 TCP, 3 packets, 300 bytes.
std::vector<std::byte> v5_datagram() {
  const std::array<std::uint8_t, 72> bytes{
      0,   5,    0,    1, 0,   0,  0x10, 0, 0x65, 0x53, 0xf1, 0,
      0,   0,    0,    0, 0,   0,  0,    1, 0,    0,    0,    0,  // header
      192, 0,    2,    1, 198, 51, 100,  1, 0,    0,    0,    0,
      0,   1,    0,    2, 0,   0,  0,    3, 0,    0,    1,    0x2c,  // addrs, if, pkts, bytes
      0,   0,    0x0f, 0, 0,   0,  0x10, 0, 0x03, 0xe8, 0,    80,
      0,   0x18, 6,    0, 0,   0,  0,    0, 24,   24,   0,    0};
  std::vector<std::byte> out;
  for (auto b : bytes) {
    out.push_back(static_cast<std::byte>(b));
  }
  return out;
}

flowlab::collector::Collector& collector() {
  static boost::asio::io_context io;
  static std::unique_ptr<flowlab::collector::Collector> instance = [] {
    auto config = flowlab::collector::parse_config(kConfig, "fuzz.yaml");
    if (!config.ok()) {
      std::abort();
    }
    auto c = flowlab::collector::Collector::create(io, *config);
    if (!c.ok()) {
      std::abort();
    }
    return std::move(*c);
  }();
  return *instance;
}

void render_all_ways(const nlohmann::json& response) {
  for (auto format : {QueryFormat::kTable, QueryFormat::kCsv, QueryFormat::kJson}) {
    QueryOptions table;
    table.format = format;
    (void)flowlab::collector::render_response(table, response);
    QueryOptions counters = table;
    counters.counters = true;
    (void)flowlab::collector::render_response(counters, response);
    QueryOptions peers = table;
    peers.bgp_peers = true;
    (void)flowlab::collector::render_response(peers, response);
  }
  QueryOptions dump;
  dump.bgp_dump = "r1";
  (void)flowlab::collector::render_response(dump, response);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  auto& c = collector();
  static const std::vector<std::byte> kDatagram = v5_datagram();
  (void)c.handle_query({{"cmd", "clear"}});  // every input starts from the same tables
  c.on_datagram(kDatagram, flowlab::IpAddress::v4(0xc00002faU), 2055, 1700000000000ULL);
  std::string_view text = flowlab::fuzz::as_text(data, size);
  while (!text.empty()) {
    const auto eol = text.find('\n');
    const std::string_view line = text.substr(0, eol);
    text = eol == std::string_view::npos ? std::string_view() : text.substr(eol + 1);
    const auto parsed = nlohmann::json::parse(line, nullptr, false);
    if (parsed.is_discarded()) {
      continue;
    }
    if (parsed.is_object()) {
      const auto answer = c.handle_query(parsed);
      (void)answer.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
      render_all_ways(answer);
    }
    render_all_ways(parsed);
  }
  return 0;
}
