// RUN: mp-opt %s --mp-cpu-pipeline --dump-pass-pipeline -o /dev/null 2>&1 | FileCheck %s --check-prefix=PIPELINE
// RUN: mp-opt %s --mp-cpu-pipeline="vectorize=false" --dump-pass-pipeline -o /dev/null 2>&1 | FileCheck %s --check-prefix=NAIVE
// RUN: mp-opt %s --mp-cpu-pipeline="vector-bits=256" | FileCheck %s
// RUN: mp-opt %s --mp-cpu-pipeline="vectorize=false" | FileCheck %s --check-prefix=SCALAR

// mp-cpu-pipeline vectorizes after bufferization, then plans the buffers
// (mp-plan-buffers replaces upstream's deallocation pipeline), before
// convert-linalg-to-loops takes what is left; the `vectorize=false`
// reference keeps the scalar loop nests.

// PIPELINE:      mp-rematerialize
// PIPELINE:      one-shot-bufferize
// PIPELINE-NOT:  bufferization-lower-deallocations
// PIPELINE:      func.func(
// PIPELINE-NEXT:   mp-tile-and-vectorize{fma=true vector-bits=0}
// PIPELINE-NEXT: ),
// PIPELINE:      mp-plan-buffers{alignment=64 plan=true}
// PIPELINE:      convert-linalg-to-loops
// PIPELINE:      convert-vector-to-llvm{{.*}}reassociate-fp-reductions=false
// PIPELINE:      finalize-memref-to-llvm

// NAIVE-NOT:     mp-tile-and-vectorize
// NAIVE:         convert-linalg-to-loops
// NAIVE-NOT:     convert-vector-to-llvm

// COM: The convolution and the matmul multiply-add 8 lanes at a time, the
// COM: pooling and bias sums reduce per lane and then in order across lanes
// COM: (no reassoc flag: the lane order is fixed).
// CHECK-LABEL: llvm.func @conv_linear
//       CHECK:   llvm.intr.fmuladd(%{{.*}}, %{{.*}}, %{{.*}}) : (vector<8xf32>, vector<8xf32>, vector<8xf32>) -> vector<8xf32>
//       CHECK:   "llvm.intr.vector.reduce.fadd"(%{{.*}}, %{{.*}}) <{fastmathFlags = #llvm.fastmath<none>}> : (f32, vector<8xf32>) -> f32

// SCALAR-LABEL: llvm.func @conv_linear
//   SCALAR-NOT:   vector<
//       SCALAR:   llvm.return
func.func @conv_linear(%x: tensor<4x8x12x12xf32>, %w: tensor<16x8x3x3xf32>, %lw: tensor<10x16xf32>, %lb: tensor<10xf32>) -> tensor<4x10xf32> {
  %y = mp.conv2d %x, %w stride [1, 1] padding [1, 1] dilation [1, 1] groups 1 : (tensor<4x8x12x12xf32>, tensor<16x8x3x3xf32>) -> tensor<4x16x12x12xf32>
  %p = mp.global_avg_pool %y : tensor<4x16x12x12xf32> -> tensor<4x16xf32>
  %l = mp.linear %p, %lw, %lb : (tensor<4x16xf32>, tensor<10x16xf32>, tensor<10xf32>) -> tensor<4x10xf32>
  return %l : tensor<4x10xf32>
}
