#!/usr/bin/env bash
# Licensed under the Apache License v2.0 with LLVM Exceptions.
# SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
#
# The main job on the bundled default: set up (install + build), then parse
# and verify the bundled ResNet-18 CIFAR-10 forward graph, build its training
# step, and print a per-op summary of every function.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
BUILD="${MP_BUILD_DIR:-$ROOT/build}"
"$ROOT/scripts/setup.sh" "$@"
MODEL="${MP_MODEL:-$ROOT/examples/resnet18_cifar10.mlir}"
echo "== $MODEL: forward graph, training step and evaluation function"
"$BUILD/bin/mp-opt" "$MODEL" --mp-build-training-step \
  --mp-print-op-summary -o /dev/null
