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

#include "mlir/IR/OpDefinition.h"
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

namespace detail {
/// The phase of `op` as built: its `mp.phase` attribute where a gradient rule
/// marked it, else `kindPhase`, the phase of its kind.
Phase getBuiltPhase(mlir::Operation *op, Phase kindPhase);
/// The default role of the results of `op` as built: `kindRole` unless the
/// op is marked with a phase other than its kind's, then that phase's role.
Role getBuiltRole(mlir::Operation *op, Phase kindPhase, Role kindRole);
} // namespace detail

} // namespace mp

#endif // MP_DIALECT_MP_IR_MPTRAITS_H
