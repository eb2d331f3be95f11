//===- MPToLinalg.cpp - Lower mp ops to linalg on tensors ------*- C++ -*-===//
//
// Licensed under the Apache License v2.0 with LLVM Exceptions.
// SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
//
//===----------------------------------------------------------------------===//
//
// Lowers every mp op except mp.cast to linalg (named ops where one fits:
// convolutions, pooling, matmul, transpose, broadcast, reduce, add, mul;
// linalg.generic otherwise), tensor (pad, empty, slices, reshapes) and
// arith/math scalar code, all on tensors. The semantics are the ones the op
// descriptions in MPOps.td state; docs/Design/Lowering.md explains each
// lowering. Every shape is static (the verifiers guarantee it), so all
// offsets and sizes below are compile-time constants.
//
//===----------------------------------------------------------------------===//

#include "mp/Conversion/MPToLinalg/MPToLinalg.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/IR/AffineMap.h"
#include "mlir/IR/PatternMatch.h"
#include "mlir/Transforms/DialectConversion.h"
#include "mp/Conversion/Passes.h"
#include "mp/Dialect/MP/IR/MPDialect.h"
#include "mp/Dialect/MP/IR/MPOps.h"
#include "llvm/ADT/STLExtras.h"
#include "llvm/ADT/StringSet.h"

#include <cmath>
#include <limits>

#define DEBUG_TYPE "convert-mp-to-linalg"

namespace mp {
#define GEN_PASS_DEF_CONVERTMPTOLINALGPASS
#include "mp/Conversion/Passes.h.inc"
} // namespace mp

using namespace mlir;
using namespace mp;

using utils::IteratorType;

//===----------------------------------------------------------------------===//
// Helpers
//===----------------------------------------------------------------------===//

static ArrayRef<int64_t> shapeOf(Value v) {
  return cast<ShapedType>(v.getType()).getShape();
}

static RankedTensorType tensorOf(ArrayRef<int64_t> shape, Type elementType) {
  return RankedTensorType::get(shape, elementType);
}

static Value f32Const(OpBuilder &b, Location loc, double v) {
  return arith::ConstantOp::create(b, loc, b.getF32FloatAttr(float(v)));
}

static Value i64Const(OpBuilder &b, Location loc, int64_t v) {
  return arith::ConstantOp::create(b, loc, b.getI64IntegerAttr(v));
}

static Value i32Const(OpBuilder &b, Location loc, int32_t v) {
  return arith::ConstantOp::create(b, loc, b.getI32IntegerAttr(v));
}

static Value indexConst(OpBuilder &b, Location loc, int64_t v) {
  return arith::ConstantIndexOp::create(b, loc, v);
}

static Value emptyTensor(OpBuilder &b, Location loc, ArrayRef<int64_t> shape,
                         Type elementType) {
  return tensor::EmptyOp::create(b, loc, shape, elementType);
}

/// A new tensor of `shape` with every element `value`.
static Value filled(OpBuilder &b, Location loc, ArrayRef<int64_t> shape,
                    Value value) {
  Value empty = emptyTensor(b, loc, shape, value.getType());
  return linalg::FillOp::create(b, loc, ValueRange{value}, ValueRange{empty})
      .getResult(0);
}

static Value zerosF32(OpBuilder &b, Location loc, ArrayRef<int64_t> shape) {
  return filled(b, loc, shape, f32Const(b, loc, 0.0));
}

static SmallVector<OpFoldResult> indexAttrs(OpBuilder &b,
                                            ArrayRef<int64_t> values) {
  return llvm::map_to_vector(
      values, [&](int64_t v) -> OpFoldResult { return b.getIndexAttr(v); });
}

/// The identity map of rank `rank`.
static AffineMap identity(MLIRContext *ctx, unsigned rank) {
  return AffineMap::getMultiDimIdentityMap(rank, ctx);
}

/// The map from a rank-`rank` iteration space to the dimensions `dims`.
static AffineMap project(MLIRContext *ctx, unsigned rank,
                         ArrayRef<unsigned> dims) {
  SmallVector<AffineExpr> exprs;
  for (unsigned d : dims)
    exprs.push_back(getAffineDimExpr(d, ctx));
  return AffineMap::get(rank, 0, exprs, ctx);
}

/// The map from a rank-`rank` iteration space to a 0-D tensor.
static AffineMap scalarMap(MLIRContext *ctx, unsigned rank) {
  return AffineMap::get(rank, 0, {}, ctx);
}

static SmallVector<IteratorType> parallelIters(unsigned rank) {
  return SmallVector<IteratorType>(rank, IteratorType::parallel);
}

/// Iterators that are parallel on `keep` and reductions elsewhere.
static SmallVector<IteratorType> reduceAllBut(unsigned rank,
                                              ArrayRef<unsigned> keep) {
  SmallVector<IteratorType> iters(rank, IteratorType::reduction);
  for (unsigned d : keep)
    iters[d] = IteratorType::parallel;
  return iters;
}

using BodyFn = function_ref<void(OpBuilder &, Location, ValueRange)>;

/// Builds a linalg.generic that returns its results as tensors.
static linalg::GenericOp generic(OpBuilder &b, Location loc, ValueRange ins,
                                 ValueRange outs, ArrayRef<AffineMap> maps,
                                 ArrayRef<IteratorType> iters, BodyFn body) {
  return linalg::GenericOp::create(b, loc, TypeRange(outs), ins, outs, maps,
                                   iters, body);
}

/// Elementwise linalg.generic over `shape`: every input and the output are
/// indexed by the identity, except inputs given a map in `inMaps` (0-D
/// scalars and per-channel vectors are broadcast that way).
static Value mapElementwise(OpBuilder &b, Location loc, ValueRange ins,
                            ArrayRef<AffineMap> inMaps, ArrayRef<int64_t> shape,
                            Type resultElementType, BodyFn body) {
  MLIRContext *ctx = b.getContext();
  unsigned rank = shape.size();
  SmallVector<AffineMap> maps(inMaps);
  while (maps.size() < ins.size())
    maps.push_back(identity(ctx, rank));
  maps.push_back(identity(ctx, rank));
  Value init = emptyTensor(b, loc, shape, resultElementType);
  return generic(b, loc, ins, init, maps, parallelIters(rank), body)
      .getResult(0);
}

/// Sums `input` over every dimension but `keep` into a zero-initialized
/// tensor of the kept dimensions.
static Value sumKeeping(OpBuilder &b, Location loc, Value input,
                        ArrayRef<unsigned> keep) {
  MLIRContext *ctx = b.getContext();
  ArrayRef<int64_t> shape = shapeOf(input);
  unsigned rank = shape.size();
  SmallVector<int64_t> outShape;
  for (unsigned d : keep)
    outShape.push_back(shape[d]);
  Value init = zerosF32(b, loc, outShape);
  return generic(b, loc, input, init,
                 {identity(ctx, rank), project(ctx, rank, keep)},
                 reduceAllBut(rank, keep),
                 [](OpBuilder &b, Location loc, ValueRange args) {
                   Value s = arith::AddFOp::create(b, loc, args[1], args[0]);
                   linalg::YieldOp::create(b, loc, s);
                 })
      .getResult(0);
}

/// Zero-pads (or pads with `padValue`) the two spatial dimensions of an NCHW
/// tensor by `low` before and `high` after.
static Value padSpatial(OpBuilder &b, Location loc, Value x,
                        ArrayRef<int64_t> low, ArrayRef<int64_t> high,
                        Value padValue) {
  if (llvm::all_of(low, [](int64_t v) { return v == 0; }) &&
      llvm::all_of(high, [](int64_t v) { return v == 0; }))
    return x;
  SmallVector<int64_t> shape(shapeOf(x));
  shape[2] += low[0] + high[0];
  shape[3] += low[1] + high[1];
  auto type = tensorOf(shape, cast<ShapedType>(x.getType()).getElementType());
  return tensor::PadOp::create(
      b, loc, type, x, indexAttrs(b, {0, 0, low[0], low[1]}),
      indexAttrs(b, {0, 0, high[0], high[1]}), padValue);
}

static Value extractSlice(OpBuilder &b, Location loc, Value x,
                          ArrayRef<int64_t> offsets, ArrayRef<int64_t> sizes,
                          ArrayRef<int64_t> strides) {
  if (llvm::all_of(offsets, [](int64_t v) { return v == 0; }) &&
      llvm::all_of(strides, [](int64_t v) { return v == 1; }) &&
      sizes == shapeOf(x))
    return x;
  auto type = tensorOf(sizes, cast<ShapedType>(x.getType()).getElementType());
  return tensor::ExtractSliceOp::create(b, loc, type, x, indexAttrs(b, offsets),
                                        indexAttrs(b, sizes),
                                        indexAttrs(b, strides));
}

static Value insertSlice(OpBuilder &b, Location loc, Value src, Value dest,
                         ArrayRef<int64_t> offsets, ArrayRef<int64_t> strides) {
  return tensor::InsertSliceOp::create(
      b, loc, src, dest, indexAttrs(b, offsets), indexAttrs(b, shapeOf(src)),
      indexAttrs(b, strides));
}

static Value expandShape(OpBuilder &b, Location loc, Value x,
                         ArrayRef<int64_t> shape,
                         ArrayRef<ReassociationIndices> reassociation) {
  auto type = tensorOf(shape, cast<ShapedType>(x.getType()).getElementType());
  return tensor::ExpandShapeOp::create(b, loc, type, x, reassociation);
}

static Value collapseShape(OpBuilder &b, Location loc, Value x,
                           ArrayRef<int64_t> shape,
                           ArrayRef<ReassociationIndices> reassociation) {
  auto type = tensorOf(shape, cast<ShapedType>(x.getType()).getElementType());
  return tensor::CollapseShapeOp::create(b, loc, type, x, reassociation);
}

