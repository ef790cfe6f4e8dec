#!/usr/bin/env bash
# The default demo, from a fresh Debian 12 machine (as root): installs packages, builds, deploys the JANOG36
# sample network (seed 001) of real BIRD/FRR routers, waits for BGP convergence, shows the lab and every router's
# best AS path to every prefix, then destroys the lab (also on Ctrl-C or error).
set -euo pipefail
cd "$(dirname "$0")/.."

bash scripts/install-deps.sh
bash scripts/build.sh >/dev/null

labctl=build/labctl/cli/labctl
topology=${1:-topologies/janog36.yaml}
lab=demo

cleanup() { "$labctl" destroy "$lab" || true; }
trap cleanup EXIT

"$labctl" destroy "$lab" 2>/dev/null || true
"$labctl" deploy -t "$topology" --name "$lab" --converge --timeout 60s
echo
"$labctl" inspect "$lab"
echo
echo "Best routes, as each router reports them:"
"$labctl" routes "$lab"
