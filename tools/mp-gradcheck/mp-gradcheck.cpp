//===- mp-gradcheck.cpp - Check backward rules by finite differences -------===//
//
// Licensed under the Apache License v2.0 with LLVM Exceptions.
// SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
//
//===----------------------------------------------------------------------===//
//
// Validates the reverse-mode derivative that mp-build-training-step builds
// from the ops' gradient rules against finite differences of the forward
// function's loss, both executed by the JIT (mp-cpu-pipeline). Design and
// numbers: docs/Design/TrainingStep.md, "Gradient checks".
//
//  1. mp-build-training-step on a clone of the module with momentum=0 and
//     weight-decay=0; the *_eval functions are dropped, two diagnostic
//     functions are added (below) and the module is JIT-compiled once.
//  2. Seeded random arguments: inputs N(0, s^2), labels in [0, classes), BN
//     statistics mean 0 / var 1, dropout seeds fixed, weights by use
//     (conv/linear weights N(0, 1/fan_in), biases and beta N(0, 0.3^2),
//     gamma 1 + N(0, 0.3^2)).
//  3. One train step with zero momenta and lr = 1. With momentum 0 and weight
//     decay 0, SGD's new momentum buffer is 0 * 0 + g: the analytic gradient
//     bit for bit, with no cancellation (unlike (w - w') / lr). The new
//     weights are checked to be fl(w - g), and the step's loss to be the
//     forward function's.
//  4. For K sampled elements of every weight tensor, the derivative of the
//     forward function's f32 loss by Ridders' method: central differences
//     (L(w+h) - L(w-h)) / (w+h - (w-h)) (denominator from the f32 values
//     actually passed) at h = eps * max(1, |w|) and at h / 1.4^i, extrapolated
//     to h -> 0, with an error estimate (redone from h / 8 and h / 64 when out
//     of tolerance). Pass criterion per element:
//         |g_fd - g| <= atol * S + rtol * max(|g_fd|, |g|),
//     S = max(1, largest |g| element). An element out of tolerance by less
//     than twice the error estimate is "unresolved" (reported, not a
//     failure); more than a quarter unresolved is inconclusive (a failure).
//
// Kinks. A step that moves a relu/relu6 input or a max-pool window's arg-max
// across a kink measures a secant, not the derivative. The probe function
// (forward graph returning every relu, relu6 and max_pool2d input) detects
// this; such elements are differenced on the frozen function instead: the
// forward graph with relu(x) -> x * m, relu6(x) -> x * m + c and max_pool2d
// -> sum over kernel taps k of sel_k * (depthwise conv with a one-hot kernel
// at k), with m, c and sel_k taken from the base point. It equals the
// forward graph wherever no kink is crossed (bit for bit at the base point,
// which is checked) and is smooth, so its derivative at w is the forward
// function's.
//
// Exit status: 0 all gradients match, 1 a check failed, 2 the check could not
// run (bad options, unreadable file, no forward function, lowering error).
//
//===----------------------------------------------------------------------===//

#include "mp/Dialect/MP/IR/MPOps.h"
#include "mp/InitMP.h"
#include "mp/Runner/JitSession.h"
#include "mp/Transforms/Passes.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/IR/Builders.h"
#include "mlir/IR/BuiltinOps.h"
#include "mlir/IR/DialectRegistry.h"
#include "mlir/IR/IRMapping.h"
#include "mlir/IR/MLIRContext.h"
#include "mlir/IR/SymbolTable.h"
#include "mlir/Parser/Parser.h"
#include "mlir/Pass/PassManager.h"
#include "mlir/Support/FileUtilities.h"
#include "llvm/ADT/STLExtras.h"
#include "llvm/ADT/StringExtras.h"
#include "llvm/Support/CommandLine.h"
#include "llvm/Support/Format.h"
#include "llvm/Support/InitLLVM.h"
#include "llvm/Support/SourceMgr.h"
#include "llvm/Support/raw_ostream.h"
#include <algorithm>
#include <chrono>
#include <cmath>
#include <random>

using namespace mlir;
using namespace mp;
namespace cl = llvm::cl;

static cl::OptionCategory gcCat("mp-gradcheck options");

static cl::opt<std::string> inputFile(cl::Positional, cl::desc("<input.mlir>"),
                                      cl::Required, cl::cat(gcCat));
static cl::opt<std::string>
    functionName("function",
                 cl::desc("Forward function to check (default: every "
                          "function with a loss)"),
                 cl::value_desc("name"), cl::cat(gcCat));
static cl::opt<unsigned>
    samples("samples",
            cl::desc("Elements checked per weight tensor (0: all)"),
            cl::init(8), cl::cat(gcCat));
static cl::opt<unsigned> seed("seed",
                              cl::desc("Seed for the data and the samples"),
                              cl::init(0), cl::cat(gcCat));
static cl::opt<double>
    eps("eps", cl::desc("First step, relative: h = eps * max(1, |w|)"),
        cl::init(2e-2), cl::cat(gcCat));
static cl::opt<double> relTol("rtol", cl::desc("Relative tolerance"),
                              cl::init(1e-2), cl::cat(gcCat));
static cl::opt<double> absTol("atol",
                              cl::desc("Absolute tolerance, in units of "
                                       "max(1, largest |gradient element|)"),
                              cl::init(1e-4), cl::cat(gcCat));
static cl::opt<bool> extrapolate(
    "extrapolate",
    cl::desc("Ridders' extrapolation of central differences at steps "
             "h / 1.4^i (=false: one central difference at h)"),
    cl::init(true), cl::cat(gcCat));
static cl::opt<double> inputScale("input-scale",
                                  cl::desc("Standard deviation of the input"),
                                  cl::init(1.0), cl::cat(gcCat));
static cl::opt<double>
    weightScale("weight-scale",
                cl::desc("Factor on every random weight value"),
                cl::init(1.0), cl::cat(gcCat));
static cl::opt<unsigned>
    optLevel("opt-level",
             cl::desc("LLVM IR optimization level of the JIT-compiled code "
                      "(0-3; the graphs are small, compile time dominates)"),
             cl::init(0), cl::cat(gcCat));
static cl::opt<unsigned> showWorst("show-worst",
                                   cl::desc("Failing elements listed"),
                                   cl::init(10), cl::cat(gcCat));
static cl::opt<bool> verbose("verbose", cl::desc("Print every element"),
                             cl::init(false), cl::cat(gcCat));
static cl::alias verboseShort("v", cl::aliasopt(verbose), cl::cat(gcCat));
static cl::opt<bool> timing("time",
                            cl::desc("Print compile and check times (stderr)"),
                            cl::init(false), cl::cat(gcCat));

