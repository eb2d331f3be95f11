// RUN: mp-opt %s --convert-mp-to-linalg | FileCheck %s
// RUN: mp-opt %s --convert-mp-to-linalg | FileCheck %s --check-prefix=NOMP

// COM: No mp op but mp.cast survives the conversion.
// NOMP-NOT: {{mp\.([^c]|c[^a])}}

//===----------------------------------------------------------------------===//
// Forward ops
//===----------------------------------------------------------------------===//

// CHECK-LABEL: func.func @conv2d_bias_stride2
//  CHECK-SAME:   (%[[X:.+]]: tensor<2x3x8x8xf32>, %[[W:.+]]: tensor<4x3x3x3xf32>, %[[B:.+]]: tensor<4xf32>)
//       CHECK:   %[[P:.+]] = tensor.pad %[[X]] low[0, 0, 1, 1] high[0, 0, 1, 1]
//       CHECK:   %[[INIT:.+]] = linalg.broadcast ins(%[[B]] : tensor<4xf32>) outs({{.*}} : tensor<2x4x4x4xf32>) dimensions = [0, 2, 3]
//       CHECK:   %[[Y:.+]] = linalg.conv_2d_nchw_fchw {dilations = dense<1> : tensor<2xi64>, strides = dense<2> : tensor<2xi64>} ins(%[[P]], %[[W]] : {{.*}}) outs(%[[INIT]] : tensor<2x4x4x4xf32>)
//       CHECK:   return %[[Y]]
func.func @conv2d_bias_stride2(%x: tensor<2x3x8x8xf32>, %w: tensor<4x3x3x3xf32>, %b: tensor<4xf32>) -> tensor<2x4x4x4xf32> {
  %y = mp.conv2d %x, %w, %b stride [2, 2] padding [1, 1] dilation [1, 1] groups 1 : (tensor<2x3x8x8xf32>, tensor<4x3x3x3xf32>, tensor<4xf32>) -> tensor<2x4x4x4xf32>
  return %y : tensor<2x4x4x4xf32>
}

// CHECK-LABEL: func.func @conv2d_dilated_no_padding
//   CHECK-NOT:   tensor.pad
//       CHECK:   linalg.fill
//       CHECK:   linalg.conv_2d_nchw_fchw {dilations = dense<2> : tensor<2xi64>, strides = dense<1> : tensor<2xi64>}
func.func @conv2d_dilated_no_padding(%x: tensor<1x2x7x7xf32>, %w: tensor<3x2x3x3xf32>) -> tensor<1x3x3x3xf32> {
  %y = mp.conv2d %x, %w stride [1, 1] padding [0, 0] dilation [2, 2] groups 1 : (tensor<1x2x7x7xf32>, tensor<3x2x3x3xf32>) -> tensor<1x3x3x3xf32>
  return %y : tensor<1x3x3x3xf32>
}

// CHECK-LABEL: func.func @conv2d_groups
//  CHECK-SAME:   (%[[X:.+]]: tensor<2x4x8x8xf32>, %[[W:.+]]: tensor<6x2x3x3xf32>)
//       CHECK:   %[[P:.+]] = tensor.pad %[[X]]
//   CHECK-DAG:   %[[X5:.+]] = tensor.expand_shape %[[P]] {{\[\[}}0], [1, 2], [3], [4]] output_shape [2, 2, 2, 10, 10]
//   CHECK-DAG:   %[[W5:.+]] = tensor.expand_shape %[[W]] {{\[\[}}0, 1], [2], [3], [4]] output_shape [2, 3, 2, 3, 3]
//       CHECK:   %[[Y5:.+]] = linalg.conv_2d_ngchw_gfchw {{.*}} ins(%[[X5]], %[[W5]] : tensor<2x2x2x10x10xf32>, tensor<2x3x2x3x3xf32>)
//       CHECK:   tensor.collapse_shape %[[Y5]] {{\[\[}}0], [1, 2], [3], [4]] : tensor<2x2x3x8x8xf32> into tensor<2x6x8x8xf32>
func.func @conv2d_groups(%x: tensor<2x4x8x8xf32>, %w: tensor<6x2x3x3xf32>) -> tensor<2x6x8x8xf32> {
  %y = mp.conv2d %x, %w stride [1, 1] padding [1, 1] dilation [1, 1] groups 2 : (tensor<2x4x8x8xf32>, tensor<6x2x3x3xf32>) -> tensor<2x6x8x8xf32>
  return %y : tensor<2x6x8x8xf32>
}

// CHECK-LABEL: func.func @conv2d_depthwise
//  CHECK-SAME:   (%[[X:.+]]: tensor<2x4x8x8xf32>, %[[W:.+]]: tensor<4x1x3x3xf32>)
//       CHECK:   %[[W3:.+]] = tensor.collapse_shape %[[W]] {{\[\[}}0, 1], [2], [3]] : tensor<4x1x3x3xf32> into tensor<4x3x3xf32>
//       CHECK:   linalg.depthwise_conv_2d_nchw_chw {{.*}} ins(%{{.+}}, %[[W3]] : tensor<2x4x10x10xf32>, tensor<4x3x3xf32>)
func.func @conv2d_depthwise(%x: tensor<2x4x8x8xf32>, %w: tensor<4x1x3x3xf32>) -> tensor<2x4x8x8xf32> {
  %y = mp.conv2d %x, %w stride [1, 1] padding [1, 1] dilation [1, 1] groups 4 : (tensor<2x4x8x8xf32>, tensor<4x1x3x3xf32>) -> tensor<2x4x8x8xf32>
  return %y : tensor<2x4x8x8xf32>
}

