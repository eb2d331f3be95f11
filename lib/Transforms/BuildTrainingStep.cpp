//===- BuildTrainingStep.cpp - Forward graph to training step --*- C++ -*-===//
//
// Licensed under the Apache License v2.0 with LLVM Exceptions.
// SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
//
//===----------------------------------------------------------------------===//
//
// Turns a forward function (model + loss) into `<f>_train_step` (forward,
// reverse-mode backward, SGD) and `<f>_eval` (forward with inference-mode BN,
// loss and correct count). The derivative of each op comes from its
// DifferentiableOpInterface; this file only orders the rules, sums fan-out
// gradients and wires the optimizer.
//
//===----------------------------------------------------------------------===//

#include "mp/Transforms/Passes.h"

#include "mp/Dialect/MP/IR/MPOps.h"
#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/IR/Builders.h"
#include "mlir/IR/IRMapping.h"
#include "mlir/IR/SymbolTable.h"
#include "llvm/ADT/SetVector.h"

#define DEBUG_TYPE "mp-build-training-step"

namespace mp {
#define GEN_PASS_DEF_MPBUILDTRAININGSTEPPASS
#include "mp/Transforms/Passes.h.inc"
} // namespace mp

using namespace mlir;
using namespace mp;

namespace {
struct BuildTrainingStepPass
    : mp::impl::MPBuildTrainingStepPassBase<BuildTrainingStepPass> {
  using MPBuildTrainingStepPassBase::MPBuildTrainingStepPassBase;
  void runOnOperation() override;

private:
  LogicalResult buildTrainStep(func::FuncOp fwd, SymbolTable &symbols);
  LogicalResult buildEval(func::FuncOp fwd, SymbolTable &symbols);
};
} // namespace

//===----------------------------------------------------------------------===//
// Helpers
//===----------------------------------------------------------------------===//

static std::optional<Role> argRole(func::FuncOp fn, unsigned i) {
  if (auto role = fn.getArgAttrOfType<RoleAttr>(i, MPDialect::getRoleAttrName()))
    return role.getValue();
  return std::nullopt;
}

static std::optional<Role> resultRole(func::FuncOp fn, unsigned i) {
  if (auto role =
          fn.getResultAttrOfType<RoleAttr>(i, MPDialect::getRoleAttrName()))
    return role.getValue();
  return std::nullopt;
}

/// Marks every op after `last` in `body` (what one gradient rule built) whose
/// kind is a forward one as backward, so that analyses see the phase it was
/// built in: the gradient of mp.concat is an mp.split, that of mp.mul an
/// mp.mul, and their results are activation gradients, not activations.
static void markBackward(Operation *last, Block &body) {
  auto backward = PhaseAttr::get(body.getParentOp()->getContext(),
                                 Phase::backward);
  for (Operation &op : llvm::make_range(std::next(last->getIterator()),
                                        body.end())) {
    auto iface = dyn_cast<TrainingOpInterface>(&op);
    if (iface && iface.getPhase() == Phase::forward)
      op.setAttr(MPDialect::getPhaseAttrName(), backward);
  }
}

/// The returned value of a single-block function's result `i`.
static Value returnedValue(func::FuncOp fn, unsigned i) {
  auto ret = cast<func::ReturnOp>(fn.getBody().front().getTerminator());
  return ret.getOperand(i);
}

/// Whether `fn` is a forward graph: result #0 is the loss.
static bool hasLoss(func::FuncOp fn) {
  if (fn.isExternal() || fn.getNumResults() == 0 ||
      !fn.getBody().hasOneBlock())
    return false;
  if (resultRole(fn, 0) == Role::loss)
    return true;
  return returnedValue(fn, 0).getDefiningOp<NllLossOp>() != nullptr;
}

static NamedAttribute roleAttr(MLIRContext *ctx, Role role) {
  return NamedAttribute(StringAttr::get(ctx, MPDialect::getRoleAttrName()),
                        RoleAttr::get(ctx, role));
}

static NamedAttribute nameAttr(MLIRContext *ctx, StringRef name) {
  return NamedAttribute(StringAttr::get(ctx, MPDialect::getNameAttrName()),
                        StringAttr::get(ctx, name));
}

