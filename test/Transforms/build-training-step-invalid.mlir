// RUN: mp-opt %s -split-input-file -verify-diagnostics --mp-build-training-step

// expected-error @+1 {{cannot build a training step for @no_weights: no argument has role 'weight'}}
func.func @no_weights(%x: tensor<2x3xf32> {mp.role = #mp.role<input>}, %y: tensor<2xi32> {mp.role = #mp.role<label>}) -> tensor<f32> {
  %ls = mp.log_softmax %x : tensor<2x3xf32>
  %l = mp.nll_loss %ls, %y : (tensor<2x3xf32>, tensor<2xi32>) -> tensor<f32>
  return %l : tensor<f32>
}

// -----

// expected-error @+1 {{the loss of @unused_weight does not depend on any weight}}
func.func @unused_weight(%x: tensor<2x3xf32> {mp.role = #mp.role<input>}, %y: tensor<2xi32> {mp.role = #mp.role<label>},
                         %w: tensor<3x3xf32> {mp.role = #mp.role<weight>}) -> tensor<f32> {
  %ls = mp.log_softmax %x : tensor<2x3xf32>
  %l = mp.nll_loss %ls, %y : (tensor<2x3xf32>, tensor<2xi32>) -> tensor<f32>
  return %l : tensor<f32>
}

// -----

// expected-note @+1 {{while building the training step of @not_differentiable}}
func.func @not_differentiable(%x: tensor<2x3xf32> {mp.role = #mp.role<input>}, %y: tensor<2xi32> {mp.role = #mp.role<label>},
                              %w: tensor<2x3xf32> {mp.role = #mp.role<weight>}) -> tensor<f32> {
  // expected-error @+1 {{cannot differentiate 'arith.addf': it lies between the weights and the loss but has no gradient rule}}
  %s = arith.addf %x, %w : tensor<2x3xf32>
  %ls = mp.log_softmax %s : tensor<2x3xf32>
  %l = mp.nll_loss %ls, %y : (tensor<2x3xf32>, tensor<2xi32>) -> tensor<f32>
  return %l : tensor<f32>
}

// -----

func.func @inference_bn(%x: tensor<2x3xf32> {mp.role = #mp.role<input>}, %y: tensor<2xi32> {mp.role = #mp.role<label>},
                        %g: tensor<3xf32> {mp.role = #mp.role<weight>}, %b: tensor<3xf32> {mp.role = #mp.role<weight>},
                        %m: tensor<3xf32> {mp.role = #mp.role<bn_stat>}, %v: tensor<3xf32> {mp.role = #mp.role<bn_stat>}) -> tensor<f32> {
  // expected-error @+1 {{'mp.batch_norm_inference' op has no gradient: training graphs use mp.batch_norm}}
  %n = mp.batch_norm_inference %x, %g, %b, %m, %v eps 1.0e-05 : (tensor<2x3xf32>, tensor<3xf32>, tensor<3xf32>, tensor<3xf32>, tensor<3xf32>) -> tensor<2x3xf32>
  %ls = mp.log_softmax %n : tensor<2x3xf32>
  %l = mp.nll_loss %ls, %y : (tensor<2x3xf32>, tensor<2xi32>) -> tensor<f32>
  return %l : tensor<f32>
}

// -----

func.func private @taken_train_step()
// expected-error @+1 {{cannot build the training step: a symbol named 'taken_train_step' already exists}}
func.func @taken(%x: tensor<2x3xf32> {mp.role = #mp.role<input>}, %y: tensor<2xi32> {mp.role = #mp.role<label>},
                 %w: tensor<3x3xf32> {mp.role = #mp.role<weight>}) -> tensor<f32> {
  %h = mp.linear %x, %w : (tensor<2x3xf32>, tensor<3x3xf32>) -> tensor<2x3xf32>
  %ls = mp.log_softmax %h : tensor<2x3xf32>
  %l = mp.nll_loss %ls, %y : (tensor<2x3xf32>, tensor<2xi32>) -> tensor<f32>
  return %l : tensor<f32>
}

// -----

// expected-error @+1 {{cannot build the evaluation function of @no_nll: result #0 is not produced by mp.nll_loss, so there are no class scores to count}}
func.func @no_nll(%x: tensor<1xf32> {mp.role = #mp.role<input>}, %w: tensor<1xf32> {mp.role = #mp.role<weight>}) -> (tensor<f32> {mp.role = #mp.role<loss>}) {
  %s = mp.mul %x, %w : tensor<1xf32>
  %l = mp.reshape %s : tensor<1xf32> to tensor<f32>
  return %l : tensor<f32>
}
