// A run's verdict folded into field families (matrix.hpp).
#include "labctl/matrix/matrix.hpp"

#include "common/strings.hpp"

#include <algorithm>
#include <map>

namespace flowlab::matrix {
namespace {

using verify::Outcome;

constexpr std::string_view kNotProvidedCheck = "not provided by this kind";
constexpr std::string_view kNotProvidedNote = "not provided by kind ";
constexpr std::string_view kNotCheckedNote = "not checked: ";

const std::map<std::string_view, Family>& family_table() {
  static const std::map<std::string_view, Family> table{{"peer_ip_src", Family::kFlow},
                                                        {"net_src", Family::kAs},
                                                        {"net_dst", Family::kAs},
                                                        {"mask_src", Family::kAs},
                                                        {"mask_dst", Family::kAs},
                                                        {"as_src", Family::kAs},
                                                        {"as_dst", Family::kAs},
                                                        {"as_path", Family::kAsPath},
                                                        {"src_as_path", Family::kAsPath},
                                                        {"peer_as_src", Family::kPeer},
                                                        {"peer_as_dst", Family::kPeer},
                                                        {"peer_ip_dst", Family::kPeer},
                                                        {"comms", Family::kCommunities},
                                                        {"lcomms", Family::kCommunities},
                                                        {"local_pref", Family::kCommunities},
                                                        {"med", Family::kCommunities},
                                                        {"iface_in", Family::kInterfaces},
                                                        {"iface_out", Family::kInterfaces},
                                                        {"packets", Family::kCounters},
                                                        {"bytes", Family::kCounters},
                                                        {"flows", Family::kCounters},
                                                        {"datagrams", Family::kCounters},
                                                        {"sequence lost", Family::kCounters},
                                                        {"sequence duplicate", Family::kCounters}};
  return table;
}

FamilyResult& family(Combination& c, Family f) { return c.families[static_cast<std::size_t>(f)]; }

void add_detail(FamilyResult& r, const std::string& detail) {
  if (std::find(r.details.begin(), r.details.end(), detail) == r.details.end()) {
    r.details.push_back(detail);
  }
}

void raise(FamilyResult& r, Cell cell) { r.cell = std::max(r.cell, cell); }

// "as_path: collector 65530, oracle 65530_65533, router 65530_65533 (out4 at r1:eth3 out)": the field and the
// values it was compared with.
std::string fail_detail(const verify::Check& c, const std::string& where) {
  std::string out = c.name + ":";
  const std::pair<const char*, const std::optional<std::string>*> sources[] = {
      {"collector", &c.collector}, {"oracle", &c.oracle}, {"router", &c.router}, {"expected", &c.expected}};
  std::string sep = " ";
  for (const auto& [source, value] : sources) {
    if (value->has_value()) {
      out += sep + source + " " + (value->value().empty() ? std::string("\"\"") : value->value());
      sep = ", ";
    }
  }
  return out + " (" + where + ")";
}

void fold_check(const verify::Check& c, const std::string& where, Combination& combo) {
  FamilyResult& r = family(combo, family_of(c.name));
  switch (c.outcome) {
    case Outcome::kPass:
      raise(r, Cell::kPass);
      break;
    case Outcome::kFlagged:
      if (c.explanation.rfind(kNotProvidedCheck, 0) == 0) {
        add_detail(r, "n/a " + c.name + ": " + c.explanation);  // not compared: n/a unless others are
      } else {
        raise(r, Cell::kFlagged);
        add_detail(r, "FLAGGED " + c.name + ": " + c.explanation);
      }
      break;
    case Outcome::kFail:
      raise(r, Cell::kFail);
      add_detail(r, "FAIL " + fail_detail(c, where) + (c.explanation.empty() ? "" : " — " + c.explanation));
      break;
  }
}

// The point's note segments that list fields not compared: "not provided by kind nfcapd: as_dst, as_path".
void fold_note(const std::string& note, Combination& combo) {
  for (const auto& segment : split(note, ';')) {
    const std::string s(trim(segment));
    const bool provided = s.rfind(kNotProvidedNote, 0) == 0;
    if (!provided && s.rfind(kNotCheckedNote, 0) != 0) {
      continue;
    }
    const auto colon = s.find(": ");
    if (colon == std::string::npos) {
      continue;
    }
    const std::string head = s.substr(0, colon);
    std::string fields = s.substr(colon + 2);
    if (const auto paren = fields.find(" ("); paren != std::string::npos) {
      fields.resize(paren);
    }
    for (const auto& field : split(fields, ',')) {
      const std::string name(trim(field));
      if (!name.empty()) {
        add_detail(family(combo, family_of(name)), "n/a " + name + ": " + head);
      }
    }
  }
}

}  // namespace

Family family_of(std::string_view check) {
  const auto paren = check.find(" (");
  const std::string_view name = paren == std::string_view::npos ? check : check.substr(0, paren);
  const auto it = family_table().find(name);
  return it == family_table().end() ? Family::kFlow : it->second;
}

void fold_run(const report::RunRecord& run, Combination& c) {
  c.outcome = report::outcome_text(run);
  c.run_dir = run.run_dir;
  c.seconds = run.seconds;
  for (const auto& step : run.steps) {
    for (const auto& point : step.points) {
      const std::string where = point.stream + " at " + point.point;
      for (const auto& check : point.checks) {
        fold_check(check, where, c);
      }
      fold_note(point.note, c);
      if (point.outcome == Outcome::kFail && point.checks.empty()) {  // no record, ambiguous oracle, ...
        raise(family(c, Family::kFlow), Cell::kFail);
        add_detail(family(c, Family::kFlow), "FAIL " + where + ": " + point.note);
      }
    }
  }
  if (run.runtime_error) {
    c.reason = run.error;
    for (auto& r : c.families) {
      raise(r, Cell::kError);
    }
  }
}

void not_applicable(Combination& c, const std::string& reason) {
  c.runnable = false;
  c.reason = reason;
  c.outcome = "n/a";
  for (auto& r : c.families) {
    r = FamilyResult{Cell::kNotApplicable, {reason}};
  }
}

bool failed(const Matrix& m) {
  return std::any_of(m.combinations.begin(), m.combinations.end(), [](const Combination& c) {
    return std::any_of(c.families.begin(), c.families.end(),
                       [](const FamilyResult& r) { return r.cell == Cell::kFail || r.cell == Cell::kError; });
  });
}

}  // namespace flowlab::matrix
