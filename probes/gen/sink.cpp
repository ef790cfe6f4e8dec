#include "probes/gen/sink.hpp"

#include "probes/gen/packet.hpp"

#include <linux/filter.h>
#include <linux/if_ether.h>
#include <linux/if_packet.h>
#include <net/if.h>
#include <netinet/in.h>
#include <pcap/pcap.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <cstring>
#include <ctime>

namespace flowlab::gen {
namespace {

constexpr std::size_t kMaxPacket = 65535 + 40;
constexpr int kDrainBatch = 4096;

std::int64_t clock_ns(clockid_t clock) {
  timespec ts{};
  clock_gettime(clock, &ts);
  return static_cast<std::int64_t>(ts.tv_sec) * 1'000'000'000LL + ts.tv_nsec;
}

std::string errno_text(int err) { return std::strerror(err); }

// The kernel's receive timestamp (SO_TIMESTAMPNS, CLOCK_REALTIME), or the time now when there is none.
std::int64_t arrival_ns(msghdr& msg) {
  for (cmsghdr* c = CMSG_FIRSTHDR(&msg); c != nullptr; c = CMSG_NXTHDR(&msg, c)) {
    if (c->cmsg_level == SOL_SOCKET && c->cmsg_type == SCM_TIMESTAMPNS && c->cmsg_len >= CMSG_LEN(sizeof(timespec))) {
      timespec ts{};
      std::memcpy(&ts, CMSG_DATA(c), sizeof(ts));
      return static_cast<std::int64_t>(ts.tv_sec) * 1'000'000'000LL + ts.tv_nsec;
    }
  }
  return clock_ns(CLOCK_REALTIME);
}

Status attach_filter(int fd, const std::string& expression) {
  pcap_t* dead = pcap_open_dead(DLT_RAW, static_cast<int>(kMaxPacket));
  if (dead == nullptr) {
    return fail(ErrorKind::kPcap, "pcap_open_dead failed");
  }
  bpf_program program{};
  if (pcap_compile(dead, &program, expression.c_str(), 1, PCAP_NETMASK_UNKNOWN) != 0) {
    std::string why = pcap_geterr(dead);
    pcap_close(dead);
    return fail(ErrorKind::kPcap, "compiling the sink filter '" + expression + "': " + why);
  }
  pcap_close(dead);
  // libpcap's bpf_insn and the kernel's sock_filter have the same layout (code, jt, jf, k); copy field by field.
  std::vector<sock_filter> code(program.bf_len);
  for (std::size_t i = 0; i < code.size(); ++i) {
    code[i] =
        sock_filter{program.bf_insns[i].code, program.bf_insns[i].jt, program.bf_insns[i].jf, program.bf_insns[i].k};
  }
  pcap_freecode(&program);
  sock_fprog fprog{};
  fprog.len = static_cast<unsigned short>(code.size());
  fprog.filter = code.data();
  if (::setsockopt(fd, SOL_SOCKET, SO_ATTACH_FILTER, &fprog, sizeof(fprog)) != 0) {
    return fail(ErrorKind::kSocket, "attaching the sink filter: " + errno_text(errno));
  }
  return {};
}

}  // namespace

std::string sink_filter_expression(std::span<const StreamSpec> streams) {
  std::vector<std::string> terms;
  for (const auto& s : streams) {
    const bool v6 = s.family == Family::kIpv6;
    std::string term = std::string("(") + (v6 ? "ip6 and ip6" : "ip and ip") + " proto " +
                       std::to_string(ip_protocol(s.protocol, s.family)) + " and dst host " + s.dst.to_string();
    if (s.src) {
      term += " and src host " + s.src->to_string();
    }
    term += ")";
    if (std::find(terms.begin(), terms.end(), term) == terms.end()) {
      terms.push_back(term);
    }
  }
  std::string out;
  for (const auto& t : terms) {
    out += (out.empty() ? "" : " or ") + t;
  }
  return out;
}

Result<std::unique_ptr<Sink>> Sink::open(std::vector<StreamSpec> streams, SinkOptions options) {
  std::unique_ptr<Sink> sink(new Sink());
  sink->counters_.resize(streams.size());
  sink->streams_ = std::move(streams);
  sink->options_ = std::move(options);
  sink->buffer_.resize(kMaxPacket + 1);
  for (const auto& name : sink->options_.interfaces) {
    const unsigned index = if_nametoindex(name.c_str());
    if (index == 0) {
      return fail(ErrorKind::kUsage, "interface '" + name + "' does not exist in this network namespace");
    }
    sink->allowed_.insert(static_cast<int>(index));
  }
  if (sink->options_.interfaces.empty()) {
    for (const char* name : {"lo", "mgmt0"}) {
      if (const unsigned index = if_nametoindex(name); index != 0) {
        sink->excluded_.insert(static_cast<int>(index));
      }
    }
  }
  // Protocol 0: the socket receives nothing until it is bound below, after the filter is in place.
  sink->fd_.reset(::socket(AF_PACKET, SOCK_DGRAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0));
  if (!sink->fd_) {
    return fail(ErrorKind::kSocket, "opening an AF_PACKET socket (needs CAP_NET_RAW): " + errno_text(errno));
  }
  const int size = static_cast<int>(std::min<std::size_t>(sink->options_.buffer_bytes, 1U << 30U));
  if (::setsockopt(sink->fd_.get(), SOL_SOCKET, SO_RCVBUFFORCE, &size, sizeof(size)) != 0) {
    (void)::setsockopt(sink->fd_.get(), SOL_SOCKET, SO_RCVBUF, &size, sizeof(size));
  }
  const int on = 1;
  (void)::setsockopt(sink->fd_.get(), SOL_SOCKET, SO_TIMESTAMPNS, &on, sizeof(on));
  sink->filter_ = sink_filter_expression(sink->streams_);
  if (!sink->filter_.empty()) {
    FLOWLAB_TRY(attach_filter(sink->fd_.get(), sink->filter_));
  }
  sockaddr_ll sll{};
  sll.sll_family = AF_PACKET;
  sll.sll_protocol = htons(ETH_P_ALL);
  sll.sll_ifindex = 0;  // every interface; the interface rule is applied per packet
  if (::bind(sink->fd_.get(), reinterpret_cast<const sockaddr*>(&sll), sizeof(sll)) !=
      0) {  // NOLINT(*-reinterpret-cast)
    return fail(ErrorKind::kSocket, "binding the AF_PACKET socket: " + errno_text(errno));
  }
  return sink;
}

bool Sink::complete() const {
  for (std::size_t i = 0; i < streams_.size(); ++i) {
    if (counters_[i].packets < streams_[i].packets) {
      return false;
    }
  }
  return true;
}

void Sink::update_drops() {
  tpacket_stats stats{};
  socklen_t len = sizeof(stats);
  if (::getsockopt(fd_.get(), SOL_PACKET, PACKET_STATISTICS, &stats, &len) == 0) {
    kernel_drops_ += stats.tp_drops;  // reading resets the kernel's counters
  }
}

Status Sink::drain() {
  // A bounded batch, so a continuous flood cannot keep run() from looking at its deadline and stop flag.
  for (int batch = 0; batch < kDrainBatch; ++batch) {
    sockaddr_ll from{};
    iovec iov{buffer_.data(), buffer_.size()};
    alignas(cmsghdr) std::array<char, CMSG_SPACE(sizeof(timespec))> control{};
    msghdr msg{};
    msg.msg_name = &from;
    msg.msg_namelen = sizeof(from);
    msg.msg_iov = &iov;
    msg.msg_iovlen = 1;
    msg.msg_control = control.data();
    msg.msg_controllen = control.size();
    const ssize_t n = ::recvmsg(fd_.get(), &msg, MSG_TRUNC);
    if (n < 0) {
      if (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR) {
        return {};
      }
      return fail(ErrorKind::kSocket, "receiving on the AF_PACKET socket: " + errno_text(errno));
    }
    if (from.sll_pkttype == PACKET_OUTGOING || excluded_.count(from.sll_ifindex) != 0 ||
        (!allowed_.empty() && allowed_.count(from.sll_ifindex) == 0)) {
      continue;
    }
    const auto length = static_cast<std::size_t>(n);
    if (length > buffer_.size()) {
      ++unmatched_;  // larger than any IP packet: not ours
      continue;
    }
    const auto key = decode_packet(Bytes(buffer_.data(), length));
    bool counted = false;
    if (key) {
      for (std::size_t i = 0; i < streams_.size() && !counted; ++i) {
        if (!matches(streams_[i], *key)) {
          continue;
        }
        StreamCounters& c = counters_[i];
        const std::int64_t now = arrival_ns(msg);
        if (c.packets == 0) {
          c.first_ns = now;
          c.src = key->src;
        }
        c.last_ns = now;
        ++c.packets;
        c.bytes += key->l3_bytes;
        counted = true;
      }
    }
    if (!counted) {
      ++unmatched_;
    }
  }
  return {};
}

Result<SinkOutcome> Sink::run(const volatile std::sig_atomic_t* stop) {
  const std::int64_t start = clock_ns(CLOCK_MONOTONIC);
  const std::int64_t deadline =
      options_.timeout.count() > 0 ? start + std::chrono::nanoseconds(options_.timeout).count() : 0;
  std::int64_t linger_end = 0;
  SinkOutcome outcome = SinkOutcome::kStopped;
  for (;;) {
    FLOWLAB_TRY(drain());
    const std::int64_t now = clock_ns(CLOCK_MONOTONIC);
    if (complete() && linger_end == 0) {
      linger_end = now + std::chrono::nanoseconds(options_.linger).count();
    }
    if (linger_end != 0 && now >= linger_end) {
      outcome = SinkOutcome::kComplete;
      break;
    }
    if (stop != nullptr && *stop != 0) {
      outcome = complete() ? SinkOutcome::kComplete : SinkOutcome::kStopped;
      break;
    }
    if (deadline != 0 && now >= deadline) {
      outcome = complete() ? SinkOutcome::kComplete : SinkOutcome::kTimedOut;
      break;
    }
    std::int64_t wait_ns = 200'000'000;
    if (deadline != 0) {
      wait_ns = std::min(wait_ns, deadline - now);
    }
    if (linger_end != 0) {
      wait_ns = std::min(wait_ns, linger_end - now);
    }
    pollfd p{fd_.get(), POLLIN, 0};
    const int rc = ::poll(&p, 1, static_cast<int>((wait_ns + 999'999) / 1'000'000));
    if (rc < 0 && errno != EINTR) {
      return fail(ErrorKind::kSocket, "poll on the AF_PACKET socket: " + errno_text(errno));
    }
  }
  FLOWLAB_TRY(drain());  // what is queued already (one batch: a flood must not keep the sink from ending)
  update_drops();
  return outcome;
}

}  // namespace flowlab::gen
