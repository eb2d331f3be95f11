//===- DonateState.cpp - Update the training state in place ---------------===//
//
// Licensed under the Apache License v2.0 with LLVM Exceptions.
// SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
//
//===----------------------------------------------------------------------===//
//
// A training step returns new weights, momenta and BN statistics; its caller
// throws the old ones away. This pass pairs every such result with the
// argument it replaces and rewrites the elementwise op that computes it to
// write into that argument (its `outs`), so that one-shot bufferization can
// update the caller's buffer in place. Whether it does is bufferization's
// decision (it copies when a later op still reads the old value); the
// results it writes in place are then dropped by mp-drop-donated-results.
//
//===----------------------------------------------------------------------===//

#include "mp/Dialect/MP/IR/MPAttrs.h"
#include "mp/Dialect/MP/IR/MPDialect.h"
#include "mp/Transforms/Passes.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Bufferization/IR/Bufferization.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "llvm/ADT/MapVector.h"

namespace mp {
#define GEN_PASS_DEF_MPDONATESTATEPASS
#include "mp/Transforms/Passes.h.inc"
} // namespace mp

using namespace mlir;
using namespace mp;

namespace {
struct DonateStatePass : mp::impl::MPDonateStatePassBase<DonateStatePass> {
  void runOnOperation() override;
};

/// One result to write into an argument: `result` of the generic, the
/// argument, and (dynamic loss scaling) the i1 that selects between the new
/// value and the argument.
struct Donation {
  unsigned result;
  BlockArgument arg;
  Value keepNew; ///< null: always the new value.
};
} // namespace

/// Roles whose results replace an argument of the same role and name.
static bool isStateRole(Role role) {
  return role == Role::weight || role == Role::momentum ||
         role == Role::bn_stat;
}

static std::optional<std::pair<Role, StringAttr>>
stateKey(DictionaryAttr attrs) {
  if (!attrs)
    return std::nullopt;
  auto role = attrs.getAs<RoleAttr>(MPDialect::getRoleAttrName());
  auto name = attrs.getAs<StringAttr>(MPDialect::getNameAttrName());
  if (!role || !name || !isStateRole(role.getValue()))
    return std::nullopt;
  return std::make_pair(role.getValue(), name);
}

/// Whether result `r` of `op` can take any destination: parallel loops, an
/// identity indexing map and an init that the body never reads.
static bool canRedirect(linalg::GenericOp op, unsigned r) {
  if (op.getNumReductionLoops() != 0 || !op.hasPureTensorSemantics())
    return false;
  OpOperand *init = op.getDpsInitOperand(r);
  if (!op.getMatchingIndexingMap(init).isIdentity())
    return false;
  return !op.payloadUsesValueFromOperand(init);
}

/// Rebuilds `op` with each donation's argument as the init of its result.
/// An input that reads the same argument through an identity map is read
/// from the init instead (the same element, before it is written), so the
/// payload uses the init and later cleanups keep it.
static void redirect(linalg::GenericOp op, ArrayRef<Donation> donations) {
  OpBuilder b(op);
  Block &body = op.getRegion().front();
  unsigned numInputs = op.getNumDpsInputs();
  auto yield = cast<linalg::YieldOp>(body.getTerminator());

  SmallVector<Value> inits = op.getDpsInits();
  llvm::BitVector dropInput(numInputs);
  for (const Donation &d : donations) {
    inits[d.result] = d.arg;
    BlockArgument initArg = body.getArgument(numInputs + d.result);
    for (OpOperand *in : op.getDpsInputOperands()) {
      unsigned i = in->getOperandNumber();
      if (in->get() == d.arg && op.getMatchingIndexingMap(in).isIdentity()) {
        body.getArgument(i).replaceAllUsesWith(initArg);
        dropInput.set(i);
      }
    }
    if (d.keepNew) {
      // A skipped step (non-finite gradients) keeps the old value.
      OpBuilder inBody(yield);
      Value v = yield.getOperand(d.result);
      yield.setOperand(d.result, arith::SelectOp::create(
                                     inBody, op.getLoc(), d.keepNew, v, initArg));
    }
  }

  SmallVector<Value> inputs;
  SmallVector<AffineMap> maps;
  for (auto [i, in] : llvm::enumerate(op.getDpsInputs())) {
    if (dropInput.test(i))
      continue;
    inputs.push_back(in);
    maps.push_back(op.getIndexingMapsArray()[i]);
  }
  for (unsigned r = 0, e = op.getNumDpsInits(); r < e; ++r)
    maps.push_back(op.getIndexingMapsArray()[numInputs + r]);
  auto rebuilt = linalg::GenericOp::create(
      b, op.getLoc(), op.getResultTypes(), inputs, inits, maps,
      op.getIteratorTypesArray());
  rebuilt.getRegion().takeBody(op.getRegion());
  for (int i = int(numInputs) - 1; i >= 0; --i)
    if (dropInput.test(i))
      rebuilt.getRegion().front().eraseArgument(i);
  op.replaceAllUsesWith(rebuilt.getResults());
  op.erase();
}

