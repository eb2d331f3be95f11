//===- TileAndVectorize.cpp - Register-tiled vector code --------*- C++ -*-===//
//
// Licensed under the Apache License v2.0 with LLVM Exceptions.
// SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
//
//===----------------------------------------------------------------------===//
//
// mp-tile-and-vectorize: the CPU code generator for linalg ops on buffers.
//
// Every linalg op with static shapes is a loop nest in which each buffer
// operand is addressed linearly: element offset + sum_d coeff[d] * iv[d]
// (strides times indexing-map coefficients). The pass works on that model
// only, so named convolutions (any stride, dilation, groups), matmuls with
// transposing maps, pooling, reductions and fused generics are handled alike:
//
//   1. Adjacent loops that address every operand contiguously are merged
//      (elementwise ops become 1-D, H x W reductions one loop).
//   2. A cost model picks one loop V to vectorize (W lanes, Nv vectors per
//      block) and up to two parallel loops U to unroll (register blocking).
//      V may be parallel (its stride in every output is 1) or a reduction
//      whose combiner is known (acc = acc <op> f(inputs) for every output).
//   3. The op becomes scf.for loops: the other parallel loops outermost, then
//      blocks of U x V, then the reduction loops (V innermost when it is one)
//      carrying the block's accumulators as iter_args, so partial sums stay in
//      registers. Inputs are loaded as vectors (unit stride), gathered (other
//      strides) or loaded as scalars and broadcast (invariant in V); partial
//      vectors are masked. The body is cloned per accumulator with vector
//      types.
//   4. When V is strided in an input that is reused across the other loops
//      (a convolution's weights when V is the output channel), the input is
//      first copied once into a buffer with V innermost ("packed"). When V is
//      strided in an output, the accumulators are gathered before and
//      scattered after the reduction loops, once per block.
//
// Order of floating-point sums: with V parallel, every output element is
// accumulated in exactly the order of the original loops (only the FMA option
// changes rounding). With V a reduction, lane l sums the elements l, l + W,
// ... and the lanes are then added in order to the initial value. The result
// is a fixed function of the loops and accesses: identical from run to run,
// and, since the cost model gives every floating-point reduction the same
// body size, the same whether or not a cast or decode is fused into it.
//
//===----------------------------------------------------------------------===//

#include "mp/Transforms/Passes.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/Vector/IR/VectorOps.h"
#include "mlir/IR/IRMapping.h"
#include "mlir/Interfaces/SideEffectInterfaces.h"
#include "mlir/Interfaces/ViewLikeInterface.h"
#include "llvm/ADT/TypeSwitch.h"
#include "llvm/Support/DebugLog.h"
#include "llvm/TargetParser/Host.h"
#include <cmath>
#include <functional>

#define DEBUG_TYPE "mp-tile-and-vectorize"

namespace mp {
#define GEN_PASS_DEF_MPTILEANDVECTORIZEPASS
#include "mp/Transforms/Passes.h.inc"
} // namespace mp

using namespace mlir;

//===----------------------------------------------------------------------===//
// Loop-nest model
//===----------------------------------------------------------------------===//

namespace {

/// One operand of the op, addressed linearly in the loop ivs.
struct Access {
  OpOperand *operand = nullptr;
  BlockArgument arg;
  bool isInit = false;
  /// A non-buffer operand (e.g. the value of linalg.fill): uniform.
  bool isScalar = false;
  Type elementType;
  /// Element offset of iteration (0, ..., 0) from the aligned pointer.
  int64_t offset = 0;
  /// Elements the 1-D view must cover.
  int64_t extent = 0;
  /// Element stride per loop dimension of the model.
  SmallVector<int64_t> coeff;
  /// The 1-D view of the buffer, created when emitting.
  Value flat;
};

/// One loop of the model: a run of the op's loops merged into one.
struct LoopDim {
  int64_t size = 1;
  bool reduction = false;
  SmallVector<unsigned> orig;
};

struct Nest {
  linalg::LinalgOp op;
  SmallVector<LoopDim> dims;
  /// Inputs, then inits, in operand order.
  SmallVector<Access> accesses;
  unsigned numInputs = 0;
  /// Per init: the combiner of `acc = acc <op> f(...)`, if the body has one.
  SmallVector<std::optional<vector::CombiningKind>> combiners;
  /// Per init: whether the body reads the init's block argument.
  SmallVector<bool> initRead;
  /// Original loop dims read through linalg.index.
  llvm::SmallDenseSet<unsigned> indexed;
  unsigned numBodyOps = 0;
  /// The body size the cost model uses: numBodyOps, except for floating-point
  /// reductions, whose configuration decides the order of their sums; there
  /// it is a constant, so that the order depends on the loops and accesses
  /// only, not on what else the body computes (a fused cast or decode).
  unsigned costBodyOps = 0;

  bool allCombinable() const {
    return llvm::all_of(combiners, [](auto c) { return c.has_value(); });
  }
  ArrayRef<Access> inits() const {
    return ArrayRef<Access>(accesses).drop_front(numInputs);
  }
  int64_t numIterations() const {
    int64_t n = 1;
    for (const LoopDim &d : dims)
      n *= d.size;
    return n;
  }
};

/// The vectorization chosen for a nest.
struct Config {
  unsigned vdim = 0;
  int64_t lanes = 0;
  int64_t nv = 1;
  /// Unrolled parallel dims and their factors (register block).
  SmallVector<std::pair<unsigned, int64_t>, 2> unroll;
  /// Per access: copy the input into a buffer with V innermost first (it is
  /// strided in V and reused enough to pay for the copy).
  SmallVector<bool> packed;
  double cost = 0;
};

} // namespace

/// Adds `mul * e` to `coeff`/`cst`; fails for non-linear expressions.
static bool addLinear(AffineExpr e, int64_t mul, MutableArrayRef<int64_t> coeff,
                      int64_t &cst) {
  switch (e.getKind()) {
  case AffineExprKind::DimId:
    coeff[cast<AffineDimExpr>(e).getPosition()] += mul;
    return true;
  case AffineExprKind::Constant:
    cst += mul * cast<AffineConstantExpr>(e).getValue();
    return true;
  case AffineExprKind::Add: {
    auto bin = cast<AffineBinaryOpExpr>(e);
    return addLinear(bin.getLHS(), mul, coeff, cst) &&
           addLinear(bin.getRHS(), mul, coeff, cst);
  }
  case AffineExprKind::Mul: {
    auto bin = cast<AffineBinaryOpExpr>(e);
    if (auto c = dyn_cast<AffineConstantExpr>(bin.getRHS()))
      return addLinear(bin.getLHS(), mul * c.getValue(), coeff, cst);
    if (auto c = dyn_cast<AffineConstantExpr>(bin.getLHS()))
      return addLinear(bin.getRHS(), mul * c.getValue(), coeff, cst);
    return false;
  }
  default:
    return false;
  }
}

