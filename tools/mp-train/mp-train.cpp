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
#include "mp/Runner/Checkpoint.h"
#include "mp/Runner/Datasets.h"
#include "mp/Runner/JitSession.h"
#include "mp/Support/Npy.h"
#include "mp/Transforms/Passes.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/IR/BuiltinOps.h"
#include "mlir/IR/MLIRContext.h"
#include "mlir/Parser/Parser.h"
#include "mlir/Pass/PassManager.h"
#include "mlir/Support/FileUtilities.h"
#include "llvm/Support/CommandLine.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/ADT/StringExtras.h"
#include "llvm/Support/CRC.h"
#include "llvm/Support/Format.h"
#include "llvm/Support/FormatVariadic.h"
#include "llvm/Support/InitLLVM.h"
#include "llvm/Support/JSON.h"
#include "llvm/Support/MemoryBuffer.h"
#include "llvm/Support/Path.h"
#include "llvm/Support/Process.h"
#include "llvm/Support/SourceMgr.h"
#include "llvm/Support/raw_ostream.h"
#include <cerrno>
#include <chrono>
#include <cmath>
#include <cstring>
#include <map>
#include <numeric>
#include <random>
#include <sstream>
#include <unistd.h>

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
    cl::desc("Write checkpoints here: epoch-N after every epoch, step-N every "
             "--checkpoint-every steps and where --steps stops"),
    cl::cat(cat));
static cl::opt<int64_t> checkpointEvery("checkpoint-every",
    cl::desc("Also checkpoint every N steps (0: at epoch ends only)"),
    cl::init(0), cl::cat(cat));
static cl::opt<std::string> resumeDir("resume",
    cl::desc("Resume from this checkpoint, or from the latest one in a "
             "--checkpoint directory"),
    cl::cat(cat));
static cl::opt<unsigned> testingAbortCheckpoint(
    "testing-abort-checkpoint-after", cl::Hidden,
    cl::desc("Testing: abort after writing N files of a checkpoint"),
    cl::init(0), cl::cat(cat));
static cl::opt<std::string> saveDir("save",
    cl::desc("Write the final state here (a checkpoint: one .npy per "
             "tensor, state.json, manifest.json)"),
    cl::cat(cat));
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
  /// How each weight is initialised (ParameterOpInterface of the op that
  /// takes it; zeros when none does).
  std::map<std::string, ParameterUse> init;
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
    // The first op that takes it as a parameter says how it starts.
    ParameterUse init;
    for (OpOperand &use : arg.getUses())
      if (auto layer = dyn_cast<ParameterOpInterface>(use.getOwner())) {
        init = layer.getParameterUse(use.getOperandNumber());
        if (init.kind != ParameterKind::none)
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

/// Sums over the steps of the epoch in progress.
struct EpochStats {
  double lossSum = 0;
  int64_t correct = 0, seen = 0, skipped = 0, nonFinite = 0;
  double minScale = 1, maxScale = 1;
};

struct TrainState {
  std::map<std::string, HostTensor> tensors; // "weight:conv1.weight", ...
  HostTensor flags;                          // promotion flags (i1)
  double scale = 1.0;
  int64_t goodSteps = 0;
  int64_t step = 0;   // steps done in all
  unsigned epoch = 0; // the epoch in progress (= epochs completed)
  int64_t stepInEpoch = 0;
  EpochStats stats;   // of the epoch in progress
  std::string rng;    // the epoch RNG after stepInEpoch steps
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
      ParameterUse init = it == info.init.end() ? ParameterUse() : it->second;
      switch (init.init) {
      case ParameterInit::kaimingNormalFanOut: {
        std::normal_distribution<float> d(0.0f,
                                          std::sqrt(2.0f / init.fanOut));
        for (int64_t i = 0; i < n; ++i)
          p[i] = d(rng);
        break;
      }
      case ParameterInit::uniformFanIn: {
        float b = 1.0f / std::sqrt(float(init.fanIn));
        std::uniform_real_distribution<float> d(-b, b);
        for (int64_t i = 0; i < n; ++i)
          p[i] = d(rng);
        break;
      }
      case ParameterInit::ones:
        std::fill(p, p + n, 1.0f);
        break;
      case ParameterInit::zeros:
        break;
      }
    }
    st.tensors[key(a)] = std::move(t);
  }
}

