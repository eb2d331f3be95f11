//===- MPFolds.cpp - Folds of mp ops ---------------------------*- C++ -*-===//
//
// Licensed under the Apache License v2.0 with LLVM Exceptions.
// SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
//
//===----------------------------------------------------------------------===//

#include "mp/Dialect/MP/IR/MPOps.h"

using namespace mlir;
using namespace mp;

/// cast(x : fp32) -> x; cast(cast(x : F) : F) -> cast(x : F) (rounding to a
/// format is idempotent, including saturation, inf and NaN results).
OpFoldResult CastOp::fold(FoldAdaptor) {
  if (getFormat().isF32())
    return getInput();
  if (auto inner = getInput().getDefiningOp<CastOp>())
    if (inner.getFormat() == getFormat())
      return getInput();
  return {};
}
