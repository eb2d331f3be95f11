//===- TosaToMP.cpp - Import TOSA forward graphs as mp ---------*- C++ -*-===//
//
// Licensed under the Apache License v2.0 with LLVM Exceptions.
// SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
//
//===----------------------------------------------------------------------===//
//
// Imports a TOSA forward graph (NHWC activations, weights as tosa.const) as an
// mp forward function (NCHW, parameters as role-tagged arguments, a
// cross-entropy loss). The importer walks the TOSA ops in order and keeps,
// for every TOSA value, either
//
//  * its constant data (f32, row-major, TOSA shape): reshape and transpose of
//    constants are folded at import time, and a constant only becomes an
//    argument or an arith.constant where a consumer needs it; or
//  * an activation: an mp value plus a `Layout` saying how the mp value's
//    row-major elements are ordered relative to the TOSA value's, and a
//    pending scale factor (constant multiplications and sums over a pooling
//    window fold into it until a consumer needs the actual value).
//
// A Layout (S, perm) says: view the TOSA value's row-major elements with
// shape S, transpose by perm (result dim d is view dim perm[d]); the mp
// value's row-major elements are that tensor's. A tosa.reshape keeps the
// layout unchanged, a tosa.transpose composes into it, so neither creates an
// mp op; a consumer that needs a given ordering compares canonical forms
// (size-1 dims dropped, dims that stay adjacent merged) and inserts at most
// an mp.reshape. mp has no transpose of activations, so a consumer that needs
// an ordering the activation does not have is rejected with a diagnostic.
//
//===----------------------------------------------------------------------===//

#include "mp/Conversion/TosaToMP/TosaToMP.h"
#include "mp/Support/Npy.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/Tosa/IR/TosaOps.h"
#include "mlir/IR/Builders.h"
#include "mlir/IR/BuiltinAttributes.h"
#include "mlir/IR/BuiltinOps.h"
#include "mlir/IR/DialectResourceBlobManager.h"
#include "mlir/IR/Verifier.h"
#include "mp/Conversion/Passes.h"
#include "mp/Dialect/MP/IR/MPDialect.h"
#include "mp/Dialect/MP/IR/MPOps.h"
#include "llvm/ADT/STLExtras.h"
#include "llvm/ADT/SetVector.h"
#include "llvm/ADT/SmallPtrSet.h"
#include "llvm/ADT/ScopeExit.h"
#include "llvm/ADT/StringExtras.h"
#include "llvm/ADT/StringSet.h"
#include "llvm/ADT/TypeSwitch.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/Path.h"
#include "llvm/Support/raw_ostream.h"

#include <cmath>
#include <cstring>
#include <limits>
#include <map>
#include <numeric>

#define DEBUG_TYPE "convert-tosa-to-mp"

namespace mp {
#define GEN_PASS_DEF_CONVERTTOSATOMPPASS
#include "mp/Conversion/Passes.h.inc"
} // namespace mp

using namespace mlir;
using namespace mp;

using Shape = SmallVector<int64_t>;

//===----------------------------------------------------------------------===//
// Layouts
//===----------------------------------------------------------------------===//

static int64_t product(ArrayRef<int64_t> shape) {
  return std::accumulate(shape.begin(), shape.end(), int64_t(1),
                         std::multiplies<int64_t>());
}

static Shape identityPerm(unsigned rank) {
  Shape p(rank);
  std::iota(p.begin(), p.end(), 0);
  return p;
}

static Shape inversePerm(ArrayRef<int64_t> perm) {
  Shape inv(perm.size());
  for (auto [i, p] : llvm::enumerate(perm))
    inv[p] = i;
  return inv;
}

static Shape permuted(ArrayRef<int64_t> shape, ArrayRef<int64_t> perm) {
  return llvm::map_to_vector(perm, [&](int64_t p) { return shape[p]; });
}

static std::string str(ArrayRef<int64_t> v) {
  std::string s;
  llvm::raw_string_ostream os(s);
  os << "[";
  llvm::interleaveComma(v, os);
  os << "]";
  return s;
}

namespace {
/// How an mp value orders the elements of a TOSA value: view the TOSA
/// elements (row-major) with shape `shape`, transpose by `perm`; the mp
/// value's row-major elements are the result's.
struct Layout {
  Shape shape;
  Shape perm;

  static Layout identity(ArrayRef<int64_t> shape) {
    return {Shape(shape), identityPerm(shape.size())};
  }
  bool operator==(const Layout &o) const {
    return shape == o.shape && perm == o.perm;
  }
  bool operator!=(const Layout &o) const { return !(*this == o); }
};
} // namespace

/// The canonical form: size-1 dims dropped, then dims that stay adjacent and
/// in order under `perm` merged. Two layouts order elements the same way iff
/// their canonical forms are equal.
static Layout canonical(const Layout &l) {
  Layout c;
  Shape newIndex(l.shape.size(), -1);
  for (auto [d, n] : llvm::enumerate(l.shape))
    if (n != 1) {
      newIndex[d] = c.shape.size();
      c.shape.push_back(n);
    }
  for (int64_t p : l.perm)
    if (newIndex[p] >= 0)
      c.perm.push_back(newIndex[p]);
  bool changed = true;
  while (changed) {
    changed = false;
    for (size_t j = 0; j + 1 < c.perm.size(); ++j) {
      int64_t a = c.perm[j];
      if (c.perm[j + 1] != a + 1)
        continue;
      c.shape[a] *= c.shape[a + 1];
      c.shape.erase(c.shape.begin() + a + 1);
      c.perm.erase(c.perm.begin() + j + 1);
      for (int64_t &p : c.perm)
        if (p > a)
          --p;
      changed = true;
      break;
    }
  }
  return c;
}

/// The coarsest shape that refines both `a` and `b` (same element count, no
/// size-1 dims): every dim of either is a run of consecutive result dims.
static std::optional<Shape> commonRefinement(ArrayRef<int64_t> a,
                                             ArrayRef<int64_t> b) {
  Shape out;
  size_t i = 0, j = 0;
  int64_t x = a.empty() ? 1 : a[0], y = b.empty() ? 1 : b[0];
  while (i < a.size() && j < b.size()) {
    if (x == y) {
      out.push_back(x);
      if (++i < a.size())
        x = a[i];
      if (++j < b.size())
        y = b[j];
    } else if (x < y) {
      if (y % x)
        return std::nullopt;
      out.push_back(x);
      y /= x;
      if (++i < a.size())
        x = a[i];
    } else {
      if (x % y)
        return std::nullopt;
      out.push_back(y);
      x /= y;
      if (++j < b.size())
        y = b[j];
    }
  }
  if (i != a.size() || j != b.size())
    return std::nullopt;
  return out;
}

/// For each dim of `coarse`, the dims of its refinement `fine` it spans.
static SmallVector<Shape> groupsOf(ArrayRef<int64_t> coarse,
                                   ArrayRef<int64_t> fine) {
  SmallVector<Shape> groups(coarse.size());
  size_t k = 0;
  for (auto [d, n] : llvm::enumerate(coarse)) {
    if (n == 1)
      continue;
    int64_t covered = 1;
    while (covered < n && k < fine.size()) {
      covered *= fine[k];
      groups[d].push_back(k++);
    }
  }
  return groups;
}

static Shape withoutOnes(ArrayRef<int64_t> shape) {
  Shape s;
  for (int64_t n : shape)
    if (n != 1)
      s.push_back(n);
  return s;
}

