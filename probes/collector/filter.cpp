#include "probes/collector/filter.hpp"

#include "common/strings.hpp"

#include <optional>

namespace flowlab::collector {

namespace {

struct Token {
  std::string_view text;
  unsigned column = 0;  // 1-based
};

std::vector<Token> tokenize(std::string_view s) {
  std::vector<Token> out;
  std::size_t i = 0;
  while (i < s.size()) {
    const char c = s[i];
    if (c == ' ' || c == '\t' || c == '\n' || c == '\r') {
      ++i;
      continue;
    }
    const std::size_t start = i;
    if (c == '(' || c == ')' || c == '!') {
      ++i;
    } else if ((c == '&' || c == '|') && i + 1 < s.size() && s[i + 1] == c) {
      i += 2;
    } else {
      while (i < s.size() && s[i] != ' ' && s[i] != '\t' && s[i] != '\n' && s[i] != '\r' && s[i] != '(' &&
             s[i] != ')') {
        ++i;
      }
    }
    out.push_back(Token{s.substr(start, i - start), static_cast<unsigned>(start + 1)});
  }
  return out;
}

std::optional<std::uint32_t> protocol_number(std::string_view t) {
  if (t == "tcp") return 6;
  if (t == "udp") return 17;
  if (t == "icmp") return 1;
  if (t == "icmp6" || t == "ipv6-icmp") return 58;
  if (t == "gre") return 47;
  if (t == "esp") return 50;
  if (t == "ah") return 51;
  if (t == "sctp") return 132;
  return parse_decimal<std::uint32_t>(t, 255);
}

class Parser {
 public:
  Parser(std::string_view text, std::vector<Filter::Node>& nodes)
      : toks_(tokenize(text)), nodes_(nodes), end_col_(static_cast<unsigned>(text.size() + 1)) {}

  Result<std::int32_t> parse() {
    auto root = parse_or();
    if (!root.ok()) {
      return root;
    }
    if (pos_ < toks_.size()) {
      return error(toks_[pos_].column, "unexpected '" + std::string(toks_[pos_].text) + "'");
    }
    return root;
  }

 private:
  using Node = Filter::Node;

  Failure<Error> error(unsigned column, const std::string& what) const {
    return fail(ErrorKind::kConfig, "col " + std::to_string(column) + ": " + what);
  }
  [[nodiscard]] bool at(std::string_view word) const { return pos_ < toks_.size() && toks_[pos_].text == word; }
  [[nodiscard]] unsigned column() const { return pos_ < toks_.size() ? toks_[pos_].column : end_col_; }
  std::int32_t add(Node n) {
    nodes_.push_back(n);
    return static_cast<std::int32_t>(nodes_.size() - 1);
  }

  // One left-associative level of a binary operator (spelled `word` or `symbol`): next (op next)*.
  Result<std::int32_t> parse_chain(Node::Kind kind, std::string_view word, std::string_view symbol,
                                   Result<std::int32_t> (Parser::*next)()) {
    auto left = (this->*next)();
    if (!left.ok()) {
      return left;
    }
    std::int32_t l = *left;
    while (at(word) || at(symbol)) {
      ++pos_;
      auto right = (this->*next)();
      if (!right.ok()) {
        return right;
      }
      Node n;
      n.kind = kind;
      n.left = l;
      n.right = *right;
      l = add(n);
    }
    return l;
  }

  Result<std::int32_t> parse_or() { return parse_chain(Node::Kind::kOr, "or", "||", &Parser::parse_and); }
  Result<std::int32_t> parse_and() { return parse_chain(Node::Kind::kAnd, "and", "&&", &Parser::parse_unary); }

  Result<std::int32_t> parse_unary() {
    if (at("not") || at("!")) {
      ++pos_;
      auto inner = parse_unary();
      if (!inner.ok()) {
        return inner;
      }
      Node n;
      n.kind = Node::Kind::kNot;
      n.left = *inner;
      return add(n);
    }
    if (at("(")) {
      const unsigned open_col = column();
      ++pos_;
      auto inner = parse_or();
      if (!inner.ok()) {
        return inner;
      }
      if (!at(")")) {
        return error(column(), "expected ')' to close '(' at col " + std::to_string(open_col));
      }
      ++pos_;
      return inner;
    }
    return parse_term();
  }

  Result<std::int32_t> parse_term() {
    if (pos_ >= toks_.size()) {
      return error(end_col_, "expected a filter term");
    }
    Node n;
    if (at("src")) {
      n.dir = Node::Dir::kSrc;
      ++pos_;
    } else if (at("dst")) {
      n.dir = Node::Dir::kDst;
      ++pos_;
    }
    if (pos_ >= toks_.size()) {
      return error(end_col_, "expected 'net', 'host' or 'port'");
    }
    const Token t = toks_[pos_++];
    if (t.text == "net" || t.text == "host") {
      return parse_address_term(n, t);
    }
    if (t.text == "port") {
      return parse_port_term(n);
    }
    if (n.dir != Node::Dir::kAny) {
      return error(t.column, "expected 'net', 'host' or 'port' after direction, got '" + std::string(t.text) + "'");
    }
    if (t.text == "proto" || t.text == "ip" || t.text == "ip6") {
      return parse_protocol_term(n, t);
    }
    if (t.text == "tcp" || t.text == "udp" || t.text == "icmp" || t.text == "icmp6" || t.text == "sctp") {
      n.kind = Node::Kind::kProto;
      n.number = *protocol_number(t.text);
      return add(n);
    }
    return error(t.column, "unknown filter term '" + std::string(t.text) + "'");
  }

