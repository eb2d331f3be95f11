//===- mp-run.cpp - JIT-run a function of an mp module ---------*- C++ -*-===//
//
// Licensed under the Apache License v2.0 with LLVM Exceptions.
// SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
//
//===----------------------------------------------------------------------===//
//
// Loads an .mlir file (mp on tensors, e.g. the output of
// mp-build-training-step), compiles it with mp-cpu-pipeline and the
// ExecutionEngine, feeds tensors from .npy files or seeded random data, runs
// one function N times and writes the results as .npy plus timings.
//
//===----------------------------------------------------------------------===//

#include "mp/InitMP.h"
#include "mp/Runner/Allocations.h"
#include "mp/Runner/JitSession.h"

#include "mlir/IR/BuiltinOps.h"
#include "mlir/IR/DialectRegistry.h"
#include "mlir/IR/MLIRContext.h"
#include "mlir/Parser/Parser.h"
#include "mlir/Support/FileUtilities.h"
#include "llvm/ADT/StringExtras.h"
#include "llvm/Support/CommandLine.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/FormatVariadic.h"
#include "llvm/Support/InitLLVM.h"
#include "llvm/Support/JSON.h"
#include "llvm/Support/Path.h"
#include "llvm/Support/SourceMgr.h"
#include "llvm/Support/raw_ostream.h"
#include <chrono>
#include <cmath>
#include <random>

using namespace mlir;
using namespace mp;
namespace cl = llvm::cl;

static cl::OptionCategory cat("mp-run options");
static cl::opt<std::string> inputFile(cl::Positional, cl::desc("<input.mlir>"),
                                      cl::Required, cl::cat(cat));
static cl::opt<std::string> function("f", cl::desc("Function to run"),
                                     cl::value_desc("name"), cl::cat(cat));
static cl::alias functionLong("function", cl::aliasopt(function));
static cl::list<std::string>
    inputs("input", cl::desc("Argument i from a .npy file (repeat in order; "
                             "'-' for a seeded random tensor)"),
           cl::value_desc("file.npy"), cl::cat(cat));
static cl::opt<unsigned> seed("seed", cl::desc("Seed for random arguments"),
                              cl::init(0), cl::cat(cat));
static cl::opt<unsigned> iterations("iterations",
                                    cl::desc("Times to run the function"),
                                    cl::init(1), cl::cat(cat));
static cl::opt<unsigned>
    warmup("warmup",
           cl::desc("Untimed runs before the timed ones (the first call also "
                    "finishes JIT compilation)"),
           cl::init(0), cl::cat(cat));
static cl::opt<std::string>
    outputDir("output-dir", cl::desc("Write results here as .npy files"),
              cl::value_desc("dir"), cl::cat(cat));
static cl::opt<bool> printResults("print", cl::desc("Print small results"),
                                  cl::init(false), cl::cat(cat));
static cl::opt<bool> listFunctions("list", cl::desc("List functions and exit"),
                                   cl::init(false), cl::cat(cat));
static cl::opt<bool> dumpLowered("dump-lowered",
                                 cl::desc("Print the lowered LLVM dialect"),
                                 cl::init(false), cl::cat(cat));

static cl::opt<bool>
    vectorize("vectorize",
              cl::desc("Compile with mp-cpu-pipeline's vectorize option "
                       "(--vectorize=false: scalar loop nests, the reference)"),
              cl::init(true), cl::cat(cat));
static cl::opt<bool> planBuffers(
    "plan-buffers",
    cl::desc("Pack each function's buffers into one arena allocated once "
             "(mp-plan-buffers; false: malloc at first use, free at last)"),
    cl::init(true), cl::cat(cat));
static cl::opt<bool> donateState(
    "donate-state",
    cl::desc("Compute new weights, momenta and BN statistics in the buffers "
             "of their arguments (mp-donate-state; the inputs read from "
             "files are copied first, so the results are the same)"),
    cl::init(true), cl::cat(cat));
static cl::opt<bool> storage(
    "storage",
    cl::desc("Keep tensors assigned formats of at most 16 bits as 8/16-bit "
             "codes (mp-materialize-storage, opt-in; default: f32 "
             "containers)"),
    cl::init(false), cl::cat(cat));
static cl::opt<std::string> memoryFile(
    "memory-file",
    cl::desc("Write the planned arena and the measured allocation peak as "
             "JSON (schema mp-memory/1) for mp-report's `measured` option"),
    cl::value_desc("file.json"), cl::init(""), cl::cat(cat));
static cl::opt<bool> printMemory(
    "memory",
    cl::desc("Print the planned arena, the live-buffer peak and the bytes the "
             "compiled code really allocated (peak, allocations per call)"),
    cl::init(false), cl::cat(cat));
static cl::opt<std::string>
    device("device",
           cl::desc("Where to run: cpu | cuda (mp-gpu-pipeline, docs/GPU.md)"),
           cl::init("cpu"), cl::cat(cat));
static cl::opt<std::string>
    chip("chip", cl::desc("--device cuda: target chip (default: the device's)"),
         cl::init(""), cl::cat(cat));

