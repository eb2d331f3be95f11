// Group shares of Inputs/tiny-cnn.mlir (hand-checked in its header):
//   g0 input 18.32%, g1 conv1 48.35%, g2 conv2 28.21%, g3 fc 5.13%.
// pi_ours(r) demotes the smallest prefix of the share-descending order
// g1, g2, g0, g3 whose cumulative share reaches r.

// RUN: mp-opt %S/Inputs/tiny-cnn.mlir --mp-build-training-step --mp-assign-precision="ratio=0" --mp-report=tensors=false -o /dev/null | FileCheck %s --check-prefix=RZERO
// RZERO: selection_ratio=0
// RZERO: 0 input {{.*}} high
// RZERO: 1 conv1 {{.*}} high
// RZERO: 2 conv2 {{.*}} high
// RZERO: 3 fc {{.*}} high

// RUN: mp-opt %S/Inputs/tiny-cnn.mlir --mp-build-training-step --mp-assign-precision="ratio=0.3" --mp-report=tensors=false -o /dev/null | FileCheck %s --check-prefix=RTHREE
// RTHREE: selection_ratio=0.4835
// RTHREE: 0 input {{.*}} high
// RTHREE: 1 conv1 {{.*}} low
// RTHREE: 2 conv2 {{.*}} high
// RTHREE: 3 fc {{.*}} high

// RUN: mp-opt %S/Inputs/tiny-cnn.mlir --mp-build-training-step --mp-assign-precision="ratio=0.5" --mp-report=tensors=false -o /dev/null | FileCheck %s --check-prefix=RHALF
// RHALF: selection_ratio=0.7656
// RHALF: 0 input {{.*}} high
// RHALF: 1 conv1 {{.*}} low
// RHALF: 2 conv2 {{.*}} low
// RHALF: 3 fc {{.*}} high

// COM: 0.7656 (418/546) is reached by g1 + g2: no further group.
// RUN: mp-opt %S/Inputs/tiny-cnn.mlir --mp-build-training-step --mp-assign-precision="ratio=0.76" --mp-report=tensors=false -o /dev/null | FileCheck %s --check-prefix=RHALF

// RUN: mp-opt %S/Inputs/tiny-cnn.mlir --mp-build-training-step --mp-assign-precision="ratio=0.8" --mp-report=tensors=false -o /dev/null | FileCheck %s --check-prefix=REIGHT
// REIGHT: selection_ratio=0.9487
// REIGHT: 0 input {{.*}} low
// REIGHT: 1 conv1 {{.*}} low
// REIGHT: 2 conv2 {{.*}} low
// REIGHT: 3 fc {{.*}} high

// RUN: mp-opt %S/Inputs/tiny-cnn.mlir --mp-build-training-step --mp-assign-precision="ratio=0.96" --mp-report=tensors=false -o /dev/null | FileCheck %s --check-prefix=RALL
// RUN: mp-opt %S/Inputs/tiny-cnn.mlir --mp-build-training-step --mp-assign-precision="ratio=1" --mp-report=tensors=false -o /dev/null | FileCheck %s --check-prefix=RALL
// COM: weight gradients stay 16-bit when demoted: the bit ratio stays below 1,
// COM: at (546 - 31 dtheta elements) / 546 = 0.9432.
// RALL: bit_ratio=0.9432 {{.*}} selection_ratio=1
// RALL: 0 input {{.*}} low
// RALL: 1 conv1 {{.*}} low
// RALL: 2 conv2 {{.*}} low
// RALL: 3 fc {{.*}} low

// Increasing order: g3, g0, g2, g1.
// RUN: mp-opt %S/Inputs/tiny-cnn.mlir --mp-build-training-step --mp-assign-precision="ratio=0.5 order=smallest" --mp-report=tensors=false -o /dev/null | FileCheck %s --check-prefix=SMALL
// SMALL: order=smallest {{.*}} selection_ratio=0.5165
// SMALL: 0 input {{.*}} low
// SMALL: 1 conv1 {{.*}} high
// SMALL: 2 conv2 {{.*}} low
// SMALL: 3 fc {{.*}} low

// A seeded random order is reproducible.
// RUN: mp-opt %S/Inputs/tiny-cnn.mlir --mp-build-training-step --mp-assign-precision="ratio=0.5 order=random seed=7" --mp-report=tensors=false -o %t.a > %t.ra
// RUN: mp-opt %S/Inputs/tiny-cnn.mlir --mp-build-training-step --mp-assign-precision="ratio=0.5 order=random seed=7" --mp-report=tensors=false -o %t.b > %t.rb
// RUN: diff %t.ra %t.rb
// RUN: FileCheck %s --check-prefix=RAND < %t.ra
// RAND: order=random {{.*}} seed=7

