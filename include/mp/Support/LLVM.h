//===- LLVM.h - Common mlir/llvm names imported into mp ---------*- C++ -*-===//
//
// Licensed under the Apache License v2.0 with LLVM Exceptions.
// SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
//
//===----------------------------------------------------------------------===//
//
// Brings the MLIR and LLVM names every mp file uses into namespace mp, so
// headers never need `using namespace`.
//
//===----------------------------------------------------------------------===//

#ifndef MP_SUPPORT_LLVM_H
#define MP_SUPPORT_LLVM_H

#include "mlir/Support/LLVM.h"
#include "mlir/Support/LogicalResult.h"

namespace mlir {
class Attribute;
class Builder;
class DialectRegistry;
class Location;
class MLIRContext;
class ModuleOp;
class OpBuilder;
class Operation;
class RewritePatternSet;
class Type;
class Value;
} // namespace mlir

namespace mp {
using namespace mlir; // NOLINT: the CIRCT pattern, confined to namespace mp
} // namespace mp

#endif // MP_SUPPORT_LLVM_H
