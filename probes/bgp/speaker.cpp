// The Speaker: listeners, configured peers, active connects with retry, one Session per peer (RFC 4271 §6.8
// collision handling), counters and status for callers.
#include "probes/bgp/speaker_impl.hpp"

#include "probes/bgp/asio_address.hpp"
#include "probes/bgp/tcp_md5.hpp"

#include <boost/asio/write.hpp>

namespace flowlab::bgp {

using boost::system::error_code;

// ---------------------------------------------------------------- Impl

Status Speaker::Impl::start() {
  for (const auto& l : config_.listen) {
    auto acceptor = open_listener(io_, l.address, l.port, "bgp");
    if (!acceptor) {
      return fail(acceptor.error());
    }
    FLOWLAB_TRY(set_listener_keys(**acceptor));
    acceptors_.push_back(std::move(*acceptor));
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

// The TCP-MD5 key of every peer with a password, of the listener's family (IPv6 listeners are IPv6-only): accepted
// connections inherit them, and the kernel completes no handshake from that address without the key.
Status Speaker::Impl::set_listener_keys(tcp::acceptor& acceptor) const {
  error_code ec;
  const bool v6 = acceptor.local_endpoint(ec).address().is_v6();
  for (const auto& [addr, peer] : peers_) {
    if (!peer.config.password.empty() && addr.is_v6() == v6) {
      FLOWLAB_TRY(set_tcp_md5(acceptor.native_handle(), addr, peer.config.password));
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
  if (!peer.config.password.empty()) {
    error_code ec;
    socket->open(ep.protocol(), ec);
    const Status keyed =
        ec ? fail(ErrorKind::kSocket, ec.message()) : set_tcp_md5(socket->native_handle(), key, peer.config.password);
    if (!keyed.ok()) {
      log("bgp: connect to " + key.to_string() + ": " + keyed.error().message);
      peer.status.state = State::kActive;
      schedule_retry(peer);
      return;
    }
  }
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