// The budget (bytes, peak model) demotes largest groups first until the
// peak fits: nothing demoted 876 B, g1 744 B, g1+g2 620 B.
// RUN: mp-opt %S/Inputs/tiny-cnn.mlir --mp-build-training-step --mp-assign-precision="budget=700" --mp-report=tensors=false -o /dev/null | FileCheck %s --check-prefix=BUDGET
// BUDGET: budget=700 {{.*}} peak_bytes=620
// BUDGET: 1 conv1 {{.*}} low
// BUDGET: 2 conv2 {{.*}} low
// BUDGET: 3 fc {{.*}} high
// BUDGET: peak model {{.*}}: 620 B
// RUN: mp-opt %S/Inputs/tiny-cnn.mlir --mp-build-training-step --mp-assign-precision="budget=876" --mp-report=tensors=false -o /dev/null | FileCheck %s --check-prefix=BUDGETALL
// BUDGETALL: peak_bytes=876
// BUDGETALL-NOT: {{[0-9]}} {{.*}} low{{$}}

// pi_op without the first/last exclusion, tensor by tensor (docs/Paper.md 6).
// RUN: mp-opt %S/Inputs/tiny-cnn.mlir --mp-build-training-step --mp-assign-precision="policy=op keep-first-last=false" --mp-report -o /dev/null | FileCheck %s --check-prefix=OP
// OP: policy=op
// OP-DAG: {{^}}input {{.*}} paper_143 {{.*}}input of a GEMM
// OP-DAG: {{^}}input.grad {{.*}} paper_169, overflow = inf {{.*}}not a GEMM output gradient
// OP-DAG: {{^}}conv1.weight {{.*}} paper_143 {{.*}}weight of a GEMM
// OP-DAG: {{^}}conv1 {{.*}} paper_169 {{.*}}not a GEMM input
// OP-DAG: {{^}}relu1 {{.*}} paper_143 {{.*}}input of a GEMM
// OP-DAG: {{^}}conv2.weight {{.*}} paper_143 {{.*}}weight of a GEMM
// OP-DAG: {{^}}conv2 {{.*}} paper_169 {{.*}}not a GEMM input
// OP-DAG: {{^}}pool {{.*}} paper_143 {{.*}}input of a GEMM
// OP-DAG: {{^}}fc.weight {{.*}} paper_143 {{.*}}weight of a GEMM
// OP-DAG: {{^}}fc.bias {{.*}} paper_143 {{.*}}weight of a GEMM
// OP-DAG: {{^}}fc {{.*}} paper_169 {{.*}}not a GEMM input
// OP-DAG: {{^}}log_softmax {{.*}} paper_169 {{.*}}not a GEMM input
// OP-DAG: {{^}}loss {{.*}} paper_169 {{.*}}not a GEMM input
// OP-DAG: {{^}}loss.grad {{.*}} paper_169, overflow = inf {{.*}}not a GEMM output gradient
// OP-DAG: {{^}}log_softmax.grad {{.*}} paper_169, overflow = inf {{.*}}not a GEMM output gradient
// OP-DAG: {{^}}fc.grad {{.*}} paper_152 {{.*}}output gradient of a GEMM
// OP-DAG: {{^}}pool.grad {{.*}} paper_169, overflow = inf {{.*}}not a GEMM output gradient
// OP-DAG: {{^}}conv2.grad {{.*}} paper_152 {{.*}}output gradient of a GEMM
// OP-DAG: {{^}}relu1.grad {{.*}} paper_169, overflow = inf {{.*}}not a GEMM output gradient
// OP-DAG: {{^}}conv1.grad {{.*}} paper_152 {{.*}}output gradient of a GEMM
// OP-DAG: {{^}}conv1.weight.grad {{.*}} paper_169, overflow = inf {{.*}}weight gradient of a GEMM
// OP-DAG: {{^}}fc.bias.grad {{.*}} paper_169, overflow = inf {{.*}}weight gradient of a GEMM

