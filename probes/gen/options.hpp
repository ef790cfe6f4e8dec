// flowlab::gen options — flowgen's command line (CLI11), parsed into one typed struct.
//
//   flowgen send [--stream SPEC]... [--spec FILE] [--json]
//   flowgen sink [--stream SPEC]... [--spec FILE] [--timeout DUR] [--linger DUR] [--ready-file FILE]
//                [-i IF]... [--buffer-size BYTES] [--json]
//   flowgen check [--stream SPEC]... [--spec FILE]        (validate; print the finalized streams as JSON)
// Streams from --spec come first, then --stream ones in order; the whole set goes through finalize_streams().
// parse_options() never exits: it returns options, or a ParseOutcome (help text with exit 0, or an error with 2).
#pragma once

#include "probes/gen/sink.hpp"
#include "probes/gen/stream.hpp"

#include <string>
#include <variant>
#include <vector>

namespace flowlab::gen {

enum class Command : std::uint8_t { kSend, kSink, kCheck };

struct GenOptions {
  Command command = Command::kSend;
  std::vector<StreamSpec> streams;  // finalized
  bool json = false;
  std::string log_level = "info";
  SinkOptions sink;
  std::string ready_file;
};

struct ParseOutcome {
  int exit_code = 0;
  std::string message;
};

std::variant<GenOptions, ParseOutcome> parse_options(int argc, const char* const* argv);

// Reads and parses a JSON spec file (`valid`: as parse_spec_json).
[[nodiscard]] Result<std::vector<StreamSpec>> load_spec_file(const std::string& path,
                                                             std::vector<StreamSpec>* valid = nullptr);

// The finalized streams as a spec document ({"streams":[...]}, every default filled in): what `flowgen check`
// prints, and valid input for --spec.
[[nodiscard]] nlohmann::json spec_json(std::span<const StreamSpec> streams);

}  // namespace flowlab::gen