/// The reduction kind of a binary combiner op, if it is associative and
/// commutative.
static std::optional<vector::CombiningKind> getCombiningKind(Operation *op) {
  using vector::CombiningKind;
  return llvm::TypeSwitch<Operation *, std::optional<CombiningKind>>(op)
      .Case<arith::AddFOp, arith::AddIOp>(
          [](auto) { return CombiningKind::ADD; })
      .Case<arith::MulFOp, arith::MulIOp>(
          [](auto) { return CombiningKind::MUL; })
      .Case([](arith::MaximumFOp) { return CombiningKind::MAXIMUMF; })
      .Case([](arith::MinimumFOp) { return CombiningKind::MINIMUMF; })
      .Case([](arith::MaxNumFOp) { return CombiningKind::MAXNUMF; })
      .Case([](arith::MinNumFOp) { return CombiningKind::MINNUMF; })
      .Case([](arith::MaxSIOp) { return CombiningKind::MAXSI; })
      .Case([](arith::MinSIOp) { return CombiningKind::MINSI; })
      .Case([](arith::MaxUIOp) { return CombiningKind::MAXUI; })
      .Case([](arith::MinUIOp) { return CombiningKind::MINUI; })
      .Case([](arith::AndIOp) { return CombiningKind::AND; })
      .Case([](arith::OrIOp) { return CombiningKind::OR; })
      .Case([](arith::XOrIOp) { return CombiningKind::XOR; })
      .Default([](Operation *) { return std::nullopt; });
}

/// The value that leaves any element unchanged under `kind`. For addf it is
/// -0.0, so that a sum of -0.0 terms stays -0.0 as in the scalar loop.
static TypedAttr getNeutralAttr(vector::CombiningKind kind, Type type) {
  using vector::CombiningKind;
  if (auto ft = dyn_cast<FloatType>(type)) {
    const llvm::fltSemantics &sem = ft.getFloatSemantics();
    switch (kind) {
    case CombiningKind::ADD:
      return FloatAttr::get(ft, APFloat::getZero(sem, /*Negative=*/true));
    case CombiningKind::MUL:
      return FloatAttr::get(ft, 1.0);
    case CombiningKind::MAXIMUMF:
    case CombiningKind::MAXNUMF:
      return FloatAttr::get(ft, APFloat::getInf(sem, /*Negative=*/true));
    case CombiningKind::MINIMUMF:
    case CombiningKind::MINNUMF:
      return FloatAttr::get(ft, APFloat::getInf(sem, /*Negative=*/false));
    default:
      return {};
    }
  }
  auto it = dyn_cast<IntegerType>(type);
  if (!it)
    return {};
  unsigned w = it.getWidth();
  switch (kind) {
  case CombiningKind::ADD:
  case CombiningKind::OR:
  case CombiningKind::XOR:
  case CombiningKind::MAXUI:
    return IntegerAttr::get(it, APInt::getZero(w));
  case CombiningKind::MUL:
    return IntegerAttr::get(it, APInt(w, 1));
  case CombiningKind::AND:
  case CombiningKind::MINUI:
    return IntegerAttr::get(it, APInt::getAllOnes(w));
  case CombiningKind::MAXSI:
    return IntegerAttr::get(it, APInt::getSignedMinValue(w));
  case CombiningKind::MINSI:
    return IntegerAttr::get(it, APInt::getSignedMaxValue(w));
  default:
    return {};
  }
}

/// Whether `v` (in the body) depends on the block argument of any init.
static bool dependsOnInits(Value v, linalg::LinalgOp op,
                           llvm::SmallPtrSetImpl<Operation *> &visited) {
  if (auto arg = dyn_cast<BlockArgument>(v))
    return arg.getOwner() == op.getBlock() &&
           arg.getArgNumber() >= op.getNumDpsInputs();
  Operation *def = v.getDefiningOp();
  if (!def || def->getBlock() != op.getBlock() || !visited.insert(def).second)
    return false;
  return llvm::any_of(def->getOperands(), [&](Value operand) {
    return dependsOnInits(operand, op, visited);
  });
}

/// The underlying buffer of a view.
static Value getRootBuffer(Value v) {
  while (auto view = v.getDefiningOp<ViewLikeOpInterface>())
    v = view.getViewSource();
  return v;
}

static bool isSupportedScalarType(Type t) {
  return isa<FloatType, IntegerType, IndexType>(t);
}

/// The body size that the cost model assumes for every floating-point
/// reduction (Nest::costBodyOps).
static constexpr unsigned kReductionCostBodyOps = 4;

