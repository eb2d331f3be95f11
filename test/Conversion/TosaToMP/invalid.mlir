// Licensed under the Apache License v2.0 with LLVM Exceptions.
// SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
//
// RUN: mp-opt %s --convert-tosa-to-mp -split-input-file -verify-diagnostics

func.func @unsupported_op(%x: tensor<2x5xf32>) -> tensor<2x5xf32> {
  // expected-error @+2 {{'tosa.sigmoid' is not supported by convert-tosa-to-mp}}
  // expected-note @+1 {{supported: tosa.conv2d, tosa.depthwise_conv2d, tosa.matmul}}
  %y = tosa.sigmoid %x : (tensor<2x5xf32>) -> tensor<2x5xf32>
  return %y : tensor<2x5xf32>
}

// -----

func.func @quantized_rescale(%x: tensor<2x5xf32>) -> tensor<2x5xf32> {
  %m = "tosa.const"() {values = dense<1073741824> : tensor<1xi32>} : () -> tensor<1xi32>
  %s = "tosa.const"() {values = dense<30> : tensor<1xi8>} : () -> tensor<1xi8>
  %zp = "tosa.const"() {values = dense<0> : tensor<1xi8>} : () -> tensor<1xi8>
  %q = "tosa.const"() {values = dense<1> : tensor<2x5xi8>} : () -> tensor<2x5xi8>
  // expected-error @+2 {{'tosa.rescale' is not supported by convert-tosa-to-mp (quantized graphs are not supported)}}
  // expected-note @+1 {{supported:}}
  %r = tosa.rescale %q, %m, %s, %zp, %zp {scale32 = true, rounding_mode = SINGLE_ROUND, per_channel = false, input_unsigned = false, output_unsigned = false} : (tensor<2x5xi8>, tensor<1xi32>, tensor<1xi8>, tensor<1xi8>, tensor<1xi8>) -> tensor<2x5xi8>
  return %x : tensor<2x5xf32>
}

// -----

func.func @quantized_conv(%x: tensor<2x5xf32>) -> tensor<2x5xf32> {
  %q = "tosa.const"() {values = dense<1> : tensor<2x4x4x3xi8>} : () -> tensor<2x4x4x3xi8>
  %w = "tosa.const"() {values = dense<1> : tensor<4x3x3x3xi8>} : () -> tensor<4x3x3x3xi8>
  %b = "tosa.const"() {values = dense<0> : tensor<4xi32>} : () -> tensor<4xi32>
  %zp = "tosa.const"() {values = dense<0> : tensor<1xi8>} : () -> tensor<1xi8>
  // expected-error @+1 {{cannot import 'tosa.conv2d': only f32 tensors are supported (quantized and other element types are not), got 'tensor<2x4x4x4xi32>'}}
  %c = tosa.conv2d %q, %w, %b, %zp, %zp {acc_type = i32, pad = array<i64: 1, 1, 1, 1>, stride = array<i64: 1, 1>, dilation = array<i64: 1, 1>} : (tensor<2x4x4x3xi8>, tensor<4x3x3x3xi8>, tensor<4xi32>, tensor<1xi8>, tensor<1xi8>) -> tensor<2x4x4x4xi32>
  return %x : tensor<2x5xf32>
}

// -----

// expected-error @+1 {{cannot import @quantized_input: the argument must be an f32 tensor (quantized graphs are not supported), got 'tensor<2x5xi8>'}}
func.func @quantized_input(%x: tensor<2x5xi8>) -> tensor<2x5xf32> {
  %y = tosa.cast %x : (tensor<2x5xi8>) -> tensor<2x5xf32>
  return %y : tensor<2x5xf32>
}

// -----

// expected-error @+1 {{cannot import @dynamic_argument: the argument must have a static shape}}
func.func @dynamic_argument(%x: tensor<?x5xf32>) -> tensor<?x5xf32> {
  %r = tosa.clamp %x {min_val = 0.0 : f32, max_val = 3.40282347E+38 : f32} : (tensor<?x5xf32>) -> tensor<?x5xf32>
  return %r : tensor<?x5xf32>
}

