//===- mp-opt.cpp - mlir-opt style driver for the mp dialect ---*- C++ -*-===//
//
// Licensed under the Apache License v2.0 with LLVM Exceptions.
// SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
//
//===----------------------------------------------------------------------===//
//
// Registers only the dialects and passes mp uses, then hands
// over to MlirOptMain.
//
//===----------------------------------------------------------------------===//

#include "mp/InitMP.h"

#include "mlir/IR/DialectRegistry.h"
#include "mlir/Tools/mlir-opt/MlirOptMain.h"

int main(int argc, char **argv) {
  mlir::DialectRegistry registry;
  mp::registerMPDialects(registry);
  mp::registerAllMPPasses();
  return mlir::asMainReturnCode(mlir::MlirOptMain(
      argc, argv, "mp-opt: mixed-precision training compiler driver\n",
      registry));
}