/// Builds the loop-nest model of `op`; fails for anything the emitter does
/// not handle (the op then stays for convert-linalg-to-loops).
static FailureOr<Nest> buildNest(linalg::LinalgOp op) {
  if (!op.hasPureBufferSemantics() || op->getNumResults() != 0)
    return failure();
  SmallVector<int64_t> ranges = op.getStaticLoopRanges();
  if (llvm::any_of(ranges, [](int64_t r) { return r <= 0; }))
    return failure(); // dynamic (negative sentinel) or empty
  SmallVector<utils::IteratorType> iterators = op.getIteratorTypesArray();
  unsigned n = op.getNumLoops();

  Nest nest;
  nest.op = op;
  nest.numInputs = op.getNumDpsInputs();
  for (OpOperand &operand : op->getOpOperands()) {
    Access a;
    a.operand = &operand;
    a.isInit = op.isDpsInit(&operand);
    a.arg = op.getMatchingBlockArgument(&operand);
    a.coeff.assign(n, 0);
    Type type = operand.get().getType();
    auto memref = dyn_cast<MemRefType>(type);
    if (!memref) {
      if (isa<ShapedType>(type) || a.isInit || !isSupportedScalarType(type))
        return failure();
      a.isScalar = true;
      a.elementType = type;
      nest.accesses.push_back(std::move(a));
      continue;
    }
    a.elementType = memref.getElementType();
    if (!memref.hasStaticShape() || !a.elementType.isIntOrFloat())
      return failure();
    SmallVector<int64_t> strides;
    int64_t offset;
    if (failed(memref.getStridesAndOffset(strides, offset)) ||
        ShapedType::isDynamic(offset) || offset < 0 ||
        llvm::any_of(strides, [](int64_t s) {
          return ShapedType::isDynamic(s) || s < 0;
        }))
      return failure();
    AffineMap map = op.getMatchingIndexingMap(&operand);
    if (map.getNumSymbols() != 0)
      return failure();
    int64_t cst = offset, extent = offset + 1;
    for (auto [j, expr] : llvm::enumerate(map.getResults())) {
      SmallVector<int64_t> c(n, 0);
      int64_t k = 0;
      if (!addLinear(expr, 1, c, k))
        return failure();
      for (unsigned d = 0; d < n; ++d)
        a.coeff[d] += strides[j] * c[d];
      cst += strides[j] * k;
      extent += (memref.getDimSize(j) - 1) * strides[j];
    }
    a.offset = cst;
    a.extent = extent;
    if (a.isInit) {
      // Every parallel loop writes its own element; reductions revisit it.
      if (!map.isProjectedPermutation())
        return failure();
      for (unsigned d = 0; d < n; ++d)
        if (map.isFunctionOfDim(d) !=
            (iterators[d] == utils::IteratorType::parallel))
          return failure();
    }
    nest.accesses.push_back(std::move(a));
  }

  // The body: elementwise-mappable arith/math ops, constants, linalg.index.
  Block *body = op.getBlock();
  for (Operation &inner : body->without_terminator()) {
    if (auto index = dyn_cast<linalg::IndexOp>(inner)) {
      nest.indexed.insert(index.getDim());
      continue;
    }
    if (inner.hasTrait<OpTrait::ConstantLike>())
      continue;
    if (!OpTrait::hasElementwiseMappableTraits(&inner) ||
        inner.getNumRegions() != 0 || !isMemoryEffectFree(&inner))
      return failure();
    // A masked-off lane may divide by zero, which is UB for integers.
    if (isa<arith::DivSIOp, arith::DivUIOp, arith::RemSIOp, arith::RemUIOp,
            arith::CeilDivSIOp, arith::CeilDivUIOp, arith::FloorDivSIOp>(inner))
      return failure();
    if (!llvm::all_of(inner.getResultTypes(), isSupportedScalarType) ||
        !llvm::all_of(inner.getOperandTypes(), isSupportedScalarType))
      return failure();
    ++nest.numBodyOps;
  }

  // Combiners: yield k = acc_k <op> e with e independent of every acc.
  auto yield = cast<linalg::YieldOp>(body->getTerminator());
  for (auto [k, init] : llvm::enumerate(op.getDpsInitsMutable())) {
    BlockArgument acc = op.getMatchingBlockArgument(&init);
    nest.initRead.push_back(!acc.use_empty());
    std::optional<vector::CombiningKind> kind;
    Operation *def = yield.getOperand(k).getDefiningOp();
    // The combined value may feed nothing but the yield: other uses would
    // see per-lane partial results.
    if (def && def->getBlock() == body && def->getNumOperands() == 2 &&
        def->hasOneUse() && acc.hasOneUse() &&
        *acc.getUsers().begin() == def) {
      Value other =
          def->getOperand(0) == acc ? def->getOperand(1) : def->getOperand(0);
      llvm::SmallPtrSet<Operation *, 8> visited;
      if (other != acc && !dependsOnInits(other, op, visited))
        kind = getCombiningKind(def);
      if (kind && !getNeutralAttr(*kind, acc.getType()))
        kind.reset();
    }
    nest.combiners.push_back(kind);
  }

  // Aliasing: an init may share its buffer with an input only when the op
  // has no reduction and both are the same value read and written at the
  // same element (read-before-write per element, as in the scalar loops).
  bool hasReduction = llvm::any_of(iterators, [](utils::IteratorType t) {
    return t == utils::IteratorType::reduction;
  });
  for (const Access &w : nest.inits()) {
    Value wRoot = getRootBuffer(w.operand->get());
    for (const Access &r : nest.accesses) {
      if (&r == &w || r.isScalar || getRootBuffer(r.operand->get()) != wRoot)
        continue;
      if (r.isInit || hasReduction || r.operand->get() != w.operand->get() ||
          r.coeff != w.coeff || r.offset != w.offset)
        return failure();
    }
  }

  // Loops of the model, then merge (outer, inner) pairs that address every
  // operand as one contiguous range, keeping the iteration order.
  for (unsigned d = 0; d < n; ++d) {
    LoopDim dim;
    dim.size = ranges[d];
    dim.reduction = iterators[d] == utils::IteratorType::reduction;
    dim.orig.push_back(d);
    nest.dims.push_back(dim);
  }
  for (unsigned i = 0; i + 1 < nest.dims.size();) {
    LoopDim &outer = nest.dims[i], &inner = nest.dims[i + 1];
    bool ok =
        outer.reduction == inner.reduction &&
        !llvm::any_of(outer.orig,
                      [&](unsigned d) { return nest.indexed.contains(d); }) &&
        !llvm::any_of(inner.orig,
                      [&](unsigned d) { return nest.indexed.contains(d); }) &&
        llvm::all_of(nest.accesses, [&](const Access &a) {
          return a.coeff[i] == a.coeff[i + 1] * inner.size;
        });
    if (!ok) {
      ++i;
      continue;
    }
    outer.size *= inner.size;
    outer.orig.append(inner.orig.begin(), inner.orig.end());
    nest.dims.erase(nest.dims.begin() + i + 1);
    for (Access &a : nest.accesses) {
      a.coeff[i] = a.coeff[i + 1];
      a.coeff.erase(a.coeff.begin() + i + 1);
    }
  }
  bool floatReduction =
      llvm::any_of(nest.dims, [](const LoopDim &d) { return d.reduction; }) &&
      llvm::any_of(nest.inits(), [](const Access &a) {
        return isa<FloatType>(a.elementType);
      });
  nest.costBodyOps = floatReduction ? kReductionCostBodyOps : nest.numBodyOps;
  return nest;
}

//===----------------------------------------------------------------------===//
// Cost model
//===----------------------------------------------------------------------===//

static unsigned getBitWidth(Type t) {
  return isa<IndexType>(t) ? 64 : t.getIntOrFloatBitWidth();
}

