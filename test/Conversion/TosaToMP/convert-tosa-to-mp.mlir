// Licensed under the Apache License v2.0 with LLVM Exceptions.
// SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
//
// RUN: mp-opt %s --convert-tosa-to-mp -split-input-file | FileCheck %s

// A conv with a non-zero bias: NHWC input becomes an NCHW argument, the OHWI
// weight an OIHW parameter, the bias a parameter; the logits get a loss.
// CHECK-LABEL: func.func @conv2d(
//  CHECK-SAME:   %[[X:[^:]+]]: tensor<2x3x4x4xf32> {mp.name = "input", mp.role = #mp.role<input>},
//  CHECK-SAME:   %[[L:[^:]+]]: tensor<2xi32> {mp.name = "label", mp.role = #mp.role<label>},
//  CHECK-SAME:   %[[W:[^:]+]]: tensor<4x3x3x3xf32> {mp.name = "conv0.weight", mp.role = #mp.role<weight>},
//  CHECK-SAME:   %[[B:[^:]+]]: tensor<4xf32> {mp.name = "conv0.bias", mp.role = #mp.role<weight>})
//  CHECK-SAME:   -> (tensor<f32> {mp.name = "loss", mp.role = #mp.role<loss>})
//   CHECK-NOT:   tosa.
//       CHECK:   %[[C:.+]] = mp.conv2d %[[X]], %[[W]], %[[B]] stride [1, 1] padding [1, 1] dilation [1, 1] groups 1 {mp.name = "conv0"} : (tensor<2x3x4x4xf32>, tensor<4x3x3x3xf32>, tensor<4xf32>) -> tensor<2x4x4x4xf32>
//       CHECK:   %[[P:.+]] = mp.avg_pool2d %[[C]] kernel [4, 4] stride [4, 4] padding [0, 0] {mp.name = "avgpool0"} : tensor<2x4x4x4xf32> -> tensor<2x4x1x1xf32>
//       CHECK:   %[[R:.+]] = mp.reshape %[[P]] : tensor<2x4x1x1xf32> to tensor<2x4xf32>
//       CHECK:   %[[LS:.+]] = mp.log_softmax %[[R]] {mp.name = "log_softmax"}
//       CHECK:   %[[LOSS:.+]] = mp.nll_loss %[[LS]], %[[L]] {mp.name = "nll_loss"}
//       CHECK:   return %[[LOSS]] : tensor<f32>
func.func @conv2d(%x: tensor<2x4x4x3xf32>) -> tensor<2x4xf32> {
  %w = "tosa.const"() {values = dense<0.5> : tensor<4x3x3x3xf32>} : () -> tensor<4x3x3x3xf32>
  %b = "tosa.const"() {values = dense<[0.1, 0.2, 0.3, 0.4]> : tensor<4xf32>} : () -> tensor<4xf32>
  %zp = "tosa.const"() {values = dense<0.0> : tensor<1xf32>} : () -> tensor<1xf32>
  %c = tosa.conv2d %x, %w, %b, %zp, %zp {acc_type = f32, pad = array<i64: 1, 1, 1, 1>, stride = array<i64: 1, 1>, dilation = array<i64: 1, 1>} : (tensor<2x4x4x3xf32>, tensor<4x3x3x3xf32>, tensor<4xf32>, tensor<1xf32>, tensor<1xf32>) -> tensor<2x4x4x4xf32>
  %p = tosa.avg_pool2d %c, %zp, %zp {acc_type = f32, kernel = array<i64: 4, 4>, stride = array<i64: 4, 4>, pad = array<i64: 0, 0, 0, 0>} : (tensor<2x4x4x4xf32>, tensor<1xf32>, tensor<1xf32>) -> tensor<2x1x1x4xf32>
  %s = tosa.const_shape {values = dense<[2, 4]> : tensor<2xindex>} : () -> !tosa.shape<2>
  %r = tosa.reshape %p, %s : (tensor<2x1x1x4xf32>, !tosa.shape<2>) -> tensor<2x4xf32>
  return %r : tensor<2x4xf32>
}

// -----

