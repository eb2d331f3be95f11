//===- TosaToMP.h - Import TOSA forward graphs as mp -------------*- C++ -*-===//
//
// Licensed under the Apache License v2.0 with LLVM Exceptions.
// SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
//
//===----------------------------------------------------------------------===//

#ifndef MP_CONVERSION_TOSATOMP_TOSATOMP_H
#define MP_CONVERSION_TOSATOMP_TOSATOMP_H

#include "mlir/Support/LLVM.h"
#include <string>

namespace mlir {
namespace func {
class FuncOp;
} // namespace func
} // namespace mlir

namespace mp {

/// Options of one TOSA import (the convert-tosa-to-mp pass options).
struct TosaImportOptions {
  /// Where to write `<mp.name>.npy` per parameter; empty: write nothing.
  std::string weightsDir;
  /// Layout of a 4-D input: "nhwc", "nchw" or "auto".
  std::string inputLayout = "auto";
};

/// Replaces the TOSA function `fn` by an mp forward function of the same
/// name (input, label and parameter arguments with roles and names; returns
/// the mean cross-entropy loss of the TOSA logits). On failure an error
/// naming the offending op has been emitted and `fn` is left unchanged.
mlir::LogicalResult importTosaFunction(mlir::func::FuncOp fn,
                                       const TosaImportOptions &options);

} // namespace mp

#endif // MP_CONVERSION_TOSATOMP_TOSATOMP_H
