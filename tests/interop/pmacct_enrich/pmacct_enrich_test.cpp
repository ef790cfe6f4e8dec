// Interop against pmacct (label interop, needs root): one BIRD 2 peer in a private namespace (fl-tpe-<pid>) feeds
// the same routes to nfacctd's BGP daemon and to our bgp::Speaker + BgpTables; the same NetFlow v9 and IPFIX
// datagrams (built with wire::Exporter, sent from BIRD's address so both collectors map the exporter to that peer)
// go to nfacctd over UDP and to our Decoder + Enricher + Aggregate. The aggregate
//   src_host, dst_host, src_as, dst_as, peer_src_as, peer_dst_as, peer_dst_ip, as_path, src_as_path
// has one row per record; every row must be identical (values and counters) between nfacctd's (print plugin, JSON
// lines appended to a file) and ours (format_json_lines, print plugin style).
#include "platform/process/process.hpp"
#include "probes/bgp/session.hpp"
#include "probes/collector/aggregate.hpp"
#include "probes/collector/record_format.hpp"
#include "probes/wire/decoder.hpp"
#include "probes/wire/exporter.hpp"
#include "tests/support/eventually.hpp"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <sched.h>
#include <sys/socket.h>
#include <unistd.h>

#include <gtest/gtest.h>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <nlohmann/json.hpp>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <future>
#include <iterator>
#include <map>
#include <sstream>
#include <thread>

namespace flowlab::collector {
namespace {

using namespace std::chrono_literals;
namespace fs = std::filesystem;

constexpr char kNfacctd[] = "192.0.2.1";  // nfacctd: BGP daemon and NetFlow listener
constexpr char kBird[] = "192.0.2.2";     // BIRD: BGP speaker and the flows' exporter address
constexpr char kOurs[] = "192.0.2.3";     // our Speaker
constexpr std::uint16_t kNetflowPort = 2100;
constexpr char kPrimitives[] =
    "src_host, dst_host, src_as, dst_as, peer_src_as, peer_dst_as, peer_dst_ip, as_path, src_as_path";

bool run_ok(const std::vector<std::string>& argv, const std::string& netns = "") {
  process::RunOptions opt;
  opt.netns = netns;
  auto r = process::run(argv, opt);
  return r.ok() && r->success();
}

std::string run_out(const std::vector<std::string>& argv, const std::string& netns = "") {
  process::RunOptions opt;
  opt.netns = netns;
  auto r = process::run(argv, opt);
  return r.ok() ? r->out + r->err : std::string();
}

template <class Pred>
bool wait_for(Pred pred, std::chrono::milliseconds timeout) {
  return test_support::eventually(pred, timeout, 100ms);
}

class Netns {
 public:
  explicit Netns(const std::vector<std::string>& addresses) : name_("fl-tpe-" + std::to_string(getpid())) {
    run_ok({"ip", "netns", "del", name_});
    ok_ = run_ok({"ip", "netns", "add", name_}) && run_ok({"ip", "-n", name_, "link", "set", "lo", "up"});
    for (const auto& a : addresses) {
      std::vector<std::string> argv{"ip", "-n", name_, "addr", "add", a, "dev", "lo"};
      if (a.find(':') != std::string::npos) {
        argv.emplace_back("nodad");
      }
      ok_ = ok_ && run_ok(argv);
    }
  }
  ~Netns() { run_ok({"ip", "netns", "del", name_}); }
  Netns(const Netns&) = delete;
  Netns& operator=(const Netns&) = delete;
  [[nodiscard]] bool ok() const { return ok_; }
  [[nodiscard]] const std::string& name() const { return name_; }

 private:
  std::string name_;
  bool ok_ = false;
};

// A daemon we started, stopped by PID; its direct children (nfacctd's plugins) are collected first and stopped too.
class Daemon {
 public:
  Daemon(process::Spec spec) {
    auto r = process::start(spec);
    if (r.ok()) {
      ref_ = *r;
    } else {
      error_ = r.error().to_string();
    }
  }
  ~Daemon() {
    if (ref_.pid == 0) {
      return;
    }
    std::vector<process::ProcessRef> children;
    std::ifstream in("/proc/" + std::to_string(ref_.pid) + "/task/" + std::to_string(ref_.pid) + "/children");
    for (pid_t pid = 0; in >> pid;) {
      if (auto st = process::start_time_of(pid)) {
        children.push_back(process::ProcessRef{pid, *st, "child", ""});
      }
    }
    (void)process::stop(ref_);
    for (const auto& c : children) {
      (void)process::stop(c, 1000ms);
    }
  }
  Daemon(const Daemon&) = delete;
  Daemon& operator=(const Daemon&) = delete;
  [[nodiscard]] bool started() const { return ref_.pid != 0; }
  [[nodiscard]] const std::string& error() const { return error_; }

