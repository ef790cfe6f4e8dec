// flowlab::scenario — the typed model of a scenario file (DESIGN.md section 5): a topology, named traffic
// streams, and a timeline of steps (converge, send, expect, faults, waits).
//
// The loader (loader.hpp) parses YAML into this model and validates every reference against the loaded,
// fully derived topology, so everything here is resolved: stream addresses are concrete, `send: all` lists
// every stream, an `expect` names its collector, and default steps are filled in when the file gives none.
// The runner (labctl/scenario/runner.*) executes `steps` in order; the oracle and verify read the streams and
// the expectations. Problems are reported like the topology loader's: `file:line:col: error: ...`, all at once.
#pragma once

#include "common/enum_names.hpp"
#include "common/ip.hpp"
#include "model/kinds.hpp"
#include "model/model.hpp"

#include <chrono>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

namespace flowlab::scenario {

using flowlab::Diagnostic;
using flowlab::Mark;

// ---------------------------------------------------------------------------------------------------------------
// Traffic

enum class Proto : std::uint8_t { kUdp, kTcp, kIcmp };  // kIcmp is ICMP or ICMPv6 by the stream's family
inline constexpr EnumName<Proto> kProtoNames[] = {{"udp", Proto::kUdp}, {"tcp", Proto::kTcp}, {"icmp", Proto::kIcmp}};
inline constexpr EnumName<Family> kFamilyNames[] = {{"ipv4", Family::kIpv4}, {"ipv6", Family::kIpv6}};

[[nodiscard]] std::string_view proto_name(Proto proto);                     // "udp", "tcp", "icmp"
[[nodiscard]] std::uint8_t ip_protocol_number(Proto proto, Family family);  // 17, 6, 1 / 58

// One named stream, sent by flowgen from a host. Packet sizes are IP total lengths (layer 3, header included),
// the same bytes a flow record counts.
struct Stream {
  std::string name;
  std::string from;     // a host node
  std::string to;       // as written: a node name or an address
  std::string to_node;  // the node owning the destination address ("" when it is only inside an announced prefix)
  IpAddress src;        // resolved: the sending host's address of `family`
  IpAddress dst;        // resolved: the address itself, or the destination node's address of `family`
  Family family = Family::kIpv4;
  Proto proto = Proto::kUdp;
  std::uint16_t sport = 0;    // udp/tcp; default kDefaultSportBase + index of the stream
  std::uint16_t dport = 0;    // udp/tcp; default kDefaultDport
  std::uint64_t packets = 0;  // >= 1, required
  std::uint32_t size = 0;     // IP total length, IP + L4 header <= size <= the sender's link MTU
  std::uint32_t pps = 0;      // packets per second
  std::uint8_t tos = 0;
  Mark mark;  // the stream's name in the file

  [[nodiscard]] std::uint64_t bytes() const { return packets * size; }  // layer-3 bytes a flow record should count
};

inline constexpr std::uint16_t kDefaultSportBase = 40000;
inline constexpr std::uint16_t kDefaultDport = 9000;
inline constexpr std::uint32_t kDefaultSize = 512;
inline constexpr std::uint32_t kDefaultPps = 1000;

// ---------------------------------------------------------------------------------------------------------------
// Expectations: enrichment fields of DESIGN.md section 6 (pmacct's names)

enum class Field : std::uint8_t {
  kAsDst,
  kAsPath,
  kPeerAsDst,
  kPeerIpDst,
  kAsSrc,
  kSrcAsPath,
  kPeerAsSrc,
  kPeerIpSrc,
  kNetSrc,
  kNetDst,
  kMaskSrc,
  kMaskDst,
  kComms,
  kLcomms,
  kLocalPref,
  kMed,
  kIfaceIn,
  kIfaceOut,
};

// What kind of value a field holds (and so what an explicit expectation must look like).
enum class FieldType : std::uint8_t {
  kAsn,               // integer 0..4294967295 (0 = none / local)
  kAsPath,            // list of ASNs, or "_"-joined string; [] / "" = empty path
  kAddress,           // IP address; 0 = none (pmacct prints 0)
  kPrefix,            // prefix
  kMask,              // 0..128
  kUint32,            // local_pref, med
  kCommunities,       // list of "asn:value" (or one space-separated string)
  kLargeCommunities,  // list of "a:b:c"
  kInterface,         // interface name at the observation point
};

struct FieldInfo {
  Field field;
  std::string_view name;  // "as_dst", "as_path", ... (DESIGN.md section 6)
  FieldType type;
  bool bgp = true;  // derived from the collector's BGP view (false: from the record itself)
};

[[nodiscard]] std::span<const FieldInfo> all_fields();
[[nodiscard]] const FieldInfo& field_info(Field field);
[[nodiscard]] std::string_view field_name(Field field);
[[nodiscard]] std::optional<Field> field_from_name(std::string_view name);

// An explicit expected value. Exactly one alternative is meaningful per FieldType:
//   kAsn, kMask, kUint32 -> number;  kAsPath -> as_path;  kAddress -> address (unset = 0 / none);
//   kPrefix -> prefix;  kCommunities, kLargeCommunities -> communities;  kInterface -> text.
struct FieldValue {
  FieldType type = FieldType::kAsn;
  std::uint32_t number = 0;
  std::vector<std::uint32_t> as_path;
  IpAddress address;
  Prefix prefix;
  std::vector<std::string> communities;
  std::string text;

