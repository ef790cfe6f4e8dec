// query.hpp — flowcollector's query socket: a Unix stream socket carrying newline-delimited JSON, one request per
// line, one response line each (docs/flowcollector.md lists the commands):
//   {"cmd":"table","aggregate":"in","match":{"src_as":"65533"},"top":10,"sort":"bytes"}
//   {"cmd":"clear","aggregate":"in"}        {"cmd":"counters"}       {"cmd":"bgp_peers"}
//   {"cmd":"bgp_dump","peer":"198.19.0.1"}  {"cmd":"flush"}          {"cmd":"aggregates"}
// Responses carry "ok": true plus the command's fields, or "ok": false and "error".
//
// The server side (QueryServer) runs on the collector's io_context; the client side (query_socket, QueryOptions,
// render_response) is what `flowcollector query` and `labctl flows` share, so both print the same thing.
#pragma once

#include "common/result.hpp"
#include "probes/collector/aggregate.hpp"

#include <boost/asio/io_context.hpp>
#include <nlohmann/json.hpp>

#include <chrono>
#include <cstddef>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace flowlab::collector {

// ---- server --------------------------------------------------------------------------------------------------

class QueryServer {
 public:
  using Handler = std::function<nlohmann::json(const nlohmann::json& request)>;

  // Binds `path` (an existing socket file is replaced) with permissions `mode` (default owner-only: the socket
  // answers every query and the `refresh` command; `outputs.socket_mode` widens it). The socket file is created
  // with the mode already set, never briefly wider. Requests longer than kMaxRequest are refused.
  static constexpr unsigned kDefaultMode = 0600;
  static Result<std::unique_ptr<QueryServer>> open(boost::asio::io_context& io, const std::string& path,
                                                   Handler handler, unsigned mode = kDefaultMode);
  ~QueryServer();
  QueryServer(const QueryServer&) = delete;
  QueryServer& operator=(const QueryServer&) = delete;

  static constexpr std::size_t kMaxRequest = std::size_t{64} * 1024;
  [[nodiscard]] const std::string& path() const;
  [[nodiscard]] std::uint64_t requests() const;
  void close();  // stops accepting and removes the socket file

  struct Impl;

 private:
  explicit QueryServer(std::shared_ptr<Impl> impl);
  std::shared_ptr<Impl> impl_;
};

// The table command's selection, applied to an aggregate's rows (server side; exposed for tests).
// match: primitive name or JSON key -> the value as printed; sort: "bytes" | "packets" | "flows" (descending) or
// "" (first-seen order); top 0: all.
struct TableQuery {
  std::string aggregate;
  std::vector<std::pair<std::string, std::string>> match;
  std::size_t top = 0;
  std::string sort;
};
Result<TableQuery> parse_table_query(const nlohmann::json& request);
Result<std::vector<Row>> select_rows(const AggregateSpec& spec, std::vector<Row> rows, const TableQuery& query);
// {"ok":true,"aggregate":NAME,"primitives":[...],"rows":[{"values":[...],"packets":..,"bytes":..,"flows":..}],
//  "total":N} — total counts the rows before top-N.
nlohmann::json table_response(const AggregateSpec& spec, const std::vector<Row>& rows, std::size_t total);

// ---- client --------------------------------------------------------------------------------------------------

// Sends one request line and reads one response line. Errors name the socket.
Result<nlohmann::json> query_socket(const std::string& path, const nlohmann::json& request,
                                    std::chrono::milliseconds timeout = std::chrono::seconds(10));

enum class QueryFormat : std::uint8_t { kTable, kCsv, kJson };

// The options of `flowcollector query` / `labctl flows`.
struct QueryOptions {
  std::string socket;
  std::string aggregate;  // "" : the first aggregate
  QueryFormat format = QueryFormat::kTable;
  std::vector<std::string> match;  // "key=value"
  std::size_t top = 0;
  std::string sort = "bytes";
  bool clear = false;
  bool counters = false;
  bool bgp_peers = false;
  std::string bgp_dump;  // peer address
  bool flush = false;
};

// The request for those options (exactly one command).
Result<nlohmann::json> build_request(const QueryOptions& options);
// The response as the CLI prints it: table (`pmacct -s` style, "For a total of: N entries"), CSV or JSON lines
// for tables; JSON (pretty) or aligned text for counters and peers; dump lines as they are.
Result<std::string> render_response(const QueryOptions& options, const nlohmann::json& response);

}  // namespace flowlab::collector
