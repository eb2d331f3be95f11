//===- JitSession.cpp - Compile and run mp functions on the CPU -*- C++ -*-===//
//
// Licensed under the Apache License v2.0 with LLVM Exceptions.
// SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
//
//===----------------------------------------------------------------------===//
//
// Calling convention after mp-cpu-pipeline (out-params on): every tensor
// argument and every result becomes a memref argument with identity layout;
// `llvm.emit_c_interface` gives `_mlir_ciface_<f>(Desc *...)`, where Desc is
// {allocated, aligned, offset, sizes[r], strides[r]}.
//
//===----------------------------------------------------------------------===//

#include "mp/Runner/JitSession.h"

#include "mp/Dialect/MP/IR/MPAttrs.h"
#include "mp/Dialect/MP/IR/MPDialect.h"
#include "mp/Dialect/MP/IR/MPOps.h"
#include "mp/Pipelines/Pipelines.h"
#include "mp/Runner/Allocations.h"
#include "mlir/Dialect/LLVMIR/LLVMDialect.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/ExecutionEngine/ExecutionEngine.h"
#include "mlir/ExecutionEngine/OptUtils.h"
#include "mlir/IR/BuiltinOps.h"
#include "mlir/IR/Diagnostics.h"
#include "mlir/Pass/PassManager.h"
#include "mlir/Target/LLVMIR/Dialect/Builtin/BuiltinToLLVMIRTranslation.h"
#include "mlir/Target/LLVMIR/Dialect/LLVMIR/LLVMToLLVMIRTranslation.h"
#include "llvm/ExecutionEngine/Orc/JITTargetMachineBuilder.h"
#include "llvm/Support/DynamicLibrary.h"
#include "llvm/Support/Process.h"
#include "llvm/Support/TargetSelect.h"
#include "llvm/Support/raw_ostream.h"
#include <cstring>
#ifdef __GLIBC__
#include <malloc.h>
#endif

using namespace mlir;
using namespace mp;
using llvm::createStringError;

#ifndef MP_CUDA_RUNTIME_PATH
#define MP_CUDA_RUNTIME_PATH "libmp_cuda_runtime.so"
#endif

#ifndef MP_MLIR_LIB_DIR
#define MP_MLIR_LIB_DIR "/usr/lib/llvm-22/lib"
#endif

JitSession::~JitSession() {
  for (void *arena : arenas)
    countedFree(arena);
}

// What memref.alloc / memref.dealloc call in code lowered with
// count-allocations (FinalizeMemRefToLLVM's generic allocation functions).
extern "C" {
static void *mpMemrefAlloc(size_t size) {
  return countedAlignedAlloc(16, size);
}
static void *mpMemrefAlignedAlloc(size_t alignment, size_t size) {
  return countedAlignedAlloc(alignment, size);
}
static void mpMemrefFree(void *ptr) { countedFree(ptr); }
}

static llvm::Error makeError(const llvm::Twine &msg) {
  return createStringError(std::errc::invalid_argument, "%s",
                           msg.str().c_str());
}

/// Maps a tensor type to a spec; fails for types the runner cannot pass.
static std::optional<TensorSpec> specOf(Type type) {
  auto tensor = dyn_cast<RankedTensorType>(type);
  // A tensor too large for a size computation cannot be allocated either.
  if (!tensor || !tensor.hasStaticShape() ||
      !mp::detail::getBoundedElementCount(tensor))
    return std::nullopt;
  TensorSpec spec;
  spec.shape.assign(tensor.getShape().begin(), tensor.getShape().end());
  Type elt = tensor.getElementType();
  if (elt.isF32())
    spec.kind = ElementKind::f32;
  else if (elt.isSignlessInteger(32))
    spec.kind = ElementKind::i32;
  else if (elt.isSignlessInteger(64))
    spec.kind = ElementKind::i64;
  else if (elt.isSignlessInteger(1))
    spec.kind = ElementKind::i1;
  else
    return std::nullopt;
  return spec;
}

static void annotate(TensorSpec &spec, DictionaryAttr attrs) {
  if (!attrs)
    return;
  if (auto name = attrs.getAs<StringAttr>(MPDialect::getNameAttrName()))
    spec.name = name.str();
  if (auto role = attrs.getAs<RoleAttr>(MPDialect::getRoleAttrName()))
    spec.role = stringifyRole(role.getValue()).str();
}

