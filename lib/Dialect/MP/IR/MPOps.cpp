//===- MPOps.cpp - mp dialect operations -----------------------*- C++ -*-===//
//
// Licensed under the Apache License v2.0 with LLVM Exceptions.
// SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
//
//===----------------------------------------------------------------------===//
//
// Verifiers for every shape rule of the mp ops, and the result roles of ops
// whose results are not all of their phase's default role. Every message
// names the expected and the actual shape.
//
//===----------------------------------------------------------------------===//

#include "mp/Dialect/MP/IR/MPOps.h"

#include "mlir/IR/Builders.h"
#include "mlir/IR/OpImplementation.h"
#include "mlir/Interfaces/FunctionInterfaces.h"
#include "llvm/ADT/STLExtras.h"
#include "llvm/ADT/SmallString.h"
#include "llvm/Support/raw_ostream.h"

using namespace mlir;
using namespace mp;

#include "mp/Dialect/MP/IR/MPInterfaces.cpp.inc"

//===----------------------------------------------------------------------===//
// Helpers
//===----------------------------------------------------------------------===//

/// Formats a shape as "[a, b, c]".
static std::string fmt(ArrayRef<int64_t> shape) {
  std::string s;
  llvm::raw_string_ostream os(s);
  os << "[";
  llvm::interleaveComma(shape, os);
  os << "]";
  return s;
}

static ArrayRef<int64_t> shapeOf(Value v) {
  return cast<ShapedType>(v.getType()).getShape();
}

/// Emits "expected <what> shape E<why>, but got A" unless the shapes agree.
static LogicalResult expectShape(Operation *op, StringRef what,
                                 ArrayRef<int64_t> expected,
                                 ArrayRef<int64_t> actual,
                                 StringRef why = "") {
  if (expected == actual)
    return success();
  return op->emitOpError() << "expected " << what << " shape " << fmt(expected)
                           << why << ", but got " << fmt(actual);
}

static LogicalResult verifyPositive(Operation *op, StringRef name,
                                    ArrayRef<int64_t> values) {
  if (llvm::any_of(values, [](int64_t v) { return v <= 0; }))
    return op->emitOpError() << name << " must be positive, got "
                             << fmt(values);
  return success();
}

static LogicalResult verifyNonNegative(Operation *op, StringRef name,
                                       ArrayRef<int64_t> values) {
  if (llvm::any_of(values, [](int64_t v) { return v < 0; }))
    return op->emitOpError() << name << " must be non-negative, got "
                             << fmt(values);
  return success();
}

/// Names of the three tensors of a convolution as one op sees them.
namespace {
struct ConvNames {
  StringRef input, weight, output;
};
} // namespace

/// Checks the forward relation of a convolution: `in` (N, Cin, H, W) and
/// `w` (Cout, Cin/G, KH, KW) give `out` (N, Cout, OH, OW).
static LogicalResult verifyConvGeometry(Operation *op, ArrayRef<int64_t> in,
                                        ArrayRef<int64_t> w,
                                        ArrayRef<int64_t> out,
                                        ArrayRef<int64_t> stride,
                                        ArrayRef<int64_t> padding,
                                        ArrayRef<int64_t> dilation,
                                        int64_t groups, ConvNames names) {
  if (failed(verifyPositive(op, "stride", stride)) ||
      failed(verifyPositive(op, "dilation", dilation)) ||
      failed(verifyNonNegative(op, "padding", padding)))
    return failure();
  if (groups < 1)
    return op->emitOpError() << "groups must be positive, got " << groups;
  if (in[1] % groups != 0)
    return op->emitOpError()
           << names.input << " channels (" << in[1]
           << ") must be divisible by groups (" << groups << ")";
  if (w[0] % groups != 0)
    return op->emitOpError()
           << names.weight << " output channels (" << w[0]
           << ") must be divisible by groups (" << groups << ")";
  if (w[1] != in[1] / groups)
    return op->emitOpError()
           << "expected " << names.weight << " shape "
           << fmt({w[0], in[1] / groups, w[2], w[3]}) << " ("
           << names.input << " channels " << in[1] << " / groups " << groups
           << "), but got " << fmt(w);
  SmallVector<int64_t, 4> expected = {in[0], w[0], 0, 0};
  for (int i = 0; i < 2; ++i) {
    int64_t span = dilation[i] * (w[2 + i] - 1) + 1;
    int64_t padded = in[2 + i] + 2 * padding[i];
    if (span > padded)
      return op->emitOpError()
             << "kernel " << fmt({w[2], w[3]}) << " with dilation "
             << fmt(dilation) << " does not fit the padded " << names.input
             << " " << fmt({in[2] + 2 * padding[0], in[3] + 2 * padding[1]});
    expected[2 + i] = (padded - span) / stride[i] + 1;
  }
  SmallString<128> why;
  llvm::raw_svector_ostream os(why);
  os << " (from " << names.input << " " << fmt(in) << ", " << names.weight
     << " " << fmt(w) << ", stride " << fmt(stride) << ", padding "
     << fmt(padding) << ", dilation " << fmt(dilation) << ")";
  return expectShape(op, names.output, expected, out, why);
}

