#include "probes/collector/enrich.hpp"