// pi_op with the exclusion (its default): the image, conv1's and fc's
// tensors, the last group and the classifier's input stay high.
// RUN: mp-opt %S/Inputs/tiny-cnn.mlir --mp-build-training-step --mp-assign-precision="policy=op" --mp-report -o /dev/null | FileCheck %s --check-prefix=OPEND
// OPEND: keep_first_last=true
// OPEND-DAG: {{^}}input {{.*}} paper_169 {{.*}}keep-first-last
// OPEND-DAG: {{^}}conv1.weight {{.*}} paper_169 {{.*}}keep-first-last
// OPEND-DAG: {{^}}conv1.grad {{.*}} paper_169, overflow = inf {{.*}}keep-first-last
// OPEND-DAG: {{^}}relu1 {{.*}} paper_143 {{.*}}input of a GEMM
// OPEND-DAG: {{^}}conv2.weight {{.*}} paper_143 {{.*}}weight of a GEMM
// OPEND-DAG: {{^}}conv2.grad {{.*}} paper_152 {{.*}}output gradient of a GEMM
// OPEND-DAG: {{^}}pool {{.*}} paper_169 {{.*}}keep-first-last
// OPEND-DAG: {{^}}fc.weight {{.*}} paper_169 {{.*}}keep-first-last
// OPEND-DAG: {{^}}fc.grad {{.*}} paper_169, overflow = inf {{.*}}keep-first-last

// The uniform baselines and fp32.
// RUN: mp-opt %S/Inputs/tiny-cnn.mlir --mp-build-training-step --mp-assign-precision="policy=uniform-low" --mp-report -o /dev/null | FileCheck %s --check-prefix=ULOW
// ULOW-DAG: {{^}}relu1 {{.*}} paper_143
// ULOW-DAG: {{^}}relu1.grad {{.*}} paper_152
// ULOW-DAG: {{^}}fc.weight {{.*}} paper_143
// ULOW-DAG: {{^}}fc.weight.grad {{.*}} paper_169, overflow = inf
// RUN: mp-opt %S/Inputs/tiny-cnn.mlir --mp-build-training-step --mp-assign-precision="policy=uniform-high" --mp-report -o /dev/null | FileCheck %s --check-prefix=UHIGH
// UHIGH: bit_ratio=0
// UHIGH-NOT: paper_143
// UHIGH-NOT: paper_152
// RUN: mp-opt %S/Inputs/tiny-cnn.mlir --mp-build-training-step --mp-assign-precision="policy=fp32" | FileCheck %s --check-prefix=FP32
// FP32-LABEL: func.func @tiny_train_step
// FP32-NOT: mp.cast
// FP32: return

// Where the casts go (docs/Paper.md 5.4), for ratio=1 (every tensor low).
// RUN: mp-opt %S/Inputs/tiny-cnn.mlir --mp-build-training-step --mp-assign-precision="ratio=1" | FileCheck %s --check-prefix=CASTS
// CASTS-LABEL: func.func @tiny_train_step(
//  CASTS-SAME:   %[[X:[a-z0-9]+]]: tensor<2x1x4x4xf32> {mp.name = "input"
//  CASTS-SAME:   %[[W1:[a-z0-9]+]]: tensor<2x1x3x3xf32> {mp.name = "conv1.weight"
// COM: Weights and the image are rounded at the start of the step.
//   CASTS-DAG:   %[[W1C:.+]] = mp.cast %[[W1]] to <paper_143> {mp.tensor = "conv1.weight"}
//   CASTS-DAG:   %[[XC:.+]] = mp.cast %[[X]] to <paper_143> {mp.tensor = "input"}
// COM: Activations right after their producer; every reader sees the cast.
//       CASTS:   %[[C1:.+]] = mp.conv2d %[[XC]], %[[W1C]]
//  CASTS-NEXT:   %[[C1C:.+]] = mp.cast %[[C1]] to <paper_143> {mp.tensor = "conv1"}
//  CASTS-NEXT:   %[[R1:.+]] = mp.relu %[[C1C]]
//  CASTS-NEXT:   %[[R1C:.+]] = mp.cast %[[R1]] to <paper_143> {mp.tensor = "relu1"}
// COM: Each contribution to an activation gradient is rounded; the sum is f32
// COM: and names the unrounded tensor.
//       CASTS:   %[[GR:.+]] = mp.relu_grad %{{.+}}, %[[C1C]]
//  CASTS-NEXT:   %[[GRC:.+]] = mp.cast %[[GR]] to <paper_152> {mp.tensor = "conv1.grad"}
//  CASTS-NEXT:   %[[DC1:.+]] = mp.grad_sum %[[GRC]] for %[[C1]]
//       CASTS:   %[[GW1:.+]] = mp.conv2d_weight_grad %[[DC1]], %[[XC]]
//       CASTS:   %[[DW1:.+]] = mp.grad_sum %[[GW1]] for %[[W1]]
// COM: Weight gradients are rounded before the update, which reads the f32
// COM: master.
//  CASTS-NEXT:   %[[DW1C:.+]] = mp.cast %[[DW1]] to <paper_169, overflow = inf> {mp.tensor = "conv1.weight.grad"}
//       CASTS:   mp.sgd %[[W1]], %[[DW1C]],
