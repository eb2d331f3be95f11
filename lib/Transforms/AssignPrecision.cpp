//===- AssignPrecision.cpp - Pick a format per tensor, insert casts -*- C++ -*-===//
//
// Licensed under the Apache License v2.0 with LLVM Exceptions.
// SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
//
//===----------------------------------------------------------------------===//
//
// The paper's precision assignment (docs/Paper.md 3, 5.4, 6) over the tensors and
// groups of TrainingGraphAnalysis, then the casts that emulate the chosen
// storage formats.
//
//===----------------------------------------------------------------------===//

#include "mp/Transforms/Passes.h"

#include "mp/Analysis/MemoryEstimate.h"
#include "mp/Analysis/TrainingGraph.h"
#include "mp/Dialect/MP/IR/MPOps.h"
#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/AsmParser/AsmParser.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/IR/Builders.h"
#include "mlir/IR/BuiltinOps.h"
#include "llvm/Support/Format.h"
#include <random>

#define DEBUG_TYPE "mp-assign-precision"

namespace mp {
#define GEN_PASS_DEF_MPASSIGNPRECISIONPASS
#include "mp/Transforms/Passes.h.inc"
} // namespace mp

using namespace mlir;
using namespace mp;

namespace {
/// High and low candidate formats per tensor kind (docs/Paper.md 3.1).
struct Candidates {
  FormatAttr hi, hiGrad, loWeight, loAct, loGrad, loWgrad;

  FormatAttr high(const TensorInfo &t) const {
    return t.isForward() ? hi : hiGrad;
  }
  FormatAttr low(const TensorInfo &t) const {
    switch (t.kind) {
    case TensorKind::Weight:
      return loWeight;
    case TensorKind::Activation:
      return loAct;
    case TensorKind::ActivationGrad:
      return loGrad;
    case TensorKind::WeightGrad:
      return loWgrad;
    case TensorKind::State:
      break;
    }
    return FormatAttr();
  }
};

struct AssignPrecisionPass
    : mp::impl::MPAssignPrecisionPassBase<AssignPrecisionPass> {
  using MPAssignPrecisionPassBase::MPAssignPrecisionPassBase;
  void runOnOperation() override;

private:
  LogicalResult parseCandidates(ModuleOp module, Candidates &c);
  FailureOr<PrecisionAssignment> decide(const TrainingGraph &g,
                                        const Candidates &c, bool keepEnds);
  FailureOr<PrecisionAssignment> decideOurs(const TrainingGraph &g,
                                            const Candidates &c,
                                            const llvm::DenseSet<unsigned> &kept);
  void insertCasts(const TrainingGraph &g, const PrecisionAssignment &a);
};
} // namespace

//===----------------------------------------------------------------------===//
// Options
//===----------------------------------------------------------------------===//

static FormatAttr parseFormat(MLIRContext *ctx, StringRef body,
                              StringRef option, ModuleOp module) {
  std::string text = ("#mp.format<" + body + ">").str();
  std::string diagText;
  Attribute attr;
  {
    ScopedDiagnosticHandler handler(ctx, [&](Diagnostic &d) {
      diagText = d.str();
      return success();
    });
    attr = parseAttribute(text, ctx);
  }
  auto format = dyn_cast_or_null<FormatAttr>(attr);
  if (!format)
    module.emitError() << "invalid " << option << " format '" << body
                       << "': " << diagText;
  return format;
}

LogicalResult AssignPrecisionPass::parseCandidates(ModuleOp module,
                                                   Candidates &c) {
  MLIRContext *ctx = module.getContext();
  std::pair<FormatAttr *, std::pair<StringRef, StringRef>> all[] = {
      {&c.hi, {hi, "hi"}},
      {&c.hiGrad, {hiGrad, "hi-grad"}},
      {&c.loWeight, {loWeight, "lo-weight"}},
      {&c.loAct, {loAct, "lo-act"}},
      {&c.loGrad, {loGrad, "lo-grad"}},
      {&c.loWgrad, {loWgrad, "lo-wgrad"}}};
  for (auto &[slot, spec] : all) {
    *slot = parseFormat(ctx, spec.first, spec.second, module);
    if (!*slot)
      return failure();
  }
  return success();
}