/// Estimated cycles of `nest` under `cfg` (roughly: vector instructions),
/// or nullopt when the configuration is invalid or needs too many registers.
static std::optional<double> estimateCost(const Nest &nest, Config &cfg,
                                          unsigned vectorBits,
                                          bool allowPacking) {
  const LoopDim &v = nest.dims[cfg.vdim];
  bool vRed = v.reduction;
  int64_t w = cfg.lanes;
  if (vRed && !nest.allCombinable())
    return std::nullopt;
  // A parallel V may be strided in an init: its accumulators are gathered
  // before and scattered after the reduction loops.
  for (const Access &a : nest.inits())
    if (!vRed && a.elementType.isInteger(1))
      return std::nullopt;
  unsigned varyingInputs = 0;
  for (const Access &a : ArrayRef(nest.accesses).take_front(nest.numInputs)) {
    if (a.isScalar || a.coeff[cfg.vdim] == 0)
      continue;
    if (a.elementType.isInteger(1))
      return std::nullopt;
    ++varyingInputs;
  }

  // Registers: accumulators plus the vectors of one step.
  unsigned numRegs = vectorBits >= 512 ? 32 : 16;
  int64_t block = cfg.nv;
  for (auto [d, mu] : cfg.unroll)
    block *= mu;
  int64_t accRegs = 0;
  for (const Access &a : nest.inits())
    accRegs +=
        block * llvm::divideCeil(w * getBitWidth(a.elementType), vectorBits);
  if (accRegs + cfg.nv * varyingInputs + 2 > numRegs)
    return std::nullopt;
  if (int64_t(nest.costBodyOps + 1) * block > 768)
    return std::nullopt; // code size

  // Packing: a copy of the elements with V innermost, when the gathers it
  // saves (one per lane, reused by the unrolled dims it does not depend on)
  // cost more than the copy.
  cfg.packed.assign(nest.accesses.size(), false);
  double packCost = 0;
  for (auto [i, a] : llvm::enumerate(nest.accesses)) {
    int64_t c = a.isScalar ? 0 : a.coeff[cfg.vdim];
    if (!allowPacking || a.isInit || c == 0 || c == 1 ||
        llvm::any_of(a.coeff, [](int64_t k) { return k < 0; }))
      continue;
    double packedSize = 1;
    for (auto [d, dim] : llvm::enumerate(nest.dims))
      if (a.coeff[d] != 0)
        packedSize *= dim.size;
    double reuse = 1;
    for (auto [u, mu] : cfg.unroll)
      if (a.coeff[u] == 0)
        reuse *= mu;
    double savings =
        double(nest.numIterations()) / (double(w) * reuse) * double(w - 1);
    if (packedSize <= double(1 << 22) && 3 * packedSize < savings) {
      cfg.packed[i] = true;
      packCost += 3 * packedSize;
    }
  }

  // One step of the reduction loops for a block of `mus` x `nvHere`.
  auto stepCost = [&](ArrayRef<int64_t> mus, int64_t nvHere) {
    double loads = 0;
    for (auto [i, a] :
         llvm::enumerate(ArrayRef(nest.accesses).take_front(nest.numInputs))) {
      if (a.isScalar)
        continue;
      double combos = 1;
      for (auto [slot, u] : llvm::enumerate(cfg.unroll))
        if (a.coeff[u.first] != 0)
          combos *= mus[slot];
      int64_t c = a.coeff[cfg.vdim];
      double perCombo = c == 0                    ? 1
                        : c == 1 || cfg.packed[i] ? nvHere
                                                  : nvHere * double(w);
      loads += combos * perCombo;
    }
    double combos = 1;
    for (int64_t mu : mus)
      combos *= mu;
    double compute = combos * nvHere * nest.costBodyOps;
    return loads + compute + 1;
  };
  int64_t redIters = 1;
  for (auto [d, dim] : llvm::enumerate(nest.dims))
    if (dim.reduction && d != cfg.vdim)
      redIters *= dim.size;
  double numInits = nest.inits().size();
  double logW = std::log2(double(w));
  auto blockCost = [&](ArrayRef<int64_t> mus, int64_t nvHere) {
    double combos = 1;
    for (int64_t mu : mus)
      combos *= mu;
    if (!vRed) {
      double initCost = 0;
      for (const Access &a : nest.inits())
        initCost += combos * nvHere * 2 * (a.coeff[cfg.vdim] == 1 ? 1 : w);
      return redIters * stepCost(mus, nvHere) + initCost;
    }
    int64_t elems = w * cfg.nv;
    int64_t full = v.size / elems, rem = v.size % elems;
    double inner = full * stepCost(mus, cfg.nv);
    if (rem)
      inner += stepCost(mus, llvm::divideCeil(rem, w)) + combos * cfg.nv;
    return redIters * inner + numInits * combos * (cfg.nv + logW + 4);
  };

  // Compile time: every block variant (full or tail in each unrolled dim
  // and in V) is emitted with its own copy of the body per accumulator.
  double numMemrefs = nest.accesses.size();
  auto codeCost = [&](ArrayRef<int64_t> mus, int64_t nvHere) {
    double combos = 1;
    for (int64_t mu : mus)
      combos *= mu;
    return 40 * combos * nvHere * (nest.costBodyOps + numMemrefs);
  };

  // Sum over the full and tail blocks of every unrolled dim (and of V).
  double total = 0;
  SmallVector<int64_t> mus(cfg.unroll.size());
  std::function<void(unsigned, double)> visit = [&](unsigned slot,
                                                    double count) {
    if (slot < cfg.unroll.size()) {
      auto [d, mu] = cfg.unroll[slot];
      int64_t size = nest.dims[d].size;
      if (size / mu) {
        mus[slot] = mu;
        visit(slot + 1, count * double(size / mu));
      }
      if (size % mu) {
        mus[slot] = size % mu;
        visit(slot + 1, count);
      }
      return;
    }
    if (vRed) {
      total += count * blockCost(mus, cfg.nv) + codeCost(mus, cfg.nv);
      return;
    }
    int64_t elems = w * cfg.nv;
    if (v.size / elems)
      total += count * double(v.size / elems) * blockCost(mus, cfg.nv) +
               codeCost(mus, cfg.nv);
    if (int64_t tail = llvm::divideCeil(v.size % elems, w))
      total += count * blockCost(mus, tail) + codeCost(mus, tail);
  };
  double outer = 1;
  for (auto [d, dim] : llvm::enumerate(nest.dims)) {
    // (Structured bindings cannot be captured before C++20.)
    unsigned di = d;
    bool inBlock = di == cfg.vdim || llvm::any_of(cfg.unroll, [&](auto u) {
                     return u.first == di;
                   });
    if (!dim.reduction && !inBlock)
      outer *= dim.size;
  }
  visit(0, outer);
  return total + packCost;
}

/// The cheapest configuration, if it beats the scalar loops clearly.
static std::optional<Config> chooseConfig(const Nest &nest, unsigned vectorBits,
                                          bool allowPacking) {
  unsigned memrefInputs = 0;
  for (const Access &a : ArrayRef(nest.accesses).take_front(nest.numInputs))
    memrefInputs += !a.isScalar;
  double scalar =
      double(nest.numIterations()) * (memrefInputs + nest.costBodyOps + 2);
  int64_t maxLanes = std::max<int64_t>(vectorBits / 32, 4);

  std::optional<Config> best;
  // Returns the configuration with its cost, if valid, and keeps the best.
  auto consider = [&](Config cfg) -> std::optional<Config> {
    std::optional<double> cost =
        estimateCost(nest, cfg, vectorBits, allowPacking);
    if (!cost)
      return std::nullopt;
    cfg.cost = *cost;
    if (!best || cfg.cost < best->cost)
      best = cfg;
    return cfg;
  };
  static constexpr int64_t kFactors[] = {2, 3, 4, 6, 8};
  for (auto [v, dim] : llvm::enumerate(nest.dims)) {
    if (dim.size < 2)
      continue;
    for (int64_t lanes = maxLanes; lanes >= 4; lanes /= 2) {
      if (lanes > std::max<int64_t>(4, llvm::PowerOf2Ceil(dim.size)))
        continue;
      for (int64_t nv = 1; nv <= 4; ++nv) {
        if ((nv - 1) * lanes >= dim.size)
          break;
        Config base;
        base.vdim = v;
        base.lanes = lanes;
        base.nv = nv;
        std::optional<Config> local = consider(base);
        if (!local)
          continue;
        // Greedy register blocking: the best first unrolled dim, then the
        // best second one with it.
        for (unsigned slot = 0; slot < 2; ++slot) {
          Config start = *local;
          for (auto [u, udim] : llvm::enumerate(nest.dims)) {
            if (u == v || udim.reduction || udim.size < 2 ||
                llvm::any_of(start.unroll, [ui = unsigned(u)](auto p) {
                  return p.first == ui;
                }))
              continue;
            for (int64_t mu : kFactors) {
              if (mu > udim.size)
                break;
              Config cfg = start;
              cfg.unroll.push_back({unsigned(u), mu});
              std::optional<Config> tried = consider(cfg);
              if (tried && tried->cost < local->cost)
                local = tried;
            }
          }
          if (local->unroll.size() != slot + 1)
            break;
        }
      }
    }
  }
  if (!best || best->cost > 0.75 * scalar)
    return std::nullopt;
  return best;
}

