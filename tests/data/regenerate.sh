#!/usr/bin/env bash
# Regenerates the third-party export captures of tests/data and their decodes from synth_small.pcap with the Debian
# tools (softflowd, pmacctd, nfcapd/nfdump, tshark, tcpdump, python3), in a temporary folder, and checks them:
#   1. synth_small_truth.csv equals the flow table recomputed from synth_small.pcap;
#   2. the committed captures decode (nfcapd + nfdump, tshark) to exactly the committed *.nfdump.csv / *.tshark.csv;
#   3. each exporter, run again on synth_small.pcap, exports flows (addresses, ports, protocol, ToS, packets, bytes;
#      not times, order or export metadata) equal to the committed decodes' and to the truth.
# Prints one line per check (OK / DIFF) and exits non-zero on any difference. With --update, copies the regenerated
# captures and decodes over the committed ones (only when every regenerated file equals the truth).
# Run as root (tcpdump on lo), from any folder. Network: 127.0.0.1 only; only the processes it starts, ended by PID.
set -euo pipefail

usage() {
  cat <<EOF
usage: $0 [--update] [--attempts N]
  --update      copy the regenerated export captures and decodes over the committed ones in tests/data
  --attempts N  runs of an exporter before its flows are declared different (default 3; pmacctd's nfprobe
                sometimes loses the tail of the file)
EOF
}

UPDATE=0
ATTEMPTS=3
while [[ $# -gt 0 ]]; do
  case "$1" in
    --update) UPDATE=1 ;;
    --attempts)
      [[ $# -ge 2 && "$2" =~ ^[1-9][0-9]*$ ]] || { usage >&2; exit 2; }
      ATTEMPTS="$2"
      shift
      ;;
    -h | --help) usage; exit 0 ;;
    *) echo "regenerate.sh: unknown argument '$1'" >&2; usage >&2; exit 2 ;;
  esac
  shift
done

DATA="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
HELPER="$DATA/flowdata.py"
TRUTH="$DATA/synth_small_truth.csv"
EXPORTS=(softflowd_v5 softflowd_v9 softflowd_ipfix pmacctd_v5 pmacctd_v9)

if [[ $EUID -ne 0 ]]; then
  echo "regenerate.sh: run as root (tcpdump captures on lo)" >&2
  exit 2
fi
for tool in softflowd pmacctd nfcapd nfdump tshark tcpdump python3 ss timeout; do
  command -v "$tool" >/dev/null || { echo "regenerate.sh: $tool not found (scripts/install-deps.sh)" >&2; exit 2; }
done

WORK="$(mktemp -d -t flowlab-testdata.XXXXXX)"
PIDS=()
# shellcheck disable=SC2317  # the EXIT trap
cleanup() {
  local pid
  for pid in "${PIDS[@]}"; do
    if kill -0 "$pid" 2>/dev/null; then
      kill -TERM "$pid" 2>/dev/null || true
      wait "$pid" 2>/dev/null || true
    fi
  done
  rm -rf "$WORK"
}
trap cleanup EXIT
trap 'exit 130' INT TERM
export TZ=UTC  # nfdump prints local time

