//===- FP8Emulation.cpp - Exact rounding to #mp.format ---------*- C++ -*-===//
//
// Licensed under the Apache License v2.0 with LLVM Exceptions.
// SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
//
//===----------------------------------------------------------------------===//
//
// Rounds f32 values to any #mp.format with integer arith ops on the f32 bit
// pattern, and the mp-lower-casts pass built on it. The rules and the
// algorithm are in docs/Design/FP8Emulation.md; mp-cast-check proves the
// emitted code bit-exact against APFloat and a direct reference.
//
// Invariants the algorithm relies on (all guaranteed by FormatAttr::verify):
// every finite value of the format is an f32 (largest binade <= 2^127,
// smallest subnormal >= 2^-149), so rounding never leaves the f32 grid and
// the result is re-encoded by ordinary f32 bit patterns.
//
//===----------------------------------------------------------------------===//

#include "mp/Conversion/FP8Emulation/FP8Emulation.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/IR/BuiltinTypes.h"
#include "mlir/IR/PatternMatch.h"
#include "mlir/Transforms/WalkPatternRewriteDriver.h"
#include "mp/Conversion/Passes.h"
#include "mp/Dialect/MP/IR/MPOps.h"
#include "llvm/ADT/DenseMap.h"
#include "llvm/ADT/bit.h"
#include <algorithm>
#include <cassert>
#include <cmath>
#include <limits>

#define DEBUG_TYPE "mp-lower-casts"

namespace mp {
#define GEN_PASS_DEF_MPLOWERCASTSPASS
#include "mp/Conversion/Passes.h.inc"
} // namespace mp

using namespace mlir;
using namespace mp;

//===----------------------------------------------------------------------===//
// Format constants
//===----------------------------------------------------------------------===//

static constexpr int64_t kSignMask = 0x80000000;
static constexpr int64_t kAbsMask = 0x7FFFFFFF;
static constexpr int64_t kInfBits = 0x7F800000;
/// The NaN every NaN result becomes: the canonical positive quiet NaN.
static constexpr int64_t kNaNBits = 0x7FC00000;

/// Returns the f32 bit pattern of `v`, which must be an exact f32 value.
static int64_t exactF32Bits(double v) {
  float f = static_cast<float>(v);
  assert(static_cast<double>(f) == v && "format value is not an f32");
  return llvm::bit_cast<uint32_t>(f);
}

namespace {
/// The compile-time constants of the rounding algorithm for one format.
struct RoundingConstants {
  /// Mantissa bits of the format.
  int64_t man;
  /// f32 mantissa bits dropped in the format's normal range: 23 - man.
  int64_t normalShift;
  /// Smallest f32 biased exponent whose binade is normal in the format:
  /// (1 - bias) + 127. May be <= 0 (the format's normals reach below f32's)
  /// or far above 1 (the format has a wide subnormal range).
  int64_t minNormalF32Exp;
  /// Exponent of the format's quantum in its subnormal range:
  /// (1 - bias) - man, at least -149.
  int64_t subnormalQuantumExp;
  /// f32 bits of the largest finite value.
  int64_t maxFiniteBits;
  bool tiesAway;
};
} // namespace

static RoundingConstants getRoundingConstants(FormatAttr format) {
  RoundingConstants k;
  k.man = format.getManBits();
  k.normalShift = 23 - k.man;
  k.minNormalF32Exp = format.getMinExponent() + 127;
  k.subnormalQuantumExp = format.getMinExponent() - k.man;
  k.maxFiniteBits = exactF32Bits(format.getMaxFinite());
  k.tiesAway = format.getRounding() == RoundingMode::nearest_away;
  assert(k.subnormalQuantumExp >= -149 && "verifier keeps formats in f32");
  return k;
}

//===----------------------------------------------------------------------===//
// Integer emission helpers
//===----------------------------------------------------------------------===//

namespace {
/// Emits i32 arith ops at one insertion point.
class IntEmitter {
public:
  IntEmitter(OpBuilder &b, Location loc)
      : b(b), loc(loc), i32(b.getI32Type()) {}