//===----------------------------------------------------------------------===//
// Policies
//===----------------------------------------------------------------------===//

static std::string percent(double x) {
  std::string s;
  llvm::raw_string_ostream(s) << llvm::format("%.2f%%", 100.0 * x);
  return s;
}

/// Tensors the first/last exclusion keeps high (docs/Paper.md 6): the image, all
/// tensors of the first and of the last GEMM, all of the last group, and the
/// classifier's input.
static llvm::DenseSet<unsigned> firstLastTensors(const TrainingGraph &g) {
  llvm::DenseSet<unsigned> kept;
  auto keepWithPartner = [&](int id) {
    if (id < 0)
      return;
    kept.insert(id);
    if (g.getTensor(id).partner >= 0)
      kept.insert(g.getTensor(id).partner);
  };
  for (const TensorInfo &t : g.getTensors()) {
    if (t.kind == TensorKind::Activation && t.role == Role::input)
      keepWithPartner(t.id);
    if ((t.layer == g.getGemms().front() || t.layer == g.getGemms().back()) &&
        t.inTensorSet())
      keepWithPartner(t.id);
  }
  int last = -1;
  for (const TensorGroup &group : g.getGroups())
    if (group.opener == g.getGemms().back())
      last = group.id;
  if (last >= 0)
    for (unsigned id : g.getGroups()[last].tensors)
      kept.insert(id);
  keepWithPartner(g.lookup(g.getGemms().back()->getOperand(0)));
  return kept;
}

/// Whether activation `v` feeds a conv2d / linear as its input (through
/// shape-only ops and casts).
static bool feedsGemm(Value v) {
  SmallVector<Value> work = {v};
  while (!work.empty()) {
    Value cur = work.pop_back_val();
    for (OpOperand &use : cur.getUses()) {
      Operation *user = use.getOwner();
      auto layer = dyn_cast<ParameterOpInterface>(user);
      if (layer && layer.getGemmInput() == cur)
        return true;
      if (user->hasTrait<TensorAlias>())
        work.push_back(user->getResult(0));
    }
  }
  return false;
}

/// Whether another result of the op that defines `v` feeds a GEMM. The
/// official code rounds all outputs of a module (mp.split's pieces) in one
/// format, so the HFP8 rule "inputs of a GEMM in 8 bits" applies to the op's
/// output as a whole.
static bool siblingFeedsGemm(Value v) {
  Operation *def = v.getDefiningOp();
  if (!def || def->getNumResults() < 2)
    return false;
  return llvm::any_of(def->getResults(), [&](Value r) {
    return r != v && feedsGemm(r);
  });
}

