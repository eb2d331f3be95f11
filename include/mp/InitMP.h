//===- InitMP.h - Register the mp dialect and passes ------------*- C++ -*-===//
//
// Licensed under the Apache License v2.0 with LLVM Exceptions.
// SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
//
//===----------------------------------------------------------------------===//

#ifndef MP_INITMP_H
#define MP_INITMP_H

namespace mlir {
class DialectRegistry;
} // namespace mlir

namespace mp {

/// Adds the mp dialect and the upstream dialects mp's passes produce or
/// that mp-opt parses.
void registerMPDialects(mlir::DialectRegistry &registry);

/// Registers every mp pass and pipeline with the global pass registry.
void registerAllMPPasses();

} // namespace mp

#endif // MP_INITMP_H