/// Seeded random data for argument `spec`: values chosen by role so that a
/// step runs meaningfully (labels in range, unit BN variance, small lr).
static HostTensor randomTensor(const TensorSpec &spec, std::mt19937_64 &rng,
                               int64_t numClasses) {
  HostTensor t(spec.shape, spec.kind);
  int64_t n = t.getNumElements();
  std::normal_distribution<float> normal(0.0f, 1.0f);
  StringRef role = spec.role, name = spec.name;
  if (spec.kind == ElementKind::f32) {
    float *p = t.as<float>();
    float fixed = NAN;
    if (role == "learning_rate")
      fixed = 0.01f;
    else if (role == "loss_scale")
      fixed = 1.0f;
    else if (role == "momentum")
      fixed = 0.0f;
    else if (role == "bn_stat")
      fixed = name.ends_with("var") ? 1.0f : 0.0f;
    float scale = role == "weight" ? 0.1f : 1.0f;
    for (int64_t i = 0; i < n; ++i)
      p[i] = std::isnan(fixed) ? scale * normal(rng) : fixed;
  } else if (spec.kind == ElementKind::i32 || spec.kind == ElementKind::i64) {
    int64_t hi = role == "label" ? numClasses : 1 << 20;
    std::uniform_int_distribution<int64_t> uni(0, hi - 1);
    for (int64_t i = 0; i < n; ++i) {
      int64_t v = role == "seed" ? int64_t(seed) : uni(rng);
      if (spec.kind == ElementKind::i32)
        t.as<int32_t>()[i] = int32_t(v);
      else
        t.as<int64_t>()[i] = v;
    }
  }
  return t;
}

/// Labels must name a class or be -1 (a padded row, which the loss and the
/// accuracy skip); anything else would silently drop out of the loss.
static llvm::Error checkLabels(const HostTensor &t, int64_t classes,
                               StringRef file) {
  for (int64_t i = 0, e = t.getNumElements(); i < e; ++i) {
    int64_t v = t.getKind() == ElementKind::i32 ? t.as<int32_t>()[i]
                : t.getKind() == ElementKind::i64 ? t.as<int64_t>()[i]
                                                   : 0;
    if (v < -1 || v >= classes)
      return llvm::createStringError(
          std::errc::invalid_argument,
          "'%s': label %lld at index %lld is outside [0, %lld) (-1 marks a "
          "padded row)",
          file.str().c_str(), (long long)v, (long long)i, (long long)classes);
  }
  return llvm::Error::success();
}

static void printTensor(const TensorSpec &spec, const HostTensor &t,
                        unsigned i) {
  llvm::outs() << "result #" << i;
  if (!spec.name.empty())
    llvm::outs() << " '" << spec.name << "'";
  llvm::outs() << " " << t.describe() << ":";
  int64_t n = std::min<int64_t>(t.getNumElements(), 16);
  for (int64_t k = 0; k < n; ++k) {
    switch (t.getKind()) {
    case ElementKind::f32:
      llvm::outs() << " " << llvm::format("%.6g", t.as<float>()[k]);
      break;
    case ElementKind::i32:
      llvm::outs() << " " << t.as<int32_t>()[k];
      break;
    case ElementKind::i64:
      llvm::outs() << " " << t.as<int64_t>()[k];
      break;
    case ElementKind::i1:
      llvm::outs() << " " << int(t.as<uint8_t>()[k]);
      break;
    }
  }
  if (t.getNumElements() > n)
    llvm::outs() << " ...";
  llvm::outs() << "\n";
}

static int fail(const llvm::Twine &msg) {
  llvm::errs() << "mp-run: error: " << msg << "\n";
  return 1;
}

