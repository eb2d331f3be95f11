//===- Pipelines.h - mp pass pipelines --------------------------*- C++ -*-===//
//
// Licensed under the Apache License v2.0 with LLVM Exceptions.
// SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
//
//===----------------------------------------------------------------------===//

#ifndef MP_PIPELINES_PIPELINES_H
#define MP_PIPELINES_PIPELINES_H

#include "mlir/Pass/PassOptions.h"
#include <functional>

namespace mlir {
class OpPassManager;
} // namespace mlir

namespace mp {

/// The options of the front half (buildMPToBuffersPipeline) that both
/// mp-cpu-pipeline and mp-gpu-pipeline offer.
template <typename Derived>
struct MPFrontHalfOptions : public mlir::PassPipelineOptions<Derived> {
  template <typename T>
  using Option = typename mlir::PassPipelineOptions<Derived>::template Option<T>;
  Option<bool> outParams{
      *this, "out-params",
      llvm::cl::desc("Turn returned buffers into caller-allocated out-params "
                     "(the calling convention of mp-run)"),
      llvm::cl::init(true)};
  Option<bool> storage{
      *this, "storage",
      llvm::cl::desc("Keep tensors assigned formats of at most 16 bits as "
                     "8/16-bit codes (mp-materialize-storage; opt-in, see "
                     "docs/Design/Storage.md); false rounds in f32 "
                     "containers"),
      llvm::cl::init(false)};
  Option<bool> donateState{
      *this, "donate-state",
      llvm::cl::desc("Update weights, momenta and BN statistics in the "
                     "caller's argument buffers (mp-donate-state, "
                     "mp-drop-donated-results); false returns them as new "
                     "buffers"),
      llvm::cl::init(true)};
};

/// Options of mp-cpu-pipeline.
struct MPCPUPipelineOptions : public MPFrontHalfOptions<MPCPUPipelineOptions> {
  Option<bool> vectorize{
      *this, "vectorize",
      llvm::cl::desc("Register-tile and vectorize the linalg ops "
                     "(mp-tile-and-vectorize); false gives the scalar loop "
                     "nests of convert-linalg-to-loops, the reference"),
      llvm::cl::init(true)};
  Option<unsigned> vectorBits{
      *this, "vector-bits",
      llvm::cl::desc("Vector register width for mp-tile-and-vectorize "
                     "(0: the host's)"),
      llvm::cl::init(0)};
  Option<bool> planBuffers{
      *this, "plan-buffers",
      llvm::cl::desc("Pack the buffers of each function into one arena, its "
                     "last argument (mp-plan-buffers); false: malloc at first "
                     "use and free at last use"),
      llvm::cl::init(true)};
  Option<bool> countAllocations{
      *this, "count-allocations",
      llvm::cl::desc("Allocate through _mlir_memref_to_llvm_aligned_alloc / "
                     "_mlir_memref_to_llvm_free (the runner's counting "
                     "allocator) instead of aligned_alloc / free"),
      llvm::cl::init(false)};
};

/// The front half shared by mp-cpu-pipeline and mp-gpu-pipeline: guarded
/// casts expanded, `beforeLowerCasts` (if set) run on the explicit casts, casts
/// lowered to integer arithmetic, mp to linalg, the training state donated
/// (optional), annotations stripped, elementwise fusion, one-shot
/// bufferization with identity layouts at function boundaries, results
/// written into arguments dropped, and optional out-params. Nothing is freed yet: the
/// caller adds mp-plan-buffers once it has created all its buffers.
struct MPBufferizeOptions {
  bool outParams = true;
  bool donateState = true;
  bool storage = false;
  bool hoistStaticAllocs = false;
  std::function<void(mlir::OpPassManager &)> beforeLowerCasts;
};
void buildMPToBuffersPipeline(mlir::OpPassManager &pm,
                              const MPBufferizeOptions &options);

/// The front-half settings of a pipeline's options.
template <typename Derived>
MPBufferizeOptions getBufferizeOptions(const MPFrontHalfOptions<Derived> &o) {
  MPBufferizeOptions b;
  b.outParams = o.outParams;
  b.donateState = o.donateState;
  b.storage = o.storage;
  return b;
}

/// The buffer half of mp-cpu-pipeline: buildMPToBuffersPipeline with
/// out-params, mp-tile-and-vectorize and mp-plan-buffers. Its functions carry
/// mp.arena_bytes / mp.live_peak_bytes (mp-annotate-arena reads them).
void buildMPPlannedBuffersPipeline(mlir::OpPassManager &pm,
                                   const MPCPUPipelineOptions &options);

/// Builds mp-cpu-pipeline: mp (tensors) -> linalg -> buffers -> LLVM dialect,
/// ready for the ExecutionEngine.
void buildMPCPUPipeline(mlir::OpPassManager &pm,
                        const MPCPUPipelineOptions &options);

/// Registers the mp pipelines with the global registry.
void registerMPPipelines();

} // namespace mp

//===----------------------------------------------------------------------===//
// mp-gpu-pipeline
//===----------------------------------------------------------------------===//

namespace mlir {
class DialectRegistry;
} // namespace mlir