static std::string argName(func::FuncOp fn, unsigned i) {
  if (auto name =
          fn.getArgAttrOfType<StringAttr>(i, MPDialect::getNameAttrName()))
    return name.str();
  return "arg" + std::to_string(i);
}

/// Collects one function signature while it is being assembled.
namespace {
struct Signature {
  SmallVector<Type> types;
  SmallVector<DictionaryAttr> attrs;
  void add(Type type, DictionaryAttr attr) {
    types.push_back(type);
    attrs.push_back(attr);
  }
};
} // namespace

/// Creates `name` with the given signature after `after`, with an entry block.
static func::FuncOp createFunc(OpBuilder &b, func::FuncOp after, StringRef name,
                               const Signature &args,
                               const Signature &results) {
  b.setInsertionPointAfter(after);
  auto fn = func::FuncOp::create(b, after.getLoc(), name,
                                 b.getFunctionType(args.types, results.types));
  fn.setAllArgAttrs(args.attrs);
  fn.setAllResultAttrs(results.attrs);
  fn.addEntryBlock();
  return fn;
}

/// Clones the body of `from` (minus its return) into `to`, mapping the first
/// arguments of `to` onto the arguments of `from`. Returns the mapped return
/// operands.
static SmallVector<Value> cloneBody(func::FuncOp from, func::FuncOp to,
                                    IRMapping &map) {
  Block &src = from.getBody().front();
  Block &dst = to.getBody().front();
  for (auto [a, b] : llvm::zip(src.getArguments(), dst.getArguments()))
    map.map(a, b);
  OpBuilder b = OpBuilder::atBlockEnd(&dst);
  for (Operation &op : src.without_terminator())
    b.clone(op, map);
  SmallVector<Value> rets;
  for (Value v : src.getTerminator()->getOperands())
    rets.push_back(map.lookup(v));
  return rets;
}

//===----------------------------------------------------------------------===//
// Training step
//===----------------------------------------------------------------------===//