int main(int argc, char **argv) {
  llvm::InitLLVM init(argc, argv);
  cl::HideUnrelatedOptions(cat);
  cl::ParseCommandLineOptions(argc, argv, "mp-run: JIT-run an mp function\n");
  // Options that the steps below would otherwise ignore or bend.
  if (device != "cpu" && device != "cuda")
    return fail("unknown --device '" + device + "' (expected cpu or cuda)");
  if (!chip.empty() && device != "cuda")
    return fail("--chip applies to --device cuda only");
  if (iterations == 0)
    return fail("--iterations must be positive");

  DialectRegistry registry;
  registerMPDialects(registry);
  MLIRContext context(registry);
  context.disableMultithreading();
  context.printOpOnDiagnostic(false);
  llvm::SourceMgr sourceMgr;
  std::string errorMessage;
  auto file = openInputFile(inputFile, &errorMessage);
  if (!file)
    return fail(errorMessage);
  sourceMgr.AddNewSourceBuffer(std::move(file), llvm::SMLoc());
  SourceMgrDiagnosticHandler diagHandler(sourceMgr, &context);
  OwningOpRef<ModuleOp> module = parseSourceFile<ModuleOp>(sourceMgr, &context);
  if (!module)
    return fail("cannot parse '" + inputFile + "'");

  JitOptions options;
  options.dumpLowered = dumpLowered;
  options.vectorize = vectorize;
  options.planBuffers = planBuffers;
  options.donateState = donateState;
  options.storage = storage;
  options.device = device;
  options.chip = chip;
  auto compileStart = std::chrono::steady_clock::now();
  auto sessionOr = JitSession::create(*module, options);
  if (!sessionOr)
    return fail(llvm::toString(sessionOr.takeError()));
  std::unique_ptr<JitSession> session = std::move(*sessionOr);
  double compileSec = std::chrono::duration<double>(
                          std::chrono::steady_clock::now() - compileStart)
                          .count();

  if (listFunctions) {
    for (const FunctionSpec &fn : session->getFunctions())
      llvm::outs() << "@" << fn.name << ": " << fn.args.size()
                   << " arguments, " << fn.results.size() << " results\n";
    return 0;
  }
  if (function.empty())
    return fail("no function given; use -f NAME (see --list)");
  const FunctionSpec *spec = session->lookup(function);
  if (!spec)
    return fail("no public function named '" + function + "' (see --list)");
  if (inputs.size() > spec->args.size())
    return fail("@" + function + " takes " + llvm::Twine(spec->args.size()) +
                " arguments but " + llvm::Twine(inputs.size()) +
                " --input files were given");

  std::mt19937_64 rng(seed);
  SmallVector<HostTensor> args;
  for (auto [i, argSpec] : llvm::enumerate(spec->args)) {
    // Labels are drawn from the classes of the loss that reads them (10
    // when no loss does).
    int64_t classes = argSpec.classes > 0 ? argSpec.classes : 10;
    if (i < inputs.size() && inputs[i] != "-") {
      auto t = readNpy(inputs[i]);
      if (!t)
        return fail(llvm::toString(t.takeError()));
      if (argSpec.role == "label" && argSpec.classes > 0)
        if (llvm::Error e = checkLabels(*t, argSpec.classes, inputs[i]))
          return fail(llvm::toString(std::move(e)));
      args.push_back(std::move(*t));
    } else {
      args.push_back(randomTensor(argSpec, rng, classes));
    }
  }
  SmallVector<const HostTensor *> argPtrs;
  for (HostTensor &t : args)
    argPtrs.push_back(&t);

  SmallVector<HostTensor> results;
  resetAllocationPeak();
  for (unsigned it = 0; it < warmup; ++it)
    if (llvm::Error err = session->invoke(function, argPtrs, results))
      return fail(llvm::toString(std::move(err)));
  std::vector<double> times;
  for (unsigned it = 0; it < std::max(1u, unsigned(iterations)); ++it) {
    auto start = std::chrono::steady_clock::now();
    if (llvm::Error err = session->invoke(function, argPtrs, results))
      return fail(llvm::toString(std::move(err)));
    times.push_back(std::chrono::duration<double>(
                        std::chrono::steady_clock::now() - start)
                        .count());
  }

  double total = 0, best = times.front();
  for (double t : times) {
    total += t;
    best = std::min(best, t);
  }
  llvm::outs() << "compiled in " << llvm::format("%.3f", compileSec) << " s; @"
               << function << " ran " << times.size() << " times: mean "
               << llvm::format("%.3f", 1e3 * total / times.size())
               << " ms, min " << llvm::format("%.3f", 1e3 * best) << " ms\n";

  if (printMemory) {
    AllocationStats stats = getAllocationStats();
    unsigned calls = warmup + times.size();
    llvm::outs() << "memory: arena " << spec->arenaBytes
                 << " B planned, live peak " << spec->livePeakBytes
                 << " B; allocated peak " << stats.peakBytes << " B, "
                 << llvm::format("%.1f", double(stats.allocations) / calls)
                 << " allocations per call\n";
  }

  if (!memoryFile.empty()) {
    AllocationStats stats = getAllocationStats();
    llvm::json::Object m{{"schema", "mp-memory/1"},
                         {"function", function.getValue()},
                         {"storage", bool(storage)},
                         {"arena_bytes", spec->arenaBytes},
                         {"live_peak_bytes", spec->livePeakBytes},
                         {"allocated_peak_bytes", stats.peakBytes}};
    std::error_code ec;
    llvm::raw_fd_ostream os(memoryFile, ec);
    if (ec)
      return fail("cannot write '" + memoryFile + "': " + ec.message());
    os << llvm::formatv("{0:2}", llvm::json::Value(std::move(m))) << "\n";
  }

  if (printResults)
    for (auto [i, t] : llvm::enumerate(results))
      printTensor(spec->results[i], t, i);

  if (!outputDir.empty()) {
    if (std::error_code ec = llvm::sys::fs::create_directories(outputDir))
      return fail("cannot create '" + outputDir + "': " + ec.message());
    for (auto [i, t] : llvm::enumerate(results)) {
      SmallString<128> path(outputDir);
      llvm::sys::path::append(path, function + ".result" + llvm::Twine(i) +
                                        ".npy");
      if (llvm::Error err = writeNpy(path, t))
        return fail(llvm::toString(std::move(err)));
    }
  }
  return 0;
}
