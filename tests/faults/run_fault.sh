#!/usr/bin/env bash
# One fault of the catalogue (docs/faults.md): `labctl run` on the fault's scenario must exit 1 (verification
# failed: the fault was noticed) and its verdict must contain every line the file lists as `# expect: LINE`.
# Anything else — the run passes, ends in another way, or the lines are missing — reports the fault UNDETECTED
# and exits 1.
#   run_fault.sh LABCTL RUNDIR LAB OUTDIR FAULT.yaml
# FLOWLAB_FAULT_OFF=1 runs the scenario with its `fault:` switch removed (the same pipeline without the defect):
# then the fault must go undetected, which shows that this test can fail (ctest faults_selftest).
set -uo pipefail
labctl=$1 rundir=$2 lab=$3 out=$4 scenario=$5
name=$(basename "$scenario" .yaml)
mapfile -t expected < <(sed -n 's/^# expect: //p' "$scenario")
if [[ ${#expected[@]} -eq 0 ]]; then
  echo "$scenario: no '# expect: LINE' comment: nothing would show the fault" >&2
  exit 1
fi
run_file=$scenario
if [[ ${FLOWLAB_FAULT_OFF:-0} == 1 ]]; then
  mkdir -p "$out.in"
  run_file=$out.in/$name.yaml
  grep -q 'fault: ' "$scenario" || { echo "$scenario has no fault: switch to turn off" >&2; exit 1; }
  sed -E 's/,? *fault: [a-z0-9-]+//' "$scenario" >"$run_file"
fi
rm -rf "$out"
"$labctl" --rundir "$rundir" run -q --name "$lab" --out "$out" "$run_file"
rc=$?
undetected() {
  echo "fault $name UNDETECTED: $*" >&2
  exit 1
}
if [[ $rc -ne 1 ]]; then
  [[ -f $out/verdict.txt ]] && tail -n 40 "$out/verdict.txt" >&2
  undetected "labctl run exited $rc (1 = a check failed)"
fi
for line in "${expected[@]}"; do
  if ! grep -qF -- "$line" "$out/verdict.txt"; then
    grep -E 'FAIL|error' "$out/verdict.txt" | head -n 30 >&2
    undetected "the verdict lacks: $line"
  fi
done
echo "fault $name detected; the verdict says:"
printf '  %s\n' "${expected[@]}"
