// RUN: mp-opt %s --mp-lower-casts --split-input-file | FileCheck %s --implicit-check-not=mp.cast --implicit-check-not=func.call --implicit-check-not=math.

// Each cast becomes an elementwise linalg.generic over a tensor.empty whose
// body is integer arithmetic on the f32 bit pattern.

// CHECK-DAG:   #[[ID2:.+]] = affine_map<(d0, d1) -> (d0, d1)>
// CHECK-LABEL: func.func @e4m3_becomes_generic
//  CHECK-SAME:   (%[[X:.+]]: tensor<4x8xf32>)
//       CHECK:   %[[INIT:.+]] = tensor.empty() : tensor<4x8xf32>
//       CHECK:   %[[R:.+]] = linalg.generic
//  CHECK-SAME:     indexing_maps = [#[[ID2]], #[[ID2]]]
//  CHECK-SAME:     iterator_types = ["parallel", "parallel"]
//  CHECK-SAME:     ins(%[[X]] : tensor<4x8xf32>) outs(%[[INIT]] : tensor<4x8xf32>)
//       CHECK:   ^bb0(%[[IN:.+]]: f32, %{{.+}}: f32):
//       CHECK:     %[[BITS:.+]] = arith.bitcast %[[IN]] : f32 to i32
//       CHECK:     arith.shrui
//       CHECK:     arith.cmpi
//       CHECK:     arith.select
//       CHECK:     %[[OUT:.+]] = arith.bitcast %{{.+}} : i32 to f32
//  CHECK-NEXT:     linalg.yield %[[OUT]] : f32
//       CHECK:   return %[[R]]
func.func @e4m3_becomes_generic(%x: tensor<4x8xf32>) -> tensor<4x8xf32> {
  %0 = mp.cast %x to <e4m3> : tensor<4x8xf32>
  return %0 : tensor<4x8xf32>
}

// -----

// CHECK-LABEL: func.func @fp32_cast_disappears
//  CHECK-SAME:   (%[[X:.+]]: tensor<16xf32>)
//   CHECK-NOT:   linalg.generic
//       CHECK:   return %[[X]] : tensor<16xf32>
func.func @fp32_cast_disappears(%x: tensor<16xf32>) -> tensor<16xf32> {
  %0 = mp.cast %x to <fp32> : tensor<16xf32>
  return %0 : tensor<16xf32>
}

// -----

// fp32 with another overflow rule is not the identity (inf saturates).
// CHECK-LABEL: func.func @fp32_saturating_is_lowered
//       CHECK:   linalg.generic
// COM: f32 max finite 0x7F7FFFFF
//       CHECK:     arith.constant 2139095039 : i32
func.func @fp32_saturating_is_lowered(%x: tensor<16xf32>) -> tensor<16xf32> {
  %0 = mp.cast %x to <fp32, overflow = saturate> : tensor<16xf32>
  return %0 : tensor<16xf32>
}

// -----

// Rank 4, and the overflow value of each rule appears as a constant.
// CHECK-DAG:   #[[ID4:.+]] = affine_map<(d0, d1, d2, d3) -> (d0, d1, d2, d3)>
// CHECK-LABEL: func.func @paper_formats
//  CHECK-SAME:   (%[[X:.+]]: tensor<2x3x4x5xf32>)
//       CHECK:   %[[E1:.+]] = tensor.empty() : tensor<2x3x4x5xf32>
//       CHECK:   %[[A:.+]] = linalg.generic
//  CHECK-SAME:     iterator_types = ["parallel", "parallel", "parallel", "parallel"]
//  CHECK-SAME:     ins(%[[X]] : tensor<2x3x4x5xf32>) outs(%[[E1]] :
// COM: paper_143 saturates to 30.0 = 0x41F00000
//       CHECK:     arith.constant 1106247680 : i32
//       CHECK:   %[[E2:.+]] = tensor.empty() : tensor<2x3x4x5xf32>
//       CHECK:   %[[B:.+]] = linalg.generic
//  CHECK-SAME:     ins(%[[A]] : tensor<2x3x4x5xf32>) outs(%[[E2]] :
// COM: paper_152 overflows to inf = 0x7F800000
//       CHECK:     arith.constant 2139095040 : i32
//       CHECK:   return %[[B]]
func.func @paper_formats(%x: tensor<2x3x4x5xf32>) -> tensor<2x3x4x5xf32> {
  %0 = mp.cast %x to <paper_143> : tensor<2x3x4x5xf32>
  %1 = mp.cast %0 to <paper_152> : tensor<2x3x4x5xf32>
  return %1 : tensor<2x3x4x5xf32>
}

// -----

// A cast chain is lowered as written: the pass does not fold.
// CHECK-LABEL: func.func @same_format_twice_is_not_folded
//       CHECK:   linalg.generic
//       CHECK:   linalg.generic
func.func @same_format_twice_is_not_folded(%x: tensor<8xf32>) -> tensor<8xf32> {
  %0 = mp.cast %x to <e5m2> : tensor<8xf32>
  %1 = mp.cast %0 to <e5m2> : tensor<8xf32>
  return %1 : tensor<8xf32>
}

// -----

// Other ops are left alone.
// CHECK-LABEL: func.func @other_ops_untouched
//  CHECK-SAME:   (%[[X:.+]]: tensor<8xf32>)
//       CHECK:   %[[C:.+]] = arith.constant dense<1.000000e+00> : tensor<8xf32>
//       CHECK:   %[[S:.+]] = arith.addf %[[X]], %[[C]] : tensor<8xf32>
//       CHECK:   linalg.generic
//  CHECK-SAME:     ins(%[[S]] : tensor<8xf32>)
func.func @other_ops_untouched(%x: tensor<8xf32>) -> tensor<8xf32> {
  %c = arith.constant dense<1.0> : tensor<8xf32>
  %s = arith.addf %x, %c : tensor<8xf32>
  %0 = mp.cast %s to <fp16> : tensor<8xf32>
  return %0 : tensor<8xf32>
}

// -----

// fnuz: a zero result loses its sign (there is no -0 code).
// CHECK-LABEL: func.func @fnuz_zero_has_no_sign
//       CHECK:   linalg.generic
//       CHECK:     %[[IS0:.+]] = arith.cmpi eq, %{{.+}}, %{{.+}} : i32
//       CHECK:     arith.select %[[IS0]]
func.func @fnuz_zero_has_no_sign(%x: tensor<8xf32>) -> tensor<8xf32> {
  %0 = mp.cast %x to <exp = 4, man = 3, bias = 8, specials = fnuz> : tensor<8xf32>
  return %0 : tensor<8xf32>
}
