//===- ExpandGuardedCasts.cpp - Guarded casts to casts + select -*- C++ -*-===//
//
// Licensed under the Apache License v2.0 with LLVM Exceptions.
// SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
//
//===----------------------------------------------------------------------===//

#include "mp/Transforms/Passes.h"

#include "mp/Dialect/MP/IR/MPOps.h"
#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/IR/BuiltinOps.h"

namespace mp {
#define GEN_PASS_DEF_MPEXPANDGUARDEDCASTSPASS
#include "mp/Transforms/Passes.h.inc"
} // namespace mp

using namespace mlir;
using namespace mp;

namespace {
struct ExpandGuardedCastsPass
    : mp::impl::MPExpandGuardedCastsPassBase<ExpandGuardedCastsPass> {
  void runOnOperation() override;
};
} // namespace

/// n = #{ i : |x_i| >= threshold } as an i64 (NaN compares false).
static Value countOverflows(OpBuilder &b, Location loc, Value x,
                            double threshold) {
  auto type = cast<RankedTensorType>(x.getType());
  int64_t rank = type.getRank();
  Type i64 = b.getI64Type();
  auto scalarTy = RankedTensorType::get({}, i64);
  Value zero = arith::ConstantOp::create(b, loc, b.getI64IntegerAttr(0));
  Value init = tensor::EmptyOp::create(b, loc, ArrayRef<int64_t>{}, i64);
  init = linalg::FillOp::create(b, loc, zero, init).getResult(0);
  SmallVector<AffineMap> maps = {
      b.getMultiDimIdentityMap(rank),
      AffineMap::get(rank, 0, {}, b.getContext())};
  SmallVector<utils::IteratorType> iterators(rank,
                                             utils::IteratorType::reduction);
  auto generic = linalg::GenericOp::create(
      b, loc, TypeRange{scalarTy}, ValueRange{x}, ValueRange{init}, maps,
      iterators, [&](OpBuilder &nb, Location nloc, ValueRange args) {
        Value mag = math::AbsFOp::create(nb, nloc, args[0]);
        Value limit = arith::ConstantOp::create(
            nb, nloc, nb.getF32FloatAttr(float(threshold)));
        Value over = arith::CmpFOp::create(nb, nloc, arith::CmpFPredicate::OGE,
                                           mag, limit);
        Value one = arith::ExtUIOp::create(nb, nloc, nb.getI64Type(), over);
        Value sum = arith::AddIOp::create(nb, nloc, args[1], one);
        linalg::YieldOp::create(nb, nloc, sum);
      });
  return tensor::ExtractOp::create(b, loc, generic.getResult(0), ValueRange{});
}

void ExpandGuardedCastsPass::runOnOperation() {
  SmallVector<GuardedCastOp> guards;
  getOperation().walk([&](GuardedCastOp op) { guards.push_back(op); });
  for (GuardedCastOp op : guards) {
    OpBuilder b(op);
    Location loc = op.getLoc();
    Value low = CastOp::create(b, loc, op.getInput(), op.getLow());
    Value high = CastOp::create(b, loc, op.getInput(), op.getHigh());
    Value chosen = arith::SelectOp::create(b, loc, op.getPromote(), high, low);
    // The threshold is rounded to f32 away from zero only if it is not
    // representable; every preset's threshold is.
    Value count = countOverflows(b, loc, op.getInput(),
                                 op.getLow().getOverflowThreshold());
    op.getResult().replaceAllUsesWith(chosen);
    op.getOverflows().replaceAllUsesWith(count);
    op.erase();
  }
}
