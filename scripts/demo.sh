#!/usr/bin/env bash
# Licensed under the Apache License v2.0 with LLVM Exceptions.
# SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
#
# The main job on the bundled default: set up (install + build), build the
# training step of the bundled ResNet-18 CIFAR-10 graph (batch 128), assign
# precisions with the paper's pi_ours at r = 0.6 and print its report, then
# the same step under pi_op and the uniform baselines side by side.
#   MP_MODEL=file.mlir MP_RATIO=0.5 scripts/demo.sh   other model / ratio
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
BUILD="${MP_BUILD_DIR:-$ROOT/build}"
"$ROOT/scripts/setup.sh" "$@"
PYTHON=/usr/bin/python3
[[ -x $PYTHON ]] || PYTHON=python3
MODEL="${MP_MODEL:-$ROOT/examples/resnet18_cifar10.mlir}"
RATIO="${MP_RATIO:-0.6}"
OUT="$(mktemp -d)"
trap 'rm -rf "$OUT"' EXIT

run() { # name, assign options
  "$BUILD/bin/mp-opt" "$MODEL" --mp-build-training-step \
    --mp-assign-precision="$2" \
    --mp-report="format=json output=$OUT/$1.json" -o /dev/null
}

echo "== $MODEL"
echo "== pi_ours(r=$RATIO): per-group decisions and memory"
"$BUILD/bin/mp-opt" "$MODEL" --mp-build-training-step \
  --mp-assign-precision="policy=ours ratio=$RATIO" \
  --mp-report="tensors=false" -o /dev/null
echo "   (per-tensor table: add tensors=true, or format=json)"
run ours "policy=ours ratio=$RATIO"
run op "policy=op"
run uniform-low "policy=uniform-low"
run uniform-high "policy=uniform-high"
run fp32 "policy=fp32"
echo
echo "== side by side (low ratio = the paper's logged bit ratio; savings vs fp32 and vs all-16-bit)"
PYTHONPATH="$ROOT/python" "$PYTHON" -m mpt compare "$OUT/ours.json" "$OUT/op.json" \
  "$OUT/uniform-low.json" "$OUT/uniform-high.json" "$OUT/fp32.json"