  // `net PREFIX`, `net ADDRESS`, `host ADDRESS` (t is net or host, already consumed).
  Result<std::int32_t> parse_address_term(Node n, const Token& t) {
    if (pos_ >= toks_.size()) {
      return error(end_col_, "expected an address after '" + std::string(t.text) + "'");
    }
    const Token v = toks_[pos_++];
    std::optional<Prefix> p;
    if (t.text == "net" && v.text.find('/') != std::string_view::npos) {
      p = Prefix::parse(v.text, false);
      if (p) {
        p = p->canonical();
      }
    } else if (auto a = IpAddress::parse(v.text)) {
      p = Prefix{*a, static_cast<std::uint8_t>(a->max_prefix_len())};
    }
    if (!p) {
      return error(v.column,
                   "bad " + std::string(t.text == "net" ? "prefix" : "address") + " '" + std::string(v.text) + "'");
    }
    n.kind = Node::Kind::kNet;
    n.prefix = *p;
    return add(n);
  }

  // `port N` (port already consumed).
  Result<std::int32_t> parse_port_term(Node n) {
    if (pos_ >= toks_.size()) {
      return error(end_col_, "expected a port number");
    }
    const Token v = toks_[pos_++];
    auto port = parse_decimal<std::uint32_t>(v.text, 65535);
    if (!port) {
      return error(v.column, "bad port '" + std::string(v.text) + "'");
    }
    n.kind = Node::Kind::kPort;
    n.number = *port;
    return add(n);
  }

  // `ip`, `ip6` (a family), `proto P`, `ip proto P` (t already consumed).
  Result<std::int32_t> parse_protocol_term(Node n, const Token& t) {
    if (t.text != "proto" && !at("proto")) {
      n.kind = Node::Kind::kFamily;
      n.number = t.text == "ip" ? 4U : 6U;
      return add(n);
    }
    if (t.text != "proto") {
      ++pos_;  // "ip proto N"
    }
    if (pos_ >= toks_.size()) {
      return error(end_col_, "expected a protocol");
    }
    const Token v = toks_[pos_++];
    auto proto = protocol_number(v.text);
    if (!proto) {
      return error(v.column, "bad protocol '" + std::string(v.text) + "'");
    }
    n.kind = Node::Kind::kProto;
    n.number = *proto;
    return add(n);
  }

  std::vector<Token> toks_;
  std::vector<Node>& nodes_;
  unsigned end_col_;
  std::size_t pos_ = 0;
};

}  // namespace

Result<Filter> Filter::parse(std::string_view text) {
  Filter f;
  f.text_ = std::string(text);
  bool blank = true;
  for (char c : text) {
    blank = blank && (c == ' ' || c == '\t' || c == '\n' || c == '\r');
  }
  if (blank) {
    return f;
  }
  Parser p(text, f.nodes_);
  auto root = p.parse();
  if (!root.ok()) {
    return fail(root.error());
  }
  // Root last: parse() returns it, and it is always the most recently added node.
  (void)*root;
  return f;
}

bool Filter::matches(const wire::FlowRecord& record) const {
  if (nodes_.empty()) {
    return true;
  }
  return eval(static_cast<std::int32_t>(nodes_.size() - 1), record);
}

bool Filter::eval(std::int32_t index, const wire::FlowRecord& r) const {
  const Node& n = nodes_[static_cast<std::size_t>(index)];
  switch (n.kind) {
    case Node::Kind::kAnd:
      return eval(n.left, r) && eval(n.right, r);
    case Node::Kind::kOr:
      return eval(n.left, r) || eval(n.right, r);
    case Node::Kind::kNot:
      return !eval(n.left, r);
    case Node::Kind::kNet: {
      const bool s = n.prefix.family() == r.src_addr.family && n.prefix.contains(r.src_addr);
      const bool d = n.prefix.family() == r.dst_addr.family && n.prefix.contains(r.dst_addr);
      return n.dir == Node::Dir::kSrc ? s : n.dir == Node::Dir::kDst ? d : (s || d);
    }
    case Node::Kind::kPort: {
      const bool ported = r.protocol == 6 || r.protocol == 17 || r.protocol == 132;
      const bool s = ported && r.src_port == n.number;
      const bool d = ported && r.dst_port == n.number;
      return n.dir == Node::Dir::kSrc ? s : n.dir == Node::Dir::kDst ? d : (s || d);
    }
    case Node::Kind::kProto:
      return r.protocol == n.number;
    case Node::Kind::kFamily:
      return n.number == 4 ? r.src_addr.is_v4() : r.src_addr.is_v6();
    case Node::Kind::kTrue:
      return true;
  }
  return true;
}

}  // namespace flowlab::collector