/// Checks a pooling window: `in` (N, C, H, W) pooled gives `out`.
static LogicalResult verifyPoolGeometry(Operation *op, ArrayRef<int64_t> in,
                                        ArrayRef<int64_t> out,
                                        ArrayRef<int64_t> kernel,
                                        ArrayRef<int64_t> stride,
                                        ArrayRef<int64_t> padding,
                                        StringRef inName, StringRef outName) {
  if (failed(verifyPositive(op, "kernel", kernel)) ||
      failed(verifyPositive(op, "stride", stride)) ||
      failed(verifyNonNegative(op, "padding", padding)))
    return failure();
  for (int i = 0; i < 2; ++i)
    if (2 * padding[i] > kernel[i])
      return op->emitOpError() << "padding " << fmt(padding)
                               << " must be at most half the kernel "
                               << fmt(kernel);
  SmallVector<int64_t, 4> expected = {in[0], in[1], 0, 0};
  for (int i = 0; i < 2; ++i) {
    int64_t padded = in[2 + i] + 2 * padding[i];
    if (kernel[i] > padded)
      return op->emitOpError()
             << "kernel " << fmt(kernel) << " does not fit the padded "
             << inName << " " << fmt({in[2] + 2 * padding[0], in[3] + 2 * padding[1]});
    expected[2 + i] = (padded - kernel[i]) / stride[i] + 1;
  }
  SmallString<128> why;
  llvm::raw_svector_ostream os(why);
  os << " (from " << inName << " " << fmt(in) << ", kernel " << fmt(kernel)
     << ", stride " << fmt(stride) << ", padding " << fmt(padding) << ")";
  return expectShape(op, outName, expected, out, why);
}

/// Checks that each per-channel tensor has shape [C].
static LogicalResult verifyPerChannel(Operation *op, int64_t channels,
                                      ArrayRef<std::pair<StringRef, Value>> vs) {
  for (auto [name, v] : vs)
    if (failed(expectShape(op, name, {channels}, shapeOf(v),
                           " (one per channel)")))
      return failure();
  return success();
}

static LogicalResult verifyEps(Operation *op, double eps) {
  if (!(eps > 0.0))
    return op->emitOpError() << "eps must be positive, got " << eps;
  return success();
}

static LogicalResult verifySameType(Operation *op, StringRef a, Value va,
                                    StringRef b, Value vb) {
  if (va.getType() != vb.getType())
    return op->emitOpError() << "expected " << b << " type " << va.getType()
                             << " (the " << a << " type), but got "
                             << vb.getType();
  return success();
}

//===----------------------------------------------------------------------===//
// Forward ops
//===----------------------------------------------------------------------===//

/// The checks shared by mp.encode and mp.decode: `codes` (the integer
/// tensor) has the f32 tensor's shape and holds every format's codes, and
/// `high` and `promote` come together.
static LogicalResult verifyStorage(Operation *op, ShapedType values,
                                   ShapedType codes, FormatAttr format,
                                   FormatAttr high, Value promote) {
  if (values.getShape() != codes.getShape())
    return op->emitOpError() << "codes " << codes << " and values " << values
                             << " must have the same shape";
  if (bool(high) != bool(promote))
    return op->emitOpError()
           << "needs both a high format and a promote flag, or neither";
  unsigned width = codes.getElementTypeBitWidth();
  for (FormatAttr f : {format, high}) {
    if (!f)
      continue;
    unsigned bits = f.getStorageBits();
    if (bits == 0)
      return op->emitOpError()
             << "format " << f << " has " << f.getBitWidth()
             << " bits; only formats of at most 16 bits are stored as codes";
    if (width < bits)
      return op->emitOpError() << "codes of " << f << " need i" << bits
                               << " or wider, got " << codes.getElementType();
  }
  return success();
}

