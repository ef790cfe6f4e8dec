// One BGP session (RFC 4271 §8): the FSM from OPEN to Established, hold/keepalive timers, framing of the byte stream
// into messages and the hand-over of each UPDATE's routes to the Speaker's callbacks.
#include "probes/bgp/speaker_impl.hpp"

#include <boost/asio/write.hpp>

#include <algorithm>
#include <cstring>

namespace flowlab::bgp {

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

constexpr std::chrono::seconds kLargeHoldTime{240};  // RFC 4271 §8.2.2: hold timer while waiting for OPEN
constexpr std::size_t kReadBuffer = std::size_t{256} * 1024;
// A stream of UPDATEs that stops for this long before the table is complete gets one KEEPALIVE (see nudge()).
constexpr std::chrono::milliseconds kNudgeIdle{20};
constexpr std::chrono::seconds kKeepaliveSpacing{1};  // RFC 4271 §4.4: no more than one KEEPALIVE per second

}  // namespace

Session::Session(std::weak_ptr<Speaker::Impl> owner, PeerConfig config, tcp::socket socket, const SpeakerConfig& sc)
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

void Session::start() {
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

void Session::close(std::optional<Notification> notification) {
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

bool Session::request_refresh(AfiSafi af) {
  if (state_ != State::kEstablished || !peer_route_refresh_) {
    return false;
  }
  send(encode(RouteRefresh{af, 0}));
  return true;
}

void Session::set_state(State s) {
  if (s == state_) {
    return;
  }
  state_ = s;
  if (auto owner = owner_.lock()) {
    owner->session_state(*this, s);
  }
}

void Session::send(std::vector<std::byte> message) {
  wqueue_.push_back(std::move(message));
  if (!writing_) {
    write_next();
  }
}

void Session::write_next() {
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

void Session::send_open() {
  Open o;
  o.my_as = local_as_ > 0xffffU ? kAsTrans : static_cast<std::uint16_t>(local_as_);
  o.hold_time = hold_time_;
  o.bgp_id = bgp_id_;
  o.capabilities.emplace_back(MultiprotocolCap{kIpv4Unicast});
  o.capabilities.emplace_back(MultiprotocolCap{kIpv6Unicast});
  o.capabilities.emplace_back(RouteRefreshCap{});
  o.capabilities.emplace_back(EnhancedRouteRefreshCap{});
  o.capabilities.emplace_back(FourOctetAsCap{local_as_});
  // Graceful Restart (RFC 4724 §3) with no address family and restart time 0: we keep no forwarding state, but the
  // capability asks the peer for End-of-RIB markers — FRR 8.4 sends them only to peers that advertise it (BIRD 2
  // sends them anyway); the collector does not enrich from a table before its End-of-RIB (bgp_tables.hpp).
  o.capabilities.emplace_back(GracefulRestartCap{});
  if (config_.add_path_receive) {
    o.capabilities.emplace_back(
        AddPathCap{{{kIpv4Unicast, AddPathMode::kReceive}, {kIpv6Unicast, AddPathMode::kReceive}}});
  }
  open_sent_ = true;
  send(encode(o));
  set_state(State::kOpenSent);
}

void Session::arm_hold(std::chrono::seconds d) {
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

void Session::send_keepalive() {
  last_keepalive_ = std::chrono::steady_clock::now();
  send(encode(Keepalive{}));
}

void Session::arm_nudge(std::chrono::steady_clock::time_point at) {
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

void Session::nudge() {
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

void Session::arm_keepalive() {
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

void Session::read() {
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

bool Session::consume() {
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

void Session::fail(const BgpError& e) {
  ++counters_.bgp_session_reset;
  if (auto owner = owner_.lock()) {
    owner->log("bgp peer " + info_.name + ": " + e.to_string());
  }
  close(Notification{e.code, e.subcode, e.data});
}

void Session::fsm_error(std::uint8_t subcode) {
  fail(BgpError{err::kFsm, subcode, {}, "unexpected message in " + std::string(to_string(state_)), 0});
}

void Session::handle(MessageType type, Bytes body) {
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

void Session::handle_open(Bytes body) {
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
  const auto families = open->multiprotocol();  // we offer both: the peer's list is what is negotiated
  ctx.ipv4_unicast = families.empty() || std::ranges::find(families, kIpv4Unicast) != families.end();
  ctx.ipv6_unicast = std::ranges::find(families, kIpv6Unicast) != families.end();
  info_.context = ctx;
  peer_route_refresh_ = open->has_route_refresh() || open->has_enhanced_route_refresh();
  send_keepalive();
  set_state(State::kOpenConfirm);
  arm_hold(std::chrono::seconds(negotiated_hold_));
  arm_keepalive();
}

void Session::handle_update(Bytes body) {
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
  auto [withdrawn, announced, attrs] = route_changes(std::move(*decoded), info_.context.four_octet_as);
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

}  // namespace flowlab::bgp
