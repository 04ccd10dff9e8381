#!/usr/bin/env bash
# setup.sh: installs every dependency with apt-get, then configures and builds
# the release preset into build/release. Run it once on a fresh Debian 12.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
if [ "$(id -u)" -eq 0 ]; then bash scripts/install-deps.sh; else sudo bash scripts/install-deps.sh; fi
cmake --workflow --preset release