LogicalResult BuildTrainingStepPass::buildTrainStep(func::FuncOp fwd,
                                                    SymbolTable &symbols) {
  MLIRContext *ctx = fwd.getContext();
  std::string stepName = (fwd.getSymName() + "_train_step").str();
  if (symbols.lookup(stepName))
    return fwd.emitError() << "cannot build the training step: a symbol named '"
                           << stepName << "' already exists";

  SmallVector<unsigned> weightIdx;
  for (unsigned i = 0, e = fwd.getNumArguments(); i < e; ++i)
    if (argRole(fwd, i) == Role::weight)
      weightIdx.push_back(i);
  if (weightIdx.empty())
    return fwd.emitError() << "cannot build a training step for @"
                           << fwd.getSymName()
                           << ": no argument has role 'weight'";

  auto scalarTy = RankedTensorType::get({}, Float32Type::get(ctx));
  bool dynamic = lossScaling == "dynamic";

  // Signature: forward args, momenta, lr [, loss scale] -> loss, new weights,
  // forward's other results (BN statistics), new momenta [, grads_finite].
  Signature args, results;
  for (unsigned i = 0, e = fwd.getNumArguments(); i < e; ++i)
    args.add(fwd.getArgumentTypes()[i], fwd.getArgAttrDict(i));
  for (unsigned i : weightIdx)
    args.add(fwd.getArgumentTypes()[i],
             DictionaryAttr::get(ctx, {roleAttr(ctx, Role::momentum),
                                       nameAttr(ctx, argName(fwd, i) +
                                                         ".momentum")}));
  args.add(scalarTy, DictionaryAttr::get(ctx, {roleAttr(ctx, Role::learning_rate),
                                               nameAttr(ctx, "lr")}));
  if (dynamic)
    args.add(scalarTy, DictionaryAttr::get(ctx, {roleAttr(ctx, Role::loss_scale),
                                                 nameAttr(ctx, "loss_scale")}));

  results.add(scalarTy, DictionaryAttr::get(ctx, {roleAttr(ctx, Role::loss)}));
  for (unsigned i : weightIdx)
    results.add(fwd.getArgumentTypes()[i],
                DictionaryAttr::get(ctx, {roleAttr(ctx, Role::weight),
                                          nameAttr(ctx, argName(fwd, i))}));
  for (unsigned i = 1, e = fwd.getNumResults(); i < e; ++i)
    results.add(fwd.getResultTypes()[i], fwd.getResultAttrDict(i));
  for (unsigned i : weightIdx)
    results.add(fwd.getArgumentTypes()[i],
                DictionaryAttr::get(ctx, {roleAttr(ctx, Role::momentum),
                                          nameAttr(ctx, argName(fwd, i) +
                                                            ".momentum")}));
  auto flagTy = RankedTensorType::get({}, IntegerType::get(ctx, 1));
  if (dynamic)
    results.add(flagTy, DictionaryAttr::get(ctx, {roleAttr(ctx, Role::flag),
                                                  nameAttr(ctx, "grads_finite")}));
  // Training accuracy comes for free from the forward pass's scores.
  bool countCorrect = returnedValue(fwd, 0).getDefiningOp<NllLossOp>() != nullptr;
  auto countTy = RankedTensorType::get({}, IntegerType::get(ctx, 64));
  if (countCorrect)
    results.add(countTy, DictionaryAttr::get(ctx, {roleAttr(ctx, Role::metric),
                                                   nameAttr(ctx, "correct")}));

  OpBuilder b(ctx);
  func::FuncOp step = createFunc(b, fwd, stepName, args, results);
  IRMapping map;
  SmallVector<Value> fwdResults = cloneBody(fwd, step, map);
  Block &body = step.getBody().front();
  unsigned numFwdArgs = fwd.getNumArguments();
  Value lr = body.getArgument(numFwdArgs + weightIdx.size());
  Value lossScale =
      dynamic ? body.getArgument(numFwdArgs + weightIdx.size() + 1) : Value();
  Value loss = fwdResults[0];

  // Values whose gradient is needed: everything computed from a weight.
  llvm::DenseSet<Value> needsGrad;
  for (unsigned i : weightIdx)
    needsGrad.insert(body.getArgument(i));
  SmallVector<Operation *> ops;
  for (Operation &op : body) {
    ops.push_back(&op);
    if (llvm::any_of(op.getOperands(),
                     [&](Value v) { return needsGrad.contains(v); }))
      needsGrad.insert(op.result_begin(), op.result_end());
  }
  if (!needsGrad.contains(loss))
    return fwd.emitError() << "the loss of @" << fwd.getSymName()
                           << " does not depend on any weight";

  // Reverse sweep. Each consumer contributes to the gradient of its operands;
  // when the sweep reaches a value's producer, all contributions are known
  // and one mp.grad_sum defines the value's gradient.
  b.setInsertionPointToEnd(&body);
  Location loc = fwd.getLoc();
  llvm::DenseMap<Value, SmallVector<Value, 2>> contributions;
  llvm::DenseMap<Value, Value> grads;
  auto gradientOf = [&](Value v) -> Value {
    auto it = contributions.find(v);
    if (it == contributions.end())
      return Value();
    if (Value g = grads.lookup(v))
      return g;
    auto sum = GradSumOp::create(b, v.getLoc(), it->second, v);
    grads[v] = sum;
    return sum;
  };
  Value seed = lossScale ? lossScale
                         : Value(arith::ConstantOp::create(
                               b, loc, DenseElementsAttr::get(
                                           scalarTy, b.getF32FloatAttr(1.0f))));
  contributions[loss].push_back(seed);
  for (Operation *op : llvm::reverse(ops)) {
    bool anyGrad = llvm::any_of(op->getResults(), [&](Value r) {
      return contributions.count(r) != 0;
    });
    if (!anyGrad)
      continue;
    SmallVector<bool> needed;
    bool anyNeeded = false;
    for (Value v : op->getOperands()) {
      needed.push_back(needsGrad.contains(v));
      anyNeeded |= needed.back();
    }
    if (!anyNeeded)
      continue;
    auto diff = dyn_cast<DifferentiableOpInterface>(op);
    if (!diff) {
      InFlightDiagnostic diag =
          op->emitError() << "cannot differentiate '" << op->getName()
                          << "': it lies between the weights and the loss but "
                             "has no gradient rule";
      diag.attachNote(fwd.getLoc()) << "while building the training step of @"
                                    << fwd.getSymName();
      return failure();
    }
    b.setInsertionPointToEnd(&body);
    SmallVector<Value> resultGrads;
    for (Value r : op->getResults())
      resultGrads.push_back(gradientOf(r));
    SmallVector<Value> operandGrads;
    Operation *last = &body.back();
    if (failed(diff.buildGradients(b, resultGrads, needed, operandGrads)))
      return failure();
    markBackward(last, body);
    for (auto [v, g] : llvm::zip(op->getOperands(), operandGrads))
      if (g)
        contributions[v].push_back(g);
  }

  // Optimizer.
  b.setInsertionPointToEnd(&body);
  SmallVector<Value> weightGrads;
  for (unsigned i : weightIdx) {
    Value w = body.getArgument(i);
    Value g = gradientOf(w);
    if (!g)
      g = arith::ConstantOp::create(
          b, loc,
          DenseElementsAttr::get(cast<ShapedType>(w.getType()),
                                 b.getF32FloatAttr(0.0f)));
    weightGrads.push_back(g);
  }
  Value finite, finiteScalar;
  if (dynamic) {
    finite = AllFiniteOp::create(b, loc, flagTy, weightGrads);
    finiteScalar = tensor::ExtractOp::create(b, loc, finite, ValueRange{});
  }
  SmallVector<Value> newWeights, newMomenta;
  for (auto [k, i] : llvm::enumerate(weightIdx)) {
    Value w = body.getArgument(i);
    Value m = body.getArgument(numFwdArgs + k);
    auto sgd = SGDOp::create(b, loc, w.getType(), w.getType(), w,
                             weightGrads[k], m, lr, lossScale,
                             b.getF64FloatAttr(momentum),
                             b.getF64FloatAttr(weightDecay),
                             nesterov ? b.getUnitAttr() : UnitAttr());
    sgd->setAttr(MPDialect::getNameAttrName(),
                 b.getStringAttr(argName(fwd, i) + ".sgd"));
    Value newW = sgd.getNewParam(), newM = sgd.getNewMomentumBuffer();
    if (dynamic) {
      // A step with a non-finite gradient leaves the state unchanged.
      newW = arith::SelectOp::create(b, loc, finiteScalar, newW, w);
      newM = arith::SelectOp::create(b, loc, finiteScalar, newM, m);
    }
    newWeights.push_back(newW);
    newMomenta.push_back(newM);
  }

  SmallVector<Value> rets = {loss};
  rets.append(newWeights);
  rets.append(fwdResults.begin() + 1, fwdResults.end());
  rets.append(newMomenta);
  if (dynamic)
    rets.push_back(finite);
  if (countCorrect) {
    auto nll = cast<NllLossOp>(loss.getDefiningOp());
    rets.push_back(CountCorrectOp::create(b, loc, countTy, nll.getInput(),
                                          nll.getLabels()));
  }
  func::ReturnOp::create(b, loc, rets);
  symbols.insert(step);
  return success();
}

