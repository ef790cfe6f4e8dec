#include "probes/collector/agent_map.hpp"
