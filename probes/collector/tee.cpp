#include "probes/collector/tee.hpp"

#include "common/address_hash.hpp"
#include "common/strings.hpp"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <cstring>
#include <fstream>
#include <map>
#include <set>
#include <sstream>
#include <tuple>
#include <utility>

namespace flowlab::collector {
namespace {

// IPV6_HDRINCL (linux/in6.h, kernel >= 4.5); glibc's netinet/in.h does not define it.
constexpr int kIpv6HdrIncl = 36;
constexpr std::uint8_t kTtl = 64;
constexpr std::size_t kIpv4HeaderBytes = 20;
constexpr std::size_t kIpv6HeaderBytes = 40;
constexpr std::size_t kUdpHeaderBytes = 8;
constexpr std::size_t kMaxUdpPayload = 65535 - kUdpHeaderBytes;

// ---- receivers file parsing ---------------------------------------------------------------------------------

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

constexpr std::string_view kKnownKeys[] = {"id", "ip", "balance-alg", "src_port"};
constexpr std::string_view kUnsupportedKeys[] = {"tag", "kafka_broker", "kafka_topic", "zmq_address"};

// "192.0.2.1:2100", "[2001:db8::1]:2100" (and, like pmacct, "2001:db8::1:2100": the last colon splits).
Result<TeeEndpoint> parse_endpoint(std::string_view text) {
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
  return TeeEndpoint{*address, static_cast<std::uint16_t>(*port)};
}

// ---- checksum ------------------------------------------------------------------------------------------------

// One's complement sum of 16-bit big-endian words (RFC 1071), not yet folded.
std::uint64_t sum_words(std::span<const std::uint8_t> data, std::uint64_t sum) {
  std::size_t i = 0;
  for (; i + 1 < data.size(); i += 2) {
    sum += (static_cast<std::uint64_t>(data[i]) << 8U) | data[i + 1];
  }
  if (i < data.size()) {
    sum += static_cast<std::uint64_t>(data[i]) << 8U;
  }
  return sum;
}

std::uint16_t fold(std::uint64_t sum) {
  while ((sum >> 16U) != 0) {
    sum = (sum & 0xffffU) + (sum >> 16U);
  }
  return static_cast<std::uint16_t>(sum);
}

// ---- sockets -------------------------------------------------------------------------------------------------

class Fd {
 public:
  Fd() = default;
  explicit Fd(int fd) : fd_(fd) {}
  Fd(Fd&& other) noexcept : fd_(std::exchange(other.fd_, -1)) {}
  Fd& operator=(Fd&& other) noexcept {
    if (this != &other) {
      reset();
      fd_ = std::exchange(other.fd_, -1);
    }
    return *this;
  }
  Fd(const Fd&) = delete;
  Fd& operator=(const Fd&) = delete;
  ~Fd() { reset(); }
  [[nodiscard]] int get() const { return fd_; }
  [[nodiscard]] bool valid() const { return fd_ >= 0; }
  void reset() {
    if (fd_ >= 0) {
      ::close(fd_);
      fd_ = -1;
    }
  }

