#!/usr/bin/env bash
# labctl's command line as a user meets it (issue 19), through the binary:
#   validate   a scenario file (by path and with an inline topology): accepted, checked fully, --plan shows its
#              topology; a scenario's error is reported at file:line:col
#   oracle     --path prints the walk alone; the RIB table comes back with --node / --all
#   unknown    a lab that does not exist: "no lab named 'X' (labs: ...)" and exit 2
#   lab        (with `lab` as the first argument; root) a lab deployed under another --rundir is found by inspect,
#              exec and destroy from the default one, never shown as orphaned
#   cli_test.sh LABCTL SOURCE_DIR [lab]
set -uo pipefail
labctl=$1 src=$2 mode=${3:-}
tmp=$(mktemp -d /tmp/flowlab-cli-test.XXXXXX)
problems=0
problem() { echo "FAIL: $*" >&2; problems=$((problems + 1)); }
expect() {  # expect WHAT PATTERN TEXT: TEXT contains PATTERN (fixed string)
  grep -qF -- "$2" <<<"$3" || problem "$1: lacks '$2' in:"$'\n'"$3"
}

if [[ $mode != lab ]]; then
  # validate: a scenario by path, and one with an inline topology.
  out=$("$labctl" validate "$src/scenarios/janog36-model2.yaml" 2>&1); rc=$?
  [[ $rc -eq 0 ]] || problem "validate janog36-model2.yaml: exit $rc"
  expect "validate scenario" "janog36-model2.yaml: ok (scenario janog36-model2: 3 streams" "$out"
  out=$("$labctl" validate --plan "$src/scenarios/tee-two-stage.yaml" 2>&1); rc=$?
  [[ $rc -eq 0 ]] || problem "validate --plan tee-two-stage.yaml: exit $rc"
  expect "validate --plan inline topology" '"name": "tee2"' "$out"
  expect "validate --plan inline topology" '"sessions"' "$out"
  out=$("$labctl" validate --json "$src/scenarios/tee-two-stage.yaml" 2>&1)
  expect "validate --json scenario" '"kind": "scenario"' "$out"
  # A scenario error is found without deploying (a stream from a node that does not exist).
  sed 's/from: h1, to: h3, proto: udp, dport: 5001, packets: 1000/from: h9, to: h3, proto: udp, dport: 5001, packets: 1000/' \
    "$src/scenarios/janog36-model2.yaml" | sed "s#\.\./topologies/#$src/topologies/#" >"$tmp/bad.yaml"
  out=$("$labctl" validate "$tmp/bad.yaml" 2>&1); rc=$?
  [[ $rc -eq 2 ]] || problem "validate bad scenario: exit $rc, expected 2"
  expect "validate bad scenario" "$tmp/bad.yaml:11:" "$out"
  expect "validate bad scenario" "h9" "$out"
  # A topology is still a topology.
  out=$("$labctl" validate "$src/topologies/chain3.yaml" 2>&1)
  expect "validate topology" "chain3.yaml: ok (lab chain3: 5 nodes" "$out"

  # oracle --path: the walk alone; the RIB table with --node / --all.
  out=$("$labctl" oracle "$src/topologies/chain3.yaml" --path h1 h3 2>&1); rc=$?
  [[ $rc -eq 0 ]] || problem "oracle --path: exit $rc"
  expect "oracle --path" "h1 " "$out"
  expect "oracle --path" "HOP" "$out"
  grep -q "^ROUTER " <<<"$out" && problem "oracle --path prints the RIB table:"$'\n'"$out"
  out=$("$labctl" oracle "$src/topologies/chain3.yaml" --path h1 h3 --all 2>&1)
  grep -q "^ROUTER " <<<"$out" || problem "oracle --path --all lacks the RIB table"
  out=$("$labctl" oracle "$src/topologies/chain3.yaml" --path h1 h3 --node r2 2>&1)
  [[ $(grep -c "^r2 " <<<"$out") -gt 0 && $(grep -c "^r1 " <<<"$out") -eq 0 ]] ||
    problem "oracle --path --node r2: not r2's RIB alone"$'\n'"$out"
  out=$("$labctl" oracle "$src/topologies/chain3.yaml" 2>&1)
  grep -q "^ROUTER " <<<"$out" || problem "oracle without --path lacks the RIB table"
  out=$("$labctl" oracle "$src/topologies/chain3.yaml" --json --path h1 h3 2>&1)
  grep -q '"ribs"' <<<"$out" && problem "oracle --json --path carries the RIBs"

  # An unknown lab.
  out=$("$labctl" --rundir "$tmp/rundir" inspect nosuchlab 2>&1); rc=$?
  [[ $rc -eq 2 ]] || problem "inspect nosuchlab: exit $rc, expected 2"
  expect "inspect nosuchlab" "no lab named 'nosuchlab' (" "$out"
  out=$("$labctl" --rundir "$tmp/rundir" exec nosuchlab h1 -- true 2>&1)
  expect "exec nosuchlab" "no lab named 'nosuchlab' (" "$out"
else
  # A lab deployed under another --rundir, seen from the default one.
  lab="cli$$"
  other="$tmp/rundir"
  cleanup() { "$labctl" --rundir "$other" destroy "$lab" >/dev/null 2>&1; rm -rf "$tmp"; }
  trap cleanup EXIT
  "$labctl" --rundir "$other" deploy -t "$src/topologies/chain3.yaml" --name "$lab" >/dev/null 2>"$tmp/deploy.log" ||
    { cat "$tmp/deploy.log" >&2; problem "deploy under $other failed"; exit 1; }
  out=$("$labctl" inspect 2>&1)
  line=$(grep "^$lab " <<<"$out")
  expect "inspect (default rundir) lists $lab" "deployed" "$line"
  expect "inspect (default rundir) names its rundir" "$other" "$line"
  grep -q "orphaned" <<<"$line" && problem "inspect shows $lab as orphaned: $line"
  out=$("$labctl" inspect "$lab" 2>&1); rc=$?
  [[ $rc -eq 0 ]] || problem "inspect $lab from the default rundir: exit $rc"$'\n'"$out"
  expect "inspect $lab" "run dir $other/$lab" "$out"
  expect "inspect $lab" "fl-$lab-r1" "$out"
  "$labctl" exec "$lab" h1 -- true || problem "exec $lab h1 from the default rundir"
  out=$("$labctl" inspect nosuchlab 2>&1)
  expect "unknown lab lists the labs" "$lab" "$out"
  "$labctl" destroy "$lab" 2>/dev/null || problem "destroy $lab from the default rundir"
  [[ -e $other/$lab ]] && problem "destroy left $other/$lab"
  [[ -e /run/flowlab/.labs/$lab ]] && problem "destroy left the index entry /run/flowlab/.labs/$lab"
  ip netns list | grep -q "^fl-$lab-" && problem "destroy left namespaces of $lab"
fi
rm -rf "$tmp"
if [[ $problems -ne 0 ]]; then
  echo "$problems problem(s)" >&2
  exit 1
fi
echo "ok"
