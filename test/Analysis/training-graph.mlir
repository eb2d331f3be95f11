// The paper's grouping (docs/Paper.md 3.2) on the bundled ResNet-18: a group opens
// at the input and at every conv/linear; weights join the group of their
// layer's input, so each GEMM's two forward operands share a group; in a
// downsampling block the residual add and ReLU run after the shortcut conv
// and join its group, leaving conv2/bn2 a small group of their own.
// RUN: mp-opt %examples/resnet18_cifar10.mlir --mp-build-training-step --mp-report -o /dev/null | FileCheck %s

// CHECK: input v input forward 0 128x3x32x32
// COM: The image's gradient is counted (docs/Paper.md 2.2), never computed.
// CHECK: input.grad dv activation_grad backward 0 128x3x32x32
// CHECK: conv1.weight theta weight forward 0 64x3x3x3
// CHECK: conv1 v activation forward 1 128x64x32x32
// CHECK: bn1.weight theta weight forward 1 64
// CHECK: relu1 v activation forward 1 128x64x32x32
// CHECK: layer1.0.conv1.weight theta weight forward 1 64x64x3x3
// CHECK: layer1.0.conv1 v activation forward 2
// CHECK: layer1.1.relu3 v activation forward 5
// CHECK: layer2.0.conv1.weight theta weight forward 5 128x64x3x3
// CHECK: layer2.0.conv1 v activation forward 6 128x128x16x16
// CHECK: layer2.0.conv2.weight theta weight forward 6
// CHECK: layer2.0.conv2 v activation forward 7
// CHECK: layer2.0.bn2 v activation forward 7
// CHECK: layer2.0.shortcut.0.weight theta weight forward 5 128x64x1x1
// CHECK: layer2.0.shortcut.0 v activation forward 8
// CHECK: layer2.0.shortcut.1 v activation forward 8
// CHECK: layer2.0.add v activation forward 8
// CHECK: layer2.0.relu3 v activation forward 8
// CHECK: linear.weight theta weight forward 20 10x512
// CHECK: linear v activation forward 21 128x10
// CHECK: log_softmax v activation forward 21
// CHECK: loss v loss forward 21 scalar
// COM: Gradients follow their tensor.
// CHECK: loss.grad dv activation_grad backward 21 scalar
// CHECK: layer2.0.add.grad dv activation_grad backward 8
// CHECK: conv1.weight.grad dtheta weight_grad backward 0 64x3x3x3
// CHECK: group opened by elements share tensors decision
// CHECK: 0 input
// CHECK: 7 layer2.0.conv2 16777728 3.09% 8 high
// CHECK: 8 layer2.0.shortcut.0
// COM: Paper elements (docs/Paper.md 2.1): logits, log-softmax and their gradients
// COM: 4 x 128 x 10 = 5120, the scalar loss and its gradient at the batch
// COM: size, 2 x 128: 5376.
// CHECK: 21 linear 5376 0.00% 6 high
// CHECK-NOT: {{^ *}}22
// COM: No assignment: every tensor f32.
// CHECK: paper model (docs/Paper.md 2): 2072.77 MiB (fp32 2072.77 MiB, all-16-bit 1036.39 MiB)
