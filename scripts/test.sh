#!/usr/bin/env bash
# test.sh [PRESET]: builds PRESET (release by default; asan for ASan+UBSan) and
# runs every test in it: unit, vectors, interop and the fuzz corpus replays.
# Interop tests create network namespaces, so they need root.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
preset="${1:-release}"
shift || true
cmake --preset "${preset}" >/dev/null
cmake --build --preset "${preset}"
ctest --preset "${preset}" --parallel "$(nproc)" "$@"
