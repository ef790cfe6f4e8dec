#!/usr/bin/env bash
# The catalogue can fail: FAULT.yaml run with its `fault:` switch removed (run_fault.sh, FLOWLAB_FAULT_OFF=1) is
# the same pipeline without the defect, so run_fault.sh must report the fault UNDETECTED (the run passes).
#   selftest.sh RUN_FAULT LABCTL RUNDIR LAB OUTDIR FAULT.yaml
set -uo pipefail
run_fault=$1
shift
name=$(basename "$5" .yaml)
output=$(FLOWLAB_FAULT_OFF=1 "$run_fault" "$@" 2>&1)
rc=$?
echo "$output"
if [[ $rc -ne 0 ]] && grep -qF "fault $name UNDETECTED: labctl run exited 0" <<<"$output"; then
  echo "selftest: with its switch off, fault $name is reported undetected, as it must be"
  exit 0
fi
echo "selftest: run_fault.sh did not report fault $name undetected with its switch off (exit $rc)" >&2
exit 1