/// linalg.transpose with `dim(result, i) = dim(x, perm[i])`.
static Value transpose(OpBuilder &b, Location loc, Value x,
                       ArrayRef<int64_t> perm) {
  ArrayRef<int64_t> in = shapeOf(x);
  SmallVector<int64_t> shape;
  for (int64_t p : perm)
    shape.push_back(in[p]);
  Value init = emptyTensor(b, loc, shape,
                           cast<ShapedType>(x.getType()).getElementType());
  return linalg::TransposeOp::create(b, loc, x, init, perm).getResult()[0];
}

/// Accumulates the convolution of `x` (N, C, H, W; padding already applied)
/// with `w` (F, C/groups, KH, KW) into `init` (N, F, OH, OW):
/// `init[n, f, y, x] += sum x[n, g*C/G + c, y*s + ky*d, x*s + kx*d] *
/// w[f, c, ky, kx]`. Picks linalg.conv_2d_nchw_fchw for one group,
/// linalg.depthwise_conv_2d_nchw_chw when every group has one input and one
/// output channel, and linalg.conv_2d_ngchw_gfchw otherwise.
static Value convolve(OpBuilder &b, Location loc, Value x, Value w, Value init,
                      ArrayRef<int64_t> stride, ArrayRef<int64_t> dilation,
                      int64_t groups) {
  ArrayRef<int64_t> xs = shapeOf(x), ws = shapeOf(w), os = shapeOf(init);
  Type initType = init.getType();
  DenseIntElementsAttr strides = b.getI64TensorAttr(stride);
  DenseIntElementsAttr dilations = b.getI64TensorAttr(dilation);
  if (groups == 1)
    return linalg::Conv2DNchwFchwOp::create(b, loc, TypeRange{initType},
                                            ValueRange{x, w}, ValueRange{init},
                                            strides, dilations)
        .getResult(0);
  if (groups == xs[1] && ws[0] == xs[1] && ws[1] == 1) {
    Value w3 =
        collapseShape(b, loc, w, {ws[0], ws[2], ws[3]}, {{0, 1}, {2}, {3}});
    return linalg::DepthwiseConv2DNchwChwOp::create(
               b, loc, TypeRange{initType}, ValueRange{x, w3}, ValueRange{init},
               strides, dilations)
        .getResult(0);
  }
  int64_t cg = xs[1] / groups, fg = ws[0] / groups;
  Value x5 = expandShape(b, loc, x, {xs[0], groups, cg, xs[2], xs[3]},
                         {{0}, {1, 2}, {3}, {4}});
  Value w5 = expandShape(b, loc, w, {groups, fg, ws[1], ws[2], ws[3]},
                         {{0, 1}, {2}, {3}, {4}});
  SmallVector<ReassociationIndices> outAssoc = {{0}, {1, 2}, {3}, {4}};
  Value init5 =
      expandShape(b, loc, init, {os[0], groups, fg, os[2], os[3]}, outAssoc);
  Value y5 = linalg::Conv2DNgchwGfchwOp::create(
                 b, loc, TypeRange{init5.getType()}, ValueRange{x5, w5},
                 ValueRange{init5}, strides, dilations)
                 .getResult(0);
  return collapseShape(b, loc, y5, os, outAssoc);
}

/// Per-channel map (dimension 1) from a rank-`rank` iteration space.
static AffineMap channelMap(MLIRContext *ctx, unsigned rank) {
  return project(ctx, rank, {1});
}

/// The dimensions of an N x C (x H x W) tensor other than the channel.
static SmallVector<unsigned> nonChannelDims(unsigned rank) {
  SmallVector<unsigned> dims = {0};
  for (unsigned d = 2; d < rank; ++d)
    dims.push_back(d);
  return dims;
}

namespace {
/// Per-channel batch statistics of an N x C (x H x W) tensor, computed in
/// two passes (mean first, then the mean of squared deviations) so that a
/// large mean does not cancel the variance.
struct BatchStats {
  Value mean;    // [C]
  Value sumSq;   // [C], sum of (x - mean)^2
  int64_t count; // elements per channel
};
} // namespace

static BatchStats batchStats(OpBuilder &b, Location loc, Value x) {
  MLIRContext *ctx = b.getContext();
  ArrayRef<int64_t> shape = shapeOf(x);
  unsigned rank = shape.size();
  int64_t c = shape[1];
  int64_t count = 1;
  for (unsigned d : nonChannelDims(rank))
    count *= shape[d];
  Value sum = sumKeeping(b, loc, x, {1});
  Value countF = f32Const(b, loc, double(count));
  Value mean = mapElementwise(
      b, loc, sum, {}, {c}, b.getF32Type(),
      [&](OpBuilder &b, Location loc, ValueRange args) {
        linalg::YieldOp::create(
            b, loc, arith::DivFOp::create(b, loc, args[0], countF).getResult());
      });
  Value init = zerosF32(b, loc, {c});
  Value sumSq =
      generic(
          b, loc, ValueRange{x, mean}, init,
          {identity(ctx, rank), channelMap(ctx, rank), channelMap(ctx, rank)},
          reduceAllBut(rank, {1}),
          [](OpBuilder &b, Location loc, ValueRange args) {
            Value d = arith::SubFOp::create(b, loc, args[0], args[1]);
            Value sq = arith::MulFOp::create(b, loc, d, d);
            linalg::YieldOp::create(
                b, loc, arith::AddFOp::create(b, loc, args[2], sq).getResult());
          })
          .getResult(0);
  return {mean, sumSq, count};
}

/// `1 / sqrt(sumSq / count + eps)` per channel.
static Value invStd(OpBuilder &b, Location loc, const BatchStats &stats,
                    double eps) {
  int64_t c = shapeOf(stats.mean)[0];
  Value countF = f32Const(b, loc, double(stats.count));
  Value epsF = f32Const(b, loc, eps);
  Value one = f32Const(b, loc, 1.0);
  return mapElementwise(
      b, loc, stats.sumSq, {}, {c}, b.getF32Type(),
      [&](OpBuilder &b, Location loc, ValueRange args) {
        Value var = arith::DivFOp::create(b, loc, args[0], countF);
        Value s = math::SqrtOp::create(
            b, loc, arith::AddFOp::create(b, loc, var, epsF));
        linalg::YieldOp::create(
            b, loc, arith::DivFOp::create(b, loc, one, s).getResult());
      });
}

/// Emits the arith code of `better(v, i, best, bestIdx)`: whether element
/// `v` at window position `i` beats the current (`best`, `bestIdx`). NaN
/// beats every number, a larger value beats a smaller one and of two equal
/// values (or two NaNs) the lower position wins. This is a total order, so
/// the result is the first maximum whatever order the reduction visits the
/// elements in.
static Value beats(OpBuilder &b, Location loc, Value v, Value i, Value best,
                   Value bestIdx) {
  Value vNan = arith::CmpFOp::create(b, loc, arith::CmpFPredicate::UNO, v, v);
  Value bNan =
      arith::CmpFOp::create(b, loc, arith::CmpFPredicate::UNO, best, best);
  Value bNotNan = arith::XOrIOp::create(
      b, loc, bNan, arith::ConstantOp::create(b, loc, b.getBoolAttr(true)));
  Value nanWins = arith::AndIOp::create(b, loc, vNan, bNotNan);
  Value greater =
      arith::CmpFOp::create(b, loc, arith::CmpFPredicate::OGT, v, best);
  Value equal =
      arith::CmpFOp::create(b, loc, arith::CmpFPredicate::OEQ, v, best);
  Value bothNan = arith::AndIOp::create(b, loc, vNan, bNan);
  Value tie = arith::OrIOp::create(b, loc, equal, bothNan);
  Value earlier =
      arith::CmpIOp::create(b, loc, arith::CmpIPredicate::slt, i, bestIdx);
  Value tieWins = arith::AndIOp::create(b, loc, tie, earlier);
  return arith::OrIOp::create(b, loc, nanWins,
                              arith::OrIOp::create(b, loc, greater, tieWins));
}

/// The dropout keep decision for flat element index `idx` (i64) and `seed`
/// (i64): the splitmix64 output `z = mix(seed + (idx + 1) *
/// 0x9E3779B97F4A7C15)` with `mix(z) = z ^= z >> 30, z *= 0xBF58476D1CE4E5B9, z
/// ^= z >> 27, z *= 0x94D049BB133111EB, z ^= z >> 31` (all mod 2^64); the
/// element is dropped iff `z >> 32 < threshold` with `threshold = round(ratio *
/// 2^32)`. Forward and backward both call this, so their masks agree.
static Value dropoutKeep(OpBuilder &b, Location loc, Value idx, Value seed,
                         uint64_t threshold) {
  // One statement per op keeps the IR order independent of the C++
  // compiler's argument evaluation order.
  auto c = [&](uint64_t v) { return i64Const(b, loc, int64_t(v)); };
  auto mulBy = [&](Value z, uint64_t k) -> Value {
    Value kv = c(k);
    return arith::MulIOp::create(b, loc, z, kv);
  };
  auto xorShift = [&](Value z, uint64_t sh) -> Value {
    Value shv = c(sh);
    Value shifted = arith::ShRUIOp::create(b, loc, z, shv);
    return arith::XOrIOp::create(b, loc, z, shifted);
  };
  Value one = c(1);
  Value ctr = arith::AddIOp::create(b, loc, idx, one);
  Value z =
      arith::AddIOp::create(b, loc, seed, mulBy(ctr, 0x9E3779B97F4A7C15ULL));
  z = mulBy(xorShift(z, 30), 0xBF58476D1CE4E5B9ULL);
  z = mulBy(xorShift(z, 27), 0x94D049BB133111EBULL);
  z = xorShift(z, 31);
  Value sh32 = c(32);
  Value hi = arith::ShRUIOp::create(b, loc, z, sh32);
  Value thr = c(threshold);
  return arith::CmpIOp::create(b, loc, arith::CmpIPredicate::uge, hi, thr);
}

