//===- mp-cast-check.cpp - Prove mp.cast emulation bit-exact ---*- C++ -*-===//
//
// Licensed under the Apache License v2.0 with LLVM Exceptions.
// SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
//
//===----------------------------------------------------------------------===//
//
// Builds `round_<i>(memref<?xf32>, memref<?xf32>)` around emitRoundToFormat
// (and `overflow_<i>` around emitIsOverflow) for every format asked for,
// lowers them to LLVM with upstream passes, JITs them and compares every
// output bit for bit against references that share no code with the
// emulation:
//   - llvm::APFloat, for formats with an APFloat twin (fp32, fp16, bf16,
//     e4m3 = Float8E4M3FN, e5m2, the FNUZ and FiniteOnly variants), with the
//     format's rounding mode and its overflow override applied afterwards;
//   - a literal double-precision transcription of docs/Paper.md 5.1-5.3 (scale by
//     the extra bias, add 2^emin for subnormals, round half away, clamp or
//     inf) for specials = none with ties away (the paper's formats);
//   - a direct double-precision rounding (scale, floor, ldexp) that covers
//     every format; it is the reference where neither of the above applies
//     and a cross-check of the others everywhere else;
//   - for the overflow flag, |x| >= (max finite + next binade step) / 2 in
//     double precision.
// NaN matches NaN; everything else, signed zeros included, must be equal
// bit for bit. Exit status: 0 all equal, 1 any mismatch or failure, 2 bad
// options.
//
//===----------------------------------------------------------------------===//

#include "mlir/AsmParser/AsmParser.h"
#include "mlir/Conversion/ArithToLLVM/ArithToLLVM.h"
#include "mlir/Conversion/ControlFlowToLLVM/ControlFlowToLLVM.h"
#include "mlir/Conversion/FuncToLLVM/ConvertFuncToLLVMPass.h"
#include "mlir/Conversion/MemRefToLLVM/MemRefToLLVM.h"
#include "mlir/Conversion/ReconcileUnrealizedCasts/ReconcileUnrealizedCasts.h"
#include "mlir/Conversion/SCFToControlFlow/SCFToControlFlow.h"
#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/ControlFlow/IR/ControlFlow.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/LLVMIR/LLVMDialect.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/ExecutionEngine/CRunnerUtils.h"
#include "mlir/ExecutionEngine/ExecutionEngine.h"
#include "mlir/ExecutionEngine/OptUtils.h"
#include "mlir/IR/Builders.h"
#include "mlir/IR/BuiltinOps.h"
#include "mlir/IR/Diagnostics.h"
#include "mlir/IR/MLIRContext.h"
#include "mlir/IR/Verifier.h"
#include "mlir/Pass/Pass.h"
#include "mlir/Pass/PassManager.h"
#include "mlir/Target/LLVMIR/Dialect/Builtin/BuiltinToLLVMIRTranslation.h"
#include "mlir/Target/LLVMIR/Dialect/LLVMIR/LLVMToLLVMIRTranslation.h"
#include "mp/Conversion/FP8Emulation/FP8Emulation.h"
#include "mp/Dialect/MP/IR/MPAttrs.h"
#include "mp/Dialect/MP/IR/MPDialect.h"
#include "llvm/ADT/APFloat.h"
#include "llvm/ADT/STLExtras.h"
#include "llvm/ADT/bit.h"
#include "llvm/Support/CommandLine.h"
#include "llvm/Support/Format.h"
#include "llvm/Support/InitLLVM.h"
#include "llvm/Support/TargetSelect.h"
#include "llvm/Support/raw_ostream.h"
#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdint>
#include <limits>
#include <string>
#include <thread>
#include <vector>

using namespace mlir;
using namespace mp;
using llvm::APFloat;

//===----------------------------------------------------------------------===//
// Options
//===----------------------------------------------------------------------===//

static llvm::cl::OptionCategory checkCategory("mp-cast-check options");

static llvm::cl::list<std::string> formatNames(
    "format",
    llvm::cl::desc("Format to check: a preset name, `<...>` or "
                   "`#mp.format<...>` (repeatable; default: every preset and "
                   "a set of non-preset formats)"),
    llvm::cl::value_desc("format"), llvm::cl::cat(checkCategory));

static llvm::cl::opt<uint64_t>
    numRandom("random",
              llvm::cl::desc("Random inputs per format, half uniform f32 bit "
                             "patterns and half inside the format's range"),
              llvm::cl::init(10000000), llvm::cl::value_desc("N"),
              llvm::cl::cat(checkCategory));

static llvm::cl::opt<uint64_t> seed("seed",
                                    llvm::cl::desc("Seed of the random inputs"),
                                    llvm::cl::init(0x6d702d63617374ULL),
                                    llvm::cl::cat(checkCategory));

static llvm::cl::opt<bool> exhaustive(
    "exhaustive",
    llvm::cl::desc("Check all 2^32 f32 bit patterns instead of random ones "
                   "(slow: 10-20 CPU-minutes per format)"),
    llvm::cl::init(false), llvm::cl::cat(checkCategory));

static llvm::cl::opt<unsigned>
    numThreads("jobs",
               llvm::cl::desc("Worker threads (0: one per hardware thread)"),
               llvm::cl::init(0), llvm::cl::cat(checkCategory));

