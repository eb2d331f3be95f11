// Licensed under the Apache License v2.0 with LLVM Exceptions.
// SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
//
// Upstream mlir-opt imports a TOSA graph with the plugin's
// convert-tosa-to-mp and builds its training step, with the same result as
// mp-opt.

// RUN: mlir-opt --load-dialect-plugin=%mp_plugin --load-pass-plugin=%mp_plugin %s \
// RUN:   --pass-pipeline="builtin.module(convert-tosa-to-mp, mp-build-training-step)" -o %t.plugin.mlir
// RUN: mp-opt %s --convert-tosa-to-mp --mp-build-training-step -o %t.mp-opt.mlir
// RUN: diff %t.plugin.mlir %t.mp-opt.mlir
// RUN: FileCheck %s < %t.plugin.mlir

// CHECK-LABEL: func.func @net(
//  CHECK-SAME:   tensor<2x3x4x4xf32> {mp.name = "input", mp.role = #mp.role<input>}
//  CHECK-SAME:   tensor<5x3x3x3xf32> {mp.name = "conv0.weight", mp.role = #mp.role<weight>}
//       CHECK:   mp.conv2d
// CHECK-LABEL: func.func @net_train_step(
func.func @net(%x: tensor<2x4x4x3xf32>) -> tensor<2x5xf32> {
  %w = "tosa.const"() {values = dense<0.5> : tensor<5x3x3x3xf32>} : () -> tensor<5x3x3x3xf32>
  %b = "tosa.const"() {values = dense<0.0> : tensor<5xf32>} : () -> tensor<5xf32>
  %zp = "tosa.const"() {values = dense<0.0> : tensor<1xf32>} : () -> tensor<1xf32>
  %c = tosa.conv2d %x, %w, %b, %zp, %zp {acc_type = f32, pad = array<i64: 1, 1, 1, 1>, stride = array<i64: 1, 1>, dilation = array<i64: 1, 1>} : (tensor<2x4x4x3xf32>, tensor<5x3x3x3xf32>, tensor<5xf32>, tensor<1xf32>, tensor<1xf32>) -> tensor<2x4x4x5xf32>
  %p = tosa.max_pool2d %c {kernel = array<i64: 4, 4>, stride = array<i64: 4, 4>, pad = array<i64: 0, 0, 0, 0>} : (tensor<2x4x4x5xf32>) -> tensor<2x1x1x5xf32>
  %s = tosa.const_shape {values = dense<[2, 5]> : tensor<2xindex>} : () -> !tosa.shape<2>
  %y = tosa.reshape %p, %s : (tensor<2x1x1x5xf32>, !tosa.shape<2>) -> tensor<2x5xf32>
  return %y : tensor<2x5xf32>
}
