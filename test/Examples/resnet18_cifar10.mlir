// RUN: mp-opt %examples/resnet18_cifar10.mlir | FileCheck %s
// RUN: mp-opt %examples/resnet18_cifar10.mlir | FileCheck %s --check-prefix=COUNT
// RUN: mp-opt %examples/resnet18_cifar10.mlir --mp-build-training-step | FileCheck %s --check-prefix=STEP

// The bundled ResNet-18 (CIFAR-10, batch 128) parses and verifies, and has
// the forward-function convention: input, label, 62 weights in forward
// order, 40 BN statistics; results: loss, then the 40 new statistics.

// CHECK-LABEL: func.func @resnet18(
// CHECK-SAME: %arg0: tensor<128x3x32x32xf32> {mp.name = "input", mp.role = #mp.role<input>}
// CHECK-SAME: %arg1: tensor<128xi32> {mp.name = "label", mp.role = #mp.role<label>}
// CHECK-SAME: %arg2: tensor<64x3x3x3xf32> {mp.name = "conv1.weight", mp.role = #mp.role<weight>}
// CHECK-SAME: %arg3: tensor<64xf32> {mp.name = "bn1.weight", mp.role = #mp.role<weight>}
// CHECK-SAME: %arg4: tensor<64xf32> {mp.name = "bn1.bias", mp.role = #mp.role<weight>}
// CHECK-SAME: %arg5: tensor<64x64x3x3xf32> {mp.name = "layer1.0.conv1.weight", mp.role = #mp.role<weight>}
// CHECK-SAME: {mp.name = "layer2.0.bn2.bias", mp.role = #mp.role<weight>}
// CHECK-SAME: tensor<128x64x1x1xf32> {mp.name = "layer2.0.shortcut.0.weight", mp.role = #mp.role<weight>}
// CHECK-SAME: tensor<128xf32> {mp.name = "layer2.0.shortcut.1.weight", mp.role = #mp.role<weight>}
// CHECK-SAME: %arg62: tensor<10x512xf32> {mp.name = "linear.weight", mp.role = #mp.role<weight>}
// CHECK-SAME: %arg63: tensor<10xf32> {mp.name = "linear.bias", mp.role = #mp.role<weight>}
// CHECK-SAME: %arg64: tensor<64xf32> {mp.name = "bn1.running_mean", mp.role = #mp.role<bn_stat>}
// CHECK-SAME: %arg65: tensor<64xf32> {mp.name = "bn1.running_var", mp.role = #mp.role<bn_stat>}
// CHECK-SAME: %arg103: tensor<512xf32> {mp.name = "layer4.1.bn2.running_var", mp.role = #mp.role<bn_stat>})
// CHECK-SAME: -> (tensor<f32> {mp.name = "loss", mp.role = #mp.role<loss>},
// CHECK-SAME: tensor<64xf32> {mp.name = "bn1.running_mean", mp.role = #mp.role<bn_stat>}
// CHECK-SAME: tensor<512xf32> {mp.name = "layer4.1.bn2.running_var", mp.role = #mp.role<bn_stat>})
// CHECK-NEXT: mp.conv2d %arg0, %arg2 stride [1, 1] padding [1, 1] dilation [1, 1] groups 1 {mp.name = "conv1"}
// CHECK-NEXT: %{{[^,]+}}, %[[M:[^,]+]], %[[V:[^ ]+]] = mp.batch_norm {{.*}}, %arg3, %arg4, %arg64, %arg65 eps 1.000000e-05 momentum 1.000000e-01 {mp.name = "bn1"}
// CHECK-NEXT: mp.relu {{.*}} {mp.name = "relu1"}
// CHECK:      mp.conv2d {{.*}} stride [2, 2] padding [0, 0] {{.*}} {mp.name = "layer2.0.shortcut.0"} : (tensor<128x64x32x32xf32>, tensor<128x64x1x1xf32>) -> tensor<128x128x16x16xf32>
// CHECK:      mp.avg_pool2d {{.*}} kernel [4, 4] stride [4, 4] padding [0, 0] {mp.name = "avgpool2d"} : tensor<128x512x4x4xf32> -> tensor<128x512x1x1xf32>
// CHECK-NEXT: mp.reshape {{.*}} : tensor<128x512x1x1xf32> to tensor<128x512xf32>
// CHECK-NEXT: mp.linear {{.*}}, %arg62, %arg63 {mp.name = "linear"} : (tensor<128x512xf32>, tensor<10x512xf32>, tensor<10xf32>) -> tensor<128x10xf32>
// CHECK-NEXT: %[[LP:.+]] = mp.log_softmax
// CHECK-NEXT: %[[L:.+]] = mp.nll_loss %[[LP]], %arg1 {mp.name = "nll_loss"} : (tensor<128x10xf32>, tensor<128xi32>) -> tensor<f32>
// CHECK-NEXT: return %[[L]], %[[M]], %[[V]], 

// 17 convs on the main path plus 3 shortcut convs; one BN per conv.
// COUNT-COUNT-20: mp.conv2d
// COUNT-NOT: mp.conv2d
// COUNT-LABEL: return
// COUNT-SAME: : tensor<f32>, tensor<64xf32>

// STEP-LABEL: func.func @resnet18(
// STEP-LABEL: func.func @resnet18_eval(
// STEP-LABEL: func.func @resnet18_train_step(
// STEP-SAME: {mp.name = "lr", mp.role = #mp.role<learning_rate>}