namespace mp {

/// Options of mp-gpu-pipeline (docs/GPU.md).
struct MPGPUPipelineOptions : public MPFrontHalfOptions<MPGPUPipelineOptions> {
  Option<std::string> chip{
      *this, "chip",
      llvm::cl::desc("NVIDIA target, sm_<N> (e.g. sm_80, sm_90)"),
      llvm::cl::init("sm_90")};
  Option<std::string> features{
      *this, "features",
      llvm::cl::desc("PTX ISA version, '+ptx<NN>' (default: +ptx80 up to "
                     "sm_90, what the chip needs above)"),
      llvm::cl::init("")};
  Option<std::string> format{
      *this, "format",
      llvm::cl::desc("Kernel binary: isa (PTX, JIT-compiled by the driver), "
                     "bin (cubin through ptxas) or fatbin"),
      llvm::cl::init("isa")};
  Option<unsigned> blockSize{
      *this, "block-size",
      llvm::cl::desc("Threads per block of every kernel (a multiple of 32)"),
      llvm::cl::init(256)};
  Option<std::string> cudaPath{
      *this, "cuda-path",
      llvm::cl::desc("CUDA toolkit (libdevice, ptxas)"),
      llvm::cl::init("/usr/local/cuda")};
  Option<bool> nativeCasts{
      *this, "native-casts",
      llvm::cl::desc("On sm_89 and later, round casts to saturating OCP "
                     "E4M3/E5M2 with cvt.rn.satfinite instead of the integer "
                     "emulation (other formats are always emulated)"),
      llvm::cl::init(true)};
  Option<bool> serialize{
      *this, "serialize",
      llvm::cl::desc("Run gpu-module-to-binary (false keeps the NVVM "
                     "gpu.module, for tests and debugging)"),
      llvm::cl::init(true)};
};

/// Returns "" when `options` are usable, otherwise what is wrong with them.
std::string validateMPGPUPipelineOptions(const MPGPUPipelineOptions &options);

/// Builds mp-gpu-pipeline: mp (tensors) -> linalg -> buffers in managed
/// memory -> parallel loops -> GPU kernels -> NVVM -> PTX/cubin, with host
/// code in the LLVM dialect calling the mgpu* runtime (lib/Runtime/CUDA).
/// Bad options add a pass that fails with the diagnostic.
void buildMPGPUPipeline(mlir::OpPassManager &pm,
                        const MPGPUPipelineOptions &options);

/// Registers mp-gpu-pipeline (called by registerMPPipelines()).
void registerMPGPUPipeline();

/// Adds the dialects, target interfaces and LLVM IR translations the
/// pipeline and the JIT of its output need (gpu, nvvm, NVVM target).
void registerMPGPUDialects(mlir::DialectRegistry &registry);

} // namespace mp

//===----------------------------------------------------------------------===//
// mp-precision-pipeline
//===----------------------------------------------------------------------===//

namespace mp {

/// Options of mp-precision-pipeline: the options of the passes it runs that a
/// library user most often sets; every pass keeps its defaults otherwise.
struct PrecisionPipelineOptions
    : public mlir::PassPipelineOptions<PrecisionPipelineOptions> {
  Option<std::string> function{
      *this, "function",
      llvm::cl::desc("Forward function to train (default: every function "
                     "whose first result is a loss)"),
      llvm::cl::init("")};
  Option<std::string> lossScaling{
      *this, "loss-scaling",
      llvm::cl::desc("Loss scaling of the training step: none or dynamic"),
      llvm::cl::init("none")};
  Option<std::string> policy{
      *this, "policy",
      llvm::cl::desc("fp32 | uniform-high | uniform-low | op | ours"),
      llvm::cl::init("ours")};
  Option<double> ratio{
      *this, "ratio",
      llvm::cl::desc("Target low-precision ratio in [0, 1] (policy=ours)"),
      llvm::cl::init(-1.0)};
  Option<std::string> order{
      *this, "order",
      llvm::cl::desc("Demotion order: largest | smallest | random (ours)"),
      llvm::cl::init("largest")};
  Option<int64_t> budget{
      *this, "budget",
      llvm::cl::desc("Peak-memory budget in bytes (ours; 0: none)"),
      llvm::cl::init(0)};
  Option<bool> instrument{
      *this, "instrument",
      llvm::cl::desc("Run mp-instrument-promotion: runtime guards on the "
                     "demoted weights and activations"),
      llvm::cl::init(false)};
  Option<bool> report{*this, "report",
                      llvm::cl::desc("Run mp-report at the end"),
                      llvm::cl::init(true)};
  Option<std::string> reportFormat{
      *this, "report-format", llvm::cl::desc("mp-report format: table | json"),
      llvm::cl::init("table")};
  Option<std::string> reportOutput{
      *this, "report-output",
      llvm::cl::desc("Where mp-report writes ('-' for stdout)"),
      llvm::cl::init("-")};
};

/// Builds mp-precision-pipeline on a module pass manager:
/// mp-build-training-step -> mp-assign-precision -> [mp-instrument-promotion]
/// -> [mp-report]. The input is a module of forward functions (model plus
/// loss, role-tagged arguments); the output keeps them and adds
/// `<f>_train_step` with casts and `<f>_eval`, still in the mp dialect.
void buildPrecisionPipeline(mlir::OpPassManager &pm,
                            const PrecisionPipelineOptions &options);

/// Registers mp-precision-pipeline with the global registry (called by
/// registerMPPipelines()).
void registerPrecisionPipeline();

} // namespace mp

#endif // MP_PIPELINES_PIPELINES_H
