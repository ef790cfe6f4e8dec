#!/usr/bin/env bash
# Installs every package flowlab needs to build, test and run, from Debian 12 only.
# Used by the README's two commands and by .ci/run. Safe to run again.
set -euo pipefail

if [[ $(id -u) -ne 0 ]]; then
  echo "install-deps: must run as root (apt-get)" >&2
  exit 2
fi

export DEBIAN_FRONTEND=noninteractive

# Daemons we install (bird2, frr, pmacct, nfdump, softflowd, fprobe, clickhouse-server) must not be started by their
# packages in the root namespace: flowlab starts them itself, inside lab namespaces (and the store tests start their
# own clickhouse-server on a loopback port, config and data in a temp folder).
policy=/usr/sbin/policy-rc.d
created_policy=0
if [[ ! -e $policy ]]; then
  printf '#!/bin/sh\nexit 101\n' > "$policy"
  chmod 0755 "$policy"
  created_policy=1
fi
cleanup() { if [[ $created_policy -eq 1 ]]; then rm -f "$policy"; fi; }
trap cleanup EXIT

build_pkgs=(
  build-essential cmake ninja-build pkg-config git
  clang clang-format clang-tidy universal-ctags
  libnl-3-dev libnl-route-3-dev libnl-genl-3-dev
  libyaml-cpp-dev libboost-dev libboost-filesystem-dev libboost-system-dev
  libgtest-dev libgmock-dev libcli11-dev libfmt-dev libspdlog-dev nlohmann-json3-dev
  libpcap-dev libtins-dev libsqlite3-dev
)
runtime_pkgs=(
  bird2 frr iproute2 iputils-ping procps psmisc jq
  tcpdump tshark nfdump nfdump-sflow softflowd fprobe pmacct
  python3 time
  clickhouse-server clickhouse-client
  chromium python3-websocket
)

apt-get update -qq
echo "wireshark-common wireshark-common/install-setuid boolean false" | debconf-set-selections
apt-get install -y -qq --no-install-recommends "${build_pkgs[@]}" "${runtime_pkgs[@]}" >/dev/null
echo "install-deps: ok"
