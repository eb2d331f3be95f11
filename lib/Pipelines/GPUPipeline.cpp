//===- GPUPipeline.cpp - mp-gpu-pipeline: training step to NVVM/PTX -------===//
//
// Licensed under the Apache License v2.0 with LLVM Exceptions.
// SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
//
//===----------------------------------------------------------------------===//
//
// mp-gpu-pipeline lowers an mp training step (tensors) to host LLVM code that
// launches NVVM kernels embedded as PTX (or cubin) through the mgpu* runtime
// ABI (lib/Runtime/CUDA). See docs/GPU.md for the memory model and mapping.
//
// The pipeline-private passes it runs live here (docs/GPU.md):
//  - mp-gpu-native-casts: casts to saturating OCP E4M3/E5M2 use the sm_89+
//    conversion instructions (inline PTX) instead of the integer emulation.
//  - mp-gpu-buffers: every buffer the step touches becomes CUDA managed memory
//    (gpu.alloc host_shared); arguments are copied in at entry and the ones
//    the step writes are copied back before each return; memref.copy between
//    temporaries becomes linalg.copy so it runs on the GPU too.
//  - mp-gpu-map-loops: every outermost scf.parallel is collapsed to one
//    dimension and tiled by the block size (blocks x threads); an outermost
//    sequential scf.for nest (a full reduction) is wrapped in a one-iteration
//    scf.parallel so it runs as a one-thread kernel instead of on the host.
//  - mp-gpu-sink-constants: constants used by a launch body are cloned into
//    it, so they do not become kernel arguments.
//  - mp-gpu-merge-modules: every outlined kernel moves into one gpu.module.
//
//===----------------------------------------------------------------------===//

#include "mp/Pipelines/Pipelines.h"

#include "mp/Conversion/Passes.h"
#include "mp/Dialect/MP/IR/MPAttrs.h"
#include "mp/Dialect/MP/IR/MPDialect.h"
#include "mp/Dialect/MP/IR/MPOps.h"
#include "mp/Transforms/Passes.h"
#include "mlir/Conversion/ArithToLLVM/ArithToLLVM.h"
#include "mlir/Conversion/ControlFlowToLLVM/ControlFlowToLLVM.h"
#include "mlir/Conversion/FuncToLLVM/ConvertFuncToLLVM.h"
#include "mlir/Conversion/GPUToNVVM/GPUToNVVM.h"
#include "mlir/Conversion/IndexToLLVM/IndexToLLVM.h"
#include "mlir/Conversion/MathToLLVM/MathToLLVM.h"
#include "mlir/Conversion/MemRefToLLVM/MemRefToLLVM.h"
#include "mlir/Conversion/NVVMToLLVM/NVVMToLLVM.h"
#include "mlir/Conversion/Passes.h"
#include "mlir/Conversion/UBToLLVM/UBToLLVM.h"
#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Bufferization/Pipelines/Passes.h"
#include "mlir/Dialect/Bufferization/Transforms/Passes.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/GPU/IR/GPUDialect.h"
#include "mlir/Dialect/GPU/Transforms/Passes.h"
#include "mlir/Dialect/GPU/Utils/GPUUtils.h"
#include "mlir/Dialect/LLVMIR/LLVMDialect.h"
#include "mlir/Dialect/LLVMIR/NVVMDialect.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Linalg/Passes.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Dialect/MemRef/Transforms/Passes.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/SCF/Transforms/Transforms.h"
#include "mlir/Dialect/SCF/Utils/Utils.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/Dialect/Utils/StaticValueUtils.h"
#include "mlir/IR/DialectRegistry.h"
#include "mlir/Interfaces/SideEffectInterfaces.h"
#include "mlir/Interfaces/ViewLikeInterface.h"
#include "mlir/Pass/Pass.h"
#include "mlir/Pass/PassManager.h"
#include "mlir/Pass/PassRegistry.h"
#include "mlir/Target/LLVM/NVVM/Target.h"
#include "mlir/Target/LLVMIR/Dialect/Builtin/BuiltinToLLVMIRTranslation.h"
#include "mlir/Target/LLVMIR/Dialect/GPU/GPUToLLVMIRTranslation.h"
#include "mlir/Target/LLVMIR/Dialect/LLVMIR/LLVMToLLVMIRTranslation.h"
#include "mlir/Target/LLVMIR/Dialect/NVVM/NVVMToLLVMIRTranslation.h"
#include "mlir/Transforms/Passes.h"
#include "llvm/ADT/StringExtras.h"
#include "llvm/ADT/bit.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/Path.h"

