//===- JitSession.h - Compile and run mp functions on the CPU ---*- C++ -*-===//
//
// Licensed under the Apache License v2.0 with LLVM Exceptions.
// SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
//
//===----------------------------------------------------------------------===//
//
// A JitSession lowers an mp module with mp-cpu-pipeline, compiles it with
// MLIR's ExecutionEngine and calls its functions on HostTensors. Signatures
// (shapes, element types, roles, names) are recorded before lowering, so
// every call is checked against the mp-level types.
//
//===----------------------------------------------------------------------===//

#ifndef MP_RUNNER_JITSESSION_H
#define MP_RUNNER_JITSESSION_H

#include "mp/Runner/HostTensor.h"
#include "llvm/ADT/StringMap.h"
#include <optional>
#include <vector>

namespace mlir {
class ExecutionEngine;
class ModuleOp;
} // namespace mlir

namespace mp {

/// One argument or result of a compiled function.
struct TensorSpec {
  llvm::SmallVector<int64_t, 4> shape;
  ElementKind kind = ElementKind::f32;
  std::string name; ///< mp.name, or "" when absent.
  std::string role; ///< mp.role as text, or "" when absent.
  /// Results only: the argument whose buffer the function updates in place
  /// to hold this result (mp-donate-state), or -1 for a separate buffer.
  int inArgument = -1;
  /// Label arguments: the class count of the loss or accuracy that reads
  /// them (valid labels are [0, classes), -1 marks a padded row); 0 when no
  /// such op reads the argument.
  int64_t classes = 0;
};

/// The mp-level signature of a compiled function.
struct FunctionSpec {
  std::string name;
  std::vector<TensorSpec> args, results;
  /// mp-plan-buffers' arena (bytes; 0 when the function has none), which the
  /// session allocates on the first call and passes to every call.
  int64_t arenaBytes = 0;
  /// The most bytes of the function's buffers live at once (the lower bound
  /// of any arena; what plan-buffers=false allocates at its peak).
  int64_t livePeakBytes = 0;
};

struct JitOptions {
  /// LLVM optimization level for the generated code (0-3).
  unsigned optLevel = 3;
  /// Print the lowered LLVM-dialect module to stderr (debugging).
  bool dumpLowered = false;
  /// mp-cpu-pipeline's `vectorize` option: false lowers to scalar loop nests
  /// (the reference the vectorized code is tested against).
  bool vectorize = true;
  /// mp-cpu-pipeline's `plan-buffers`: one arena per function, allocated once
  /// by the session; false allocates each buffer at its first use and frees
  /// it after its last (debugging, ASan).
  bool planBuffers = true;
  /// mp-cpu-pipeline's `donate-state`: results that replace an argument
  /// (weights, momenta, BN statistics) are computed in its buffer.
  bool donateState = true;
  /// mp-cpu-pipeline's `storage`: tensors assigned 8/16-bit formats are kept
  /// as codes (false: rounded in f32 containers, the emulation; opt-in).
  bool storage = false;
  /// Where the compiled functions run: "cpu" (mp-cpu-pipeline) or "cuda"
  /// (mp-gpu-pipeline and libmp_cuda_runtime.so; docs/GPU.md).
  std::string device = "cpu";
  /// device=cuda: the target chip; "" asks the device for its own.
  std::string chip;
  /// device=cuda: the runtime wrapper; "" means $MP_CUDA_RUNTIME or the one
  /// built with the runner.
  std::string cudaRuntime;
};

class JitSession {
public:
  ~JitSession();

  /// Lowers a clone of `module` (mp on tensors) and JIT-compiles it. Errors
  /// carry the pipeline's diagnostics.
  static llvm::Expected<std::unique_ptr<JitSession>>
  create(mlir::ModuleOp module, const JitOptions &options = {});

  /// The signature of `name`, or null if there is no such public function.
  const FunctionSpec *lookup(llvm::StringRef name) const;

  /// Functions in the module, in source order.
  llvm::ArrayRef<FunctionSpec> getFunctions() const { return functions; }

  /// Calls `name`: checks every argument against its spec, allocates the
  /// results and runs the compiled code.
  llvm::Error invoke(llvm::StringRef name,
                     llvm::ArrayRef<const HostTensor *> args,
                     llvm::SmallVectorImpl<HostTensor> &results);

  /// Like invoke, but writes into caller-provided results (already shaped as
  /// the spec says), so a training loop allocates nothing per step. A result
  /// with an `inArgument` is computed in place: passing the argument's own
  /// tensor as that result updates it without a copy (its old value is
  /// gone); any other result buffer gets the argument copied in first and the
  /// argument is left untouched. No other result may share an argument's
  /// storage.
  llvm::Error invokeInto(llvm::StringRef name,
                         llvm::ArrayRef<const HostTensor *> args,
                         llvm::ArrayRef<HostTensor *> results);

private:
  JitSession() = default;
  std::unique_ptr<mlir::ExecutionEngine> engine;
  /// device=cuda: mpCudaGetLastError / mpCudaClearError of the runtime.
  const char *(*cudaLastError)() = nullptr;
  void (*cudaClearError)() = nullptr;
  std::vector<FunctionSpec> functions;
  /// One arena per function (null until its first call), from the counting
  /// allocator of mp/Runner/Allocations.h.
  std::vector<void *> arenas;
  llvm::StringMap<unsigned> index;
};

} // namespace mp

#endif // MP_RUNNER_JITSESSION_H
