#!/bin/sh
# run_fuzzers.sh SECONDS [TARGET...]: builds the libFuzzer targets with clang in build-fuzz/ and runs each for
# SECONDS on its committed corpus (new inputs go to build-fuzz/fuzz-corpus/<target>, not into the repository;
# to keep finds: merge them with -merge=1 into tests/fuzz/corpus/<target>). Exits non-zero on the first crash.
set -eu
seconds=${1:-60}
shift || true
targets=${*:-"v5 v9 ipfix sflow any"}
[ $# -gt 0 ] || targets="$targets bgp bmp"  # bgp: BGP decoders + RIB (probes/bgp), bmp: BMP station (probes/bmp);
# their corpora are in tests/fuzz/<target>/corpus
root=$(cd "$(dirname "$0")/../.." && pwd)
build=${FLOWLAB_FUZZ_BUILD:-$root/build-fuzz}
cmake -S "$root" -B "$build" -G Ninja -DFLOWLAB_FUZZ=ON -DCMAKE_CXX_COMPILER=clang++ -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
for t in $targets; do
  cmake --build "$build" --target "fuzz_$t" -j 2 >/dev/null
done
for t in $targets; do
  work="$build/fuzz-corpus/$t"
  mkdir -p "$work" "$build/fuzz-artifacts/$t"
  if [ "$t" = bgp ] || [ "$t" = bmp ]; then
    echo "== fuzz_$t for ${seconds}s"
    "$build/tests/fuzz/fuzz_$t" -max_total_time="$seconds" -max_len=4097 -timeout=10 -rss_limit_mb=2048 \
      -artifact_prefix="$build/fuzz-artifacts/$t/" -print_final_stats=1 "$work" "$root/tests/fuzz/$t/corpus" 2>&1 |
      grep -E '^(#[0-9]+ +DONE|stat::number_of_executed_units|stat::peak_rss_mb|==[0-9]+==ERROR|SUMMARY)' || true
    if ls "$build/fuzz-artifacts/$t/" | grep -q .; then
      echo "fuzz_$t: crash artifacts in $build/fuzz-artifacts/$t/" >&2
      exit 1
    fi
    continue
  fi
  echo "== fuzz_$t for ${seconds}s"
  "$build/tests/fuzz/fuzz_$t" -max_total_time="$seconds" -max_len=4096 -timeout=10 -rss_limit_mb=2048 \
    -artifact_prefix="$build/fuzz-artifacts/$t/" -print_final_stats=1 "$work" "$root/tests/fuzz/corpus/$t" 2>&1 |
    grep -E '^(#[0-9]+ +DONE|stat::number_of_executed_units|stat::peak_rss_mb|==[0-9]+==ERROR|SUMMARY)' || true
  if ls "$build/fuzz-artifacts/$t/" | grep -q .; then
    echo "fuzz_$t: crash artifacts in $build/fuzz-artifacts/$t/" >&2
    exit 1
  fi
done
