#include "probes/collector/query.hpp"

#include "probes/collector/primitives.hpp"
#include "probes/collector/record_format.hpp"

#include <boost/asio/local/stream_protocol.hpp>
#include <boost/asio/read_until.hpp>
#include <boost/asio/streambuf.hpp>
#include <boost/asio/write.hpp>

#include <poll.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <istream>
#include <stdexcept>

namespace flowlab::collector {

namespace asio = boost::asio;
using Local = asio::local::stream_protocol;

// ---- server --------------------------------------------------------------------------------------------------

struct QueryServer::Impl : std::enable_shared_from_this<QueryServer::Impl> {
  Impl(asio::io_context& io, std::string p, Handler h) : acceptor(io), path(std::move(p)), handler(std::move(h)) {}

  struct Session : std::enable_shared_from_this<Session> {
    Session(Local::socket s, std::shared_ptr<Impl> o) : socket(std::move(s)), owner(std::move(o)) {}
    Local::socket socket;
    std::shared_ptr<Impl> owner;
    asio::streambuf in{kMaxRequest};
    std::string out;

    void read() {
      asio::async_read_until(
          socket, in, '\n',
          [self = shared_from_this()](const boost::system::error_code& ec, std::size_t n) { self->on_line(ec, n); });
    }
    void on_line(const boost::system::error_code& ec, std::size_t n) {
      if (ec == asio::error::not_found) {  // line longer than kMaxRequest
        out = nlohmann::json{{"ok", false}, {"error", "request too long"}}.dump() + "\n";
        asio::async_write(socket, asio::buffer(out), [self = shared_from_this()](auto, auto) {});
        return;
      }
      if (ec || owner->closed) {
        return;
      }
      std::string line(asio::buffers_begin(in.data()), asio::buffers_begin(in.data()) + static_cast<std::ptrdiff_t>(n));
      in.consume(n);
      while (!line.empty() && (line.back() == '\n' || line.back() == '\r')) {
        line.pop_back();
      }
      if (line.empty()) {
        read();
        return;
      }
      ++owner->requests;
      nlohmann::json response;
      auto request = nlohmann::json::parse(line, nullptr, false);
      if (request.is_discarded() || !request.is_object()) {
        response = {{"ok", false}, {"error", "request is not a JSON object"}};
      } else {
        response = owner->handler(request);
      }
      out = response.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace) + "\n";
      asio::async_write(socket, asio::buffer(out),
                        [self = shared_from_this()](const boost::system::error_code& wec, std::size_t) {
                          if (!wec) {
                            self->read();
                          }
                        });
    }
  };

  void accept() {
    acceptor.async_accept([self = shared_from_this()](const boost::system::error_code& ec, Local::socket s) {
      if (ec == asio::error::operation_aborted || self->closed) {
        return;
      }
      if (!ec) {
        std::make_shared<Session>(std::move(s), self)->read();
      }
      self->accept();
    });
  }

  Local::acceptor acceptor;
  std::string path;
  Handler handler;
  std::uint64_t requests = 0;
  bool closed = false;
};

QueryServer::QueryServer(std::shared_ptr<Impl> impl) : impl_(std::move(impl)) {}
QueryServer::~QueryServer() { close(); }

Result<std::unique_ptr<QueryServer>> QueryServer::open(asio::io_context& io, const std::string& path, Handler handler,
                                                       unsigned mode) {
  if (path.size() >= sizeof(sockaddr_un{}.sun_path)) {
    return fail(ErrorKind::kSocket, "query socket " + path + ": path too long for a Unix socket");
  }
  std::error_code fec;
  std::filesystem::remove(path, fec);
  auto impl = std::make_shared<Impl>(io, path, std::move(handler));
  boost::system::error_code ec;
  impl->acceptor.open(Local(), ec);
  // Linux creates the socket file with the socket's own mode (less the umask): set it before bind, so the file
  // never exists with wider permissions; the chmod after bind applies a mode the umask would have narrowed.
  if (!ec && ::fchmod(impl->acceptor.native_handle(), mode) != 0) {
    ec = boost::system::error_code(errno, boost::system::system_category());
  }
  if (!ec) {
    impl->acceptor.bind(Local::endpoint(path), ec);
  }
  if (!ec && ::chmod(path.c_str(), mode) != 0) {
    ec = boost::system::error_code(errno, boost::system::system_category());
  }
  if (!ec) {
    impl->acceptor.listen(asio::socket_base::max_listen_connections, ec);
  }
  if (ec) {
    return fail(ErrorKind::kSocket, "query socket " + path + ": " + ec.message());
  }
  impl->accept();
  return std::unique_ptr<QueryServer>(new QueryServer(std::move(impl)));
}