static cl::opt<std::string> injectFault(
    "inject-fault",
    cl::desc("Testing the checker: multiply every result of the backward "
             "ops named OP (e.g. mp.relu_grad) in the training step by "
             "FACTOR (default 1.05); the check should then fail"),
    cl::value_desc("OP[:FACTOR]"), cl::cat(gcCat));

static constexpr llvm::StringLiteral kProbeSuffix = "__gradcheck_probe";
static constexpr llvm::StringLiteral kFrozenSuffix = "__gradcheck_frozen";

//===----------------------------------------------------------------------===//
// Helpers
//===----------------------------------------------------------------------===//

static int usageError(const llvm::Twine &msg) {
  llvm::errs() << "mp-gradcheck: error: " << msg << "\n";
  return 2;
}

static std::string shapeStr(ArrayRef<int64_t> shape) {
  std::string s = "[";
  for (auto [i, d] : llvm::enumerate(shape))
    s += (i ? "," : "") + std::to_string(d);
  return s + "]";
}

static std::string indexStr(ArrayRef<int64_t> shape, int64_t flat) {
  SmallVector<int64_t, 4> idx(shape.size());
  for (int64_t d = int64_t(shape.size()) - 1; d >= 0; --d) {
    idx[d] = flat % shape[d];
    flat /= shape[d];
  }
  return shapeStr(idx);
}

static std::string opName(Operation *op, StringRef kind, unsigned k) {
  if (auto name = op->getAttrOfType<StringAttr>(MPDialect::getNameAttrName()))
    return name.str();
  return (kind + "#" + llvm::Twine(k)).str();
}

static std::string sci(double v) {
  std::string s;
  llvm::raw_string_ostream os(s);
  os << llvm::format("%.3e", v);
  return s;
}

//===----------------------------------------------------------------------===//
// Kink sites: relu, relu6 and max_pool2d inputs
//===----------------------------------------------------------------------===//

namespace {
enum class KinkKind { relu, relu6, maxPool };

struct KinkSite {
  KinkKind kind;
  std::string name;
  SmallVector<int64_t, 4> shape;
  int64_t kernel[2] = {1, 1}, stride[2] = {1, 1}, padding[2] = {0, 0};
};
} // namespace

static StringRef kindName(KinkKind k) {
  switch (k) {
  case KinkKind::relu:
    return "relu";
  case KinkKind::relu6:
    return "relu6";
  case KinkKind::maxPool:
    return "max_pool2d";
  }
  return "";
}

/// Calls `fn(window index, value, position in window)` for the in-bounds
/// elements of each max_pool2d window of `site` on `x`.
template <typename Fn>
static int64_t forEachWindow(const KinkSite &site, const float *x, Fn &&fn) {
  int64_t n = site.shape[0], c = site.shape[1], h = site.shape[2],
          w = site.shape[3];
  int64_t oh = (h + 2 * site.padding[0] - site.kernel[0]) / site.stride[0] + 1;
  int64_t ow = (w + 2 * site.padding[1] - site.kernel[1]) / site.stride[1] + 1;
  int64_t win = 0;
  for (int64_t b = 0; b < n * c; ++b)
    for (int64_t oy = 0; oy < oh; ++oy)
      for (int64_t ox = 0; ox < ow; ++ox, ++win)
        for (int64_t ky = 0; ky < site.kernel[0]; ++ky)
          for (int64_t kx = 0; kx < site.kernel[1]; ++kx) {
            int64_t iy = oy * site.stride[0] - site.padding[0] + ky;
            int64_t ix = ox * site.stride[1] - site.padding[1] + kx;
            if (iy < 0 || iy >= h || ix < 0 || ix >= w)
              continue;
            fn(win, x[(b * h + iy) * w + ix], ky * site.kernel[1] + kx);
          }
  return win;
}

/// The piece of the piecewise-smooth function each element (relu, relu6) or
/// window (max_pool2d: position of the first maximum) is on.
static void regionsOf(const KinkSite &site, const HostTensor &t,
                      std::vector<int32_t> &out) {
  const float *x = t.as<float>();
  int64_t n = t.getNumElements();
  switch (site.kind) {
  case KinkKind::relu:
    out.resize(n);
    for (int64_t i = 0; i < n; ++i)
      out[i] = x[i] > 0.0f;
    return;
  case KinkKind::relu6:
    out.resize(n);
    for (int64_t i = 0; i < n; ++i)
      out[i] = x[i] <= 0.0f ? 0 : x[i] < 6.0f ? 1 : 2;
    return;
  case KinkKind::maxPool: {
    std::vector<float> best;
    out.clear();
    forEachWindow(site, x, [&](int64_t win, float v, int32_t pos) {
      if (win >= int64_t(out.size())) {
        out.resize(win + 1, -1);
        best.resize(win + 1, -INFINITY);
      }
      if (out[win] < 0 || v > best[win]) {
        out[win] = pos;
        best[win] = v;
      }
    });
    return;
  }
  }
}

/// One line describing how far the base point is from the kinks of `site`.
static void printKinkStats(const KinkSite &site, const HostTensor &t) {
  const float *x = t.as<float>();
  int64_t n = t.getNumElements();
  llvm::outs() << "  " << kindName(site.kind) << " '" << site.name << "' "
               << shapeStr(site.shape) << ": ";
  if (site.kind == KinkKind::relu) {
    int64_t pos = 0, zero = 0;
    double closest = INFINITY;
    for (int64_t i = 0; i < n; ++i) {
      pos += x[i] > 0.0f;
      zero += x[i] == 0.0f;
      closest = std::min(closest, std::fabs(double(x[i])));
    }
    llvm::outs() << n << " inputs, " << (n - pos) << " <= 0, " << pos
                 << " > 0, " << zero << " at 0, min |x| " << sci(closest)
                 << "\n";
  } else if (site.kind == KinkKind::relu6) {
    int64_t cnt[3] = {0, 0, 0}, at = 0;
    double closest = INFINITY;
    for (int64_t i = 0; i < n; ++i) {
      cnt[x[i] <= 0.0f ? 0 : x[i] < 6.0f ? 1 : 2]++;
      at += x[i] == 0.0f || x[i] == 6.0f;
      closest = std::min({closest, std::fabs(double(x[i])),
                          std::fabs(double(x[i]) - 6.0)});
    }
    llvm::outs() << n << " inputs, " << cnt[0] << " <= 0, " << cnt[1]
                 << " in (0,6), " << cnt[2] << " >= 6, " << at
                 << " at 0 or 6, min distance " << sci(closest) << "\n";
  } else {
    std::vector<float> top1, top2;
    int64_t windows = forEachWindow(site, x, [&](int64_t win, float v, int32_t) {
      if (win >= int64_t(top1.size())) {
        top1.resize(win + 1, -INFINITY);
        top2.resize(win + 1, -INFINITY);
      }
      if (v > top1[win]) {
        top2[win] = top1[win];
        top1[win] = v;
      } else if (v > top2[win]) {
        top2[win] = v;
      }
    });
    // Ties at 0 (windows of relu zeros) route a gradient that relu_grad
    // zeroes anyway; other ties and small gaps are kinks of the pooling.
    int64_t ties = 0, zeroTies = 0;
    double gap = INFINITY;
    std::vector<int32_t> hits(windows, 0);
    forEachWindow(site, x, [&](int64_t win, float v, int32_t) {
      hits[win] += v == top1[win];
    });
    for (int64_t w = 0; w < windows; ++w) {
      bool atZero = top1[w] == 0.0f;
      ties += hits[w] > 1 && !atZero;
      zeroTies += hits[w] > 1 && atZero;
      if (std::isfinite(top2[w]) && !atZero)
        gap = std::min(gap, double(top1[w]) - double(top2[w]));
    }
    llvm::outs() << windows << " windows (kernel " << shapeStr(site.kernel)
                 << " stride " << shapeStr(site.stride) << " padding "
                 << shapeStr(site.padding) << "), " << ties << " ties ("
                 << zeroTies << " more at 0), min top-2 gap " << sci(gap)
                 << "\n";
  }
}