// A zero bias is "no bias" (a conv in front of batch norm); strides,
// dilations and the op's name location carry over.
// CHECK-LABEL: func.func @conv2d_zero_bias(
//  CHECK-SAME:   tensor<2x3x9x9xf32> {mp.name = "input"
//  CHECK-SAME:   tensor<4x3x3x3xf32> {mp.name = "features.0.weight", mp.role = #mp.role<weight>})
//       CHECK:   mp.conv2d %{{.+}}, %{{[^,]+}} stride [2, 2] padding [2, 2] dilation [2, 2] groups 1 {mp.name = "features.0"} : (tensor<2x3x9x9xf32>, tensor<4x3x3x3xf32>) -> tensor<2x4x5x5xf32>
func.func @conv2d_zero_bias(%x: tensor<2x9x9x3xf32>) -> tensor<2x4xf32> {
  %w = "tosa.const"() {values = dense<0.5> : tensor<4x3x3x3xf32>} : () -> tensor<4x3x3x3xf32>
  %b = "tosa.const"() {values = dense<0.0> : tensor<4xf32>} : () -> tensor<4xf32>
  %zp = "tosa.const"() {values = dense<0.0> : tensor<1xf32>} : () -> tensor<1xf32>
  %c = tosa.conv2d %x, %w, %b, %zp, %zp {acc_type = f32, pad = array<i64: 2, 2, 2, 2>, stride = array<i64: 2, 2>, dilation = array<i64: 2, 2>} : (tensor<2x9x9x3xf32>, tensor<4x3x3x3xf32>, tensor<4xf32>, tensor<1xf32>, tensor<1xf32>) -> tensor<2x5x5x4xf32> loc("features.0")
  %p = tosa.avg_pool2d %c, %zp, %zp {acc_type = f32, kernel = array<i64: 5, 5>, stride = array<i64: 5, 5>, pad = array<i64: 0, 0, 0, 0>} : (tensor<2x5x5x4xf32>, tensor<1xf32>, tensor<1xf32>) -> tensor<2x1x1x4xf32>
  %s = tosa.const_shape {values = dense<[2, 4]> : tensor<2xindex>} : () -> !tosa.shape<2>
  %r = tosa.reshape %p, %s : (tensor<2x1x1x4xf32>, !tosa.shape<2>) -> tensor<2x4xf32>
  return %r : tensor<2x4xf32>
}

// -----

// Depthwise HWCM (multiplier 2) becomes a grouped conv with C groups and a
// (C*M) x 1 x KH x KW weight.
// CHECK-LABEL: func.func @depthwise_conv2d(
//  CHECK-SAME:   tensor<6x1x3x3xf32> {mp.name = "dwconv0.weight", mp.role = #mp.role<weight>}
//  CHECK-SAME:   tensor<6xf32> {mp.name = "dwconv0.bias", mp.role = #mp.role<weight>}
//       CHECK:   mp.conv2d %{{.+}} stride [1, 1] padding [1, 1] dilation [1, 1] groups 3 {mp.name = "dwconv0"} : (tensor<2x3x4x4xf32>, tensor<6x1x3x3xf32>, tensor<6xf32>) -> tensor<2x6x4x4xf32>
func.func @depthwise_conv2d(%x: tensor<2x4x4x3xf32>) -> tensor<2x6xf32> {
  %w = "tosa.const"() {values = dense<0.5> : tensor<3x3x3x2xf32>} : () -> tensor<3x3x3x2xf32>
  %b = "tosa.const"() {values = dense<0.25> : tensor<6xf32>} : () -> tensor<6xf32>
  %zp = "tosa.const"() {values = dense<0.0> : tensor<1xf32>} : () -> tensor<1xf32>
  %c = tosa.depthwise_conv2d %x, %w, %b, %zp, %zp {acc_type = f32, pad = array<i64: 1, 1, 1, 1>, stride = array<i64: 1, 1>, dilation = array<i64: 1, 1>} : (tensor<2x4x4x3xf32>, tensor<3x3x3x2xf32>, tensor<6xf32>, tensor<1xf32>, tensor<1xf32>) -> tensor<2x4x4x6xf32>
  %p = tosa.avg_pool2d %c, %zp, %zp {acc_type = f32, kernel = array<i64: 4, 4>, stride = array<i64: 4, 4>, pad = array<i64: 0, 0, 0, 0>} : (tensor<2x4x4x6xf32>, tensor<1xf32>, tensor<1xf32>) -> tensor<2x1x1x6xf32>
  %s = tosa.const_shape {values = dense<[2, 6]> : tensor<2xindex>} : () -> !tosa.shape<2>
  %r = tosa.reshape %p, %s : (tensor<2x1x1x6xf32>, !tosa.shape<2>) -> tensor<2x6xf32>
  return %r : tensor<2x6xf32>
}

// -----

