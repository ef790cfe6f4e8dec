#!/usr/bin/env bash
# Benchmark: wall time of `labctl run SCENARIO` (default scenarios/janog36-model2.yaml), beside the peer: the bare
# lab life cycle the run cannot avoid — `labctl deploy --converge` + `labctl destroy` of the same topology, measured
# in the same session. The difference is what the harness adds (collector view, traffic, flush, verification,
# artefacts). Prints each repetition and the medians.
#
#   tests/bench/scenario_wall/run.sh [SCENARIO] [REPEATS]     (root; needs a built ./build)
# Target (issue 5): labctl run scenarios/janog36-model2.yaml completes in <= 10 s wall on the 2-core machine.
set -euo pipefail
cd "$(dirname "$0")/../../.."
labctl=${LABCTL:-build/labctl/cli/labctl}
scenario=${1:-scenarios/janog36-model2.yaml}
repeats=${2:-3}
rundir=/run/flowlab-bench
work=$(mktemp -d /tmp/fl-bench-scn-XXXXXX)
trap 'rm -rf "$work"; "$labctl" --rundir "$rundir" destroy bwall bwallpeer >/dev/null 2>&1 || true' EXIT

topology=$(dirname "$scenario")/$(awk '/^topology:/ {print $2; exit}' "$scenario")
now() { date +%s.%N; }
secs() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", b - a }'; }
median() { sort -n | awk '{ v[NR] = $1 } END { print (NR % 2 ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2) }'; }

printf '%-4s %10s %8s | %12s\n' run "labctl run" verdict "peer: deploy+converge+destroy"
ours=()
peer=()
for ((i = 1; i <= repeats; i++)); do
  t0=$(now)
  verdict=PASS
  "$labctl" --rundir "$rundir" run -q --name bwall --out "$work/run$i" "$scenario" >"$work/out$i" 2>&1 || verdict=FAIL
  t1=$(now)
  "$labctl" --rundir "$rundir" deploy -t "$topology" --name bwallpeer --converge --timeout 60s >/dev/null 2>&1
  "$labctl" --rundir "$rundir" destroy bwallpeer >/dev/null 2>&1
  t2=$(now)
  ours+=("$(secs "$t0" "$t1")")
  peer+=("$(secs "$t1" "$t2")")
  printf '%-4s %10s %8s | %12s\n' "$i" "${ours[-1]}" "$verdict" "${peer[-1]}"
done
m_ours=$(printf '%s\n' "${ours[@]}" | median)
m_peer=$(printf '%s\n' "${peer[@]}" | median)
echo
echo "median: labctl run $m_ours s (target <= 10 s), bare deploy+converge+destroy $m_peer s," \
  "ratio $(awk -v a="$m_ours" -v b="$m_peer" 'BEGIN { printf "%.2f", a / b }')x"