/// Applies the dropout mask of `seed` and the scale `1 / (1 - ratio)` to
/// `x`; shared by mp.dropout and mp.dropout_grad.
static Value applyDropout(OpBuilder &b, Location loc, Value x, Value seed,
                          double ratio) {
  MLIRContext *ctx = b.getContext();
  ArrayRef<int64_t> shape = shapeOf(x);
  unsigned rank = shape.size();
  // round(ratio * 2^32); ratio < 1 so this is at most 2^32.
  auto threshold = uint64_t(std::llround(std::ldexp(ratio, 32)));
  double scale = 1.0 / (1.0 - ratio);
  SmallVector<int64_t> dims(shape);
  return mapElementwise(
      b, loc, ValueRange{x, seed}, {identity(ctx, rank), scalarMap(ctx, rank)},
      shape, b.getF32Type(), [&](OpBuilder &b, Location loc, ValueRange args) {
        // Row-major flat index of the element.
        Value flat = indexConst(b, loc, 0);
        for (unsigned d = 0; d < rank; ++d) {
          Value id = linalg::IndexOp::create(b, loc, d);
          flat = arith::AddIOp::create(
              b, loc,
              arith::MulIOp::create(b, loc, flat, indexConst(b, loc, dims[d])),
              id);
        }
        Value flat64 = arith::IndexCastOp::create(b, loc, b.getI64Type(), flat);
        Value keep = dropoutKeep(b, loc, flat64, args[1], threshold);
        Value scaled =
            arith::MulFOp::create(b, loc, args[0], f32Const(b, loc, scale));
        linalg::YieldOp::create(
            b, loc,
            arith::SelectOp::create(b, loc, keep, scaled, f32Const(b, loc, 0.0))
                .getResult());
      });
}

/// Sign-extends an i32 label to i64 (i64 labels pass through).
static Value labelToI64(OpBuilder &b, Location loc, Value label) {
  if (label.getType().isInteger(64))
    return label;
  return arith::ExtSIOp::create(b, loc, b.getI64Type(), label);
}

/// Scatter-adds, for each window position (ky, kx) of a pooling window,
/// `contribution(ky, kx)` (N, C, OH, OW) into a zero tensor of the padded
/// input's shape at rows `oh * s + ky` and columns `ow * s + kx`, then crops
/// the padding. Overlapping windows add up.
static Value scatterWindows(
    OpBuilder &b, Location loc, ArrayRef<int64_t> inShape,
    ArrayRef<int64_t> outShape, ArrayRef<int64_t> kernel,
    ArrayRef<int64_t> stride, ArrayRef<int64_t> padding,
    function_ref<Value(OpBuilder &, Location, int64_t, int64_t, Value)>
        addContribution) {
  SmallVector<int64_t> padded(inShape);
  padded[2] += 2 * padding[0];
  padded[3] += 2 * padding[1];
  Value acc = zerosF32(b, loc, padded);
  SmallVector<int64_t> strides = {1, 1, stride[0], stride[1]};
  for (int64_t ky = 0; ky < kernel[0]; ++ky) {
    for (int64_t kx = 0; kx < kernel[1]; ++kx) {
      SmallVector<int64_t> offsets = {0, 0, ky, kx};
      Value window = extractSlice(b, loc, acc, offsets, outShape, strides);
      Value updated = addContribution(b, loc, ky, kx, window);
      acc = insertSlice(b, loc, updated, acc, offsets, strides);
    }
  }
  return extractSlice(b, loc, acc, {0, 0, padding[0], padding[1]}, inShape,
                      {1, 1, 1, 1});
}

//===----------------------------------------------------------------------===//
// Patterns: forward ops
//===----------------------------------------------------------------------===//

namespace {

/// conv2d(x, w, b) → tensor.pad(x) + linalg conv (nchw_fchw, depthwise or
/// ngchw_gfchw) accumulating into broadcast(b) (or zeros).
struct Conv2dLowering : OpConversionPattern<Conv2dOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult
  matchAndRewrite(Conv2dOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    auto resultType = cast<RankedTensorType>(op.getResult().getType());
    ArrayRef<int64_t> pad = op.getPadding();
    Value zero = f32Const(rewriter, loc, 0.0);
    Value x = padSpatial(rewriter, loc, adaptor.getInput(), pad, pad, zero);
    Value init;
    if (Value bias = adaptor.getBias()) {
      Value empty = emptyTensor(rewriter, loc, resultType.getShape(),
                                resultType.getElementType());
      init = linalg::BroadcastOp::create(rewriter, loc, bias, empty,
                                         ArrayRef<int64_t>{0, 2, 3})
                 .getResult()[0];
    } else {
      init = zerosF32(rewriter, loc, resultType.getShape());
    }
    Value y =
        convolve(rewriter, loc, x, adaptor.getWeight(), init, op.getStride(),
                 op.getDilation(), int64_t(op.getGroups()));
    rewriter.replaceOp(op, y);
    return success();
  }
};

/// linear(x, w, b) → linalg.matmul(x, w^T via indexing maps) accumulating
/// into broadcast(b) (or zeros).
struct LinearLowering : OpConversionPattern<LinearOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult
  matchAndRewrite(LinearOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    MLIRContext *ctx = rewriter.getContext();
    auto resultType = cast<RankedTensorType>(op.getResult().getType());
    Value init;
    if (Value bias = adaptor.getBias()) {
      Value empty = emptyTensor(rewriter, loc, resultType.getShape(),
                                resultType.getElementType());
      init = linalg::BroadcastOp::create(rewriter, loc, bias, empty,
                                         ArrayRef<int64_t>{0})
                 .getResult()[0];
    } else {
      init = zerosF32(rewriter, loc, resultType.getShape());
    }
    // (m, n, k): x[m, k] * w[n, k] -> y[m, n].
    auto mm = linalg::MatmulOp::create(
        rewriter, loc, TypeRange{resultType},
        ValueRange{adaptor.getInput(), adaptor.getWeight()}, ValueRange{init});
    mm.setIndexingMapsAttr(rewriter.getAffineMapArrayAttr(
        {project(ctx, 3, {0, 2}), project(ctx, 3, {1, 2}),
         project(ctx, 3, {0, 1})}));
    rewriter.replaceOp(op, mm.getResult(0));
    return success();
  }
};

/// batch_norm(x, γ, β, rm, rv) → two-pass per-channel mean and variance
/// (linalg.generic reductions), then y = (x - mean) * invstd * γ + β and the
/// running statistics (1 - m) * r + m * batch (unbiased variance).
struct BatchNormLowering : OpConversionPattern<BatchNormOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult
  matchAndRewrite(BatchNormOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    MLIRContext *ctx = rewriter.getContext();
    Value x = adaptor.getInput();
    ArrayRef<int64_t> shape = shapeOf(x);
    unsigned rank = shape.size();
    int64_t c = shape[1];
    double eps = op.getEps().convertToDouble();
    double momentum = op.getMomentum().convertToDouble();
    BatchStats stats = batchStats(rewriter, loc, x);
    Value inv = invStd(rewriter, loc, stats, eps);

    // Running statistics. With one element per channel the unbiased
    // variance is undefined; the biased one (0) is used then.
    int64_t n = stats.count;
    double correction = n > 1 ? double(n) / double(n - 1) : 1.0;
    Value countF = f32Const(rewriter, loc, double(n));
    Value keepF = f32Const(rewriter, loc, 1.0 - momentum);
    Value momF = f32Const(rewriter, loc, momentum);
    Value corrF = f32Const(rewriter, loc, correction);
    SmallVector<AffineMap> maps(6, identity(ctx, 1));
    auto running = generic(
        rewriter, loc,
        ValueRange{stats.mean, stats.sumSq, adaptor.getRunningMean(),
                   adaptor.getRunningVar()},
        ValueRange{emptyTensor(rewriter, loc, {c}, rewriter.getF32Type()),
                   emptyTensor(rewriter, loc, {c}, rewriter.getF32Type())},
        maps, parallelIters(1),
        [&](OpBuilder &b, Location loc, ValueRange args) {
          Value var = arith::DivFOp::create(b, loc, args[1], countF);
          Value unbiased = arith::MulFOp::create(b, loc, var, corrF);
          auto blend = [&](Value old, Value fresh) -> Value {
            return arith::AddFOp::create(
                b, loc, arith::MulFOp::create(b, loc, keepF, old),
                arith::MulFOp::create(b, loc, momF, fresh));
          };
          linalg::YieldOp::create(
              b, loc,
              ValueRange{blend(args[2], args[0]), blend(args[3], unbiased)});
        });

    AffineMap ch = channelMap(ctx, rank);
    Value y = mapElementwise(
        rewriter, loc,
        ValueRange{x, stats.mean, inv, adaptor.getGamma(), adaptor.getBeta()},
        {identity(ctx, rank), ch, ch, ch, ch}, shape, rewriter.getF32Type(),
        [](OpBuilder &b, Location loc, ValueRange args) {
          Value xhat = arith::MulFOp::create(
              b, loc, arith::SubFOp::create(b, loc, args[0], args[1]), args[2]);
          Value r = arith::AddFOp::create(
              b, loc, arith::MulFOp::create(b, loc, xhat, args[3]), args[4]);
          linalg::YieldOp::create(b, loc, r);
        });
    rewriter.replaceOp(op, {y, running.getResult(0), running.getResult(1)});
    return success();
  }
};

/// batch_norm_inference → y = (x - mean) / sqrt(var + eps) * γ + β in one
/// linalg.generic.
struct BatchNormInferenceLowering : OpConversionPattern<BatchNormInferenceOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult
  matchAndRewrite(BatchNormInferenceOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    MLIRContext *ctx = rewriter.getContext();
    Value x = adaptor.getInput();
    ArrayRef<int64_t> shape = shapeOf(x);
    unsigned rank = shape.size();
    Value epsF = f32Const(rewriter, loc, op.getEps().convertToDouble());
    AffineMap ch = channelMap(ctx, rank);
    Value y = mapElementwise(
        rewriter, loc,
        ValueRange{x, adaptor.getMean(), adaptor.getVar(), adaptor.getGamma(),
                   adaptor.getBeta()},
        {identity(ctx, rank), ch, ch, ch, ch}, shape, rewriter.getF32Type(),
        [&](OpBuilder &b, Location loc, ValueRange args) {
          Value s = math::SqrtOp::create(
              b, loc, arith::AddFOp::create(b, loc, args[2], epsF));
          Value xhat = arith::DivFOp::create(
              b, loc, arith::SubFOp::create(b, loc, args[0], args[1]), s);
          Value r = arith::AddFOp::create(
              b, loc, arith::MulFOp::create(b, loc, xhat, args[3]), args[4]);
          linalg::YieldOp::create(b, loc, r);
        });
    rewriter.replaceOp(op, y);
    return success();
  }
};