/// The class count of the losses and accuracies that read `labels`: the
/// columns of their N x C operand or result.
static int64_t getClassCount(Value labels) {
  for (Operation *user : labels.getUsers()) {
    Type logits;
    if (isa<NllLossOp, CountCorrectOp>(user))
      logits = user->getOperand(0).getType();
    else if (isa<NllLossGradOp>(user))
      logits = user->getResult(0).getType();
    if (auto t = dyn_cast_or_null<RankedTensorType>(logits);
        t && t.getRank() == 2 && !t.isDynamicDim(1))
      return t.getDimSize(1);
  }
  return 0;
}

llvm::Expected<std::unique_ptr<JitSession>>
JitSession::create(ModuleOp module, const JitOptions &options) {
  static bool initialized = [] {
    llvm::InitializeNativeTarget();
    llvm::InitializeNativeTargetAsmPrinter();
#ifdef __GLIBC__
    // A step allocates and frees its temporaries every call. With glibc's
    // defaults, large blocks are mmap'd and returned to the OS on free, so
    // every step page-faults all of its activations again (measured: 90% of
    // a vectorized small_cnn step). Keep freed blocks for reuse instead.
    mallopt(M_MMAP_THRESHOLD, 32 << 20);
    mallopt(M_TRIM_THRESHOLD, 512 << 20);
#endif
    return true;
  }();
  (void)initialized;

  std::unique_ptr<JitSession> session(new JitSession());
  bool cuda = options.device == "cuda";
  if (!cuda && options.device != "cpu")
    return makeError("unknown device '" + options.device +
                     "' (expected cpu or cuda)");
  std::string cudaRuntime = options.cudaRuntime;
  std::string chip = options.chip;
  if (cuda) {
    // Load the runtime wrapper and find a device before compiling anything.
    if (cudaRuntime.empty()) {
      if (auto env = llvm::sys::Process::GetEnv("MP_CUDA_RUNTIME"))
        cudaRuntime = *env;
      else
        cudaRuntime = MP_CUDA_RUNTIME_PATH;
    }
    std::string loadError;
    auto lib = llvm::sys::DynamicLibrary::getPermanentLibrary(
        cudaRuntime.c_str(), &loadError);
    if (!lib.isValid())
      return makeError("cannot load the CUDA runtime wrapper '" + cudaRuntime +
                       "': " + loadError +
                       " (is the NVIDIA driver, libcuda.so.1, installed?)");
    auto init = reinterpret_cast<int (*)(char *, size_t)>(
        lib.getAddressOfSymbol("mpCudaInit"));
    auto deviceChip =
        reinterpret_cast<const char *(*)()>(lib.getAddressOfSymbol(
            "mpCudaDeviceChip"));
    session->cudaLastError = reinterpret_cast<const char *(*)()>(
        lib.getAddressOfSymbol("mpCudaGetLastError"));
    session->cudaClearError = reinterpret_cast<void (*)()>(
        lib.getAddressOfSymbol("mpCudaClearError"));
    if (!init || !deviceChip || !session->cudaLastError ||
        !session->cudaClearError)
      return makeError("'" + cudaRuntime +
                       "' is not the mp CUDA runtime wrapper (no mpCudaInit)");
    char message[512];
    if (init(message, sizeof(message)) != 0)
      return makeError(llvm::Twine("no CUDA device: ") + message);
    if (chip.empty())
      chip = deviceChip();
  }
  OwningOpRef<ModuleOp> clone(cast<ModuleOp>(module->clone()));
  MLIRContext *ctx = module.getContext();
  {
    DialectRegistry registry;
    registerBuiltinDialectTranslation(registry);
    registerLLVMDialectTranslation(registry);
    if (cuda)
      registerMPGPUDialects(registry);
    ctx->appendDialectRegistry(registry);
  }

  for (auto fn : clone->getOps<func::FuncOp>()) {
    if (fn.isExternal() || fn.isPrivate())
      continue;
    FunctionSpec spec;
    spec.name = fn.getSymName().str();
    for (auto [i, type] : llvm::enumerate(fn.getArgumentTypes())) {
      std::optional<TensorSpec> t = specOf(type);
      if (!t)
        return makeError("@" + spec.name + " argument #" + llvm::Twine(i) +
                         " has type that the runner cannot pass (statically "
                         "shaped tensors of f32, i32, i64 or i1 of at most "
                         "2^48 elements only)");
      annotate(*t, fn.getArgAttrDict(i));
      t->classes = getClassCount(fn.getArgument(i));
      spec.args.push_back(*t);
    }
    for (auto [i, type] : llvm::enumerate(fn.getResultTypes())) {
      std::optional<TensorSpec> t = specOf(type);
      if (!t)
        return makeError("@" + spec.name + " result #" + llvm::Twine(i) +
                         " has a type the runner cannot return");
      annotate(*t, fn.getResultAttrDict(i));
      spec.results.push_back(*t);
    }
    session->index[spec.name] = session->functions.size();
    session->functions.push_back(std::move(spec));
    fn->setAttr("llvm.emit_c_interface", UnitAttr::get(ctx));
  }

  // Lower, collecting diagnostics into the error message.
  std::string diagText;
  {
    llvm::raw_string_ostream diagOs(diagText);
    ScopedDiagnosticHandler handler(ctx, [&](Diagnostic &diag) {
      diagOs << diag.getLocation() << ": " << diag << "\n";
      return success();
    });
    PassManager pm(ctx);
    if (cuda) {
      MPGPUPipelineOptions gpuOptions;
      gpuOptions.chip = chip;
      gpuOptions.donateState = options.donateState;
      gpuOptions.storage = options.storage;
      std::string problem = validateMPGPUPipelineOptions(gpuOptions);
      if (!problem.empty())
        return makeError("mp-gpu-pipeline: " + problem);
      buildMPGPUPipeline(pm, gpuOptions);
    } else {
      MPCPUPipelineOptions pipelineOptions;
      pipelineOptions.vectorize = options.vectorize;
      pipelineOptions.planBuffers = options.planBuffers;
      pipelineOptions.donateState = options.donateState;
      pipelineOptions.storage = options.storage;
      pipelineOptions.countAllocations = true;
      buildMPCPUPipeline(pm, pipelineOptions);
    }
    if (failed(pm.run(*clone)))
      return makeError(llvm::Twine("lowering with ") +
                       (cuda ? "mp-gpu-pipeline" : "mp-cpu-pipeline") +
                       " failed:\n" + diagText);
  }
  if (options.dumpLowered)
    clone->print(llvm::errs());
  // mp-plan-buffers' figures, carried onto the LLVM functions.
  for (FunctionSpec &spec : session->functions) {
    auto fn = clone->lookupSymbol<LLVM::LLVMFuncOp>(spec.name);
    if (!fn)
      continue;
    if (auto a = fn->getAttrOfType<IntegerAttr>(MPDialect::getArenaBytesAttrName()))
      spec.arenaBytes = a.getInt();
    if (auto a = fn->getAttrOfType<IntegerAttr>(MPDialect::getLivePeakBytesAttrName()))
      spec.livePeakBytes = a.getInt();
    if (auto a = fn->getAttrOfType<DenseI64ArrayAttr>(
            MPDialect::getResultsInArgsAttrName())) {
      if (a.size() != int64_t(spec.results.size()))
        return makeError("@" + spec.name + ": mp.results_in_args has " +
                         llvm::Twine(a.size()) + " entries for " +
                         llvm::Twine(spec.results.size()) + " results");
      for (auto [r, j] : llvm::zip(spec.results, a.asArrayRef())) {
        if (j >= int64_t(spec.args.size()) ||
            (j >= 0 && (spec.args[j].shape != r.shape ||
                        spec.args[j].kind != r.kind)))
          return makeError("@" + spec.name +
                           ": a result written into argument #" +
                           llvm::Twine(j) + " does not match its type");
        r.inArgument = int(j);
      }
    }
  }
  session->arenas.assign(session->functions.size(), nullptr);

  auto tmBuilder = llvm::orc::JITTargetMachineBuilder::detectHost();
  if (!tmBuilder)
    return tmBuilder.takeError();
  tmBuilder->setCodeGenOptLevel(llvm::CodeGenOptLevel::Aggressive);
  auto tm = tmBuilder->createTargetMachine();
  if (!tm)
    return tm.takeError();
  auto transformer =
      makeOptimizingTransformer(options.optLevel, /*sizeLevel=*/0, tm->get());
  std::string runnerUtils = MP_MLIR_LIB_DIR "/libmlir_c_runner_utils.so";
  SmallVector<StringRef, 2> libs = {runnerUtils};
  if (cuda)
    libs.push_back(cudaRuntime);
  ExecutionEngineOptions engineOptions;
  engineOptions.transformer = transformer;
  engineOptions.jitCodeGenOptLevel = llvm::CodeGenOptLevel::Aggressive;
  engineOptions.sharedLibPaths = libs;
  engineOptions.enableGDBNotificationListener = false;
  engineOptions.enablePerfNotificationListener = false;
  auto engine = ExecutionEngine::create(*clone, engineOptions, std::move(*tm));
  if (!engine)
    return engine.takeError();
  session->engine = std::move(*engine);
  session->engine->registerSymbols([](llvm::orc::MangleAndInterner interner) {
    llvm::orc::SymbolMap symbols;
    auto add = [&](const char *name, auto *fn) {
      symbols[interner(name)] = {llvm::orc::ExecutorAddr::fromPtr(fn),
                                 llvm::JITSymbolFlags::Exported};
    };
    add("_mlir_memref_to_llvm_alloc", &mpMemrefAlloc);
    add("_mlir_memref_to_llvm_aligned_alloc", &mpMemrefAlignedAlloc);
    add("_mlir_memref_to_llvm_free", &mpMemrefFree);
    return symbols;
  });
  // Generate the code now, not on the first call: the compiler's peak memory
  // is then over before any arena exists, and given back to the system.
  for (const FunctionSpec &spec : session->functions)
    if (auto fn = session->engine->lookupPacked("_mlir_ciface_" + spec.name);
        !fn)
      return fn.takeError();
#ifdef __GLIBC__
  malloc_trim(0);
#endif
  return std::move(session);
}