// CHECK-LABEL: func.func @linear
//  CHECK-SAME:   (%[[X:.+]]: tensor<8x16xf32>, %[[W:.+]]: tensor<10x16xf32>, %[[B:.+]]: tensor<10xf32>)
//       CHECK:   %[[INIT:.+]] = linalg.broadcast ins(%[[B]] : tensor<10xf32>) outs({{.*}}) dimensions = [0]
//       CHECK:   linalg.matmul indexing_maps = [#{{.+}}, #{{.+}}, #{{.+}}] ins(%[[X]], %[[W]] : tensor<8x16xf32>, tensor<10x16xf32>) outs(%[[INIT]] : tensor<8x10xf32>)
func.func @linear(%x: tensor<8x16xf32>, %w: tensor<10x16xf32>, %b: tensor<10xf32>) -> tensor<8x10xf32> {
  %y = mp.linear %x, %w, %b : (tensor<8x16xf32>, tensor<10x16xf32>, tensor<10xf32>) -> tensor<8x10xf32>
  return %y : tensor<8x10xf32>
}

// CHECK-LABEL: func.func @batch_norm
//  CHECK-SAME:   (%[[X:.+]]: tensor<8x4x2x2xf32>
// COM: Sum, mean, centred sum of squares, 1/sqrt(var + eps), running stats, output.
//       CHECK:   %[[SUM:.+]] = linalg.generic {{.*}} iterator_types = ["reduction", "parallel", "reduction", "reduction"]} ins(%[[X]] : tensor<8x4x2x2xf32>)
//       CHECK:   %[[MEAN:.+]] = linalg.generic {{.*}} ins(%[[SUM]] : tensor<4xf32>)
//       CHECK:     arith.divf
//       CHECK:   %[[SQ:.+]] = linalg.generic {{.*}} iterator_types = ["reduction", "parallel", "reduction", "reduction"]} ins(%[[X]], %[[MEAN]] : tensor<8x4x2x2xf32>, tensor<4xf32>)
//       CHECK:     arith.subf
//       CHECK:     arith.mulf
//       CHECK:   %[[INV:.+]] = linalg.generic {{.*}} ins(%[[SQ]] : tensor<4xf32>)
//       CHECK:     math.sqrt
//       CHECK:   %[[STATS:.+]]:2 = linalg.generic {{.*}} ins(%[[MEAN]], %[[SQ]], %{{.+}}, %{{.+}} :
//       CHECK:   %[[Y:.+]] = linalg.generic {{.*}} iterator_types = ["parallel", "parallel", "parallel", "parallel"]} ins(%[[X]], %[[MEAN]], %[[INV]], %{{.+}}, %{{.+}} :
//       CHECK:   return %[[Y]], %[[STATS]]#0, %[[STATS]]#1
func.func @batch_norm(%x: tensor<8x4x2x2xf32>, %g: tensor<4xf32>, %b: tensor<4xf32>, %m: tensor<4xf32>, %v: tensor<4xf32>) -> (tensor<8x4x2x2xf32>, tensor<4xf32>, tensor<4xf32>) {
  %y, %rm, %rv = mp.batch_norm %x, %g, %b, %m, %v eps 1.0e-05 momentum 0.1 : (tensor<8x4x2x2xf32>, tensor<4xf32>, tensor<4xf32>, tensor<4xf32>, tensor<4xf32>) -> (tensor<8x4x2x2xf32>, tensor<4xf32>, tensor<4xf32>)
  return %y, %rm, %rv : tensor<8x4x2x2xf32>, tensor<4xf32>, tensor<4xf32>
}

// CHECK-LABEL: func.func @batch_norm_inference
//       CHECK:   linalg.generic {{.*}} iterator_types = ["parallel", "parallel"]} ins({{.*}} : tensor<8x4xf32>, tensor<4xf32>, tensor<4xf32>, tensor<4xf32>, tensor<4xf32>)
//       CHECK:     math.sqrt
//       CHECK:     arith.divf
func.func @batch_norm_inference(%x: tensor<8x4xf32>, %g: tensor<4xf32>, %b: tensor<4xf32>, %m: tensor<4xf32>, %v: tensor<4xf32>) -> tensor<8x4xf32> {
  %y = mp.batch_norm_inference %x, %g, %b, %m, %v eps 1.0e-05 : (tensor<8x4xf32>, tensor<4xf32>, tensor<4xf32>, tensor<4xf32>, tensor<4xf32>) -> tensor<8x4xf32>
  return %y : tensor<8x4xf32>
}

// CHECK-LABEL: func.func @relu
//       CHECK:   linalg.generic
//       CHECK:     arith.maximumf
//   CHECK-NOT:     arith.minimumf
func.func @relu(%x: tensor<4x5xf32>) -> tensor<4x5xf32> {
  %y = mp.relu %x : tensor<4x5xf32>
  return %y : tensor<4x5xf32>
}

// CHECK-LABEL: func.func @relu6
//       CHECK:   linalg.generic
//       CHECK:     %[[M:.+]] = arith.maximumf
//       CHECK:     arith.minimumf %[[M]]
func.func @relu6(%x: tensor<4x5xf32>) -> tensor<4x5xf32> {
  %y = mp.relu6 %x : tensor<4x5xf32>
  return %y : tensor<4x5xf32>
}

// CHECK-LABEL: func.func @add
//  CHECK-SAME:   (%[[A:.+]]: tensor<2x3xf32>, %[[B:.+]]: tensor<2x3xf32>)
//       CHECK:   linalg.add ins(%[[A]], %[[B]] : tensor<2x3xf32>, tensor<2x3xf32>)
func.func @add(%a: tensor<2x3xf32>, %b: tensor<2x3xf32>) -> tensor<2x3xf32> {
  %y = mp.add %a, %b : tensor<2x3xf32>
  return %y : tensor<2x3xf32>
}