// A fully connected layer as torch-mlir and TFLite spell it: batch-1 matmul
// between reshapes, then a broadcast bias add, which becomes the bias.
// CHECK-LABEL: func.func @matmul_bias(
//  CHECK-SAME:   %[[X:[^:]+]]: tensor<2x8xf32> {mp.name = "input"
//  CHECK-SAME:   %[[W:[^:]+]]: tensor<3x8xf32> {mp.name = "linear0.weight", mp.role = #mp.role<weight>}
//  CHECK-SAME:   %[[B:[^:]+]]: tensor<3xf32> {mp.name = "linear0.bias", mp.role = #mp.role<weight>}
//   CHECK-NOT:   mp.add
//       CHECK:   %[[Y:.+]] = mp.linear %[[X]], %[[W]], %[[B]] {mp.name = "linear0"} : (tensor<2x8xf32>, tensor<3x8xf32>, tensor<3xf32>) -> tensor<2x3xf32>
//       CHECK:   mp.log_softmax %[[Y]]
func.func @matmul_bias(%x: tensor<2x8xf32>) -> tensor<2x3xf32> {
  %zp = "tosa.const"() {values = dense<0.0> : tensor<1xf32>} : () -> tensor<1xf32>
  %w = "tosa.const"() {values = dense<0.5> : tensor<3x8xf32>} : () -> tensor<3x8xf32>
  %wt = tosa.transpose %w {perms = array<i32: 1, 0>} : (tensor<3x8xf32>) -> tensor<8x3xf32>
  %s3 = tosa.const_shape {values = dense<[1, 8, 3]> : tensor<3xindex>} : () -> !tosa.shape<3>
  %w3 = tosa.reshape %wt, %s3 : (tensor<8x3xf32>, !tosa.shape<3>) -> tensor<1x8x3xf32>
  %sa = tosa.const_shape {values = dense<[1, 2, 8]> : tensor<3xindex>} : () -> !tosa.shape<3>
  %a = tosa.reshape %x, %sa : (tensor<2x8xf32>, !tosa.shape<3>) -> tensor<1x2x8xf32>
  %m = tosa.matmul %a, %w3, %zp, %zp : (tensor<1x2x8xf32>, tensor<1x8x3xf32>, tensor<1xf32>, tensor<1xf32>) -> tensor<1x2x3xf32>
  %s2 = tosa.const_shape {values = dense<[2, 3]> : tensor<2xindex>} : () -> !tosa.shape<2>
  %m2 = tosa.reshape %m, %s2 : (tensor<1x2x3xf32>, !tosa.shape<2>) -> tensor<2x3xf32>
  %b = "tosa.const"() {values = dense<[[0.1, 0.2, 0.3]]> : tensor<1x3xf32>} : () -> tensor<1x3xf32>
  %y = tosa.add %m2, %b : (tensor<2x3xf32>, tensor<1x3xf32>) -> tensor<2x3xf32>
  return %y : tensor<2x3xf32>
}

// -----

// An NHWC flatten in front of a matmul: the NCHW activation is flattened as
// it is (the weight's rows are permuted to match, see the e2e test).
// CHECK-LABEL: func.func @flatten_matmul(
//  CHECK-SAME:   tensor<3x32xf32> {mp.name = "linear0.weight"
//       CHECK:   %[[F:.+]] = mp.reshape %{{.+}} : tensor<2x2x4x4xf32> to tensor<2x32xf32>
//       CHECK:   mp.linear %[[F]]
func.func @flatten_matmul(%x: tensor<2x4x4x2xf32>) -> tensor<2x3xf32> {
  %zp = "tosa.const"() {values = dense<0.0> : tensor<1xf32>} : () -> tensor<1xf32>
  %r = tosa.clamp %x {min_val = 0.0 : f32, max_val = 3.40282347E+38 : f32} : (tensor<2x4x4x2xf32>) -> tensor<2x4x4x2xf32>
  %sa = tosa.const_shape {values = dense<[1, 2, 32]> : tensor<3xindex>} : () -> !tosa.shape<3>
  %a = tosa.reshape %r, %sa : (tensor<2x4x4x2xf32>, !tosa.shape<3>) -> tensor<1x2x32xf32>
  %w = "tosa.const"() {values = dense<0.5> : tensor<1x32x3xf32>} : () -> tensor<1x32x3xf32>
  %m = tosa.matmul %a, %w, %zp, %zp : (tensor<1x2x32xf32>, tensor<1x32x3xf32>, tensor<1xf32>, tensor<1xf32>) -> tensor<1x2x3xf32>
  %s2 = tosa.const_shape {values = dense<[2, 3]> : tensor<2xindex>} : () -> !tosa.shape<2>
  %y = tosa.reshape %m, %s2 : (tensor<1x2x3xf32>, !tosa.shape<2>) -> tensor<2x3xf32>
  return %y : tensor<2x3xf32>
}

// -----

// clamp [0, max] is ReLU, [0, 6] is ReLU6.
// CHECK-LABEL: func.func @clamp(
//       CHECK:   %[[R:.+]] = mp.relu %{{.+}} {mp.name = "relu0"} : tensor<2x5xf32>
//       CHECK:   mp.relu6 %[[R]] {mp.name = "relu6_0"} : tensor<2x5xf32>
func.func @clamp(%x: tensor<2x5xf32>) -> tensor<2x5xf32> {
  %r = tosa.clamp %x {min_val = 0.0 : f32, max_val = 3.40282347E+38 : f32} : (tensor<2x5xf32>) -> tensor<2x5xf32>
  %r6 = tosa.clamp %r {min_val = 0.0 : f32, max_val = 6.0 : f32} : (tensor<2x5xf32>) -> tensor<2x5xf32>
  return %r6 : tensor<2x5xf32>
}

// -----