const FunctionSpec *JitSession::lookup(llvm::StringRef name) const {
  auto it = index.find(name);
  return it == index.end() ? nullptr : &functions[it->second];
}

/// Checks `t` against `spec`; `what` names it ("argument #2 'conv1.weight'").
static llvm::Error checkTensor(const TensorSpec &spec, const HostTensor &t,
                               const llvm::Twine &what) {
  if (spec.kind == t.getKind() && llvm::ArrayRef(spec.shape) == t.getShape())
    return llvm::Error::success();
  HostTensor expected(spec.shape, spec.kind);
  return makeError(what + " expects " + expected.describe() + " but got " +
                   t.describe());
}

static std::string label(const TensorSpec &spec, unsigned i, StringRef kind) {
  std::string s = (kind + " #" + llvm::Twine(i)).str();
  if (!spec.name.empty())
    s += " '" + spec.name + "'";
  return s;
}

/// Builds a memref descriptor {allocated, aligned, offset, sizes, strides}.
static void buildDescriptor(const HostTensor &t,
                            llvm::SmallVectorImpl<int64_t> &desc) {
  auto ptr = reinterpret_cast<int64_t>(t.getData());
  desc.assign({ptr, ptr, 0});
  llvm::ArrayRef<int64_t> shape = t.getShape();
  desc.append(shape.begin(), shape.end());
  llvm::SmallVector<int64_t, 4> strides(shape.size(), 1);
  for (int i = int(shape.size()) - 2; i >= 0; --i)
    strides[i] = strides[i + 1] * shape[i + 1];
  desc.append(strides.begin(), strides.end());
}

