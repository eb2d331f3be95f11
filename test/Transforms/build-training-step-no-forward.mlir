// RUN: not mp-opt %s --mp-build-training-step 2>&1 | FileCheck %s
// CHECK: error: no forward function with a loss: expected a function whose result #0 has role 'loss' or is produced by mp.nll_loss

func.func @helper(%x: tensor<2xf32>) -> tensor<2xf32> {
  return %x : tensor<2xf32>
}
