//===- mp-gradcheck.cpp - Check backward rules by finite differences -------===//
//
// Licensed under the Apache License v2.0 with LLVM Exceptions.
// SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
//
//===----------------------------------------------------------------------===//
//
// Validates the reverse-mode derivative that mp-build-training-step builds
// from the ops' gradient rules against central finite differences of the
// forward function, both executed by the JIT (mp-cpu-pipeline):
//
//  1. mp-build-training-step on a clone of the module with momentum=0 and
//     weight-decay=0; the *_eval functions are dropped, a diagnostic
//     "probe" function is added (below), and the module is JIT-compiled once.
//  2. Seeded random arguments: inputs N(0, s^2), labels in [0, classes), BN
//     statistics mean 0 / var 1, dropout seeds fixed, weights by use
//     (conv/linear weights N(0, 1/fan_in), biases and beta N(0, 0.3^2),
//     gamma 1 + N(0, 0.3^2)).
//  3. One train step with zero momenta and lr = 1. With momentum 0 and weight
//     decay 0, SGD's new momentum buffer is `0 * 0 + g`, i.e. the analytic
//     gradient g bit for bit (no cancellation, unlike (w - w') / lr). The new
//     weights are checked to be fl(w - g) (the update itself), and the step's
//     loss to equal the forward function's.
//  4. For K sampled elements of every weight tensor, the central difference
//     (L(w+h) - L(w-h)) / (w+h - (w-h)) of the forward function's loss, with
//     h = eps * max(1, |w|) and the denominator taken from the f32 values
//     actually passed. Pass criterion per element:
//         |g_fd - g| <= atol + rtol * max(|g_fd|, |g|).
//
// Kinks: every relu/relu6/max_pool2d input is returned by the probe function
// (a clone of the forward graph). If the perturbation moves any of them across
// a kink (sign of a relu input, a relu6 boundary, the arg-max of a pooling
// window) and the element is out of tolerance, it is retried with h/8 and
// h/64; if it still crosses a kink it is reported as a kink, not a failure
// (the difference quotient is not a derivative there). More than a quarter of
// the elements at kinks makes the check inconclusive (failure).
//
// Exit status: 0 all gradients match, 1 a check failed, 2 the check could not
// run (bad options, unreadable file, no forward function, lowering error).
//
//===----------------------------------------------------------------------===//

#include "mp/Dialect/MP/IR/MPOps.h"
#include "mp/InitMP.h"
#include "mp/Runner/JitSession.h"
#include "mp/Transforms/Passes.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/IR/Builders.h"
#include "mlir/IR/BuiltinOps.h"
#include "mlir/IR/DialectRegistry.h"
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
    eps("eps", cl::desc("Relative step: h = eps * max(1, |w|)"),
        cl::init(1e-2), cl::cat(gcCat));
static cl::opt<double> rtol("rtol", cl::desc("Relative tolerance"),
                            cl::init(2e-2), cl::cat(gcCat));
static cl::opt<double> atol("atol", cl::desc("Absolute tolerance"),
                            cl::init(1e-4), cl::cat(gcCat));
static cl::opt<double> inputScale("input-scale",
                                  cl::desc("Standard deviation of the input"),
                                  cl::init(1.0), cl::cat(gcCat));
static cl::opt<double>
    weightScale("weight-scale",
                cl::desc("Factor on every random weight value"),
                cl::init(1.0), cl::cat(gcCat));
static cl::opt<unsigned> showWorst("show-worst",
                                   cl::desc("Failing elements listed"),
                                   cl::init(10), cl::cat(gcCat));
static cl::opt<bool> verbose("verbose", cl::desc("Print every element"),
                             cl::init(false), cl::cat(gcCat));
static cl::alias verboseShort("v", cl::aliasopt(verbose), cl::cat(gcCat));

static constexpr llvm::StringLiteral kProbeSuffix = "__gradcheck_probe";

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
    int64_t ties = 0;
    double gap = INFINITY;
    // Recount exact ties: a second element equal to the maximum.
    std::vector<int32_t> hits(windows, 0);
    forEachWindow(site, x, [&](int64_t win, float v, int32_t) {
      hits[win] += v == top1[win];
    });
    for (int64_t w = 0; w < windows; ++w) {
      ties += hits[w] > 1;
      if (std::isfinite(top2[w]))
        gap = std::min(gap, double(top1[w]) - double(top2[w]));
    }
    llvm::outs() << windows << " windows (kernel " << shapeStr(site.kernel)
                 << " stride " << shapeStr(site.stride) << " padding "
                 << shapeStr(site.padding) << "), " << ties
                 << " ties, min top-2 gap " << sci(gap) << "\n";
  }
}

