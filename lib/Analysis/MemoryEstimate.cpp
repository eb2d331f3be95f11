//===- MemoryEstimate.cpp - Bytes of a step under an assignment -*- C++ -*-===//
//
// Licensed under the Apache License v2.0 with LLVM Exceptions.
// SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
//
//===----------------------------------------------------------------------===//

#include "mp/Analysis/MemoryEstimate.h"

#include "mp/Dialect/MP/IR/MPOps.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/IR/Builders.h"
#include "mlir/IR/BuiltinOps.h"

using namespace mlir;
using namespace mp;

//===----------------------------------------------------------------------===//
// PrecisionAssignment
//===----------------------------------------------------------------------===//

static constexpr llvm::StringLiteral kPrecisionAttr = "mp.precision";

PrecisionAssignment PrecisionAssignment::allF32(const TrainingGraph &graph) {
  PrecisionAssignment a;
  size_t n = graph.getTensors().size();
  a.formats.assign(n, FormatAttr());
  a.demoted.assign(n, false);
  a.reasons.assign(n, "no assignment: f32");
  return a;
}

FailureOr<PrecisionAssignment>
PrecisionAssignment::read(const TrainingGraph &graph) {
  PrecisionAssignment a = allF32(graph);
  func::FuncOp fn = graph.getFunction();
  auto dict = fn->getAttrOfType<DictionaryAttr>(kPrecisionAttr);
  if (!dict)
    return a;
  for (NamedAttribute entry : dict) {
    int id = graph.lookup(entry.getName().getValue());
    auto fields = dyn_cast<DictionaryAttr>(entry.getValue());
    if (id < 0 || !fields)
      return emitError(fn.getLoc()) << "'mp.precision' entry '"
                            << entry.getName().getValue()
                            << "' does not name a tensor of @"
                            << fn.getSymName() << " with {format, ...}";
    auto format = fields.getAs<FormatAttr>("format");
    if (!format && !fields.get("format"))
      return emitError(fn.getLoc()) << "'mp.precision' entry '"
                            << entry.getName().getValue()
                            << "' has no format";
    a.formats[id] = format && !format.isF32() ? format : FormatAttr();
    a.demoted[id] = fields.get("demoted") != nullptr &&
                    isa<UnitAttr, BoolAttr>(fields.get("demoted")) &&
                    (!isa<BoolAttr>(fields.get("demoted")) ||
                     cast<BoolAttr>(fields.get("demoted")).getValue());
    if (auto why = fields.getAs<StringAttr>("why"))
      a.reasons[id] = why.str();
  }
  return a;
}

void PrecisionAssignment::write(const TrainingGraph &graph) const {
  func::FuncOp fn = graph.getFunction();
  MLIRContext *ctx = fn.getContext();
  Builder b(ctx);
  SmallVector<NamedAttribute> entries;
  for (const TensorInfo &t : graph.getTensors()) {
    if (!t.inTensorSet())
      continue;
    FormatAttr format = formats[t.id] ? formats[t.id]
                                      : FormatAttr::getPreset(ctx, "fp32");
    SmallVector<NamedAttribute> fields = {
        b.getNamedAttr("format", format),
        b.getNamedAttr("demoted", b.getBoolAttr(demoted[t.id])),
        b.getNamedAttr("why", b.getStringAttr(reasons[t.id]))};
    entries.push_back(b.getNamedAttr(t.name, b.getDictionaryAttr(fields)));
  }
  fn->setAttr(kPrecisionAttr, b.getDictionaryAttr(entries));
}

unsigned mp::getStorageBits(FormatAttr format) {
  return format ? format.getBitWidth() : 32;
}

//===----------------------------------------------------------------------===//
// Paper model
//===----------------------------------------------------------------------===//

PaperMemory mp::estimatePaperMemory(const TrainingGraph &graph,
                                    const PrecisionAssignment &assignment) {
  PaperMemory m;
  int64_t demotedElements = 0;
  for (const TensorInfo &t : graph.getTensors()) {
    if (!t.inTensorSet())
      continue;
    m.elements += t.paperElements;
    m.bits += t.paperElements * getStorageBits(assignment.formats[t.id]);
    if (assignment.demoted[t.id])
      demotedElements += t.paperElements;
  }
  m.bitsAll16 = 16 * m.elements;
  m.bitsF32 = 32 * m.elements;
  if (m.elements) {
    m.bitRatio = double(m.bitsAll16 - m.bits) / double(m.bitsAll16) * 2.0;
    m.selectionRatio = double(demotedElements) / double(m.elements);
  }
  return m;
}

//===----------------------------------------------------------------------===//
// Peak model
//===----------------------------------------------------------------------===//

static int64_t bytesOf(Value v, FormatAttr format) {
  auto shaped = dyn_cast<ShapedType>(v.getType());
  if (!shaped || !shaped.hasStaticShape())
    return 0;
  int64_t n = shaped.getNumElements();
  if (format)
    return (n * format.getBitWidth() + 7) / 8;
  Type elt = shaped.getElementType();
  unsigned bits = elt.isIntOrFloat() ? elt.getIntOrFloatBitWidth() : 32;
  return n * ((bits + 7) / 8);
}

/// Wider of two formats (null is f32, the widest).
static FormatAttr wider(FormatAttr a, FormatAttr b) {
  if (!a || !b)
    return FormatAttr();
  return a.getBitWidth() >= b.getBitWidth() ? a : b;
}