const std::string& QueryServer::path() const { return impl_->path; }
std::uint64_t QueryServer::requests() const { return impl_->requests; }

void QueryServer::close() {
  if (!impl_ || impl_->closed) {
    return;
  }
  impl_->closed = true;
  boost::system::error_code ec;
  impl_->acceptor.close(ec);
  std::error_code fec;
  std::filesystem::remove(impl_->path, fec);
}

namespace {

std::string json_scalar_text(const nlohmann::json& v) {
  if (v.is_string()) {
    return v.get<std::string>();
  }
  return v.dump();
}

// The column index of a primitive named by its aggregate key word or its JSON key.
std::optional<std::size_t> column_of(const AggregateSpec& spec, std::string_view name) {
  for (std::size_t i = 0; i < spec.primitives.size(); ++i) {
    if (primitive_name(spec.primitives[i]) == name || json_key(spec.primitives[i]) == name) {
      return i;
    }
  }
  return std::nullopt;
}

}  // namespace

Result<TableQuery> parse_table_query(const nlohmann::json& request) {
  TableQuery q;
  if (request.contains("aggregate")) {
    if (!request["aggregate"].is_string()) {
      return fail(ErrorKind::kConfig, "aggregate: expected a string");
    }
    q.aggregate = request["aggregate"].get<std::string>();
  }
  if (request.contains("match")) {
    const auto& m = request["match"];
    if (!m.is_object()) {
      return fail(ErrorKind::kConfig, "match: expected an object of primitive -> value");
    }
    for (const auto& [k, v] : m.items()) {
      if (!v.is_string() && !v.is_number()) {
        return fail(ErrorKind::kConfig, "match." + k + ": expected a string or a number");
      }
      q.match.emplace_back(k, json_scalar_text(v));
    }
  }
  if (request.contains("top")) {
    if (!request["top"].is_number_unsigned()) {
      return fail(ErrorKind::kConfig, "top: expected a non-negative number");
    }
    q.top = request["top"].get<std::size_t>();
  }
  if (request.contains("sort")) {
    if (!request["sort"].is_string()) {
      return fail(ErrorKind::kConfig, "sort: expected bytes, packets or flows");
    }
    q.sort = request["sort"].get<std::string>();
    if (q.sort != "bytes" && q.sort != "packets" && q.sort != "flows" && !q.sort.empty()) {
      return fail(ErrorKind::kConfig, "sort: expected bytes, packets or flows, found '" + q.sort + "'");
    }
  }
  return q;
}

Result<std::vector<Row>> select_rows(const AggregateSpec& spec, std::vector<Row> rows, const TableQuery& query) {
  std::vector<std::pair<std::size_t, std::string>> match;
  for (const auto& [key, value] : query.match) {
    auto col = column_of(spec, key);
    if (!col) {
      return fail(ErrorKind::kConfig, "match: aggregate '" + spec.name + "' has no primitive '" + key + "'");
    }
    match.emplace_back(*col, value);
  }
  if (!match.empty()) {
    std::erase_if(rows, [&](const Row& r) {
      return std::any_of(match.begin(), match.end(),
                         [&](const auto& m) { return m.first >= r.values.size() || r.values[m.first] != m.second; });
    });
  }
  if (!query.sort.empty()) {
    auto counter = [&](const Row& r) {
      return query.sort == "packets" ? r.packets : (query.sort == "flows" ? r.flows : r.bytes);
    };
    std::stable_sort(rows.begin(), rows.end(), [&](const Row& a, const Row& b) { return counter(a) > counter(b); });
  }
  if (query.top > 0 && rows.size() > query.top) {
    rows.resize(query.top);
  }
  return rows;
}

nlohmann::json table_response(const AggregateSpec& spec, const std::vector<Row>& rows, std::size_t total) {
  nlohmann::json prims = nlohmann::json::array();
  for (auto p : spec.primitives) {
    prims.push_back(std::string(primitive_name(p)));
  }
  nlohmann::json out_rows = nlohmann::json::array();
  for (const auto& r : rows) {
    out_rows.push_back({{"values", r.values}, {"packets", r.packets}, {"bytes", r.bytes}, {"flows", r.flows}});
  }
  return {{"ok", true}, {"aggregate", spec.name}, {"primitives", prims}, {"rows", out_rows}, {"total", total}};
}

