//===- Pipelines.cpp - mp pass pipelines -----------------------*- C++ -*-===//
//
// Licensed under the Apache License v2.0 with LLVM Exceptions.
// SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
//
//===----------------------------------------------------------------------===//

#include "mp/Pipelines/Pipelines.h"

#include "mp/Conversion/Passes.h"
#include "mp/Transforms/Passes.h"
#include "mlir/Conversion/Passes.h"
#include "mlir/Dialect/Bufferization/Transforms/Passes.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/Linalg/Passes.h"
#include "mlir/Dialect/MemRef/Transforms/Passes.h"
#include "mlir/Pass/PassManager.h"
#include "mlir/Pass/PassRegistry.h"
#include "mlir/Transforms/Passes.h"

using namespace mlir;

void mp::buildMPToBuffersPipeline(OpPassManager &pm,
                                  const MPBufferizeOptions &options) {
  // Casts first: they become linalg.generic bodies of integer arith, which
  // then fuse with their producers like any elementwise op.
  pm.addPass(createMPExpandGuardedCastsPass());
  // Rounded tensors stored as their 8/16-bit codes (docs/Design/Storage.md).
  if (options.storage)
    pm.addPass(createMPMaterializeStoragePass());
  if (options.beforeLowerCasts)
    options.beforeLowerCasts(pm);
  pm.addPass(createMPLowerCastsPass());
  pm.addPass(createConvertMPToLinalgPass());
  // Roles pair each new weight, momentum and BN statistic with its argument.
  if (options.donateState)
    pm.addPass(createMPDonateStatePass());
  // Roles and names describe tensors; out-params would inherit them wrongly.
  pm.addPass(createMPStripAnnotationsPass());
  pm.addPass(createCanonicalizerPass());
  pm.addPass(createCSEPass());
  // CSE merged the decodes of each stored tensor into one f32 copy that
  // lives from its first reader to its last: one per reader again, so that
  // each fuses into (or lives just around) the op that reads it.
  if (options.storage)
    pm.addNestedPass<func::FuncOp>(createMPRematerializePass());
  // Fewer, larger loops: elementwise chains (BN, ReLU, casts) fuse.
  pm.addPass(createLinalgElementwiseOpFusionPass());
  pm.addPass(createCanonicalizerPass());
  // CSE shared the zero accumulators and the padded copies; one per use lets
  // each be written into its consumer's buffer and die with it.
  pm.addNestedPass<func::FuncOp>(createMPRematerializePass());

  // Tensors to buffers, with identity layouts at function boundaries so the
  // runner can pass plain contiguous memrefs.
  bufferization::OneShotBufferizePassOptions bufferize;
  bufferize.bufferizeFunctionBoundaries = true;
  bufferize.functionBoundaryTypeConversion =
      bufferization::LayoutMapOption::IdentityLayoutMap;
  pm.addPass(bufferization::createOneShotBufferizePass(bufferize));
  if (options.donateState)
    pm.addPass(createMPDropDonatedResultsPass());
  if (options.outParams) {
    bufferization::BufferResultsToOutParamsPassOptions outParams;
    outParams.modifyPublicFunctions = true;
    outParams.hoistStaticAllocs = options.hoistStaticAllocs;
    pm.addPass(bufferization::createBufferResultsToOutParamsPass(outParams));
  }
  // No deallocation yet: mp-plan-buffers frees every buffer at its last use
  // once the lowering has created all of them (docs/Design/MemoryPlanning.md).
}

void mp::buildMPPlannedBuffersPipeline(OpPassManager &pm,
                                       const MPCPUPipelineOptions &options) {
  MPBufferizeOptions toBuffers = getBufferizeOptions(options);
  toBuffers.hoistStaticAllocs = true;
  buildMPToBuffersPipeline(pm, toBuffers);

  // Convolutions, matmuls, reductions and elementwise ops become
  // register-blocked vector loops; whatever the pass declines becomes scalar
  // loops. See docs/Performance.md.
  if (options.vectorize) {
    MPTileAndVectorizePassOptions vectorizeOptions;
    vectorizeOptions.vectorBits = options.vectorBits;
    pm.addNestedPass<func::FuncOp>(
        createMPTileAndVectorizePass(vectorizeOptions));
    pm.addPass(createCanonicalizerPass());
    pm.addPass(createCSEPass());
  }
  // Every buffer freed at its last use; with `plan-buffers` packed into one
  // arena, a last argument that the runner allocates once.
  MPPlanBuffersPassOptions planOptions;
  planOptions.plan = options.planBuffers;
  pm.addPass(createMPPlanBuffersPass(planOptions));
}

void mp::buildMPCPUPipeline(OpPassManager &pm,
                            const MPCPUPipelineOptions &options) {
  buildMPPlannedBuffersPipeline(pm, options);
  pm.addPass(createConvertLinalgToLoopsPass());
  pm.addPass(createLowerAffinePass());
  pm.addPass(createSCFToControlFlowPass());
  pm.addPass(memref::createExpandStridedMetadataPass());
  pm.addPass(createLowerAffinePass());
  if (options.vectorize)
    pm.addPass(createConvertVectorToLLVMPass());
  FinalizeMemRefToLLVMConversionPassOptions memrefToLLVM;
  memrefToLLVM.useGenericFunctions = options.countAllocations;
  memrefToLLVM.useAlignedAlloc = true;
  pm.addPass(createFinalizeMemRefToLLVMConversionPass(memrefToLLVM));
  pm.addPass(createConvertMathToLLVMPass());
  pm.addPass(createConvertMathToLibmPass());
  pm.addPass(createArithToLLVMConversionPass());
  pm.addPass(createConvertControlFlowToLLVMPass());
  pm.addPass(createConvertFuncToLLVMPass());
  pm.addPass(createReconcileUnrealizedCastsPass());
}

void mp::registerMPPipelines() {
  registerPrecisionPipeline();
  registerMPGPUPipeline();
  PassPipelineRegistration<MPCPUPipelineOptions>(
      "mp-cpu-pipeline",
      "Lower an mp training step (tensors) to the LLVM dialect for the JIT",
      buildMPCPUPipeline);
}

//===----------------------------------------------------------------------===//
// mp-precision-pipeline
//===----------------------------------------------------------------------===//

void mp::buildPrecisionPipeline(OpPassManager &pm,
                                const PrecisionPipelineOptions &options) {
  MPBuildTrainingStepPassOptions build;
  build.function = options.function;
  build.lossScaling = options.lossScaling;
  pm.addPass(createMPBuildTrainingStepPass(build));

  // The later passes name the training step, not the forward function.
  std::string step =
      options.function.empty() ? "" : options.function + "_train_step";
  MPAssignPrecisionPassOptions assign;
  assign.policy = options.policy;
  assign.ratio = options.ratio;
  assign.order = options.order;
  assign.budget = options.budget;
  assign.function = step;
  pm.addPass(createMPAssignPrecisionPass(assign));

  if (options.instrument)
    pm.addPass(createMPInstrumentPromotionPass());

  if (options.report) {
    MPReportPassOptions report;
    report.format = options.reportFormat;
    report.output = options.reportOutput;
    report.function = step;
    pm.addPass(createMPReportPass(report));
  }
}

void mp::registerPrecisionPipeline() {
  PassPipelineRegistration<PrecisionPipelineOptions>(
      "mp-precision-pipeline",
      "Build the training step, assign precisions, optionally instrument "
      "promotion, and report (mp-build-training-step, mp-assign-precision, "
      "mp-instrument-promotion, mp-report)",
      buildPrecisionPipeline);
}