/// relu(x) → max(x, 0); relu6(x) → min(max(x, 0), 6) (NaN propagates).
template <typename OpTy, bool Six>
struct ReluLowering : OpConversionPattern<OpTy> {
  using OpConversionPattern<OpTy>::OpConversionPattern;
  using OpAdaptor = typename OpTy::Adaptor;
  LogicalResult
  matchAndRewrite(OpTy op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    Value x = adaptor.getInput();
    Value y = mapElementwise(
        rewriter, loc, x, {}, shapeOf(x), rewriter.getF32Type(),
        [](OpBuilder &b, Location loc, ValueRange args) {
          Value r =
              arith::MaximumFOp::create(b, loc, args[0], f32Const(b, loc, 0.0));
          if (Six)
            r = arith::MinimumFOp::create(b, loc, r, f32Const(b, loc, 6.0));
          linalg::YieldOp::create(b, loc, r);
        });
    rewriter.replaceOp(op, y);
    return success();
  }
};

/// add/mul → linalg.add / linalg.mul.
template <typename OpTy, typename LinalgOpTy>
struct BinaryLowering : OpConversionPattern<OpTy> {
  using OpConversionPattern<OpTy>::OpConversionPattern;
  using OpAdaptor = typename OpTy::Adaptor;
  LogicalResult
  matchAndRewrite(OpTy op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    auto type = cast<RankedTensorType>(op.getResult().getType());
    Value init =
        emptyTensor(rewriter, loc, type.getShape(), type.getElementType());
    auto r = LinalgOpTy::create(rewriter, loc, TypeRange{type},
                                ValueRange{adaptor.getLhs(), adaptor.getRhs()},
                                ValueRange{init});
    rewriter.replaceOp(op, r.getResult(0));
    return success();
  }
};

/// concat → tensor.empty + one tensor.insert_slice per input.
struct ConcatLowering : OpConversionPattern<ConcatOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult
  matchAndRewrite(ConcatOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    auto type = cast<RankedTensorType>(op.getResult().getType());
    int64_t axis = int64_t(op.getAxis());
    Value acc =
        emptyTensor(rewriter, loc, type.getShape(), type.getElementType());
    SmallVector<int64_t> offsets(type.getRank(), 0), strides(type.getRank(), 1);
    for (Value in : adaptor.getInputs()) {
      acc = insertSlice(rewriter, loc, in, acc, offsets, strides);
      offsets[axis] += shapeOf(in)[axis];
    }
    rewriter.replaceOp(op, acc);
    return success();
  }
};

/// split → one tensor.extract_slice per result.
struct SplitLowering : OpConversionPattern<SplitOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult
  matchAndRewrite(SplitOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    Value x = adaptor.getInput();
    int64_t rank = shapeOf(x).size();
    int64_t axis = int64_t(op.getAxis());
    SmallVector<int64_t> offsets(rank, 0), strides(rank, 1);
    SmallVector<Value> pieces;
    for (Value r : op.getResults()) {
      pieces.push_back(
          extractSlice(rewriter, loc, x, offsets, shapeOf(r), strides));
      offsets[axis] += shapeOf(r)[axis];
    }
    rewriter.replaceOp(op, pieces);
    return success();
  }
};

/// channel_shuffle → expand C to G x C/G, linalg.transpose to C/G x G,
/// collapse.
struct ChannelShuffleLowering : OpConversionPattern<ChannelShuffleOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult
  matchAndRewrite(ChannelShuffleOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    Value x = adaptor.getInput();
    ArrayRef<int64_t> s = shapeOf(x);
    int64_t g = int64_t(op.getGroups());
    SmallVector<ReassociationIndices> assoc = {{0}, {1, 2}, {3}, {4}};
    Value x5 =
        expandShape(rewriter, loc, x, {s[0], g, s[1] / g, s[2], s[3]}, assoc);
    Value t = transpose(rewriter, loc, x5, {0, 2, 1, 3, 4});
    rewriter.replaceOp(op, collapseShape(rewriter, loc, t, s, assoc));
    return success();
  }
};

/// reshape → tensor.collapse_shape to 1-D, then tensor.expand_shape.
struct ReshapeLowering : OpConversionPattern<ReshapeOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult
  matchAndRewrite(ReshapeOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    Value x = adaptor.getInput();
    auto inType = cast<RankedTensorType>(x.getType());
    auto outType = cast<RankedTensorType>(op.getResult().getType());
    if (inType == outType) {
      rewriter.replaceOp(op, x);
      return success();
    }
    int64_t n = inType.getNumElements();
    auto allDims = [](int64_t rank) {
      ReassociationIndices dims;
      for (int64_t i = 0; i < rank; ++i)
        dims.push_back(i);
      return dims;
    };
    // Rank 0 <-> 1 uses an empty reassociation.
    auto toFlatAssoc = [&](int64_t rank) {
      SmallVector<ReassociationIndices> a;
      if (rank > 0)
        a.push_back(allDims(rank));
      return a;
    };
    Value flat = x;
    if (inType.getRank() == 0)
      flat = expandShape(rewriter, loc, x, {n}, {});
    else if (inType.getRank() > 1)
      flat =
          collapseShape(rewriter, loc, x, {n}, toFlatAssoc(inType.getRank()));
    Value y = flat;
    if (outType.getRank() == 0)
      y = collapseShape(rewriter, loc, flat, {}, {});
    else if (outType.getRank() > 1)
      y = expandShape(rewriter, loc, flat, outType.getShape(),
                      toFlatAssoc(outType.getRank()));
    rewriter.replaceOp(op, y);
    return success();
  }
};

/// max_pool2d → tensor.pad with -inf + linalg.pooling_nchw_max.
struct MaxPool2dLowering : OpConversionPattern<MaxPool2dOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult
  matchAndRewrite(MaxPool2dOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    auto type = cast<RankedTensorType>(op.getResult().getType());
    ArrayRef<int64_t> pad = op.getPadding(), kernel = op.getKernel();
    Value negInf =
        f32Const(rewriter, loc, -std::numeric_limits<double>::infinity());
    Value x = padSpatial(rewriter, loc, adaptor.getInput(), pad, pad, negInf);
    Value init = filled(rewriter, loc, type.getShape(), negInf);
    Value window = emptyTensor(rewriter, loc, kernel, rewriter.getF32Type());
    auto pool = linalg::PoolingNchwMaxOp::create(
        rewriter, loc, TypeRange{type}, ValueRange{x, window}, ValueRange{init},
        rewriter.getI64TensorAttr(op.getStride()),
        rewriter.getI64TensorAttr({1, 1}));
    rewriter.replaceOp(op, pool.getResult(0));
    return success();
  }
};

/// avg_pool2d → zero tensor.pad + linalg.pooling_nchw_sum, divided by the
/// kernel area (padding counts).
struct AvgPool2dLowering : OpConversionPattern<AvgPool2dOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult
  matchAndRewrite(AvgPool2dOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    auto type = cast<RankedTensorType>(op.getResult().getType());
    ArrayRef<int64_t> pad = op.getPadding(), kernel = op.getKernel();
    Value zero = f32Const(rewriter, loc, 0.0);
    Value x = padSpatial(rewriter, loc, adaptor.getInput(), pad, pad, zero);
    Value init = zerosF32(rewriter, loc, type.getShape());
    Value window = emptyTensor(rewriter, loc, kernel, rewriter.getF32Type());
    Value sum = linalg::PoolingNchwSumOp::create(
                    rewriter, loc, TypeRange{type}, ValueRange{x, window},
                    ValueRange{init}, rewriter.getI64TensorAttr(op.getStride()),
                    rewriter.getI64TensorAttr({1, 1}))
                    .getResult(0);
    Value area = f32Const(rewriter, loc, double(kernel[0] * kernel[1]));
    Value y = mapElementwise(
        rewriter, loc, sum, {}, type.getShape(), rewriter.getF32Type(),
        [&](OpBuilder &b, Location loc, ValueRange args) {
          linalg::YieldOp::create(
              b, loc, arith::DivFOp::create(b, loc, args[0], area).getResult());
        });
    rewriter.replaceOp(op, y);
    return success();
  }
};

/// global_avg_pool → linalg.generic sum over H, W, divided by H * W;
/// tensor.expand_shape for an N x C x 1 x 1 result.
struct GlobalAvgPoolLowering : OpConversionPattern<GlobalAvgPoolOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult
  matchAndRewrite(GlobalAvgPoolOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    Value x = adaptor.getInput();
    ArrayRef<int64_t> s = shapeOf(x);
    Value sum = sumKeeping(rewriter, loc, x, {0, 1});
    Value area = f32Const(rewriter, loc, double(s[2] * s[3]));
    Value y = mapElementwise(
        rewriter, loc, sum, {}, {s[0], s[1]}, rewriter.getF32Type(),
        [&](OpBuilder &b, Location loc, ValueRange args) {
          linalg::YieldOp::create(
              b, loc, arith::DivFOp::create(b, loc, args[0], area).getResult());
        });
    if (shapeOf(op.getResult()).size() == 4)
      y = expandShape(rewriter, loc, y, {s[0], s[1], 1, 1}, {{0}, {1, 2, 3}});
    rewriter.replaceOp(op, y);
    return success();
  }
};

/// dropout → linalg.generic: keep(index, seed) ? x / (1 - ratio) : 0.
struct DropoutLowering : OpConversionPattern<DropoutOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult
  matchAndRewrite(DropoutOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    rewriter.replaceOp(op, applyDropout(rewriter, op.getLoc(),
                                        adaptor.getInput(), adaptor.getSeed(),
                                        op.getRatio().convertToDouble()));
    return success();
  }
};

