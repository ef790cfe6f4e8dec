// Information element numbers (IANA IPFIX registry, RFC 7012; the same numbers as NetFlow v9 field types, RFC 3954
// section 8) that flowlab reads or writes.
#pragma once

#include <cstdint>

namespace flowlab::wire::ie {

inline constexpr std::uint16_t kOctetDeltaCount = 1;
inline constexpr std::uint16_t kPacketDeltaCount = 2;
inline constexpr std::uint16_t kProtocolIdentifier = 4;
inline constexpr std::uint16_t kIpClassOfService = 5;
inline constexpr std::uint16_t kTcpControlBits = 6;
inline constexpr std::uint16_t kSourceTransportPort = 7;
inline constexpr std::uint16_t kSourceIpv4Address = 8;
inline constexpr std::uint16_t kSourceIpv4PrefixLength = 9;
inline constexpr std::uint16_t kIngressInterface = 10;
inline constexpr std::uint16_t kDestinationTransportPort = 11;
inline constexpr std::uint16_t kDestinationIpv4Address = 12;
inline constexpr std::uint16_t kDestinationIpv4PrefixLength = 13;
inline constexpr std::uint16_t kEgressInterface = 14;
inline constexpr std::uint16_t kIpNextHopIpv4Address = 15;
inline constexpr std::uint16_t kBgpSourceAsNumber = 16;
inline constexpr std::uint16_t kBgpDestinationAsNumber = 17;
inline constexpr std::uint16_t kBgpNextHopIpv4Address = 18;
inline constexpr std::uint16_t kFlowEndSysUpTime = 21;
inline constexpr std::uint16_t kFlowStartSysUpTime = 22;
inline constexpr std::uint16_t kPostOctetDeltaCount = 23;
inline constexpr std::uint16_t kPostPacketDeltaCount = 24;
inline constexpr std::uint16_t kSourceIpv6Address = 27;
inline constexpr std::uint16_t kDestinationIpv6Address = 28;
inline constexpr std::uint16_t kSourceIpv6PrefixLength = 29;
inline constexpr std::uint16_t kDestinationIpv6PrefixLength = 30;
inline constexpr std::uint16_t kIcmpTypeCodeIpv4 = 32;
inline constexpr std::uint16_t kSamplingInterval = 34;
inline constexpr std::uint16_t kSamplingAlgorithm = 35;
inline constexpr std::uint16_t kSamplerId = 48;
inline constexpr std::uint16_t kSamplerMode = 49;
inline constexpr std::uint16_t kSamplerRandomInterval = 50;
inline constexpr std::uint16_t kVlanId = 58;
inline constexpr std::uint16_t kFlowDirection = 61;  // 0 ingress, 1 egress (RFC 7012: the observation's direction)
inline constexpr std::uint16_t kIpNextHopIpv6Address = 62;
inline constexpr std::uint16_t kBgpNextHopIpv6Address = 63;
inline constexpr std::uint16_t kOctetTotalCount = 85;
inline constexpr std::uint16_t kPacketTotalCount = 86;
inline constexpr std::uint16_t kBgpNextAdjacentAsNumber = 128;
inline constexpr std::uint16_t kBgpPrevAdjacentAsNumber = 129;
inline constexpr std::uint16_t kFlowEndReason = 136;
inline constexpr std::uint16_t kIcmpTypeCodeIpv6 = 139;
inline constexpr std::uint16_t kObservationDomainId = 149;
inline constexpr std::uint16_t kFlowStartSeconds = 150;
inline constexpr std::uint16_t kFlowEndSeconds = 151;
inline constexpr std::uint16_t kFlowStartMilliseconds = 152;
inline constexpr std::uint16_t kFlowEndMilliseconds = 153;
inline constexpr std::uint16_t kFlowStartMicroseconds = 154;
inline constexpr std::uint16_t kFlowEndMicroseconds = 155;
inline constexpr std::uint16_t kFlowStartNanoseconds = 156;
inline constexpr std::uint16_t kFlowEndNanoseconds = 157;
inline constexpr std::uint16_t kFlowStartDeltaMicroseconds = 158;
inline constexpr std::uint16_t kFlowEndDeltaMicroseconds = 159;
inline constexpr std::uint16_t kSystemInitTimeMilliseconds = 160;
inline constexpr std::uint16_t kIcmpTypeIpv4 = 176;
inline constexpr std::uint16_t kIcmpCodeIpv4 = 177;
inline constexpr std::uint16_t kIcmpTypeIpv6 = 178;
inline constexpr std::uint16_t kIcmpCodeIpv6 = 179;
inline constexpr std::uint16_t kDot1qVlanId = 243;
inline constexpr std::uint16_t kSelectorId = 302;
inline constexpr std::uint16_t kSelectorAlgorithm = 304;
inline constexpr std::uint16_t kSamplingPacketInterval = 305;
inline constexpr std::uint16_t kSamplingPacketSpace = 306;

// v9 options scope field types (RFC 3954 section 6.1).
inline constexpr std::uint16_t kV9ScopeSystem = 1;

}  // namespace flowlab::wire::ie