LogicalResult EncodeOp::verify() {
  return verifyStorage(*this, getInput().getType(), getResult().getType(),
                       getFormat(), getHighAttr(), getPromote());
}

LogicalResult DecodeOp::verify() {
  return verifyStorage(*this, getResult().getType(), getInput().getType(),
                       getFormat(), getHighAttr(), getPromote());
}

LogicalResult Conv2dOp::verify() {
  if (failed(verifyConvGeometry(*this, shapeOf(getInput()),
                                shapeOf(getWeight()), shapeOf(getResult()),
                                getStride(), getPadding(), getDilation(),
                                getGroups(), {"input", "weight", "result"})))
    return failure();
  if (getBias())
    return expectShape(*this, "bias", {shapeOf(getWeight())[0]},
                       shapeOf(getBias()), " (one per output channel)");
  return success();
}

LogicalResult LinearOp::verify() {
  ArrayRef<int64_t> in = shapeOf(getInput()), w = shapeOf(getWeight());
  if (in[1] != w[1])
    return emitOpError() << "expected weight shape [" << w[0] << ", " << in[1]
                         << "] (out features x input features " << in[1]
                         << "), but got " << fmt(w);
  if (getBias() && failed(expectShape(*this, "bias", {w[0]},
                                      shapeOf(getBias()),
                                      " (one per output feature)")))
    return failure();
  return expectShape(*this, "result", {in[0], w[0]}, shapeOf(getResult()));
}

LogicalResult BatchNormOp::verify() {
  if (failed(verifyEps(*this, getEps().convertToDouble())))
    return failure();
  double m = getMomentum().convertToDouble();
  if (!(m >= 0.0 && m <= 1.0))
    return emitOpError() << "momentum must be in [0, 1], got " << m;
  if (failed(verifySameType(*this, "input", getInput(), "result", getResult())))
    return failure();
  int64_t c = shapeOf(getInput())[1];
  return verifyPerChannel(*this, c,
                          {{"gamma", getGamma()},
                           {"beta", getBeta()},
                           {"running_mean", getRunningMean()},
                           {"running_var", getRunningVar()},
                           {"new_running_mean", getNewRunningMean()},
                           {"new_running_var", getNewRunningVar()}});
}

Role BatchNormOp::getResultRole(unsigned index) {
  return index == 0 ? Role::activation : Role::bn_stat;
}

LogicalResult BatchNormInferenceOp::verify() {
  if (failed(verifyEps(*this, getEps().convertToDouble())) ||
      failed(verifySameType(*this, "input", getInput(), "result", getResult())))
    return failure();
  return verifyPerChannel(*this, shapeOf(getInput())[1],
                          {{"gamma", getGamma()},
                           {"beta", getBeta()},
                           {"mean", getMean()},
                           {"var", getVar()}});
}

/// Checks concatenation of `pieces` along `axis` into `whole`. `pieceName`
/// and `wholeName` name the two sides in messages.
static LogicalResult verifyConcatShapes(Operation *op, int64_t axis,
                                        ValueRange pieces, Value whole,
                                        StringRef pieceName,
                                        StringRef wholeName) {
  if (pieces.empty())
    return op->emitOpError() << "needs at least one " << pieceName;
  ArrayRef<int64_t> ws = shapeOf(whole);
  int64_t rank = ws.size();
  if (axis < 0 || axis >= rank)
    return op->emitOpError() << "axis " << axis << " is out of range for rank "
                             << rank;
  int64_t sum = 0;
  for (auto [i, p] : llvm::enumerate(pieces)) {
    ArrayRef<int64_t> ps = shapeOf(p);
    if (int64_t(ps.size()) != rank)
      return op->emitOpError() << pieceName << " #" << i << " has rank "
                               << ps.size() << " but the " << wholeName
                               << " has rank " << rank;
    SmallVector<int64_t> expected(ws);
    expected[axis] = ps[axis];
    if (failed(expectShape(op, (pieceName + " #" + Twine(i)).str(), expected,
                           ps, " (all dimensions but the axis must match)")))
      return failure();
    sum += ps[axis];
  }
  if (sum != ws[axis])
    return op->emitOpError() << "sizes along axis " << axis << " add up to "
                             << sum << " but the " << wholeName << " has "
                             << ws[axis];
  return success();
}