 private:
  int fd_ = -1;
};

std::string errno_text(int err) { return std::strerror(err); }

int family_of(const IpAddress& a) { return a.is_v4() ? AF_INET : AF_INET6; }

void set_send_buffer(int fd, std::size_t bytes) {
  int value = static_cast<int>(std::min<std::size_t>(bytes, 1U << 30U));
  // SO_SNDBUFFORCE passes net.core.wmem_max when privileged; otherwise the capped SO_SNDBUF is the best we get.
  if (::setsockopt(fd, SOL_SOCKET, SO_SNDBUFFORCE, &value, sizeof(value)) != 0) {
    (void)::setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &value, sizeof(value));
  }
}

Result<Fd> open_udp(int family, std::uint16_t src_port, std::size_t buffer, const std::string& tee) {
  Fd fd(::socket(family, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, IPPROTO_UDP));
  std::string what = family == AF_INET ? "AF_INET" : "AF_INET6";
  if (!fd.valid()) {
    return fail(ErrorKind::kSocket, "tee " + tee + ": socket(" + what + ", SOCK_DGRAM): " + errno_text(errno));
  }
  set_send_buffer(fd.get(), buffer);
  if (src_port != 0) {
    sockaddr_storage ss{};
    socklen_t len = 0;
    if (family == AF_INET) {
      sockaddr_in sin{};
      sin.sin_family = AF_INET;
      sin.sin_port = htons(src_port);
      std::memcpy(&ss, &sin, sizeof(sin));
      len = sizeof(sin);
    } else {
      sockaddr_in6 sin6{};
      sin6.sin6_family = AF_INET6;
      sin6.sin6_port = htons(src_port);
      std::memcpy(&ss, &sin6, sizeof(sin6));
      len = sizeof(sin6);
    }
    if (::bind(fd.get(), reinterpret_cast<const sockaddr*>(&ss), len) != 0) {  // NOLINT: sockaddr API
      return fail(ErrorKind::kSocket,
                  "tee " + tee + ": bind(" + what + " port " + std::to_string(src_port) + "): " + errno_text(errno));
    }
  }
  return fd;
}

Result<Fd> open_raw(int family, std::size_t buffer, const std::string& tee) {
  std::string what = family == AF_INET ? "AF_INET" : "AF_INET6";
  Fd fd(::socket(family, SOCK_RAW | SOCK_NONBLOCK | SOCK_CLOEXEC, IPPROTO_RAW));
  if (!fd.valid()) {
    int err = errno;
    std::string hint = (err == EPERM || err == EACCES) ? " (transparent mode needs root or CAP_NET_RAW)" : "";
    return fail(ErrorKind::kSocket,
                "tee " + tee + ": socket(" + what + ", SOCK_RAW, IPPROTO_RAW): " + errno_text(err) + hint);
  }
  int one = 1;
  if (family == AF_INET) {
    if (::setsockopt(fd.get(), IPPROTO_IP, IP_HDRINCL, &one, sizeof(one)) != 0) {
      return fail(ErrorKind::kSocket, "tee " + tee + ": setsockopt(IP_HDRINCL): " + errno_text(errno));
    }
  } else if (::setsockopt(fd.get(), IPPROTO_IPV6, kIpv6HdrIncl, &one, sizeof(one)) != 0 && errno != ENOPROTOOPT) {
    // IPPROTO_RAW implies header inclusion on IPv6 too; IPV6_HDRINCL (>= 4.5) just makes it explicit.
    return fail(ErrorKind::kSocket, "tee " + tee + ": setsockopt(IPV6_HDRINCL): " + errno_text(errno));
  }
  set_send_buffer(fd.get(), buffer);
  return fd;
}

struct SockAddr {
  sockaddr_storage storage{};
  socklen_t length = 0;
  [[nodiscard]] const sockaddr* get() const {
    return reinterpret_cast<const sockaddr*>(&storage);  // NOLINT: sockaddr API
  }
};

SockAddr to_sockaddr(const TeeEndpoint& e, bool raw) {
  SockAddr out;
  // Raw sockets: the port field must be 0 (IPv6: it would be read as the protocol number).
  std::uint16_t port = raw ? 0 : e.port;
  if (e.address.is_v4()) {
    sockaddr_in sin{};
    sin.sin_family = AF_INET;
    sin.sin_port = htons(port);
    std::memcpy(&sin.sin_addr, e.address.bytes.data(), 4);
    std::memcpy(&out.storage, &sin, sizeof(sin));
    out.length = sizeof(sin);
  } else {
    sockaddr_in6 sin6{};
    sin6.sin6_family = AF_INET6;
    sin6.sin6_port = htons(port);
    std::memcpy(&sin6.sin6_addr, e.address.bytes.data(), 16);
    std::memcpy(&out.storage, &sin6, sizeof(sin6));
    out.length = sizeof(sin6);
  }
  return out;
}

}  // namespace

// ---- public helpers ------------------------------------------------------------------------------------------

Result<TeeBalance> parse_tee_balance(std::string_view text) {
  if (text == "all") {
    return TeeBalance::kAll;
  }
  if (text == "hash-agent") {
    return TeeBalance::kHashAgent;
  }
  if (text == "rr") {
    return TeeBalance::kRoundRobin;
  }
  return fail(ErrorKind::kConfig, "unknown balance '" + std::string(text) + "' (expected all, hash-agent or rr)");
}