//===----------------------------------------------------------------------===//
// Checkpoints
//===----------------------------------------------------------------------===//
//
// A checkpoint (mp/Runner/Checkpoint.h: written atomically, verified on
// reading) holds every state tensor, the promotion flags and a state.json
// with the step counters, the epoch's sums, the epoch RNG, the loss scale,
// the promotions, the log's length and the run's configuration. Resuming
// from it at any step continues the run bit for bit.

/// The file stem of a state tensor "role:name" (mp/Support/Npy.h).
static std::string fileStem(StringRef key) {
  auto [role, name] = key.split(':');
  return npy::getTensorFileStem(role, name);
}

static json::Object statsToJson(const EpochStats &s) {
  return json::Object{{"loss_sum", s.lossSum},   {"correct", s.correct},
                      {"seen", s.seen},          {"skipped", s.skipped},
                      {"non_finite", s.nonFinite}, {"min_scale", s.minScale},
                      {"max_scale", s.maxScale}};
}

/// The checkpoint's state.json: `logBytes` is the length of the log when
/// the state was taken (a resumed run cuts the log back to it).
static json::Object stateToJson(const TrainState &st, int64_t logBytes,
                                StringRef logPath, const json::Object &config) {
  return json::Object{{"step", st.step},
                      {"epoch", int64_t(st.epoch)},
                      {"step_in_epoch", st.stepInEpoch},
                      {"scale", st.scale},
                      {"good_steps", st.goodSteps},
                      {"epoch_stats", statsToJson(st.stats)},
                      {"rng", st.rng},
                      {"promotions", json::Array(st.promotions)},
                      {"log", logPath.str()},
                      {"log_bytes", logBytes},
                      {"config", json::Object(config)}};
}

static llvm::Error writeState(const TrainState &st, StringRef dir,
                              const json::Object &state, unsigned abortAfter) {
  std::map<std::string, const HostTensor *> files;
  for (const auto &[k, t] : st.tensors)
    files[fileStem(k)] = &t;
  files["promoted"] = &st.flags;
  CheckpointWriteOptions options;
  options.abortAfterFiles = abortAfter;
  return writeCheckpoint(dir, files, state, options);
}

/// The limits a resumed state must respect.
struct ResumeLimits {
  unsigned totalEpochs;
  int64_t stepsPerEpoch, growth, batch;
};

static llvm::Error checkpointError(StringRef dir, const llvm::Twine &why) {
  return llvm::createStringError(std::errc::invalid_argument,
                                 "checkpoint '%s': %s", dir.str().c_str(),
                                 why.str().c_str());
}

