#include "probes/bgp/session.hpp"

#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ip/v6_only.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/write.hpp>

#include <cstring>
#include <deque>
#include <map>

namespace flowlab::bgp {

namespace asio = boost::asio;
using tcp = asio::ip::tcp;
using boost::system::error_code;

std::string_view to_string(State state) {
  switch (state) {
    case State::kIdle:
      return "Idle";
    case State::kConnect:
      return "Connect";
    case State::kActive:
      return "Active";
    case State::kOpenSent:
      return "OpenSent";
    case State::kOpenConfirm:
      return "OpenConfirm";
    case State::kEstablished:
      return "Established";
  }
  return "?";
}

namespace {

IpAddress from_asio(const asio::ip::address& a) {
  if (a.is_v4()) {
    return IpAddress::v4(a.to_v4().to_uint());
  }
  const auto v6 = a.to_v6();
  if (v6.is_v4_mapped()) {
    return IpAddress::v4(asio::ip::make_address_v4(asio::ip::v4_mapped, v6).to_uint());
  }
  std::array<std::uint8_t, 16> b{};
  const auto bytes = v6.to_bytes();
  std::copy(bytes.begin(), bytes.end(), b.begin());
  return IpAddress::v6(b);
}

asio::ip::address to_asio(const IpAddress& a) {
  if (a.is_v6()) {
    asio::ip::address_v6::bytes_type b{};
    std::copy(a.bytes.begin(), a.bytes.end(), b.begin());
    return asio::ip::address_v6(b);
  }
  if (a.is_v4()) {
    return asio::ip::address_v4(a.v4_host_order());
  }
  return asio::ip::address_v4::any();
}

constexpr std::chrono::seconds kLargeHoldTime{240};  // RFC 4271 §8.2.2: hold timer while waiting for OPEN
constexpr std::size_t kReadBuffer = std::size_t{256} * 1024;
// A stream of UPDATEs that stops for this long before the table is complete gets one KEEPALIVE (see nudge()).
constexpr std::chrono::milliseconds kNudgeIdle{20};
constexpr std::chrono::seconds kKeepaliveSpacing{1};  // RFC 4271 §4.4: no more than one KEEPALIVE per second

}  // namespace

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

class Session : public std::enable_shared_from_this<Session> {
 public:
  Session(std::weak_ptr<Speaker::Impl> owner, PeerConfig config, tcp::socket socket, const SpeakerConfig& sc)
      : owner_(std::move(owner)),
        config_(std::move(config)),
        socket_(std::move(socket)),
        hold_timer_(socket_.get_executor()),
        keepalive_timer_(socket_.get_executor()),
        nudge_timer_(socket_.get_executor()),
        hold_time_(sc.hold_time),
        bgp_id_(sc.bgp_id),
        local_as_(config_.local_as.value_or(sc.local_as)),
        rbuf_(kReadBuffer) {
    info_.address = config_.address;
    info_.name = config_.name;
    if (bgp_id_ == 0) {
      error_code ec;
      const auto local = socket_.local_endpoint(ec);
      if (!ec && local.address().is_v4()) {
        bgp_id_ = local.address().to_v4().to_uint();
      }
      if (bgp_id_ == 0) {
        bgp_id_ = 0x0a000001U;
      }
    }
  }

  void start() {
    error_code ec;
    socket_.set_option(tcp::no_delay(true), ec);
    set_state(State::kActive);
    const bool know_local_as = !config_.mirror_as || config_.peer_as != 0;
    if (know_local_as) {
      if (config_.mirror_as) {
        local_as_ = config_.peer_as;
      }
      send_open();
    }
    arm_hold(kLargeHoldTime);
    read();
  }

  void close(std::optional<Notification> notification) {
    if (closed_) {
      return;
    }
    closed_ = true;
    hold_timer_.cancel();
    keepalive_timer_.cancel();
    nudge_timer_.cancel();
    const bool was_established = state_ == State::kEstablished;
    if (notification) {
      last_sent_ = notification;
      auto self = shared_from_this();
      auto msg = std::make_shared<std::vector<std::byte>>(encode(*notification));
      // Best effort: write the NOTIFICATION, then close whatever happens.
      asio::async_write(socket_, asio::buffer(*msg), [self, msg](error_code, std::size_t) {
        error_code ignored;
        self->socket_.shutdown(tcp::socket::shutdown_both, ignored);
        self->socket_.close(ignored);
      });
    } else {
      error_code ignored;
      socket_.close(ignored);
    }
    set_state(State::kIdle);
    if (auto owner = owner_.lock()) {
      owner->session_closed(*this, was_established);
    }
  }