std::string_view to_string(TeeBalance balance) {
  switch (balance) {
    case TeeBalance::kAll:
      return "all";
    case TeeBalance::kHashAgent:
      return "hash-agent";
    case TeeBalance::kRoundRobin:
      return "rr";
  }
  return "all";
}

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
    auto error = [&](std::size_t column, const std::string& message) {
      errors += std::string(file) + ":" + std::to_string(line_no) + ":" + std::to_string(column) +
                ": error: " + message + "\n";
    };
    std::vector<Token> tokens = split_tokens(line);
    if (tokens.empty() || tokens.front().text.front() == '!' || tokens.front().text.front() == '#') {
      continue;
    }
    TeePool pool;
    bool have_id = false;
    bool have_ip = false;
    bool line_ok = true;
    std::set<std::string_view> seen;
    for (const Token& token : tokens) {
      std::size_t eq = token.text.find('=');
      if (eq == std::string_view::npos || eq == 0) {
        error(token.column, "expected KEY=VALUE, got '" + std::string(token.text) + "'");
        line_ok = false;
        break;
      }
      std::string_view key = token.text.substr(0, eq);
      std::string_view value = token.text.substr(eq + 1);
      std::size_t value_column = token.column + eq + 1;
      if (!seen.insert(key).second) {
        error(token.column, "duplicate key '" + std::string(key) + "'");
        line_ok = false;
        break;
      }
      if (value.empty()) {
        error(value_column, "empty value for '" + std::string(key) + "'");
        line_ok = false;
        break;
      }
      if (key == "id") {
        auto id = parse_decimal<std::uint32_t>(value);
        if (!id || *id == 0) {
          error(value_column, "pool id '" + std::string(value) + "' is not an integer in 1..4294967295");
          line_ok = false;
          break;
        }
        if (!ids.insert(*id).second) {
          error(value_column, "duplicate pool id " + std::to_string(*id));
          line_ok = false;
          break;
        }
        pool.id = *id;
        have_id = true;
      } else if (key == "ip") {
        std::size_t start = 0;
        while (start <= value.size()) {
          std::size_t comma = value.find(',', start);
          std::string_view item =
              value.substr(start, comma == std::string_view::npos ? value.size() - start : comma - start);
          auto endpoint = parse_endpoint(item);
          if (!endpoint.ok()) {
            error(value_column + start, endpoint.error().message);
            line_ok = false;
            break;
          }
          if (std::find(pool.receivers.begin(), pool.receivers.end(), *endpoint) != pool.receivers.end()) {
            error(value_column + start, "receiver '" + std::string(item) + "' listed twice in this pool");
            line_ok = false;
            break;
          }
          pool.receivers.push_back(*endpoint);
          if (comma == std::string_view::npos) {
            break;
          }
          start = comma + 1;
        }
        if (!line_ok) {
          break;
        }
        have_ip = true;
      } else if (key == "balance-alg") {
        if (value == "hash-tag" || value == "hash-crc32") {
          error(value_column, "balance-alg '" + std::string(value) +
                                  "' is not supported (flowcollector has no pre_tag_map; use hash-agent or rr)");
          line_ok = false;
          break;
        }
        auto balance = parse_tee_balance(value);
        if (!balance.ok()) {
          error(value_column, balance.error().message);
          line_ok = false;
          break;
        }
        pool.balance = *balance;
      } else if (key == "src_port") {
        auto port = parse_decimal<std::uint32_t>(value);
        if (!port || *port > 65535) {
          error(value_column, "src_port '" + std::string(value) + "' is not in 0..65535");
          line_ok = false;
          break;
        }
        pool.src_port = static_cast<std::uint16_t>(*port);
      } else if (std::find(std::begin(kUnsupportedKeys), std::end(kUnsupportedKeys), key) !=
                 std::end(kUnsupportedKeys)) {
        error(token.column, "pmacct key '" + std::string(key) + "' is not supported by flowcollector's tee");
        line_ok = false;
        break;
      } else {
        std::string message = "unknown key '" + std::string(key) + "'";
        if (auto guess = closest_match(key, kKnownKeys)) {
          message += " (did you mean '" + *guess + "'?)";
        }
        error(token.column, message + "; keys: id, ip, balance-alg, src_port");
        line_ok = false;
        break;
      }
    }
    if (!line_ok) {
      continue;
    }
    if (!have_id) {
      error(tokens.front().column, "missing 'id=' (pool id)");
      continue;
    }
    if (!have_ip) {
      error(tokens.front().column, "missing 'ip=' (receivers)");
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
      const TeeEndpoint& e = pool.receivers[i];
      if (i > 0) {
        out += ",";
      }
      out += e.address.is_v6() ? "[" + e.address.to_string() + "]" : e.address.to_string();
      out += ":" + std::to_string(e.port);
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

namespace {

constexpr std::size_t kMaxHeaderBytes = kIpv6HeaderBytes + kUdpHeaderBytes;
using Headers = std::array<std::uint8_t, kMaxHeaderBytes>;

void put16(Headers& out, std::size_t at, std::uint16_t v) {
  out[at] = static_cast<std::uint8_t>(v >> 8U);
  out[at + 1] = static_cast<std::uint8_t>(v & 0xffU);
}

// The UDP checksum from the payload's unfolded word sum (computed once per datagram, shared by every receiver).
std::uint16_t udp_checksum_from(const TeeEndpoint& source, const TeeEndpoint& destination, std::size_t payload_size,
                                std::uint64_t payload_sum) {
  const std::size_t addr = source.address.size();
  const std::uint64_t udp_length = kUdpHeaderBytes + payload_size;
  std::uint64_t sum = payload_sum;
  // Pseudo-header: addresses, protocol, UDP length (IPv4: 16 bits, IPv6: 32 bits — the same sum here).
  sum = sum_words(std::span<const std::uint8_t>(source.address.bytes.data(), addr), sum);
  sum = sum_words(std::span<const std::uint8_t>(destination.address.bytes.data(), addr), sum);
  sum += IPPROTO_UDP;
  sum += udp_length;
  // UDP header with a zero checksum field.
  sum += source.port;
  sum += destination.port;
  sum += udp_length;
  auto checksum = static_cast<std::uint16_t>(~fold(sum));
  return checksum == 0 ? 0xffff : checksum;
}

// IP + UDP headers into `out`; returns their size (0: families differ / unset, or the payload does not fit).
// An odd-length payload's sum is padded at its end, which is where it ends in the packet too.
std::size_t build_headers(Headers& out, const TeeEndpoint& source, const TeeEndpoint& destination,
                          std::size_t payload_size, std::uint64_t payload_sum, std::uint16_t ip_id) {
  if (source.address.family != destination.address.family || !source.address.is_set()) {
    return 0;
  }
  const bool v4 = source.address.is_v4();
  const std::size_t ip_header = v4 ? kIpv4HeaderBytes : kIpv6HeaderBytes;
  if (payload_size > kMaxUdpPayload || (v4 && payload_size + kUdpHeaderBytes + ip_header > 65535)) {
    return 0;
  }
  out.fill(0);
  const auto udp_length = static_cast<std::uint16_t>(kUdpHeaderBytes + payload_size);
  if (v4) {
    out[0] = 0x45;  // version 4, IHL 5
    put16(out, 2, static_cast<std::uint16_t>(ip_header + udp_length));
    put16(out, 4, ip_id);
    out[8] = kTtl;
    out[9] = IPPROTO_UDP;
    std::copy_n(source.address.bytes.begin(), 4, out.begin() + 12);
    std::copy_n(destination.address.bytes.begin(), 4, out.begin() + 16);
    put16(out, 10,
          static_cast<std::uint16_t>(~fold(sum_words(std::span<const std::uint8_t>(out.data(), ip_header), 0))));
  } else {
    out[0] = 0x60;  // version 6, traffic class 0, flow label 0
    put16(out, 4, udp_length);
    out[6] = IPPROTO_UDP;
    out[7] = kTtl;
    std::copy_n(source.address.bytes.begin(), 16, out.begin() + 8);
    std::copy_n(destination.address.bytes.begin(), 16, out.begin() + 24);
  }
  put16(out, ip_header, source.port);
  put16(out, ip_header + 2, destination.port);
  put16(out, ip_header + 4, udp_length);
  put16(out, ip_header + 6, udp_checksum_from(source, destination, payload_size, payload_sum));
  return ip_header + kUdpHeaderBytes;
}

}  // namespace

std::uint16_t udp_checksum(const TeeEndpoint& source, const TeeEndpoint& destination,
                           std::span<const std::uint8_t> payload) {
  if (source.address.family != destination.address.family || !source.address.is_set() ||
      payload.size() > kMaxUdpPayload) {
    return 0;
  }
  return udp_checksum_from(source, destination, payload.size(), sum_words(payload, 0));
}

std::vector<std::uint8_t> build_ip_udp_packet(const TeeEndpoint& source, const TeeEndpoint& destination,
                                              std::span<const std::uint8_t> payload, std::uint16_t ip_id) {
  Headers headers{};
  const std::size_t n = build_headers(headers, source, destination, payload.size(), sum_words(payload, 0), ip_id);
  if (n == 0) {
    return {};
  }
  std::vector<std::uint8_t> out(headers.begin(), headers.begin() + static_cast<std::ptrdiff_t>(n));
  out.insert(out.end(), payload.begin(), payload.end());
  return out;
}

// ---- Tee -----------------------------------------------------------------------------------------------------

namespace {

struct Receiver {
  TeeEndpoint endpoint;
  SockAddr udp_address;
  SockAddr raw_address;
  int udp_fd = -1;  // borrowed from State::udp_sockets
  TeeReceiverCounters counters;
};

struct Pool {
  std::uint32_t id = 0;
  TeeBalance balance = TeeBalance::kAll;
  std::vector<Receiver> receivers;
  std::size_t next = 0;  // round robin cursor
};

}  // namespace

struct Tee::State {
  TeeConfig config;
  std::vector<TeePool> spec;
  std::vector<Pool> pools;
  std::map<std::pair<int, std::uint16_t>, Fd> udp_sockets;  // (family, src_port)
  Fd raw4;
  Fd raw6;
  std::uint16_t ip_id = 0;
  // Transparent mode, per datagram: the payload's checksum word sum, computed once for all receivers.
  std::optional<std::uint64_t> payload_sum;
  Headers headers{};

  Status install(std::vector<TeePool> new_spec);
  // headers (may be empty) + payload as one datagram, via sendmsg (no copy of the payload).
  void send(Receiver& receiver, int fd, const SockAddr& to, std::span<const std::uint8_t> header,
            std::span<const std::uint8_t> payload);
  void deliver(Receiver& receiver, std::span<const std::uint8_t> datagram, const IpAddress& source,
               std::uint16_t source_port);
};

Status Tee::State::install(std::vector<TeePool> new_spec) {
  // Open every socket the new pools need before touching the old state, so a failure leaves it intact.
  std::map<std::pair<int, std::uint16_t>, Fd> sockets;
  Fd new_raw4;
  Fd new_raw6;
  for (const TeePool& pool : new_spec) {
    for (const TeeEndpoint& e : pool.receivers) {
      int family = family_of(e.address);
      auto key = std::make_pair(family, pool.src_port);
      if (sockets.count(key) == 0) {
        auto existing = udp_sockets.find(key);
        if (existing != udp_sockets.end()) {
          sockets.emplace(key, std::move(existing->second));
          udp_sockets.erase(existing);
        } else {
          auto fd = open_udp(family, pool.src_port, config.socket_buffer, config.name);
          if (!fd.ok()) {
            for (auto& [k, v] : sockets) {  // hand back what we borrowed
              udp_sockets.emplace(k, std::move(v));
            }
            return fail(fd.error());
          }
          sockets.emplace(key, std::move(*fd));
        }
      }
    }
  }
  if (config.transparent) {
    // Both families: an exporter of either family may show up for a receiver of the same family.
    bool any4 = false;
    bool any6 = false;
    for (const TeePool& pool : new_spec) {
      for (const TeeEndpoint& e : pool.receivers) {
        (e.address.is_v4() ? any4 : any6) = true;
      }
    }
    if (any4 && !raw4.valid()) {
      auto fd = open_raw(AF_INET, config.socket_buffer, config.name);
      if (!fd.ok()) {
        for (auto& [k, v] : sockets) {
          udp_sockets.emplace(k, std::move(v));
        }
        return fail(fd.error());
      }
      new_raw4 = std::move(*fd);
    }
    if (any6 && !raw6.valid()) {
      auto fd = open_raw(AF_INET6, config.socket_buffer, config.name);
      if (!fd.ok()) {
        for (auto& [k, v] : sockets) {
          udp_sockets.emplace(k, std::move(v));
        }
        return fail(fd.error());
      }
      new_raw6 = std::move(*fd);
    }
  }

  // Carry counters of receivers that stay (same pool id and endpoint).
  std::map<std::tuple<std::uint32_t, IpAddress, std::uint16_t>, TeeReceiverCounters> old_counters;
  for (const Pool& pool : pools) {
    for (const Receiver& r : pool.receivers) {
      old_counters[{pool.id, r.endpoint.address, r.endpoint.port}] = r.counters;
    }
  }
  std::vector<Pool> new_pools;
  for (const TeePool& tp : new_spec) {
    Pool pool;
    pool.id = tp.id;
    pool.balance = tp.balance.value_or(config.balance);
    for (const TeeEndpoint& e : tp.receivers) {
      Receiver r;
      r.endpoint = e;
      r.udp_address = to_sockaddr(e, false);
      r.raw_address = to_sockaddr(e, true);
      r.udp_fd = sockets.at({family_of(e.address), tp.src_port}).get();
      auto it = old_counters.find({tp.id, e.address, e.port});
      if (it != old_counters.end()) {
        r.counters = it->second;
      } else {
        r.counters.id = tp.id;
        r.counters.address = e.address;
        r.counters.port = e.port;
      }
      pool.receivers.push_back(r);
    }
    new_pools.push_back(std::move(pool));
  }
  pools = std::move(new_pools);
  udp_sockets = std::move(sockets);  // sockets no longer needed close here
  if (new_raw4.valid()) {
    raw4 = std::move(new_raw4);
  }
  if (new_raw6.valid()) {
    raw6 = std::move(new_raw6);
  }
  spec = std::move(new_spec);
  return {};
}

void Tee::State::send(Receiver& receiver, int fd, const SockAddr& to, std::span<const std::uint8_t> header,
                      std::span<const std::uint8_t> payload) {
  auto& c = receiver.counters;
  std::array<iovec, 2> iov{iovec{const_cast<std::uint8_t*>(header.data()), header.size()},     // NOLINT: iovec API
                           iovec{const_cast<std::uint8_t*>(payload.data()), payload.size()}};  // NOLINT
  msghdr msg{};
  msg.msg_name = const_cast<sockaddr*>(to.get());  // NOLINT: msghdr API
  msg.msg_namelen = to.length;
  msg.msg_iov = header.empty() ? &iov[1] : iov.data();
  msg.msg_iovlen = header.empty() ? 1 : 2;
  const auto deadline = std::chrono::steady_clock::now() + config.send_wait;
  for (;;) {
    ssize_t n = ::sendmsg(fd, &msg, MSG_DONTWAIT | MSG_NOSIGNAL);
    if (n >= 0) {
      ++c.datagrams;
      c.bytes += payload.size();
      return;
    }
    int err = errno;
    if (err == EINTR) {
      continue;
    }
    ++c.errors;
    if (err != EAGAIN && err != EWOULDBLOCK && err != ENOBUFS) {
      ++c.dropped;  // EMSGSIZE, ENETUNREACH, EPERM, ...: retrying cannot help
      return;
    }
    ++c.would_block;
    auto now = std::chrono::steady_clock::now();
    if (now >= deadline) {
      ++c.dropped;
      return;
    }
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - now).count();
    if (err == ENOBUFS) {
      // No socket to wait on (device queue or memory): back off a millisecond.
      ::poll(nullptr, 0, 1);
    } else {
      pollfd p{fd, POLLOUT, 0};
      ::poll(&p, 1, static_cast<int>(std::clamp<long long>(left, 1, 1000)));
    }
  }
}