/// Reads and verifies the checkpoint in `dir` and takes its counters into
/// `st`, checking every value against the run; `config` is this run's
/// configuration, which must equal the checkpoint's. The tensors are left
/// in the result for adoptTensors (their shapes are known once the step is
/// compiled).
static llvm::Expected<Checkpoint>
readResumeState(TrainState &st, StringRef dir, const json::Object &config,
                const ResumeLimits &limits, int64_t &logBytes,
                std::string &logPath) {
  auto ck = readCheckpoint(dir);
  if (!ck)
    return ck.takeError();
  auto bad = [&](const llvm::Twine &why) { return checkpointError(dir, why); };
  // The run's configuration.
  json::Object &m = ck->state;
  const json::Object *saved = m.getObject("config");
  if (!saved)
    return bad("state.json has no configuration");
  for (const auto &[k, v] : config) {
    const json::Value *old = saved->get(k);
    if (!old || *old != v) {
      std::string was = old ? llvm::formatv("{0}", *old).str() : "absent";
      return bad(llvm::formatv("it was written with {0} = {1}, this run has "
                               "{2}; a resumed run must be configured as the "
                               "interrupted one",
                               k, was, v)
                     .str());
    }
  }

  // Counters, each in its range and consistent with the others.
  auto integer = [&](StringRef k, int64_t lo, int64_t hi,
                     int64_t &out) -> llvm::Error {
    std::optional<int64_t> v = m.getInteger(k);
    if (!v)
      return bad("state.json lacks the integer '" + k + "'");
    if (*v < lo || *v > hi)
      return bad(llvm::formatv("'{0}' is {1}, outside [{2}, {3}]", k, *v, lo,
                               hi)
                     .str());
    out = *v;
    return llvm::Error::success();
  };
  int64_t epoch, inEpoch;
  if (llvm::Error e = integer("epoch", 0, limits.totalEpochs, epoch))
    return e;
  if (llvm::Error e =
          integer("step_in_epoch", 0, limits.stepsPerEpoch - 1, inEpoch))
    return e;
  if (epoch == int64_t(limits.totalEpochs))
    return bad("it is the end of epoch " + llvm::Twine(epoch) +
               " and the run has " + llvm::Twine(limits.totalEpochs) +
               " epochs; raise --epochs to train further");
  if (llvm::Error e = integer("step", 0, INT64_MAX, st.step))
    return e;
  if (st.step != epoch * limits.stepsPerEpoch + inEpoch)
    return bad(llvm::formatv("'step' is {0}, but epoch {1} step {2} at {3} "
                             "steps per epoch is step {4}",
                             st.step, epoch, inEpoch, limits.stepsPerEpoch,
                             epoch * limits.stepsPerEpoch + inEpoch)
                   .str());
  st.epoch = unsigned(epoch);
  st.stepInEpoch = inEpoch;
  if (llvm::Error e =
          integer("good_steps", 0, std::max<int64_t>(0, limits.growth - 1),
                  st.goodSteps))
    return e;
  if (llvm::Error e = integer("log_bytes", 0, INT64_MAX, logBytes))
    return e;
  auto positive = [&](std::optional<double> v, StringRef k,
                      double &out) -> llvm::Error {
    if (!v || !(*v > 0) || !std::isfinite(*v))
      return bad("'" + k + "' must be a positive finite number");
    out = *v;
    return llvm::Error::success();
  };
  if (llvm::Error e = positive(m.getNumber("scale"), "scale", st.scale))
    return e;
  const json::Object *stats = m.getObject("epoch_stats");
  if (!stats)
    return bad("state.json lacks 'epoch_stats'");
  st.stats = EpochStats();
  std::optional<double> lossSum = stats->getNumber("loss_sum");
  if (!lossSum || !std::isfinite(*lossSum))
    return bad("'epoch_stats.loss_sum' must be a finite number");
  st.stats.lossSum = *lossSum;
  for (auto [k, out] : {std::pair<const char *, int64_t *>{"correct",
                                                           &st.stats.correct},
                        {"seen", &st.stats.seen},
                        {"skipped", &st.stats.skipped},
                        {"non_finite", &st.stats.nonFinite}}) {
    std::optional<int64_t> v = stats->getInteger(k);
    if (!v || *v < 0)
      return bad(llvm::Twine("'epoch_stats.") + k +
                 "' must be a non-negative integer");
    *out = *v;
  }
  if (st.stats.seen != inEpoch * limits.batch ||
      st.stats.correct > st.stats.seen || st.stats.skipped > inEpoch ||
      st.stats.nonFinite > inEpoch)
    return bad("'epoch_stats' counts are inconsistent with the step");
  if (llvm::Error e = positive(stats->getNumber("min_scale"),
                               "epoch_stats.min_scale", st.stats.minScale))
    return e;
  if (llvm::Error e = positive(stats->getNumber("max_scale"),
                               "epoch_stats.max_scale", st.stats.maxScale))
    return e;
  std::optional<StringRef> rng = m.getString("rng");
  if (!rng)
    return bad("state.json lacks 'rng'");
  st.rng = rng->str();
  if (inEpoch > 0) {
    std::mt19937_64 probe;
    std::istringstream is(st.rng);
    is >> probe;
    if (is.fail())
      return bad("'rng' is not a generator state");
  }
  const json::Array *promotions = m.getArray("promotions");
  if (!promotions)
    return bad("state.json lacks 'promotions'");
  for (const json::Value &p : *promotions)
    if (!p.getAsObject())
      return bad("'promotions' must be a list of events");
  st.promotions = *promotions;
  std::optional<StringRef> log = m.getString("log");
  logPath = log ? log->str() : std::string();
  return std::move(*ck);
}

