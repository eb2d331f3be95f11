// A hand-checked net whose gradient rules build ops of forward kinds: the
// gradient of mp.concat is an mp.split, that of mp.split an mp.concat, and
// that of mp.mul two mp.mul. Those are backward ops (mp.phase) whose values
// are activation gradients; only the mp.grad_sum results are dv tensors.
// Tensors and elements (docs/Paper.md 2; the scalar loss counts the batch, 2):
//   group 0 (input): input v/dv 16+16, conv1.weight theta/dtheta 8+8     = 48
//   group 1 (conv1): conv1 v/dv 32+32, split#0 16+16, split#1 16+16,
//                    relu 16+16, mul 16+16, cat 32+32,
//                    conv2.weight theta/dtheta 12+12                     = 280
//   group 2 (conv2): conv2 24+24, pool 6+6, fc.weight theta/dtheta 9+9   = 78
//   group 3 (fc):    fc 6+6, log_softmax 6+6, loss 2+2                  = 28
//   total 434; shares 0.1106, 0.6452, 0.1797, 0.0645.
func.func @scm(%x: tensor<2x2x2x2xf32> {mp.role = #mp.role<input>, mp.name = "input"},
               %y: tensor<2xi32> {mp.role = #mp.role<label>, mp.name = "label"},
               %w1: tensor<4x2x1x1xf32> {mp.role = #mp.role<weight>, mp.name = "conv1.weight"},
               %w2: tensor<3x4x1x1xf32> {mp.role = #mp.role<weight>, mp.name = "conv2.weight"},
               %fw: tensor<3x3xf32> {mp.role = #mp.role<weight>, mp.name = "fc.weight"})
    -> (tensor<f32> {mp.role = #mp.role<loss>}) {
  %c1 = mp.conv2d %x, %w1 stride [1, 1] padding [0, 0] dilation [1, 1] groups 1 {mp.name = "conv1"} : (tensor<2x2x2x2xf32>, tensor<4x2x1x1xf32>) -> tensor<2x4x2x2xf32>
  %s:2 = mp.split %c1 axis 1 {mp.name = "split"} : (tensor<2x4x2x2xf32>) -> (tensor<2x2x2x2xf32>, tensor<2x2x2x2xf32>)
  %r = mp.relu %s#0 {mp.name = "relu"} : tensor<2x2x2x2xf32>
  %m = mp.mul %s#1, %r {mp.name = "mul"} : tensor<2x2x2x2xf32>
  %cat = mp.concat %r, %m axis 1 {mp.name = "cat"} : (tensor<2x2x2x2xf32>, tensor<2x2x2x2xf32>) -> tensor<2x4x2x2xf32>
  %c2 = mp.conv2d %cat, %w2 stride [1, 1] padding [0, 0] dilation [1, 1] groups 1 {mp.name = "conv2"} : (tensor<2x4x2x2xf32>, tensor<3x4x1x1xf32>) -> tensor<2x3x2x2xf32>
  %p = mp.global_avg_pool %c2 {mp.name = "pool"} : tensor<2x3x2x2xf32> -> tensor<2x3xf32>
  %l = mp.linear %p, %fw {mp.name = "fc"} : (tensor<2x3xf32>, tensor<3x3xf32>) -> tensor<2x3xf32>
  %ls = mp.log_softmax %l {mp.name = "log_softmax"} : tensor<2x3xf32>
  %loss = mp.nll_loss %ls, %y {mp.name = "loss"} : (tensor<2x3xf32>, tensor<2xi32>) -> tensor<f32>
  return %loss : tensor<f32>
}
