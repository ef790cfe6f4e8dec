// flowlab::gen — flowgen's engine: exact, deterministic traffic and a sink that counts it (docs/flowgen.md).
//
// Pieces (one header each):
//   stream.hpp    StreamSpec (name, family, protocol, addresses, ports / ICMP type and code, packets, size = IP
//                 total length, pps, tos, delay); parse_stream_option() for `--stream k=v,...`, parse_spec_json()
//                 for `{"streams":[...]}`, finalize_streams() for defaults and whole-set validation.
//   packet.hpp    build_packet(): one whole crafted IPv4/IPv6 + UDP/TCP/ICMP packet with its checksums;
//                 decode_packet() / matches(): what the sink reads back and counts by.
//   schedule.hpp  Schedule: absolute due times (delay + k * 1e9 / pps), streams interleaved in due order.
//   sender.hpp    Sender: raw sockets with the IP header included, paced on CLOCK_MONOTONIC; resolve_source().
//   sink.hpp      Sink: one AF_PACKET socket + a libpcap-compiled BPF filter, exact per-stream counts.
//   summary.hpp   StreamCounters; the JSON summary and the table printed from it.
//   options.hpp   flowgen's command line (send | sink | check).
// Typical use (what flowgen's main() does):
//   auto o = parse_options(argc, argv);                       // finalized streams
//   auto sender = Sender::create(o.streams); sender->run(&stop);
//   auto sink = Sink::open(o.streams, o.sink);  /* ready */    (*sink)->run(&stop);
#pragma once

#include "probes/gen/options.hpp"
#include "probes/gen/packet.hpp"
#include "probes/gen/schedule.hpp"
#include "probes/gen/sender.hpp"
#include "probes/gen/sink.hpp"
#include "probes/gen/stream.hpp"
#include "probes/gen/summary.hpp"
