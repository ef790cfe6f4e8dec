#!/usr/bin/env bash
# Lab test: `labctl run` must pass (exit 0; FLAGGED counts as passed) and its verdict must contain every PATTERN,
# and none of the patterns written !PATTERN.
#   run_and_grep.sh LABCTL RUNDIR LAB OUTDIR SCENARIO PATTERN...
set -uo pipefail
labctl=$1 rundir=$2 lab=$3 out=$4 scenario=$5
shift 5
rm -rf "$out"
"$labctl" --rundir "$rundir" run -q --name "$lab" --out "$out" "$scenario"
rc=$?
if [[ $rc -ne 0 ]]; then
  cat "$out/verdict.txt" >&2 2>/dev/null
  echo "expected exit 0, got $rc" >&2
  exit 1
fi
for pattern in "$@"; do
  if [[ $pattern == !* ]]; then
    if grep -qF -- "${pattern:1}" "$out/verdict.txt"; then
      echo "verdict has what it must not: ${pattern:1}" >&2
      exit 1
    fi
  elif ! grep -qF -- "$pattern" "$out/verdict.txt"; then
    cat "$out/verdict.txt" >&2
    echo "verdict lacks: $pattern" >&2
    exit 1
  fi
done
echo "passed; the verdict says: $*"
