//===- MPGradients.cpp - Reverse-mode rules of mp ops ----------*- C++ -*-===//
//
// Licensed under the Apache License v2.0 with LLVM Exceptions.
// SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
//
//===----------------------------------------------------------------------===//
//
// DifferentiableOpInterface for every forward op: each rule builds the
// backward ops for the operands that need a gradient. mp-build-training-step
// drives these rules; it knows nothing about individual ops.
//
//===----------------------------------------------------------------------===//

#include "mp/Dialect/MP/IR/MPOps.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/IR/Builders.h"

using namespace mlir;
using namespace mp;

/// Resizes `grads` to `n` null entries.
static void resetGrads(SmallVectorImpl<Value> &grads, unsigned n) {
  grads.assign(n, Value());
}

/// A tensor of zeros of `type`.
static Value zerosOf(OpBuilder &b, Location loc, Type type) {
  auto shaped = cast<ShapedType>(type);
  return arith::ConstantOp::create(
      b, loc, DenseElementsAttr::get(shaped, b.getZeroAttr(shaped.getElementType())));
}

LogicalResult CastOp::buildGradients(OpBuilder &, ArrayRef<Value> resultGrads,
                                     ArrayRef<bool>,
                                     SmallVectorImpl<Value> &operandGrads) {
  // Straight-through: rounding is invisible to the backward pass.
  resetGrads(operandGrads, 1);
  operandGrads[0] = resultGrads[0];
  return success();
}

LogicalResult GuardedCastOp::buildGradients(
    OpBuilder &, ArrayRef<Value> resultGrads, ArrayRef<bool>,
    SmallVectorImpl<Value> &operandGrads) {
  resetGrads(operandGrads, 2);
  operandGrads[0] = resultGrads[0];
  return success();
}

LogicalResult Conv2dOp::buildGradients(OpBuilder &b, ArrayRef<Value> resultGrads,
                                       ArrayRef<bool> needed,
                                       SmallVectorImpl<Value> &operandGrads) {
  resetGrads(operandGrads, getNumOperands());
  Value dy = resultGrads[0];
  if (!dy)
    return success();
  Location loc = getLoc();
  if (needed[0])
    operandGrads[0] = Conv2dInputGradOp::create(
        b, loc, getInput().getType(), dy, getWeight(), getStrideAttr(),
        getPaddingAttr(), getDilationAttr(), getGroupsAttr());
  if (needed[1])
    operandGrads[1] = Conv2dWeightGradOp::create(
        b, loc, getWeight().getType(), dy, getInput(), getStrideAttr(),
        getPaddingAttr(), getDilationAttr(), getGroupsAttr());
  if (getBias() && needed[2])
    operandGrads[2] = BiasGradOp::create(b, loc, getBias().getType(), dy);
  return success();
}

LogicalResult LinearOp::buildGradients(OpBuilder &b, ArrayRef<Value> resultGrads,
                                       ArrayRef<bool> needed,
                                       SmallVectorImpl<Value> &operandGrads) {
  resetGrads(operandGrads, getNumOperands());
  Value dy = resultGrads[0];
  if (!dy)
    return success();
  Location loc = getLoc();
  if (needed[0])
    operandGrads[0] = LinearInputGradOp::create(b, loc, getInput().getType(),
                                                dy, getWeight());
  if (needed[1])
    operandGrads[1] = LinearWeightGradOp::create(b, loc, getWeight().getType(),
                                                 dy, getInput());
  if (getBias() && needed[2])
    operandGrads[2] = BiasGradOp::create(b, loc, getBias().getType(), dy);
  return success();
}

LogicalResult BatchNormOp::buildGradients(OpBuilder &b,
                                          ArrayRef<Value> resultGrads,
                                          ArrayRef<bool> needed,
                                          SmallVectorImpl<Value> &operandGrads) {
  // Only the normalized output carries a gradient; the running statistics
  // are state, not part of the loss.
  resetGrads(operandGrads, getNumOperands());
  Value dy = resultGrads[0];
  if (!dy || !(needed[0] || needed[1] || needed[2]))
    return success();
  auto grad = BatchNormGradOp::create(
      b, getLoc(), TypeRange{getInput().getType(), getGamma().getType(),
                             getBeta().getType()},
      dy, getInput(), getGamma(), getEpsAttr());
  if (needed[0])
    operandGrads[0] = grad.getGradInput();
  if (needed[1])
    operandGrads[1] = grad.getGradGamma();
  if (needed[2])
    operandGrads[2] = grad.getGradBeta();
  return success();
}

