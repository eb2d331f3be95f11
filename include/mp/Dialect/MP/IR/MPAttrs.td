//===- MPAttrs.td - mp dialect attributes and enums --------*- tablegen -*-===//
//
// Licensed under the Apache License v2.0 with LLVM Exceptions.
// SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
//
//===----------------------------------------------------------------------===//

#ifndef MP_DIALECT_MP_IR_MPATTRS_TD
#define MP_DIALECT_MP_IR_MPATTRS_TD

include "mp/Dialect/MP/IR/MPDialect.td"
include "mlir/IR/EnumAttr.td"

//===----------------------------------------------------------------------===//
// Enums
//===----------------------------------------------------------------------===//

def MP_SpecialValues : I32EnumAttr<"SpecialValues",
    "which codes of a format are special", [
      I32EnumAttrCase<"ieee", 0>,  // all-ones exponent: inf (mantissa 0) and NaN
      I32EnumAttrCase<"fn", 1>,    // all-ones code is NaN, no inf
      I32EnumAttrCase<"fnuz", 2>,  // negative-zero code is NaN, no inf, no -0
      I32EnumAttrCase<"none", 3>   // every code is finite
    ]> {
  let cppNamespace = "::mp";
  let genSpecializedAttr = 0;
}

def MP_OverflowMode : I32EnumAttr<"OverflowMode",
    "what a value beyond the largest finite value becomes", [
      I32EnumAttrCase<"saturate", 0>, I32EnumAttrCase<"inf", 1>,
      I32EnumAttrCase<"nan", 2>
    ]> {
  let cppNamespace = "::mp";
  let genSpecializedAttr = 0;
}

def MP_RoundingMode : I32EnumAttr<"RoundingMode", "rounding to the format", [
      I32EnumAttrCase<"nearest_even", 0>, I32EnumAttrCase<"nearest_away", 1>
    ]> {
  let cppNamespace = "::mp";
  let genSpecializedAttr = 0;
}

def MP_Phase : I32EnumAttr<"Phase", "phase of a training step", [
      I32EnumAttrCase<"forward", 0>, I32EnumAttrCase<"backward", 1>,
      I32EnumAttrCase<"optimizer", 2>
    ]> {
  let cppNamespace = "::mp";
  let genSpecializedAttr = 0;
}

def MP_Role : I32EnumAttr<"Role", "role of a tensor in a training step", [
      // Function arguments.
      I32EnumAttrCase<"input", 0>, I32EnumAttrCase<"label", 1>,
      I32EnumAttrCase<"weight", 2>, I32EnumAttrCase<"momentum", 3>,
      I32EnumAttrCase<"bn_stat", 4>, I32EnumAttrCase<"learning_rate", 5>,
      I32EnumAttrCase<"loss_scale", 6>, I32EnumAttrCase<"seed", 7>,
      I32EnumAttrCase<"flag", 8>,
      // Values produced by ops.
      I32EnumAttrCase<"activation", 9>, I32EnumAttrCase<"activation_grad", 10>,
      I32EnumAttrCase<"weight_grad", 11>, I32EnumAttrCase<"master_weight", 12>,
      I32EnumAttrCase<"loss", 13>, I32EnumAttrCase<"metric", 14>
    ]> {
  let cppNamespace = "::mp";
  let genSpecializedAttr = 0;
}

def MP_RoleAttr : EnumAttr<MP_Dialect, MP_Role, "role"> {
  let assemblyFormat = "`<` $value `>`";
}

// `mp.phase = #mp.phase<backward>` marks an op of a forward kind (mp.split,
// mp.concat, mp.mul, ...) that a gradient rule built for the backward pass.
def MP_PhaseAttr : EnumAttr<MP_Dialect, MP_Phase, "phase"> {
  let assemblyFormat = "`<` $value `>`";
}

//===----------------------------------------------------------------------===//
// FormatAttr
//===----------------------------------------------------------------------===//

def MP_FormatAttr : AttrDef<MP_Dialect, "Format"> {
  let mnemonic = "format";
  let summary = "A floating-point storage format";
  let description = [{
    Describes one floating-point storage format: 1 sign bit, `exp` exponent
    bits, `man` mantissa bits, the exponent `bias` (value = 1.f x 2^(E-bias)
    for normal codes), which codes are special, what overflow produces, and
    how values are rounded. Subnormals are always supported.

    Named presets print and parse by name:

    | name      | exp | man | bias | specials | overflow | rounding     |
    |-----------|-----|-----|------|----------|----------|--------------|
    | fp32      | 8   | 23  | 127  | ieee     | inf      | nearest_even |
    | fp16      | 5   | 10  | 15   | ieee     | inf      | nearest_even |
    | bf16      | 8   | 7   | 127  | ieee     | inf      | nearest_even |
    | e4m3      | 4   | 3   | 7    | fn       | nan      | nearest_even |
    | e5m2      | 5   | 2   | 15   | ieee     | inf      | nearest_even |
    | paper_143 | 4   | 3   | 11   | none     | saturate | nearest_away |
    | paper_152 | 5   | 2   | 15   | none     | inf      | nearest_away |
    | paper_169 | 6   | 9   | 31   | none     | saturate | nearest_away |

    A preset may be followed by overrides, and any format can be spelled out:

    ```mlir
    #mp.format<e4m3>
    #mp.format<paper_169, overflow = inf>
    #mp.format<exp = 4, man = 3, bias = 11, specials = none,
               overflow = saturate, rounding = nearest_away>
    ```
  }];
  let parameters = (ins "unsigned":$expBits, "unsigned":$manBits,
                        "int64_t":$bias, "::mp::SpecialValues":$specials,
                        "::mp::OverflowMode":$overflow,
                        "::mp::RoundingMode":$rounding);
  let hasCustomAssemblyFormat = 1;
  let genVerifyDecl = 1;
  let extraClassDeclaration = [{
    /// Returns the preset with this name, or null if there is none.
    static FormatAttr getPreset(::mlir::MLIRContext *ctx, ::llvm::StringRef name);
    /// Returns the names of all presets, in documentation order.
    static ::llvm::ArrayRef<::llvm::StringLiteral> getPresetNames();
    /// Returns the preset name this format equals exactly, if any.
    std::optional<::llvm::StringRef> getPresetName() const;
    /// Returns a copy with a different overflow behaviour.
    FormatAttr withOverflow(::mp::OverflowMode mode) const;
    /// Total storage bits: 1 + exp + man.
    unsigned getBitWidth() const { return 1 + getExpBits() + getManBits(); }
    /// Bits of the integer that stores a code (mp.encode): 8 for formats of
    /// at most 8 bits, 16 up to 16 bits, 0 for fp32 and wider formats (they
    /// stay in f32).
    unsigned getStorageBits() const;
    /// Unbiased exponent of the largest finite binade.
    int64_t getMaxExponent() const;
    /// Unbiased exponent of the smallest normal binade (1 - bias).
    int64_t getMinExponent() const { return 1 - getBias(); }
    /// Largest finite value.
    double getMaxFinite() const;
    /// Smallest positive normal value.
    double getMinNormal() const;
    /// Smallest positive subnormal value.
    double getMinSubnormal() const;
    /// The paper's overflow threshold (docs/Paper.md 4.1): the midpoint just above
    /// the largest finite value; |x| >= this counts as an overflow.
    double getOverflowThreshold() const;
    /// Whether rounding to this format is the identity on f32.
    bool isF32() const;
  }];
}

#endif // MP_DIALECT_MP_IR_MPATTRS_TD