// -----

func.func @dynamic_result(%x: tensor<2x5xf32>) -> tensor<2x5xf32> {
  // expected-error @+1 {{cannot import 'tosa.clamp': dynamic shapes are not supported, got 'tensor<?x5xf32>'}}
  %r = tosa.clamp %x {min_val = 0.0 : f32, max_val = 3.40282347E+38 : f32} : (tensor<2x5xf32>) -> tensor<?x5xf32>
  return %x : tensor<2x5xf32>
}

// -----

// expected-error @+1 {{cannot import @two_arguments: expected exactly one argument (the input batch), got 2; weights must be tosa.const ops}}
func.func @two_arguments(%x: tensor<2x5xf32>, %w: tensor<5x5xf32>) -> tensor<2x5xf32> {
  %r = tosa.clamp %x {min_val = 0.0 : f32, max_val = 3.40282347E+38 : f32} : (tensor<2x5xf32>) -> tensor<2x5xf32>
  return %r : tensor<2x5xf32>
}

// -----

// expected-error @+1 {{cannot import @two_results: expected exactly one result (the logits), got 2}}
func.func @two_results(%x: tensor<2x5xf32>) -> (tensor<2x5xf32>, tensor<2x5xf32>) {
  %r = tosa.clamp %x {min_val = 0.0 : f32, max_val = 3.40282347E+38 : f32} : (tensor<2x5xf32>) -> tensor<2x5xf32>
  return %r, %r : tensor<2x5xf32>, tensor<2x5xf32>
}

// -----

// expected-error @+1 {{cannot import @logits_not_2d: the result must be N x classes logits, got 'tensor<2x5x1xf32>'}}
func.func @logits_not_2d(%x: tensor<2x5xf32>) -> tensor<2x5x1xf32> {
  %s = tosa.const_shape {values = dense<[2, 5, 1]> : tensor<3xindex>} : () -> !tosa.shape<3>
  %r = tosa.reshape %x, %s : (tensor<2x5xf32>, !tosa.shape<3>) -> tensor<2x5x1xf32>
  return %r : tensor<2x5x1xf32>
}

// -----

// expected-error @+1 {{cannot import @input_3d: the input must be 4-D (images) or 2-D, got 'tensor<2x5x1xf32>'}}
func.func @input_3d(%x: tensor<2x5x1xf32>) -> tensor<2x5xf32> {
  %s = tosa.const_shape {values = dense<[2, 5]> : tensor<2xindex>} : () -> !tosa.shape<2>
  %r = tosa.reshape %x, %s : (tensor<2x5x1xf32>, !tosa.shape<2>) -> tensor<2x5xf32>
  return %r : tensor<2x5xf32>
}

// -----

// expected-error @+1 {{cannot import @logits_not_batch: the logits' first dimension (5) must be the batch size (2)}}
func.func @logits_not_batch(%x: tensor<2x5xf32>) -> tensor<5x2xf32> {
  %t = tosa.transpose %x {perms = array<i32: 1, 0>} : (tensor<2x5xf32>) -> tensor<5x2xf32>
  return %t : tensor<5x2xf32>
}

// -----