 private:
  process::ProcessRef ref_;
  std::string error_;
};

// Our side: Speaker + BgpTables + Decoder/Enricher/Aggregate, all on one thread inside the namespace.
class OurCollector {
 public:
  OurCollector(std::string netns) : netns_(std::move(netns)) {}
  ~OurCollector() { stop(); }
  OurCollector(const OurCollector&) = delete;
  OurCollector& operator=(const OurCollector&) = delete;

  Status start() {
    std::promise<Status> started;
    auto fut = started.get_future();
    thread_ = std::thread([this, &started] {
      const std::string path = "/run/netns/" + netns_;
      const int fd = open(path.c_str(), O_RDONLY | O_CLOEXEC);
      if (fd < 0 || setns(fd, CLONE_NEWNET) != 0) {
        if (fd >= 0) {
          close(fd);
        }
        started.set_value(fail(ErrorKind::kNetns, "setns into " + netns_ + " failed"));
        return;
      }
      close(fd);
      bgp::SpeakerConfig config;
      config.listen = {bgp::ListenAddress{*IpAddress::parse(kOurs), 179}};
      config.local_as = 65000;
      config.bgp_id = IpAddress::parse(kOurs)->v4_host_order();
      bgp::PeerConfig peer;
      peer.address = *IpAddress::parse(kBird);
      peer.peer_as = 65000;
      config.peers = {peer};
      speaker_ = std::make_unique<bgp::Speaker>(io_, config);
      speaker_->on_state([this](const bgp::PeerInfo& p, bgp::State s) {
        if (s == bgp::State::kEstablished) {
          tables_.peer_up(p);
        }
      });
      speaker_->on_route([this](const bgp::PeerInfo& p, const bgp::RouteEvent& ev) {
        tables_.apply(p, ev);
        ++events_;
      });
      speaker_->on_peer_down([this](const bgp::PeerInfo& p) { tables_.peer_down(p); });
      Status st = speaker_->start();
      const bool ok = st.ok();
      started.set_value(std::move(st));
      if (!ok) {
        return;
      }
      auto guard = boost::asio::make_work_guard(io_);
      io_.run();
    });
    return fut.get();
  }

  void stop() {
    if (!thread_.joinable()) {
      return;
    }
    boost::asio::post(io_, [this] {
      speaker_->stop();
      io_.stop();
    });
    thread_.join();
    speaker_.reset();
  }

  template <class F>
  auto call(F f) -> decltype(f()) {
    std::packaged_task<decltype(f())()> task(std::move(f));
    auto fut = task.get_future();
    boost::asio::post(io_, [&task] { task(); });
    return fut.get();
  }

  BgpTables& tables() { return tables_; }
  [[nodiscard]] std::size_t events() const { return events_.load(); }