/// `l` (canonical) with its view refined to `fine`.
static Layout refine(const Layout &l, ArrayRef<int64_t> fine) {
  SmallVector<Shape> groups = groupsOf(l.shape, fine);
  Layout r{Shape(fine), {}};
  for (int64_t p : l.perm)
    llvm::append_range(r.perm, groups[p]);
  return r;
}

/// The layout of `tosa.transpose(t, p)` when `t` (shape `tShape`) has layout
/// `l`; none when the layout regroups dims across `t`'s dims.
static std::optional<Layout> transposeLayout(const Layout &l,
                                             ArrayRef<int64_t> tShape,
                                             ArrayRef<int64_t> p) {
  Layout c = canonical(l);
  std::optional<Shape> u = commonRefinement(c.shape, withoutOnes(tShape));
  if (!u)
    return std::nullopt;
  Layout fine = refine(c, *u);
  SmallVector<Shape> tGroups = groupsOf(tShape, *u);
  Shape q;
  for (int64_t d : p)
    llvm::append_range(q, tGroups[d]);
  Shape qInv = inversePerm(q);
  Layout r{permuted(*u, q), {}};
  for (int64_t d : fine.perm)
    r.perm.push_back(qInv[d]);
  return r;
}

/// The permutation P with "mp value = transpose(t, P)" when layout `l` of a
/// TOSA value of shape `tShape` is a plain transposition; none otherwise.
static std::optional<Shape> asTranspose(const Layout &l,
                                        ArrayRef<int64_t> tShape) {
  // Size-1 dims may go anywhere; prefer the layout's own permutation, then
  // NCHW, then the identity, so that 4-D activations stay NCHW.
  if (l.shape == Shape(tShape))
    return l.perm;
  Layout c = canonical(l);
  if (tShape.size() == 4 &&
      c == canonical(Layout{Shape(tShape), {0, 3, 1, 2}}))
    return Shape{0, 3, 1, 2};
  if (c == canonical(Layout::identity(tShape)))
    return identityPerm(tShape.size());
  Shape t1 = withoutOnes(tShape);
  std::optional<Shape> u = commonRefinement(c.shape, t1);
  if (!u)
    return std::nullopt;
  Layout fine = refine(c, *u);
  SmallVector<Shape> groups = groupsOf(t1, *u);
  Shape owner(u->size());
  for (auto [d, g] : llvm::enumerate(groups))
    for (int64_t k : g)
      owner[k] = d;
  Shape p1;
  for (size_t k = 0; k < fine.perm.size();) {
    int64_t d = owner[fine.perm[k]];
    for (int64_t g : groups[d]) {
      if (k >= fine.perm.size() || fine.perm[k] != g)
        return std::nullopt;
      ++k;
    }
    p1.push_back(d);
  }
  // Back to tShape's dims; size-1 dims go right after their predecessor.
  Shape toFull;
  for (auto [d, n] : llvm::enumerate(tShape))
    if (n != 1)
      toFull.push_back(d);
  Shape perm;
  for (int64_t d : p1)
    perm.push_back(toFull[d]);
  for (auto [d, n] : llvm::enumerate(tShape)) {
    if (n != 1)
      continue;
    auto *pos = d == 0 ? perm.begin()
                       : llvm::find(perm, int64_t(d) - 1) + 1;
    perm.insert(pos, d);
  }
  return perm;
}

/// For every row-major index of the mp value, the row-major index of the
/// TOSA element it holds.
static Shape tosaIndexTable(const Layout &l) {
  Shape viewStrides(l.shape.size(), 1);
  for (int64_t d = int64_t(l.shape.size()) - 2; d >= 0; --d)
    viewStrides[d] = viewStrides[d + 1] * l.shape[d + 1];
  Shape mpShape = permuted(l.shape, l.perm);
  Shape strides = permuted(viewStrides, l.perm);
  int64_t n = product(l.shape);
  Shape table(n);
  Shape idx(mpShape.size(), 0);
  int64_t offset = 0;
  for (int64_t f = 0; f < n; ++f) {
    table[f] = offset;
    for (int64_t d = int64_t(mpShape.size()) - 1; d >= 0; --d) {
      offset += strides[d];
      if (++idx[d] < mpShape[d])
        break;
      offset -= strides[d] * mpShape[d];
      idx[d] = 0;
    }
  }
  return table;
}

//===----------------------------------------------------------------------===//
// Importer
//===----------------------------------------------------------------------===//

namespace {
/// A TOSA value known at import time.
struct ConstVal {
  Shape shape;
  std::vector<float> data;

  bool isSplat() const {
    return llvm::all_of(data, [&](float v) { return v == data.front(); });
  }
  bool isZero() const {
    return llvm::all_of(data, [](float v) { return v == 0.0f; });
  }
};

/// A TOSA value computed by mp ops: `value`, ordered by `layout`, times
/// `scale`.
struct Act {
  Value value;
  Layout layout;
  double scale = 1.0;
};

/// A parameter argument created on first use.
struct Param {
  std::string name;
  Shape shape;
  std::vector<float> data;
  BlockArgument arg;
};

class TosaImporter {
public:
  TosaImporter(func::FuncOp fn, const TosaImportOptions &options)
      : fn(fn), options(options), b(fn.getContext()) {}

  LogicalResult run();

private:
  // Value access.
  FailureOr<ConstVal *> getConst(Operation *op, Value v, StringRef what);
  FailureOr<Act *> getAct(Operation *op, Value v, StringRef what);
  Value materialize(Act &a);
  FailureOr<Value> getAs(Operation *op, Value v, ArrayRef<int64_t> perm,
                         StringRef what, bool keepScale = false);
  LogicalResult requireZero(Operation *op, Value v, StringRef what);
  LogicalResult symmetricPad(Operation *op, ArrayRef<int64_t> pad,
                             SmallVectorImpl<int64_t> &out);

  // Building.
  Value param(StringRef name, ArrayRef<int64_t> shape, std::vector<float> data);
  Value constant(ArrayRef<int64_t> shape, ArrayRef<float> data);
  std::string opName(Operation *op, StringRef kind);
  template <typename OpTy>
  OpTy named(OpTy op, StringRef name) {
    op->setAttr(MPDialect::getNameAttrName(), b.getStringAttr(name));
    return op;
  }
  void setAct(Value tosa, Value mpValue, Layout layout, double scale = 1.0) {
    acts[tosa] = Act{mpValue, std::move(layout), scale};
  }

  // Ops.
  LogicalResult convert(Operation *op);
  LogicalResult convertConst(tosa::ConstOp op);
  LogicalResult convertConv(Operation *op, bool depthwise);
  LogicalResult convertMatMul(tosa::MatMulOp op);
  LogicalResult convertClamp(tosa::ClampOp op);
  LogicalResult convertBinary(Operation *op, bool isAdd);
  LogicalResult convertPool(Operation *op, bool isMax);
  LogicalResult convertReshape(tosa::ReshapeOp op);
  LogicalResult convertTranspose(tosa::TransposeOp op);
  LogicalResult convertConcat(tosa::ConcatOp op);
  LogicalResult convertReduce(Operation *op, bool isMax);
  LogicalResult foldBias(Operation *op, Act &act, ConstVal &c);

  LogicalResult writeWeights();

