// filter.hpp — pmacct's aggregate_filter for flow records: a small pcap-filter subset evaluated on the record's
// own fields (no packets involved).
//
// Grammar (precedence not > and > or, left to right; `&&`, `||`, `!` are synonyms):
//   expr    := or
//   or      := and { "or" and }
//   and     := unary { "and" unary }
//   unary   := "not" unary | "(" expr ")" | term
//   term    := [ "src" | "dst" ] ( "net" PREFIX | "host" ADDRESS | "port" NUMBER )
//            | "net" PREFIX ["mask" ...unsupported] | "proto" ( "tcp" | "udp" | "icmp" | "icmp6" | NUMBER )
//            | "tcp" | "udp" | "icmp" | "ip" | "ip6"
//   and an ADDRESS/PREFIX with `src or dst` omitted matches either side.
// Errors: "col N: ..." (1-based column in the filter text).
#pragma once

#include "common/ip.hpp"
#include "common/result.hpp"
#include "probes/wire/flow_record.hpp"

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace flowlab::collector {

class Filter {
 public:
  Filter() = default;  // matches everything
  static Result<Filter> parse(std::string_view text);

  [[nodiscard]] bool matches(const wire::FlowRecord& record) const;
  [[nodiscard]] bool empty() const { return nodes_.empty(); }
  [[nodiscard]] const std::string& text() const { return text_; }

  struct Node {
    enum class Kind : std::uint8_t { kAnd, kOr, kNot, kNet, kPort, kProto, kFamily, kTrue };
    enum class Dir : std::uint8_t { kAny, kSrc, kDst };
    Kind kind = Kind::kTrue;
    Dir dir = Dir::kAny;
    Prefix prefix;             // kNet
    std::uint32_t number = 0;  // kPort / kProto / kFamily (4 or 6)
    std::int32_t left = -1;    // child indices (kAnd, kOr: both; kNot: left)
    std::int32_t right = -1;
  };

 private:
  [[nodiscard]] bool eval(std::int32_t node, const wire::FlowRecord& record) const;

  std::vector<Node> nodes_;  // root is the last node
  std::string text_;
};

}  // namespace flowlab::collector
