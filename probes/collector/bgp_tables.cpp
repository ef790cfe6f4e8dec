#include "probes/collector/bgp_tables.hpp"
