#include "labctl/scenario/loader.hpp"
#include "nodes/core/driver.hpp"

#include "labctl/scenario/scenario_parser.hpp"
#include "labctl/scenario/validate.hpp"
#include "model/loader.hpp"

#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <fstream>
#include <map>
#include <sstream>

namespace flowlab::scenario {
namespace detail {

using yaml::child;
using yaml::describe;
using yaml::mark_of;

namespace {

constexpr std::size_t kMaxStreamName = 32;
constexpr std::uint64_t kMaxPackets = 100'000'000ULL;
constexpr std::uint64_t kMaxPps = 10'000'000ULL;
constexpr std::uint64_t kMaxSize = 65535;

bool stream_name_ok(std::string_view s) { return s.size() <= kMaxStreamName && topology::name_chars_ok(s, "-_"); }

}  // namespace

void Parser::parse_document(const YAML::Node& root, Scenario& s, std::map<std::string, yaml::Entry>& top) {
  marks_.set("", Mark{1, 1});
  if (!root.IsMap()) {
    error_at(mark_of(root).line != 0 ? mark_of(root) : Mark{1, 1},
             "expected a map with at least 'topology' at the top level, found " + describe(root));
    return;
  }
  static const std::vector<std::string> kTop{"name",  "description", "lab_name", "topology",
                                             "kinds", "traffic",     "collect",  "steps"};
  auto entries = map_entries(root, "", kTop);
  if (!entries) {
    return;
  }
  require(*entries, "", {"topology"});
  for (const auto& e : *entries) {
    top[e.key] = e;
  }
  for (const auto& e : *entries) {
    if (e.key == "name") {
      if (auto v = get_string(e.value, "name")) {
        if (v->empty()) {
          error("name", "expected a non-empty string");
        } else {
          s.name = *v;
        }
      }
    } else if (e.key == "description") {
      if (auto v = get_string(e.value, "description")) {
        s.description = *v;
      }
    } else if (e.key == "lab_name") {
      (void)get_string(e.value, "lab_name");  // applied (and checked) after the topology is loaded
    } else if (e.key == "traffic") {
      parse_traffic(e.value, s);
    } else if (e.key == "kinds") {
      parse_kinds(e.value, s);
    } else if (e.key == "collect") {
      parse_collect_options(e.value, s);
    }
  }
  // Steps last: they refer to streams (checked in validation, but the order keeps diagnostics stable).
  if (auto it = top.find("steps"); it != top.end()) {
    parse_steps(it->second.value, s);
  }
}

void Parser::parse_kinds(const YAML::Node& n, Scenario& s) {
  auto entries = map_entries(n, "kinds", {"collector", "probe"});
  if (!entries) {
    return;
  }
  for (const auto& e : *entries) {
    const std::string path = child("kinds", e.key);
    auto kind = get_string(e.value, path);
    if (!kind) {
      continue;
    }
    topology::KindChoice one;
    (e.key == "collector" ? one.collector : one.probe) = *kind;
    if (auto why = topology::check_kind_choice(nodes::kinds(), one); !why.empty()) {
      error(path, why);
      continue;
    }
    (e.key == "collector" ? s.kinds.collector : s.kinds.probe) = *kind;
  }
}

void Parser::parse_collect_options(const YAML::Node& n, Scenario& s) {
  auto entries = map_entries(n, "collect", {"interval", "at"});
  if (!entries) {
    return;
  }
  require(*entries, "collect", {"interval"});
  CollectOptions c;
  c.mark = mark_of(n);
  for (const auto& e : *entries) {
    const std::string path = child("collect", e.key);
    if (e.key == "at") {
      if (auto v = get_string(e.value, path)) {
        c.at = *v;
      }
    } else if (auto d = get_duration(e.value, path)) {
      if (*d < kMinCollectInterval) {
        error(path, "an interval of at least 1s is expected (the collector is read at each one), found " +
                        std::to_string(d->count()) + "ms");
      }
      c.interval = *d;
    }
  }
  if (c.interval >= kMinCollectInterval) {
    s.collect = c;
  }
}

void Parser::parse_traffic(const YAML::Node& n, Scenario& s) {
  auto entries = map_entries(n, "traffic", {}, true);
  if (!entries) {
    return;
  }
  for (const auto& e : *entries) {
    const std::string path = child("traffic", e.key);
    marks_.set(path, mark_of(e.key_node));
    Stream stream;
    stream.name = e.key;
    stream.mark = mark_of(e.key_node);
    if (!stream_name_ok(e.key)) {
      error(path, "stream name '" + e.key +
                      "' must match ^[a-z][a-z0-9_-]{0,31}$ (a lowercase letter, then lowercase letters, digits, "
                      "'_' or '-')");
    } else if (e.key == "all") {
      error(path, "stream name 'all' is reserved (send: all / traffic: all mean every stream)");
    }
    parse_stream(e.value, path, stream);
    s.traffic.push_back(std::move(stream));
  }
}

void Parser::parse_stream(const YAML::Node& n, const std::string& path, Stream& stream) {
  static const std::vector<std::string> kKeys{"from",  "to",      "family", "proto", "sport",
                                              "dport", "packets", "size",   "pps",   "tos"};
  auto entries = map_entries(n, path, kKeys);
  if (!entries) {
    return;
  }
  require(*entries, path, {"from", "to", "packets"});
  bool ports_given = false;
  stream.size = kDefaultSize;
  stream.pps = kDefaultPps;
  for (const auto& e : *entries) {
    const std::string kpath = child(path, e.key);
    if (e.key == "from") {
      stream.from = get_string(e.value, kpath).value_or("");
    } else if (e.key == "to") {
      stream.to = get_string(e.value, kpath).value_or("");
    } else if (e.key == "family") {
      stream.family = get_enum(e.value, kpath, kFamilyNames).value_or(stream.family);
    } else if (e.key == "proto") {
      stream.proto = get_enum(e.value, kpath, kProtoNames).value_or(stream.proto);
    } else if (e.key == "sport" || e.key == "dport") {
      ports_given = true;
      if (auto v = get_uint(e.value, kpath, 1, 65535)) {
        (e.key == "sport" ? stream.sport : stream.dport) = static_cast<std::uint16_t>(*v);
      }
    } else if (e.key == "packets") {
      if (auto v = get_uint(e.value, kpath, 1, kMaxPackets)) {
        stream.packets = *v;
      }
    } else if (e.key == "size") {
      if (auto v = get_uint(e.value, kpath, 1, kMaxSize)) {
        stream.size = static_cast<std::uint32_t>(*v);
      } else {
        stream.size = 0;  // no size check in validation
      }
    } else if (e.key == "pps") {
      if (auto v = get_uint(e.value, kpath, 1, kMaxPps)) {
        stream.pps = static_cast<std::uint32_t>(*v);
      }
    } else if (e.key == "tos") {
      if (auto v = get_uint(e.value, kpath, 0, 255)) {
        stream.tos = static_cast<std::uint8_t>(*v);
      }
    }
  }
  if (stream.proto == Proto::kIcmp && ports_given) {
    for (const auto& e : *entries) {
      if (e.key == "sport" || e.key == "dport") {
        error(child(path, e.key), "ports do not apply to icmp (stream '" + stream.name + "')");
      }
    }
  }
}

}  // namespace detail

namespace {

using detail::Parser;
using yaml::mark_of;

// The inline topology's text: the scenario file with everything outside the mapping blanked, so the topology
// loader's line:col point into the scenario file unchanged.
std::string inline_topology_text(std::string_view yaml, const YAML::Node& value, int end_line) {
  const auto start = value.Mark();
  std::string out;
  int line = 0;
  std::size_t pos = 0;
  while (pos <= yaml.size()) {
    auto nl = yaml.find('\n', pos);
    std::string_view text = yaml.substr(pos, nl == std::string_view::npos ? std::string_view::npos : nl - pos);
    if (line == start.line) {
      const auto col = static_cast<std::size_t>(start.column);
      out.append(std::min(col, text.size()), ' ');
      if (col < text.size()) {
        out.append(text.substr(col));
      }
    } else if (line > start.line && (end_line < 0 || line < end_line)) {
      out.append(text);
    }
    out += '\n';
    if (nl == std::string_view::npos) {
      break;
    }
    pos = nl + 1;
    ++line;
  }
  return out;
}

std::string file_stem(const std::string& file) {
  auto stem = std::filesystem::path(file).stem().string();
  return stem.empty() ? std::string("scenario") : stem;
}

void load_topology(Parser& parser, std::string_view yaml, const std::string& file_name,
                   const std::filesystem::path& base_dir, const std::map<std::string, yaml::Entry>& top,
                   std::vector<Diagnostic>& topology_diagnostics, Scenario& s, bool& topology_ok) {
  topology_ok = false;
  auto it = top.find("topology");
  if (it == top.end()) {
    return;
  }
  const YAML::Node& value = it->second.value;
  topology::LoadResult loaded;
  if (value.IsScalar()) {
    std::filesystem::path path(value.Scalar());
    if (value.Scalar().empty()) {
      parser.error("topology", "expected a topology file path or an inline topology map, found an empty string");
      return;
    }
    if (path.is_relative()) {
      path = base_dir / path;
    }
    path = path.lexically_normal();
    std::error_code ec;
    if (!std::filesystem::is_regular_file(path, ec)) {
      parser.error("topology", "cannot open the topology file '" + path.string() + "'");
      return;
    }
    s.topology_file = path.string();
    loaded = topology::load_topology_file(path, nodes::kinds(), s.kinds);
    if (!loaded.ok()) {
      topology_diagnostics = loaded.diagnostics;
      parser.error("topology", "the topology file '" + path.string() + "' has " +
                                   std::to_string(loaded.diagnostics.size()) +
                                   (loaded.diagnostics.size() == 1 ? " error" : " errors") + " (listed above)");
      return;
    }
  } else if (value.IsMap()) {
    // The mapping ends where the next top-level key starts.
    int end_line = -1;
    const int start_line = value.Mark().line;
    for (const auto& [key, entry] : top) {
      const int l = entry.key_node.Mark().line;
      if (l > start_line && (end_line < 0 || l < end_line)) {
        end_line = l;
      }
    }
    loaded =
        topology::load_topology_string(inline_topology_text(yaml, value, end_line), nodes::kinds(), file_name, s.kinds);
    if (!loaded.ok()) {
      // Already in this file at the right lines; only "the top level" of the topology is this key.
      const std::string kTopLevel = " at the top level";
      for (const auto& d : loaded.diagnostics) {
        std::string message = d.message;
        Mark mark = d.mark;
        if (auto pos = message.find(kTopLevel); pos != std::string::npos) {
          message.replace(pos, kTopLevel.size(), " in the inline topology");
          mark = mark_of(it->second.key_node);
        }
        parser.error_at(mark, message);
      }
      return;
    }
  } else {
    parser.error("topology", "expected a topology file path or an inline topology map, found " +
                                 std::string(value.IsNull() ? "an empty value" : "a list"));
    return;
  }
  s.topology = std::move(*loaded.topology);
  if (s.topology_file.empty()) {
    s.topology.source_file = file_name;
  }
  topology_ok = true;
}

}  // namespace

std::string LoadResult::error_text() const {
  std::string out;
  for (const auto& d : diagnostics) {
    out += d.to_string() + "\n";
  }
  return out;
}

LoadResult load_scenario_string(std::string_view yaml, const std::string& file_name,
                                const std::filesystem::path& base_dir, const LoadOptions& options) {
  Scenario s;
  s.source_file = file_name;
  s.name = file_stem(file_name);
  DiagnosticSink sink(file_name);
  SourceMap marks;
  detail::Parser parser(sink, marks);
  std::vector<Diagnostic> topology_diagnostics;
  bool topology_ok = false;
  try {
    const YAML::Node root = parser.load(yaml);
    std::map<std::string, yaml::Entry> top;
    parser.parse_document(root, s, top);
    for (auto [run, file] :
         {std::pair{&options.kinds.collector, &s.kinds.collector}, std::pair{&options.kinds.probe, &s.kinds.probe}}) {
      if (!run->empty()) {
        *file = *run;  // the command line wins over the file's `kinds:`
      }
    }
    load_topology(parser, yaml, file_name, base_dir, top, topology_diagnostics, s, topology_ok);
    if (topology_ok) {
      std::optional<std::string> lab = options.lab_name;
      std::string lab_path = "lab_name";
      if (!lab) {
        if (auto it = top.find("lab_name"); it != top.end() && it->second.value.IsScalar()) {
          lab = it->second.value.Scalar();
        }
      }
      if (lab) {
        if (auto err = set_lab_name(s, *lab)) {
          if (options.lab_name) {
            sink.error(Mark{}, "lab name override: " + *err);
          } else {
            parser.error(lab_path, *err);
          }
        }
      }
    }
  } catch (const YAML::Exception& e) {
    parser.exception(e);
    LoadResult out;
    out.diagnostics = sink.take();
    return out;
  }
  if (topology_ok) {
    validate_scenario(s, parser.step_paths(), marks, sink);
  }
  LoadResult out;
  out.diagnostics = std::move(topology_diagnostics);
  auto own = sink.take();
  out.diagnostics.insert(out.diagnostics.end(), own.begin(), own.end());
  if (out.diagnostics.empty()) {
    out.scenario = std::move(s);
  }
  return out;
}

LoadResult load_scenario_file(const std::filesystem::path& file, const LoadOptions& options) {
  std::ifstream in(file, std::ios::binary);
  if (!in) {
    LoadResult out;
    out.diagnostics.push_back(Diagnostic{file.string(), Mark{}, "cannot open the scenario file"});
    return out;
  }
  std::ostringstream text;
  text << in.rdbuf();
  return load_scenario_string(text.str(), file.string(), file.parent_path().empty() ? "." : file.parent_path(),
                              options);
}

bool is_scenario_file(const std::filesystem::path& file) {
  try {
    const YAML::Node doc = YAML::LoadFile(file.string());
    return doc.IsMap() && doc["topology"];
  } catch (const YAML::Exception&) {
    return false;
  }
}

}  // namespace flowlab::scenario