// CHECK-LABEL: func.func @mul
//  CHECK-SAME:   (%[[A:.+]]: tensor<2x3xf32>, %[[B:.+]]: tensor<2x3xf32>)
//       CHECK:   linalg.mul ins(%[[A]], %[[B]] : tensor<2x3xf32>, tensor<2x3xf32>)
func.func @mul(%a: tensor<2x3xf32>, %b: tensor<2x3xf32>) -> tensor<2x3xf32> {
  %y = mp.mul %a, %b : tensor<2x3xf32>
  return %y : tensor<2x3xf32>
}

// CHECK-LABEL: func.func @concat
//  CHECK-SAME:   (%[[A:.+]]: tensor<8x4x2x2xf32>, %[[B:.+]]: tensor<8x6x2x2xf32>)
//       CHECK:   %[[E:.+]] = tensor.empty() : tensor<8x10x2x2xf32>
//       CHECK:   %[[I:.+]] = tensor.insert_slice %[[A]] into %[[E]][0, 0, 0, 0] [8, 4, 2, 2] [1, 1, 1, 1]
//       CHECK:   tensor.insert_slice %[[B]] into %[[I]][0, 4, 0, 0] [8, 6, 2, 2] [1, 1, 1, 1]
func.func @concat(%a: tensor<8x4x2x2xf32>, %b: tensor<8x6x2x2xf32>) -> tensor<8x10x2x2xf32> {
  %y = mp.concat %a, %b axis 1 : (tensor<8x4x2x2xf32>, tensor<8x6x2x2xf32>) -> tensor<8x10x2x2xf32>
  return %y : tensor<8x10x2x2xf32>
}

// CHECK-LABEL: func.func @split
//  CHECK-SAME:   (%[[X:.+]]: tensor<8x10x2x2xf32>)
//       CHECK:   %[[A:.+]] = tensor.extract_slice %[[X]][0, 0, 0, 0] [8, 4, 2, 2] [1, 1, 1, 1]
//       CHECK:   %[[B:.+]] = tensor.extract_slice %[[X]][0, 4, 0, 0] [8, 6, 2, 2] [1, 1, 1, 1]
//       CHECK:   return %[[A]], %[[B]]
func.func @split(%x: tensor<8x10x2x2xf32>) -> (tensor<8x4x2x2xf32>, tensor<8x6x2x2xf32>) {
  %a, %b = mp.split %x axis 1 : (tensor<8x10x2x2xf32>) -> (tensor<8x4x2x2xf32>, tensor<8x6x2x2xf32>)
  return %a, %b : tensor<8x4x2x2xf32>, tensor<8x6x2x2xf32>
}

// CHECK-LABEL: func.func @channel_shuffle
//  CHECK-SAME:   (%[[X:.+]]: tensor<8x6x4x4xf32>)
//       CHECK:   %[[E:.+]] = tensor.expand_shape %[[X]] {{\[\[}}0], [1, 2], [3], [4]] output_shape [8, 2, 3, 4, 4]
//       CHECK:   %[[T:.+]] = linalg.transpose ins(%[[E]] : tensor<8x2x3x4x4xf32>) outs({{.*}} : tensor<8x3x2x4x4xf32>) permutation = [0, 2, 1, 3, 4]
//       CHECK:   tensor.collapse_shape %[[T]] {{\[\[}}0], [1, 2], [3], [4]] : tensor<8x3x2x4x4xf32> into tensor<8x6x4x4xf32>
func.func @channel_shuffle(%x: tensor<8x6x4x4xf32>) -> tensor<8x6x4x4xf32> {
  %y = mp.channel_shuffle %x groups 2 : tensor<8x6x4x4xf32>
  return %y : tensor<8x6x4x4xf32>
}

// CHECK-LABEL: func.func @reshape
//  CHECK-SAME:   (%[[X:.+]]: tensor<4x6x1x1xf32>)
//       CHECK:   %[[F:.+]] = tensor.collapse_shape %[[X]] {{\[\[}}0, 1, 2, 3]] : tensor<4x6x1x1xf32> into tensor<24xf32>
//       CHECK:   tensor.expand_shape %[[F]] {{\[\[}}0, 1]] output_shape [3, 8] : tensor<24xf32> into tensor<3x8xf32>
func.func @reshape(%x: tensor<4x6x1x1xf32>) -> tensor<3x8xf32> {
  %y = mp.reshape %x : tensor<4x6x1x1xf32> to tensor<3x8xf32>
  return %y : tensor<3x8xf32>
}

// CHECK-LABEL: func.func @max_pool2d
//  CHECK-SAME:   (%[[X:.+]]: tensor<2x3x8x8xf32>)
//       CHECK:   %[[NINF:.+]] = arith.constant 0xFF800000 : f32
//       CHECK:   %[[P:.+]] = tensor.pad %[[X]] low[0, 0, 1, 1] high[0, 0, 1, 1]
//       CHECK:     tensor.yield %[[NINF]]
//       CHECK:   %[[INIT:.+]] = linalg.fill ins(%[[NINF]] : f32)
//       CHECK:   %[[WIN:.+]] = tensor.empty() : tensor<3x3xf32>
//       CHECK:   linalg.pooling_nchw_max {dilations = dense<1> : tensor<2xi64>, strides = dense<2> : tensor<2xi64>} ins(%[[P]], %[[WIN]] : tensor<2x3x10x10xf32>, tensor<3x3xf32>) outs(%[[INIT]] : tensor<2x3x4x4xf32>)
func.func @max_pool2d(%x: tensor<2x3x8x8xf32>) -> tensor<2x3x4x4xf32> {
  %y = mp.max_pool2d %x kernel [3, 3] stride [2, 2] padding [1, 1] : tensor<2x3x8x8xf32> -> tensor<2x3x4x4xf32>
  return %y : tensor<2x3x4x4xf32>
}

