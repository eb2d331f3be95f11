//===- MPToLinalg.cpp - Lower mp ops to linalg on tensors ------*- C++ -*-===//
//
// Licensed under the Apache License v2.0 with LLVM Exceptions.
// SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
//
//===----------------------------------------------------------------------===//
// PLACEHOLDER: being written (convert-mp-to-linalg).

#include "mp/Conversion/MPToLinalg/MPToLinalg.h"

#include "mp/Conversion/Passes.h"
#include "mp/Dialect/MP/IR/MPOps.h"
#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"

namespace mp {
#define GEN_PASS_DEF_CONVERTMPTOLINALGPASS
#include "mp/Conversion/Passes.h.inc"
} // namespace mp

using namespace mlir;
using namespace mp;

namespace {
struct ConvertMPToLinalgPass
    : mp::impl::ConvertMPToLinalgPassBase<ConvertMPToLinalgPass> {
  void runOnOperation() override {
    getOperation().emitError("convert-mp-to-linalg is not implemented yet");
    signalPassFailure();
  }
};
} // namespace
