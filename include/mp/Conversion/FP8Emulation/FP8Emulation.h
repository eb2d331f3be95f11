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
/// and returns the rounded value as f32 (see docs/Design/FP8Emulation.md):
/// round to nearest (ties to even or away) with subnormals, then saturate,
/// inf or NaN when the rounded magnitude exceeds the largest finite value;
/// inf inputs follow the same rule (ieee formats keep them unless they
/// saturate), NaN gives the canonical quiet NaN and fnuz has no -0. Uses only
/// arith.bitcast and i32 integer ops: no calls, no math, no float arithmetic.
mlir::Value emitRoundToFormat(mlir::OpBuilder &b, mlir::Location loc,
                              mlir::Value x, FormatAttr format);

/// Emits an i1 that is true when |x| >= the format's overflow threshold
/// (docs/Paper.md 4.1), inf included; NaN counts as no overflow. For fn formats
/// with ties to even the threshold itself rounds down to max finite, so this
/// flag and the cast's overflow differ exactly there.
mlir::Value emitIsOverflow(mlir::OpBuilder &b, mlir::Location loc,
                           mlir::Value x, FormatAttr format);

/// Emits ops that round the f32 scalar `x` to `format` (emitRoundToFormat)
/// and return its code as `codeType` (at least FormatAttr::getStorageBits wide; the code
/// is in the low bits): 1 sign bit, the biased exponent, the mantissa.
/// Non-finite values take the format's special codes; where it has none
/// (inf in fn and fnuz, inf and NaN in none) they are stored as its NaN
/// code, which for fnuz and none is the -0 code (none stores -0 as +0).
/// See docs/Design/Storage.md.
mlir::Value emitEncode(mlir::OpBuilder &b, mlir::Location loc, mlir::Value x,
                       FormatAttr format, mlir::IntegerType codeType);

/// Emits ops that return the f32 value of the `format` code `code` (an
/// integer at least FormatAttr::getStorageBits wide): decode(encode(x)) is bit for bit
/// emitRoundToFormat(x) except where the note on emitEncode says.
mlir::Value emitDecode(mlir::OpBuilder &b, mlir::Location loc,
                       mlir::Value code, FormatAttr format);

/// Adds the pattern that rewrites mp.cast on tensors to a linalg.generic
/// (over a tensor.empty) around emitRoundToFormat, and casts to fp32 to their
/// input.
void populateLowerCastsPatterns(mlir::RewritePatternSet &patterns);

} // namespace mp

#endif // MP_CONVERSION_FP8EMULATION_FP8EMULATION_H
