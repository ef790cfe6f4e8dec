#include "probes/collector/aggregate.hpp"

#include "probes/bgp/format.hpp"

#include <algorithm>
#include <cstring>

namespace flowlab::collector {

namespace {

using P = Primitive;

constexpr std::size_t kAddressWidth = 17;  // family byte + 16 address bytes

std::size_t width_of(Primitive p) {
  switch (p) {
    case P::kPeerSrcIp:
    case P::kPeerDstIp:
    case P::kSrcHost:
    case P::kDstHost:
    case P::kSrcNet:
    case P::kDstNet:
      return kAddressWidth;
    case P::kSrcMask:
    case P::kDstMask:
    case P::kTcpFlags:
    case P::kProto:
    case P::kTos:
    case P::kDirection:
      return 1;
    case P::kSrcPort:
    case P::kDstPort:
      return 2;
    case P::kTimestampStart:
    case P::kTimestampEnd:
      return 8;
    default:
      return 4;
  }
}

bool is_community_list(Primitive p) {
  return p == P::kStdComm || p == P::kExtComm || p == P::kSrcStdComm || p == P::kSrcExtComm || p == P::kLrgComm ||
         p == P::kSrcLrgComm;
}

void put_u32(std::uint8_t* at, std::uint32_t v) { std::memcpy(at, &v, 4); }
void put_u16(std::uint8_t* at, std::uint16_t v) { std::memcpy(at, &v, 2); }
void put_u64(std::uint8_t* at, std::uint64_t v) { std::memcpy(at, &v, 8); }
std::uint32_t get_u32(const std::uint8_t* at) {
  std::uint32_t v = 0;
  std::memcpy(&v, at, 4);
  return v;
}
std::uint16_t get_u16(const std::uint8_t* at) {
  std::uint16_t v = 0;
  std::memcpy(&v, at, 2);
  return v;
}
std::uint64_t get_u64(const std::uint8_t* at) {
  std::uint64_t v = 0;
  std::memcpy(&v, at, 8);
  return v;
}
void put_address(std::uint8_t* at, const IpAddress& a) {
  at[0] = static_cast<std::uint8_t>(a.family);
  std::memcpy(at + 1, a.bytes.data(), 16);
}
IpAddress get_address(const std::uint8_t* at) {
  IpAddress a;
  a.family = static_cast<Family>(at[0]);
  std::memcpy(a.bytes.data(), at + 1, 16);
  return a;
}

std::uint64_t hash_bytes(const std::uint8_t* p, std::size_t n) {
  std::uint64_t h = 0x9e3779b97f4a7c15ULL ^ n;
  std::size_t i = 0;
  for (; i + 8 <= n; i += 8) {
    std::uint64_t v = 0;
    std::memcpy(&v, p + i, 8);
    h = (h ^ v) * 0xbf58476d1ce4e5b9ULL;
    h ^= h >> 31;
  }
  std::uint64_t tail = 0;
  std::memcpy(&tail, p + i, n - i);
  h = (h ^ tail) * 0x94d049bb133111ebULL;
  h ^= h >> 29;
  return h;
}

// Appends the raw bytes of n trivially copyable values (a hash key, never parsed back).
template <class T>
void append_raw(std::string& out, const T* values, std::size_t n) {
  const std::size_t at = out.size();
  out.resize(at + n * sizeof(T));
  if (n != 0) {
    std::memcpy(out.data() + at, values, n * sizeof(T));
  }
}

template <class T>
void serialize_list(char tag, const std::vector<T>& list, std::string& out) {
  out.clear();
  out.push_back(tag);
  append_raw(out, list.data(), list.size());
}

// Where a primitive's value comes from: the flow record, the enrichment, or one side's BGP route.
Aggregate::FieldSource source_of(Primitive p) {
  using S = Aggregate::FieldSource;
  switch (p) {
    case P::kSrcAs:
    case P::kDstAs:
    case P::kPeerSrcAs:
    case P::kPeerDstAs:
    case P::kPeerSrcIp:
    case P::kPeerDstIp:
    case P::kSrcNet:
    case P::kDstNet:
    case P::kSrcMask:
    case P::kDstMask:
      return S::kEnrichment;
    case P::kStdComm:
    case P::kExtComm:
    case P::kLrgComm:
    case P::kAsPath:
    case P::kLocalPref:
    case P::kMed:
      return S::kDstRoute;
    case P::kSrcStdComm:
    case P::kSrcExtComm:
    case P::kSrcLrgComm:
    case P::kSrcAsPath:
    case P::kSrcLocalPref:
    case P::kSrcMed:
      return S::kSrcRoute;
    default:
      return S::kRecord;
  }
}

void put_record_field(Primitive p, const wire::FlowRecord& r, std::uint8_t* at) {
  switch (p) {
    case P::kInIface:
      put_u32(at, r.input_ifindex);
      break;
    case P::kOutIface:
      put_u32(at, r.output_ifindex);
      break;
    case P::kSrcHost:
      put_address(at, r.src_addr);
      break;
    case P::kDstHost:
      put_address(at, r.dst_addr);
      break;
    case P::kSrcPort:
      put_u16(at, r.src_port);
      break;
    case P::kDstPort:
      put_u16(at, r.dst_port);
      break;
    case P::kTcpFlags:
      at[0] = r.tcp_flags;
      break;
    case P::kProto:
      at[0] = r.protocol;
      break;
    case P::kTos:
      at[0] = r.tos;
      break;
    case P::kDirection:
      at[0] = static_cast<std::uint8_t>(r.direction);
      break;
    case P::kSamplingRate:
      put_u32(at, r.sampling_interval);
      break;
    case P::kTimestampStart:
      put_u64(at, r.first_ms);
      break;
    case P::kTimestampEnd:
      put_u64(at, r.last_ms);
      break;
    case P::kExportProtoSeqno:
      put_u32(at, r.sequence);
      break;
    default:
      break;
  }
}

void put_enrichment_field(Primitive p, const EnrichedFlow& flow, std::uint8_t* at) {
  switch (p) {
    case P::kSrcAs:
      put_u32(at, flow.as_src);
      break;
    case P::kDstAs:
      put_u32(at, flow.as_dst);
      break;
    case P::kPeerSrcAs:
      put_u32(at, flow.peer_as_src);
      break;
    case P::kPeerDstAs:
      put_u32(at, flow.peer_as_dst);
      break;
    case P::kPeerSrcIp:
      put_address(at, flow.peer_ip_src);
      break;
    case P::kPeerDstIp:
      put_address(at, flow.peer_ip_dst);
      break;
    case P::kSrcNet:
      put_address(at, flow.net_src.address);
      break;
    case P::kDstNet:
      put_address(at, flow.net_dst.address);
      break;
    case P::kSrcMask:
      at[0] = flow.net_src.length;
      break;
    case P::kDstMask:
      at[0] = flow.net_dst.length;
      break;
    default:
      break;
  }
}

}  // namespace

std::uint32_t Aggregate::Dictionary::intern(const std::string& key, const std::string& printed_if_new) {
  auto it = ids.find(key);
  if (it != ids.end()) {
    return it->second;
  }
  const auto id = static_cast<std::uint32_t>(text.size());
  text.push_back(printed_if_new);
  ids.emplace(key, id);
  return id;
}

Result<Aggregate> Aggregate::create(AggregateSpec spec) {
  if (spec.primitives.empty()) {
    return fail(ErrorKind::kConfig, "aggregate " + spec.name + ": no primitives");
  }
  Aggregate a;
  for (std::size_t i = 0; i < spec.primitives.size(); ++i) {
    for (std::size_t j = 0; j < i; ++j) {
      if (spec.primitives[i] == spec.primitives[j]) {
        return fail(ErrorKind::kConfig, "aggregate " + spec.name + ": primitive '" +
                                            std::string(primitive_name(spec.primitives[i])) + "' listed twice");
      }
    }
    a.fields_.push_back(
        Field{spec.primitives[i], static_cast<std::uint32_t>(a.key_width_), source_of(spec.primitives[i])});
    a.key_width_ += width_of(spec.primitives[i]);
  }
  auto filter = Filter::parse(spec.filter);
  if (!filter.ok()) {
    return fail(ErrorKind::kConfig, "aggregate " + spec.name + ": filter: " + filter.error().message);
  }
  a.filter_ = std::move(*filter);
  a.spec_ = std::move(spec);
  a.scratch_.assign(a.key_width_, 0);
  a.slots_.assign(64, 0);
  return a;
}

std::uint32_t Aggregate::communities_id(char tag, const bgp::RouteAttributes* route) {
  if (route == nullptr) {
    return 0;
  }
  const auto& at = route->attrs;
  const bool empty = tag == 'c'   ? at.communities.empty()
                     : tag == 'e' ? at.ext_communities.empty()
                                  : at.large_communities.empty();
  if (empty) {
    return 0;  // id 0: no communities
  }
  if (tag == 'c') {
    serialize_list(tag, at.communities, value_scratch_);
  } else if (tag == 'e') {
    serialize_list(tag, at.ext_communities, value_scratch_);
  } else {
    serialize_list(tag, at.large_communities, value_scratch_);
  }
  auto it = communities_.ids.find(value_scratch_);
  if (it != communities_.ids.end()) {
    return it->second;
  }
  std::string printed = tag == 'c'   ? bgp::communities_string(at.communities)
                        : tag == 'e' ? bgp::ext_communities_string(at.ext_communities)
                                     : bgp::large_communities_string(at.large_communities);
  return communities_.intern(value_scratch_, printed);
}

void Aggregate::put_route_field(Primitive p, const bgp::RouteAttributes* route, const bgp::Rib* view,
                                std::uint8_t* at) {
  switch (p) {
    case P::kStdComm:
    case P::kSrcStdComm:
      put_u32(at, communities_id('c', route));
      break;
    case P::kExtComm:
    case P::kSrcExtComm:
      put_u32(at, communities_id('e', route));
      break;
    case P::kLrgComm:
    case P::kSrcLrgComm:
      put_u32(at, communities_id('l', route));
      break;
    case P::kAsPath:
    case P::kSrcAsPath:
      put_u32(at, paths_.key(route, view));
      break;
    case P::kLocalPref:
    case P::kSrcLocalPref:
      put_u32(at, route != nullptr ? route->attrs.local_pref.value_or(0) : 0U);
      break;
    case P::kMed:
    case P::kSrcMed:
      put_u32(at, route != nullptr ? route->attrs.med.value_or(0) : 0U);
      break;
    default:
      break;
  }
}

void Aggregate::build_key(const EnrichedFlow& flow, std::uint8_t* key) {
  static const wire::FlowRecord kEmpty{};
  const wire::FlowRecord& r = flow.record != nullptr ? *flow.record : kEmpty;
  for (const Field& f : fields_) {
    std::uint8_t* at = key + f.offset;
    switch (f.source) {
      case FieldSource::kRecord:
        put_record_field(f.primitive, r, at);
        break;
      case FieldSource::kEnrichment:
        put_enrichment_field(f.primitive, flow, at);
        break;
      case FieldSource::kDstRoute:
        put_route_field(f.primitive, flow.dst_route, flow.view, at);
        break;
      case FieldSource::kSrcRoute:
        put_route_field(f.primitive, flow.src_route, flow.view, at);
        break;
    }
  }
}

void Aggregate::grow() {
  std::vector<std::uint32_t> slots(slots_.size() * 2, 0);
  const std::size_t mask = slots.size() - 1;
  for (std::size_t i = 0; i < hashes_.size(); ++i) {
    std::size_t s = hashes_[i] & mask;
    while (slots[s] != 0) {
      s = (s + 1) & mask;
    }
    slots[s] = static_cast<std::uint32_t>(i + 1);
  }
  slots_ = std::move(slots);
}

std::uint32_t Aggregate::find_or_insert(const std::uint8_t* key, std::uint64_t hash) {
  std::size_t mask = slots_.size() - 1;
  std::size_t s = hash & mask;
  while (slots_[s] != 0) {
    const std::uint32_t index = slots_[s] - 1;
    if (hashes_[index] == hash && std::memcmp(keys_.data() + index * key_width_, key, key_width_) == 0) {
      return index;
    }
    s = (s + 1) & mask;
  }
  const auto index = static_cast<std::uint32_t>(counters_.size());
  keys_.insert(keys_.end(), key, key + key_width_);
  counters_.emplace_back();
  hashes_.push_back(hash);
  slots_[s] = index + 1;
  if (counters_.size() * 2 > slots_.size()) {
    grow();
  }
  return index;
}

void Aggregate::key_into(const EnrichedFlow& flow, std::uint8_t* key) {
  if (communities_.text.empty()) {
    communities_.intern("", "");  // id 0: no communities
  }
  std::memset(key, 0, key_width_);
  build_key(flow, key);
}

std::uint8_t* Aggregate::key_of(const EnrichedFlow& flow) {
  key_into(flow, scratch_.data());
  return scratch_.data();
}

void Aggregate::count(std::uint32_t index, const EnrichedFlow& flow) {
  Counters& c = counters_[index];
  c.packets += flow.packets;
  c.bytes += flow.bytes;
  c.flows += flow.flows;
}

void Aggregate::visit_row(const EnrichedFlow& flow, ValueSink& sink) {
  const std::uint8_t* key = key_of(flow);
  paths_.apply_pins();
  for (const Field& f : fields_) {
    if (is_community_list(f.primitive)) {
      sink.text(community_text(get_u32(key + f.offset)));
    } else if (f.primitive == P::kAsPath || f.primitive == P::kSrcAsPath) {
      sink.text(paths_.cached_text(get_u32(key + f.offset)));
    } else if (info(f.primitive).kind == ValueKind::kNumber) {
      sink.number(number_field(f, key));
    } else {
      sink.text(format_field(f, key));
    }
  }
}

std::string_view Aggregate::community_text(std::uint32_t id) const {
  return id < communities_.text.size() ? std::string_view(communities_.text[id]) : std::string_view();
}

std::uint64_t Aggregate::number_field(const Field& f, const std::uint8_t* key) {
  const std::uint8_t* at = key + f.offset;
  switch (width_of(f.primitive)) {
    case 1:
      return at[0];
    case 2:
      return get_u16(at);
    case 8:
      return get_u64(at);
    default:
      return get_u32(at);
  }
}

void Aggregate::add(const EnrichedFlow& flow) {
  if (!filter_.empty() && flow.record != nullptr && !filter_.matches(*flow.record)) {
    ++filtered_out_;
    return;
  }
  const std::uint8_t* key = key_of(flow);
  paths_.apply_pins();
  count(find_or_insert(key, hash_bytes(key, key_width_)), flow);
}

void Aggregate::add(std::span<const EnrichedFlow> flows) {
  batch_keys_.resize(flows.size() * key_width_);
  batch_hashes_.clear();
  batch_flows_.clear();
  for (std::size_t i = 0; i < flows.size(); ++i) {
    const EnrichedFlow& flow = flows[i];
    if (!filter_.empty() && flow.record != nullptr && !filter_.matches(*flow.record)) {
      ++filtered_out_;
      continue;
    }
    std::uint8_t* key = batch_keys_.data() + batch_flows_.size() * key_width_;
    key_into(flow, key);
    const std::uint64_t hash = hash_bytes(key, key_width_);
    __builtin_prefetch(&slots_[hash & (slots_.size() - 1)]);
    batch_hashes_.push_back(hash);
    batch_flows_.push_back(static_cast<std::uint32_t>(i));
  }
  paths_.apply_pins();  // the batch's new AS path ids, pinned together
  for (const std::uint64_t hash : batch_hashes_) {
    const std::uint32_t slot = slots_[hash & (slots_.size() - 1)];
    if (slot != 0) {  // the entry the probe compares first: its hash, key and counters
      __builtin_prefetch(&hashes_[slot - 1]);
      __builtin_prefetch(keys_.data() + std::size_t{slot - 1} * key_width_);
      __builtin_prefetch(&counters_[slot - 1], 1);
    }
  }
  for (std::size_t k = 0; k < batch_flows_.size(); ++k) {
    count(find_or_insert(batch_keys_.data() + k * key_width_, batch_hashes_[k]), flows[batch_flows_[k]]);
  }
}

std::string Aggregate::format_field(const Field& f, const std::uint8_t* key) const {
  const std::uint8_t* at = key + f.offset;
  if (is_community_list(f.primitive)) {
    return std::string(community_text(get_u32(at)));
  }
  switch (f.primitive) {
    case P::kAsPath:
    case P::kSrcAsPath: {
      return paths_.text(get_u32(at));
    }
    case P::kPeerSrcIp:
    case P::kPeerDstIp:
    case P::kSrcHost:
    case P::kDstHost:
      return get_address(at).to_string();
    case P::kSrcNet:
    case P::kDstNet: {
      const IpAddress a = get_address(at);
      return a.is_set() ? a.to_string() : std::string("0.0.0.0");
    }
    case P::kSrcMask:
    case P::kDstMask:
    case P::kTcpFlags:
    case P::kTos:
      return std::to_string(at[0]);
    case P::kProto:
      return ip_protocol_name(at[0]);
    case P::kDirection: {
      const auto d = static_cast<wire::FlowDirection>(at[0]);
      return d == wire::FlowDirection::kUnknown ? std::string("unknown") : std::string(wire::to_string(d));
    }
    case P::kSrcPort:
    case P::kDstPort:
      return std::to_string(get_u16(at));
    case P::kTimestampStart:
    case P::kTimestampEnd:
      return pmacct_timestamp(get_u64(at));
    default:
      return std::to_string(get_u32(at));
  }
}

std::vector<std::string> Aggregate::values_of(const std::uint8_t* key) const {
  std::vector<std::string> values;
  values.reserve(fields_.size());
  for (const Field& f : fields_) {
    values.push_back(format_field(f, key));
  }
  return values;
}

std::vector<Row> Aggregate::rows() const {
  std::vector<Row> out;
  out.reserve(counters_.size());
  for (std::size_t i = 0; i < counters_.size(); ++i) {
    Row row;
    row.values = values_of(keys_.data() + i * key_width_);
    row.packets = counters_[i].packets;
    row.bytes = counters_[i].bytes;
    row.flows = counters_[i].flows;
    out.push_back(std::move(row));
  }
  return out;
}

void Aggregate::clear() {
  keys_.clear();
  counters_.clear();
  hashes_.clear();
  // The slot table keeps its size (like the vectors above keep their capacity): the next interval holds about as many
  // rows, and regrowing it by doubling (a rehash per doubling, fresh pages) was a share of every new row's cost.
  std::fill(slots_.begin(), slots_.end(), 0U);
  paths_.clear();
  communities_ = Dictionary{};
}

}  // namespace flowlab::collector