using namespace mlir;

#define DEBUG_TYPE "mp-gpu-pipeline"

//===----------------------------------------------------------------------===//
// Options
//===----------------------------------------------------------------------===//

/// Parses "sm_<N>[a|f]" and returns N, or 0 when `chip` is not of that form.
static unsigned parseChip(llvm::StringRef chip) {
  if (!chip.consume_front("sm_"))
    return 0;
  if (chip.ends_with("a") || chip.ends_with("f"))
    chip = chip.drop_back();
  unsigned n = 0;
  if (chip.empty() || chip.getAsInteger(10, n))
    return 0;
  return n;
}

/// The lowest PTX ISA version this project emits for `sm`: 8.0 (CUDA 12.0)
/// covers sm_50..sm_90a; newer chips need what LLVM's NVPTX backend asks for.
static std::string defaultFeatures(unsigned sm) {
  if (sm <= 90)
    return "+ptx80";
  if (sm <= 101)
    return "+ptx86";
  return "+ptx87";
}

std::string mp::validateMPGPUPipelineOptions(
    const MPGPUPipelineOptions &options) {
  std::string chip = options.chip;
  unsigned sm = parseChip(chip);
  // Known NVIDIA compute capabilities that LLVM 22's NVPTX backend and
  // CUDA 13's ptxas both accept (ptxas 13 dropped everything before sm_75).
  static constexpr unsigned known[] = {75,  80,  86,  87,  88,  89,  90,
                                       100, 101, 103, 110, 120, 121};
  if (!sm || !llvm::is_contained(known, sm))
    return "unknown chip '" + chip +
           "' (expected sm_<N> for a compute capability CUDA 13 supports: "
           "sm_75, sm_80, sm_86, sm_87, sm_88, sm_89, sm_90, sm_100, sm_101, "
           "sm_103, sm_110, sm_120, sm_121, optionally with an 'a' or 'f' "
           "suffix)";
  std::string format = options.format;
  if (format != "isa" && format != "bin" && format != "fatbin")
    return "unknown format '" + format + "' (expected isa, bin or fatbin)";
  unsigned block = options.blockSize;
  if (block == 0 || block > 1024 || block % 32 != 0)
    return "block-size must be a multiple of 32 in [32, 1024], got " +
           std::to_string(block);
  std::string features = options.features;
  if (!features.empty() && !llvm::StringRef(features).starts_with("+ptx"))
    return "features must be '+ptx<NN>' (a PTX ISA version), got '" +
           features + "'";
  std::string cuda = options.cudaPath;
  std::string libdevice = cuda + "/nvvm/libdevice/libdevice.10.bc";
  if (!llvm::sys::fs::exists(libdevice))
    return "no libdevice at '" + libdevice +
           "' (set cuda-path to a CUDA toolkit)";
  if (format != "isa" && !llvm::sys::fs::can_execute(cuda + "/bin/ptxas"))
    return "format=" + format + " needs ptxas, but '" + cuda +
           "/bin/ptxas' is not executable (use format=isa or set cuda-path)";
  return "";
}

//===----------------------------------------------------------------------===//
// Option check: a pass that fails with the validation message
//===----------------------------------------------------------------------===//

namespace {
struct MPGPUCheckOptionsPass
    : public PassWrapper<MPGPUCheckOptionsPass, OperationPass<ModuleOp>> {
  MLIR_DEFINE_EXPLICIT_INTERNAL_INLINE_TYPE_ID(MPGPUCheckOptionsPass)
  explicit MPGPUCheckOptionsPass(std::string message)
      : message(std::move(message)) {}
  StringRef getArgument() const final { return "mp-gpu-check-options"; }
  StringRef getDescription() const final {
    return "Fails with a diagnostic when mp-gpu-pipeline's options are bad";
  }
  void runOnOperation() override {
    if (message.empty())
      return;
    getOperation().emitError("mp-gpu-pipeline: ") << message;
    signalPassFailure();
  }
  std::string message;
};
} // namespace

//===----------------------------------------------------------------------===//
// mp-gpu-native-casts
//===----------------------------------------------------------------------===//

