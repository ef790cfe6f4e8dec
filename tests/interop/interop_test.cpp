// Interop: flowprobe's NetFlow v5 / v9 / IPFIX export of synth_small.pcap, decoded by third-party tools —
// Wireshark's tshark (cflow dissector), nfdump's nfcapd + nfdump, and pmacct's nfacctd (print plugin, JSON) —
// must give back the ground-truth flow table (addresses, ports, protocol, packets, bytes; ToS too), with no
// tshark malformed-packet or expert items. Every tool runs as our child on the loopback and is stopped by PID.
#include "tests/interop/support.hpp"

#include <nlohmann/json.hpp>

#include <functional>

namespace flowlab::interop {
namespace {

struct Format {
  std::string name;
  std::string version;  // flowprobe -v
  bool ipv4_only;       // NetFlow v5 cannot carry IPv6 flows
};

const std::vector<Format> kFormats = {{"v5", "5", true}, {"v9", "9", false}, {"ipfix", "10", false}};

void PrintTo(const Format& f, std::ostream* os) { *os << f.name; }

std::string format_name(const testing::TestParamInfo<Format>& info) { return info.param.name; }

bool have(const std::string& tool) {
  for (const char* dir : {"/usr/bin/", "/usr/sbin/", "/usr/local/bin/", "/usr/local/sbin/"}) {
    if (fs::exists(std::string(dir) + tool)) {
      return true;
    }
  }
  return false;
}

// flowprobe -r synth_small.pcap exporting to 127.0.0.1:port (and into export_pcap when given).
int run_flowprobe(const TempDir& tmp, const Format& f, std::uint16_t port, const std::string& export_pcap = "") {
  std::vector<std::string> argv = {kFlowprobe, "-r", kTestData + "/synth_small.pcap",     "-v",
                                   f.version,  "-n", "127.0.0.1:" + std::to_string(port), "--json"};
  if (!export_pcap.empty()) {
    argv.insert(argv.end(), {"--export-pcap", export_pcap});
  }
  const int rc = run(argv, tmp.file("flowprobe.out"), tmp.file("flowprobe.err"));
  EXPECT_EQ(rc, 0) << read_text(tmp.file("flowprobe.err"));
  return rc;
}

void add_flow(FlowTable& table, const FlowId& id, const FlowCounts& c) {
  FlowCounts& t = table[id];
  t.packets += c.packets;
  t.bytes += c.bytes;
  t.tos = c.tos;
}

// Every object in tshark's JSON that holds one flow record's fields.
void collect_tshark_flows(const nlohmann::json& node, FlowTable& out) {
  if (node.is_object()) {
    const bool v4 = node.contains("cflow.srcaddr");
    const bool v6 = node.contains("cflow.srcaddrv6");
    if ((v4 || v6) && node.contains("cflow.packets")) {
      const std::string src = node.at(v4 ? "cflow.srcaddr" : "cflow.srcaddrv6").get<std::string>();
      const std::string dst = node.at(v4 ? "cflow.dstaddr" : "cflow.dstaddrv6").get<std::string>();
      const FlowId id{*IpAddress::parse(src), *IpAddress::parse(dst),
                      static_cast<std::uint16_t>(std::stoul(node.at("cflow.srcport").get<std::string>())),
                      static_cast<std::uint16_t>(std::stoul(node.at("cflow.dstport").get<std::string>())),
                      static_cast<std::uint8_t>(std::stoul(node.at("cflow.protocol").get<std::string>()))};
      add_flow(out, id,
               FlowCounts{std::stoull(node.at("cflow.packets").get<std::string>()),
                          std::stoull(node.at("cflow.octets").get<std::string>()),
                          static_cast<std::uint8_t>(std::stoul(node.at("cflow.tos").get<std::string>(), nullptr, 0))});
      return;
    }
    for (const auto& [key, child] : node.items()) {
      collect_tshark_flows(child, out);
    }
  } else if (node.is_array()) {
    for (const auto& child : node) {
      collect_tshark_flows(child, out);
    }
  }
}

class Interop : public testing::TestWithParam<Format> {};

// (b) tshark decodes our export (taken loss-free with --export-pcap) into the ground truth, with zero
// malformed / expert items.
TEST_P(Interop, TsharkDecodesTheGroundTruth) {
  if (!have("tshark")) {
    GTEST_SKIP() << "tshark not installed (scripts/install-deps.sh)";
  }
  const Format& f = GetParam();
  TempDir tmp;
  const std::uint16_t port = free_udp_port();
  const std::string pcap = tmp.file("export.pcap");
  ASSERT_EQ(run_flowprobe(tmp, f, port, pcap), 0);
  const std::string decode_as = "udp.port==" + std::to_string(port) + ",cflow";

  ASSERT_EQ(run({"tshark", "-r", pcap, "-d", decode_as, "-T", "json", "--no-duplicate-keys"}, tmp.file("tshark.json"),
                tmp.file("tshark.err")),
            0)
      << read_text(tmp.file("tshark.err"));
  FlowTable got;
  collect_tshark_flows(nlohmann::json::parse(read_text(tmp.file("tshark.json"))), got);
  expect_tables_equal(got, read_truth(f.ipv4_only));

  // Zero malformed packets and zero expert items of any severity.
  ASSERT_EQ(run({"tshark", "-r", pcap, "-d", decode_as, "-Y", "_ws.malformed || _ws.expert", "-T", "fields", "-e",
                 "frame.number"},
                tmp.file("expert.frames"), tmp.file("expert.err")),
            0);
  EXPECT_EQ(read_text(tmp.file("expert.frames")), "");
  ASSERT_EQ(run({"tshark", "-r", pcap, "-d", decode_as, "-q", "-z", "expert"}, tmp.file("expert.txt"),
                tmp.file("expert2.err")),
            0);
  const std::string expert = read_text(tmp.file("expert.txt"));
  for (const char* word : {"Error", "Warning", "Malformed", "Note"}) {
    EXPECT_EQ(expert.find(word), std::string::npos) << expert;
  }
}

// (a) nfcapd receives our export over UDP; nfdump prints the ground truth.
TEST_P(Interop, NfdumpDecodesTheGroundTruth) {
  if (!have("nfcapd") || !have("nfdump")) {
    GTEST_SKIP() << "nfdump not installed (scripts/install-deps.sh)";
  }
  const Format& f = GetParam();
  TempDir tmp;
  const std::uint16_t port = free_udp_port();
  fs::create_directories(tmp.file("flows"));
  const pid_t nfcapd = spawn(
      {"nfcapd", "-w", tmp.file("flows"), "-p", std::to_string(port), "-b", "127.0.0.1", "-B", "8388608", "-t", "3600"},
      tmp.file("nfcapd.out"), tmp.file("nfcapd.err"));
  ASSERT_GT(nfcapd, 0);
  if (!wait_for_udp_port(port, std::chrono::seconds(10))) {
    stop(nfcapd);
    FAIL() << "nfcapd did not bind port " << port << ": " << read_text(tmp.file("nfcapd.err"));
  }
  run_flowprobe(tmp, f, port);
  std::this_thread::sleep_for(std::chrono::milliseconds(500));  // let nfcapd drain its socket
  stop(nfcapd);                                                 // nfcapd writes and closes its current file on SIGTERM

  ASSERT_EQ(run({"nfdump", "-R", tmp.file("flows"), "-o", "csv"}, tmp.file("nfdump.csv"), tmp.file("nfdump.err")), 0)
      << read_text(tmp.file("nfdump.err"));
  std::ifstream in(tmp.file("nfdump.csv"));
  std::string line;
  std::vector<std::string> header;
  FlowTable got;
  while (std::getline(in, line)) {
    const auto cells = split(line, ',');
    if (cells.size() > 1 && cells[0] == "ts") {
      header = cells;
      continue;
    }
    if (header.empty() || cells.size() < header.size()) {
      continue;
    }
    std::map<std::string, std::string> row;
    for (std::size_t i = 0; i < header.size(); ++i) {
      row[header[i]] = cells[i];
    }
    const auto src = IpAddress::parse(row["sa"]);
    const auto dst = IpAddress::parse(row["da"]);
    if (!src || !dst) {
      continue;
    }
    add_flow(got,
             FlowId{*src, *dst, static_cast<std::uint16_t>(std::stoul(row["sp"])),
                    static_cast<std::uint16_t>(std::stoul(row["dp"])), proto_number(row["pr"])},
             FlowCounts{std::stoull(row["ipkt"]), std::stoull(row["ibyt"]),
                        static_cast<std::uint8_t>(std::stoul(row["stos"]))});
  }
  EXPECT_FALSE(header.empty()) << read_text(tmp.file("nfdump.csv"));
  expect_tables_equal(got, read_truth(f.ipv4_only));
}

// (c) pmacct's nfacctd (print plugin, JSON) decodes our v9 and IPFIX (and v5) export to the ground truth.
TEST_P(Interop, NfacctdDecodesTheGroundTruth) {
  const Format& f = GetParam();  // the acceptance line asks for v9 and IPFIX; v5 is checked too
  if (!have("nfacctd")) {
    GTEST_SKIP() << "pmacct not installed (scripts/install-deps.sh)";
  }
  TempDir tmp;
  const std::uint16_t port = free_udp_port();
  const std::string out_file = tmp.file("flows.json");
  {
    std::ofstream conf(tmp.file("nfacctd.conf"));
    conf << "daemonize: false\n"
         << "nfacctd_ip: 127.0.0.1\n"
         << "nfacctd_port: " << port << "\n"
         << "pidfile: " << tmp.file("nfacctd.pid") << "\n"
         << "plugins: print[out]\n"
         << "aggregate[out]: src_host, dst_host, src_port, dst_port, proto, tos\n"
         << "print_output[out]: json\n"
         << "print_output_file[out]: " << out_file << "\n"
         << "print_output_file_append[out]: true\n"
         << "print_refresh_time[out]: 1\n"
         << "print_num_protos[out]: true\n";
  }
  const pid_t nfacctd =
      spawn({"nfacctd", "-f", tmp.file("nfacctd.conf")}, tmp.file("nfacctd.out"), tmp.file("nfacctd.err"));
  ASSERT_GT(nfacctd, 0);
  // Ready = the core bound the port and the print plugin finished its setup (datagrams the core reads before the
  // plugin is attached are lost).
  if (!wait_for_udp_port(port, std::chrono::seconds(10)) ||
      !wait_for_text(tmp.file("nfacctd.err"), "JSON: setting object handlers", std::chrono::seconds(10))) {
    stop(nfacctd);
    FAIL() << "nfacctd did not get ready on port " << port << ": " << read_text(tmp.file("nfacctd.err"));
  }
  std::this_thread::sleep_for(std::chrono::milliseconds(300));
  run_flowprobe(tmp, f, port);

  const FlowTable truth = read_truth(f.ipv4_only);
  std::uint64_t want_packets = 0;
  for (const auto& [id, c] : truth) {
    want_packets += c.packets;
  }
  FlowTable got;
  auto load = [&] {
    got.clear();
    std::ifstream in(out_file);
    std::string line;
    while (std::getline(in, line)) {
      if (line.empty() || line.front() != '{') {
        continue;
      }
      const auto j = nlohmann::json::parse(line, nullptr, false);
      if (j.is_discarded()) {
        continue;
      }
      const auto proto = j.at("ip_proto");
      const std::uint8_t p = proto.is_number() ? proto.get<std::uint8_t>() : proto_number(proto.get<std::string>());
      add_flow(got,
               FlowId{*IpAddress::parse(j.at("ip_src").get<std::string>()),
                      *IpAddress::parse(j.at("ip_dst").get<std::string>()), j.at("port_src").get<std::uint16_t>(),
                      j.at("port_dst").get<std::uint16_t>(), p},
               FlowCounts{j.at("packets").get<std::uint64_t>(), j.at("bytes").get<std::uint64_t>(),
                          j.at("tos").get<std::uint8_t>()});
    }
    std::uint64_t packets = 0;
    for (const auto& [id, c] : got) {
      packets += c.packets;
    }
    return packets;
  };
  // The print plugin writes every refresh (1 s): wait until every packet is accounted for, or 15 s.
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(15);
  while (load() < want_packets && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(250));
  }
  stop(nfacctd);
  load();
  expect_tables_equal(got, truth);
}

INSTANTIATE_TEST_SUITE_P(Formats, Interop, testing::ValuesIn(kFormats), format_name);

}  // namespace
}  // namespace flowlab::interop
