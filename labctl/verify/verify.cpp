#include "labctl/verify/verify.hpp"

#include "common/strings.hpp"

#include <algorithm>
#include <set>
#include <sstream>

namespace flowlab::verify {

std::string_view to_string(Outcome outcome) {
  switch (outcome) {
    case Outcome::kPass:
      return "PASS";
    case Outcome::kFlagged:
      return "FLAGGED";
    case Outcome::kFail:
      break;
  }
  return "FAIL";
}

Outcome worst(Outcome a, Outcome b) { return static_cast<std::uint8_t>(a) > static_cast<std::uint8_t>(b) ? a : b; }

namespace {

bool one_of(std::string_view field, std::initializer_list<std::string_view> names) {
  return std::find(names.begin(), names.end(), field) != names.end();
}

std::vector<std::string> split_any(std::string_view text, std::string_view separators) {
  std::vector<std::string> out;
  std::string cur;
  for (const char c : text) {
    if (separators.find(c) != std::string_view::npos) {
      if (!cur.empty()) {
        out.push_back(cur);
        cur.clear();
      }
    } else {
      cur += c;
    }
  }
  if (!cur.empty()) {
    out.push_back(cur);
  }
  return out;
}

std::string as_path_text(const std::vector<std::uint32_t>& path) {
  std::string out;
  for (const auto asn : path) {
    out += (out.empty() ? "" : "_") + std::to_string(asn);
  }
  return out;
}

// Best BGP-or-originated route by longest-prefix match (the routes a router exports to a collector).
const topology::RibEntry* lpm(const std::vector<topology::RibEntry>& rib, const IpAddress& address) {
  const topology::RibEntry* found = nullptr;
  for (const auto& e : rib) {
    if (!e.best || (e.source != "bgp" && e.source != "static") || !e.prefix.contains(address)) {
      continue;
    }
    if (found == nullptr || e.prefix.length > found->prefix.length) {
      found = &e;
    }
  }
  return found;
}

// Fields that an exporter without a BGP view leaves empty or 0, so "no route in the view" explains an empty
// collector value. Not communities (a route can be there with its communities dropped: fault
// drop-large-communities), counters or datagrams (a tee that forgot a receiver: fault tee-drops-receiver).
bool route_field(const std::string& name) {
  static const std::set<std::string> kRouteFields{"as_dst",      "as_src",      "as_path",    "src_as_path",
                                                  "peer_as_dst", "peer_ip_dst", "net_dst",    "net_src",
                                                  "mask_dst",    "mask_src",    "local_pref", "med"};
  return kRouteFields.count(name) > 0;
}

}  // namespace

std::string normalize(std::string_view field, std::string_view value) {
  std::string v(value);
  if (one_of(field, {"as_path", "src_as_path"})) {
    if (v == "^$") {
      return "";
    }
    std::replace(v.begin(), v.end(), ' ', '_');
    return v;
  }
  if (one_of(field, {"comms", "lcomms", "ecomms"})) {
    auto items = split_any(v, " _,");
    std::sort(items.begin(), items.end());
    return join(items, " ");
  }
  if (one_of(field, {"peer_ip_src", "peer_ip_dst"})) {
    if (v == "0.0.0.0" || v == "::" || v == "0") {
      return "";
    }
    return v;
  }
  if (one_of(field, {"net_src", "net_dst"})) {
    if (const auto slash = v.find('/'); slash != std::string::npos) {
      v.resize(slash);
    }
    if (v == "0.0.0.0" || v == "::") {
      return "";
    }
    return v;
  }
  if (one_of(field, {"as_src", "as_dst", "peer_as_src", "peer_as_dst", "mask_src", "mask_dst", "local_pref", "med",
                     "packets", "bytes", "flows"})) {
    return v.empty() ? "0" : v;
  }
  return v;
}

Check compare(std::string name, std::optional<std::string> oracle, std::optional<std::string> router,
              std::optional<std::string> collector, std::optional<std::string> expected, const std::string& context) {
  Check c;
  c.name = std::move(name);
  auto norm = [&](std::optional<std::string>& v) {
    if (v) {
      v = normalize(c.name, *v);
    }
  };
  norm(oracle);
  norm(router);
  norm(collector);
  norm(expected);
  c.oracle = oracle;
  c.router = router;
  c.collector = collector;
  c.expected = expected;

  struct Source {
    const char* name;
    const std::optional<std::string>* value;
  };
  const Source sources[] = {
      {"expected", &c.expected}, {"oracle", &c.oracle}, {"router", &c.router}, {"collector", &c.collector}};
  std::set<std::string> values;
  for (const auto& s : sources) {
    if (s.value->has_value()) {
      values.insert(**s.value);
    }
  }
  if (values.size() <= 1) {
    return c;
  }
  c.outcome = Outcome::kFail;
  auto shown = [](const std::string& v) { return v.empty() ? std::string("(empty)") : v; };
  // The reference is the explicit value when there is one, else the oracle's, else the router's.
  const Source* reference = nullptr;
  for (const auto& s : sources) {
    if (s.value->has_value()) {
      reference = &s;
      break;
    }
  }
  std::ostringstream why;
  bool first = true;
  for (const auto& s : sources) {
    if (&s == reference || !s.value->has_value() || **s.value == **reference->value) {
      continue;
    }
    why << (first ? "" : "; ") << s.name << " reported " << c.name << " " << shown(**s.value) << ", " << reference->name
        << " says " << shown(**reference->value);
    first = false;
    if (std::string(s.name) == "collector") {
      const bool empty = (*s.value)->empty() || **s.value == "0";
      if (empty && route_field(c.name)) {
        why << " (no route in the collector's BGP view of this exporter" << (context.empty() ? "" : " — " + context)
            << ": BGP session to the router down, or the exporter not mapped to it — agent map?)";
      }
    } else if (std::string(s.name) == "router" && c.oracle && *c.oracle != **s.value) {
      why << " (the real router chose differently from the oracle: a policy or tie the model does not capture?)";
    }
  }
  c.explanation = why.str();
  return c;
}

std::map<std::string, std::string> router_fields(const std::vector<topology::RibEntry>& rib, const IpAddress& src,
                                                 const IpAddress& dst) {
  std::map<std::string, std::string> f;
  if (const topology::RibEntry* d = lpm(rib, dst)) {
    f["as_path"] = as_path_text(d->as_path);
    f["as_dst"] = std::to_string(d->as_path.empty() ? 0U : d->as_path.back());
    f["peer_as_dst"] = std::to_string(d->as_path.empty() ? 0U : d->as_path.front());
    if (d->source == "bgp" && d->next_hop) {
      f["peer_ip_dst"] = d->next_hop->to_string();
    }
    f["net_dst"] = d->prefix.address.to_string();
    f["mask_dst"] = std::to_string(d->prefix.length);
    if (d->source == "bgp") {
      f["local_pref"] = std::to_string(d->local_pref.value_or(100));
      f["med"] = std::to_string(d->med.value_or(0));
    }
    f["comms"] = join(d->communities, " ");
    f["lcomms"] = join(d->large_communities, " ");
  }
  if (const topology::RibEntry* s = lpm(rib, src)) {
    f["src_as_path"] = as_path_text(s->as_path);
    f["as_src"] = std::to_string(s->as_path.empty() ? 0U : s->as_path.back());
    f["peer_as_src_bgp"] = std::to_string(s->as_path.empty() ? 0U : s->as_path.front());
    f["net_src"] = s->prefix.address.to_string();
    f["mask_src"] = std::to_string(s->prefix.length);
  }
  return f;
}

}  // namespace flowlab::verify