// Residual add and product of two activations; a splat factor is folded
// until needed; a non-broadcast constant stays an arith.constant.
// CHECK-LABEL: func.func @add_mul(
//  CHECK-SAME:   %[[X:[^:]+]]: tensor<2x5xf32>
//       CHECK:   %[[R:.+]] = mp.relu %[[X]]
//       CHECK:   %[[A:.+]] = mp.add %[[X]], %[[R]] {mp.name = "add0"} : tensor<2x5xf32>
//       CHECK:   %[[M:.+]] = mp.mul %[[A]], %[[A]] {mp.name = "mul0"} : tensor<2x5xf32>
//       CHECK:   %[[K:.+]] = arith.constant dense<{{\[\[}}1.000000e+00, 2.000000e+00, 3.000000e+00, 4.000000e+00, 5.000000e+00], [1.000000e+00, 2.000000e+00
//       CHECK:   %[[M2:.+]] = mp.mul %[[M]], %[[K]] {mp.name = "mul1"}
//       CHECK:   %[[H:.+]] = arith.constant dense<5.000000e-01> : tensor<2x5xf32>
//       CHECK:   %[[S:.+]] = mp.mul %[[M2]], %[[H]] : tensor<2x5xf32>
//       CHECK:   mp.log_softmax %[[S]]
func.func @add_mul(%x: tensor<2x5xf32>) -> tensor<2x5xf32> {
  %sh = "tosa.const"() {values = dense<0> : tensor<1xi8>} : () -> tensor<1xi8>
  %r = tosa.clamp %x {min_val = 0.0 : f32, max_val = 3.40282347E+38 : f32} : (tensor<2x5xf32>) -> tensor<2x5xf32>
  %a = tosa.add %x, %r : (tensor<2x5xf32>, tensor<2x5xf32>) -> tensor<2x5xf32>
  %m = tosa.mul %a, %a, %sh : (tensor<2x5xf32>, tensor<2x5xf32>, tensor<1xi8>) -> tensor<2x5xf32>
  %k = "tosa.const"() {values = dense<[[1.0, 2.0, 3.0, 4.0, 5.0]]> : tensor<1x5xf32>} : () -> tensor<1x5xf32>
  %m2 = tosa.mul %m, %k, %sh : (tensor<2x5xf32>, tensor<1x5xf32>, tensor<1xi8>) -> tensor<2x5xf32>
  %h = "tosa.const"() {values = dense<0.5> : tensor<1x1xf32>} : () -> tensor<1x1xf32>
  %s = tosa.mul %h, %m2, %sh : (tensor<1x1xf32>, tensor<2x5xf32>, tensor<1xi8>) -> tensor<2x5xf32>
  return %s : tensor<2x5xf32>
}

// -----

// Pooling: max with symmetric padding, average without.
// CHECK-LABEL: func.func @pools(
//       CHECK:   %[[M:.+]] = mp.max_pool2d %{{.+}} kernel [3, 3] stride [2, 2] padding [1, 1] {mp.name = "maxpool0"} : tensor<2x4x7x7xf32> -> tensor<2x4x4x4xf32>
//       CHECK:   mp.avg_pool2d %[[M]] kernel [4, 4] stride [4, 4] padding [0, 0] {mp.name = "avgpool0"} : tensor<2x4x4x4xf32> -> tensor<2x4x1x1xf32>
func.func @pools(%x: tensor<2x7x7x4xf32>) -> tensor<2x4xf32> {
  %zp = "tosa.const"() {values = dense<0.0> : tensor<1xf32>} : () -> tensor<1xf32>
  %m = tosa.max_pool2d %x {kernel = array<i64: 3, 3>, stride = array<i64: 2, 2>, pad = array<i64: 1, 1, 1, 1>} : (tensor<2x7x7x4xf32>) -> tensor<2x4x4x4xf32>
  %p = tosa.avg_pool2d %m, %zp, %zp {acc_type = f32, kernel = array<i64: 4, 4>, stride = array<i64: 4, 4>, pad = array<i64: 0, 0, 0, 0>} : (tensor<2x4x4x4xf32>, tensor<1xf32>, tensor<1xf32>) -> tensor<2x1x1x4xf32>
  %s = tosa.const_shape {values = dense<[2, 4]> : tensor<2xindex>} : () -> !tosa.shape<2>
  %r = tosa.reshape %p, %s : (tensor<2x1x1x4xf32>, !tosa.shape<2>) -> tensor<2x4xf32>
  return %r : tensor<2x4xf32>
}

// -----

