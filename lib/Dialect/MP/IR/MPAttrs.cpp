//===- MPAttrs.cpp - mp dialect attributes ---------------------*- C++ -*-===//
//
// Licensed under the Apache License v2.0 with LLVM Exceptions.
// SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
//
//===----------------------------------------------------------------------===//
//
// The #mp.format attribute: presets, custom syntax, verification and the
// derived range constants (max finite, overflow threshold, ...).
//
//===----------------------------------------------------------------------===//

#include "mp/Dialect/MP/IR/MPAttrs.h"

#include "mp/Dialect/MP/IR/MPDialect.h"
#include "mlir/IR/Builders.h"
#include "mlir/IR/DialectImplementation.h"
#include "llvm/ADT/APInt.h"
#include "llvm/ADT/DenseSet.h"
#include "llvm/ADT/STLExtras.h"
#include "llvm/ADT/StringExtras.h"
#include "llvm/ADT/TypeSwitch.h"
#include <cmath>
#include <limits>

using namespace mlir;
using namespace mp;

#include "mp/Dialect/MP/IR/MPEnums.cpp.inc"

#define GET_ATTRDEF_CLASSES
#include "mp/Dialect/MP/IR/MPAttrs.cpp.inc"

void MPDialect::registerAttributes() {
  addAttributes<
#define GET_ATTRDEF_LIST
#include "mp/Dialect/MP/IR/MPAttrs.cpp.inc"
      >();
}

//===----------------------------------------------------------------------===//
// Presets
//===----------------------------------------------------------------------===//

namespace {
struct Preset {
  llvm::StringLiteral name;
  unsigned exp, man;
  int64_t bias;
  SpecialValues specials;
  OverflowMode overflow;
  RoundingMode rounding;
};
} // namespace

static const Preset kPresets[] = {
    {"fp32", 8, 23, 127, SpecialValues::ieee, OverflowMode::inf,
     RoundingMode::nearest_even},
    {"fp16", 5, 10, 15, SpecialValues::ieee, OverflowMode::inf,
     RoundingMode::nearest_even},
    {"bf16", 8, 7, 127, SpecialValues::ieee, OverflowMode::inf,
     RoundingMode::nearest_even},
    {"e4m3", 4, 3, 7, SpecialValues::fn, OverflowMode::nan,
     RoundingMode::nearest_even},
    {"e5m2", 5, 2, 15, SpecialValues::ieee, OverflowMode::inf,
     RoundingMode::nearest_even},
    // docs/Paper.md 5.1-5.3: no special codes, ties away from zero.
    {"paper_143", 4, 3, 11, SpecialValues::none, OverflowMode::saturate,
     RoundingMode::nearest_away},
    {"paper_152", 5, 2, 15, SpecialValues::none, OverflowMode::inf,
     RoundingMode::nearest_away},
    {"paper_169", 6, 9, 31, SpecialValues::none, OverflowMode::saturate,
     RoundingMode::nearest_away},
};

static const llvm::StringLiteral kPresetNames[] = {
    "fp32", "fp16", "bf16", "e4m3", "e5m2", "paper_143", "paper_152",
    "paper_169"};

FormatAttr FormatAttr::getPreset(MLIRContext *ctx, StringRef name) {
  for (const Preset &p : kPresets)
    if (p.name == name)
      return FormatAttr::get(ctx, p.exp, p.man, p.bias, p.specials, p.overflow,
                             p.rounding);
  return {};
}

ArrayRef<llvm::StringLiteral> FormatAttr::getPresetNames() {
  return kPresetNames;
}

std::optional<StringRef> FormatAttr::getPresetName() const {
  for (const Preset &p : kPresets)
    if (p.exp == getExpBits() && p.man == getManBits() &&
        p.bias == getBias() && p.specials == getSpecials() &&
        p.overflow == getOverflow() && p.rounding == getRounding())
      return StringRef(p.name);
  return std::nullopt;
}

FormatAttr FormatAttr::withOverflow(OverflowMode mode) const {
  return FormatAttr::get(getContext(), getExpBits(), getManBits(), getBias(),
                         getSpecials(), mode, getRounding());
}

//===----------------------------------------------------------------------===//
// Range constants
//===----------------------------------------------------------------------===//

/// Largest biased exponent that holds finite values.
static int64_t maxBiasedExponent(unsigned exp, SpecialValues specials) {
  int64_t allOnes = (int64_t(1) << exp) - 1;
  return specials == SpecialValues::ieee ? allOnes - 1 : allOnes;
}

/// Largest mantissa field in the top finite binade.
static int64_t maxTopMantissa(unsigned man, SpecialValues specials) {
  int64_t allOnes = (int64_t(1) << man) - 1;
  return specials == SpecialValues::fn ? allOnes - 1 : allOnes;
}

int64_t FormatAttr::getMaxExponent() const {
  return maxBiasedExponent(getExpBits(), getSpecials()) - getBias();
}

