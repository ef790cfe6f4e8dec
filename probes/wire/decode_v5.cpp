// NetFlow v5 (Cisco): fixed 24-byte header and count x 48-byte records.
#include "probes/wire/decoder_state.hpp"

#include <string>

namespace flowlab::wire::detail {

Result<DatagramInfo, ParseError> DecoderState::decode_v5(Bytes datagram, DatagramInfo& info,
                                                         std::vector<FlowRecord>& out) {
  constexpr std::size_t kRecordBytes = 48;
  Reader r(datagram);
  r.u16();
  info.protocol = ExportProtocol::kNetflowV5;
  info.header_count = r.u16();
  info.uptime_ms = r.u32();
  const std::uint32_t secs = r.u32();
  const std::uint32_t nsecs = r.u32();
  info.sequence = r.u32();
  const std::uint8_t engine_type = r.u8();
  const std::uint8_t engine_id = r.u8();
  const std::uint16_t sampling = r.u16();
  if (!r.ok()) {
    ++counters.v5_truncated;
    return error(ParseErrorCode::kTruncated, r.offset(), "netflow v5 header");
  }
  info.observation_domain = static_cast<std::uint32_t>(engine_type) << 8U | engine_id;
  info.export_ms = secs * 1000ULL + nsecs / 1000000U;
  if (info.header_count == 0 || info.header_count > 30) {
    ++counters.v5_count_bad;
    return error(ParseErrorCode::kBadLength, 2, "netflow v5 count " + std::to_string(info.header_count));
  }
  if (r.remaining() < info.header_count * kRecordBytes) {
    ++counters.v5_truncated;
    return error(ParseErrorCode::kTruncated, r.offset(),
                 "netflow v5: " + std::to_string(info.header_count) + " records need " +
                     std::to_string(info.header_count * kRecordBytes) + " bytes, " + std::to_string(r.remaining()) +
                     " left");
  }
  const std::uint32_t interval = sampling & 0x3fffU;
  std::size_t room = options.max_records_per_datagram;
  for (std::uint16_t i = 0; i < info.header_count && room > 0; ++i, --room) {
    FlowRecord& rec = out.emplace_back();
    read_address<4>(r, rec.src_addr);
    read_address<4>(r, rec.dst_addr);
    read_address<4>(r, rec.next_hop);
    rec.input_ifindex = r.u16();
    rec.output_ifindex = r.u16();
    rec.packets = r.u32();
    rec.bytes = r.u32();
    rec.first_ms = uptime_to_ms(r.u32(), info.uptime_ms, info.export_ms);
    rec.last_ms = uptime_to_ms(r.u32(), info.uptime_ms, info.export_ms);
    rec.src_port = r.u16();
    rec.dst_port = r.u16();
    r.skip(1);
    rec.tcp_flags = r.u8();
    rec.protocol = r.u8();
    rec.tos = r.u8();
    rec.src_as = r.u16();
    rec.dst_as = r.u16();
    rec.src_mask = r.u8();
    rec.dst_mask = r.u8();
    r.skip(2);
    rec.sampling_interval = interval > 1 ? interval : 1;
    rec.sampling_source = interval > 0 ? SamplingSource::kPacket : SamplingSource::kNone;
    rec.export_protocol = ExportProtocol::kNetflowV5;
    rec.exporter = info.exporter;
    rec.observation_domain = info.observation_domain;
    rec.sequence = info.sequence;
    ++info.record_count;
  }
  if (room == 0 && info.record_count < info.header_count) {
    ++counters.record_cap_exceeded;
  }
  counters.records += info.record_count;
  return info;
}

}  // namespace flowlab::wire::detail