# A UDP port on 127.0.0.1 that nobody uses right now (other engineers run collectors on the usual ports).
free_port() {
  python3 -c 'import socket; s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

# wait_for SECONDS COMMAND...: polls COMMAND every 0.1 s until it succeeds.
wait_for() {
  local deadline=$((SECONDS + $1))
  shift
  until "$@"; do
    ((SECONDS < deadline)) || return 1
    sleep 0.1
  done
}

# udp_bound PORT PID: process PID has bound UDP port PORT.
# shellcheck disable=SC2317  # called through wait_for
udp_bound() { [[ "$(ss -Hlunp "sport = :$1" 2>/dev/null)" == *"pid=$2,"* ]]; }

# stop PID: SIGTERM (or the given signal) and wait for it.
stop() {
  local pid="$1" sig="${2:-TERM}"
  kill -"$sig" "$pid" 2>/dev/null || true
  wait "$pid" 2>/dev/null || true
}

# nfdump_decode PCAP OUT: replays PCAP's datagrams to an nfcapd on 127.0.0.1 and writes `nfdump -o csv` to OUT
# (without the `tr` column, the time nfcapd received each record, and the summary's avg_bpp: see README.md).
nfdump_decode() {
  local pcap="$1" out="$2" dir port pid
  dir="$(mktemp -d "$WORK/nfcapd.XXXXXX")"
  port="$(free_port)"
  nfcapd -b 127.0.0.1 -p "$port" -w "$dir" -t 3600 >"$dir.log" 2>&1 &
  pid=$!
  PIDS+=("$pid")
  if ! wait_for 10 udp_bound "$port" "$pid"; then
    echo "regenerate.sh: nfcapd did not listen on 127.0.0.1:$port" >&2
    cat "$dir.log" >&2
    return 1
  fi
  python3 "$HELPER" replay "$pcap" 127.0.0.1 "$port"
  sleep 0.5
  stop "$pid"
  nfdump -R "$dir" -o csv >"$out.raw"
  python3 "$HELPER" nfdump-csv "$out.raw" "$out"
  rm -f "$out.raw"
}

# tshark_decode PCAP OUT: tshark's cflow dissector on PCAP's datagrams, in the *.tshark.csv layout.
tshark_decode() {
  local pcap="$1" out="$2" port
  port="$(python3 "$HELPER" datagrams "$pcap" | cut -d' ' -f2)"
  [[ "$port" =~ ^[0-9]+$ ]] || { echo "regenerate.sh: $pcap: expected one destination port, got '$port'" >&2; return 1; }
  tshark -r "$pcap" -d "udp.port==$port,cflow" -T json --no-duplicate-keys >"$out.json" 2>"$out.err" ||
    { cat "$out.err" >&2; return 1; }
  python3 "$HELPER" tshark-csv "$out.json" "$out"
  rm -f "$out.json" "$out.err"
}

# export_run NAME PORT: runs exporter NAME (softflowd_v5 ...) on synth_small.pcap towards 127.0.0.1:PORT.
export_run() {
  local name="$1" port="$2" version pid
  case "$name" in
    softflowd_*)
      case "$name" in softflowd_v5) version=5 ;; softflowd_v9) version=9 ;; softflowd_ipfix) version=10 ;; esac
      # From tests/data, so that the options record's interface name reads "synth_small.pcap" as in the committed
      # captures; -c none: with -r, softflowd 1.1.0 otherwise blocks on its control socket before reading.
      (cd "$DATA" && exec timeout 120 softflowd -d -c none -a -p "$WORK/softflowd.pid" -r synth_small.pcap \
        -n "127.0.0.1:$port" -v "$version") >"$WORK/$name.log" 2>&1 &
      ;;
    pmacctd_*)
      version="${name#pmacctd_v}"
      cat >"$WORK/$name.conf" <<EOF
daemonize: false
pcap_savefile: $DATA/synth_small.pcap
plugins: nfprobe
nfprobe_receiver: 127.0.0.1:$port
nfprobe_version: $version
EOF
      timeout 120 pmacctd -f "$WORK/$name.conf" >"$WORK/$name.log" 2>&1 &
      ;;
  esac
  pid=$!
  PIDS+=("$pid")
  if ! wait "$pid"; then
    echo "regenerate.sh: $name failed:" >&2
    cat "$WORK/$name.log" >&2
    return 1
  fi
}

# capture_export NAME PCAP: captures on lo what exporter NAME sends to a free port of 127.0.0.1.
capture_export() {
  local name="$1" pcap="$2" port pid sink
  # A socket holds the port while the exporter sends (no ICMP "port unreachable" back to the exporter).
  python3 "$HELPER" sink "$pcap.port" &
  sink=$!
  PIDS+=("$sink")
  wait_for 10 test -s "$pcap.port" || { echo "regenerate.sh: the UDP sink did not start" >&2; return 1; }
  port="$(cat "$pcap.port")"
  # -Z root: the capture file is in a root-only folder; --immediate-mode -B: lo drops bursts otherwise.
  tcpdump -i lo -n --immediate-mode -B 65536 -Z root -U -w "$pcap" \
    "udp and src host 127.0.0.1 and dst host 127.0.0.1 and dst port $port" 2>"$pcap.log" &
  pid=$!
  PIDS+=("$pid")
  if ! wait_for 10 grep -qs "listening on" "$pcap.log"; then
    echo "regenerate.sh: tcpdump did not start:" >&2
    cat "$pcap.log" >&2
    return 1
  fi
  export_run "$name" "$port" || return 1
  sleep 0.5
  stop "$pid" INT
  stop "$sink"
  if ! grep -qx "0 packets dropped by kernel" "$pcap.log"; then
    echo "regenerate.sh: tcpdump dropped datagrams:" >&2
    cat "$pcap.log" >&2
    return 1
  fi
  rm -f "$pcap.log" "$pcap.port"
}

