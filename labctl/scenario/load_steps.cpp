// The scenario file's `steps:` — the timeline, one parser per step kind (expect steps: load_expect.cpp).
#include "common/strings.hpp"
#include "labctl/scenario/scenario_parser.hpp"
#include "model/duration.hpp"

#include <algorithm>

namespace flowlab::scenario::detail {

using yaml::child;
using yaml::describe;
using yaml::Entry;
using yaml::item;
using yaml::mark_of;

namespace {

constexpr std::uint64_t kMaxDurationMs = 24ULL * 3600 * 1000;

}  // namespace

const std::vector<Parser::StepKind>& Parser::step_kinds() {
  static const std::vector<StepKind> kKinds{
      {"converge", &Parser::parse_converge}, {"send", &Parser::parse_send},         {"expect", &Parser::parse_expect},
      {"link", &Parser::parse_link},         {"bgp", &Parser::parse_bgp},           {"bmp", &Parser::parse_bmp},
      {"announce", &Parser::parse_announce}, {"withdraw", &Parser::parse_withdraw}, {"restart", &Parser::parse_restart},
      {"wait", &Parser::parse_wait},         {"collect", &Parser::parse_collect}};
  return kKinds;
}

std::vector<std::string> Parser::step_kind_names() {
  std::vector<std::string> out;
  for (const auto& k : step_kinds()) {
    out.emplace_back(k.name);
  }
  return out;
}

std::optional<std::chrono::milliseconds> Parser::get_duration(const YAML::Node& n, const std::string& path) {
  auto s = get_scalar(n, path, "a duration like 10s, 2m or 500ms");
  if (!s) {
    return std::nullopt;
  }
  auto ms = topology::parse_duration_ms(*s);
  if (!ms) {
    error(path, "expected a duration like 10s, 2m or 500ms, found '" + *s + "'");
    return std::nullopt;
  }
  if (*ms == 0 || *ms > kMaxDurationMs) {
    error(path, "'" + *s + "' is out of range (expected 1ms..24h)");
    return std::nullopt;
  }
  return std::chrono::milliseconds(static_cast<std::int64_t>(*ms));
}

std::optional<std::vector<std::string>> Parser::get_stream_refs(const YAML::Node& n, const std::string& path,
                                                                bool* all) {
  *all = false;
  if (n.IsScalar()) {
    if (n.Scalar() == "all") {
      *all = true;
      return std::vector<std::string>{};
    }
    return std::vector<std::string>{n.Scalar()};
  }
  if (!n.IsSequence()) {
    error(path, "expected a stream name, a list of stream names or 'all', found " + describe(n));
    return std::nullopt;
  }
  auto items = list_items(n, path);
  if (!items) {
    return std::nullopt;
  }
  if (items->empty()) {
    error(path, "expected at least one stream name, found an empty list");
    return std::nullopt;
  }
  std::vector<std::string> out;
  bool ok = true;
  for (std::size_t i = 0; i < items->size(); ++i) {
    if (auto s = get_scalar((*items)[i], item(path, i), "a stream name")) {
      out.push_back(*s);
    } else {
      ok = false;
    }
  }
  return ok ? std::optional(out) : std::nullopt;
}

void Parser::parse_steps(const YAML::Node& n, Scenario& s) {
  auto items = list_items(n, "steps");
  if (!items) {
    return;
  }
  if (items->empty()) {
    error("steps", "expected at least one step, found an empty list (leave steps out for the default timeline)");
  }
  for (std::size_t i = 0; i < items->size(); ++i) {
    parse_step_item((*items)[i], item("steps", i), s);
  }
}

void Parser::parse_step_item(const YAML::Node& step, const std::string& path, Scenario& s) {
  const auto kinds = step_kind_names();
  if (step.IsScalar() && std::find(kinds.begin(), kinds.end(), step.Scalar()) != kinds.end()) {
    // "- converge" / "- collect" without a value: the same as an empty value.
    add_step(step.Scalar(), YAML::Node(YAML::NodeType::Null), mark_of(step), path, s);
    return;
  }
  if (!step.IsMap()) {
    error(path, "expected a step (a map with one key: " + join(kinds) + "), found " + describe(step));
    return;
  }
  auto entries = map_entries(step, path, kinds);
  if (!entries) {
    return;
  }
  if (entries->size() > 1) {
    error_at(mark_of((*entries)[1].key_node), "a step has exactly one kind, found '" + (*entries)[0].key + "' and '" +
                                                  (*entries)[1].key + "' in one item (start a new '- ' item)");
    return;
  }
  if (entries->empty()) {
    if (step.size() == 0) {
      error(path, "expected a step (a map with one key: " + join(kinds) + "), found an empty map");
    }
    return;
  }
  const Entry& e = entries->front();
  add_step(e.key, e.value, mark_of(e.key_node), path, s);
}

void Parser::add_step(std::string_view kind, const YAML::Node& value, Mark mark, const std::string& path, Scenario& s) {
  const auto& kinds = step_kinds();
  auto it = std::find_if(kinds.begin(), kinds.end(), [&](const StepKind& k) { return k.name == kind; });
  const std::string kpath = child(path, kind);
  if (auto action = (this->*(it->parse))(value, kpath)) {
    s.steps.push_back(Step{std::move(*action), mark});
    step_paths_.push_back(kpath);
  }
}

std::optional<StepAction> Parser::parse_converge(const YAML::Node& n, const std::string& path) {
  auto entries = map_entries(n, path, {"timeout"}, true);
  if (!entries) {
    return std::nullopt;
  }
  ConvergeStep c;
  for (const auto& e : *entries) {
    if (auto d = get_duration(e.value, child(path, e.key))) {
      c.timeout = *d;
    } else {
      return std::nullopt;
    }
  }
  return c;
}

std::optional<StepAction> Parser::parse_send(const YAML::Node& n, const std::string& path) {
  if (n.IsNull()) {
    error(path, "expected a stream name, a list of stream names or 'all', found an empty value");
    return std::nullopt;
  }
  SendStep send;
  auto refs = get_stream_refs(n, path, &send.all);
  if (!refs) {
    return std::nullopt;
  }
  send.streams = *refs;
  return send;
}

std::optional<Entry> Parser::get_down_or_up(const YAML::Node& n, const std::string& path, std::string_view step,
                                            std::string_view what) {
  auto entries = map_entries(n, path, {"down", "up"});
  if (!entries) {
    return std::nullopt;
  }
  if (entries->size() != 1) {
    if (entries->empty() && n.size() == 0) {
      error(path, "expected one of 'down: " + std::string(what) + "' or 'up: " + std::string(what) + "'");
    } else if (entries->size() > 1) {
      error(child(path, "up"), "a " + std::string(step) + " step takes either down or up, not both");
    }
    return std::nullopt;
  }
  return entries->front();
}

std::optional<StepAction> Parser::parse_link(const YAML::Node& n, const std::string& path) {
  auto e = get_down_or_up(n, path, "link", "node:interface");
  if (!e) {
    return std::nullopt;
  }
  auto ep = get_endpoint(e->value, child(path, e->key));
  if (!ep) {
    return std::nullopt;
  }
  return LinkStep{*find_enum(kLinkActionNames, e->key), *ep};
}

std::optional<std::tuple<LinkAction, std::string, std::string>> Parser::parse_node_pair(const YAML::Node& n,
                                                                                        const std::string& path,
                                                                                        std::string_view step,
                                                                                        const std::string& other) {
  auto e = get_down_or_up(n, path, step, "{node, " + other + "}");
  if (!e) {
    return std::nullopt;
  }
  const std::string spath = child(path, e->key);
  auto pair = map_entries(e->value, spath, {"node", other});
  if (!pair) {
    return std::nullopt;
  }
  require(*pair, spath, {"node", other});
  std::tuple<LinkAction, std::string, std::string> out{*find_enum(kLinkActionNames, e->key), "", ""};
  for (const auto& pe : *pair) {
    auto v = get_string(pe.value, child(spath, pe.key));
    if (!v) {
      return std::nullopt;
    }
    (pe.key == "node" ? std::get<1>(out) : std::get<2>(out)) = *v;
  }
  if (std::get<1>(out).empty() || std::get<2>(out).empty()) {
    return std::nullopt;
  }
  return out;
}

std::optional<StepAction> Parser::parse_bgp(const YAML::Node& n, const std::string& path) {
  auto pair = parse_node_pair(n, path, "bgp", "neighbor");
  if (!pair) {
    return std::nullopt;
  }
  return BgpStep{std::get<0>(*pair), std::get<1>(*pair), std::get<2>(*pair)};
}

std::optional<StepAction> Parser::parse_bmp(const YAML::Node& n, const std::string& path) {
  auto pair = parse_node_pair(n, path, "bmp", "station");
  if (!pair) {
    return std::nullopt;
  }
  return BmpStep{std::get<0>(*pair), std::get<1>(*pair), std::get<2>(*pair)};
}

std::optional<std::pair<std::string, Prefix>> Parser::parse_node_prefix(const YAML::Node& n, const std::string& path) {
  auto entries = map_entries(n, path, {"node", "prefix"});
  if (!entries) {
    return std::nullopt;
  }
  require(*entries, path, {"node", "prefix"});
  std::optional<std::string> node;
  std::optional<Prefix> prefix;
  for (const auto& e : *entries) {
    if (e.key == "node") {
      node = get_string(e.value, child(path, e.key));
    } else {
      prefix = get_prefix(e.value, child(path, e.key));
    }
  }
  if (!node || !prefix) {
    return std::nullopt;
  }
  return std::pair{*node, *prefix};
}

std::optional<StepAction> Parser::parse_announce(const YAML::Node& n, const std::string& path) {
  if (auto np = parse_node_prefix(n, path)) {
    return AnnounceStep{np->first, np->second};
  }
  return std::nullopt;
}

std::optional<StepAction> Parser::parse_withdraw(const YAML::Node& n, const std::string& path) {
  if (auto np = parse_node_prefix(n, path)) {
    return WithdrawStep{np->first, np->second};
  }
  return std::nullopt;
}

std::optional<StepAction> Parser::parse_restart(const YAML::Node& n, const std::string& path) {
  if (n.IsScalar()) {
    return RestartStep{n.Scalar()};
  }
  auto entries = map_entries(n, path, {"node"});
  if (!entries) {
    return std::nullopt;
  }
  require(*entries, path, {"node"});
  if (entries->empty()) {
    return std::nullopt;
  }
  auto node = get_string(entries->front().value, child(path, "node"));
  if (!node) {
    return std::nullopt;
  }
  return RestartStep{*node};
}

std::optional<StepAction> Parser::parse_wait(const YAML::Node& n, const std::string& path) {
  if (!n.IsScalar()) {
    error(path, "wait takes only a duration like 5s (found " + describe(n) +
                    "); where something can be polled, use converge or expect instead");
    return std::nullopt;
  }
  if (auto d = get_duration(n, path)) {
    return WaitStep{*d};
  }
  return std::nullopt;
}

std::optional<StepAction> Parser::parse_collect(const YAML::Node& n, const std::string& path) {
  if (!n.IsNull() && !(n.IsMap() && n.size() == 0)) {
    error(path, "collect takes no arguments (write 'collect: {}'), found " + describe(n));
    return std::nullopt;
  }
  return CollectStep{};
}

}  // namespace flowlab::scenario::detail
