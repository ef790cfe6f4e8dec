// Test/benchmark harness for real-peer BGP runs: a private network namespace (fl-tbgp-<pid>-<tag>) with addresses
// on its loopback, BIRD 2 started inside it, and our Speaker + per-peer RIBs running on a thread that joined the
// namespace (setns on that thread only), so nothing ever listens or connects in the root namespace.
#pragma once

#include "platform/process/process.hpp"
#include "probes/bgp/rib.hpp"
#include "probes/bgp/session.hpp"

#include <fcntl.h>
#include <sched.h>
#include <unistd.h>

#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>

#include <atomic>
#include <filesystem>
#include <fstream>
#include <future>
#include <map>
#include <memory>
#include <string>
#include <thread>
#include <vector>

namespace flowlab::bgp::testing {

inline bool run_ok(const std::vector<std::string>& argv, const std::string& netns = "") {
  process::RunOptions opt;
  opt.netns = netns;
  auto r = process::run(argv, opt);
  return r.ok() && r->success();
}

inline std::string run_out(const std::vector<std::string>& argv, const std::string& netns = "") {
  process::RunOptions opt;
  opt.netns = netns;
  opt.timeout = std::chrono::milliseconds(30000);
  auto r = process::run(argv, opt);
  return r.ok() ? r->out : std::string();
}

// A named namespace with loopback up and the given addresses ("192.0.2.1/32", "2001:db8::1/128") on lo.
class TestNetns {
 public:
  TestNetns(const std::string& tag, const std::vector<std::string>& addresses)
      : name_("fl-tbgp-" + std::to_string(getpid()) + "-" + tag) {
    run_ok({"ip", "netns", "del", name_});  // leftover of a crashed run with a recycled pid
    ok_ = run_ok({"ip", "netns", "add", name_}) && run_ok({"ip", "-n", name_, "link", "set", "lo", "up"});
    for (const auto& a : addresses) {
      std::vector<std::string> argv = {"ip", "-n", name_, "addr", "add", a, "dev", "lo"};
      if (a.find(':') != std::string::npos) {
        argv.emplace_back("nodad");
      }
      ok_ = ok_ && run_ok(argv);
    }
  }
  ~TestNetns() { run_ok({"ip", "netns", "del", name_}); }
  TestNetns(const TestNetns&) = delete;
  TestNetns& operator=(const TestNetns&) = delete;

  [[nodiscard]] bool ok() const { return ok_; }
  [[nodiscard]] const std::string& name() const { return name_; }

 private:
  std::string name_;
  bool ok_ = false;
};

// A BIRD 2 daemon in a namespace, stopped (by its PID) on destruction.
class BirdProcess {
 public:
  BirdProcess(const std::string& netns, const std::filesystem::path& dir, const std::string& config) : dir_(dir) {
    std::filesystem::create_directories(dir_);
    { std::ofstream(dir_ / "bird.conf") << config; }
    process::Spec spec;
    spec.name = "bird";
    spec.argv = {
        "bird", "-f", "-c", (dir_ / "bird.conf").string(), "-s", socket().string(), "-P", (dir_ / "bird.pid").string()};
    spec.netns = netns;
    spec.log_file = dir_ / "bird.log";
    auto r = process::start(spec);
    if (r.ok()) {
      ref_ = *r;
      started_ = true;
    } else {
      error_ = r.error().to_string();
    }
  }
  ~BirdProcess() {
    if (started_) {
      (void)process::stop(ref_);
    }
    std::error_code ignored;
    std::filesystem::remove_all(dir_, ignored);
  }
  BirdProcess(const BirdProcess&) = delete;
  BirdProcess& operator=(const BirdProcess&) = delete;

  [[nodiscard]] bool started() const { return started_; }
  [[nodiscard]] const std::string& error() const { return error_; }
  [[nodiscard]] std::filesystem::path socket() const { return dir_ / "bird.ctl"; }
  std::string birdc(const std::vector<std::string>& args) const {
    std::vector<std::string> argv = {"birdc", "-s", socket().string()};
    argv.insert(argv.end(), args.begin(), args.end());
    return run_out(argv);
  }
  [[nodiscard]] pid_t pid() const { return ref_.pid; }

