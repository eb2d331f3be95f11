//===- MPDialect.cpp - The mp dialect --------------------------*- C++ -*-===//
//
// Licensed under the Apache License v2.0 with LLVM Exceptions.
// SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
//
//===----------------------------------------------------------------------===//
//
// Dialect registration and verification of the discardable `mp.*` attributes
// (`mp.role`, `mp.name`, `mp.phase`) on operations, function arguments and
// results, and the phase an op was built in.
//
//===----------------------------------------------------------------------===//

#include "mp/Dialect/MP/IR/MPDialect.h"
#include "llvm/Support/CheckedArithmetic.h"

#include "mp/Dialect/MP/IR/MPAttrs.h"
#include "mp/Dialect/MP/IR/MPOps.h"
#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/IR/BuiltinTypes.h"
#include "mlir/Interfaces/FunctionInterfaces.h"

using namespace mlir;
using namespace mp;

#include "mp/Dialect/MP/IR/MPOpsDialect.cpp.inc"

void MPDialect::initialize() {
  addOperations<
#define GET_OP_LIST
#include "mp/Dialect/MP/IR/MPOps.cpp.inc"
      >();
  registerAttributes();
}

std::optional<int64_t> mp::detail::getBoundedElementCount(ShapedType type) {
  if (!type.hasRank() || !type.hasStaticShape())
    return std::nullopt;
  int64_t n = 1;
  for (int64_t d : type.getShape()) {
    std::optional<int64_t> next = llvm::checkedMul(n, d);
    if (!next || *next > kMaxTensorElements)
      return std::nullopt;
    n = *next;
  }
  return n;
}

LogicalResult mp::detail::verifyBoundedSizes(Operation *op) {
  auto check = [&](Type type, StringRef what, unsigned i) -> LogicalResult {
    auto shaped = dyn_cast<ShapedType>(type);
    if (!shaped || !shaped.hasRank() || !shaped.hasStaticShape() ||
        getBoundedElementCount(shaped))
      return success();
    return op->emitOpError() << what << " #" << i << " (" << type
                             << ") has more than 2^48 elements, the most an "
                                "mp tensor may have";
  };
  for (auto [i, t] : llvm::enumerate(op->getOperandTypes()))
    if (failed(check(t, "operand", i)))
      return failure();
  for (auto [i, t] : llvm::enumerate(op->getResultTypes()))
    if (failed(check(t, "result", i)))
      return failure();
  return success();
}

Phase mp::detail::getBuiltPhase(Operation *op, Phase kindPhase) {
  if (auto phase = op->getAttrOfType<PhaseAttr>(MPDialect::getPhaseAttrName()))
    return phase.getValue();
  return kindPhase;
}

Role mp::detail::getBuiltRole(Operation *op, Phase kindPhase, Role kindRole) {
  Phase built = getBuiltPhase(op, kindPhase);
  if (built == kindPhase)
    return kindRole;
  // Only backward marks verify (verifyOperationAttribute): a forward kind's
  // value built by a gradient rule is an activation gradient.
  return Role::activation_grad;
}

/// Roles a function argument may carry; the others are produced by ops.
static bool isArgumentRole(Role role) {
  switch (role) {
  case Role::input:
  case Role::label:
  case Role::weight:
  case Role::momentum:
  case Role::bn_stat:
  case Role::learning_rate:
  case Role::loss_scale:
  case Role::seed:
  case Role::flag:
    return true;
  default:
    return false;
  }
}

/// Checks that a value of type `type` can play `role`. `what` names the value
/// in the message ("argument #2").
static LogicalResult verifyRoleType(Operation *op, Role role, Type type,
                                    const Twine &what) {
  // Roles survive lowering: after bufferization the same rules hold for the
  // memref, and past the LLVM dialect there is no shape left to check.
  if (!isa<TensorType, BaseMemRefType>(type) && !isa<IntegerType, FloatType>(type))
    return success();
  auto tensor = dyn_cast<ShapedType>(type);
  if (tensor && !tensor.hasRank())
    tensor = nullptr;
  auto fail = [&](StringRef expected) {
    return op->emitOpError() << what << " has role '" << stringifyRole(role)
                             << "' and must be " << expected << ", but got "
                             << type;
  };
  switch (role) {
  case Role::label:
    if (!tensor || tensor.getRank() != 1 || !tensor.hasStaticShape() ||
        !tensor.getElementType().isSignlessInteger() ||
        (tensor.getElementType().getIntOrFloatBitWidth() != 32 &&
         tensor.getElementType().getIntOrFloatBitWidth() != 64))
      return fail("a 1-D i32 or i64 tensor");
    return success();
  case Role::learning_rate:
  case Role::loss_scale:
  case Role::loss:
    if (!tensor || tensor.getRank() != 0 || !tensor.getElementType().isF32())
      return fail("a 0-D f32 tensor");
    return success();
  case Role::seed:
    if (!tensor || tensor.getRank() != 0 ||
        !tensor.getElementType().isSignlessInteger(64))
      return fail("a 0-D i64 tensor");
    return success();
  case Role::flag:
  case Role::metric:
    if (!tensor || !tensor.getElementType().isSignlessInteger())
      return fail("an integer tensor");
    return success();
  default:
    if (!tensor || !tensor.hasStaticShape() || !tensor.getElementType().isF32())
      return fail("a statically shaped f32 tensor");
    return success();
  }
}

static LogicalResult verifyNameAttr(Operation *op, NamedAttribute attr,
                                    const Twine &what) {
  auto str = dyn_cast<StringAttr>(attr.getValue());
  if (!str || str.getValue().empty())
    return op->emitOpError() << "'mp.name' on " << what
                             << " must be a non-empty string";
  return success();
}