/// The PTX name of the 8-bit type whose `cvt.rn.satfinite` conversion from
/// f32 is exactly `format`, or "" when none is. satfinite clamps finite
/// overflow and infinities to the largest finite value and keeps NaN, so the
/// format must saturate; the codes and rounding must be OCP's.
static llvm::StringRef nativeType(mp::FormatAttr format) {
  if (format.getOverflow() != mp::OverflowMode::saturate ||
      format.getRounding() != mp::RoundingMode::nearest_even)
    return "";
  if (format.getExpBits() == 4 && format.getManBits() == 3 &&
      format.getBias() == 7 && format.getSpecials() == mp::SpecialValues::fn)
    return "e4m3x2";
  if (format.getExpBits() == 5 && format.getManBits() == 2 &&
      format.getBias() == 15 &&
      format.getSpecials() == mp::SpecialValues::ieee)
    return "e5m2x2";
  return "";
}

/// Rounds f32 `x` through the 8-bit type `ptxType` with the conversion
/// instructions of sm_89+: f32 -> 8 bits (satfinite) -> f16 (exact) -> f32
/// (exact). NaN becomes the canonical 0x7FC00000, as in the emulation.
static Value emitNativeRound(OpBuilder &b, Location loc, Value x,
                             llvm::StringRef ptxType) {
  std::string text = ("{ .reg .b16 mp_fp8; cvt.rn.satfinite." + ptxType +
                      ".f32 mp_fp8, $1, $1; cvt.rn.f16x2." + ptxType +
                      " $0, mp_fp8; }")
                         .str();
  auto asmOp = LLVM::InlineAsmOp::create(
      b, loc, b.getI32Type(), ValueRange{x}, text, "=r,f",
      /*has_side_effects=*/false, /*is_align_stack=*/false,
      LLVM::tailcallkind::TailCallKind::None,
      LLVM::AsmDialectAttr::get(b.getContext(), LLVM::AsmDialect::AD_ATT),
      /*operand_attrs=*/ArrayAttr());
  Value low = arith::TruncIOp::create(b, loc, b.getI16Type(), asmOp.getRes());
  Value half = arith::BitcastOp::create(b, loc, b.getF16Type(), low);
  Value wide = arith::ExtFOp::create(b, loc, b.getF32Type(), half);
  Value isNaN =
      arith::CmpFOp::create(b, loc, arith::CmpFPredicate::UNO, x, x);
  Value nan = arith::ConstantOp::create(
      b, loc, b.getF32FloatAttr(llvm::bit_cast<float>(0x7FC00000u)));
  return arith::SelectOp::create(b, loc, isNaN, nan, wide);
}

namespace {
struct MPGPUNativeCastsPass
    : public PassWrapper<MPGPUNativeCastsPass, OperationPass<ModuleOp>> {
  MLIR_DEFINE_EXPLICIT_INTERNAL_INLINE_TYPE_ID(MPGPUNativeCastsPass)
  StringRef getArgument() const final { return "mp-gpu-native-casts"; }
  StringRef getDescription() const final {
    return "Lower mp.cast to OCP E4M3/E5M2 (saturating, nearest-even) with "
           "sm_89 conversion instructions";
  }
  void getDependentDialects(DialectRegistry &registry) const override {
    registry.insert<arith::ArithDialect, linalg::LinalgDialect,
                    LLVM::LLVMDialect, tensor::TensorDialect>();
  }
  void runOnOperation() override {
    SmallVector<mp::CastOp> casts;
    getOperation().walk([&](mp::CastOp op) {
      auto type = dyn_cast<RankedTensorType>(op.getType());
      if (type && type.getElementType().isF32() && type.hasStaticShape() &&
          !nativeType(op.getFormat()).empty())
        casts.push_back(op);
    });
    for (mp::CastOp op : casts) {
      OpBuilder b(op);
      Location loc = op.getLoc();
      auto type = cast<RankedTensorType>(op.getType());
      llvm::StringRef ptxType = nativeType(op.getFormat());
      Value init = tensor::EmptyOp::create(b, loc, type.getShape(),
                                           type.getElementType());
      AffineMap identity = b.getMultiDimIdentityMap(type.getRank());
      SmallVector<utils::IteratorType> iterators(
          type.getRank(), utils::IteratorType::parallel);
      auto generic = linalg::GenericOp::create(
          b, loc, TypeRange{type}, ValueRange{op.getInput()}, ValueRange{init},
          ArrayRef<AffineMap>{identity, identity}, iterators,
          [&](OpBuilder &nb, Location nested, ValueRange args) {
            linalg::YieldOp::create(
                nb, nested, emitNativeRound(nb, nested, args[0], ptxType));
          });
      op.replaceAllUsesWith(generic.getResult(0));
      op.erase();
    }
  }
};
} // namespace

//===----------------------------------------------------------------------===//
// mp-gpu-buffers
//===----------------------------------------------------------------------===//