 private:
  std::filesystem::path dir_;
  process::ProcessRef ref_;
  bool started_ = false;
  std::string error_;
};

// The Speaker and one Rib per peer on their own thread inside `netns`. Use call() to look at them.
class SpeakerHarness {
 public:
  SpeakerHarness(std::string netns, SpeakerConfig config)
      : netns_(std::move(netns)), config_(std::move(config)), store_(std::make_shared<AttrStore>()) {}
  ~SpeakerHarness() { stop(); }
  SpeakerHarness(const SpeakerHarness&) = delete;
  SpeakerHarness& operator=(const SpeakerHarness&) = delete;

  // Starts the thread; returns the Speaker's start() result (listeners bound inside the namespace).
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
      speaker_ = std::make_unique<Speaker>(io_, config_);
      speaker_->on_update([this](const PeerInfo& peer, const RouteBatch& batch) {
        auto& r = rib(peer.address);
        r.apply(batch.withdrawn, batch.announced, batch.attrs);
        routes_.store(total_routes(), std::memory_order_relaxed);
        v6_prefixes_.store(r.prefix_count(Family::kIpv6), std::memory_order_relaxed);
      });
      speaker_->on_peer_down([this](const PeerInfo& peer) {
        rib(peer.address).clear();
        ++peer_downs_;
        routes_.store(total_routes(), std::memory_order_relaxed);
      });
      speaker_->on_state([this](const PeerInfo&, State s) {
        if (s == State::kEstablished) {
          ++established_;
        }
      });
      speaker_->on_log([this](std::string_view line) {
        std::lock_guard<std::mutex> lock(log_mutex_);
        log_.emplace_back(line);
      });
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
      if (speaker_) {
        speaker_->stop();
      }
      io_.stop();
    });
    thread_.join();
    boost::asio::post(io_, [this] {
      ribs_.clear();
      speaker_.reset();
    });
    io_.restart();
    io_.poll();
  }

  // Runs f on the speaker's thread and returns its result.
  template <class F>
  auto call(F f) -> decltype(f()) {
    std::packaged_task<decltype(f())()> task(std::move(f));
    auto fut = task.get_future();
    boost::asio::post(io_, [&task] { task(); });
    return fut.get();
  }

  // Only on the speaker's thread (inside call()).
  Rib& rib(const IpAddress& peer) {
    auto it = ribs_.find(peer);
    if (it == ribs_.end()) {
      it = ribs_.emplace(peer, std::make_unique<Rib>(store_)).first;
    }
    return *it->second;
  }
  Speaker& speaker() { return *speaker_; }
  [[nodiscard]] std::size_t routes() const { return routes_.load(std::memory_order_relaxed); }
  // IPv6 prefixes in the RIB of the peer that sent the latest UPDATE (progress reports of the ingest benchmark).
  [[nodiscard]] std::size_t v6_prefixes() const { return v6_prefixes_.load(std::memory_order_relaxed); }
  [[nodiscard]] int established() const { return established_.load(); }
  [[nodiscard]] int peer_downs() const { return peer_downs_.load(); }
  std::vector<std::string> log() {
    std::lock_guard<std::mutex> lock(log_mutex_);
    return log_;
  }

 private:
  std::size_t total_routes() const {
    std::size_t n = 0;
    for (const auto& [addr, r] : ribs_) {
      n += r->size();
    }
    return n;
  }

  std::string netns_;
  SpeakerConfig config_;
  boost::asio::io_context io_;
  std::thread thread_;
  std::shared_ptr<AttrStore> store_;
  std::unique_ptr<Speaker> speaker_;
  std::map<IpAddress, std::unique_ptr<Rib>> ribs_;
  std::atomic<std::size_t> routes_{0};
  std::atomic<std::size_t> v6_prefixes_{0};
  std::atomic<int> established_{0};
  std::atomic<int> peer_downs_{0};
  std::mutex log_mutex_;
  std::vector<std::string> log_;
};

}  // namespace flowlab::bgp::testing