//===----------------------------------------------------------------------===//
// Evaluation
//===----------------------------------------------------------------------===//

LogicalResult BuildTrainingStepPass::buildEval(func::FuncOp fwd,
                                               SymbolTable &symbols) {
  MLIRContext *ctx = fwd.getContext();
  std::string evalName = (fwd.getSymName() + "_eval").str();
  if (symbols.lookup(evalName))
    return fwd.emitError() << "cannot build the evaluation function: a symbol "
                              "named '"
                           << evalName << "' already exists";
  auto nll = returnedValue(fwd, 0).getDefiningOp<NllLossOp>();
  if (!nll)
    return fwd.emitError() << "cannot build the evaluation function of @"
                           << fwd.getSymName()
                           << ": result #0 is not produced by mp.nll_loss, so "
                              "there are no class scores to count";

  auto scalarTy = RankedTensorType::get({}, Float32Type::get(ctx));
  auto countTy = RankedTensorType::get({}, IntegerType::get(ctx, 64));
  Signature args, results;
  for (unsigned i = 0, e = fwd.getNumArguments(); i < e; ++i)
    args.add(fwd.getArgumentTypes()[i], fwd.getArgAttrDict(i));
  results.add(scalarTy, DictionaryAttr::get(ctx, {roleAttr(ctx, Role::loss)}));
  results.add(countTy,
              DictionaryAttr::get(ctx, {roleAttr(ctx, Role::metric),
                                        nameAttr(ctx, "correct")}));

  OpBuilder b(ctx);
  func::FuncOp eval = createFunc(b, fwd, evalName, args, results);
  IRMapping map;
  SmallVector<Value> fwdResults = cloneBody(fwd, eval, map);

  // Batch norm uses the running statistics and leaves them unchanged.
  SmallVector<BatchNormOp> bns;
  eval.walk([&](BatchNormOp bn) { bns.push_back(bn); });
  for (BatchNormOp bn : bns) {
    b.setInsertionPoint(bn);
    auto inf = BatchNormInferenceOp::create(
        b, bn.getLoc(), bn.getResult().getType(), bn.getInput(), bn.getGamma(),
        bn.getBeta(), bn.getRunningMean(), bn.getRunningVar(), bn.getEpsAttr());
    if (auto name = bn->getAttr(MPDialect::getNameAttrName()))
      inf->setAttr(MPDialect::getNameAttrName(), name);
    bn.getResult().replaceAllUsesWith(inf.getResult());
    bn.getNewRunningMean().replaceAllUsesWith(bn.getRunningMean());
    bn.getNewRunningVar().replaceAllUsesWith(bn.getRunningVar());
    bn.erase();
  }

  Block &body = eval.getBody().front();
  b.setInsertionPointToEnd(&body);
  auto mappedNll = cast<NllLossOp>(fwdResults[0].getDefiningOp());
  Value correct = CountCorrectOp::create(b, fwd.getLoc(), countTy,
                                         mappedNll.getInput(),
                                         mappedNll.getLabels());
  func::ReturnOp::create(b, fwd.getLoc(), ValueRange{fwdResults[0], correct});
  symbols.insert(eval);
  return success();
}

