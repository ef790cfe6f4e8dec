// Speaker against a scripted peer on 127.0.0.1 (no namespace needed): the peer is a blocking TCP socket in the test
// that writes hand-built messages and reads what the Speaker sends, with arrival times. Covers the KEEPALIVE nudge:
// after a stream of UPDATEs pauses, the Speaker sends one KEEPALIVE (it wakes BIRD 2.0, which can otherwise sit on
// queued routes for 3 s), never more than one per second, and never in answer to KEEPALIVEs alone.
#include "probes/bgp/session.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>

#include <chrono>
#include <future>
#include <thread>

namespace flowlab::bgp {
namespace {

using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;

struct Received {
  MessageType type;
  Clock::time_point at;
};

// The scripted peer's end of the TCP connection.
class ScriptedPeer {
 public:
  explicit ScriptedPeer(std::uint16_t port) : fd_(socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0)) {
    sockaddr_in sa{};
    sa.sin_family = AF_INET;
    sa.sin_port = htons(port);
    sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    connected_ = fd_ >= 0 && connect(fd_, reinterpret_cast<const sockaddr*>(&sa), sizeof(sa)) == 0;
  }
  ~ScriptedPeer() {
    if (fd_ >= 0) {
      ::close(fd_);
    }
  }
  ScriptedPeer(const ScriptedPeer&) = delete;
  ScriptedPeer& operator=(const ScriptedPeer&) = delete;

  [[nodiscard]] bool connected() const { return connected_; }

  void write(const std::vector<std::byte>& message) const {
    ASSERT_EQ(::write(fd_, message.data(), message.size()), static_cast<ssize_t>(message.size()));
  }

  // Every whole message that arrives within `window`.
  std::vector<Received> read_for(std::chrono::milliseconds window) {
    std::vector<Received> out;
    const auto deadline = Clock::now() + window;
    while (true) {
      const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now()).count();
      if (left <= 0) {
        break;
      }
      pollfd p{fd_, POLLIN, 0};
      if (poll(&p, 1, static_cast<int>(left)) <= 0) {
        continue;
      }
      std::byte chunk[4096];
      const ssize_t n = ::read(fd_, chunk, sizeof(chunk));
      if (n <= 0) {
        break;
      }
      buffer_.insert(buffer_.end(), chunk, chunk + n);
      const auto now = Clock::now();
      while (buffer_.size() >= 19) {
        const std::size_t len =
            (std::to_integer<std::size_t>(buffer_[16]) << 8U) | std::to_integer<std::size_t>(buffer_[17]);
        if (buffer_.size() < len) {
          break;
        }
        out.push_back({static_cast<MessageType>(std::to_integer<int>(buffer_[18])), now});
        buffer_.erase(buffer_.begin(), buffer_.begin() + static_cast<std::ptrdiff_t>(len));
      }
    }
    return out;
  }

 private:
  int fd_;
  bool connected_ = false;
  std::vector<std::byte> buffer_;
};

std::size_t count(const std::vector<Received>& msgs, MessageType type) {
  std::size_t n = 0;
  for (const auto& m : msgs) {
    n += m.type == type ? 1 : 0;
  }
  return n;
}

std::vector<std::byte> update(std::uint32_t i) {
  Update u;
  u.attrs.origin = Origin::kIgp;
  u.attrs.as_path = AsPath{{AsPathSegment{SegmentType::kSequence, {65001, 64512 + (i % 100)}}}};
  u.attrs.next_hop = IpAddress::v4(0x7f000001U);
  u.nlri.push_back(Nlri{Prefix{IpAddress::v4(0x0a000000U | (i << 8U)), 24}, 0});
  return encode(u, SessionContext{});
}

