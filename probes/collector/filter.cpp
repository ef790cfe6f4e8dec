#include "probes/collector/filter.hpp"
