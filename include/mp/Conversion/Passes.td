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
    inputs, any exponent bias. Casts to fp32 disappear. `mp.encode` and
    `mp.decode` (storage codes, mp-materialize-storage) become the same
    rounding followed by packing into the code, and the unpacking of a code
    into its f32 value. Other ops are left alone.
  }];
  let dependentDialects = ["::mlir::linalg::LinalgDialect",
                           "::mlir::math::MathDialect",
                           "::mlir::tensor::TensorDialect",
                           "::mlir::arith::ArithDialect"];
}

def ConvertTosaToMPPass : Pass<"convert-tosa-to-mp", "::mlir::ModuleOp"> {
  let summary = "Import a TOSA forward graph (NHWC, constant weights) as an mp forward graph";
  let description = [{
    Rewrites every `func.func` whose body holds TOSA ops into an mp forward
    function that `mp-build-training-step` accepts: the function keeps its
    name; its arguments become the input batch (NCHW, role `input`), a new
    `label` argument (N x i32, role `label`) and one argument per trainable
    constant (role `weight`, `mp.name` from the op's name location or
    `<kind><index>`, e.g. `conv0.weight`, in mp layout: OIHW, grouped
    depthwise, linear `out x in`). The TOSA logits (the single N x classes
    result) are followed by `mp.log_softmax` and `mp.nll_loss`; the function
    returns the loss. A softmax or log-softmax head on the logits (exp and a
    sum over the classes, with reduce_max, sub, reciprocal, mul, log) is
    dropped in favour of that loss. Activation layout changes (tosa.transpose, and reshapes
    that only regroup dimensions) are tracked per value and fold away; an
    NHWC flatten in front of a matmul permutes the rows of the matmul weight.
    Constants used as conv/matmul weights, non-zero conv biases, and bias
    adds right after a conv or matmul become parameters (layers sharing a
    constant share it); other constants stay `arith.constant`. Splat
    multiplications and window sums are folded into a pending factor that
    is applied (one `mp.mul`) only where needed. With `weights-dir`, the
    initial values are written as `<dir>/<mp.name>.npy` (f32, mp layout).

    Fails, naming the op, on anything it cannot import exactly: ops outside
    the supported set, non-f32 (quantized) element types, dynamic shapes,
    non-zero zero points, asymmetric padding, clamps other than
    ReLU/ReLU6, padded average pooling (TOSA excludes padding from the
    divisor), reductions other than over spatial dimensions, and layout
    changes of activations that mp cannot express.
  }];
  let options = [
    Option<"weightsDir", "weights-dir", "std::string", /*default=*/"\"\"",
           "Write every parameter's initial value as <dir>/<mp.name>.npy">,
    Option<"inputLayout", "input-layout", "std::string", /*default=*/"\"auto\"",
           "Layout of a 4-D TOSA input: nhwc, nchw, or auto (nchw when every "
           "use is a tosa.transpose to NHWC, as torch-mlir emits; else nhwc)">,
  ];
  let dependentDialects = ["::mp::MPDialect",
                           "::mlir::arith::ArithDialect",
                           "::mlir::func::FuncDialect"];
}

#endif // MP_CONVERSION_PASSES_TD