void Tee::State::deliver(Receiver& receiver, std::span<const std::uint8_t> datagram, const IpAddress& source,
                         std::uint16_t source_port) {
  if (config.transparent) {
    const bool same_family = source.family == receiver.endpoint.address.family;
    const Fd& raw = receiver.endpoint.address.is_v4() ? raw4 : raw6;
    if (same_family && raw.valid()) {
      if (!payload_sum) {
        payload_sum = sum_words(datagram, 0);
      }
      const std::size_t n = build_headers(headers, TeeEndpoint{source, source_port}, receiver.endpoint, datagram.size(),
                                          *payload_sum, ++ip_id);
      if (n != 0) {
        send(receiver, raw.get(), receiver.raw_address, std::span<const std::uint8_t>(headers.data(), n), datagram);
        return;
      }
    }
    // An exporter of the other family cannot be spoofed towards this receiver: send it from our own address
    // and count the fallback as an error so it shows.
    ++receiver.counters.errors;
  }
  send(receiver, receiver.udp_fd, receiver.udp_address, {}, datagram);
}

Tee::Tee(std::unique_ptr<State> state) : state_(std::move(state)) {}
Tee::~Tee() = default;

Result<std::unique_ptr<Tee>> Tee::create(const TeeConfig& config) {
  std::ifstream in(config.receivers);
  if (!in) {
    return fail(ErrorKind::kConfig, "tee " + config.name + ": cannot read receivers file " + config.receivers.string() +
                                        ": " + errno_text(errno));
  }
  std::stringstream text;
  text << in.rdbuf();
  auto pools = parse_tee_receivers(text.str(), config.receivers.string());
  if (!pools.ok()) {
    return fail(pools.error());
  }
  if (pools->empty()) {
    return fail(ErrorKind::kConfig,
                "tee " + config.name + ": receivers file " + config.receivers.string() + " lists no receivers");
  }
  auto state = std::make_unique<State>();
  state->config = config;
  FLOWLAB_TRY(state->install(std::move(*pools)));
  return std::unique_ptr<Tee>(new Tee(std::move(state)));
}