/// Replaces the results of `fn` by `values` (attributes dropped).
static void setResults(func::FuncOp fn, ArrayRef<Value> values) {
  Operation *ret = fn.getBody().front().getTerminator();
  OpBuilder b(ret);
  func::ReturnOp::create(b, ret->getLoc(), values);
  ret->erase();
  fn.removeResAttrsAttr();
  fn.setFunctionType(FunctionType::get(fn.getContext(), fn.getArgumentTypes(),
                                       ValueRange(values).getTypes()));
}

/// The relu, relu6 and max_pool2d ops of `fn`, in walk order.
static SmallVector<Operation *> kinkOps(func::FuncOp fn) {
  SmallVector<Operation *> ops;
  fn.walk([&](Operation *op) {
    if (isa<ReluOp, Relu6Op, MaxPool2dOp>(op))
      ops.push_back(op);
  });
  return ops;
}

namespace {
/// An extra argument of the frozen function, filled from the base point.
struct MaskArg {
  enum Kind {
    pass,      ///< relu/relu6: 1 where the input passes through, else 0.
    saturate,  ///< relu6: 6 where the input is >= 6, else 0.
    tapKernel, ///< max_pool2d: depthwise one-hot kernel at `tap`.
    tapSelect, ///< max_pool2d: 1 where `tap` is the window's first maximum.
  } kind;
  unsigned site;
  int64_t tap = 0; ///< ky * kernel_w + kx.
};

/// What the probe and the frozen function of one forward function need.
struct Diagnostics {
  std::vector<KinkSite> sites;
  std::vector<MaskArg> masks;
};
} // namespace

/// Adds two functions next to the forward function `fwd` when it has relu,
/// relu6 or max_pool2d ops whose input depends on a weight:
///  * `@<fwd>__gradcheck_probe(args...)`: the forward graph returning the
///    input of each of them (one site per distinct input and kind);
///  * `@<fwd>__gradcheck_frozen(args..., masks...) -> loss`: the forward
///    graph with the pattern of each kink op frozen by mask arguments
///    (relu(x) -> x * m, relu6(x) -> x * m + c, max_pool2d(x) -> sum over
///    taps k of sel_k * depthwise_conv(x, onehot_k)), smooth in the weights.
static Diagnostics addDiagnosticFunctions(ModuleOp module, func::FuncOp fwd) {
  Diagnostics diag;
  std::vector<KinkSite> &sites = diag.sites;
  SmallVector<Value> inputs; // per site, in `fwd`
  SmallVector<int> siteOf;   // per kink op, -1 if none
  SmallVector<Operation *> ops = kinkOps(fwd);
  for (auto [k, op] : llvm::enumerate(ops)) {
    KinkSite site;
    Value input = op->getOperand(0);
    if (isa<ReluOp>(op)) {
      site.kind = KinkKind::relu;
    } else if (isa<Relu6Op>(op)) {
      site.kind = KinkKind::relu6;
    } else {
      auto pool = cast<MaxPool2dOp>(op);
      site.kind = KinkKind::maxPool;
      for (int d = 0; d < 2; ++d) {
        site.kernel[d] = pool.getKernel()[d];
        site.stride[d] = pool.getStride()[d];
        site.padding[d] = pool.getPadding()[d];
      }
    }
    siteOf.push_back(-1);
    // Only weights move; other arguments (the input) are constants here.
    if (auto arg = dyn_cast<BlockArgument>(input)) {
      auto role = fwd.getArgAttrOfType<RoleAttr>(arg.getArgNumber(),
                                                 MPDialect::getRoleAttrName());
      if (!role || role.getValue() != Role::weight)
        continue;
    }
    for (auto [s, other] : llvm::enumerate(sites))
      if (inputs[s] == input && other.kind == site.kind)
        siteOf.back() = s;
    if (siteOf.back() >= 0)
      continue;
    auto type = cast<RankedTensorType>(input.getType());
    site.name = opName(op, kindName(site.kind), k + 1);
    site.shape.assign(type.getShape().begin(), type.getShape().end());
    siteOf.back() = sites.size();
    sites.push_back(site);
    inputs.push_back(input);
  }
  if (sites.empty())
    return diag;
  SymbolTable symbols(module);
  MLIRContext *ctx = module.getContext();

  // The probe.
  IRMapping map;
  auto probe = cast<func::FuncOp>(fwd->clone(map));
  probe.setSymName((fwd.getSymName() + kProbeSuffix).str());
  SmallVector<Value> results;
  for (Value v : inputs)
    results.push_back(map.lookup(v));
  setResults(probe, results);
  probe.setPublic();
  symbols.insert(probe);

  // The frozen forward function.
  map.clear();
  auto frozen = cast<func::FuncOp>(fwd->clone(map));
  frozen.setSymName((fwd.getSymName() + kFrozenSuffix).str());
  Value loss = map.lookup(fwd.getBody().front().getTerminator()->getOperand(0));
  auto addMask = [&](Type type, MaskArg mask, Location loc) {
    unsigned i = frozen.getNumArguments();
    (void)frozen.insertArgument(i, type, DictionaryAttr::get(ctx), loc);
    diag.masks.push_back(mask);
    return frozen.getArgument(i);
  };
  for (auto [k, op] : llvm::enumerate(kinkOps(frozen))) {
    int s = siteOf[k];
    if (s < 0)
      continue;
    Location loc = op->getLoc();
    Value x = op->getOperand(0);
    Type type = x.getType();
    OpBuilder b(op);
    Value y;
    if (auto pool = dyn_cast<MaxPool2dOp>(op)) {
      Type outType = pool.getResult().getType();
      int64_t channels = cast<ShapedType>(type).getShape()[1];
      auto kernelType = RankedTensorType::get(
          {channels, 1, pool.getKernel()[0], pool.getKernel()[1]},
          Float32Type::get(ctx));
      int64_t taps = pool.getKernel()[0] * pool.getKernel()[1];
      for (int64_t tap = 0; tap < taps; ++tap) {
        Value kernel =
            addMask(kernelType, {MaskArg::tapKernel, unsigned(s), tap}, loc);
        Value select =
            addMask(outType, {MaskArg::tapSelect, unsigned(s), tap}, loc);
        Value shifted = Conv2dOp::create(
            b, loc, outType, x, kernel, Value(), pool.getStride(),
            pool.getPadding(), ArrayRef<int64_t>{1, 1}, uint64_t(channels));
        Value term = MulOp::create(b, loc, shifted, select);
        y = y ? AddOp::create(b, loc, y, term).getResult() : term;
      }
    } else {
      y = MulOp::create(b, loc, x, addMask(type, {MaskArg::pass, unsigned(s)}, loc));
      if (isa<Relu6Op>(op))
        y = AddOp::create(b, loc, y,
                          addMask(type, {MaskArg::saturate, unsigned(s)}, loc));
    }
    op->getResult(0).replaceAllUsesWith(y);
    op->erase();
  }
  setResults(frozen, {loss});
  frozen.setPublic();
  symbols.insert(frozen);
  return diag;
}