  func::FuncOp fn;
  const TosaImportOptions &options;
  OpBuilder b;
  func::FuncOp newFn;
  Block *body = nullptr;
  llvm::DenseMap<Value, ConstVal> consts;
  llvm::DenseMap<Value, Act> acts;
  SmallVector<Param> params;
  llvm::StringSet<> usedNames;
  llvm::StringMap<unsigned> kindCounts;
  /// mp ops created for a conv or matmul, with the name of their layer, so
  /// that a following bias add can become their bias.
  llvm::DenseMap<Operation *, std::string> layerOf;
  /// Weight parameters by TOSA constant and layout ("conv", "dwconv", or
  /// "linear" plus its row permutation): layers that share a constant share
  /// the parameter.
  std::map<std::pair<const void *, std::string>, Value> weightParams;
};
} // namespace

static bool isF32Tensor(Type t) {
  auto rt = dyn_cast<RankedTensorType>(t);
  return rt && rt.getElementType().isF32();
}

static Shape shapeOf(Value v) {
  return Shape(cast<ShapedType>(v.getType()).getShape());
}

static RankedTensorType f32Tensor(MLIRContext *ctx, ArrayRef<int64_t> shape) {
  return RankedTensorType::get(shape, Float32Type::get(ctx));
}

/// Broadcasts `c` (same rank as `shape`, dims 1 or equal) to `shape`.
static std::vector<float> broadcastTo(const ConstVal &c,
                                      ArrayRef<int64_t> shape) {
  if (c.shape == Shape(shape))
    return c.data;
  Shape strides(shape.size(), 0);
  int64_t s = 1;
  for (int64_t d = int64_t(shape.size()) - 1; d >= 0; --d) {
    strides[d] = c.shape[d] == 1 ? 0 : s;
    s *= c.shape[d];
  }
  int64_t n = product(shape);
  std::vector<float> out(n);
  Shape idx(shape.size(), 0);
  int64_t offset = 0;
  for (int64_t f = 0; f < n; ++f) {
    out[f] = c.data[offset];
    for (int64_t d = int64_t(shape.size()) - 1; d >= 0; --d) {
      offset += strides[d];
      if (++idx[d] < shape[d])
        break;
      offset -= strides[d] * shape[d];
      idx[d] = 0;
    }
  }
  return out;
}

/// `data` (row-major, `shape`) transposed by `perm`.
static std::vector<float> transposeData(ArrayRef<float> data,
                                        ArrayRef<int64_t> shape,
                                        ArrayRef<int64_t> perm) {
  Shape table = tosaIndexTable(Layout{Shape(shape), Shape(perm)});
  std::vector<float> out(data.size());
  for (auto [f, g] : llvm::enumerate(table))
    out[f] = data[g];
  return out;
}

std::string TosaImporter::opName(Operation *op, StringRef kind) {
  std::string base;
  Location loc = op->getLoc();
  if (auto fused = dyn_cast<FusedLoc>(loc))
    for (Location l : fused.getLocations())
      if (isa<NameLoc>(l)) {
        loc = l;
        break;
      }
  if (auto name = dyn_cast<NameLoc>(loc))
    base = name.getName().str();
  if (base.empty())
    base = (kind + (llvm::isDigit(kind.back()) ? "_" : "") +
            Twine(kindCounts[kind]++))
               .str();
  std::string name = base;
  for (unsigned i = 1; usedNames.contains(name); ++i)
    name = base + "_" + std::to_string(i);
  usedNames.insert(name);
  return name;
}

Value TosaImporter::param(StringRef name, ArrayRef<int64_t> shape,
                          std::vector<float> data) {
  BlockArgument arg =
      body->addArgument(f32Tensor(b.getContext(), shape), fn.getLoc());
  params.push_back({name.str(), Shape(shape), std::move(data), arg});
  return arg;
}

Value TosaImporter::constant(ArrayRef<int64_t> shape, ArrayRef<float> data) {
  auto type = f32Tensor(b.getContext(), shape);
  bool splat = llvm::all_of(data, [&](float v) { return v == data.front(); });
  DenseElementsAttr attr = splat ? DenseElementsAttr::get(type, data.front())
                                 : DenseElementsAttr::get(type, data);
  return arith::ConstantOp::create(b, fn.getLoc(), attr);
}

FailureOr<ConstVal *> TosaImporter::getConst(Operation *op, Value v,
                                             StringRef what) {
  auto it = consts.find(v);
  if (it == consts.end()) {
    op->emitError() << "cannot import '" << op->getName() << "': its " << what
                    << " must be a constant (tosa.const, possibly reshaped or "
                       "transposed)";
    return failure();
  }
  return &it->second;
}

FailureOr<Act *> TosaImporter::getAct(Operation *op, Value v, StringRef what) {
  auto it = acts.find(v);
  if (it == acts.end()) {
    op->emitError() << "cannot import '" << op->getName() << "': its " << what
                    << " must be computed from the input, not a constant";
    return failure();
  }
  return &it->second;
}

Value TosaImporter::materialize(Act &a) {
  // A sum times the reciprocal of its window size in f32 is 1 only up to
  // rounding; TOSA's own result differs from the mean by as much.
  if (std::abs(a.scale - 1.0) < 1e-6)
    a.scale = 1.0;
  if (a.scale == 1.0)
    return a.value;
  auto type = cast<RankedTensorType>(a.value.getType());
  Value s = arith::ConstantOp::create(
      b, fn.getLoc(),
      DenseElementsAttr::get(type, float(a.scale)));
  a.value = MulOp::create(b, a.value.getLoc(), a.value, s);
  a.scale = 1.0;
  return a.value;
}

FailureOr<Value> TosaImporter::getAs(Operation *op, Value v,
                                     ArrayRef<int64_t> perm, StringRef what,
                                     bool keepScale) {
  FailureOr<Act *> a = getAct(op, v, what);
  if (failed(a))
    return failure();
  Shape tShape = shapeOf(v);
  if (canonical((*a)->layout) != canonical(Layout{tShape, Shape(perm)})) {
    op->emitError() << "cannot import '" << op->getName() << "': its " << what
                    << " is needed transposed by " << str(perm)
                    << " relative to the TOSA tensor, but the mp activation "
                       "holds it in another order (mp has no transpose of "
                       "activations)";
    return failure();
  }
  Value value = keepScale ? (*a)->value : materialize(**a);
  Shape want = permuted(tShape, perm);
  if (shapeOf(value) != want)
    value = ReshapeOp::create(b, v.getLoc(), f32Tensor(b.getContext(), want),
                              value);
  return value;
}

LogicalResult TosaImporter::requireZero(Operation *op, Value v,
                                        StringRef what) {
  auto it = consts.find(v);
  if (it == consts.end() || !it->second.isZero())
    return op->emitError() << "cannot import '" << op->getName()
                           << "': only a constant zero " << what
                           << " is supported (no quantization)";
  return success();
}

LogicalResult TosaImporter::symmetricPad(Operation *op, ArrayRef<int64_t> pad,
                                         SmallVectorImpl<int64_t> &out) {
  if (pad[0] != pad[1] || pad[2] != pad[3])
    return op->emitError() << "cannot import '" << op->getName()
                           << "': asymmetric padding " << str(pad)
                           << " (top, bottom, left, right); mp pads both "
                              "sides equally";
  out.assign({pad[0], pad[2]});
  return success();
}

/// NCHW = transpose(NHWC, kNHWCToNCHW); also OIHW from OHWI.
static constexpr int64_t kNHWCToNCHW[] = {0, 3, 1, 2};

static Shape toNCHW() { return Shape(ArrayRef<int64_t>(kNHWCToNCHW)); }

//===----------------------------------------------------------------------===//
// Ops
//===----------------------------------------------------------------------===//

