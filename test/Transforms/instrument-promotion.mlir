// RUN: mp-opt %S/Inputs/tiny-cnn.mlir --mp-build-training-step --mp-assign-precision="ratio=0.5" --mp-instrument-promotion | FileCheck %s
// RUN: mp-opt %S/Inputs/tiny-cnn.mlir --mp-build-training-step --mp-assign-precision="policy=uniform-high" --mp-instrument-promotion | FileCheck %s --check-prefix=NONE
// RUN: not mp-opt %S/Inputs/tiny-cnn.mlir --mp-build-training-step --mp-assign-precision="ratio=0.5" --mp-instrument-promotion --mp-instrument-promotion 2>&1 | FileCheck %s --check-prefix=TWICE

// With groups 1 and 2 demoted, the guarded tensors are their weights and
// activations (docs/Paper.md 4.2): conv2.weight, fc.weight, fc.bias, conv1,
// relu1, conv2, pool. Gradients keep plain casts.
// CHECK-LABEL: func.func @tiny_train_step(
//  CHECK-SAME:   %[[FLAGS:[a-z0-9]+]]: tensor<7xi1> {mp.name = "promoted", mp.role = #mp.role<flag>}
//  CHECK-SAME:   -> ({{.*}}, tensor<7xi64> {mp.name = "overflow_counts", mp.role = #mp.role<metric>})
//  CHECK-SAME:   mp.guards = [{elements = 3 : i64, kind = "theta", name = "fc.bias"}, {elements = 6 : i64, kind = "theta", name = "fc.weight"}, {elements = 4 : i64, kind = "theta", name = "conv2.weight"}, {elements = 64 : i64, kind = "v", name = "conv1"}, {elements = 64 : i64, kind = "v", name = "relu1"}, {elements = 64 : i64, kind = "v", name = "conv2"}, {elements = 4 : i64, kind = "v", name = "pool"}]
//       CHECK:   %[[C1:.+]] = mp.conv2d
//       CHECK:   %[[C3:.+]] = arith.constant 3 : index
//       CHECK:   %[[F3:.+]] = tensor.extract %[[FLAGS]][%[[C3]]] : tensor<7xi1>
//       CHECK:   %[[C1G:.+]], %[[N3:.+]] = mp.guarded_cast %[[C1]], %[[F3]] low <paper_143> high <paper_169> {mp.tensor = "conv1"} : tensor<2x2x4x4xf32>
//       CHECK:   mp.relu %[[C1G]]
//       CHECK:   mp.cast {{.*}} to <paper_152> {mp.tensor = "conv1.grad"}
//   CHECK-NOT:   mp.cast {{.*}}<paper_143>
//       CHECK:   %[[COUNTS:.+]] = tensor.from_elements {{.*}}%[[N3]]{{.*}} : tensor<7xi64>
//       CHECK:   return {{.*}}, %[[COUNTS]] :

// Nothing demoted: no guard, empty flag and count tensors.
// NONE-LABEL: func.func @tiny_train_step(
//  NONE-SAME:   tensor<0xi1> {mp.name = "promoted"
//  NONE-SAME:   mp.guards = []
//   NONE-NOT:   mp.guarded_cast
//       NONE:   tensor.empty() : tensor<0xi64>

// TWICE: error: @tiny_train_step is already instrumented for promotion