llvm::Error JitSession::invokeInto(llvm::StringRef name,
                                   llvm::ArrayRef<const HostTensor *> args,
                                   llvm::ArrayRef<HostTensor *> results) {
  const FunctionSpec *spec = lookup(name);
  if (!spec)
    return makeError("no public function named '" + name + "'");
  if (args.size() != spec->args.size())
    return makeError("@" + name + " takes " + llvm::Twine(spec->args.size()) +
                     " arguments but " + llvm::Twine(args.size()) +
                     " were given");
  if (results.size() != spec->results.size())
    return makeError("@" + name + " returns " +
                     llvm::Twine(spec->results.size()) + " results but " +
                     llvm::Twine(results.size()) + " buffers were given");
  for (auto [i, t] : llvm::enumerate(args))
    if (llvm::Error err = checkTensor(spec->args[i], *t,
                                      "@" + name + " " +
                                          label(spec->args[i], i, "argument")))
      return err;
  for (auto [i, t] : llvm::enumerate(results))
    if (llvm::Error err = checkTensor(spec->results[i], *t,
                                      "@" + name + " " +
                                          label(spec->results[i], i, "result")))
      return err;

  // The compiled signature: the arguments (a result computed in place takes
  // its argument's slot), the other results as out-params, the arena.
  llvm::SmallVector<const HostTensor *> slots(args.begin(), args.end());
  for (auto [k, t] : llvm::enumerate(results)) {
    int j = spec->results[k].inArgument;
    if (j < 0)
      continue;
    for (auto [i, a] : llvm::enumerate(args))
      if (int(i) != j && a->getData() == t->getData() && t->getByteSize())
        return makeError("@" + name + " " +
                         label(spec->results[k], k, "result") +
                         " is computed in argument #" + llvm::Twine(j) +
                         " but shares its buffer with argument #" +
                         llvm::Twine(i));
    if (t->getData() != args[j]->getData())
      std::memcpy(t->getData(), args[j]->getData(), t->getByteSize());
    slots[j] = t;
  }
  for (auto [k, t] : llvm::enumerate(results)) {
    if (spec->results[k].inArgument >= 0)
      continue;
    for (auto [j, a] : llvm::enumerate(slots))
      if (a->getData() == t->getData() && t->getByteSize() != 0)
        return makeError("@" + name + " " +
                         label(spec->results[k], k, "result") +
                         " shares its buffer with argument #" +
                         llvm::Twine(j) +
                         ", but is not computed in that argument");
    slots.push_back(t);
  }
  size_t n = slots.size();
  bool hasArena = spec->arenaBytes > 0;
  std::vector<llvm::SmallVector<int64_t, 11>> descs(n + hasArena);
  llvm::SmallVector<void *> descPtrs(n + hasArena), packed(n + hasArena);
  for (size_t i = 0; i < n; ++i)
    buildDescriptor(*slots[i], descs[i]);
  if (hasArena) {
    // The step's buffers: allocated on the first call, reused by every call.
    void *&arena = arenas[index.lookup(name)];
    if (!arena)
      arena = countedAlignedAlloc(64, spec->arenaBytes);
    if (!arena)
      return makeError("@" + name + ": cannot allocate its " +
                       llvm::Twine(spec->arenaBytes) + "-byte arena");
    auto ptr = reinterpret_cast<int64_t>(arena);
    descs[n].assign({ptr, ptr, 0, spec->arenaBytes, 1});
  }
  for (size_t i = 0; i < descs.size(); ++i) {
    descPtrs[i] = descs[i].data();
    packed[i] = &descPtrs[i];
  }
  if (cudaClearError)
    cudaClearError();
  if (llvm::Error err =
          engine->invokePacked(("_mlir_ciface_" + name).str(), packed))
    return err;
  if (cudaLastError && *cudaLastError())
    return makeError("CUDA error while running @" + name + ": " +
                     cudaLastError());
  return llvm::Error::success();
}

llvm::Error JitSession::invoke(llvm::StringRef name,
                               llvm::ArrayRef<const HostTensor *> args,
                               llvm::SmallVectorImpl<HostTensor> &results) {
  const FunctionSpec *spec = lookup(name);
  if (!spec)
    return makeError("no public function named '" + name + "'");
  results.clear();
  for (const TensorSpec &r : spec->results)
    results.emplace_back(r.shape, r.kind);
  llvm::SmallVector<HostTensor *> ptrs;
  for (HostTensor &r : results)
    ptrs.push_back(&r);
  return invokeInto(name, args, ptrs);
}
