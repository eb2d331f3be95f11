// RUN: mp-opt %examples/small_cnn.mlir | FileCheck %s
// RUN: mp-opt %examples/small_cnn.mlir --mp-build-training-step | FileCheck %s --check-prefix=STEP

// The bundled small CNN (Fashion-MNIST shape: batch 32, 1x28x28, 10 classes).

// CHECK-LABEL: func.func @small_cnn(
// CHECK-SAME: %arg0: tensor<32x1x28x28xf32> {mp.name = "input", mp.role = #mp.role<input>}
// CHECK-SAME: %arg1: tensor<32xi32> {mp.name = "label", mp.role = #mp.role<label>}
// CHECK-SAME: %arg2: tensor<16x1x3x3xf32> {mp.name = "conv1.weight", mp.role = #mp.role<weight>}
// CHECK-SAME: %arg3: tensor<16xf32> {mp.name = "bn1.weight", mp.role = #mp.role<weight>}
// CHECK-SAME: %arg4: tensor<16xf32> {mp.name = "bn1.bias", mp.role = #mp.role<weight>}
// CHECK-SAME: %arg5: tensor<32x16x3x3xf32> {mp.name = "conv2.weight", mp.role = #mp.role<weight>}
// CHECK-SAME: %arg6: tensor<32xf32> {mp.name = "bn2.weight", mp.role = #mp.role<weight>}
// CHECK-SAME: %arg7: tensor<32xf32> {mp.name = "bn2.bias", mp.role = #mp.role<weight>}
// CHECK-SAME: %arg8: tensor<10x32xf32> {mp.name = "linear.weight", mp.role = #mp.role<weight>}
// CHECK-SAME: %arg9: tensor<10xf32> {mp.name = "linear.bias", mp.role = #mp.role<weight>}
// CHECK-SAME: %arg10: tensor<16xf32> {mp.name = "bn1.running_mean", mp.role = #mp.role<bn_stat>}
// CHECK-SAME: %arg11: tensor<16xf32> {mp.name = "bn1.running_var", mp.role = #mp.role<bn_stat>}
// CHECK-SAME: %arg12: tensor<32xf32> {mp.name = "bn2.running_mean", mp.role = #mp.role<bn_stat>}
// CHECK-SAME: %arg13: tensor<32xf32> {mp.name = "bn2.running_var", mp.role = #mp.role<bn_stat>})
// CHECK-SAME: -> (tensor<f32> {mp.name = "loss", mp.role = #mp.role<loss>}, tensor<16xf32> {mp.name = "bn1.running_mean", mp.role = #mp.role<bn_stat>}, tensor<16xf32> {mp.name = "bn1.running_var", mp.role = #mp.role<bn_stat>}, tensor<32xf32> {mp.name = "bn2.running_mean", mp.role = #mp.role<bn_stat>}, tensor<32xf32> {mp.name = "bn2.running_var", mp.role = #mp.role<bn_stat>})
// CHECK-NEXT: %[[C1:.+]] = mp.conv2d %arg0, %arg2 stride [1, 1] padding [1, 1] dilation [1, 1] groups 1 {mp.name = "conv1"} : (tensor<32x1x28x28xf32>, tensor<16x1x3x3xf32>) -> tensor<32x16x28x28xf32>
// CHECK-NEXT: %[[B1:[^,]+]], %[[M1:[^,]+]], %[[V1:[^ ]+]] = mp.batch_norm %[[C1]], %arg3, %arg4, %arg10, %arg11 {{.*}} {mp.name = "bn1"}
// CHECK-NEXT: %[[R1:.+]] = mp.relu %[[B1]] {mp.name = "relu1"}
// CHECK-NEXT: %[[P1:.+]] = mp.max_pool2d %[[R1]] kernel [2, 2] stride [2, 2] padding [0, 0] {mp.name = "pool1"} : tensor<32x16x28x28xf32> -> tensor<32x16x14x14xf32>
// CHECK-NEXT: %[[C2:.+]] = mp.conv2d %[[P1]], %arg5 {{.*}} {mp.name = "conv2"}
// CHECK-NEXT: %[[B2:[^,]+]], %[[M2:[^,]+]], %[[V2:[^ ]+]] = mp.batch_norm %[[C2]], %arg6, %arg7, %arg12, %arg13 {{.*}} {mp.name = "bn2"}
// CHECK-NEXT: %[[R2:.+]] = mp.relu %[[B2]] {mp.name = "relu2"}
// CHECK-NEXT: %[[P2:.+]] = mp.max_pool2d %[[R2]] {{.*}} -> tensor<32x32x7x7xf32>
// CHECK-NEXT: %[[G:.+]] = mp.global_avg_pool %[[P2]] {mp.name = "avgpool"} : tensor<32x32x7x7xf32> -> tensor<32x32xf32>
// CHECK-NEXT: %[[Y:.+]] = mp.linear %[[G]], %arg8, %arg9 {mp.name = "linear"}
// CHECK-NEXT: %[[LP:.+]] = mp.log_softmax %[[Y]] {mp.name = "log_softmax"}
// CHECK-NEXT: %[[L:.+]] = mp.nll_loss %[[LP]], %arg1 {mp.name = "nll_loss"}
// CHECK-NEXT: return %[[L]], %[[M1]], %[[V1]], %[[M2]], %[[V2]] : tensor<f32>, tensor<16xf32>, tensor<16xf32>, tensor<32xf32>, tensor<32xf32>

// STEP-LABEL: func.func @small_cnn_eval(
// STEP-SAME: -> (tensor<f32> {{.*}}#mp.role<loss>}, tensor<i64> {{.*}}#mp.role<metric>})
// STEP-LABEL: func.func @small_cnn_train_step(
// STEP-COUNT-8: mp.sgd
// STEP: return