static llvm::cl::opt<unsigned>
    maxReported("show",
                llvm::cl::desc("Mismatches printed per format (in hex)"),
                llvm::cl::init(5), llvm::cl::cat(checkCategory));

static llvm::cl::opt<bool>
    printIR("print-ir",
            llvm::cl::desc("Print the generated functions before lowering"),
            llvm::cl::init(false), llvm::cl::cat(checkCategory));

/// Formats checked when no --format is given.
static const char *const kDefaultFormats[] = {
    // Every preset.
    "fp32",
    "fp16",
    "bf16",
    "e4m3",
    "e5m2",
    "paper_143",
    "paper_152",
    "paper_169",
    // Overrides of presets.
    "paper_169, overflow = inf",
    "paper_143, rounding = nearest_even",
    "e5m2, overflow = saturate",
    "e5m2, overflow = nan",
    "e4m3, overflow = saturate",
    "fp16, rounding = nearest_away",
    "fp32, overflow = saturate",
    // APFloat's FNUZ and FiniteOnly formats.
    "exp = 4, man = 3, bias = 8, specials = fnuz",
    "exp = 5, man = 2, bias = 16, specials = fnuz",
    "exp = 3, man = 2, bias = 3, specials = none",
    "exp = 2, man = 1, bias = 1, specials = none",
    // Corner cases of the algorithm: no mantissa bits (ties between powers of
    // two, even and odd bias), normals below f32's smallest normal, a
    // subnormal range wider than f32's mantissa, a 1-bit exponent.
    "exp = 1, man = 0, specials = none",
    "exp = 3, man = 0, bias = 4, specials = ieee",
    "exp = 2, man = 0, bias = 130, specials = none",
    "exp = 3, man = 2, bias = 140, specials = fnuz, rounding = nearest_away",
    "exp = 8, man = 3, bias = 140, specials = fn",
    "exp = 2, man = 1, bias = -100",
    "exp = 3, man = 20, bias = -90, specials = none, overflow = nan",
};

//===----------------------------------------------------------------------===//
// Bit helpers
//===----------------------------------------------------------------------===//

static float fromBits(uint32_t u) { return llvm::bit_cast<float>(u); }
static uint32_t toBits(float f) { return llvm::bit_cast<uint32_t>(f); }
static const float kNaN = std::numeric_limits<float>::quiet_NaN();
static const float kInf = std::numeric_limits<float>::infinity();

/// NaN matches any NaN; everything else must be equal bit for bit.
static bool sameResult(float got, float want) {
  if (std::isnan(got) || std::isnan(want))
    return std::isnan(got) && std::isnan(want);
  return toBits(got) == toBits(want);
}

/// splitmix64: a small generator whose sequence is the same on every host.
namespace {
struct SplitMix64 {
  uint64_t state;
  uint64_t next() {
    uint64_t z = (state += 0x9e3779b97f4a7c15ULL);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
  }
};
} // namespace

//===----------------------------------------------------------------------===//
// References
//===----------------------------------------------------------------------===//

namespace {
/// An APFloat type with the same codes as a format.
struct APFloatTwin {
  unsigned exp, man;
  int64_t bias;
  SpecialValues specials;
  const llvm::fltSemantics &(*semantics)();
  const char *name;
};
} // namespace

static const APFloatTwin kTwins[] = {
    {8, 23, 127, SpecialValues::ieee, APFloat::IEEEsingle, "IEEEsingle"},
    {5, 10, 15, SpecialValues::ieee, APFloat::IEEEhalf, "IEEEhalf"},
    {8, 7, 127, SpecialValues::ieee, APFloat::BFloat, "BFloat"},
    {8, 10, 127, SpecialValues::ieee, APFloat::FloatTF32, "FloatTF32"},
    {5, 2, 15, SpecialValues::ieee, APFloat::Float8E5M2, "Float8E5M2"},
    {4, 3, 7, SpecialValues::ieee, APFloat::Float8E4M3, "Float8E4M3"},
    {3, 4, 3, SpecialValues::ieee, APFloat::Float8E3M4, "Float8E3M4"},
    {4, 3, 7, SpecialValues::fn, APFloat::Float8E4M3FN, "Float8E4M3FN"},
    {4, 3, 8, SpecialValues::fnuz, APFloat::Float8E4M3FNUZ, "Float8E4M3FNUZ"},
    {5, 2, 16, SpecialValues::fnuz, APFloat::Float8E5M2FNUZ, "Float8E5M2FNUZ"},
    {4, 3, 11, SpecialValues::fnuz, APFloat::Float8E4M3B11FNUZ,
     "Float8E4M3B11FNUZ"},
    // FiniteOnly: APFloat saturates, so only overflow = saturate matches.
    {3, 2, 3, SpecialValues::none, APFloat::Float6E3M2FN, "Float6E3M2FN"},
    {2, 3, 1, SpecialValues::none, APFloat::Float6E2M3FN, "Float6E2M3FN"},
    {2, 1, 1, SpecialValues::none, APFloat::Float4E2M1FN, "Float4E2M1FN"},
};

namespace {
/// One format under test and its references. The range constants are derived
/// here from the parameters, independently of FormatAttr's helpers and of the
/// emulation.
class FormatReference {
public:
  explicit FormatReference(FormatAttr attr);

