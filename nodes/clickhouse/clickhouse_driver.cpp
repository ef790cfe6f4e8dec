#include "nodes/clickhouse/clickhouse_driver.hpp"

#include "nodes/clickhouse/clickhouse_config.hpp"
#include "nodes/core/files.hpp"
#include "platform/netns/namespace.hpp"
#include "probes/collector/clickhouse_http.hpp"

namespace flowlab::nodes::clickhouse {
namespace {

ServerConfig lab_config(const NodeContext& ctx) {
  ServerConfig c;
  c.dir = ctx.dir;
  c.http_port = kHttpPort;
  c.tcp_port = kTcpPort;
  c.listen_hosts.push_back(ctx.node->mgmt4.address.to_string());
  c.networks = {ctx.topology->mgmt_subnet4.to_string(), "127.0.0.1"};
  if (ctx.node->mgmt6) {
    c.listen_hosts.push_back(ctx.node->mgmt6->address.to_string());
    c.networks.push_back(ctx.topology->mgmt_subnet6->to_string());
  }
  return c;
}

}  // namespace

Status ClickHouseDriver::render(const NodeContext& ctx) const {
  const ServerConfig config = lab_config(ctx);
  for (const char* sub : {"data", "tmp", "user_files", "format_schemas"}) {
    std::error_code ec;
    std::filesystem::create_directories(ctx.dir / sub, ec);
    if (ec) {
      return fail(ErrorKind::kIo, "creating " + (ctx.dir / sub).string() + ": " + ec.message());
    }
  }
  FLOWLAB_TRY(write_text_file(ctx.dir / kConfigFile, render_config_xml(config)));
  return write_text_file(ctx.dir / kUsersFile, render_users_xml(config));
}

std::vector<process::Spec> ClickHouseDriver::programs(const NodeContext& ctx) const {
  process::Spec spec;
  spec.name = "clickhouse-server";
  spec.argv = server_command().value_or(std::vector<std::string>{"clickhouse-server"});
  spec.argv.push_back("--config-file=" + (ctx.dir / kConfigFile).string());
  spec.netns = ctx.node->namespace_name;
  spec.log_file = ctx.dir / "clickhouse.log";
  spec.working_dir = ctx.dir;
  spec.stop_timeout = std::chrono::seconds(15);
  return {spec};
}

Result<bool> ClickHouseDriver::ready(const NodeContext& ctx) const {
  auto answer = store_query(ctx, "SELECT 1");
  return answer.ok() && *answer == "1\n";
}

Result<std::string> ClickHouseDriver::store_query(const NodeContext& ctx, const std::string& sql) const {
  const ::flowlab::collector::HttpUrl url{ctx.node->mgmt4.address.to_string(), kHttpPort};
  auto answer = netns::run_in_namespace(ctx.node->namespace_name, [&]() -> Result<std::string> {
    return ::flowlab::collector::ClickHouseHttp(url, std::chrono::seconds(30)).query(sql);
  });
  if (!answer.ok()) {
    return fail(answer.error().kind, "store " + ctx.node->name + ": " + answer.error().message);
  }
  return answer;
}

std::string ClickHouseDriver::store_url(const topology::Node& node) const {
  return "http://" + node.mgmt4.address.to_string() + ":" + std::to_string(kHttpPort);
}

}  // namespace flowlab::nodes::clickhouse