// ---- client --------------------------------------------------------------------------------------------------

Result<nlohmann::json> query_socket(const std::string& path, const nlohmann::json& request,
                                    std::chrono::milliseconds timeout) {
  sockaddr_un sun{};
  if (path.size() >= sizeof(sun.sun_path)) {
    return fail(ErrorKind::kSocket, "query socket " + path + ": path too long");
  }
  const int fd = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) {
    return fail(ErrorKind::kSocket, "query socket " + path + ": socket(): " + std::strerror(errno));
  }
  struct Closer {
    int fd;
    ~Closer() { ::close(fd); }
  } closer{fd};
  sun.sun_family = AF_UNIX;
  std::memcpy(sun.sun_path, path.data(), path.size());
  if (::connect(fd, reinterpret_cast<sockaddr*>(&sun), sizeof(sun)) != 0) {  // NOLINT: the sockets API
    return fail(ErrorKind::kSocket, "query socket " + path + ": connect(): " + std::strerror(errno));
  }
  const std::string line = request.dump() + "\n";
  std::size_t sent = 0;
  while (sent < line.size()) {
    const ssize_t n = ::send(fd, line.data() + sent, line.size() - sent, MSG_NOSIGNAL);
    if (n < 0) {
      if (errno == EINTR) {
        continue;
      }
      return fail(ErrorKind::kSocket, "query socket " + path + ": send(): " + std::strerror(errno));
    }
    sent += static_cast<std::size_t>(n);
  }
  std::string response;
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  char buf[65536];
  while (response.find('\n') == std::string::npos) {
    const auto left =
        std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0) {
      return fail(ErrorKind::kTimeout,
                  "query socket " + path + ": no answer within " + std::to_string(timeout.count()) + " ms");
    }
    pollfd p{fd, POLLIN, 0};
    const int r = ::poll(&p, 1, static_cast<int>(left.count()));
    if (r < 0 && errno == EINTR) {
      continue;
    }
    if (r <= 0) {
      continue;
    }
    const ssize_t n = ::recv(fd, buf, sizeof(buf), 0);
    if (n < 0) {
      if (errno == EINTR) {
        continue;
      }
      return fail(ErrorKind::kSocket, "query socket " + path + ": recv(): " + std::strerror(errno));
    }
    if (n == 0) {
      return fail(ErrorKind::kSocket, "query socket " + path + ": closed before answering");
    }
    response.append(buf, static_cast<std::size_t>(n));
  }
  response.resize(response.find('\n'));
  auto json = nlohmann::json::parse(response, nullptr, false);
  if (json.is_discarded()) {
    return fail(ErrorKind::kConfig, "query socket " + path + ": the answer is not JSON");
  }
  return json;
}

Result<nlohmann::json> build_request(const QueryOptions& o) {
  const int commands = (o.clear ? 1 : 0) + (o.counters ? 1 : 0) + (o.bgp_peers ? 1 : 0) + (o.bgp_dump.empty() ? 0 : 1) +
                       (o.flush ? 1 : 0);
  if (commands > 1) {
    return fail(ErrorKind::kUsage, "--clear, --counters, --bgp-peers, --bgp-dump and --flush exclude each other");
  }
  if (o.counters) {
    return nlohmann::json{{"cmd", "counters"}};
  }
  if (o.bgp_peers) {
    return nlohmann::json{{"cmd", "bgp_peers"}};
  }
  if (!o.bgp_dump.empty()) {
    return nlohmann::json{{"cmd", "bgp_dump"}, {"peer", o.bgp_dump}};
  }
  if (o.flush) {
    return nlohmann::json{{"cmd", "flush"}};
  }
  nlohmann::json req{{"cmd", o.clear ? "clear" : "table"}};
  if (!o.aggregate.empty()) {
    req["aggregate"] = o.aggregate;
  }
  if (o.clear) {
    return req;
  }
  nlohmann::json match = nlohmann::json::object();
  for (const auto& m : o.match) {
    const auto eq = m.find('=');
    if (eq == std::string::npos || eq == 0) {
      return fail(ErrorKind::kUsage, "--match " + m + ": expected PRIMITIVE=VALUE");
    }
    match[m.substr(0, eq)] = m.substr(eq + 1);
  }
  if (!match.empty()) {
    req["match"] = match;
  }
  if (o.top > 0) {
    req["top"] = o.top;
  }
  req["sort"] = o.sort;
  return req;
}