/// True when `value` (a memref) may be written through any of its uses,
/// following view-like ops. Unknown users count as writers.
static bool mayBeWritten(Value value) {
  SmallVector<Value> worklist = {value};
  while (!worklist.empty()) {
    Value v = worklist.pop_back_val();
    for (OpOperand &use : v.getUses()) {
      Operation *user = use.getOwner();
      if (auto view = dyn_cast<ViewLikeOpInterface>(user)) {
        if (view.getViewSource() == v) {
          for (Value r : user->getResults())
            worklist.push_back(r);
          continue;
        }
      }
      if (isa<func::ReturnOp, memref::DeallocOp>(user))
        continue;
      auto effects = dyn_cast<MemoryEffectOpInterface>(user);
      if (!effects)
        return true;
      SmallVector<MemoryEffects::EffectInstance> list;
      effects.getEffectsOnValue(v, list);
      for (auto &e : list)
        if (isa<MemoryEffects::Write, MemoryEffects::Free>(e.getEffect()))
          return true;
      // Ops whose effects are not attached to a value (e.g. only to a
      // resource) are treated as writers too.
      SmallVector<MemoryEffects::EffectInstance> all;
      effects.getEffects(all);
      for (auto &e : all)
        if (!e.getValue() && isa<MemoryEffects::Write>(e.getEffect()))
          return true;
    }
  }
  return false;
}

/// Declares (once) `void mgpuMemFree(void *ptr, void *stream)`.
static func::FuncOp getOrCreateFree(ModuleOp module) {
  MLIRContext *ctx = module.getContext();
  if (auto fn = module.lookupSymbol<func::FuncOp>("mgpuMemFree"))
    return fn;
  OpBuilder b = OpBuilder::atBlockEnd(module.getBody());
  auto ptr = LLVM::LLVMPointerType::get(ctx);
  auto fn = func::FuncOp::create(b, module.getLoc(), "mgpuMemFree",
                                 b.getFunctionType({ptr, ptr}, {}));
  fn.setPrivate();
  return fn;
}

/// Emits the release of a managed buffer (mgpuMemFree on the null stream).
static void emitFree(OpBuilder &b, Location loc, Value memref,
                     func::FuncOp freeFn) {
  auto ptrTy = LLVM::LLVMPointerType::get(b.getContext());
  Value index = memref::ExtractAlignedPointerAsIndexOp::create(b, loc, memref);
  Value i64 = arith::IndexCastOp::create(b, loc, b.getI64Type(), index);
  Value ptr = LLVM::IntToPtrOp::create(b, loc, ptrTy, i64);
  Value null = LLVM::ZeroOp::create(b, loc, ptrTy);
  func::CallOp::create(b, loc, freeFn, ValueRange{ptr, null});
}

/// Allocates a managed buffer shaped like `type` (identity layout).
static Value emitManagedAlloc(OpBuilder &b, Location loc, MemRefType type,
                              ValueRange dynamicSizes) {
  auto alloc = gpu::AllocOp::create(b, loc, type, /*asyncToken=*/Type(),
                                    ValueRange{}, dynamicSizes, ValueRange{},
                                    /*hostShared=*/true);
  return alloc.getMemref();
}

