#include "labctl/verify/rules.hpp"

#include <algorithm>
#include <cmath>
#include <optional>
#include <string>
#include <utility>

namespace flowlab::verify {
namespace {

using topology::PeerSrcAsMethod;

std::optional<std::string> get(const std::map<std::string, std::string>& m, const std::string& key) {
  const auto it = m.find(key);
  return it == m.end() ? std::nullopt : std::optional<std::string>(it->second);
}

bool is_interface(std::string_view field) { return field == "iface_in" || field == "iface_out"; }

// The oracle's and the router's values for one field, after the rules that silence a source.
struct Sources {
  std::optional<std::string> oracle;
  std::optional<std::string> router;
};

Sources sources_for(const FieldSpec& field, const FieldContext& ctx) {
  const std::string name(field.name);
  const bool peer_src = name == "peer_as_src";
  const PeerSrcAsMethod method = ctx.peer_src_method;
  Sources s;
  s.oracle = get(ctx.oracle, peer_src && method == PeerSrcAsMethod::kBgp ? "peer_as_src_bgp" : name);
  s.router = get(ctx.router, peer_src ? "peer_as_src_bgp" : name);
  if (peer_src && method != PeerSrcAsMethod::kBgp) {
    s.router.reset();
    if (method == PeerSrcAsMethod::kNetflow) {
      // The record's bgpPrevAdjacentAsNumber: the probe's feed says the first AS of R_s (model 1).
      s.oracle = ctx.from_record && ctx.has_view ? get(ctx.oracle, "peer_as_src_bgp") : std::nullopt;
    }
  }
  if ((ctx.unenriched || !ctx.has_view) && field.bgp) {
    s.oracle = std::string(field.asn ? "0" : "");
    s.router.reset();
  }
  if (is_interface(name) && !ctx.on_router) {
    s.oracle.reset();
  }
  return s;
}

// peer_as_src: the truth (the neighbour AS behind the ingress interface) against what the method reported.
std::optional<Check> peer_src_truth(const FieldContext& ctx) {
  if (ctx.unenriched || !ctx.has_view) {
    return std::nullopt;
  }
  const auto truth = get(ctx.oracle, "peer_as_src");
  const auto reported = get(ctx.collector, "peer_as_src");
  if (!truth || !reported || normalize("peer_as_src", *truth) == normalize("peer_as_src", *reported)) {
    return std::nullopt;
  }
  Check t = compare("peer_as_src (truth)", truth, std::nullopt, reported, std::nullopt, ctx.context);
  t.outcome = ctx.peer_src_diverging ? Outcome::kFlagged : Outcome::kFail;
  const std::string declared = ctx.peer_src_diverging ? " (declared diverging)" : "";
  switch (ctx.peer_src_method) {
    case PeerSrcAsMethod::kMap:
      t.explanation = "collector reported peer_as_src " + *reported +
                      " by its peer_src_as map, but the packets entered " + ctx.ingress + " from AS " + *truth +
                      " — the map's line for this exporter and input ifindex is missing or wrong" + declared;
      break;
    case PeerSrcAsMethod::kNetflow:
      t.explanation = "collector reported peer_as_src " + *reported + " from the record's own field, but the packets " +
                      "entered " + ctx.ingress + " from AS " + *truth + declared;
      break;
    case PeerSrcAsMethod::kBgp:
      t.explanation = "collector reported peer_as_src " + *reported + " (bgp method: first AS of the route back to " +
                      ctx.source + "), but the packets entered from AS " + *truth +
                      " — routing is asymmetric; use peer_src_as map" + declared;
      break;
  }
  return t;
}

// One renormalized counter under 1:N sampling: within sampling_bound() of what was sent, plus N units per record
// summed (a count sampler's phase: each record may be one sample off either way). A stream's packets all have its
// size, so Σ size² = packets · size².
Check sampled_counter(const CounterContext& ctx, const char* name, std::uint64_t got) {
  const bool bytes = std::string_view(name) == "bytes";
  const std::uint64_t packets = ctx.packets_sent * ctx.merged;
  const double size =
      bytes && ctx.packets_sent > 0 ? static_cast<double>(ctx.bytes_sent) / static_cast<double>(ctx.packets_sent) : 1.0;
  const std::uint64_t want = bytes ? ctx.bytes_sent * ctx.merged : packets;
  const double rows = static_cast<double>(std::max<std::size_t>(ctx.rows, 1));
  const double bound = static_cast<double>(ctx.sampling) * rows * size +
                       sampling_bound(ctx.sampling, static_cast<double>(packets) * size * size);
  Check c;
  c.name = std::string(name) + " (1:" + std::to_string(ctx.sampling) + ")";
  c.oracle = std::to_string(want) + " ±" + std::to_string(static_cast<std::uint64_t>(bound));
  c.collector = std::to_string(got);
  const double diff = std::abs(static_cast<double>(got) - static_cast<double>(want));
  if (diff > bound) {
    c.outcome = Outcome::kFail;
    c.explanation = "renormalized " + std::string(name) + " " + *c.collector + " off by " +
                    std::to_string(static_cast<std::uint64_t>(diff)) + ", more than the sampling bound";
  }
  if (ctx.merged > 1) {
    c.outcome = c.outcome == Outcome::kPass ? Outcome::kFlagged : c.outcome;
    c.explanation += (c.explanation.empty() ? "" : "; ") + ctx.merged_reason;
  }
  return c;
}

}  // namespace

bool carried_only_by_bgp(std::string_view field) {
  return field == "as_path" || field == "src_as_path" || field == "comms" || field == "lcomms" ||
         field == "local_pref" || field == "med";
}

void unprovided_by_record(std::span<const FieldSpec> fields, const std::string& kind, FieldContext& ctx) {
  for (const auto& field : fields) {
    const std::string name(field.name);
    if (ctx.collector.count(name) == 0) {
      std::string why = "kind " + kind;
      why += "'s records do not carry " + name;
      ctx.unprovided.emplace(name, Unprovided{kind, std::move(why)});
    }
  }
}

FieldChecks check_fields(std::span<const FieldSpec> fields, const FieldContext& ctx) {
  FieldChecks out;
  for (const auto& field : fields) {
    const std::string name(field.name);
    if (ctx.listed_only && ctx.listed.count(name) == 0) {
      continue;
    }
    const auto collector = get(ctx.collector, name);
    const auto expected = get(ctx.expected, name);
    const bool only_bgp = ctx.from_record && carried_only_by_bgp(name);
    const Sources s = sources_for(field, ctx);
    if (const auto why = ctx.unprovided.find(name); why != ctx.unprovided.end()) {
      if (collector) {  // shown with the value the collector holds anyway, never compared
        Check c = compare(name, std::nullopt, std::nullopt, collector, expected, ctx.context);
        c.outcome = Outcome::kFlagged;
        c.explanation = "not provided by this kind: " + why->second.reason;
        out.checks.push_back(std::move(c));
      } else if (only_bgp || s.oracle || s.router || expected) {
        out.not_provided[why->second.kind].push_back(name);
      }
      continue;
    }
    if (only_bgp) {
      if (expected) {  // an explicit value is still checked against the collector
        out.checks.push_back(compare(name, std::nullopt, std::nullopt, collector, expected, ctx.context));
      } else {
        out.not_in_records.push_back(name);
      }
      continue;
    }
    if (!s.oracle && !s.router && !collector && !expected) {
      continue;
    }
    out.checks.push_back(compare(name, s.oracle, s.router, collector, expected, ctx.context));
    if (name == "peer_as_src") {
      if (auto truth = peer_src_truth(ctx)) {
        out.checks.push_back(std::move(*truth));
      }
    }
  }
  return out;
}

std::vector<Check> check_counters(const CounterContext& ctx) {
  if (!ctx.exact && ctx.sampling > 1) {
    return {sampled_counter(ctx, "packets", ctx.packets), sampled_counter(ctx, "bytes", ctx.bytes)};
  }
  std::vector<Check> out;
  const std::pair<const char*, std::pair<std::uint64_t, std::uint64_t>> counters[] = {
      {"packets", {ctx.packets_sent * ctx.merged, ctx.packets}}, {"bytes", {ctx.bytes_sent * ctx.merged, ctx.bytes}}};
  for (const auto& [name, values] : counters) {
    Check c = compare(name, std::to_string(values.first), std::nullopt, std::to_string(values.second), std::nullopt);
    if (ctx.merged > 1) {
      // Legitimate double counting by the configuration, predicted: flagged with the reason, not failed.
      if (c.outcome == Outcome::kPass) {
        c.outcome = Outcome::kFlagged;
      }
      c.explanation = ctx.merged_reason;
    }
    out.push_back(std::move(c));
  }
  return out;
}

void settle(PointResult& point) {
  for (const auto& c : point.checks) {
    point.outcome = worst(point.outcome, c.outcome);
  }
}

}  // namespace flowlab::verify
