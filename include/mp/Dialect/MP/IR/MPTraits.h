//===- MPTraits.h - Phase traits of mp ops ----------------------*- C++ -*-===//
//
// Licensed under the Apache License v2.0 with LLVM Exceptions.
// SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
//
//===----------------------------------------------------------------------===//
//
// Each mp op of a training step carries exactly one phase trait. The trait
// supplies the phase and the default result role that TrainingOpInterface
// returns unless the op overrides it.
//
//===----------------------------------------------------------------------===//

#ifndef MP_DIALECT_MP_IR_MPTRAITS_H
#define MP_DIALECT_MP_IR_MPTRAITS_H

#include "mlir/IR/BuiltinTypeInterfaces.h"
#include "mlir/IR/OpDefinition.h"
#include <optional>
#include "mp/Dialect/MP/IR/MPAttrs.h"

namespace mp {

/// Marks a forward op; its results are activations (v) by default.
template <typename ConcreteType>
class ForwardPhase
    : public mlir::OpTrait::TraitBase<ConcreteType, ForwardPhase> {
public:
  static constexpr Phase kPhase = Phase::forward;
  static constexpr Role kDefaultRole = Role::activation;
};

/// Marks a backward op; its results are activation gradients (dv) by default.
template <typename ConcreteType>
class BackwardPhase
    : public mlir::OpTrait::TraitBase<ConcreteType, BackwardPhase> {
public:
  static constexpr Phase kPhase = Phase::backward;
  static constexpr Role kDefaultRole = Role::activation_grad;
};

/// Marks an optimizer op; its results are master weights by default.
template <typename ConcreteType>
class OptimizerPhase
    : public mlir::OpTrait::TraitBase<ConcreteType, OptimizerPhase> {
public:
  static constexpr Phase kPhase = Phase::optimizer;
  static constexpr Role kDefaultRole = Role::master_weight;
};

/// The result of the op is operand 0's tensor, re-viewed or rounded
/// (TensorAlias in MPInterfaces.td).
template <typename ConcreteType>
class TensorAlias
    : public mlir::OpTrait::TraitBase<ConcreteType, TensorAlias> {};

/// What a parameter operand is (ParameterOpInterface).
enum class ParameterKind { none, gemmWeight, bias, scale, shift };

/// How a fresh model initialises a parameter.
enum class ParameterInit {
  zeros,
  ones,
  /// N(0, 2 / fan_out): Kaiming normal, fan-out mode, ReLU gain (the
  /// paper's ResNet initialisation of convolutions).
  kaimingNormalFanOut,
  /// U(-1/sqrt(fan_in), 1/sqrt(fan_in)): PyTorch's default for linear
  /// layers and for biases.
  uniformFanIn,
};

struct ParameterUse {
  ParameterKind kind = ParameterKind::none;
  ParameterInit init = ParameterInit::zeros;
  int64_t fanIn = 1, fanOut = 1;
};

/// The most elements one tensor of an mp op may have: 2^48 (1 PiB of f32).
/// Every size, index and byte count derived from a tensor then fits in 64
/// bits with room for the sums the analyses form; larger tensors are
/// refused by the verifier instead of wrapping around.
inline constexpr int64_t kMaxTensorElements = int64_t(1) << 48;

/// Verifies that every ranked tensor operand and result of the op has a
/// static element count of at most kMaxTensorElements.
template <typename ConcreteType>
class BoundedSizes
    : public mlir::OpTrait::TraitBase<ConcreteType, BoundedSizes> {
public:
  static mlir::LogicalResult verifyTrait(mlir::Operation *op);
};

namespace detail {
mlir::LogicalResult verifyBoundedSizes(mlir::Operation *op);
/// The element count of `type`'s static shape, or nothing when a dimension
/// is dynamic or the product exceeds kMaxTensorElements.
std::optional<int64_t> getBoundedElementCount(mlir::ShapedType type);
/// The phase of `op` as built: its `mp.phase` attribute where a gradient rule
/// marked it, else `kindPhase`, the phase of its kind.
Phase getBuiltPhase(mlir::Operation *op, Phase kindPhase);
/// The default role of the results of `op` as built: `kindRole` unless the
/// op is marked with a phase other than its kind's, then that phase's role.
Role getBuiltRole(mlir::Operation *op, Phase kindPhase, Role kindRole);
} // namespace detail

template <typename ConcreteType>
mlir::LogicalResult BoundedSizes<ConcreteType>::verifyTrait(mlir::Operation *op) {
  return detail::verifyBoundedSizes(op);
}

} // namespace mp

#endif // MP_DIALECT_MP_IR_MPTRAITS_H