FailureOr<PrecisionAssignment>
AssignPrecisionPass::decide(const TrainingGraph &g, const Candidates &c,
                            bool keepEnds) {
  PrecisionAssignment a = PrecisionAssignment::allF32(g);
  llvm::DenseSet<unsigned> kept;
  if (keepEnds)
    kept = firstLastTensors(g);
  auto setHigh = [&](const TensorInfo &t, StringRef why) {
    a.formats[t.id] = c.high(t);
    a.demoted[t.id] = false;
    a.reasons[t.id] = why.str();
  };
  auto setLow = [&](const TensorInfo &t, StringRef why) {
    a.formats[t.id] = c.low(t);
    a.demoted[t.id] = true;
    a.reasons[t.id] = why.str();
  };

  if (policy == "fp32") {
    for (const TensorInfo &t : g.getTensors())
      if (t.inTensorSet())
        a.reasons[t.id] = "policy fp32: not rounded";
    return a;
  }
  if (policy == "uniform-high" || policy == "uniform-low") {
    bool low = policy == "uniform-low";
    for (const TensorInfo &t : g.getTensors()) {
      if (!t.inTensorSet())
        continue;
      if (kept.contains(t.id))
        setHigh(t, "kept high: first/last layer (keep-first-last)");
      else if (low)
        setLow(t, "policy uniform-low: every tensor at its low candidate");
      else
        setHigh(t, "policy uniform-high: every tensor at its high candidate");
    }
    return a;
  }
  if (policy == "op") {
    llvm::DenseSet<Operation *> gemms(g.getGemms().begin(), g.getGemms().end());
    for (const TensorInfo &t : g.getTensors()) {
      if (!t.inTensorSet())
        continue;
      if (kept.contains(t.id)) {
        setHigh(t, "kept high: first/last layer (keep-first-last)");
        continue;
      }
      bool ofGemm = t.layer && gemms.contains(t.layer);
      switch (t.kind) {
      case TensorKind::Weight:
        if (ofGemm)
          setLow(t, "policy op: weight of a GEMM");
        else
          setHigh(t, "policy op: not a GEMM weight");
        break;
      case TensorKind::WeightGrad:
        if (ofGemm)
          setLow(t, "policy op: weight gradient of a GEMM");
        else
          setHigh(t, "policy op: not a GEMM weight gradient");
        break;
      case TensorKind::Activation:
        if (t.value && feedsGemm(t.value))
          setLow(t, "policy op: input of a GEMM");
        else if (t.value && siblingFeedsGemm(t.value))
          setLow(t, "policy op: another result of its op is the input of a "
                    "GEMM (the paper's code keeps one format per op output)");
        else
          setHigh(t, "policy op: not a GEMM input");
        break;
      case TensorKind::ActivationGrad:
        if (ofGemm)
          setLow(t, "policy op: output gradient of a GEMM");
        else
          setHigh(t, "policy op: not a GEMM output gradient");
        break;
      case TensorKind::State:
        break;
      }
    }
    return a;
  }
  return decideOurs(g, c, kept);
}

/// Group ids in demotion order.
static SmallVector<unsigned> demotionOrder(const TrainingGraph &g,
                                           StringRef order, uint64_t seed) {
  SmallVector<unsigned> ids;
  for (const TensorGroup &group : g.getGroups())
    ids.push_back(group.id);
  if (order == "largest" || order == "smallest") {
    bool largest = order == "largest";
    // Ties go to the earlier group (docs/Paper.md 3.3).
    llvm::stable_sort(ids, [&](unsigned x, unsigned y) {
      int64_t ex = g.getGroups()[x].numElements;
      int64_t ey = g.getGroups()[y].numElements;
      return largest ? ex > ey : ex < ey;
    });
    return ids;
  }
  // Fisher-Yates over a fixed generator, so a seed means the same order on
  // every platform.
  std::mt19937_64 rng(seed);
  for (size_t i = ids.size(); i > 1; --i)
    std::swap(ids[i - 1], ids[rng() % i]);
  return ids;
}