// torch-mlir's form: NCHW input, transposes around every NHWC op. The
// transposes fold away and the input stays NCHW.
// CHECK-LABEL: func.func @nchw_transposes_fold(
//  CHECK-SAME:   %[[X:[^:]+]]: tensor<2x3x4x4xf32> {mp.name = "input"
//   CHECK-NOT:   tosa.
//       CHECK:   %[[C:.+]] = mp.conv2d %[[X]], {{.+}} -> tensor<2x4x4x4xf32>
//       CHECK:   %[[R:.+]] = mp.relu %[[C]] {{.+}} : tensor<2x4x4x4xf32>
//       CHECK:   mp.max_pool2d %[[R]] kernel [4, 4] {{.+}} : tensor<2x4x4x4xf32> -> tensor<2x4x1x1xf32>
func.func @nchw_transposes_fold(%x: tensor<2x3x4x4xf32>) -> tensor<2x4xf32> {
  %w = "tosa.const"() {values = dense<0.5> : tensor<4x3x3x3xf32>} : () -> tensor<4x3x3x3xf32>
  %b = "tosa.const"() {values = dense<0.0> : tensor<4xf32>} : () -> tensor<4xf32>
  %zp = "tosa.const"() {values = dense<0.0> : tensor<1xf32>} : () -> tensor<1xf32>
  %t = tosa.transpose %x {perms = array<i32: 0, 2, 3, 1>} : (tensor<2x3x4x4xf32>) -> tensor<2x4x4x3xf32>
  %c = tosa.conv2d %t, %w, %b, %zp, %zp {acc_type = f32, pad = array<i64: 1, 1, 1, 1>, stride = array<i64: 1, 1>, dilation = array<i64: 1, 1>} : (tensor<2x4x4x3xf32>, tensor<4x3x3x3xf32>, tensor<4xf32>, tensor<1xf32>, tensor<1xf32>) -> tensor<2x4x4x4xf32>
  %ct = tosa.transpose %c {perms = array<i32: 0, 3, 1, 2>} : (tensor<2x4x4x4xf32>) -> tensor<2x4x4x4xf32>
  %r = tosa.clamp %ct {min_val = 0.0 : f32, max_val = 3.40282347E+38 : f32} : (tensor<2x4x4x4xf32>) -> tensor<2x4x4x4xf32>
  %rt = tosa.transpose %r {perms = array<i32: 0, 2, 3, 1>} : (tensor<2x4x4x4xf32>) -> tensor<2x4x4x4xf32>
  %p = tosa.max_pool2d %rt {kernel = array<i64: 4, 4>, stride = array<i64: 4, 4>, pad = array<i64: 0, 0, 0, 0>} : (tensor<2x4x4x4xf32>) -> tensor<2x1x1x4xf32>
  %s = tosa.const_shape {values = dense<[2, 4]> : tensor<2xindex>} : () -> !tosa.shape<2>
  %y = tosa.reshape %p, %s : (tensor<2x1x1x4xf32>, !tosa.shape<2>) -> tensor<2x4xf32>
  return %y : tensor<2x4xf32>
}

// -----

// Channel concat of NHWC tensors (axis 3) is an NCHW concat on axis 1.
// CHECK-LABEL: func.func @concat(
//       CHECK:   %[[R:.+]] = mp.relu
//       CHECK:   mp.concat %{{[^,]+}}, %[[R]] axis 1 {mp.name = "concat0"} : (tensor<2x3x4x4xf32>, tensor<2x3x4x4xf32>) -> tensor<2x6x4x4xf32>
func.func @concat(%x: tensor<2x4x4x3xf32>) -> tensor<2x6xf32> {
  %r = tosa.clamp %x {min_val = 0.0 : f32, max_val = 3.40282347E+38 : f32} : (tensor<2x4x4x3xf32>) -> tensor<2x4x4x3xf32>
  %c = tosa.concat %x, %r {axis = 3 : i32} : (tensor<2x4x4x3xf32>, tensor<2x4x4x3xf32>) -> tensor<2x4x4x6xf32>
  %p = tosa.max_pool2d %c {kernel = array<i64: 4, 4>, stride = array<i64: 4, 4>, pad = array<i64: 0, 0, 0, 0>} : (tensor<2x4x4x6xf32>) -> tensor<2x1x1x6xf32>
  %s = tosa.const_shape {values = dense<[2, 6]> : tensor<2xindex>} : () -> !tosa.shape<2>
  %y = tosa.reshape %p, %s : (tensor<2x1x1x6xf32>, !tosa.shape<2>) -> tensor<2x6xf32>
  return %y : tensor<2x6xf32>
}

// -----

// TensorFlow's mean over H and W: two sums and a multiplication by 1/(H*W).
// Each sum is a pooling window's mean times its size; the factors cancel.
// CHECK-LABEL: func.func @reduce_mean(
//       CHECK:   %[[H:.+]] = mp.avg_pool2d %{{.+}} kernel [4, 1] stride [1, 1] padding [0, 0] {mp.name = "avgpool0"} : tensor<2x3x4x4xf32> -> tensor<2x3x1x4xf32>
//       CHECK:   %[[W:.+]] = mp.avg_pool2d %[[H]] kernel [1, 4] stride [1, 1] padding [0, 0] {mp.name = "avgpool1"} : tensor<2x3x1x4xf32> -> tensor<2x3x1x1xf32>
//   CHECK-NOT:   mp.mul
//       CHECK:   %[[R:.+]] = mp.reshape %[[W]] : tensor<2x3x1x1xf32> to tensor<2x3xf32>
//       CHECK:   mp.log_softmax %[[R]]
func.func @reduce_mean(%x: tensor<2x4x4x3xf32>) -> tensor<2x3xf32> {
  %sh = "tosa.const"() {values = dense<0> : tensor<1xi8>} : () -> tensor<1xi8>
  %a = tosa.reduce_sum %x {axis = 1 : i32} : (tensor<2x4x4x3xf32>) -> tensor<2x1x4x3xf32>
  %b = tosa.reduce_sum %a {axis = 2 : i32} : (tensor<2x1x4x3xf32>) -> tensor<2x1x1x3xf32>
  %k = "tosa.const"() {values = dense<0.0625> : tensor<1x1x1x1xf32>} : () -> tensor<1x1x1x1xf32>
  %m = tosa.mul %b, %k, %sh : (tensor<2x1x1x3xf32>, tensor<1x1x1x1xf32>, tensor<1xi8>) -> tensor<2x1x1x3xf32>
  %s = tosa.const_shape {values = dense<[2, 3]> : tensor<2xindex>} : () -> !tosa.shape<2>
  %y = tosa.reshape %m, %s : (tensor<2x1x1x3xf32>, !tosa.shape<2>) -> tensor<2x3xf32>
  return %y : tensor<2x3xf32>
}