LogicalResult TosaImporter::convertConst(tosa::ConstOp op) {
  auto type = cast<RankedTensorType>(op.getType());
  // Non-f32 constants (shifts, integer zero points) are only read by the
  // checks of their consumers.
  ConstVal c;
  c.shape = Shape(type.getShape());
  ElementsAttr values = op.getValues();
  if (type.getElementType().isF32()) {
    if (auto it = values.tryGetValues<float>()) {
      c.data.assign(it->begin(), it->end());
    } else if (auto res = dyn_cast<DenseF32ResourceElementsAttr>(values)) {
      if (std::optional<ArrayRef<float>> data = res.tryGetAsArrayRef())
        c.data.assign(data->begin(), data->end());
    }
  } else if (isa<IntegerType>(type.getElementType())) {
    if (auto it = values.tryGetValues<APInt>())
      for (const APInt &v : *it)
        c.data.push_back(float(v.getSExtValue()));
  }
  if (c.data.size() == size_t(product(c.shape)))
    consts[op.getResult()] = std::move(c);
  else if (type.getElementType().isF32())
    return op.emitError() << "cannot import 'tosa.const': its value is not "
                             "available (an elided or missing resource)";
  return success();
}

LogicalResult TosaImporter::convertConv(Operation *op, bool depthwise) {
  Value input = op->getOperand(0), weight = op->getOperand(1),
        bias = op->getOperand(2);
  if (failed(requireZero(op, op->getOperand(3), "input zero point")) ||
      failed(requireZero(op, op->getOperand(4), "weight zero point")))
    return failure();
  FailureOr<ConstVal *> w = getConst(op, weight, "weight");
  FailureOr<ConstVal *> bc = getConst(op, bias, "bias");
  if (failed(w) || failed(bc))
    return failure();
  ArrayRef<int64_t> pad, stride, dilation;
  if (auto conv = dyn_cast<tosa::Conv2DOp>(op)) {
    pad = conv.getPad();
    stride = conv.getStride();
    dilation = conv.getDilation();
  } else {
    auto dw = cast<tosa::DepthwiseConv2DOp>(op);
    pad = dw.getPad();
    stride = dw.getStride();
    dilation = dw.getDilation();
  }
  SmallVector<int64_t> padding;
  if (failed(symmetricPad(op, pad, padding)))
    return failure();
  FailureOr<Value> x = getAs(op, input, kNHWCToNCHW, "input");
  if (failed(x))
    return failure();

  std::string name = opName(op, depthwise ? "dwconv" : "conv");
  Shape ws = (*w)->shape;
  Shape mpWeightShape;
  std::vector<float> mpWeight;
  int64_t groups = 1, outChannels;
  if (!depthwise) {
    // OHWI -> OIHW.
    mpWeightShape = permuted(ws, kNHWCToNCHW);
    mpWeight = transposeData((*w)->data, ws, kNHWCToNCHW);
    outChannels = ws[0];
  } else {
    // HWCM -> (C*M) x 1 x H x W: output channel c*M + m is group c's m-th.
    int64_t perm[] = {2, 3, 0, 1};
    mpWeight = transposeData((*w)->data, ws, perm);
    mpWeightShape = {ws[2] * ws[3], 1, ws[0], ws[1]};
    groups = ws[2];
    outChannels = ws[2] * ws[3];
  }
  Value &mpW = weightParams[{weight.getAsOpaquePointer(),
                              depthwise ? "dwconv" : "conv"}];
  if (!mpW)
    mpW = param(name + ".weight", mpWeightShape, std::move(mpWeight));
  Value mpB;
  if (!(*bc)->isZero()) {
    // A zero bias is how exporters spell "no bias" (e.g. a conv before
    // batch norm); a non-zero one is trainable.
    ConstVal full = **bc;
    if (full.shape[0] != outChannels)
      full = ConstVal{{outChannels},
                      std::vector<float>(outChannels, full.data.front())};
    mpB = param(name + ".bias", {outChannels}, std::move(full.data));
  }
  Shape outT = shapeOf(op->getResult(0));
  auto outType = f32Tensor(b.getContext(), permuted(outT, kNHWCToNCHW));
  auto conv = named(
      Conv2dOp::create(b, op->getLoc(), outType, *x, mpW, mpB,
                       b.getDenseI64ArrayAttr(stride),
                       b.getDenseI64ArrayAttr(padding),
                       b.getDenseI64ArrayAttr(dilation),
                       b.getI64IntegerAttr(groups)),
      name);
  layerOf[conv] = name;
  setAct(op->getResult(0), conv, Layout{outT, toNCHW()});
  return success();
}

LogicalResult TosaImporter::convertMatMul(tosa::MatMulOp op) {
  if (failed(requireZero(op, op.getAZp(), "zero point")) ||
      failed(requireZero(op, op.getBZp(), "zero point")))
    return failure();
  if (!acts.count(op.getA()))
    return op.emitError() << "cannot import 'tosa.matmul': the left operand "
                             "must be an activation and the right one a "
                             "constant weight";
  FailureOr<Act *> a = getAct(op, op.getA(), "left operand");
  FailureOr<ConstVal *> w = getConst(op, op.getB(), "right operand (weight)");
  if (failed(a) || failed(w))
    return failure();
  Shape aShape = shapeOf(op.getA());
  int64_t batch = aShape[0], rows = aShape[1], k = aShape[2];
  int64_t cols = (*w)->shape[2];
  if (batch != 1)
    return op.emitError() << "cannot import 'tosa.matmul': batched matmul "
                             "(batch "
                          << batch << ") is not supported; only batch 1 "
                                      "(a fully connected layer)";
  // The mp value may order the features differently (an NHWC flatten of an
  // NCHW activation); rows must stay rows. Then mp feature k' is TOSA
  // feature sigma(k') and the weight's rows are permuted the same way.
  Shape table = tosaIndexTable(canonical((*a)->layout));
  Shape sigma(k);
  for (int64_t r = 0; r < rows; ++r)
    for (int64_t f = 0; f < k; ++f) {
      int64_t g = table[r * k + f];
      if (g / k != r || (r > 0 && sigma[f] != g % k))
        return op.emitError()
               << "cannot import 'tosa.matmul': the mp activation mixes rows "
                  "and features of its left operand (a flatten that crosses "
                  "the batch dimension)";
      sigma[f] = g % k;
    }
  Value x = materialize(**a);
  auto xType = f32Tensor(b.getContext(), {rows, k});
  if (shapeOf(x) != Shape{rows, k})
    x = ReshapeOp::create(b, op.getLoc(), xType, x);
  std::string name = opName(op, "linear");
  Value &weight = weightParams[{op.getB().getAsOpaquePointer(), "linear" + str(sigma)}];
  if (!weight) {
    std::vector<float> mpW(cols * k);
    for (int64_t n = 0; n < cols; ++n)
      for (int64_t f = 0; f < k; ++f)
        mpW[n * k + f] = (*w)->data[sigma[f] * cols + n];
    weight = param(name + ".weight", {cols, k}, std::move(mpW));
  }
  auto linear = named(
      LinearOp::create(b, op.getLoc(), f32Tensor(b.getContext(), {rows, cols}),
                       x, weight, Value()),
      name);
  layerOf[linear] = name;
  setAct(op.getResult(), linear, Layout::identity(shapeOf(op.getResult())));
  return success();
}