/// Adds `@<fwd>__gradcheck_probe`: the forward graph returning the input of
/// every relu, relu6 and max_pool2d (duplicates once). Returns the sites.
static std::vector<KinkSite> addProbe(ModuleOp module, func::FuncOp fwd) {
  std::vector<KinkSite> sites;
  SmallVector<Value> values;
  auto probe = cast<func::FuncOp>(fwd->clone());
  probe.setSymName((fwd.getSymName() + kProbeSuffix).str());
  unsigned k = 0;
  probe.walk([&](Operation *op) {
    Value input;
    KinkSite site;
    if (auto relu = dyn_cast<ReluOp>(op)) {
      input = relu.getInput();
      site.kind = KinkKind::relu;
    } else if (auto relu6 = dyn_cast<Relu6Op>(op)) {
      input = relu6.getInput();
      site.kind = KinkKind::relu6;
    } else if (auto pool = dyn_cast<MaxPool2dOp>(op)) {
      input = pool.getInput();
      site.kind = KinkKind::maxPool;
      for (int d = 0; d < 2; ++d) {
        site.kernel[d] = pool.getKernel()[d];
        site.stride[d] = pool.getStride()[d];
        site.padding[d] = pool.getPadding()[d];
      }
    } else {
      return;
    }
    ++k;
    if (isa<BlockArgument>(input) || llvm::is_contained(values, input))
      return; // An argument is not perturbed by weights; a repeat adds nothing.
    auto type = cast<RankedTensorType>(input.getType());
    site.name = opName(op, kindName(site.kind), k);
    site.shape.assign(type.getShape().begin(), type.getShape().end());
    sites.push_back(site);
    values.push_back(input);
  });
  if (values.empty()) {
    probe->erase();
    return sites;
  }
  Operation *ret = probe.getBody().front().getTerminator();
  OpBuilder b(ret);
  func::ReturnOp::create(b, ret->getLoc(), values);
  ret->erase();
  probe.removeResAttrsAttr();
  probe.setFunctionType(FunctionType::get(
      module.getContext(), probe.getArgumentTypes(), ValueRange(values).getTypes()));
  probe.setPublic();
  SymbolTable(module).insert(probe);
  return sites;
}

//===----------------------------------------------------------------------===//
// Random arguments
//===----------------------------------------------------------------------===//

namespace {
/// How a weight argument is used, for its initialization.
enum class WeightUse { matrix, bias, gamma, other };
} // namespace

static WeightUse classify(BlockArgument arg, int64_t &fanIn) {
  fanIn = 1;
  for (Operation *user : arg.getUsers()) {
    if (auto conv = dyn_cast<Conv2dOp>(user)) {
      if (conv.getWeight() == arg) {
        auto s = cast<ShapedType>(arg.getType()).getShape();
        fanIn = s[1] * s[2] * s[3];
        return WeightUse::matrix;
      }
      if (conv.getBias() == arg)
        return WeightUse::bias;
    } else if (auto lin = dyn_cast<LinearOp>(user)) {
      if (lin.getWeight() == arg) {
        fanIn = cast<ShapedType>(arg.getType()).getShape()[1];
        return WeightUse::matrix;
      }
      if (lin.getBias() == arg)
        return WeightUse::bias;
    } else if (auto bn = dyn_cast<BatchNormOp>(user)) {
      if (bn.getGamma() == arg)
        return WeightUse::gamma;
      if (bn.getBeta() == arg)
        return WeightUse::bias;
    }
  }
  return WeightUse::other;
}

