// flowlab::collector — the flowcollector daemon (issue 4): UDP receivers, wire decoding, sequence accounting, BGP
// speaker, enrichment + aggregation (the enrich helper's core), tee, query socket and file/SQLite outputs: receive
// workers for the flow pipeline, one io_context thread for the rest (see collector.hpp and docs/flowcollector.md).
//
// config.hpp — flowcollector.yaml (the format of docs/flowcollector.md) parsed into a typed CollectorConfig. Every
// problem is reported at once, one line each, as `file:line:col: error: <key>: expected <what>, found <what>`;
// unknown keys carry a "did you mean". Command-line flags (-c, --listen, --socket, --log-level, --json) override
// the file through CliOverrides.
#pragma once

#include "common/enum_names.hpp"
#include "common/ip.hpp"
#include "common/result.hpp"
#include "probes/collector/aggregate.hpp"
#include "probes/collector/enrich.hpp"
#include "probes/collector/sampling.hpp"
#include "probes/collector/tee.hpp"

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace flowlab::collector {

enum class ListenProto : std::uint8_t { kNetflow, kSflow };  // netflow: v5, v9 and IPFIX
inline constexpr EnumName<ListenProto> kListenProtoNames[] = {{"netflow", ListenProto::kNetflow},
                                                              {"sflow", ListenProto::kSflow}};
std::string_view to_string(ListenProto proto);

struct ListenConfig {
  ListenProto proto = ListenProto::kNetflow;
  IpAddress address;  // unset: 0.0.0.0
  std::uint16_t port = 2100;
  bool operator==(const ListenConfig&) const = default;
};

struct BgpPeerConfig {
  IpAddress address;
  std::uint32_t asn = 0;  // 0: accept any AS
  std::string name;
  bool active = false;
  std::uint16_t port = 179;
  std::string password;  // TCP-MD5 (RFC 2385) key; empty: none
};

struct BgpConfig {
  bool enabled = false;                   // a `bgp:` section was given
  std::optional<std::uint32_t> local_as;  // unset: mirror each peer's AS (iBGP towards routers)
  std::optional<IpAddress> router_id;     // IPv4
  struct Listen {
    IpAddress address;
    std::uint16_t port = 179;
  };
  std::vector<Listen> listen;  // empty: 0.0.0.0:179
  std::uint16_t hold_time = 90;
  // A peer's table is not read for enrichment from Established until its End-of-RIB per family, or this long for a
  // peer that sends none (bgp_tables.hpp); 0: read at once.
  std::chrono::milliseconds end_of_rib_timeout{std::chrono::seconds(30)};
  std::vector<BgpPeerConfig> peers;
  std::string table_dump_path;  // "%peer" is replaced by the peer address; strftime escapes expanded
  std::chrono::milliseconds table_dump_interval{0};  // 0: only on SIGUSR2 / query
};

// `bmp:` — the passive BMP station (RFC 7854): routers connect to these listeners.
struct BmpConfig {
  bool enabled = false;                                // a `bmp:` section was given
  static constexpr std::uint16_t kDefaultPort = 1790;  // pmacct's bmp_daemon_port
  std::vector<BgpConfig::Listen> listen;               // empty: 0.0.0.0:1790
  // A dumped peer's table without End-of-RIB counts as syncing this long after its Peer Up (bmp_tables.hpp; the
  // BMP twin of bgp.end_of_rib_timeout, kept apart since a `bgp:` section starts a BGP speaker); 0: never syncing.
  std::chrono::milliseconds end_of_rib_timeout{std::chrono::seconds(30)};
};

struct EnrichFileConfig {
  ViewSource source = ViewSource::kBgp;
  AsSource as_source = AsSource::kBgp;
  AsSource net_source = AsSource::kBgp;
  PeerSrcAsMethod peer_src_as = PeerSrcAsMethod::kBgp;
  std::filesystem::path peer_src_as_map;  // empty: none
  std::filesystem::path agent_map;        // empty: none
  bool renormalize = true;
};

enum class FileFormat : std::uint8_t { kJson, kCsv };
inline constexpr EnumName<FileFormat> kFileFormatNames[] = {{"json", FileFormat::kJson}, {"csv", FileFormat::kCsv}};

struct FileOutputConfig {
  std::string aggregate;
  FileFormat format = FileFormat::kJson;
  std::string path;  // strftime escapes (%Y%m%d-%H%M) expanded at write time
  std::chrono::milliseconds interval{60'000};
  bool append = true;  // append to an existing file of the same name (else replace)
};

struct SqliteOutputConfig {
  std::string path;
  std::chrono::milliseconds interval{60'000};
};

// `outputs.clickhouse`: every enriched record into a ClickHouse raw table (+ per-minute / per-hour tiers), over
// HTTP in batches from a writer thread (docs/store.md).
struct ClickHouseOutputConfig {
  std::string url = "http://127.0.0.1:8123";  // http://HOST:PORT of the server's HTTP interface
  std::string database = "flowlab";
  std::string table = "flows";                     // raw table; TABLE_minute, TABLE_hour and their views beside it
  std::size_t batch_rows = 100'000;                // rows per INSERT (at most): ClickHouse's views cost per block
  std::chrono::milliseconds flush_interval{1000};  // a partial batch is sent after this
  std::size_t queue_rows = 1'000'000;              // rows waiting for the server; more are dropped (counted)
  unsigned raw_days = 7;                           // retention per tier, whole days; 0: keep forever
  unsigned minute_days = 90;
  unsigned hour_days = 730;
  bool create_schema = true;  // false: only check the tables (a cluster whose schema its operator manages)
};

struct OutputsConfig {
  std::string socket;           // query socket; empty: none
  unsigned socket_mode = 0600;  // its permissions (`socket_mode: "0660"` widens the owner-only default)
  std::vector<FileOutputConfig> files;
  std::optional<SqliteOutputConfig> sqlite;
  std::optional<ClickHouseOutputConfig> clickhouse;
};

struct CollectorConfig {
  std::string source_file;  // "" when built in code
  std::string log_level = "info";
  std::vector<ListenConfig> listen;
  std::size_t socket_buffer = std::size_t{8} * 1024U * 1024U;  // SO_RCVBUF(FORCE) per UDP socket
  std::size_t receive_batch = 64;                              // datagrams per recvmmsg
  std::size_t workers = 0;  // receive workers (worker.hpp); 0 (`auto`): one per CPU this process may run on
  BgpConfig bgp;
  BmpConfig bmp;
  EnrichFileConfig enrich;
  SamplingConfig sampling;  // `sampling:` defaults and overrides (sampling.hpp)
  std::vector<AggregateSpec> aggregates;
  OutputsConfig outputs;
  std::vector<TeeConfig> tee;
  bool json_stats = false;                      // CLI --json: print stats as JSON lines
  std::chrono::milliseconds stats_interval{0};  // 0: stats only on exit
};

// The aggregate a collector gets when its config names none and it is not a tee: pmacct's default when `aggregate`
// is unset ("defaulting to SRC HOST aggregation"), named like pmacct's unnamed plugin: {default, [src_host]}.
AggregateSpec default_aggregate();
// Adds default_aggregate() when `aggregates` is empty and there is no `tee` (a tee-only config does not decode);
// true when it did. Collector::create() applies it, so `--listen` alone makes a collector `query` can read.
bool apply_default_aggregate(CollectorConfig& config);

// Parses YAML text; `file` names the source in diagnostics. Errors (code "config"): one line per problem.
Result<CollectorConfig> parse_config(std::string_view yaml, const std::string& file = "<string>");
Result<CollectorConfig> load_config(const std::filesystem::path& file);

// "8MiB", "512KiB", "4M", "1000000" -> bytes.
std::optional<std::size_t> parse_size(std::string_view text);
// "[netflow@|sflow@]ADDRESS:PORT", "[::]:6343", or a bare port -> a listener (default proto netflow).
Result<ListenConfig> parse_listen_spec(std::string_view text);

struct CliOverrides {
  std::vector<std::string> listen;  // replaces the file's listeners when non-empty
  std::optional<std::string> socket;
  std::optional<std::string> log_level;
  bool json = false;
};
Status apply_overrides(CollectorConfig& config, const CliOverrides& overrides);

}  // namespace flowlab::collector
