// RUN: mp-opt %s -canonicalize | FileCheck %s

// CHECK-LABEL: func.func @cast_fp32_folds_away
//  CHECK-SAME:   (%[[X:.+]]: tensor<4x8xf32>)
//   CHECK-NOT:   mp.cast
//       CHECK:   return %[[X]]
func.func @cast_fp32_folds_away(%x: tensor<4x8xf32>) -> tensor<4x8xf32> {
  %y = mp.cast %x to <fp32> : tensor<4x8xf32>
  return %y : tensor<4x8xf32>
}

// COM: The rounding mode does not matter: every f32 value is exact in fp32.
// CHECK-LABEL: func.func @cast_fp32_nearest_away_folds_away
//  CHECK-SAME:   (%[[X:.+]]: tensor<4xf32>)
//   CHECK-NOT:   mp.cast
//       CHECK:   return %[[X]]
func.func @cast_fp32_nearest_away_folds_away(%x: tensor<4xf32>) -> tensor<4xf32> {
  %y = mp.cast %x to <fp32, rounding = nearest_away> : tensor<4xf32>
  return %y : tensor<4xf32>
}

// COM: fp32 layout with saturating overflow maps inf to the largest finite
// COM: value, so it is not the identity.
// CHECK-LABEL: func.func @cast_fp32_saturate_is_kept
//  CHECK-SAME:   (%[[X:.+]]: tensor<4xf32>)
//       CHECK:   %[[Y:.+]] = mp.cast %[[X]] to <fp32, overflow = saturate>
//       CHECK:   return %[[Y]]
func.func @cast_fp32_saturate_is_kept(%x: tensor<4xf32>) -> tensor<4xf32> {
  %y = mp.cast %x to <fp32, overflow = saturate> : tensor<4xf32>
  return %y : tensor<4xf32>
}

// CHECK-LABEL: func.func @cast_of_cast_same_format_folds
//  CHECK-SAME:   (%[[X:.+]]: tensor<4x8xf32>)
//       CHECK:   %[[Y:.+]] = mp.cast %[[X]] to <e4m3> : tensor<4x8xf32>
//   CHECK-NOT:   mp.cast
//       CHECK:   return %[[Y]]
func.func @cast_of_cast_same_format_folds(%x: tensor<4x8xf32>) -> tensor<4x8xf32> {
  %y = mp.cast %x to <e4m3> : tensor<4x8xf32>
  %z = mp.cast %y to <e4m3> : tensor<4x8xf32>
  return %z : tensor<4x8xf32>
}

// COM: A chain of equal casts collapses to one.
// CHECK-LABEL: func.func @cast_chain_same_format_folds
//  CHECK-SAME:   (%[[X:.+]]: tensor<16xf32>)
//       CHECK:   %[[Y:.+]] = mp.cast %[[X]] to <paper_152> : tensor<16xf32>
//   CHECK-NOT:   mp.cast
//       CHECK:   return %[[Y]]
func.func @cast_chain_same_format_folds(%x: tensor<16xf32>) -> tensor<16xf32> {
  %a = mp.cast %x to <paper_152> : tensor<16xf32>
  %b = mp.cast %a to <paper_152> : tensor<16xf32>
  %c = mp.cast %b to <paper_152> : tensor<16xf32>
  return %c : tensor<16xf32>
}

// COM: The same format spelled two ways is one attribute.
// CHECK-LABEL: func.func @cast_of_cast_same_format_spelled_out_folds
//  CHECK-SAME:   (%[[X:.+]]: tensor<16xf32>)
//       CHECK:   %[[Y:.+]] = mp.cast %[[X]] to <paper_143> : tensor<16xf32>
//   CHECK-NOT:   mp.cast
//       CHECK:   return %[[Y]]
func.func @cast_of_cast_same_format_spelled_out_folds(%x: tensor<16xf32>) -> tensor<16xf32> {
  %y = mp.cast %x to <paper_143> : tensor<16xf32>
  %z = mp.cast %y to <exp = 4, man = 3, bias = 11, specials = none, overflow = saturate, rounding = nearest_away> : tensor<16xf32>
  return %z : tensor<16xf32>
}

// CHECK-LABEL: func.func @cast_of_cast_different_formats_kept
//  CHECK-SAME:   (%[[X:.+]]: tensor<4x8xf32>)
//       CHECK:   %[[Y:.+]] = mp.cast %[[X]] to <fp16> : tensor<4x8xf32>
//       CHECK:   %[[Z:.+]] = mp.cast %[[Y]] to <e4m3> : tensor<4x8xf32>
//       CHECK:   return %[[Z]]
func.func @cast_of_cast_different_formats_kept(%x: tensor<4x8xf32>) -> tensor<4x8xf32> {
  %y = mp.cast %x to <fp16> : tensor<4x8xf32>
  %z = mp.cast %y to <e4m3> : tensor<4x8xf32>
  return %z : tensor<4x8xf32>
}

// COM: Formats that differ only in overflow behaviour are different formats.
// CHECK-LABEL: func.func @cast_of_cast_different_overflow_kept
//  CHECK-SAME:   (%[[X:.+]]: tensor<4xf32>)
//       CHECK:   %[[Y:.+]] = mp.cast %[[X]] to <paper_169> : tensor<4xf32>
//       CHECK:   %[[Z:.+]] = mp.cast %[[Y]] to <paper_169, overflow = inf> : tensor<4xf32>
//       CHECK:   return %[[Z]]
func.func @cast_of_cast_different_overflow_kept(%x: tensor<4xf32>) -> tensor<4xf32> {
  %y = mp.cast %x to <paper_169> : tensor<4xf32>
  %z = mp.cast %y to <paper_169, overflow = inf> : tensor<4xf32>
  return %z : tensor<4xf32>
}

// COM: A single low-precision cast is never removed.
// CHECK-LABEL: func.func @cast_low_precision_kept
//  CHECK-SAME:   (%[[X:.+]]: tensor<4xf32>)
//       CHECK:   %[[Y:.+]] = mp.cast %[[X]] to <bf16> : tensor<4xf32>
//       CHECK:   return %[[Y]]
func.func @cast_low_precision_kept(%x: tensor<4xf32>) -> tensor<4xf32> {
  %y = mp.cast %x to <bf16> : tensor<4xf32>
  return %y : tensor<4xf32>
}

// COM: Casts are pure: an unused one is erased.
// CHECK-LABEL: func.func @cast_unused_erased
//   CHECK-NOT:   mp.cast
//       CHECK:   return
func.func @cast_unused_erased(%x: tensor<4xf32>) {
  %y = mp.cast %x to <e5m2> : tensor<4xf32>
  return
}
