#include "probes/collector/bmp_listener.hpp"

#include "probes/bgp/asio_address.hpp"

#include <spdlog/spdlog.h>

#include <array>
#include <memory>

namespace flowlab::collector {

namespace asio = boost::asio;
using asio::ip::tcp;
using boost::system::error_code;

// One router's BMP connection: reads into its Feed until the stream ends or breaks.
class BmpListener::Session : public std::enable_shared_from_this<Session> {
 public:
  Session(BmpListener& owner, tcp::socket socket, IpAddress router)
      : owner_(owner), socket_(std::move(socket)), router_(router), feed_(handlers()) {}

  void start() { read(); }
  void close() {
    error_code ignored;
    socket_.close(ignored);
  }
  [[nodiscard]] const IpAddress& router() const { return router_; }
  [[nodiscard]] const bmp::FeedCounters& counters() const { return feed_.counters(); }

 private:
  bmp::Feed::Handlers handlers() {
    BmpTables& t = owner_.tables_;
    const IpAddress r = router_;
    bmp::Feed::Handlers h;
    h.initiation = [&t, r](const bmp::Initiation& init) { t.initiation(r, init); };
    h.peer_up = [&t, r](const bmp::PeerUp& up, const bgp::SessionContext& ctx) {
      if (!up.sent || !up.received) {
        spdlog::warn("[bmp] {}: Peer Up for {} without the {} OPEN (the router kept no copy): no ADD-PATH assumed",
                     r.to_string(), up.peer.address.to_string(), up.sent ? "peer's" : "router's");
      }
      t.peer_up(r, up, ctx);
    };
    h.routes = [&t, r](const bmp::PeerHeader& p, bmp::RibKind k, const bgp::RouteBatch& b) { t.routes(r, p, k, b); };
    h.end_of_rib = [&t, r](const bmp::PeerHeader& p, bmp::RibKind k, bgp::AfiSafi af) { t.end_of_rib(r, p, k, af); };
    h.peer_down = [&t, r](const bmp::PeerDown& down) { t.peer_down(r, down.peer); };
    h.termination = [r](const bmp::Termination& term) {
      spdlog::info("[bmp] {}: termination (reason {})", r.to_string(), term.reason.value_or(0));
    };
    h.skipped = [r, logged = std::make_shared<std::uint64_t>(0)](const Error& e) {
      if (++*logged <= kLoggedSkips) {
        spdlog::warn("[bmp] {}: message skipped: {}{}", r.to_string(), e.message,
                     *logged == kLoggedSkips ? " (further skips are only counted: message_errors)" : "");
      }
    };
    return h;
  }

  static constexpr std::uint64_t kLoggedSkips = 10;

  void read() {
    auto self = shared_from_this();
    socket_.async_read_some(asio::buffer(buffer_), [self](error_code ec, std::size_t n) {
      if (ec) {
        self->owner_.closed(*self, false);
        return;
      }
      Status fed;
      {
        const auto held = self->owner_.hold_tables();
        fed = self->feed_.feed(Bytes(self->buffer_.data(), n));
      }
      if (!fed) {
        spdlog::warn("[bmp] {}: {}: closing the session", self->router_.to_string(), fed.error().message);
        self->close();
        self->owner_.closed(*self, true);
        return;
      }
      self->read();
    });
  }

  BmpListener& owner_;
  tcp::socket socket_;
  IpAddress router_;
  bmp::Feed feed_;
  std::array<std::byte, 65536> buffer_{};
};

BmpListener::BmpListener(asio::io_context& io, BmpTables& tables, std::vector<BmpListenAddress> listen,
                         const TableLock* lock)
    : io_(io), tables_(tables), lock_(lock), listen_(std::move(listen)) {}

BmpListener::~BmpListener() { stop(); }

Status BmpListener::start() {
  for (const auto& l : listen_) {
    auto acceptor = bgp::open_listener(io_, l.address, l.port, "bmp");
    if (!acceptor) {
      return fail(acceptor.error());
    }
    acceptors_.push_back(std::move(*acceptor));
  }
  for (auto& a : acceptors_) {
    accept(*a);
  }
  return {};
}

void BmpListener::accept(tcp::acceptor& acceptor) {
  acceptor.async_accept([this, &acceptor](error_code ec, tcp::socket socket) {
    if (ec || stopped_) {
      return;
    }
    attach(std::move(socket));
    accept(acceptor);
  });
}

void BmpListener::attach(tcp::socket socket) {
  error_code ec;
  const auto remote = socket.remote_endpoint(ec);
  if (ec) {
    return;
  }
  const IpAddress router = bgp::from_asio(remote.address());
  ++counters_.sessions_accepted;
  if (auto it = sessions_.find(router); it != sessions_.end()) {
    ++counters_.sessions_replaced;
    auto old = it->second;
    old->close();
    closed(*old, false);
  }
  spdlog::info("[bmp] {}: session up", router.to_string());
  {
    const auto held = hold_tables();
    tables_.session_up(router);
  }
  auto session = std::make_shared<Session>(*this, std::move(socket), router);
  sessions_.emplace(router, session);
  session->start();
}

void BmpListener::closed(Session& session, bool stream_error) {
  auto it = sessions_.find(session.router());
  if (it == sessions_.end() || it->second.get() != &session) {
    return;  // already replaced or closed
  }
  ++counters_.sessions_closed;
  counters_.stream_errors += stream_error ? 1 : 0;
  counters_.feed += session.counters();
  {
    const auto held = hold_tables();
    tables_.session_down(session.router());
  }
  spdlog::info("[bmp] {}: session down: its BMP routes are dropped", session.router().to_string());
  sessions_.erase(it);
}

void BmpListener::stop() {
  if (stopped_) {
    return;
  }
  stopped_ = true;
  for (auto& a : acceptors_) {
    error_code ignored;
    a->close(ignored);
  }
  while (!sessions_.empty()) {
    auto s = sessions_.begin()->second;
    s->close();
    closed(*s, false);
  }
}

std::vector<BmpListenAddress> BmpListener::listening() const {
  std::vector<BmpListenAddress> out;
  for (const auto& a : acceptors_) {
    error_code ec;
    const auto ep = a->local_endpoint(ec);
    if (!ec) {
      out.push_back(BmpListenAddress{bgp::from_asio(ep.address()), ep.port()});
    }
  }
  return out;
}

BmpCounters BmpListener::counters() const {
  BmpCounters out = counters_;
  for (const auto& [router, s] : sessions_) {
    out.feed += s->counters();
  }
  return out;
}

}  // namespace flowlab::collector