LogicalResult BatchNormInferenceOp::buildGradients(OpBuilder &,
                                                   ArrayRef<Value>,
                                                   ArrayRef<bool>,
                                                   SmallVectorImpl<Value> &) {
  return emitOpError() << "has no gradient: training graphs use mp.batch_norm";
}

LogicalResult ReluOp::buildGradients(OpBuilder &b, ArrayRef<Value> resultGrads,
                                     ArrayRef<bool> needed,
                                     SmallVectorImpl<Value> &operandGrads) {
  resetGrads(operandGrads, 1);
  if (resultGrads[0] && needed[0])
    operandGrads[0] =
        ReluGradOp::create(b, getLoc(), resultGrads[0], getInput());
  return success();
}

LogicalResult Relu6Op::buildGradients(OpBuilder &b, ArrayRef<Value> resultGrads,
                                      ArrayRef<bool> needed,
                                      SmallVectorImpl<Value> &operandGrads) {
  resetGrads(operandGrads, 1);
  if (resultGrads[0] && needed[0])
    operandGrads[0] =
        Relu6GradOp::create(b, getLoc(), resultGrads[0], getInput());
  return success();
}

LogicalResult AddOp::buildGradients(OpBuilder &, ArrayRef<Value> resultGrads,
                                    ArrayRef<bool> needed,
                                    SmallVectorImpl<Value> &operandGrads) {
  resetGrads(operandGrads, 2);
  for (unsigned i = 0; i < 2; ++i)
    if (needed[i])
      operandGrads[i] = resultGrads[0];
  return success();
}

LogicalResult MulOp::buildGradients(OpBuilder &b, ArrayRef<Value> resultGrads,
                                    ArrayRef<bool> needed,
                                    SmallVectorImpl<Value> &operandGrads) {
  resetGrads(operandGrads, 2);
  Value dy = resultGrads[0];
  if (!dy)
    return success();
  if (needed[0])
    operandGrads[0] = MulOp::create(b, getLoc(), dy, getRhs());
  if (needed[1])
    operandGrads[1] = MulOp::create(b, getLoc(), dy, getLhs());
  return success();
}

LogicalResult ConcatOp::buildGradients(OpBuilder &b, ArrayRef<Value> resultGrads,
                                       ArrayRef<bool> needed,
                                       SmallVectorImpl<Value> &operandGrads) {
  resetGrads(operandGrads, getNumOperands());
  if (!resultGrads[0])
    return success();
  auto split = SplitOp::create(b, getLoc(), getInputs().getTypes(),
                               resultGrads[0], getAxisAttr());
  for (unsigned i = 0, e = getNumOperands(); i < e; ++i)
    if (needed[i])
      operandGrads[i] = split.getResult(i);
  return success();
}

LogicalResult SplitOp::buildGradients(OpBuilder &b, ArrayRef<Value> resultGrads,
                                      ArrayRef<bool> needed,
                                      SmallVectorImpl<Value> &operandGrads) {
  resetGrads(operandGrads, 1);
  if (!needed[0])
    return success();
  // Pieces that do not reach the loss contribute zeros.
  SmallVector<Value> pieces;
  for (auto [grad, result] : llvm::zip(resultGrads, getResults()))
    pieces.push_back(grad ? grad : zerosOf(b, getLoc(), result.getType()));
  operandGrads[0] = ConcatOp::create(b, getLoc(), getInput().getType(), pieces,
                                     getAxisAttr());
  return success();
}

