// libFuzzer target: the probe's pcap file reader (PcapFile, what `flowprobe --read` uses) on the input as a file
// (a memfd), each record then parsed by parse_frame as the probe does. A record never claims more bytes than it
// hands out, and the reader always ends (end of file or an error).
#include "probes/meter/packet.hpp"
#include "probes/probe/pcap_file.hpp"

#include <sys/mman.h>
#include <unistd.h>

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const int fd = ::memfd_create("fuzz_pcap", MFD_CLOEXEC);
  if (fd < 0 || ::write(fd, data, size) != static_cast<ssize_t>(size)) {
    std::abort();
  }
  auto file = flowlab::probe::PcapFile::open("/proc/self/fd/" + std::to_string(fd));
  ::close(fd);
  if (!file.ok() || *file == nullptr) {
    return 0;  // an error, or not classic pcap (libpcap's turn)
  }
  const auto link = flowlab::packet::link_type_from_dlt((*file)->link_type());
  flowlab::probe::PcapRecord record;
  std::size_t records = 0;
  int got = 0;
  while ((got = (*file)->next(record)) == 1) {
    if (record.data.size() != record.caplen || ++records > size) {
      std::abort();  // the record is what its header says; no record comes from nothing
    }
    flowlab::packet::ParsedPacket packet;
    if (link) {
      (void)flowlab::meter::parse_frame(*link, record.data, packet);
    }
  }
  if (got == -1 && (*file)->error().empty()) {
    std::abort();  // a corrupt file says why
  }
  return 0;
}