//===----------------------------------------------------------------------===//
// Emission
//===----------------------------------------------------------------------===//

namespace {

/// Emits the loops and vector code for one nest under one configuration.
class NestEmitter {
public:
  NestEmitter(Nest &nest, const Config &cfg, unsigned vectorBits, bool useFMA,
              OpBuilder &b)
      : nest(nest), cfg(cfg), vectorBits(vectorBits), useFMA(useFMA), b(b),
        loc(nest.op->getLoc()), vRed(nest.dims[cfg.vdim].reduction),
        w(cfg.lanes) {}

  void emit();

private:
  using Body = function_ref<SmallVector<Value>(Value iv, ValueRange args)>;

  Value constIndex(int64_t v) {
    return arith::ConstantIndexOp::create(b, loc, v);
  }
  SmallVector<Value> loop(int64_t lb, int64_t ub, int64_t step, ValueRange init,
                          Body body);
  Value mask(int64_t active);
  VectorType vecType(Type t) { return VectorType::get({w}, t); }
  Value broadcast(Value v) {
    if (isa<VectorType>(v.getType()))
      return v;
    return vector::BroadcastOp::create(b, loc, vecType(v.getType()), v);
  }

  /// Offsets of the unrolled dims for accumulator combination `combo`.
  SmallVector<int64_t> comboOffsets(int64_t combo) const;
  int64_t numCombos() const;
  /// The element index of access `a` at combination offsets `offs` and
  /// vector `j` (only when `a` varies with V).
  Value index(const Access &a, ArrayRef<int64_t> offs, int64_t j);
  Value loadInput(unsigned i, int64_t combo, int64_t j, int64_t active);
  Value loadInit(const Access &a, int64_t combo, int64_t j, int64_t active);
  /// [0, stride, 2 * stride, ...] as a vector of indices.
  Value laneOffsets(int64_t stride);
  Value zeroVector(Type elementType);
  /// Copies the elements `a` reads into a new buffer with V innermost and
  /// points `a` at it; returns the buffer (to free after the nest).
  Value pack(Access &a);
  void storeInit(const Access &a, int64_t combo, int64_t j, int64_t active,
                 Value value);

  void emitParallel(unsigned level);
  void emitBlock(ArrayRef<int64_t> lanesPerVector);
  SmallVector<Value> emitReductions(unsigned level, ValueRange accs,
                                    ArrayRef<int64_t> lanesPerVector);
  SmallVector<Value> emitStep(ValueRange accs, ArrayRef<int64_t> lanes);
  SmallVector<Value> cloneBody(IRMapping &map, int64_t combo, int64_t j);

  unsigned accIndex(unsigned k, int64_t combo, int64_t j, int64_t nvb) const {
    return (k * numCombos() + combo) * nvb + j;
  }

  Nest &nest;
  const Config &cfg;
  unsigned vectorBits;
  bool useFMA;
  OpBuilder &b;
  Location loc;
  bool vRed;
  int64_t w;

  SmallVector<unsigned> plainParallel, reductionDims;
  SmallVector<int64_t> dimOfOrig;
  /// Current value of each model loop (block base for unrolled dims and V).
  SmallVector<Value> ivs;
  /// Current unroll factor per unroll slot.
  SmallVector<int64_t> mus;
  /// Loads and linear bases of the current step.
  DenseMap<std::tuple<unsigned, int64_t, int64_t>, Value> loadCache;
  DenseMap<unsigned, Value> baseCache;
  llvm::SmallPtrSet<Operation *, 8> fusedMuls;
};

} // namespace

SmallVector<Value> NestEmitter::loop(int64_t lb, int64_t ub, int64_t step,
                                     ValueRange init, Body body) {
  if (ub <= lb)
    return SmallVector<Value>(init);
  if (ub - lb <= step)
    return body(constIndex(lb), init);
  SmallVector<Value> results;
  auto forOp = scf::ForOp::create(
      b, loc, constIndex(lb), constIndex(ub), constIndex(step), init,
      [&](OpBuilder &nested, Location, Value iv, ValueRange args) {
        OpBuilder::InsertionGuard guard(b);
        b.setInsertionPoint(nested.getInsertionBlock(),
                            nested.getInsertionPoint());
        SmallVector<Value> yielded = body(iv, args);
        scf::YieldOp::create(b, loc, yielded);
      });
  return SmallVector<Value>(forOp.getResults());
}

Value NestEmitter::mask(int64_t active) {
  SmallVector<bool> bits(w, false);
  for (int64_t l = 0; l < active; ++l)
    bits[l] = true;
  auto type = VectorType::get({w}, b.getI1Type());
  return arith::ConstantOp::create(b, loc, type,
                                   DenseElementsAttr::get(type, bits));
}

int64_t NestEmitter::numCombos() const {
  int64_t n = 1;
  for (int64_t mu : mus)
    n *= mu;
  return n;
}

SmallVector<int64_t> NestEmitter::comboOffsets(int64_t combo) const {
  SmallVector<int64_t> offs(mus.size());
  for (int i = int(mus.size()) - 1; i >= 0; --i) {
    offs[i] = combo % mus[i];
    combo /= mus[i];
  }
  return offs;
}

Value NestEmitter::index(const Access &a, ArrayRef<int64_t> offs, int64_t j) {
  unsigned key = &a - nest.accesses.data();
  Value base = baseCache.lookup(key);
  if (!base) {
    // offset + sum coeff[d] * iv[d], over the current ivs and block bases.
    int64_t cst = a.offset;
    for (auto [d, iv] : llvm::enumerate(ivs)) {
      int64_t c = a.coeff[d];
      if (c == 0)
        continue;
      Value term = iv;
      if (c != 1)
        term = arith::MulIOp::create(b, loc, iv, constIndex(c));
      base =
          base ? arith::AddIOp::create(b, loc, base, term).getResult() : term;
    }
    if (!base)
      base = constIndex(cst);
    else if (cst != 0)
      base = arith::AddIOp::create(b, loc, base, constIndex(cst));
    baseCache[key] = base;
  }
  int64_t delta = a.coeff[cfg.vdim] * j * w;
  for (auto [slot, u] : llvm::enumerate(cfg.unroll))
    delta += a.coeff[u.first] * offs[slot];
  if (delta == 0)
    return base;
  return arith::AddIOp::create(b, loc, base, constIndex(delta));
}

