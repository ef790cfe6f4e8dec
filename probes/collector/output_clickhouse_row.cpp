#include "probes/collector/output_clickhouse_row.hpp"

#include "probes/collector/clickhouse_schema.hpp"
#include "probes/collector/primitives.hpp"

#include <string_view>

namespace flowlab::collector {
namespace {

// The bytes of n trivially copyable values (a dictionary key, or RowBinary's little-endian integers on this host).
template <class T>
void append_raw(std::string& out, const T* values, std::size_t n) {
  out.append(reinterpret_cast<const char*>(values),
             n * sizeof(T));  // NOLINT(cppcoreguidelines-pro-type-reinterpret-cast)
}

template <class T>
void append_list(std::string& out, const std::vector<T>& list) {
  const auto n = static_cast<std::uint32_t>(list.size());
  append_raw(out, &n, 1);
  append_raw(out, list.data(), list.size());
}

// Native: integers little-endian (this host's order: x86/arm64), counts and string lengths as LEB128, strings as
// their length and the bytes.
template <class T>
void put_integer(std::string& out, T value) {
  append_raw(out, &value, 1);
}

void put_varint(std::string& out, std::size_t n) {
  while (n >= 0x80U) {
    out.push_back(static_cast<char>((n & 0x7fU) | 0x80U));
    n >>= 7U;
  }
  out.push_back(static_cast<char>(n));
}

void put_string(std::string& out, std::string_view s) {
  put_varint(out, s.size());
  out += s;
}

}  // namespace

std::uint32_t ExtrasDictionary::intern(const bgp::PathAttributes& attrs, std::vector<RouteExtras>& added) {
  key_.clear();
  const std::uint32_t lp = attrs.local_pref.value_or(0);
  const std::uint32_t med = attrs.med.value_or(0);
  const std::uint8_t present = (attrs.local_pref ? 1U : 0U) | (attrs.med ? 2U : 0U);
  append_raw(key_, &present, 1);
  append_raw(key_, &lp, 1);
  append_raw(key_, &med, 1);
  append_list(key_, attrs.communities);
  append_list(key_, attrs.ext_communities);
  append_list(key_, attrs.large_communities);
  if (const auto it = ids_.find(std::string_view(key_)); it != ids_.end()) {
    return it->second;
  }
  const auto id = static_cast<std::uint32_t>(ids_.size());
  RouteExtras extras;
  extras.local_pref = attrs.local_pref;
  extras.med = attrs.med;
  extras.communities = attrs.communities;
  extras.ext_communities = attrs.ext_communities;
  extras.large_communities = attrs.large_communities;
  added.push_back(std::move(extras));
  ids_.emplace(key_, id);
  return id;
}

AggregateSpec store_formatter_spec() {
  AggregateSpec spec;
  spec.name = "clickhouse";
  for (const auto& i : all_primitives()) {
    spec.primitives.push_back(i.primitive);
  }
  return spec;
}

NativeBlockWriter::NativeBlockWriter() {
  for (auto& c : store_columns(StoreTier::kRaw)) {
    columns_.push_back({std::move(c.name), std::move(c.type), {}});
  }
}

void NativeBlockWriter::take(std::vector<RouteExtras>& added, bool reset) {
  if (reset) {
    extras_.clear();
  }
  for (auto& e : added) {
    extras_.push_back(std::move(e));
  }
  added.clear();
}

void NativeBlockWriter::append(Aggregate& formatter, const StoreRow& row) {
  if (++formatted_ % kFormatterRows == 0) {
    formatter.clear();  // its interned paths and communities would otherwise grow for ever
  }
  EnrichedFlow flow;
  flow.record = row.has_record ? &row.record : nullptr;
  flow.peer_ip_src = row.peer_ip_src;
  flow.peer_ip_dst = row.peer_ip_dst;
  flow.as_src = row.as_src;
  flow.as_dst = row.as_dst;
  flow.peer_as_src = row.peer_as_src;
  flow.peer_as_dst = row.peer_as_dst;
  flow.net_src = row.net_src;
  flow.net_dst = row.net_dst;
  flow.packets = row.packets;
  flow.bytes = row.bytes;
  flow.flows = row.flows;
  const RouteExtras kNone;
  const auto extras = [&](const StoreRoute& r) -> const RouteExtras& {
    return r.extras < extras_.size() ? extras_[r.extras] : kNone;
  };
  const bgp::RouteAttributes src{row.src.path, extras(row.src)};
  const bgp::RouteAttributes dst{row.dst.path, extras(row.dst)};
  flow.src_route = row.src.path ? &src : nullptr;
  flow.dst_route = row.dst.path ? &dst : nullptr;

  put_integer(columns_.front().data, row.time);
  // The primitives' columns follow `time`, in the formatter's order (number() / text()); then the counters.
  next_column_ = 1;
  formatter.visit_row(flow, *this);
  const std::size_t counters = columns_.size() - 3;
  put_integer(columns_[counters].data, row.packets);
  put_integer(columns_[counters + 1].data, row.bytes);
  put_integer(columns_[counters + 2].data, row.flows);
  ++rows_;
}

// A number primitive's column is UInt32 (clickhouse_schema.cpp: column_type), a text one String.
void NativeBlockWriter::number(std::uint64_t value) {
  put_integer(columns_[next_column_++].data, static_cast<std::uint32_t>(value));
}

void NativeBlockWriter::text(std::string_view value) { put_string(columns_[next_column_++].data, value); }

void NativeBlockWriter::finish(std::string& out) {
  out.clear();
  put_varint(out, columns_.size());
  put_varint(out, rows_);
  for (Column& c : columns_) {
    put_string(out, c.name);
    put_string(out, c.type);
    out += c.data;
    c.data.clear();
  }
  rows_ = 0;
}

}  // namespace flowlab::collector
