// flowlab::bgp internals of the Speaker (session.hpp): the shared state behind it (speaker.cpp: listeners, peers,
// connection retries, the public facade) and one Session per TCP connection (session.cpp: the RFC 4271 FSM, its
// timers and the message I/O). Internal to probes/bgp.
#pragma once

#include "probes/bgp/session.hpp"

#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/steady_timer.hpp>

#include <deque>
#include <map>
#include <memory>

namespace flowlab::bgp {

namespace asio = boost::asio;
using tcp = asio::ip::tcp;

class Session;

// Shared state behind Speaker; pending handlers keep it (weakly) reachable after the Speaker is gone.
class Speaker::Impl : public std::enable_shared_from_this<Speaker::Impl> {
 public:
  struct Peer {
    PeerConfig config;
    std::shared_ptr<Session> session;
    std::unique_ptr<asio::steady_timer> retry;
    PeerStatus status;
  };

  Impl(asio::io_context& io, SpeakerConfig config) : io_(io), config_(std::move(config)) {
    for (const auto& pc : config_.peers) {
      Peer p;
      p.config = pc;
      if (p.config.name.empty()) {
        p.config.name = pc.address.to_string();
      }
      p.status.info.address = pc.address;
      p.status.info.name = p.config.name;
      p.status.state = State::kIdle;
      peers_.emplace(pc.address, std::move(p));
    }
  }

  void log(const std::string& text) const {
    if (log_cb_) {
      log_cb_(text);
    }
  }

  Status start();
  void stop();
  Status set_listener_keys(tcp::acceptor& acceptor) const;
  void accept(tcp::acceptor& acceptor);
  void connect(Peer& peer);
  void schedule_retry(Peer& peer);
  void attach(Peer& peer, tcp::socket socket);
  void session_state(Session& s, State state);
  void session_closed(Session& s, bool was_established);

  asio::io_context& io_;
  SpeakerConfig config_;
  std::vector<std::unique_ptr<tcp::acceptor>> acceptors_;
  std::map<IpAddress, Peer> peers_;
  Counters counters_;  // speaker-level plus sessions that ended
  bool stopped_ = false;
  RouteCallback route_cb_;
  UpdateCallback update_cb_;
  StateCallback state_cb_;
  PeerCallback down_cb_;
  EndOfRibCallback eor_cb_;
  LogCallback log_cb_;
};

// One TCP connection to a peer and its RFC 4271 state machine.
class Session : public std::enable_shared_from_this<Session> {
 public:
  Session(std::weak_ptr<Speaker::Impl> owner, PeerConfig config, tcp::socket socket, const SpeakerConfig& sc);
  void start();
  void close(std::optional<Notification> notification);
  bool request_refresh(AfiSafi af);
  [[nodiscard]] State state() const { return state_; }
  [[nodiscard]] const PeerInfo& info() const { return info_; }
  [[nodiscard]] const Counters& counters() const { return counters_; }
  [[nodiscard]] const std::optional<Notification>& last_sent() const { return last_sent_; }
  [[nodiscard]] const std::optional<Notification>& last_received() const { return last_received_; }
  void detach() { owner_.reset(); }

 private:
  void set_state(State s);
  void send(std::vector<std::byte> message);
  void write_next();
  void send_open();
  void arm_hold(std::chrono::seconds d);
  void send_keepalive();

  // BIRD 2.0 can leave part of a large table unsent until its event loop next wakes up: after a burst its poll()
  // waits up to 3 s for input with routes still queued (seen with 1.2 M routes: the last ~50 k arrived 3 s late).
  // Any message from us wakes it, so when a stream of UPDATEs stops for kNudgeIdle we send one KEEPALIVE — at most
  // one per second (RFC 4271 §4.4), only after UPDATEs (never in answer to a KEEPALIVE, so two speakers cannot
  // ping-pong), and the timer is armed only while UPDATEs flow.
  void arm_nudge(std::chrono::steady_clock::time_point at);
  void nudge();
  void arm_keepalive();
  void read();

  // Handles every complete message in the buffer; false when the session closed.
  bool consume();
  void fail(const BgpError& e);
  void fsm_error(std::uint8_t subcode);
  void handle(MessageType type, Bytes body);
  void handle_open(Bytes body);
  void handle_update(Bytes body);
  std::weak_ptr<Speaker::Impl> owner_;
  PeerConfig config_;
  tcp::socket socket_;
  asio::steady_timer hold_timer_;
  asio::steady_timer keepalive_timer_;
  asio::steady_timer nudge_timer_;
  std::chrono::steady_clock::time_point last_keepalive_{};  // the last KEEPALIVE we sent
  std::chrono::steady_clock::time_point last_update_rx_{};  // the last read batch that carried an UPDATE
  std::uint16_t hold_time_;
  int negotiated_hold_ = 0;
  std::uint32_t bgp_id_;
  std::uint32_t local_as_;
  bool open_sent_ = false;
  bool closed_ = false;
  bool writing_ = false;
  bool peer_route_refresh_ = false;
  bool hold_rearm_ = false;       // a message arrived in OpenConfirm/Established: re-arm the hold timer after the batch
  bool update_in_batch_ = false;  // the read batch being consumed carried an UPDATE
  bool nudge_armed_ = false;
  State state_ = State::kIdle;
  PeerInfo info_;
  Counters counters_;
  std::optional<Notification> last_sent_;
  std::optional<Notification> last_received_;
  std::vector<std::byte> rbuf_;
  std::size_t rlen_ = 0;
  std::deque<std::vector<std::byte>> wqueue_;
};

}  // namespace flowlab::bgp