func.func @zero_point_not_constant(%x: tensor<1x4x4x1xf32>) -> tensor<1x4xf32> {
  %w = "tosa.const"() {values = dense<0.5> : tensor<4x3x3x1xf32>} : () -> tensor<4x3x3x1xf32>
  %b = "tosa.const"() {values = dense<0.0> : tensor<4xf32>} : () -> tensor<4xf32>
  %zp = "tosa.const"() {values = dense<0.0> : tensor<1xf32>} : () -> tensor<1xf32>
  %m = tosa.max_pool2d %x {kernel = array<i64: 4, 4>, stride = array<i64: 4, 4>, pad = array<i64: 0, 0, 0, 0>} : (tensor<1x4x4x1xf32>) -> tensor<1x1x1x1xf32>
  %s1 = tosa.const_shape {values = dense<[1]> : tensor<1xindex>} : () -> !tosa.shape<1>
  %izp = tosa.reshape %m, %s1 : (tensor<1x1x1x1xf32>, !tosa.shape<1>) -> tensor<1xf32>
  // expected-error @+1 {{cannot import 'tosa.conv2d': only a constant zero input zero point is supported (no quantization)}}
  %c = tosa.conv2d %x, %w, %b, %izp, %zp {acc_type = f32, pad = array<i64: 1, 1, 1, 1>, stride = array<i64: 1, 1>, dilation = array<i64: 1, 1>} : (tensor<1x4x4x1xf32>, tensor<4x3x3x1xf32>, tensor<4xf32>, tensor<1xf32>, tensor<1xf32>) -> tensor<1x4x4x4xf32>
  %s = tosa.const_shape {values = dense<[1, 4]> : tensor<2xindex>} : () -> !tosa.shape<2>
  %p = tosa.max_pool2d %c {kernel = array<i64: 4, 4>, stride = array<i64: 4, 4>, pad = array<i64: 0, 0, 0, 0>} : (tensor<1x4x4x4xf32>) -> tensor<1x1x1x4xf32>
  %y = tosa.reshape %p, %s : (tensor<1x1x1x4xf32>, !tosa.shape<2>) -> tensor<1x4xf32>
  return %y : tensor<1x4xf32>
}

// -----

func.func @weight_not_constant(%x: tensor<4x3x3x3xf32>) -> tensor<4x27xf32> {
  %b = "tosa.const"() {values = dense<0.0> : tensor<4xf32>} : () -> tensor<4xf32>
  %zp = "tosa.const"() {values = dense<0.0> : tensor<1xf32>} : () -> tensor<1xf32>
  // expected-error @+1 {{cannot import 'tosa.conv2d': its weight must be a constant (tosa.const, possibly reshaped or transposed)}}
  %c = tosa.conv2d %x, %x, %b, %zp, %zp {acc_type = f32, pad = array<i64: 1, 1, 1, 1>, stride = array<i64: 1, 1>, dilation = array<i64: 1, 1>} : (tensor<4x3x3x3xf32>, tensor<4x3x3x3xf32>, tensor<4xf32>, tensor<1xf32>, tensor<1xf32>) -> tensor<4x3x3x4xf32>
  %s = tosa.const_shape {values = dense<[4, 27]> : tensor<2xindex>} : () -> !tosa.shape<2>
  %y = tosa.reshape %x, %s : (tensor<4x3x3x3xf32>, !tosa.shape<2>) -> tensor<4x27xf32>
  return %y : tensor<4x27xf32>
}

// -----

func.func @asymmetric_padding(%x: tensor<2x4x4x3xf32>) -> tensor<2x48xf32> {
  // expected-error @+1 {{cannot import 'tosa.max_pool2d': asymmetric padding [0, 1, 0, 1] (top, bottom, left, right); mp pads both sides equally}}
  %m = tosa.max_pool2d %x {kernel = array<i64: 2, 2>, stride = array<i64: 1, 1>, pad = array<i64: 0, 1, 0, 1>} : (tensor<2x4x4x3xf32>) -> tensor<2x4x4x3xf32>
  %s = tosa.const_shape {values = dense<[2, 48]> : tensor<2xindex>} : () -> !tosa.shape<2>
  %y = tosa.reshape %x, %s : (tensor<2x4x4x3xf32>, !tosa.shape<2>) -> tensor<2x48xf32>
  return %y : tensor<2x48xf32>
}

// -----

