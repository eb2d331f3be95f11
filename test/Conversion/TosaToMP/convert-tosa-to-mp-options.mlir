// Licensed under the Apache License v2.0 with LLVM Exceptions.
// SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
//
// input-layout: nchw takes a 4-D input as it is, nhwc transposes it to an
// NCHW argument, auto (the default) picks nchw only when every use is a
// tosa.transpose to NHWC.
// RUN: mp-opt %s --convert-tosa-to-mp=input-layout=nchw | FileCheck %s --check-prefix=NCHW
// RUN: mp-opt %s --convert-tosa-to-mp | FileCheck %s --check-prefix=NCHW
// RUN: not mp-opt %s --convert-tosa-to-mp=input-layout=nhwc 2>&1 | FileCheck %s --check-prefix=NHWC
//
// weights-dir writes one .npy per parameter, in mp layout.
// RUN: rm -rf %t && mp-opt %s --convert-tosa-to-mp="weights-dir=%t/w" -o /dev/null
// RUN: ls %t/w | FileCheck %s --check-prefix=FILES
//
// Bad options and inputs.
// RUN: not mp-opt %s --convert-tosa-to-mp=input-layout=nwhc 2>&1 | FileCheck %s --check-prefix=LAYOUT
// RUN: not mp-opt %s --convert-tosa-to-mp="weights-dir=%s/not-a-dir" 2>&1 | FileCheck %s --check-prefix=WDIR
// RUN: not mp-opt %examples/small_cnn.mlir --convert-tosa-to-mp 2>&1 | FileCheck %s --check-prefix=NOTOSA
// A name location with a '/' is escaped in the file name (the naming rule
// of checkpoints and the ONNX importer), not taken as a subdirectory.
// RUN: sed 's/tosa.matmul \(.*\)$/tosa.matmul \1 loc("sub\/fc")/' %s > %t.sub.mlir
// RUN: mp-opt %t.sub.mlir --convert-tosa-to-mp="weights-dir=%t/w2" -o /dev/null
// RUN: ls %t/w2 | FileCheck %s --check-prefix=ESCAPED

// NCHW: func.func @net(%[[X:[^:]+]]: tensor<2x3x4x4xf32> {mp.name = "input"
// NCHW-NOT: tosa.
// NCHW: mp.max_pool2d %[[X]] kernel [4, 4] stride [4, 4] padding [0, 0] {mp.name = "maxpool0"} : tensor<2x3x4x4xf32> -> tensor<2x3x1x1xf32>
// NCHW: mp.reshape %{{.+}} : tensor<2x3x1x1xf32> to tensor<2x3xf32>
// NCHW: mp.linear %{{.+}} : (tensor<2x3xf32>, tensor<5x3xf32>, tensor<5xf32>) -> tensor<2x5xf32>
// NHWC: error: cannot import 'tosa.max_pool2d': its input is needed transposed by [0, 3, 1, 2]
// FILES: weight@linear0.bias.npy
// FILES-NEXT: weight@linear0.weight.npy
// LAYOUT: error: unknown input-layout 'nwhc'; expected auto, nhwc or nchw
// WDIR: error: cannot create weights-dir '{{.*}}not-a-dir': {{.+}}
// NOTOSA: error: convert-tosa-to-mp: no function holds TOSA ops
// ESCAPED: weight@sub%2Ffc.bias.npy
// ESCAPED-NEXT: weight@sub%2Ffc.weight.npy
func.func @net(%x: tensor<2x3x4x4xf32>) -> tensor<2x5xf32> {
  %zp = "tosa.const"() {values = dense<0.0> : tensor<1xf32>} : () -> tensor<1xf32>
  %t = tosa.transpose %x {perms = array<i32: 0, 2, 3, 1>} : (tensor<2x3x4x4xf32>) -> tensor<2x4x4x3xf32>
  %p = tosa.max_pool2d %t {kernel = array<i64: 4, 4>, stride = array<i64: 4, 4>, pad = array<i64: 0, 0, 0, 0>} : (tensor<2x4x4x3xf32>) -> tensor<2x1x1x3xf32>
  %sa = tosa.const_shape {values = dense<[1, 2, 3]> : tensor<3xindex>} : () -> !tosa.shape<3>
  %a = tosa.reshape %p, %sa : (tensor<2x1x1x3xf32>, !tosa.shape<3>) -> tensor<1x2x3xf32>
  %w = "tosa.const"() {values = dense<0.5> : tensor<1x3x5xf32>} : () -> tensor<1x3x5xf32>
  %m = tosa.matmul %a, %w, %zp, %zp : (tensor<1x2x3xf32>, tensor<1x3x5xf32>, tensor<1xf32>, tensor<1xf32>) -> tensor<1x2x5xf32>
  %s = tosa.const_shape {values = dense<[2, 5]> : tensor<2xindex>} : () -> !tosa.shape<2>
  %y = tosa.reshape %m, %s : (tensor<1x2x5xf32>, !tosa.shape<2>) -> tensor<2x5xf32>
  %b = "tosa.const"() {values = dense<[[1.0, 2.0, 3.0, 4.0, 5.0]]> : tensor<1x5xf32>} : () -> tensor<1x5xf32>
  %z = tosa.add %y, %b : (tensor<2x5xf32>, tensor<1x5xf32>) -> tensor<2x5xf32>
  return %z : tensor<2x5xf32>
}
