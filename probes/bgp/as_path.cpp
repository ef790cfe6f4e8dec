// AS_PATH and AS4_PATH (RFC 4271 §4.3, RFC 6793): the path type, its two attribute rows and the AS4 merge.
#include "probes/bgp/attributes.hpp"
#include "probes/bgp/message.hpp"
#include "probes/bgp/wire.hpp"

#include <algorithm>

namespace flowlab::bgp {

namespace {

bool parse_as_path(Reader& r, std::size_t as_size, AsPath& out, std::string& why) {
  while (r.remaining() > 0) {
    if (r.remaining() < 2) {
      why = "AS_PATH segment underrun";
      return false;
    }
    const std::uint8_t type = r.u8();
    const std::uint8_t count = r.u8();
    if (type < 1 || type > 4) {
      why = "AS_PATH segment type " + std::to_string(type);
      return false;
    }
    if (count == 0) {
      why = "AS_PATH segment of length 0";
      return false;
    }
    if (r.remaining() < count * as_size) {
      why = "AS_PATH segment overrun";
      return false;
    }
    AsPathSegment seg;
    seg.type = static_cast<SegmentType>(type);
    seg.asns.reserve(count);
    for (unsigned i = 0; i < count; ++i) {
      seg.asns.push_back(static_cast<std::uint32_t>(r.uint(as_size)));
    }
    out.segments.push_back(std::move(seg));
  }
  return r.ok();
}

// Segments longer than 255 ASes are split (RFC 4271 §4.3 counts in one octet).
void write_as_path(Writer& w, const AsPath& path, bool four_octet) {
  for (const auto& seg : path.segments) {
    for (std::size_t start = 0; start < seg.asns.size(); start += 255) {
      const std::size_t n = std::min<std::size_t>(255, seg.asns.size() - start);
      w.u8(static_cast<std::uint8_t>(seg.type));
      w.u8(static_cast<std::uint8_t>(n));
      for (std::size_t i = start; i < start + n; ++i) {
        if (four_octet) {
          w.u32(seg.asns[i]);
        } else {
          w.u16(detail::two_octet_as(seg.asns[i]));
        }
      }
    }
  }
}

bool is_confed(const AsPathSegment& s) {
  return s.type == SegmentType::kConfedSequence || s.type == SegmentType::kConfedSet;
}

// RFC 6793 §4.2.3: the leading AS_PATH entries that AS4_PATH does not cover, then AS4_PATH.
AsPath merge_as4_path(const AsPath& as_path, const AsPath& as4_path) {
  std::size_t take = as_path.length() - as4_path.length();
  AsPath merged;
  for (const auto& seg : as_path.segments) {
    if (take == 0) {
      break;
    }
    if (seg.type == SegmentType::kSequence) {
      const std::size_t n = std::min(take, seg.asns.size());
      merged.segments.push_back(AsPathSegment{seg.type, {seg.asns.begin(), seg.asns.begin() + static_cast<long>(n)}});
      take -= n;
    } else if (seg.type == SegmentType::kSet) {
      merged.segments.push_back(seg);
      take -= 1;
    } else {
      merged.segments.push_back(seg);
    }
  }
  for (const auto& seg : as4_path.segments) {
    if (!merged.segments.empty() && seg.type == SegmentType::kSequence &&
        merged.segments.back().type == SegmentType::kSequence) {
      auto& back = merged.segments.back().asns;
      back.insert(back.end(), seg.asns.begin(), seg.asns.end());
    } else {
      merged.segments.push_back(seg);
    }
  }
  return merged;
}

}  // namespace

namespace detail {

std::optional<BgpError> decode_as_path(AttrParser& p, Reader& v) {
  AsPath path;
  std::string why;
  if (!parse_as_path(v, p.ctx.four_octet_as ? 4 : 2, path, why)) {
    return p.malformed(err::kMalformedAsPath, why);
  }
  p.attrs().as_path = std::move(path);
  return std::nullopt;
}

std::optional<BgpError> decode_as4_path(AttrParser& p, Reader& v) {
  AsPath path;
  std::string why;
  if (!parse_as_path(v, 4, path, why)) {
    return p.malformed(err::kMalformedAsPath, "AS4_PATH: " + why);
  }
  // RFC 6793 §6: confederation segments must not appear in AS4_PATH; they are dropped.
  std::erase_if(path.segments, is_confed);
  p.attrs().as4_path = std::move(path);
  return std::nullopt;
}

bool encode_as_path(const PathAttributes& a, const SessionContext& ctx, Writer& v) {
  if (!a.as_path) {
    return false;
  }
  write_as_path(v, *a.as_path, ctx.four_octet_as);
  return true;
}

bool encode_as4_path(const PathAttributes& a, const SessionContext& /*ctx*/, Writer& v) {
  if (!a.as4_path) {
    return false;
  }
  write_as_path(v, *a.as4_path, true);
  return true;
}

}  // namespace detail

std::size_t AsPath::length() const {
  std::size_t n = 0;
  for (const auto& s : segments) {
    if (s.type == SegmentType::kSequence) {
      n += s.asns.size();
    } else if (s.type == SegmentType::kSet) {
      n += 1;
    }
  }
  return n;
}

std::uint32_t AsPath::first_as() const {
  for (const auto& s : segments) {
    if (is_confed(s)) {
      continue;
    }
    return s.type == SegmentType::kSequence && !s.asns.empty() ? s.asns.front() : 0;
  }
  return 0;
}

std::uint32_t AsPath::origin_as() const {
  if (segments.empty()) {
    return 0;
  }
  const auto& s = segments.back();
  return (s.type == SegmentType::kSequence || s.type == SegmentType::kConfedSequence) && !s.asns.empty() ? s.asns.back()
                                                                                                         : 0;
}

std::string AsPath::to_string() const {
  std::string out;
  for (const auto& s : segments) {
    if (!out.empty()) {
      out += ' ';
    }
    char open = 0;
    char close = 0;
    char sep = ' ';
    switch (s.type) {
      case SegmentType::kSequence:
        break;
      case SegmentType::kSet:
        open = '{', close = '}', sep = ',';
        break;
      case SegmentType::kConfedSequence:
        open = '(', close = ')';
        break;
      case SegmentType::kConfedSet:
        open = '[', close = ']', sep = ',';
        break;
    }
    if (open != 0) {
      out += open;
    }
    for (std::size_t i = 0; i < s.asns.size(); ++i) {
      if (i > 0) {
        out += sep;
      }
      out += std::to_string(s.asns[i]);
    }
    if (close != 0) {
      out += close;
    }
  }
  return out;
}

// ---- AS4 merge (RFC 6793 §4.2.3) ----

void normalize(PathAttributes& a, bool four_octet_session) {
  if (four_octet_session) {
    a.as4_path.reset();
    a.as4_aggregator.reset();
    return;
  }
  if (a.aggregator && a.aggregator->asn != kAsTrans) {
    // The aggregating speaker was 2-octet only, so the AS4_* attributes are stale: ignore both.
    a.as4_path.reset();
    a.as4_aggregator.reset();
    return;
  }
  if (a.aggregator && a.as4_aggregator) {
    a.aggregator = a.as4_aggregator;
  }
  a.as4_aggregator.reset();
  if (!a.as4_path) {
    return;
  }
  if (!a.as_path || a.as_path->length() < a.as4_path->length()) {
    a.as4_path.reset();  // §4.2.3: AS4_PATH longer than AS_PATH is ignored
    return;
  }
  a.as_path = merge_as4_path(*a.as_path, *a.as4_path);
  a.as4_path.reset();
}

}  // namespace flowlab::bgp
