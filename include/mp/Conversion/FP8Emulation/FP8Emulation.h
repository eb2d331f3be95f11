//===- FP8Emulation.h - Exact rounding to #mp.format ------------*- C++ -*-===//
//
// Licensed under the Apache License v2.0 with LLVM Exceptions.
// SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
//
//===----------------------------------------------------------------------===//

#ifndef MP_CONVERSION_FP8EMULATION_FP8EMULATION_H
#define MP_CONVERSION_FP8EMULATION_FP8EMULATION_H

#include "mp/Dialect/MP/IR/MPAttrs.h"
#include "mlir/IR/Builders.h"

namespace mlir {
class RewritePatternSet;
} // namespace mlir

namespace mp {

/// Emits integer arith ops that round the f32 scalar `x` to `format` exactly
/// and returns the rounded value as f32 (see docs/Design/FP8Emulation.md).
mlir::Value emitRoundToFormat(mlir::OpBuilder &b, mlir::Location loc,
                              mlir::Value x, FormatAttr format);

/// Emits an i1 that is true when |x| >= the format's overflow threshold
/// (PAPER.md 4.1); NaN counts as no overflow.
mlir::Value emitIsOverflow(mlir::OpBuilder &b, mlir::Location loc,
                           mlir::Value x, FormatAttr format);

/// Adds the pattern that rewrites mp.cast on tensors to a linalg.generic
/// around emitRoundToFormat.
void populateLowerCastsPatterns(mlir::RewritePatternSet &patterns);

} // namespace mp

#endif // MP_CONVERSION_FP8EMULATION_FP8EMULATION_H
