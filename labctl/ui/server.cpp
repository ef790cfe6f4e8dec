#include "labctl/ui/server.hpp"

#include <boost/asio/signal_set.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>

#include <sys/socket.h>
#include <sys/time.h>

#include <atomic>
#include <charconv>
#include <condition_variable>
#include <csignal>
#include <mutex>
#include <thread>

namespace flowlab::ui {

namespace asio = boost::asio;
namespace http = boost::beast::http;
using asio::ip::tcp;
using nlohmann::json;

Result<tcp::endpoint> listen_endpoint(const std::string& text, bool allow_remote) {
  const auto colon = text.rfind(':');
  if (colon == std::string::npos) {
    return fail(ErrorKind::kUsage, "--listen " + text + ": expected ADDRESS:PORT (e.g. 127.0.0.1:8080)");
  }
  std::string host = text.substr(0, colon);
  if (host.size() >= 2 && host.front() == '[' && host.back() == ']') {
    host = host.substr(1, host.size() - 2);
  }
  const std::string port_text = text.substr(colon + 1);
  unsigned port = 0;
  const auto [end, ec] = std::from_chars(port_text.data(), port_text.data() + port_text.size(), port);
  boost::system::error_code bad;
  const auto address = asio::ip::make_address(host, bad);
  if (bad || ec != std::errc() || end != port_text.data() + port_text.size() || port > 65535) {
    return fail(ErrorKind::kUsage, "--listen " + text + ": expected ADDRESS:PORT (e.g. 127.0.0.1:8080)");
  }
  if (!address.is_loopback() && !allow_remote) {
    return fail(ErrorKind::kUsage, "--listen " + text +
                                       ": not a loopback address; the live view shows the whole lab to whoever "
                                       "connects, so listening there needs --allow-remote");
  }
  return tcp::endpoint(address, static_cast<std::uint16_t>(port));
}

namespace {

// Every response: no sniffing, no caching, and the page may only talk to this server.
constexpr std::pair<const char*, const char*> kHeaders[] = {
    {"X-Content-Type-Options", "nosniff"},
    {"Cache-Control", "no-store"},
    {"Content-Security-Policy",
     "default-src 'self'; script-src 'unsafe-inline'; style-src 'unsafe-inline'; img-src 'self' data:"}};

// JSON text; bytes that are not UTF-8 (a daemon's message) are replaced rather than thrown on.
std::string text(const json& j) { return j.dump(-1, ' ', false, json::error_handler_t::replace); }

class Server {
 public:
  Server(LiveLab& lab, const ServeOptions& options) : lab_(lab), options_(options) {}

  Status run(const tcp::endpoint& at, const std::function<void(const std::string&)>& ready);

 private:
  void poll_loop();
  void accept(tcp::acceptor& acceptor);
  void handle(tcp::socket socket);
  void respond(tcp::socket& socket, const http::request<http::string_body>& req);
  void stream_events(tcp::socket& socket);