func.func @clamp_range(%x: tensor<2x5xf32>) -> tensor<2x5xf32> {
  // expected-error @+1 {{cannot import 'tosa.clamp': only [0, +inf) (ReLU) and [0, 6] (ReLU6) are supported, got [-1.000000e+00 : f32, 1.000000e+00 : f32]}}
  %r = tosa.clamp %x {min_val = -1.0 : f32, max_val = 1.0 : f32} : (tensor<2x5xf32>) -> tensor<2x5xf32>
  return %r : tensor<2x5xf32>
}

// -----

func.func @avg_pool_padding(%x: tensor<2x4x4x3xf32>) -> tensor<2x48xf32> {
  %zp = "tosa.const"() {values = dense<0.0> : tensor<1xf32>} : () -> tensor<1xf32>
  // expected-error @+1 {{cannot import 'tosa.avg_pool2d' with padding [1, 1, 1, 1]: TOSA leaves padding out of the divisor, mp.avg_pool2d counts it}}
  %p = tosa.avg_pool2d %x, %zp, %zp {acc_type = f32, kernel = array<i64: 3, 3>, stride = array<i64: 1, 1>, pad = array<i64: 1, 1, 1, 1>} : (tensor<2x4x4x3xf32>, tensor<1xf32>, tensor<1xf32>) -> tensor<2x4x4x3xf32>
  %s = tosa.const_shape {values = dense<[2, 48]> : tensor<2xindex>} : () -> !tosa.shape<2>
  %y = tosa.reshape %x, %s : (tensor<2x4x4x3xf32>, !tosa.shape<2>) -> tensor<2x48xf32>
  return %y : tensor<2x48xf32>
}

// -----

func.func @matmul_activation_weight(%x: tensor<2x8xf32>) -> tensor<2x8xf32> {
  %zp = "tosa.const"() {values = dense<0.0> : tensor<1xf32>} : () -> tensor<1xf32>
  %w = "tosa.const"() {values = dense<0.5> : tensor<1x2x2xf32>} : () -> tensor<1x2x2xf32>
  %sa = tosa.const_shape {values = dense<[1, 2, 8]> : tensor<3xindex>} : () -> !tosa.shape<3>
  %a = tosa.reshape %x, %sa : (tensor<2x8xf32>, !tosa.shape<3>) -> tensor<1x2x8xf32>
  // expected-error @+1 {{cannot import 'tosa.matmul': the left operand must be an activation and the right one a constant weight}}
  %m = tosa.matmul %w, %a, %zp, %zp : (tensor<1x2x2xf32>, tensor<1x2x8xf32>, tensor<1xf32>, tensor<1xf32>) -> tensor<1x2x8xf32>
  return %x : tensor<2x8xf32>
}

// -----

func.func @matmul_batched(%x: tensor<2x8xf32>) -> tensor<2x8xf32> {
  %zp = "tosa.const"() {values = dense<0.0> : tensor<1xf32>} : () -> tensor<1xf32>
  %w = "tosa.const"() {values = dense<0.5> : tensor<2x8x3xf32>} : () -> tensor<2x8x3xf32>
  %sa = tosa.const_shape {values = dense<[2, 1, 8]> : tensor<3xindex>} : () -> !tosa.shape<3>
  %a = tosa.reshape %x, %sa : (tensor<2x8xf32>, !tosa.shape<3>) -> tensor<2x1x8xf32>
  // expected-error @+1 {{cannot import 'tosa.matmul': batched matmul (batch 2) is not supported; only batch 1 (a fully connected layer)}}
  %m = tosa.matmul %a, %w, %zp, %zp : (tensor<2x1x8xf32>, tensor<2x8x3xf32>, tensor<1xf32>, tensor<1xf32>) -> tensor<2x1x3xf32>
  return %x : tensor<2x8xf32>
}

// -----