// CHECK-LABEL: func.func @avg_pool2d
//       CHECK:   %[[S:.+]] = linalg.pooling_nchw_sum {dilations = dense<1> : tensor<2xi64>, strides = dense<1> : tensor<2xi64>}
//       CHECK:   linalg.generic {{.*}} ins(%[[S]] : tensor<2x3x7x7xf32>)
//       CHECK:     arith.divf %{{.+}}, %{{.+}} : f32
func.func @avg_pool2d(%x: tensor<2x3x8x8xf32>) -> tensor<2x3x7x7xf32> {
  %y = mp.avg_pool2d %x kernel [2, 2] stride [1, 1] padding [0, 0] : tensor<2x3x8x8xf32> -> tensor<2x3x7x7xf32>
  return %y : tensor<2x3x7x7xf32>
}

// CHECK-LABEL: func.func @global_avg_pool_4d
//       CHECK:   %[[S:.+]] = linalg.generic {{.*}} iterator_types = ["parallel", "parallel", "reduction", "reduction"]}
//       CHECK:   %[[M:.+]] = linalg.generic {{.*}} ins(%[[S]] : tensor<2x3xf32>)
//       CHECK:   tensor.expand_shape %[[M]] {{\[\[}}0], [1, 2, 3]] output_shape [2, 3, 1, 1]
func.func @global_avg_pool_4d(%x: tensor<2x3x4x4xf32>) -> tensor<2x3x1x1xf32> {
  %y = mp.global_avg_pool %x : tensor<2x3x4x4xf32> -> tensor<2x3x1x1xf32>
  return %y : tensor<2x3x1x1xf32>
}

// CHECK-LABEL: func.func @dropout
//  CHECK-SAME:   (%[[X:.+]]: tensor<4x5xf32>, %[[S:.+]]: tensor<i64>)
// COM: splitmix64 of seed + (index + 1) * golden gamma; drop iff the high
// COM: 32 bits are below round(0.25 * 2^32).
//       CHECK:   linalg.generic {{.*}} ins(%[[X]], %[[S]] : tensor<4x5xf32>, tensor<i64>)
//       CHECK:   ^bb0(%{{.+}}: f32, %[[SEED:.+]]: i64, %{{.+}}: f32):
//       CHECK:     linalg.index 0
//       CHECK:     linalg.index 1
//       CHECK:     %[[GAMMA:.+]] = arith.constant -7046029254386353131 : i64
//       CHECK:     %[[STEP:.+]] = arith.muli %{{.+}}, %[[GAMMA]] : i64
//       CHECK:     arith.addi %[[SEED]], %[[STEP]] : i64
//       CHECK:     %[[M1:.+]] = arith.constant -4658895280553007687 : i64
//       CHECK:     arith.muli %{{.+}}, %[[M1]] : i64
//       CHECK:     %[[M2:.+]] = arith.constant -7723592293110705685 : i64
//       CHECK:     arith.muli %{{.+}}, %[[M2]] : i64
//       CHECK:     %[[THR:.+]] = arith.constant 1073741824 : i64
//       CHECK:     arith.cmpi uge, %{{.+}}, %[[THR]] : i64
//       CHECK:     arith.select
func.func @dropout(%x: tensor<4x5xf32>, %s: tensor<i64>) -> tensor<4x5xf32> {
  %y = mp.dropout %x, %s ratio 2.5e-01 : (tensor<4x5xf32>, tensor<i64>) -> tensor<4x5xf32>
  return %y : tensor<4x5xf32>
}

// CHECK-LABEL: func.func @log_softmax
//       CHECK:   %[[MAX:.+]] = linalg.generic {{.*}} iterator_types = ["parallel", "reduction"]}
//       CHECK:     arith.maximumf
//       CHECK:   %[[SUM:.+]] = linalg.generic {{.*}} ins(%{{.+}}, %[[MAX]] : tensor<4x10xf32>, tensor<4xf32>)
//       CHECK:     arith.subf
//       CHECK:     math.exp
//       CHECK:   linalg.generic {{.*}} ins(%{{.+}}, %[[MAX]], %[[SUM]] :
//       CHECK:     math.log
func.func @log_softmax(%x: tensor<4x10xf32>) -> tensor<4x10xf32> {
  %y = mp.log_softmax %x : tensor<4x10xf32>
  return %y : tensor<4x10xf32>
}

// CHECK-LABEL: func.func @nll_loss
//       CHECK:   %[[S:.+]] = linalg.generic {{.*}} iterator_types = ["reduction", "reduction"]} ins({{.*}} : tensor<4x10xf32>, tensor<4xi32>) outs({{.*}} : tensor<f32>)
//       CHECK:     arith.extsi
//       CHECK:   linalg.generic {{.*}} ins(%[[S]] : tensor<f32>)
//       CHECK:     arith.negf
func.func @nll_loss(%x: tensor<4x10xf32>, %l: tensor<4xi32>) -> tensor<f32> {
  %y = mp.nll_loss %x, %l : (tensor<4x10xf32>, tensor<4xi32>) -> tensor<f32>
  return %y : tensor<f32>
}

// CHECK-LABEL: func.func @count_correct
//       CHECK:   %[[AM:.+]]:2 = linalg.generic {{.*}} iterator_types = ["parallel", "reduction"]} ins(%{{.+}} : tensor<4x10xf32>) outs({{.*}} : tensor<4xf32>, tensor<4xi64>)
//       CHECK:     arith.cmpf uno
//       CHECK:   linalg.generic {{.*}} ins(%[[AM]]#1, %{{.+}} : tensor<4xi64>, tensor<4xi64>) outs({{.*}} : tensor<i64>)
func.func @count_correct(%x: tensor<4x10xf32>, %l: tensor<4xi64>) -> tensor<i64> {
  %c = mp.count_correct %x, %l : (tensor<4x10xf32>, tensor<4xi64>) -> tensor<i64>
  return %c : tensor<i64>
}

//===----------------------------------------------------------------------===//
// Backward ops
//===----------------------------------------------------------------------===//

