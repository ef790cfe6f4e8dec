// flowlab::meter packet parsing is flowlab::packet (probes/packet/packet.hpp), the one packet-header parser the
// meter, the sFlow decoder and flowgen's sink share. These names keep the meter's callers as they were.
#pragma once

#include "probes/packet/packet.hpp"

namespace flowlab::meter {

using packet::link_type_from_dlt;
using packet::LinkType;
using packet::parse_frame;
using packet::parse_ip;
using packet::ParsedPacket;
using packet::ParseStatus;

using packet::kProtoIcmp;
using packet::kProtoIcmpv6;
using packet::kProtoSctp;
using packet::kProtoTcp;
using packet::kProtoUdp;
using packet::kProtoUdpLite;
using packet::kTcpFin;
using packet::kTcpRst;
using packet::kTcpSyn;

}  // namespace flowlab::meter