/// The value of mask argument `mask` given the base point's probe results.
static HostTensor makeMask(const MaskArg &mask, const KinkSite &site,
                           const HostTensor &input,
                           ArrayRef<int32_t> baseRegions) {
  const float *x = input.as<float>();
  switch (mask.kind) {
  case MaskArg::pass:
  case MaskArg::saturate: {
    HostTensor t(input.getShape(), ElementKind::f32);
    float *out = t.as<float>();
    bool relu6 = site.kind == KinkKind::relu6;
    for (int64_t i = 0, n = input.getNumElements(); i < n; ++i) {
      if (mask.kind == MaskArg::saturate)
        out[i] = x[i] >= 6.0f ? 6.0f : 0.0f;
      else
        out[i] = x[i] > 0.0f && (!relu6 || x[i] < 6.0f) ? 1.0f : 0.0f;
    }
    return t;
  }
  case MaskArg::tapKernel: {
    int64_t kh = site.kernel[0], kw = site.kernel[1];
    HostTensor t({site.shape[1], 1, kh, kw}, ElementKind::f32);
    float *out = t.as<float>();
    for (int64_t i = 0, n = t.getNumElements(); i < n; ++i)
      out[i] = i % (kh * kw) == mask.tap ? 1.0f : 0.0f;
    return t;
  }
  case MaskArg::tapSelect: {
    int64_t oh = (site.shape[2] + 2 * site.padding[0] - site.kernel[0]) /
                     site.stride[0] + 1;
    int64_t ow = (site.shape[3] + 2 * site.padding[1] - site.kernel[1]) /
                     site.stride[1] + 1;
    HostTensor t({site.shape[0], site.shape[1], oh, ow}, ElementKind::f32);
    float *out = t.as<float>();
    for (int64_t i = 0, n = t.getNumElements(); i < n; ++i)
      out[i] = baseRegions[i] == mask.tap ? 1.0f : 0.0f;
    return t;
  }
  }
  return HostTensor();
}

/// For --inject-fault: multiplies every f32 result of the ops named `name`
/// that follow the loss in `<fwd>_train_step` (the backward pass) by
/// `factor`. Returns the number of results changed.
static int64_t injectBackwardFault(ModuleOp module, func::FuncOp fwd,
                                   StringRef name, double factor) {
  auto step = module.lookupSymbol<func::FuncOp>(
      (fwd.getSymName() + "_train_step").str());
  Block &body = step.getBody().front();
  Operation *lossOp = body.getTerminator()->getOperand(0).getDefiningOp();
  if (!lossOp)
    return 0;
  SmallVector<Operation *> victims;
  for (Operation *op = lossOp->getNextNode(); op; op = op->getNextNode())
    if (op->getName().getStringRef() == name)
      victims.push_back(op);
  int64_t n = 0;
  for (Operation *op : victims) {
    OpBuilder b(op->getContext());
    b.setInsertionPointAfter(op);
    for (Value r : op->getResults()) {
      auto type = dyn_cast<RankedTensorType>(r.getType());
      if (!type || !type.getElementType().isF32())
        continue;
      Value c = arith::ConstantOp::create(
          b, op->getLoc(),
          DenseElementsAttr::get(type, b.getF32FloatAttr(float(factor))));
      auto mul = MulOp::create(b, op->getLoc(), r, c);
      r.replaceAllUsesExcept(mul, mul);
      ++n;
    }
  }
  return n;
}

//===----------------------------------------------------------------------===//
// Random arguments
//===----------------------------------------------------------------------===//

/// What a weight argument is, from the first op that takes it as a
/// parameter (ParameterOpInterface); `kind` none when no op does.
static ParameterUse classify(BlockArgument arg) {
  for (OpOperand &use : arg.getUses())
    if (auto layer = dyn_cast<ParameterOpInterface>(use.getOwner())) {
      ParameterUse p = layer.getParameterUse(use.getOperandNumber());
      if (p.kind != ParameterKind::none)
        return p;
    }
  return {};
}

static HostTensor makeArgument(func::FuncOp fwd, unsigned i,
                               const TensorSpec &spec, std::mt19937_64 &rng) {
  HostTensor t(spec.shape, spec.kind);
  int64_t n = t.getNumElements();
  std::normal_distribution<double> normal(0.0, 1.0);
  StringRef role = spec.role;
  BlockArgument arg = fwd.getArgument(i);
  if (spec.kind == ElementKind::f32) {
    float *p = t.as<float>();
    if (role == "weight") {
      ParameterUse use = classify(arg);
      for (int64_t k = 0; k < n; ++k) {
        double z = normal(rng), v;
        switch (use.kind) {
        case ParameterKind::gemmWeight:
          v = z / std::sqrt(double(use.fanIn));
          break;
        case ParameterKind::scale:
          v = 1.0 + 0.3 * z;
          break;
        case ParameterKind::bias:
        case ParameterKind::shift:
        case ParameterKind::none:
          v = 0.3 * z;
          break;
        }
        p[k] = float(weightScale * v);
      }
    } else if (role == "bn_stat") {
      float fixed = StringRef(spec.name).ends_with("var") ? 1.0f : 0.0f;
      std::fill(p, p + n, fixed);
    } else {
      double scale = role == "input" ? inputScale.getValue() : 1.0;
      for (int64_t k = 0; k < n; ++k)
        p[k] = float(scale * normal(rng));
    }
    return t;
  }
  if (spec.kind == ElementKind::i32 || spec.kind == ElementKind::i64) {
    // Labels from the classes of the loss that reads them (JitSession).
    int64_t classes =
        role == "label" ? (spec.classes > 0 ? spec.classes : 10) : 1 << 20;
    std::uniform_int_distribution<int64_t> uni(0, classes - 1);
    for (int64_t k = 0; k < n; ++k) {
      int64_t v = role == "seed" ? int64_t(seed) * 7919 + 17 + i : uni(rng);
      if (spec.kind == ElementKind::i32)
        t.as<int32_t>()[k] = int32_t(v);
      else
        t.as<int64_t>()[k] = v;
    }
    return t;
  }
  std::fill(t.as<uint8_t>(), t.as<uint8_t>() + n, 0);
  return t;
}