  /// Returns the i32 constant with bits `v`, created once per emitter: the
  /// emission is straight-line, so the first one dominates every later use.
  Value c(int64_t v) {
    Value &cached = constants[v];
    if (!cached)
      cached = arith::ConstantOp::create(
          b, loc,
          b.getIntegerAttr(i32, APInt(32, static_cast<uint64_t>(v),
                                      /*isSigned=*/v < 0)));
    return cached;
  }
  Value add(Value x, Value y) { return arith::AddIOp::create(b, loc, x, y); }
  Value sub(Value x, Value y) { return arith::SubIOp::create(b, loc, x, y); }
  Value bitAnd(Value x, Value y) { return arith::AndIOp::create(b, loc, x, y); }
  Value bitOr(Value x, Value y) { return arith::OrIOp::create(b, loc, x, y); }
  Value bitXor(Value x, Value y) { return arith::XOrIOp::create(b, loc, x, y); }
  Value shl(Value x, Value y) { return arith::ShLIOp::create(b, loc, x, y); }
  Value shr(Value x, Value y) { return arith::ShRUIOp::create(b, loc, x, y); }
  Value maxS(Value x, Value y) { return arith::MaxSIOp::create(b, loc, x, y); }
  Value minS(Value x, Value y) { return arith::MinSIOp::create(b, loc, x, y); }
  Value maxU(Value x, Value y) { return arith::MaxUIOp::create(b, loc, x, y); }
  Value cmp(arith::CmpIPredicate pred, Value x, Value y) {
    return arith::CmpIOp::create(b, loc, pred, x, y);
  }
  Value select(Value cond, Value x, Value y) {
    return arith::SelectOp::create(b, loc, cond, x, y);
  }

private:
  OpBuilder &b;
  Location loc;
  Type i32;
  llvm::SmallDenseMap<int64_t, Value> constants;
};
} // namespace

/// Rounds the non-negative f32 bit pattern `a` to a multiple of 2^d, a
/// compile-time shift in [0, 23]: adds half of 2^d (ties away) or half minus
/// one plus `lsb` (ties to even) to the pattern and clears the low d bits. A
/// carry out of the mantissa bumps the exponent, which is exactly the next
/// binade's value. `lsb` is the parity of the code of the rounded-down
/// result; by default bit d of the pattern.
static Value roundBitsStatic(IntEmitter &e, Value a, int64_t d, bool away,
                             Value lsb = {}) {
  assert(d >= 0 && d <= 23 && "shift stays inside the f32 mantissa");
  if (d == 0)
    return a;
  int64_t half = int64_t(1) << (d - 1);
  int64_t clearLow = ~((int64_t(1) << d) - 1) & 0xFFFFFFFF;
  Value inc;
  if (away) {
    inc = e.c(half);
  } else {
    if (!lsb)
      lsb = e.bitAnd(e.shr(a, e.c(d)), e.c(1));
    inc = e.add(e.c(half - 1), lsb);
  }
  return e.bitAnd(e.add(a, inc), e.c(clearLow));
}

/// roundBitsStatic with a per-element shift `d` in [0, 23]. The default `lsb`
/// reads the significand, implicit bit included: with d == 23 the kept digit
/// is the implicit 1 of a normal f32, not the exponent's low bit.
static Value roundBitsDynamic(IntEmitter &e, Value a, Value d, bool away,
                              Value lsb = {}) {
  Value one = e.c(1);
  Value unit = e.shl(one, d);
  Value lowMask = e.sub(unit, one);
  Value half = e.shr(unit, one);
  Value inc;
  if (away) {
    inc = half;
  } else {
    if (!lsb)
      lsb = e.bitAnd(e.shr(e.bitOr(a, e.c(int64_t(1) << 23)), d), one);
    // half - 1 + lsb, masked so that d == 0 adds nothing.
    inc = e.bitAnd(e.add(e.sub(half, one), lsb), lowMask);
  }
  return e.bitAnd(e.add(a, inc), e.bitXor(lowMask, e.c(-1)));
}

/// Returns floor(log2(a)) for a > 0 (0 for a == 0) by a five-step binary
/// search of compares and selects: no count-leading-zeros op is needed.
static Value floorLog2(IntEmitter &e, Value a) {
  Value pos = e.c(0);
  Value rest = a;
  for (int64_t step : {16, 8, 4, 2, 1}) {
    Value big = e.cmp(arith::CmpIPredicate::uge, rest, e.c(int64_t(1) << step));
    rest = e.select(big, e.shr(rest, e.c(step)), rest);
    pos = e.select(big, e.add(pos, e.c(step)), pos);
  }
  return pos;
}

