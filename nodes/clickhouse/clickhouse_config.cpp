#include "nodes/clickhouse/clickhouse_config.hpp"

#include <unistd.h>

#include <cstdlib>
#include <sstream>

namespace flowlab::nodes::clickhouse {
namespace {

std::optional<std::filesystem::path> find_program(const std::string& name) {
  std::string path = std::getenv("PATH") != nullptr ? std::getenv("PATH") : "";
  path += ":/usr/sbin:/usr/bin";
  std::istringstream dirs(path);
  std::string dir;
  while (std::getline(dirs, dir, ':')) {
    const std::filesystem::path candidate = std::filesystem::path(dir) / name;
    if (!dir.empty() && ::access(candidate.c_str(), X_OK) == 0) {
      return candidate;
    }
  }
  return std::nullopt;
}

}  // namespace

std::optional<std::vector<std::string>> server_command() {
  if (auto p = find_program("clickhouse-server")) {
    return std::vector<std::string>{p->string()};
  }
  if (auto p = find_program("clickhouse")) {
    return std::vector<std::string>{p->string(), "server"};
  }
  return std::nullopt;
}

std::string render_config_xml(const ServerConfig& config) {
  const std::string d = config.dir.string();
  std::ostringstream x;
  x << "<yandex>\n"
    << "  <logger><level>warning</level><log>" << d << "/" << kServerLog << "</log><errorlog>" << d << "/"
    << kServerErrorLog << "</errorlog></logger>\n";
  for (const auto& host : config.listen_hosts) {
    x << "  <listen_host>" << host << "</listen_host>\n";
  }
  x << "  <http_port>" << config.http_port << "</http_port>\n";
  if (config.tcp_port != 0) {
    x << "  <tcp_port>" << config.tcp_port << "</tcp_port>\n";
  }
  x << "  <path>" << d << "/data/</path>\n"
    << "  <tmp_path>" << d << "/tmp/</tmp_path>\n"
    << "  <user_files_path>" << d << "/user_files/</user_files_path>\n"
    << "  <format_schema_path>" << d << "/format_schemas/</format_schema_path>\n"
    << "  <timezone>UTC</timezone>\n"
    << "  <mark_cache_size>67108864</mark_cache_size>\n"
    << "  <users_config>" << kUsersFile << "</users_config>\n"
    << "  <default_profile>default</default_profile>\n"
    << "  <default_database>default</default_database>\n"
    << "</yandex>\n";
  return x.str();
}

std::string render_users_xml(const ServerConfig& config) {
  std::ostringstream x;
  x << "<yandex>\n"
    << "  <profiles><default/></profiles>\n"
    << "  <users><default><password></password><networks>";
  for (const auto& network : config.networks) {
    x << "<ip>" << network << "</ip>";
  }
  x << "</networks><profile>default</profile><quota>default</quota></default></users>\n"
    << "  <quotas><default/></quotas>\n"
    << "</yandex>\n";
  return x.str();
}

}  // namespace flowlab::nodes::clickhouse