LogicalResult ChannelShuffleOp::buildGradients(
    OpBuilder &b, ArrayRef<Value> resultGrads, ArrayRef<bool> needed,
    SmallVectorImpl<Value> &operandGrads) {
  resetGrads(operandGrads, 1);
  if (!resultGrads[0] || !needed[0])
    return success();
  // The inverse of a G-group shuffle of C channels is a C/G-group shuffle.
  int64_t channels = cast<ShapedType>(getInput().getType()).getShape()[1];
  operandGrads[0] = ChannelShuffleOp::create(
      b, getLoc(), resultGrads[0],
      b.getI64IntegerAttr(channels / getGroups()));
  return success();
}

LogicalResult ReshapeOp::buildGradients(OpBuilder &b, ArrayRef<Value> resultGrads,
                                        ArrayRef<bool> needed,
                                        SmallVectorImpl<Value> &operandGrads) {
  resetGrads(operandGrads, 1);
  if (resultGrads[0] && needed[0])
    operandGrads[0] = ReshapeOp::create(b, getLoc(), getInput().getType(),
                                        resultGrads[0]);
  return success();
}

LogicalResult MaxPool2dOp::buildGradients(OpBuilder &b,
                                          ArrayRef<Value> resultGrads,
                                          ArrayRef<bool> needed,
                                          SmallVectorImpl<Value> &operandGrads) {
  resetGrads(operandGrads, 1);
  if (resultGrads[0] && needed[0])
    operandGrads[0] = MaxPool2dGradOp::create(
        b, getLoc(), getInput().getType(), resultGrads[0], getInput(),
        getKernelAttr(), getStrideAttr(), getPaddingAttr());
  return success();
}

LogicalResult AvgPool2dOp::buildGradients(OpBuilder &b,
                                          ArrayRef<Value> resultGrads,
                                          ArrayRef<bool> needed,
                                          SmallVectorImpl<Value> &operandGrads) {
  resetGrads(operandGrads, 1);
  if (resultGrads[0] && needed[0])
    operandGrads[0] = AvgPool2dGradOp::create(
        b, getLoc(), getInput().getType(), resultGrads[0], getKernelAttr(),
        getStrideAttr(), getPaddingAttr());
  return success();
}

LogicalResult GlobalAvgPoolOp::buildGradients(
    OpBuilder &b, ArrayRef<Value> resultGrads, ArrayRef<bool> needed,
    SmallVectorImpl<Value> &operandGrads) {
  resetGrads(operandGrads, 1);
  if (resultGrads[0] && needed[0])
    operandGrads[0] = GlobalAvgPoolGradOp::create(
        b, getLoc(), getInput().getType(), resultGrads[0]);
  return success();
}

LogicalResult DropoutOp::buildGradients(OpBuilder &b, ArrayRef<Value> resultGrads,
                                        ArrayRef<bool> needed,
                                        SmallVectorImpl<Value> &operandGrads) {
  resetGrads(operandGrads, 2);
  if (resultGrads[0] && needed[0])
    operandGrads[0] =
        DropoutGradOp::create(b, getLoc(), getInput().getType(),
                              resultGrads[0], getSeed(), getRatioAttr());
  return success();
}

LogicalResult LogSoftmaxOp::buildGradients(OpBuilder &b,
                                           ArrayRef<Value> resultGrads,
                                           ArrayRef<bool> needed,
                                           SmallVectorImpl<Value> &operandGrads) {
  resetGrads(operandGrads, 1);
  if (resultGrads[0] && needed[0])
    operandGrads[0] =
        LogSoftmaxGradOp::create(b, getLoc(), resultGrads[0], getResult());
  return success();
}

LogicalResult NllLossOp::buildGradients(OpBuilder &b, ArrayRef<Value> resultGrads,
                                        ArrayRef<bool> needed,
                                        SmallVectorImpl<Value> &operandGrads) {
  resetGrads(operandGrads, 2);
  if (resultGrads[0] && needed[0])
    operandGrads[0] = NllLossGradOp::create(b, getLoc(), getInput().getType(),
                                            resultGrads[0], getLabels());
  return success();
}

LogicalResult CountCorrectOp::buildGradients(OpBuilder &, ArrayRef<Value>,
                                             ArrayRef<bool>,
                                             SmallVectorImpl<Value> &) {
  return emitOpError() << "has no gradient: it counts, it does not compute a "
                          "differentiable value";
}
