//===- Pipelines.h - mp pass pipelines --------------------------*- C++ -*-===//
//
// Licensed under the Apache License v2.0 with LLVM Exceptions.
// SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
//
//===----------------------------------------------------------------------===//

#ifndef MP_PIPELINES_PIPELINES_H
#define MP_PIPELINES_PIPELINES_H

#include "mlir/Pass/PassOptions.h"

namespace mlir {
class OpPassManager;
} // namespace mlir

namespace mp {

/// Options of mp-cpu-pipeline.
struct MPCPUPipelineOptions
    : public mlir::PassPipelineOptions<MPCPUPipelineOptions> {
  Option<bool> outParams{
      *this, "out-params",
      llvm::cl::desc("Turn returned buffers into caller-allocated out-params "
                     "(the calling convention of mp-run)"),
      llvm::cl::init(true)};
};

/// Builds mp-cpu-pipeline: mp (tensors) -> linalg -> buffers -> LLVM dialect,
/// ready for the ExecutionEngine.
void buildMPCPUPipeline(mlir::OpPassManager &pm,
                        const MPCPUPipelineOptions &options);

/// Registers the mp pipelines with the global registry.
void registerMPPipelines();

} // namespace mp

#endif // MP_PIPELINES_PIPELINES_H
