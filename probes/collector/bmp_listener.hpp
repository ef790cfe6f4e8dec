// bmp_listener.hpp — the collector's passive BMP station (RFC 7854 §3.2: the router connects): TCP listeners whose
// connections each feed a bmp::Feed into BmpTables, the router named by the connection's source address. A second
// connection from the same router replaces the first; a connection that ends (EOF, error, a broken stream, stop())
// drops everything that router's BMP session taught. Runs on the collector's io_context thread; every change to the
// tables is made holding the TableLock (receive workers read them on their own threads).
#pragma once

#include "common/ip.hpp"
#include "common/result.hpp"
#include "probes/bmp/feed.hpp"
#include "probes/collector/bmp_tables.hpp"
#include "probes/collector/table_lock.hpp"

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <vector>

namespace flowlab::collector {

struct BmpListenAddress {
  IpAddress address;  // unset: 0.0.0.0
  std::uint16_t port = 1790;
};

struct BmpCounters {
  std::uint64_t sessions_accepted = 0;
  std::uint64_t sessions_closed = 0;
  std::uint64_t sessions_replaced = 0;  // a router connected again while its old session was open
  std::uint64_t stream_errors = 0;      // sessions closed because the stream could not be parsed
  bmp::FeedCounters feed;               // summed over every session, open and closed
};

class BmpListener {
 public:
  BmpListener(boost::asio::io_context& io, BmpTables& tables, std::vector<BmpListenAddress> listen,
              const TableLock* lock = nullptr);
  ~BmpListener();
  BmpListener(const BmpListener&) = delete;
  BmpListener& operator=(const BmpListener&) = delete;

  Status start();
  void stop();  // closes listeners and sessions (their routers' state is dropped)

  [[nodiscard]] std::vector<BmpListenAddress> listening() const;  // bound addresses (port 0 resolved)
  [[nodiscard]] BmpCounters counters() const;
  [[nodiscard]] std::size_t sessions() const { return sessions_.size(); }

 private:
  class Session;
  void accept(boost::asio::ip::tcp::acceptor& acceptor);
  void attach(boost::asio::ip::tcp::socket socket);
  void closed(Session& session, bool stream_error);
  [[nodiscard]] std::optional<TableLock::Held> hold_tables() const {
    return lock_ != nullptr ? std::optional<TableLock::Held>(lock_->hold()) : std::nullopt;
  }

  boost::asio::io_context& io_;
  BmpTables& tables_;
  const TableLock* lock_;
  std::vector<BmpListenAddress> listen_;
  std::vector<std::unique_ptr<boost::asio::ip::tcp::acceptor>> acceptors_;
  std::map<IpAddress, std::shared_ptr<Session>> sessions_;
  BmpCounters counters_;
  bool stopped_ = false;
};

}  // namespace flowlab::collector
