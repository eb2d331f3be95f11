//===- Passes.td - mp transformation passes ----------------*- tablegen -*-===//
//
// Licensed under the Apache License v2.0 with LLVM Exceptions.
// SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
//
//===----------------------------------------------------------------------===//

#ifndef MP_TRANSFORMS_PASSES_TD
#define MP_TRANSFORMS_PASSES_TD

include "mlir/Pass/PassBase.td"

def MPPrintOpSummaryPass : Pass<"mp-print-op-summary", "::mlir::ModuleOp"> {
  let summary = "Print a per-function, per-op summary of mp graphs";
  let description = [{
    Reads every function and prints, to stdout (or `output`), a table of the
    mp ops it contains (count, phase, result elements) and its argument roles
    (number of tensors and elements per role, so the parameter count is
    visible). Changes nothing and preserves all analyses.
  }];
  let options = [
    Option<"output", "output", "std::string", /*default=*/"\"-\"",
           "Where to write the summary ('-' for stdout)">,
  ];
}

def MPBuildTrainingStepPass : Pass<"mp-build-training-step", "::mlir::ModuleOp"> {
  let summary = "Build <f>_train_step and <f>_eval from a forward function";
  let description = [{
    Reads every function whose first result has role `loss` (or the function
    named by `function`) -- a forward graph: model plus loss, with inputs,
    labels, weights and BN statistics as role-tagged arguments -- and adds:

    * `@<f>_train_step(inputs..., weights..., bn stats..., momenta..., lr
      [, loss_scale])` returning `(loss, new weights..., new bn stats...,
      new momenta... [, grads_finite])`: the forward graph, its reverse-mode
      derivative (each op's rule comes from DifferentiableOpInterface;
      gradients of values used several times are summed) and one `mp.sgd`
      per weight. With `loss-scaling=dynamic` the backward pass is seeded
      with `loss_scale`, SGD unscales the gradients, and if any gradient is
      not finite every weight and momentum is returned unchanged and
      `grads_finite` is false.
    * `@<f>_eval(inputs..., weights..., bn stats...)` returning
      `(loss, correct)`: the forward graph with BN in inference mode and the
      number of correctly classified rows.

    The forward function is kept. Fails with a diagnostic when no loss is
    found or an op on the path from the weights to the loss has no gradient.
  }];
  let options = [
    Option<"function", "function", "std::string", /*default=*/"\"\"",
           "Forward function to differentiate (default: all with a loss)">,
    Option<"momentum", "momentum", "double", /*default=*/"0.9",
           "SGD momentum">,
    Option<"weightDecay", "weight-decay", "double", /*default=*/"5e-4",
           "SGD weight decay">,
    Option<"nesterov", "nesterov", "bool", /*default=*/"false",
           "Use Nesterov momentum">,
    Option<"lossScaling", "loss-scaling", "std::string", /*default=*/"\"none\"",
           "Loss scaling: none or dynamic">,
  ];
  let dependentDialects = ["::mp::MPDialect", "::mlir::func::FuncDialect",
                           "::mlir::arith::ArithDialect",
                           "::mlir::tensor::TensorDialect"];
}

#endif // MP_TRANSFORMS_PASSES_TD