namespace {
struct MPGPUBuffersPass
    : public PassWrapper<MPGPUBuffersPass, OperationPass<ModuleOp>> {
  MLIR_DEFINE_EXPLICIT_INTERNAL_INLINE_TYPE_ID(MPGPUBuffersPass)
  StringRef getArgument() const final { return "mp-gpu-buffers"; }
  StringRef getDescription() const final {
    return "Put every buffer of the step in CUDA managed memory (copies in "
           "and out at function boundaries)";
  }
  void getDependentDialects(DialectRegistry &registry) const override {
    registry.insert<arith::ArithDialect, func::FuncDialect, gpu::GPUDialect,
                    linalg::LinalgDialect, LLVM::LLVMDialect,
                    memref::MemRefDialect>();
  }

  void runOnOperation() override {
    ModuleOp module = getOperation();
    SmallVector<func::FuncOp> funcs;
    for (auto fn : module.getOps<func::FuncOp>())
      if (!fn.isExternal())
        funcs.push_back(fn);
    if (funcs.empty())
      return;
    func::FuncOp freeFn = getOrCreateFree(module);
    for (func::FuncOp fn : funcs)
      if (failed(convert(fn, freeFn)))
        return signalPassFailure();
  }

  LogicalResult convert(func::FuncOp fn, func::FuncOp freeFn) {
    Block &entry = fn.getBody().front();
    OpBuilder b(fn.getContext());

    // 1. Copies between buffers run as loops (on the GPU, once mapped).
    SmallVector<memref::CopyOp> copies;
    fn.walk([&](memref::CopyOp op) { copies.push_back(op); });
    for (memref::CopyOp op : copies) {
      b.setInsertionPoint(op);
      linalg::CopyOp::create(b, op.getLoc(), op.getSource(), op.getTarget());
      op.erase();
    }

    // 2. Allocations become managed memory; deallocations free it.
    LogicalResult status = success();
    fn.walk([&](Operation *op) {
      if (auto alloc = dyn_cast<memref::AllocOp>(op)) {
        b.setInsertionPoint(alloc);
        Value m = emitManagedAlloc(b, alloc.getLoc(), alloc.getType(),
                                   alloc.getDynamicSizes());
        alloc.replaceAllUsesWith(m);
        alloc.erase();
      } else if (auto dealloc = dyn_cast<memref::DeallocOp>(op)) {
        b.setInsertionPoint(dealloc);
        emitFree(b, dealloc.getLoc(), dealloc.getMemref(), freeFn);
        dealloc.erase();
      } else if (auto alloca = dyn_cast<memref::AllocaOp>(op)) {
        if (!op->getParentOfType<scf::ParallelOp>()) {
          alloca.emitError("mp-gpu-pipeline cannot place a host stack "
                           "buffer (memref.alloca) in device memory");
          status = failure();
        }
      }
    });
    if (failed(status))
      return failure();

    // Buffers created at entry are released before every return.
    SmallVector<Value> entryBuffers;
    SmallVector<func::ReturnOp> returns;
    fn.walk([&](func::ReturnOp r) { returns.push_back(r); });

    // 3. Globals (bufferized constants) are copied to managed memory.
    SmallVector<memref::GetGlobalOp> globals;
    fn.walk([&](memref::GetGlobalOp op) { globals.push_back(op); });
    for (memref::GetGlobalOp g : globals) {
      if (g->getBlock() != &entry)
        return g.emitError("mp-gpu-pipeline expects memref.get_global at "
                           "function level");
      b.setInsertionPointAfter(g);
      auto type = cast<MemRefType>(g.getType());
      Value m = emitManagedAlloc(b, g.getLoc(),
                                 MemRefType::get(type.getShape(),
                                                 type.getElementType()),
                                 {});
      auto copy = memref::CopyOp::create(b, g.getLoc(), g.getResult(), m);
      g.getResult().replaceAllUsesExcept(m, copy);
      entryBuffers.push_back(m);
    }

    // 4. Arguments: copy in at entry, copy back what the step may write.
    if (!fn.isPrivate()) {
      SmallVector<std::pair<Value, Value>> writeBack;
      b.setInsertionPointToStart(&entry);
      for (BlockArgument arg : fn.getArguments()) {
        auto type = dyn_cast<MemRefType>(arg.getType());
        if (!type)
          continue;
        if (!type.getLayout().isIdentity() || !type.hasStaticShape())
          return fn.emitError("mp-gpu-pipeline expects statically shaped "
                              "identity-layout memref arguments, got ")
                 << type;
        bool written = mayBeWritten(arg);
        Value m = emitManagedAlloc(b, arg.getLoc(), type, {});
        auto copy = memref::CopyOp::create(b, arg.getLoc(), arg, m);
        arg.replaceAllUsesExcept(m, copy);
        entryBuffers.push_back(m);
        if (written)
          writeBack.push_back({m, arg});
      }
      for (func::ReturnOp r : returns) {
        b.setInsertionPoint(r);
        for (auto [m, arg] : writeBack)
          memref::CopyOp::create(b, r.getLoc(), m, arg);
      }
    }
    for (func::ReturnOp r : returns) {
      b.setInsertionPoint(r);
      for (Value m : entryBuffers) {
        // A buffer returned by value (out-params off) must outlive the call.
        if (llvm::is_contained(r.getOperands(), m))
          continue;
        emitFree(b, r.getLoc(), m, freeFn);
      }
    }
    return success();
  }
};
} // namespace

//===----------------------------------------------------------------------===//
// mp-gpu-map-loops
//===----------------------------------------------------------------------===//

