#!/usr/bin/env bash
# lint.sh: checks that every C++ file is clang-format clean and that
# clang-tidy (the checks in .clang-tidy) reports nothing on src/.
# Needs a configured build/release (for compile_commands.json).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
mapfile -t files < <(git ls-files '*.cpp' '*.hpp')
clang-format --dry-run -Werror "${files[@]}"
echo "lint: clang-format clean (${#files[@]} files)"
mapfile -t srcs < <(git ls-files 'src/*.cpp')
printf '%s\n' "${srcs[@]}" | xargs -P "$(nproc)" -n 4 clang-tidy -p build/release --quiet 2>/dev/null
echo "lint: clang-tidy clean (${#srcs[@]} files)"
