#!/usr/bin/env bash
# A scenario run with `-q`, then its run directory against docs/labctl.md ("The run directory"): `-q` prints the
# outcome line and the run directory only (no verdict table), and the directory holds every file the layout lists —
# the reports, each node's files with the collector's table dumps and a non-empty SQLite store, the RIBs, the
# collector's records and the traffic files.
#   run_dir_check.sh LABCTL RUNDIR LAB OUTDIR SCENARIO COLLECTOR
set -uo pipefail
labctl=$1 rundir=$2 lab=$3 out=$4 scenario=$5 collector=$6
rm -rf "$out"
stdout=$("$labctl" --rundir "$rundir" run -q --name "$lab" --out "$out" "$scenario")
rc=$?
echo "$stdout"
problems=0
problem() { echo "run_dir_check: $*" >&2; problems=$((problems + 1)); }
[[ $rc -eq 0 ]] || problem "labctl run exited $rc"
[[ $(wc -l <<<"$stdout") -eq 2 ]] || problem "-q printed more than the outcome line and the run directory"
grep -qE '^[a-z0-9-]+: PASS: [0-9]+ checks, 0 failed' <<<"$stdout" || problem "no outcome line"
abs=$(realpath -m -- "$out")  # labctl prints the run directory absolute
grep -qxF "run directory: $abs" <<<"$stdout" || problem "no 'run directory: $abs' line"
for f in verdict.txt verdict.json junit.xml report.html "records-$collector.json" \
         "nodes/$collector/flowcollector.yaml" "ribs/$collector.json"; do
  [[ -s $out/$f ]] || problem "$f missing or empty"
done
ls "$out"/nodes/"$collector"/bgp-*.jsonl >/dev/null 2>&1 || problem "no collector table dump nodes/$collector/bgp-*.jsonl"
for dump in "$out"/nodes/"$collector"/bgp-*.jsonl; do
  [[ -s $dump ]] || problem "$dump is empty"
done
rows=$(sqlite3 "$out/nodes/$collector/flows.db" 'SELECT count(*) FROM acct_full' 2>&1)
[[ $rows =~ ^[0-9]+$ && $rows -gt 0 ]] || problem "nodes/$collector/flows.db: acct_full has no rows ($rows)"
ls "$out"/traffic/*.json >/dev/null 2>&1 || problem "no flowgen spec files in traffic/"
ls "$out"/nodes/*/flowprobe*.flows.jsonl >/dev/null 2>&1 || problem "no flowprobe<N>.flows.jsonl in nodes/"
if [[ $problems -ne 0 ]]; then
  exit 1
fi
echo "run directory complete: $out (flows.db: $rows rows)"
