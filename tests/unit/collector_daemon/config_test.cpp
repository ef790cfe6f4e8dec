// flowcollector.yaml: a full valid file, and a table of invalid ones with their exact diagnostics.
#include "probes/collector/config.hpp"

#include <gtest/gtest.h>

#include <fstream>
#include <map>
#include <string>
#include <vector>

namespace flowlab::collector {
namespace {

constexpr const char* kFull = R"(# every section
log: {level: debug}
listen:
  - {proto: netflow, address: 0.0.0.0, port: 2100}
  - {proto: sflow, address: "::", port: 6343}
socket_buffer: 8MiB
bgp:
  local_as: 64500
  router_id: 198.19.128.10
  listen: [{address: 198.19.128.10, port: 179}]
  peers: [{address: 198.19.128.1, asn: 64500, name: r1, active: false}]
  table_dump: {path: /tmp/bgp-%peer.jsonl, interval: 60s}
enrich:
  as: bgp
  peer_src_as: map
  peer_src_as_map: /tmp/peers.map
  agent_map: /tmp/agents.map
  renormalize: false
outputs:
  socket: /tmp/c1.sock
  files: [{aggregate: in, format: csv, path: /tmp/in-%Y%m%d-%H%M.csv, interval: 30s}]
  sqlite: {path: /tmp/flows.db, interval: 1m}
aggregates:
  - {name: in, primitives: [src_host, dst_host, src_as, peer_src_as, peer_src_ip, src_as_path], filter: "dst net 192.0.2.0/24"}
  - {name: out, primitives: "dst_as, as_path"}
tee:
  - {name: t1, receivers: /tmp/receivers.lst, balance: hash-agent, transparent: true}
)";

TEST(CollectorConfig, ParsesEverySection) {
  auto c = parse_config(kFull, "c.yaml");
  ASSERT_TRUE(c.ok()) << c.error().message;
  EXPECT_EQ(c->log_level, "debug");
  ASSERT_EQ(c->listen.size(), 2U);
  EXPECT_EQ(c->listen[0].proto, ListenProto::kNetflow);
  EXPECT_EQ(c->listen[0].port, 2100);
  EXPECT_EQ(c->listen[1].proto, ListenProto::kSflow);
  EXPECT_EQ(c->listen[1].address.to_string(), "::");
  EXPECT_EQ(c->socket_buffer, 8U * 1024U * 1024U);
  EXPECT_TRUE(c->bgp.enabled);
  EXPECT_EQ(c->bgp.local_as, 64500U);
  EXPECT_EQ(c->bgp.router_id->to_string(), "198.19.128.10");
  ASSERT_EQ(c->bgp.peers.size(), 1U);
  EXPECT_EQ(c->bgp.peers[0].name, "r1");
  EXPECT_EQ(c->bgp.peers[0].asn, 64500U);
  EXPECT_EQ(c->bgp.table_dump_interval, std::chrono::seconds(60));
  EXPECT_EQ(c->enrich.peer_src_as, PeerSrcAsMethod::kMap);
  EXPECT_FALSE(c->enrich.renormalize);
  EXPECT_EQ(c->enrich.agent_map, "/tmp/agents.map");
  ASSERT_EQ(c->aggregates.size(), 2U);
  EXPECT_EQ(c->aggregates[0].primitives.size(), 6U);
  EXPECT_EQ(c->aggregates[0].filter, "dst net 192.0.2.0/24");
  EXPECT_EQ(c->aggregates[1].primitives.size(), 2U);
  EXPECT_EQ(c->outputs.socket, "/tmp/c1.sock");
  ASSERT_EQ(c->outputs.files.size(), 1U);  // outputs precede aggregates in the file: still resolved
  EXPECT_EQ(c->outputs.files[0].format, FileFormat::kCsv);
  EXPECT_EQ(c->outputs.files[0].interval, std::chrono::seconds(30));
  ASSERT_TRUE(c->outputs.sqlite.has_value());
  EXPECT_EQ(c->outputs.sqlite->interval, std::chrono::minutes(1));
  ASSERT_EQ(c->tee.size(), 1U);
  EXPECT_EQ(c->tee[0].balance, TeeBalance::kHashAgent);
  EXPECT_TRUE(c->tee[0].transparent);
}

TEST(CollectorConfig, EmptyFileIsValid) {
  auto c = parse_config("", "e.yaml");
  ASSERT_TRUE(c.ok());
  EXPECT_TRUE(c->listen.empty());
  EXPECT_FALSE(c->bgp.enabled);
}

struct Invalid {
  const char* name;
  const char* yaml;
  const char* error;  // the exact first diagnostic line
};

const Invalid kInvalid[] = {
    {"unknown top key", "lisen: []\n",
     "x.yaml:1:1: error: unknown key 'lisen' at the top level (did you mean 'listen'?)"},
    {"unknown key no guess", "zzzzzz: 1\n",
     "x.yaml:1:1: error: unknown key 'zzzzzz' at the top level (expected one of: log, listen, socket_buffer, "
     "receive_batch, workers, stats_interval, bgp, bmp, enrich, sampling, aggregates, outputs, tee)"},
    {"listen not a list", "listen: 2100\n", "x.yaml:1:9: error: listen: expected a list, found '2100'"},
    {"bad proto", "listen:\n  - {proto: netflw, port: 1}\n",
     "x.yaml:2:13: error: listen[0].proto: expected one of netflow, sflow, found 'netflw' (did you mean 'netflow'?)"},
    {"bad port", "listen:\n  - {port: 70000}\n",
     "x.yaml:2:12: error: listen[0].port: 70000 is out of range (expected 0..65535)"},
    {"bad address", "listen:\n  - {address: 1.2.3, port: 1}\n",
     "x.yaml:2:15: error: listen[0].address: expected an IPv4 or IPv6 address, found '1.2.3'"},
    {"bad size", "socket_buffer: 8 parsecs\n",
     "x.yaml:1:16: error: socket_buffer: expected a size such as 8MiB, 512KiB or 1000000 (at most 2GiB), found "
     "'8 parsecs'"},
    {"router id v6", "bgp: {router_id: '::1'}\n",
     "x.yaml:1:18: error: bgp.router_id: expected an IPv4 address, found the quoted string \"::1\""},
    {"peer without address", "bgp:\n  peers: [{asn: 1}]\n",
     "x.yaml:2:11: error: bgp.peers[0]: missing required key 'address'"},
    {"peer key typo", "bgp:\n  peers: [{address: 192.0.2.1, actve: true}]\n",
     "x.yaml:2:32: error: unknown key 'actve' in bgp.peers[0] (did you mean 'active'?)"},
    {"md5 password blank", "bgp:\n  peers: [{address: 192.0.2.1, password: 'a b'}]\n",
     "x.yaml:2:42: error: bgp.peers[0].password: a password may hold printable ASCII except blanks and \" ' \\ # ! ; "
     "{ } (it is written into router configuration files)"},
    {"socket mode", "outputs: {socket: /s, socket_mode: '0755'}\n",
     "x.yaml:1:36: error: outputs.socket_mode: expected an octal mode of read/write bits with the owner's both set, "
     "such as \"0600\" or \"0660\", found the quoted string \"0755\""},
    {"as source", "enrich: {as: bgpp}\n",
     "x.yaml:1:14: error: enrich.as: expected one of bgp, netflow, longest, found 'bgpp' (did you mean 'bgp'?)"},
    {"bad boolean", "enrich: {renormalize: maybe}\n",
     "x.yaml:1:23: error: enrich.renormalize: expected a bool (true or false), found 'maybe'"},
    {"unknown primitive", "aggregates:\n  - {name: a, primitives: [src_ass]}\n",
     "x.yaml:2:28: error: aggregates[0].primitives: unknown aggregation primitive 'src_ass' (did you mean 'src_as'?)"},
    {"duplicate primitive", "aggregates:\n  - {name: a, primitives: [src_as, src_as]}\n",
     "x.yaml:2:36: error: aggregates[0].primitives: duplicate primitive 'src_as'"},
    {"missing primitives", "aggregates:\n  - {name: a}\n",
     "x.yaml:2:5: error: aggregates[0]: missing required key 'primitives'"},
    {"duplicate aggregate", "aggregates:\n  - {name: a, primitives: [src_as]}\n  - {name: a, primitives: [dst_as]}\n",
     "x.yaml:3:5: error: aggregates[1]: duplicate aggregate name 'a'"},
    {"unknown aggregate in files",
     "aggregates: [{name: inbound, primitives: [src_as]}]\noutputs:\n  files: [{aggregate: inbond, path: /x}]\n",
     "x.yaml:3:23: error: outputs.files[0].aggregate: no aggregate named 'inbond' (did you mean 'inbound'?)"},
    {"bad format",
     "aggregates: [{name: a, primitives: [src_as]}]\noutputs:\n  files: [{aggregate: a, format: xml, path: /x}]\n",
     "x.yaml:3:34: error: outputs.files[0].format: expected one of json, csv, found 'xml'"},
    {"bad interval", "outputs:\n  sqlite: {path: /x.db, interval: soon}\n",
     "x.yaml:2:35: error: outputs.sqlite.interval: expected a duration (500ms, 10s, 2m, 1h), found 'soon'"},
    {"sqlite without path", "outputs:\n  sqlite: {interval: 1m}\n",
     "x.yaml:2:11: error: outputs.sqlite: missing required key 'path'"},
    {"tee without receivers", "tee:\n  - {name: t1}\n", "x.yaml:2:5: error: tee[0]: missing required key 'receivers'"},
    {"tee balance", "tee:\n  - {receivers: /r, balance: random}\n",
     "x.yaml:2:30: error: tee[0].balance: expected one of all, hash-agent, rr, found 'random'"},
    {"log level", "log: {level: loud}\n",
     "x.yaml:1:14: error: log.level: expected one of trace, debug, info, warn, error, found 'loud'"},
    {"sampling rule without rate", "sampling:\n  defaults:\n    - {exporter: 192.0.2.1}\n",
     "x.yaml:3:7: error: missing required key 'rate' in sampling.defaults[0]"},
    {"sampling rate 0", "sampling:\n  overrides: [{rate: 0}]\n",
     "x.yaml:2:22: error: sampling.overrides[0].rate: 0 is out of range (expected 1..4294967295)"},
    {"sampling exporter", "sampling:\n  defaults: [{exporter: r1, rate: 10}]\n",
     "x.yaml:2:25: error: sampling.defaults[0].exporter: expected an IPv4 or IPv6 address, found 'r1'"},
    {"yaml syntax", "listen: [\n", "x.yaml:2:1: error: YAML syntax error: end of sequence flow not found"},
};

// docs/enrichment.md's "Methods" table names the `enrich:` keys of flowcollector.yaml: each one parses (with a
// value of its kind), and the EnrichConfig member names there (net_source, as_source) are not keys.
TEST(CollectorConfig, EnrichKeysAreThoseOfEnrichmentMd) {
  std::ifstream doc(std::string(FLOWLAB_SOURCE_DIR) + "/docs/enrichment.md");
  ASSERT_TRUE(doc) << "docs/enrichment.md";
  const std::map<std::string, std::string> sample{{"source", "bgp"},
                                                  {"as", "longest"},
                                                  {"net", "netflow"},
                                                  {"peer_src_as", "netflow"},
                                                  {"peer_src_as_map", "/tmp/p.map"},
                                                  {"agent_map", "/tmp/a.map"},
                                                  {"renormalize", "false"}};
  std::vector<std::string> keys;
  bool in_table = false;
  for (std::string line; std::getline(doc, line);) {
    if (line.starts_with("| key (flowcollector.yaml `enrich:`)")) {
      in_table = true;
      continue;
    }
    if (in_table && !line.starts_with("|")) {
      break;
    }
    if (in_table && line.starts_with("| `")) {
      keys.push_back(line.substr(3, line.find('`', 3) - 3));
    }
  }
  ASSERT_EQ(keys.size(), sample.size()) << "the table's keys changed";
  for (const auto& key : keys) {
    SCOPED_TRACE(key);
    ASSERT_TRUE(sample.contains(key)) << "docs/enrichment.md names an enrich key the test does not know";
    auto r = parse_config("enrich: {" + key + ": " + sample.at(key) + "}\n", "x.yaml");
    EXPECT_TRUE(r.ok()) << r.error().message;
  }
  auto both = parse_config("enrich: {as: longest, net: netflow}\n", "x.yaml");
  ASSERT_TRUE(both.ok());
  EXPECT_EQ(both->enrich.as_source, AsSource::kLongest);
  EXPECT_EQ(both->enrich.net_source, AsSource::kNetflow);
  for (const char* member : {"net_source", "as_source"}) {
    auto r = parse_config(std::string("enrich: {") + member + ": bgp}\n", "x.yaml");
    ASSERT_FALSE(r.ok()) << member;
    EXPECT_NE(r.error().message.find(std::string("unknown key '") + member + "' in enrich"), std::string::npos)
        << r.error().message;
  }
}

TEST(CollectorConfig, InvalidConfigsReportFileLineCol) {
  for (const auto& c : kInvalid) {
    SCOPED_TRACE(c.name);
    auto r = parse_config(c.yaml, "x.yaml");
    ASSERT_FALSE(r.ok());
    EXPECT_EQ(r.error().kind, ErrorKind::kConfig);
    const auto& msg = r.error().message;
    EXPECT_EQ(msg.substr(0, msg.find('\n')), c.error);
  }
}

// The TCP-MD5 password of a BGP peer (RFC 2385): 1..80 bytes, and the query socket's mode: owner-only unless widened.
TEST(CollectorConfig, Md5PasswordAndSocketMode) {
  auto ok = parse_config("bgp:\n  peers: [{address: 192.0.2.1, password: 'S3cret-key_1'}]\noutputs: {socket: /s}\n");
  ASSERT_TRUE(ok.ok()) << ok.error().message;
  EXPECT_EQ(ok->bgp.peers.at(0).password, "S3cret-key_1");
  EXPECT_EQ(ok->outputs.socket_mode, 0600U);
  auto wide = parse_config("outputs: {socket: /s, socket_mode: '0660'}\n");
  ASSERT_TRUE(wide.ok()) << wide.error().message;
  EXPECT_EQ(wide->outputs.socket_mode, 0660U);
  auto too_long =
      parse_config("bgp:\n  peers: [{address: 192.0.2.1, password: " + std::string(81, 'x') + "}]\n", "x.yaml");
  ASSERT_FALSE(too_long.ok());
  EXPECT_EQ(too_long.error().message,
            "x.yaml:2:42: error: bgp.peers[0].password: a password must be 1..80 bytes (TCP-MD5, RFC 2385), found 81");
  EXPECT_TRUE(parse_config("bgp:\n  peers: [{address: 192.0.2.1, password: " + std::string(80, 'x') + "}]\n").ok());
}

TEST(CollectorConfig, ReportsEveryProblemAtOnce) {
  auto r = parse_config("lisen: []\nsocket_buffer: x\nlog: {level: loud}\n", "x.yaml");
  ASSERT_FALSE(r.ok());
  const auto& msg = r.error().message;
  EXPECT_EQ(std::count(msg.begin(), msg.end(), '\n'), 2);
}

TEST(CollectorConfig, SizesAndListenSpecs) {
  EXPECT_EQ(parse_size("8MiB"), 8U * 1024U * 1024U);
  EXPECT_EQ(parse_size("512KiB"), 512U * 1024U);
  EXPECT_EQ(parse_size("1000000"), 1000000U);
  EXPECT_EQ(parse_size("2MB"), 2000000U);
  EXPECT_FALSE(parse_size("MiB").has_value());
  EXPECT_FALSE(parse_size("3 furlongs").has_value());

  auto a = parse_listen_spec("sflow@[::1]:6343");
  ASSERT_TRUE(a.ok());
  EXPECT_EQ(a->proto, ListenProto::kSflow);
  EXPECT_EQ(a->address.to_string(), "::1");
  EXPECT_EQ(a->port, 6343);
  auto b = parse_listen_spec("127.0.0.1:2100");
  ASSERT_TRUE(b.ok());
  EXPECT_EQ(b->proto, ListenProto::kNetflow);
  EXPECT_EQ(b->address.to_string(), "127.0.0.1");
  auto p = parse_listen_spec("9995");
  ASSERT_TRUE(p.ok());
  EXPECT_EQ(p->port, 9995);
  EXPECT_FALSE(parse_listen_spec("netflow@host:1").ok());
  EXPECT_FALSE(parse_listen_spec("sflaw@1.2.3.4:1").ok());
  EXPECT_FALSE(parse_listen_spec("1.2.3.4:99999").ok());
}

TEST(CollectorConfig, CliOverridesReplaceFileValues) {
  auto c = parse_config(kFull, "c.yaml");
  ASSERT_TRUE(c.ok());
  CliOverrides o;
  o.listen = {"127.0.0.1:9995"};
  o.socket = "/tmp/other.sock";
  o.log_level = "warn";
  o.json = true;
  ASSERT_TRUE(apply_overrides(*c, o).ok());
  ASSERT_EQ(c->listen.size(), 1U);
  EXPECT_EQ(c->listen[0].port, 9995);
  EXPECT_EQ(c->outputs.socket, "/tmp/other.sock");
  EXPECT_EQ(c->log_level, "warn");
  EXPECT_TRUE(c->json_stats);
  o.log_level = "loud";
  EXPECT_FALSE(apply_overrides(*c, o).ok());
}

}  // namespace
}  // namespace flowlab::collector