// COM: (8 + 2 - 3) % 2 != 0: dy is scattered with stride 2 into zeros at
// COM: offset d*(k-1) - p = 1, convolved with the flipped, transposed weight.
// CHECK-LABEL: func.func @conv2d_input_grad_stride2
//  CHECK-SAME:   (%[[DY:.+]]: tensor<2x4x4x4xf32>, %[[W:.+]]: tensor<4x3x3x3xf32>)
//       CHECK:   %[[Z:.+]] = linalg.fill {{.*}} -> tensor<2x4x10x10xf32>
//       CHECK:   %[[D:.+]] = tensor.insert_slice %[[DY]] into %[[Z]][0, 0, 1, 1] [2, 4, 4, 4] [1, 1, 2, 2]
//       CHECK:   %[[WT5:.+]] = linalg.generic {{.*}} ins(%[[W]] : tensor<4x3x3x3xf32>) outs({{.*}} : tensor<1x3x4x3x3xf32>)
//       CHECK:   %[[WT:.+]] = tensor.collapse_shape %[[WT5]] {{.*}} into tensor<3x4x3x3xf32>
//       CHECK:   linalg.conv_2d_nchw_fchw {dilations = dense<1> : tensor<2xi64>, strides = dense<1> : tensor<2xi64>} ins(%[[D]], %[[WT]] : tensor<2x4x10x10xf32>, tensor<3x4x3x3xf32>) outs({{.*}} : tensor<2x3x8x8xf32>)
func.func @conv2d_input_grad_stride2(%dy: tensor<2x4x4x4xf32>, %w: tensor<4x3x3x3xf32>) -> tensor<2x3x8x8xf32> {
  %dx = mp.conv2d_input_grad %dy, %w stride [2, 2] padding [1, 1] dilation [1, 1] groups 1 : (tensor<2x4x4x4xf32>, tensor<4x3x3x3xf32>) -> tensor<2x3x8x8xf32>
  return %dx : tensor<2x3x8x8xf32>
}

// COM: Stride 1: a plain tensor.pad; groups: the grouped convolution.
// CHECK-LABEL: func.func @conv2d_input_grad_groups
//       CHECK:   tensor.pad %{{.+}} low[0, 0, 1, 1] high[0, 0, 1, 1]
//       CHECK:   linalg.generic {{.*}} outs({{.*}} : tensor<2x2x3x3x3xf32>)
//       CHECK:   linalg.conv_2d_ngchw_gfchw
func.func @conv2d_input_grad_groups(%dy: tensor<2x6x8x8xf32>, %w: tensor<6x2x3x3xf32>) -> tensor<2x4x8x8xf32> {
  %dx = mp.conv2d_input_grad %dy, %w stride [1, 1] padding [1, 1] dilation [1, 1] groups 2 : (tensor<2x6x8x8xf32>, tensor<6x2x3x3xf32>) -> tensor<2x4x8x8xf32>
  return %dx : tensor<2x4x8x8xf32>
}

// COM: Padding beyond the kernel's reach: dy rows that only read padding are
// COM: cut off before the scatter.
// CHECK-LABEL: func.func @conv2d_input_grad_crop
//  CHECK-SAME:   (%[[DY:.+]]: tensor<1x3x4x6xf32>
//       CHECK:   %[[K:.+]] = tensor.extract_slice %[[DY]][0, 0, 1, 2] [1, 3, 2, 2] [1, 1, 1, 1]
//       CHECK:   tensor.insert_slice %[[K]] into %{{.+}}[0, 0, 1, 0] [1, 3, 2, 2] [1, 1, 2, 1]
//       CHECK:   linalg.conv_2d_nchw_fchw
func.func @conv2d_input_grad_crop(%dy: tensor<1x3x4x6xf32>, %w: tensor<3x2x1x1xf32>) -> tensor<1x2x5x2xf32> {
  %dx = mp.conv2d_input_grad %dy, %w stride [2, 1] padding [1, 2] dilation [1, 1] groups 1 : (tensor<1x3x4x6xf32>, tensor<3x2x1x1xf32>) -> tensor<1x2x5x2xf32>
  return %dx : tensor<1x2x5x2xf32>
}

// CHECK-LABEL: func.func @conv2d_weight_grad
//  CHECK-SAME:   (%[[DY:.+]]: tensor<2x4x4x4xf32>, %[[X:.+]]: tensor<2x3x8x8xf32>)
//       CHECK:   %[[P:.+]] = tensor.pad %[[X]] low[0, 0, 1, 1] high[0, 0, 1, 1]
//       CHECK:   %[[U:.+]] = tensor.extract_slice %[[P]][0, 0, 0, 0] [2, 3, 9, 9] [1, 1, 1, 1]
//       CHECK:   %[[XT:.+]] = linalg.transpose ins(%[[U]] : tensor<2x3x9x9xf32>) {{.*}} permutation = [1, 0, 2, 3]
//       CHECK:   %[[DT:.+]] = linalg.transpose ins(%[[DY]] : tensor<2x4x4x4xf32>) {{.*}} permutation = [1, 0, 2, 3]
//       CHECK:   %[[O:.+]] = linalg.conv_2d_nchw_fchw {dilations = dense<2> : tensor<2xi64>, strides = dense<1> : tensor<2xi64>} ins(%[[XT]], %[[DT]] : tensor<3x2x9x9xf32>, tensor<4x2x4x4xf32>) outs({{.*}} : tensor<3x4x3x3xf32>)
//       CHECK:   linalg.transpose ins(%[[O]] : tensor<3x4x3x3xf32>) {{.*}} permutation = [1, 0, 2, 3]
func.func @conv2d_weight_grad(%dy: tensor<2x4x4x4xf32>, %x: tensor<2x3x8x8xf32>) -> tensor<4x3x3x3xf32> {
  %dw = mp.conv2d_weight_grad %dy, %x stride [2, 2] padding [1, 1] dilation [1, 1] groups 1 : (tensor<2x4x4x4xf32>, tensor<2x3x8x8xf32>) -> tensor<4x3x3x3xf32>
  return %dw : tensor<4x3x3x3xf32>
}

