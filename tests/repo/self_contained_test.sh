#!/usr/bin/env bash
# The repository is self-contained: no file of it may refer to the folder beside a checkout that CI happens to have
# (a user's clone has none). Fails listing every file:line that does.  usage: self_contained_test.sh REPO_ROOT
set -euo pipefail
root=${1:?usage: self_contained_test.sh REPO_ROOT}
pattern='\.\./shared\b'
hits=$(grep -rnIE "$pattern" "$root" --exclude-dir=.git --exclude-dir='build*' --exclude-dir=flowlab-runs \
         --exclude-dir=.cache || true)
if [[ -n $hits ]]; then
  echo "FAIL: files refer to a folder outside the repository:"
  echo "$hits"
  exit 1
fi
echo "PASS: no file refers to a folder outside the repository"
