// agent_map.hpp — pmacct's bgp_agent_map: which BGP peer's RIB enriches the flows of which exporter.
//
// Syntax (pmacct pretag-map style): one entry per line, `bgp_ip=<BGP peer address> ip=<exporter address[/len]>`,
// keys in any order, `!` or `#` starts a comment, blank lines ignored. The first matching line wins (pmacct
// evaluates maps top-down). pmacct's `bgp_port=` (BGP sessions behind NAT) is accepted and ignored.
#pragma once

#include "common/files.hpp"
#include "common/ip.hpp"
#include "common/result.hpp"

#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace flowlab::collector {

namespace detail {
// One `key=value` token of a pmacct map line, with its 1-based column.
struct MapToken {
  std::string_view key;
  std::string_view value;
  unsigned column = 0;
};
// Calls on_line(line_number, tokens) for every non-blank, non-comment line; stops at the first error it returns.
// Malformed tokens (no '=', empty key or value) fail with "file:line:col: error: ...".
Status parse_map_lines(std::string_view text, std::string_view file,
                       const std::function<Status(unsigned, const std::vector<MapToken>&)>& on_line);
std::string map_error(std::string_view file, unsigned line, unsigned column, const std::string& what);
// fail(kConfig, map_error(...)): how a map line's problem is returned.
Failure<Error> map_fail(std::string_view file, unsigned line, unsigned column, const std::string& what);
// An address or a prefix ("192.0.2.1", "192.0.2.0/24"): the `ip=` value of both maps.
std::optional<Prefix> parse_address_or_prefix(std::string_view text);
// Map::parse(contents of path, path): both maps' load().
template <class Map>
Result<Map> load_map_file(const std::string& path) {
  auto text = read_text_file(path);
  if (!text.ok()) {
    return fail(text.error());
  }
  return Map::parse(*text, path);
}
}  // namespace detail

class AgentMap {
 public:
  struct Entry {
    IpAddress bgp_ip;  // the BGP peer whose RIB to use
    Prefix exporter;   // the exporter(s) it applies to (a host prefix for a plain address)
    unsigned line = 0;
  };

  // "file:line:col: ..." errors; `file` names the source in messages only.
  static Result<AgentMap> parse(std::string_view text, std::string_view file = "agent_map");
  static Result<AgentMap> load(const std::string& path);

  [[nodiscard]] std::optional<IpAddress> lookup(const IpAddress& exporter) const;
  [[nodiscard]] bool empty() const { return entries_.empty(); }
  [[nodiscard]] const std::vector<Entry>& entries() const { return entries_; }
  void add(Entry entry) { entries_.push_back(entry); }

 private:
  std::vector<Entry> entries_;
};

}  // namespace flowlab::collector
