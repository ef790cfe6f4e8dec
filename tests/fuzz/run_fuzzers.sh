#!/bin/sh
# run_fuzzers.sh SECONDS [TARGET...]: builds the libFuzzer targets with clang in build-fuzz/ and runs each for
# SECONDS on its committed corpus (new inputs go to build-fuzz/fuzz-corpus/<target>, not into the repository;
# to keep finds: merge them with -merge=1 into the target's corpus). Prints each target's execs and coverage
# ("<target>: N execs, cov C, ft F, peak RSS M MB"); exits non-zero on the first run that finds a crash, leak,
# timeout or out-of-memory input (artifacts in build-fuzz/fuzz-artifacts/<target>/; earlier runs' files there are
# left alone and not counted again).
set -eu
seconds=${1:-60}
# Seconds one input may take before libFuzzer calls it a hang. A nice'd run on a loaded machine can be descheduled
# for longer than 10 s: long background runs raise this (a timeout input is re-run alone below anyway).
timeout=${FLOWLAB_FUZZ_TIMEOUT:-10}
shift || true
all="v5 v9 ipfix sflow any bgp frame pcap topology scenario collector_config maps tee_receivers query bmp"
targets=${*:-$all}
root=$(cd "$(dirname "$0")/../.." && pwd)
build=${FLOWLAB_FUZZ_BUILD:-$root/build-fuzz}
cmake -S "$root" -B "$build" -G Ninja -DFLOWLAB_FUZZ=ON -DCMAKE_CXX_COMPILER=clang++ -DCMAKE_BUILD_TYPE=RelWithDebInfo \
  >/dev/null
for t in $targets; do
  cmake --build "$build" --target "fuzz_$t" -j 2 >/dev/null
done
corpus_of() {
  case $1 in
    bgp | bmp) echo "$root/tests/fuzz/$1/corpus" ;;
    *) echo "$root/tests/fuzz/corpus/$1" ;;
  esac
}
max_len_of() {
  case $1 in
    bgp | bmp) echo 4097 ;;
    pcap | topology | scenario | collector_config) echo 16384 ;;
    *) echo 4096 ;;
  esac
}
for t in $targets; do
  work="$build/fuzz-corpus/$t"
  artifacts="$build/fuzz-artifacts/$t"
  mkdir -p "$work" "$artifacts"
  # Findings of earlier runs stay where they are; only this run's count.
  before=$(ls "$artifacts/")
  log="$build/fuzz-$t.log"
  echo "== fuzz_$t for ${seconds}s"
  (cd "$build" && "$build/tests/fuzz/fuzz_$t" -max_total_time="$seconds" -max_len="$(max_len_of "$t")" -timeout="$timeout" \
    -rss_limit_mb=2048 -artifact_prefix="$artifacts/" -print_final_stats=1 "$work" "$(corpus_of "$t")") \
    >"$log" 2>&1 || true
  grep -E '^(==[0-9]+==ERROR|SUMMARY)' "$log" || true
  execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log")
  rss=$(sed -n 's/^stat::peak_rss_mb: *//p' "$log")
  cov=$(grep -E '^#[0-9]+[[:space:]]+(DONE|pulse|NEW|REDUCE)' "$log" | tail -1 | sed -n 's/.* cov: \([0-9]*\) ft: \([0-9]*\).*/cov \1, ft \2/p')
  echo "fuzz_$t: ${execs:-?} execs, ${cov:-cov ?}, peak RSS ${rss:-?} MB"
  # A timeout input that runs within the limit on its own was the machine's load, not a hang: kept as slow-*.
  for f in $(ls "$artifacts/" | grep -E '^timeout-' | grep -vxF "$before" || true); do
    if (cd "$build" && timeout 60 "$build/tests/fuzz/fuzz_$t" -timeout="$timeout" "$artifacts/$f") >/dev/null 2>&1; then
      echo "fuzz_$t: $f ran within ${timeout}s on its own (machine load, not a hang): kept as slow-$f"
      mv "$artifacts/$f" "$artifacts/slow-$f"
    fi
  done
  found=$(ls "$artifacts/" | grep -E '^(crash|leak|timeout|oom)-' | grep -vxF "$before" || true)
  if [ -n "$found" ]; then
    echo "fuzz_$t: new findings in $artifacts/: $found (log: $log)" >&2
    exit 1
  fi
  # A slow unit is not a finding: libFuzzer reports any input over 10 s, which a loaded machine produces.
  slow=$(sed -n 's/^stat::slowest_unit_time_sec: *//p' "$log")
  [ "${slow:-0}" -lt 10 ] || echo "fuzz_$t: slowest input took ${slow}s (machine load? -timeout is ${timeout}s)"
done