Value NestEmitter::loadInput(unsigned i, int64_t combo, int64_t j,
                             int64_t active) {
  Access &a = nest.accesses[i];
  if (a.isScalar)
    return a.operand->get();
  SmallVector<int64_t> offs = comboOffsets(combo);
  int64_t c = a.coeff[cfg.vdim];
  // Loads depend only on the unrolled dims the access varies with.
  int64_t restricted = 0;
  for (auto [slot, u] : llvm::enumerate(cfg.unroll))
    restricted = restricted * mus[slot] + (a.coeff[u.first] ? offs[slot] : 0);
  auto key = std::make_tuple(i, restricted, c == 0 ? int64_t(-1) : j);
  if (Value cached = loadCache.lookup(key))
    return cached;
  Value idx = index(a, offs, c == 0 ? 0 : j);
  Value result;
  if (c == 0) {
    result = memref::LoadOp::create(b, loc, a.flat, idx);
  } else if (c == 1 && active == w) {
    result =
        vector::LoadOp::create(b, loc, vecType(a.elementType), a.flat, idx);
  } else if (c == 1) {
    result = vector::MaskedLoadOp::create(b, loc, vecType(a.elementType),
                                          a.flat, idx, mask(active),
                                          zeroVector(a.elementType));
  } else {
    result = vector::GatherOp::create(b, loc, vecType(a.elementType), a.flat,
                                      ValueRange{idx}, laneOffsets(c),
                                      mask(active), zeroVector(a.elementType));
  }
  loadCache[key] = result;
  return result;
}

Value NestEmitter::laneOffsets(int64_t stride) {
  SmallVector<int64_t> steps(w);
  for (int64_t l = 0; l < w; ++l)
    steps[l] = l * stride;
  auto type = VectorType::get({w}, b.getIndexType());
  return arith::ConstantOp::create(
      b, loc, type, DenseElementsAttr::get(type, ArrayRef<int64_t>(steps)));
}

Value NestEmitter::zeroVector(Type elementType) {
  return arith::ConstantOp::create(
      b, loc, vecType(elementType),
      DenseElementsAttr::get(vecType(elementType), b.getZeroAttr(elementType)));
}

Value NestEmitter::loadInit(const Access &a, int64_t combo, int64_t j,
                            int64_t active) {
  Value idx = index(a, comboOffsets(combo), j);
  int64_t c = a.coeff[cfg.vdim];
  if (c == 1 && active == w)
    return vector::LoadOp::create(b, loc, vecType(a.elementType), a.flat, idx);
  if (c == 1)
    return vector::MaskedLoadOp::create(b, loc, vecType(a.elementType), a.flat,
                                        idx, mask(active),
                                        zeroVector(a.elementType));
  return vector::GatherOp::create(b, loc, vecType(a.elementType), a.flat,
                                  ValueRange{idx}, laneOffsets(c), mask(active),
                                  zeroVector(a.elementType));
}

void NestEmitter::storeInit(const Access &a, int64_t combo, int64_t j,
                            int64_t active, Value value) {
  Value idx = index(a, comboOffsets(combo), j);
  int64_t c = a.coeff[cfg.vdim];
  if (c == 1 && active == w)
    vector::StoreOp::create(b, loc, value, a.flat, idx);
  else if (c == 1)
    vector::MaskedStoreOp::create(b, loc, a.flat, idx, mask(active), value);
  else
    vector::ScatterOp::create(b, loc, Type(), a.flat, ValueRange{idx},
                              laneOffsets(c), mask(active), value);
}

static bool tileAndVectorize(linalg::LinalgOp op, unsigned vectorBits,
                             bool useFMA, bool allowPacking);

Value NestEmitter::pack(Access &a) {
  // The dims `a` depends on, in loop order, V last.
  SmallVector<unsigned> dims;
  for (auto [d, dim] : llvm::enumerate(nest.dims))
    if (a.coeff[d] != 0 && d != cfg.vdim)
      dims.push_back(d);
  dims.push_back(cfg.vdim);
  SmallVector<int64_t> shape, strides;
  for (unsigned d : dims) {
    shape.push_back(nest.dims[d].size);
    strides.push_back(a.coeff[d]);
  }
  auto srcType = MemRefType::get(
      shape, a.elementType,
      StridedLayoutAttr::get(b.getContext(), a.offset, strides));
  Value src = memref::ReinterpretCastOp::create(
      b, loc, srcType, a.operand->get(), a.offset, shape, strides);
  Value dst = memref::AllocOp::create(
      b, loc, MemRefType::get(shape, a.elementType), b.getI64IntegerAttr(64));
  auto copy = linalg::CopyOp::create(b, loc, ValueRange{src}, ValueRange{dst});
  // The copy gathers once; left scalar if the cost model says so.
  tileAndVectorize(copy, vectorBits, useFMA, /*allowPacking=*/false);

  int64_t stride = 1;
  SmallVector<int64_t> coeff(nest.dims.size(), 0);
  for (int i = int(dims.size()) - 1; i >= 0; --i) {
    coeff[dims[i]] = stride;
    stride *= shape[i];
  }
  a.coeff = std::move(coeff);
  a.offset = 0;
  a.extent = stride;
  a.flat = memref::ReinterpretCastOp::create(
      b, loc, MemRefType::get({stride}, a.elementType), dst, int64_t(0),
      ArrayRef<int64_t>{stride}, ArrayRef<int64_t>{1});
  return dst;
}