//===----------------------------------------------------------------------===//
// The check of one forward function
//===----------------------------------------------------------------------===//

namespace {
struct Element {
  unsigned weight = 0;
  int64_t index = 0;
  double g = 0, fd = 0, fdErr = INFINITY, h = 0, absErr = 0, relErr = 0;
  /// atol * scale + rtol * max(|fd|, |g|).
  double tol = 0;
  bool ok = false;
  /// Differenced on the frozen function (a step crossed a kink).
  bool frozen = false;
  /// Out of tolerance by less than twice the finite difference's own error
  /// estimate: the difference cannot decide.
  bool unresolved = false;
  bool skipped() const { return !ok && unresolved; }
};

/// |g_fd - g| over the tolerance: <= 1 passes.
static double tolRatio(const Element &e) {
  return std::isfinite(e.fd) ? e.absErr / e.tol : INFINITY;
}

class Checker {
public:
  Checker(JitSession &session, func::FuncOp fwdOp, Diagnostics diag)
      : session(session), fwdOp(fwdOp), sites(std::move(diag.sites)),
        maskArgs(std::move(diag.masks)) {}

  /// 0 pass, 1 fail, 2 could not run.
  int run();

private:
  llvm::Expected<double> evaluate(bool frozen, int64_t &crossed);
  llvm::Error centralDifference(unsigned w, int64_t idx, double h, bool frozen,
                                double &fd, double &hUsed, int64_t &crossed);
  llvm::Error estimate(unsigned w, int64_t idx, double h, Element &e);

  JitSession &session;
  func::FuncOp fwdOp;
  std::vector<KinkSite> sites;
  std::vector<MaskArg> maskArgs;
  std::string fwdName, stepName, probeName, frozenName;
  SmallVector<HostTensor> args, masks;
  SmallVector<const HostTensor *> argPtrs, frozenArgPtrs;
  SmallVector<HostTensor> lossResults, probeResults, frozenResults;
  SmallVector<HostTensor *> lossResultPtrs, probeResultPtrs, frozenResultPtrs;
  std::vector<std::vector<int32_t>> baseRegions;
  std::vector<int32_t> scratch;
  SmallVector<unsigned> weightArgs;
};
} // namespace

/// The loss at the current arguments: from the forward function, with the
/// number of kinks crossed since the base point (from the probe), or from
/// the frozen function (no kinks).
llvm::Expected<double> Checker::evaluate(bool frozen, int64_t &crossed) {
  if (frozen) {
    if (llvm::Error err =
            session.invokeInto(frozenName, frozenArgPtrs, frozenResultPtrs))
      return std::move(err);
    return double(frozenResults[0].as<float>()[0]);
  }
  if (llvm::Error err = session.invokeInto(fwdName, argPtrs, lossResultPtrs))
    return std::move(err);
  if (!sites.empty()) {
    if (llvm::Error err =
            session.invokeInto(probeName, argPtrs, probeResultPtrs))
      return std::move(err);
    for (auto [s, site] : llvm::enumerate(sites)) {
      regionsOf(site, probeResults[s], scratch);
      for (auto [a, b] : llvm::zip(scratch, baseRegions[s]))
        crossed += a != b;
    }
  }
  return double(lossResults[0].as<float>()[0]);
}

llvm::Error Checker::centralDifference(unsigned w, int64_t idx, double h,
                                       bool frozen, double &fd, double &hUsed,
                                       int64_t &crossed) {
  float *p = args[weightArgs[w]].as<float>() + idx;
  float w0 = *p;
  float wp = float(double(w0) + h), wm = float(double(w0) - h);
  double lp, lm;
  for (auto [value, out] : {std::pair<float, double *>{wp, &lp}, {wm, &lm}}) {
    *p = value;
    auto l = evaluate(frozen, crossed);
    if (!l) {
      *p = w0;
      return l.takeError();
    }
    *out = *l;
  }
  *p = w0;
  hUsed = (double(wp) - double(wm)) / 2;
  fd = (lp - lm) / (double(wp) - double(wm));
  return llvm::Error::success();
}

/// Ridders' method: central differences at steps h / 1.4^i, extrapolated to
/// step 0 in a Neville tableau (each column removes the next even power of
/// the step). The entry with the smallest error estimate wins; the sweep
/// stops when the estimate grows (rounding noise of the f32 loss takes
/// over). If any step crosses a kink, the element starts over on the frozen
/// function.
llvm::Error Checker::estimate(unsigned w, int64_t idx, double h0, Element &e) {
  constexpr int kTable = 8;
  constexpr double kShrink = 1.4, kShrink2 = kShrink * kShrink, kSafe = 2.0;
  double a[kTable][kTable];
  for (;;) {
    double h = h0, hUsed;
    int64_t crossed = 0;
    if (llvm::Error err =
            centralDifference(w, idx, h, e.frozen, a[0][0], e.h, crossed))
      return err;
    e.fd = a[0][0];
    e.fdErr = INFINITY;
    for (int i = 1; extrapolate && i < kTable && !crossed; ++i) {
      h /= kShrink;
      if (llvm::Error err = centralDifference(w, idx, h, e.frozen, a[0][i],
                                              hUsed, crossed))
        return err;
      double fac = kShrink2;
      for (int j = 1; j <= i; ++j) {
        a[j][i] = (a[j - 1][i] * fac - a[j - 1][i - 1]) / (fac - 1.0);
        fac *= kShrink2;
        double errt = std::max(std::fabs(a[j][i] - a[j - 1][i]),
                               std::fabs(a[j][i] - a[j - 1][i - 1]));
        if (errt <= e.fdErr) {
          e.fdErr = errt;
          e.fd = a[j][i];
        }
      }
      if (std::fabs(a[i][i] - a[i - 1][i - 1]) >= kSafe * e.fdErr)
        break;
    }
    // The first plain difference competes too: on a nearly linear loss it is
    // the least noisy estimate. Its truncation error c h^2 is estimated from
    // the second step's: D(h) - D(h/1.4) = c h^2 (1 - 1/1.96).
    if (extrapolate && !crossed) {
      double err0 = std::fabs(a[0][0] - a[0][1]) / (1.0 - 1.0 / kShrink2);
      if (err0 < e.fdErr) {
        e.fd = a[0][0];
        e.fdErr = err0;
      }
    }
    if (!crossed || e.frozen || maskArgs.empty())
      return llvm::Error::success();
    e.frozen = true;
  }
}

