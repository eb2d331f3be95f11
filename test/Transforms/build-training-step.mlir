// RUN: mp-opt %s --mp-build-training-step | FileCheck %s
// RUN: mp-opt %s --mp-build-training-step="loss-scaling=dynamic nesterov=true momentum=0.5 weight-decay=0.0" | FileCheck %s --check-prefix=DYN

// A conv -> bn -> relu with a residual join (the conv output has two uses),
// global pooling, linear and the loss.
func.func @net(%x: tensor<4x1x6x6xf32> {mp.role = #mp.role<input>, mp.name = "input"},
               %y: tensor<4xi32> {mp.role = #mp.role<label>, mp.name = "label"},
               %w: tensor<3x1x3x3xf32> {mp.role = #mp.role<weight>, mp.name = "conv1.weight"},
               %g: tensor<3xf32> {mp.role = #mp.role<weight>, mp.name = "bn1.weight"},
               %bb: tensor<3xf32> {mp.role = #mp.role<weight>, mp.name = "bn1.bias"},
               %fw: tensor<5x3xf32> {mp.role = #mp.role<weight>, mp.name = "fc.weight"},
               %fb: tensor<5xf32> {mp.role = #mp.role<weight>, mp.name = "fc.bias"},
               %rm: tensor<3xf32> {mp.role = #mp.role<bn_stat>, mp.name = "bn1.running_mean"},
               %rv: tensor<3xf32> {mp.role = #mp.role<bn_stat>, mp.name = "bn1.running_var"})
    -> (tensor<f32> {mp.role = #mp.role<loss>}, tensor<3xf32> {mp.role = #mp.role<bn_stat>}, tensor<3xf32> {mp.role = #mp.role<bn_stat>}) {
  %c = mp.conv2d %x, %w stride [1, 1] padding [1, 1] dilation [1, 1] groups 1 : (tensor<4x1x6x6xf32>, tensor<3x1x3x3xf32>) -> tensor<4x3x6x6xf32>
  %n, %m2, %v2 = mp.batch_norm %c, %g, %bb, %rm, %rv eps 1.0e-05 momentum 1.0e-01 : (tensor<4x3x6x6xf32>, tensor<3xf32>, tensor<3xf32>, tensor<3xf32>, tensor<3xf32>) -> (tensor<4x3x6x6xf32>, tensor<3xf32>, tensor<3xf32>)
  %r = mp.relu %n : tensor<4x3x6x6xf32>
  %s = mp.add %r, %c : tensor<4x3x6x6xf32>
  %p = mp.global_avg_pool %s : tensor<4x3x6x6xf32> -> tensor<4x3xf32>
  %l = mp.linear %p, %fw, %fb : (tensor<4x3xf32>, tensor<5x3xf32>, tensor<5xf32>) -> tensor<4x5xf32>
  %ls = mp.log_softmax %l : tensor<4x5xf32>
  %loss = mp.nll_loss %ls, %y : (tensor<4x5xf32>, tensor<4xi32>) -> tensor<f32>
  return %loss, %m2, %v2 : tensor<f32>, tensor<3xf32>, tensor<3xf32>
}

// The forward function stays.
// CHECK-LABEL: func.func @net(

// CHECK-LABEL: func.func @net_eval(
//  CHECK-SAME:   -> (tensor<f32> {mp.role = #mp.role<loss>}, tensor<i64> {mp.name = "correct", mp.role = #mp.role<metric>})
//   CHECK-NOT:   mp.batch_norm {{.*}}momentum
//       CHECK:   %[[BN:.+]] = mp.batch_norm_inference
//       CHECK:   %[[LS:.+]] = mp.log_softmax
//       CHECK:   %[[LOSS:.+]] = mp.nll_loss %[[LS]], %[[LABEL:[a-z0-9]+]]
//       CHECK:   %[[CORRECT:.+]] = mp.count_correct %[[LS]], %[[LABEL]]
//       CHECK:   return %[[LOSS]], %[[CORRECT]]

// CHECK-LABEL: func.func @net_train_step(
//  CHECK-SAME:   %[[X:[a-z0-9]+]]: tensor<4x1x6x6xf32> {mp.name = "input", mp.role = #mp.role<input>}
//  CHECK-SAME:   %[[W:[a-z0-9]+]]: tensor<3x1x3x3xf32> {mp.name = "conv1.weight", mp.role = #mp.role<weight>}
//  CHECK-SAME:   %[[MW:[a-z0-9]+]]: tensor<3x1x3x3xf32> {mp.name = "conv1.weight.momentum", mp.role = #mp.role<momentum>}
//  CHECK-SAME:   %[[LR:[a-z0-9]+]]: tensor<f32> {mp.name = "lr", mp.role = #mp.role<learning_rate>}
//  CHECK-SAME:   -> (tensor<f32> {mp.role = #mp.role<loss>}, tensor<3x1x3x3xf32> {mp.name = "conv1.weight", mp.role = #mp.role<weight>}
//       CHECK:   %[[C:.+]] = mp.conv2d %[[X]], %[[W]]
//       CHECK:   %[[ADD:.+]] = mp.add
//       CHECK:   %[[LOSS:.+]] = mp.nll_loss
// COM: Every value on the path to the loss gets exactly one grad_sum.
//       CHECK:   %[[ONE:.+]] = arith.constant dense<1.000000e+00> : tensor<f32>
//       CHECK:   %[[DLOSS:.+]] = mp.grad_sum %[[ONE]] for %[[LOSS]] : tensor<f32>
//       CHECK:   mp.nll_loss_grad %[[DLOSS]]
//       CHECK:   mp.log_softmax_grad
//       CHECK:   mp.linear_input_grad
//       CHECK:   %[[GFW:.+]] = mp.linear_weight_grad
//       CHECK:   %[[GFB:.+]] = mp.bias_grad
//       CHECK:   %[[GP:.+]] = mp.global_avg_pool_grad
//       CHECK:   %[[DADD:.+]] = mp.grad_sum %[[GP]] for %[[ADD]]
//       CHECK:   %[[DR:.+]] = mp.grad_sum %[[DADD]] for
//       CHECK:   %[[GR:.+]] = mp.relu_grad %[[DR]]
//       CHECK:   %[[GX:.+]], %{{.+}}, %{{.+}} = mp.batch_norm_grad %{{.+}}, %[[C]]
// COM: The conv output feeds the BN and the residual add: two contributions.
//       CHECK:   %[[DC:.+]] = mp.grad_sum %[[DADD]], %[[GX]] for %[[C]]
//       CHECK:   %[[GW:.+]] = mp.conv2d_weight_grad %[[DC]], %[[X]]
// COM: The image needs no gradient.
//   CHECK-NOT:   mp.conv2d_input_grad
//       CHECK:   %[[DW:.+]] = mp.grad_sum %[[GW]] for %[[W]]
//       CHECK:   mp.sgd %[[W]], %[[DW]], %[[MW]], %[[LR]] momentum 9.000000e-01 weight_decay 5.000000e-04 {mp.name = "conv1.weight.sgd"}
//   CHECK-NOT:   mp.all_finite
//       CHECK:   return

// DYN-LABEL: func.func @net_train_step(
//  DYN-SAME:   %[[SCALE:[a-z0-9]+]]: tensor<f32> {mp.name = "loss_scale", mp.role = #mp.role<loss_scale>}
//  DYN-SAME:   tensor<i1> {mp.name = "grads_finite", mp.role = #mp.role<flag>}
//       DYN:   %[[SEED:.+]] = mp.grad_sum %[[SCALE]] for
//       DYN:   mp.nll_loss_grad %[[SEED]]
//       DYN:   %[[OK:.+]] = mp.all_finite
//       DYN:   %[[OKS:.+]] = tensor.extract %[[OK]][] : tensor<i1>
//       DYN:   %[[P:.+]], %[[M:.+]] = mp.sgd {{.*}} grad_scale %[[SCALE]] momentum 5.000000e-01 weight_decay 0.000000e+00 nesterov
//       DYN:   arith.select %[[OKS]], %[[P]],
//       DYN:   arith.select %[[OKS]], %[[M]],
//       DYN:   %[[CORRECT:.+]] = mp.count_correct
//       DYN:   return {{.*}}, %[[OK]], %[[CORRECT]] :
