#!/usr/bin/env bash
# Licensed under the Apache License v2.0 with LLVM Exceptions.
# SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
#
# Builds mp and runs every GPU check (docs/GPU.md): the mp-gpu-pipeline lit
# tests, PTX of the bundled models through ptxas, the runtime wrapper, and on
# a machine with an NVIDIA GPU the GPU-vs-CPU comparisons. Prints the device,
# the time each part took and a summary; ends with "N passed, N failed".
# Meant to finish in under 8 minutes on a GPU machine (16 cores).
#
# usage: scripts/gpu-check.sh [BUILD_DIR]   (default: build-gpu-check)
set -uo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
BUILD="${1:-$ROOT/build-gpu-check}"
LIT=/usr/lib/llvm-22/bin/lit
START=$(date +%s)
JOBS=$(nproc)

echo "== device"
if command -v nvidia-smi >/dev/null 2>&1 && nvidia-smi -L; then
  nvidia-smi --query-gpu=name,compute_cap,driver_version,memory.total --format=csv,noheader || true
else
  echo "no NVIDIA GPU visible: the gated GPU-vs-CPU tests will be unsupported"
fi
if [ -x /usr/local/cuda/bin/ptxas ]; then
  /usr/local/cuda/bin/ptxas --version | tail -1
else
  echo "no /usr/local/cuda/bin/ptxas: the PTX checks will be unsupported"
fi

echo "== build ($BUILD, $JOBS jobs)"
T0=$(date +%s)
mkdir -p "$BUILD"
if [ ! -f "$BUILD/build.ninja" ]; then
  cmake -G Ninja -S "$ROOT" -B "$BUILD" -DCMAKE_BUILD_TYPE=Release \
    -DMLIR_DIR=/usr/lib/llvm-22/lib/cmake/mlir -DLLVM_USE_LINKER=lld \
    -DPython3_EXECUTABLE=/usr/bin/python3 >"$BUILD/gpu-check-cmake.log" 2>&1 ||
    { tail -30 "$BUILD/gpu-check-cmake.log"; echo "0 passed, 1 failed"; exit 1; }
fi
if ! ninja -C "$BUILD" -j"$JOBS" mp-opt mp-run mp-train mp_cuda_runtime >"$BUILD/gpu-check-ninja.log" 2>&1; then
  tail -30 "$BUILD/gpu-check-ninja.log"
  echo "build failed"
  echo "0 passed, 1 failed"
  exit 1
fi
echo "build: $(( $(date +%s) - T0 )) s"

echo "== lit: GPU checks"
T0=$(date +%s)
RESULTS="$BUILD/gpu-check-results.xml"
rm -f "$RESULTS"
"$LIT" -sv -j"$JOBS" --param exhaustive=1 --time-tests --xunit-xml-output="$RESULTS" \
  "$BUILD/test/Integration/GPU" \
  "$BUILD/test/Pipelines/gpu-pipeline.mlir" \
  "$BUILD/test/Pipelines/gpu-pipeline-native-casts.mlir" \
  "$BUILD/test/Pipelines/gpu-pipeline-invalid-options.mlir"
echo "lit: $(( $(date +%s) - T0 )) s"

python3 "$ROOT/scripts/lit-summary.py" "$RESULTS" --per-test \
  --total-seconds "$(( $(date +%s) - START ))"