LogicalResult TosaImporter::convertClamp(tosa::ClampOp op) {
  auto lo = dyn_cast<FloatAttr>(op.getMinVal());
  auto hi = dyn_cast<FloatAttr>(op.getMaxVal());
  double max = std::numeric_limits<float>::max();
  bool relu = lo && hi && lo.getValueAsDouble() == 0.0 &&
              hi.getValueAsDouble() >= max;
  bool relu6 = lo && hi && lo.getValueAsDouble() == 0.0 &&
               hi.getValueAsDouble() == 6.0;
  if (!relu && !relu6) {
    InFlightDiagnostic diag = op.emitError()
                              << "cannot import 'tosa.clamp': only [0, +inf) "
                                 "(ReLU) and [0, 6] (ReLU6) are supported, got [";
    diag << op.getMinVal() << ", " << op.getMaxVal() << "]";
    return diag;
  }
  FailureOr<Act *> a = getAct(op, op.getInput(), "input");
  if (failed(a))
    return failure();
  Value x = materialize(**a);
  std::string name = opName(op, relu ? "relu" : "relu6");
  Value y = relu ? Value(named(ReluOp::create(b, op.getLoc(), x), name))
                 : Value(named(Relu6Op::create(b, op.getLoc(), x), name));
  setAct(op.getResult(), y, (*a)->layout);
  return success();
}

/// Adds `c` as the bias of the conv or linear that computes `act` when `c`
/// is constant along every dim but the channels; fails (no diagnostic) when
/// it does not fit.
LogicalResult TosaImporter::foldBias(Operation *op, Act &act, ConstVal &c) {
  Operation *layer = act.value.getDefiningOp();
  if (act.scale != 1.0 || !layer || !layerOf.count(layer))
    return failure();
  auto conv = dyn_cast<Conv2dOp>(layer);
  auto linear = dyn_cast<LinearOp>(layer);
  if ((conv && conv.getBias()) || (linear && linear.getBias()))
    return failure();
  Shape tShape = shapeOf(op->getResult(0));
  std::vector<float> full = broadcastTo(c, tShape);
  Shape table = tosaIndexTable(canonical(act.layout));
  Shape mpShape = shapeOf(act.value);
  int64_t channels = mpShape[1];
  int64_t inner = product(ArrayRef<int64_t>(mpShape).drop_front(2));
  std::vector<float> bias(channels);
  std::vector<bool> seen(channels, false);
  for (int64_t f = 0, n = full.size(); f < n; ++f) {
    int64_t ch = (f / inner) % channels;
    float v = full[table[f]];
    if (!seen[ch]) {
      bias[ch] = v;
      seen[ch] = true;
    } else if (bias[ch] != v) {
      return failure();
    }
  }
  std::string name = layerOf[layer];
  Value bv = param(name + ".bias", {channels}, std::move(bias));
  b.setInsertionPointToEnd(body);
  Operation *withBias;
  if (conv)
    withBias = Conv2dOp::create(b, conv.getLoc(), conv.getType(),
                                conv.getInput(), conv.getWeight(), bv,
                                conv.getStrideAttr(), conv.getPaddingAttr(),
                                conv.getDilationAttr(), conv.getGroupsAttr());
  else
    withBias = LinearOp::create(b, linear.getLoc(), linear.getType(),
                                linear.getInput(), linear.getWeight(), bv);
  withBias->setAttr(MPDialect::getNameAttrName(), b.getStringAttr(name));
  layerOf[withBias] = name;
  setAct(op->getResult(0), withBias->getResult(0), act.layout);
  return success();
}

LogicalResult TosaImporter::convertBinary(Operation *op, bool isAdd) {
  Value lhs = op->getOperand(0), rhs = op->getOperand(1);
  // tosa.mul's shift is 0 for f32 (the TOSA verifier checks it).
  if (!acts.count(lhs))
    std::swap(lhs, rhs);
  FailureOr<Act *> a = getAct(op, lhs, "operand");
  if (failed(a))
    return failure();
  Shape outT = shapeOf(op->getResult(0));
  if (shapeOf(lhs) != outT)
    return op->emitError() << "cannot import '" << op->getName()
                           << "': an activation operand is broadcast ("
                           << str(shapeOf(lhs)) << " to " << str(outT) << ")";
  StringRef kind = isAdd ? "add" : "mul";

  if (auto it = consts.find(rhs); it != consts.end()) {
    ConstVal &c = it->second;
    if (!isAdd && c.isSplat()) {
      setAct(op->getResult(0), (*a)->value, (*a)->layout,
             (*a)->scale * c.data.front());
      return success();
    }
    // A bias add right after a conv or matmul is a trainable bias even when
    // it is zero (an initial value); elsewhere adding zero is a no-op.
    if (isAdd && succeeded(foldBias(op, **a, c)))
      return success();
    if (isAdd && c.isZero()) {
      acts[op->getResult(0)] = **a;
      return success();
    }
    // A fixed operand: the constant in the activation's order.
    Value x = materialize(**a);
    std::vector<float> full = broadcastTo(c, outT);
    Shape table = tosaIndexTable(canonical((*a)->layout));
    std::vector<float> ordered(full.size());
    for (auto [f, g] : llvm::enumerate(table))
      ordered[f] = full[g];
    Value k = constant(shapeOf(x), ordered);
    std::string name = opName(op, kind);
    Value y = isAdd ? Value(named(AddOp::create(b, op->getLoc(), x, k), name))
                    : Value(named(MulOp::create(b, op->getLoc(), x, k), name));
    setAct(op->getResult(0), y, (*a)->layout);
    return success();
  }

  if (shapeOf(rhs) != outT)
    return op->emitError() << "cannot import '" << op->getName()
                           << "': an activation operand is broadcast ("
                           << str(shapeOf(rhs)) << " to " << str(outT) << ")";
  FailureOr<Act *> r = getAct(op, rhs, "operand");
  if (failed(r))
    return failure();
  if (canonical((*a)->layout) != canonical((*r)->layout))
    return op->emitError() << "cannot import '" << op->getName()
                           << "': its operands are held in different element "
                              "orders (mp has no transpose of activations)";
  Layout layout = (*a)->layout;
  Value x = materialize(**a);
  Value y = materialize(**r);
  if (shapeOf(y) != shapeOf(x))
    y = ReshapeOp::create(b, op->getLoc(), cast<RankedTensorType>(x.getType()),
                          y);
  std::string name = opName(op, kind);
  Value z = isAdd ? Value(named(AddOp::create(b, op->getLoc(), x, y), name))
                  : Value(named(MulOp::create(b, op->getLoc(), x, y), name));
  setAct(op->getResult(0), z, layout);
  return success();
}

