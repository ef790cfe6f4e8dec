// clickhouse_http.hpp — the little of ClickHouse's HTTP interface flowcollector uses: POST a query (the SQL in
// the body, or in the URL with rows in the body for INSERT ... FORMAT Native) and read the answer. Blocking,
// one connection per call, with a timeout: it runs on the ClickHouse output's writer thread, never the io thread.
#pragma once

#include "common/result.hpp"

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace flowlab::collector {

struct HttpUrl {
  std::string host;
  std::uint16_t port = 0;
};

// "http://HOST:PORT" (an optional trailing '/'); nullopt for anything else (https, paths, no port).
std::optional<HttpUrl> parse_http_url(std::string_view url);

// "a b'c" -> "a%20b%27c": the URL form of a query parameter.
std::string url_encode(std::string_view text);

class ClickHouseHttp {
 public:
  explicit ClickHouseHttp(HttpUrl url, std::chrono::milliseconds timeout = std::chrono::seconds(10))
      : url_(std::move(url)), timeout_(timeout) {}

  // Runs `sql` (the request body); the answer's body on HTTP 200, else an error with the server's message
  // (kSocket when the server cannot be reached or the exchange broke, kIo when it answered with an error).
  Result<std::string> query(std::string_view sql) const { return post("/?", sql); }
  // INSERT INTO `table` FORMAT `format` (Native, RowBinary, JSONEachRow, ...) with `rows` in that format as the body.
  Status insert_rows(const std::string& table, std::string_view format, std::string_view rows) const;
  // POST `body` to "/?" + `parameters` (already URL-encoded).
  Result<std::string> post(const std::string& target, std::string_view body) const;

  [[nodiscard]] const HttpUrl& url() const { return url_; }

 private:
  HttpUrl url_;
  std::chrono::milliseconds timeout_;
};

}  // namespace flowlab::collector
