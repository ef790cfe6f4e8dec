// flowlab::oracle JSON — one printer for `labctl oracle --json`, the verifier and the run directory.
#pragma once

#include "labctl/oracle/oracle.hpp"

#include <nlohmann/json.hpp>

namespace flowlab::oracle {

nlohmann::json to_json(const Route& route);
nlohmann::json to_json(const RibEntry& entry);  // prefix, best (a route), candidates, ambiguous, reason, multipath
nlohmann::json to_json(const Hop& hop);
nlohmann::json to_json(const Walk& walk);
nlohmann::json to_json(const Observation& observation);  // the formatted fields plus probe, ambiguity
nlohmann::json to_json(const Oracle::StreamPrediction& prediction);

}  // namespace flowlab::oracle