LogicalResult TosaImporter::convertPool(Operation *op, bool isMax) {
  ArrayRef<int64_t> kernel, stride, pad;
  if (auto max = dyn_cast<tosa::MaxPool2dOp>(op)) {
    kernel = max.getKernel();
    stride = max.getStride();
    pad = max.getPad();
  } else {
    auto avg = cast<tosa::AvgPool2dOp>(op);
    kernel = avg.getKernel();
    stride = avg.getStride();
    pad = avg.getPad();
    if (failed(requireZero(op, avg.getInputZp(), "input zero point")) ||
        failed(requireZero(op, avg.getOutputZp(), "output zero point")))
      return failure();
    if (llvm::any_of(pad, [](int64_t p) { return p != 0; }))
      return op->emitError()
             << "cannot import 'tosa.avg_pool2d' with padding " << str(pad)
             << ": TOSA leaves padding out of the divisor, mp.avg_pool2d "
                "counts it";
  }
  SmallVector<int64_t> padding;
  if (failed(symmetricPad(op, pad, padding)))
    return failure();
  FailureOr<Value> x = getAs(op, op->getOperand(0), kNHWCToNCHW, "input");
  if (failed(x))
    return failure();
  Shape outT = shapeOf(op->getResult(0));
  auto outType = f32Tensor(b.getContext(), permuted(outT, kNHWCToNCHW));
  std::string name = opName(op, isMax ? "maxpool" : "avgpool");
  Value y;
  if (isMax)
    y = named(MaxPool2dOp::create(b, op->getLoc(), outType, *x,
                                  b.getDenseI64ArrayAttr(kernel),
                                  b.getDenseI64ArrayAttr(stride),
                                  b.getDenseI64ArrayAttr(padding)),
              name);
  else
    y = named(AvgPool2dOp::create(b, op->getLoc(), outType, *x,
                                  b.getDenseI64ArrayAttr(kernel),
                                  b.getDenseI64ArrayAttr(stride),
                                  b.getDenseI64ArrayAttr(padding)),
              name);
  setAct(op->getResult(0), y, Layout{outT, toNCHW()});
  return success();
}

LogicalResult TosaImporter::convertReshape(tosa::ReshapeOp op) {
  Shape outT = shapeOf(op.getResult());
  if (auto it = consts.find(op.getInput1()); it != consts.end()) {
    ConstVal c = it->second;
    c.shape = outT;
    consts[op.getResult()] = std::move(c);
    return success();
  }
  FailureOr<Act *> a = getAct(op, op.getInput1(), "input");
  if (failed(a))
    return failure();
  // Same elements in the same row-major order: the layout carries over.
  acts[op.getResult()] = **a;
  return success();
}

LogicalResult TosaImporter::convertTranspose(tosa::TransposeOp op) {
  Shape perm = llvm::map_to_vector(op.getPerms(),
                                   [](int32_t p) { return int64_t(p); });
  Shape inT = shapeOf(op.getInput1());
  if (auto it = consts.find(op.getInput1()); it != consts.end()) {
    ConstVal c{shapeOf(op.getResult()),
               transposeData(it->second.data, inT, perm)};
    consts[op.getResult()] = std::move(c);
    return success();
  }
  FailureOr<Act *> a = getAct(op, op.getInput1(), "input");
  if (failed(a))
    return failure();
  std::optional<Layout> l = transposeLayout((*a)->layout, inT, perm);
  if (!l)
    return op.emitError() << "cannot import 'tosa.transpose': its input is a "
                             "reshape that regroups dimensions of a transposed "
                             "activation";
  setAct(op.getResult(), (*a)->value, *l, (*a)->scale);
  return success();
}

LogicalResult TosaImporter::convertConcat(tosa::ConcatOp op) {
  auto inputs = op.getInput1();
  FailureOr<Act *> first = getAct(op, inputs[0], "operand #0");
  if (failed(first))
    return failure();
  std::optional<Shape> perm =
      asTranspose((*first)->layout, shapeOf(inputs[0]));
  if (!perm)
    return op.emitError() << "cannot import 'tosa.concat': operand #0 is a "
                             "reshape of a transposed activation";
  SmallVector<Value> mpInputs;
  for (auto [i, v] : llvm::enumerate(inputs)) {
    FailureOr<Value> x =
        getAs(op, v, *perm, ("operand #" + Twine(i)).str());
    if (failed(x))
      return failure();
    mpInputs.push_back(*x);
  }
  int64_t axis = llvm::find(*perm, int64_t(op.getAxis())) - perm->begin();
  Shape outT = shapeOf(op.getResult());
  std::string name = opName(op, "concat");
  Value y = named(ConcatOp::create(b, op.getLoc(),
                                   f32Tensor(b.getContext(),
                                             permuted(outT, *perm)),
                                   mpInputs, b.getI64IntegerAttr(axis)),
                  name);
  setAct(op.getResult(), y, Layout{outT, *perm});
  return success();
}

LogicalResult TosaImporter::convertReduce(Operation *op, bool isMax) {
  Value input = op->getOperand(0);
  int64_t axis = isMax ? int64_t(cast<tosa::ReduceMaxOp>(op).getAxis())
                       : int64_t(cast<tosa::ReduceSumOp>(op).getAxis());
  FailureOr<Act *> a = getAct(op, input, "input");
  if (failed(a))
    return failure();
  Shape inT = shapeOf(input);
  std::optional<Shape> perm = asTranspose((*a)->layout, inT);
  int64_t mpDim = perm ? llvm::find(*perm, axis) - perm->begin() : -1;
  if (inT.size() != 4 || mpDim < 2)
    return op->emitError()
           << "cannot import '" << op->getName() << "' over axis " << axis
           << " of " << str(inT)
           << ": only reductions over the spatial dimensions of a 4-D "
              "activation (pooling) are supported";
  if (isMax && (*a)->scale <= 0.0)
    materialize(**a);
  double scale = (*a)->scale;
  FailureOr<Value> x = getAs(op, input, *perm, "input", /*keepScale=*/true);
  if (failed(x))
    return failure();
  // A sum over a window is its mean times the window size; the factor stays
  // pending (a following multiplication by 1/size cancels it).
  int64_t n = inT[axis];
  SmallVector<int64_t> kernel = {1, 1};
  kernel[mpDim - 2] = n;
  Shape outT = shapeOf(op->getResult(0));
  auto outType = f32Tensor(b.getContext(), permuted(outT, *perm));
  auto ones = b.getDenseI64ArrayAttr({1, 1});
  auto zeros = b.getDenseI64ArrayAttr({0, 0});
  std::string name = opName(op, isMax ? "maxpool" : "avgpool");
  Value y;
  if (isMax)
    y = named(MaxPool2dOp::create(b, op->getLoc(), outType, *x,
                                  b.getDenseI64ArrayAttr(kernel), ones, zeros),
              name);
  else
    y = named(AvgPool2dOp::create(b, op->getLoc(), outType, *x,
                                  b.getDenseI64ArrayAttr(kernel), ones, zeros),
              name);
  setAct(op->getResult(0), y, Layout{outT, *perm},
         isMax ? scale : scale * double(n));
  return success();
}

/// Checks the types every imported op must have: static f32 tensors.
static LogicalResult checkTypes(Operation *op) {
  for (Type t : op->getResultTypes()) {
    if (isa<tosa::shapeType>(t))
      continue;
    auto st = dyn_cast<ShapedType>(t);
    if (st && !st.hasStaticShape())
      return op->emitError() << "cannot import '" << op->getName()
                             << "': dynamic shapes are not supported, got "
                             << t;
    if (!isF32Tensor(t))
      return op->emitError() << "cannot import '" << op->getName()
                             << "': only f32 tensors are supported "
                                "(quantized and other element types are not), "
                                "got "
                             << t;
  }
  return success();
}

