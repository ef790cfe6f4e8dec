// The tee's receivers file (pmacct syntax): parsing, rendering, and the balance names.
#include "common/address_hash.hpp"
#include "common/enum_names.hpp"
#include "common/strings.hpp"
#include "probes/collector/tee.hpp"

#include <algorithm>
#include <optional>
#include <set>

namespace flowlab::collector {
namespace {

struct Token {
  std::string_view text;
  std::size_t column = 0;  // 1-based
};

std::vector<Token> split_tokens(std::string_view line) {
  std::vector<Token> out;
  std::size_t i = 0;
  while (i < line.size()) {
    while (i < line.size() && (line[i] == ' ' || line[i] == '\t' || line[i] == '\r')) {
      ++i;
    }
    std::size_t start = i;
    while (i < line.size() && line[i] != ' ' && line[i] != '\t' && line[i] != '\r') {
      ++i;
    }
    if (i > start) {
      out.push_back(Token{line.substr(start, i - start), start + 1});
    }
  }
  return out;
}

constexpr EnumName<TeeBalance> kBalanceNames[] = {
    {"all", TeeBalance::kAll}, {"hash-agent", TeeBalance::kHashAgent}, {"rr", TeeBalance::kRoundRobin}};

constexpr std::string_view kKnownKeys[] = {"id", "ip", "balance-alg", "src_port"};
constexpr std::string_view kUnsupportedKeys[] = {"tag", "kafka_broker", "kafka_topic", "zmq_address"};

// One problem on a line: where it is and what it is. A line stops at its first problem.
struct LineError {
  std::size_t column = 0;
  std::string message;
};
using LineStatus = std::optional<LineError>;

// "192.0.2.1:2100", "[2001:db8::1]:2100" (and, like pmacct, "2001:db8::1:2100": the last colon splits).
Result<Endpoint> parse_endpoint(std::string_view text) {
  std::size_t colon = text.rfind(':');
  if (colon == std::string_view::npos || colon + 1 >= text.size()) {
    return fail(ErrorKind::kConfig, "receiver '" + std::string(text) + "' needs ADDRESS:PORT");
  }
  std::string_view host = text.substr(0, colon);
  std::string_view port_text = text.substr(colon + 1);
  if (host.size() >= 2 && host.front() == '[' && host.back() == ']') {
    host = host.substr(1, host.size() - 2);
  }
  auto address = IpAddress::parse(host);
  if (!address) {
    return fail(ErrorKind::kConfig,
                "receiver '" + std::string(text) + "': '" + std::string(host) + "' is not a numeric IPv4/IPv6 address");
  }
  auto port = parse_decimal<std::uint32_t>(port_text);
  if (!port || *port == 0 || *port > 65535) {
    return fail(ErrorKind::kConfig,
                "receiver '" + std::string(text) + "': port '" + std::string(port_text) + "' is not in 1..65535");
  }
  return Endpoint{*address, static_cast<std::uint16_t>(*port)};
}

LineStatus apply_id(std::string_view value, std::size_t column, TeePool& pool, std::set<std::uint32_t>& ids) {
  auto id = parse_decimal<std::uint32_t>(value);
  if (!id || *id == 0) {
    return LineError{column, "pool id '" + std::string(value) + "' is not an integer in 1..4294967295"};
  }
  if (!ids.insert(*id).second) {
    return LineError{column, "duplicate pool id " + std::to_string(*id)};
  }
  pool.id = *id;
  return std::nullopt;
}

// `ip=A:P[,B:P...]`: every item a receiver, none twice.
LineStatus apply_ip(std::string_view value, std::size_t column, TeePool& pool) {
  std::size_t start = 0;
  for (;;) {
    std::size_t comma = value.find(',', start);
    std::string_view item = value.substr(start, comma == std::string_view::npos ? value.size() - start : comma - start);
    auto endpoint = parse_endpoint(item);
    if (!endpoint.ok()) {
      return LineError{column + start, endpoint.error().message};
    }
    if (std::find(pool.receivers.begin(), pool.receivers.end(), *endpoint) != pool.receivers.end()) {
      return LineError{column + start, "receiver '" + std::string(item) + "' listed twice in this pool"};
    }
    pool.receivers.push_back(*endpoint);
    if (comma == std::string_view::npos) {
      return std::nullopt;
    }
    start = comma + 1;
  }
}

LineStatus apply_balance(std::string_view value, std::size_t column, TeePool& pool) {
  if (value == "hash-tag" || value == "hash-crc32") {
    return LineError{column, "balance-alg '" + std::string(value) +
                                 "' is not supported (flowcollector has no pre_tag_map; use hash-agent or rr)"};
  }
  auto balance = parse_tee_balance(value);
  if (!balance.ok()) {
    return LineError{column, balance.error().message};
  }
  pool.balance = *balance;
  return std::nullopt;
}

LineStatus apply_src_port(std::string_view value, std::size_t column, TeePool& pool) {
  auto port = parse_decimal<std::uint32_t>(value);
  if (!port || *port > 65535) {
    return LineError{column, "src_port '" + std::string(value) + "' is not in 0..65535"};
  }
  pool.src_port = static_cast<std::uint16_t>(*port);
  return std::nullopt;
}

LineStatus unknown_key(std::string_view key, std::size_t column) {
  if (std::find(std::begin(kUnsupportedKeys), std::end(kUnsupportedKeys), key) != std::end(kUnsupportedKeys)) {
    return LineError{column, "pmacct key '" + std::string(key) + "' is not supported by flowcollector's tee"};
  }
  std::string message = "unknown key '" + std::string(key) + "'";
  if (auto guess = closest_match(key, kKnownKeys)) {
    message += " (did you mean '" + *guess + "'?)";
  }
  return LineError{column, message + "; keys: id, ip, balance-alg, src_port"};
}

// One `KEY=VALUE` token into the pool.
LineStatus apply_token(const Token& token, TeePool& pool, std::set<std::string_view>& seen,
                       std::set<std::uint32_t>& ids) {
  std::size_t eq = token.text.find('=');
  if (eq == std::string_view::npos || eq == 0) {
    return LineError{token.column, "expected KEY=VALUE, got '" + std::string(token.text) + "'"};
  }
  std::string_view key = token.text.substr(0, eq);
  std::string_view value = token.text.substr(eq + 1);
  std::size_t value_column = token.column + eq + 1;
  if (!seen.insert(key).second) {
    return LineError{token.column, "duplicate key '" + std::string(key) + "'"};
  }
  if (value.empty()) {
    return LineError{value_column, "empty value for '" + std::string(key) + "'"};
  }
  if (key == "id") {
    return apply_id(value, value_column, pool, ids);
  }
  if (key == "ip") {
    return apply_ip(value, value_column, pool);
  }
  if (key == "balance-alg") {
    return apply_balance(value, value_column, pool);
  }
  if (key == "src_port") {
    return apply_src_port(value, value_column, pool);
  }
  return unknown_key(key, token.column);
}

// One non-comment line: a whole pool, or its first problem.
LineStatus parse_pool_line(const std::vector<Token>& tokens, TeePool& pool, std::set<std::uint32_t>& ids) {
  std::set<std::string_view> seen;
  for (const Token& token : tokens) {
    if (LineStatus error = apply_token(token, pool, seen, ids)) {
      return error;
    }
  }
  if (pool.id == 0) {
    return LineError{tokens.front().column, "missing 'id=' (pool id)"};
  }
  if (pool.receivers.empty()) {
    return LineError{tokens.front().column, "missing 'ip=' (receivers)"};
  }
  return std::nullopt;
}

}  // namespace

Result<TeeBalance> parse_tee_balance(std::string_view text) {
  if (auto balance = find_enum(kBalanceNames, text)) {
    return *balance;
  }
  return fail(ErrorKind::kConfig, "unknown balance '" + std::string(text) + "' (expected all, hash-agent or rr)");
}

std::string_view to_string(TeeBalance balance) { return enum_name(kBalanceNames, balance, "all"); }

Result<std::vector<TeePool>> parse_tee_receivers(std::string_view text, std::string_view file) {
  std::vector<TeePool> pools;
  std::string errors;
  std::set<std::uint32_t> ids;
  std::size_t line_no = 0;
  std::size_t pos = 0;
  while (pos <= text.size()) {
    std::size_t nl = text.find('\n', pos);
    std::string_view line = text.substr(pos, nl == std::string_view::npos ? std::string_view::npos : nl - pos);
    pos = nl == std::string_view::npos ? text.size() + 1 : nl + 1;
    ++line_no;
    std::vector<Token> tokens = split_tokens(line);
    if (tokens.empty() || tokens.front().text.front() == '!' || tokens.front().text.front() == '#') {
      continue;
    }
    TeePool pool;
    if (LineStatus error = parse_pool_line(tokens, pool, ids)) {
      errors += std::string(file) + ":" + std::to_string(line_no) + ":" + std::to_string(error->column) +
                ": error: " + error->message + "\n";
      continue;
    }
    pools.push_back(std::move(pool));
  }
  if (!errors.empty()) {
    errors.pop_back();
    return fail(ErrorKind::kConfig, errors);
  }
  return pools;
}

std::string render_tee_receivers(std::span<const TeePool> pools) {
  std::string out;
  for (const TeePool& pool : pools) {
    out += "id=" + std::to_string(pool.id) + " ip=";
    for (std::size_t i = 0; i < pool.receivers.size(); ++i) {
      out += (i > 0 ? "," : "") + pool.receivers[i].to_string();
    }
    if (pool.balance) {
      out += " balance-alg=" + std::string(to_string(*pool.balance));
    }
    if (pool.src_port != 0) {
      out += " src_port=" + std::to_string(pool.src_port);
    }
    out += "\n";
  }
  return out;
}

std::uint32_t tee_agent_hash(const IpAddress& agent) { return address_hash(agent); }

std::size_t tee_hash_agent_pick(const IpAddress& agent, std::size_t receivers) {
  return address_hash_pick(agent, receivers);
}

}  // namespace flowlab::collector
