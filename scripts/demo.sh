#!/usr/bin/env bash
# Builds jx and runs the demo programs (see README.md).
set -euo pipefail
cd "$(dirname "$0")/.."
./scripts/setup.sh
cmake --preset default >/dev/null
cmake --build --preset default --target demo
./build/default/examples/demo
