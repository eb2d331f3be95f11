//===- MPDialect.h - The mp dialect -----------------------------*- C++ -*-===//
//
// Licensed under the Apache License v2.0 with LLVM Exceptions.
// SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
//
//===----------------------------------------------------------------------===//

#ifndef MP_DIALECT_MP_IR_MPDIALECT_H
#define MP_DIALECT_MP_IR_MPDIALECT_H

#include "mlir/IR/Dialect.h"

#include "mp/Dialect/MP/IR/MPOpsDialect.h.inc"

#endif // MP_DIALECT_MP_IR_MPDIALECT_H