  FormatAttr getAttr() const { return attr; }
  double getMaxFinite() const { return maxFinite; }
  /// One past the largest finite value: max + ulp of the top binade.
  double getBeyondMax() const { return beyondMax; }
  int getMinExponent() const { return emin; }
  int getMaxExponent() const { return emax; }
  unsigned getManBits() const { return man; }
  unsigned getMaxBiasedExponent() const { return maxBiased; }
  uint64_t getMaxTopMantissa() const { return maxTopMantissa; }
  bool hasAPFloat() const { return twin != nullptr; }
  bool hasPaper() const { return paperApplies; }
  /// The names of the primary reference and the cross-checks.
  std::string describe() const;

  /// The primary reference: APFloat, else the paper's kernel, else direct.
  float expected(float x) const {
    if (twin)
      return viaAPFloat(x);
    if (paperApplies)
      return viaPaper(x);
    return direct(x);
  }
  /// Returns the first cross-check that disagrees with `want`, or nullptr.
  const char *crossCheck(float x, float want) const {
    if ((twin || paperApplies) && !sameResult(direct(x), want))
      return "direct";
    if (twin && paperApplies && !sameResult(viaPaper(x), want))
      return "paper";
    return nullptr;
  }

  float viaAPFloat(float x) const;
  float viaPaper(float x) const;
  float direct(float x) const;
  /// docs/Paper.md 4.1's overflow test: |x| >= the midpoint above max finite.
  bool isOverflow(float x) const {
    return !std::isnan(x) &&
           std::fabs(double(x)) >= (maxFinite + beyondMax) / 2;
  }

private:
  float onInfinity(bool negative) const;
  float onOverflow(bool negative) const;
  /// Whether the code of the grid value `scaled * 2^quantumExp` (scaled an
  /// integer, `e` the input's binade) is odd.
  bool codeIsOdd(double scaled, int e) const;

  FormatAttr attr;
  unsigned exp, man;
  int64_t bias;
  SpecialValues specials;
  OverflowMode overflow;
  bool away;
  int emin, emax;
  unsigned maxBiased;
  uint64_t maxTopMantissa;
  double maxFinite, beyondMax;
  const APFloatTwin *twin = nullptr;
  /// APFloat codes decoded to f32, for formats of at most 16 bits.
  std::vector<float> decoded;
  bool paperApplies;
};
} // namespace

FormatReference::FormatReference(FormatAttr attr)
    : attr(attr), exp(attr.getExpBits()), man(attr.getManBits()),
      bias(attr.getBias()), specials(attr.getSpecials()),
      overflow(attr.getOverflow()),
      away(attr.getRounding() == RoundingMode::nearest_away) {
  // docs/Paper.md 5.1: value = 1.f x 2^(E - bias); E = 0 holds subnormals
  // 0.f x 2^(1 - bias). ieee reserves the all-ones exponent; fn reserves the
  // all-ones code.
  emin = int(1 - bias);
  maxBiased = (1u << exp) - (specials == SpecialValues::ieee ? 2 : 1);
  emax = int(int64_t(maxBiased) - bias);
  maxTopMantissa =
      (uint64_t(1) << man) - (specials == SpecialValues::fn ? 2 : 1);
  maxFinite =
      std::ldexp(1.0 + std::ldexp(double(maxTopMantissa), -int(man)), emax);
  beyondMax = maxFinite + std::ldexp(1.0, emax - int(man));

  for (const APFloatTwin &t : kTwins) {
    if (t.exp != exp || t.man != man || t.bias != bias ||
        t.specials != specials)
      continue;
    if (specials == SpecialValues::none && overflow != OverflowMode::saturate)
      continue;
    twin = &t;
  }
  if (twin && 1 + exp + man <= 16) {
    const llvm::fltSemantics &sem = twin->semantics();
    unsigned width = APFloat::getSizeInBits(sem);
    decoded.resize(size_t(1) << width);
    for (uint64_t code = 0; code < decoded.size(); ++code) {
      APFloat v(sem, llvm::APInt(width, code));
      bool lost;
      v.convert(APFloat::IEEEsingle(), APFloat::rmNearestTiesToEven, &lost);
      decoded[code] = v.convertToFloat();
    }
  }
  paperApplies = specials == SpecialValues::none && away;
}

std::string FormatReference::describe() const {
  std::string primary, checks = "direct";
  if (twin) {
    primary = std::string("APFloat ") + twin->name +
              (away ? " (ties away)" : " (ties to even)");
    if (paperApplies)
      checks += ", paper";
  } else if (paperApplies) {
    primary = "paper kernel (docs/Paper.md 5.1-5.3)";
  } else {
    primary = "direct";
    checks = "none";
  }
  return primary + "; cross-check: " + checks;
}

float FormatReference::onInfinity(bool negative) const {
  // Saturation clamps infinities too (satfinite); a format with an inf code,
  // or inf on overflow, keeps them; the others have only NaN left.
  if (overflow == OverflowMode::saturate)
    return float(negative ? -maxFinite : maxFinite);
  if (specials == SpecialValues::ieee || overflow == OverflowMode::inf)
    return negative ? -kInf : kInf;
  return kNaN;
}

