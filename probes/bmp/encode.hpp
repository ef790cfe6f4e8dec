// flowlab::bmp encoding — the inverse of parse_message(), for tests, fuzz seeds and replaying a station's view:
// encode(parse_message(x)) == x for messages with canonical embedded BGP PDUs.
#pragma once

#include "probes/bmp/message.hpp"

#include <cstddef>
#include <vector>

namespace flowlab::bmp {

std::vector<std::byte> encode(const Message& message);

}  // namespace flowlab::bmp
