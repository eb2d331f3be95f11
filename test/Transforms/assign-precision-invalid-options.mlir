// RUN: not mp-opt %S/Inputs/tiny-cnn.mlir --mp-build-training-step --mp-assign-precision="policy=bf8" 2>&1 | FileCheck %s --check-prefix=POLICY
// POLICY: error: unknown policy 'bf8'; expected fp32, uniform-high, uniform-low, op or ours
// RUN: not mp-opt %S/Inputs/tiny-cnn.mlir --mp-build-training-step --mp-assign-precision="ratio=1.5" 2>&1 | FileCheck %s --check-prefix=RATIO
// RUN: not mp-opt %S/Inputs/tiny-cnn.mlir --mp-build-training-step --mp-assign-precision="ratio=-0.5" 2>&1 | FileCheck %s --check-prefix=RATIO
// RATIO: error: ratio must be in [0, 1], got
// RUN: not mp-opt %S/Inputs/tiny-cnn.mlir --mp-build-training-step --mp-assign-precision="ratio=0.5 order=biggest" 2>&1 | FileCheck %s --check-prefix=ORDER
// ORDER: error: unknown order 'biggest'; expected largest, smallest or random
// RUN: not mp-opt %S/Inputs/tiny-cnn.mlir --mp-build-training-step --mp-assign-precision="policy=op ratio=0.5" 2>&1 | FileCheck %s --check-prefix=OURSONLY
// RUN: not mp-opt %S/Inputs/tiny-cnn.mlir --mp-build-training-step --mp-assign-precision="policy=uniform-low budget=100" 2>&1 | FileCheck %s --check-prefix=OURSONLY
// OURSONLY: error: ratio, budget and order apply to policy=ours only
// RUN: not mp-opt %S/Inputs/tiny-cnn.mlir --mp-build-training-step --mp-assign-precision="ratio=0.5 budget=100" 2>&1 | FileCheck %s --check-prefix=BOTH
// BOTH: error: give either ratio or budget for policy=ours, not both
// RUN: not mp-opt %S/Inputs/tiny-cnn.mlir --mp-build-training-step --mp-assign-precision="policy=ours" 2>&1 | FileCheck %s --check-prefix=NEITHER
// NEITHER: error: policy=ours needs ratio=<r in [0, 1]> or budget=<bytes>
// RUN: not mp-opt %S/Inputs/tiny-cnn.mlir --mp-build-training-step --mp-assign-precision="budget=-3" 2>&1 | FileCheck %s --check-prefix=NEGBUDGET
// NEGBUDGET: error: budget must be a positive number of bytes, got -3
// RUN: not mp-opt %S/Inputs/tiny-cnn.mlir --mp-build-training-step --mp-assign-precision="budget=500" 2>&1 | FileCheck %s --check-prefix=BUDGET
// BUDGET: error: budget of 500 bytes cannot be met for @tiny_train_step: with every group in low precision the peak is 581 bytes (81 bytes, 16.20% over budget; 248 bytes are f32 master weights, momenta and BN statistics)
// RUN: not mp-opt %S/Inputs/tiny-cnn.mlir --mp-build-training-step --mp-assign-precision="ratio=0.5 keep-first-last=maybe" 2>&1 | FileCheck %s --check-prefix=KEEP
// KEEP: error: keep-first-last must be true, false or auto, got 'maybe'
// RUN: not mp-opt %S/Inputs/tiny-cnn.mlir --mp-build-training-step --mp-assign-precision="ratio=0.5 lo-act=e3m9" 2>&1 | FileCheck %s --check-prefix=FORMAT
// FORMAT: error: invalid lo-act format 'e3m9': unknown format preset 'e3m9'
// RUN: not mp-opt %S/Inputs/tiny-cnn.mlir --mp-build-training-step --mp-assign-precision="ratio=0.5 lo-grad={exp = 0, man = 2}" 2>&1 | FileCheck %s --check-prefix=BADFORMAT
// BADFORMAT: error: invalid lo-grad format 'exp = 0, man = 2': format needs between 1 and 8 exponent bits, got 0
// RUN: not mp-opt %S/Inputs/tiny-cnn.mlir --mp-assign-precision="ratio=0.5" 2>&1 | FileCheck %s --check-prefix=NOSTEP
// NOSTEP: error: no training step to assign: run mp-build-training-step first
// RUN: not mp-opt %S/Inputs/tiny-cnn.mlir --mp-build-training-step --mp-assign-precision="ratio=0.5 function=nope" 2>&1 | FileCheck %s --check-prefix=NOFUNC
// NOFUNC: error: no training step named 'nope'
// RUN: not mp-opt %S/Inputs/tiny-cnn.mlir --mp-build-training-step --mp-assign-precision="ratio=0.5" --mp-assign-precision="ratio=0.5" 2>&1 | FileCheck %s --check-prefix=TWICE
// TWICE: error: @tiny_train_step already has a precision assignment
// RUN: not mp-opt %S/Inputs/tiny-cnn.mlir --mp-build-training-step --mp-instrument-promotion 2>&1 | FileCheck %s --check-prefix=NOASSIGN
// NOASSIGN: error: @tiny_train_step has no precision assignment: run mp-assign-precision first
// RUN: not mp-opt %S/Inputs/tiny-cnn.mlir --mp-build-training-step --mp-report=format=xml 2>&1 | FileCheck %s --check-prefix=REPORTFMT
// REPORTFMT: error: unknown report format 'xml'; expected table or json
// RUN: not mp-opt %S/Inputs/tiny-cnn.mlir --mp-report 2>&1 | FileCheck %s --check-prefix=REPORTNOSTEP
// REPORTNOSTEP: error: no training step to report: run mp-build-training-step first
// The fp32 prefix check is not a crash: no stack dump anywhere.
// RUN: not mp-opt %S/Inputs/tiny-cnn.mlir --mp-build-training-step --mp-assign-precision="policy=bf8" 2>&1 | FileCheck %s --check-prefix=NOCRASH --implicit-check-not="Stack dump"
// NOCRASH: error
