#!/usr/bin/env bash
# Installs dependencies, builds the release preset and runs the quickstart example.
set -euo pipefail
cd "$(dirname "$0")/.."
./scripts/install-deps.sh
cmake --preset release >/dev/null
cmake --build --preset release --target quickstart
./build/release/examples/quickstart
