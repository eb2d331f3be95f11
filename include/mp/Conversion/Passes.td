//===- Passes.td - mp conversion passes --------------------*- tablegen -*-===//
//
// Licensed under the Apache License v2.0 with LLVM Exceptions.
// SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
//
//===----------------------------------------------------------------------===//

#ifndef MP_CONVERSION_PASSES_TD
#define MP_CONVERSION_PASSES_TD

include "mlir/Pass/PassBase.td"

def ConvertMPToLinalgPass : Pass<"convert-mp-to-linalg", "::mlir::ModuleOp"> {
  let summary = "Lower every mp op to linalg/tensor/arith/math on tensors";
  let description = [{
    Rewrites every mp NN, backward and optimizer op into linalg named and
    generic ops, tensor ops (pad, slices, reshapes) and arith/math scalar
    code, on tensors. `mp.cast` must already be lowered (mp-lower-casts);
    any mp op left afterwards is an error. Semantics are those documented on
    each op (PyTorch's for the NN ops).
  }];
  let dependentDialects = ["::mlir::linalg::LinalgDialect",
                           "::mlir::tensor::TensorDialect",
                           "::mlir::arith::ArithDialect",
                           "::mlir::math::MathDialect",
                           "::mlir::scf::SCFDialect"];
}

def MPLowerCastsPass : Pass<"mp-lower-casts", "::mlir::ModuleOp"> {
  let summary = "Lower mp.cast to exact integer-arithmetic emulation";
  let description = [{
    Rewrites each `mp.cast %x to <format>` into a `linalg.generic` whose body
    rounds the f32 element to the format with integer arith ops on its bit
    pattern (no software-float calls): nearest-even or ties-away rounding,
    subnormals, signed zeros, saturate / inf / NaN on overflow, NaN and inf
    inputs, any exponent bias. Casts to fp32 disappear. Other ops are left
    alone.
  }];
  let dependentDialects = ["::mlir::linalg::LinalgDialect",
                           "::mlir::tensor::TensorDialect",
                           "::mlir::arith::ArithDialect"];
}

#endif // MP_CONVERSION_PASSES_TD
