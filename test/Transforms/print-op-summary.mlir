// RUN: mp-opt %s --mp-print-op-summary -o /dev/null | FileCheck %s
// RUN: mp-opt %s --mp-print-op-summary="output=%t" -o /dev/null && FileCheck %s < %t
// RUN: not mp-opt %s --mp-print-op-summary="output=%t.missing/dir/x" 2>&1 | FileCheck %s --check-prefix=BAD

// CHECK-LABEL: function @f
//       CHECK:   arguments:
//       CHECK:     input {{ *}}1 tensors {{ *}}32 elements
//       CHECK:     weight {{ *}}2 tensors {{ *}}36 elements
//       CHECK:   ops:
//       CHECK:     linear {{ *}}1 forward {{ *}}16
//       CHECK:     relu {{ *}}2 forward {{ *}}32
//       CHECK:     bias_grad {{ *}}1 backward {{ *}}4
//       CHECK:     cast {{ *}}1 - {{ *}}16
//       CHECK:   total mp ops: 5
// BAD: error: cannot open summary output

func.func @f(%x: tensor<4x8xf32> {mp.role = #mp.role<input>},
             %w: tensor<4x8xf32> {mp.role = #mp.role<weight>},
             %b: tensor<4xf32> {mp.role = #mp.role<weight>}) -> tensor<4xf32> {
  %0 = mp.linear %x, %w, %b : (tensor<4x8xf32>, tensor<4x8xf32>, tensor<4xf32>) -> tensor<4x4xf32>
  %1 = mp.relu %0 : tensor<4x4xf32>
  %2 = mp.relu %1 : tensor<4x4xf32>
  %3 = mp.bias_grad %2 : tensor<4x4xf32> -> tensor<4xf32>
  %4 = mp.cast %2 to <e4m3> : tensor<4x4xf32>
  return %3 : tensor<4xf32>
}
