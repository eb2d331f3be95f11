//===- AnnotateArena.cpp - Planned arena sizes on tensor functions --------===//
//
// Licensed under the Apache License v2.0 with LLVM Exceptions.
// SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
//
//===----------------------------------------------------------------------===//

#include "mp/Transforms/Passes.h"

#include "mp/Dialect/MP/IR/MPDialect.h"
#include "mp/Pipelines/Pipelines.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/IR/BuiltinOps.h"
#include "mlir/Pass/PassManager.h"

namespace mp {
#define GEN_PASS_DEF_MPANNOTATEARENAPASS
#include "mp/Transforms/Passes.h.inc"
} // namespace mp

using namespace mlir;

namespace {
struct AnnotateArenaPass
    : mp::impl::MPAnnotateArenaPassBase<AnnotateArenaPass> {
  using MPAnnotateArenaPassBase::MPAnnotateArenaPassBase;
  void getDependentDialects(DialectRegistry &registry) const override {
    // Every dialect the lowering creates, loaded before any pass runs.
    OpPassManager pm(ModuleOp::getOperationName());
    mp::buildMPPlannedBuffersPipeline(pm, mp::MPCPUPipelineOptions());
    pm.getDependentDialects(registry);
  }
  void runOnOperation() override;
};
} // namespace

void AnnotateArenaPass::runOnOperation() {
  ModuleOp module = getOperation();
  OwningOpRef<ModuleOp> copy(cast<ModuleOp>(module->clone()));
  // A pass manager of its own: the copy is not nested in the module.
  PassManager pm(module.getContext());
  mp::MPCPUPipelineOptions options;
  options.vectorize = vectorize;
  options.storage = storage;
  mp::buildMPPlannedBuffersPipeline(pm, options);
  if (failed(pm.run(*copy))) {
    module.emitError("mp-annotate-arena: lowering a copy of the module to "
                     "buffers failed");
    return signalPassFailure();
  }
  for (auto lowered : copy->getOps<func::FuncOp>()) {
    auto fn = module.lookupSymbol<func::FuncOp>(lowered.getSymName());
    if (!fn)
      continue;
    for (StringRef name : {mp::MPDialect::getArenaBytesAttrName(),
                           mp::MPDialect::getLivePeakBytesAttrName()})
      if (Attribute a = lowered->getAttr(name))
        fn->setAttr(name, a);
  }
  markAllAnalysesPreserved();
}
