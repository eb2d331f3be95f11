// mp-cpu-pipeline, registered by the pass plugin, lowers mp ops to the LLVM
// dialect inside upstream mlir-opt (through --pass-pipeline: see
// report.test).

// RUN: mlir-opt --load-dialect-plugin=%mp_plugin --load-pass-plugin=%mp_plugin \
// RUN:   %s --pass-pipeline="builtin.module(mp-cpu-pipeline)" | FileCheck %s
// RUN: mlir-opt --load-dialect-plugin=%mp_plugin --load-pass-plugin=%mp_plugin \
// RUN:   %s --pass-pipeline="builtin.module(mp-cpu-pipeline{vectorize=false})" \
// RUN:   | FileCheck %s

// Only the LLVM dialect remains.
// CHECK-NOT: = mp.
// CHECK-NOT: linalg.
// CHECK-NOT: memref.alloc
// CHECK: llvm.func @step
// CHECK-NOT: = mp.
// CHECK-NOT: linalg.

func.func @step(%x: tensor<2x3xf32>, %w: tensor<4x3xf32>, %b: tensor<4xf32>) -> tensor<2x4xf32> {
  %c = mp.cast %x to <e4m3> : tensor<2x3xf32>
  %y = mp.linear %c, %w, %b : (tensor<2x3xf32>, tensor<4x3xf32>, tensor<4xf32>) -> tensor<2x4xf32>
  %r = mp.relu %y : tensor<2x4xf32>
  return %r : tensor<2x4xf32>
}
