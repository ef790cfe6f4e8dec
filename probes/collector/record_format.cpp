#include "probes/collector/record_format.hpp"