void NestEmitter::emit() {
  linalg::LinalgOp op = nest.op;
  // 1-D views from the aligned pointer; offsets go into the indices.
  for (Access &a : nest.accesses) {
    if (a.isScalar)
      continue;
    auto flatType = MemRefType::get({a.extent}, a.elementType);
    a.flat = memref::ReinterpretCastOp::create(
        b, loc, flatType, a.operand->get(), /*offset=*/int64_t(0),
        ArrayRef<int64_t>{a.extent}, ArrayRef<int64_t>{1});
  }
  dimOfOrig.assign(op.getNumLoops(), -1);
  for (auto [d, dim] : llvm::enumerate(nest.dims))
    for (unsigned o : dim.orig)
      dimOfOrig[o] = d;
  for (auto [d, dim] : llvm::enumerate(nest.dims)) {
    bool unrolled = llvm::any_of(
        cfg.unroll, [di = unsigned(d)](auto u) { return u.first == di; });
    if (dim.reduction) {
      if (d != cfg.vdim)
        reductionDims.push_back(d);
    } else if (d != cfg.vdim && !unrolled) {
      plainParallel.push_back(d);
    }
  }
  // a * b + c -> fma(a, b, c) where the product has no other use.
  if (useFMA) {
    for (Operation &inner : op.getBlock()->without_terminator()) {
      auto add = dyn_cast<arith::AddFOp>(inner);
      if (!add)
        continue;
      for (Value operand : add->getOperands()) {
        auto mul = operand.getDefiningOp<arith::MulFOp>();
        if (mul && mul->getBlock() == op.getBlock() && mul->hasOneUse() &&
            add.getLhs() != add.getRhs()) {
          fusedMuls.insert(mul);
          break;
        }
      }
    }
  }
  SmallVector<Value> packedBuffers;
  for (auto [i, a] : llvm::enumerate(nest.accesses))
    if (cfg.packed[i])
      packedBuffers.push_back(pack(a));
  ivs.assign(nest.dims.size(), Value());
  mus.assign(cfg.unroll.size(), 1);
  emitParallel(0);
  for (Value buffer : packedBuffers)
    memref::DeallocOp::create(b, loc, buffer);
}

void NestEmitter::emitParallel(unsigned level) {
  if (level < plainParallel.size()) {
    unsigned d = plainParallel[level];
    loop(0, nest.dims[d].size, 1, {}, [&](Value iv, ValueRange) {
      ivs[d] = iv;
      emitParallel(level + 1);
      return SmallVector<Value>();
    });
    return;
  }
  unsigned slot = level - plainParallel.size();
  if (slot < cfg.unroll.size()) {
    auto [d, mu] = cfg.unroll[slot];
    int64_t size = nest.dims[d].size, full = size / mu * mu;
    if (full) {
      loop(0, full, mu, {}, [&, d = d, mu = mu](Value iv, ValueRange) {
        ivs[d] = iv;
        mus[slot] = mu;
        emitParallel(level + 1);
        return SmallVector<Value>();
      });
    }
    if (size > full) {
      ivs[d] = constIndex(full);
      mus[slot] = size - full;
      emitParallel(level + 1);
    }
    return;
  }
  if (vRed) {
    emitBlock({});
    return;
  }
  int64_t size = nest.dims[cfg.vdim].size, elems = w * cfg.nv;
  int64_t full = size / elems * elems;
  if (full) {
    SmallVector<int64_t> lanes(cfg.nv, w);
    loop(0, full, elems, {}, [&](Value iv, ValueRange) {
      ivs[cfg.vdim] = iv;
      emitBlock(lanes);
      return SmallVector<Value>();
    });
  }
  if (size > full) {
    SmallVector<int64_t> lanes;
    for (int64_t rem = size - full; rem > 0; rem -= w)
      lanes.push_back(std::min(rem, w));
    ivs[cfg.vdim] = constIndex(full);
    emitBlock(lanes);
  }
}

void NestEmitter::emitBlock(ArrayRef<int64_t> lanesPerVector) {
  int64_t nvb = vRed ? cfg.nv : int64_t(lanesPerVector.size());
  int64_t combos = numCombos();
  baseCache.clear();
  SmallVector<Value> accs;
  for (auto [k, a] : llvm::enumerate(nest.inits())) {
    for (int64_t c = 0; c < combos; ++c) {
      for (int64_t j = 0; j < nvb; ++j) {
        Type t = vecType(a.elementType);
        if (vRed) {
          TypedAttr neutral = getNeutralAttr(*nest.combiners[k], a.elementType);
          accs.push_back(arith::ConstantOp::create(
              b, loc, t, DenseElementsAttr::get(cast<ShapedType>(t), neutral)));
        } else if (nest.initRead[k]) {
          accs.push_back(loadInit(a, c, j, lanesPerVector[j]));
        } else {
          // Never read: the body overwrites it in the first iteration.
          accs.push_back(arith::ConstantOp::create(
              b, loc, t,
              DenseElementsAttr::get(cast<ShapedType>(t),
                                     b.getZeroAttr(a.elementType))));
        }
      }
    }
  }

  accs = emitReductions(0, accs, lanesPerVector);

  baseCache.clear();
  for (auto [k, a] : llvm::enumerate(nest.inits())) {
    for (int64_t c = 0; c < combos; ++c) {
      if (!vRed) {
        for (int64_t j = 0; j < nvb; ++j)
          storeInit(a, c, j, lanesPerVector[j], accs[accIndex(k, c, j, nvb)]);
        continue;
      }
      // Lanes of the Nv accumulators, then across lanes onto the old value.
      vector::CombiningKind kind = *nest.combiners[k];
      Value sum = accs[accIndex(k, c, 0, nvb)];
      for (int64_t j = 1; j < nvb; ++j)
        sum = vector::makeArithReduction(b, loc, kind, sum,
                                         accs[accIndex(k, c, j, nvb)]);
      Value idx = index(a, comboOffsets(c), 0);
      Value old = memref::LoadOp::create(b, loc, a.flat, idx);
      Value result = vector::ReductionOp::create(b, loc, kind, sum, old);
      memref::StoreOp::create(b, loc, result, a.flat, idx);
    }
  }
}

SmallVector<Value>
NestEmitter::emitReductions(unsigned level, ValueRange accs,
                            ArrayRef<int64_t> lanesPerVector) {
  if (level < reductionDims.size()) {
    unsigned d = reductionDims[level];
    return loop(0, nest.dims[d].size, 1, accs, [&](Value iv, ValueRange args) {
      ivs[d] = iv;
      return emitReductions(level + 1, args, lanesPerVector);
    });
  }
  if (!vRed)
    return emitStep(accs, lanesPerVector);
  int64_t size = nest.dims[cfg.vdim].size, elems = w * cfg.nv;
  int64_t full = size / elems * elems;
  SmallVector<Value> result(accs);
  if (full) {
    SmallVector<int64_t> lanes(cfg.nv, w);
    result = loop(0, full, elems, result, [&](Value iv, ValueRange args) {
      ivs[cfg.vdim] = iv;
      return emitStep(args, lanes);
    });
  }
  if (size > full) {
    SmallVector<int64_t> lanes;
    for (int64_t rem = size - full; rem > 0; rem -= w)
      lanes.push_back(std::min(rem, w));
    ivs[cfg.vdim] = constIndex(full);
    result = emitStep(result, lanes);
  }
  return result;
}

