//===- mp-train.cpp - Train a model with a precision assignment -*- C++ -*-===//
//
// Licensed under the Apache License v2.0 with LLVM Exceptions.
// SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
//
//===----------------------------------------------------------------------===//
//
// Compiles a forward graph (model + loss) through mp-build-training-step,
// mp-assign-precision and mp-instrument-promotion, JIT-compiles the step and
// the evaluation functions, and trains on real data: SGD with momentum and
// weight decay, cosine learning rate, dynamic loss scaling (docs/Paper.md 5.6) and
// precision promotion (docs/Paper.md 4). Every epoch it logs train loss/accuracy,
// test accuracy under the current assignment and in fp32, the loss-scale
// range, skipped steps, promotions, the low-precision ratio and memory under
// both models, as JSON lines; checkpoints make a resumed run identical to an
// uninterrupted one.
//
//===----------------------------------------------------------------------===//

#include "mp/Analysis/MemoryEstimate.h"
#include "mp/Analysis/TrainingGraph.h"
#include "mp/Dialect/MP/IR/MPOps.h"
#include "mp/InitMP.h"
#include "mp/Runner/Allocations.h"
#include "mp/Runner/Datasets.h"
#include "mp/Runner/JitSession.h"
#include "mp/Transforms/Passes.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/IR/BuiltinOps.h"
#include "mlir/IR/MLIRContext.h"
#include "mlir/Parser/Parser.h"
#include "mlir/Pass/PassManager.h"
#include "mlir/Support/FileUtilities.h"
#include "llvm/Support/CommandLine.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/Format.h"
#include "llvm/Support/InitLLVM.h"
#include "llvm/Support/JSON.h"
#include "llvm/Support/MemoryBuffer.h"
#include "llvm/Support/Path.h"
#include "llvm/Support/Process.h"
#include "llvm/Support/SourceMgr.h"
#include "llvm/Support/raw_ostream.h"
#include <chrono>
#include <cmath>
#include <map>
#include <numeric>
#include <random>

using namespace mlir;
using namespace mp;
namespace cl = llvm::cl;
namespace json = llvm::json;

//===----------------------------------------------------------------------===//
// Options
//===----------------------------------------------------------------------===//

static cl::OptionCategory cat("mp-train options");
static cl::opt<std::string> modelFile(cl::Positional, cl::desc("<model.mlir>"),
                                      cl::Required, cl::cat(cat));
static cl::opt<std::string> dataset("dataset",
    cl::desc("fashion-mnist | cifar10 | cifar100 | synthetic"),
    cl::init("fashion-mnist"), cl::cat(cat));
static cl::opt<std::string> dataDir("data-dir",
    cl::desc("Directory of the data files (default for fashion-mnist: "
             "/usr/share/datasets/fashion-mnist)"), cl::cat(cat));
static cl::opt<std::string> policy("policy",
    cl::desc("fp32 | uniform-high | uniform-low | op | ours"),
    cl::init("ours"), cl::cat(cat));
static cl::opt<double> ratio("ratio", cl::desc("Target low-precision ratio (ours)"),
                             cl::init(-1.0), cl::cat(cat));
static cl::opt<int64_t> budget("budget", cl::desc("Peak-memory budget in bytes (ours)"),
                               cl::init(0), cl::cat(cat));
static cl::opt<std::string> order("order", cl::desc("largest | smallest | random"),
                                  cl::init("largest"), cl::cat(cat));
static cl::opt<std::string> keepFirstLast("keep-first-last",
    cl::desc("true | false | auto"), cl::init("auto"), cl::cat(cat));
static cl::opt<unsigned> epochs("epochs", cl::desc("Epochs"), cl::init(1), cl::cat(cat));
static cl::opt<int64_t> maxSteps("steps",
    cl::desc("Stop after this many steps in total (0: no limit)"), cl::init(0),
    cl::cat(cat));
static cl::opt<double> lr("lr", cl::desc("Initial learning rate"), cl::init(0.1), cl::cat(cat));
static cl::opt<double> momentum("momentum", cl::desc("SGD momentum"), cl::init(0.9), cl::cat(cat));
static cl::opt<double> weightDecay("weight-decay", cl::desc("SGD weight decay"),
                                   cl::init(5e-4), cl::cat(cat));
static cl::opt<bool> nesterov("nesterov", cl::desc("Nesterov momentum"), cl::cat(cat));
static cl::opt<std::string> schedule("schedule", cl::desc("cosine | constant"),
                                     cl::init("cosine"), cl::cat(cat));
static cl::opt<std::string> lossScaling("loss-scaling",
    cl::desc("dynamic | none (default: dynamic, none for policy=fp32)"),
    cl::init(""), cl::cat(cat));
static cl::opt<double> initScale("init-scale", cl::desc("Initial loss scale"),
                                 cl::init(65536.0), cl::cat(cat));
static cl::opt<int64_t> growthInterval("growth-interval",
    cl::desc("Overflow-free steps before the scale doubles (0: one epoch)"),
    cl::init(0), cl::cat(cat));
static cl::opt<double> promotionThreshold("promotion-threshold",
    cl::desc("Overflow share that promotes a tensor (docs/Paper.md 4.2)"),
    cl::init(0.01), cl::cat(cat));
static cl::opt<std::string> promotionMode("promotion",
    cl::desc("auto | on | off: promote overflowing tensors (docs/Paper.md 4); "
             "auto is on for --policy ours only, as in the paper, whose "
             "uniform-low baseline is never promoted"),
    cl::init("auto"), cl::cat(cat));
static cl::opt<bool> noPromotion("no-promotion",
    cl::desc("Never promote (ablation; same as --promotion=off)"),
    cl::cat(cat));
static cl::opt<bool> augment("augment",
    cl::desc("Random crop with padding and horizontal flip"), cl::init(false),
    cl::cat(cat));
static cl::opt<int64_t> cropPadding("crop-padding", cl::desc("Crop padding"),
                                    cl::init(4), cl::cat(cat));