/// Moves the checkpoint's tensors into `st`, whose tensors have the step's
/// shapes: exactly the step's state must be there.
static llvm::Error adoptTensors(TrainState &st, Checkpoint &ck, StringRef dir) {
  auto bad = [&](const llvm::Twine &why) { return checkpointError(dir, why); };
  Checkpoint *c = &ck;
  // Tensors: exactly the step's state, with its shapes.
  size_t expected = st.tensors.size() + 1;
  for (auto &[k, t] : st.tensors) {
    auto it = c->tensors.find(fileStem(k));
    if (it == c->tensors.end())
      return bad("it has no tensor '" + k + "' (" + fileStem(k) + ".npy)");
    if (it->second.getShape() != t.getShape() ||
        it->second.getKind() != t.getKind())
      return bad("tensor '" + k + "' is " + it->second.describe() +
                 ", the model expects " + t.describe());
    t = std::move(it->second);
  }
  auto flags = c->tensors.find("promoted");
  if (flags == c->tensors.end())
    return bad("it has no promotion flags (promoted.npy)");
  if (flags->second.getShape() != st.flags.getShape() ||
      flags->second.getKind() != ElementKind::i1)
    return bad("it has promotion flags " + flags->second.describe() +
               ", the step has " + st.flags.describe());
  for (int64_t i = 0, e = flags->second.getNumElements(); i < e; ++i)
    if (flags->second.as<uint8_t>()[i] > 1)
      return bad("promotion flag " + llvm::Twine(i) + " is not 0 or 1");
  st.flags = std::move(flags->second);
  if (c->tensors.size() != expected)
    return bad("it has " + llvm::Twine(c->tensors.size()) +
               " tensors, the step has " + llvm::Twine(expected));

  return llvm::Error::success();
}

