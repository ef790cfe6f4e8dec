#include "probes/collector/outputs.hpp"

#include "probes/collector/record_format.hpp"

#include <filesystem>
#include <fstream>

namespace flowlab::collector {
namespace {

std::string row_key(const Row& r) {
  std::string key;
  for (const auto& v : r.values) {
    key += v;
    key.push_back('\x1f');
  }
  return key;
}

}  // namespace

std::vector<Row> IntervalDelta::take(const std::vector<Row>& current) {
  std::vector<Row> out;
  std::unordered_map<std::string, Counts> next;
  next.reserve(current.size());
  for (const auto& r : current) {
    std::string key = row_key(r);
    Counts before;
    if (auto it = last_.find(key); it != last_.end()) {
      before = it->second;
    }
    // Counters only grow between clears; anything smaller means the aggregate was cleared: all of it is new.
    if (r.packets < before.packets || r.bytes < before.bytes || r.flows < before.flows) {
      before = Counts{};
    }
    if (r.packets != before.packets || r.bytes != before.bytes || r.flows != before.flows) {
      Row d = r;
      d.packets -= before.packets;
      d.bytes -= before.bytes;
      d.flows -= before.flows;
      out.push_back(std::move(d));
    }
    next.emplace(std::move(key), Counts{r.packets, r.bytes, r.flows});
  }
  last_ = std::move(next);
  return out;
}

std::string expand_path(const std::string& pattern, std::time_t t, const std::string& peer) {
  std::string p = pattern;
  std::string safe_peer = peer;
  for (auto& c : safe_peer) {
    if (c == ':') {
      c = '_';
    }
  }
  for (std::size_t pos = p.find("%peer"); pos != std::string::npos; pos = p.find("%peer", pos + safe_peer.size())) {
    p.replace(pos, 5, safe_peer);
  }
  if (p.find('%') == std::string::npos) {
    return p;
  }
  std::tm tm{};
  gmtime_r(&t, &tm);
  std::string out(p.size() + 128, '\0');
  const std::size_t n = std::strftime(out.data(), out.size(), p.c_str(), &tm);
  if (n == 0) {
    return p;
  }
  out.resize(n);
  return out;
}

Result<std::size_t> FileOutput::write(const AggregateSpec& spec, std::vector<Row> all, std::time_t now) {
  const std::vector<Row> rows = delta_.take(std::move(all));
  const std::string path = expand_path(config_.path, now);
  std::error_code ec;
  const auto parent = std::filesystem::path(path).parent_path();
  if (!parent.empty()) {
    std::filesystem::create_directories(parent, ec);
  }
  const bool existed = std::filesystem::exists(path, ec);
  const bool append = config_.append && existed;
  std::ofstream out(path, append ? std::ios::app : std::ios::trunc);
  if (!out) {
    return fail(ErrorKind::kConfig, "cannot open " + path + " for aggregate " + spec.name);
  }
  if (config_.format == FileFormat::kCsv) {
    out << format_csv(spec, rows, FormatOptions{}, !append);
  } else {
    out << format_json_lines(spec, rows);
  }
  out.flush();
  if (!out) {
    return fail(ErrorKind::kConfig, "writing " + path + " failed");
  }
  ++writes_;
  rows_ += rows.size();
  return rows.size();
}

}  // namespace flowlab::collector