FailureOr<PrecisionAssignment>
AssignPrecisionPass::decideOurs(const TrainingGraph &g, const Candidates &c,
                                const llvm::DenseSet<unsigned> &kept) {
  SmallVector<unsigned> order = demotionOrder(g, this->order, seed);
  int64_t total = g.getTensorSetElements();
  size_t numGroups = order.size();

  // The assignment that demotes the first `k` groups of `order`.
  auto prefix = [&](size_t k) {
    PrecisionAssignment a = PrecisionAssignment::allF32(g);
    SmallVector<int> rank(g.getGroups().size(), -1);
    for (auto [r, id] : llvm::enumerate(order))
      rank[id] = r;
    double cumulative = 0;
    SmallVector<double> cumulativeAt(numGroups);
    for (auto [r, id] : llvm::enumerate(order)) {
      cumulative += double(g.getGroups()[id].numElements) / double(total);
      cumulativeAt[r] = cumulative;
    }
    for (const TensorInfo &t : g.getTensors()) {
      if (!t.inTensorSet())
        continue;
      const TensorGroup &group = g.getGroups()[t.group];
      double share = double(group.numElements) / double(total);
      std::string what = "group " + std::to_string(group.id) + " (" +
                         group.name + ", share " + percent(share) + ", rank " +
                         std::to_string(rank[group.id] + 1) + "/" +
                         std::to_string(numGroups) + " by " + this->order + ")";
      if (kept.contains(t.id)) {
        a.formats[t.id] = c.high(t);
        a.reasons[t.id] = "kept high: first/last layer (keep-first-last)";
      } else if (size_t(rank[group.id]) < k) {
        a.formats[t.id] = c.low(t);
        a.demoted[t.id] = true;
        a.reasons[t.id] = what + " demoted; cumulative share " +
                          percent(cumulativeAt[rank[group.id]]);
      } else {
        a.formats[t.id] = c.high(t);
        a.reasons[t.id] = what + " kept high";
      }
    }
    return a;
  };

  if (budget > 0) {
    PeakMemory best;
    for (size_t k = 0; k <= numGroups; ++k) {
      PrecisionAssignment a = prefix(k);
      PeakMemory peak = estimatePeakMemory(g, a);
      if (peak.peakBytes <= budget)
        return a;
      best = peak;
    }
    emitError(g.getFunction().getLoc())
        << "budget of " << int64_t(budget) << " bytes cannot be met for @"
        << g.getFunction().getSymName()
        << ": with every group in low precision the peak is " << best.peakBytes
        << " bytes (" << (best.peakBytes - int64_t(budget)) << " bytes, "
        << percent(double(best.peakBytes - int64_t(budget)) / double(budget))
        << " over budget; " << best.persistentBytes
        << " bytes are f32 master weights, momenta and BN statistics)";
    return failure();
  }

  // The smallest prefix whose share reaches r; r = 0 demotes nothing and
  // r = 1 everything.
  size_t k = 0;
  if (ratio >= 1.0) {
    k = numGroups;
  } else if (ratio > 0.0) {
    double cumulative = 0;
    while (k < numGroups && cumulative < ratio) {
      cumulative += double(g.getGroups()[order[k]].numElements) / double(total);
      ++k;
    }
  }
  return prefix(k);
}

//===----------------------------------------------------------------------===//
// Casts (docs/Paper.md 5.4)
//===----------------------------------------------------------------------===//

static CastOp createCast(OpBuilder &b, Location loc, Value v, FormatAttr f,
                         StringRef tensor) {
  auto cast = CastOp::create(b, loc, v, f);
  cast->setAttr("mp.tensor", b.getStringAttr(tensor));
  return cast;
}

void AssignPrecisionPass::insertCasts(const TrainingGraph &g,
                                      const PrecisionAssignment &a) {
  func::FuncOp fn = g.getFunction();
  Block &body = fn.getBody().front();
  OpBuilder b(fn.getContext());
  for (const TensorInfo &t : g.getTensors()) {
    FormatAttr f = a.formats[t.id];
    if (!t.inTensorSet() || !f || f.isF32() || !t.value)
      continue;
    switch (t.kind) {
    case TensorKind::Activation:
    case TensorKind::Weight: {
      // After the producer (straight-through), or for arguments at the
      // start of the step: every reader sees the stored value, except the
      // optimizer, which updates the f32 master.
      if (auto arg = dyn_cast<BlockArgument>(t.value))
        b.setInsertionPointToStart(&body);
      else
        b.setInsertionPointAfter(t.value.getDefiningOp());
      Value value = t.value;
      CastOp cast = createCast(b, value.getLoc(), value, f, t.name);
      ++numCasts;
      value.replaceUsesWithIf(cast.getResult(), [&](OpOperand &use) {
        Operation *user = use.getOwner();
        if (user == cast)
          return false;
        if (isa<GradSumOp>(user)) // `of` names the f32 tensor
          return use.getOperandNumber() != user->getNumOperands() - 1;
        if (isa<SGDOp>(user) && use.getOperandNumber() == 0)
          return false;
        // A skipped step (dynamic loss scaling) keeps the master unchanged.
        if (isa<arith::SelectOp>(user) && use.getOperandNumber() == 2)
          return false;
        return !isa<func::ReturnOp>(user);
      });
      break;
    }
    case TensorKind::ActivationGrad: {
      // Each consumer's contribution is rounded on its own; the sum is f32.
      auto sum = cast<GradSumOp>(t.value.getDefiningOp());
      b.setInsertionPoint(sum);
      for (OpOperand &c : sum->getOpOperands()) {
        if (c.getOperandNumber() == sum->getNumOperands() - 1)
          continue; // `of`
        c.set(createCast(b, sum.getLoc(), c.get(), f, t.name));
        ++numCasts;
      }
      break;
    }
    case TensorKind::WeightGrad: {
      b.setInsertionPointAfter(t.value.getDefiningOp());
      Value value = t.value;
      CastOp cast = createCast(b, value.getLoc(), value, f, t.name);
      ++numCasts;
      value.replaceAllUsesExcept(cast.getResult(), cast);
      break;
    }
    case TensorKind::State:
      break;
    }
  }
}

