//===- PlanBuffers.cpp - Free buffers at last use, pack them in an arena -===//
//
// Licensed under the Apache License v2.0 with LLVM Exceptions.
// SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
//
//===----------------------------------------------------------------------===//
//
// Runs on bufferized functions, in place of upstream's ownership-based
// deallocation (which frees a buffer at the end of its block: a training step
// is one block, so every temporary would live until the step returns).
//
// Every `memref.alloc` is followed through the memrefs derived from it (any
// memref result of an op that uses it: subviews, reshapes, casts, loop
// results) to the op of its block that uses it last. A buffer that leaves its
// block (returned, yielded by the block's terminator, passed to a call) is left
// alone. The others are
//
//  * planned (plan=true; statically shaped, identity layout, in the
//    function's entry block): given an offset in one byte arena such that two
//    buffers whose live intervals [first use, last use] intersect never
//    overlap, and replaced by a `memref.view` of the arena;
//  * otherwise allocated just before their first use and freed just after
//    their last one.
//
// The packing is greedy by size: the largest buffer first, each at the lowest
// offset where it fits beside the already placed buffers that are live at the
// same time (docs/Design/MemoryPlanning.md).
//
//===----------------------------------------------------------------------===//

#include "mp/Transforms/Passes.h"

#include "mp/Dialect/MP/IR/MPDialect.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/IR/BuiltinOps.h"
#include "mlir/IR/SymbolTable.h"
#include "mlir/Interfaces/CallInterfaces.h"
#include "mlir/Interfaces/DataLayoutInterfaces.h"
#include "llvm/ADT/STLExtras.h"
#include "llvm/Support/MathExtras.h"

namespace mp {
#define GEN_PASS_DEF_MPPLANBUFFERSPASS
#include "mp/Transforms/Passes.h.inc"
} // namespace mp

using namespace mlir;

namespace {

/// One allocation of a function and the interval in which it is live.
struct Buffer {
  memref::AllocOp alloc;
  /// The ops of the alloc's block (ancestors of the users) that use it
  /// first and last; positions are indices into that block.
  Operation *first = nullptr, *last = nullptr;
  unsigned start = 0, end = 0;
  /// memref.dealloc ops already freeing it (tile-and-vectorize's packs).
  SmallVector<Operation *> deallocs;
  int64_t bytes = 0;  ///< Rounded up to the alignment.
  int64_t offset = -1; ///< In the arena, once planned.
};

struct PlanBuffersPass : mp::impl::MPPlanBuffersPassBase<PlanBuffersPass> {
  using MPPlanBuffersPassBase::MPPlanBuffersPassBase;
  void runOnOperation() override;

private:
  LogicalResult planFunction(func::FuncOp fn, bool arenaArgument);
};

} // namespace

/// Follows `alloc` through every memref derived from it. Returns false if the
/// buffer leaves its block; otherwise fills `b.first/last/start/end` (the
/// buffer is dead if `b.first` stays null) and `b.deallocs`.
static bool analyze(Buffer &b, DenseMap<Operation *, unsigned> &position) {
  Block *block = b.alloc->getBlock();
  SmallVector<Value> worklist = {b.alloc.getResult()};
  DenseSet<Value> seen(worklist.begin(), worklist.end());
  while (!worklist.empty()) {
    Value v = worklist.pop_back_val();
    for (OpOperand &use : v.getUses()) {
      Operation *user = use.getOwner();
      if (isa<memref::DeallocOp>(user)) {
        b.deallocs.push_back(user);
        continue;
      }
      if (isa<CallOpInterface>(user))
        return false;
      if (user->getBlock() == block &&
          user->hasTrait<OpTrait::IsTerminator>())
        return false;
      Operation *anchor = block->findAncestorOpInBlock(*user);
      if (!anchor)
        return false;
      unsigned pos = position.lookup(anchor);
      if (!b.first || pos < b.start) {
        b.first = anchor;
        b.start = pos;
      }
      if (!b.last || pos > b.end) {
        b.last = anchor;
        b.end = pos;
      }
      for (Value r : user->getResults())
        if (isa<BaseMemRefType>(r.getType()) && seen.insert(r).second)
          worklist.push_back(r);
    }
  }
  return true;
}