/// `dir` itself when it is a checkpoint, else the checkpoint under it with
/// the most steps (a --checkpoint directory of epoch-N and step-N).
static std::string latestCheckpoint(StringRef dir) {
  if (isCheckpoint(dir) || !llvm::sys::fs::is_directory(dir))
    return dir.str();
  std::string best;
  int64_t bestStep = -1;
  std::error_code ec;
  for (llvm::sys::fs::directory_iterator it(dir, ec), end; !ec && it != end;
       it.increment(ec)) {
    if (!isCheckpoint(it->path()))
      continue;
    llvm::SmallString<256> statePath(it->path());
    llvm::sys::path::append(statePath, "state.json");
    auto buf = llvm::MemoryBuffer::getFile(statePath);
    if (!buf)
      continue;
    auto parsed = json::parse((*buf)->getBuffer());
    if (!parsed) {
      llvm::consumeError(parsed.takeError());
      continue;
    }
    std::optional<int64_t> step =
        parsed->getAsObject() ? parsed->getAsObject()->getInteger("step")
                              : std::nullopt;
    if (step && *step > bestStep) {
      bestStep = *step;
      best = it->path();
    }
  }
  return best.empty() ? dir.str() : best;
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
        {"--checkpoint-every", checkpointEvery},
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

  // The schedule.
  int64_t stepsPerEpoch =
      fixedBatch ? std::max<int64_t>(1, train.size() / batch)
                 : train.size() / batch;
  int64_t growth = growthInterval > 0 ? int64_t(growthInterval) : stepsPerEpoch;
  unsigned totalEpochs = epochs;
  if (maxSteps > 0)
    totalEpochs = std::max<unsigned>(
        epochs, unsigned((maxSteps + stepsPerEpoch - 1) / stepsPerEpoch));

  // Everything that decides the numbers of a step; a resumed run must have
  // the same (the epoch count may grow; compilation options that are
  // bit-identical by construction may change).
  uint32_t modelCrc = 0;
  if (auto buf = llvm::MemoryBuffer::getFile(modelFile))
    modelCrc = llvm::crc32(llvm::arrayRefFromStringRef((*buf)->getBuffer()));
  json::Object runConfig{{"model_crc32", int64_t(modelCrc)},
                         {"function", fwdName},
                         {"dataset", train.name},
                         {"train_samples", train.size()},
                         {"batch", batch},
                         {"steps_per_epoch", stepsPerEpoch},
                         {"policy", policy.getValue()},
                         {"ratio", double(ratio)},
                         {"budget", int64_t(budget)},
                         {"order", order.getValue()},
                         {"keep_first_last", keepFirstLast.getValue()},
                         {"loss_scaling", scaling},
                         {"init_scale", double(initScale)},
                         {"growth", growth},
                         {"promotion", promote},
                         {"promotion_threshold", double(promotionThreshold)},
                         {"lr", double(lr)},
                         {"momentum", double(momentum)},
                         {"weight_decay", double(weightDecay)},
                         {"nesterov", bool(nesterov)},
                         {"schedule", schedule.getValue()},
                         {"augment", bool(augment)},
                         {"crop_padding", int64_t(cropPadding)},
                         {"fixed_batch", bool(fixedBatch)},
                         {"seed", int64_t(seed)}};

  // A resumed run's checkpoint is verified before anything is compiled.
  TrainState st;
  st.scale = scaling == "dynamic" ? double(initScale) : 1.0;
  int64_t resumedLogBytes = 0;
  std::string resumedLogPath, resumeFrom;
  std::optional<Checkpoint> resumed;
  if (!resumeDir.empty()) {
    resumeFrom = latestCheckpoint(resumeDir);
    auto ck = readResumeState(st, resumeFrom, runConfig,
                              {totalEpochs, stepsPerEpoch, growth, batch},
                              resumedLogBytes, resumedLogPath);
    if (!ck)
      return fail("cannot resume: " + llvm::toString(ck.takeError()));
    resumed = std::move(*ck);
    if (maxSteps > 0 && maxSteps <= st.step)
      return fail("cannot resume: --steps " + llvm::Twine(int64_t(maxSteps)) +
                  " is not beyond the checkpoint's step " +
                  llvm::Twine(st.step));
    if (!quiet)
      llvm::errs() << "resuming from " << resumeFrom << " at step " << st.step
                   << " (epoch " << st.epoch + 1 << ", step "
                   << st.stepInEpoch << " of " << stepsPerEpoch << ")\n";
  }

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
  initialise(st, *step, *info, seed);
  st.flags = HostTensor({int64_t(guardList.size())}, ElementKind::i1);
  if (resumed)
    if (llvm::Error e = adoptTensors(st, *resumed, resumeFrom))
      return fail("cannot resume: " + llvm::toString(std::move(e)));
  for (size_t k = 0; k < guardList.size(); ++k)
    if (st.flags.as<uint8_t>()[k] && guardList[k].tensor >= 0) {
      assignment->formats[guardList[k].tensor] = high;
      assignment->demoted[guardList[k].tensor] = false;
    }

  // Log. A resumed run writing to the log of the interrupted one first cuts
  // it back to where the checkpoint was taken: lines written after it (by a
  // run killed later, or a partial epoch's evaluation) would be duplicated.
  std::unique_ptr<llvm::raw_fd_ostream> log;
  int64_t logBytes = 0;
  std::string logPath;
  if (!logFile.empty()) {
    llvm::SmallString<256> abs(logFile.getValue());
    llvm::sys::fs::make_absolute(abs);
    llvm::sys::path::remove_dots(abs, /*remove_dot_dot=*/true);
    logPath = std::string(abs);
    bool sameLog = !resumeDir.empty() && logPath == resumedLogPath;
    uint64_t size = 0;
    if (sameLog && !llvm::sys::fs::file_size(logPath, size)) {
      if (size < uint64_t(resumedLogBytes))
        return fail("cannot resume: the log '" + logFile + "' has " +
                    llvm::Twine(size) + " bytes, fewer than the " +
                    llvm::Twine(resumedLogBytes) +
                    " it had at the checkpoint");
      if (::truncate(logPath.c_str(), resumedLogBytes) != 0)
        return fail("cannot cut back the log '" + logFile +
                    "': " + std::strerror(errno));
      logBytes = resumedLogBytes;
    } else if (!resumeDir.empty() &&
               !llvm::sys::fs::file_size(logPath, size)) {
      logBytes = int64_t(size);
    }
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
      std::string line;
      llvm::raw_string_ostream(line) << json::Value(std::move(o)) << "\n";
      *log << line;
      log->flush();
      logBytes += int64_t(line.size());
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
  // A fresh log (a new run, or a resumed one writing elsewhere) starts with
  // the configuration.
  if (logBytes == 0)
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
  Augment aug{augment, cropPadding, true};
  int exitCode = 0;

  auto checkpointTo = [&](StringRef dir, const json::Object &state) -> bool {
    if (llvm::Error e = writeState(st, dir, state, testingAbortCheckpoint)) {
      fail("cannot write the checkpoint: " + llvm::toString(std::move(e)));
      return false;
    }
    return true;
  };
  auto checkpointName = [&](StringRef kind, int64_t n) {
    llvm::SmallString<128> dir(checkpointDir);
    llvm::sys::path::append(dir, kind + "-" + std::to_string(n));
    return std::string(dir);
  };
  // The state to save at the end (--save).
  std::optional<json::Object> finalState;

  for (unsigned epoch = st.epoch; epoch < totalEpochs; ++epoch) {
    // Everything random in an epoch derives from (seed, epoch), and the
    // generator's state is checkpointed: a resumed run replays it exactly.
    std::mt19937_64 rng(seed * 1000003ULL + epoch);
    std::vector<int64_t> perm(train.size());
    std::iota(perm.begin(), perm.end(), 0);
    if (!fixedBatch)
      for (size_t i = perm.size(); i > 1; --i)
        std::swap(perm[i - 1], perm[rng() % i]);
    int64_t first = 0;
    if (st.stepInEpoch > 0) {
      // Resumed in the middle of this epoch (readResumeState checked the text).
      std::istringstream is(st.rng);
      is >> rng;
      first = st.stepInEpoch;
    } else {
      st.stats = EpochStats();
      st.stats.minScale = st.stats.maxScale = st.scale;
    }
    double epochLr = schedule == "cosine"
                         ? lr * 0.5 * (1.0 + std::cos(M_PI * epoch / totalEpochs))
                         : double(lr);
    lrT.as<float>()[0] = float(epochLr);
    EpochStats &sum = st.stats;
    auto start = std::chrono::steady_clock::now();
    int64_t end = stepsPerEpoch;
    if (maxSteps > 0)
      end = std::min(stepsPerEpoch, first + (int64_t(maxSteps) - st.step));
    auto snapshot = [&]() {
      std::ostringstream os;
      os << rng;
      st.rng = os.str();
      return stateToJson(st, logBytes, logPath, runConfig);
    };
    for (int64_t s = first; s < end; ++s) {
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
        ++sum.nonFinite;
      else
        sum.lossSum += loss;
      if (correctIdx >= 0)
        sum.correct += results[correctIdx].as<int64_t>()[0];
      sum.seen += batch;
      ++st.step;
      st.stepInEpoch = s + 1;
      bool finite = finiteIdx < 0 || results[finiteIdx].as<uint8_t>()[0];
      if (scaling == "dynamic") {
        if (!finite) {
          ++sum.skipped;
          st.scale *= 0.5;
          st.goodSteps = 0;
        } else if (++st.goodSteps >= growth) {
          st.scale *= 2.0;
          st.goodSteps = 0;
        }
        sum.minScale = std::min(sum.minScale, st.scale);
        sum.maxScale = std::max(sum.maxScale, st.scale);
      } else if (!finite) {
        ++sum.skipped;
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
      if (tty && (s % 5 == 0 || s + 1 == end)) {
        double el = std::chrono::duration<double>(
                        std::chrono::steady_clock::now() - start)
                        .count();
        int64_t here = s + 1 - first;
        llvm::errs() << llvm::format(
            "\r\x1b[Kepoch %u/%u  step %lld/%lld  loss %.4f  acc %.2f%%  "
            "scale 2^%.0f  %.0f img/s",
            epoch + 1, totalEpochs, (long long)(s + 1),
            (long long)stepsPerEpoch,
            sum.lossSum / std::max<int64_t>(1, s + 1 - sum.nonFinite),
            100.0 * sum.correct / std::max<int64_t>(1, sum.seen),
            std::log2(st.scale), here * batch / std::max(el, 1e-9));
      }
      // A checkpoint in the middle of the epoch.
      if (!checkpointDir.empty() && checkpointEvery > 0 &&
          st.step % checkpointEvery == 0 && s + 1 < stepsPerEpoch &&
          !checkpointTo(checkpointName("step", st.step), snapshot()))
        return 1;
    }
    double trainSec = std::chrono::duration<double>(
                          std::chrono::steady_clock::now() - start)
                          .count();
    // Stopped by --steps before the epoch's end: the state is taken here,
    // before the partial epoch's evaluation is logged, so that a run resumed
    // from it continues the epoch and logs it once.
    bool partial = st.stepInEpoch < stepsPerEpoch;
    if (partial) {
      finalState = snapshot();
      if (!checkpointDir.empty() &&
          !checkpointTo(checkpointName("step", st.step), *finalState))
        return 1;
    }
    int64_t done = st.stepInEpoch;
    double trainLoss = done > sum.nonFinite
                           ? sum.lossSum / double(done - sum.nonFinite)
                           : NAN;
    bool diverged = done > 0 && sum.nonFinite == done;
    double imagesPerSec = (st.stepInEpoch - first) * batch /
                          std::max(trainSec, 1e-9);

    // Evaluate.
    auto cur = evaluate(*jit, evalName, test, testLimit, st, batch);
    if (!cur)
      return fail(llvm::toString(cur.takeError()));
    // A model whose test loss is not finite has diverged too, even if some
    // training steps still had a finite loss.
    if (cur->samples > 0 && !std::isfinite(cur->loss))
      diverged = true;
    double trainAcc = sum.seen ? double(sum.correct) / sum.seen : 0.0;
    json::Object ep{{"event", "epoch"},
                    {"epoch", int64_t(epoch + 1)},
                    {"steps", st.step},
                    {"lr", epochLr},
                    {"train_loss", trainLoss},
                    {"train_accuracy", trainAcc},
                    {"test_loss", cur->loss},
                    {"test_accuracy", cur->accuracy},
                    {"test_samples", cur->samples},
                    {"loss_scale_log2_min", std::log2(sum.minScale)},
                    {"loss_scale_log2_max", std::log2(sum.maxScale)},
                    {"skipped_steps", sum.skipped},
                    {"nonfinite_loss_steps", sum.nonFinite},
                    {"promotions", int64_t(st.promotions.size())},
                    {"diverged", diverged},
                    {"seconds", trainSec},
                    {"images_per_second", imagesPerSec}};
    if (partial)
      ep["partial"] = true;
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
                          "epoch %u/%u%s: train loss %.4f acc %.2f%% | test acc "
                          "%.2f%%",
                          epoch + 1, totalEpochs, partial ? " (partial)" : "",
                          trainLoss, 100.0 * trainAcc, 100.0 * cur->accuracy)
                   << (jit32 ? llvm::formatv(" (fp32 {0:f2}%)",
                                             100.0 * *ep.getNumber(
                                                         "test_accuracy_fp32"))
                                   .str()
                             : std::string())
                   << llvm::format(" | scale 2^%.0f..2^%.0f skipped %lld | "
                                   "promotions %zu | low ratio %.3f | %.1f "
                                   "img/s",
                                   std::log2(sum.minScale),
                                   std::log2(sum.maxScale),
                                   (long long)sum.skipped,
                                   st.promotions.size(), paper.bitRatio,
                                   imagesPerSec)
                   << (diverged ? " | DIVERGED" : "") << "\n";
    emit(std::move(ep));
    if (!partial) {
      st.epoch = epoch + 1;
      st.stepInEpoch = 0;
      st.stats = EpochStats();
      st.rng.clear();
      finalState = stateToJson(st, logBytes, logPath, runConfig);
      if (!checkpointDir.empty() &&
          !checkpointTo(checkpointName("epoch", st.epoch), *finalState))
        return 1;
    }
    if (diverged) {
      exitCode = 3;
      break;
    }
    if (partial || (maxSteps > 0 && st.step >= maxSteps))
      break;
  }
  if (!saveDir.empty()) {
    if (!finalState)
      finalState = stateToJson(st, logBytes, logPath, runConfig);
    if (!checkpointTo(saveDir, *finalState))
      return 1;
  }
  return exitCode;
}