/// Classes for random labels: dim 1 of the nll_loss input that reads them.
static int64_t numClasses(BlockArgument label) {
  for (Operation *user : label.getUsers()) {
    if (auto nll = dyn_cast<NllLossOp>(user))
      return cast<ShapedType>(nll.getInput().getType()).getShape()[1];
    if (auto cc = dyn_cast<CountCorrectOp>(user))
      return cast<ShapedType>(cc.getInput().getType()).getShape()[1];
  }
  return 10;
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
      int64_t fanIn;
      WeightUse use = classify(arg, fanIn);
      for (int64_t k = 0; k < n; ++k) {
        double z = normal(rng), v;
        switch (use) {
        case WeightUse::matrix:
          v = z / std::sqrt(double(fanIn));
          break;
        case WeightUse::gamma:
          v = 1.0 + 0.3 * z;
          break;
        case WeightUse::bias:
        case WeightUse::other:
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
    int64_t classes = role == "label" ? numClasses(arg) : 1 << 20;
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
  unsigned weight;
  int64_t index;
  double g, fd, h, absErr, relErr;
  bool ok, kink;
};

class Checker {
public:
  Checker(JitSession &session, func::FuncOp fwdOp,
          std::vector<KinkSite> sites)
      : session(session), fwdOp(fwdOp), sites(std::move(sites)) {}

  /// 0 pass, 1 fail, 2 could not run.
  int run();

private:
  llvm::Expected<double> loss();
  llvm::Expected<int64_t> kinkChanges();
  llvm::Error finiteDifference(unsigned w, int64_t idx, double h, double &fd,
                               double &hUsed, int64_t &changes);

  JitSession &session;
  func::FuncOp fwdOp;
  std::vector<KinkSite> sites;
  std::string fwdName, stepName, probeName;
  SmallVector<HostTensor> args;
  SmallVector<const HostTensor *> argPtrs;
  SmallVector<HostTensor> lossResults, probeResults;
  SmallVector<HostTensor *> lossResultPtrs, probeResultPtrs;
  std::vector<std::vector<int32_t>> baseRegions;
  std::vector<int32_t> scratch;
  SmallVector<unsigned> weightArgs;
};
} // namespace

llvm::Expected<double> Checker::loss() {
  if (llvm::Error err = session.invokeInto(fwdName, argPtrs, lossResultPtrs))
    return std::move(err);
  return double(lossResults[0].as<float>()[0]);
}

llvm::Expected<int64_t> Checker::kinkChanges() {
  if (sites.empty())
    return 0;
  if (llvm::Error err = session.invokeInto(probeName, argPtrs, probeResultPtrs))
    return std::move(err);
  int64_t changes = 0;
  for (auto [s, site] : llvm::enumerate(sites)) {
    regionsOf(site, probeResults[s], scratch);
    for (auto [a, b] : llvm::zip(scratch, baseRegions[s]))
      changes += a != b;
  }
  return changes;
}

llvm::Error Checker::finiteDifference(unsigned w, int64_t idx, double h,
                                      double &fd, double &hUsed,
                                      int64_t &changes) {
  float *p = args[weightArgs[w]].as<float>() + idx;
  float w0 = *p;
  float wp = float(double(w0) + h), wm = float(double(w0) - h);
  changes = 0;
  double lp, lm;
  for (auto [value, out] : {std::pair<float, double *>{wp, &lp}, {wm, &lm}}) {
    *p = value;
    auto l = loss();
    if (!l) {
      *p = w0;
      return l.takeError();
    }
    *out = *l;
    auto c = kinkChanges();
    if (!c) {
      *p = w0;
      return c.takeError();
    }
    changes += *c;
  }
  *p = w0;
  hUsed = (double(wp) - double(wm)) / 2;
  fd = (lp - lm) / (double(wp) - double(wm));
  return llvm::Error::success();
}

int Checker::run() {
  fwdName = fwdOp.getSymName().str();
  stepName = fwdName + "_train_step";
  probeName = fwdName + kProbeSuffix.str();
  const FunctionSpec *fwd = session.lookup(fwdName);
  const FunctionSpec *step = session.lookup(stepName);
  if (!fwd || !step)
    return usageError("@" + fwdName + " or @" + stepName +
                      " is not a public function of the compiled module");

  // Arguments.
  std::mt19937_64 rng(seed);
  for (auto [i, spec] : llvm::enumerate(fwd->args)) {
    args.push_back(makeArgument(fwdOp, i, spec, rng));
    if (spec.role == "weight")
      weightArgs.push_back(i);
  }
  for (HostTensor &t : args)
    argPtrs.push_back(&t);
  for (const TensorSpec &spec : fwd->results)
    lossResults.emplace_back(spec.shape, spec.kind);
  for (HostTensor &t : lossResults)
    lossResultPtrs.push_back(&t);
  if (fwd->results.empty() || fwd->results[0].kind != ElementKind::f32 ||
      !fwd->results[0].shape.empty())
    return usageError("@" + fwdName + " result #0 is not a 0-D f32 loss");
  if (!sites.empty()) {
    const FunctionSpec *probe = session.lookup(probeName);
    if (!probe)
      return usageError("probe function @" + probeName + " was not compiled");
    for (const TensorSpec &spec : probe->results)
      probeResults.emplace_back(spec.shape, spec.kind);
    for (HostTensor &t : probeResults)
      probeResultPtrs.push_back(&t);
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
               << numParams << " parameters; h = " << eps.getValue()
               << " * max(1, |w|), rtol " << rtol.getValue() << ", atol "
               << atol.getValue() << ", seed " << seed.getValue() << "\n";

  bool failed = false;
  // Base point: losses and kink statistics.
  auto base = loss();
  if (!base)
    return usageError(llvm::toString(base.takeError()));
  double stepLoss = stepResults[0].as<float>()[0];
  llvm::outs() << "loss " << llvm::format("%.7g", *base) << " (train step "
               << llvm::format("%.7g", stepLoss) << ")\n";
  if (!std::isfinite(*base) ||
      std::fabs(stepLoss - *base) > 1e-5 * std::max(1.0, std::fabs(*base))) {
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
      float ulp = std::nextafter(std::fabs(expect), INFINITY) - std::fabs(expect);
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
  llvm::outs() << llvm::format("%-32s %-14s %9s %10s %10s %10s  %s\n", "weight",
                               "shape", "checked", "max |g|", "max abs err",
                               "max rel err", "status");
  double sigFloor = rtol > 0 ? atol / rtol : 0.0;
  for (auto [w, a] : llvm::enumerate(weightArgs)) {
    int64_t n = args[a].getNumElements();
    std::vector<int64_t> idx;
    if (samples == 0 || n <= int64_t(samples)) {
      for (int64_t i = 0; i < n; ++i)
        idx.push_back(i);
    } else {
      // Floyd's algorithm: `samples` distinct indices.
      std::vector<int64_t> chosen;
      for (int64_t j = n - samples; j < n; ++j) {
        int64_t t = std::uniform_int_distribution<int64_t>(0, j)(pick);
        chosen.push_back(llvm::is_contained(chosen, t) ? j : t);
      }
      llvm::sort(chosen);
      idx = chosen;
    }
    const float *g = stepResults[newMomentum[w]].as<float>();
    double maxG = 0, maxAbs = 0, maxRel = 0;
    unsigned nFail = 0, nKink = 0;
    for (int64_t i : idx) {
      Element e{unsigned(w), i, g[i], 0, 0, 0, 0, false, false};
      double w0 = args[a].as<float>()[i];
      double h = eps * std::max(1.0, std::fabs(w0));
      for (int attempt = 0; attempt < 3; ++attempt, h /= 8) {
        int64_t changes;
        if (llvm::Error err = finiteDifference(w, i, h, e.fd, e.h, changes))
          return usageError(llvm::toString(std::move(err)));
        e.absErr = std::fabs(e.fd - e.g);
        double mag = std::max(std::fabs(e.fd), std::fabs(e.g));
        e.relErr = mag > 0 ? e.absErr / mag : 0.0;
        e.ok = std::isfinite(e.fd) && e.absErr <= atol + rtol * mag;
        e.kink = changes > 0;
        if (e.ok || !e.kink)
          break;
      }
      if (verbose)
        llvm::outs() << "  " << fwd->args[a].name
                     << indexStr(args[a].getShape(), i) << ": g "
                     << sci(e.g) << ", fd " << sci(e.fd) << ", h "
                     << sci(e.h) << ", abs err " << sci(e.absErr)
                     << ", rel err " << sci(e.relErr)
                     << (e.ok ? "" : e.kink ? "  KINK" : "  FAIL") << "\n";
      maxG = std::max(maxG, std::fabs(e.g));
      maxAbs = std::max(maxAbs, e.absErr);
      if (std::max(std::fabs(e.fd), std::fabs(e.g)) >= sigFloor)
        maxRel = std::max(maxRel, e.relErr);
      nFail += !e.ok && !e.kink;
      nKink += !e.ok && e.kink;
      elements.push_back(e);
    }
    std::string status = nFail ? "FAIL (" + std::to_string(nFail) + ")"
                         : nKink ? "ok, " + std::to_string(nKink) + " at kinks"
                                 : "ok";
    llvm::outs() << llvm::format(
        "%-32s %-14s %4zu/%-4lld %10.3e %10.3e %10.3e  %s\n",
        fwd->args[a].name.c_str(), shapeStr(args[a].getShape()).c_str(),
        idx.size(), (long long)n, maxG, maxAbs, maxRel, status.c_str());
  }

  // Summary.
  int64_t nFail = 0, nKink = 0;
  double maxAbs = 0, maxRel = 0;
  std::string worstRel = "-";
  for (const Element &e : elements) {
    nFail += !e.ok && !e.kink;
    nKink += !e.ok && e.kink;
    maxAbs = std::max(maxAbs, e.absErr);
    if (std::max(std::fabs(e.fd), std::fabs(e.g)) >= sigFloor &&
        e.relErr >= maxRel) {
      maxRel = e.relErr;
      worstRel = fwd->args[weightArgs[e.weight]].name;
    }
  }
  if (nFail) {
    SmallVector<const Element *> bad;
    for (const Element &e : elements)
      if (!e.ok && !e.kink)
        bad.push_back(&e);
    llvm::sort(bad, [](const Element *x, const Element *y) {
      return x->absErr / (atol + rtol * std::max(std::fabs(x->fd), std::fabs(x->g))) >
             y->absErr / (atol + rtol * std::max(std::fabs(y->fd), std::fabs(y->g)));
    });
    llvm::outs() << "worst elements:\n";
    for (const Element *e : ArrayRef(bad).take_front(showWorst)) {
      unsigned a = weightArgs[e->weight];
      llvm::outs() << "  " << fwd->args[a].name
                   << indexStr(args[a].getShape(), e->index) << ": analytic "
                   << sci(e->g) << ", finite difference " << sci(e->fd)
                   << ", abs err " << sci(e->absErr) << ", rel err "
                   << sci(e->relErr) << "\n";
    }
    failed = true;
  }
  if (nKink * 4 > int64_t(elements.size())) {
    llvm::outs() << "inconclusive: " << nKink << " of " << elements.size()
                 << " elements cross a kink; try a smaller --eps or another "
                    "--seed\n";
    failed = true;
  }
  llvm::outs() << (failed ? "FAIL" : "PASS") << ": @" << fwdName << ": "
               << weightArgs.size() << " weights, " << elements.size()
               << " elements, " << nFail << " out of tolerance, " << nKink
               << " at kinks; max abs err " << sci(maxAbs)
               << ", max rel err " << sci(maxRel) << " (" << worstRel
               << ")\n";
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
          "mp-gradcheck: check the training step's gradients against central "
          "finite differences\n",
          &llvm::errs()))
    return 2;
  if (!(eps > 0.0 && eps <= 0.5))
    return usageError("--eps must be in (0, 0.5], got " +
                      llvm::Twine(eps.getValue()));
  if (!(rtol >= 0.0 && std::isfinite(rtol)) ||
      !(atol >= 0.0 && std::isfinite(atol)) || (rtol == 0.0 && atol == 0.0))
    return usageError("--rtol and --atol must be finite, non-negative and not "
                      "both zero");
  if (!(inputScale > 0.0 && std::isfinite(inputScale)) ||
      !(weightScale > 0.0 && std::isfinite(weightScale)))
    return usageError("--input-scale and --weight-scale must be positive");

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
      return usageError("mp-build-training-step failed on '" + inputFile + "'");
  }
  SmallVector<func::FuncOp> forwards;
  for (auto fn : work->getOps<func::FuncOp>())
    if (work->lookupSymbol<func::FuncOp>((fn.getSymName() + "_train_step").str()))
      forwards.push_back(fn);
  if (forwards.empty())
    return usageError("no forward function (a function whose result #0 is a "
                      "loss) in '" + inputFile + "'");
  // Only the forward functions, their steps and probes are compiled.
  for (func::FuncOp fwd : forwards)
    if (auto eval = work->lookupSymbol<func::FuncOp>((fwd.getSymName() + "_eval").str()))
      eval->erase();
  std::vector<std::vector<KinkSite>> sites;
  for (func::FuncOp fwd : forwards)
    sites.push_back(addProbe(*work, fwd));

  auto sessionOr = JitSession::create(*work);
  if (!sessionOr)
    return usageError(llvm::toString(sessionOr.takeError()));
  std::unique_ptr<JitSession> session = std::move(*sessionOr);

  int status = 0;
  for (auto [fwd, s] : llvm::zip(forwards, sites)) {
    Checker checker(*session, fwd, std::move(s));
    int rc = checker.run();
    if (rc == 2)
      return 2;
    status = std::max(status, rc);
  }
  return status;
}
