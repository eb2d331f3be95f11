//===- MPInterfaces.td - mp op interfaces ------------------*- tablegen -*-===//
//
// Licensed under the Apache License v2.0 with LLVM Exceptions.
// SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
//
//===----------------------------------------------------------------------===//

#ifndef MP_DIALECT_MP_IR_MPINTERFACES_TD
#define MP_DIALECT_MP_IR_MPINTERFACES_TD

include "mlir/IR/OpBase.td"

def MP_TrainingOpInterface : OpInterface<"TrainingOpInterface"> {
  let cppNamespace = "::mp";
  let description = [{
    Implemented by every mp op that belongs to one phase of a training step.
    Tells the phase (forward, backward, optimizer) and the role of each
    result in the paper's terms (activation v, activation gradient dv, weight
    gradient dtheta, ...). Analyses use this interface, never op names.

    The phase belongs to the op that was built, not to its kind: a gradient
    rule may build an op of a forward kind (the gradient of mp.concat is an
    mp.split, that of mp.mul an mp.mul), and mp-build-training-step marks
    every such op with `mp.phase = #mp.phase<backward>`. The default
    implementations read that attribute first, then the phase trait of the
    op (`ForwardPhase`, `BackwardPhase`, `OptimizerPhase`); the results of a
    marked op are activation gradients. Ops whose results have mixed roles
    override `getResultRole`.
  }];
  let methods = [
    InterfaceMethod<"Returns the phase this op belongs to.", "::mp::Phase",
      "getPhase", (ins), [{}], [{
        return ::mp::detail::getBuiltPhase($_op.getOperation(), ConcreteOp::kPhase);
      }]>,
    InterfaceMethod<"Returns the role of result `index`.", "::mp::Role",
      "getResultRole", (ins "unsigned":$index), [{}], [{
        (void)index;
        return ::mp::detail::getBuiltRole($_op.getOperation(), ConcreteOp::kPhase,
                                          ConcreteOp::kDefaultRole);
      }]>,
  ];
}

def MP_DifferentiableOpInterface : OpInterface<"DifferentiableOpInterface"> {
  let cppNamespace = "::mp";
  let description = [{
    The reverse-mode derivative rule of an op. `mp-build-training-step` calls
    it on every op between the weights and the loss, in reverse program
    order, so each op's rule lives with the op and not in the pass.
  }];
  let methods = [
    InterfaceMethod<[{
        Builds the gradients of the operands at the builder's insertion point.
        `resultGrads` has one entry per result: the gradient of the loss with
        respect to that result, or null when the result does not reach the
        loss. `needed[i]` says whether operand `i` needs a gradient. On
        success `operandGrads` holds one value per operand (null where not
        needed or where the operand has no gradient, like labels). Emits an
        error and fails when the op cannot be differentiated.
      }], "::llvm::LogicalResult", "buildGradients",
      (ins "::mlir::OpBuilder &":$builder,
           "::llvm::ArrayRef<::mlir::Value>":$resultGrads,
           "::llvm::ArrayRef<bool>":$needed,
           "::llvm::SmallVectorImpl<::mlir::Value> &":$operandGrads)>,
  ];
}

def MP_ParameterOpInterface : OpInterface<"ParameterOpInterface"> {
  let cppNamespace = "::mp";
  let description = [{
    Implemented by the ops that take trained parameters as operands (conv2d,
    linear, the batch norms). Says which operands are parameters, what they
    are (a GEMM weight, a bias, a scale, a shift), their fan-in and fan-out
    and how a fresh model initialises them, and whether the op is a GEMM,
    the layer kind around which the paper groups tensors. Analyses and
    tools ask this interface instead of listing op kinds.
  }];
  let methods = [
    InterfaceMethod<[{
        Returns what operand `index` is as a parameter; `kind` is
        `ParameterKind::none` for operands that are not parameters.
      }], "::mp::ParameterUse", "getParameterUse", (ins "unsigned":$index)>,
    InterfaceMethod<[{
        Returns the activation input of a GEMM op (the tensor multiplied by
        its weight), or null when the op is not a GEMM.
      }], "::mlir::Value", "getGemmInput", (ins), [{}], [{
        return ::mlir::Value();
      }]>,
  ];
}

// The result is operand 0's tensor: re-viewed (reshape, channel shuffle)
// or the same values rounded (casts). Analyses count it once, as its root.
def MP_TensorAlias : NativeOpTrait<"TensorAlias"> { let cppNamespace = "::mp"; }

def MP_ForwardPhase : NativeOpTrait<"ForwardPhase"> { let cppNamespace = "::mp"; }
def MP_BackwardPhase : NativeOpTrait<"BackwardPhase"> { let cppNamespace = "::mp"; }
def MP_OptimizerPhase : NativeOpTrait<"OptimizerPhase"> { let cppNamespace = "::mp"; }

#endif // MP_DIALECT_MP_IR_MPINTERFACES_TD