LogicalResult TosaImporter::convert(Operation *op) {
  if (auto c = dyn_cast<tosa::ConstOp>(op))
    return convertConst(c);
  if (isa<tosa::ConstShapeOp>(op))
    return success();
  if (isa<func::ReturnOp>(op))
    return success();
  if (!isa<tosa::Conv2DOp, tosa::DepthwiseConv2DOp, tosa::MatMulOp,
           tosa::ClampOp, tosa::AddOp, tosa::MulOp, tosa::MaxPool2dOp,
           tosa::AvgPool2dOp, tosa::ReshapeOp, tosa::TransposeOp,
           tosa::ConcatOp, tosa::ReduceSumOp, tosa::ReduceMaxOp>(op)) {
    InFlightDiagnostic diag = op->emitError()
                              << "'" << op->getName()
                              << "' is not supported by convert-tosa-to-mp";
    if (isa<tosa::RescaleOp>(op))
      diag << " (quantized graphs are not supported)";
    diag.attachNote() << "supported: tosa.conv2d, tosa.depthwise_conv2d, "
                         "tosa.matmul, tosa.clamp, tosa.add, tosa.mul, "
                         "tosa.avg_pool2d, tosa.max_pool2d, tosa.reshape, "
                         "tosa.transpose, tosa.concat, tosa.reduce_sum, "
                         "tosa.reduce_max, tosa.const, tosa.const_shape; and a "
                         "softmax or log-softmax head on the logits (exp, log, "
                         "reciprocal, sub, mul, negate, reductions over the "
                         "classes), which the appended loss replaces";
    return diag;
  }
  if (failed(checkTypes(op)))
    return failure();
  b.setInsertionPointToEnd(body);
  return llvm::TypeSwitch<Operation *, LogicalResult>(op)
      .Case<tosa::Conv2DOp>([&](auto o) { return convertConv(o, false); })
      .Case<tosa::DepthwiseConv2DOp>(
          [&](auto o) { return convertConv(o, true); })
      .Case<tosa::MatMulOp>([&](auto o) { return convertMatMul(o); })
      .Case<tosa::ClampOp>([&](auto o) { return convertClamp(o); })
      .Case<tosa::AddOp>([&](auto o) { return convertBinary(o, true); })
      .Case<tosa::MulOp>([&](auto o) { return convertBinary(o, false); })
      .Case<tosa::MaxPool2dOp>([&](auto o) { return convertPool(o, true); })
      .Case<tosa::AvgPool2dOp>([&](auto o) { return convertPool(o, false); })
      .Case<tosa::ReshapeOp>([&](auto o) { return convertReshape(o); })
      .Case<tosa::TransposeOp>([&](auto o) { return convertTranspose(o); })
      .Case<tosa::ConcatOp>([&](auto o) { return convertConcat(o); })
      .Case<tosa::ReduceSumOp>([&](auto o) { return convertReduce(o, false); })
      .Case<tosa::ReduceMaxOp>([&](auto o) { return convertReduce(o, true); })
      .Default([](Operation *) { return failure(); });
}

//===----------------------------------------------------------------------===//
// Function
//===----------------------------------------------------------------------===//

/// Writes `data` as a little-endian f32 .npy file (format version 1.0).
static LogicalResult writeNpyF32(StringRef path, ArrayRef<int64_t> shape,
                                 ArrayRef<float> data, std::string &error) {
  std::error_code ec;
  llvm::raw_fd_ostream os(path, ec, llvm::sys::fs::OF_None);
  if (ec) {
    error = ec.message();
    return failure();
  }
  os << npy::encodeHeader("<f4", shape);
  for (float v : data) {
    uint32_t bits;
    std::memcpy(&bits, &v, 4);
    for (int i = 0; i < 4; ++i)
      os << char((bits >> (8 * i)) & 0xff);
  }
  return success();
}

LogicalResult TosaImporter::writeWeights() {
  if (options.weightsDir.empty())
    return success();
  if (std::error_code ec =
          llvm::sys::fs::create_directories(options.weightsDir))
    return fn.emitError() << "cannot create weights-dir '"
                          << options.weightsDir << "': " << ec.message();
  for (const Param &p : params) {
    SmallString<128> path(options.weightsDir);
    // Every imported parameter is a weight (mp/Support/Npy.h names it).
    llvm::sys::path::append(path,
                            npy::getTensorFileStem("weight", p.name) + ".npy");
    std::string error;
    if (failed(writeNpyF32(path, p.shape, p.data, error)))
      return fn.emitError() << "cannot write '" << path << "': " << error;
  }
  return success();
}

/// A softmax or log-softmax over the class axis at the end of the graph, as
/// exporters spell `softmax` / `log_softmax` heads in TOSA: reduce_max
/// (stabilization), sub, exp, reduce_sum over axis 1, then reciprocal + mul
/// or log + sub. The importer appends its own log_softmax + nll_loss, so such
/// a head is dropped and the loss reads the logits it started from. Collects
/// the head's ops into `head` and returns the logits; returns null (and an
/// empty `head`) when `result` is not computed that way, or when a head op is
/// used outside the head.
static Value matchSoftmaxHead(Value result,
                              llvm::SmallPtrSetImpl<Operation *> &head) {
  auto is2D = [](Value v) {
    auto t = dyn_cast<RankedTensorType>(v.getType());
    return t && t.getRank() == 2;
  };
  SmallVector<Value> work{result};
  llvm::SmallSetVector<Value, 2> leaves;
  bool sawExp = false, sawClassSum = false;
  while (!work.empty()) {
    Value v = work.pop_back_val();
    Operation *def = v.getDefiningOp();
    if (def && def->hasTrait<OpTrait::ConstantLike>())
      continue;
    bool inHead = false;
    if (def && is2D(v)) {
      if (auto r = dyn_cast<tosa::ReduceSumOp>(def))
        sawClassSum |= inHead = r.getAxis() == 1;
      else if (auto r = dyn_cast<tosa::ReduceMaxOp>(def))
        inHead = r.getAxis() == 1;
      else if (isa<tosa::ExpOp>(def))
        sawExp = inHead = true;
      else
        inHead = isa<tosa::LogOp, tosa::ReciprocalOp, tosa::SubOp, tosa::MulOp,
                     tosa::NegateOp>(def);
    }
    if (!inHead) {
      leaves.insert(v);
      continue;
    }
    if (head.insert(def).second)
      llvm::append_range(work, def->getOperands());
  }
  bool escapes = llvm::any_of(head, [&](Operation *op) {
    return llvm::any_of(op->getUsers(), [&](Operation *user) {
      return !head.contains(user) && !isa<func::ReturnOp>(user);
    });
  });
  if (!sawExp || !sawClassSum || leaves.size() != 1 || escapes ||
      leaves[0].getType() != result.getType()) {
    head.clear();
    return Value();
  }
  return leaves[0];
}

