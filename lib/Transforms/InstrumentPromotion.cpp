//===- InstrumentPromotion.cpp - Runtime guards for promotion -*- C++ -*-===//
//
// Licensed under the Apache License v2.0 with LLVM Exceptions.
// SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
//
//===----------------------------------------------------------------------===//
//
// docs/Paper.md 4: after every step, a low-precision weight or activation whose
// overflow share reaches a threshold is switched to the high format for the
// rest of training. A compiler cannot recompile per step, so every such cast
// becomes mp.guarded_cast: a flag argument chooses the format and the step
// returns the overflow counts the runner needs to decide.
//
//===----------------------------------------------------------------------===//

#include "mp/Transforms/Passes.h"

#include "mp/Analysis/MemoryEstimate.h"
#include "mp/Analysis/TrainingGraph.h"
#include "mp/Dialect/MP/IR/MPOps.h"
#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/IR/Builders.h"
#include "mlir/IR/BuiltinOps.h"

#define DEBUG_TYPE "mp-instrument-promotion"

namespace mp {
#define GEN_PASS_DEF_MPINSTRUMENTPROMOTIONPASS
#include "mp/Transforms/Passes.h.inc"
} // namespace mp

using namespace mlir;
using namespace mp;

namespace {
struct InstrumentPromotionPass
    : mp::impl::MPInstrumentPromotionPassBase<InstrumentPromotionPass> {
  using MPInstrumentPromotionPassBase::MPInstrumentPromotionPassBase;
  void runOnOperation() override;
};
} // namespace

