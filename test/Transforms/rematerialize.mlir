// RUN: mp-opt %s --mp-rematerialize | FileCheck %s

// A zero fill shared by two accumulators and a pad shared by two readers:
// each later user gets its own copy, placed just before it; single uses stay.
// CHECK-LABEL: func.func @shared
//       CHECK:   %[[E0:.+]] = tensor.empty() : tensor<4xf32>
//       CHECK:   %[[F0:.+]] = linalg.fill ins(%{{.*}} : f32) outs(%[[E0]] : tensor<4xf32>)
//       CHECK:   %[[P0:.+]] = tensor.pad
//       CHECK:   %[[A:.+]] = linalg.add ins(%[[P0]], %[[P0]] : {{.*}}) outs(%[[F0]] : tensor<4xf32>)
//       CHECK:   %[[E1:.+]] = tensor.empty() : tensor<4xf32>
//  CHECK-NEXT:   %[[F1:.+]] = linalg.fill ins(%{{.*}} : f32) outs(%[[E1]] : tensor<4xf32>)
//  CHECK-NEXT:   %[[P1:.+]] = tensor.pad
//       CHECK:   %[[B:.+]] = linalg.add ins(%[[A]], %[[P1]] : {{.*}}) outs(%[[F1]] : tensor<4xf32>)
//       CHECK:   return %[[B]]
func.func @shared(%x: tensor<2xf32>) -> tensor<4xf32> {
  %zero = arith.constant 0.0 : f32
  %e = tensor.empty() : tensor<4xf32>
  %f = linalg.fill ins(%zero : f32) outs(%e : tensor<4xf32>) -> tensor<4xf32>
  %p = tensor.pad %x low[1] high[1] {
  ^bb0(%i: index):
    tensor.yield %zero : f32
  } : tensor<2xf32> to tensor<4xf32>
  %a = linalg.add ins(%p, %p : tensor<4xf32>, tensor<4xf32>) outs(%f : tensor<4xf32>) -> tensor<4xf32>
  %b = linalg.add ins(%a, %p : tensor<4xf32>, tensor<4xf32>) outs(%f : tensor<4xf32>) -> tensor<4xf32>
  return %b : tensor<4xf32>
}