namespace {
struct MPGPUMapLoopsPass
    : public PassWrapper<MPGPUMapLoopsPass, OperationPass<func::FuncOp>> {
  MLIR_DEFINE_EXPLICIT_INTERNAL_INLINE_TYPE_ID(MPGPUMapLoopsPass)
  explicit MPGPUMapLoopsPass(unsigned blockSize) : blockSize(blockSize) {}
  StringRef getArgument() const final { return "mp-gpu-map-loops"; }
  StringRef getDescription() const final {
    return "Collapse and tile outermost parallel loops for blocks x threads";
  }
  void getDependentDialects(DialectRegistry &registry) const override {
    registry.insert<arith::ArithDialect, scf::SCFDialect>();
  }

  void runOnOperation() override {
    func::FuncOp fn = getOperation();
    if (fn.isExternal())
      return;
    // Outermost sequential loop nests that touch memory become one-thread
    // kernels: host code must not touch buffers the GPU is working on, and
    // a round trip of managed pages costs more than a slow thread.
    SmallVector<scf::ForOp> sequential;
    for (Block &block : fn.getBody())
      for (auto loop : block.getOps<scf::ForOp>())
        sequential.push_back(loop);
    IRRewriter rewriter(fn.getContext());
    for (scf::ForOp loop : sequential) {
      Location loc = loop.getLoc();
      rewriter.setInsertionPoint(loop);
      Value zero = arith::ConstantIndexOp::create(rewriter, loc, 0);
      Value one = arith::ConstantIndexOp::create(rewriter, loc, 1);
      auto par = scf::ParallelOp::create(rewriter, loc, ValueRange{zero},
                                         ValueRange{one}, ValueRange{one});
      rewriter.setInsertionPointToStart(par.getBody());
      Operation *clone = rewriter.clone(*loop);
      rewriter.replaceOp(loop, clone->getResults());
    }

    SmallVector<scf::ParallelOp> outer;
    fn.walk([&](scf::ParallelOp op) {
      if (!op->getParentOfType<scf::ParallelOp>())
        outer.push_back(op);
    });
    for (scf::ParallelOp op : outer) {
      // Inner parallel loops run sequentially inside a thread.
      scf::ParallelOp loop = op;
      unsigned rank = loop.getNumLoops();
      if (rank > 1) {
        std::vector<unsigned> all(rank);
        for (unsigned i = 0; i < rank; ++i)
          all[i] = i;
        rewriter.setInsertionPoint(loop);
        // Replaces the loop; the walk below tiles the new one.
        collapseParallelLoops(rewriter, loop, {all});
        continue;
      }
      tile(loop);
    }
    // Tile the collapsed loops (they replaced the originals).
    SmallVector<scf::ParallelOp> collapsed;
    fn.walk([&](scf::ParallelOp op) {
      if (!op->getParentOfType<scf::ParallelOp>() &&
          !op->hasAttr(kTiledAttr))
        collapsed.push_back(op);
    });
    for (scf::ParallelOp op : collapsed)
      tile(op);
    fn.walk([&](scf::ParallelOp op) { op->removeAttr(kTiledAttr); });
  }

  void tile(scf::ParallelOp loop) {
    if (loop->hasAttr(kTiledAttr))
      return;
    // A loop of at most one block's iterations is one block.
    std::optional<int64_t> lb = getConstantIntValue(loop.getLowerBound()[0]);
    std::optional<int64_t> ub = getConstantIntValue(loop.getUpperBound()[0]);
    std::optional<int64_t> st = getConstantIntValue(loop.getStep()[0]);
    if (lb && ub && st && *st > 0 && (*ub - *lb + *st - 1) / *st <= 1) {
      loop->setAttr(kTiledAttr, UnitAttr::get(loop.getContext()));
      return;
    }
    // tileParallelLoop replaces `loop`; do not touch it afterwards.
    MLIRContext *ctx = loop.getContext();
    auto [outer, inner] =
        scf::tileParallelLoop(loop, {int64_t(blockSize)},
                              /*noMinMaxBounds=*/true);
    outer->setAttr(kTiledAttr, UnitAttr::get(ctx));
  }

  static constexpr llvm::StringLiteral kTiledAttr = "mp.gpu_tiled";
  unsigned blockSize;
};
} // namespace

//===----------------------------------------------------------------------===//
// mp-gpu-sink-constants
//===----------------------------------------------------------------------===//

namespace {
/// Clones the constants a gpu.launch body uses into it, so that outlining
/// does not turn them into kernel arguments: loop bounds and the cast
/// emulation's masks stay immediates (divisions by constants, no loads).
struct MPGPUSinkConstantsPass
    : public PassWrapper<MPGPUSinkConstantsPass, OperationPass<func::FuncOp>> {
  MLIR_DEFINE_EXPLICIT_INTERNAL_INLINE_TYPE_ID(MPGPUSinkConstantsPass)
  StringRef getArgument() const final { return "mp-gpu-sink-constants"; }
  StringRef getDescription() const final {
    return "Clone constants used by gpu.launch bodies into them";
  }
  void runOnOperation() override {
    getOperation().walk([&](gpu::LaunchOp launch) {
      if (failed(sinkOperationsIntoLaunchOp(launch, [](Operation *op) {
            return op->hasTrait<OpTrait::ConstantLike>();
          })))
        signalPassFailure();
    });
  }
};
} // namespace

