// flowlab::probe::Capture — one libpcap handle: a live interface (immediate mode, large kernel buffer, optional
// BPF filter and direction, non-blocking, pollable) or a capture file (microsecond timestamps). It knows its link
// type and the ifindex its packets are metered with. Capture files without a BPF filter are read through the
// memory-mapped PcapFile when they are classic pcap (libpcap otherwise).
#pragma once

#include "common/result.hpp"
#include "probes/meter/packet.hpp"
#include "probes/probe/options.hpp"
#include "probes/probe/pcap_file.hpp"

#include <cstdint>
#include <memory>
#include <string>

struct pcap;

namespace flowlab::probe {

struct CaptureStats {
  std::uint64_t received = 0;         // pcap_stats ps_recv
  std::uint64_t kernel_drops = 0;     // ps_drop: no room in the buffer
  std::uint64_t interface_drops = 0;  // ps_ifdrop
};

class Capture {
 public:
  // Live capture of the packets `direction` says (kBoth: both directions in one handle, metered as arriving; the
  // probe opens an kIn and a kOut handle instead so that each packet's direction is known).
  static Result<std::unique_ptr<Capture>> open_live(const std::string& interface, const ProbeOptions& options,
                                                    Direction direction);
  static Result<std::unique_ptr<Capture>> open_file(const std::string& path, const ProbeOptions& options);
  ~Capture();
  Capture(const Capture&) = delete;
  Capture& operator=(const Capture&) = delete;

  // Next packet: 1 = got one, 0 = none ready (live), -2 = end of file, -1 = error (see error()).
  int next(PcapRecord& packet);
  // File descriptor to poll (live), -1 for files.
  [[nodiscard]] int selectable_fd() const { return fd_; }
  [[nodiscard]] meter::LinkType link_type() const { return link_; }
  [[nodiscard]] std::uint32_t ifindex() const { return ifindex_; }
  // Packets are metered leaving the interface (a kOut capture): ifindex() is their output interface.
  [[nodiscard]] bool egress() const { return egress_; }
  [[nodiscard]] const std::string& name() const { return name_; }
  [[nodiscard]] bool live() const { return live_; }
  [[nodiscard]] std::string error() const;
  // Kernel counters (live); zeros for files. pcap's counters are 32-bit on Linux: wraps are accumulated.
  CaptureStats stats();

 private:
  Capture() = default;
  Status set_filter(const std::string& filter, const ProbeOptions& options);

  pcap* handle_ = nullptr;
  std::unique_ptr<PcapFile> file_;  // offline without a filter: the mmap reader instead of libpcap
  std::string file_error_;
  meter::LinkType link_ = meter::LinkType::kEthernet;
  std::uint32_t ifindex_ = 0;
  std::string name_;
  bool live_ = false;
  bool egress_ = false;
  int fd_ = -1;
  std::uint32_t last_recv_ = 0;
  std::uint32_t last_drop_ = 0;
  std::uint32_t last_ifdrop_ = 0;
  CaptureStats totals_;
};

}  // namespace flowlab::probe