static void donate(func::FuncOp fn) {
  // The argument each state result replaces.
  DenseMap<std::pair<Role, StringAttr>, BlockArgument> args;
  for (BlockArgument arg : fn.getArguments())
    if (auto key = stateKey(fn.getArgAttrDict(arg.getArgNumber())))
      args.try_emplace(*key, arg);

  auto ret = cast<func::ReturnOp>(fn.getBody().back().getTerminator());
  llvm::MapVector<linalg::GenericOp, SmallVector<Donation>> plan;
  DenseSet<BlockArgument> taken;
  DenseSet<Value> claimed;
  for (unsigned k = 0, e = fn.getNumResults(); k < e; ++k) {
    auto key = stateKey(fn.getResultAttrDict(k));
    if (!key)
      continue;
    BlockArgument arg = args.lookup(*key);
    Value v = ret.getOperand(k);
    if (!arg || arg.getType() != v.getType() || taken.contains(arg) ||
        claimed.contains(v))
      continue;
    // `select %finite, %new, %arg` (a step that may be skipped) folds into
    // the op that computes %new.
    Value keepNew;
    Operation *select = nullptr;
    if (auto sel = v.getDefiningOp<arith::SelectOp>();
        sel && sel.getFalseValue() == arg && sel.getCondition().getType().isInteger(1) &&
        sel->hasOneUse()) {
      keepNew = sel.getCondition();
      select = sel;
      v = sel.getTrueValue();
    }
    auto result = dyn_cast<OpResult>(v);
    auto op = result ? dyn_cast<linalg::GenericOp>(result.getOwner()) : nullptr;
    if (!op || !canRedirect(op, result.getResultNumber()) ||
        !result.hasOneUse())
      continue;
    // The select's condition must be available where the op is.
    if (keepNew && !keepNew.getParentRegion()->isAncestor(op->getParentRegion()))
      continue;
    if (keepNew) {
      // The condition is known only after the backward pass; an op of the
      // forward pass (the BN statistics) moves down to it if nothing else
      // needs its results before.
      Operation *def = keepNew.getDefiningOp();
      if (def && def->getBlock() == op->getBlock() &&
          !def->isBeforeInBlock(op)) {
        bool usedBefore = llvm::any_of(op->getUsers(), [&](Operation *user) {
          Operation *at = op->getBlock()->findAncestorOpInBlock(*user);
          return user != select && (!at || !def->isBeforeInBlock(at));
        });
        if (usedBefore || def == op)
          continue;
        op->moveAfter(def);
      }
    }
    // Without a select, the payload must read the argument elementwise, or
    // the init would be unused and folded back to an empty tensor.
    bool readsArg = llvm::any_of(op.getDpsInputOperands(), [&](OpOperand *in) {
      return in->get() == arg && op.getMatchingIndexingMap(in).isIdentity();
    });
    if (!keepNew && !readsArg)
      continue;
    taken.insert(arg);
    claimed.insert(ret.getOperand(k));
    plan[op].push_back({result.getResultNumber(), arg, keepNew});
    if (select) {
      select->getResult(0).replaceAllUsesWith(result);
      select->erase();
    }
  }
  for (auto &[op, donations] : plan)
    redirect(op, donations);

  // The contract for bufferization: donated arguments may be overwritten,
  // every other argument is the caller's and read-only.
  for (BlockArgument arg : fn.getArguments())
    if (isa<TensorType>(arg.getType()))
      fn.setArgAttr(arg.getArgNumber(),
                    bufferization::BufferizationDialect::kWritableAttrName,
                    BoolAttr::get(fn.getContext(), taken.contains(arg)));
}

void DonateStatePass::runOnOperation() {
  for (auto fn : getOperation().getOps<func::FuncOp>())
    if (fn.isPublic() && !fn.isExternal())
      donate(fn);
}
