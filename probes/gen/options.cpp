#include "probes/gen/options.hpp"

#include "common/duration.hpp"

#include <CLI/CLI.hpp>

#include <fstream>
#include <sstream>

namespace flowlab::gen {
namespace {

std::string check_duration(const std::string& text) {
  const auto d = parse_duration(text);
  return d && d->count() >= 0 ? std::string() : "not a duration (e.g. 500ms, 10s, 2m, or seconds): " + text;
}

}  // namespace

Result<std::vector<StreamSpec>> load_spec_file(const std::string& path, std::vector<StreamSpec>* valid) {
  std::ifstream in(path);
  if (!in) {
    return fail(ErrorKind::kConfig, path + ": cannot open");
  }
  std::stringstream text;
  text << in.rdbuf();
  return parse_spec_json(text.str(), path, valid);
}

nlohmann::json spec_json(std::span<const StreamSpec> streams) {
  nlohmann::json list = nlohmann::json::array();
  for (const auto& s : streams) {
    nlohmann::json j;
    j["name"] = s.name;
    j["family"] = s.family == Family::kIpv6 ? 6 : 4;
    j["proto"] = protocol_name(s.protocol, s.family);
    if (s.src) {
      j["src"] = s.src->to_string();
    }
    j["dst"] = s.dst.to_string();
    j["sport"] = s.sport;
    if (s.protocol == Protocol::kIcmp) {
      j["type"] = s.icmp_type.value_or(0);
      j["code"] = s.icmp_code;
    } else {
      j["dport"] = s.dport;
    }
    j["packets"] = s.packets;
    j["size"] = s.size;
    j["pps"] = s.pps;
    j["tos"] = s.tos;
    j["delay"] = std::to_string(std::chrono::duration_cast<std::chrono::milliseconds>(s.delay).count()) + "ms";
    list.push_back(std::move(j));
  }
  return nlohmann::json{{"streams", list}};
}

namespace {

// What the command line gives as text before it becomes GenOptions.
struct CliValues {
  std::vector<std::string> stream_texts;
  std::string spec_file;
  std::string timeout;
  std::string linger;
};

// The options every subcommand takes.
void add_common_options(CLI::App* sub, GenOptions& o, CliValues& v) {
  sub->add_option("--stream", v.stream_texts,
                  "A stream: 'name=web,dst=198.51.100.10,proto=tcp,dport=443,packets=1000,size=512,pps=5000' "
                  "(repeatable)")
      ->type_name("SPEC")
      ->allow_extra_args(false);
  sub->add_option("--spec", v.spec_file, "A JSON spec file: {\"streams\":[{\"name\":\"web\",...}]}")->type_name("FILE");
  sub->add_flag("--json", o.json, "Print the summary as one JSON line (default: a table)");
  sub->add_option("--log-level", o.log_level, "trace, debug, info, warn, error")
      ->check(CLI::IsMember({"trace", "debug", "info", "warn", "error"}))
      ->default_val("info");
}

CLI::App* add_sink_command(CLI::App& app, GenOptions& o, CliValues& v) {
  CLI::App* sink = app.add_subcommand("sink", "Count the streams' packets arriving here, then print what arrived");
  add_common_options(sink, o, v);
  sink->add_option("--timeout", v.timeout, "Give up after this long (exit 3 when short; default: wait forever)")
      ->type_name("DURATION")
      ->check(check_duration);
  sink->add_option("--linger", v.linger, "Keep counting this long after every count is reached (default 0)")
      ->type_name("DURATION")
      ->check(check_duration);
  sink->add_option("--ready-file", o.ready_file, "Create FILE once the socket is bound and the filter attached")
      ->type_name("FILE");
  sink->add_option("-i,--interface", o.sink.interfaces, "Count only on IF (repeatable; default: all but lo, mgmt0)")
      ->type_name("IF")
      ->allow_extra_args(false);
  sink->add_option("--buffer-size", o.sink.buffer_bytes, "Socket receive buffer, bytes")
      ->default_val(64U << 20U)
      ->check(CLI::Range(std::size_t{1} << 16U, std::size_t{1} << 30U));
  return sink;
}

// The streams of the spec file and the --stream options, finalized. Every problem at once: the spec file's bad
// streams, the bad --stream options, and what finalize_streams() finds in all the streams that did parse
// (including two with the same 5-tuple); each line of the result is one "flowgen: ..." message.
std::string collect_streams(const CliValues& v, GenOptions& o) {
  std::string errors;
  auto add_errors = [&errors](const std::string& message) {
    std::istringstream lines(message);
    for (std::string line; std::getline(lines, line);) {
      errors += (errors.empty() ? "flowgen: " : "\nflowgen: ") + line;
    }
  };
  if (!v.spec_file.empty()) {
    std::vector<StreamSpec> valid;
    auto loaded = load_spec_file(v.spec_file, &valid);
    if (loaded) {
      o.streams = std::move(*loaded);
    } else {
      add_errors(loaded.error().message);
      o.streams = std::move(valid);
    }
  }
  for (const auto& text : v.stream_texts) {
    auto parsed = parse_stream_option(text);
    if (!parsed) {
      add_errors(parsed.error().message);
      continue;
    }
    o.streams.push_back(std::move(*parsed));
  }
  if (o.streams.empty() && errors.empty()) {
    return "flowgen: no streams (give --stream SPEC or --spec FILE)";
  }
  if (Status ok = finalize_streams(o.streams); !ok.ok()) {
    add_errors(ok.error().message);
  }
  return errors;
}

}  // namespace

std::variant<GenOptions, ParseOutcome> parse_options(int argc, const char* const* argv) {
  GenOptions o;
  CliValues v;
  CLI::App app{
      "flowgen: deterministic traffic for flowlab. `send` sends named streams with exact packet counts, sizes, "
      "rates and 5-tuples (crafted UDP, TCP and ICMP/ICMPv6 packets over IPv4 and IPv6, through raw sockets, in the "
      "network namespace it runs in); `sink` counts what arrives per stream.\n"
      "Stream keys: name, dst, proto (udp|tcp|icmp|icmpv6), dport (udp/tcp), type/code (icmp), packets, size (IP "
      "total length, default 128), pps (0 = as fast as possible), src (default: the route's), sport (default: from "
      "the name), family (4|6, default: dst's), tos, delay.\n"
      "Exit codes: 0 ok, 1 runtime error, 2 usage error, 3 sink ended short (timeout or signal).",
      "flowgen"};
  app.require_subcommand(1);
  app.get_formatter()->column_width(34);
  CLI::App* send = app.add_subcommand("send", "Send the streams, then print what was sent");
  add_common_options(send, o, v);
  CLI::App* sink = add_sink_command(app, o, v);
  CLI::App* check = app.add_subcommand("check", "Validate the streams and print them with every default filled in");
  add_common_options(check, o, v);

  try {
    app.parse(argc, argv);
  } catch (const CLI::CallForHelp&) {
    return ParseOutcome{0, app.help()};
  } catch (const CLI::CallForAllHelp&) {
    return ParseOutcome{0, app.help("", CLI::AppFormatMode::All)};
  } catch (const CLI::ParseError& e) {
    return ParseOutcome{2, std::string("flowgen: ") + e.what() + "\nRun with --help for more information."};
  }
  o.command = send->parsed() ? Command::kSend : (sink->parsed() ? Command::kSink : Command::kCheck);
  if (!v.timeout.empty()) {
    o.sink.timeout = *parse_duration(v.timeout);
  }
  if (!v.linger.empty()) {
    o.sink.linger = *parse_duration(v.linger);
  }
  if (std::string errors = collect_streams(v, o); !errors.empty()) {
    return ParseOutcome{2, errors};
  }
  return o;
}

}  // namespace flowlab::gen
