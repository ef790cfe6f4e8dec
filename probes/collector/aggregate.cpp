#include "probes/collector/aggregate.hpp"
