// RUN: not mp-opt %s -split-input-file 2>&1 | FileCheck %s --implicit-check-not="Stack dump" --implicit-check-not="PLEASE submit"

// A format preset that does not exist is a parse error that lists the
// presets, on an op and on its own.

// CHECK: bad-format-name.mlir:[[@LINE+2]]:23: error: custom op 'mp.cast' unknown format preset 'e3m4'; expected one of fp32, fp16, bf16, e4m3, e5m2, paper_143, paper_152, paper_169, or exp = ..., man = ...
func.func @on_cast(%x: tensor<4xf32>) -> tensor<4xf32> {
  %0 = mp.cast %x to <e3m4> : tensor<4xf32>
  return %0 : tensor<4xf32>
}

// -----

// CHECK: bad-format-name.mlir:[[@LINE+1]]:40: error: unknown format preset 'fp8'
module attributes {test.f = #mp.format<fp8>} {}

// -----

// CHECK: bad-format-name.mlir:[[@LINE+1]]:33: error: unknown attribute `fromat` in dialect `mp`
module attributes {test.f = #mp.fromat<e4m3>} {}