// CHECK-LABEL: func.func @conv2d_weight_grad_depthwise
//       CHECK:   linalg.transpose {{.*}} permutation = [2, 1, 0, 3, 4]
//       CHECK:   linalg.transpose {{.*}} permutation = [1, 2, 0, 3, 4]
//       CHECK:   %[[O:.+]] = linalg.conv_2d_ngchw_gfchw {{.*}} outs({{.*}} : tensor<1x4x1x3x3xf32>)
//       CHECK:   %[[T:.+]] = linalg.transpose ins(%[[O]] : tensor<1x4x1x3x3xf32>) {{.*}} permutation = [1, 2, 0, 3, 4]
//       CHECK:   tensor.collapse_shape %[[T]] {{.*}} into tensor<4x1x3x3xf32>
func.func @conv2d_weight_grad_depthwise(%dy: tensor<2x4x8x8xf32>, %x: tensor<2x4x8x8xf32>) -> tensor<4x1x3x3xf32> {
  %dw = mp.conv2d_weight_grad %dy, %x stride [1, 1] padding [1, 1] dilation [1, 1] groups 4 : (tensor<2x4x8x8xf32>, tensor<2x4x8x8xf32>) -> tensor<4x1x3x3xf32>
  return %dw : tensor<4x1x3x3xf32>
}

// CHECK-LABEL: func.func @bias_grad
//  CHECK-SAME:   (%[[DY:.+]]: tensor<8x16x4x4xf32>)
//       CHECK:   linalg.reduce { arith.addf } ins(%[[DY]] : tensor<8x16x4x4xf32>) outs({{.*}} : tensor<16xf32>) dimensions = [0, 2, 3]
func.func @bias_grad(%dy: tensor<8x16x4x4xf32>) -> tensor<16xf32> {
  %db = mp.bias_grad %dy : tensor<8x16x4x4xf32> -> tensor<16xf32>
  return %db : tensor<16xf32>
}

// CHECK-LABEL: func.func @linear_input_grad
//  CHECK-SAME:   (%[[DY:.+]]: tensor<8x10xf32>, %[[W:.+]]: tensor<10x16xf32>)
//       CHECK:   linalg.matmul ins(%[[DY]], %[[W]] : tensor<8x10xf32>, tensor<10x16xf32>) outs({{.*}} : tensor<8x16xf32>)
func.func @linear_input_grad(%dy: tensor<8x10xf32>, %w: tensor<10x16xf32>) -> tensor<8x16xf32> {
  %dx = mp.linear_input_grad %dy, %w : (tensor<8x10xf32>, tensor<10x16xf32>) -> tensor<8x16xf32>
  return %dx : tensor<8x16xf32>
}

// CHECK-LABEL: func.func @linear_weight_grad
//  CHECK-SAME:   (%[[DY:.+]]: tensor<8x10xf32>, %[[X:.+]]: tensor<8x16xf32>)
//       CHECK:   linalg.matmul indexing_maps = [#{{.+}}, #{{.+}}, #{{.+}}] ins(%[[DY]], %[[X]] : tensor<8x10xf32>, tensor<8x16xf32>) outs({{.*}} : tensor<10x16xf32>)
func.func @linear_weight_grad(%dy: tensor<8x10xf32>, %x: tensor<8x16xf32>) -> tensor<10x16xf32> {
  %dw = mp.linear_weight_grad %dy, %x : (tensor<8x10xf32>, tensor<8x16xf32>) -> tensor<10x16xf32>
  return %dw : tensor<10x16xf32>
}

// CHECK-LABEL: func.func @batch_norm_grad
//       CHECK:   %[[DS:.+]]:2 = linalg.generic {{.*}} iterator_types = ["reduction", "parallel", "reduction", "reduction"]} ins({{.*}}) outs({{.*}} : tensor<4xf32>, tensor<4xf32>)
//       CHECK:   %[[DX:.+]] = linalg.generic {{.*}} iterator_types = ["parallel", "parallel", "parallel", "parallel"]} ins({{.*}}, %[[DS]]#0, %[[DS]]#1 :
//       CHECK:   return %[[DX]], %[[DS]]#1, %[[DS]]#0
func.func @batch_norm_grad(%dy: tensor<8x4x2x2xf32>, %x: tensor<8x4x2x2xf32>, %g: tensor<4xf32>) -> (tensor<8x4x2x2xf32>, tensor<4xf32>, tensor<4xf32>) {
  %dx, %dg, %db = mp.batch_norm_grad %dy, %x, %g eps 1.0e-05 : (tensor<8x4x2x2xf32>, tensor<8x4x2x2xf32>, tensor<4xf32>) -> (tensor<8x4x2x2xf32>, tensor<4xf32>, tensor<4xf32>)
  return %dx, %dg, %db : tensor<8x4x2x2xf32>, tensor<4xf32>, tensor<4xf32>
}

// CHECK-LABEL: func.func @relu_grad
//       CHECK:   linalg.generic
//       CHECK:     arith.cmpf ogt
//       CHECK:     arith.select
func.func @relu_grad(%dy: tensor<4x5xf32>, %x: tensor<4x5xf32>) -> tensor<4x5xf32> {
  %dx = mp.relu_grad %dy, %x : tensor<4x5xf32>
  return %dx : tensor<4x5xf32>
}

// CHECK-LABEL: func.func @relu6_grad
//       CHECK:   linalg.generic
//       CHECK:     arith.cmpf ogt
//       CHECK:     arith.cmpf olt
//       CHECK:     arith.select
func.func @relu6_grad(%dy: tensor<4x5xf32>, %x: tensor<4x5xf32>) -> tensor<4x5xf32> {
  %dx = mp.relu6_grad %dy, %x : tensor<4x5xf32>
  return %dx : tensor<4x5xf32>
}

