// Licensed under the Apache License v2.0 with LLVM Exceptions.
// SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
//
// A small CNN for 28x28 grey images (Fashion-MNIST, batch 32) as the
// TensorFlow / TFLite TOSA legalizations emit it: NHWC activations, OHWI
// weights as tosa.const (splat placeholders here), ReLU as tosa.clamp, a
// flatten in NHWC order and a fully connected layer as a batch-1 matmul plus
// a bias add. Import with
//   mp-opt small_cnn_nhwc.mlir --convert-tosa-to-mp
// (docs/Integration.md, "TOSA import").
func.func @small_cnn(%x: tensor<32x28x28x1xf32>) -> tensor<32x10xf32> {
  %zp = "tosa.const"() {values = dense<0.0> : tensor<1xf32>} : () -> tensor<1xf32>
  %w1 = "tosa.const"() {values = dense<0.1> : tensor<16x3x3x1xf32>} : () -> tensor<16x3x3x1xf32>
  %b1 = "tosa.const"() {values = dense<0.01> : tensor<16xf32>} : () -> tensor<16xf32>
  %c1 = tosa.conv2d %x, %w1, %b1, %zp, %zp {acc_type = f32, pad = array<i64: 1, 1, 1, 1>, stride = array<i64: 1, 1>, dilation = array<i64: 1, 1>} : (tensor<32x28x28x1xf32>, tensor<16x3x3x1xf32>, tensor<16xf32>, tensor<1xf32>, tensor<1xf32>) -> tensor<32x28x28x16xf32> loc("conv1")
  %r1 = tosa.clamp %c1 {min_val = 0.0 : f32, max_val = 3.40282347E+38 : f32} : (tensor<32x28x28x16xf32>) -> tensor<32x28x28x16xf32> loc("relu1")
  %p1 = tosa.max_pool2d %r1 {kernel = array<i64: 2, 2>, stride = array<i64: 2, 2>, pad = array<i64: 0, 0, 0, 0>} : (tensor<32x28x28x16xf32>) -> tensor<32x14x14x16xf32> loc("pool1")
  %w2 = "tosa.const"() {values = dense<0.05> : tensor<32x3x3x16xf32>} : () -> tensor<32x3x3x16xf32>
  %b2 = "tosa.const"() {values = dense<0.01> : tensor<32xf32>} : () -> tensor<32xf32>
  %c2 = tosa.conv2d %p1, %w2, %b2, %zp, %zp {acc_type = f32, pad = array<i64: 1, 1, 1, 1>, stride = array<i64: 1, 1>, dilation = array<i64: 1, 1>} : (tensor<32x14x14x16xf32>, tensor<32x3x3x16xf32>, tensor<32xf32>, tensor<1xf32>, tensor<1xf32>) -> tensor<32x14x14x32xf32> loc("conv2")
  %r2 = tosa.clamp %c2 {min_val = 0.0 : f32, max_val = 3.40282347E+38 : f32} : (tensor<32x14x14x32xf32>) -> tensor<32x14x14x32xf32> loc("relu2")
  %p2 = tosa.max_pool2d %r2 {kernel = array<i64: 2, 2>, stride = array<i64: 2, 2>, pad = array<i64: 0, 0, 0, 0>} : (tensor<32x14x14x32xf32>) -> tensor<32x7x7x32xf32> loc("pool2")
  %fs = tosa.const_shape {values = dense<[1, 32, 1568]> : tensor<3xindex>} : () -> !tosa.shape<3>
  %f = tosa.reshape %p2, %fs : (tensor<32x7x7x32xf32>, !tosa.shape<3>) -> tensor<1x32x1568xf32>
  %w3 = "tosa.const"() {values = dense<0.01> : tensor<1x1568x10xf32>} : () -> tensor<1x1568x10xf32>
  %m = tosa.matmul %f, %w3, %zp, %zp : (tensor<1x32x1568xf32>, tensor<1x1568x10xf32>, tensor<1xf32>, tensor<1xf32>) -> tensor<1x32x10xf32> loc("fc")
  %ms = tosa.const_shape {values = dense<[32, 10]> : tensor<2xindex>} : () -> !tosa.shape<2>
  %m2 = tosa.reshape %m, %ms : (tensor<1x32x10xf32>, !tosa.shape<2>) -> tensor<32x10xf32>
  %b3 = "tosa.const"() {values = dense<0.0> : tensor<1x10xf32>} : () -> tensor<1x10xf32>
  %y = tosa.add %m2, %b3 : (tensor<32x10xf32>, tensor<1x10xf32>) -> tensor<32x10xf32>
  return %y : tensor<32x10xf32>
}