//===----------------------------------------------------------------------===//
// Public emitters
//===----------------------------------------------------------------------===//

Value mp::emitRoundToFormat(OpBuilder &b, Location loc, Value x,
                            FormatAttr format) {
  assert(x.getType().isF32() && "rounds f32 scalars");
  const RoundingConstants k = getRoundingConstants(format);
  Type intType = b.getI32Type();
  IntEmitter e(b, loc);
  using Pred = arith::CmpIPredicate;

  Value bits = arith::BitcastOp::create(b, loc, intType, x);
  Value sign = e.bitAnd(bits, e.c(kSignMask));
  Value a = e.bitAnd(bits, e.c(kAbsMask));

  // 1. Round the magnitude. Finite inputs land on the format's grid (or one
  // step above its largest value); inf stays inf; NaN is replaced below.
  Value r;
  // With man = 0 a code differs from its neighbour in the exponent field, so
  // ties to even look at the format's biased exponent, whose parity is the
  // f32 exponent's flipped when the bias is even (f32's, 127, is odd).
  const bool codeParityFromExp = k.man == 0 && !k.tiesAway;
  const int64_t expParityFlip = (format.getBias() & 1) == 0 ? 1 : 0;
  auto expCodeParity = [&](Value exp) {
    return e.bitAnd(e.bitXor(exp, e.c(expParityFlip)), e.c(1));
  };
  if (k.minNormalF32Exp == 1) {
    // The format's normal range starts at f32's: every f32, denormals
    // included, drops the same number of bits (bias 127: no parity flip).
    r = roundBitsStatic(e, a, k.normalShift, k.tiesAway);
  } else if (k.minNormalF32Exp > 1) {
    Value exp = e.shr(a, e.c(23));
    if (k.man == 0) {
      // Only powers of two and 0: everything below the smallest one takes
      // the comparison path below.
      r = roundBitsStatic(e, a, 23, k.tiesAway,
                          codeParityFromExp ? expCodeParity(exp) : Value());
    } else {
      // Inputs below the format's smallest normal binade round to its fixed
      // subnormal quantum: drop (minNormalF32Exp - exp) more bits, where an
      // f32 denormal counts as exponent 1 (its value is mantissa * 2^-149).
      Value effExp = e.maxU(exp, e.c(1));
      Value extra = e.maxS(e.sub(e.c(k.minNormalF32Exp), effExp), e.c(0));
      // Shifts of 24 or more would leave the mantissa: those inputs are
      // below the smallest subnormal and take the comparison path below.
      Value d = e.minS(e.add(e.c(k.normalShift), extra), e.c(23));
      r = roundBitsDynamic(e, a, d, k.tiesAway);
    }
    // Below the smallest subnormal q the answer is 0 or q: compare with q/2
    // (0 is the even code). q > 2^-149 here, so q/2 is an f32.
    int64_t qBits = exactF32Bits(std::ldexp(1.0, k.subnormalQuantumExp));
    int64_t halfQBits =
        exactF32Bits(std::ldexp(1.0, k.subnormalQuantumExp - 1));
    Value small = e.cmp(Pred::ult, a, e.c(qBits));
    Value up = e.cmp(k.tiesAway ? Pred::uge : Pred::ugt, a, e.c(halfQBits));
    Value tiny = e.select(up, e.c(qBits), e.c(0));
    r = e.select(small, tiny, r);
  } else {
    // The format's normals reach below f32's: an f32 denormal's precision
    // depends on its leading bit p (value in [2^(p-149), 2^(p-148))), so it
    // drops max(p - man, emin + 149 - man) bits; f32 normals drop 23 - man.
    Value exp = e.shr(a, e.c(23));
    Value lead = floorLog2(e, a);
    Value dDenormal =
        e.maxS(e.sub(lead, e.c(k.man)), e.c(k.subnormalQuantumExp + 149));
    Value isDenormal = e.cmp(Pred::eq, exp, e.c(0));
    Value d = e.select(isDenormal, dDenormal, e.c(k.normalShift));
    Value lsb;
    if (codeParityFromExp) {
      // An f32 denormal rounded down to 2^p is a format normal when
      // p >= emin + 149 (man = 0), with exponent p - 149, whose parity is
      // that of an f32 exponent field p; below that it rounds down to 0.
      Value isNormal = e.cmp(Pred::sge, lead, e.c(k.subnormalQuantumExp + 149));
      Value denormalLsb = e.select(isNormal, expCodeParity(lead), e.c(0));
      lsb = e.select(isDenormal, denormalLsb, expCodeParity(exp));
    }
    r = roundBitsDynamic(e, a, d, k.tiesAway, lsb);
  }

  // 2. Finite results: keep the sign, except that fnuz has no -0.
  Value resultSign = sign;
  if (format.getSpecials() == SpecialValues::fnuz)
    resultSign = e.select(e.cmp(Pred::eq, r, e.c(0)), e.c(0), sign);
  Value result = e.bitOr(r, resultSign);

  // 3. Overflow: the rounded magnitude exceeds the largest finite value. An
  // infinite input rounds to the inf pattern, so it takes this path too.
  Value overflowed = e.cmp(Pred::ugt, r, e.c(k.maxFiniteBits));
  Value overflowValue;
  switch (format.getOverflow()) {
  case OverflowMode::saturate:
    overflowValue = e.bitOr(sign, e.c(k.maxFiniteBits));
    break;
  case OverflowMode::inf:
    overflowValue = e.bitOr(sign, e.c(kInfBits));
    break;
  case OverflowMode::nan:
    overflowValue = e.c(kNaNBits);
    break;
  }
  result = e.select(overflowed, overflowValue, result);
  // An IEEE format represents inf, so only finite overflow becomes NaN.
  if (format.getSpecials() == SpecialValues::ieee &&
      format.getOverflow() == OverflowMode::nan) {
    Value isInf = e.cmp(Pred::eq, a, e.c(kInfBits));
    result = e.select(isInf, bits, result);
  }

  // 4. NaN in, NaN out.
  Value isNaN = e.cmp(Pred::ugt, a, e.c(kInfBits));
  result = e.select(isNaN, e.c(kNaNBits), result);
  return arith::BitcastOp::create(b, loc, x.getType(), result);
}

