// flowlab::gen summary — per-stream counters and the one printer for flowgen's JSON and text output.
//
// JSON (one line): {"mode":"send"|"sink", ..., "streams":[{"name","family","proto","src","dst","sport","dport",
// "packets_sent","bytes_sent","packets_received","bytes_received","first_ns","last_ns", ...}]}. Bytes are IP total
// lengths (layer 3). A side that cannot know a figure writes null: the sender's packets_received, the sink's
// packets_sent. ICMP streams report NetFlow's view of the ports (sport 0, dport type << 8 | code) plus icmp_type,
// icmp_code and icmp_id. first_ns / last_ns are CLOCK_REALTIME nanoseconds (null before the first packet). The text
// form is a table rendered from the same JSON.
#pragma once

#include "common/ip.hpp"
#include "probes/gen/stream.hpp"

#include <nlohmann/json.hpp>

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <vector>

namespace flowlab::gen {

struct StreamCounters {
  std::optional<IpAddress> src;  // sender: the resolved source; sink: the source seen (when the spec has none)
  std::uint64_t packets = 0;
  std::uint64_t bytes = 0;
  std::int64_t first_ns = 0;  // 0 = no packet yet
  std::int64_t last_ns = 0;
};

enum class Mode : std::uint8_t { kSend, kSink };

// The streams array; `counters` is parallel to `streams`.
[[nodiscard]] nlohmann::json streams_json(Mode mode, std::span<const StreamSpec> streams,
                                          std::span<const StreamCounters> counters);

// The human table for a summary built by flowgen (the object with "mode" and "streams").
[[nodiscard]] std::string summary_text(const nlohmann::json& summary);

}  // namespace flowlab::gen
