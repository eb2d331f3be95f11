//===- MPDialect.td - The mp dialect definition ------------*- tablegen -*-===//
//
// Licensed under the Apache License v2.0 with LLVM Exceptions.
// SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
//
//===----------------------------------------------------------------------===//
//
// The mp dialect describes a CNN training step (forward, backward, optimizer)
// on f32 tensors, plus the `mp.cast` op that emulates low-precision storage.
//
//===----------------------------------------------------------------------===//

#ifndef MP_DIALECT_MP_IR_MPDIALECT_TD
#define MP_DIALECT_MP_IR_MPDIALECT_TD

include "mlir/IR/OpBase.td"
include "mlir/IR/AttrTypeBase.td"

def MP_Dialect : Dialect {
  let name = "mp";
  let cppNamespace = "::mp";
  let summary = "Mixed-precision training graphs";
  let description = [{
    Ops for the forward, backward and optimizer phases of a CNN training step
    on NCHW f32 tensors, the `#mp.format` attribute that describes a
    floating-point storage format, and `mp.cast`, which rounds every element
    of an f32 tensor to such a format while keeping the f32 container.
  }];
  let useDefaultAttributePrinterParser = 1;
  // Gradient rules materialize zero tensors with arith.constant.
  let dependentDialects = ["::mlir::arith::ArithDialect"];
  let hasOperationAttrVerify = 1;
  let hasRegionArgAttrVerify = 1;
  let hasRegionResultAttrVerify = 1;
  let extraClassDeclaration = [{
    /// Adds the attributes; defined next to their storage in MPAttrs.cpp.
    void registerAttributes();
    /// Discardable attribute naming a tensor stably (e.g. "layer1.0.conv1.weight").
    static constexpr ::llvm::StringLiteral getNameAttrName() { return "mp.name"; }
    /// Discardable attribute giving a function argument or result its role.
    static constexpr ::llvm::StringLiteral getRoleAttrName() { return "mp.role"; }
    /// Discardable attribute on an op of a forward kind that a gradient rule
    /// built: its phase is the attribute's (backward), not its kind's.
    static constexpr ::llvm::StringLiteral getPhaseAttrName() { return "mp.phase"; }
    /// Written by mp-plan-buffers on a bufferized function: its arena size
    /// and the most bytes of its buffers live at once (both i64, bytes).
    static constexpr ::llvm::StringLiteral getArenaBytesAttrName() { return "mp.arena_bytes"; }
    static constexpr ::llvm::StringLiteral getLivePeakBytesAttrName() { return "mp.live_peak_bytes"; }
    /// Written by mp-drop-donated-results: per result of the tensor-level
    /// signature, the argument that holds it after the call, or -1.
    static constexpr ::llvm::StringLiteral getResultsInArgsAttrName() { return "mp.results_in_args"; }
  }];
}

// Every mp op refuses tensors whose element count could overflow a size
// computation (mp/Dialect/MP/IR/MPTraits.h).
def MP_BoundedSizes : NativeOpTrait<"BoundedSizes"> { let cppNamespace = "::mp"; }

class MP_Op<string mnemonic, list<Trait> traits = []>
    : Op<MP_Dialect, mnemonic, !listconcat([MP_BoundedSizes], traits)>;

//===----------------------------------------------------------------------===//
// Type constraints
//===----------------------------------------------------------------------===//

// RankedTensorOf appends " of <element types> values" to its summary, which
// doubles the element type in messages; these constraints keep their summary.
class MP_RankedTensorOf<list<Type> allowedTypes, list<Pred> preds,
                        string summary>
    : Type<RankedTensorOf<allowedTypes, preds>.predicate, summary,
           "::mlir::RankedTensorType">;

def MP_Tensor : MP_RankedTensorOf<[F32], [HasStaticShapePred],
                                  "statically shaped f32 tensor">;
def MP_Tensor1D : MP_RankedTensorOf<[F32], [HasStaticShapePred, HasAnyRankOfPred<[1]>],
                                    "statically shaped 1-D f32 tensor">;
def MP_Tensor2D : MP_RankedTensorOf<[F32], [HasStaticShapePred, HasAnyRankOfPred<[2]>],
                                    "statically shaped 2-D f32 tensor">;
def MP_Tensor4D : MP_RankedTensorOf<[F32], [HasStaticShapePred, HasAnyRankOfPred<[4]>],
                                    "statically shaped 4-D f32 tensor (NCHW)">;
def MP_Tensor2DOr4D : MP_RankedTensorOf<[F32], [HasStaticShapePred, HasAnyRankOfPred<[2, 4]>],
                                        "statically shaped 2-D or 4-D f32 tensor">;
def MP_Scalar : MP_RankedTensorOf<[F32], [HasAnyRankOfPred<[0]>], "0-D f32 tensor">;
def MP_Labels : MP_RankedTensorOf<[I32, I64], [HasStaticShapePred, HasAnyRankOfPred<[1]>],
                                  "statically shaped 1-D i32 or i64 tensor of class labels">;
def MP_Seed : MP_RankedTensorOf<[I64], [HasAnyRankOfPred<[0]>], "0-D i64 tensor">;
def MP_Count : MP_RankedTensorOf<[I64], [HasAnyRankOfPred<[0]>], "0-D i64 tensor">;
def MP_Pair : ConfinedAttr<DenseI64ArrayAttr, [DenseArrayCount<2>]>;

#endif // MP_DIALECT_MP_IR_MPDIALECT_TD
