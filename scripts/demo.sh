#!/usr/bin/env bash
# Builds jx and runs the tutorial it grew from (see README.md): the counter, then linear regression,
# which writes its plot to linear_regression.png in the current directory.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
"$root/scripts/setup.sh"
cmake -S "$root" --preset default >/dev/null
cmake --build "$root/build/default" --target counter linear_regression
echo "== examples/counter.cpp"
"$root/build/default/examples/counter"
echo
echo "== examples/linear_regression.cpp"
"$root/build/default/examples/linear_regression" --out "$PWD/linear_regression.png"
