#!/usr/bin/env bash
# The whole test suite, from a fresh Debian 12 machine (as root): installs packages, builds, runs every ctest
# test (unit, golden, fuzz-corpus replay, interop, lab), then runs each libFuzzer target for a bounded time.
#   FLOWLAB_FUZZ_SECONDS  seconds per fuzz target (default 20; 0 skips fuzzing)
set -euo pipefail
cd "$(dirname "$0")/.."

bash scripts/install-deps.sh
bash scripts/build.sh

ctest --test-dir build --output-on-failure --timeout 900 -j 2

fuzz_seconds=${FLOWLAB_FUZZ_SECONDS:-20}
if [[ $fuzz_seconds -gt 0 && -x tests/fuzz/run_fuzzers.sh ]]; then
  tests/fuzz/run_fuzzers.sh "$fuzz_seconds"
fi