float FormatReference::onOverflow(bool negative) const {
  switch (overflow) {
  case OverflowMode::saturate:
    return float(negative ? -maxFinite : maxFinite);
  case OverflowMode::inf:
    return negative ? -kInf : kInf;
  case OverflowMode::nan:
    return kNaN;
  }
  return kNaN;
}

bool FormatReference::codeIsOdd(double scaled, int e) const {
  // With mantissa bits the code's last bit is the mantissa's; with none the
  // code of 2^e is its biased exponent e + bias (0 for zero).
  if (man == 0 && e >= emin && scaled != 0)
    return ((int64_t(e) + bias) & 1) != 0;
  return std::fmod(scaled, 2.0) != 0;
}

float FormatReference::direct(float x) const {
  if (std::isnan(x))
    return kNaN;
  bool negative = std::signbit(x);
  if (std::isinf(x))
    return onInfinity(negative);
  double v = std::fabs(double(x));
  double r = 0;
  if (v != 0) {
    // The grid spacing at v: 2^(max(e, emin) - man); subnormals share the
    // smallest normal binade's.
    int e = std::ilogb(v);
    int quantumExp = std::max(e, emin) - int(man);
    double scaled = std::ldexp(v, -quantumExp); // exact
    double down = std::floor(scaled);
    double rest = scaled - down;
    bool up = rest > 0.5;
    if (rest == 0.5)
      up = away || codeIsOdd(down, e);
    r = std::ldexp(up ? down + 1 : down, quantumExp);
  }
  if (r > maxFinite)
    return onOverflow(negative);
  if (r == 0 && specials == SpecialValues::fnuz)
    return 0.0f;
  return float(negative ? -r : r);
}

float FormatReference::viaPaper(float x) const {
  // docs/Paper.md 5.1-5.3, in double precision, where every step below is exact
  // enough (53 bits against at most 24 + 1 needed).
  if (std::isnan(x))
    return kNaN;
  bool negative = std::signbit(x);
  if (std::isinf(x)) // 5.3: the saturating kernel clamps, allow_inf keeps inf
    return overflow == OverflowMode::saturate
               ? float(negative ? -maxFinite : maxFinite)
           : overflow == OverflowMode::inf ? x
                                           : kNaN;
  // 5.1: FP_e_m_b has IEEE bias 2^(e-1) - 1 plus an extra bias b; the
  // all-ones exponent is an ordinary binade.
  int ieeeBias = (1 << (exp - 1)) - 1;
  int extra = int(bias) - ieeeBias;
  int minExp = 1 - ieeeBias;
  int maxExp = int((1u << exp) - 1) - ieeeBias;
  double maxIeee = std::ldexp(2.0 - std::ldexp(1.0, -int(man)), maxExp);
  // 5.2: the extra bias is applied as multiply by 2^b -> round -> divide.
  double y = std::ldexp(std::fabs(double(x)), extra);
  // 5.2: round half away from zero to `man` fraction bits.
  auto roundHalfAway = [&](double t) {
    int e = std::ilogb(t);
    double ulp = std::ldexp(1.0, e - int(man));
    return std::floor(t / ulp + 0.5) * ulp;
  };
  double r;
  if (y == 0) {
    r = 0;
  } else if (y < std::ldexp(1.0, minExp)) {
    // 5.2: subnormals: add 2^min_exp, round, subtract.
    double shift = std::ldexp(1.0, minExp);
    r = roundHalfAway(y + shift) - shift;
  } else {
    r = roundHalfAway(y);
  }
  // 5.3: forward tensors clip to +-max, backward ones become +-inf.
  if (r > maxIeee)
    return onOverflow(negative);
  r = std::ldexp(r, -extra);
  return float(negative ? -r : r);
}

float FormatReference::viaAPFloat(float x) const {
  const llvm::fltSemantics &sem = twin->semantics();
  bool finiteOnly = specials == SpecialValues::none;
  // FiniteOnly semantics have no NaN or inf to convert.
  if (finiteOnly && !std::isfinite(x))
    return std::isnan(x) ? kNaN : onInfinity(std::signbit(x));
  APFloat v(x);
  bool lost;
  APFloat::roundingMode mode =
      away ? APFloat::rmNearestTiesToAway : APFloat::rmNearestTiesToEven;
  v.convert(sem, mode, &lost);
  float y;
  if (!decoded.empty()) {
    y = decoded[v.bitcastToAPInt().getZExtValue()];
  } else {
    v.convert(APFloat::IEEEsingle(), mode, &lost);
    y = v.convertToFloat();
  }
  if (std::isnan(x))
    return y;
  // APFloat overflows to inf (ieee) or NaN (fn, fnuz); apply the format's
  // overflow override on top.
  bool special = std::isinf(y) || std::isnan(y);
  if (overflow == OverflowMode::saturate && special)
    return float(std::signbit(x) ? -maxFinite : maxFinite);
  if (overflow == OverflowMode::nan && std::isinf(y) && !std::isinf(x))
    return kNaN;
  return y;
}

//===----------------------------------------------------------------------===//
// Inputs
//===----------------------------------------------------------------------===//

