//===- FP8Emulation.cpp - Exact rounding to #mp.format ---------*- C++ -*-===//
//
// Licensed under the Apache License v2.0 with LLVM Exceptions.
// SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
//
//===----------------------------------------------------------------------===//
// PLACEHOLDER: being written (mp-lower-casts).

#include "mp/Conversion/FP8Emulation/FP8Emulation.h"

#include "mp/Conversion/Passes.h"
#include "mp/Dialect/MP/IR/MPOps.h"
#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"

namespace mp {
#define GEN_PASS_DEF_MPLOWERCASTSPASS
#include "mp/Conversion/Passes.h.inc"
} // namespace mp

using namespace mlir;
using namespace mp;

namespace {
struct LowerCastsPass : mp::impl::MPLowerCastsPassBase<LowerCastsPass> {
  void runOnOperation() override {
    getOperation().emitError("mp-lower-casts is not implemented yet");
    signalPassFailure();
  }
};
} // namespace
