#include "labctl/verify/held_back.hpp"

#include <algorithm>
#include <numeric>

#include "labctl/verify/rules.hpp"

namespace flowlab::verify {

namespace {

bool whole_packets(const Shortfall& s) { return s.packets > 0 && s.bytes == s.packets * s.packet_size; }

std::string shortfall_words(const Shortfall& s, std::uint64_t total, const HeldBackPackets& held) {
  return "short by " + std::to_string(s.packets) + " packets (" + std::to_string(s.bytes) + " bytes): " + held.probe +
         " held back " + std::to_string(held.packets) + " captured packets at its last flush, and the streams it " +
         "meters are short by " + std::to_string(total) + " in all — " + held.why;
}

void flag(PointResult& p, const Shortfall& s, const std::string& words) {
  if (s.no_record) {
    Check c;
    c.name = "record";
    c.expected = "a record of " + std::to_string(s.packets) + " packets";
    c.collector = "none";
    c.outcome = Outcome::kFlagged;
    c.explanation = words;
    p.checks.push_back(std::move(c));
  } else {
    for (auto& c : p.checks) {
      if ((c.name == "packets" || c.name == "bytes") && c.outcome == Outcome::kFail) {
        c.outcome = Outcome::kFlagged;
        c.explanation = words;
      }
    }
  }
  // The point failed only for these counters (or for want of the record): its outcome is its checks' again.
  p.outcome = Outcome::kPass;
  settle(p);
}

}  // namespace

bool settle_held_back(std::vector<PointResult>& points, const std::vector<Shortfall>& shortfalls,
                      const HeldBackPackets& held) {
  if (shortfalls.empty()) {
    return false;
  }
  const std::uint64_t total = std::accumulate(shortfalls.begin(), shortfalls.end(), std::uint64_t{0},
                                              [](std::uint64_t sum, const Shortfall& s) { return sum + s.packets; });
  const bool whole = std::all_of(shortfalls.begin(), shortfalls.end(), whole_packets);
  if (whole && total <= held.packets) {
    for (const auto& s : shortfalls) {
      flag(points.at(s.point), s, shortfall_words(s, total, held));
    }
    return true;
  }
  const std::string why = !whole ? "not explained by the packets " + held.probe +
                                       " held back: a stream is short by bytes that are not "
                                       "whole packets of its size"
                                 : "not explained by the packets " + held.probe +
                                       " held back: the streams it meters are short by " + std::to_string(total) +
                                       " packets, more than the " + std::to_string(held.packets) + " it held back";
  for (const auto& s : shortfalls) {
    auto& note = points.at(s.point).note;
    note += (note.empty() ? "" : "; ") + why;
  }
  return false;
}

}  // namespace flowlab::verify