// -----

// A sum without the division keeps its factor (mean times the window
// size) through a max, which is a max pool; the factor is applied at the end.
// CHECK-LABEL: func.func @reduce_sum_max(
//       CHECK:   %[[A:.+]] = mp.avg_pool2d %{{.+}} kernel [4, 1] stride [1, 1] padding [0, 0] {mp.name = "avgpool0"} : tensor<2x3x4x4xf32> -> tensor<2x3x1x4xf32>
//       CHECK:   %[[M:.+]] = mp.max_pool2d %[[A]] kernel [1, 4] stride [1, 1] padding [0, 0] {mp.name = "maxpool0"} : tensor<2x3x1x4xf32> -> tensor<2x3x1x1xf32>
//       CHECK:   %[[K:.+]] = arith.constant dense<4.000000e+00> : tensor<2x3x1x1xf32>
//       CHECK:   %[[S:.+]] = mp.mul %[[M]], %[[K]] : tensor<2x3x1x1xf32>
//       CHECK:   mp.reshape %[[S]] : tensor<2x3x1x1xf32> to tensor<2x3xf32>
func.func @reduce_sum_max(%x: tensor<2x4x4x3xf32>) -> tensor<2x3xf32> {
  %a = tosa.reduce_sum %x {axis = 1 : i32} : (tensor<2x4x4x3xf32>) -> tensor<2x1x4x3xf32>
  %b = tosa.reduce_max %a {axis = 2 : i32} : (tensor<2x1x4x3xf32>) -> tensor<2x1x1x3xf32>
  %s = tosa.const_shape {values = dense<[2, 3]> : tensor<2xindex>} : () -> !tosa.shape<2>
  %y = tosa.reshape %b, %s : (tensor<2x1x1x3xf32>, !tosa.shape<2>) -> tensor<2x3xf32>
  return %y : tensor<2x3xf32>
}

// -----

// input-layout=auto on an input not used through NCHW-to-NHWC transposes:
// the input is NHWC and becomes an NCHW argument.
// CHECK-LABEL: func.func @input_nhwc_auto(
//  CHECK-SAME:   tensor<2x5x4x4xf32> {mp.name = "input"
func.func @input_nhwc_auto(%x: tensor<2x4x4x5xf32>) -> tensor<2x5xf32> {
  %p = tosa.max_pool2d %x {kernel = array<i64: 4, 4>, stride = array<i64: 4, 4>, pad = array<i64: 0, 0, 0, 0>} : (tensor<2x4x4x5xf32>) -> tensor<2x1x1x5xf32>
  %s = tosa.const_shape {values = dense<[2, 5]> : tensor<2xindex>} : () -> !tosa.shape<2>
  %y = tosa.reshape %p, %s : (tensor<2x1x1x5xf32>, !tosa.shape<2>) -> tensor<2x5xf32>
  return %y : tensor<2x5xf32>
}

// -----

// A layer output used before and after its bias add: the biased copy shares
// the weight, and the two layers keep distinct names.
// CHECK-LABEL: func.func @bias_add_with_other_use(
//  CHECK-SAME:   %[[X:[^:]+]]: tensor<2x8xf32> {mp.name = "input"
//  CHECK-SAME:   %[[W:[^:]+]]: tensor<3x8xf32> {mp.name = "linear0.weight"
//  CHECK-SAME:   %[[B:[^:]+]]: tensor<3xf32> {mp.name = "linear0.bias"
//   CHECK-DAG:   %[[L:.+]] = mp.linear %[[X]], %[[W]] {mp.name = "linear0"}
//   CHECK-DAG:   %[[LB:.+]] = mp.linear %[[X]], %[[W]], %[[B]] {mp.name = "linear0_1"}
//       CHECK:   mp.add %[[LB]], %[[L]] {mp.name = "add0"}
func.func @bias_add_with_other_use(%x: tensor<2x8xf32>) -> tensor<2x3xf32> {
  %zp = "tosa.const"() {values = dense<0.0> : tensor<1xf32>} : () -> tensor<1xf32>
  %w = "tosa.const"() {values = dense<0.5> : tensor<1x8x3xf32>} : () -> tensor<1x8x3xf32>
  %sa = tosa.const_shape {values = dense<[1, 2, 8]> : tensor<3xindex>} : () -> !tosa.shape<3>
  %a = tosa.reshape %x, %sa : (tensor<2x8xf32>, !tosa.shape<3>) -> tensor<1x2x8xf32>
  %m = tosa.matmul %a, %w, %zp, %zp : (tensor<1x2x8xf32>, tensor<1x8x3xf32>, tensor<1xf32>, tensor<1xf32>) -> tensor<1x2x3xf32>
  %s2 = tosa.const_shape {values = dense<[2, 3]> : tensor<2xindex>} : () -> !tosa.shape<2>
  %m2 = tosa.reshape %m, %s2 : (tensor<1x2x3xf32>, !tosa.shape<2>) -> tensor<2x3xf32>
  %b = "tosa.const"() {values = dense<[[0.1, 0.2, 0.3]]> : tensor<1x3xf32>} : () -> tensor<1x3xf32>
  %y = tosa.add %m2, %b : (tensor<2x3xf32>, tensor<1x3xf32>) -> tensor<2x3xf32>
  %z = tosa.add %y, %m2 : (tensor<2x3xf32>, tensor<2x3xf32>) -> tensor<2x3xf32>
  return %z : tensor<2x3xf32>
}

