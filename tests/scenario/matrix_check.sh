#!/usr/bin/env bash
# scenario_matrix: `labctl matrix` on one scenario with every probe and collector kind must show no FAIL that
# tests/scenario/matrix_documented.txt does not list, and no ERROR.
#   matrix_check.sh LABCTL RUNDIR OUTDIR DOCUMENTED SCENARIO...
set -uo pipefail
labctl=$1 rundir=$2 out=$3 documented=$4
shift 4
rm -rf "$out"
"$labctl" --rundir "$rundir" matrix --name i14m --probes flowprobe,softflowd,pmacctd,fprobe \
  --collectors flowcollector,nfacctd,nfcapd --out "$out" "$@" >/dev/null
rc=$?
cat "$out/matrix.txt" 2>/dev/null
if [[ $rc -ne 0 && $rc -ne 1 ]]; then
  echo "labctl matrix exited $rc" >&2
  exit 1
fi
python3 - "$out/matrix.json" "$documented" <<'PY'
import json, re, sys
matrix = json.load(open(sys.argv[1]))
known = []
for line in open(sys.argv[2]):
    if line.strip() and not line.startswith("#"):
        probe, collector, family, rest = line.rstrip("\n").split("|", 3)
        regex, where = rest.rsplit("|", 1)  # the regex may hold '|', the reference does not
        known.append((probe, collector, family, re.compile(regex), where))
problems, explained = [], []
for c in matrix["combinations"]:
    for family, cell in c["families"].items():
        if cell["cell"] == "ERROR":
            problems.append(f"{c['probe']} x {c['collector']}: {family} ERROR: {c['reason']}")
        if cell["cell"] != "FAIL":
            continue
        for d in cell["details"]:
            if not d.startswith("FAIL "):
                continue  # n/a or FLAGGED details of the family (their reasons), not a disagreement
            hit = [k for k in known if k[0] in ("*", c["probe"]) and k[1] in ("*", c["collector"])
                   and k[2] == family and k[3].search(d)]
            (explained if hit else problems).append(
                f"{c['probe']} x {c['collector']}: {family}: {d}" + (f" — {hit[0][4]}" if hit else ""))
for e in explained:
    print("documented:", e)
for p in problems:
    print("UNEXPLAINED:", p, file=sys.stderr)
sys.exit(1 if problems else 0)
PY
