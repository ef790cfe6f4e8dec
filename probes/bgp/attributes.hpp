// flowlab::bgp::detail path attributes — one table, one row per attribute type code, in the manner of BIRD's
// `bgp_attr_table` (proto/bgp/attrs.c): name, expected flags, decoder, encoder and the RFC 7606 §7 action taken when
// the attribute is malformed. The UPDATE codec (update.cpp) walks the table; each row's functions live beside the
// concept they decode (attributes.cpp, as_path.cpp, nlri.cpp). Internal to probes/bgp.
#pragma once

#include "probes/bgp/message.hpp"

#include <optional>
#include <span>
#include <string>
#include <string_view>

namespace flowlab::bgp::detail {

// What RFC 7606 §7 prescribes when an attribute is malformed.
enum class OnError : std::uint8_t { kWithdraw, kDiscard, kReset };

struct AttrDesc;

// One UPDATE's attribute walk: where the verdict goes, and the attribute being decoded (for NOTIFICATION data).
struct AttrParser {
  const SessionContext& ctx;
  Counters& counters;
  DecodedUpdate& out;
  std::size_t attr_offset = 0;
  Bytes attr_raw;                     // the whole attribute (flags..value)
  const AttrDesc* current = nullptr;  // the table row of the attribute being decoded

  [[nodiscard]] PathAttributes& attrs() { return out.update.attrs; }
  void withdraw(std::string why);
  void discard(std::uint8_t type, std::string why);
  // Applies the current row's RFC 7606 action; returns the session-reset error when that is the action.
  std::optional<BgpError> malformed(std::uint8_t subcode, const std::string& why);
  // Decodes one attribute's value through its table row (unknown types: kept, dropped or a reset, RFC 4271 §5).
  std::optional<BgpError> parse(std::uint8_t flags, std::uint8_t type, Reader v);
};

using AttrDecodeFn = std::optional<BgpError> (*)(AttrParser& p, Reader& value);
// Writes the attribute's value and returns true, or returns false when the attribute is absent.
using AttrEncodeFn = bool (*)(const PathAttributes& a, const SessionContext& ctx, Writer& value);

struct AttrDesc {
  std::uint8_t code;
  std::string_view name;
  std::uint8_t flags;  // expected optional + transitive bits
  OnError on_error;
  AttrDecodeFn decode;
  AttrEncodeFn encode;
};

// The row for a type code, or nullptr for an unrecognized attribute.
const AttrDesc* find_attr(std::uint8_t code);
// Every row, in ascending type code (the canonical order encode() writes).
std::span<const AttrDesc> attr_table();

// Row functions defined beside their concept.
std::optional<BgpError> decode_as_path(AttrParser& p, Reader& v);
std::optional<BgpError> decode_as4_path(AttrParser& p, Reader& v);
bool encode_as_path(const PathAttributes& a, const SessionContext& ctx, Writer& v);
bool encode_as4_path(const PathAttributes& a, const SessionContext& ctx, Writer& v);
std::optional<BgpError> decode_mp_reach(AttrParser& p, Reader& v);
std::optional<BgpError> decode_mp_unreach(AttrParser& p, Reader& v);
bool encode_mp_reach(const PathAttributes& a, const SessionContext& ctx, Writer& v);
bool encode_mp_unreach(const PathAttributes& a, const SessionContext& ctx, Writer& v);

// One attribute with its header: the extended-length flag follows the value's size.
void write_attr(Writer& w, std::uint8_t flags, std::uint8_t type, Bytes value);

}  // namespace flowlab::bgp::detail
