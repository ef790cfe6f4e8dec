#!/usr/bin/env bash
# Configures and builds flowlab into ./build (Release with debug info).
#   scripts/build.sh [TARGET...] [-DVAR=VALUE...]
# TARGETs (e.g. labctl flowprobe) build only those programs and what they need (default: everything, tests too);
# -D arguments go to cmake's configure step.
set -euo pipefail
cd "$(dirname "$0")/.."
configure=() targets=()
for arg in "$@"; do
  if [[ $arg == -D* ]]; then configure+=("$arg"); else targets+=(--target "$arg"); fi
done
cmake -S . -B build -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo "${configure[@]}" >/dev/null
cmake --build build -j "$(nproc)" "${targets[@]}"