LogicalResult TosaImporter::run() {
  MLIRContext *ctx = fn.getContext();
  if (!fn.getBody().hasOneBlock())
    return fn.emitError() << "cannot import @" << fn.getSymName()
                          << ": expected a single-block function";
  FunctionType fnType = fn.getFunctionType();
  if (fnType.getNumInputs() != 1)
    return fn.emitError()
           << "cannot import @" << fn.getSymName()
           << ": expected exactly one argument (the input batch), got "
           << fnType.getNumInputs()
           << "; weights must be tosa.const ops";
  if (fnType.getNumResults() != 1)
    return fn.emitError() << "cannot import @" << fn.getSymName()
                          << ": expected exactly one result (the logits), got "
                          << fnType.getNumResults();
  auto inType = dyn_cast<RankedTensorType>(fnType.getInput(0));
  auto outType = dyn_cast<RankedTensorType>(fnType.getResult(0));
  for (auto [what, t] : {std::pair<StringRef, RankedTensorType>{"argument",
                                                                inType},
                         {"result", outType}}) {
    if (!t || !t.hasStaticShape())
      return fn.emitError() << "cannot import @" << fn.getSymName() << ": the "
                            << what << " must have a static shape";
    if (!t.getElementType().isF32())
      return fn.emitError() << "cannot import @" << fn.getSymName() << ": the "
                            << what
                            << " must be an f32 tensor (quantized graphs are "
                               "not supported), got "
                            << Type(t);
  }
  if (outType.getRank() != 2)
    return fn.emitError() << "cannot import @" << fn.getSymName()
                          << ": the result must be N x classes logits, got "
                          << Type(outType);
  if (inType.getRank() != 4 && inType.getRank() != 2)
    return fn.emitError() << "cannot import @" << fn.getSymName()
                          << ": the input must be 4-D (images) or 2-D, got "
                          << Type(inType);
  int64_t batch = inType.getDimSize(0);
  if (outType.getDimSize(0) != batch)
    return fn.emitError() << "cannot import @" << fn.getSymName()
                          << ": the logits' first dimension ("
                          << outType.getDimSize(0)
                          << ") must be the batch size (" << batch << ")";

  // The input's layout: NCHW when every use turns it into NHWC (torch-mlir).
  Value tosaInput = fn.getArgument(0);
  bool nchw = options.inputLayout == "nchw";
  if (options.inputLayout == "auto")
    nchw = !tosaInput.use_empty() &&
           llvm::all_of(tosaInput.getUsers(), [](Operation *user) {
             auto t = dyn_cast<tosa::TransposeOp>(user);
             return t && t.getPerms() == ArrayRef<int32_t>{0, 2, 3, 1};
           });
  Shape inT(inType.getShape());
  Layout inLayout = Layout::identity(inT);
  if (inType.getRank() == 4 && !nchw)
    inLayout = Layout{inT, toNCHW()};

  b.setInsertionPoint(fn);
  newFn = func::FuncOp::create(b, fn.getLoc(), fn.getSymName(),
                               FunctionType::get(ctx, {}, {}));
  body = newFn.addEntryBlock();
  llvm::scope_exit cleanup([&] {
    if (newFn)
      newFn.erase();
  });
  Value mpInput = body->addArgument(
      f32Tensor(ctx, permuted(inLayout.shape, inLayout.perm)), fn.getLoc());
  Value labels = body->addArgument(
      RankedTensorType::get({batch}, IntegerType::get(ctx, 32)), fn.getLoc());
  setAct(tosaInput, mpInput, inLayout);

  // A softmax / log-softmax head is replaced by the loss appended below.
  auto ret = cast<func::ReturnOp>(fn.getBody().front().getTerminator());
  llvm::SmallPtrSet<Operation *, 8> head;
  Value tosaLogits = matchSoftmaxHead(ret.getOperand(0), head);
  if (!tosaLogits)
    tosaLogits = ret.getOperand(0);

  for (Operation &op : fn.getBody().front())
    if (!head.contains(&op) && failed(convert(&op)))
      return failure();

  b.setInsertionPointToEnd(body);
  FailureOr<Value> logits =
      getAs(ret, tosaLogits, identityPerm(2), "result (the logits)");
  if (failed(logits))
    return failure();
  Value logp = named(LogSoftmaxOp::create(b, fn.getLoc(), *logits),
                     "log_softmax");
  Value loss = named(NllLossOp::create(b, fn.getLoc(),
                                       RankedTensorType::get({}, b.getF32Type()),
                                       logp, labels),
                     "nll_loss");
  func::ReturnOp::create(b, fn.getLoc(), loss);

  // Drop what later ops superseded (a conv whose bias add was folded) and
  // the parameters only they used.
  for (Operation &op : llvm::make_early_inc_range(llvm::reverse(*body)))
    if (op.use_empty() && !isa<func::ReturnOp>(op) &&
        (isa<arith::ConstantOp>(op) ||
         isa_and_nonnull<MPDialect>(op.getDialect())))
      op.erase();
  // A layer whose output is used both before and after its folded bias add
  // survives next to its biased copy; names must stay unique.
  llvm::StringSet<> opNames;
  for (Operation &op : *body) {
    auto name = op.getAttrOfType<StringAttr>(MPDialect::getNameAttrName());
    if (!name || opNames.insert(name.getValue()).second)
      continue;
    std::string fresh;
    for (unsigned i = 1;; ++i) {
      fresh = (name.getValue() + "_" + Twine(i)).str();
      if (!usedNames.contains(fresh) && !opNames.contains(fresh))
        break;
    }
    opNames.insert(fresh);
    op.setAttr(MPDialect::getNameAttrName(), b.getStringAttr(fresh));
  }
  SmallVector<Param> live;
  for (Param &p : params)
    if (!p.arg.use_empty())
      live.push_back(std::move(p));
  params = std::move(live);
  llvm::BitVector dead(body->getNumArguments());
  for (BlockArgument arg : body->getArguments())
    if (arg.getArgNumber() >= 2 && arg.use_empty())
      dead.set(arg.getArgNumber());
  body->eraseArguments(dead);

  newFn.setFunctionType(FunctionType::get(ctx, body->getArgumentTypes(),
                                          {loss.getType()}));
  auto roleName = [&](Role role, StringRef name) {
    return DictionaryAttr::get(
        ctx, {b.getNamedAttr(MPDialect::getNameAttrName(),
                             b.getStringAttr(name)),
              b.getNamedAttr(MPDialect::getRoleAttrName(),
                             RoleAttr::get(ctx, role))});
  };
  SmallVector<DictionaryAttr> argAttrs = {roleName(Role::input, "input"),
                                          roleName(Role::label, "label")};
  for (const Param &p : params)
    argAttrs.push_back(roleName(Role::weight, p.name));
  newFn.setAllArgAttrs(argAttrs);
  newFn.setResultAttrs(0, roleName(Role::loss, "loss"));
  newFn.setVisibility(fn.getVisibility());

  if (failed(mlir::verify(newFn)))
    return failure();
  if (failed(writeWeights()))
    return failure();
  fn.erase();
  newFn = nullptr;
  return success();
}

LogicalResult mp::importTosaFunction(func::FuncOp fn,
                                     const TosaImportOptions &options) {
  return TosaImporter(fn, options).run();
}

//===----------------------------------------------------------------------===//
// Pass
//===----------------------------------------------------------------------===//

namespace {
struct ConvertTosaToMPPass
    : mp::impl::ConvertTosaToMPPassBase<ConvertTosaToMPPass> {
  using ConvertTosaToMPPassBase::ConvertTosaToMPPassBase;
  void runOnOperation() override;
};
} // namespace

void ConvertTosaToMPPass::runOnOperation() {
  ModuleOp module = getOperation();
  if (inputLayout != "auto" && inputLayout != "nhwc" && inputLayout != "nchw") {
    module.emitError() << "unknown input-layout '" << inputLayout
                       << "'; expected auto, nhwc or nchw";
    return signalPassFailure();
  }
  TosaImportOptions options;
  options.weightsDir = weightsDir;
  options.inputLayout = inputLayout;
  SmallVector<func::FuncOp> tosaFns;
  for (auto fn : module.getOps<func::FuncOp>()) {
    bool hasTosa = false;
    fn.walk([&](Operation *op) {
      if (isa_and_nonnull<tosa::TosaDialect>(op->getDialect()))
        hasTosa = true;
    });
    if (hasTosa)
      tosaFns.push_back(fn);
  }
  if (tosaFns.empty()) {
    module.emitError() << "convert-tosa-to-mp: no function holds TOSA ops";
    return signalPassFailure();
  }
  for (func::FuncOp fn : tosaFns)
    if (failed(importTosaFunction(fn, options)))
      return signalPassFailure();
}
