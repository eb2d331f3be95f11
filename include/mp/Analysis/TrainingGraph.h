//===- TrainingGraph.h - Tensors, roles and groups of a step ----*- C++ -*-===//
//
// Licensed under the Apache License v2.0 with LLVM Exceptions.
// SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
//
//===----------------------------------------------------------------------===//
//
// The training graph of one training-step function in the paper's terms
// (docs/Paper.md 1-3): every activation v (the paper's Y), activation gradient dv
// (GY), weight theta (P) and weight gradient dtheta (GP), plus the state the
// paper leaves out (master weights, momenta, BN statistics, labels), each with
// its role, phase, producing layer, shape and group.
//
// Groups follow Algorithm 1 over program order, as the official code does: a
// new group opens at the input image and at every conv2d / linear; an op's
// activations and their gradients join the current group; a layer's weights
// and weight gradients join the group of the producer of the layer's first
// input, so the two forward operands of every GEMM share a group.
//
// Shape-only ops (reshape, channel_shuffle) and casts create no tensor: their
// results alias the tensor of their operand.
//
// Phases come from the op as built (TrainingOpInterface::getPhase): an op of
// a forward kind that a gradient rule built (the mp.split that is the
// gradient of mp.concat) is a backward op, and its results are no
// activations; the activation gradients are the mp.grad_sum results.
//
//===----------------------------------------------------------------------===//

#ifndef MP_ANALYSIS_TRAININGGRAPH_H
#define MP_ANALYSIS_TRAININGGRAPH_H

#include "mp/Dialect/MP/IR/MPAttrs.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/IR/Value.h"
#include "mlir/Pass/AnalysisManager.h"
#include "llvm/ADT/DenseMap.h"
#include "llvm/ADT/StringMap.h"
#include <string>
#include <vector>


namespace mp {

/// The paper's four tensor kinds, plus state outside its tensor set.
enum class TensorKind {
  Activation,     ///< v / Y (includes the input image and the loss)
  ActivationGrad, ///< dv / GY
  Weight,         ///< theta / P (conv/linear weights and biases, BN gamma/beta)
  WeightGrad,     ///< dtheta / GP
  State,          ///< master weights, momenta, BN statistics, labels, lr, ...
};

/// "v", "dv", "theta", "dtheta" or "state".
llvm::StringRef stringifyTensorKind(TensorKind kind);

/// One tensor of a training step.
struct TensorInfo {
  unsigned id = 0;
  std::string name;
  TensorKind kind = TensorKind::State;
  /// mp role of the underlying value (input, activation, weight, ...).
  Role role = Role::activation;
  Phase phase = Phase::forward;
  /// The defining SSA value: the producer's result (v), the weight argument
  /// (theta, state), the mp.grad_sum result (dv, dtheta). Null for the input
  /// image's gradient, which the paper counts but nobody computes.
  mlir::Value value;
  /// The layer (forward op) that produces a v, consumes a theta first, or
  /// whose tensor a gradient belongs to. Null for arguments.
  mlir::Operation *layer = nullptr;
  /// Paper group, or -1 for state.
  int group = -1;
  /// For v / theta: id of its gradient (or -1); for dv / dtheta: its primal.
  int partner = -1;
  llvm::SmallVector<int64_t, 4> shape;
  /// Elements of the value as stored.
  int64_t numElements = 0;
  /// Elements as the paper's model counts them (docs/Paper.md 2.1: activation-like
  /// tensors at one image times the batch size): numElements, except for a
  /// scalar v or dv (the loss and its gradient), which counts batch-size
  /// elements.
  int64_t paperElements = 0;

  bool inTensorSet() const { return kind != TensorKind::State; }
  bool isForward() const {
    return kind == TensorKind::Activation || kind == TensorKind::Weight;
  }
};

/// One paper group.
struct TensorGroup {
  unsigned id = 0;
  /// The op that opened it (conv2d / linear), or null for the input group.
  mlir::Operation *opener = nullptr;
  std::string name;
  llvm::SmallVector<unsigned> tensors;
  /// Paper elements (TensorInfo::paperElements) of all its tensors (v, dv,
  /// theta, dtheta): the size that orders demotion.
  int64_t numElements = 0;
};

/// The training graph of one function.
class TrainingGraph {
public:
  /// Analyzes `fn`, a training step (it must contain mp.sgd or mp.grad_sum).
  static llvm::FailureOr<TrainingGraph> build(mlir::func::FuncOp fn);

  mlir::func::FuncOp getFunction() const { return fn; }
  llvm::ArrayRef<TensorInfo> getTensors() const { return tensors; }
  const TensorInfo &getTensor(unsigned id) const { return tensors[id]; }
  llvm::ArrayRef<TensorGroup> getGroups() const { return groups; }
  /// Total paper elements of the tensor set (v, dv, theta, dtheta).
  int64_t getTensorSetElements() const { return tensorSetElements; }
  /// The batch size: dimension 0 of the first input image (1 if none).
  int64_t getBatchSize() const { return batchSize; }
  /// The tensor named `name`, or -1.
  int lookup(llvm::StringRef name) const;
  /// The tensor a value belongs to (through aliases and casts), or -1.
  int lookup(mlir::Value value) const;
  /// Follows reshape, channel_shuffle and mp.cast to the aliased value.
  static mlir::Value getRoot(mlir::Value value);
  /// The conv2d / linear ops in program order.
  llvm::ArrayRef<mlir::Operation *> getGemms() const { return gemms; }

private:
  mlir::func::FuncOp fn;
  std::vector<TensorInfo> tensors;
  std::vector<TensorGroup> groups;
  llvm::SmallVector<mlir::Operation *> gemms;
  llvm::StringMap<unsigned> byName;
  llvm::DenseMap<mlir::Value, unsigned> byValue;
  int64_t tensorSetElements = 0;
  int64_t batchSize = 1;

  unsigned add(TensorInfo info);
};

/// Module-level analysis: the training graph of every training-step function
/// (one that contains mp.sgd), cached by the AnalysisManager.
class TrainingGraphAnalysis {
public:
  explicit TrainingGraphAnalysis(mlir::Operation *module);

  /// Graphs in function order.
  llvm::ArrayRef<TrainingGraph> getGraphs() const { return graphs; }
  /// The graph of function `name`, or null.
  const TrainingGraph *lookup(llvm::StringRef name) const;
  /// Whether building failed for some function (diagnostics were emitted).
  bool hasFailed() const { return failed; }

private:
  std::vector<TrainingGraph> graphs;
  bool failed = false;
};

} // namespace mp

#endif // MP_ANALYSIS_TRAININGGRAPH_H
