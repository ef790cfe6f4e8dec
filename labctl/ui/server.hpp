// flowlab::ui server — `labctl ui`'s HTTP server (Boost.Beast): read-only, loopback by default.
//   GET /               the page (assets/index.html with app.css, app.js and the Sankey hover script inlined)
//   GET /api/topology   {"lab","svg"}: the diagram `labctl graph` draws
//   GET /api/state      the latest LiveLab snapshot
//   GET /events         Server-Sent Events: one `state` event per poll (every `interval`)
// Anything else is 404, any other method 405. One thread polls the lab; each connection gets a short-lived thread
// (one request per connection, Connection: close; an event stream lives until the client leaves or the server
// stops). SIGINT/SIGTERM stop it cleanly: the acceptor closes, event streams end, serve() returns.
#pragma once

#include "common/result.hpp"
#include "labctl/ui/live.hpp"

#include <boost/asio/ip/tcp.hpp>

#include <chrono>
#include <functional>
#include <string>

namespace flowlab::ui {

struct ServeOptions {
  std::string listen = "127.0.0.1:8080";  // ADDRESS:PORT, [V6]:PORT; port 0 picks a free one
  bool allow_remote = false;              // needed to listen on anything but a loopback address
  std::chrono::milliseconds interval{2000};
};

// Parses ADDRESS:PORT; a non-loopback address without allow_remote is a usage error that says why.
Result<boost::asio::ip::tcp::endpoint> listen_endpoint(const std::string& text, bool allow_remote);

// The page served at / (generated from assets/ at build time: assets.cpp).
[[nodiscard]] std::string page_html();

// Serves until SIGINT or SIGTERM. `ready` gets the URL once the socket listens.
Status serve(LiveLab& lab, const ServeOptions& options, const std::function<void(const std::string& url)>& ready);

}  // namespace flowlab::ui
