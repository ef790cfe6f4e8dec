#include "probes/collector/clickhouse_http.hpp"

#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>

#include <cctype>
#include <charconv>

namespace flowlab::collector {

namespace beast = boost::beast;
namespace http = beast::http;
using tcp = boost::asio::ip::tcp;

std::optional<HttpUrl> parse_http_url(std::string_view url) {
  constexpr std::string_view kScheme = "http://";
  if (!url.starts_with(kScheme)) {
    return std::nullopt;
  }
  url.remove_prefix(kScheme.size());
  if (url.ends_with('/')) {
    url.remove_suffix(1);
  }
  const std::size_t colon = url.rfind(':');
  if (colon == std::string_view::npos || colon == 0 || url.find('/') != std::string_view::npos) {
    return std::nullopt;
  }
  std::string_view host = url.substr(0, colon);
  const std::string_view port = url.substr(colon + 1);
  unsigned value = 0;
  const auto [end, ec] = std::from_chars(port.data(), port.data() + port.size(), value);
  if (ec != std::errc{} || end != port.data() + port.size() || value == 0 || value > 65535) {
    return std::nullopt;
  }
  if (host.size() > 2 && host.front() == '[' && host.back() == ']') {
    host = host.substr(1, host.size() - 2);  // [::1]:8123
  }
  return HttpUrl{std::string(host), static_cast<std::uint16_t>(value)};
}

std::string url_encode(std::string_view text) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out;
  out.reserve(text.size() * 3);
  for (const char ch : text) {
    const auto c = static_cast<unsigned char>(ch);
    if (std::isalnum(c) != 0 || ch == '-' || ch == '_' || ch == '.' || ch == '~') {
      out.push_back(ch);
    } else {
      out.push_back('%');
      out.push_back(kHex[c >> 4U]);
      out.push_back(kHex[c & 15U]);
    }
  }
  return out;
}

Status ClickHouseHttp::insert_rows(const std::string& table, std::string_view format, std::string_view rows) const {
  auto r = post("/?query=" + url_encode("INSERT INTO " + table + " FORMAT " + std::string(format)), rows);
  if (!r) {
    return fail(r.error());
  }
  return {};
}

Result<std::string> ClickHouseHttp::post(const std::string& target, std::string_view body) const {
  const std::string where = url_.host + ":" + std::to_string(url_.port);
  boost::asio::io_context io;
  beast::tcp_stream stream(io);
  beast::error_code ec;
  tcp::resolver resolver(io);
  const auto addresses = resolver.resolve(url_.host, std::to_string(url_.port), ec);
  if (ec) {
    return fail(ErrorKind::kSocket, "clickhouse " + where + ": " + ec.message());
  }
  stream.expires_after(timeout_);
  stream.connect(addresses, ec);
  http::request<http::string_body> request{http::verb::post, target, 11};
  request.set(http::field::host, url_.host);
  request.set(http::field::content_type, "text/plain");
  request.body() = std::string(body);
  request.prepare_payload();
  if (!ec) {
    http::write(stream, request, ec);
  }
  beast::flat_buffer buffer;
  http::response<http::string_body> response;
  if (!ec) {
    http::read(stream, buffer, response, ec);
  }
  beast::error_code ignored;
  stream.socket().shutdown(tcp::socket::shutdown_both, ignored);
  if (ec) {
    return fail(ErrorKind::kSocket, "clickhouse " + where + ": " + ec.message());
  }
  if (response.result() != http::status::ok) {
    std::string message = response.body();
    while (!message.empty() && (message.back() == '\n' || message.back() == ' ')) {
      message.pop_back();
    }
    return fail(ErrorKind::kIo,
                "clickhouse " + where + ": HTTP " + std::to_string(response.result_int()) + ": " + message);
  }
  return std::move(response.body());
}

}  // namespace flowlab::collector