 private:
  std::string netns_;
  boost::asio::io_context io_;
  std::thread thread_;
  std::unique_ptr<bgp::Speaker> speaker_;
  BgpTables tables_;
  std::atomic<std::size_t> events_{0};
};

// Routes BIRD exports to both collectors (iBGP, AS 65000): AS paths prepended in the export filter, next hops set.
const char* kBirdConfig = R"(
log stderr all;
router id 192.0.2.2;
protocol device {}
protocol static s4 {
  ipv4;
  route 198.51.100.0/24 blackhole;
  route 198.51.100.128/25 blackhole;
  route 203.0.113.0/24 blackhole;
  route 192.0.2.128/26 blackhole;
  route 10.0.0.0/8 blackhole;
  route 10.20.0.0/16 blackhole;
}
protocol static s6 {
  ipv6;
  route 2001:db8:100::/48 blackhole;
  route 2001:db8:200::/48 blackhole;
}
filter prepend_paths {
  if net = 198.51.100.0/24 then { bgp_path.prepend(65020); bgp_path.prepend(65010); }
  if net = 198.51.100.128/25 then { bgp_path.prepend(65030); }
  if net = 203.0.113.0/24 then { bgp_path.prepend(4200000060); bgp_path.prepend(65050); bgp_path.prepend(65040); }
  if net = 10.0.0.0/8 then { bgp_path.prepend(65070); }
  if net = 10.20.0.0/16 then { bgp_path.prepend(65090); bgp_path.prepend(65080); }
  if net = 2001:db8:100::/48 then { bgp_path.prepend(65110); bgp_path.prepend(65100); }
  accept;
}
template bgp collector {
  local 192.0.2.2 as 65000;
  multihop;
  hold time 30;
  strict bind yes;
  ipv4 { import none; next hop self; export filter prepend_paths; };
  ipv6 { import none; next hop address 2001:db8::2; export filter prepend_paths; };
}
protocol bgp nfacctd from collector { neighbor 192.0.2.1 as 65000; }
protocol bgp ours from collector { neighbor 192.0.2.3 as 65000; }
)";
constexpr std::size_t kRoutes = 8;

std::vector<wire::FlowRecord> flows() {
  // Sources and destinations inside and outside the announced prefixes; the record's own AS / mask / next-hop
  // fields carry junk that neither collector may use (nfacctd_as: bgp, bgp_peer_src_as_type: bgp).
  const std::vector<std::string> addrs{"198.51.100.7", "198.51.100.200", "203.0.113.9", "192.0.2.130",   "10.1.2.3",
                                       "10.20.30.40",  "172.16.0.1",     "192.0.2.200", "198.51.100.129"};
  const std::vector<std::string> addrs6{"2001:db8:100::1", "2001:db8:200::2", "2001:db8:300::3"};
  std::vector<wire::FlowRecord> out;
  std::uint64_t n = 0;
  for (const auto& s : addrs) {
    for (const auto& d : addrs) {
      if (s == d) {
        continue;
      }
      wire::FlowRecord r;
      r.src_addr = *IpAddress::parse(s);
      r.dst_addr = *IpAddress::parse(d);
      r.protocol = 6;
      r.src_port = static_cast<std::uint16_t>(30000 + n);
      r.dst_port = 443;
      r.packets = 1 + n;
      r.bytes = 100 * (1 + n);
      r.src_as = 1;
      r.dst_as = 2;
      r.src_peer_as = 3;
      r.dst_peer_as = 4;
      r.src_mask = 30;
      r.dst_mask = 30;
      r.bgp_next_hop = *IpAddress::parse("10.99.99.99");
      r.input_ifindex = 5;
      r.output_ifindex = 6;
      ++n;
      out.push_back(r);
    }
  }
  for (const auto& s : addrs6) {
    for (const auto& d : addrs6) {
      if (s == d) {
        continue;
      }
      wire::FlowRecord r = out.back();
      r.src_addr = *IpAddress::parse(s);
      r.dst_addr = *IpAddress::parse(d);
      r.src_port = static_cast<std::uint16_t>(30000 + n);
      r.packets = 1 + n;
      r.bytes = 100 * (1 + n);
      r.bgp_next_hop = *IpAddress::parse("2001:db8::99");
      ++n;
      out.push_back(r);
    }
  }
  return out;
}

bool send_from(const std::string& netns, const std::vector<std::vector<std::byte>>& datagrams) {
  // A socket bound to BIRD's address inside the namespace (created on a thread that joined it).
  bool ok = false;
  std::thread t([&] {
    const int nsfd = open(("/run/netns/" + netns).c_str(), O_RDONLY | O_CLOEXEC);
    if (nsfd < 0 || setns(nsfd, CLONE_NEWNET) != 0) {
      return;
    }
    close(nsfd);
    const int s = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    sockaddr_in src{};
    src.sin_family = AF_INET;
    inet_pton(AF_INET, kBird, &src.sin_addr);
    sockaddr_in dst{};
    dst.sin_family = AF_INET;
    dst.sin_port = htons(kNetflowPort);
    inet_pton(AF_INET, kNfacctd, &dst.sin_addr);
    ok = s >= 0 && bind(s, reinterpret_cast<sockaddr*>(&src), sizeof src) == 0;  // NOLINT: sockaddr API
    for (const auto& d : datagrams) {
      ok = ok && sendto(s, d.data(), d.size(), 0, reinterpret_cast<sockaddr*>(&dst), sizeof dst) ==  // NOLINT
                     static_cast<ssize_t>(d.size());
      std::this_thread::sleep_for(2ms);
    }
    close(s);
  });
  t.join();
  return ok;
}

// Row key: (ip_src, ip_dst) -> the whole JSON object minus volatile keys.
using Rows = std::map<std::pair<std::string, std::string>, nlohmann::json>;

Rows parse_rows(const std::string& text, std::string* problems) {
  Rows rows;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) {
    if (line.empty()) {
      continue;
    }
    auto j = nlohmann::json::parse(line, nullptr, false);
    if (j.is_discarded()) {
      *problems += "bad JSON: " + line + "\n";
      continue;
    }
    j.erase("event_type");
    auto key = std::make_pair(j.value("ip_src", ""), j.value("ip_dst", ""));
    auto [it, fresh] = rows.emplace(key, j);
    if (!fresh) {  // the print plugin may split a row across purges: sum the counters
      it->second["packets"] = it->second["packets"].get<std::uint64_t>() + j["packets"].get<std::uint64_t>();
      it->second["bytes"] = it->second["bytes"].get<std::uint64_t>() + j["bytes"].get<std::uint64_t>();
    }
  }
  return rows;
}