namespace {

// A count in the collector's answer that is not one (render_response reports it like nlohmann's type errors).
struct MalformedCount : std::runtime_error {
  using std::runtime_error::runtime_error;
};

// A count member of an answer: 0 when absent, else an unsigned JSON number — nlohmann's get<> would turn a negative
// into a huge count and a float beyond the type's range is undefined behaviour (found by fuzz_query: "flows": 2e54).
template <class T>
T count_of(const nlohmann::json& object, const char* key) {
  const auto it = object.find(key);
  if (it == object.end()) {
    return T{0};
  }
  if (!it->is_number_unsigned()) {
    throw MalformedCount(std::string(key) + " is not an unsigned number: " + it->dump());
  }
  return it->template get<T>();
}

Result<std::string> render_unchecked(const QueryOptions& o, const nlohmann::json& response) {
  if (!response.is_object() || !response.value("ok", false)) {
    const std::string why =
        response.is_object() && response.contains("error") ? json_scalar_text(response["error"]) : response.dump();
    return fail(ErrorKind::kConfig, why);
  }
  if (o.counters || o.flush || o.clear) {
    if (o.format == QueryFormat::kJson || o.counters) {
      return response.dump(o.format == QueryFormat::kJson ? -1 : 2) + "\n";
    }
    return std::string(o.clear ? "cleared\n" : "flushed\n");
  }
  if (!o.bgp_dump.empty()) {
    std::string out;
    for (const auto& line : response.value("lines", nlohmann::json::array())) {
      out += (line.is_string() ? line.get<std::string>() : line.dump()) + "\n";
    }
    return out;
  }
  if (o.bgp_peers) {
    if (o.format == QueryFormat::kJson) {
      return response.dump() + "\n";
    }
    std::string out = "PEER\tNAME\tASN\tBGP_ID\tSTATE\tROUTES\n";
    for (const auto& p : response.value("peers", nlohmann::json::array())) {
      out += p.value("address", "") + "\t" + p.value("name", "") + "\t" + std::to_string(count_of<unsigned>(p, "asn")) +
             "\t" + p.value("bgp_id", "") + "\t" + p.value("state", "") + "\t" +
             std::to_string(count_of<std::uint64_t>(p, "routes")) + "\n";
    }
    return out;
  }
  // A table.
  AggregateSpec spec;
  spec.name = response.value("aggregate", "");
  for (const auto& p : response.value("primitives", nlohmann::json::array())) {
    auto prim = parse_primitive(p.is_string() ? p.get<std::string>() : std::string());
    if (!prim) {
      return fail(ErrorKind::kConfig, "the collector answered with an unknown primitive: " + p.dump());
    }
    spec.primitives.push_back(*prim);
  }
  std::vector<Row> rows;
  for (const auto& r : response.value("rows", nlohmann::json::array())) {
    Row row;
    for (const auto& v : r.value("values", nlohmann::json::array())) {
      row.values.push_back(json_scalar_text(v));
    }
    row.packets = count_of<std::uint64_t>(r, "packets");
    row.bytes = count_of<std::uint64_t>(r, "bytes");
    row.flows = count_of<std::uint64_t>(r, "flows");
    rows.push_back(std::move(row));
  }
  FormatOptions fo;
  fo.style = Style::kClient;
  switch (o.format) {
    case QueryFormat::kCsv:
      return format_csv(spec, rows, fo);
    case QueryFormat::kJson:
      return format_json_lines(spec, rows, fo);
    case QueryFormat::kTable:
      break;
  }
  return format_table(spec, rows, fo);
}

}  // namespace

// A response of the wrong shape (another program on the socket, another version) is an error, not a crash.
Result<std::string> render_response(const QueryOptions& o, const nlohmann::json& response) {
  try {
    return render_unchecked(o, response);
  } catch (const nlohmann::json::exception& e) {
    return fail(ErrorKind::kConfig, std::string("malformed response from the collector: ") + e.what());
  } catch (const MalformedCount& e) {
    return fail(ErrorKind::kConfig, std::string("malformed response from the collector: ") + e.what());
  }
}

}  // namespace flowlab::collector
