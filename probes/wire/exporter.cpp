#include "probes/wire/exporter.hpp"

namespace flowlab::wire {
Exporter::Exporter(ExportOptions options) : options_(options) {}
std::vector<std::vector<std::byte>> Exporter::encode(std::span<const FlowRecord>, std::uint64_t) { return {}; }
}  // namespace flowlab::wire