/// Rounds the forward tensors of `<f>_eval` like those of `<f>_train_step`,
/// matched by tensor name, so evaluation sees the assignment's storage.
static void castEvaluation(const TrainingGraph &g, const PrecisionAssignment &a,
                           ModuleOp module) {
  StringRef stepName = g.getFunction().getSymName();
  if (!stepName.consume_back("_train_step"))
    return;
  auto eval = module.lookupSymbol<func::FuncOp>((stepName + "_eval").str());
  if (!eval || eval.isExternal())
    return;
  Block &body = eval.getBody().front();
  OpBuilder b(eval.getContext());
  auto castValue = [&](Value v, int id, bool atStart) {
    FormatAttr f = id >= 0 ? a.formats[id] : FormatAttr();
    if (!f || f.isF32())
      return;
    if (atStart)
      b.setInsertionPointToStart(&body);
    else
      b.setInsertionPointAfterValue(v);
    CastOp cast = createCast(b, v.getLoc(), v, f, g.getTensor(id).name);
    v.replaceUsesWithIf(cast.getResult(), [&](OpOperand &use) {
      return use.getOwner() != cast && !isa<func::ReturnOp>(use.getOwner());
    });
  };
  for (BlockArgument arg : body.getArguments())
    if (auto name = eval.getArgAttrOfType<StringAttr>(
            arg.getArgNumber(), MPDialect::getNameAttrName())) {
      int id = g.lookup(name.getValue());
      if (id >= 0 && g.getTensor(id).isForward())
        castValue(arg, id, /*atStart=*/true);
    }
  SmallVector<Operation *> ops;
  for (Operation &op : body)
    if (isa<TrainingOpInterface>(op) && op.hasAttr(MPDialect::getNameAttrName()))
      ops.push_back(&op);
  for (Operation *op : ops) {
    StringRef name =
        op->getAttrOfType<StringAttr>(MPDialect::getNameAttrName()).getValue();
    if (op->getNumResults() == 0)
      continue;
    // Multi-result ops name their activations "<op>#<i>"; single ones "<op>".
    int id = g.lookup(name);
    if (id >= 0 && g.getTensor(id).kind == TensorKind::Activation)
      castValue(op->getResult(0), id, /*atStart=*/false);
    for (unsigned i = 0, e = op->getNumResults(); i < e; ++i) {
      int multi = g.lookup((name + "#" + Twine(i)).str());
      if (multi >= 0 && g.getTensor(multi).kind == TensorKind::Activation)
        castValue(op->getResult(i), multi, /*atStart=*/false);
    }
  }
}

//===----------------------------------------------------------------------===//
// Pass
//===----------------------------------------------------------------------===//