double FormatAttr::getMaxFinite() const {
  double frac = double(maxTopMantissa(getManBits(), getSpecials())) /
                std::ldexp(1.0, getManBits());
  return std::ldexp(1.0 + frac, getMaxExponent());
}

double FormatAttr::getOverflowThreshold() const {
  double frac = (double(maxTopMantissa(getManBits(), getSpecials())) + 0.5) /
                std::ldexp(1.0, getManBits());
  return std::ldexp(1.0 + frac, getMaxExponent());
}

double FormatAttr::getMinNormal() const {
  return std::ldexp(1.0, getMinExponent());
}

double FormatAttr::getMinSubnormal() const {
  return std::ldexp(1.0, getMinExponent() - int64_t(getManBits()));
}

unsigned FormatAttr::getStorageBits() const {
  unsigned bits = getBitWidth();
  if (isF32() || bits > 16)
    return 0;
  return bits <= 8 ? 8 : 16;
}

bool FormatAttr::isF32() const {
  return getExpBits() == 8 && getManBits() == 23 && getBias() == 127 &&
         getSpecials() == SpecialValues::ieee &&
         getOverflow() == OverflowMode::inf;
}

//===----------------------------------------------------------------------===//
// Verification
//===----------------------------------------------------------------------===//

/// Returns `a - b` as decimal text, computed without int64_t overflow.
static std::string exactDifference(int64_t a, int64_t b) {
  APInt diff =
      APInt(65, a, /*isSigned=*/true) - APInt(65, b, /*isSigned=*/true);
  return llvm::toString(diff, /*Radix=*/10, /*Signed=*/true);
}

LogicalResult
FormatAttr::verify(function_ref<InFlightDiagnostic()> emitError,
                   unsigned expBits, unsigned manBits, int64_t bias,
                   SpecialValues specials, OverflowMode overflow,
                   RoundingMode rounding) {
  if (expBits < 1 || expBits > 8)
    return emitError() << "format needs between 1 and 8 exponent bits, got "
                       << expBits;
  if (manBits > 23)
    return emitError() << "format needs at most 23 mantissa bits, got "
                       << manBits;
  if (specials == SpecialValues::ieee && expBits < 2)
    return emitError() << "ieee special values need at least 2 exponent bits "
                          "(the all-ones exponent is reserved), got "
                       << expBits;
  if (specials == SpecialValues::fn && manBits < 1)
    return emitError()
           << "fn special values need at least 1 mantissa bit: with 0 the "
              "NaN code leaves no finite value in the top binade";
  if (overflow == OverflowMode::inf &&
      (specials == SpecialValues::fn || specials == SpecialValues::fnuz))
    return emitError() << "overflow = inf is impossible with specials = "
                       << stringifySpecialValues(specials)
                       << ", which has no infinity; use nan or saturate";
  // Compare against the bias so that no int64_t bias overflows: the largest
  // binade is maxBiased - bias and the smallest subnormal 1 - man - bias.
  int64_t maxBiased = maxBiasedExponent(expBits, specials);
  if (bias < maxBiased - 127)
    return emitError() << "format's largest binade 2^"
                       << exactDifference(maxBiased, bias)
                       << " does not fit the f32 container (at most 2^127); "
                          "increase the bias above "
                       << bias;
  int64_t minSubBiased = 1 - int64_t(manBits);
  if (bias > minSubBiased + 149)
    return emitError() << "format's smallest subnormal 2^"
                       << exactDifference(minSubBiased, bias)
                       << " does not fit the f32 container (at least 2^-149); "
                          "decrease the bias below "
                       << bias;
  (void)rounding;
  return success();
}

//===----------------------------------------------------------------------===//
// Syntax
//===----------------------------------------------------------------------===//

