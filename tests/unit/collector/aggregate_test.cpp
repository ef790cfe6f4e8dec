// Aggregates: binary keys, counters, filters, interned AS paths, clear; and a small add() throughput figure.
#include "probes/collector/aggregate.hpp"

#include "tests/unit/collector/test_rib.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <random>

namespace flowlab::collector {
namespace {

using test::addr;
using test::prefix;

wire::FlowRecord rec(const char* src, const char* dst, std::uint64_t packets, std::uint64_t bytes) {
  wire::FlowRecord r;
  r.src_addr = addr(src);
  r.dst_addr = addr(dst);
  r.protocol = 17;
  r.src_port = 1000;
  r.dst_port = 53;
  r.packets = packets;
  r.bytes = bytes;
  r.exporter = addr("192.0.2.1");
  return r;
}

TEST(Aggregate, CreateRejectsBadSpecs) {
  EXPECT_FALSE(Aggregate::create({"x", {}, ""}).ok());
  EXPECT_FALSE(Aggregate::create({"x", {Primitive::kSrcAs, Primitive::kSrcAs}, ""}).ok());
  auto bad = Aggregate::create({"in", {Primitive::kSrcAs}, "dst net 1.2.3.4/99"});
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.error().message, "aggregate in: filter: col 9: bad prefix '1.2.3.4/99'");
  EXPECT_FALSE(parse_primitive("src_ass").ok());
  EXPECT_EQ(parse_primitive("src_ass").error().message,
            "unknown aggregation primitive 'src_ass' (did you mean 'src_as'?)");
  EXPECT_EQ(*parse_primitives("src_as, dst_as peer_src_as,as_path"),
            (std::vector<Primitive>{Primitive::kSrcAs, Primitive::kDstAs, Primitive::kPeerSrcAs, Primitive::kAsPath}));
}

TEST(Aggregate, SumsByKeyWithFilter) {
  BgpTables tables;
  bgp::PeerInfo peer;
  peer.address = addr("192.0.2.1");
  tables.apply(peer, bgp::RouteEvent{prefix("198.51.100.0/24"), 0, test::attrs({"65530 65533", "192.0.2.254"})});
  tables.apply(peer,
               bgp::RouteEvent{prefix("198.51.101.0/24"), 0, test::attrs({"65530 {65535,65534}", "192.0.2.253"})});
  Enricher enricher(tables, EnrichConfig{});
  auto agg = Aggregate::create({"out", *parse_primitives("dst_as, as_path, peer_dst_ip"), "dst net 198.51.0.0/16"});
  ASSERT_TRUE(agg.ok());
  const std::vector<wire::FlowRecord> records{
      rec("203.0.113.1", "198.51.100.1", 1, 100), rec("203.0.113.2", "198.51.100.2", 2, 200),
      rec("203.0.113.3", "198.51.101.3", 4, 400), rec("203.0.113.4", "198.51.200.4", 8, 800),  // no route
      rec("203.0.113.5", "10.0.0.1", 16, 1600),                                                // filtered out
  };
  for (const auto& r : records) {
    agg->add(enricher.enrich(r));
  }
  EXPECT_EQ(agg->filtered_out(), 1U);
  const auto rows = agg->rows();
  ASSERT_EQ(rows.size(), 3U);
  EXPECT_EQ(rows[0].values, (std::vector<std::string>{"65533", "65530_65533", "192.0.2.254"}));
  EXPECT_EQ(rows[0].packets, 3U);
  EXPECT_EQ(rows[0].bytes, 300U);
  EXPECT_EQ(rows[0].flows, 2U);
  EXPECT_EQ(rows[1].values, (std::vector<std::string>{"65535", "65530_{65534,65535}", "192.0.2.253"}));
  EXPECT_EQ(rows[2].values, (std::vector<std::string>{"0", "", ""}));
  EXPECT_EQ(rows[2].packets, 8U);

  // Rows survive the routes they came from (AS paths are interned by value in the aggregate).
  tables.peer_down(peer);
  EXPECT_EQ(agg->rows()[1].values[1], "65530_{65534,65535}");
  agg->clear();
  EXPECT_EQ(agg->size(), 0U);
  EXPECT_TRUE(agg->rows().empty());
  agg->add(enricher.enrich(records[0]));
  EXPECT_EQ(agg->rows()[0].values, (std::vector<std::string>{"0", "", ""}));
}

// The aggregate keys AS paths by value while it caches them by object: a route replaced by one with another path
// (the old path's object freed by the store, its memory free for the new one) gets its own row, never the old one's.
TEST(Aggregate, AReplacedPathGetsItsOwnRow) {
  BgpTables tables;
  bgp::PeerInfo peer;
  peer.address = addr("192.0.2.1");
  Enricher enricher(tables, EnrichConfig{});
  auto agg = Aggregate::create({"p", *parse_primitives("as_path"), ""});
  ASSERT_TRUE(agg.ok());
  constexpr std::size_t kPaths = 50;
  for (std::size_t i = 0; i <= kPaths; ++i) {
    const std::string path = "65530 " + std::to_string(64512 + i % kPaths);
    tables.apply(peer, bgp::RouteEvent{prefix("198.51.100.0/24"), 0, test::attrs({path, "192.0.2.254"})});
    agg->add(enricher.enrich(rec("203.0.113.1", "198.51.100.1", 1, 100)));
  }
  const auto rows = agg->rows();
  ASSERT_EQ(rows.size(), kPaths);
  for (std::size_t i = 0; i < kPaths; ++i) {
    EXPECT_EQ(rows[i].values[0], "65530_" + std::to_string(64512 + i));
    EXPECT_EQ(rows[i].packets, i == 0 ? 2U : 1U);
  }
}

// AS paths are keyed by their id in the tables' AttrStore. Equal paths held by different objects (two stores: the
// second is pinned by content) give one row; distinct paths distinct rows; the texts print from the store.
TEST(Aggregate, EqualPathsOfDifferentObjectsShareARow) {
  BgpTables first;
  BgpTables second;  // its own AttrStore: its path objects are not the first's
  bgp::PeerInfo peer;
  peer.address = addr("192.0.2.1");
  for (BgpTables* t : {&first, &second}) {
    t->apply(peer, bgp::RouteEvent{prefix("198.51.100.0/24"), 0, test::attrs({"65001 {65003,65002}", "192.0.2.254"})});
    t->apply(peer, bgp::RouteEvent{prefix("203.0.113.0/24"), 0, test::attrs({"65001 65009", "192.0.2.254"})});
  }
  const auto a = first.rib(peer.address).lookup(addr("198.51.100.1"));
  const auto b = second.rib(peer.address).lookup(addr("198.51.100.1"));
  ASSERT_TRUE(a && b);
  ASSERT_NE(a->attrs->as_path.get(), b->attrs->as_path.get());
  Enricher from_first(first, EnrichConfig{});
  Enricher from_second(second, EnrichConfig{});
  auto agg = Aggregate::create({"p", *parse_primitives("as_path src_as_path"), ""});
  ASSERT_TRUE(agg.ok());
  agg->add(from_first.enrich(rec("203.0.113.1", "198.51.100.1", 1, 100)));
  agg->add(from_second.enrich(rec("203.0.113.1", "198.51.100.1", 2, 100)));
  agg->add(from_second.enrich(rec("198.51.100.1", "203.0.113.1", 4, 100)));
  agg->add(from_first.enrich(rec("198.51.100.1", "203.0.113.1", 8, 100)));
  agg->add(from_second.enrich(rec("192.0.2.9", "203.0.113.1", 16, 100)));  // no source route: ""
  const auto rows = agg->rows();
  ASSERT_EQ(rows.size(), 3U);
  EXPECT_EQ(rows[0].values, (std::vector<std::string>{"65001_{65002,65003}", "65001_65009"}));
  EXPECT_EQ(rows[0].packets, 3U);
  EXPECT_EQ(rows[1].values, (std::vector<std::string>{"65001_65009", "65001_{65002,65003}"}));
  EXPECT_EQ(rows[1].packets, 12U);
  EXPECT_EQ(rows[2].values, (std::vector<std::string>{"65001_65009", ""}));
  EXPECT_EQ(rows[2].packets, 16U);
}

// A row pins its path's id: withdrawn from every route, the path stays in the store under its id, so a path
// interned meanwhile gets another id (no alias: its own row), and the path announced again finds its old id and row.
// clear() gives the pins back and the store lets the withdrawn path go.
TEST(Aggregate, AWithdrawnPathKeepsItsIdWhileARowHoldsIt) {
  BgpTables tables;
  bgp::PeerInfo peer;
  peer.address = addr("192.0.2.1");
  const auto p = prefix("198.51.100.0/24");
  Enricher enricher(tables, EnrichConfig{});
  auto agg = Aggregate::create({"p", *parse_primitives("as_path"), ""});
  ASSERT_TRUE(agg.ok());
  const auto flow = rec("203.0.113.1", "198.51.100.1", 1, 100);
  tables.apply(peer, bgp::RouteEvent{p, 0, test::attrs({"65001 65002", "192.0.2.254"})});
  const std::uint32_t first_id = tables.rib(peer.address).lookup(addr("198.51.100.1"))->attrs->path_index;
  agg->add(enricher.enrich(flow));
  tables.apply(peer, bgp::RouteEvent{p, 0, nullptr});
  agg->add(enricher.enrich(flow));  // no route now
  for (std::uint32_t i = 0; i < 20; ++i) {
    tables.apply(peer, bgp::RouteEvent{p, 0, test::attrs({"65001 " + std::to_string(65100 + i), "192.0.2.254"})});
    EXPECT_NE(tables.rib(peer.address).lookup(addr("198.51.100.1"))->attrs->path_index, first_id);
    agg->add(enricher.enrich(flow));
  }
  EXPECT_EQ(tables.store().size(), 1U);         // the route's set (the Rib's last interned one)
  EXPECT_EQ(tables.store().path_count(), 21U);  // and every path a row holds
  EXPECT_NE(tables.store().path_at(first_id), nullptr);
  tables.apply(peer, bgp::RouteEvent{p, 0, test::attrs({"65001 65002", "192.0.2.254"})});
  EXPECT_EQ(tables.rib(peer.address).lookup(addr("198.51.100.1"))->attrs->path_index, first_id);
  agg->add(enricher.enrich(flow));
  const auto rows = agg->rows();
  ASSERT_EQ(rows.size(), 22U);
  EXPECT_EQ(rows[0].values[0], "65001_65002");
  EXPECT_EQ(rows[0].packets, 2U);
  EXPECT_EQ(rows[1].values[0], "");
  for (std::uint32_t i = 0; i < 20; ++i) {
    EXPECT_EQ(rows[2 + i].values[0], "65001_" + std::to_string(65100 + i));
    EXPECT_EQ(rows[2 + i].packets, 1U);
  }
  agg->clear();
  EXPECT_EQ(tables.store().path_count(), 1U);  // the route's: no path is left that only a pin held
  EXPECT_EQ(tables.store().path_at(first_id),
            tables.rib(peer.address).lookup(addr("198.51.100.1"))->attrs->as_path.get());
}

// A batch keys its new AS paths first and pins them together at its end (AttrStore::pin_paths): after add(span)
// returns every path a row holds keeps its id through a withdrawal of all its routes, an empty path keys as none,
// and clear() gives back exactly the pins taken — also when one batch keys a new id of the aggregate's store and
// then meets the same path by content from another store.
TEST(Aggregate, ABatchPinsItsNewPathsAtItsEnd) {
  BgpTables tables;
  BgpTables other;
  bgp::PeerInfo peer;
  peer.address = addr("192.0.2.1");
  const auto net = [](std::size_t i) { return prefix("198.51." + std::to_string(100 + i) + ".0/24"); };
  const std::vector<std::string> paths{"65001 65002", "65001 65003", "", "65001 65004"};
  for (std::size_t i = 0; i < paths.size(); ++i) {
    tables.apply(peer, bgp::RouteEvent{net(i), 0, test::attrs({paths[i], "192.0.2.254"})});
  }
  Enricher enricher(tables, EnrichConfig{});
  auto agg = Aggregate::create({"p", *parse_primitives("as_path dst_net"), ""});
  ASSERT_TRUE(agg.ok());
  std::vector<wire::FlowRecord> records;
  for (std::size_t i = 0; i < 5; ++i) {
    records.push_back(rec("203.0.113.1", ("198.51." + std::to_string(100 + i) + ".1").c_str(), 1, 100));
  }
  std::vector<EnrichedFlow> flows;
  enricher.enrich(std::span(records).first(4), flows);
  agg->add(flows);
  for (std::size_t i = 0; i < paths.size(); ++i) {  // every route withdrawn, then new paths interned
    tables.apply(peer, bgp::RouteEvent{net(i), 0, nullptr});
  }
  for (std::uint32_t i = 0; i < 8; ++i) {
    tables.apply(peer, bgp::RouteEvent{net(0), 0, test::attrs({"65009 " + std::to_string(65100 + i), "192.0.2.254"})});
  }
  EXPECT_EQ(tables.store().path_count(), 5U);  // the route's path and the four the rows hold (the empty one too)
  auto rows = agg->rows();
  ASSERT_EQ(rows.size(), 4U);
  EXPECT_EQ(rows[0].values, (std::vector<std::string>{"65001_65002", "198.51.100.0"}));
  EXPECT_EQ(rows[1].values[0], "65001_65003");
  EXPECT_EQ(rows[2].values[0], "");
  EXPECT_EQ(rows[3].values[0], "65001_65004");

  tables.apply(peer, bgp::RouteEvent{net(4), 0, test::attrs({"65001 65005", "192.0.2.254"})});
  other.apply(peer, bgp::RouteEvent{net(4), 0, test::attrs({"65001 65005", "192.0.2.253"})});
  Enricher from_other(other, EnrichConfig{});
  enricher.enrich(std::span(records).subspan(4), flows);
  flows.push_back(from_other.enrich(records[4]));  // the same path, by content
  agg->add(flows);
  EXPECT_EQ(tables.store().path_count(), 6U);
  rows = agg->rows();
  ASSERT_EQ(rows.size(), 5U);
  EXPECT_EQ(rows[4].values, (std::vector<std::string>{"65001_65005", "198.51.104.0"}));
  EXPECT_EQ(rows[4].packets, 2U);
  tables.apply(peer, bgp::RouteEvent{net(4), 0, nullptr});
  // net(0)'s route replaced (the Rib keeps its last interned set: this one now, not net(4)'s)
  tables.apply(peer, bgp::RouteEvent{net(0), 0, test::attrs({"65009 65200", "192.0.2.254"})});
  EXPECT_EQ(tables.store().path_count(), 6U);  // 65001 65005 still held by its row
  agg->clear();
  EXPECT_EQ(tables.store().path_count(), 1U);  // only the route's: every pin given back, none twice
}

// A path object of another store is keyed by content once, then by its address; the cache entry holds the object,
// so the address cannot come back as another path's while it is cached (a freed, reallocated address would alias).
TEST(Aggregate, AForeignPathObjectIsHeldWhileItsKeyIsCached) {
  BgpTables own;
  BgpTables other;  // its own AttrStore: its path objects are foreign to the aggregate's (own's) store
  bgp::PeerInfo peer;
  peer.address = addr("192.0.2.1");
  const auto p = prefix("198.51.100.0/24");
  own.apply(peer, bgp::RouteEvent{p, 0, test::attrs({"65001 65002", "192.0.2.254"})});
  other.apply(peer, bgp::RouteEvent{p, 0, test::attrs({"65001 65003", "192.0.2.254"})});
  Enricher from_own(own, EnrichConfig{});
  Enricher from_other(other, EnrichConfig{});
  auto agg = Aggregate::create({"p", *parse_primitives("as_path"), ""});
  ASSERT_TRUE(agg.ok());
  const auto flow = rec("203.0.113.1", "198.51.100.1", 1, 100);
  agg->add(from_own.enrich(flow));
  const std::weak_ptr<const bgp::AsPath> held = other.rib(peer.address).lookup(addr("198.51.100.1"))->attrs->as_path;
  agg->add(from_other.enrich(flow));
  agg->add(from_other.enrich(flow));
  other.apply(peer, bgp::RouteEvent{p, 0, nullptr});  // withdrawn: the other store lets its path object go
  EXPECT_FALSE(held.expired());                       // but the cache still holds it
  for (std::uint32_t i = 0; i < 20; ++i) {
    other.apply(peer, bgp::RouteEvent{p, 0, test::attrs({"65001 " + std::to_string(65100 + i), "192.0.2.254"})});
    agg->add(from_other.enrich(flow));
  }
  const auto rows = agg->rows();
  ASSERT_EQ(rows.size(), 22U);
  EXPECT_EQ(rows[0].values[0], "65001_65002");
  EXPECT_EQ(rows[1].values[0], "65001_65003");
  EXPECT_EQ(rows[1].packets, 2U);
  for (std::uint32_t i = 0; i < 20; ++i) {
    EXPECT_EQ(rows[2 + i].values[0], "65001_" + std::to_string(65100 + i));
  }
  agg->clear();
  EXPECT_TRUE(held.expired());
}

// visit_row: numbers as numbers, everything else as the text rows() prints; the flow is not counted.
TEST(Aggregate, VisitRowGivesNumbersAndTheTextRowsPrint) {
  BgpTables tables;
  bgp::PeerInfo peer;
  peer.address = addr("192.0.2.1");
  tables.apply(peer, bgp::RouteEvent{prefix("198.51.100.0/24"), 0, test::attrs({"65001 65002", "192.0.2.254"})});
  Enricher enricher(tables, EnrichConfig{});
  auto agg = Aggregate::create({"v", *parse_primitives("src_host dst_port dst_as as_path proto"), ""});
  ASSERT_TRUE(agg.ok());
  struct Sink : ValueSink {
    std::vector<std::string> got;
    void number(std::uint64_t v) override { got.push_back("#" + std::to_string(v)); }
    void text(std::string_view t) override { got.emplace_back(t); }
  } sink;
  const wire::FlowRecord record = rec("203.0.113.1", "198.51.100.1", 1, 100);
  const auto flow = enricher.enrich(record);  // points at `record`
  agg->visit_row(flow, sink);
  EXPECT_EQ(sink.got, (std::vector<std::string>{"203.0.113.1", "#53", "#65002", "65001_65002", "udp"}));
  EXPECT_EQ(agg->size(), 0U);
  agg->add(flow);
  ASSERT_EQ(agg->size(), 1U);
  EXPECT_EQ(agg->rows()[0].values, (std::vector<std::string>{"203.0.113.1", "53", "65002", "65001_65002", "udp"}));
}

// `direction` (IE 61): an ingress and an egress observation of the same packets stay two rows; without the
// primitive they merge (twice the packets); a record that does not say is "unknown".
TEST(Aggregate, DirectionKeepsObservationsApart) {
  BgpTables tables;
  Enricher enricher(tables, EnrichConfig{});
  wire::FlowRecord in = rec("203.0.113.1", "198.51.100.1", 5, 500);
  in.input_ifindex = 2;
  in.output_ifindex = 3;
  in.direction = wire::FlowDirection::kIngress;
  wire::FlowRecord out = in;
  out.direction = wire::FlowDirection::kEgress;
  wire::FlowRecord unknown = in;
  unknown.direction = wire::FlowDirection::kUnknown;
  auto with = Aggregate::create({"d", *parse_primitives("in_iface out_iface direction"), ""});
  auto without = Aggregate::create({"n", *parse_primitives("in_iface out_iface"), ""});
  ASSERT_TRUE(with.ok());
  ASSERT_TRUE(without.ok());
  for (const auto& r : {in, out, unknown}) {
    with->add(enricher.enrich(r));
    without->add(enricher.enrich(r));
  }
  const auto rows = with->rows();
  ASSERT_EQ(rows.size(), 3U);
  std::vector<std::string> seen;
  for (const auto& row : rows) {
    EXPECT_EQ(row.packets, 5U);
    seen.push_back(row.values[2]);
  }
  std::sort(seen.begin(), seen.end());
  EXPECT_EQ(seen, (std::vector<std::string>{"egress", "ingress", "unknown"}));
  ASSERT_EQ(without->rows().size(), 1U);
  EXPECT_EQ(without->rows()[0].packets, 15U);
  EXPECT_EQ(info(Primitive::kDirection).json_key, "direction");
  EXPECT_EQ(info(Primitive::kDirection).kind, ValueKind::kString);
}

TEST(Aggregate, ManyKeysGrowAndStayExact) {
  auto agg = Aggregate::create({"hosts", *parse_primitives("src_host dst_host src_port"), ""});
  ASSERT_TRUE(agg.ok());
  BgpTables tables;
  Enricher enricher(tables, EnrichConfig{});
  wire::FlowRecord r = rec("10.0.0.1", "10.1.0.1", 1, 10);
  for (int round = 0; round < 3; ++round) {
    for (std::uint32_t i = 0; i < 50000; ++i) {
      r.src_addr = IpAddress::v4(0x0a000000U + i);
      r.src_port = static_cast<std::uint16_t>(i % 7U);
      agg->add(enricher.enrich(r));
    }
  }
  ASSERT_EQ(agg->size(), 50000U);
  for (const auto& row : agg->rows()) {
    ASSERT_EQ(row.packets, 3U);
    ASSERT_EQ(row.bytes, 30U);
  }
}

// Not a timed test: prints enrich + add throughput on a 100k-route view (the real figure is
// tests/bench/collector_throughput).
// A datagram's records as one batch (Enricher::enrich(span), Aggregate::add(span)) give the rows record-by-record
// processing gives: same values, counters, order and filtered count, with unrouted addresses and repeated keys.
TEST(Aggregate, BatchEqualsOneByOne) {
  BgpTables tables;
  bgp::PeerInfo peer;
  peer.address = addr("192.0.2.1");
  const std::vector<std::string> paths{"65001 65002", "65001 {65004,65003}", "(65005) 65006", ""};
  for (std::uint32_t i = 0; i < 32; ++i) {
    tables.apply(peer, bgp::RouteEvent{Prefix{IpAddress::v4(0xc6330000U | (i << 8U)), 24}, 0,
                                       test::attrs({paths[i % paths.size()], "192.0.2.254"})});
  }
  Enricher enricher(tables, EnrichConfig{});
  const auto spec =
      AggregateSpec{"b", *parse_primitives("src_as dst_as peer_dst_as peer_dst_ip as_path src_net proto"), "proto udp"};
  auto one = Aggregate::create(spec);
  auto batch = Aggregate::create(spec);
  ASSERT_TRUE(one.ok() && batch.ok());
  std::mt19937 rng(3);
  std::vector<wire::FlowRecord> records(40);
  for (auto& r : records) {
    r = rec("1.1.1.1", "2.2.2.2", 1 + static_cast<std::uint64_t>(rng() % 5), 100);
    r.src_addr = IpAddress::v4(0xc6330000U | ((static_cast<std::uint32_t>(rng()) % 40U) << 8U) |
                               7U);  // /24s 32..39 are unrouted
    r.dst_addr = IpAddress::v4(0xc6330000U | ((static_cast<std::uint32_t>(rng()) % 40U) << 8U) | 9U);
    r.protocol = rng() % 4 == 0 ? 6 : 17;
  }
  std::vector<EnrichedFlow> flows;
  for (int round = 0; round < 3; ++round) {
    for (const auto& r : records) {
      one->add(enricher.enrich(r));
    }
    enricher.enrich(records, flows);
    batch->add(flows);
  }
  const auto a = one->rows();
  const auto b = batch->rows();
  ASSERT_EQ(a.size(), b.size());
  ASSERT_GT(a.size(), 5U);
  for (std::size_t i = 0; i < a.size(); ++i) {
    EXPECT_EQ(a[i].values, b[i].values);
    EXPECT_EQ(a[i].packets, b[i].packets);
  }
  EXPECT_EQ(one->filtered_out(), batch->filtered_out());
  EXPECT_GT(batch->filtered_out(), 0U);
}

TEST(Aggregate, ThroughputFigure) {
  BgpTables tables;
  bgp::PeerInfo peer;
  peer.address = addr("192.0.2.1");
  std::mt19937 rng(7);
  const std::vector<std::string> paths{"65001 65002", "65001 65003 65004", "65005", "65006 65007 65008 65009"};
  for (int i = 0; i < 100000; ++i) {
    const std::uint32_t a = (rng() & 0xffffff00U) | 0x01000000U;
    const auto len = static_cast<std::uint8_t>(16 + rng() % 9);
    tables.apply(peer,
                 bgp::RouteEvent{Prefix{IpAddress::v4(a), len}.canonical(), 0,
                                 test::attrs({paths[static_cast<std::size_t>(i) % paths.size()], "192.0.2.254"})});
  }
  Enricher enricher(tables, EnrichConfig{});
  auto agg = Aggregate::create(
      {"peers", *parse_primitives("src_as dst_as peer_src_as peer_dst_as peer_dst_ip as_path src_as_path"), ""});
  ASSERT_TRUE(agg.ok());
  // Flows between 4096 /24s (traffic has locality; fully random addresses over a sparse 64 MiB DIR-24-8 table
  // measure page walks, see tests/bench/lpm for that).
  std::vector<std::uint32_t> nets(4096);
  for (auto& n : nets) {
    n = static_cast<std::uint32_t>(rng()) & 0xffffff00U;
  }
  std::vector<wire::FlowRecord> records(1 << 16);
  for (auto& r : records) {
    r = rec("1.1.1.1", "2.2.2.2", 1, 100);
    r.src_addr = IpAddress::v4(nets[rng() % nets.size()] | (rng() & 0xffU));
    r.dst_addr = IpAddress::v4(nets[rng() % nets.size()] | (rng() & 0xffU));
  }
  constexpr std::size_t kAdds = 2'000'000;
  EnrichedFlow flow;
  const auto t0 = std::chrono::steady_clock::now();
  for (std::size_t i = 0; i < kAdds; ++i) {
    enricher.enrich(records[i & (records.size() - 1)], flow);
    agg->add(flow);
  }
  const double s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  std::printf("enrich+add: %.2f M records/s (%zu keys, key %zu bytes)\n", static_cast<double>(kAdds) / s / 1e6,
              agg->size(), agg->key_width());
  EXPECT_GT(agg->size(), 1U);
}

// clear() keeps the slot table's size (the next interval holds about as many rows): after it, rows are counted from
// zero, keys found again, and the table grows past its old size when it must.
TEST(Aggregate, ClearKeepsTheTableAndCountsAfresh) {
  auto agg = Aggregate::create({"a", *parse_primitives("src_port dst_port"), ""});
  ASSERT_TRUE(agg.ok()) << agg.error().message;
  const auto add = [&](std::uint16_t src, std::uint16_t dst, std::uint64_t packets) {
    wire::FlowRecord r;
    r.src_port = src;
    r.dst_port = dst;
    EnrichedFlow f;
    f.record = &r;
    f.packets = packets;
    f.flows = 1;
    agg->add(f);
  };
  for (std::uint16_t i = 0; i < 5000; ++i) {
    add(i, 80, 1);
  }
  EXPECT_EQ(agg->size(), 5000U);
  for (int round = 0; round < 2; ++round) {
    agg->clear();
    EXPECT_EQ(agg->size(), 0U);
    for (std::uint16_t i = 0; i < 300; ++i) {
      add(i, 443, 2);
      add(i, 443, 3);
    }
    const auto rows = agg->rows();
    ASSERT_EQ(rows.size(), 300U);
    for (std::uint16_t i = 0; i < 300; ++i) {
      EXPECT_EQ(rows[i].values, (std::vector<std::string>{std::to_string(i), "443"}));
      EXPECT_EQ(rows[i].packets, 5U);
      EXPECT_EQ(rows[i].flows, 2U);
    }
  }
  for (std::uint16_t i = 0; i < 20000; ++i) {  // past the size the table kept
    add(i, 53, 1);
  }
  EXPECT_EQ(agg->size(), 20300U);
  add(19999, 53, 1);
  EXPECT_EQ(agg->size(), 20300U);
  EXPECT_EQ(agg->rows().back().packets, 2U);
}

}  // namespace
}  // namespace flowlab::collector