Result<std::unique_ptr<Tee>> Tee::create(const TeeConfig& config, std::vector<TeePool> pools) {
  if (pools.empty()) {
    return fail(ErrorKind::kConfig, "tee " + config.name + ": no receivers");
  }
  for (const TeePool& pool : pools) {
    if (pool.receivers.empty()) {
      return fail(ErrorKind::kConfig, "tee " + config.name + ": pool " + std::to_string(pool.id) + " has no receivers");
    }
    for (const TeeEndpoint& e : pool.receivers) {
      if (!e.address.is_set() || e.port == 0) {
        return fail(ErrorKind::kConfig, "tee " + config.name + ": pool " + std::to_string(pool.id) +
                                            " has a receiver without address or port");
      }
    }
  }
  auto state = std::make_unique<State>();
  state->config = config;
  state->config.receivers.clear();
  FLOWLAB_TRY(state->install(std::move(pools)));
  return std::unique_ptr<Tee>(new Tee(std::move(state)));
}

void Tee::forward(std::span<const std::uint8_t> datagram, const IpAddress& source, std::uint16_t source_port) {
  state_->payload_sum.reset();
  for (Pool& pool : state_->pools) {
    const std::size_t n = pool.receivers.size();
    switch (pool.balance) {
      case TeeBalance::kAll:
        for (Receiver& r : pool.receivers) {
          state_->deliver(r, datagram, source, source_port);
        }
        break;
      case TeeBalance::kHashAgent:
        state_->deliver(pool.receivers[tee_hash_agent_pick(source, n)], datagram, source, source_port);
        break;
      case TeeBalance::kRoundRobin:
        state_->deliver(pool.receivers[pool.next % n], datagram, source, source_port);
        pool.next = (pool.next + 1) % n;
        break;
    }
  }
}

