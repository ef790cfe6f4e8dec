// detail: compiled v9/IPFIX templates and the per-exporter state (templates, sampler rates, system init time).
//
// A template is compiled once, when it arrives: every field gets a FieldAction saying where its value goes, so
// decoding a data record is one pass over the fields with no IE lookups. The cache is keyed by
// (exporter address, exporter port or 0, version, source id / observation domain); each source holds its
// templates by id (data and options templates share the id space, RFC 3954 section 5.1 / RFC 7011 section 3.4.1).
#pragma once

#include "common/ip.hpp"
#include "probes/wire/ie_table.hpp"

#include <array>
#include <cstddef>
#include <cstdint>
#include <unordered_map>
#include <vector>

namespace flowlab::wire::detail {

// Where a fixed-length template keeps the value for one action: the direct decoding path reads the record
// through these slots in a fixed order, with no per-field dispatch (length 0 = absent).
struct Slot {
  std::uint16_t offset = 0;
  std::uint16_t length = 0;
};

inline constexpr std::uint16_t kVariableLength = 0xffff;

struct TemplateField {
  std::uint16_t ie = 0;
  std::uint16_t length = 0;  // kVariableLength: RFC 7011 section 7
  std::uint32_t enterprise = 0;
  FieldAction action = FieldAction::kSkip;
  bool operator==(const TemplateField&) const = default;
};

struct Template {
  std::uint16_t id = 0;
  bool options = false;
  std::uint16_t scope_count = 0;
  std::vector<TemplateField> fields;
  std::size_t min_record_length = 0;  // fixed fields + 1 byte per variable-length field
  bool variable = false;              // has a variable-length field
  std::uint64_t announced_ms = 0;
  bool bad_length_field = false;  // some known IE had a length it cannot have (counted once per template)
  // Direct path: fixed-length record, each action at most once. Enterprise fields are counted per record.
  bool direct = false;
  std::uint16_t enterprise_fields = 0;
  std::array<Slot, kFieldActionCount> slots{};

  // Fills slots and direct (after fields, min_record_length and variable are set).
  void compile() {
    direct = !variable;
    enterprise_fields = 0;
    slots = {};
    std::size_t offset = 0;
    for (const auto& f : fields) {
      if (f.action == FieldAction::kEnterprise) {
        ++enterprise_fields;
      } else if (f.action != FieldAction::kSkip) {
        Slot& s = slots[static_cast<std::size_t>(f.action)];
        if (s.length != 0 || offset > 0xffff) {
          direct = false;  // the same action twice: the generic path keeps the last, as the exporter meant
        }
        s = Slot{static_cast<std::uint16_t>(offset), f.length};
      }
      offset += f.length;
    }
  }

  [[nodiscard]] bool same_layout(const Template& o) const {
    return options == o.options && scope_count == o.scope_count && fields == o.fields;
  }
};

struct SourceKey {
  IpAddress exporter;
  std::uint16_t port = 0;
  std::uint8_t version = 0;
  std::uint32_t domain = 0;
  bool operator==(const SourceKey&) const = default;
};

struct SourceKeyHash {
  std::size_t operator()(const SourceKey& k) const noexcept {
    std::size_t h = std::hash<IpAddress>{}(k.exporter);
    h = h * 31 + k.port;
    h = h * 31 + k.version;
    h = h * 1000003 + k.domain;
    return h;
  }
};

struct SourceState {
  std::unordered_map<std::uint16_t, Template> templates;
  std::unordered_map<std::uint64_t, std::uint32_t> sampler_rates;  // sampler / selector id -> 1:N
  std::uint32_t default_rate = 0;                                  // from options data without a sampler id
  std::uint64_t system_init_ms = 0;                                // IE 160 from options data (0 = unknown)
};

// Maps (IE, length) to what decoding does with it; kSkip (and bad_length = true) when the length cannot be right.
FieldAction action_for(std::uint16_t ie, std::uint16_t length, bool& bad_length);

}  // namespace flowlab::wire::detail