  // pmacct's rendering: "64520_64510", "192.0.2.1", "0", "64510:100 64510:200", "eth1".
  [[nodiscard]] std::string to_string() const;
  bool operator==(const FieldValue&) const = default;
};

struct FieldExpectation {
  Field field = Field::kAsDst;
  std::optional<FieldValue> expected;  // explicit value (a fourth source); nullopt: oracle/router/collector agree
  Mark mark;
};

enum class FieldsMode : std::uint8_t {
  kAuto,        // every field the oracle predicts, at every observation point (plus any explicit values)
  kListed,      // only the listed fields (each with or without an explicit value)
  kUnenriched,  // the collector has no BGP view for these records: every BGP field must be empty / 0
};
inline constexpr EnumName<FieldsMode> kFieldsModeNames[] = {
    {"auto", FieldsMode::kAuto}, {"listed", FieldsMode::kListed}, {"unenriched", FieldsMode::kUnenriched}};

enum class CounterCheck : std::uint8_t {
  kExact,    // packets and bytes exactly as sent (sampling 1)
  kSampled,  // renormalized counters within the oracle's sampling bound
  kNone,     // counters not asserted
};
inline constexpr EnumName<CounterCheck> kCounterCheckNames[] = {
    {"exact", CounterCheck::kExact}, {"sampled", CounterCheck::kSampled}, {"none", CounterCheck::kNone}};
[[nodiscard]] std::string_view counter_check_name(CounterCheck check);  // "exact", "sampled", "none"

// Restricts an expectation to one observation point: a probed interface ("r1:eth3": a probe captures on it or
// mirrors it) or a probe node ("p1").
struct ObservationPoint {
  std::string node;
  std::string interface;  // "" = every point of that probe node
  Mark mark;
};

// ---------------------------------------------------------------------------------------------------------------
// Steps

inline constexpr std::chrono::milliseconds kDefaultConvergeTimeout{60'000};

struct ConvergeStep {
  std::chrono::milliseconds timeout = kDefaultConvergeTimeout;
};

struct SendStep {
  std::vector<std::string> streams;  // resolved: `all` lists every stream in file order
  bool all = false;                  // written as `all`
};

// Where an expect step reads the collector's records: its live aggregate, or the store it inserts into (`store:`).
enum class RecordSource : std::uint8_t { kLive, kStore };
inline constexpr EnumName<RecordSource> kRecordSourceNames[] = {{"live", RecordSource::kLive},
                                                                {"store", RecordSource::kStore}};

struct ExpectStep {
  std::vector<std::string> streams;  // resolved, as for SendStep
  bool all = false;
  std::string at;  // collector node (default: the topology's only collector)
  FieldsMode mode = FieldsMode::kAuto;
  std::vector<FieldExpectation> fields;          // kListed: the fields; kAuto: explicit values on top of auto
  CounterCheck counters = CounterCheck::kExact;  // default: exact unless a probe exporting to `at` samples
  std::optional<ObservationPoint> point;
  // Fields whose collector value is expected to differ from the oracle's truth (a known limit of the method,
  // e.g. peer_as_src by `bgp` under asymmetric routing): the check passes when the collector matches the
  // oracle's prediction for the method, and the divergence is reported as flagged, not as a failure.
  std::vector<Field> diverging;
  RecordSource from = RecordSource::kLive;  // `from: store`: the rows the collector's store holds
};

enum class LinkAction : std::uint8_t { kDown, kUp };
inline constexpr EnumName<LinkAction> kLinkActionNames[] = {{"down", LinkAction::kDown}, {"up", LinkAction::kUp}};

struct LinkStep {
  LinkAction action = LinkAction::kDown;
  topology::Endpoint endpoint;  // a data-plane interface; the whole link (both ends) goes down/up
};

struct BgpStep {
  LinkAction action = LinkAction::kDown;
  std::string node;      // a router
  std::string neighbor;  // a router or collector it has a session with (every family goes down/up)
};

struct BmpStep {  // the router drops / re-opens its BMP session with a collector's station (FRR: `bmp targets`)
  LinkAction action = LinkAction::kDown;
  std::string node;     // a router that lists the collector's station (the collector's `bmp:` names it)
  std::string station;  // the collector
};

struct AnnounceStep {  // the router starts originating the prefix
  std::string node;
  Prefix prefix;
};

struct WithdrawStep {  // the router stops originating the prefix
  std::string node;
  Prefix prefix;
};

struct RestartStep {  // stop and start a router, probe node or collector; its sessions re-establish
  std::string node;
};

struct WaitStep {  // a plain sleep: only where nothing can be polled
  std::chrono::milliseconds duration{0};
};

struct CollectStep {};  // force the probes to flush their caches and the collectors to publish

using StepAction = std::variant<ConvergeStep, SendStep, ExpectStep, LinkStep, BgpStep, BmpStep, AnnounceStep,
                                WithdrawStep, RestartStep, WaitStep, CollectStep>;

struct Step {
  StepAction action;
  Mark mark;  // the step's key in the file (0:0 for default steps)

  [[nodiscard]] std::string_view kind() const;  // "converge", "send", "expect", "link", ...
  // One line for logs and reports: "expect out4 at c1 point r1:eth3 (fields auto, counters exact)",
  // "link down r1:eth1", "bgp up r1 -- c1", "wait 2s".
  [[nodiscard]] std::string summary() const;
};

// ---------------------------------------------------------------------------------------------------------------
// Time steps

inline constexpr std::chrono::milliseconds kMinCollectInterval{1000};

// `collect: {interval: 5s, at: c1}`: while the run goes on, the collector's aggregate is read every `interval` (and
// at every fault step), and each time step's traffic goes into the run directory (steps.json) and report.html's
// time slider. No `collect:` key: no time steps.
struct CollectOptions {
  std::chrono::milliseconds interval{0};
  std::string at;  // resolved: the collector (default: the topology's only or first collector)
  Mark mark;
};

// ---------------------------------------------------------------------------------------------------------------
// Scenario

struct Scenario {
  std::string name;  // `name:` or the file stem
  std::string description;
  std::string source_file;      // as given to the loader ("" when built in code)
  std::string topology_file;    // resolved path of `topology:` ("" when inline)
  topology::Topology topology;  // loaded and derived; topology.name is the lab name in effect
  topology::KindChoice kinds;   // `kinds:` merged with the run's --collector/--probe (applied to `topology`)
  std::vector<Stream> traffic;  // in file order
  std::vector<Step> steps;
  std::optional<CollectOptions> collect;  // time steps (`collect:`), nullopt: none
  bool default_steps = false;             // steps were not given: converge, send all, expect all with fields auto

  [[nodiscard]] const Stream* find_stream(std::string_view stream_name) const;
  [[nodiscard]] const std::string& lab_name() const { return topology.name; }
};

// The topology as the steps before `step_index` leave it (step_index = steps.size(): after the last step), for
// predicting the lab at that point of the timeline (build the oracle from it): links taken down are gone (the
// link, both interfaces, the sessions over it, and the interface from probes' lists and mirrors), BGP sessions
// taken down are gone (every family, router-router or router-collector), and announce / withdraw steps have
// changed the routers' `announce` lists. Links and sessions brought back up are present again. Link indices are
// renumbered; nothing else is re-derived (addresses stay as deployed).
[[nodiscard]] topology::Topology topology_at(const Scenario& scenario, std::size_t step_index);

// Renames the lab (topology.name and every node's namespace), e.g. a unique name per test so labs run side by
// side. Returns an error message when the name is not a valid lab name (^[a-z][a-z0-9-]{0,15}$).
[[nodiscard]] std::optional<std::string> set_lab_name(Scenario& scenario, const std::string& lab_name);

}  // namespace flowlab::scenario