// COM: Arg-max per window (a shape-only operand gives the window extent),
// COM: then one strided scatter-add per window position, then the crop.
// COM: The winning position is an i8 (the 3x3 window has 9).
// CHECK-LABEL: func.func @max_pool2d_grad
//       CHECK:   %[[AM:.+]]:2 = linalg.generic {{.*}} iterator_types = ["parallel", "parallel", "parallel", "parallel", "reduction", "reduction"]} ins({{.*}} : tensor<2x3x10x10xf32>, tensor<3x3xf32>)
//       CHECK:   %[[S0:.+]] = tensor.extract_slice %{{.+}}[0, 0, 0, 0] [2, 3, 4, 4] [1, 1, 2, 2]
//       CHECK:   %[[A0:.+]] = linalg.generic {{.*}} ins(%{{.+}}, %[[AM]]#1 : tensor<2x3x4x4xf32>, tensor<2x3x4x4xi8>) outs(%[[S0]] : tensor<2x3x4x4xf32>)
//       CHECK:   tensor.insert_slice %[[A0]] into %{{.+}}[0, 0, 0, 0] [2, 3, 4, 4] [1, 1, 2, 2]
//       CHECK:   tensor.insert_slice %{{.+}} into %{{.+}}[0, 0, 2, 2] [2, 3, 4, 4] [1, 1, 2, 2]
//       CHECK:   %[[DX:.+]] = tensor.extract_slice %{{.+}}[0, 0, 1, 1] [2, 3, 8, 8] [1, 1, 1, 1]
//       CHECK:   return %[[DX]]
func.func @max_pool2d_grad(%dy: tensor<2x3x4x4xf32>, %x: tensor<2x3x8x8xf32>) -> tensor<2x3x8x8xf32> {
  %dx = mp.max_pool2d_grad %dy, %x kernel [3, 3] stride [2, 2] padding [1, 1] : (tensor<2x3x4x4xf32>, tensor<2x3x8x8xf32>) -> tensor<2x3x8x8xf32>
  return %dx : tensor<2x3x8x8xf32>
}

// CHECK-LABEL: func.func @avg_pool2d_grad
//       CHECK:   %[[SH:.+]] = linalg.generic
//       CHECK:     arith.divf
//       CHECK:   tensor.extract_slice %{{.+}}[0, 0, 0, 0] [8, 4, 4, 4] [1, 1, 2, 2]
//       CHECK:   linalg.generic {{.*}} ins(%[[SH]] : tensor<8x4x4x4xf32>)
//       CHECK:   tensor.insert_slice %{{.+}} into %{{.+}}[0, 0, 1, 1] [8, 4, 4, 4] [1, 1, 2, 2]
//   CHECK-NOT:   tensor.insert_slice
//       CHECK:   return
func.func @avg_pool2d_grad(%dy: tensor<8x4x4x4xf32>) -> tensor<8x4x8x8xf32> {
  %dx = mp.avg_pool2d_grad %dy kernel [2, 2] stride [2, 2] padding [0, 0] : tensor<8x4x4x4xf32> -> tensor<8x4x8x8xf32>
  return %dx : tensor<8x4x8x8xf32>
}

// CHECK-LABEL: func.func @global_avg_pool_grad
//  CHECK-SAME:   (%[[DY:.+]]: tensor<8x4x1x1xf32>)
//       CHECK:   %[[C:.+]] = tensor.collapse_shape %[[DY]] {{\[\[}}0], [1, 2, 3]] : tensor<8x4x1x1xf32> into tensor<8x4xf32>
//       CHECK:   linalg.generic {{.*}} ins(%[[C]] : tensor<8x4xf32>) outs({{.*}} : tensor<8x4x2x2xf32>)
func.func @global_avg_pool_grad(%dy: tensor<8x4x1x1xf32>) -> tensor<8x4x2x2xf32> {
  %dx = mp.global_avg_pool_grad %dy : tensor<8x4x1x1xf32> -> tensor<8x4x2x2xf32>
  return %dx : tensor<8x4x2x2xf32>
}

// COM: Same hash constants and threshold as the forward op.
// CHECK-LABEL: func.func @dropout_grad
//       CHECK:   linalg.generic
//       CHECK:     arith.constant -7046029254386353131 : i64
//       CHECK:     arith.constant 2147483648 : i64
//       CHECK:     arith.cmpi uge
func.func @dropout_grad(%dy: tensor<4x5xf32>, %s: tensor<i64>) -> tensor<4x5xf32> {
  %dx = mp.dropout_grad %dy, %s ratio 5.0e-01 : (tensor<4x5xf32>, tensor<i64>) -> tensor<4x5xf32>
  return %dx : tensor<4x5xf32>
}

// CHECK-LABEL: func.func @log_softmax_grad
//       CHECK:   %[[S:.+]] = linalg.generic {{.*}} iterator_types = ["parallel", "reduction"]}
//       CHECK:   linalg.generic {{.*}} ins(%{{.+}}, %{{.+}}, %[[S]] :
//       CHECK:     math.exp
func.func @log_softmax_grad(%dy: tensor<4x10xf32>, %y: tensor<4x10xf32>) -> tensor<4x10xf32> {
  %dx = mp.log_softmax_grad %dy, %y : tensor<4x10xf32>
  return %dx : tensor<4x10xf32>
}

// CHECK-LABEL: func.func @nll_loss_grad
//       CHECK:   linalg.generic {{.*}} ins(%{{.+}}, %{{.+}} : tensor<f32>, tensor<4xi64>) outs({{.*}} : tensor<4x10xf32>)
//       CHECK:     linalg.index 1
//       CHECK:     arith.cmpi eq
func.func @nll_loss_grad(%g: tensor<f32>, %l: tensor<4xi64>) -> tensor<4x10xf32> {
  %dx = mp.nll_loss_grad %g, %l : (tensor<f32>, tensor<4xi64>) -> tensor<4x10xf32>
  return %dx : tensor<4x10xf32>
}

