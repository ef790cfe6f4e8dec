#include "probes/collector/peer_src_map.hpp"