  bool request_refresh(AfiSafi af) {
    if (state_ != State::kEstablished || !peer_route_refresh_) {
      return false;
    }
    send(encode(RouteRefresh{af, 0}));
    return true;
  }

  [[nodiscard]] State state() const { return state_; }
  [[nodiscard]] const PeerInfo& info() const { return info_; }
  [[nodiscard]] const Counters& counters() const { return counters_; }
  [[nodiscard]] const std::optional<Notification>& last_sent() const { return last_sent_; }
  [[nodiscard]] const std::optional<Notification>& last_received() const { return last_received_; }
  void detach() { owner_.reset(); }

 private:
  void set_state(State s) {
    if (s == state_) {
      return;
    }
    state_ = s;
    if (auto owner = owner_.lock()) {
      owner->session_state(*this, s);
    }
  }

  void send(std::vector<std::byte> message) {
    wqueue_.push_back(std::move(message));
    if (!writing_) {
      write_next();
    }
  }

  void write_next() {
    if (wqueue_.empty() || closed_) {
      writing_ = false;
      return;
    }
    writing_ = true;
    auto self = shared_from_this();
    asio::async_write(socket_, asio::buffer(wqueue_.front()), [self](error_code ec, std::size_t) {
      if (self->closed_) {
        return;
      }
      self->wqueue_.pop_front();
      if (ec) {
        self->close(std::nullopt);
        return;
      }
      self->write_next();
    });
  }

  void send_open() {
    Open o;
    o.my_as = local_as_ > 0xffffU ? kAsTrans : static_cast<std::uint16_t>(local_as_);
    o.hold_time = hold_time_;
    o.bgp_id = bgp_id_;
    o.capabilities.emplace_back(MultiprotocolCap{kIpv4Unicast});
    o.capabilities.emplace_back(MultiprotocolCap{kIpv6Unicast});
    o.capabilities.emplace_back(RouteRefreshCap{});
    o.capabilities.emplace_back(EnhancedRouteRefreshCap{});
    o.capabilities.emplace_back(FourOctetAsCap{local_as_});
    if (config_.add_path_receive) {
      o.capabilities.emplace_back(
          AddPathCap{{{kIpv4Unicast, AddPathMode::kReceive}, {kIpv6Unicast, AddPathMode::kReceive}}});
    }
    open_sent_ = true;
    send(encode(o));
    set_state(State::kOpenSent);
  }

  void arm_hold(std::chrono::seconds d) {
    if (d.count() == 0) {
      hold_timer_.cancel();
      return;
    }
    hold_timer_.expires_after(d);
    auto self = shared_from_this();
    hold_timer_.async_wait([self](error_code ec) {
      if (ec || self->closed_) {
        return;
      }
      ++self->counters_.bgp_hold_timer_expired;
      self->close(Notification{err::kHoldTimer, 0, {}});
    });
  }

  void send_keepalive() {
    last_keepalive_ = std::chrono::steady_clock::now();
    send(encode(Keepalive{}));
  }

  // BIRD 2.0 can leave part of a large table unsent until its event loop next wakes up: after a burst its poll()
  // waits up to 3 s for input with routes still queued (seen with 1.2 M routes: the last ~50 k arrived 3 s late).
  // Any message from us wakes it, so when a stream of UPDATEs stops for kNudgeIdle we send one KEEPALIVE — at most
  // one per second (RFC 4271 §4.4), only after UPDATEs (never in answer to a KEEPALIVE, so two speakers cannot
  // ping-pong), and the timer is armed only while UPDATEs flow.
  void arm_nudge(std::chrono::steady_clock::time_point at) {
    nudge_armed_ = true;
    nudge_timer_.expires_at(at);
    auto self = shared_from_this();
    nudge_timer_.async_wait([self](error_code ec) {
      self->nudge_armed_ = false;
      if (!ec && !self->closed_) {
        self->nudge();
      }
    });
  }

