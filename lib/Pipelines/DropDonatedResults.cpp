//===- DropDonatedResults.cpp - Results written into arguments -----------===//
//
// Licensed under the Apache License v2.0 with LLVM Exceptions.
// SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
//
//===----------------------------------------------------------------------===//
//
// After one-shot bufferization, a result that was computed in the buffer of
// an argument (mp-donate-state) is returned as that argument. Such results
// leave the signature, and `mp.results_in_args` tells the runner where each
// one is.
//
//===----------------------------------------------------------------------===//

#include "mp/Dialect/MP/IR/MPDialect.h"
#include "mp/Transforms/Passes.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/IR/SymbolTable.h"

namespace mp {
#define GEN_PASS_DEF_MPDROPDONATEDRESULTSPASS
#include "mp/Transforms/Passes.h.inc"
} // namespace mp

using namespace mlir;
using namespace mp;

namespace {
struct DropDonatedResultsPass
    : mp::impl::MPDropDonatedResultsPassBase<DropDonatedResultsPass> {
  void runOnOperation() override;
};
} // namespace

/// The argument whose buffer `v` is, looking through casts and reshapes
/// (elementwise fusion moves the reshape of a grouped convolution's weight
/// onto its update, which then writes the argument through an expanded view
/// and returns it collapsed). None of them moves an element, so a chain that
/// ends with the argument's own type is the argument, element for element.
static BlockArgument asArgument(Value v) {
  while (Operation *op = v.getDefiningOp()) {
    if (!isa<memref::CastOp, memref::ExpandShapeOp, memref::CollapseShapeOp>(
            op))
      break;
    v = op->getOperand(0);
  }
  return dyn_cast<BlockArgument>(v);
}

static void drop(func::FuncOp fn) {
  if (fn.getBody().getBlocks().size() != 1)
    return;
  auto ret = cast<func::ReturnOp>(fn.getBody().front().getTerminator());
  SmallVector<int64_t> inArgs;
  llvm::BitVector dropped(fn.getNumResults());
  for (auto [k, v] : llvm::enumerate(ret.getOperands())) {
    BlockArgument arg = asArgument(v);
    bool inPlace = arg && arg.getOwner() == &fn.getBody().front() &&
                   arg.getType() == v.getType() &&
                   cast<MemRefType>(v.getType()).getLayout().isIdentity();
    inArgs.push_back(inPlace ? int64_t(arg.getArgNumber()) : -1);
    if (inPlace)
      dropped.set(k);
  }
  if (dropped.none())
    return;
  ret->eraseOperands(dropped);
  if (failed(fn.eraseResults(dropped)))
    return;
  fn->setAttr(MPDialect::getResultsInArgsAttrName(),
              DenseI64ArrayAttr::get(fn.getContext(), inArgs));
}

void DropDonatedResultsPass::runOnOperation() {
  ModuleOp module = getOperation();
  SymbolTableCollection tables;
  SymbolUserMap users(tables, module);
  for (auto fn : module.getOps<func::FuncOp>())
    if (fn.isPublic() && !fn.isExternal() && users.getUsers(fn).empty())
      drop(fn);
}