void AssignPrecisionPass::runOnOperation() {
  ModuleOp module = getOperation();
  auto fail = [&](const Twine &msg) {
    module.emitError() << msg;
    signalPassFailure();
  };
  static const char *policies[] = {"fp32", "uniform-high", "uniform-low", "op",
                                   "ours"};
  if (!llvm::is_contained(policies, StringRef(policy)))
    return fail("unknown policy '" + policy +
                "'; expected fp32, uniform-high, uniform-low, op or ours");
  if (order != "largest" && order != "smallest" && order != "random")
    return fail("unknown order '" + order +
                "'; expected largest, smallest or random");
  if (keepFirstLast != "auto" && keepFirstLast != "true" &&
      keepFirstLast != "false")
    return fail("keep-first-last must be true, false or auto, got '" +
                keepFirstLast + "'");
  bool ratioSet = ratio != -1.0;
  if (ratioSet && !(ratio >= 0.0 && ratio <= 1.0))
    return fail("ratio must be in [0, 1], got " + std::to_string(ratio));
  if (budget < 0)
    return fail("budget must be a positive number of bytes, got " +
                Twine(int64_t(budget)));
  if (policy != "ours" && (ratioSet || budget > 0 || order != "largest"))
    return fail("ratio, budget and order apply to policy=ours only");
  if (policy == "ours" && ratioSet && budget > 0)
    return fail("give either ratio or budget for policy=ours, not both");
  if (policy == "ours" && !ratioSet && budget == 0)
    return fail("policy=ours needs ratio=<r in [0, 1]> or budget=<bytes>");
  Candidates candidates;
  if (failed(parseCandidates(module, candidates)))
    return signalPassFailure();
  bool keepEnds = keepFirstLast == "true" ||
                  (keepFirstLast == "auto" && policy == "op");

  auto &graphs = getAnalysis<TrainingGraphAnalysis>();
  if (graphs.hasFailed())
    return signalPassFailure();
  if (graphs.getGraphs().empty())
    return fail("no training step to assign: run mp-build-training-step "
                "first (a training step is a function with mp.sgd)");
  if (!function.empty() && !graphs.lookup(function))
    return fail("no training step named '" + function + "'");

  for (const TrainingGraph &g : graphs.getGraphs()) {
    func::FuncOp fn = g.getFunction();
    if (!function.empty() && fn.getSymName() != function)
      continue;
    if (fn->hasAttr("mp.precision")) {
      emitError(fn.getLoc()) << "@" << fn.getSymName()
                     << " already has a precision assignment";
      return signalPassFailure();
    }
    FailureOr<PrecisionAssignment> a = decide(g, candidates, keepEnds);
    if (failed(a))
      return signalPassFailure();
    for (bool d : a->demoted)
      numDemoted += d;
    PaperMemory paper = estimatePaperMemory(g, *a);
    PeakMemory peak = estimatePeakMemory(g, *a);
    insertCasts(g, *a);
    castEvaluation(g, *a, module);
    a->write(g);
    Builder b(fn.getContext());
    SmallVector<NamedAttribute> summary = {
        b.getNamedAttr("policy", b.getStringAttr(policy)),
        b.getNamedAttr("keep_first_last", b.getBoolAttr(keepEnds)),
        b.getNamedAttr("selection_ratio", b.getF64FloatAttr(paper.selectionRatio)),
        b.getNamedAttr("bit_ratio", b.getF64FloatAttr(paper.bitRatio)),
        b.getNamedAttr("peak_bytes", b.getI64IntegerAttr(peak.peakBytes)),
        b.getNamedAttr("hi", candidates.hi),
        b.getNamedAttr("hi_grad", candidates.hiGrad)};
    if (policy == "ours") {
      summary.push_back(b.getNamedAttr("order", b.getStringAttr(order)));
      if (order == "random")
        summary.push_back(
            b.getNamedAttr("seed", b.getI64IntegerAttr(int64_t(seed))));
      if (budget > 0)
        summary.push_back(b.getNamedAttr("budget", b.getI64IntegerAttr(budget)));
      else
        summary.push_back(b.getNamedAttr("ratio", b.getF64FloatAttr(ratio)));
    }
    fn->setAttr("mp.precision_policy", b.getDictionaryAttr(summary));
  }
}