// CHECK-LABEL: func.func @grad_sum
//  CHECK-SAME:   (%[[A:.+]]: tensor<2x3xf32>, %[[B:.+]]: tensor<2x3xf32>, %[[C:.+]]: tensor<2x3xf32>)
//       CHECK:   linalg.generic {{.*}} ins(%[[A]], %[[B]], %[[C]] :
//       CHECK:     arith.addf
//       CHECK:     arith.addf
func.func @grad_sum(%a: tensor<2x3xf32>, %b: tensor<2x3xf32>, %c: tensor<2x3xf32>) -> tensor<2x3xf32> {
  %g = mp.grad_sum %a, %b, %c for %a : tensor<2x3xf32>
  return %g : tensor<2x3xf32>
}

// CHECK-LABEL: func.func @grad_sum_single
//  CHECK-SAME:   (%[[A:.+]]: tensor<2x3xf32>, %{{.+}}: tensor<2x3xf32>)
//  CHECK-NEXT:   return %[[A]]
func.func @grad_sum_single(%a: tensor<2x3xf32>, %x: tensor<2x3xf32>) -> tensor<2x3xf32> {
  %g = mp.grad_sum %a for %x : tensor<2x3xf32>
  return %g : tensor<2x3xf32>
}

//===----------------------------------------------------------------------===//
// Optimizer ops
//===----------------------------------------------------------------------===//

// CHECK-LABEL: func.func @sgd_nesterov_scaled
//  CHECK-SAME:   (%[[P:.+]]: tensor<4x3xf32>, %[[G:.+]]: tensor<4x3xf32>, %[[M:.+]]: tensor<4x3xf32>, %[[LR:.+]]: tensor<f32>, %[[S:.+]]: tensor<f32>)
//       CHECK:   %[[R:.+]]:2 = linalg.generic {{.*}} ins(%[[P]], %[[G]], %[[M]], %[[LR]], %[[S]] : {{.*}}) outs({{.*}} : tensor<4x3xf32>, tensor<4x3xf32>)
//       CHECK:     arith.divf
//       CHECK:   return %[[R]]#0, %[[R]]#1
func.func @sgd_nesterov_scaled(%p: tensor<4x3xf32>, %g: tensor<4x3xf32>, %m: tensor<4x3xf32>, %lr: tensor<f32>, %s: tensor<f32>) -> (tensor<4x3xf32>, tensor<4x3xf32>) {
  %p2, %m2 = mp.sgd %p, %g, %m, %lr grad_scale %s momentum 9.0e-01 weight_decay 5.0e-04 nesterov : (tensor<4x3xf32>, tensor<4x3xf32>, tensor<4x3xf32>, tensor<f32>, tensor<f32>) -> (tensor<4x3xf32>, tensor<4x3xf32>)
  return %p2, %m2 : tensor<4x3xf32>, tensor<4x3xf32>
}

// COM: Without momentum the new buffer is the (decayed) gradient itself.
// CHECK-LABEL: func.func @sgd_plain
//       CHECK:   linalg.generic
//   CHECK-NOT:     arith.divf
//       CHECK:     %[[D:.+]] = arith.mulf
//       CHECK:     %[[NP:.+]] = arith.subf %{{.+}}, %[[D]]
//       CHECK:     linalg.yield %[[NP]], %{{.+}} : f32, f32
func.func @sgd_plain(%p: tensor<4x3xf32>, %g: tensor<4x3xf32>, %m: tensor<4x3xf32>, %lr: tensor<f32>) -> (tensor<4x3xf32>, tensor<4x3xf32>) {
  %p2, %m2 = mp.sgd %p, %g, %m, %lr momentum 0.0 weight_decay 0.0 : (tensor<4x3xf32>, tensor<4x3xf32>, tensor<4x3xf32>, tensor<f32>) -> (tensor<4x3xf32>, tensor<4x3xf32>)
  return %p2, %m2 : tensor<4x3xf32>, tensor<4x3xf32>
}

// CHECK-LABEL: func.func @all_finite
//  CHECK-SAME:   (%[[A:.+]]: tensor<16x4x3x3xf32>, %[[B:.+]]: tensor<16xf32>)
//       CHECK:   %[[T:.+]] = linalg.fill ins(%{{.+}} : i1) outs(%{{.+}} : tensor<i1>)
//       CHECK:   %[[RA:.+]] = linalg.generic {{.*}} ins(%[[A]] : tensor<16x4x3x3xf32>) outs(%[[T]] : tensor<i1>)
//       CHECK:     arith.bitcast %{{.+}} : f32 to i32
//       CHECK:   %[[RB:.+]] = linalg.generic {{.*}} ins(%[[B]] : tensor<16xf32>) outs(%[[RA]] : tensor<i1>)
//       CHECK:   return %[[RB]]
func.func @all_finite(%a: tensor<16x4x3x3xf32>, %b: tensor<16xf32>) -> tensor<i1> {
  %ok = mp.all_finite %a, %b : (tensor<16x4x3x3xf32>, tensor<16xf32>) -> tensor<i1>
  return %ok : tensor<i1>
}

//===----------------------------------------------------------------------===//
// mp.cast is left for mp-lower-casts
//===----------------------------------------------------------------------===//

// CHECK-LABEL: func.func @cast_is_kept
//       CHECK:   %[[C:.+]] = mp.cast %{{.+}} to <e4m3> : tensor<4x8xf32>
//       CHECK:   linalg.generic {{.*}} ins(%[[C]] : tensor<4x8xf32>)
func.func @cast_is_kept(%x: tensor<4x8xf32>) -> tensor<4x8xf32> {
  %c = mp.cast %x to <e4m3> : tensor<4x8xf32>
  %y = mp.relu %c : tensor<4x8xf32>
  return %y : tensor<4x8xf32>
}