/// Adds `v` and its f32 neighbours; `v` need not be an f32: then the f32s on
/// both sides of it and their outer neighbours.
static void addAround(std::vector<uint32_t> &out, double v) {
  float lo = static_cast<float>(v);
  if (std::isinf(lo) || double(lo) > v)
    lo = std::nextafter(lo, -kInf);
  float hi = double(lo) == v ? lo : std::nextafter(lo, kInf);
  for (float f : {std::nextafter(lo, -kInf), lo, hi, std::nextafter(hi, kInf)})
    if (!std::isnan(f) && f >= 0)
      out.push_back(toBits(f));
}

/// Boundary inputs: every value of the format (sampled per binade when it has
/// more than 2^17 codes), the midpoints between neighbours (the rounding
/// boundaries, including half the smallest subnormal and the overflow
/// threshold) and the f32 neighbours of all of them, special values and f32
/// denormals, with both signs.
static std::vector<uint32_t> makeBoundaryInputs(const FormatReference &ref,
                                                SplitMix64 &rng) {
  unsigned man = ref.getManBits();
  std::vector<uint64_t> mantissas;
  if (ref.getAttr().getExpBits() + man <= 16) {
    for (uint64_t m = 0; m < (uint64_t(1) << man); ++m)
      mantissas.push_back(m);
  } else {
    uint64_t top = (uint64_t(1) << man) - 1;
    for (uint64_t m : {uint64_t(0), uint64_t(1), uint64_t(2), uint64_t(3),
                       top / 2, top / 2 + 1, top - 3, top - 2, top - 1, top})
      mantissas.push_back(m);
    for (int i = 0; i < 6; ++i)
      mantissas.push_back(rng.next() & top);
  }
  std::vector<double> values;
  for (unsigned biased = 0; biased <= ref.getMaxBiasedExponent(); ++biased) {
    for (uint64_t m : mantissas) {
      if (biased == ref.getMaxBiasedExponent() && m > ref.getMaxTopMantissa())
        continue;
      double v = biased == 0
                     ? std::ldexp(double(m), ref.getMinExponent() - int(man))
                     : std::ldexp(1.0 + std::ldexp(double(m), -int(man)),
                                  int(biased) - 1 + ref.getMinExponent());
      values.push_back(v);
    }
  }
  values.push_back(ref.getBeyondMax());
  llvm::sort(values);
  values.erase(std::unique(values.begin(), values.end()), values.end());

  std::vector<uint32_t> out;
  for (size_t i = 0; i < values.size(); ++i) {
    addAround(out, values[i]);
    if (i + 1 < values.size())
      addAround(out, (values[i] + values[i + 1]) / 2);
  }
  addAround(out, ref.getMaxFinite());
  for (uint32_t bits :
       {0x00000000u, 0x00000001u, 0x00000002u, 0x00000003u, 0x003FFFFFu,
        0x00400000u, 0x00400001u, 0x007FFFFFu, 0x00800000u, 0x3F800000u,
        0x7F7FFFFFu, 0x7F800000u, 0x7F800001u, 0x7FA00000u, 0x7FC00000u,
        0x7FC00001u, 0x7FFFFFFFu})
    out.push_back(bits);
  size_t n = out.size();
  for (size_t i = 0; i < n; ++i)
    out.push_back(out[i] | 0x80000000u);
  llvm::sort(out);
  out.erase(std::unique(out.begin(), out.end()), out.end());
  return out;
}

/// Random inputs: even slots are uniform bit patterns, odd slots have a
/// random sign and mantissa and a binade inside [smallest subnormal / 4,
/// largest finite * 4].
static void makeRandomInputs(const FormatReference &ref, SplitMix64 &rng,
                             std::vector<uint32_t> &out, size_t n) {
  int lo = std::max(ref.getMinExponent() - int(ref.getManBits()) - 2, -149);
  int hi = std::min(ref.getMaxExponent() + 2, 127);
  out.resize(n);
  for (size_t i = 0; i < n; ++i) {
    uint64_t r = rng.next();
    if (i % 2 == 0) {
      out[i] = uint32_t(r);
      continue;
    }
    int e = lo + int((r >> 32) % uint64_t(hi - lo + 1));
    uint32_t sign = uint32_t(r >> 31) & 0x80000000u;
    uint32_t mantissa = uint32_t(r) & 0x7FFFFFu;
    uint32_t bits;
    if (e >= -126) {
      bits = (uint32_t(e + 127) << 23) | mantissa;
    } else {
      unsigned lead = unsigned(e + 149); // 2^e = denormal bit `lead`
      bits = (1u << lead) | (mantissa & ((1u << lead) - 1));
    }
    out[i] = sign | bits;
  }
}

//===----------------------------------------------------------------------===//
// JIT
//===----------------------------------------------------------------------===//

using RoundFn = void (*)(StridedMemRefType<float, 1> *,
                         StridedMemRefType<float, 1> *);
using OverflowFn = void (*)(StridedMemRefType<float, 1> *,
                            StridedMemRefType<int8_t, 1> *);

