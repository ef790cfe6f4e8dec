#include "probes/collector/tee.hpp"

namespace flowlab::collector {

Result<TeeBalance> parse_tee_balance(std::string_view text) {
  if (text == "all") {
    return TeeBalance::kAll;
  }
  if (text == "hash-agent") {
    return TeeBalance::kHashAgent;
  }
  if (text == "rr") {
    return TeeBalance::kRoundRobin;
  }
  return fail("config", "unknown tee balance '" + std::string(text) + "' (all, hash-agent, rr)");
}

std::string_view to_string(TeeBalance balance) {
  switch (balance) {
    case TeeBalance::kAll:
      return "all";
    case TeeBalance::kHashAgent:
      return "hash-agent";
    case TeeBalance::kRoundRobin:
      return "rr";
  }
  return "all";
}

struct Tee::State {
  TeeConfig config;
  std::vector<TeePool> pools;
};

Tee::Tee(std::unique_ptr<State> state) : state_(std::move(state)) {}
Tee::~Tee() = default;

Result<std::unique_ptr<Tee>> Tee::create(const TeeConfig& config) { return create(config, {}); }

Result<std::unique_ptr<Tee>> Tee::create(const TeeConfig& config, std::vector<TeePool> pools) {
  auto state = std::make_unique<State>();
  state->config = config;
  state->pools = std::move(pools);
  return std::unique_ptr<Tee>(new Tee(std::move(state)));
}

void Tee::forward(std::span<const std::uint8_t> /*datagram*/, const IpAddress& /*source*/,
                  std::uint16_t /*source_port*/) {}
void Tee::forward(std::span<const std::byte> /*datagram*/, const IpAddress& /*source*/, std::uint16_t /*source_port*/) {
}
std::vector<TeeReceiverCounters> Tee::counters() const { return {}; }
const TeeConfig& Tee::config() const { return state_->config; }
const std::vector<TeePool>& Tee::pools() const { return state_->pools; }
Status Tee::reload() { return {}; }

}  // namespace flowlab::collector