func.func @matmul_weight_not_constant(%x: tensor<2x8xf32>) -> tensor<2x8xf32> {
  %zp = "tosa.const"() {values = dense<0.0> : tensor<1xf32>} : () -> tensor<1xf32>
  %sa = tosa.const_shape {values = dense<[1, 2, 8]> : tensor<3xindex>} : () -> !tosa.shape<3>
  %a = tosa.reshape %x, %sa : (tensor<2x8xf32>, !tosa.shape<3>) -> tensor<1x2x8xf32>
  %sb = tosa.const_shape {values = dense<[1, 8, 2]> : tensor<3xindex>} : () -> !tosa.shape<3>
  %b = tosa.reshape %x, %sb : (tensor<2x8xf32>, !tosa.shape<3>) -> tensor<1x8x2xf32>
  // expected-error @+1 {{cannot import 'tosa.matmul': its right operand (weight) must be a constant}}
  %m = tosa.matmul %a, %b, %zp, %zp : (tensor<1x2x8xf32>, tensor<1x8x2xf32>, tensor<1xf32>, tensor<1xf32>) -> tensor<1x2x2xf32>
  return %x : tensor<2x8xf32>
}

// -----

// The rows of the matmul are the H dimension of an NCHW activation: the mp
// value interleaves them with the channels.
func.func @matmul_rows_mixed(%x: tensor<1x2x2x3xf32>) -> tensor<1x12xf32> {
  %zp = "tosa.const"() {values = dense<0.0> : tensor<1xf32>} : () -> tensor<1xf32>
  %w = "tosa.const"() {values = dense<0.5> : tensor<1x6x3xf32>} : () -> tensor<1x6x3xf32>
  %sa = tosa.const_shape {values = dense<[1, 2, 6]> : tensor<3xindex>} : () -> !tosa.shape<3>
  %a = tosa.reshape %x, %sa : (tensor<1x2x2x3xf32>, !tosa.shape<3>) -> tensor<1x2x6xf32>
  // expected-error @+1 {{cannot import 'tosa.matmul': the mp activation mixes rows and features of its left operand (a flatten that crosses the batch dimension)}}
  %m = tosa.matmul %a, %w, %zp, %zp : (tensor<1x2x6xf32>, tensor<1x6x3xf32>, tensor<1xf32>, tensor<1xf32>) -> tensor<1x2x3xf32>
  %s = tosa.const_shape {values = dense<[1, 12]> : tensor<2xindex>} : () -> !tosa.shape<2>
  %y = tosa.reshape %x, %s : (tensor<1x2x2x3xf32>, !tosa.shape<2>) -> tensor<1x12xf32>
  return %y : tensor<1x12xf32>
}

// -----

func.func @broadcast_activation(%x: tensor<2x1xf32>) -> tensor<2x5xf32> {
  %k = "tosa.const"() {values = dense<0.5> : tensor<2x5xf32>} : () -> tensor<2x5xf32>
  // expected-error @+1 {{cannot import 'tosa.add': an activation operand is broadcast ([2, 1] to [2, 5])}}
  %y = tosa.add %x, %k : (tensor<2x1xf32>, tensor<2x5xf32>) -> tensor<2x5xf32>
  return %y : tensor<2x5xf32>
}

// -----

func.func @different_orders(%x: tensor<2x4x4x3xf32>) -> tensor<2x48xf32> {
  %t = tosa.transpose %x {perms = array<i32: 0, 2, 1, 3>} : (tensor<2x4x4x3xf32>) -> tensor<2x4x4x3xf32>
  // expected-error @+1 {{cannot import 'tosa.add': its operands are held in different element orders (mp has no transpose of activations)}}
  %a = tosa.add %x, %t : (tensor<2x4x4x3xf32>, tensor<2x4x4x3xf32>) -> tensor<2x4x4x3xf32>
  %s = tosa.const_shape {values = dense<[2, 48]> : tensor<2xindex>} : () -> !tosa.shape<2>
  %y = tosa.reshape %x, %s : (tensor<2x4x4x3xf32>, !tosa.shape<2>) -> tensor<2x48xf32>
  return %y : tensor<2x48xf32>
}

// -----

