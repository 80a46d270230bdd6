#!/usr/bin/env bash
# Builds jx with its tests, examples and benchmarks, and runs the test suite (see README.md).
set -euo pipefail
cd "$(dirname "$0")/.."
./scripts/setup.sh
cmake --preset default >/dev/null
cmake --build --preset default
ctest --preset default -j "$(nproc)"
