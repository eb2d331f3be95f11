// RUN: mp-opt %s --mp-drop-donated-results --split-input-file | FileCheck %s

// After bufferization: result 1 was computed in argument 0 (returned as
// it, here through a cast), result 0 and result 2 in new buffers. The
// function keeps those two and records where every result is.
// CHECK-LABEL: func.func @step
//  CHECK-SAME:   -> (memref<f32>, memref<4xf32>)
//  CHECK-SAME:   mp.results_in_args = array<i64: -1, 0, -1, 1>
//       CHECK:   return %{{.*}}, %{{.*}} : memref<f32>, memref<4xf32>
func.func @step(%w: memref<4xf32>, %m: memref<4xf32>) -> (memref<f32>, memref<4xf32>, memref<4xf32>, memref<4xf32>) {
  %l = memref.alloc() : memref<f32>
  %c = memref.cast %w : memref<4xf32> to memref<4xf32>
  %n = memref.alloc() : memref<4xf32>
  return %l, %c, %n, %m : memref<f32>, memref<4xf32>, memref<4xf32>, memref<4xf32>
}

// -----

// A grouped convolution's weight updated through an expanded view and
// returned collapsed is its argument; a subview of it is not (it is a part).
// CHECK-LABEL: func.func @reshaped
//  CHECK-SAME:   -> memref<2xf32>
//  CHECK-SAME:   mp.results_in_args = array<i64: 0, -1>
func.func @reshaped(%w: memref<8x3xf32>) -> (memref<8x3xf32>, memref<2xf32>) {
  %e = memref.expand_shape %w [[0, 1], [2]] output_shape [2, 4, 3] : memref<8x3xf32> into memref<2x4x3xf32>
  %c = memref.collapse_shape %e [[0, 1], [2]] : memref<2x4x3xf32> into memref<8x3xf32>
  %flat = memref.collapse_shape %w [[0, 1]] : memref<8x3xf32> into memref<24xf32>
  %part = memref.subview %flat[0] [2] [1] : memref<24xf32> to memref<2xf32>
  return %c, %part : memref<8x3xf32>, memref<2xf32>
}

// -----

// A function that something calls keeps its signature (its callers use
// it); so does one that returns no argument.
// CHECK-LABEL: func.func @callee
//  CHECK-SAME:   -> memref<4xf32>
//   CHECK-NOT:   mp.results_in_args
// CHECK-LABEL: func.func @caller
//   CHECK-NOT:   mp.results_in_args
func.func @callee(%w: memref<4xf32>) -> memref<4xf32> {
  return %w : memref<4xf32>
}
func.func @caller(%w: memref<4xf32>) -> memref<4xf32> {
  %r = call @callee(%w) : (memref<4xf32>) -> memref<4xf32>
  %n = memref.alloc() : memref<4xf32>
  return %n : memref<4xf32>
}