status=0

# 1. The ground truth.
python3 "$HELPER" truth "$DATA/synth_small.pcap" "$TRUTH" || status=1

# 2. The committed decodes are what nfdump and tshark print for the committed captures.
for name in "${EXPORTS[@]}"; do
  base="export_$name"
  mkdir -p "$WORK/committed"
  nfdump_decode "$DATA/$base.pcap" "$WORK/committed/$base.nfdump.csv"
  tshark_decode "$DATA/$base.pcap" "$WORK/committed/$base.tshark.csv"
  for kind in nfdump tshark; do
    if cmp -s "$WORK/committed/$base.$kind.csv" "$DATA/$base.$kind.csv"; then
      printf '%-7s OK    %s is what %s prints for %s (byte for byte)\n' "decode" "$base.$kind.csv" "$kind" "$base.pcap"
    else
      printf '%-7s DIFF  %s differs from what %s prints for %s:\n' "decode" "$base.$kind.csv" "$kind" "$base.pcap"
      diff "$DATA/$base.$kind.csv" "$WORK/committed/$base.$kind.csv" | head -n 6 | sed 's/^/        /'  || true
      status=1
    fi
  done
done

# 3. Each exporter again, on synth_small.pcap.
regenerated=1
for name in "${EXPORTS[@]}"; do
  base="export_$name"
  attempt=1
  while :; do
    rm -f "$WORK/$base".*
    capture_export "$name" "$WORK/$base.pcap"
    nfdump_decode "$WORK/$base.pcap" "$WORK/$base.nfdump.csv"
    tshark_decode "$WORK/$base.pcap" "$WORK/$base.tshark.csv"
    read -r datagrams _ < <(python3 "$HELPER" datagrams "$WORK/$base.pcap")
    # FAILED 1: differs from the truth; FAILED 3: equals the truth, differs from the committed decode.
    out="$(for kind in nfdump tshark; do
      python3 "$HELPER" compare "$kind" "$WORK/$base.$kind.csv" "$DATA/$base.$kind.csv" "$TRUTH" || echo "FAILED $?"
    done)"
    ok=1
    [[ "$out" == *FAILED* ]] && ok=0
    truth_ok=1
    [[ "$out" == *"FAILED 1"* || "$out" == *"FAILED 2"* ]] && truth_ok=0
    if [[ $ok -eq 1 || $attempt -ge $ATTEMPTS ]]; then
      echo "export  $([[ $ok -eq 1 ]] && echo "OK  " || echo DIFF)  $base.pcap regenerated ($datagrams datagrams, attempt $attempt of $ATTEMPTS)"
      grep -v '^FAILED ' <<<"$out"
      python3 "$HELPER" payloads "$WORK/$base.pcap" "$DATA/$base.pcap"
      break
    fi
    echo "export  RETRY $base.pcap: attempt $attempt differs:"
    grep -v '^FAILED ' <<<"$out" | sed 's/^/        /'
    attempt=$((attempt + 1))
  done
  [[ $ok -eq 1 ]] || status=1
  [[ $truth_ok -eq 1 ]] || regenerated=0
done

if [[ $UPDATE -eq 1 ]]; then
  if [[ $regenerated -eq 1 ]]; then
    for name in "${EXPORTS[@]}"; do
      cp "$WORK/export_$name.pcap" "$WORK/export_$name.nfdump.csv" "$WORK/export_$name.tshark.csv" "$DATA/"
    done
    echo "updated: ${#EXPORTS[@]} captures and their decodes copied to $DATA"
    exit 0
  fi
  echo "not updated: a regenerated export differs from the truth" >&2
fi

if [[ $status -eq 0 ]]; then
  echo "PASS"
else
  echo "FAIL"
fi
exit "$status"