static cl::opt<int64_t> trainLimit("train-limit",
    cl::desc("Use the first N training samples (0: all)"), cl::init(0), cl::cat(cat));
static cl::opt<int64_t> testLimit("test-limit",
    cl::desc("Use the first N test samples (0: all)"), cl::init(0), cl::cat(cat));
static cl::opt<bool> fixedBatch("fixed-batch",
    cl::desc("Train on the same first batch every step (overfitting check)"),
    cl::cat(cat));
static cl::opt<int64_t> syntheticSize("synthetic-size",
    cl::desc("Samples of the synthetic training set"), cl::init(2048), cl::cat(cat));
static cl::opt<uint64_t> seed("seed", cl::desc("Seed of initialisation, order, "
                                               "augmentation"), cl::init(0), cl::cat(cat));
static cl::opt<std::string> logFile("log", cl::desc("JSON-lines log (default: none)"),
                                    cl::cat(cat));
static cl::opt<std::string> checkpointDir("checkpoint",
    cl::desc("Write a checkpoint here after every epoch"), cl::cat(cat));
static cl::opt<std::string> resumeDir("resume",
    cl::desc("Resume from this checkpoint directory"), cl::cat(cat));
static cl::opt<std::string> saveDir("save",
    cl::desc("Write the final weights here as .npy"), cl::cat(cat));
static cl::opt<bool> quiet("quiet", cl::desc("No progress display"), cl::cat(cat));
static cl::opt<bool> planBuffers(
    "plan-buffers",
    cl::desc("Pack the step's buffers into one arena allocated once "
             "(mp-plan-buffers; false: malloc at first use, free at last)"),
    cl::init(true), cl::cat(cat));
static cl::opt<bool> donateState(
    "donate-state",
    cl::desc("Update weights, momenta and BN statistics in place "
             "(mp-donate-state; false: the step writes new buffers)"),
    cl::init(true), cl::cat(cat));
static cl::opt<bool> storage(
    "storage",
    cl::desc("Keep tensors assigned formats of at most 16 bits as 8/16-bit "
             "codes (mp-materialize-storage, opt-in; default: f32 "
             "containers, the emulation)"),
    cl::init(false), cl::cat(cat));
static cl::opt<int64_t> logSteps("log-steps",
    cl::desc("Also log every N-th step's loss (0: epochs only)"), cl::init(0),
    cl::cat(cat));
static cl::opt<bool> skipFp32Eval("no-fp32-eval",
    cl::desc("Skip the fp32 test evaluation"), cl::cat(cat));
static cl::opt<std::string> device("device",
    cl::desc("Where the step runs: cpu | cuda (mp-gpu-pipeline, docs/GPU.md)"),
    cl::init("cpu"), cl::cat(cat));
static cl::opt<std::string> chip("chip",
    cl::desc("--device cuda: target chip (default: the device's own)"),
    cl::init(""), cl::cat(cat));

static int fail(const llvm::Twine &msg) {
  llvm::errs() << "mp-train: error: " << msg << "\n";
  return 1;
}

//===----------------------------------------------------------------------===//
// Model inspection
//===----------------------------------------------------------------------===//

/// What mp-train needs to know about the forward graph.
struct ModelInfo {
  func::FuncOp forward;
  SmallVector<int64_t, 4> inputShape; // B x C x H x W
  int64_t classes = 0;
  /// How each weight is initialised: "conv", "linear", "bn_gamma", "zero",
  /// with fan-in/out.
  struct Init {
    std::string kind;
    int64_t fanIn = 1, fanOut = 1;
  };
  std::map<std::string, Init> init;
};

static FailureOr<ModelInfo> inspect(ModuleOp module, std::string &error) {
  ModelInfo info;
  for (auto fn : module.getOps<func::FuncOp>()) {
    if (fn.isExternal() || fn.getNumResults() == 0)
      continue;
    auto ret = cast<func::ReturnOp>(fn.getBody().front().getTerminator());
    if (auto nll = ret.getOperand(0).getDefiningOp<NllLossOp>()) {
      info.forward = fn;
      info.classes = cast<ShapedType>(nll.getInput().getType()).getShape()[1];
      break;
    }
  }
  if (!info.forward) {
    error = "no forward function whose result #0 is an mp.nll_loss";
    return failure();
  }
  func::FuncOp fn = info.forward;
  for (BlockArgument arg : fn.getArguments()) {
    auto role = fn.getArgAttrOfType<RoleAttr>(arg.getArgNumber(),
                                              MPDialect::getRoleAttrName());
    auto name = fn.getArgAttrOfType<StringAttr>(arg.getArgNumber(),
                                                MPDialect::getNameAttrName());
    if (!role) {
      error = "argument #" + std::to_string(arg.getArgNumber()) +
              " of @" + fn.getSymName().str() + " has no mp.role";
      return failure();
    }
    if (role.getValue() == Role::input) {
      auto shape = cast<ShapedType>(arg.getType()).getShape();
      if (shape.size() != 4) {
        error = "the input must be N x C x H x W";
        return failure();
      }
      info.inputShape.assign(shape.begin(), shape.end());
    }
    if (role.getValue() != Role::weight && role.getValue() != Role::bn_stat)
      continue;
    if (!name) {
      error = "argument #" + std::to_string(arg.getArgNumber()) +
              " needs an mp.name (weights and BN statistics are saved by name)";
      return failure();
    }
    if (role.getValue() != Role::weight)
      continue;
    ModelInfo::Init init{"zero", 1, 1};
    auto shape = cast<ShapedType>(arg.getType()).getShape();
    for (OpOperand &use : arg.getUses()) {
      Operation *user = use.getOwner();
      unsigned idx = use.getOperandNumber();
      if (isa<Conv2dOp>(user) && idx == 1) {
        init = {"conv", shape[1] * shape[2] * shape[3],
                shape[0] * shape[2] * shape[3]};
      } else if (isa<LinearOp>(user) && idx == 1) {
        init = {"linear", shape[1], shape[0]};
      } else if ((isa<Conv2dOp, LinearOp>(user)) && idx == 2) {
        auto w = cast<ShapedType>(user->getOperand(1).getType()).getShape();
        int64_t fanIn = 1;
        for (int64_t d : w.drop_front())
          fanIn *= d;
        init = {"bias", fanIn, 1};
      } else if (isa<BatchNormOp>(user) && idx == 1) {
        init = {"bn_gamma", 1, 1};
      } else {
        continue;
      }
      break;
    }
    info.init[name.str()] = init;
  }
  if (info.inputShape.empty()) {
    error = "no argument has role 'input'";
    return failure();
  }
  return info;
}