  void nudge() {
    const auto now = std::chrono::steady_clock::now();
    if (now - last_update_rx_ < kNudgeIdle) {
      arm_nudge(last_update_rx_ + kNudgeIdle);  // still flowing
    } else if (now - last_keepalive_ < kKeepaliveSpacing) {
      arm_nudge(last_keepalive_ + kKeepaliveSpacing);
    } else if (state_ == State::kEstablished) {
      ++counters_.bgp_keepalive_nudge;
      send_keepalive();
    }
  }

  void arm_keepalive() {
    if (negotiated_hold_ == 0) {
      return;
    }
    keepalive_timer_.expires_after(std::chrono::seconds(std::max(1, negotiated_hold_ / 3)));
    auto self = shared_from_this();
    keepalive_timer_.async_wait([self](error_code ec) {
      if (ec || self->closed_) {
        return;
      }
      // A nudge may have gone less than a second ago (RFC 4271 §4.4).
      if (std::chrono::steady_clock::now() - self->last_keepalive_ >= kKeepaliveSpacing) {
        self->send_keepalive();
      }
      self->arm_keepalive();
    });
  }

  void read() {
    if (rlen_ == rbuf_.size()) {  // cannot happen with 4096-byte messages and compaction, but never spin
      close(Notification{err::kHeader, err::kBadLength, {}});
      return;
    }
    auto self = shared_from_this();
    socket_.async_read_some(asio::buffer(rbuf_.data() + rlen_, rbuf_.size() - rlen_),
                            [self](error_code ec, std::size_t n) {
                              if (self->closed_) {
                                return;
                              }
                              if (ec) {
                                self->close(std::nullopt);
                                return;
                              }
                              self->rlen_ += n;
                              if (self->consume()) {
                                self->read();
                              }
                            });
  }

  // Handles every complete message in the buffer; false when the session closed.
  bool consume() {
    std::size_t pos = 0;
    while (rlen_ - pos >= kHeaderSize) {
      const Bytes avail(rbuf_.data() + pos, rlen_ - pos);
      const std::size_t len = peek_length(avail);
      if (len >= kHeaderSize && len <= kMaxMessageSize && avail.size() < len) {
        break;  // wait for the rest
      }
      auto header = parse_header(avail);
      if (!header) {
        fail(header.error());
        return false;
      }
      handle(header->type, avail.subspan(kHeaderSize, header->length - kHeaderSize));
      if (closed_) {
        return false;
      }
      pos += header->length;
    }
    if (hold_rearm_) {
      hold_rearm_ = false;
      arm_hold(std::chrono::seconds(negotiated_hold_));
    }
    if (update_in_batch_) {
      update_in_batch_ = false;
      last_update_rx_ = std::chrono::steady_clock::now();
      if (!nudge_armed_) {
        arm_nudge(last_update_rx_ + kNudgeIdle);
      }
    }
    if (pos > 0) {
      std::memmove(rbuf_.data(), rbuf_.data() + pos, rlen_ - pos);
      rlen_ -= pos;
    }
    return true;
  }

  void fail(const BgpError& e) {
    ++counters_.bgp_session_reset;
    if (auto owner = owner_.lock()) {
      owner->log("bgp peer " + info_.name + ": " + e.to_string());
    }
    close(Notification{e.code, e.subcode, e.data});
  }

  void fsm_error(std::uint8_t subcode) {
    fail(BgpError{err::kFsm, subcode, {}, "unexpected message in " + std::string(to_string(state_)), 0});
  }

  void handle(MessageType type, Bytes body) {
    ++counters_.bgp_messages_in;
    if (state_ == State::kEstablished || state_ == State::kOpenConfirm) {
      hold_rearm_ = true;  // once per batch (consume()): re-arming a timer per message costs more than a route
    }
    switch (type) {
      case MessageType::kNotification: {
        ++counters_.bgp_notification_in;
        auto n = parse_notification(body);
        if (n) {
          last_received_ = *n;
          if (auto owner = owner_.lock()) {
            owner->log("bgp peer " + info_.name + " sent NOTIFICATION " + n->to_string());
          }
        }
        close(std::nullopt);
        return;
      }
      case MessageType::kOpen:
        if (state_ != State::kOpenSent && state_ != State::kActive) {
          fsm_error(state_ == State::kOpenConfirm ? 2 : 3);  // RFC 6608 subcodes
          return;
        }
        handle_open(body);
        return;
      case MessageType::kKeepalive:
        if (state_ == State::kOpenConfirm) {
          set_state(State::kEstablished);
          arm_keepalive();
        } else if (state_ != State::kEstablished) {
          fsm_error(1);
        }
        return;
      case MessageType::kUpdate:
        if (state_ != State::kEstablished) {
          fsm_error(state_ == State::kOpenConfirm ? 2 : 1);
          return;
        }
        update_in_batch_ = true;
        handle_update(body);
        return;
      case MessageType::kRouteRefresh: {
        ++counters_.bgp_route_refresh_in;
        auto rr = parse_route_refresh(body);
        if (!rr) {
          fail(rr.error());
        }
        return;  // we advertise nothing, so there is nothing to resend
      }
    }
  }