/// Adds `name(%in: memref<?xf32>, %out: memref<?xT>)` that stores
/// `body(%in[i])` to `%out[i]` for every i.
static void
buildElementwiseFunc(OpBuilder &b, Location loc, StringRef name, Type outElt,
                     function_ref<Value(OpBuilder &, Location, Value)> body) {
  auto inType = MemRefType::get({ShapedType::kDynamic}, b.getF32Type());
  auto outType = MemRefType::get({ShapedType::kDynamic}, outElt);
  auto fn = func::FuncOp::create(b, loc, name,
                                 b.getFunctionType({inType, outType}, {}));
  fn->setAttr("llvm.emit_c_interface", b.getUnitAttr());
  Block *entry = fn.addEntryBlock();
  OpBuilder fb = OpBuilder::atBlockEnd(entry);
  Value in = entry->getArgument(0), out = entry->getArgument(1);
  Value c0 = arith::ConstantIndexOp::create(fb, loc, 0);
  Value c1 = arith::ConstantIndexOp::create(fb, loc, 1);
  Value n = memref::DimOp::create(fb, loc, in, c0);
  scf::ForOp::create(
      fb, loc, c0, n, c1, ValueRange{},
      [&](OpBuilder &lb, Location l, Value iv, ValueRange) {
        Value x = memref::LoadOp::create(lb, l, in, ValueRange{iv});
        memref::StoreOp::create(lb, l, body(lb, l, x), out, ValueRange{iv});
        scf::YieldOp::create(lb, l);
      });
  func::ReturnOp::create(fb, loc);
}

/// Builds round_<i> (emitRoundToFormat) and overflow_<i> (emitIsOverflow,
/// as i8) for every format, lowers the module to LLVM and JITs it.
static llvm::Expected<std::unique_ptr<ExecutionEngine>>
compileRounders(MLIRContext &ctx, ArrayRef<FormatAttr> formats) {
  Location loc = UnknownLoc::get(&ctx);
  OwningOpRef<ModuleOp> module = ModuleOp::create(loc);
  OpBuilder b = OpBuilder::atBlockEnd(module->getBody());
  for (auto [i, f] : llvm::enumerate(formats)) {
    FormatAttr format = f; // (a structured binding cannot be captured)
    buildElementwiseFunc(b, loc, "round_" + std::to_string(i), b.getF32Type(),
                         [&](OpBuilder &lb, Location l, Value x) {
                           return emitRoundToFormat(lb, l, x, format);
                         });
    buildElementwiseFunc(b, loc, "overflow_" + std::to_string(i), b.getI8Type(),
                         [&](OpBuilder &lb, Location l, Value x) -> Value {
                           Value flag = emitIsOverflow(lb, l, x, format);
                           return arith::ExtUIOp::create(lb, l, lb.getI8Type(),
                                                         flag);
                         });
  }
  if (printIR)
    module->print(llvm::outs());

  std::string diagText;
  llvm::raw_string_ostream diagOs(diagText);
  ScopedDiagnosticHandler handler(&ctx, [&](Diagnostic &diag) {
    diagOs << diag << "\n";
    return success();
  });
  if (failed(verify(*module)))
    return llvm::createStringError("generated module does not verify:\n" +
                                   diagText);
  PassManager pm(&ctx);
  pm.addPass(createSCFToControlFlowPass());
  pm.addPass(createFinalizeMemRefToLLVMConversionPass());
  pm.addPass(createArithToLLVMConversionPass());
  pm.addPass(createConvertControlFlowToLLVMPass());
  pm.addPass(createConvertFuncToLLVMPass());
  pm.addPass(createReconcileUnrealizedCastsPass());
  if (failed(pm.run(*module)))
    return llvm::createStringError("lowering to LLVM failed:\n" + diagText);

  // ExecutionEngineOptions::transformer is a function_ref: the function it
  // refers to must outlive create() (found by the sanitized build).
  std::function<llvm::Error(llvm::Module *)> transformer =
      makeOptimizingTransformer(3, 0, nullptr);
  ExecutionEngineOptions options;
  options.transformer = transformer;
  options.enableGDBNotificationListener = false;
  options.enablePerfNotificationListener = false;
  return ExecutionEngine::create(*module, options);
}

//===----------------------------------------------------------------------===//
// Checking
//===----------------------------------------------------------------------===//

namespace {
struct Mismatch {
  uint32_t input, got, want;
  /// nullptr: rounding vs the reference; "overflow": the flag; else the name
  /// of the cross-check that disagrees with the primary reference.
  const char *what;
};

struct Tally {
  uint64_t checked = 0, mismatches = 0, disagreements = 0;
  std::vector<Mismatch> shown;

  void merge(const Tally &other) {
    checked += other.checked;
    mismatches += other.mismatches;
    disagreements += other.disagreements;
    for (const Mismatch &m : other.shown)
      if (shown.size() < maxReported)
        shown.push_back(m);
  }
};
} // namespace