LogicalResult MPDialect::verifyOperationAttribute(Operation *op,
                                                  NamedAttribute attr) {
  if (attr.getName() == getNameAttrName())
    return verifyNameAttr(op, attr, "an operation");
  if (attr.getName() == getRoleAttrName()) {
    if (!isa<RoleAttr>(attr.getValue()))
      return op->emitOpError() << "'mp.role' must be a #mp.role attribute";
    return success();
  }
  if (attr.getName() == getPhaseAttrName()) {
    auto phase = dyn_cast<PhaseAttr>(attr.getValue());
    if (!phase)
      return op->emitOpError() << "'mp.phase' must be a #mp.phase attribute";
    if (phase.getValue() != Phase::backward)
      return op->emitOpError()
             << "'mp.phase' may only mark an op as backward (built by a "
                "gradient rule), got " << stringifyPhase(phase.getValue());
    if (!isa<TrainingOpInterface>(op))
      return op->emitOpError()
             << "'mp.phase' marks ops of a training step; this op has no phase";
    if (op->hasTrait<OptimizerPhase>())
      return op->emitOpError()
             << "'mp.phase' cannot mark an optimizer op as backward";
    return success();
  }
  StringRef name = attr.getName().getValue();
  // Written by mp-assign-precision and mp-instrument-promotion.
  if (name == "mp.tensor") {
    if (!isa<StringAttr>(attr.getValue()))
      return op->emitOpError() << "'mp.tensor' must be a string";
    return success();
  }
  if (name == "mp.precision" || name == "mp.precision_policy") {
    if (!isa<DictionaryAttr>(attr.getValue()))
      return op->emitOpError() << "'" << name << "' must be a dictionary";
    return success();
  }
  if (name == "mp.guards") {
    if (!isa<ArrayAttr>(attr.getValue()))
      return op->emitOpError() << "'mp.guards' must be an array";
    return success();
  }
  // Written by mp-plan-buffers.
  if (attr.getName() == getArenaBytesAttrName() ||
      attr.getName() == getLivePeakBytesAttrName()) {
    auto bytes = dyn_cast<IntegerAttr>(attr.getValue());
    if (!bytes || !bytes.getType().isSignlessInteger(64) ||
        bytes.getInt() < 0)
      return op->emitOpError()
             << "'" << name << "' must be a non-negative i64 byte count";
    if (!isa<FunctionOpInterface>(op))
      return op->emitOpError() << "'" << name << "' belongs on a function";
    return success();
  }
  // Written by mp-drop-donated-results.
  if (attr.getName() == getResultsInArgsAttrName()) {
    auto indices = dyn_cast<DenseI64ArrayAttr>(attr.getValue());
    if (!indices || llvm::any_of(indices.asArrayRef(),
                                 [](int64_t i) { return i < -1; }))
      return op->emitOpError() << "'" << name
                               << "' must be an array<i64> of argument "
                                  "indices or -1";
    if (!isa<FunctionOpInterface>(op))
      return op->emitOpError() << "'" << name << "' belongs on a function";
    return success();
  }
  return op->emitOpError() << "unknown mp dialect attribute '"
                           << attr.getName().getValue() << "'";
}

LogicalResult MPDialect::verifyRegionArgAttribute(Operation *op,
                                                  unsigned regionIndex,
                                                  unsigned argIndex,
                                                  NamedAttribute attr) {
  std::string what = "argument #" + std::to_string(argIndex);
  if (attr.getName() == getNameAttrName())
    return verifyNameAttr(op, attr, what);
  if (attr.getName() != getRoleAttrName())
    return op->emitOpError() << "unknown mp dialect attribute '"
                             << attr.getName().getValue() << "' on " << what;
  auto role = dyn_cast<RoleAttr>(attr.getValue());
  if (!role)
    return op->emitOpError() << "'mp.role' on " << what
                             << " must be a #mp.role attribute";
  if (!isArgumentRole(role.getValue()))
    return op->emitOpError()
           << what << " cannot have role '" << stringifyRole(role.getValue())
           << "': that role is produced by ops, not passed in";
  // Take the type from the function signature so that declarations, which
  // have no entry block, are checked too.
  if (auto fn = dyn_cast<FunctionOpInterface>(op)) {
    if (argIndex >= fn.getArgumentTypes().size())
      return success();
    return verifyRoleType(op, role.getValue(), fn.getArgumentTypes()[argIndex],
                          what);
  }
  Region &region = op->getRegion(regionIndex);
  if (region.empty() || argIndex >= region.front().getNumArguments())
    return success();
  return verifyRoleType(op, role.getValue(),
                        region.front().getArgument(argIndex).getType(), what);
}

LogicalResult MPDialect::verifyRegionResultAttribute(Operation *op,
                                                     unsigned regionIndex,
                                                     unsigned resultIndex,
                                                     NamedAttribute attr) {
  std::string what = "result #" + std::to_string(resultIndex);
  if (attr.getName() == getNameAttrName())
    return verifyNameAttr(op, attr, what);
  if (attr.getName() != getRoleAttrName())
    return op->emitOpError() << "unknown mp dialect attribute '"
                             << attr.getName().getValue() << "' on " << what;
  auto role = dyn_cast<RoleAttr>(attr.getValue());
  if (!role)
    return op->emitOpError() << "'mp.role' on " << what
                             << " must be a #mp.role attribute";
  auto fn = dyn_cast<FunctionOpInterface>(op);
  if (!fn || resultIndex >= fn.getResultTypes().size())
    return success();
  return verifyRoleType(op, role.getValue(), fn.getResultTypes()[resultIndex],
                        what);
}
