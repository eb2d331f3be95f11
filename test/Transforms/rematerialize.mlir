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

// -----

// The decoding of stored codes (an elementwise widening from i8) shared by
// two readers after CSE: the later reader gets its own decode, with its own
// tensor.empty, just before it.
#id = affine_map<(d0) -> (d0)>
// CHECK-LABEL: func.func @decode
//       CHECK:   %[[E0:.+]] = tensor.empty() : tensor<4xf32>
//       CHECK:   %[[D0:.+]] = linalg.generic {{.*}} ins(%{{.*}} : tensor<4xi8>) outs(%[[E0]] : tensor<4xf32>)
//       CHECK:   linalg.add ins(%[[D0]], %[[D0]]
//       CHECK:   %[[E1:.+]] = tensor.empty() : tensor<4xf32>
//  CHECK-NEXT:   %[[D1:.+]] = linalg.generic {{.*}} ins(%{{.*}} : tensor<4xi8>) outs(%[[E1]] : tensor<4xf32>)
//       CHECK:   linalg.add ins(%{{.*}}, %[[D1]]
func.func @decode(%c: tensor<4xi8>) -> tensor<4xf32> {
  %e = tensor.empty() : tensor<4xf32>
  %d = linalg.generic {indexing_maps = [#id, #id], iterator_types = ["parallel"]}
      ins(%c : tensor<4xi8>) outs(%e : tensor<4xf32>) {
  ^bb0(%x: i8, %o: f32):
    %f = arith.uitofp %x : i8 to f32
    linalg.yield %f : f32
  } -> tensor<4xf32>
  %a = linalg.add ins(%d, %d : tensor<4xf32>, tensor<4xf32>) outs(%e : tensor<4xf32>) -> tensor<4xf32>
  %b = linalg.add ins(%a, %d : tensor<4xf32>, tensor<4xf32>) outs(%e : tensor<4xf32>) -> tensor<4xf32>
  return %b : tensor<4xf32>
}
