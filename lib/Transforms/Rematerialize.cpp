//===- Rematerialize.cpp - One fill or pad per use ------------------------===//
//
// Licensed under the Apache License v2.0 with LLVM Exceptions.
// SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
//
//===----------------------------------------------------------------------===//

#include "mp/Transforms/Passes.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/IR/IRMapping.h"

namespace mp {
#define GEN_PASS_DEF_MPREMATERIALIZEPASS
#include "mp/Transforms/Passes.h.inc"
} // namespace mp

using namespace mlir;

namespace {
struct RematerializePass
    : mp::impl::MPRematerializePassBase<RematerializePass> {
  void runOnOperation() override;
};
} // namespace

/// Whether `generic` widens integer codes to f32 elementwise: the decoding of
/// stored codes (mp.decode, lowered), whose input is 2 or 4 times smaller
/// than its result.
static bool isDecode(linalg::GenericOp generic) {
  if (!generic.hasPureTensorSemantics() || generic.getNumDpsInputs() != 1 ||
      generic.getNumResults() != 1 || generic.getNumReductionLoops() != 0 ||
      !llvm::all_of(generic.getIndexingMapsArray(),
                    [](AffineMap m) { return m.isIdentity(); }))
    return false;
  auto in = dyn_cast<RankedTensorType>(generic.getDpsInputs()[0].getType());
  auto out = dyn_cast<RankedTensorType>(generic.getResult(0).getType());
  return in && out && out.getElementType().isF32() &&
         in.getElementType().isSignlessInteger() &&
         in.getElementTypeBitWidth() < 32;
}

/// Whether `op` is cheap to recompute and worth not sharing: a fill of
/// tensors, a pad, or the decoding of stored codes.
static bool isRecomputable(Operation *op) {
  if (auto fill = dyn_cast<linalg::FillOp>(op))
    return fill.hasPureTensorSemantics();
  if (auto generic = dyn_cast<linalg::GenericOp>(op))
    return isDecode(generic);
  return isa<tensor::PadOp>(op);
}

/// Clones `op` before `before`; a fill gets a clone of the tensor.empty it
/// writes into too, so that no two fills share a destination.
static Value cloneBefore(Operation *op, Operation *before) {
  OpBuilder b(before);
  IRMapping map;
  if (auto dps = dyn_cast<DestinationStyleOpInterface>(op))
    for (Value init : dps.getDpsInits())
      if (auto empty = init.getDefiningOp<tensor::EmptyOp>())
        map.map(empty.getResult(), b.clone(*empty)->getResult(0));
  return b.clone(*op, map)->getResult(0);
}

void RematerializePass::runOnOperation() {
  SmallVector<Operation *> candidates;
  getOperation().walk([&](Operation *op) {
    if (isRecomputable(op) && !op->getResult(0).hasOneUse() &&
        !op->getResult(0).use_empty())
      candidates.push_back(op);
  });
  for (Operation *op : candidates) {
    Block *block = op->getBlock();
    // Uses in the order of the ops (of op's block) that contain them.
    SmallVector<OpOperand *> uses;
    for (OpOperand &use : op->getResult(0).getUses())
      uses.push_back(&use);
    auto anchor = [&](OpOperand *use) {
      return block->findAncestorOpInBlock(*use->getOwner());
    };
    llvm::stable_sort(uses, [&](OpOperand *a, OpOperand *b) {
      Operation *x = anchor(a), *y = anchor(b);
      return x != y && x->isBeforeInBlock(y);
    });
    // The first user keeps the op; every later one gets its own copy, placed
    // just before it (operands of `op` dominate op, hence the new place). All
    // operands of one user share its copy.
    Operation *first = anchor(uses.front());
    DenseMap<Operation *, Value> copies;
    for (OpOperand *use : uses) {
      Operation *at = anchor(use);
      if (!at || at == first)
        continue;
      Value &copy = copies[at];
      if (!copy)
        copy = cloneBefore(op, at);
      use->set(copy);
    }
  }
}