void InstrumentPromotionPass::runOnOperation() {
  ModuleOp module = getOperation();
  auto &graphs = getAnalysis<TrainingGraphAnalysis>();
  if (graphs.hasFailed())
    return signalPassFailure();
  if (graphs.getGraphs().empty()) {
    module.emitError() << "no training step to instrument: run "
                          "mp-build-training-step and mp-assign-precision "
                          "first";
    return signalPassFailure();
  }
  for (const TrainingGraph &g : graphs.getGraphs()) {
    func::FuncOp fn = g.getFunction();
    auto policy = fn->getAttrOfType<DictionaryAttr>("mp.precision_policy");
    if (!policy) {
      emitError(fn.getLoc())
          << "@" << fn.getSymName()
          << " has no precision assignment: run mp-assign-precision first";
      return signalPassFailure();
    }
    if (fn->hasAttr("mp.guards")) {
      emitError(fn.getLoc()) << "@" << fn.getSymName()
                             << " is already instrumented for promotion";
      return signalPassFailure();
    }
    FailureOr<PrecisionAssignment> a = PrecisionAssignment::read(g);
    if (failed(a))
      return signalPassFailure();
    auto high = policy.getAs<FormatAttr>("hi");
    if (!high) {
      emitError(fn.getLoc()) << "'mp.precision_policy' of @" << fn.getSymName()
                             << " has no 'hi' format";
      return signalPassFailure();
    }

    // The casts to guard, in program order: demoted v and theta.
    SmallVector<std::pair<CastOp, unsigned>> casts;
    fn.walk([&](CastOp cast) {
      auto name = cast->getAttrOfType<StringAttr>("mp.tensor");
      if (!name)
        return;
      int id = g.lookup(name.getValue());
      if (id < 0 || !g.getTensor(id).isForward() || !a->demoted[id])
        return;
      casts.push_back({cast, unsigned(id)});
    });

    MLIRContext *ctx = fn.getContext();
    Builder attrs(ctx);
    Block &body = fn.getBody().front();
    int64_t k = casts.size();
    auto flagsTy = RankedTensorType::get({k}, IntegerType::get(ctx, 1));
    auto countsTy = RankedTensorType::get({k}, IntegerType::get(ctx, 64));
    auto dict = [&](Role role, StringRef name) {
      return attrs.getDictionaryAttr(
          {attrs.getNamedAttr(MPDialect::getRoleAttrName(),
                              RoleAttr::get(ctx, role)),
           attrs.getNamedAttr(MPDialect::getNameAttrName(),
                              attrs.getStringAttr(name))});
    };
    unsigned flagIndex = fn.getNumArguments();
    if (failed(fn.insertArgument(flagIndex, flagsTy, dict(Role::flag, "promoted"),
                                 fn.getLoc())) ||
        failed(fn.insertResult(fn.getNumResults(), countsTy,
                               dict(Role::metric, "overflow_counts")))) {
      emitError(fn.getLoc()) << "cannot extend the signature of @"
                             << fn.getSymName();
      return signalPassFailure();
    }
    Value flags = body.getArgument(flagIndex);

    OpBuilder b(ctx);
    SmallVector<Value> counts;
    SmallVector<Attribute> guards;
    for (auto [index, entry] : llvm::enumerate(casts)) {
      auto [cast, id] = entry;
      const TensorInfo &t = g.getTensor(id);
      b.setInsertionPoint(cast);
      Value idx = arith::ConstantIndexOp::create(b, cast.getLoc(), index);
      Value flag = tensor::ExtractOp::create(b, cast.getLoc(), flags, idx);
      auto guarded = GuardedCastOp::create(
          b, cast.getLoc(), cast.getType(), b.getI64Type(), cast.getInput(),
          flag, cast.getFormat(), high);
      guarded->setAttr("mp.tensor", cast->getAttr("mp.tensor"));
      cast.getResult().replaceAllUsesWith(guarded.getResult());
      cast.erase();
      counts.push_back(guarded.getOverflows());
      guards.push_back(attrs.getDictionaryAttr(
          {attrs.getNamedAttr("name", attrs.getStringAttr(t.name)),
           attrs.getNamedAttr("elements", attrs.getI64IntegerAttr(t.numElements)),
           attrs.getNamedAttr("kind", attrs.getStringAttr(
                                          stringifyTensorKind(t.kind)))}));
      ++numGuards;
    }
    auto ret = cast<func::ReturnOp>(body.getTerminator());
    b.setInsertionPoint(ret);
    Value packed;
    if (k == 0)
      packed = tensor::EmptyOp::create(b, fn.getLoc(), countsTy.getShape(),
                                       countsTy.getElementType());
    else
      packed = tensor::FromElementsOp::create(b, fn.getLoc(), countsTy, counts);
    ret->insertOperands(ret.getNumOperands(), packed);
    fn->setAttr("mp.guards", attrs.getArrayAttr(guards));

    // The evaluation function takes the same flags, so a promoted tensor is
    // evaluated in its high format too.
    StringRef base = fn.getSymName();
    if (!base.consume_back("_train_step"))
      continue;
    auto eval = module.lookupSymbol<func::FuncOp>((base + "_eval").str());
    if (!eval || eval.isExternal())
      continue;
    llvm::StringMap<unsigned> flagOf;
    for (auto [index, entry] : llvm::enumerate(casts))
      flagOf[g.getTensor(entry.second).name] = index;
    unsigned evalFlagIndex = eval.getNumArguments();
    if (failed(eval.insertArgument(evalFlagIndex, flagsTy,
                                   dict(Role::flag, "promoted"), eval.getLoc())))
      return signalPassFailure();
    Value evalFlags = eval.getBody().front().getArgument(evalFlagIndex);
    SmallVector<CastOp> evalCasts;
    eval.walk([&](CastOp c) { evalCasts.push_back(c); });
    for (CastOp c : evalCasts) {
      auto name = c->getAttrOfType<StringAttr>("mp.tensor");
      auto it = name ? flagOf.find(name.getValue()) : flagOf.end();
      if (it == flagOf.end())
        continue;
      b.setInsertionPoint(c);
      Value idx = arith::ConstantIndexOp::create(b, c.getLoc(), it->second);
      Value flag = tensor::ExtractOp::create(b, c.getLoc(), evalFlags, idx);
      auto guarded = GuardedCastOp::create(b, c.getLoc(), c.getType(),
                                           b.getI64Type(), c.getInput(), flag,
                                           c.getFormat(), high);
      guarded->setAttr("mp.tensor", name);
      c.getResult().replaceAllUsesWith(guarded.getResult());
      c.erase();
    }
    eval->setAttr("mp.guards", attrs.getArrayAttr(guards));
  }
}
