// Licensed under the Apache License v2.0 with LLVM Exceptions.
// SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
//
// The same kind of CNN as torch-mlir's TOSA backend emits it for a PyTorch
// model: the NCHW input and activations of the PyTorch graph, a
// tosa.transpose to NHWC in front of every NHWC op and one back after it,
// the flatten in NCHW order (torch.flatten), and nn.Linear as a transposed
// [out, in] weight, a batch-1 matmul and a bias add. Weights are splat
// placeholders. Import with
//   mp-opt small_cnn_nchw.mlir --convert-tosa-to-mp
// (docs/Integration.md, "TOSA import").
func.func @small_cnn(%x: tensor<32x1x28x28xf32>) -> tensor<32x10xf32> {
  %zp = "tosa.const"() {values = dense<0.0> : tensor<1xf32>} : () -> tensor<1xf32>
  %w1 = "tosa.const"() {values = dense<0.1> : tensor<16x3x3x1xf32>} : () -> tensor<16x3x3x1xf32>
  %b1 = "tosa.const"() {values = dense<0.0> : tensor<16xf32>} : () -> tensor<16xf32>
  %xt = tosa.transpose %x {perms = array<i32: 0, 2, 3, 1>} : (tensor<32x1x28x28xf32>) -> tensor<32x28x28x1xf32>
  %c1 = tosa.conv2d %xt, %w1, %b1, %zp, %zp {acc_type = f32, pad = array<i64: 1, 1, 1, 1>, stride = array<i64: 1, 1>, dilation = array<i64: 1, 1>} : (tensor<32x28x28x1xf32>, tensor<16x3x3x1xf32>, tensor<16xf32>, tensor<1xf32>, tensor<1xf32>) -> tensor<32x28x28x16xf32>
  %c1t = tosa.transpose %c1 {perms = array<i32: 0, 3, 1, 2>} : (tensor<32x28x28x16xf32>) -> tensor<32x16x28x28xf32>
  %r1 = tosa.clamp %c1t {min_val = 0.0 : f32, max_val = 3.40282347E+38 : f32} : (tensor<32x16x28x28xf32>) -> tensor<32x16x28x28xf32>
  %r1t = tosa.transpose %r1 {perms = array<i32: 0, 2, 3, 1>} : (tensor<32x16x28x28xf32>) -> tensor<32x28x28x16xf32>
  %p1 = tosa.max_pool2d %r1t {kernel = array<i64: 2, 2>, stride = array<i64: 2, 2>, pad = array<i64: 0, 0, 0, 0>} : (tensor<32x28x28x16xf32>) -> tensor<32x14x14x16xf32>
  %p1t = tosa.transpose %p1 {perms = array<i32: 0, 3, 1, 2>} : (tensor<32x14x14x16xf32>) -> tensor<32x16x14x14xf32>
  %fs = tosa.const_shape {values = dense<[32, 3136]> : tensor<2xindex>} : () -> !tosa.shape<2>
  %f = tosa.reshape %p1t, %fs : (tensor<32x16x14x14xf32>, !tosa.shape<2>) -> tensor<32x3136xf32>
  %w = "tosa.const"() {values = dense<0.01> : tensor<10x3136xf32>} : () -> tensor<10x3136xf32>
  %wt = tosa.transpose %w {perms = array<i32: 1, 0>} : (tensor<10x3136xf32>) -> tensor<3136x10xf32>
  %ws = tosa.const_shape {values = dense<[1, 3136, 10]> : tensor<3xindex>} : () -> !tosa.shape<3>
  %w3 = tosa.reshape %wt, %ws : (tensor<3136x10xf32>, !tosa.shape<3>) -> tensor<1x3136x10xf32>
  %as = tosa.const_shape {values = dense<[1, 32, 3136]> : tensor<3xindex>} : () -> !tosa.shape<3>
  %a = tosa.reshape %f, %as : (tensor<32x3136xf32>, !tosa.shape<3>) -> tensor<1x32x3136xf32>
  %m = tosa.matmul %a, %w3, %zp, %zp : (tensor<1x32x3136xf32>, tensor<1x3136x10xf32>, tensor<1xf32>, tensor<1xf32>) -> tensor<1x32x10xf32>
  %ms = tosa.const_shape {values = dense<[32, 10]> : tensor<2xindex>} : () -> !tosa.shape<2>
  %m2 = tosa.reshape %m, %ms : (tensor<1x32x10xf32>, !tosa.shape<2>) -> tensor<32x10xf32>
  %b = "tosa.const"() {values = dense<0.05> : tensor<1x10xf32>} : () -> tensor<1x10xf32>
  %y = tosa.add %m2, %b : (tensor<32x10xf32>, tensor<1x10xf32>) -> tensor<32x10xf32>
  return %y : tensor<32x10xf32>
}