//===----------------------------------------------------------------------===//
// State
//===----------------------------------------------------------------------===//

static std::string key(const TensorSpec &spec) {
  return spec.role + ":" + spec.name;
}

struct TrainState {
  std::map<std::string, HostTensor> tensors; // "weight:conv1.weight", ...
  HostTensor flags;                          // promotion flags (i1)
  double scale = 1.0;
  int64_t goodSteps = 0;
  int64_t step = 0;
  unsigned epoch = 0; // epochs completed
  json::Array promotions;
};

static void initialise(TrainState &st, const FunctionSpec &step,
                       const ModelInfo &info, uint64_t seed) {
  std::mt19937_64 rng(seed ^ 0x5eedULL);
  for (const TensorSpec &a : step.args) {
    if (a.role != "weight" && a.role != "bn_stat" && a.role != "momentum")
      continue;
    HostTensor t(a.shape, a.kind);
    float *p = t.as<float>();
    int64_t n = t.getNumElements();
    if (a.role == "bn_stat") {
      float v = llvm::StringRef(a.name).ends_with("var") ? 1.0f : 0.0f;
      std::fill(p, p + n, v);
    } else if (a.role == "weight") {
      auto it = info.init.find(a.name);
      ModelInfo::Init init = it == info.init.end() ? ModelInfo::Init{"zero"}
                                                   : it->second;
      if (init.kind == "conv") {
        // Kaiming normal, fan_out, ReLU gain (the paper's ResNet init).
        std::normal_distribution<float> d(0.0f, std::sqrt(2.0f / init.fanOut));
        for (int64_t i = 0; i < n; ++i)
          p[i] = d(rng);
      } else if (init.kind == "linear" || init.kind == "bias") {
        // PyTorch's default: U(-1/sqrt(fan_in), 1/sqrt(fan_in)).
        float b = 1.0f / std::sqrt(float(init.fanIn));
        std::uniform_real_distribution<float> d(-b, b);
        for (int64_t i = 0; i < n; ++i)
          p[i] = d(rng);
      } else if (init.kind == "bn_gamma") {
        std::fill(p, p + n, 1.0f);
      }
    }
    st.tensors[key(a)] = std::move(t);
  }
}

static llvm::Error saveState(const TrainState &st, llvm::StringRef dir,
                             const json::Object &meta) {
  if (std::error_code ec = llvm::sys::fs::create_directories(dir))
    return llvm::createStringError(ec, "cannot create '%s'", dir.str().c_str());
  for (const auto &[k, t] : st.tensors) {
    llvm::SmallString<128> path(dir);
    std::string file = k;
    std::replace(file.begin(), file.end(), ':', '@');
    llvm::sys::path::append(path, file + ".npy");
    if (llvm::Error e = writeNpy(path, t))
      return e;
  }
  llvm::SmallString<128> flagsPath(dir);
  llvm::sys::path::append(flagsPath, "promoted.npy");
  if (llvm::Error e = writeNpy(flagsPath, st.flags))
    return e;
  llvm::SmallString<128> metaPath(dir);
  llvm::sys::path::append(metaPath, "state.json");
  std::error_code ec;
  llvm::raw_fd_ostream os(metaPath, ec);
  if (ec)
    return llvm::createStringError(ec, "cannot write '%s'", metaPath.c_str());
  json::Object m = meta;
  m["scale"] = st.scale;
  m["good_steps"] = st.goodSteps;
  m["step"] = st.step;
  m["epoch"] = int64_t(st.epoch);
  m["promotions"] = json::Array(st.promotions);
  os << json::Value(std::move(m)) << "\n";
  return llvm::Error::success();
}

static llvm::Error loadState(TrainState &st, llvm::StringRef dir) {
  for (auto &[k, t] : st.tensors) {
    llvm::SmallString<128> path(dir);
    std::string file = k;
    std::replace(file.begin(), file.end(), ':', '@');
    llvm::sys::path::append(path, file + ".npy");
    auto loaded = readNpy(path);
    if (!loaded)
      return loaded.takeError();
    if (loaded->getShape() != t.getShape() || loaded->getKind() != t.getKind())
      return llvm::createStringError(std::errc::invalid_argument,
                                     "checkpoint tensor '%s' has shape %s, the "
                                     "model expects %s",
                                     path.c_str(), loaded->describe().c_str(),
                                     t.describe().c_str());
    t = std::move(*loaded);
  }
  llvm::SmallString<128> flagsPath(dir);
  llvm::sys::path::append(flagsPath, "promoted.npy");
  auto flags = readNpy(flagsPath);
  if (!flags)
    return flags.takeError();
  if (flags->getShape() != st.flags.getShape())
    return llvm::createStringError(std::errc::invalid_argument,
                                   "checkpoint has %lld promotion flags, the "
                                   "step has %lld",
                                   (long long)flags->getNumElements(),
                                   (long long)st.flags.getNumElements());
  st.flags = std::move(*flags);
  llvm::SmallString<128> metaPath(dir);
  llvm::sys::path::append(metaPath, "state.json");
  auto buf = llvm::MemoryBuffer::getFile(metaPath);
  if (!buf)
    return llvm::createStringError(buf.getError(), "cannot read '%s'",
                                   metaPath.c_str());
  auto parsed = json::parse((*buf)->getBuffer());
  if (!parsed)
    return parsed.takeError();
  json::Object *m = parsed->getAsObject();
  if (!m || !m->getNumber("scale") || !m->getInteger("step") ||
      !m->getInteger("epoch") || !m->getInteger("good_steps"))
    return llvm::createStringError(std::errc::invalid_argument,
                                   "'%s' is not an mp-train checkpoint",
                                   metaPath.c_str());
  st.scale = *m->getNumber("scale");
  st.goodSteps = *m->getInteger("good_steps");
  st.step = *m->getInteger("step");
  st.epoch = unsigned(*m->getInteger("epoch"));
  if (json::Array *p = m->getArray("promotions"))
    st.promotions = *p;
  return llvm::Error::success();
}

