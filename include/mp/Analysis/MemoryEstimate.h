//===- MemoryEstimate.h - Bytes of a step under an assignment ---*- C++ -*-===//
//
// Licensed under the Apache License v2.0 with LLVM Exceptions.
// SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
//
//===----------------------------------------------------------------------===//
//
// Two memory models of one training step under a precision assignment (see
// docs/Design/MemoryEstimate.md):
//
//  * `paper` (docs/Paper.md 2): the sum over the tensor set (v, dv, theta, dtheta)
//    of elements x bits of the assigned format, activations at the batch size
//    in the IR, f32 where nothing is assigned; both low-precision ratios.
//  * `peak`: the largest number of bytes live at once over the step's
//    schedule (program order), with master weights, momenta and BN
//    statistics alive for the whole step, each low-precision weight copy
//    alive from the step's start to its last use, and every value stored in
//    the format of the tensor it belongs to.
//
//===----------------------------------------------------------------------===//

#ifndef MP_ANALYSIS_MEMORYESTIMATE_H
#define MP_ANALYSIS_MEMORYESTIMATE_H

#include "mp/Analysis/TrainingGraph.h"
#include "mlir/IR/BuiltinAttributes.h"

namespace mp {

/// One storage format per tensor of a TrainingGraph (null: f32, no rounding),
/// whether the tensor sits at its low candidate, and why.
struct PrecisionAssignment {
  std::vector<FormatAttr> formats;
  std::vector<bool> demoted;
  std::vector<std::string> reasons;

  /// An all-f32 assignment for `graph`.
  static PrecisionAssignment allF32(const TrainingGraph &graph);

  /// Reads the `mp.precision` attribute of the graph's function; tensors it
  /// does not mention stay f32. Fails (with a diagnostic) on a malformed entry.
  static llvm::FailureOr<PrecisionAssignment> read(const TrainingGraph &graph);

  /// Writes `mp.precision` on the graph's function.
  void write(const TrainingGraph &graph) const;
};

/// Storage bits of a format; 32 for null (f32).
unsigned getStorageBits(FormatAttr format);

/// docs/Paper.md 2: bits of the tensor set and the two low-precision ratios.
struct PaperMemory {
  int64_t elements = 0;  ///< elements of the tensor set
  int64_t bits = 0;      ///< under the assignment
  int64_t bitsAll16 = 0; ///< every tensor at 16 bits
  int64_t bitsF32 = 0;   ///< every tensor at 32 bits
  /// (bitsAll16 - bits) / bitsAll16 * 2: the logged `pasn_upd` ratio.
  double bitRatio = 0;
  /// Element share of tensors at their low candidate (selection ratio).
  double selectionRatio = 0;
};

/// Peak live bytes over the schedule.
struct PeakMemory {
  int64_t peakBytes = 0;
  /// Bytes live for the whole step (master weights, momenta, BN statistics).
  int64_t persistentBytes = 0;
  /// The op at which the peak is reached (null: at the function entry).
  mlir::Operation *peakOp = nullptr;
};

PaperMemory estimatePaperMemory(const TrainingGraph &graph,
                                const PrecisionAssignment &assignment);
PeakMemory estimatePeakMemory(const TrainingGraph &graph,
                              const PrecisionAssignment &assignment);

/// Both models for every training step of a module under the assignment its
/// IR carries, cached by the AnalysisManager on top of TrainingGraphAnalysis.
class MemoryEstimateAnalysis {
public:
  MemoryEstimateAnalysis(mlir::Operation *module, mlir::AnalysisManager &am);

  struct Entry {
    const TrainingGraph *graph;
    PrecisionAssignment assignment;
    PaperMemory paper;
    PeakMemory peak;
  };
  llvm::ArrayRef<Entry> getEntries() const { return entries; }
  bool hasFailed() const { return failed; }

  bool isInvalidated(const mlir::AnalysisManager::PreservedAnalyses &pa) {
    return !pa.isPreserved<MemoryEstimateAnalysis>() ||
           !pa.isPreserved<TrainingGraphAnalysis>();
  }

private:
  std::vector<Entry> entries;
  bool failed = false;
};

} // namespace mp

#endif // MP_ANALYSIS_MEMORYESTIMATE_H
