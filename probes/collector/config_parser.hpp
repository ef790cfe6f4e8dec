// flowlab::collector::detail — flowcollector.yaml's parser on the common YAML reader (common/yaml_reader.hpp),
// shared by config.cpp (the document, log, listen, enrich, tee, the public entry points), config_bgp.cpp and
// config_outputs.cpp (aggregates and outputs). Not a public interface.
#pragma once

#include "common/yaml_reader.hpp"
#include "probes/collector/config.hpp"

#include <chrono>
#include <optional>
#include <string>
#include <vector>

namespace flowlab::collector::detail {

class Parser : public yaml::YamlReader {
 public:
  using YamlReader::YamlReader;

  void parse_root(const YAML::Node& root, CollectorConfig& c);

 private:
  using Entries = std::vector<yaml::Entry>;

  // An IPv4 or IPv6 address.
  std::optional<IpAddress> get_address(const YAML::Node& n, const std::string& path);
  // "500ms", "10s", "2m", "1h".
  std::optional<std::chrono::milliseconds> get_duration(const YAML::Node& n, const std::string& path);
  // "8MiB", "512KiB", "1000000": bytes in 1..max; `what` names the examples in the diagnostic.
  std::optional<std::size_t> get_size(const YAML::Node& n, const std::string& path, std::size_t max,
                                      const std::string& what);
  // A map's entries (an empty value: none) with every key known.
  std::optional<Entries> entries(const YAML::Node& n, const std::string& path, const std::vector<std::string>& known) {
    return map_entries(n, path, known, true);
  }

  void parse_log(const YAML::Node& n, CollectorConfig& c);
  void parse_listen(const YAML::Node& n, CollectorConfig& c);
  void parse_bgp(const YAML::Node& n, BgpConfig& bgp);
  // A list of {address, port} (bgp.listen, bmp.listen).
  void parse_tcp_listen(const YAML::Node& n, const std::string& path, std::uint16_t default_port,
                        std::vector<BgpConfig::Listen>& out);
  void parse_bmp(const YAML::Node& n, BmpConfig& bmp);
  void parse_bgp_peers(const YAML::Node& n, const std::string& path, BgpConfig& bgp);
  std::optional<BgpPeerConfig> parse_bgp_peer(const YAML::Node& n, const std::string& path);
  void parse_table_dump(const YAML::Node& n, const std::string& path, BgpConfig& bgp);
  void parse_enrich(const YAML::Node& n, EnrichFileConfig& e);
  // config_sampling.cpp: `sampling:` defaults / overrides.
  void parse_sampling(const YAML::Node& n, SamplingConfig& s);
  void parse_sampling_rules(const YAML::Node& n, const std::string& path, std::vector<SamplingRule>& out);
  void parse_aggregates(const YAML::Node& n, CollectorConfig& c);
  std::optional<AggregateSpec> parse_aggregate(const YAML::Node& n, const std::string& path);
  bool parse_primitives(const YAML::Node& n, const std::string& path, AggregateSpec& spec);
  void parse_outputs(const YAML::Node& n, CollectorConfig& c);
  void parse_socket_mode(const YAML::Node& n, const std::string& path, CollectorConfig& c);
  void parse_sqlite(const YAML::Node& n, const std::string& path, CollectorConfig& c);
  void parse_clickhouse(const YAML::Node& n, const std::string& path, CollectorConfig& c);
  void parse_file_outputs(const YAML::Node& n, const std::string& path, CollectorConfig& c);
  std::optional<FileOutputConfig> parse_file_output(const YAML::Node& n, const std::string& path,
                                                    const CollectorConfig& c);
  void parse_tee(const YAML::Node& n, CollectorConfig& c);
};

}  // namespace flowlab::collector::detail
