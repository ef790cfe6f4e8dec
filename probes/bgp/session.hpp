// flowlab::bgp::Speaker — a receive-only BGP-4 speaker (RFC 4271 FSM) for a collector, over Boost.Asio TCP.
//
// Passive by default: listeners on the configured addresses/ports accept connections only from configured peers
// (by source address; others are closed and counted), active connects are optional per peer. Capabilities offered:
// multiprotocol IPv4/IPv6 unicast, 4-octet AS, route refresh, enhanced route refresh, ADD-PATH receive. The speaker
// never advertises routes; it answers with a configured local AS or mirrors the peer's AS (so routers see iBGP),
// keeps hold/keepalive timers, sends NOTIFICATIONs with RFC 4271/7606 codes, and can ask a peer for a route
// refresh. Every route change reaches `on_route` (attrs == nullptr means withdraw; RFC 7606 treat-as-withdraw
// arrives as a withdraw); a session leaving Established calls `on_peer_down` — its routes are all gone.
// All callbacks run on the io_context's thread; call the Speaker's methods from that thread too.
#pragma once

#include "common/ip.hpp"
#include "common/result.hpp"
#include "probes/bgp/counters.hpp"
#include "probes/bgp/message.hpp"

#include <boost/asio/io_context.hpp>

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace flowlab::bgp {

enum class State : std::uint8_t { kIdle, kConnect, kActive, kOpenSent, kOpenConfirm, kEstablished };
std::string_view to_string(State state);

struct PeerConfig {
  IpAddress address;                      // connections are accepted only from this address
  std::uint32_t peer_as = 0;              // 0: accept any AS
  std::optional<std::uint32_t> local_as;  // default: SpeakerConfig::local_as
  bool mirror_as = false;                 // answer with the peer's own AS (iBGP towards the router)
  bool active = false;                    // also connect out (to port `port`)
  std::uint16_t port = 179;
  bool add_path_receive = true;  // offer ADD-PATH receive for IPv4 and IPv6 unicast
  std::string name;              // for logs; default the address
  std::string password;          // TCP-MD5 key (RFC 2385, tcp_md5.hpp); empty: none
};

struct ListenAddress {
  IpAddress address;  // unset: 0.0.0.0
  std::uint16_t port = 179;
};

struct SpeakerConfig {
  std::vector<ListenAddress> listen{ListenAddress{}};
  std::uint32_t local_as = 0;
  std::uint32_t bgp_id = 0;  // host order; 0: the local IPv4 address of each session
  std::uint16_t hold_time = 90;
  std::chrono::seconds connect_retry{5};
  std::vector<PeerConfig> peers;
};

// What a callback learns about the peer.
struct PeerInfo {
  IpAddress address;
  std::string name;
  std::uint32_t asn = 0;     // from its OPEN
  std::uint32_t bgp_id = 0;  // from its OPEN
  SessionContext context;    // negotiated: 4-octet AS, ADD-PATH per AF, eBGP
};

// One route change. attrs are shared by every prefix of one UPDATE (normalized: AS4 merged, MP NLRI removed).
struct RouteEvent {
  Prefix prefix;
  std::uint32_t path_id = 0;
  std::shared_ptr<const PathAttributes> attrs;  // nullptr: withdraw
};

// One UPDATE's route changes at once (Speaker::on_update): withdrawn (IPv4 and MP_UNREACH) first, then announced
// (IPv4 and MP_REACH) with attrs — nullptr when the UPDATE is treated as withdraw (RFC 7606), so they go too.
struct RouteBatch {
  std::span<const Nlri> withdrawn;
  std::span<const Nlri> announced;
  std::shared_ptr<const PathAttributes> attrs;
};

struct PeerStatus {
  PeerInfo info;
  State state = State::kIdle;
  std::uint64_t established_count = 0;  // times the session reached Established
  std::optional<Notification> last_notification_sent;
  std::optional<Notification> last_notification_received;
};

class Speaker {
 public:
  using RouteCallback = std::function<void(const PeerInfo&, const RouteEvent&)>;
  using UpdateCallback = std::function<void(const PeerInfo&, const RouteBatch&)>;
  using StateCallback = std::function<void(const PeerInfo&, State)>;
  using PeerCallback = std::function<void(const PeerInfo&)>;
  using EndOfRibCallback = std::function<void(const PeerInfo&, AfiSafi)>;
  using LogCallback = std::function<void(std::string_view)>;

  Speaker(boost::asio::io_context& io, SpeakerConfig config);
  ~Speaker();
  Speaker(const Speaker&) = delete;
  Speaker& operator=(const Speaker&) = delete;

  void on_route(RouteCallback cb);
  // Each UPDATE's changes in one call (Rib::apply takes the batch whole); when set, on_route is not called.
  void on_update(UpdateCallback cb);
  void on_state(StateCallback cb);
  void on_peer_down(PeerCallback cb);  // every route of that peer is withdrawn
  void on_end_of_rib(EndOfRibCallback cb);
  void on_log(LogCallback cb);

  // Opens the listeners and starts active peers. Errors name the address that could not be bound.
  Status start();
  // Cease/Administrative Shutdown to every session, closes the listeners.
  void stop();
  // Sends ROUTE-REFRESH for af to an Established peer that supports it; false otherwise.
  bool request_refresh(const IpAddress& peer, AfiSafi af);

  // Listener endpoints actually bound (port 0 in the config picks a free one).
  [[nodiscard]] std::vector<ListenAddress> listening() const;
  [[nodiscard]] std::vector<PeerStatus> peers() const;
  [[nodiscard]] Counters counters() const;

  class Impl;

 private:
  std::shared_ptr<Impl> impl_;
};

}  // namespace flowlab::bgp
