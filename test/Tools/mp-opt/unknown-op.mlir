// RUN: not mp-opt %s -split-input-file 2>&1 | FileCheck %s --implicit-check-not="Stack dump" --implicit-check-not="PLEASE submit"

// An op the mp dialect does not define is rejected in both forms.

// CHECK: unknown-op.mlir:[[@LINE+2]]:8: error: custom op 'mp.frobnicate' is unknown
func.func @custom_form(%x: tensor<4xf32>) -> tensor<4xf32> {
  %0 = mp.frobnicate %x : tensor<4xf32>
  return %0 : tensor<4xf32>
}

// -----

// CHECK: unknown-op.mlir:[[@LINE+2]]:8: error: unregistered operation 'mp.frobnicate' found in dialect ('mp') that does not allow unknown operations
func.func @generic_form(%x: tensor<4xf32>) -> tensor<4xf32> {
  %0 = "mp.frobnicate"(%x) : (tensor<4xf32>) -> tensor<4xf32>
  return %0 : tensor<4xf32>
}