/// log_softmax → row max, row sum of exp(x - max), x - max - log(sum).
struct LogSoftmaxLowering : OpConversionPattern<LogSoftmaxOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult
  matchAndRewrite(LogSoftmaxOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    MLIRContext *ctx = rewriter.getContext();
    Value x = adaptor.getInput();
    ArrayRef<int64_t> s = shapeOf(x);
    AffineMap id = identity(ctx, 2), row = project(ctx, 2, {0});
    SmallVector<IteratorType> rowReduce = reduceAllBut(2, {0});
    Value negInf =
        f32Const(rewriter, loc, -std::numeric_limits<double>::infinity());
    Value max = generic(rewriter, loc, x, filled(rewriter, loc, {s[0]}, negInf),
                        {id, row}, rowReduce,
                        [](OpBuilder &b, Location loc, ValueRange args) {
                          linalg::YieldOp::create(b, loc,
                                                  arith::MaximumFOp::create(
                                                      b, loc, args[1], args[0])
                                                      .getResult());
                        })
                    .getResult(0);
    Value sumExp =
        generic(rewriter, loc, ValueRange{x, max},
                zerosF32(rewriter, loc, {s[0]}), {id, row, row}, rowReduce,
                [](OpBuilder &b, Location loc, ValueRange args) {
                  Value e = math::ExpOp::create(
                      b, loc, arith::SubFOp::create(b, loc, args[0], args[1]));
                  linalg::YieldOp::create(
                      b, loc,
                      arith::AddFOp::create(b, loc, args[2], e).getResult());
                })
            .getResult(0);
    Value y = mapElementwise(
        rewriter, loc, ValueRange{x, max, sumExp}, {id, row, row}, s,
        rewriter.getF32Type(), [](OpBuilder &b, Location loc, ValueRange args) {
          Value shifted = arith::SubFOp::create(b, loc, args[0], args[1]);
          Value lse = math::LogOp::create(b, loc, args[2]);
          linalg::YieldOp::create(
              b, loc, arith::SubFOp::create(b, loc, shifted, lse).getResult());
        });
    rewriter.replaceOp(op, y);
    return success();
  }
};

/// nll_loss → linalg.generic over (n, c) summing x[n, c] where c ==
/// labels[n] into a 0-D tensor, then -sum / N. Labels outside [0, C)
/// select nothing (contribute 0).
struct NllLossLowering : OpConversionPattern<NllLossOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult
  matchAndRewrite(NllLossOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    MLIRContext *ctx = rewriter.getContext();
    Value x = adaptor.getInput();
    int64_t n = shapeOf(x)[0];
    Value sum =
        generic(rewriter, loc, ValueRange{x, adaptor.getLabels()},
                zerosF32(rewriter, loc, {}),
                {identity(ctx, 2), project(ctx, 2, {0}), scalarMap(ctx, 2)},
                reduceAllBut(2, {}),
                [](OpBuilder &b, Location loc, ValueRange args) {
                  Value c = arith::IndexCastOp::create(
                      b, loc, b.getI64Type(),
                      linalg::IndexOp::create(b, loc, 1));
                  Value hit =
                      arith::CmpIOp::create(b, loc, arith::CmpIPredicate::eq, c,
                                            labelToI64(b, loc, args[1]));
                  Value v = arith::SelectOp::create(b, loc, hit, args[0],
                                                    f32Const(b, loc, 0.0));
                  linalg::YieldOp::create(
                      b, loc,
                      arith::AddFOp::create(b, loc, args[2], v).getResult());
                })
            .getResult(0);
    Value nF = f32Const(rewriter, loc, double(n));
    Value loss = mapElementwise(
        rewriter, loc, sum, {}, {}, rewriter.getF32Type(),
        [&](OpBuilder &b, Location loc, ValueRange args) {
          Value mean = arith::DivFOp::create(b, loc, args[0], nF);
          linalg::YieldOp::create(
              b, loc, arith::NegFOp::create(b, loc, mean).getResult());
        });
    rewriter.replaceOp(op, loss);
    return success();
  }
};

/// count_correct → linalg.generic arg-max per row (first maximum; NaN counts
/// as the maximum) into N indices, then a linalg.generic counting the rows
/// whose index equals the label into a 0-D i64.
struct CountCorrectLowering : OpConversionPattern<CountCorrectOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult
  matchAndRewrite(CountCorrectOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    MLIRContext *ctx = rewriter.getContext();
    Value x = adaptor.getInput();
    ArrayRef<int64_t> s = shapeOf(x);
    Value negInf =
        f32Const(rewriter, loc, -std::numeric_limits<double>::infinity());
    AffineMap row = project(ctx, 2, {0});
    auto argmax = generic(
        rewriter, loc, x,
        ValueRange{
            filled(rewriter, loc, {s[0]}, negInf),
            filled(rewriter, loc, {s[0]}, i64Const(rewriter, loc, s[1]))},
        {identity(ctx, 2), row, row}, reduceAllBut(2, {0}),
        [](OpBuilder &b, Location loc, ValueRange args) {
          Value c = arith::IndexCastOp::create(
              b, loc, b.getI64Type(), linalg::IndexOp::create(b, loc, 1));
          Value win = beats(b, loc, args[0], c, args[1], args[2]);
          linalg::YieldOp::create(
              b, loc,
              ValueRange{arith::SelectOp::create(b, loc, win, args[0], args[1]),
                         arith::SelectOp::create(b, loc, win, c, args[2])});
        });
    Value count =
        generic(
            rewriter, loc, ValueRange{argmax.getResult(1), adaptor.getLabels()},
            filled(rewriter, loc, {}, i64Const(rewriter, loc, 0)),
            {identity(ctx, 1), identity(ctx, 1), scalarMap(ctx, 1)},
            reduceAllBut(1, {}),
            [](OpBuilder &b, Location loc, ValueRange args) {
              Value hit =
                  arith::CmpIOp::create(b, loc, arith::CmpIPredicate::eq,
                                        args[0], labelToI64(b, loc, args[1]));
              Value one = arith::ExtUIOp::create(b, loc, b.getI64Type(), hit);
              linalg::YieldOp::create(
                  b, loc,
                  arith::AddIOp::create(b, loc, args[2], one).getResult());
            })
            .getResult(0);
    rewriter.replaceOp(op, count);
    return success();
  }
};

//===----------------------------------------------------------------------===//
// Patterns: backward ops
//===----------------------------------------------------------------------===//

/// conv2d_input_grad(dy, w) → transposed convolution: dy is placed with
/// stride s (tensor.insert_slice with strides into zeros, which also pads by
/// d*(k-1) - p; rows that fall outside are cropped), then convolved with
/// stride 1 and dilation d with w flipped spatially and with in/out
/// channels swapped per group (a linalg.generic gather).
struct Conv2dInputGradLowering : OpConversionPattern<Conv2dInputGradOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult
  matchAndRewrite(Conv2dInputGradOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    MLIRContext *ctx = rewriter.getContext();
    Value dy = adaptor.getGradOutput(), w = adaptor.getWeight();
    ArrayRef<int64_t> dys = shapeOf(dy), ws = shapeOf(w);
    ArrayRef<int64_t> xs = shapeOf(op.getResult());
    ArrayRef<int64_t> stride = op.getStride(), pad = op.getPadding(),
                      dil = op.getDilation();
    int64_t groups = int64_t(op.getGroups());
    int64_t n = xs[0], c = xs[1], f = ws[0];
    int64_t cg = c / groups, fg = f / groups;

    // Per spatial dim: dy row oy lands at oy * s + lead in the buffer the
    // stride-1 convolution reads, which has H + d * (k - 1) rows.
    SmallVector<int64_t, 2> lead(2), bufSize(2), first(2), count(2);
    for (int i = 0; i < 2; ++i) {
      int64_t span = dil[i] * (ws[2 + i] - 1);
      lead[i] = span - pad[i];
      bufSize[i] = xs[2 + i] + span;
      // Rows with oy * s + lead outside [0, bufSize) never reach the input.
      int64_t lo = lead[i] >= 0 ? 0 : (-lead[i] + stride[i] - 1) / stride[i];
      int64_t hi =
          std::min(dys[2 + i] - 1, (bufSize[i] - 1 - lead[i]) >= 0
                                       ? (bufSize[i] - 1 - lead[i]) / stride[i]
                                       : int64_t(-1));
      first[i] = lo;
      count[i] = hi - lo + 1;
    }
    if (count[0] <= 0 || count[1] <= 0) {
      // No output position reads a real input element.
      rewriter.replaceOp(op, zerosF32(rewriter, loc, xs));
      return success();
    }
    Value kept = extractSlice(rewriter, loc, dy, {0, 0, first[0], first[1]},
                              {n, f, count[0], count[1]}, {1, 1, 1, 1});
    SmallVector<int64_t> offsets = {0, 0, first[0] * stride[0] + lead[0],
                                    first[1] * stride[1] + lead[1]};
    Value buf;
    if (stride[0] == 1 && stride[1] == 1) {
      Value zero = f32Const(rewriter, loc, 0.0);
      buf = padSpatial(rewriter, loc, kept, {offsets[2], offsets[3]},
                       {bufSize[0] - offsets[2] - count[0],
                        bufSize[1] - offsets[3] - count[1]},
                       zero);
    } else {
      Value zeros = zerosF32(rewriter, loc, {n, f, bufSize[0], bufSize[1]});
      buf = insertSlice(rewriter, loc, kept, zeros, offsets,
                        {1, 1, stride[0], stride[1]});
    }

    // wT[g*Cg + c, fo, ky, kx] = w[g*Fg + fo, c, KH-1-ky, KW-1-kx], built
    // over (g, c, fo, ky, kx) and collapsed to (C, Fg, KH, KW).
    int64_t kh = ws[2], kw = ws[3];
    AffineExpr d0 = getAffineDimExpr(0, ctx), d1 = getAffineDimExpr(1, ctx),
               d2 = getAffineDimExpr(2, ctx), d3 = getAffineDimExpr(3, ctx),
               d4 = getAffineDimExpr(4, ctx);
    AffineMap gather = AffineMap::get(
        5, 0, {d0 * fg + d2, d1, (kh - 1) - d3, (kw - 1) - d4}, ctx);
    Value wInit = emptyTensor(rewriter, loc, {groups, cg, fg, kh, kw},
                              rewriter.getF32Type());
    Value wT5 = generic(rewriter, loc, w, wInit, {gather, identity(ctx, 5)},
                        parallelIters(5),
                        [](OpBuilder &b, Location loc, ValueRange args) {
                          linalg::YieldOp::create(b, loc, args[0]);
                        })
                    .getResult(0);
    Value wT = collapseShape(rewriter, loc, wT5, {c, fg, kh, kw},
                             {{0, 1}, {2}, {3}, {4}});
    Value dx = convolve(rewriter, loc, buf, wT, zerosF32(rewriter, loc, xs),
                        {1, 1}, dil, groups);
    rewriter.replaceOp(op, dx);
    return success();
  }
};