Attribute FormatAttr::parse(AsmParser &parser, Type) {
  MLIRContext *ctx = parser.getContext();
  SMLoc loc = parser.getCurrentLocation();
  if (parser.parseLess())
    return {};

  std::optional<unsigned> exp, man;
  std::optional<int64_t> bias;
  std::optional<SpecialValues> specials;
  std::optional<OverflowMode> overflow;
  std::optional<RoundingMode> rounding;

  // Keys written out so far; a preset's values may be overridden once each.
  llvm::SmallDenseSet<StringRef, 8> seen;

  // Parses the value of `key`; the '=' has been consumed.
  auto parseValue = [&](StringRef key, SMLoc keyLoc) -> ParseResult {
    static constexpr llvm::StringLiteral kKeys[] = {
        "exp", "man", "bias", "specials", "overflow", "rounding"};
    if (!llvm::is_contained(kKeys, key))
      return parser.emitError(keyLoc, "unknown format parameter '")
             << key << "'; expected exp, man, bias, specials, overflow or "
             << "rounding";
    if (!seen.insert(key).second)
      return parser.emitError(keyLoc, "duplicate format parameter '")
             << key << "'";
    if (key == "exp" || key == "man") {
      // Parse signed: parseInteger into an unsigned wraps -1 to 4294967295.
      SMLoc valLoc = parser.getCurrentLocation();
      int64_t v;
      if (parser.parseInteger(v))
        return failure();
      if (v < 0 || v > std::numeric_limits<unsigned>::max())
        return parser.emitError(valLoc, "format parameter '")
               << key << "' must be a non-negative bit count, got " << v;
      (key == "exp" ? exp : man) = unsigned(v);
      return success();
    }
    if (key == "bias") {
      int64_t v;
      if (parser.parseInteger(v))
        return failure();
      bias = v;
      return success();
    }
    SMLoc valLoc = parser.getCurrentLocation();
    StringRef val;
    if (parser.parseKeyword(&val))
      return failure();
    if (key == "specials") {
      specials = symbolizeSpecialValues(val);
      if (!specials)
        return parser.emitError(valLoc, "unknown specials '")
               << val << "'; expected ieee, fn, fnuz or none";
      return success();
    }
    if (key == "overflow") {
      overflow = symbolizeOverflowMode(val);
      if (!overflow)
        return parser.emitError(valLoc, "unknown overflow '")
               << val << "'; expected saturate, inf or nan";
      return success();
    }
    assert(key == "rounding" && "keys were checked above");
    rounding = symbolizeRoundingMode(val);
    if (!rounding)
      return parser.emitError(valLoc, "unknown rounding '")
             << val << "'; expected nearest_even or nearest_away";
    return success();
  };

  SMLoc firstLoc = parser.getCurrentLocation();
  StringRef first;
  if (parser.parseKeyword(&first))
    return {};
  FormatAttr preset = getPreset(ctx, first);
  if (preset) {
    exp = preset.getExpBits();
    man = preset.getManBits();
    bias = preset.getBias();
    specials = preset.getSpecials();
    overflow = preset.getOverflow();
    rounding = preset.getRounding();
  } else {
    if (failed(parser.parseOptionalEqual())) {
      return parser.emitError(firstLoc, "unknown format preset '")
                 << first << "'; expected one of "
                 << llvm::join(llvm::map_range(getPresetNames(),
                                               [](StringRef s) { return s; }),
                               ", ")
                 << ", or exp = ..., man = ...",
             Attribute();
    }
    if (failed(parseValue(first, firstLoc)))
      return {};
  }
  while (succeeded(parser.parseOptionalComma())) {
    SMLoc keyLoc = parser.getCurrentLocation();
    StringRef key;
    if (parser.parseKeyword(&key) || parser.parseEqual() ||
        parseValue(key, keyLoc))
      return {};
  }
  if (parser.parseGreater())
    return {};
  if (!exp || !man)
    return parser.emitError(loc, "format needs both 'exp' and 'man' (or a "
                                 "preset name)"),
           Attribute();
  // Defaults for a spelled-out format follow IEEE 754.
  // An out-of-range exp is reported by verify; only avoid the bad shift here.
  if (!bias)
    bias = *exp >= 1 && *exp < 64 ? (int64_t(1) << (*exp - 1)) - 1 : 0;
  if (!specials)
    specials = SpecialValues::ieee;
  if (!overflow)
    overflow = *specials == SpecialValues::ieee   ? OverflowMode::inf
               : *specials == SpecialValues::none ? OverflowMode::saturate
                                                  : OverflowMode::nan;
  if (!rounding)
    rounding = RoundingMode::nearest_even;
  return parser.getChecked<FormatAttr>(loc, ctx, *exp, *man, *bias, *specials,
                                       *overflow, *rounding);
}

void FormatAttr::print(AsmPrinter &printer) const {
  printer << "<";
  if (std::optional<StringRef> name = getPresetName()) {
    printer << *name << ">";
    return;
  }
  // A preset with the same layout plus the fields that differ reads best:
  // <paper_169, overflow = inf>.
  for (const Preset &p : kPresets) {
    if (p.exp != getExpBits() || p.man != getManBits() || p.bias != getBias())
      continue;
    printer << p.name;
    if (p.specials != getSpecials())
      printer << ", specials = " << stringifySpecialValues(getSpecials());
    if (p.overflow != getOverflow())
      printer << ", overflow = " << stringifyOverflowMode(getOverflow());
    if (p.rounding != getRounding())
      printer << ", rounding = " << stringifyRoundingMode(getRounding());
    printer << ">";
    return;
  }
  printer << "exp = " << getExpBits() << ", man = " << getManBits()
          << ", bias = " << getBias()
          << ", specials = " << stringifySpecialValues(getSpecials())
          << ", overflow = " << stringifyOverflowMode(getOverflow())
          << ", rounding = " << stringifyRoundingMode(getRounding()) << ">";
}
