#!/usr/bin/env bash
# Negative scenario test: `labctl run` must exit 1 (verification failed — not 0, not a runtime error) and the
# verdict must contain every given pattern (the readable diff).
#   expect_fail.sh LABCTL RUNDIR LAB OUTDIR SCENARIO PATTERN...
set -uo pipefail
labctl=$1 rundir=$2 lab=$3 out=$4 scenario=$5
shift 5
rm -rf "$out"
"$labctl" --rundir "$rundir" run -q --name "$lab" --out "$out" "$scenario"
rc=$?
if [[ $rc -ne 1 ]]; then
  echo "expected exit 1 (verification failed), got $rc" >&2
  exit 1
fi
for pattern in "$@"; do
  if ! grep -qF -- "$pattern" "$out/verdict.txt"; then
    echo "verdict lacks: $pattern" >&2
    exit 1
  fi
done
echo "failed as expected; the verdict names: $*"