/// conv2d_weight_grad(dy, x) → a convolution in which the batch is the
/// reduced channel: x (padded, cropped to the rows the forward op reads) is
/// transposed to C x N x H x W (per group), dy to F x N x OH x OW, and
/// convolved with stride d and dilation s; the result is transposed back.
struct Conv2dWeightGradLowering : OpConversionPattern<Conv2dWeightGradOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult
  matchAndRewrite(Conv2dWeightGradOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    Value dy = adaptor.getGradOutput(), x = adaptor.getInput();
    ArrayRef<int64_t> dys = shapeOf(dy), xs = shapeOf(x);
    ArrayRef<int64_t> ws = shapeOf(op.getResult());
    ArrayRef<int64_t> stride = op.getStride(), pad = op.getPadding(),
                      dil = op.getDilation();
    int64_t groups = int64_t(op.getGroups());
    int64_t n = xs[0], c = xs[1], f = ws[0];
    int64_t cg = c / groups, fg = f / groups;
    Value zero = f32Const(rewriter, loc, 0.0);
    Value xp = padSpatial(rewriter, loc, x, pad, pad, zero);
    // Only rows up to (k-1)*d + (OH-1)*s are ever read.
    SmallVector<int64_t> used = {
        n, c, (ws[2] - 1) * dil[0] + (dys[2] - 1) * stride[0] + 1,
        (ws[3] - 1) * dil[1] + (dys[3] - 1) * stride[1] + 1};
    xp = extractSlice(rewriter, loc, xp, {0, 0, 0, 0}, used, {1, 1, 1, 1});
    if (groups == 1) {
      Value xt = transpose(rewriter, loc, xp, {1, 0, 2, 3});
      Value dyt = transpose(rewriter, loc, dy, {1, 0, 2, 3});
      Value o =
          linalg::Conv2DNchwFchwOp::create(
              rewriter, loc,
              TypeRange{tensorOf({c, f, ws[2], ws[3]}, rewriter.getF32Type())},
              ValueRange{xt, dyt},
              ValueRange{zerosF32(rewriter, loc, {c, f, ws[2], ws[3]})},
              rewriter.getI64TensorAttr(dil), rewriter.getI64TensorAttr(stride))
              .getResult(0);
      rewriter.replaceOp(op, transpose(rewriter, loc, o, {1, 0, 2, 3}));
      return success();
    }
    SmallVector<ReassociationIndices> assoc = {{0}, {1, 2}, {3}, {4}};
    Value x5 = expandShape(rewriter, loc, xp, {n, groups, cg, used[2], used[3]},
                           assoc);
    Value xt = transpose(rewriter, loc, x5, {2, 1, 0, 3, 4});
    Value dy5 =
        expandShape(rewriter, loc, dy, {n, groups, fg, dys[2], dys[3]}, assoc);
    Value dyt = transpose(rewriter, loc, dy5, {1, 2, 0, 3, 4});
    SmallVector<int64_t> oShape = {cg, groups, fg, ws[2], ws[3]};
    Value o =
        linalg::Conv2DNgchwGfchwOp::create(
            rewriter, loc, TypeRange{tensorOf(oShape, rewriter.getF32Type())},
            ValueRange{xt, dyt}, ValueRange{zerosF32(rewriter, loc, oShape)},
            rewriter.getI64TensorAttr(dil), rewriter.getI64TensorAttr(stride))
            .getResult(0);
    Value dw5 = transpose(rewriter, loc, o, {1, 2, 0, 3, 4});
    rewriter.replaceOp(
        op, collapseShape(rewriter, loc, dw5, ws, {{0, 1}, {2}, {3}, {4}}));
    return success();
  }
};

/// bias_grad → linalg.reduce (sum) over every dimension but 1.
struct BiasGradLowering : OpConversionPattern<BiasGradOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult
  matchAndRewrite(BiasGradOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    Value dy = adaptor.getGradOutput();
    ArrayRef<int64_t> s = shapeOf(dy);
    SmallVector<int64_t> dims;
    for (unsigned d : nonChannelDims(s.size()))
      dims.push_back(d);
    auto reduce = linalg::ReduceOp::create(
        rewriter, loc, ValueRange{dy},
        ValueRange{zerosF32(rewriter, loc, {s[1]})}, dims,
        [](OpBuilder &b, Location loc, ValueRange args) {
          linalg::YieldOp::create(
              b, loc,
              arith::AddFOp::create(b, loc, args[1], args[0]).getResult());
        });
    rewriter.replaceOp(op, reduce.getResult(0));
    return success();
  }
};

/// linear_input_grad(dy, w) → linalg.matmul dy x w.
struct LinearInputGradLowering : OpConversionPattern<LinearInputGradOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult
  matchAndRewrite(LinearInputGradOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    auto type = cast<RankedTensorType>(op.getResult().getType());
    auto mm = linalg::MatmulOp::create(
        rewriter, loc, TypeRange{type},
        ValueRange{adaptor.getGradOutput(), adaptor.getWeight()},
        ValueRange{zerosF32(rewriter, loc, type.getShape())});
    rewriter.replaceOp(op, mm.getResult(0));
    return success();
  }
};

/// linear_weight_grad(dy, x) → linalg.matmul dy^T x (transpose via
/// indexing maps).
struct LinearWeightGradLowering : OpConversionPattern<LinearWeightGradOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult
  matchAndRewrite(LinearWeightGradOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    MLIRContext *ctx = rewriter.getContext();
    auto type = cast<RankedTensorType>(op.getResult().getType());
    // (m, k, n): dy[n, m] * x[n, k] -> dw[m, k].
    auto mm = linalg::MatmulOp::create(
        rewriter, loc, TypeRange{type},
        ValueRange{adaptor.getGradOutput(), adaptor.getInput()},
        ValueRange{zerosF32(rewriter, loc, type.getShape())});
    mm.setIndexingMapsAttr(rewriter.getAffineMapArrayAttr(
        {project(ctx, 3, {2, 0}), project(ctx, 3, {2, 1}),
         project(ctx, 3, {0, 1})}));
    rewriter.replaceOp(op, mm.getResult(0));
    return success();
  }
};

/// batch_norm_grad(dy, x, γ) → recomputed two-pass statistics; dβ = Σ dy,
/// dγ = Σ dy * x̂ (one linalg.generic reduction with two results); then
/// dx = γ * invstd * (dy - dβ / M - x̂ * dγ / M).
struct BatchNormGradLowering : OpConversionPattern<BatchNormGradOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult
  matchAndRewrite(BatchNormGradOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    MLIRContext *ctx = rewriter.getContext();
    Value dy = adaptor.getGradOutput(), x = adaptor.getInput();
    ArrayRef<int64_t> shape = shapeOf(x);
    unsigned rank = shape.size();
    int64_t c = shape[1];
    BatchStats stats = batchStats(rewriter, loc, x);
    Value inv = invStd(rewriter, loc, stats, op.getEps().convertToDouble());
    AffineMap id = identity(ctx, rank), ch = channelMap(ctx, rank);
    auto sums = generic(
        rewriter, loc, ValueRange{dy, x, stats.mean, inv},
        ValueRange{zerosF32(rewriter, loc, {c}), zerosF32(rewriter, loc, {c})},
        {id, id, ch, ch, ch, ch}, reduceAllBut(rank, {1}),
        [](OpBuilder &b, Location loc, ValueRange args) {
          Value xhat = arith::MulFOp::create(
              b, loc, arith::SubFOp::create(b, loc, args[1], args[2]), args[3]);
          Value db = arith::AddFOp::create(b, loc, args[4], args[0]);
          Value dg = arith::AddFOp::create(
              b, loc, args[5], arith::MulFOp::create(b, loc, args[0], xhat));
          linalg::YieldOp::create(b, loc, ValueRange{db, dg});
        });
    Value dBeta = sums.getResult(0), dGamma = sums.getResult(1);
    Value countF = f32Const(rewriter, loc, double(stats.count));
    Value dx = mapElementwise(
        rewriter, loc,
        ValueRange{dy, x, stats.mean, inv, adaptor.getGamma(), dBeta, dGamma},
        {id, id, ch, ch, ch, ch, ch}, shape, rewriter.getF32Type(),
        [&](OpBuilder &b, Location loc, ValueRange args) {
          Value xhat = arith::MulFOp::create(
              b, loc, arith::SubFOp::create(b, loc, args[1], args[2]), args[3]);
          Value meanDb = arith::DivFOp::create(b, loc, args[5], countF);
          Value meanDg = arith::DivFOp::create(b, loc, args[6], countF);
          Value t = arith::SubFOp::create(
              b, loc, arith::SubFOp::create(b, loc, args[0], meanDb),
              arith::MulFOp::create(b, loc, xhat, meanDg));
          Value scale = arith::MulFOp::create(b, loc, args[4], args[3]);
          linalg::YieldOp::create(
              b, loc, arith::MulFOp::create(b, loc, scale, t).getResult());
        });
    rewriter.replaceOp(op, {dx, dGamma, dBeta});
    return success();
  }
};

