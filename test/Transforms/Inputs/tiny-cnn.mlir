// A hand-checked net for the assignment tests. Tensors and elements:
//   group 0 (input):  input v/dv 32+32, conv1.weight theta/dtheta 18+18  = 100
//   group 1 (conv1):  conv1 v/dv 64+64, relu1 v/dv 64+64,
//                     conv2.weight theta/dtheta 4+4                       = 264
//   group 2 (conv2):  conv2 v/dv 64+64, pool v/dv 4+4,
//                     fc.weight theta/dtheta 6+6, fc.bias 3+3             = 154
//   group 3 (fc):     fc v/dv 6+6, log_softmax v/dv 6+6, loss v/dv 2+2   = 28
//   (the scalar loss and its gradient count the batch size, docs/Paper.md 2.1)
//   total 546; shares 0.1832, 0.4835, 0.2821, 0.0513.
func.func @tiny(%x: tensor<2x1x4x4xf32> {mp.role = #mp.role<input>, mp.name = "input"},
                %y: tensor<2xi32> {mp.role = #mp.role<label>, mp.name = "label"},
                %w1: tensor<2x1x3x3xf32> {mp.role = #mp.role<weight>, mp.name = "conv1.weight"},
                %w2: tensor<2x2x1x1xf32> {mp.role = #mp.role<weight>, mp.name = "conv2.weight"},
                %fw: tensor<3x2xf32> {mp.role = #mp.role<weight>, mp.name = "fc.weight"},
                %fb: tensor<3xf32> {mp.role = #mp.role<weight>, mp.name = "fc.bias"})
    -> (tensor<f32> {mp.role = #mp.role<loss>}) {
  %c1 = mp.conv2d %x, %w1 stride [1, 1] padding [1, 1] dilation [1, 1] groups 1 {mp.name = "conv1"} : (tensor<2x1x4x4xf32>, tensor<2x1x3x3xf32>) -> tensor<2x2x4x4xf32>
  %r1 = mp.relu %c1 {mp.name = "relu1"} : tensor<2x2x4x4xf32>
  %c2 = mp.conv2d %r1, %w2 stride [1, 1] padding [0, 0] dilation [1, 1] groups 1 {mp.name = "conv2"} : (tensor<2x2x4x4xf32>, tensor<2x2x1x1xf32>) -> tensor<2x2x4x4xf32>
  %p = mp.global_avg_pool %c2 {mp.name = "pool"} : tensor<2x2x4x4xf32> -> tensor<2x2xf32>
  %l = mp.linear %p, %fw, %fb {mp.name = "fc"} : (tensor<2x2xf32>, tensor<3x2xf32>, tensor<3xf32>) -> tensor<2x3xf32>
  %ls = mp.log_softmax %l {mp.name = "log_softmax"} : tensor<2x3xf32>
  %loss = mp.nll_loss %ls, %y {mp.name = "loss"} : (tensor<2x3xf32>, tensor<2xi32>) -> tensor<f32>
  return %loss : tensor<f32>
}
