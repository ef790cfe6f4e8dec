#!/usr/bin/env bash
# Benchmark: deploy + converge + destroy of an N-router BGP chain (one AS per router, BIRD, dual-stack) with
# labctl, beside the peer: the same namespaces + veth pairs + addresses built by an `ip`-command shell script (the
# seed 001 "mkpeer" approach), which starts no routers at all. Prints each phase's seconds and the ratios.
#
#   tests/bench/lab_scale/run.sh [N ...]      (default: 10 50 100; needs root and a built ./build)
# Targets (issue 2): 100 routers deployed and converged in <= 20 s on a 2-core machine; destroy <= 3 s.
set -euo pipefail
cd "$(dirname "$0")/../../.."
labctl=${LABCTL:-build/labctl/cli/labctl}
rundir=/run/flowlab-bench
sizes=("$@")
[[ ${#sizes[@]} -eq 0 ]] && sizes=(10 50 100)
work=$(mktemp -d /tmp/fl-bench-XXXXXX)
trap 'rm -rf "$work"' EXIT

now() { date +%s.%N; }
secs() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", b - a }'; }

chain_yaml() {  # N -> topology YAML: r1 - r2 - ... - rN, AS 65001.., each announcing one v4 (benchmark range) and one v6 prefix
  local n=$1
  echo "name: bench$n"
  echo "defaults: {kind: bird}"
  echo "nodes:"
  for ((i = 1; i <= n; i++)); do
    printf '  r%d: {asn: %d, announce: [198.19.%d.%d/30, 2001:db8:a%03x::/48]}\n' \
      "$i" $((65000 + i)) $((i / 64 + 16)) $(((i % 64) * 4)) "$i"
  done
  echo "links:"
  for ((i = 1; i < n; i++)); do
    printf '  - endpoints: [r%d:eth%d, r%d:eth%d]\n' "$i" 2 $((i + 1)) 1
  done
}

peer_build() {  # N: the mkpeer way: ip netns add, ip link add veth, move ends, ip addr, up
  local n=$1 p=flpeer$n
  for ((i = 1; i <= n; i++)); do
    ip netns add "$p-r$i"
    ip -n "$p-r$i" link set lo up
  done
  for ((i = 1; i < n; i++)); do
    ip link add "fla$i" type veth peer name "flb$i"
    ip link set "fla$i" netns "$p-r$i"
    ip link set "flb$i" netns "$p-r$((i + 1))"
    ip -n "$p-r$i" link set "fla$i" name eth2
    ip -n "$p-r$((i + 1))" link set "flb$i" name eth1
    ip -n "$p-r$i" addr add "198.18.$((i / 128)).$(((i % 128) * 2))/31" dev eth2
    ip -n "$p-r$((i + 1))" addr add "198.18.$((i / 128)).$(((i % 128) * 2 + 1))/31" dev eth1
    ip -n "$p-r$i" link set eth2 up
    ip -n "$p-r$((i + 1))" link set eth1 up
  done
}

peer_destroy() {
  local n=$1 p=flpeer$n
  for ((i = 1; i <= n; i++)); do ip netns del "$p-r$i"; done
}

printf '%-6s %10s %10s %10s %10s | %12s %12s | %s\n' N deploy converge destroy total "peer-build" "peer-destroy" \
  "deploy+converge / peer-build"
for n in "${sizes[@]}"; do
  chain_yaml "$n" > "$work/bench$n.yaml"
  "$labctl" --rundir "$rundir" destroy "bench$n" >/dev/null 2>&1 || true
  t0=$(now)
  "$labctl" --rundir "$rundir" deploy -t "$work/bench$n.yaml" >/dev/null 2>"$work/deploy.log" || {
    cat "$work/deploy.log"; exit 1; }
  t1=$(now)
  "$labctl" --rundir "$rundir" converge "bench$n" --timeout 300s >"$work/converge.log" || {
    cat "$work/converge.log"; "$labctl" --rundir "$rundir" destroy "bench$n"; exit 1; }
  t2=$(now)
  "$labctl" --rundir "$rundir" destroy "bench$n" >/dev/null 2>&1
  t3=$(now)
  p0=$(now)
  peer_build "$n"
  p1=$(now)
  peer_destroy "$n"
  p2=$(now)
  dc=$(secs "$t0" "$t2")
  pb=$(secs "$p0" "$p1")
  printf '%-6s %10s %10s %10s %10s | %12s %12s | %s\n' "$n" "$(secs "$t0" "$t1")" "$(secs "$t1" "$t2")" \
    "$(secs "$t2" "$t3")" "$(secs "$t0" "$t3")" "$pb" "$(secs "$p1" "$p2")" \
    "$(awk -v a="$dc" -v b="$pb" 'BEGIN { printf "%.2fx", a / b }')"
done
echo "(labctl's deploy also renders configs and starts one BIRD per router; the peer script builds only"
echo " namespaces + veth + addresses and runs no router.)"