SmallVector<Value> NestEmitter::emitStep(ValueRange accs,
                                         ArrayRef<int64_t> lanes) {
  loadCache.clear();
  baseCache.clear();
  int64_t nvb = vRed ? cfg.nv : int64_t(lanes.size());
  SmallVector<Value> next(accs);
  linalg::LinalgOp op = nest.op;
  for (int64_t c = 0, e = numCombos(); c < e; ++c) {
    for (auto [j, active] : llvm::enumerate(lanes)) {
      IRMapping map;
      for (unsigned i = 0; i < nest.numInputs; ++i)
        map.map(nest.accesses[i].arg, loadInput(i, c, j, active));
      for (auto [k, a] : llvm::enumerate(nest.inits()))
        map.map(a.arg, accs[accIndex(k, c, j, nvb)]);
      SmallVector<Value> yielded = cloneBody(map, c, j);
      for (auto [k, a] : llvm::enumerate(nest.inits())) {
        Value y = broadcast(yielded[k]);
        unsigned slot = accIndex(k, c, j, nvb);
        // Masked-off lanes of a reduction keep their partial result.
        if (vRed && active < w)
          y = arith::SelectOp::create(b, loc, mask(active), y, accs[slot]);
        next[slot] = y;
      }
    }
  }
  (void)op;
  return next;
}

SmallVector<Value> NestEmitter::cloneBody(IRMapping &map, int64_t combo,
                                          int64_t j) {
  Block *body = nest.op.getBlock();
  SmallVector<int64_t> offs = comboOffsets(combo);
  auto isVector = [](Value v) { return isa<VectorType>(v.getType()); };
  auto lookup = [&](Value v) { return map.lookupOrDefault(v); };
  for (Operation &inner : body->without_terminator()) {
    if (auto index = dyn_cast<linalg::IndexOp>(inner)) {
      unsigned d = dimOfOrig[index.getDim()];
      Value iv = ivs[d];
      int64_t delta = 0;
      for (auto [slot, u] : llvm::enumerate(cfg.unroll))
        if (u.first == d)
          delta = offs[slot];
      if (d == cfg.vdim) {
        SmallVector<int64_t> steps(w);
        for (int64_t l = 0; l < w; ++l)
          steps[l] = j * w + l;
        auto type = VectorType::get({w}, b.getIndexType());
        Value iota = arith::ConstantOp::create(
            b, loc, type,
            DenseElementsAttr::get(type, ArrayRef<int64_t>(steps)));
        map.map(index.getResult(),
                arith::AddIOp::create(b, loc, broadcast(iv), iota).getResult());
      } else {
        if (delta)
          iv = arith::AddIOp::create(b, loc, iv, constIndex(delta));
        map.map(index.getResult(), iv);
      }
      continue;
    }
    if (fusedMuls.contains(&inner))
      continue; // emitted with its add
    if (auto add = dyn_cast<arith::AddFOp>(inner)) {
      auto mulOperand = llvm::find_if(add->getOperands(), [&](Value v) {
        Operation *def = v.getDefiningOp();
        return def && fusedMuls.contains(def);
      });
      if (mulOperand != add->getOperands().end()) {
        Operation *mul = (*mulOperand).getDefiningOp();
        Value other = *mulOperand == add.getLhs() ? add.getRhs() : add.getLhs();
        Value x = lookup(mul->getOperand(0)), y = lookup(mul->getOperand(1)),
              z = lookup(other);
        if (isVector(x) || isVector(y) || isVector(z)) {
          map.map(add.getResult(),
                  vector::FMAOp::create(b, loc, broadcast(x), broadcast(y),
                                        broadcast(z))
                      .getResult());
          continue;
        }
        b.clone(*mul, map);
      }
    }
    bool vectorize = llvm::any_of(inner.getOperands(),
                                  [&](Value v) { return isVector(lookup(v)); });
    if (!vectorize) {
      b.clone(inner, map);
      continue;
    }
    SmallVector<Value> operands;
    for (Value v : inner.getOperands())
      operands.push_back(broadcast(lookup(v)));
    SmallVector<Type> types;
    for (Type t : inner.getResultTypes())
      types.push_back(vecType(t));
    Operation *vec = b.create(inner.getLoc(), inner.getName().getIdentifier(),
                              operands, types, inner.getAttrs());
    map.map(inner.getResults(), vec->getResults());
  }
  SmallVector<Value> yielded;
  for (Value v : body->getTerminator()->getOperands())
    yielded.push_back(lookup(v));
  return yielded;
}

//===----------------------------------------------------------------------===//
// Pass
//===----------------------------------------------------------------------===//

namespace {
struct TileAndVectorizePass
    : mp::impl::MPTileAndVectorizePassBase<TileAndVectorizePass> {
  using MPTileAndVectorizePassBase::MPTileAndVectorizePassBase;
  void runOnOperation() override;
};
} // namespace

/// The host's vector register width: what the JIT compiles for.
static unsigned getHostVectorBits() {
  llvm::StringMap<bool> features = llvm::sys::getHostCPUFeatures();
  if (features.lookup("avx512f"))
    return 512;
  if (features.lookup("avx"))
    return 256;
  return 128;
}

void TileAndVectorizePass::runOnOperation() {
  unsigned bits = vectorBits ? unsigned(vectorBits) : getHostVectorBits();
  func::FuncOp func = getOperation();
  OpBuilder b(func.getContext());

  // Copies between non-contiguous buffers would become a generic runtime
  // call; as linalg.copy they are vectorized like any other op.
  SmallVector<memref::CopyOp> copies;
  func.walk([&](memref::CopyOp copy) { copies.push_back(copy); });
  for (memref::CopyOp copy : copies) {
    auto src = dyn_cast<MemRefType>(copy.getSource().getType());
    auto dst = dyn_cast<MemRefType>(copy.getTarget().getType());
    if (!src || !dst || !src.hasStaticShape() ||
        (src.getLayout().isIdentity() && dst.getLayout().isIdentity()))
      continue;
    b.setInsertionPoint(copy);
    linalg::CopyOp::create(b, copy.getLoc(), ValueRange{copy.getSource()},
                           ValueRange{copy.getTarget()});
    copy.erase();
  }

  SmallVector<linalg::LinalgOp> ops;
  func.walk([&](linalg::LinalgOp op) { ops.push_back(op); });
  for (linalg::LinalgOp op : ops) {
    if (tileAndVectorize(op, bits, fuseMultiplyAdd, /*allowPacking=*/true))
      ++numVectorized;
    else
      ++numDeclined;
  }
}

/// Vectorizes `op` in place if the cost model finds it profitable; returns
/// whether it did (and erased `op`).
static bool tileAndVectorize(linalg::LinalgOp op, unsigned vectorBits,
                             bool useFMA, bool allowPacking) {
  FailureOr<Nest> nest = buildNest(op);
  std::optional<Config> cfg;
  if (succeeded(nest))
    cfg = chooseConfig(*nest, vectorBits, allowPacking);
  if (!cfg) {
    LDBG() << "declined: " << *op;
    return false;
  }
  LDBG() << "vectorizing " << op->getName() << ": dim " << cfg->vdim << " x "
         << cfg->lanes << " x " << cfg->nv << ", " << cfg->unroll.size()
         << " unrolled, cost " << cfg->cost;
  OpBuilder b(op);
  NestEmitter(*nest, *cfg, vectorBits, useFMA, b).emit();
  op->erase();
  return true;
}