Value mp::emitIsOverflow(OpBuilder &b, Location loc, Value x,
                         FormatAttr format) {
  assert(x.getType().isF32() && "tests f32 scalars");
  Type intType = b.getI32Type();
  IntEmitter e(b, loc);
  using Pred = arith::CmpIPredicate;

  // The smallest f32 at or above the threshold (inf if none): f32 bit
  // patterns order like magnitudes, so one unsigned compare decides.
  double threshold = format.getOverflowThreshold();
  float atOrAbove = static_cast<float>(threshold);
  if (static_cast<double>(atOrAbove) < threshold)
    atOrAbove =
        std::nextafter(atOrAbove, std::numeric_limits<float>::infinity());
  int64_t thresholdBits = llvm::bit_cast<uint32_t>(atOrAbove);

  Value bits = arith::BitcastOp::create(b, loc, intType, x);
  Value a = e.bitAnd(bits, e.c(kAbsMask));
  Value atLeast = e.cmp(Pred::uge, a, e.c(thresholdBits));
  Value notNaN = e.cmp(Pred::ule, a, e.c(kInfBits));
  return arith::AndIOp::create(b, loc, atLeast, notNaN);
}

//===----------------------------------------------------------------------===//
// Storage codes
//===----------------------------------------------------------------------===//

namespace {
/// Where a format keeps its non-finite values (docs/Design/Storage.md).
struct SpecialCodes {
  int64_t signBit;  ///< 1 << (exp + man)
  int64_t expField; ///< all-ones exponent, in place
  /// The code every NaN (and, where the format has no inf, every inf) is
  /// stored as.
  int64_t nanCode;
  bool hasInf;
  /// Whether the format's -0 code stands for NaN instead: fnuz (which has no
  /// -0) and none (which has no code to spare; -0 is then stored as +0).
  bool negZeroIsNaN;
};
} // namespace

