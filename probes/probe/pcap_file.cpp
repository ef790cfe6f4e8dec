#include "probes/probe/pcap_file.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <array>
#include <bit>
#include <cerrno>
#include <cstring>

namespace flowlab::probe {
namespace {

constexpr std::uint32_t kMagicMicro = 0xa1b2c3d4U;
constexpr std::uint32_t kMagicNano = 0xa1b23c4dU;
constexpr std::uint32_t kMaxCaplen = 256U * 1024U;
constexpr std::size_t kBufferBytes = 1U << 19U;  // > kMaxCaplen + record header; stays in L2

std::uint32_t bswap(std::uint32_t v) { return __builtin_bswap32(v); }

}  // namespace

Result<std::unique_ptr<PcapFile>> PcapFile::open(const std::string& path) {
  std::unique_ptr<PcapFile> f(new PcapFile());
  f->fd_.reset(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
  if (!f->fd_) {
    return fail(ErrorKind::kIo, "reading " + path + ": " + std::strerror(errno));
  }
  (void)::posix_fadvise(f->fd_.get(), 0, 0, POSIX_FADV_SEQUENTIAL);
  f->memory_ = meter::PageMemory(kBufferBytes);
  f->base_ = static_cast<std::byte*>(f->memory_.data());
  f->buf_ = Bytes(f->base_, kBufferBytes);
  if (!f->fill(24) || f->end_ < 24) {
    return std::unique_ptr<PcapFile>();  // unreadable or too short here: let libpcap report it
  }
  Reader header(f->buf_.first(24));
  const std::uint32_t magic = header.u32();
  if (magic == kMagicMicro || magic == kMagicNano) {
    f->swapped_ = false;
  } else if (bswap(magic) == kMagicMicro || bswap(magic) == kMagicNano) {
    f->swapped_ = true;
  } else {
    return std::unique_ptr<PcapFile>();  // pcapng or not a capture: libpcap reports it
  }
  f->nanosecond_ = magic == kMagicNano || bswap(magic) == kMagicNano;
  header.skip(16);  // version, thiszone, sigfigs, snaplen
  const std::uint32_t link = header.u32();
  f->link_type_ = static_cast<int>((f->swapped_ ? bswap(link) : link) & 0x0fffffffU);
  f->begin_ = 24;
  return f;
}

PcapFile::~PcapFile() = default;

bool PcapFile::fill(std::size_t n) {
  if (end_ - begin_ >= n || eof_) {
    return true;
  }
  // Slide the unread tail to the front, then read until n bytes are there (or the file ends).
  std::memmove(base_, base_ + begin_, end_ - begin_);
  end_ -= begin_;
  begin_ = 0;
  while (end_ < n && !eof_) {
    const ssize_t got = ::read(fd_.get(), base_ + end_, buf_.size() - end_);
    if (got < 0) {
      if (errno == EINTR) {
        continue;
      }
      error_ = std::string("read: ") + std::strerror(errno);
      return false;
    }
    if (got == 0) {
      eof_ = true;
    }
    end_ += static_cast<std::size_t>(got);
  }
  return true;
}

int PcapFile::next(PcapRecord& out) {
  if (end_ - begin_ < 16 && !fill(16)) {  // the check inline: fill() is the rare slow path
    return -1;
  }
  if (end_ - begin_ < 16) {
    return 0;  // end, or a truncated last record header (libpcap: EOF too)
  }
  // Record fields are in the writer's byte order (swapped_: little-endian file). The 16 bytes are in the buffer
  // (checked above): one copy of four host-order words, swapped when the file's order is not the host's.
  const Bytes header = buf_.subspan(begin_, 16);
  std::array<std::uint32_t, 4> f{};
  std::memcpy(f.data(), header.data(), header.size());
  if (swapped_ != (std::endian::native == std::endian::little)) {
    for (auto& v : f) {
      v = bswap(v);
    }
  }
  const std::uint32_t sec = f[0];
  const std::uint32_t frac = f[1];
  out.caplen = f[2];
  out.len = f[3];
  if (out.caplen > kMaxCaplen) {
    error_ = "record claims " + std::to_string(out.caplen) + " captured bytes";
    return -1;
  }
  if (end_ - begin_ < 16U + out.caplen && !fill(16U + out.caplen)) {
    return -1;
  }
  if (end_ - begin_ < 16U + out.caplen) {
    return 0;  // truncated last record
  }
  out.data = buf_.subspan(begin_ + 16, out.caplen);
  out.ts_us = static_cast<std::uint64_t>(sec) * 1000000U + (nanosecond_ ? frac / 1000U : frac);
  begin_ += 16U + out.caplen;
  return 1;
}

}  // namespace flowlab::probe
