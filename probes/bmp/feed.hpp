// flowlab::bmp::Feed — one BMP session's byte stream turned into route changes per monitored peer and RIB.
//
// feed() frames messages out of the TCP stream (partial messages wait for the rest), parses each and keeps what the
// later messages need: the session context (4-octet AS, ADD-PATH) each peer's Peer Up negotiated, so its Route
// Monitoring UPDATEs decode as the router decoded them. A route message for a peer without Peer Up decodes with the
// A flag's AS width and no ADD-PATH (RFC 7854 §4.6 sends Peer Up first; a station joining late still learns).
// End-of-RIB markers (RFC 7854 §5: the end of the router's initial table dump, per peer, RIB and family) go to
// Handlers::end_of_rib. An UPDATE that does not decode with the negotiated ADD-PATH path ids is read
// without them (FRR 8.4 writes them so) and counted. An error means the stream is broken (a bad header cannot be
// skipped): the owner closes the session. A message whose frame is sound but whose body does not parse is skipped,
// counted (`message_errors`) and handed to Handlers::skipped; the stream goes on, as one bad Peer Up must not cost
// every other peer's routes. Counters name every message type and every problem.
#pragma once

#include "common/bytes.hpp"
#include "common/result.hpp"
#include "probes/bgp/counters.hpp"
#include "probes/bgp/session.hpp"
#include "probes/bmp/message.hpp"

#include <cstdint>
#include <functional>
#include <map>
#include <string_view>
#include <utility>
#include <vector>

namespace flowlab::bmp {

#define FLOWLAB_BMP_FEED_COUNTERS(X)                                                                   \
  X(messages)                                                                                          \
  X(route_monitoring)                                                                                  \
  X(stats_reports)                                                                                     \
  X(peer_up)                                                                                           \
  X(peer_down)                                                                                         \
  X(initiation)                                                                                        \
  X(termination)                                                                                       \
  X(route_mirroring)                                                                                   \
  X(message_errors) /* framed messages whose body did not parse (skipped, stream goes on) */           \
  X(update_errors)  /* Route Monitoring UPDATEs bgp::parse_update refused (skipped, stream goes on) */ \
  X(open_missing)   /* Peer Up OPENs the router sent as a bare header (it kept no copy) */             \
  X(end_of_rib)                                                                                        \
  X(add_path_fallback) /* UPDATEs that decoded only without the negotiated ADD-PATH path ids */

struct FeedCounters {
#define FLOWLAB_BMP_FEED_COUNTER_FIELD(name) std::uint64_t name = 0;
  FLOWLAB_BMP_FEED_COUNTERS(FLOWLAB_BMP_FEED_COUNTER_FIELD)
#undef FLOWLAB_BMP_FEED_COUNTER_FIELD
  bgp::Counters bgp;  // the embedded UPDATEs' attribute anomalies

  FeedCounters& operator+=(const FeedCounters& o) {
#define FLOWLAB_BMP_FEED_COUNTER_ADD(name) name += o.name;
    FLOWLAB_BMP_FEED_COUNTERS(FLOWLAB_BMP_FEED_COUNTER_ADD)
#undef FLOWLAB_BMP_FEED_COUNTER_ADD
    bgp += o.bgp;
    return *this;
  }
  // (name, value) for every counter but `bgp`'s, in declaration order.
  [[nodiscard]] std::vector<std::pair<std::string_view, std::uint64_t>> items() const {
    std::vector<std::pair<std::string_view, std::uint64_t>> out;
#define FLOWLAB_BMP_FEED_COUNTER_ITEM(name) out.emplace_back(#name, name);
    FLOWLAB_BMP_FEED_COUNTERS(FLOWLAB_BMP_FEED_COUNTER_ITEM)
#undef FLOWLAB_BMP_FEED_COUNTER_ITEM
    return out;
  }
};

// A monitored peer as the router's RIBs know it: its address in its route distinguisher's instance.
struct PeerKey {
  std::uint64_t distinguisher = 0;
  IpAddress address;
  auto operator<=>(const PeerKey&) const = default;
  bool operator==(const PeerKey&) const = default;
};
inline PeerKey key_of(const PeerHeader& h) { return {h.distinguisher, h.address}; }

class Feed {
 public:
  struct Handlers {
    std::function<void(const Initiation&)> initiation;
    std::function<void(const PeerUp&, const bgp::SessionContext&)> peer_up;
    // One UPDATE's changes for (peer, RIB kind); batch.attrs nullptr: announced are withdrawn as well.
    std::function<void(const PeerHeader&, RibKind, const bgp::RouteBatch&)> routes;
    // The router's End-of-RIB marker for (peer, RIB kind, family).
    std::function<void(const PeerHeader&, RibKind, bgp::AfiSafi)> end_of_rib;
    std::function<void(const PeerDown&)> peer_down;
    std::function<void(const StatsReport&)> stats;
    std::function<void(const Termination&)> termination;
    std::function<void(const Error&)> skipped;  // a framed message whose body did not parse
  };
  explicit Feed(Handlers handlers) : handlers_(std::move(handlers)) {}

  // Appends received bytes and handles every complete message; fails only when the stream cannot be framed.
  Status feed(Bytes data);
  // Handles one whole message; fails when it does not parse.
  Status handle(Bytes message);

  [[nodiscard]] const FeedCounters& counters() const { return counters_; }
  [[nodiscard]] std::size_t buffered() const { return buffer_.size(); }

 private:
  void on_route_monitoring(const RouteMonitoring& rm);
  void on_message(const Message& message);

  Handlers handlers_;
  std::vector<std::byte> buffer_;
  std::map<PeerKey, PeerUp> peers_;  // the last Peer Up of each peer that is up
  FeedCounters counters_;
};

}  // namespace flowlab::bmp