LogicalResult ConcatOp::verify() {
  return verifyConcatShapes(*this, getAxis(), getInputs(), getResult(),
                            "input", "result");
}

LogicalResult SplitOp::verify() {
  return verifyConcatShapes(*this, getAxis(), getResults(), getInput(),
                            "result", "input");
}

LogicalResult ChannelShuffleOp::verify() {
  int64_t c = shapeOf(getInput())[1];
  // The I64Attr getter returns uint64_t; compare as signed.
  int64_t groups = getGroups();
  if (groups < 1)
    return emitOpError() << "groups must be positive, got " << groups;
  if (c % groups != 0)
    return emitOpError() << "channels (" << c << ") must be divisible by groups ("
                         << groups << ")";
  return success();
}

LogicalResult ReshapeOp::verify() {
  auto in = cast<ShapedType>(getInput().getType());
  auto out = cast<ShapedType>(getResult().getType());
  if (in.getNumElements() != out.getNumElements())
    return emitOpError() << "cannot reshape " << fmt(in.getShape()) << " ("
                         << in.getNumElements() << " elements) to "
                         << fmt(out.getShape()) << " (" << out.getNumElements()
                         << " elements)";
  return success();
}

LogicalResult MaxPool2dOp::verify() {
  return verifyPoolGeometry(*this, shapeOf(getInput()), shapeOf(getResult()),
                            getKernel(), getStride(), getPadding(), "input",
                            "result");
}

LogicalResult AvgPool2dOp::verify() {
  return verifyPoolGeometry(*this, shapeOf(getInput()), shapeOf(getResult()),
                            getKernel(), getStride(), getPadding(), "input",
                            "result");
}

/// Checks that `pooled` is [N, C] or [N, C, 1, 1] for `full` = [N, C, H, W].
static LogicalResult verifyGlobalPool(Operation *op, ArrayRef<int64_t> full,
                                      ArrayRef<int64_t> pooled,
                                      StringRef pooledName) {
  if (pooled.size() == 2)
    return expectShape(op, pooledName, {full[0], full[1]}, pooled,
                       " (N x C of the 4-D tensor)");
  return expectShape(op, pooledName, {full[0], full[1], 1, 1}, pooled,
                     " (N x C x 1 x 1 of the 4-D tensor)");
}

LogicalResult GlobalAvgPoolOp::verify() {
  return verifyGlobalPool(*this, shapeOf(getInput()), shapeOf(getResult()),
                          "result");
}

static LogicalResult verifyDropoutRatio(Operation *op, double ratio) {
  if (!(ratio >= 0.0 && ratio < 1.0))
    return op->emitOpError() << "ratio must be in [0, 1), got " << ratio;
  return success();
}

LogicalResult DropoutOp::verify() {
  if (failed(verifyDropoutRatio(*this, getRatio().convertToDouble())))
    return failure();
  return verifySameType(*this, "input", getInput(), "result", getResult());
}

/// Checks N x C scores against N labels.
static LogicalResult verifyLabels(Operation *op, Value scores, Value labels,
                                  StringRef scoresName) {
  int64_t n = shapeOf(scores)[0];
  return expectShape(op, "labels", {n}, shapeOf(labels),
                     (" (one per row of the " + scoresName + ")").str());
}

LogicalResult NllLossOp::verify() {
  return verifyLabels(*this, getInput(), getLabels(), "input");
}

Role NllLossOp::getResultRole(unsigned) { return Role::loss; }

LogicalResult CountCorrectOp::verify() {
  return verifyLabels(*this, getInput(), getLabels(), "input");
}