//===----------------------------------------------------------------------===//
// mp-gpu-merge-modules
//===----------------------------------------------------------------------===//

namespace {
/// gpu-kernel-outlining puts every kernel in its own gpu.module; a training
/// step has hundreds. One module per host module gives one PTX file, one
/// ptxas run and one module load.
struct MPGPUMergeModulesPass
    : public PassWrapper<MPGPUMergeModulesPass, OperationPass<ModuleOp>> {
  MLIR_DEFINE_EXPLICIT_INTERNAL_INLINE_TYPE_ID(MPGPUMergeModulesPass)
  StringRef getArgument() const final { return "mp-gpu-merge-modules"; }
  StringRef getDescription() const final {
    return "Move every outlined kernel into one gpu.module";
  }
  void runOnOperation() override {
    ModuleOp module = getOperation();
    SmallVector<gpu::GPUModuleOp> gpuModules(
        module.getOps<gpu::GPUModuleOp>());
    if (gpuModules.empty())
      return;
    MLIRContext *ctx = module.getContext();
    // Outlining names modules uniquely (f_kernel, f_kernel_0, ...) but not
    // the kernels in them; each kernel takes its module's name.
    llvm::DenseMap<std::pair<StringAttr, StringAttr>, StringAttr> renamed;
    for (gpu::GPUModuleOp gm : gpuModules) {
      StringAttr moduleName = gm.getSymNameAttr();
      for (auto fn : llvm::make_early_inc_range(gm.getOps<gpu::GPUFuncOp>())) {
        if (!fn.isKernel())
          continue;
        renamed[{moduleName, SymbolTable::getSymbolName(fn)}] = moduleName;
        SymbolTable::setSymbolName(fn, moduleName);
      }
    }
    StringAttr targetName = StringAttr::get(ctx, "mp_kernels");
    if (SymbolTable::lookupSymbolIn(module, targetName)) {
      module.emitError("mp-gpu-pipeline: the module already has a symbol "
                       "named 'mp_kernels'");
      return signalPassFailure();
    }
    gpu::GPUModuleOp target = gpuModules.front();
    SymbolTable::setSymbolName(target, targetName);
    SymbolTable targetTable(target);
    for (gpu::GPUModuleOp other : llvm::drop_begin(gpuModules)) {
      for (Operation &op :
           llvm::make_early_inc_range(other.getBody()->getOperations())) {
        auto symbol = dyn_cast<SymbolOpInterface>(&op);
        if (symbol && targetTable.lookup(symbol.getNameAttr())) {
          // A symbol several kernels reference (a global, a declaration)
          // is there already.
          op.erase();
          continue;
        }
        op.moveBefore(target.getBody(), target.getBody()->end());
        if (symbol)
          targetTable.insert(&op);
      }
      other.erase();
    }
    module.walk([&](gpu::LaunchFuncOp launch) {
      SymbolRefAttr kernel = launch.getKernel();
      auto it = renamed.find(
          {kernel.getRootReference(), kernel.getLeafReference()});
      if (it == renamed.end())
        return;
      launch.setKernelAttr(SymbolRefAttr::get(
          targetName, {FlatSymbolRefAttr::get(it->second)}));
    });
  }
};
} // namespace

//===----------------------------------------------------------------------===//
// Pipeline
//===----------------------------------------------------------------------===//

void mp::registerMPGPUDialects(DialectRegistry &registry) {
  registry.insert<gpu::GPUDialect, NVVM::NVVMDialect>();
  // convert-gpu-to-nvvm converts the kernels' arith, cf, math, memref, ...
  // through these interfaces (mlir-opt registers them all).
  arith::registerConvertArithToLLVMInterface(registry);
  cf::registerConvertControlFlowToLLVMInterface(registry);
  registerConvertFuncToLLVMInterface(registry);
  NVVM::registerConvertGpuToNVVMInterface(registry);
  index::registerConvertIndexToLLVMInterface(registry);
  registerConvertMathToLLVMInterface(registry);
  registerConvertMemRefToLLVMInterface(registry);
  registerConvertNVVMToLLVMInterface(registry);
  ub::registerConvertUBToLLVMInterface(registry);
  NVVM::registerNVVMTargetInterfaceExternalModels(registry);
  registerBuiltinDialectTranslation(registry);
  registerLLVMDialectTranslation(registry);
  registerGPUDialectTranslation(registry);
  // #gpu.select_object: how gpu.binary is embedded in the host module.
  gpu::registerOffloadingLLVMTranslationInterfaceExternalModels(registry);
  registerNVVMDialectTranslation(registry);
}

