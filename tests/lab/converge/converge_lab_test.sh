#!/usr/bin/env bash
# Lab test (issue 12): right after `labctl deploy --converge`, every router's kernel sends every BGP destination
# out of the interface the oracle predicts. The kernel's answers (`ip route get`, read inside each router's
# namespace) are all taken first, at once, and only then compared with `labctl oracle --path`.
#   [CONVERGE_FLAGS=--no-oracle] converge_lab_test.sh LABCTL RUNDIR LAB TOPOLOGY [REPEATS]
set -euo pipefail
labctl=$1 rundir=$2 lab=$3 topo=$4 repeats=${5:-1}
lc() { "$labctl" --rundir "$rundir" "$@"; }
work=$(mktemp -d /tmp/fl-converge-XXXXXX)
trap 'lc destroy "$lab" >/dev/null 2>&1 || true; rm -rf "$work"' EXIT

# router -> the BGP prefixes the oracle puts in its RIB (not its own), one "router prefix" pair a line.
lc oracle "$topo" --json >"$work/oracle.json"
jq -r '.ribs | to_entries[] | .key as $r | .value[] | select(.candidates[0].source != "local")
       | "\($r) \(.prefix)"' "$work/oracle.json" >"$work/pairs"
[[ -s $work/pairs ]] || { echo "the oracle predicts no BGP routes for $topo" >&2; exit 1; }

for ((run = 1; run <= repeats; run++)); do
  lc destroy "$lab" >/dev/null 2>&1 || true
  # shellcheck disable=SC2086 # CONVERGE_FLAGS (e.g. --no-oracle, to see the test fail on the weaker rule) splits
  if ! lc deploy -t "$topo" --name "$lab" --converge --timeout 60s ${CONVERGE_FLAGS:-} 2>"$work/deploy.err" >/dev/null; then
    cat "$work/deploy.err" >&2
    echo "run $run: deploy --converge failed" >&2
    exit 1
  fi
  grep -h "converged in" "$work/deploy.err" || true
  # The kernel first, all of it, before anything else can pass time.
  : >"$work/kernel"
  while read -r router prefix; do
    dst=${prefix%/*}
    dev=$(ip -n "fl-$lab-$router" -j route get "$dst" | jq -r '.[0].dev // "none"')
    echo "$router $prefix $dev" >>"$work/kernel"
  done <"$work/pairs"
  bad=0
  while read -r router prefix dev; do
    dst=${prefix%/*}
    want=$(lc oracle "$topo" --path "$router" "$dst" --json |
      jq -r '.path.walk | if .ambiguous or .hops[0].ambiguous then "any" else (.hops[0].out_interface // "none") end')
    if [[ $want != any && $want != "$dev" ]]; then
      echo "run $run: $router $prefix: kernel via $dev, oracle $want" >&2
      bad=1
    fi
  done <"$work/kernel"
  [[ $bad -eq 0 ]] || exit 1
  echo "run $run: $(wc -l <"$work/kernel") destinations on $(cut -d' ' -f1 "$work/kernel" | sort -u | wc -l) routers match the oracle"
  lc destroy "$lab" >/dev/null 2>"$work/destroy.err" || { cat "$work/destroy.err" >&2; exit 1; }
done
