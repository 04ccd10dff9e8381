#!/usr/bin/env bash
# fuzz.sh [SECONDS]: builds the libFuzzer targets with clang (ASan+UBSan) and
# runs each one for SECONDS (default 30), one after another.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
seconds="${1:-30}"
cmake --preset fuzz -DSTRATA_FUZZ_SECONDS="${seconds}" >/dev/null
cmake --build --preset fuzz
ctest --preset fuzz
