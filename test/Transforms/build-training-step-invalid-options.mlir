// RUN: not mp-opt %s --mp-build-training-step="loss-scaling=static" 2>&1 | FileCheck %s --check-prefix=SCALING
// RUN: not mp-opt %s --mp-build-training-step="momentum=-1" 2>&1 | FileCheck %s --check-prefix=MOMENTUM
// RUN: not mp-opt %s --mp-build-training-step="momentum=0 nesterov=true" 2>&1 | FileCheck %s --check-prefix=NESTEROV
// RUN: not mp-opt %s --mp-build-training-step="function=missing" 2>&1 | FileCheck %s --check-prefix=MISSING
// RUN: not mp-opt %s --mp-build-training-step="function=helper" 2>&1 | FileCheck %s --check-prefix=NOLOSS
// RUN: not mp-opt %s --mp-build-training-step="momentum=abc" 2>&1 | FileCheck %s --check-prefix=PARSE

// SCALING: error: unknown loss-scaling 'static'; expected none or dynamic
// MOMENTUM: error: momentum and weight-decay must be non-negative, got -1
// NESTEROV: error: nesterov needs a positive momentum
// MISSING: error: no function named 'missing'
// NOLOSS: error: @helper has no loss: result #0 must have role 'loss' or be produced by mp.nll_loss
// PARSE: 'abc' value invalid for floating point argument

func.func @helper(%x: tensor<2xf32>) -> tensor<2xf32> {
  return %x : tensor<2xf32>
}
