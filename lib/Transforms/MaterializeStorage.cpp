//===- MaterializeStorage.cpp - Keep rounded tensors as their codes -------===//
//
// Licensed under the Apache License v2.0 with LLVM Exceptions.
// SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
//
//===----------------------------------------------------------------------===//
//
// mp.cast rounds in an f32 container: a tensor assigned an 8-bit format
// still occupies 4 bytes per element. This pass stores it in its format
// instead: the cast becomes an mp.encode (an i8 or i16 tensor of codes) and
// every user reads an mp.decode placed just before it, so the full-size f32
// values exist only around the op that reads them (fused into it when it is
// elementwise). See docs/Design/Storage.md.
//
//===----------------------------------------------------------------------===//

#include "mp/Dialect/MP/IR/MPOps.h"
#include "mp/Transforms/Passes.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "llvm/ADT/MapVector.h"

namespace mp {
#define GEN_PASS_DEF_MPMATERIALIZESTORAGEPASS
#include "mp/Transforms/Passes.h.inc"
} // namespace mp

using namespace mlir;
using namespace mp;

namespace {
struct MaterializeStoragePass
    : mp::impl::MPMaterializeStoragePassBase<MaterializeStoragePass> {
  using MPMaterializeStoragePassBase::MPMaterializeStoragePassBase;
  void runOnOperation() override;
};

/// A rounded tensor to store: `value` (the cast, or the select between the
/// two casts of a promotable tensor) rounds `input` to `format`, or to
/// `high` when `promote` holds.
struct Stored {
  Value value, input;
  FormatAttr format, high;
  Value promote;
  SmallVector<Operation *> casts;
};
} // namespace

/// Whether `format` can be stored as codes of at most `maxBits` bits.
static bool storable(FormatAttr format, unsigned maxBits) {
  unsigned bits = format.getStorageBits();
  return bits != 0 && bits <= maxBits;
}

/// `select %p, cast(x, H), cast(x, L)` (mp-expand-guarded-casts' output),
/// each cast used by the select alone.
static std::optional<Stored> matchGuarded(arith::SelectOp select) {
  auto high = select.getTrueValue().getDefiningOp<CastOp>();
  auto low = select.getFalseValue().getDefiningOp<CastOp>();
  if (!high || !low || high.getInput() != low.getInput() ||
      !high->hasOneUse() || !low->hasOneUse() ||
      !select.getCondition().getType().isInteger(1))
    return std::nullopt;
  return Stored{select.getResult(), low.getInput(), low.getFormat(),
                high.getFormat(), select.getCondition(), {high, low, select}};
}

static void materialize(Stored &s, unsigned maxBits) {
  if (!storable(s.format, maxBits) || (s.high && !storable(s.high, maxBits)))
    return;
  if (s.value.use_empty())
    return;
  auto type = cast<RankedTensorType>(s.value.getType());
  unsigned bits = s.format.getStorageBits();
  if (s.high)
    bits = std::max(bits, s.high.getStorageBits());
  MLIRContext *ctx = type.getContext();
  auto codeType = type.clone(IntegerType::get(ctx, bits));

  // The codes, where the value was computed (the last cast or the select).
  Operation *at = s.value.getDefiningOp();
  OpBuilder b(at);
  Location loc = at->getLoc();
  auto encode = EncodeOp::create(b, loc, codeType, s.input, s.format,
                                 s.high, s.promote);
  encode->setDiscardableAttrs(at->getDiscardableAttrDictionary());

  // One decode per user, just before it: each decoded copy lives only
  // around its reader.
  llvm::MapVector<Operation *, SmallVector<OpOperand *>> users;
  for (OpOperand &use : s.value.getUses())
    users[use.getOwner()].push_back(&use);
  for (auto &[user, uses] : users) {
    b.setInsertionPoint(user);
    auto decode = DecodeOp::create(b, loc, type, encode.getResult(),
                                   s.format, s.high, s.promote);
    for (OpOperand *use : uses)
      use->set(decode.getResult());
  }
  for (Operation *op : llvm::reverse(s.casts))
    if (op->use_empty())
      op->erase();
}

void MaterializeStoragePass::runOnOperation() {
  if (maxBits != 8 && maxBits != 16) {
    getOperation().emitError() << "mp-materialize-storage: max-bits must be 8 "
                                  "or 16, got "
                               << unsigned(maxBits);
    return signalPassFailure();
  }
  SmallVector<Stored> stored;
  DenseSet<Operation *> guarded;
  getOperation().walk([&](arith::SelectOp select) {
    if (auto s = matchGuarded(select)) {
      for (Operation *op : s->casts)
        guarded.insert(op);
      stored.push_back(std::move(*s));
    }
  });
  getOperation().walk([&](CastOp cast) {
    if (!guarded.contains(cast) && !cast.getFormat().isF32())
      stored.push_back(Stored{cast.getResult(), cast.getInput(),
                              cast.getFormat(), FormatAttr(), Value(),
                              {cast}});
  });
  for (Stored &s : stored)
    materialize(s, maxBits);
}