  void handle_open(Bytes body) {
    auto open = parse_open(body);
    if (!open) {
      fail(open.error());
      return;
    }
    if (auto ok = check_open(*open, config_.peer_as, bgp_id_); !ok) {
      fail(ok.error());
      return;
    }
    info_.asn = open->asn();
    info_.bgp_id = open->bgp_id;
    if (!open_sent_) {
      local_as_ = info_.asn;  // mirror mode with an unknown peer AS: answer now with theirs
      send_open();
    }
    negotiated_hold_ = std::min<int>(hold_time_, open->hold_time);
    SessionContext ctx;
    ctx.four_octet_as = open->has_four_octet_as();
    auto sends = [&](AfiSafi af) {
      const auto mode = open->add_path(af);
      return config_.add_path_receive && mode && (*mode == AddPathMode::kSend || *mode == AddPathMode::kBoth);
    };
    ctx.add_path_ipv4 = sends(kIpv4Unicast);
    ctx.add_path_ipv6 = sends(kIpv6Unicast);
    ctx.ebgp = info_.asn != local_as_;
    info_.context = ctx;
    peer_route_refresh_ = open->has_route_refresh() || open->has_enhanced_route_refresh();
    send_keepalive();
    set_state(State::kOpenConfirm);
    arm_hold(std::chrono::seconds(negotiated_hold_));
    arm_keepalive();
  }

  void handle_update(Bytes body) {
    auto decoded = parse_update(body, info_.context, counters_);
    if (!decoded) {
      fail(decoded.error());
      return;
    }
    auto owner = owner_.lock();
    if (!owner) {
      return;
    }
    Update& u = decoded->update;
    const UpdateVerdict& verdict = decoded->verdict;
    if (!verdict.reasons.empty()) {
      for (const auto& r : verdict.reasons) {
        owner->log("bgp peer " + info_.name + ": " + r + (verdict.treat_as_withdraw ? " (treat-as-withdraw)" : ""));
      }
    }
    if (u.is_end_of_rib()) {
      ++counters_.bgp_end_of_rib;
      if (owner->eor_cb_) {
        owner->eor_cb_(info_, u.attrs.mp_unreach ? u.attrs.mp_unreach->af : kIpv4Unicast);
      }
      return;
    }
    // The NLRI lists leave the UPDATE first, so its attributes can be moved (not copied) into the shared set.
    std::vector<Nlri> withdrawn = std::move(u.withdrawn);
    if (u.attrs.mp_unreach) {
      append(withdrawn, std::move(u.attrs.mp_unreach->withdrawn));
    }
    std::vector<Nlri> announced = std::move(u.nlri);
    if (u.attrs.mp_reach) {
      append(announced, std::move(u.attrs.mp_reach->nlri));
    }
    std::shared_ptr<const PathAttributes> attrs;
    if (!announced.empty() && !verdict.treat_as_withdraw) {
      attrs = std::make_shared<const PathAttributes>(std::move(u).route_attributes(info_.context.four_octet_as));
    }
    counters_.bgp_prefixes_withdrawn += withdrawn.size() + (attrs ? 0 : announced.size());
    counters_.bgp_prefixes_announced += attrs ? announced.size() : 0;
    if (owner->update_cb_) {
      if (!withdrawn.empty() || !announced.empty()) {
        owner->update_cb_(info_, RouteBatch{withdrawn, announced, attrs});
      }
      return;
    }
    if (!owner->route_cb_) {
      return;
    }
    for (const auto& n : withdrawn) {
      owner->route_cb_(info_, RouteEvent{n.prefix, n.path_id, nullptr});
    }
    for (const auto& n : announced) {
      owner->route_cb_(info_, RouteEvent{n.prefix, n.path_id, attrs});
    }
  }

