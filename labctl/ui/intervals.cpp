#include "labctl/ui/intervals.hpp"

#include <limits>
#include <map>

namespace flowlab::ui {

namespace {

using nlohmann::json;

std::uint64_t counter(const json& row, const char* name) { return row.value(name, std::uint64_t{0}); }

}  // namespace

json table_delta(const json& now, const json& before) {
  std::map<std::string, json> previous;  // values -> the row (copied: value() gives a temporary)
  for (const auto& row : before.value("rows", json::array())) {
    previous[row.value("values", json::array()).dump()] = row;
  }
  json rows = json::array();
  for (const auto& row : now.value("rows", json::array())) {
    json out = row;
    if (const auto it = previous.find(row.value("values", json::array()).dump()); it != previous.end()) {
      const json& was = it->second;
      const bool reset = counter(row, "bytes") < counter(was, "bytes") ||
                         counter(row, "packets") < counter(was, "packets") ||
                         counter(row, "flows") < counter(was, "flows");
      if (!reset) {
        for (const char* name : {"bytes", "packets", "flows"}) {
          out[name] = counter(row, name) - counter(was, name);
        }
      }
    }
    if (counter(out, "bytes") > 0 || counter(out, "packets") > 0) {
      rows.push_back(std::move(out));
    }
  }
  return {{"primitives", now.value("primitives", json::array())}, {"rows", rows}};
}

json interval_json(const json& delta, const RowLabels& labels, double start, double end, const std::string& event) {
  const Talkers none;
  const Talkers talkers = group_talkers(delta, labels, &none, end - start);
  json out = to_json(talkers, std::numeric_limits<std::size_t>::max());
  out["start"] = start;
  out["end"] = end;
  out["event"] = event;
  out["facts"] = json::array();
  for (const auto& f : talkers.facts) {
    out["facts"].push_back(report::to_json(f));
  }
  return out;
}

}  // namespace flowlab::ui
