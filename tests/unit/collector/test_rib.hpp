// Hand-built BGP routes for the collector core tests.
#pragma once

#include "probes/bgp/message.hpp"

#include <memory>
#include <sstream>
#include <string>
#include <string_view>

namespace flowlab::collector::test {

// "65001 65002 {65004,65003} (65005) [1,2]" -> AsPath (sequence, set, confed sequence, confed set).
inline bgp::AsPath path(std::string_view text) {
  bgp::AsPath p;
  std::size_t i = 0;
  auto number = [&]() {
    std::uint32_t v = 0;
    while (i < text.size() && text[i] >= '0' && text[i] <= '9') {
      v = v * 10U + static_cast<std::uint32_t>(text[i] - '0');
      ++i;
    }
    return v;
  };
  while (i < text.size()) {
    const char c = text[i];
    if (c == ' ') {
      ++i;
      continue;
    }
    if (c == '{' || c == '(' || c == '[') {
      bgp::AsPathSegment s;
      s.type = c == '{'   ? bgp::SegmentType::kSet
               : c == '(' ? bgp::SegmentType::kConfedSequence
                          : bgp::SegmentType::kConfedSet;
      const char close = c == '{' ? '}' : c == '(' ? ')' : ']';
      ++i;
      while (i < text.size() && text[i] != close) {
        if (text[i] == ',' || text[i] == ' ') {
          ++i;
          continue;
        }
        s.asns.push_back(number());
      }
      ++i;
      p.segments.push_back(s);
      continue;
    }
    if (p.segments.empty() || p.segments.back().type != bgp::SegmentType::kSequence) {
      p.segments.push_back(bgp::AsPathSegment{bgp::SegmentType::kSequence, {}});
    }
    p.segments.back().asns.push_back(number());
  }
  return p;
}

struct RouteSpec {
  std::string as_path;
  std::string next_hop;
  std::optional<std::uint32_t> local_pref;
  std::optional<std::uint32_t> med;
  std::vector<std::uint32_t> communities;
  std::vector<bgp::LargeCommunity> large;
};

inline std::shared_ptr<const bgp::PathAttributes> attrs(const RouteSpec& spec) {
  auto a = std::make_shared<bgp::PathAttributes>();
  a->origin = bgp::Origin::kIgp;
  a->as_path = path(spec.as_path);
  const auto nh = IpAddress::parse(spec.next_hop).value_or(IpAddress{});
  if (nh.is_v4()) {
    a->next_hop = nh;
  } else if (nh.is_v6()) {
    bgp::MpReach mp;
    mp.af = bgp::kIpv6Unicast;
    mp.next_hop = nh;
    a->mp_reach = mp;
  }
  a->local_pref = spec.local_pref;
  a->med = spec.med;
  a->communities = spec.communities;
  a->large_communities = spec.large;
  return a;
}

inline Prefix prefix(std::string_view text) { return *Prefix::parse(text); }
inline IpAddress addr(std::string_view text) { return *IpAddress::parse(text); }

}  // namespace flowlab::collector::test