class PmacctEnrich : public ::testing::TestWithParam<wire::ExportProtocol> {};

TEST_P(PmacctEnrich, SameAggregatesAsNfacctd) {
  if (geteuid() != 0) {
    GTEST_SKIP() << "needs root (network namespaces)";
  }
  if (!run_ok({"sh", "-c", "command -v nfacctd && command -v bird"})) {
    GTEST_SKIP() << "nfacctd or bird not installed (scripts/install-deps.sh)";
  }
  Netns ns({std::string(kNfacctd) + "/32", std::string(kBird) + "/32", std::string(kOurs) + "/32", "2001:db8::2/128"});
  ASSERT_TRUE(ns.ok());
  const fs::path dir = fs::temp_directory_path() / (ns.name() + "-" + std::to_string(static_cast<int>(GetParam())));
  fs::remove_all(dir);
  fs::create_directories(dir);

  // nfacctd: BGP daemon + print plugin writing JSON (the acceptance's setup), purged every second and appended to
  // one file. BIRD starts only once the print plugin is up (below): when the BGP session came up while nfacctd was
  // still starting its plugins, the print plugin never received a record (every purge "QN: 0/0") — see
  // docs/enrichment.md.
  const fs::path print_file = dir / "print.json";
  {
    std::ofstream conf(dir / "nfacctd.conf");
    conf << "nfacctd_ip: " << kNfacctd << "\nnfacctd_port: " << kNetflowPort << "\n"
         << "bgp_daemon: true\nbgp_daemon_ip: " << kNfacctd << "\nbgp_daemon_max_peers: 4\n"
         << "nfacctd_as: bgp\nnfacctd_net: bgp\nbgp_peer_src_as_type: bgp\n"
         << "bgp_src_as_path_type: bgp\n"
         << "plugins: print[p]\naggregate[p]: " << kPrimitives << "\nprint_output[p]: json\n"
         << "print_output_file[p]: " << print_file.string() << "\nprint_output_file_append[p]: true\n"
         << "print_refresh_time[p]: 1\n"
         << (std::getenv("FLOWLAB_PMACCT_DEBUG") ? "debug: true\n" : "");
  }
  process::Spec nf;
  nf.name = "nfacctd";
  nf.argv = {"nfacctd", "-f", (dir / "nfacctd.conf").string()};
  nf.netns = ns.name();
  nf.log_file = dir / "nfacctd.log";
  Daemon nfacctd(nf);
  ASSERT_TRUE(nfacctd.started()) << nfacctd.error();
  ASSERT_TRUE(wait_for(
      [&] {
        const std::string log = run_out({"cat", nf.log_file.string()});
        return log.find("waiting for NetFlow/IPFIX data") != std::string::npos &&
               log.find("JSON: setting object handlers") != std::string::npos;
      },
      30s))
      << run_out({"cat", nf.log_file.string()});

  OurCollector ours(ns.name());
  const Status st = ours.start();
  ASSERT_TRUE(st.ok()) << st.error().to_string();

  { std::ofstream(dir / "bird.conf") << kBirdConfig; }
  process::Spec bs;
  bs.name = "bird";
  bs.argv = {"bird", "-f", "-c", (dir / "bird.conf").string(), "-s", (dir / "bird.ctl").string()};
  bs.netns = ns.name();
  bs.log_file = dir / "bird.log";
  Daemon bird(bs);
  ASSERT_TRUE(bird.started()) << bird.error();
  auto birdc = [&](const std::vector<std::string>& args) {
    std::vector<std::string> argv{"birdc", "-s", (dir / "bird.ctl").string()};
    argv.insert(argv.end(), args.begin(), args.end());
    return run_out(argv);
  };

  // Both sessions up and every route in our tables; nfacctd's side is ready when BIRD says Established and has
  // exported the same count.
  ASSERT_TRUE(wait_for(
      [&] {
        const std::string p = birdc({"show", "protocols"});
        std::size_t established = 0;
        for (std::size_t at = p.find("Established"); at != std::string::npos; at = p.find("Established", at + 1)) {
          ++established;
        }
        return established == 2 && ours.call([&] {
          return ours.tables().peers().size() == 1 && ours.tables().peers()[0].rib->size() == kRoutes;
        });
      },
      30s))
      << birdc({"show", "protocols", "all"}) << run_out({"cat", (dir / "bird.log").string()});
  std::this_thread::sleep_for(1s);  // nfacctd's BGP thread processes the UPDATEs

  // The replay: same datagrams to nfacctd and to our decoder.
  wire::ExportOptions eo;
  eo.protocol = GetParam();
  eo.observation_domain = 7;
  const auto now_ms = static_cast<std::uint64_t>(
      std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch())
          .count());
  eo.boot_time_ms = now_ms - 3'600'000;
  auto records = flows();
  for (auto& r : records) {
    r.first_ms = now_ms - 5000;
    r.last_ms = now_ms - 1000;
  }
  wire::Exporter exporter(eo);
  const auto datagrams = exporter.encode(records, now_ms);
  ASSERT_TRUE(send_from(ns.name(), datagrams));

  const AggregateSpec spec{"j", *parse_primitives(kPrimitives), ""};
  const std::string our_json = ours.call([&] {
    wire::Decoder decoder;
    std::vector<wire::FlowRecord> decoded;
    for (const auto& d : datagrams) {
      (void)decoder.decode(d, *IpAddress::parse(kBird), 2055, now_ms, decoded);
    }
    EnrichConfig config;  // as: bgp, peer_src_as: bgp
    Enricher enricher(ours.tables(), config);
    auto agg = Aggregate::create(spec);
    for (const auto& r : decoded) {
      agg->add(enricher.enrich(r));
    }
    return format_json_lines(spec, agg->rows(), FormatOptions{Style::kPrintPlugin});
  });

  std::string problems;
  const Rows our_rows = parse_rows(our_json, &problems);
  ASSERT_EQ(our_rows.size(), records.size());
  Rows their_rows;
  ASSERT_TRUE(wait_for(
      [&] {
        std::string ignored;  // a purge may be half written while we read: judge only the complete file
        std::ifstream in(print_file);
        their_rows = parse_rows(std::string(std::istreambuf_iterator<char>(in), {}), &ignored);
        std::uint64_t packets = 0;
        for (const auto& [k, j] : their_rows) {
          packets += j["packets"].get<std::uint64_t>();
        }
        std::uint64_t expected = 0;
        for (const auto& r : records) {
          expected += r.packets;
        }
        if (packets != expected) {
          return false;
        }
        std::ifstream again(print_file);
        their_rows = parse_rows(std::string(std::istreambuf_iterator<char>(again), {}), &problems);
        return true;
      },
      20s))
      << "nfacctd rows " << their_rows.size() << "\n"
      << run_out({"cat", (dir / "nfacctd.log").string()});
  EXPECT_TRUE(problems.empty()) << problems;

  std::size_t enriched = 0;
  for (const auto& [key, mine] : our_rows) {
    SCOPED_TRACE(key.first + " -> " + key.second);
    auto it = their_rows.find(key);
    ASSERT_NE(it, their_rows.end());
    EXPECT_EQ(mine.dump(), it->second.dump());
    enriched += mine["as_path"] != "" || mine["as_path_src"] != "" ? 1U : 0U;
  }
  EXPECT_EQ(their_rows.size(), our_rows.size());
  EXPECT_GT(enriched, records.size() / 2);  // the routes were really used
  std::ofstream(dir / "ours.json") << our_json;
  if (::testing::Test::HasFailure()) {
    std::cerr << "kept " << dir << " for inspection\n";
  } else {
    fs::remove_all(dir);
  }
}

INSTANTIATE_TEST_SUITE_P(Collector, PmacctEnrich,
                         ::testing::Values(wire::ExportProtocol::kNetflowV9, wire::ExportProtocol::kIpfix),
                         [](const auto& param_info) {
                           return param_info.param == wire::ExportProtocol::kIpfix ? std::string("ipfix")
                                                                                   : std::string("v9");
                         });

}  // namespace
}  // namespace flowlab::collector