/// Bytes of one element as the LLVM lowering stores it (i1 takes a byte).
static int64_t elementBytes(Type type, const DataLayout &layout) {
  return static_cast<int64_t>(layout.getTypeSize(type).getFixedValue());
}

/// Whether `type` can be a `memref.view` of a byte arena.
static bool isPlannable(MemRefType type) {
  return type.hasStaticShape() && type.getLayout().isIdentity() &&
         !type.getMemorySpace();
}

/// Greedy by size: largest first (ties by start), each at the lowest offset
/// that does not overlap a placed buffer live at the same time. Returns the
/// arena size.
static int64_t pack(MutableArrayRef<Buffer *> buffers, int64_t alignment) {
  SmallVector<Buffer *> order(buffers.begin(), buffers.end());
  llvm::stable_sort(order, [](Buffer *a, Buffer *b) {
    if (a->bytes != b->bytes)
      return a->bytes > b->bytes;
    return a->start < b->start;
  });
  SmallVector<Buffer *> placed;
  int64_t arena = 0;
  for (Buffer *b : order) {
    SmallVector<std::pair<int64_t, int64_t>> taken;
    for (Buffer *p : placed)
      if (p->start <= b->end && b->start <= p->end)
        taken.push_back({p->offset, p->offset + p->bytes});
    llvm::sort(taken);
    int64_t offset = 0;
    for (auto [lo, hi] : taken) {
      if (offset + b->bytes <= lo)
        break;
      offset = std::max<int64_t>(offset, llvm::alignTo(hi, alignment));
    }
    b->offset = offset;
    arena = std::max(arena, offset + b->bytes);
    placed.push_back(b);
  }
  return arena;
}

/// The most bytes of `block`'s buffers live at once: at each position, every
/// buffer whose interval contains it. The lower bound of any arena, and what
/// per-buffer allocation at first use and free at last use reaches.
static int64_t livePeak(ArrayRef<Buffer> buffers, Block *block) {
  SmallVector<std::pair<unsigned, int64_t>> events;
  for (const Buffer &b : buffers) {
    if (!b.first || b.alloc->getBlock() != block)
      continue;
    events.push_back({2 * b.start, b.bytes});
    events.push_back({2 * b.end + 1, -b.bytes});
  }
  llvm::sort(events);
  int64_t live = 0, peak = 0;
  for (auto [when, delta] : events) {
    live += delta;
    peak = std::max(peak, live);
  }
  return peak;
}

