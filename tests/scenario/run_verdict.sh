#!/usr/bin/env bash
# Scenario test: `labctl run` must exit with RC (0 passed — FLAGGED counts as passed —, 1 verification failed) and
# its verdict must contain every PATTERN, and none of those written !PATTERN.
#   run_verdict.sh LABCTL RUNDIR LAB OUTDIR SCENARIO RC PATTERN...
# FLOWLAB_RUN_ARGS (optional, split at spaces): more `labctl run` options, e.g. "--probe softflowd".
set -uo pipefail
labctl=$1 rundir=$2 lab=$3 out=$4 scenario=$5 want=$6
shift 6
rm -rf "$out"
"$labctl" --rundir "$rundir" run -q --name "$lab" --out "$out" ${FLOWLAB_RUN_ARGS:-} "$scenario"
rc=$?
if [[ $rc -ne $want ]]; then
  cat "$out/verdict.txt" >&2 2>/dev/null
  echo "expected exit $want, got $rc" >&2
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
echo "exit $rc as expected; the verdict says: $*"