/// relu_grad → x > 0 ? dy : 0; relu6_grad → 0 < x < 6 ? dy : 0.
template <typename OpTy, bool Six>
struct ReluGradLowering : OpConversionPattern<OpTy> {
  using OpConversionPattern<OpTy>::OpConversionPattern;
  using OpAdaptor = typename OpTy::Adaptor;
  LogicalResult
  matchAndRewrite(OpTy op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    Value dy = adaptor.getGradOutput();
    Value dx = mapElementwise(
        rewriter, loc, ValueRange{dy, adaptor.getInput()}, {}, shapeOf(dy),
        rewriter.getF32Type(), [](OpBuilder &b, Location loc, ValueRange args) {
          Value pass = arith::CmpFOp::create(b, loc, arith::CmpFPredicate::OGT,
                                             args[1], f32Const(b, loc, 0.0));
          if (Six)
            pass = arith::AndIOp::create(
                b, loc, pass,
                arith::CmpFOp::create(b, loc, arith::CmpFPredicate::OLT,
                                      args[1], f32Const(b, loc, 6.0)));
          linalg::YieldOp::create(b, loc,
                                  arith::SelectOp::create(b, loc, pass, args[0],
                                                          f32Const(b, loc, 0.0))
                                      .getResult());
        });
    rewriter.replaceOp(op, dx);
    return success();
  }
};

/// max_pool2d_grad → linalg.generic arg-max of every window over the
/// (-inf padded) input, ignoring padded positions and keeping the first
/// maximum; then, per window position (ky, kx), dy where that position won
/// is added into a strided slice of the padded gradient.
struct MaxPool2dGradLowering : OpConversionPattern<MaxPool2dGradOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult
  matchAndRewrite(MaxPool2dGradOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    MLIRContext *ctx = rewriter.getContext();
    Value dy = adaptor.getGradOutput(), x = adaptor.getInput();
    ArrayRef<int64_t> xs = shapeOf(x), ys = shapeOf(dy);
    SmallVector<int64_t> kernel(op.getKernel()), stride(op.getStride()),
        pad(op.getPadding());
    Value negInf =
        f32Const(rewriter, loc, -std::numeric_limits<double>::infinity());
    Value xp = padSpatial(rewriter, loc, x, pad, pad, negInf);

    // (n, c, oh, ow, ky, kx) -> xp[n, c, oh*s + ky, ow*s + kx].
    AffineExpr d[6];
    for (unsigned i = 0; i < 6; ++i)
      d[i] = getAffineDimExpr(i, ctx);
    AffineMap window = AffineMap::get(
        6, 0, {d[0], d[1], d[2] * stride[0] + d[4], d[3] * stride[1] + d[5]},
        ctx);
    AffineMap out = project(ctx, 6, {0, 1, 2, 3});
    int64_t area = kernel[0] * kernel[1];
    // The winning window position, in the narrowest integer that holds the
    // window's area (the index tensor is as large as the output: i8 for
    // every usual kernel, not i64).
    IntegerType posType = rewriter.getIntegerType(
        area < (int64_t(1) << 7) ? 8 : area < (int64_t(1) << 31) ? 32 : 64);
    auto posConst = [&](OpBuilder &b, Location loc, int64_t v) -> Value {
      return arith::ConstantOp::create(b, loc, b.getIntegerAttr(posType, v));
    };
    // The window extent is only known through a shape operand, as in the
    // named pooling ops (linalg needs every loop bound from some operand).
    Value extent = emptyTensor(rewriter, loc, kernel, rewriter.getF32Type());
    auto argmax = generic(
        rewriter, loc, ValueRange{xp, extent},
        ValueRange{filled(rewriter, loc, ys, negInf),
                   filled(rewriter, loc, ys, posConst(rewriter, loc, area))},
        {window, project(ctx, 6, {4, 5}), out, out},
        reduceAllBut(6, {0, 1, 2, 3}),
        [&](OpBuilder &b, Location loc, ValueRange args) {
          // Padded positions never win.
          Value valid = arith::ConstantOp::create(b, loc, b.getBoolAttr(true));
          for (int i = 0; i < 2; ++i) {
            Value o = linalg::IndexOp::create(b, loc, 2 + i);
            Value k = linalg::IndexOp::create(b, loc, 4 + i);
            Value row = arith::AddIOp::create(
                b, loc,
                arith::MulIOp::create(b, loc, o, indexConst(b, loc, stride[i])),
                k);
            Value ge = arith::CmpIOp::create(b, loc, arith::CmpIPredicate::sge,
                                             row, indexConst(b, loc, pad[i]));
            Value lt =
                arith::CmpIOp::create(b, loc, arith::CmpIPredicate::slt, row,
                                      indexConst(b, loc, pad[i] + xs[2 + i]));
            valid = arith::AndIOp::create(
                b, loc, valid, arith::AndIOp::create(b, loc, ge, lt));
          }
          Value ky = linalg::IndexOp::create(b, loc, 4);
          Value kx = linalg::IndexOp::create(b, loc, 5);
          Value pos = arith::AddIOp::create(
              b, loc,
              arith::MulIOp::create(b, loc, ky, indexConst(b, loc, kernel[1])),
              kx);
          Value posN = arith::IndexCastOp::create(b, loc, posType, pos);
          Value win = arith::AndIOp::create(
              b, loc, valid, beats(b, loc, args[0], posN, args[2], args[3]));
          linalg::YieldOp::create(
              b, loc,
              ValueRange{arith::SelectOp::create(b, loc, win, args[0], args[2]),
                         arith::SelectOp::create(b, loc, win, posN, args[3])});
        });
    Value winner = argmax.getResult(1);
    Value dx = scatterWindows(
        rewriter, loc, xs, ys, kernel, stride, pad,
        [&](OpBuilder &b, Location loc, int64_t ky, int64_t kx, Value acc) {
          Value pos = posConst(b, loc, ky * kernel[1] + kx);
          return generic(
                     b, loc, ValueRange{dy, winner}, acc,
                     SmallVector<AffineMap>(3, identity(ctx, 4)),
                     parallelIters(4),
                     [&](OpBuilder &b, Location loc, ValueRange args) {
                       Value hit = arith::CmpIOp::create(
                           b, loc, arith::CmpIPredicate::eq, args[1], pos);
                       Value add =
                           arith::AddFOp::create(b, loc, args[2], args[0]);
                       linalg::YieldOp::create(
                           b, loc,
                           arith::SelectOp::create(b, loc, hit, add, args[2])
                               .getResult());
                     })
              .getResult(0);
        });
    rewriter.replaceOp(op, dx);
    return success();
  }
};

/// avg_pool2d_grad → dy / (KH * KW) added, per window position, into a
/// strided slice of the padded gradient; the padding is cropped.
struct AvgPool2dGradLowering : OpConversionPattern<AvgPool2dGradOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult
  matchAndRewrite(AvgPool2dGradOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    MLIRContext *ctx = rewriter.getContext();
    Value dy = adaptor.getGradOutput();
    ArrayRef<int64_t> ys = shapeOf(dy), xs = shapeOf(op.getResult());
    SmallVector<int64_t> kernel(op.getKernel()), stride(op.getStride()),
        pad(op.getPadding());
    Value area = f32Const(rewriter, loc, double(kernel[0] * kernel[1]));
    Value share = mapElementwise(
        rewriter, loc, dy, {}, ys, rewriter.getF32Type(),
        [&](OpBuilder &b, Location loc, ValueRange args) {
          linalg::YieldOp::create(
              b, loc, arith::DivFOp::create(b, loc, args[0], area).getResult());
        });
    Value dx = scatterWindows(
        rewriter, loc, xs, ys, kernel, stride, pad,
        [&](OpBuilder &b, Location loc, int64_t, int64_t, Value acc) {
          return generic(b, loc, share, acc,
                         SmallVector<AffineMap>(2, identity(ctx, 4)),
                         parallelIters(4),
                         [](OpBuilder &b, Location loc, ValueRange args) {
                           linalg::YieldOp::create(
                               b, loc,
                               arith::AddFOp::create(b, loc, args[1], args[0])
                                   .getResult());
                         })
              .getResult(0);
        });
    rewriter.replaceOp(op, dx);
    return success();
  }
};

/// global_avg_pool_grad → linalg.generic broadcast of dy[n, c] / (H * W).
struct GlobalAvgPoolGradLowering : OpConversionPattern<GlobalAvgPoolGradOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult
  matchAndRewrite(GlobalAvgPoolGradOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    MLIRContext *ctx = rewriter.getContext();
    Value dy = adaptor.getGradOutput();
    ArrayRef<int64_t> xs = shapeOf(op.getResult());
    if (shapeOf(dy).size() == 4)
      dy = collapseShape(rewriter, loc, dy, {xs[0], xs[1]}, {{0}, {1, 2, 3}});
    Value area = f32Const(rewriter, loc, double(xs[2] * xs[3]));
    Value dx = mapElementwise(
        rewriter, loc, dy, {project(ctx, 4, {0, 1})}, xs, rewriter.getF32Type(),
        [&](OpBuilder &b, Location loc, ValueRange args) {
          linalg::YieldOp::create(
              b, loc, arith::DivFOp::create(b, loc, args[0], area).getResult());
        });
    rewriter.replaceOp(op, dx);
    return success();
  }
};

/// dropout_grad → the forward mask and scale applied to dy.
struct DropoutGradLowering : OpConversionPattern<DropoutGradOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult
  matchAndRewrite(DropoutGradOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    rewriter.replaceOp(
        op, applyDropout(rewriter, op.getLoc(), adaptor.getGradOutput(),
                         adaptor.getSeed(), op.getRatio().convertToDouble()));
    return success();
  }
};