static SpecialCodes getSpecialCodes(FormatAttr format) {
  SpecialCodes k;
  int64_t e = format.getExpBits(), m = format.getManBits();
  k.signBit = int64_t(1) << (e + m);
  k.expField = ((int64_t(1) << e) - 1) << m;
  k.hasInf = format.getSpecials() == SpecialValues::ieee;
  k.negZeroIsNaN = format.getSpecials() == SpecialValues::fnuz ||
                   format.getSpecials() == SpecialValues::none;
  switch (format.getSpecials()) {
  case SpecialValues::ieee:
    k.nanCode = k.expField | (int64_t(1) << (m - 1));
    break;
  case SpecialValues::fn:
    k.nanCode = k.signBit - 1;
    break;
  case SpecialValues::fnuz:
  case SpecialValues::none:
    k.nanCode = k.signBit;
    break;
  }
  return k;
}

/// The f32 constant 2^k (k in [-149, 127]).
static Value powerOfTwo(OpBuilder &b, Location loc, int64_t k) {
  return arith::ConstantOp::create(
      b, loc, b.getF32FloatAttr(static_cast<float>(std::ldexp(1.0, int(k)))));
}

/// The code of the f32 value whose bits are `bits`: a value of `format` (the
/// output of emitRoundToFormat), inf or NaN; as i32. Normal values shift
/// their exponent and mantissa into place and rebias; values below the
/// format's normals are exact multiples of its quantum 2^(emin - man), so
/// scaling by the inverse quantum gives the mantissa field as an exact float
/// integer.
static Value emitCodeOf(OpBuilder &b, Location loc, IntEmitter &e, Value bits,
                        FormatAttr format) {
  using Pred = arith::CmpIPredicate;
  SpecialCodes sc = getSpecialCodes(format);
  int64_t m = format.getManBits(), bias = format.getBias();
  int64_t emin = format.getMinExponent();

  Value a = e.bitAnd(bits, e.c(kAbsMask));
  Value negative = e.cmp(Pred::ne, e.bitAnd(bits, e.c(kSignMask)), e.c(0));
  Value normal = e.sub(e.shr(a, e.c(23 - m)), e.c((127 - bias) << m));
  Value scaled = arith::BitcastOp::create(b, loc, b.getF32Type(), a);
  // 2^(m - emin) exceeds f32's range for formats whose normals reach f32's
  // own (bf16): two exact steps.
  for (int64_t k = m - emin; k != 0;) {
    int64_t step = std::min<int64_t>(k, 127);
    scaled = arith::MulFOp::create(b, loc, scaled, powerOfTwo(b, loc, step));
    k -= step;
  }
  Value subnormal = arith::FPToUIOp::create(b, loc, b.getI32Type(), scaled);
  Value isNormal = e.cmp(Pred::sge, a, e.c((emin + 127) << 23));
  Value magnitude = e.select(isNormal, normal, subnormal);
  Value code = e.select(negative, e.bitOr(magnitude, e.c(sc.signBit)),
                        magnitude);
  if (sc.negZeroIsNaN)
    code = e.select(e.cmp(Pred::eq, a, e.c(0)), e.c(0), code);
  Value isInf = e.cmp(Pred::eq, a, e.c(kInfBits));
  if (sc.hasInf)
    code = e.select(isInf,
                    e.select(negative, e.c(sc.signBit | sc.expField),
                             e.c(sc.expField)),
                    code);
  else
    code = e.select(isInf, e.c(sc.nanCode), code);
  Value isNaN = e.cmp(Pred::ugt, a, e.c(kInfBits));
  return e.select(isNaN, e.c(sc.nanCode), code);
}

