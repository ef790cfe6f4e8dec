#!/usr/bin/env bash
# sanitize.sh: the sanitizer run (docs/reliability.md). Builds everything with ASan + UBSan (LeakSanitizer comes
# with ASan) in build-san/ (-DFLOWLAB_SANITIZE=address,undefined), runs the unit, golden and fuzz-corpus tests,
# then two scenarios end to end (their flowcollector, flowprobe, flowgen and labctl sanitized too), and fails on
# any report. Every report of every process goes to build-san/sanitizer-logs/ (ASan/UBSan log_path), so daemons
# inside lab nodes are covered as well.
#   FLOWLAB_SAN_BUILD   build directory (default build-san)
#   FLOWLAB_LAB_LOCK    a lock file: the scenarios run under `flock` on it (machines shared by several labs)
#   FLOWLAB_SAN_SCENARIOS  scenario names (default "janog36-model2 tee-two-stage"; "" skips the lab part)
# -O1 -g1 (not RelWithDebInfo's -O2 -g): the level the sanitizers are documented for, reports with file:line,
# and a quicker build. The golden tests carry the label `unit`. On a shared machine run it as
# `nice -n 19 scripts/sanitize.sh`.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)
build=${FLOWLAB_SAN_BUILD:-build-san}
scenarios=${FLOWLAB_SAN_SCENARIOS-janog36-model2 tee-two-stage}
launcher=()
if command -v ccache >/dev/null; then
  launcher=(-DCMAKE_CXX_COMPILER_LAUNCHER=ccache)
fi
started=$SECONDS
cmake -S . -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo -DFLOWLAB_SANITIZE=address,undefined \
  "-DCMAKE_CXX_FLAGS_RELWITHDEBINFO=-O1 -g1 -DNDEBUG" "${launcher[@]}" >/dev/null
cmake --build "$build" -j 2
echo "sanitize: build $((SECONDS - started)) s"

logs="$root/$build/sanitizer-logs"
rm -rf "$logs"
mkdir -p "$logs"
export ASAN_OPTIONS="detect_leaks=1:halt_on_error=1:abort_on_error=1:strict_string_checks=1:log_path=$logs/asan"
export UBSAN_OPTIONS="print_stacktrace=1:halt_on_error=1:log_path=$logs/ubsan"
export LSAN_OPTIONS="log_path=$logs/lsan"

status=0
tests_started=$SECONDS
ctest --test-dir "$build" -L 'unit|fuzz' -LE 'lab|scenario|interop' --output-on-failure -j 2 --timeout 900 || status=1
echo "sanitize: tests $((SECONDS - tests_started)) s"
index=0
for name in $scenarios; do
  index=$((index + 1))
  cmd=("$build/labctl/cli/labctl" --rundir /run/flowlab-san run -q --name "san$index"
       --out "$build/san-runs/$name" "scenarios/$name.yaml")
  if [[ -n ${FLOWLAB_LAB_LOCK:-} ]]; then
    cmd=(flock "$FLOWLAB_LAB_LOCK" "${cmd[@]}")
  fi
  scenario_started=$SECONDS
  "${cmd[@]}" || status=1
  echo "sanitize: scenario $name $((SECONDS - scenario_started)) s"
done
if ls "$logs" | grep -q .; then
  echo "sanitize: reports in $logs:" >&2
  head -n 40 "$logs"/* >&2
  status=1
fi
if [[ $status -eq 0 ]]; then
  echo "sanitize: clean (unit, golden, fuzz corpora${scenarios:+, scenarios: $scenarios})"
fi
exit $status