  LiveLab& lab_;
  const ServeOptions& options_;
  std::string page_ = page_html();
  std::string topology_ = text(lab_.topology_json());
  std::mutex mu_;
  std::condition_variable changed_;
  std::string snapshot_;
  std::uint64_t generation_ = 0;
  std::size_t connections_ = 0;
  bool stop_ = false;
};

// Worker threads leave SIGINT and SIGTERM to the io thread (its signal_set): a signal that lands in a thread
// waiting on a child (birdc, vtysh) would otherwise interrupt that wait.
void block_stop_signals() {
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGINT);
  sigaddset(&set, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &set, nullptr);
}

// One poll as text; a poll that throws (it reads the lab's processes, sockets and netlink) is an error snapshot,
// never the end of the server.
std::string poll_text(LiveLab& lab) {
  try {
    return text(lab.poll());
  } catch (const std::exception& e) {
    return text(json{{"error", std::string("poll failed: ") + e.what()}});
  }
}

void Server::poll_loop() {
  block_stop_signals();
  std::unique_lock lock(mu_);
  while (!changed_.wait_for(lock, options_.interval, [this] { return stop_; })) {
    lock.unlock();
    std::string next = poll_text(lab_);
    lock.lock();
    snapshot_ = std::move(next);
    ++generation_;
    changed_.notify_all();
  }
}

void Server::stream_events(tcp::socket& socket) {
  std::string head = "HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\nConnection: close\r\n";
  for (const auto& [name, value] : kHeaders) {
    head += std::string(name) + ": " + value + "\r\n";
  }
  head += "\r\n";
  boost::system::error_code ec;
  asio::write(socket, asio::buffer(head), ec);
  std::uint64_t sent = 0;
  std::unique_lock lock(mu_);
  while (!ec && !stop_) {
    changed_.wait(lock, [&] { return stop_ || generation_ != sent; });
    if (stop_) {
      break;
    }
    sent = generation_;
    const std::string event = "event: state\ndata: " + snapshot_ + "\n\n";
    lock.unlock();
    asio::write(socket, asio::buffer(event), ec);
    lock.lock();
  }
}

void Server::respond(tcp::socket& socket, const http::request<http::string_body>& req) {
  http::response<http::string_body> res{http::status::ok, req.version()};
  const std::string target(req.target());
  if (req.method() != http::verb::get && req.method() != http::verb::head) {
    res.result(http::status::method_not_allowed);
    res.set(http::field::allow, "GET, HEAD");
    res.body() = "labctl ui is read-only\n";
  } else if (target == "/" || target == "/index.html") {
    res.set(http::field::content_type, "text/html; charset=utf-8");
    res.body() = page_;
  } else if (target == "/api/topology") {
    res.set(http::field::content_type, "application/json");
    res.body() = topology_;
  } else if (target == "/api/state") {
    res.set(http::field::content_type, "application/json");
    std::lock_guard lock(mu_);
    res.body() = snapshot_;
  } else if (target == "/favicon.ico") {
    res.result(http::status::no_content);  // no icon, and no 404 in the browser's console
  } else {
    res.result(http::status::not_found);
    res.body() = "not found: " + target + "\n";
  }
  for (const auto& [name, value] : kHeaders) {
    res.set(name, value);
  }
  res.keep_alive(false);
  res.prepare_payload();
  boost::system::error_code ec;
  http::write(socket, res, ec);
}

void Server::handle(tcp::socket socket) {
  block_stop_signals();
  timeval timeout{5, 0};  // a client that connects and sends nothing does not hold a thread
  ::setsockopt(socket.native_handle(), SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof timeout);
  boost::beast::flat_buffer buffer;
  http::request<http::string_body> req;
  boost::system::error_code ec;
  http::read(socket, buffer, req, ec);
  try {
    if (!ec && req.method() == http::verb::get && req.target() == "/events") {
      stream_events(socket);
    } else if (!ec) {
      respond(socket, req);
    }
  } catch (const std::exception&) {  // a connection's failure ends that connection, not the server
  }
  socket.shutdown(tcp::socket::shutdown_both, ec);
  std::lock_guard lock(mu_);
  --connections_;
  changed_.notify_all();
}

void Server::accept(tcp::acceptor& acceptor) {
  acceptor.async_accept([this, &acceptor](boost::system::error_code ec, tcp::socket socket) {
    if (ec) {
      return;  // closed by the signal handler
    }
    {
      std::lock_guard lock(mu_);
      ++connections_;
    }
    std::thread([this, s = std::move(socket)]() mutable { handle(std::move(s)); }).detach();
    accept(acceptor);
  });
}

Status Server::run(const tcp::endpoint& at, const std::function<void(const std::string&)>& ready) {
  asio::io_context io;
  tcp::acceptor acceptor(io);
  boost::system::error_code ec;
  acceptor.open(at.protocol(), ec);
  if (!ec) {
    acceptor.set_option(asio::socket_base::reuse_address(true), ec);
    acceptor.bind(at, ec);
  }
  if (!ec) {
    acceptor.listen(asio::socket_base::max_listen_connections, ec);
  }
  if (ec) {
    return fail(ErrorKind::kSocket,
                "cannot listen on " + at.address().to_string() + ":" + std::to_string(at.port()) + ": " + ec.message());
  }
  asio::signal_set signals(io, SIGINT, SIGTERM);
  signals.async_wait([&](const boost::system::error_code&, int) { acceptor.close(); });
  snapshot_ = poll_text(lab_);  // the page's first request finds a snapshot
  generation_ = 1;
  std::thread poller([this] { poll_loop(); });
  const auto local = acceptor.local_endpoint();
  const std::string host =
      local.address().is_v6() ? "[" + local.address().to_string() + "]" : local.address().to_string();
  ready("http://" + host + ":" + std::to_string(local.port()) + "/");
  accept(acceptor);
  io.run();
  std::unique_lock lock(mu_);
  stop_ = true;
  changed_.notify_all();
  changed_.wait(lock, [this] { return connections_ == 0; });
  lock.unlock();
  poller.join();
  return {};
}

}  // namespace

Status serve(LiveLab& lab, const ServeOptions& options, const std::function<void(const std::string&)>& ready) {
  auto at = listen_endpoint(options.listen, options.allow_remote);
  FLOWLAB_TRY(at);
  Server server(lab, options);
  return server.run(*at, ready);
}

}  // namespace flowlab::ui