/// log_softmax_grad(dy, y) → dy - exp(y) * Σ_row dy.
struct LogSoftmaxGradLowering : OpConversionPattern<LogSoftmaxGradOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult
  matchAndRewrite(LogSoftmaxGradOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    MLIRContext *ctx = rewriter.getContext();
    Value dy = adaptor.getGradOutput();
    ArrayRef<int64_t> s = shapeOf(dy);
    Value rowSum = sumKeeping(rewriter, loc, dy, {0});
    AffineMap id = identity(ctx, 2), row = project(ctx, 2, {0});
    Value dx = mapElementwise(
        rewriter, loc, ValueRange{dy, adaptor.getOutput(), rowSum},
        {id, id, row}, s, rewriter.getF32Type(),
        [](OpBuilder &b, Location loc, ValueRange args) {
          Value p = math::ExpOp::create(b, loc, args[1]);
          linalg::YieldOp::create(
              b, loc,
              arith::SubFOp::create(b, loc, args[0],
                                    arith::MulFOp::create(b, loc, p, args[2]))
                  .getResult());
        });
    rewriter.replaceOp(op, dx);
    return success();
  }
};

/// nll_loss_grad(g, labels) → c == labels[n] ? -g / N : 0.
struct NllLossGradLowering : OpConversionPattern<NllLossGradOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult
  matchAndRewrite(NllLossGradOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    MLIRContext *ctx = rewriter.getContext();
    ArrayRef<int64_t> s = shapeOf(op.getResult());
    Value nF = f32Const(rewriter, loc, double(s[0]));
    Value dx = mapElementwise(
        rewriter, loc, ValueRange{adaptor.getGradOutput(), adaptor.getLabels()},
        {scalarMap(ctx, 2), project(ctx, 2, {0})}, s, rewriter.getF32Type(),
        [&](OpBuilder &b, Location loc, ValueRange args) {
          Value c = arith::IndexCastOp::create(
              b, loc, b.getI64Type(), linalg::IndexOp::create(b, loc, 1));
          Value hit = arith::CmpIOp::create(b, loc, arith::CmpIPredicate::eq, c,
                                            labelToI64(b, loc, args[1]));
          Value g = arith::NegFOp::create(
              b, loc, arith::DivFOp::create(b, loc, args[0], nF));
          linalg::YieldOp::create(
              b, loc,
              arith::SelectOp::create(b, loc, hit, g, f32Const(b, loc, 0.0))
                  .getResult());
        });
    rewriter.replaceOp(op, dx);
    return success();
  }
};

/// grad_sum(c0, c1, ...) → c0 (one contribution) or one linalg.generic
/// c0 + c1 + ... (left to right). `of` is dropped.
struct GradSumLowering : OpConversionPattern<GradSumOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult
  matchAndRewrite(GradSumOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    ValueRange parts = adaptor.getContributions();
    if (parts.size() == 1) {
      rewriter.replaceOp(op, parts[0]);
      return success();
    }
    Value sum = mapElementwise(rewriter, op.getLoc(), parts, {},
                               shapeOf(op.getResult()), rewriter.getF32Type(),
                               [](OpBuilder &b, Location loc, ValueRange args) {
                                 Value acc = args[0];
                                 for (Value v : args.drop_front().drop_back())
                                   acc = arith::AddFOp::create(b, loc, acc, v);
                                 linalg::YieldOp::create(b, loc, acc);
                               });
    rewriter.replaceOp(op, sum);
    return success();
  }
};

//===----------------------------------------------------------------------===//
// Patterns: optimizer ops
//===----------------------------------------------------------------------===//

/// sgd → one linalg.generic with two results: g = grad / scale + wd * p,
/// buf' = m * buf + g, d = nesterov ? g + m * buf' : buf', p' = p - lr * d.
struct SGDLowering : OpConversionPattern<SGDOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult
  matchAndRewrite(SGDOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    MLIRContext *ctx = rewriter.getContext();
    auto type = cast<RankedTensorType>(op.getParam().getType());
    unsigned rank = type.getRank();
    double momentum = op.getMomentum().convertToDouble();
    double wd = op.getWeightDecay().convertToDouble();
    bool nesterov = op.getNesterov();
    Value scale = adaptor.getGradScale();
    SmallVector<Value> ins = {adaptor.getParam(), adaptor.getGrad(),
                              adaptor.getMomentumBuffer(), adaptor.getLr()};
    if (scale)
      ins.push_back(scale);
    AffineMap id = identity(ctx, rank), sc = scalarMap(ctx, rank);
    SmallVector<AffineMap> maps = {id, id, id, sc};
    if (scale)
      maps.push_back(sc);
    maps.append({id, id});
    Value momF = f32Const(rewriter, loc, momentum);
    Value wdF = f32Const(rewriter, loc, wd);
    auto update = generic(
        rewriter, loc, ins,
        ValueRange{
            emptyTensor(rewriter, loc, type.getShape(), rewriter.getF32Type()),
            emptyTensor(rewriter, loc, type.getShape(), rewriter.getF32Type())},
        maps, parallelIters(rank),
        [&](OpBuilder &b, Location loc, ValueRange args) {
          Value p = args[0], g = args[1], buf = args[2], lr = args[3];
          if (scale)
            g = arith::DivFOp::create(b, loc, g, args[4]);
          if (wd != 0.0)
            g = arith::AddFOp::create(b, loc, g,
                                      arith::MulFOp::create(b, loc, wdF, p));
          // Without momentum PyTorch keeps no buffer: buf' = g exactly
          // (0 * buf could turn an inf buffer into NaN).
          Value newBuf =
              momentum == 0.0
                  ? g
                  : Value(arith::AddFOp::create(
                        b, loc, arith::MulFOp::create(b, loc, momF, buf), g));
          Value dir =
              nesterov
                  ? Value(arith::AddFOp::create(
                        b, loc, g, arith::MulFOp::create(b, loc, momF, newBuf)))
                  : newBuf;
          Value newP = arith::SubFOp::create(
              b, loc, p, arith::MulFOp::create(b, loc, lr, dir));
          linalg::YieldOp::create(b, loc, ValueRange{newP, newBuf});
        });
    rewriter.replaceOp(op, update.getResults());
    return success();
  }
};

/// all_finite → per operand a linalg.generic AND-reduction into a 0-D i1 of
/// "exponent bits are not all ones" (bitcast, so fast-math flags cannot
/// fold it away), chained through the init.
struct AllFiniteLowering : OpConversionPattern<AllFiniteOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult
  matchAndRewrite(AllFiniteOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    MLIRContext *ctx = rewriter.getContext();
    Value acc = filled(
        rewriter, loc, {},
        arith::ConstantOp::create(rewriter, loc, rewriter.getBoolAttr(true)));
    for (Value in : adaptor.getInputs()) {
      unsigned rank = shapeOf(in).size();
      acc =
          generic(
              rewriter, loc, in, acc,
              {identity(ctx, rank), scalarMap(ctx, rank)},
              reduceAllBut(rank, {}),
              [](OpBuilder &b, Location loc, ValueRange args) {
                Value bits =
                    arith::BitcastOp::create(b, loc, b.getI32Type(), args[0]);
                Value expBits = arith::AndIOp::create(
                    b, loc, bits, i32Const(b, loc, 0x7F800000));
                Value finite = arith::CmpIOp::create(
                    b, loc, arith::CmpIPredicate::ne, expBits,
                    i32Const(b, loc, 0x7F800000));
                linalg::YieldOp::create(
                    b, loc,
                    arith::AndIOp::create(b, loc, args[1], finite).getResult());
              })
              .getResult(0);
    }
    rewriter.replaceOp(op, acc);
    return success();
  }
};

} // namespace

void mp::populateMPToLinalgPatterns(RewritePatternSet &patterns) {
  patterns.add<
      // Forward.
      Conv2dLowering, LinearLowering, BatchNormLowering,
      BatchNormInferenceLowering, ReluLowering<ReluOp, false>,
      ReluLowering<Relu6Op, true>, BinaryLowering<AddOp, linalg::AddOp>,
      BinaryLowering<MulOp, linalg::MulOp>, ConcatLowering, SplitLowering,
      ChannelShuffleLowering, ReshapeLowering, MaxPool2dLowering,
      AvgPool2dLowering, GlobalAvgPoolLowering, DropoutLowering,
      LogSoftmaxLowering, NllLossLowering, CountCorrectLowering,
      // Backward.
      Conv2dInputGradLowering, Conv2dWeightGradLowering, BiasGradLowering,
      LinearInputGradLowering, LinearWeightGradLowering, BatchNormGradLowering,
      ReluGradLowering<ReluGradOp, false>, ReluGradLowering<Relu6GradOp, true>,
      MaxPool2dGradLowering, AvgPool2dGradLowering, GlobalAvgPoolGradLowering,
      DropoutGradLowering, LogSoftmaxGradLowering, NllLossGradLowering,
      GradSumLowering,
      // Optimizer.
      SGDLowering, AllFiniteLowering>(patterns.getContext());
}

//===----------------------------------------------------------------------===//
// Pass
//===----------------------------------------------------------------------===//

namespace {
struct ConvertMPToLinalgPass
    : mp::impl::ConvertMPToLinalgPassBase<ConvertMPToLinalgPass> {
  void runOnOperation() override;
};
} // namespace

void ConvertMPToLinalgPass::runOnOperation() {
  MLIRContext *ctx = &getContext();
  RewritePatternSet patterns(ctx);
  populateMPToLinalgPatterns(patterns);

  // An mp op without a pattern (say, one added to the dialect later) gets
  // its own message instead of the generic "failed to legalize".
  llvm::StringSet<> lowered;
  for (const auto &pattern : patterns.getNativePatterns())
    if (std::optional<OperationName> root = pattern->getRootKind())
      lowered.insert(root->getStringRef());
  bool missing = false;
  getOperation()->walk([&](Operation *op) {
    if (!isa_and_nonnull<MPDialect>(op->getDialect()) || isa<CastOp>(op) ||
        lowered.contains(op->getName().getStringRef()))
      return;
    op->emitError() << "convert-mp-to-linalg has no lowering for '"
                    << op->getName() << "'";
    missing = true;
  });
  if (missing)
    return signalPassFailure();

  ConversionTarget target(*ctx);
  target.addIllegalDialect<MPDialect>();
  // mp.cast is mp-lower-casts' job.
  target.addLegalOp<CastOp>();
  target.markUnknownOpDynamicallyLegal([](Operation *) { return true; });
  if (failed(
          applyPartialConversion(getOperation(), target, std::move(patterns))))
    signalPassFailure();
}