/// Runs the JIT-ed rounder on `inputs` and compares every result, split over
/// the worker threads.
static Tally checkInputs(RoundFn round, OverflowFn overflow,
                         const FormatReference &ref, ArrayRef<uint32_t> inputs,
                         unsigned threads) {
  std::vector<float> in(inputs.size()), out(inputs.size());
  std::vector<int8_t> flags(inputs.size());
  for (size_t i = 0; i < inputs.size(); ++i)
    in[i] = fromBits(inputs[i]);
  std::vector<Tally> tallies(threads);
  auto work = [&](unsigned t) {
    size_t begin = inputs.size() * t / threads;
    size_t end = inputs.size() * (t + 1) / threads;
    if (begin == end)
      return;
    StridedMemRefType<float, 1> inDesc{
        in.data(), in.data() + begin, 0, {int64_t(end - begin)}, {1}};
    StridedMemRefType<float, 1> outDesc{
        out.data(), out.data() + begin, 0, {int64_t(end - begin)}, {1}};
    StridedMemRefType<int8_t, 1> flagDesc{
        flags.data(), flags.data() + begin, 0, {int64_t(end - begin)}, {1}};
    round(&inDesc, &outDesc);
    overflow(&inDesc, &flagDesc);
    Tally &tally = tallies[t];
    for (size_t i = begin; i < end; ++i) {
      float x = in[i];
      float want = ref.expected(x);
      if (!sameResult(out[i], want)) {
        if (tally.shown.size() < maxReported)
          tally.shown.push_back(
              {inputs[i], toBits(out[i]), toBits(want), nullptr});
        ++tally.mismatches;
      }
      bool wantFlag = ref.isOverflow(x);
      if (bool(flags[i]) != wantFlag) {
        if (tally.shown.size() < maxReported)
          tally.shown.push_back(
              {inputs[i], uint32_t(flags[i]), uint32_t(wantFlag), "overflow"});
        ++tally.mismatches;
      }
      if (const char *which = ref.crossCheck(x, want)) {
        float alt =
            std::string(which) == "direct" ? ref.direct(x) : ref.viaPaper(x);
        if (tally.shown.size() < maxReported)
          tally.shown.push_back({inputs[i], toBits(alt), toBits(want), which});
        ++tally.disagreements;
      }
    }
    tally.checked = end - begin;
  };
  std::vector<std::thread> pool;
  for (unsigned t = 1; t < threads; ++t)
    pool.emplace_back(work, t);
  work(0);
  for (std::thread &th : pool)
    th.join();
  Tally total;
  for (const Tally &t : tallies)
    total.merge(t);
  return total;
}

static std::string hex(uint32_t v) {
  std::string s;
  llvm::raw_string_ostream os(s);
  os << llvm::format_hex(v, 10);
  return s;
}

static std::string describeFloat(uint32_t bits) {
  std::string s;
  llvm::raw_string_ostream os(s);
  os << hex(bits) << " (" << llvm::format("%.9g", double(fromBits(bits)))
     << ")";
  return s;
}

static void printTally(llvm::raw_ostream &os, StringRef label,
                       const Tally &tally) {
  os << "  " << label << ": " << tally.checked << " inputs, "
     << tally.mismatches << " mismatches";
  if (tally.disagreements)
    os << ", " << tally.disagreements << " reference disagreements";
  os << "\n";
}

/// Checks one format; returns whether everything matched.
static bool checkFormat(RoundFn round, OverflowFn overflow,
                        const FormatReference &ref, unsigned threads,
                        llvm::raw_ostream &os) {
  auto start = std::chrono::steady_clock::now();
  FormatAttr attr = ref.getAttr();
  os << "format " << Attribute(attr) << "\n";
  os << "  reference: " << ref.describe() << "\n";
  os << "  max finite " << llvm::format("%.9g", ref.getMaxFinite())
     << ", min normal "
     << llvm::format("%.9g", std::ldexp(1.0, ref.getMinExponent()))
     << ", min subnormal "
     << llvm::format("%.9g", std::ldexp(1.0, ref.getMinExponent() -
                                                 int(ref.getManBits())))
     << ", overflow threshold "
     << llvm::format("%.9g", (ref.getMaxFinite() + ref.getBeyondMax()) / 2)
     << "\n";

  Tally all;
  bool ok = true;
  // The attribute's own constants must agree with the ones derived here.
  if (attr.getMaxFinite() != ref.getMaxFinite() ||
      attr.getOverflowThreshold() !=
          (ref.getMaxFinite() + ref.getBeyondMax()) / 2) {
    os << "  error: FormatAttr reports max finite "
       << llvm::format("%.9g", attr.getMaxFinite()) << " and threshold "
       << llvm::format("%.9g", attr.getOverflowThreshold()) << "\n";
    ok = false;
  }

  SplitMix64 rng{seed.getValue()};
  std::vector<uint32_t> inputs = makeBoundaryInputs(ref, rng);
  Tally boundary = checkInputs(round, overflow, ref, inputs, threads);
  printTally(os, "boundary", boundary);
  all.merge(boundary);

  const size_t chunk = size_t(1) << 22;
  Tally bulk;
  if (exhaustive) {
    for (uint64_t base = 0; base < (uint64_t(1) << 32); base += chunk) {
      inputs.resize(chunk);
      for (size_t i = 0; i < chunk; ++i)
        inputs[i] = uint32_t(base + i);
      bulk.merge(checkInputs(round, overflow, ref, inputs, threads));
    }
    printTally(os, "exhaustive", bulk);
  } else {
    for (uint64_t done = 0; done < numRandom; done += chunk) {
      makeRandomInputs(ref, rng, inputs,
                       size_t(std::min<uint64_t>(chunk, numRandom - done)));
      bulk.merge(checkInputs(round, overflow, ref, inputs, threads));
    }
    printTally(os, "random", bulk);
  }
  all.merge(bulk);

  for (const Mismatch &m : all.shown) {
    if (m.what && StringRef(m.what) == "overflow")
      os << "  mismatch: input " << describeFloat(m.input)
         << ": emitIsOverflow " << m.got << ", expected " << m.want << "\n";
    else if (m.what)
      os << "  reference disagreement: input " << describeFloat(m.input) << ": "
         << m.what << " " << describeFloat(m.got) << ", primary "
         << describeFloat(m.want) << "\n";
    else
      os << "  mismatch: input " << describeFloat(m.input) << ": emulated "
         << describeFloat(m.got) << ", expected " << describeFloat(m.want)
         << "\n";
  }
  double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start)
          .count();
  os << "  total: " << all.checked << " inputs, " << all.mismatches
     << " mismatches, " << all.disagreements << " reference disagreements ("
     << llvm::format("%.2f", seconds) << " s)\n";
  os.flush();
  return ok && all.mismatches == 0 && all.disagreements == 0;
}