//===----------------------------------------------------------------------===//
// Compilation
//===----------------------------------------------------------------------===//

static LogicalResult runPasses(ModuleOp module, bool assign, bool dynamic,
                               std::string &error) {
  PassManager pm(module.getContext());
  MPBuildTrainingStepPassOptions build;
  build.momentum = momentum;
  build.weightDecay = weightDecay;
  build.nesterov = nesterov;
  build.lossScaling = dynamic ? "dynamic" : "none";
  pm.addPass(createMPBuildTrainingStepPass(build));
  if (assign) {
    MPAssignPrecisionPassOptions a;
    a.policy = policy;
    if (policy == "ours") {
      if (budget > 0)
        a.budget = budget;
      else
        a.ratio = ratio;
      a.order = order;
      a.seed = seed;
    }
    a.keepFirstLast = keepFirstLast;
    pm.addPass(createMPAssignPrecisionPass(a));
    pm.addPass(createMPInstrumentPromotionPass());
  }
  std::string diagText;
  llvm::raw_string_ostream os(diagText);
  ScopedDiagnosticHandler handler(module.getContext(), [&](Diagnostic &d) {
    os << d << "\n";
    return success();
  });
  if (failed(pm.run(module))) {
    error = diagText;
    return failure();
  }
  return success();
}

//===----------------------------------------------------------------------===//
// Evaluation
//===----------------------------------------------------------------------===//

struct EvalResult {
  double loss = 0, accuracy = 0;
  int64_t samples = 0;
};

static llvm::Expected<EvalResult>
evaluate(JitSession &jit, StringRef fnName, const Dataset &test, int64_t limit,
         TrainState &st, int64_t batch) {
  const FunctionSpec *spec = jit.lookup(fnName);
  if (!spec)
    return llvm::createStringError(std::errc::invalid_argument,
                                   "no function @%s", fnName.str().c_str());
  int64_t n = limit > 0 ? std::min(limit, test.size()) : test.size();
  std::vector<int64_t> orderIdx(n);
  std::iota(orderIdx.begin(), orderIdx.end(), 0);
  HostTensor images(spec->args[0].shape, ElementKind::f32);
  HostTensor labels(spec->args[1].shape, ElementKind::i32);
  std::mt19937_64 unused(0);
  Augment none;
  SmallVector<const HostTensor *> args;
  for (const TensorSpec &a : spec->args) {
    if (a.role == "input")
      args.push_back(&images);
    else if (a.role == "label")
      args.push_back(&labels);
    else if (a.role == "flag")
      args.push_back(&st.flags);
    else
      args.push_back(&st.tensors.at(key(a)));
  }
  SmallVector<HostTensor> results;
  EvalResult r;
  double lossSum = 0;
  int64_t correct = 0;
  for (int64_t first = 0; first < n; first += batch) {
    int64_t real =
        assembleBatch(test, orderIdx, first, none, unused, images, labels);
    if (llvm::Error e = jit.invoke(fnName, args, results))
      return std::move(e);
    // Padded rows (label -1) add nothing to the loss sum or the count.
    lossSum += double(results[0].as<float>()[0]) * double(batch);
    correct += results[1].as<int64_t>()[0];
    r.samples += real;
  }
  r.loss = lossSum / double(r.samples);
  r.accuracy = double(correct) / double(r.samples);
  return r;
}

//===----------------------------------------------------------------------===//
// Main
//===----------------------------------------------------------------------===//

