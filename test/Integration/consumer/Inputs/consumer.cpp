//===- consumer.cpp - Use the installed mp libraries -------------*- C++ -*-===//
//
// Licensed under the Apache License v2.0 with LLVM Exceptions.
// SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
//
//===----------------------------------------------------------------------===//
//
// Parses a forward graph, runs mp::buildPrecisionPipeline (training step,
// precision assignment, report on stdout) and lists the functions of the
// result.
//
//===----------------------------------------------------------------------===//

#include "mp/InitMP.h"
#include "mp/Pipelines/Pipelines.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/IR/BuiltinOps.h"
#include "mlir/IR/DialectRegistry.h"
#include "mlir/IR/MLIRContext.h"
#include "mlir/Parser/Parser.h"
#include "mlir/Pass/PassManager.h"
#include "llvm/Support/raw_ostream.h"

static const char *const kForward = R"mlir(
func.func @tiny(%x: tensor<2x1x4x4xf32> {mp.role = #mp.role<input>, mp.name = "input"},
                %y: tensor<2xi32> {mp.role = #mp.role<label>, mp.name = "label"},
                %w1: tensor<2x1x3x3xf32> {mp.role = #mp.role<weight>, mp.name = "conv1.weight"},
                %w2: tensor<2x2x1x1xf32> {mp.role = #mp.role<weight>, mp.name = "conv2.weight"},
                %fw: tensor<3x2xf32> {mp.role = #mp.role<weight>, mp.name = "fc.weight"},
                %fb: tensor<3xf32> {mp.role = #mp.role<weight>, mp.name = "fc.bias"})
    -> (tensor<f32> {mp.role = #mp.role<loss>}) {
  %c1 = mp.conv2d %x, %w1 stride [1, 1] padding [1, 1] dilation [1, 1] groups 1 {mp.name = "conv1"} : (tensor<2x1x4x4xf32>, tensor<2x1x3x3xf32>) -> tensor<2x2x4x4xf32>
  %r1 = mp.relu %c1 {mp.name = "relu1"} : tensor<2x2x4x4xf32>
  %c2 = mp.conv2d %r1, %w2 stride [1, 1] padding [0, 0] dilation [1, 1] groups 1 {mp.name = "conv2"} : (tensor<2x2x4x4xf32>, tensor<2x2x1x1xf32>) -> tensor<2x2x4x4xf32>
  %p = mp.global_avg_pool %c2 {mp.name = "pool"} : tensor<2x2x4x4xf32> -> tensor<2x2xf32>
  %l = mp.linear %p, %fw, %fb {mp.name = "fc"} : (tensor<2x2xf32>, tensor<3x2xf32>, tensor<3xf32>) -> tensor<2x3xf32>
  %ls = mp.log_softmax %l {mp.name = "log_softmax"} : tensor<2x3xf32>
  %loss = mp.nll_loss %ls, %y {mp.name = "loss"} : (tensor<2x3xf32>, tensor<2xi32>) -> tensor<f32>
  return %loss : tensor<f32>
}
)mlir";

int main() {
  mlir::DialectRegistry registry;
  mp::registerMPDialects(registry);
  mlir::MLIRContext context(registry);

  mlir::OwningOpRef<mlir::ModuleOp> module =
      mlir::parseSourceString<mlir::ModuleOp>(kForward, &context);
  if (!module) {
    llvm::errs() << "consumer: cannot parse the forward graph\n";
    return 1;
  }

  mlir::PassManager pm(&context);
  mp::PrecisionPipelineOptions options;
  options.policy = "ours";
  options.ratio = 0.5;
  mp::buildPrecisionPipeline(pm, options);
  if (mlir::failed(pm.run(*module))) {
    llvm::errs() << "consumer: mp-precision-pipeline failed\n";
    return 1;
  }

  for (auto func : module->getOps<mlir::func::FuncOp>())
    llvm::outs() << "function @" << func.getName() << "\n";
  return 0;
}