//===----------------------------------------------------------------------===//
// Main
//===----------------------------------------------------------------------===//

/// Parses `text` (`e4m3`, `<e4m3, ...>` or `#mp.format<...>`) as a format.
static FormatAttr parseFormat(MLIRContext &ctx, StringRef text,
                              std::string &error) {
  text = text.trim();
  std::string full;
  if (text.starts_with("#"))
    full = text.str();
  else if (text.starts_with("<"))
    full = "#mp.format" + text.str();
  else
    full = "#mp.format<" + text.str() + ">";
  llvm::raw_string_ostream os(error);
  ScopedDiagnosticHandler handler(&ctx, [&](Diagnostic &diag) {
    os << diag;
    return success();
  });
  Attribute attr = parseAttribute(full, &ctx);
  if (!attr) {
    if (error.empty())
      os << "cannot parse '" << full << "'";
    return {};
  }
  auto format = dyn_cast<FormatAttr>(attr);
  if (!format)
    os << "'" << full << "' is not an #mp.format attribute";
  return format;
}

int main(int argc, char **argv) {
  llvm::InitLLVM initLLVM(argc, argv);
  llvm::cl::HideUnrelatedOptions(checkCategory);
  if (!llvm::cl::ParseCommandLineOptions(
          argc, argv,
          "mp-cast-check: prove emitRoundToFormat and emitIsOverflow "
          "bit-exact against APFloat, the paper's kernel and a direct "
          "reference\n\nExit status: 0 all exact, 1 any mismatch, 2 bad "
          "options.\n",
          &llvm::errs()))
    return 2;

  DialectRegistry registry;
  registry.insert<MPDialect, arith::ArithDialect, func::FuncDialect,
                  scf::SCFDialect, memref::MemRefDialect,
                  cf::ControlFlowDialect, LLVM::LLVMDialect>();
  registerBuiltinDialectTranslation(registry);
  registerLLVMDialectTranslation(registry);
  MLIRContext ctx(registry);
  ctx.loadAllAvailableDialects();

  std::vector<std::string> names(formatNames.begin(), formatNames.end());
  if (names.empty())
    names.assign(std::begin(kDefaultFormats), std::end(kDefaultFormats));
  std::vector<FormatAttr> formats;
  for (const std::string &name : names) {
    std::string error;
    FormatAttr format = parseFormat(ctx, name, error);
    if (!format) {
      llvm::errs() << "mp-cast-check: error: bad --format '" << name
                   << "': " << error << "\n";
      return 2;
    }
    formats.push_back(format);
  }

  llvm::InitializeNativeTarget();
  llvm::InitializeNativeTargetAsmPrinter();
  auto engine = compileRounders(ctx, formats);
  if (!engine) {
    llvm::errs() << "mp-cast-check: error: "
                 << llvm::toString(engine.takeError()) << "\n";
    return 1;
  }

  unsigned threads = numThreads;
  if (threads == 0)
    threads = std::max(1u, std::thread::hardware_concurrency());

  auto start = std::chrono::steady_clock::now();
  unsigned failed = 0;
  for (auto [i, format] : llvm::enumerate(formats)) {
    std::string suffix = std::to_string(i);
    auto roundFn = (*engine)->lookup("_mlir_ciface_round_" + suffix);
    auto overflowFn = (*engine)->lookup("_mlir_ciface_overflow_" + suffix);
    if (!roundFn || !overflowFn) {
      llvm::Error err =
          llvm::joinErrors(roundFn.takeError(), overflowFn.takeError());
      llvm::errs() << "mp-cast-check: error: " << llvm::toString(std::move(err))
                   << "\n";
      return 1;
    }
    FormatReference ref(format);
    if (!checkFormat(reinterpret_cast<RoundFn>(*roundFn),
                     reinterpret_cast<OverflowFn>(*overflowFn), ref, threads,
                     llvm::outs()))
      ++failed;
  }
  double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start)
          .count();
  llvm::outs() << "mp-cast-check: " << formats.size() << " formats, "
               << (formats.size() - failed) << " exact, " << failed
               << " with mismatches (" << llvm::format("%.2f", seconds)
               << " s, " << threads << " threads)\n";
  return failed ? 1 : 0;
}