Role CountCorrectOp::getResultRole(unsigned) { return Role::metric; }

//===----------------------------------------------------------------------===//
// Backward ops
//===----------------------------------------------------------------------===//

LogicalResult Conv2dInputGradOp::verify() {
  return verifyConvGeometry(*this, shapeOf(getResult()), shapeOf(getWeight()),
                            shapeOf(getGradOutput()), getStride(),
                            getPadding(), getDilation(), getGroups(),
                            {"result", "weight", "grad_output"});
}

LogicalResult Conv2dWeightGradOp::verify() {
  return verifyConvGeometry(*this, shapeOf(getInput()), shapeOf(getResult()),
                            shapeOf(getGradOutput()), getStride(),
                            getPadding(), getDilation(), getGroups(),
                            {"input", "result", "grad_output"});
}

Role Conv2dWeightGradOp::getResultRole(unsigned) { return Role::weight_grad; }

LogicalResult BiasGradOp::verify() {
  return expectShape(*this, "result", {shapeOf(getGradOutput())[1]},
                     shapeOf(getResult()), " (one per channel of grad_output)");
}

Role BiasGradOp::getResultRole(unsigned) { return Role::weight_grad; }

LogicalResult LinearInputGradOp::verify() {
  ArrayRef<int64_t> dy = shapeOf(getGradOutput()), w = shapeOf(getWeight());
  if (dy[1] != w[0])
    return emitOpError() << "expected weight shape [" << dy[1] << ", " << w[1]
                         << "] (out features " << dy[1]
                         << " of grad_output), but got " << fmt(w);
  return expectShape(*this, "result", {dy[0], w[1]}, shapeOf(getResult()));
}

LogicalResult LinearWeightGradOp::verify() {
  ArrayRef<int64_t> dy = shapeOf(getGradOutput()), x = shapeOf(getInput());
  if (dy[0] != x[0])
    return emitOpError() << "expected input shape [" << dy[0] << ", " << x[1]
                         << "] (batch " << dy[0] << " of grad_output), but got "
                         << fmt(x);
  return expectShape(*this, "result", {dy[1], x[1]}, shapeOf(getResult()));
}

Role LinearWeightGradOp::getResultRole(unsigned) { return Role::weight_grad; }

LogicalResult BatchNormGradOp::verify() {
  if (failed(verifyEps(*this, getEps().convertToDouble())) ||
      failed(verifySameType(*this, "input", getInput(), "grad_output",
                            getGradOutput())) ||
      failed(verifySameType(*this, "input", getInput(), "grad_input",
                            getGradInput())))
    return failure();
  return verifyPerChannel(*this, shapeOf(getInput())[1],
                          {{"gamma", getGamma()},
                           {"grad_gamma", getGradGamma()},
                           {"grad_beta", getGradBeta()}});
}

Role BatchNormGradOp::getResultRole(unsigned index) {
  return index == 0 ? Role::activation_grad : Role::weight_grad;
}

LogicalResult MaxPool2dGradOp::verify() {
  if (failed(verifySameType(*this, "input", getInput(), "result", getResult())))
    return failure();
  return verifyPoolGeometry(*this, shapeOf(getInput()),
                            shapeOf(getGradOutput()), getKernel(), getStride(),
                            getPadding(), "input", "grad_output");
}

LogicalResult AvgPool2dGradOp::verify() {
  return verifyPoolGeometry(*this, shapeOf(getResult()),
                            shapeOf(getGradOutput()), getKernel(), getStride(),
                            getPadding(), "result", "grad_output");
}

LogicalResult GlobalAvgPoolGradOp::verify() {
  return verifyGlobalPool(*this, shapeOf(getResult()), shapeOf(getGradOutput()),
                          "grad_output");
}

LogicalResult DropoutGradOp::verify() {
  if (failed(verifyDropoutRatio(*this, getRatio().convertToDouble())))
    return failure();
  return verifySameType(*this, "grad_output", getGradOutput(), "result",
                        getResult());
}

LogicalResult NllLossGradOp::verify() {
  return verifyLabels(*this, getResult(), getLabels(), "result");
}

