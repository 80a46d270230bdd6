#!/usr/bin/env bash
# Installs the Debian packages jx builds, tests and benchmarks with. Idempotent: prints nothing and
# installs nothing when every package is already present.
set -euo pipefail

packages=(
  build-essential cmake ninja-build ccache pkg-config
  libgtest-dev libgmock-dev libbenchmark-dev
  libopenblas-dev libdnnl-dev libsleef-dev libfftw3-dev libfmt-dev nlohmann-json3-dev zlib1g-dev
  libbackward-cpp-dev libdw-dev
  libopenmpi-dev openmpi-bin
  libplplot-dev plplot-driver-cairo
  python3-numpy python3-scipy
  dataset-fashion-mnist fortunes
  libtorch-dev
  clang-format clang-tidy
  doxygen
)

missing=()
for package in "${packages[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$package")
  fi
done
[ ${#missing[@]} -eq 0 ] && exit 0

echo "jx setup: installing ${missing[*]}"
sudo_cmd=()
[ "$(id -u)" -ne 0 ] && sudo_cmd=(sudo)
export DEBIAN_FRONTEND=noninteractive
"${sudo_cmd[@]}" apt-get update -qq
"${sudo_cmd[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