func.func @needs_transpose(%x: tensor<2x4x4x3xf32>) -> tensor<2x48xf32> {
  %t = tosa.transpose %x {perms = array<i32: 0, 2, 1, 3>} : (tensor<2x4x4x3xf32>) -> tensor<2x4x4x3xf32>
  // expected-error @+1 {{cannot import 'tosa.max_pool2d': its input is needed transposed by [0, 3, 1, 2] relative to the TOSA tensor, but the mp activation holds it in another order (mp has no transpose of activations)}}
  %m = tosa.max_pool2d %t {kernel = array<i64: 2, 2>, stride = array<i64: 2, 2>, pad = array<i64: 0, 0, 0, 0>} : (tensor<2x4x4x3xf32>) -> tensor<2x2x2x3xf32>
  %s = tosa.const_shape {values = dense<[2, 48]> : tensor<2xindex>} : () -> !tosa.shape<2>
  %y = tosa.reshape %x, %s : (tensor<2x4x4x3xf32>, !tosa.shape<2>) -> tensor<2x48xf32>
  return %y : tensor<2x48xf32>
}

// -----

// The NCHW activation is viewed as [2, 4*4*3] in NHWC order; regrouping it
// as [2, 6, 8] splits across C, H and W in a way no transposition gives.
func.func @transpose_regrouped(%x: tensor<2x4x4x3xf32>) -> tensor<2x48xf32> {
  %s = tosa.const_shape {values = dense<[2, 6, 8]> : tensor<3xindex>} : () -> !tosa.shape<3>
  %r = tosa.reshape %x, %s : (tensor<2x4x4x3xf32>, !tosa.shape<3>) -> tensor<2x6x8xf32>
  // expected-error @+1 {{cannot import 'tosa.transpose': its input is a reshape that regroups dimensions of a transposed activation}}
  %t = tosa.transpose %r {perms = array<i32: 0, 2, 1>} : (tensor<2x6x8xf32>) -> tensor<2x8x6xf32>
  %s2 = tosa.const_shape {values = dense<[2, 48]> : tensor<2xindex>} : () -> !tosa.shape<2>
  %y = tosa.reshape %x, %s2 : (tensor<2x4x4x3xf32>, !tosa.shape<2>) -> tensor<2x48xf32>
  return %y : tensor<2x48xf32>
}

// -----

func.func @concat_regrouped(%x: tensor<2x4x4x3xf32>) -> tensor<2x48xf32> {
  %s = tosa.const_shape {values = dense<[2, 6, 8]> : tensor<3xindex>} : () -> !tosa.shape<3>
  %r = tosa.reshape %x, %s : (tensor<2x4x4x3xf32>, !tosa.shape<3>) -> tensor<2x6x8xf32>
  // expected-error @+1 {{cannot import 'tosa.concat': operand #0 is a reshape of a transposed activation}}
  %c = tosa.concat %r, %r {axis = 1 : i32} : (tensor<2x6x8xf32>, tensor<2x6x8xf32>) -> tensor<2x12x8xf32>
  %s2 = tosa.const_shape {values = dense<[2, 48]> : tensor<2xindex>} : () -> !tosa.shape<2>
  %y = tosa.reshape %x, %s2 : (tensor<2x4x4x3xf32>, !tosa.shape<2>) -> tensor<2x48xf32>
  return %y : tensor<2x48xf32>
}

// -----

func.func @reduce_channels(%x: tensor<2x4x4x3xf32>) -> tensor<2x48xf32> {
  // expected-error @+1 {{cannot import 'tosa.reduce_sum' over axis 3 of [2, 4, 4, 3]: only reductions over the spatial dimensions of a 4-D activation (pooling) are supported}}
  %r = tosa.reduce_sum %x {axis = 3 : i32} : (tensor<2x4x4x3xf32>) -> tensor<2x4x4x1xf32>
  %s = tosa.const_shape {values = dense<[2, 48]> : tensor<2xindex>} : () -> !tosa.shape<2>
  %y = tosa.reshape %x, %s : (tensor<2x4x4x3xf32>, !tosa.shape<2>) -> tensor<2x48xf32>
  return %y : tensor<2x48xf32>
}