LogicalResult PlanBuffersPass::planFunction(func::FuncOp fn,
                                            bool arenaArgument) {
  MLIRContext *ctx = fn.getContext();
  const DataLayout &layout = DataLayout::closest(fn);
  int64_t align = alignment;

  SmallVector<Buffer> buffers;
  fn.walk([&](memref::AllocOp alloc) { buffers.push_back({alloc}); });
  DenseMap<Block *, DenseMap<Operation *, unsigned>> positions;
  auto positionsOf = [&](Block *block) -> DenseMap<Operation *, unsigned> & {
    auto [it, inserted] = positions.try_emplace(block);
    if (inserted)
      for (auto [i, op] : llvm::enumerate(*block))
        it->second[&op] = i;
    return it->second;
  };

  Block *entry = &fn.getBody().front();
  SmallVector<Buffer> kept;
  SmallVector<unsigned> planned;
  for (Buffer &b : buffers) {
    if (!analyze(b, positionsOf(b.alloc->getBlock())))
      continue; // escapes: the caller owns it
    MemRefType type = b.alloc.getType();
    int64_t elements = type.hasStaticShape() ? type.getNumElements() : 0;
    b.bytes = llvm::alignTo(elements * elementBytes(type.getElementType(),
                                                    layout),
                            align);
    for (Operation *d : b.deallocs)
      d->erase();
    b.deallocs.clear();
    if (!b.first) { // never used
      b.alloc->erase();
      continue;
    }
    if (plan && b.alloc->getBlock() == entry && isPlannable(type) &&
        b.bytes > 0) {
      planned.push_back(kept.size());
    } else {
      // Allocate at first use, free after the last one.
      if (b.alloc->isBeforeInBlock(b.first))
        b.alloc->moveBefore(b.first);
      b.alloc.setAlignment(static_cast<uint64_t>(align));
      OpBuilder builder(ctx);
      builder.setInsertionPointAfter(b.last);
      memref::DeallocOp::create(builder, b.alloc.getLoc(), b.alloc);
    }
    kept.push_back(b);
  }

  // Positions are per block: the peak is the entry block's (allocations in
  // nested blocks live only inside one op of it and are not counted).
  int64_t peak = livePeak(kept, entry);
  auto i64 = IntegerType::get(ctx, 64);
  fn->setAttr(mp::MPDialect::getLivePeakBytesAttrName(), IntegerAttr::get(i64, peak));
  if (!plan)
    return success();

  SmallVector<Buffer *> arenaBuffers;
  for (unsigned i : planned)
    arenaBuffers.push_back(&kept[i]);
  int64_t arenaBytes = pack(arenaBuffers, align);
  fn->setAttr(mp::MPDialect::getArenaBytesAttrName(), IntegerAttr::get(i64, arenaBytes));
  if (arenaBuffers.empty())
    return success();

  // The arena: the function's last argument, or allocated on entry and freed
  // before every return when the signature must not change.
  auto arenaType = MemRefType::get({arenaBytes}, IntegerType::get(ctx, 8));
  Value arena;
  OpBuilder builder(ctx);
  if (arenaArgument) {
    unsigned index = fn.getNumArguments();
    if (failed(fn.insertArgument(index, arenaType, DictionaryAttr(),
                                 fn.getLoc())))
      return fn.emitError("cannot add the arena argument");
    arena = fn.getArgument(index);
  } else {
    builder.setInsertionPointToStart(entry);
    arena = memref::AllocOp::create(builder, fn.getLoc(), arenaType,
                                    builder.getI64IntegerAttr(align));
    fn.walk([&](func::ReturnOp ret) {
      builder.setInsertionPoint(ret);
      memref::DeallocOp::create(builder, ret.getLoc(), arena);
    });
  }
  // One constant per offset, at the top of the function (all created before
  // any alloc is erased: the insertion point may be one of them).
  DenseMap<int64_t, Value> shifts;
  OpBuilder atEntry(ctx);
  atEntry.setInsertionPointToStart(entry);
  if (Operation *def = arena.getDefiningOp())
    atEntry.setInsertionPointAfter(def);
  for (Buffer *b : arenaBuffers) {
    Value &shift = shifts[b->offset];
    if (!shift)
      shift = arith::ConstantIndexOp::create(atEntry, fn.getLoc(), b->offset);
  }
  for (Buffer *b : arenaBuffers) {
    builder.setInsertionPoint(b->alloc->isBeforeInBlock(b->first) ? b->first
                                                                   : b->alloc);
    Value view =
        memref::ViewOp::create(builder, b->alloc.getLoc(), b->alloc.getType(),
                               arena, shifts.lookup(b->offset), ValueRange{});
    b->alloc.getResult().replaceAllUsesWith(view);
    b->alloc->erase();
  }
  return success();
}

void PlanBuffersPass::runOnOperation() {
  ModuleOp module = getOperation();
  if (alignment == 0 || !llvm::isPowerOf2_64(alignment)) {
    module.emitError("mp-plan-buffers: alignment must be a power of two, got ")
        << alignment.getValue();
    return signalPassFailure();
  }
  SymbolTableCollection symbols;
  SymbolUserMap users(symbols, module);
  for (auto fn : module.getOps<func::FuncOp>()) {
    if (fn.isExternal())
      continue;
    // Only a public function nobody calls may take the arena as an argument.
    bool arenaArgument = fn.isPublic() && users.getUsers(fn).empty();
    if (failed(planFunction(fn, arenaArgument)))
      return signalPassFailure();
  }
}
