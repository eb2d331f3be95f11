// Licensed under the Apache License v2.0 with LLVM Exceptions.
// SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
//
// End to end: a small TOSA CNN (conv + bias, ReLU as clamp, max pool, NHWC
// flatten, matmul, bias add) imported, built into a training step, assigned
// with pi_ours at r = 0.5, and run by the JIT (seeded random input, labels
// and weights; test/Integration/CPU/tosa-import.py checks the numbers
// against the TOSA graph).
//
// RUN: mp-opt %s --convert-tosa-to-mp --mp-build-training-step \
// RUN:   --mp-assign-precision="policy=ours ratio=0.5" -o %t.mlir
// RUN: FileCheck %s --check-prefix=IR < %t.mlir
// RUN: mp-run %t.mlir -f small_cnn_train_step --print | FileCheck %s --check-prefix=JIT

// IR-LABEL: func.func @small_cnn(
//  IR-SAME:   tensor<4x1x8x8xf32> {mp.name = "input", mp.role = #mp.role<input>}
//  IR-SAME:   tensor<4xi32> {mp.name = "label", mp.role = #mp.role<label>}
//  IR-SAME:   tensor<8x1x3x3xf32> {mp.name = "conv1.weight", mp.role = #mp.role<weight>}
//  IR-SAME:   tensor<8xf32> {mp.name = "conv1.bias", mp.role = #mp.role<weight>}
//  IR-SAME:   tensor<10x128xf32> {mp.name = "fc.weight", mp.role = #mp.role<weight>}
//  IR-SAME:   tensor<10xf32> {mp.name = "fc.bias", mp.role = #mp.role<weight>}
// IR-LABEL: func.func @small_cnn_train_step(
//       IR:   mp.conv2d
//       IR:   mp.cast
//       IR:   mp.conv2d_weight_grad
//       IR:   mp.sgd

// JIT: result #0 [] f32: {{[0-9]+\.[0-9]+$}}
// JIT: result #1 'conv1.weight' [8, 1, 3, 3] f32:
// JIT: result #4 'fc.bias' [10] f32:
// JIT: result #{{[0-9]+}} 'correct' [] i64: {{[0-4]$}}

func.func @small_cnn(%x: tensor<4x8x8x1xf32>) -> tensor<4x10xf32> {
  %zp = "tosa.const"() {values = dense<0.0> : tensor<1xf32>} : () -> tensor<1xf32>
  %w1 = "tosa.const"() {values = dense<0.1> : tensor<8x3x3x1xf32>} : () -> tensor<8x3x3x1xf32>
  %b1 = "tosa.const"() {values = dense<0.01> : tensor<8xf32>} : () -> tensor<8xf32>
  %c1 = tosa.conv2d %x, %w1, %b1, %zp, %zp {acc_type = f32, pad = array<i64: 1, 1, 1, 1>, stride = array<i64: 1, 1>, dilation = array<i64: 1, 1>} : (tensor<4x8x8x1xf32>, tensor<8x3x3x1xf32>, tensor<8xf32>, tensor<1xf32>, tensor<1xf32>) -> tensor<4x8x8x8xf32> loc("conv1")
  %r1 = tosa.clamp %c1 {min_val = 0.0 : f32, max_val = 3.40282347E+38 : f32} : (tensor<4x8x8x8xf32>) -> tensor<4x8x8x8xf32> loc("relu1")
  %p1 = tosa.max_pool2d %r1 {kernel = array<i64: 2, 2>, stride = array<i64: 2, 2>, pad = array<i64: 0, 0, 0, 0>} : (tensor<4x8x8x8xf32>) -> tensor<4x4x4x8xf32> loc("pool1")
  %fs = tosa.const_shape {values = dense<[1, 4, 128]> : tensor<3xindex>} : () -> !tosa.shape<3>
  %f = tosa.reshape %p1, %fs : (tensor<4x4x4x8xf32>, !tosa.shape<3>) -> tensor<1x4x128xf32>
  %w2 = "tosa.const"() {values = dense<0.01> : tensor<1x128x10xf32>} : () -> tensor<1x128x10xf32>
  %m = tosa.matmul %f, %w2, %zp, %zp : (tensor<1x4x128xf32>, tensor<1x128x10xf32>, tensor<1xf32>, tensor<1xf32>) -> tensor<1x4x10xf32> loc("fc")
  %ms = tosa.const_shape {values = dense<[4, 10]> : tensor<2xindex>} : () -> !tosa.shape<2>
  %m2 = tosa.reshape %m, %ms : (tensor<1x4x10xf32>, !tosa.shape<2>) -> tensor<4x10xf32>
  %b2 = "tosa.const"() {values = dense<0.1> : tensor<1x10xf32>} : () -> tensor<1x10xf32>
  %y = tosa.add %m2, %b2 : (tensor<4x10xf32>, tensor<1x10xf32>) -> tensor<4x10xf32>
  return %y : tensor<4x10xf32>
}