PeakMemory mp::estimatePeakMemory(const TrainingGraph &graph,
                                  const PrecisionAssignment &assignment) {
  func::FuncOp fn = graph.getFunction();
  Block &body = fn.getBody().front();
  llvm::DenseMap<Operation *, int64_t> position;
  SmallVector<Operation *> ops;
  for (Operation &op : body) {
    ops.push_back(&op);
    position[&op] = ops.size();
  }
  int64_t end = ops.size() + 1;

  // Storage format of every root value: its own tensor's, else the tensor it
  // contributes to (widest if several), else f32.
  llvm::DenseMap<Value, FormatAttr> storage;
  llvm::DenseSet<Value> hasStorage;
  for (const TensorInfo &t : graph.getTensors())
    if (t.value && t.inTensorSet() && t.kind != TensorKind::Weight) {
      storage[t.value] = assignment.formats[t.id];
      hasStorage.insert(t.value);
    }
  for (Operation *op : ops) {
    auto sum = dyn_cast<GradSumOp>(op);
    if (!sum)
      continue;
    int id = graph.lookup(sum.getResult());
    if (id < 0)
      continue;
    FormatAttr f = assignment.formats[id];
    for (Value c : sum.getContributions()) {
      Value root = TrainingGraph::getRoot(c);
      if (hasStorage.contains(root) && graph.lookup(root) >= 0 &&
          graph.getTensor(graph.lookup(root)).value == root)
        continue; // a tensor of its own keeps its own format
      auto [it, inserted] = storage.try_emplace(root, f);
      if (!inserted)
        it->second = wider(it->second, f);
    }
  }

  // Live ranges of root values; aliases and casts extend their root.
  llvm::DenseMap<Value, int64_t> lastUse;
  llvm::DenseSet<Value> returned;
  Operation *terminator = body.getTerminator();
  for (Operation *op : ops) {
    for (OpOperand &use : op->getOpOperands()) {
      if (auto sum = dyn_cast<GradSumOp>(op))
        if (use.get() == sum.getOf())
          continue; // names the tensor, reads nothing
      Value root = TrainingGraph::getRoot(use.get());
      int64_t at = op == terminator ? end : position[op];
      int64_t &slot = lastUse[root];
      slot = std::max(slot, at);
    }
  }

  std::vector<int64_t> delta(end + 2, 0);
  PeakMemory result;
  auto live = [&](int64_t from, int64_t to, int64_t bytes) {
    if (bytes <= 0 || to < from)
      return;
    delta[from] += bytes;
    delta[to + 1] -= bytes;
  };
  for (BlockArgument arg : body.getArguments()) {
    auto role = fn.getArgAttrOfType<RoleAttr>(arg.getArgNumber(),
                                              MPDialect::getRoleAttrName());
    bool persistent = role && (role.getValue() == Role::weight ||
                               role.getValue() == Role::momentum ||
                               role.getValue() == Role::bn_stat);
    int64_t bytes = bytesOf(arg, persistent ? FormatAttr() : storage.lookup(arg));
    if (persistent) {
      live(0, end, bytes);
      result.persistentBytes += bytes;
      continue;
    }
    live(0, lastUse.lookup(arg), bytes);
  }
  // Low-precision weight copies: from the entry to the last non-optimizer use.
  for (const TensorInfo &t : graph.getTensors()) {
    if (t.kind != TensorKind::Weight || !assignment.formats[t.id])
      continue;
    int64_t last = 0;
    SmallVector<Value> work = {t.value};
    while (!work.empty()) {
      Value cur = work.pop_back_val();
      for (Operation *user : cur.getUsers()) {
        if (isa<CastOp, GuardedCastOp>(user)) {
          work.push_back(user->getResult(0));
          continue;
        }
        if (isa<SGDOp, GradSumOp>(user) || user == terminator)
          continue;
        last = std::max(last, position.lookup(user));
      }
    }
    live(0, last, bytesOf(t.value, assignment.formats[t.id]));
  }
  for (Operation *op : ops) {
    if (op == terminator || op->hasTrait<TensorAlias>())
      continue;
    for (Value r : op->getResults()) {
      int64_t from = position[op];
      int64_t to = std::max(from, lastUse.lookup(r));
      live(from, to, bytesOf(r, storage.lookup(r)));
    }
  }
  int64_t running = 0;
  for (int64_t i = 0; i <= end; ++i) {
    running += delta[i];
    if (running > result.peakBytes) {
      result.peakBytes = running;
      result.peakOp = i >= 1 && i <= int64_t(ops.size()) ? ops[i - 1] : nullptr;
    }
  }
  return result;
}

//===----------------------------------------------------------------------===//
// MemoryEstimateAnalysis
//===----------------------------------------------------------------------===//

MemoryEstimateAnalysis::MemoryEstimateAnalysis(Operation *module,
                                               AnalysisManager &am) {
  auto &graphs = am.getAnalysis<TrainingGraphAnalysis>();
  failed = graphs.hasFailed();
  for (const TrainingGraph &g : graphs.getGraphs()) {
    FailureOr<PrecisionAssignment> a = PrecisionAssignment::read(g);
    if (failed || ::mlir::failed(a)) {
      failed = true;
      continue;
    }
    Entry e{&g, std::move(*a), {}, {}};
    e.paper = estimatePaperMemory(g, e.assignment);
    e.peak = estimatePeakMemory(g, e.assignment);
    entries.push_back(std::move(e));
  }
  (void)module;
}