int Checker::run() {
  fwdName = fwdOp.getSymName().str();
  stepName = fwdName + "_train_step";
  probeName = fwdName + kProbeSuffix.str();
  frozenName = fwdName + kFrozenSuffix.str();
  const FunctionSpec *fwd = session.lookup(fwdName);
  const FunctionSpec *step = session.lookup(stepName);
  if (!fwd || !step)
    return usageError("@" + fwdName + " or @" + stepName +
                      " is not a public function of the compiled module");
  if (fwd->results.empty() || fwd->results[0].kind != ElementKind::f32 ||
      !fwd->results[0].shape.empty())
    return usageError("@" + fwdName + " result #0 is not a 0-D f32 loss");

  // Arguments and result buffers.
  std::mt19937_64 rng(seed);
  for (auto [i, spec] : llvm::enumerate(fwd->args)) {
    args.push_back(makeArgument(fwdOp, i, spec, rng));
    if (spec.role == "weight") {
      if (spec.kind != ElementKind::f32)
        return usageError("@" + fwdName + " weight '" + spec.name +
                          "' is not f32");
      weightArgs.push_back(i);
    }
  }
  for (HostTensor &t : args)
    argPtrs.push_back(&t);
  for (const TensorSpec &spec : fwd->results)
    lossResults.emplace_back(spec.shape, spec.kind);
  for (HostTensor &t : lossResults)
    lossResultPtrs.push_back(&t);
  const FunctionSpec *probe = nullptr, *frozen = nullptr;
  if (!sites.empty()) {
    probe = session.lookup(probeName);
    frozen = session.lookup(frozenName);
    if (!probe || !frozen)
      return usageError("@" + probeName + " or @" + frozenName +
                        " was not compiled");
    for (const TensorSpec &spec : probe->results)
      probeResults.emplace_back(spec.shape, spec.kind);
    for (HostTensor &t : probeResults)
      probeResultPtrs.push_back(&t);
    for (const TensorSpec &spec : frozen->results)
      frozenResults.emplace_back(spec.shape, spec.kind);
    for (HostTensor &t : frozenResults)
      frozenResultPtrs.push_back(&t);
  }

  // The training step: zero momenta, lr = 1.
  SmallVector<HostTensor> stepExtra;
  SmallVector<const HostTensor *> stepArgs(argPtrs.begin(), argPtrs.end());
  for (size_t i = fwd->args.size(); i < step->args.size(); ++i) {
    const TensorSpec &spec = step->args[i];
    if (spec.kind != ElementKind::f32)
      return usageError("@" + stepName + " argument #" + llvm::Twine(i) +
                        " is not f32");
    HostTensor t(spec.shape, spec.kind);
    float fill = spec.role == "learning_rate" || spec.role == "loss_scale"
                     ? 1.0f
                     : 0.0f;
    std::fill(t.as<float>(), t.as<float>() + t.getNumElements(), fill);
    stepExtra.push_back(std::move(t));
  }
  for (HostTensor &t : stepExtra)
    stepArgs.push_back(&t);
  SmallVector<HostTensor> stepResults;
  if (llvm::Error err = session.invoke(stepName, stepArgs, stepResults))
    return usageError(llvm::toString(std::move(err)));
  SmallVector<unsigned> newWeight, newMomentum;
  for (auto [i, spec] : llvm::enumerate(step->results)) {
    if (spec.role == "weight")
      newWeight.push_back(i);
    else if (spec.role == "momentum")
      newMomentum.push_back(i);
  }
  if (newWeight.size() != weightArgs.size() ||
      newMomentum.size() != weightArgs.size())
    return usageError("@" + stepName + " returns " +
                      llvm::Twine(newWeight.size()) + " weights and " +
                      llvm::Twine(newMomentum.size()) + " momenta for " +
                      llvm::Twine(weightArgs.size()) + " weight arguments");

  int64_t numParams = 0;
  for (unsigned a : weightArgs)
    numParams += args[a].getNumElements();
  llvm::outs() << "@" << fwdName << ": " << weightArgs.size() << " weights, "
               << numParams << " parameters; h = "
               << llvm::format("%g", eps.getValue()) << " * max(1, |w|)"
               << (extrapolate ? " / 1.4^i (Ridders)" : "") << ", rtol "
               << llvm::format("%g", relTol.getValue()) << ", atol "
               << llvm::format("%g", absTol.getValue()) << ", seed "
               << seed.getValue() << "\n";

  bool failed = false;
  // Base point: the losses, the kink statistics and the frozen masks.
  if (llvm::Error err = session.invokeInto(fwdName, argPtrs, lossResultPtrs))
    return usageError(llvm::toString(std::move(err)));
  double base = lossResults[0].as<float>()[0];
  double stepLoss = stepResults[0].as<float>()[0];
  llvm::outs() << "loss " << llvm::format("%.7g", base) << " (train step "
               << llvm::format("%.7g", stepLoss) << ")\n";
  if (!std::isfinite(base) ||
      std::fabs(stepLoss - base) > 1e-5 * std::max(1.0, std::fabs(base))) {
    llvm::outs() << "FAIL: the train step's loss differs from @" << fwdName
                 << "'s\n";
    failed = true;
  }
  if (!sites.empty()) {
    if (llvm::Error err =
            session.invokeInto(probeName, argPtrs, probeResultPtrs))
      return usageError(llvm::toString(std::move(err)));
    llvm::outs() << "kink sites:\n";
    baseRegions.resize(sites.size());
    for (auto [s, site] : llvm::enumerate(sites)) {
      printKinkStats(site, probeResults[s]);
      regionsOf(site, probeResults[s], baseRegions[s]);
    }
    for (const MaskArg &mask : maskArgs)
      masks.push_back(makeMask(mask, sites[mask.site],
                               probeResults[mask.site],
                               baseRegions[mask.site]));
    frozenArgPtrs.assign(argPtrs.begin(), argPtrs.end());
    for (HostTensor &m : masks)
      frozenArgPtrs.push_back(&m);
    // At the base point the frozen function is the forward function (bit
    // for bit with the same summation orders; allow for a few ulps).
    int64_t none = 0;
    auto l = evaluate(/*frozen=*/true, none);
    if (!l)
      return usageError(llvm::toString(l.takeError()));
    if (!(std::fabs(*l - base) <= 1e-6 * std::max(1.0, std::fabs(base)))) {
      llvm::outs() << "FAIL: @" << frozenName << " computes loss "
                   << llvm::format("%.7g", *l) << " at the base point\n";
      failed = true;
    }
  }

  // The SGD update with lr = 1, momentum 0, weight decay 0 is w' = fl(w - g).
  for (auto [w, a] : llvm::enumerate(weightArgs)) {
    const float *p = args[a].as<float>();
    const float *p2 = stepResults[newWeight[w]].as<float>();
    const float *g = stepResults[newMomentum[w]].as<float>();
    int64_t bad = 0, nonFinite = 0;
    for (int64_t i = 0, n = args[a].getNumElements(); i < n; ++i) {
      nonFinite += !std::isfinite(g[i]);
      float expect = p[i] - g[i];
      float ulp =
          std::nextafter(std::fabs(expect), INFINITY) - std::fabs(expect);
      bad += std::fabs(double(p2[i]) - double(expect)) > ulp;
    }
    if (nonFinite || bad) {
      llvm::outs() << "FAIL: " << fwd->args[a].name << ": " << nonFinite
                   << " non-finite gradients, " << bad
                   << " updated values differ from w - lr * g by more than "
                      "an ulp\n";
      failed = true;
    }
  }

  // Finite differences.
  std::vector<Element> elements;
  std::mt19937_64 pick(seed ^ 0x9e3779b97f4a7c15ull);
  // The absolute tolerance is in units of the largest gradient element:
  // rounding errors of the f32 loss and of the f32 backward pass scale with
  // the magnitudes of the (intermediate) gradients, so a model with large
  // gradients gets a proportionally larger absolute tolerance.
  double gradScale = 1.0;
  for (unsigned r : newMomentum) {
    const float *g = stepResults[r].as<float>();
    for (int64_t i = 0, n = stepResults[r].getNumElements(); i < n; ++i)
      if (std::isfinite(g[i]))
        gradScale = std::max(gradScale, double(std::fabs(g[i])));
  }
  double atolEff = absTol * gradScale;
  if (gradScale > 1.0)
    llvm::outs() << "largest gradient element " << sci(gradScale)
                 << ": absolute tolerance " << sci(atolEff) << "\n";
  // Relative errors are reported where the relative term of the tolerance
  // dominates; below, the absolute term decides.
  double sigFloor = relTol > 0 ? atolEff / relTol : 0.0;
  llvm::outs() << llvm::format("%-32s %-14s %13s %10s %10s %10s  %s\n", "weight",
                               "shape", "checked", "max |g|", "max abs err",
                               "max rel err", "status");
  int64_t numFrozen = 0;
  for (auto [w, a] : llvm::enumerate(weightArgs)) {
    int64_t n = args[a].getNumElements();
    std::vector<int64_t> idx;
    if (samples == 0 || n <= int64_t(samples)) {
      for (int64_t i = 0; i < n; ++i)
        idx.push_back(i);
    } else {
      // Floyd's algorithm: `samples` distinct indices.
      for (int64_t j = n - samples; j < n; ++j) {
        int64_t t = std::uniform_int_distribution<int64_t>(0, j)(pick);
        idx.push_back(llvm::is_contained(idx, t) ? j : t);
      }
      llvm::sort(idx);
    }
    const float *g = stepResults[newMomentum[w]].as<float>();
    double maxG = 0, maxAbs = 0, maxRel = 0;
    unsigned nFail = 0, nSkipped = 0;
    for (int64_t i : idx) {
      Element e;
      e.weight = w;
      e.index = i;
      e.g = g[i];
      // A strongly curved loss needs smaller steps than the first one: an
      // element out of tolerance is differenced again from h / 8 and h / 64,
      // and the estimate with the smallest error estimate is kept.
      double h = eps * std::max(1.0, std::fabs(double(args[a].as<float>()[i])));
      Element best;
      for (int attempt = 0; attempt < 3; ++attempt, h /= 8) {
        Element t = e;
        if (llvm::Error err = estimate(w, i, h, t))
          return usageError(llvm::toString(std::move(err)));
        t.absErr = std::fabs(t.fd - t.g);
        double mag = std::max(std::fabs(t.fd), std::fabs(t.g));
        t.relErr = mag > 0 ? t.absErr / mag : 0.0;
        t.tol = atolEff + relTol * mag;
        t.ok = std::isfinite(t.fd) && t.absErr <= t.tol;
        t.unresolved = std::isfinite(t.fd) && std::isfinite(t.fdErr) &&
                       t.absErr <= 2 * t.fdErr;
        if (attempt == 0 || t.ok || !(t.fdErr >= best.fdErr))
          best = t;
        if (t.ok || !extrapolate)
          break;
      }
      e = best;
      double mag = std::max(std::fabs(e.fd), std::fabs(e.g));
      if (verbose)
        llvm::outs() << "  " << fwd->args[a].name
                     << indexStr(args[a].getShape(), i) << ": g "
                     << sci(e.g) << ", fd " << sci(e.fd) << " +- "
                     << sci(e.fdErr) << ", h " << sci(e.h) << ", abs err "
                     << sci(e.absErr) << ", rel err " << sci(e.relErr)
                     << (e.frozen ? ", frozen" : "")
                     << (e.ok          ? ""
                         : e.skipped() ? "  UNRESOLVED"
                                       : "  FAIL")
                     << "\n";
      maxG = std::max(maxG, std::fabs(e.g));
      if (!e.skipped()) {
        maxAbs = std::max(maxAbs, e.absErr);
        if (mag >= sigFloor)
          maxRel = std::max(maxRel, e.relErr);
      }
      nFail += !e.ok && !e.skipped();
      nSkipped += e.skipped();
      numFrozen += e.frozen;
      elements.push_back(e);
    }
    std::string status = nFail      ? "FAIL (" + std::to_string(nFail) + ")"
                         : nSkipped ? "ok, " + std::to_string(nSkipped) +
                                          " unresolved"
                                    : "ok";
    llvm::outs() << llvm::format(
        "%-32s %-14s %6zu/%-6lld %10.3e %10.3e %10.3e  %s\n",
        fwd->args[a].name.c_str(), shapeStr(args[a].getShape()).c_str(),
        idx.size(), (long long)n, maxG, maxAbs, maxRel, status.c_str());
  }

  // Summary.
  int64_t nFail = 0, nSkipped = 0;
  double maxAbs = 0, maxRel = 0, maxRatio = 0;
  std::string worstRel = "-";
  for (const Element &e : elements) {
    nFail += !e.ok && !e.skipped();
    nSkipped += e.skipped();
    if (e.skipped())
      continue;
    maxAbs = std::max(maxAbs, e.absErr);
    maxRatio = std::max(maxRatio, tolRatio(e));
    if (std::max(std::fabs(e.fd), std::fabs(e.g)) >= sigFloor &&
        e.relErr >= maxRel) {
      maxRel = e.relErr;
      worstRel = fwd->args[weightArgs[e.weight]].name;
    }
  }
  if (nFail) {
    SmallVector<const Element *> bad;
    for (const Element &e : elements)
      if (!e.ok && !e.skipped())
        bad.push_back(&e);
    llvm::sort(bad, [](const Element *x, const Element *y) {
      return tolRatio(*x) > tolRatio(*y);
    });
    llvm::outs() << "worst elements:\n";
    for (const Element *e : ArrayRef(bad).take_front(showWorst)) {
      unsigned a = weightArgs[e->weight];
      llvm::outs() << "  " << fwd->args[a].name
                   << indexStr(args[a].getShape(), e->index) << ": analytic "
                   << sci(e->g) << ", finite difference " << sci(e->fd)
                   << " +- " << sci(e->fdErr) << ", abs err "
                   << sci(e->absErr) << ", rel err " << sci(e->relErr)
                   << "\n";
    }
    failed = true;
  }
  if (nSkipped * 4 > int64_t(elements.size())) {
    llvm::outs() << "inconclusive: " << nSkipped << " of " << elements.size()
                 << " elements unresolved; try another --eps or --seed\n";
    failed = true;
  }
  llvm::outs() << (failed ? "FAIL" : "PASS") << ": @" << fwdName << ": "
               << weightArgs.size() << " weights, " << elements.size()
               << " elements, " << nFail << " out of tolerance, " << nSkipped
               << " unresolved, " << numFrozen
               << " frozen; max abs err " << sci(maxAbs) << ", max rel err "
               << sci(maxRel) << " (" << worstRel << "), max err/tolerance "
               << llvm::format("%.2f", maxRatio) << "\n";
  return failed ? 1 : 0;
}

