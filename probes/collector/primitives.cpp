#include "probes/collector/primitives.hpp"