/// The f32 bits of the value of `code` (i32) in `format`: normal codes
/// shift into place and rebias, subnormal ones are their mantissa field
/// times the quantum (exact: a small integer times a power of two that f32
/// represents).
static Value emitValueOf(OpBuilder &b, Location loc, IntEmitter &e,
                         Value code, FormatAttr format) {
  using Pred = arith::CmpIPredicate;
  SpecialCodes sc = getSpecialCodes(format);
  int64_t m = format.getManBits(), bias = format.getBias();
  int64_t emin = format.getMinExponent();

  Value negative = e.cmp(Pred::ne, e.bitAnd(code, e.c(sc.signBit)), e.c(0));
  Value magCode = e.bitAnd(code, e.c(sc.signBit - 1));
  Value normal =
      e.add(e.shl(magCode, e.c(23 - m)), e.c((127 - bias) << 23));
  Value man = e.bitAnd(code, e.c((int64_t(1) << m) - 1));
  Value manF = arith::UIToFPOp::create(b, loc, b.getF32Type(), man);
  Value subF = arith::MulFOp::create(b, loc, manF,
                                     powerOfTwo(b, loc, emin - m));
  Value subnormal = arith::BitcastOp::create(b, loc, b.getI32Type(), subF);
  Value isSubnormal = e.cmp(Pred::ult, magCode, e.c(int64_t(1) << m));
  Value magnitude = e.select(isSubnormal, subnormal, normal);
  Value bits =
      e.select(negative, e.bitOr(magnitude, e.c(kSignMask)), magnitude);
  switch (format.getSpecials()) {
  case SpecialValues::ieee: {
    Value expAllOnes = e.cmp(Pred::uge, magCode, e.c(sc.expField));
    Value isNaN = e.cmp(Pred::ugt, magCode, e.c(sc.expField));
    Value inf = e.select(negative, e.c(kSignMask | kInfBits), e.c(kInfBits));
    bits = e.select(expAllOnes, e.select(isNaN, e.c(kNaNBits), inf), bits);
    break;
  }
  case SpecialValues::fn:
    bits = e.select(e.cmp(Pred::eq, magCode, e.c(sc.signBit - 1)),
                    e.c(kNaNBits), bits);
    break;
  case SpecialValues::fnuz:
  case SpecialValues::none:
    bits = e.select(e.cmp(Pred::eq, code, e.c(sc.signBit)), e.c(kNaNBits),
                    bits);
    break;
  }
  return bits;
}

Value mp::emitEncode(OpBuilder &b, Location loc, Value x, FormatAttr format,
                     IntegerType codeType) {
  assert(x.getType().isF32() && "encodes f32 scalars");
  assert(format.getStorageBits() != 0 &&
         codeType.getWidth() >= format.getStorageBits() && "code too narrow");
  Value rounded = emitRoundToFormat(b, loc, x, format);
  IntEmitter e(b, loc);
  Value bits = arith::BitcastOp::create(b, loc, b.getI32Type(), rounded);
  Value code = emitCodeOf(b, loc, e, bits, format);
  if (codeType.getWidth() == 32)
    return code;
  return arith::TruncIOp::create(b, loc, codeType, code);
}

Value mp::emitDecode(OpBuilder &b, Location loc, Value code,
                     FormatAttr format) {
  auto codeType = cast<IntegerType>(code.getType());
  assert(format.getStorageBits() != 0 &&
         codeType.getWidth() >= format.getStorageBits() && "code too narrow");
  Value wide = code;
  if (codeType.getWidth() < 32)
    wide = arith::ExtUIOp::create(b, loc, b.getI32Type(), code);
  IntEmitter e(b, loc);
  Value bits = emitValueOf(b, loc, e, wide, format);
  return arith::BitcastOp::create(b, loc, b.getF32Type(), bits);
}

//===----------------------------------------------------------------------===//
// Patterns
//===----------------------------------------------------------------------===//

/// An elementwise linalg.generic from `input` to a tensor of `elementType`
/// whose body `body` builds (the element in, the result out).
static Value
elementwise(PatternRewriter &rewriter, Location loc, Value input,
            Type elementType,
            llvm::function_ref<Value(OpBuilder &, Location, Value)> body) {
  auto type = cast<RankedTensorType>(input.getType());
  SmallVector<OpFoldResult> sizes = tensor::getMixedSizes(rewriter, loc, input);
  Value init = tensor::EmptyOp::create(rewriter, loc, sizes, elementType);
  AffineMap identity = rewriter.getMultiDimIdentityMap(type.getRank());
  SmallVector<utils::IteratorType> iterators(type.getRank(),
                                             utils::IteratorType::parallel);
  auto generic = linalg::GenericOp::create(
      rewriter, loc, TypeRange{type.clone(elementType)}, ValueRange{input},
      ValueRange{init}, ArrayRef<AffineMap>{identity, identity}, iterators,
      [&](OpBuilder &b, Location nested, ValueRange args) {
        linalg::YieldOp::create(b, nested, body(b, nested, args[0]));
      });
  return generic.getResult(0);
}