LogicalResult GradSumOp::verify() {
  if (getContributions().empty())
    return emitOpError() << "needs at least one contribution";
  for (auto [i, c] : llvm::enumerate(getContributions()))
    if (c.getType() != getResult().getType())
      return emitOpError() << "expected contribution #" << i << " of type "
                           << getResult().getType() << ", but got "
                           << c.getType();
  return verifySameType(*this, "result", getResult(), "of", getOf());
}

Role GradSumOp::getResultRole(unsigned) {
  // A weight is a function argument with role `weight`.
  if (auto arg = dyn_cast<BlockArgument>(getOf()))
    if (auto fn = dyn_cast<FunctionOpInterface>(arg.getOwner()->getParentOp()))
      if (auto role = fn.getArgAttrOfType<RoleAttr>(
              arg.getArgNumber(), MPDialect::getRoleAttrName()))
        if (role.getValue() == Role::weight)
          return Role::weight_grad;
  return Role::activation_grad;
}

//===----------------------------------------------------------------------===//
// Optimizer ops
//===----------------------------------------------------------------------===//

LogicalResult SGDOp::verify() {
  double m = getMomentum().convertToDouble();
  double wd = getWeightDecay().convertToDouble();
  if (!(m >= 0.0))
    return emitOpError() << "momentum must be non-negative, got " << m;
  if (!(wd >= 0.0))
    return emitOpError() << "weight_decay must be non-negative, got " << wd;
  if (getNesterov() && m == 0.0)
    return emitOpError() << "nesterov needs a positive momentum";
  if (failed(verifySameType(*this, "param", getParam(), "grad", getGrad())) ||
      failed(verifySameType(*this, "param", getParam(), "momentum_buffer",
                            getMomentumBuffer())) ||
      failed(verifySameType(*this, "param", getParam(), "new_param",
                            getNewParam())) ||
      failed(verifySameType(*this, "param", getParam(), "new_momentum_buffer",
                            getNewMomentumBuffer())))
    return failure();
  return success();
}

Role AllFiniteOp::getResultRole(unsigned) { return Role::flag; }

Role SGDOp::getResultRole(unsigned index) {
  return index == 0 ? Role::master_weight : Role::momentum;
}

#define GET_OP_CLASSES
#include "mp/Dialect/MP/IR/MPOps.cpp.inc"

//===----------------------------------------------------------------------===//
// ParameterOpInterface
//===----------------------------------------------------------------------===//

/// The parameters of a GEMM: operand 1 is the weight, whose dimension 0 is
/// the output features and whose other dimensions are reduced per output;
/// operand 2, if present, is the bias.
static ParameterUse getGemmParameterUse(Operation *op, unsigned index,
                                        ParameterInit weightInit) {
  auto w = cast<ShapedType>(op->getOperand(1).getType()).getShape();
  int64_t window = 1; // kernel positions (1 for linear)
  for (int64_t d : w.drop_front(2))
    window *= d;
  int64_t fanIn = w[1] * window, fanOut = w[0] * window;
  if (index == 1)
    return {ParameterKind::gemmWeight, weightInit, fanIn, fanOut};
  if (index == 2 && op->getNumOperands() > 2)
    return {ParameterKind::bias, ParameterInit::uniformFanIn, fanIn, 1};
  return {};
}

ParameterUse Conv2dOp::getParameterUse(unsigned index) {
  return getGemmParameterUse(*this, index, ParameterInit::kaimingNormalFanOut);
}
Value Conv2dOp::getGemmInput() { return getInput(); }

ParameterUse LinearOp::getParameterUse(unsigned index) {
  return getGemmParameterUse(*this, index, ParameterInit::uniformFanIn);
}
Value LinearOp::getGemmInput() { return getInput(); }

/// gamma (operand 1) starts at one, beta (operand 2) at zero.
static ParameterUse getNormParameterUse(unsigned index) {
  if (index == 1)
    return {ParameterKind::scale, ParameterInit::ones, 1, 1};
  if (index == 2)
    return {ParameterKind::shift, ParameterInit::zeros, 1, 1};
  return {};
}

ParameterUse BatchNormOp::getParameterUse(unsigned index) {
  return getNormParameterUse(index);
}
ParameterUse BatchNormInferenceOp::getParameterUse(unsigned index) {
  return getNormParameterUse(index);
}