void Tee::forward(std::span<const std::byte> datagram, const IpAddress& source, std::uint16_t source_port) {
  forward(std::span<const std::uint8_t>(reinterpret_cast<const std::uint8_t*>(datagram.data()),  // NOLINT
                                        datagram.size()),
          source, source_port);
}

std::vector<TeeReceiverCounters> Tee::counters() const {
  std::vector<TeeReceiverCounters> out;
  for (const Pool& pool : state_->pools) {
    for (const Receiver& r : pool.receivers) {
      out.push_back(r.counters);
    }
  }
  return out;
}

const TeeConfig& Tee::config() const { return state_->config; }
const std::vector<TeePool>& Tee::pools() const { return state_->spec; }

Status Tee::reload() {
  if (state_->config.receivers.empty()) {
    return {};  // pools were given directly
  }
  std::ifstream in(state_->config.receivers);
  if (!in) {
    return fail(ErrorKind::kConfig, "tee " + state_->config.name + ": cannot read receivers file " +
                                        state_->config.receivers.string() + ": " + errno_text(errno));
  }
  std::stringstream text;
  text << in.rdbuf();
  auto pools = parse_tee_receivers(text.str(), state_->config.receivers.string());
  if (!pools.ok()) {
    return fail(pools.error());
  }
  if (pools->empty()) {
    return fail(ErrorKind::kConfig, "tee " + state_->config.name + ": receivers file " +
                                        state_->config.receivers.string() +
                                        " lists no receivers (keeping the previous list)");
  }
  return state_->install(std::move(*pools));
}

}  // namespace flowlab::collector