// -----

// A zero bias add right after a matmul is a trainable bias (a zero initial
// value); adding zero anywhere else is dropped.
// CHECK-LABEL: func.func @zero_bias_add(
//  CHECK-SAME:   tensor<3xf32> {mp.name = "linear0.bias", mp.role = #mp.role<weight>}
//       CHECK:   %[[Y:.+]] = mp.linear
//   CHECK-NOT:   mp.add
//       CHECK:   mp.log_softmax %[[Y]]
func.func @zero_bias_add(%x: tensor<2x8xf32>) -> tensor<2x3xf32> {
  %zp = "tosa.const"() {values = dense<0.0> : tensor<1xf32>} : () -> tensor<1xf32>
  %w = "tosa.const"() {values = dense<0.5> : tensor<1x8x3xf32>} : () -> tensor<1x8x3xf32>
  %sa = tosa.const_shape {values = dense<[1, 2, 8]> : tensor<3xindex>} : () -> !tosa.shape<3>
  %a = tosa.reshape %x, %sa : (tensor<2x8xf32>, !tosa.shape<3>) -> tensor<1x2x8xf32>
  %m = tosa.matmul %a, %w, %zp, %zp : (tensor<1x2x8xf32>, tensor<1x8x3xf32>, tensor<1xf32>, tensor<1xf32>) -> tensor<1x2x3xf32>
  %s2 = tosa.const_shape {values = dense<[2, 3]> : tensor<2xindex>} : () -> !tosa.shape<2>
  %m2 = tosa.reshape %m, %s2 : (tensor<1x2x3xf32>, !tosa.shape<2>) -> tensor<2x3xf32>
  %b = "tosa.const"() {values = dense<0.0> : tensor<1x3xf32>} : () -> tensor<1x3xf32>
  %y = tosa.add %m2, %b : (tensor<2x3xf32>, tensor<1x3xf32>) -> tensor<2x3xf32>
  %z = tosa.add %b, %y : (tensor<1x3xf32>, tensor<2x3xf32>) -> tensor<2x3xf32>
  return %z : tensor<2x3xf32>
}

// -----