//===----------------------------------------------------------------------===//
// Pass
//===----------------------------------------------------------------------===//

void BuildTrainingStepPass::runOnOperation() {
  ModuleOp module = getOperation();
  if (lossScaling != "none" && lossScaling != "dynamic") {
    module.emitError() << "unknown loss-scaling '" << lossScaling
                       << "'; expected none or dynamic";
    return signalPassFailure();
  }
  if (momentum < 0.0 || weightDecay < 0.0) {
    module.emitError() << "momentum and weight-decay must be non-negative, got "
                       << momentum << " and " << weightDecay;
    return signalPassFailure();
  }
  if (nesterov && momentum == 0.0) {
    module.emitError() << "nesterov needs a positive momentum";
    return signalPassFailure();
  }

  SmallVector<func::FuncOp> forwards;
  if (!function.empty()) {
    auto fn = module.lookupSymbol<func::FuncOp>(function);
    if (!fn) {
      module.emitError() << "no function named '" << function << "'";
      return signalPassFailure();
    }
    if (!hasLoss(fn)) {
      fn.emitError() << "@" << function
                     << " has no loss: result #0 must have role 'loss' or be "
                        "produced by mp.nll_loss";
      return signalPassFailure();
    }
    forwards.push_back(fn);
  } else {
    for (auto fn : module.getOps<func::FuncOp>())
      if (hasLoss(fn))
        forwards.push_back(fn);
    if (forwards.empty()) {
      module.emitError()
          << "no forward function with a loss: expected a function whose "
             "result #0 has role 'loss' or is produced by mp.nll_loss";
      return signalPassFailure();
    }
  }

  SymbolTable symbols(module);
  for (func::FuncOp fwd : forwards) {
    // Every forward op gets a stable tensor name that the step, the
    // evaluation function and later analyses share.
    unsigned index = 0;
    fwd.walk([&](TrainingOpInterface op) {
      if (!op->hasAttr(MPDialect::getNameAttrName()))
        op->setAttr(MPDialect::getNameAttrName(),
                    StringAttr::get(&getContext(),
                                    op->getName().stripDialect() + "_" +
                                        Twine(index)));
      ++index;
    });
    if (resultRole(fwd, 0) == Role::loss &&
        !isa<RankedTensorType>(fwd.getResultTypes()[0]))
      continue;
    if (failed(buildTrainStep(fwd, symbols)) || failed(buildEval(fwd, symbols)))
      return signalPassFailure();
  }
}
