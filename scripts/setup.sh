#!/usr/bin/env bash
# Licensed under the Apache License v2.0 with LLVM Exceptions.
# SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
#
# Installs what is missing (Debian 12 packages only), configures and builds
# mp in ./build. Idempotent: a second run only rebuilds what changed.
#   scripts/setup.sh            install + build
#   scripts/setup.sh --no-apt   build only
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
BUILD="${MP_BUILD_DIR:-$ROOT/build}"

PACKAGES=(cmake ninja-build lld g++ python3
          libmlir-22-dev mlir-22-tools llvm-22-dev llvm-22-tools
          dataset-fashion-mnist python3-numpy python3-matplotlib python3-onnx python3-torch zlib1g-dev)

if [[ "${1:-}" != "--no-apt" ]]; then
  missing=()
  for p in "${PACKAGES[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
  done
  if ((${#missing[@]})); then
    echo "setup: installing ${missing[*]}"
    SUDO=""; [[ $(id -u) -ne 0 ]] && SUDO="sudo"
    $SUDO apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "${missing[@]}" >/dev/null
  fi
fi

# Debian's interpreter: python3-numpy and friends are installed for it, not
# for a python3 that a version manager (pyenv, conda) may put first on PATH.
PYTHON=/usr/bin/python3
[[ -x $PYTHON ]] || PYTHON="$(command -v python3)"

if [[ ! -f "$BUILD/build.ninja" ]]; then
  cmake -G Ninja -S "$ROOT" -B "$BUILD" \
    -DCMAKE_BUILD_TYPE=Release \
    -DMLIR_DIR=/usr/lib/llvm-22/lib/cmake/mlir \
    -DLLVM_USE_LINKER=lld -DLLVM_PARALLEL_LINK_JOBS=1 \
    -DPython3_EXECUTABLE="$PYTHON" >/dev/null
fi
ninja -C "$BUILD"