// torch-mlir stores weights as dense_resource blobs; their values are read.
// CHECK-LABEL: func.func @resource_constant(
//       CHECK:   arith.constant dense<{{\[\[}}1.000000e+00, 2.000000e+00, 3.000000e+00, 4.000000e+00, 5.000000e+00], [6.000000e+00, 7.000000e+00, 8.000000e+00, 9.000000e+00, 1.000000e+01]]> : tensor<2x5xf32>
func.func @resource_constant(%x: tensor<2x5xf32>) -> tensor<2x5xf32> {
  %k = "tosa.const"() {values = dense_resource<torch_tensor_2_5_torch.float32> : tensor<2x5xf32>} : () -> tensor<2x5xf32>
  %y = tosa.add %x, %k : (tensor<2x5xf32>, tensor<2x5xf32>) -> tensor<2x5xf32>
  return %y : tensor<2x5xf32>
}
{-#
  dialect_resources: {
    builtin: {
      torch_tensor_2_5_torch.float32: "0x040000000000803F0000004000004040000080400000A0400000C0400000E040000000410000104100002041"
    }
  }
#-}

// -----

// Two convs of one constant share one parameter (its gradient is the sum).
// CHECK-LABEL: func.func @shared_weight(
//  CHECK-SAME:   %[[W:[^:]+]]: tensor<3x3x3x3xf32> {mp.name = "conv0.weight", mp.role = #mp.role<weight>})
//       CHECK:   %[[A:.+]] = mp.conv2d %{{[^,]+}}, %[[W]] {{.+}} {mp.name = "conv0"}
//       CHECK:   mp.conv2d %[[A]], %[[W]] {{.+}} {mp.name = "conv1"}
func.func @shared_weight(%x: tensor<2x4x4x3xf32>) -> tensor<2x3xf32> {
  %w = "tosa.const"() {values = dense<0.5> : tensor<3x3x3x3xf32>} : () -> tensor<3x3x3x3xf32>
  %b = "tosa.const"() {values = dense<0.0> : tensor<3xf32>} : () -> tensor<3xf32>
  %zp = "tosa.const"() {values = dense<0.0> : tensor<1xf32>} : () -> tensor<1xf32>
  %c = tosa.conv2d %x, %w, %b, %zp, %zp {acc_type = f32, pad = array<i64: 1, 1, 1, 1>, stride = array<i64: 1, 1>, dilation = array<i64: 1, 1>} : (tensor<2x4x4x3xf32>, tensor<3x3x3x3xf32>, tensor<3xf32>, tensor<1xf32>, tensor<1xf32>) -> tensor<2x4x4x3xf32>
  %d = tosa.conv2d %c, %w, %b, %zp, %zp {acc_type = f32, pad = array<i64: 1, 1, 1, 1>, stride = array<i64: 1, 1>, dilation = array<i64: 1, 1>} : (tensor<2x4x4x3xf32>, tensor<3x3x3x3xf32>, tensor<3xf32>, tensor<1xf32>, tensor<1xf32>) -> tensor<2x4x4x3xf32>
  %p = tosa.max_pool2d %d {kernel = array<i64: 4, 4>, stride = array<i64: 4, 4>, pad = array<i64: 0, 0, 0, 0>} : (tensor<2x4x4x3xf32>) -> tensor<2x1x1x3xf32>
  %s = tosa.const_shape {values = dense<[2, 3]> : tensor<2xindex>} : () -> !tosa.shape<2>
  %y = tosa.reshape %p, %s : (tensor<2x1x1x3xf32>, !tosa.shape<2>) -> tensor<2x3xf32>
  return %y : tensor<2x3xf32>
}

// -----

// A softmax head (torch-mlir's spelling: max-stabilized exp, sum over the
// class axis, reciprocal and multiply) is dropped: the appended
// log_softmax + nll_loss read the logits it started from.
// CHECK-LABEL: func.func @softmax_head(
//  CHECK-SAME:   %[[X:[^:]+]]: tensor<2x5xf32> {mp.name = "input"
//   CHECK-NOT:   mp.relu
//       CHECK:   %[[L:.+]] = mp.log_softmax %[[X]] {mp.name = "log_softmax"}
//  CHECK-NEXT:   mp.nll_loss %[[L]]
func.func @softmax_head(%x: tensor<2x5xf32>) -> tensor<2x5xf32> {
  %sh = "tosa.const"() {values = dense<0> : tensor<1xi8>} : () -> tensor<1xi8>
  %m = tosa.reduce_max %x {axis = 1 : i32} : (tensor<2x5xf32>) -> tensor<2x1xf32>
  %d = tosa.sub %x, %m : (tensor<2x5xf32>, tensor<2x1xf32>) -> tensor<2x5xf32>
  %e = tosa.exp %d : (tensor<2x5xf32>) -> tensor<2x5xf32>
  %s = tosa.reduce_sum %e {axis = 1 : i32} : (tensor<2x5xf32>) -> tensor<2x1xf32>
  %r = tosa.reciprocal %s : (tensor<2x1xf32>) -> tensor<2x1xf32>
  %p = tosa.mul %e, %r, %sh : (tensor<2x5xf32>, tensor<2x1xf32>, tensor<1xi8>) -> tensor<2x5xf32>
  return %p : tensor<2x5xf32>
}

// -----

// A log-softmax head (x - max - log(sum(exp(x - max)))) after a ReLU.
// CHECK-LABEL: func.func @log_softmax_head(
//       CHECK:   %[[R:.+]] = mp.relu %{{.+}} {mp.name = "relu0"}
//   CHECK-NOT:   mp.sub
//       CHECK:   mp.log_softmax %[[R]] {mp.name = "log_softmax"}
func.func @log_softmax_head(%x: tensor<2x5xf32>) -> tensor<2x5xf32> {
  %y = tosa.clamp %x {min_val = 0.0 : f32, max_val = 3.40282347E+38 : f32} : (tensor<2x5xf32>) -> tensor<2x5xf32>
  %m = tosa.reduce_max %y {axis = 1 : i32} : (tensor<2x5xf32>) -> tensor<2x1xf32>
  %d = tosa.sub %y, %m : (tensor<2x5xf32>, tensor<2x1xf32>) -> tensor<2x5xf32>
  %e = tosa.exp %d : (tensor<2x5xf32>) -> tensor<2x5xf32>
  %s = tosa.reduce_sum %e {axis = 1 : i32} : (tensor<2x5xf32>) -> tensor<2x1xf32>
  %l = tosa.log %s : (tensor<2x1xf32>) -> tensor<2x1xf32>
  %o = tosa.sub %d, %l : (tensor<2x5xf32>, tensor<2x1xf32>) -> tensor<2x5xf32>
  return %o : tensor<2x5xf32>
}
