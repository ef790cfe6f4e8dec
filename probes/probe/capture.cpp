#include "probes/probe/capture.hpp"

#include <net/if.h>
#include <pcap/pcap.h>

namespace flowlab::probe {

Result<std::unique_ptr<Capture>> Capture::open_live(const std::string& interface, const ProbeOptions& options,
                                                    Direction direction) {
  std::unique_ptr<Capture> c(new Capture());
  c->name_ = interface;
  c->live_ = true;
  char err[PCAP_ERRBUF_SIZE] = {};
  c->handle_ = pcap_create(interface.c_str(), err);
  if (c->handle_ == nullptr) {
    return fail(ErrorKind::kPcap, "opening interface " + interface + ": " + err);
  }
  const std::string what = "configuring capture on " + interface + ": ";
  if (pcap_set_snaplen(c->handle_, options.snaplen) != 0 || pcap_set_promisc(c->handle_, 1) != 0 ||
      pcap_set_immediate_mode(c->handle_, 1) != 0 ||
      pcap_set_buffer_size(c->handle_, static_cast<int>(std::min<std::size_t>(options.buffer_size, 1U << 30U))) != 0 ||
      pcap_set_timeout(c->handle_, 100) != 0 ||
      pcap_set_tstamp_precision(c->handle_, PCAP_TSTAMP_PRECISION_MICRO) != 0) {
    return fail(ErrorKind::kPcap, what + pcap_geterr(c->handle_));
  }
  if (const int rc = pcap_activate(c->handle_); rc < 0) {
    return fail(ErrorKind::kPcap,
                "activating capture on " + interface + ": " + pcap_statustostr(rc) + " " + pcap_geterr(c->handle_));
  }
  const auto link = meter::link_type_from_dlt(pcap_datalink(c->handle_));
  if (!link) {
    return fail(ErrorKind::kPcap,
                "interface " + interface + ": unsupported link type " + std::to_string(pcap_datalink(c->handle_)));
  }
  c->link_ = *link;
  if (direction != Direction::kBoth) {
    if (pcap_setdirection(c->handle_, direction == Direction::kIn ? PCAP_D_IN : PCAP_D_OUT) != 0) {
      return fail(ErrorKind::kPcap, what + "direction: " + pcap_geterr(c->handle_));
    }
  }
  c->egress_ = direction == Direction::kOut;
  FLOWLAB_TRY(c->set_filter(options.filter, options));
  if (pcap_setnonblock(c->handle_, 1, err) != 0) {
    return fail(ErrorKind::kPcap, what + "non-blocking: " + err);
  }
  c->fd_ = pcap_get_selectable_fd(c->handle_);
  const auto override_it = options.ifindex_overrides.find(interface);
  c->ifindex_ =
      override_it != options.ifindex_overrides.end() ? override_it->second : if_nametoindex(interface.c_str());
  return c;
}

Result<std::unique_ptr<Capture>> Capture::open_file(const std::string& path, const ProbeOptions& options) {
  std::unique_ptr<Capture> c(new Capture());
  c->name_ = path;
  c->ifindex_ = options.offline_ifindex;
  if (options.filter.empty()) {
    auto file = PcapFile::open(path);
    if (!file) {
      return fail(file.error());
    }
    if (*file != nullptr) {
      const auto link = meter::link_type_from_dlt((*file)->link_type());
      if (!link) {
        return fail(ErrorKind::kPcap, path + ": unsupported link type " + std::to_string((*file)->link_type()));
      }
      c->link_ = *link;
      c->file_ = std::move(*file);
      return c;
    }
  }
  char err[PCAP_ERRBUF_SIZE] = {};
  c->handle_ = pcap_open_offline_with_tstamp_precision(path.c_str(), PCAP_TSTAMP_PRECISION_MICRO, err);
  if (c->handle_ == nullptr) {
    return fail(ErrorKind::kPcap, "reading " + path + ": " + err);
  }
  const auto link = meter::link_type_from_dlt(pcap_datalink(c->handle_));
  if (!link) {
    return fail(ErrorKind::kPcap, path + ": unsupported link type " + std::to_string(pcap_datalink(c->handle_)));
  }
  c->link_ = *link;
  FLOWLAB_TRY(c->set_filter(options.filter, options));
  c->ifindex_ = options.offline_ifindex;
  return c;
}

Status Capture::set_filter(const std::string& filter, const ProbeOptions& options) {
  (void)options;
  if (filter.empty()) {
    return {};
  }
  bpf_program program{};
  if (pcap_compile(handle_, &program, filter.c_str(), 1, PCAP_NETMASK_UNKNOWN) != 0) {
    return fail(ErrorKind::kUsage, "BPF filter '" + filter + "' on " + name_ + ": " + pcap_geterr(handle_));
  }
  const int rc = pcap_setfilter(handle_, &program);
  pcap_freecode(&program);
  if (rc != 0) {
    return fail(ErrorKind::kPcap, "installing BPF filter on " + name_ + ": " + pcap_geterr(handle_));
  }
  return {};
}

Capture::~Capture() {
  if (handle_ != nullptr) {
    pcap_close(handle_);
  }
}

int Capture::next(PcapRecord& packet) {
  if (file_) {
    const int rc = file_->next(packet);
    return rc == 0 ? PCAP_ERROR_BREAK : rc;
  }
  pcap_pkthdr* h = nullptr;
  const u_char* d = nullptr;
  const int rc = pcap_next_ex(handle_, &h, &d);
  if (rc == 1) {
    packet.ts_us = static_cast<std::uint64_t>(h->ts.tv_sec) * 1000000U + static_cast<std::uint64_t>(h->ts.tv_usec);
    packet.caplen = h->caplen;
    packet.len = h->len;
    packet.data = Bytes(reinterpret_cast<const std::byte*>(d), h->caplen);
  }
  return rc;
}

std::string Capture::error() const { return file_ ? file_->error() : std::string(pcap_geterr(handle_)); }

CaptureStats Capture::stats() {
  if (!live_) {
    return totals_;
  }
  pcap_stat s{};
  if (pcap_stats(handle_, &s) == 0) {
    totals_.received += static_cast<std::uint32_t>(s.ps_recv - last_recv_);
    totals_.kernel_drops += static_cast<std::uint32_t>(s.ps_drop - last_drop_);
    totals_.interface_drops += static_cast<std::uint32_t>(s.ps_ifdrop - last_ifdrop_);
    last_recv_ = s.ps_recv;
    last_drop_ = s.ps_drop;
    last_ifdrop_ = s.ps_ifdrop;
  }
  return totals_;
}

}  // namespace flowlab::probe