int main(int argc, char **argv) {
  llvm::InitLLVM init(argc, argv);
  cl::HideUnrelatedOptions(cat);
  cl::ParseCommandLineOptions(
      argc, argv,
      "mp-train: train a model with a mixed-precision assignment\n\n"
      "  mp-train model.mlir --dataset fashion-mnist --policy ours --ratio 0.6 "
      "--epochs 5\n");

  // Options.
  static const char *policies[] = {"fp32", "uniform-high", "uniform-low", "op",
                                   "ours"};
  if (!llvm::is_contained(policies, StringRef(policy)))
    return fail("unknown --policy '" + policy +
                "'; expected fp32, uniform-high, uniform-low, op or ours");
  // A number is checked for NaN and infinity too (a NaN passes every
  // ordered comparison's negation).
  auto given = [](const auto &opt) { return opt.getNumOccurrences() > 0; };
  auto num = [](double v) {
    std::string s;
    llvm::raw_string_ostream(s) << llvm::format("%g", v);
    return s;
  };
  if (given(ratio) && !(ratio >= 0 && ratio <= 1))
    return fail("--ratio must be in [0, 1], got " + num(ratio));
  if (policy == "ours" && !given(ratio) && budget == 0)
    return fail("--policy ours needs --ratio R (0..1) or --budget BYTES");
  if (budget < 0)
    return fail("--budget must be a positive number of bytes");
  if (given(ratio) && budget > 0)
    return fail("give either --ratio or --budget, not both");
  if (policy != "ours" && (given(ratio) || budget > 0))
    return fail("--ratio and --budget apply to --policy ours only");
  if (promotionMode != "auto" && promotionMode != "on" &&
      promotionMode != "off")
    return fail("unknown --promotion '" + promotionMode +
                "'; expected auto, on or off");
  if (noPromotion && promotionMode == "on")
    return fail("--no-promotion contradicts --promotion=on");
  const bool promote = !noPromotion && promotionMode != "off" &&
                       (promotionMode == "on" || policy == "ours");
  if (schedule != "cosine" && schedule != "constant")
    return fail("unknown --schedule '" + schedule + "'; expected cosine or constant");
  std::string scaling = lossScaling.empty()
                            ? (policy == "fp32" ? "none" : "dynamic")
                            : std::string(lossScaling);
  if (scaling != "none" && scaling != "dynamic")
    return fail("unknown --loss-scaling '" + lossScaling + "'");
  if (!(lr > 0) || !std::isfinite(lr))
    return fail("--lr must be positive and finite");
  if (!(momentum >= 0 && momentum < 1))
    return fail("--momentum must be in [0, 1), got " + num(momentum));
  if (!(weightDecay >= 0) || !std::isfinite(weightDecay))
    return fail("--weight-decay must be non-negative and finite");
  if (!(promotionThreshold >= 0 && promotionThreshold <= 1))
    return fail("--promotion-threshold must be in [0, 1], got " +
                num(promotionThreshold));
  for (auto [name, value] :
       {std::pair<const char *, int64_t>{"--steps", maxSteps},
        {"--train-limit", trainLimit},
        {"--test-limit", testLimit},
        {"--growth-interval", growthInterval},
        {"--log-steps", logSteps},
        {"--crop-padding", cropPadding}})
    if (value < 0)
      return fail(std::string(name) + " must not be negative, got " +
                  std::to_string(value));
  if (syntheticSize <= 0)
    return fail("--synthetic-size must be positive, got " +
                std::to_string(syntheticSize));
  if (epochs == 0 && maxSteps == 0)
    return fail("--epochs must be positive");
  if (!(initScale > 0) || !std::isfinite(initScale))
    return fail("--init-scale must be positive and finite");

  // Model.
  DialectRegistry registry;
  registerMPDialects(registry);
  MLIRContext ctx(registry);
  ctx.printOpOnDiagnostic(false);
  llvm::SourceMgr sourceMgr;
  std::string err;
  auto file = openInputFile(modelFile, &err);
  if (!file)
    return fail(err);
  sourceMgr.AddNewSourceBuffer(std::move(file), llvm::SMLoc());
  SourceMgrDiagnosticHandler diagHandler(sourceMgr, &ctx);
  OwningOpRef<ModuleOp> original = parseSourceFile<ModuleOp>(sourceMgr, &ctx);
  if (!original)
    return fail("cannot parse '" + modelFile + "'");
  FailureOr<ModelInfo> info = inspect(*original, err);
  if (failed(info))
    return fail(modelFile + ": " + err);
  int64_t batch = info->inputShape[0];
  std::string fwdName = info->forward.getSymName().str();

  // Data.
  Dataset train, test;
  if (dataset == "fashion-mnist") {
    auto tr = loadFashionMnist(dataDir, true);
    if (!tr)
      return fail(llvm::toString(tr.takeError()));
    auto te = loadFashionMnist(dataDir, false);
    if (!te)
      return fail(llvm::toString(te.takeError()));
    train = std::move(*tr);
    test = std::move(*te);
  } else if (dataset == "cifar10" || dataset == "cifar100") {
    if (dataDir.empty())
      return fail("--dataset " + dataset +
                  " needs --data-dir with the CIFAR binary files");
    int classes = dataset == "cifar10" ? 10 : 100;
    auto tr = loadCifar(dataDir, classes, true);
    if (!tr)
      return fail(llvm::toString(tr.takeError()));
    auto te = loadCifar(dataDir, classes, false);
    if (!te)
      return fail(llvm::toString(te.takeError()));
    train = std::move(*tr);
    test = std::move(*te);
  } else if (dataset == "synthetic") {
    train = makeSynthetic(syntheticSize, info->inputShape[1],
                          info->inputShape[2], info->inputShape[3],
                          info->classes, seed);
    test = makeSynthetic(std::max<int64_t>(batch, syntheticSize / 4),
                         info->inputShape[1], info->inputShape[2],
                         info->inputShape[3], info->classes, seed);
    // Same prototypes (same seed), different noise draws.
    std::mt19937_64 shuffle(seed + 1);
    (void)shuffle;
  } else {
    return fail("unknown --dataset '" + dataset +
                "'; expected fashion-mnist, cifar10, cifar100 or synthetic");
  }
  if (train.channels != info->inputShape[1] ||
      train.height != info->inputShape[2] || train.width != info->inputShape[3])
    return fail("the model takes " + std::to_string(info->inputShape[1]) + "x" +
                std::to_string(info->inputShape[2]) + "x" +
                std::to_string(info->inputShape[3]) + " images but " +
                train.name + " has " + std::to_string(train.channels) + "x" +
                std::to_string(train.height) + "x" +
                std::to_string(train.width) +
                "; emit the model with matching --in-channels and --size");
  if (cropPadding > std::max(train.height, train.width))
    return fail("--crop-padding " + std::to_string(cropPadding) +
                " is larger than the " + std::to_string(train.height) + "x" +
                std::to_string(train.width) + " images");
  if (train.classes != info->classes)
    return fail("the model has " + std::to_string(info->classes) +
                " classes but " + train.name + " has " +
                std::to_string(train.classes));
  if (trainLimit > 0 && trainLimit < train.size()) {
    train.labels.resize(trainLimit);
    train.images.resize(trainLimit * train.imageBytes());
  }
  if (train.size() < batch)
    return fail("the training set has " + std::to_string(train.size()) +
                " samples, fewer than one batch of " + std::to_string(batch));

  // Compile.
  auto compileStart = std::chrono::steady_clock::now();
  OwningOpRef<ModuleOp> mixed(cast<ModuleOp>((*original)->clone()));
  if (failed(runPasses(*mixed, /*assign=*/true, scaling == "dynamic", err)))
    return fail("compiling the training step failed:\n" + err);
  std::string stepName = fwdName + "_train_step", evalName = fwdName + "_eval";
  auto stepFn = mixed->lookupSymbol<func::FuncOp>(stepName);
  FailureOr<TrainingGraph> graph = TrainingGraph::build(stepFn);
  if (failed(graph))
    return fail("cannot analyse the training step");
  FailureOr<PrecisionAssignment> assignment = PrecisionAssignment::read(*graph);
  if (failed(assignment))
    return fail("cannot read the assignment");
  auto policyAttr = stepFn->getAttrOfType<DictionaryAttr>("mp.precision_policy");
  FormatAttr high = policyAttr ? policyAttr.getAs<FormatAttr>("hi") : FormatAttr();
  auto guards = stepFn->getAttrOfType<ArrayAttr>("mp.guards");
  struct Guard {
    std::string name;
    int64_t elements;
    int tensor;
  };
  std::vector<Guard> guardList;
  if (guards)
    for (Attribute a : guards) {
      auto d = cast<DictionaryAttr>(a);
      Guard g{d.getAs<StringAttr>("name").str(),
              d.getAs<IntegerAttr>("elements").getInt(), -1};
      g.tensor = graph->lookup(g.name);
      guardList.push_back(g);
    }

  JitOptions jitOptions;
  jitOptions.planBuffers = planBuffers;
  jitOptions.donateState = donateState;
  jitOptions.storage = storage;
  jitOptions.device = device;
  jitOptions.chip = chip;
  auto jitOr = JitSession::create(*mixed, jitOptions);
  if (!jitOr)
    return fail(llvm::toString(jitOr.takeError()));
  std::unique_ptr<JitSession> jit = std::move(*jitOr);
  std::unique_ptr<JitSession> jit32;
  if (!skipFp32Eval && policy != "fp32") {
    OwningOpRef<ModuleOp> plain(cast<ModuleOp>((*original)->clone()));
    if (failed(runPasses(*plain, /*assign=*/false, false, err)))
      return fail("compiling the fp32 evaluation failed:\n" + err);
    // Only the evaluation function is needed.
    if (auto s = plain->lookupSymbol<func::FuncOp>(stepName))
      s.erase();
    auto j = JitSession::create(*plain, jitOptions);
    if (!j)
      return fail(llvm::toString(j.takeError()));
    jit32 = std::move(*j);
  }
  double compileSec = std::chrono::duration<double>(
                          std::chrono::steady_clock::now() - compileStart)
                          .count();
  const FunctionSpec *step = jit->lookup(stepName);
  if (!step)
    return fail("the compiled module has no @" + stepName);

  // State.
  TrainState st;
  initialise(st, *step, *info, seed);
  st.flags = HostTensor({int64_t(guardList.size())}, ElementKind::i1);
  st.scale = scaling == "dynamic" ? double(initScale) : 1.0;
  if (!resumeDir.empty())
    if (llvm::Error e = loadState(st, resumeDir))
      return fail("cannot resume: " + llvm::toString(std::move(e)));
  for (size_t k = 0; k < guardList.size(); ++k)
    if (st.flags.as<uint8_t>()[k] && guardList[k].tensor >= 0) {
      assignment->formats[guardList[k].tensor] = high;
      assignment->demoted[guardList[k].tensor] = false;
    }

  // Log.
  std::unique_ptr<llvm::raw_fd_ostream> log;
  if (!logFile.empty()) {
    std::error_code ec;
    log = std::make_unique<llvm::raw_fd_ostream>(
        logFile, ec, resumeDir.empty() ? llvm::sys::fs::OF_None
                                       : llvm::sys::fs::OF_Append);
    if (ec)
      return fail("cannot write '" + logFile + "': " + ec.message());
  }
  auto emit = [&](json::Object o) {
    // JSON has no NaN or infinity: a non-finite number (a diverged loss) is
    // logged as null, with its text beside it ("test_loss_text": "nan").
    SmallVector<std::pair<std::string, std::string>> texts;
    for (auto &[key, value] : o)
      if (std::optional<double> d = value.getAsNumber();
          d && !std::isfinite(*d)) {
        texts.push_back({(key.str() + "_text"),
                         std::isnan(*d) ? "nan" : (*d > 0 ? "inf" : "-inf")});
        value = nullptr;
      }
    for (auto &[key, text] : texts)
      o[key] = text;
    if (log) {
      *log << json::Value(std::move(o)) << "\n";
      log->flush();
    }
  };
  json::Object config{{"event", "config"},
                      {"model", modelFile.getValue()},
                      {"function", fwdName},
                      {"dataset", train.name},
                      {"train_samples", train.size()},
                      {"test_samples", testLimit > 0 ? std::min<int64_t>(testLimit, test.size()) : test.size()},
                      {"batch", batch},
                      {"policy", policy.getValue()},
                      {"ratio", double(ratio)},
                      {"budget", int64_t(budget)},
                      {"order", order.getValue()},
                      {"loss_scaling", scaling},
                      {"promotion", promote},
                      {"promotion_threshold", double(promotionThreshold)},
                      {"lr", double(lr)},
                      {"momentum", double(momentum)},
                      {"weight_decay", double(weightDecay)},
                      {"epochs", int64_t(epochs)},
                      {"seed", int64_t(seed)},
                      {"guards", int64_t(guardList.size())},
                      {"compile_seconds", compileSec},
                      {"plan_buffers", bool(planBuffers)},
                      {"donate_state", bool(donateState)},
                      {"storage", bool(storage)},
                      {"step_arena_bytes", step->arenaBytes},
                      {"step_live_peak_bytes", step->livePeakBytes}};
  if (st.step == 0)
    emit(std::move(config));
  bool tty = !quiet && llvm::sys::Process::StandardErrIsDisplayed();

  // Buffers.
  HostTensor images(step->args[0].shape, ElementKind::f32);
  HostTensor labels(step->args[1].shape, ElementKind::i32);
  HostTensor lrT({}, ElementKind::f32), scaleT({}, ElementKind::f32);
  // A result computed in place (mp-donate-state) is its argument's tensor:
  // the state is updated without a second copy of it.
  SmallVector<HostTensor> results(step->results.size());
  SmallVector<HostTensor *> resultPtrs;
  for (auto [i, r] : llvm::enumerate(step->results)) {
    if (r.inArgument >= 0) {
      resultPtrs.push_back(&st.tensors.at(key(step->args[r.inArgument])));
      continue;
    }
    results[i] = HostTensor(r.shape, r.kind);
    resultPtrs.push_back(&results[i]);
  }
  int lossIdx = -1, correctIdx = -1, finiteIdx = -1, countsIdx = -1;
  for (auto [i, r] : llvm::enumerate(step->results)) {
    if (r.role == "loss")
      lossIdx = i;
    else if (r.name == "correct")
      correctIdx = i;
    else if (r.name == "grads_finite")
      finiteIdx = i;
    else if (r.name == "overflow_counts")
      countsIdx = i;
  }
  int64_t stepsPerEpoch =
      fixedBatch ? std::max<int64_t>(1, train.size() / batch)
                 : train.size() / batch;
  int64_t growth = growthInterval > 0 ? int64_t(growthInterval) : stepsPerEpoch;
  unsigned totalEpochs = epochs;
  if (maxSteps > 0)
    totalEpochs = std::max<unsigned>(
        epochs, unsigned((maxSteps + stepsPerEpoch - 1) / stepsPerEpoch));
  Augment aug{augment, cropPadding, true};
  int exitCode = 0;

  for (unsigned epoch = st.epoch; epoch < totalEpochs; ++epoch) {
    // Everything random in an epoch derives from (seed, epoch): a resumed
    // run replays it exactly.
    std::mt19937_64 rng(seed * 1000003ULL + epoch);
    std::vector<int64_t> perm(train.size());
    std::iota(perm.begin(), perm.end(), 0);
    if (!fixedBatch)
      for (size_t i = perm.size(); i > 1; --i)
        std::swap(perm[i - 1], perm[rng() % i]);
    double epochLr = schedule == "cosine"
                         ? lr * 0.5 * (1.0 + std::cos(M_PI * epoch / totalEpochs))
                         : double(lr);
    lrT.as<float>()[0] = float(epochLr);
    double lossSum = 0;
    int64_t correct = 0, seen = 0, skipped = 0, nonFinite = 0;
    double minScale = st.scale, maxScale = st.scale;
    auto start = std::chrono::steady_clock::now();
    int64_t stepsThisEpoch = stepsPerEpoch;
    if (maxSteps > 0)
      stepsThisEpoch = std::min(stepsPerEpoch, int64_t(maxSteps) - st.step);
    for (int64_t s = 0; s < stepsThisEpoch; ++s) {
      assembleBatch(train, perm, fixedBatch ? 0 : s * batch, aug, rng, images,
                    labels);
      scaleT.as<float>()[0] = float(st.scale);
      SmallVector<const HostTensor *> args;
      for (const TensorSpec &a : step->args) {
        if (a.role == "input")
          args.push_back(&images);
        else if (a.role == "label")
          args.push_back(&labels);
        else if (a.role == "learning_rate")
          args.push_back(&lrT);
        else if (a.role == "loss_scale")
          args.push_back(&scaleT);
        else if (a.role == "flag")
          args.push_back(&st.flags);
        else
          args.push_back(&st.tensors.at(key(a)));
      }
      if (llvm::Error e = jit->invokeInto(stepName, args, resultPtrs))
        return fail(llvm::toString(std::move(e)));
      // New state: swap the result buffers in (no copies).
      for (auto [i, r] : llvm::enumerate(step->results)) {
        if (r.inArgument >= 0 ||
            (r.role != "weight" && r.role != "bn_stat" && r.role != "momentum"))
          continue;
        auto it = st.tensors.find(key(r));
        if (it != st.tensors.end())
          std::swap(it->second, results[i]);
      }
      float loss = results[lossIdx].as<float>()[0];
      if (!std::isfinite(loss))
        ++nonFinite;
      else
        lossSum += loss;
      if (correctIdx >= 0)
        correct += results[correctIdx].as<int64_t>()[0];
      seen += batch;
      ++st.step;
      bool finite = finiteIdx < 0 || results[finiteIdx].as<uint8_t>()[0];
      if (scaling == "dynamic") {
        if (!finite) {
          ++skipped;
          st.scale *= 0.5;
          st.goodSteps = 0;
        } else if (++st.goodSteps >= growth) {
          st.scale *= 2.0;
          st.goodSteps = 0;
        }
        minScale = std::min(minScale, st.scale);
        maxScale = std::max(maxScale, st.scale);
      } else if (!finite) {
        ++skipped;
      }
      // Promotion (docs/Paper.md 4.2): overflow share of every low P and Y.
      if (countsIdx >= 0 && promote) {
        const int64_t *counts = results[countsIdx].as<int64_t>();
        uint8_t *flags = st.flags.as<uint8_t>();
        for (size_t k = 0; k < guardList.size(); ++k) {
          double share = double(counts[k]) / double(guardList[k].elements);
          if (flags[k] || share < promotionThreshold)
            continue;
          flags[k] = 1;
          if (guardList[k].tensor >= 0) {
            assignment->formats[guardList[k].tensor] = high;
            assignment->demoted[guardList[k].tensor] = false;
          }
          json::Object ev{{"event", "promotion"},
                          {"epoch", int64_t(epoch + 1)},
                          {"step", st.step},
                          {"tensor", guardList[k].name},
                          {"overflow_share", share}};
          st.promotions.push_back(json::Object(ev));
          emit(std::move(ev));
          if (!quiet)
            llvm::errs() << (tty ? "\r\x1b[K" : "") << "promoted "
                         << guardList[k].name << " at step " << st.step
                         << " (overflow share "
                         << llvm::format("%.4f", share) << ")\n";
        }
      }
      if (logSteps > 0 && st.step % logSteps == 0)
        emit(json::Object{{"event", "step"},
                          {"step", st.step},
                          {"loss", double(loss)},
                          {"loss_scale", st.scale},
                          {"grads_finite", finite}});
      if (tty && (s % 5 == 0 || s + 1 == stepsThisEpoch)) {
        double el = std::chrono::duration<double>(
                        std::chrono::steady_clock::now() - start)
                        .count();
        llvm::errs() << llvm::format(
            "\r\x1b[Kepoch %u/%u  step %lld/%lld  loss %.4f  acc %.2f%%  "
            "scale 2^%.0f  %.0f img/s",
            epoch + 1, totalEpochs, (long long)(s + 1),
            (long long)stepsThisEpoch,
            lossSum / std::max<int64_t>(1, s + 1 - nonFinite),
            100.0 * correct / std::max<int64_t>(1, seen), std::log2(st.scale),
            seen / std::max(el, 1e-9));
      }
    }
    double trainSec = std::chrono::duration<double>(
                          std::chrono::steady_clock::now() - start)
                          .count();
    int64_t done = stepsThisEpoch;
    double trainLoss = done > nonFinite ? lossSum / double(done - nonFinite) : NAN;
    bool diverged = done > 0 && nonFinite == done;

    // Evaluate.
    auto cur = evaluate(*jit, evalName, test, testLimit, st, batch);
    if (!cur)
      return fail(llvm::toString(cur.takeError()));
    // A model whose test loss is not finite has diverged too, even if some
    // training steps still had a finite loss.
    if (cur->samples > 0 && !std::isfinite(cur->loss))
      diverged = true;
    json::Object ep{{"event", "epoch"},
                    {"epoch", int64_t(epoch + 1)},
                    {"steps", st.step},
                    {"lr", epochLr},
                    {"train_loss", trainLoss},
                    {"train_accuracy", seen ? double(correct) / seen : 0.0},
                    {"test_loss", cur->loss},
                    {"test_accuracy", cur->accuracy},
                    {"test_samples", cur->samples},
                    {"loss_scale_log2_min", std::log2(minScale)},
                    {"loss_scale_log2_max", std::log2(maxScale)},
                    {"skipped_steps", skipped},
                    {"nonfinite_loss_steps", nonFinite},
                    {"promotions", int64_t(st.promotions.size())},
                    {"diverged", diverged},
                    {"seconds", trainSec},
                    {"images_per_second", seen / std::max(trainSec, 1e-9)}};
    if (jit32) {
      auto f32 = evaluate(*jit32, evalName, test, testLimit, st, batch);
      if (!f32)
        return fail(llvm::toString(f32.takeError()));
      ep["test_accuracy_fp32"] = f32->accuracy;
      ep["test_loss_fp32"] = f32->loss;
    } else if (policy == "fp32") {
      ep["test_accuracy_fp32"] = cur->accuracy;
      ep["test_loss_fp32"] = cur->loss;
    }
    PaperMemory paper = estimatePaperMemory(*graph, *assignment);
    PeakMemory peak = estimatePeakMemory(*graph, *assignment);
    ep["low_precision_ratio"] = paper.bitRatio;
    ep["selection_ratio"] = paper.selectionRatio;
    ep["paper_bytes"] = paper.bits / 8;
    ep["paper_bytes_fp32"] = paper.bitsF32 / 8;
    ep["paper_bytes_all16"] = paper.bitsAll16 / 8;
    ep["peak_bytes"] = peak.peakBytes;
    // Measured: every byte that compiled code (step, evaluations and their
    // arenas) held at once since the start.
    ep["allocated_peak_bytes"] = getAllocationStats().peakBytes;
    if (!quiet)
      llvm::errs() << (tty ? "\r\x1b[K" : "")
                   << llvm::format(
                          "epoch %u/%u: train loss %.4f acc %.2f%% | test acc "
                          "%.2f%%",
                          epoch + 1, totalEpochs, trainLoss,
                          100.0 * (seen ? double(correct) / seen : 0.0),
                          100.0 * cur->accuracy)
                   << (jit32 ? llvm::formatv(" (fp32 {0:f2}%)",
                                             100.0 * *ep.getNumber(
                                                         "test_accuracy_fp32"))
                                   .str()
                             : std::string())
                   << llvm::format(" | scale 2^%.0f..2^%.0f skipped %lld | "
                                   "promotions %zu | low ratio %.3f | %.1f "
                                   "img/s",
                                   std::log2(minScale), std::log2(maxScale),
                                   (long long)skipped, st.promotions.size(),
                                   paper.bitRatio, seen / std::max(trainSec, 1e-9))
                   << (diverged ? " | DIVERGED" : "") << "\n";
    emit(std::move(ep));
    st.epoch = epoch + 1;
    if (!checkpointDir.empty()) {
      llvm::SmallString<128> dir(checkpointDir);
      llvm::sys::path::append(dir, "epoch-" + std::to_string(st.epoch));
      json::Object meta{{"model", modelFile.getValue()},
                        {"policy", policy.getValue()}};
      if (llvm::Error e = saveState(st, dir, meta))
        return fail(llvm::toString(std::move(e)));
    }
    if (diverged) {
      exitCode = 3;
      break;
    }
    if (maxSteps > 0 && st.step >= maxSteps)
      break;
  }
  if (!saveDir.empty()) {
    json::Object meta{{"model", modelFile.getValue()},
                      {"policy", policy.getValue()}};
    if (llvm::Error e = saveState(st, saveDir, meta))
      return fail(llvm::toString(std::move(e)));
  }
  return exitCode;
}