  static void append(std::vector<Nlri>& to, std::vector<Nlri>&& from) {
    if (to.empty()) {
      to = std::move(from);
    } else {
      to.insert(to.end(), from.begin(), from.end());
    }
  }

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

// ---------------------------------------------------------------- Impl

Status Speaker::Impl::start() {
  for (const auto& l : config_.listen) {
    auto acceptor = std::make_unique<tcp::acceptor>(io_);
    const tcp::endpoint ep(to_asio(l.address), l.port);
    error_code ec;
    acceptor->open(ep.protocol(), ec);
    if (!ec) {
      acceptor->set_option(asio::socket_base::reuse_address(true), ec);
    }
    if (!ec && ep.address().is_v6()) {
      acceptor->set_option(asio::ip::v6_only(true), ec);
    }
    if (!ec) {
      acceptor->bind(ep, ec);
    }
    if (!ec) {
      acceptor->listen(asio::socket_base::max_listen_connections, ec);
    }
    if (ec) {
      return fail(ErrorKind::kSocket, "bgp listen on " + ep.address().to_string() + " port " + std::to_string(l.port) +
                                          ": " + ec.message());
    }
    acceptors_.push_back(std::move(acceptor));
  }
  for (auto& acceptor : acceptors_) {
    accept(*acceptor);
  }
  for (auto& [addr, peer] : peers_) {
    peer.status.state = State::kActive;
    if (peer.config.active) {
      connect(peer);
    }
  }
  return {};
}

void Speaker::Impl::accept(tcp::acceptor& acceptor) {
  auto self = shared_from_this();
  acceptor.async_accept([self, &acceptor](error_code ec, tcp::socket socket) {
    if (ec || self->stopped_) {
      return;
    }
    error_code ec2;
    const auto remote = socket.remote_endpoint(ec2);
    const IpAddress from = ec2 ? IpAddress{} : from_asio(remote.address());
    auto it = self->peers_.find(from);
    if (it == self->peers_.end()) {
      ++self->counters_.bgp_connection_rejected;
      self->log("bgp: closing connection from unconfigured address " + from.to_string());
      socket.close(ec2);
    } else {
      self->attach(it->second, std::move(socket));
    }
    self->accept(acceptor);
  });
}

void Speaker::Impl::attach(Peer& peer, tcp::socket socket) {
  if (peer.session) {
    const State s = peer.session->state();
    if (s == State::kEstablished || s == State::kOpenConfirm) {
      // RFC 4271 §6.8: keep the session that got further; refuse the newcomer.
      ++counters_.bgp_connection_rejected;
      auto msg = std::make_shared<std::vector<std::byte>>(encode(Notification{err::kCease, err::kCollision, {}}));
      auto sock = std::make_shared<tcp::socket>(std::move(socket));
      asio::async_write(*sock, asio::buffer(*msg), [sock, msg](error_code, std::size_t) {
        error_code ignored;
        sock->close(ignored);
      });
      return;
    }
    auto old = peer.session;
    peer.session.reset();
    old->close(Notification{err::kCease, err::kCollision, {}});
  }
  if (peer.retry) {
    peer.retry->cancel();
  }
  peer.session = std::make_shared<Session>(weak_from_this(), peer.config, std::move(socket), config_);
  peer.session->start();
}

void Speaker::Impl::connect(Peer& peer) {
  auto self = shared_from_this();
  auto socket = std::make_shared<tcp::socket>(io_);
  const tcp::endpoint ep(to_asio(peer.config.address), peer.config.port);
  const IpAddress key = peer.config.address;
  peer.status.state = State::kConnect;
  socket->async_connect(ep, [self, socket, key](error_code ec) {
    if (self->stopped_) {
      return;
    }
    auto it = self->peers_.find(key);
    if (it == self->peers_.end()) {
      return;
    }
    Peer& p = it->second;
    if (ec) {
      p.status.state = State::kActive;
      self->schedule_retry(p);
      return;
    }
    if (p.session) {
      return;  // an inbound connection won meanwhile
    }
    self->attach(p, std::move(*socket));
  });
}

void Speaker::Impl::schedule_retry(Peer& peer) {
  if (!peer.config.active || stopped_) {
    return;
  }
  if (!peer.retry) {
    peer.retry = std::make_unique<asio::steady_timer>(io_);
  }
  peer.retry->expires_after(config_.connect_retry);
  auto self = shared_from_this();
  const IpAddress key = peer.config.address;
  peer.retry->async_wait([self, key](error_code ec) {
    if (ec || self->stopped_) {
      return;
    }
    auto it = self->peers_.find(key);
    if (it != self->peers_.end() && !it->second.session) {
      self->connect(it->second);
    }
  });
}

void Speaker::Impl::session_state(Session& s, State state) {
  auto it = peers_.find(s.info().address);
  if (it == peers_.end() || it->second.session.get() != &s) {
    return;
  }
  it->second.status.info = s.info();
  it->second.status.state = state;
  if (state == State::kEstablished) {
    ++it->second.status.established_count;
  }
  if (state_cb_) {
    state_cb_(s.info(), state);
  }
}

void Speaker::Impl::session_closed(Session& s, bool was_established) {
  counters_ += s.counters();
  auto it = peers_.find(s.info().address);
  if (was_established && down_cb_) {
    down_cb_(s.info());
  }
  if (it == peers_.end() || it->second.session.get() != &s) {
    return;
  }
  Peer& p = it->second;
  p.status.last_notification_sent = s.last_sent();
  p.status.last_notification_received = s.last_received();
  p.status.state = stopped_ ? State::kIdle : State::kActive;
  auto keep = p.session;  // the session object lives until its handlers finish
  p.session.reset();
  if (state_cb_ && !stopped_) {
    state_cb_(s.info(), p.status.state);
  }
  schedule_retry(p);
}

void Speaker::Impl::stop() {
  if (stopped_) {
    return;
  }
  stopped_ = true;
  for (auto& a : acceptors_) {
    error_code ignored;
    a->close(ignored);
  }
  for (auto& [addr, peer] : peers_) {
    if (peer.retry) {
      peer.retry->cancel();
    }
    if (peer.session) {
      auto s = peer.session;
      s->close(Notification{err::kCease, err::kAdminShutdown, {}});
    }
  }
}

// ---------------------------------------------------------------- Speaker

Speaker::Speaker(asio::io_context& io, SpeakerConfig config) : impl_(std::make_shared<Impl>(io, std::move(config))) {}

Speaker::~Speaker() {
  impl_->route_cb_ = nullptr;
  impl_->update_cb_ = nullptr;
  impl_->state_cb_ = nullptr;
  impl_->down_cb_ = nullptr;
  impl_->eor_cb_ = nullptr;
  impl_->log_cb_ = nullptr;
  impl_->stop();
  for (auto& [addr, peer] : impl_->peers_) {
    if (peer.session) {
      peer.session->detach();
    }
  }
}

void Speaker::on_route(RouteCallback cb) { impl_->route_cb_ = std::move(cb); }
void Speaker::on_update(UpdateCallback cb) { impl_->update_cb_ = std::move(cb); }
void Speaker::on_state(StateCallback cb) { impl_->state_cb_ = std::move(cb); }
void Speaker::on_peer_down(PeerCallback cb) { impl_->down_cb_ = std::move(cb); }
void Speaker::on_end_of_rib(EndOfRibCallback cb) { impl_->eor_cb_ = std::move(cb); }
void Speaker::on_log(LogCallback cb) { impl_->log_cb_ = std::move(cb); }

Status Speaker::start() { return impl_->start(); }
void Speaker::stop() { impl_->stop(); }

bool Speaker::request_refresh(const IpAddress& peer, AfiSafi af) {
  auto it = impl_->peers_.find(peer);
  return it != impl_->peers_.end() && it->second.session && it->second.session->request_refresh(af);
}

std::vector<ListenAddress> Speaker::listening() const {
  std::vector<ListenAddress> out;
  for (const auto& a : impl_->acceptors_) {
    error_code ec;
    const auto ep = a->local_endpoint(ec);
    if (!ec) {
      out.push_back(ListenAddress{from_asio(ep.address()), ep.port()});
    }
  }
  return out;
}

std::vector<PeerStatus> Speaker::peers() const {
  std::vector<PeerStatus> out;
  for (const auto& [addr, peer] : impl_->peers_) {
    PeerStatus s = peer.status;
    if (peer.session) {
      s.info = peer.session->info();
    }
    out.push_back(std::move(s));
  }
  return out;
}

Counters Speaker::counters() const {
  Counters c = impl_->counters_;
  for (const auto& [addr, peer] : impl_->peers_) {
    if (peer.session) {
      c += peer.session->counters();
    }
  }
  return c;
}

}  // namespace flowlab::bgp
