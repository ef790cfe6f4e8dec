#include "probes/bmp/feed.hpp"

namespace flowlab::bmp {

Status Feed::feed(Bytes data) {
  buffer_.insert(buffer_.end(), data.begin(), data.end());
  std::size_t done = 0;
  Status status;
  while (status) {
    const Bytes rest = Bytes(buffer_).subspan(done);
    auto length = peek_length(rest);
    if (!length) {
      status = fail(length.error());
      break;
    }
    if (*length == 0 || rest.size() < *length) {
      break;
    }
    if (auto handled = handle(rest.subspan(0, *length)); !handled) {
      ++counters_.message_errors;
      if (handlers_.skipped) {
        handlers_.skipped(handled.error());
      }
    }
    done += *length;
  }
  buffer_.erase(buffer_.begin(), buffer_.begin() + static_cast<std::ptrdiff_t>(done));
  return status;
}

Status Feed::handle(Bytes message) {
  auto parsed = parse_message(message);
  if (!parsed) {
    return fail(parsed.error());
  }
  ++counters_.messages;
  on_message(*parsed);
  return {};
}

void Feed::on_message(const Message& message) {
  if (const auto* rm = std::get_if<RouteMonitoring>(&message)) {
    on_route_monitoring(*rm);
  } else if (const auto* up = std::get_if<PeerUp>(&message)) {
    ++counters_.peer_up;
    counters_.open_missing += (up->sent ? 0U : 1U) + (up->received ? 0U : 1U);
    peers_.insert_or_assign(key_of(up->peer), *up);
    if (handlers_.peer_up) {
      handlers_.peer_up(*up, session_context(*up));
    }
  } else if (const auto* down = std::get_if<PeerDown>(&message)) {
    ++counters_.peer_down;
    peers_.erase(key_of(down->peer));
    if (handlers_.peer_down) {
      handlers_.peer_down(*down);
    }
  } else if (const auto* stats = std::get_if<StatsReport>(&message)) {
    ++counters_.stats_reports;
    if (handlers_.stats) {
      handlers_.stats(*stats);
    }
  } else if (const auto* init = std::get_if<Initiation>(&message)) {
    ++counters_.initiation;
    if (handlers_.initiation) {
      handlers_.initiation(*init);
    }
  } else if (const auto* term = std::get_if<Termination>(&message)) {
    ++counters_.termination;
    if (handlers_.termination) {
      handlers_.termination(*term);
    }
  } else {
    ++counters_.route_mirroring;
  }
}

void Feed::on_route_monitoring(const RouteMonitoring& rm) {
  ++counters_.route_monitoring;
  bgp::SessionContext ctx;
  if (auto it = peers_.find(key_of(rm.peer)); it != peers_.end()) {
    ctx = session_context(it->second, rm.peer.adj_rib_out());
  }
  auto decoded = decode_update(rm, ctx, counters_.bgp);
  if (!decoded && (ctx.add_path_ipv4 || ctx.add_path_ipv6)) {
    // FRR 8.4's bgpd_bmp writes its UPDATEs without path ids even on ADD-PATH sessions: try that reading.
    ctx.add_path_ipv4 = false;
    ctx.add_path_ipv6 = false;
    decoded = decode_update(rm, ctx, counters_.bgp);
    counters_.add_path_fallback += decoded ? 1U : 0U;
  }
  if (!decoded) {
    ++counters_.update_errors;
    return;
  }
  if (const bgp::Update& u = decoded->update; u.is_end_of_rib()) {
    ++counters_.end_of_rib;
    if (handlers_.end_of_rib) {
      handlers_.end_of_rib(rm.peer, rm.peer.rib_kind(),
                           u.attrs.mp_unreach ? u.attrs.mp_unreach->af : bgp::kIpv4Unicast);
    }
    return;
  }
  auto changes = bgp::route_changes(std::move(*decoded), !rm.peer.two_octet_as());
  counters_.bgp.bgp_prefixes_withdrawn += changes.withdrawn.size() + (changes.attrs ? 0 : changes.announced.size());
  counters_.bgp.bgp_prefixes_announced += changes.attrs ? changes.announced.size() : 0;
  if (handlers_.routes && (!changes.withdrawn.empty() || !changes.announced.empty())) {
    handlers_.routes(rm.peer, rm.peer.rib_kind(), bgp::RouteBatch{changes.withdrawn, changes.announced, changes.attrs});
  }
}

}  // namespace flowlab::bmp
