#!/usr/bin/env bash
# The default demo, from a fresh Debian 12 machine (as root): installs packages, builds the four programs it needs
# (labctl, flowprobe, flowcollector, flowgen — not the tests), and runs the scenario scenarios/janog36-model2.yaml end
# to end — the JANOG36 sample network (seeds 000/001) of real BIRD/FRR routers, a probe on the border router
# exporting IPFIX, flowcollector enriching from its iBGP session, exact traffic from flowgen — and prints the verdict
# table: every field with the oracle's, the routers' and the collector's values.
# The lab is destroyed afterwards; the run directory (verdict.txt/json, junit.xml, report.html, configs, logs, RIBs,
# records) stays under ./flowlab-runs/ (ignored by git). Another scenario: scripts/demo.sh scenarios/dualstack-failover.yaml
# Exit code: labctl run's — 0 PASS, 1 a check FAILED, 2 invalid scenario, 3 the run could not complete.
set -euo pipefail
cd "$(dirname "$0")/.."

bash scripts/install-deps.sh
bash scripts/build.sh labctl flowprobe flowcollector flowgen >/dev/null

exec build/labctl/cli/labctl run "${1:-scenarios/janog36-model2.yaml}"