void mp::buildMPGPUPipeline(OpPassManager &pm,
                            const MPGPUPipelineOptions &options) {
  std::string problem = validateMPGPUPipelineOptions(options);
  if (!problem.empty()) {
    pm.addPass(std::make_unique<MPGPUCheckOptionsPass>(problem));
    return;
  }
  std::string chip = options.chip;
  std::string features = options.features;
  if (features.empty())
    features = defaultFeatures(parseChip(chip));
  std::string cuda = options.cudaPath;

  // Front half: as mp-cpu-pipeline (casts, mp -> linalg, bufferization),
  // with the native FP8 conversions claimed before the integer emulation.
  MPBufferizeOptions toBuffers = getBufferizeOptions(options);
  if (options.nativeCasts && parseChip(chip) >= 89)
    toBuffers.beforeLowerCasts = [](OpPassManager &nested) {
      nested.addPass(std::make_unique<MPGPUNativeCastsPass>());
    };
  buildMPToBuffersPipeline(pm, toBuffers);
  // Every buffer freed at its last use (one managed allocation per buffer;
  // no arena on the device yet).
  MPPlanBuffersPassOptions planOptions;
  planOptions.plan = false;
  pm.addPass(createMPPlanBuffersPass(planOptions));

  // Buffers to managed memory, linalg to parallel loops, loops to kernels.
  pm.addPass(std::make_unique<MPGPUBuffersPass>());
  pm.addPass(createConvertLinalgToParallelLoopsPass());
  pm.addPass(createCanonicalizerPass());
  pm.addNestedPass<func::FuncOp>(
      std::make_unique<MPGPUMapLoopsPass>(options.blockSize));
  pm.addNestedPass<func::FuncOp>(createGpuMapParallelLoopsPass());
  pm.addPass(createConvertParallelLoopToGpuPass());
  pm.addPass(createCanonicalizerPass());
  pm.addNestedPass<func::FuncOp>(std::make_unique<MPGPUSinkConstantsPass>());
  pm.addPass(createGpuKernelOutliningPass());
  pm.addPass(std::make_unique<MPGPUMergeModulesPass>());
  pm.addPass(createLowerAffinePass());
  pm.addPass(createSCFToControlFlowPass());

  // Kernels to NVVM.
  GpuNVVMAttachTargetOptions target;
  target.chip = chip;
  target.features = features;
  target.optLevel = 3;
  target.linkLibs.push_back(cuda + "/nvvm/libdevice/libdevice.10.bc");
  pm.addPass(createGpuNVVMAttachTarget(target));
  pm.addNestedPass<gpu::GPUModuleOp>(createConvertGpuOpsToNVVMOps());
  pm.addNestedPass<gpu::GPUModuleOp>(createReconcileUnrealizedCastsPass());

  // Host code to LLVM.
  pm.addPass(memref::createExpandStridedMetadataPass());
  pm.addPass(createLowerAffinePass());
  pm.addPass(createFinalizeMemRefToLLVMConversionPass());
  pm.addPass(createConvertMathToLLVMPass());
  pm.addPass(createConvertMathToLibmPass());
  pm.addPass(createArithToLLVMConversionPass());
  pm.addPass(createConvertControlFlowToLLVMPass());
  pm.addPass(createConvertFuncToLLVMPass());
  pm.addPass(createGpuToLLVMConversionPass());
  pm.addPass(createReconcileUnrealizedCastsPass());

  // Kernels to PTX (format=isa, JIT-compiled by the driver at load) or to
  // cubin through ptxas (format=bin / fatbin).
  if (!options.serialize)
    return;
  GpuModuleToBinaryPassOptions binary;
  binary.toolkitPath = cuda;
  binary.compilationTarget = options.format;
  pm.addPass(createGpuModuleToBinaryPass(binary));
}

void mp::registerMPGPUPipeline() {
  PassPipelineRegistration<MPGPUPipelineOptions>(
      "mp-gpu-pipeline",
      "Lower an mp training step (tensors) to host LLVM code launching "
      "NVVM kernels (PTX or cubin) through the mgpu* runtime",
      buildMPGPUPipeline);
}
