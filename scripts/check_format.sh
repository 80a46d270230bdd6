#!/usr/bin/env bash
# Checks that every C++ file in the repository is formatted with the root .clang-format (clang-format
# from Debian's clang-format package; scripts/setup.sh installs it). Prints the files that are not;
# `scripts/check_format.sh --fix` formats them in place.
set -euo pipefail
cd "$(dirname "$0")/.."
mapfile -t files < <(git ls-files '*.cpp' '*.h')
if [ "${1:-}" = "--fix" ]; then
  clang-format -i "${files[@]}"
  exit 0
fi
unformatted=()
for file in "${files[@]}"; do
  clang-format --dry-run -Werror "$file" >/dev/null 2>&1 || unformatted+=("$file")
done
if [ ${#unformatted[@]} -ne 0 ]; then
  echo "not clang-formatted (run scripts/check_format.sh --fix):"
  printf '  %s\n' "${unformatted[@]}"
  exit 1
fi