namespace {
/// mp.cast %x to F -> linalg.generic { round_F(x) } (F = fp32: %x).
struct CastLowering : OpRewritePattern<CastOp> {
  using OpRewritePattern::OpRewritePattern;

  LogicalResult matchAndRewrite(CastOp op,
                                PatternRewriter &rewriter) const override {
    FormatAttr format = op.getFormat();
    if (format.isF32()) {
      rewriter.replaceOp(op, op.getInput());
      return success();
    }
    auto type = dyn_cast<RankedTensorType>(op.getType());
    if (!type || !type.getElementType().isF32())
      return rewriter.notifyMatchFailure(op, "needs a ranked tensor of f32");

    Value rounded = elementwise(
        rewriter, op.getLoc(), op.getInput(), type.getElementType(),
        [&](OpBuilder &b, Location loc, Value x) {
          return emitRoundToFormat(b, loc, x, format);
        });
    rewriter.replaceOp(op, rounded);
    return success();
  }
};

/// mp.encode -> linalg.generic { code_F(round_F(x)) }, with `or H if %p`
/// a select between the two codes.
struct EncodeLowering : OpRewritePattern<EncodeOp> {
  using OpRewritePattern::OpRewritePattern;
  LogicalResult matchAndRewrite(EncodeOp op,
                                PatternRewriter &rewriter) const override {
    auto codeType =
        cast<IntegerType>(op.getResult().getType().getElementType());
    FormatAttr low = op.getFormat(), high = op.getHighAttr();
    Value promote = op.getPromote();
    Value codes = elementwise(
        rewriter, op.getLoc(), op.getInput(), codeType,
        [&](OpBuilder &b, Location loc, Value x) {
          Value code = emitEncode(b, loc, x, low, codeType);
          if (!high)
            return code;
          return Value(arith::SelectOp::create(
              b, loc, promote, emitEncode(b, loc, x, high, codeType), code));
        });
    rewriter.replaceOp(op, codes);
    return success();
  }
};

/// mp.decode -> linalg.generic { value_F(code) }.
struct DecodeLowering : OpRewritePattern<DecodeOp> {
  using OpRewritePattern::OpRewritePattern;
  LogicalResult matchAndRewrite(DecodeOp op,
                                PatternRewriter &rewriter) const override {
    FormatAttr low = op.getFormat(), high = op.getHighAttr();
    Value promote = op.getPromote();
    Value values = elementwise(
        rewriter, op.getLoc(), op.getInput(), rewriter.getF32Type(),
        [&](OpBuilder &b, Location loc, Value code) {
          Value v = emitDecode(b, loc, code, low);
          if (!high)
            return v;
          return Value(arith::SelectOp::create(
              b, loc, promote, emitDecode(b, loc, code, high), v));
        });
    rewriter.replaceOp(op, values);
    return success();
  }
};
} // namespace

void mp::populateLowerCastsPatterns(RewritePatternSet &patterns) {
  patterns.add<CastLowering, EncodeLowering, DecodeLowering>(
      patterns.getContext());
}

//===----------------------------------------------------------------------===//
// Pass
//===----------------------------------------------------------------------===//

namespace {
struct LowerCastsPass : mp::impl::MPLowerCastsPassBase<LowerCastsPass> {
  using MPLowerCastsPassBase::MPLowerCastsPassBase;
  void runOnOperation() override;
};
} // namespace

void LowerCastsPass::runOnOperation() {
  RewritePatternSet patterns(&getContext());
  populateLowerCastsPatterns(patterns);
  // One walk, no folding: every op other than mp.cast is left as it is.
  walkAndApplyPatterns(getOperation(), std::move(patterns));

  WalkResult left = getOperation().walk([](CastOp op) {
    op.emitOpError("could not be lowered: needs a ranked tensor of f32");
    return WalkResult::interrupt();
  });
  if (left.wasInterrupted())
    return signalPassFailure();
}
