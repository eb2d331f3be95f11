//===- MPToLinalg.h - Lower mp ops to linalg on tensors ---------*- C++ -*-===//
//
// Licensed under the Apache License v2.0 with LLVM Exceptions.
// SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
//
//===----------------------------------------------------------------------===//

#ifndef MP_CONVERSION_MPTOLINALG_MPTOLINALG_H
#define MP_CONVERSION_MPTOLINALG_MPTOLINALG_H

namespace mlir {
class RewritePatternSet;
} // namespace mlir

namespace mp {

/// Adds the patterns that lower every mp op except mp.cast to
/// linalg/tensor/arith/math on tensors.
void populateMPToLinalgPatterns(mlir::RewritePatternSet &patterns);

} // namespace mp

#endif // MP_CONVERSION_MPTOLINALG_MPTOLINALG_H