//===----------------------------------------------------------------------===//
// Driver
//===----------------------------------------------------------------------===//

int main(int argc, char **argv) {
  llvm::InitLLVM init(argc, argv);
  cl::HideUnrelatedOptions(gcCat);
  if (!cl::ParseCommandLineOptions(
          argc, argv,
          "mp-gradcheck: check the training step's gradients against finite "
          "differences of the forward function\n",
          &llvm::errs()))
    return 2;
  if (!(eps > 0.0 && eps <= 0.5))
    return usageError("--eps must be in (0, 0.5], got " + sci(eps));
  if (!(relTol >= 0.0 && std::isfinite(relTol)) ||
      !(absTol >= 0.0 && std::isfinite(absTol)) ||
      (relTol == 0.0 && absTol == 0.0))
    return usageError("--rtol and --atol must be finite, non-negative and not "
                      "both zero");
  if (!(inputScale > 0.0 && std::isfinite(inputScale)) ||
      !(weightScale > 0.0 && std::isfinite(weightScale)))
    return usageError("--input-scale and --weight-scale must be positive");
  if (optLevel > 3)
    return usageError("--opt-level must be 0, 1, 2 or 3");

  DialectRegistry registry;
  registerMPDialects(registry);
  MLIRContext context(registry);
  context.disableMultithreading();
  context.printOpOnDiagnostic(false);
  llvm::SourceMgr sourceMgr;
  std::string errorMessage;
  auto file = openInputFile(inputFile, &errorMessage);
  if (!file)
    return usageError(errorMessage);
  sourceMgr.AddNewSourceBuffer(std::move(file), llvm::SMLoc());
  SourceMgrDiagnosticHandler diagHandler(sourceMgr, &context);
  OwningOpRef<ModuleOp> module = parseSourceFile<ModuleOp>(sourceMgr, &context);
  if (!module)
    return usageError("cannot parse '" + inputFile + "'");
  if (!functionName.empty() &&
      !module->lookupSymbol<func::FuncOp>(functionName))
    return usageError("no function named '" + functionName + "' in '" +
                      inputFile + "'");

  // The training step, with plain SGD so the new momentum is the gradient.
  OwningOpRef<ModuleOp> work(cast<ModuleOp>((*module)->clone()));
  {
    PassManager pm(&context);
    MPBuildTrainingStepPassOptions options;
    options.function = functionName;
    options.momentum = 0.0;
    options.weightDecay = 0.0;
    pm.addPass(createMPBuildTrainingStepPass(options));
    if (failed(pm.run(*work)))
      return usageError("mp-build-training-step failed on '" + inputFile +
                        "'");
  }
  SmallVector<func::FuncOp> forwards;
  for (auto fn : work->getOps<func::FuncOp>())
    if (work->lookupSymbol<func::FuncOp>(
            (fn.getSymName() + "_train_step").str()))
      forwards.push_back(fn);
  if (forwards.empty())
    return usageError("no forward function (a function whose result #0 is a "
                      "loss) in '" + inputFile + "'");
  // Only the forward functions, their steps and diagnostics are compiled.
  std::vector<Diagnostics> diags;
  for (func::FuncOp fwd : forwards) {
    if (auto eval = work->lookupSymbol<func::FuncOp>(
            (fwd.getSymName() + "_eval").str()))
      eval->erase();
    diags.push_back(addDiagnosticFunctions(*work, fwd));
  }

  if (!injectFault.empty()) {
    auto [opName, factorText] = StringRef(injectFault).split(':');
    double factor = 1.05;
    if (!factorText.empty() &&
        (factorText.getAsDouble(factor) || !std::isfinite(factor)))
      return usageError("bad factor in --inject-fault=" + injectFault +
                        " (a finite number)");
    int64_t n = 0;
    for (func::FuncOp fwd : forwards)
      n += injectBackwardFault(*work, fwd, opName, factor);
    if (n == 0)
      return usageError("--inject-fault: no op '" + opName +
                        "' in the backward pass");
    llvm::outs() << "injected fault: " << n << " results of " << opName
                 << " scaled by " << llvm::format("%g", factor) << "\n";
  }

  JitOptions jitOptions;
  jitOptions.optLevel = optLevel;
  auto start = std::chrono::steady_clock::now();
  auto seconds = [&] {
    auto now = std::chrono::steady_clock::now();
    double s = std::chrono::duration<double>(now - start).count();
    start = now;
    return s;
  };
  auto sessionOr = JitSession::create(*work, jitOptions);
  if (!sessionOr)
    return usageError(llvm::toString(sessionOr.takeError()));
  std::unique_ptr<JitSession> session = std::move(*sessionOr);
  if (timing)
    llvm::errs() << "mp-gradcheck: compiled in "
                 << llvm::format("%.2f", seconds()) << " s\n";

  int status = 0;
  for (auto [fwd, diag] : llvm::zip(forwards, diags)) {
    Checker checker(*session, fwd, std::move(diag));
    int rc = checker.run();
    if (timing)
      llvm::errs() << "mp-gradcheck: checked @" << fwd.getSymName() << " in "
                   << llvm::format("%.2f", seconds()) << " s\n";
    if (rc == 2)
      return 2;
    status = std::max(status, rc);
  }
  return status;
}