class SpeakerNudge : public ::testing::Test {
 protected:
  void SetUp() override {
    SpeakerConfig cfg;
    cfg.listen = {ListenAddress{IpAddress::v4(0x7f000001U), 0}};
    cfg.local_as = 65000;
    cfg.hold_time = 90;  // our periodic KEEPALIVE every 30 s: none falls inside the test
    PeerConfig peer;
    peer.address = IpAddress::v4(0x7f000001U);
    peer.peer_as = 65001;
    cfg.peers = {peer};
    speaker_ = std::make_unique<Speaker>(io_, cfg);
    speaker_->on_update([this](const PeerInfo&, const RouteBatch& batch) { announced_ += batch.announced.size(); });
    ASSERT_TRUE(speaker_->start().ok());
    port_ = speaker_->listening().front().port;
    thread_ = std::thread([this] {
      auto guard = boost::asio::make_work_guard(io_);
      io_.run();
    });
  }
  void TearDown() override {
    std::promise<void> stopped;
    boost::asio::post(io_, [&] {
      speaker_->stop();
      stopped.set_value();
    });
    stopped.get_future().wait();
    io_.stop();
    if (thread_.joinable()) {
      thread_.join();
    }
  }

  // Counters, read on the Speaker's thread.
  Counters counters() {
    std::promise<Counters> p;
    boost::asio::post(io_, [&] { p.set_value(speaker_->counters()); });
    return p.get_future().get();
  }

  // OPEN both ways, KEEPALIVE both ways: the session is Established when this returns.
  void establish(ScriptedPeer& peer) {
    Open open;
    open.my_as = 65001;
    open.hold_time = 90;
    open.bgp_id = 0x01020304;
    open.capabilities = {MultiprotocolCap{kIpv4Unicast}, FourOctetAsCap{65001}};
    peer.write(encode(open));
    const auto first = peer.read_for(300ms);
    ASSERT_EQ(count(first, MessageType::kOpen), 1U);
    ASSERT_EQ(count(first, MessageType::kKeepalive), 1U);
    peer.write(encode(Keepalive{}));
  }

  boost::asio::io_context io_;
  std::unique_ptr<Speaker> speaker_;
  std::thread thread_;
  std::uint16_t port_ = 0;
  std::atomic<std::size_t> announced_{0};
};

TEST_F(SpeakerNudge, PausedUpdateStreamGetsOneKeepaliveAtMostOncePerSecond) {
  ScriptedPeer peer(port_);
  ASSERT_TRUE(peer.connected());
  establish(peer);

  // KEEPALIVEs alone are never answered (two such speakers must not ping-pong).
  peer.write(encode(Keepalive{}));
  EXPECT_EQ(peer.read_for(1300ms).size(), 0U);

  // A burst of UPDATEs, then silence: one KEEPALIVE soon after (our last one, at OPEN, is > 1 s old).
  for (std::uint32_t i = 0; i < 200; ++i) {
    peer.write(update(i));
  }
  const auto burst_end = Clock::now();
  const auto after_first = peer.read_for(600ms);
  ASSERT_EQ(after_first.size(), 1U);
  EXPECT_EQ(after_first.front().type, MessageType::kKeepalive);
  EXPECT_GE(after_first.front().at - burst_end, 15ms);  // waits for the pause
  EXPECT_LT(after_first.front().at - burst_end, 400ms);
  EXPECT_EQ(announced_.load(), 200U);

  // A second burst right away: its KEEPALIVE waits until a second after the first one.
  for (std::uint32_t i = 200; i < 300; ++i) {
    peer.write(update(i));
  }
  const auto after_second = peer.read_for(1500ms);
  ASSERT_EQ(after_second.size(), 1U);
  EXPECT_EQ(after_second.front().type, MessageType::kKeepalive);
  EXPECT_GE(after_second.front().at - after_first.front().at, 990ms);

  // Nothing more while the peer stays silent.
  EXPECT_EQ(peer.read_for(1200ms).size(), 0U);
  EXPECT_EQ(counters().bgp_keepalive_nudge, 2U);
  EXPECT_EQ(announced_.load(), 300U);
}

}  // namespace
}  // namespace flowlab::bgp
