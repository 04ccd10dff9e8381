#!/usr/bin/env bash
# install-deps.sh: installs every Debian 12 package Strata needs to build, test,
# fuzz and benchmark, plus the real peers the interop tests drive.
# Idempotent: when everything is present it does nothing (no apt-get update).
set -euo pipefail
pkgs=(
    # build
    build-essential cmake ninja-build pkg-config git ccache
    clang libclang-rt-dev clang-format clang-tidy
    # libraries
    libssl-dev libcli11-dev nlohmann-json3-dev libfmt-dev libspdlog-dev libtoml11-dev
    # tests and benchmarks
    libgtest-dev libgmock-dev libbenchmark-dev
    # tools the library drives or prints with
    openssl
    # the independent ESP/AH implementation the differential tests use
    python3-scapy python3-cryptography
    iperf3  # bench/tunnel_bench.sh: gateway throughput against strongSwan
)
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
missing=()
for p in "${pkgs[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
    echo "install-deps: installing ${missing[*]}"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -q >/dev/null
    apt-get install -y -q --no-install-recommends "${missing[@]}" >/dev/null
else
    echo "install-deps: build dependencies all present"
fi
# Real peers for the interop tests (strongSwan, OpenSSL, GnuTLS, tshark).
shared="${here}/../../shared"
if [ -x "${shared}/interop/install-deps.sh" ] || [ -f "${shared}/interop/install-deps.sh" ]; then
    bash "${shared}/interop/install-deps.sh"
else
    echo "install-deps: ../shared/interop not found; interop peers not installed" >&2
fi