// -----

// A softmax (or a loss) on the logits: mp appends the loss itself.
func.func @reduce_classes(%x: tensor<2x5xf32>) -> tensor<2x5xf32> {
  // expected-error @+1 {{cannot import 'tosa.reduce_max' over axis 1 of [2, 5]: only reductions over the spatial dimensions of a 4-D activation (pooling) are supported}}
  %m = tosa.reduce_max %x {axis = 1 : i32} : (tensor<2x5xf32>) -> tensor<2x1xf32>
  return %x : tensor<2x5xf32>
}

// -----

func.func @constant_input(%x: tensor<2x5xf32>) -> tensor<2x5xf32> {
  %k = "tosa.const"() {values = dense<0.5> : tensor<2x5xf32>} : () -> tensor<2x5xf32>
  // expected-error @+1 {{cannot import 'tosa.clamp': its input must be computed from the input, not a constant}}
  %r = tosa.clamp %k {min_val = 0.0 : f32, max_val = 3.40282347E+38 : f32} : (tensor<2x5xf32>) -> tensor<2x5xf32>
  return %x : tensor<2x5xf32>
}

// -----

func.func @elided_constant(%x: tensor<2x5xf32>) -> tensor<2x5xf32> {
  // expected-error @+1 {{cannot import 'tosa.const': its value is not available (an elided or missing resource)}}
  %w = "tosa.const"() {values = dense_resource<__elided__> : tensor<2x5xf32>} : () -> tensor<2x5xf32>
  return %x : tensor<2x5xf32>
}

// -----

func.func @other_dialect(%x: tensor<2x5xf32>) -> tensor<2x5xf32> {
  %r = tosa.clamp %x {min_val = 0.0 : f32, max_val = 3.40282347E+38 : f32} : (tensor<2x5xf32>) -> tensor<2x5xf32>
  // expected-error @+2 {{'arith.addf' is not supported by convert-tosa-to-mp}}
  // expected-note @+1 {{supported:}}
  %y = arith.addf %r, %r : tensor<2x5xf32>
  return %y : tensor<2x5xf32>
}

// -----

// expected-error @+1 {{cannot import @dynamic_logits: the result must have a static shape}}
func.func @dynamic_logits(%x: tensor<2x5xf32>) -> tensor<?x5xf32> {
  %r = tosa.clamp %x {min_val = 0.0 : f32, max_val = 3.40282347E+38 : f32} : (tensor<2x5xf32>) -> tensor<?x5xf32>
  return %r : tensor<?x5xf32>
}

// -----

func.func @broadcast_right_activation(%x: tensor<2x4x4x3xf32>) -> tensor<2x48xf32> {
  %m = tosa.reduce_max %x {axis = 1 : i32} : (tensor<2x4x4x3xf32>) -> tensor<2x1x4x3xf32>
  // expected-error @+1 {{cannot import 'tosa.add': an activation operand is broadcast ([2, 1, 4, 3] to [2, 4, 4, 3])}}
  %a = tosa.add %x, %m : (tensor<2x4x4x3xf32>, tensor<2x1x4x3xf32>) -> tensor<2x4x4x3xf32>
  %s = tosa.const_shape {values = dense<[2, 48]> : tensor<2xindex>} : () -> !tosa.shape<2>
  %y = tosa.reshape %x, %s : (tensor<2x4x4x3xf32>, !tosa.shape<2>) -> tensor<2x48xf32>
  return %y : tensor<2x48xf32>
}

// -----

// exp without a sum over the classes is not a softmax head: the exp itself
// is reported as unsupported.
func.func @exp_not_softmax(%x: tensor<2x5xf32>) -> tensor<2x5xf32> {
  // expected-error @+2 {{tosa.exp}}
  // expected-note @+1 {{supported:}}
  %e = tosa.exp %x : (tensor<2x5xf32>) -> tensor<2x5xf32>
  return %e : tensor<2x5xf32>
}
