// RUN: mp-opt %s -split-input-file -verify-diagnostics

//===----------------------------------------------------------------------===//
// #mp.format: parse errors
//===----------------------------------------------------------------------===//

func.func @format_unknown_preset(%x: tensor<4xf32>) -> tensor<4xf32> {
  // expected-error @+1 {{unknown format preset 'e3m4'; expected one of fp32, fp16, bf16, e4m3, e5m2, paper_143, paper_152, paper_169, or exp = ..., man = ...}}
  %y = mp.cast %x to <e3m4> : tensor<4xf32>
  return %y : tensor<4xf32>
}

// -----

func.func @format_unknown_key(%x: tensor<4xf32>) -> tensor<4xf32> {
  // expected-error @+1 {{unknown format parameter 'sign'; expected exp, man, bias, specials, overflow or rounding}}
  %y = mp.cast %x to <exp = 4, man = 3, sign = unsigned> : tensor<4xf32>
  return %y : tensor<4xf32>
}

// -----

// COM: Regression: an unknown key with an integer value used to report
// COM: "expected valid keyword" instead of naming the key.
func.func @format_unknown_key_with_integer_value(%x: tensor<4xf32>) -> tensor<4xf32> {
  // expected-error @+1 {{unknown format parameter 'width'; expected exp, man, bias, specials, overflow or rounding}}
  %y = mp.cast %x to <exp = 4, man = 3, width = 8> : tensor<4xf32>
  return %y : tensor<4xf32>
}

// -----

func.func @format_unknown_first_key(%x: tensor<4xf32>) -> tensor<4xf32> {
  // expected-error @+1 {{unknown format parameter 'bits'}}
  %y = mp.cast %x to <bits = 8, exp = 4, man = 3> : tensor<4xf32>
  return %y : tensor<4xf32>
}

// -----

// COM: Regression: a repeated key used to be accepted, the last value winning.
func.func @format_duplicate_key_rejected(%x: tensor<4xf32>) -> tensor<4xf32> {
  // expected-error @+1 {{duplicate format parameter 'exp'}}
  %y = mp.cast %x to <exp = 4, man = 3, exp = 5> : tensor<4xf32>
  return %y : tensor<4xf32>
}

// -----

func.func @format_preset_duplicate_override_rejected(%x: tensor<4xf32>) -> tensor<4xf32> {
  // expected-error @+1 {{duplicate format parameter 'overflow'}}
  %y = mp.cast %x to <e4m3, overflow = saturate, overflow = nan> : tensor<4xf32>
  return %y : tensor<4xf32>
}

// -----

func.func @format_unknown_specials(%x: tensor<4xf32>) -> tensor<4xf32> {
  // expected-error @+1 {{unknown specials 'finite'; expected ieee, fn, fnuz or none}}
  %y = mp.cast %x to <exp = 4, man = 3, specials = finite> : tensor<4xf32>
  return %y : tensor<4xf32>
}

// -----

func.func @format_unknown_overflow(%x: tensor<4xf32>) -> tensor<4xf32> {
  // expected-error @+1 {{unknown overflow 'clamp'; expected saturate, inf or nan}}
  %y = mp.cast %x to <e5m2, overflow = clamp> : tensor<4xf32>
  return %y : tensor<4xf32>
}

// -----

func.func @format_unknown_rounding(%x: tensor<4xf32>) -> tensor<4xf32> {
  // expected-error @+1 {{unknown rounding 'stochastic'; expected nearest_even or nearest_away}}
  %y = mp.cast %x to <paper_143, rounding = stochastic> : tensor<4xf32>
  return %y : tensor<4xf32>
}

// -----

func.func @format_missing_man(%x: tensor<4xf32>) -> tensor<4xf32> {
  // expected-error @+1 {{format needs both 'exp' and 'man' (or a preset name)}}
  %y = mp.cast %x to <exp = 4, bias = 7> : tensor<4xf32>
  return %y : tensor<4xf32>
}

// -----

func.func @format_missing_exp(%x: tensor<4xf32>) -> tensor<4xf32> {
  // expected-error @+1 {{format needs both 'exp' and 'man' (or a preset name)}}
  %y = mp.cast %x to <man = 3> : tensor<4xf32>
  return %y : tensor<4xf32>
}

// -----

// COM: Regression: a negative bit count used to wrap to 4294967295.
func.func @format_negative_exp_not_wrapped(%x: tensor<4xf32>) -> tensor<4xf32> {
  // expected-error @+1 {{format parameter 'exp' must be a non-negative bit count, got -1}}
  %y = mp.cast %x to <exp = -1, man = 3> : tensor<4xf32>
  return %y : tensor<4xf32>
}

// -----

//===----------------------------------------------------------------------===//
// #mp.format: FormatAttr::verify
//===----------------------------------------------------------------------===//

func.func @format_zero_exponent_bits(%x: tensor<4xf32>) -> tensor<4xf32> {
  // expected-error @+1 {{format needs between 1 and 8 exponent bits, got 0}}
  %y = mp.cast %x to <exp = 0, man = 3, specials = none> : tensor<4xf32>
  return %y : tensor<4xf32>
}

// -----

// COM: Regression: the default bias of an out-of-range exp used an undefined
// COM: shift; the exp range error must still come first.
func.func @format_too_many_exponent_bits_default_bias(%x: tensor<4xf32>) -> tensor<4xf32> {
  // expected-error @+1 {{format needs between 1 and 8 exponent bits, got 100}}
  %y = mp.cast %x to <exp = 100, man = 3> : tensor<4xf32>
  return %y : tensor<4xf32>
}

// -----

func.func @format_too_many_exponent_bits(%x: tensor<4xf32>) -> tensor<4xf32> {
  // expected-error @+1 {{format needs between 1 and 8 exponent bits, got 9}}
  %y = mp.cast %x to <exp = 9, man = 3, bias = 255> : tensor<4xf32>
  return %y : tensor<4xf32>
}

// -----

func.func @format_too_many_mantissa_bits(%x: tensor<4xf32>) -> tensor<4xf32> {
  // expected-error @+1 {{format needs at most 23 mantissa bits, got 24}}
  %y = mp.cast %x to <exp = 8, man = 24> : tensor<4xf32>
  return %y : tensor<4xf32>
}

// -----

func.func @format_ieee_one_exponent_bit(%x: tensor<4xf32>) -> tensor<4xf32> {
  // expected-error @+1 {{ieee special values need at least 2 exponent bits (the all-ones exponent is reserved), got 1}}
  %y = mp.cast %x to <exp = 1, man = 3, bias = 0> : tensor<4xf32>
  return %y : tensor<4xf32>
}

// -----

func.func @format_fn_zero_mantissa_bits(%x: tensor<4xf32>) -> tensor<4xf32> {
  // expected-error @+1 {{fn special values need at least 1 mantissa bit: with 0 the NaN code leaves no finite value in the top binade}}
  %y = mp.cast %x to <exp = 4, man = 0, specials = fn> : tensor<4xf32>
  return %y : tensor<4xf32>
}

// -----

func.func @format_fn_overflow_inf(%x: tensor<4xf32>) -> tensor<4xf32> {
  // expected-error @+1 {{overflow = inf is impossible with specials = fn, which has no infinity; use nan or saturate}}
  %y = mp.cast %x to <e4m3, overflow = inf> : tensor<4xf32>
  return %y : tensor<4xf32>
}

// -----

func.func @format_fnuz_overflow_inf(%x: tensor<4xf32>) -> tensor<4xf32> {
  // expected-error @+1 {{overflow = inf is impossible with specials = fnuz, which has no infinity; use nan or saturate}}
  %y = mp.cast %x to <exp = 5, man = 2, specials = fnuz, overflow = inf> : tensor<4xf32>
  return %y : tensor<4xf32>
}

// -----

func.func @format_largest_binade_too_large(%x: tensor<4xf32>) -> tensor<4xf32> {
  // expected-error @+1 {{format's largest binade 2^128 does not fit the f32 container (at most 2^127); increase the bias above 126}}
  %y = mp.cast %x to <fp32, bias = 126> : tensor<4xf32>
  return %y : tensor<4xf32>
}

// -----

func.func @format_smallest_subnormal_too_small(%x: tensor<4xf32>) -> tensor<4xf32> {
  // expected-error @+1 {{format's smallest subnormal 2^-150 does not fit the f32 container (at least 2^-149); decrease the bias below 128}}
  %y = mp.cast %x to <fp32, bias = 128> : tensor<4xf32>
  return %y : tensor<4xf32>
}

// -----

// COM: Regression: the range checks overflowed int64_t for extreme biases and
// COM: accepted them.
func.func @format_most_negative_bias_rejected(%x: tensor<4xf32>) -> tensor<4xf32> {
  // expected-error @+1 {{format's largest binade 2^9223372036854775822 does not fit the f32 container (at most 2^127); increase the bias above -9223372036854775808}}
  %y = mp.cast %x to <exp = 4, man = 3, bias = -9223372036854775808> : tensor<4xf32>
  return %y : tensor<4xf32>
}

// -----

func.func @format_most_positive_bias_rejected(%x: tensor<4xf32>) -> tensor<4xf32> {
  // expected-error @+1 {{format's smallest subnormal 2^-9223372036854775809 does not fit the f32 container (at least 2^-149); decrease the bias below 9223372036854775807}}
  %y = mp.cast %x to <exp = 4, man = 3, bias = 9223372036854775807> : tensor<4xf32>
  return %y : tensor<4xf32>
}

// -----

//===----------------------------------------------------------------------===//
// #mp.role
//===----------------------------------------------------------------------===//

// expected-error @+2 {{expected ::mp::Role to be one of}}
// expected-error @+1 {{failed to parse MP_RoleAttr parameter 'value'}}
func.func private @role_unknown(tensor<4xf32> {mp.role = #mp.role<gradient>})

// -----

//===----------------------------------------------------------------------===//
// Discardable mp.* attributes on operations
//===----------------------------------------------------------------------===//

func.func @op_name_not_a_string(%x: tensor<4xf32>) -> tensor<4xf32> {
  // expected-error @+1 {{'mp.relu' op 'mp.name' on an operation must be a non-empty string}}
  %y = mp.relu %x {mp.name = 3 : i64} : tensor<4xf32>
  return %y : tensor<4xf32>
}

// -----

func.func @op_name_empty(%x: tensor<4xf32>) -> tensor<4xf32> {
  // expected-error @+1 {{'mp.relu' op 'mp.name' on an operation must be a non-empty string}}
  %y = mp.relu %x {mp.name = ""} : tensor<4xf32>
  return %y : tensor<4xf32>
}

// -----

func.func @op_role_not_a_role(%x: tensor<4xf32>) -> tensor<4xf32> {
  // expected-error @+1 {{'mp.relu' op 'mp.role' must be a #mp.role attribute}}
  %y = mp.relu %x {mp.role = "activation"} : tensor<4xf32>
  return %y : tensor<4xf32>
}

// -----

func.func @op_unknown_mp_attribute(%x: tensor<4xf32>) -> tensor<4xf32> {
  // expected-error @+1 {{'mp.relu' op unknown mp dialect attribute 'mp.stage'}}
  %y = mp.relu %x {mp.stage = 0 : i32} : tensor<4xf32>
  return %y : tensor<4xf32>
}

// -----

func.func @op_phase_not_a_phase(%x: tensor<4xf32>) -> tensor<4xf32> {
  // expected-error @+1 {{'mp.relu' op 'mp.phase' must be a #mp.phase attribute}}
  %y = mp.relu %x {mp.phase = 1 : i32} : tensor<4xf32>
  return %y : tensor<4xf32>
}

// -----

func.func @op_phase_forward(%x: tensor<4xf32>) -> tensor<4xf32> {
  // expected-error @+1 {{'mp.relu' op 'mp.phase' may only mark an op as backward (built by a gradient rule), got forward}}
  %y = mp.relu %x {mp.phase = #mp.phase<forward>} : tensor<4xf32>
  return %y : tensor<4xf32>
}

// -----

func.func @op_phase_on_an_optimizer_op(%p: tensor<4x3xf32>, %g: tensor<4x3xf32>, %m: tensor<4x3xf32>, %lr: tensor<f32>) -> tensor<4x3xf32> {
  // expected-error @+1 {{'mp.sgd' op 'mp.phase' cannot mark an optimizer op as backward}}
  %p2, %m2 = mp.sgd %p, %g, %m, %lr momentum 9.0e-01 weight_decay 5.0e-04 {mp.phase = #mp.phase<backward>}
      : (tensor<4x3xf32>, tensor<4x3xf32>, tensor<4x3xf32>, tensor<f32>) -> (tensor<4x3xf32>, tensor<4x3xf32>)
  return %p2 : tensor<4x3xf32>
}

// -----

func.func @op_phase_on_a_non_training_op(%x: tensor<4xf32>) -> tensor<4xf32> {
  // expected-error @+1 {{'arith.addf' op 'mp.phase' marks ops of a training step; this op has no phase}}
  %y = arith.addf %x, %x {mp.phase = #mp.phase<backward>} : tensor<4xf32>
  return %y : tensor<4xf32>
}

// -----

//===----------------------------------------------------------------------===//
// Discardable mp.* attributes on function arguments
//===----------------------------------------------------------------------===//

// expected-error @+1 {{'func.func' op 'mp.name' on argument #1 must be a non-empty string}}
func.func @arg_name_empty(%x: tensor<4xf32>, %y: tensor<4xf32> {mp.name = ""}) {
  return
}

// -----

// expected-error @+1 {{'func.func' op unknown mp dialect attribute 'mp.format' on argument #0}}
func.func @arg_unknown_mp_attribute(%x: tensor<4xf32> {mp.format = #mp.format<e4m3>}) {
  return
}

// -----

// expected-error @+1 {{'func.func' op 'mp.role' on argument #0 must be a #mp.role attribute}}
func.func @arg_role_not_a_role(%x: tensor<4xf32> {mp.role = "weight"}) {
  return
}

// -----

// expected-error @+1 {{'func.func' op argument #0 cannot have role 'activation': that role is produced by ops, not passed in}}
func.func @arg_result_only_role(%x: tensor<4xf32> {mp.role = #mp.role<activation>}) {
  return
}

// -----

// expected-error @+1 {{'func.func' op argument #0 cannot have role 'loss': that role is produced by ops, not passed in}}
func.func @arg_loss_role(%x: tensor<f32> {mp.role = #mp.role<loss>}) {
  return
}

// -----

// expected-error @+1 {{'func.func' op argument #0 has role 'label' and must be a 1-D i32 or i64 tensor, but got 'tensor<8xf32>'}}
func.func @arg_label_role_f32(%x: tensor<8xf32> {mp.role = #mp.role<label>}) {
  return
}

// -----

// expected-error @+1 {{'func.func' op argument #0 has role 'label' and must be a 1-D i32 or i64 tensor, but got 'tensor<8xi16>'}}
func.func @arg_label_role_i16(%x: tensor<8xi16> {mp.role = #mp.role<label>}) {
  return
}

// -----

// COM: Regression: roles on the arguments of a declaration (no entry block)
// COM: were not type-checked.
// expected-error @+1 {{'func.func' op argument #0 has role 'label' and must be a 1-D i32 or i64 tensor, but got 'tensor<4x2xi32>'}}
func.func private @arg_role_type_checked_on_declaration(tensor<4x2xi32> {mp.role = #mp.role<label>})

// -----

// expected-error @+1 {{'func.func' op argument #0 has role 'learning_rate' and must be a 0-D f32 tensor, but got 'tensor<1xf32>'}}
func.func @arg_learning_rate_role_1d(%lr: tensor<1xf32> {mp.role = #mp.role<learning_rate>}) {
  return
}

// -----

// expected-error @+1 {{'func.func' op argument #0 has role 'loss_scale' and must be a 0-D f32 tensor, but got 'f32'}}
func.func @arg_loss_scale_role_scalar(%s: f32 {mp.role = #mp.role<loss_scale>}) {
  return
}

// -----

// expected-error @+1 {{'func.func' op argument #0 has role 'seed' and must be a 0-D i64 tensor, but got 'tensor<i32>'}}
func.func @arg_seed_role_i32(%s: tensor<i32> {mp.role = #mp.role<seed>}) {
  return
}

// -----

// expected-error @+1 {{'func.func' op argument #0 has role 'flag' and must be an integer tensor, but got 'tensor<f32>'}}
func.func @arg_flag_role_f32(%f: tensor<f32> {mp.role = #mp.role<flag>}) {
  return
}

// -----

// expected-error @+1 {{'func.func' op argument #0 has role 'weight' and must be a statically shaped f32 tensor, but got 'tensor<?x3xf32>'}}
func.func @arg_weight_role_dynamic(%w: tensor<?x3xf32> {mp.role = #mp.role<weight>}) {
  return
}

// -----

// expected-error @+1 {{'func.func' op argument #0 has role 'input' and must be a statically shaped f32 tensor, but got 'tensor<4xf16>'}}
func.func @arg_input_role_f16(%x: tensor<4xf16> {mp.role = #mp.role<input>}) {
  return
}

// -----

//===----------------------------------------------------------------------===//
// Discardable mp.* attributes on function results
//===----------------------------------------------------------------------===//

// expected-error @+1 {{'func.func' op 'mp.name' on result #0 must be a non-empty string}}
func.func private @result_name_not_a_string() -> (tensor<4xf32> {mp.name = 1 : i64})

// -----

// expected-error @+1 {{'func.func' op unknown mp dialect attribute 'mp.rol' on result #0}}
func.func private @result_unknown_mp_attribute() -> (tensor<4xf32> {mp.rol = #mp.role<loss>})

// -----

// expected-error @+1 {{'func.func' op 'mp.role' on result #0 must be a #mp.role attribute}}
func.func private @result_role_not_a_role() -> (tensor<f32> {mp.role = 13 : i32})

// -----

// expected-error @+1 {{'func.func' op result #1 has role 'loss' and must be a 0-D f32 tensor, but got 'tensor<4xf32>'}}
func.func private @result_loss_role_1d() -> (tensor<4xf32>, tensor<4xf32> {mp.role = #mp.role<loss>})

// -----

// expected-error @+1 {{'func.func' op result #0 has role 'metric' and must be an integer tensor, but got 'tensor<f32>'}}
func.func private @result_metric_role_f32() -> (tensor<f32> {mp.role = #mp.role<metric>})

// -----

// expected-error @+1 {{'func.func' op result #0 has role 'weight_grad' and must be a statically shaped f32 tensor, but got 'tensor<*xf32>'}}
func.func private @result_weight_grad_role_unranked() -> (tensor<*xf32> {mp.role = #mp.role<weight_grad>})

// -----

//===----------------------------------------------------------------------===//
// ODS constraints (representative)
//===----------------------------------------------------------------------===//

// COM: Regression: the type summaries used to repeat the element type
// COM: ("statically shaped f32 tensor of 32-bit float values").
func.func @cast_operand_summary_names_f32_once(%x: tensor<4xf16>) -> tensor<4xf16> {
  // expected-error @+1 {{'mp.cast' op operand #0 must be statically shaped f32 tensor, but got 'tensor<4xf16>'}}
  %y = mp.cast %x to <e4m3> : tensor<4xf16>
  return %y : tensor<4xf16>
}

// -----

func.func @relu_dynamic_shape(%x: tensor<?x4xf32>) -> tensor<?x4xf32> {
  // expected-error @+1 {{'mp.relu' op operand #0 must be statically shaped f32 tensor, but got 'tensor<?x4xf32>'}}
  %y = mp.relu %x : tensor<?x4xf32>
  return %y : tensor<?x4xf32>
}

// -----

func.func @conv2d_input_wrong_rank(%x: tensor<3x8x8xf32>, %w: tensor<4x3x3x3xf32>) -> tensor<1x4x6x6xf32> {
  // expected-error @+1 {{'mp.conv2d' op operand #0 must be statically shaped 4-D f32 tensor (NCHW), but got 'tensor<3x8x8xf32>'}}
  %y = mp.conv2d %x, %w stride [1, 1] padding [0, 0] dilation [1, 1] groups 1
         : (tensor<3x8x8xf32>, tensor<4x3x3x3xf32>) -> tensor<1x4x6x6xf32>
  return %y : tensor<1x4x6x6xf32>
}

// -----

func.func @linear_bias_wrong_rank(%x: tensor<8x16xf32>, %w: tensor<10x16xf32>, %b: tensor<1x10xf32>) -> tensor<8x10xf32> {
  // expected-error @+1 {{'mp.linear' op operand #2 must be statically shaped 1-D f32 tensor, but got 'tensor<1x10xf32>'}}
  %y = mp.linear %x, %w, %b : (tensor<8x16xf32>, tensor<10x16xf32>, tensor<1x10xf32>) -> tensor<8x10xf32>
  return %y : tensor<8x10xf32>
}

// -----

func.func @conv2d_stride_three_elements(%x: tensor<1x3x8x8xf32>, %w: tensor<4x3x3x3xf32>) -> tensor<1x4x6x6xf32> {
  // expected-error @+1 {{'mp.conv2d' op attribute 'stride' failed to satisfy constraint: i64 dense array attribute with exactly 2 elements}}
  %y = mp.conv2d %x, %w stride [1, 1, 1] padding [0, 0] dilation [1, 1] groups 1
         : (tensor<1x3x8x8xf32>, tensor<4x3x3x3xf32>) -> tensor<1x4x6x6xf32>
  return %y : tensor<1x4x6x6xf32>
}

// -----

func.func @nll_loss_labels_f32(%x: tensor<8x10xf32>, %l: tensor<8xf32>) -> tensor<f32> {
  // expected-error @+1 {{'mp.nll_loss' op operand #1 must be statically shaped 1-D i32 or i64 tensor of class labels, but got 'tensor<8xf32>'}}
  %y = mp.nll_loss %x, %l : (tensor<8x10xf32>, tensor<8xf32>) -> tensor<f32>
  return %y : tensor<f32>
}

// -----

func.func @dropout_seed_i32(%x: tensor<8xf32>, %s: tensor<i32>) -> tensor<8xf32> {
  // expected-error @+1 {{'mp.dropout' op operand #1 must be 0-D i64 tensor, but got 'tensor<i32>'}}
  %y = mp.dropout %x, %s ratio 5.0e-01 : (tensor<8xf32>, tensor<i32>) -> tensor<8xf32>
  return %y : tensor<8xf32>
}

// -----

func.func @sgd_lr_not_scalar(%p: tensor<4xf32>, %lr: tensor<1xf32>) -> tensor<4xf32> {
  // expected-error @+1 {{'mp.sgd' op operand #3 must be 0-D f32 tensor, but got 'tensor<1xf32>'}}
  %p2, %m2 = mp.sgd %p, %p, %p, %lr momentum 9.0e-01 weight_decay 0.0
      : (tensor<4xf32>, tensor<4xf32>, tensor<4xf32>, tensor<1xf32>) -> (tensor<4xf32>, tensor<4xf32>)
  return %p2 : tensor<4xf32>
}

// -----

func.func @add_shape_mismatch(%a: tensor<4xf32>, %b: tensor<5xf32>) -> tensor<4xf32> {
  // expected-error @+1 {{'mp.add' op requires the same type for all operands and results}}
  %y = "mp.add"(%a, %b) : (tensor<4xf32>, tensor<5xf32>) -> tensor<4xf32>
  return %y : tensor<4xf32>
}

// -----

//===----------------------------------------------------------------------===//
// mp.conv2d
//===----------------------------------------------------------------------===//

func.func @conv2d_stride_not_positive(%x: tensor<1x3x8x8xf32>, %w: tensor<4x3x3x3xf32>) -> tensor<1x4x6x6xf32> {
  // expected-error @+1 {{'mp.conv2d' op stride must be positive, got [0, 1]}}
  %y = mp.conv2d %x, %w stride [0, 1] padding [0, 0] dilation [1, 1] groups 1
         : (tensor<1x3x8x8xf32>, tensor<4x3x3x3xf32>) -> tensor<1x4x6x6xf32>
  return %y : tensor<1x4x6x6xf32>
}

// -----

func.func @conv2d_dilation_not_positive(%x: tensor<1x3x8x8xf32>, %w: tensor<4x3x3x3xf32>) -> tensor<1x4x6x6xf32> {
  // expected-error @+1 {{'mp.conv2d' op dilation must be positive, got [1, -1]}}
  %y = mp.conv2d %x, %w stride [1, 1] padding [0, 0] dilation [1, -1] groups 1
         : (tensor<1x3x8x8xf32>, tensor<4x3x3x3xf32>) -> tensor<1x4x6x6xf32>
  return %y : tensor<1x4x6x6xf32>
}

// -----

func.func @conv2d_padding_negative(%x: tensor<1x3x8x8xf32>, %w: tensor<4x3x3x3xf32>) -> tensor<1x4x6x6xf32> {
  // expected-error @+1 {{'mp.conv2d' op padding must be non-negative, got [-1, 0]}}
  %y = mp.conv2d %x, %w stride [1, 1] padding [-1, 0] dilation [1, 1] groups 1
         : (tensor<1x3x8x8xf32>, tensor<4x3x3x3xf32>) -> tensor<1x4x6x6xf32>
  return %y : tensor<1x4x6x6xf32>
}

// -----

func.func @conv2d_groups_not_positive(%x: tensor<1x3x8x8xf32>, %w: tensor<4x3x3x3xf32>) -> tensor<1x4x6x6xf32> {
  // expected-error @+1 {{'mp.conv2d' op groups must be positive, got 0}}
  %y = mp.conv2d %x, %w stride [1, 1] padding [0, 0] dilation [1, 1] groups 0
         : (tensor<1x3x8x8xf32>, tensor<4x3x3x3xf32>) -> tensor<1x4x6x6xf32>
  return %y : tensor<1x4x6x6xf32>
}

// -----

func.func @conv2d_input_channels_not_divisible(%x: tensor<1x3x8x8xf32>, %w: tensor<4x1x3x3xf32>) -> tensor<1x4x6x6xf32> {
  // expected-error @+1 {{'mp.conv2d' op input channels (3) must be divisible by groups (2)}}
  %y = mp.conv2d %x, %w stride [1, 1] padding [0, 0] dilation [1, 1] groups 2
         : (tensor<1x3x8x8xf32>, tensor<4x1x3x3xf32>) -> tensor<1x4x6x6xf32>
  return %y : tensor<1x4x6x6xf32>
}

// -----

func.func @conv2d_output_channels_not_divisible(%x: tensor<1x4x8x8xf32>, %w: tensor<5x2x3x3xf32>) -> tensor<1x5x6x6xf32> {
  // expected-error @+1 {{'mp.conv2d' op weight output channels (5) must be divisible by groups (2)}}
  %y = mp.conv2d %x, %w stride [1, 1] padding [0, 0] dilation [1, 1] groups 2
         : (tensor<1x4x8x8xf32>, tensor<5x2x3x3xf32>) -> tensor<1x5x6x6xf32>
  return %y : tensor<1x5x6x6xf32>
}

// -----

func.func @conv2d_weight_channels_mismatch(%x: tensor<1x4x8x8xf32>, %w: tensor<6x4x3x3xf32>) -> tensor<1x6x6x6xf32> {
  // expected-error @+1 {{'mp.conv2d' op expected weight shape [6, 2, 3, 3] (input channels 4 / groups 2), but got [6, 4, 3, 3]}}
  %y = mp.conv2d %x, %w stride [1, 1] padding [0, 0] dilation [1, 1] groups 2
         : (tensor<1x4x8x8xf32>, tensor<6x4x3x3xf32>) -> tensor<1x6x6x6xf32>
  return %y : tensor<1x6x6x6xf32>
}

// -----

func.func @conv2d_kernel_does_not_fit(%x: tensor<1x3x4x4xf32>, %w: tensor<4x3x3x3xf32>) -> tensor<1x4x1x1xf32> {
  // expected-error @+1 {{'mp.conv2d' op kernel [3, 3] with dilation [2, 2] does not fit the padded input [4, 4]}}
  %y = mp.conv2d %x, %w stride [1, 1] padding [0, 0] dilation [2, 2] groups 1
         : (tensor<1x3x4x4xf32>, tensor<4x3x3x3xf32>) -> tensor<1x4x1x1xf32>
  return %y : tensor<1x4x1x1xf32>
}

// -----

func.func @conv2d_result_shape_mismatch(%x: tensor<2x3x8x8xf32>, %w: tensor<4x3x3x3xf32>) -> tensor<2x4x6x6xf32> {
  // expected-error @+1 {{'mp.conv2d' op expected result shape [2, 4, 8, 8] (from input [2, 3, 8, 8], weight [4, 3, 3, 3], stride [1, 1], padding [1, 1], dilation [1, 1]), but got [2, 4, 6, 6]}}
  %y = mp.conv2d %x, %w stride [1, 1] padding [1, 1] dilation [1, 1] groups 1
         : (tensor<2x3x8x8xf32>, tensor<4x3x3x3xf32>) -> tensor<2x4x6x6xf32>
  return %y : tensor<2x4x6x6xf32>
}

// -----

func.func @conv2d_bias_shape_mismatch(%x: tensor<1x3x8x8xf32>, %w: tensor<4x3x3x3xf32>, %b: tensor<3xf32>) -> tensor<1x4x6x6xf32> {
  // expected-error @+1 {{'mp.conv2d' op expected bias shape [4] (one per output channel), but got [3]}}
  %y = mp.conv2d %x, %w, %b stride [1, 1] padding [0, 0] dilation [1, 1] groups 1
         : (tensor<1x3x8x8xf32>, tensor<4x3x3x3xf32>, tensor<3xf32>) -> tensor<1x4x6x6xf32>
  return %y : tensor<1x4x6x6xf32>
}

// -----

//===----------------------------------------------------------------------===//
// mp.linear
//===----------------------------------------------------------------------===//

func.func @linear_weight_shape_mismatch(%x: tensor<8x16xf32>, %w: tensor<10x12xf32>) -> tensor<8x10xf32> {
  // expected-error @+1 {{'mp.linear' op expected weight shape [10, 16] (out features x input features 16), but got [10, 12]}}
  %y = mp.linear %x, %w : (tensor<8x16xf32>, tensor<10x12xf32>) -> tensor<8x10xf32>
  return %y : tensor<8x10xf32>
}

// -----

func.func @linear_bias_shape_mismatch(%x: tensor<8x16xf32>, %w: tensor<10x16xf32>, %b: tensor<16xf32>) -> tensor<8x10xf32> {
  // expected-error @+1 {{'mp.linear' op expected bias shape [10] (one per output feature), but got [16]}}
  %y = mp.linear %x, %w, %b : (tensor<8x16xf32>, tensor<10x16xf32>, tensor<16xf32>) -> tensor<8x10xf32>
  return %y : tensor<8x10xf32>
}

// -----

func.func @linear_result_shape_mismatch(%x: tensor<8x16xf32>, %w: tensor<10x16xf32>) -> tensor<10x8xf32> {
  // expected-error @+1 {{'mp.linear' op expected result shape [8, 10], but got [10, 8]}}
  %y = mp.linear %x, %w : (tensor<8x16xf32>, tensor<10x16xf32>) -> tensor<10x8xf32>
  return %y : tensor<10x8xf32>
}

// -----

//===----------------------------------------------------------------------===//
// mp.batch_norm, mp.batch_norm_inference
//===----------------------------------------------------------------------===//

func.func @batch_norm_eps_not_positive(%x: tensor<8x4xf32>, %p: tensor<4xf32>) -> tensor<8x4xf32> {
  // expected-error @+1 {{'mp.batch_norm' op eps must be positive, got 0.000000e+00}}
  %y:3 = mp.batch_norm %x, %p, %p, %p, %p eps 0.0 momentum 0.1
      : (tensor<8x4xf32>, tensor<4xf32>, tensor<4xf32>, tensor<4xf32>, tensor<4xf32>)
      -> (tensor<8x4xf32>, tensor<4xf32>, tensor<4xf32>)
  return %y#0 : tensor<8x4xf32>
}

// -----

func.func @batch_norm_momentum_above_one(%x: tensor<8x4xf32>, %p: tensor<4xf32>) -> tensor<8x4xf32> {
  // expected-error @+1 {{'mp.batch_norm' op momentum must be in [0, 1], got 1.500000e+00}}
  %y:3 = mp.batch_norm %x, %p, %p, %p, %p eps 1.0e-05 momentum 1.5
      : (tensor<8x4xf32>, tensor<4xf32>, tensor<4xf32>, tensor<4xf32>, tensor<4xf32>)
      -> (tensor<8x4xf32>, tensor<4xf32>, tensor<4xf32>)
  return %y#0 : tensor<8x4xf32>
}

// -----

func.func @batch_norm_result_type_mismatch(%x: tensor<8x4xf32>, %p: tensor<4xf32>) -> tensor<4x8xf32> {
  // expected-error @+1 {{'mp.batch_norm' op expected result type 'tensor<8x4xf32>' (the input type), but got 'tensor<4x8xf32>'}}
  %y:3 = mp.batch_norm %x, %p, %p, %p, %p eps 1.0e-05 momentum 0.1
      : (tensor<8x4xf32>, tensor<4xf32>, tensor<4xf32>, tensor<4xf32>, tensor<4xf32>)
      -> (tensor<4x8xf32>, tensor<4xf32>, tensor<4xf32>)
  return %y#0 : tensor<4x8xf32>
}

// -----

func.func @batch_norm_gamma_shape_mismatch(%x: tensor<8x4x2x2xf32>, %g: tensor<8xf32>, %p: tensor<4xf32>) -> tensor<8x4x2x2xf32> {
  // expected-error @+1 {{'mp.batch_norm' op expected gamma shape [4] (one per channel), but got [8]}}
  %y:3 = mp.batch_norm %x, %g, %p, %p, %p eps 1.0e-05 momentum 0.1
      : (tensor<8x4x2x2xf32>, tensor<8xf32>, tensor<4xf32>, tensor<4xf32>, tensor<4xf32>)
      -> (tensor<8x4x2x2xf32>, tensor<4xf32>, tensor<4xf32>)
  return %y#0 : tensor<8x4x2x2xf32>
}

// -----

func.func @batch_norm_new_running_var_shape_mismatch(%x: tensor<8x4xf32>, %p: tensor<4xf32>) -> tensor<8x4xf32> {
  // expected-error @+1 {{'mp.batch_norm' op expected new_running_var shape [4] (one per channel), but got [5]}}
  %y:3 = mp.batch_norm %x, %p, %p, %p, %p eps 1.0e-05 momentum 0.1
      : (tensor<8x4xf32>, tensor<4xf32>, tensor<4xf32>, tensor<4xf32>, tensor<4xf32>)
      -> (tensor<8x4xf32>, tensor<4xf32>, tensor<5xf32>)
  return %y#0 : tensor<8x4xf32>
}

// -----

func.func @batch_norm_inference_eps_nan(%x: tensor<8x4xf32>, %p: tensor<4xf32>) -> tensor<8x4xf32> {
  // expected-error @+1 {{'mp.batch_norm_inference' op eps must be positive, got nan}}
  %y = mp.batch_norm_inference %x, %p, %p, %p, %p eps 0x7FF8000000000000
      : (tensor<8x4xf32>, tensor<4xf32>, tensor<4xf32>, tensor<4xf32>, tensor<4xf32>) -> tensor<8x4xf32>
  return %y : tensor<8x4xf32>
}

// -----

func.func @batch_norm_inference_result_type_mismatch(%x: tensor<8x4x2x2xf32>, %p: tensor<4xf32>) -> tensor<8x4xf32> {
  // expected-error @+1 {{'mp.batch_norm_inference' op expected result type 'tensor<8x4x2x2xf32>' (the input type), but got 'tensor<8x4xf32>'}}
  %y = mp.batch_norm_inference %x, %p, %p, %p, %p eps 1.0e-05
      : (tensor<8x4x2x2xf32>, tensor<4xf32>, tensor<4xf32>, tensor<4xf32>, tensor<4xf32>) -> tensor<8x4xf32>
  return %y : tensor<8x4xf32>
}

// -----

func.func @batch_norm_inference_var_shape_mismatch(%x: tensor<8x4xf32>, %p: tensor<4xf32>, %v: tensor<2xf32>) -> tensor<8x4xf32> {
  // expected-error @+1 {{'mp.batch_norm_inference' op expected var shape [4] (one per channel), but got [2]}}
  %y = mp.batch_norm_inference %x, %p, %p, %p, %v eps 1.0e-05
      : (tensor<8x4xf32>, tensor<4xf32>, tensor<4xf32>, tensor<4xf32>, tensor<2xf32>) -> tensor<8x4xf32>
  return %y : tensor<8x4xf32>
}

// -----

//===----------------------------------------------------------------------===//
// mp.concat, mp.split
//===----------------------------------------------------------------------===//

func.func @concat_no_inputs() -> tensor<2xf32> {
  // expected-error @+1 {{'mp.concat' op needs at least one input}}
  %y = mp.concat axis 0 : () -> tensor<2xf32>
  return %y : tensor<2xf32>
}

// -----

func.func @concat_axis_out_of_range(%a: tensor<2x3xf32>) -> tensor<2x3xf32> {
  // expected-error @+1 {{'mp.concat' op axis 2 is out of range for rank 2}}
  %y = mp.concat %a axis 2 : (tensor<2x3xf32>) -> tensor<2x3xf32>
  return %y : tensor<2x3xf32>
}

// -----

func.func @concat_axis_negative(%a: tensor<2x3xf32>) -> tensor<2x3xf32> {
  // expected-error @+1 {{'mp.concat' op axis -1 is out of range for rank 2}}
  %y = mp.concat %a axis -1 : (tensor<2x3xf32>) -> tensor<2x3xf32>
  return %y : tensor<2x3xf32>
}

// -----

func.func @concat_rank_mismatch(%a: tensor<2x3xf32>, %b: tensor<2x3x1xf32>) -> tensor<2x6xf32> {
  // expected-error @+1 {{'mp.concat' op input #1 has rank 3 but the result has rank 2}}
  %y = mp.concat %a, %b axis 1 : (tensor<2x3xf32>, tensor<2x3x1xf32>) -> tensor<2x6xf32>
  return %y : tensor<2x6xf32>
}

// -----

func.func @concat_other_dimension_mismatch(%a: tensor<2x3xf32>, %b: tensor<4x3xf32>) -> tensor<2x6xf32> {
  // expected-error @+1 {{'mp.concat' op expected input #1 shape [2, 3] (all dimensions but the axis must match), but got [4, 3]}}
  %y = mp.concat %a, %b axis 1 : (tensor<2x3xf32>, tensor<4x3xf32>) -> tensor<2x6xf32>
  return %y : tensor<2x6xf32>
}

// -----

func.func @concat_axis_sizes_mismatch(%a: tensor<2x3xf32>, %b: tensor<2x4xf32>) -> tensor<2x6xf32> {
  // expected-error @+1 {{'mp.concat' op sizes along axis 1 add up to 7 but the result has 6}}
  %y = mp.concat %a, %b axis 1 : (tensor<2x3xf32>, tensor<2x4xf32>) -> tensor<2x6xf32>
  return %y : tensor<2x6xf32>
}

// -----

func.func @split_no_results(%x: tensor<2xf32>) {
  // expected-error @+1 {{'mp.split' op needs at least one result}}
  mp.split %x axis 0 : (tensor<2xf32>) -> ()
  return
}

// -----

func.func @split_axis_out_of_range(%x: tensor<6xf32>) -> tensor<6xf32> {
  // expected-error @+1 {{'mp.split' op axis 1 is out of range for rank 1}}
  %y = mp.split %x axis 1 : (tensor<6xf32>) -> tensor<6xf32>
  return %y : tensor<6xf32>
}

// -----

func.func @split_rank_mismatch(%x: tensor<6x2xf32>) -> tensor<6xf32> {
  // expected-error @+1 {{'mp.split' op result #0 has rank 1 but the input has rank 2}}
  %y = mp.split %x axis 0 : (tensor<6x2xf32>) -> tensor<6xf32>
  return %y : tensor<6xf32>
}

// -----

func.func @split_other_dimension_mismatch(%x: tensor<6x2xf32>) -> (tensor<3x2xf32>, tensor<3x1xf32>) {
  // expected-error @+1 {{'mp.split' op expected result #1 shape [3, 2] (all dimensions but the axis must match), but got [3, 1]}}
  %a, %b = mp.split %x axis 0 : (tensor<6x2xf32>) -> (tensor<3x2xf32>, tensor<3x1xf32>)
  return %a, %b : tensor<3x2xf32>, tensor<3x1xf32>
}

// -----

func.func @split_axis_sizes_mismatch(%x: tensor<6x2xf32>) -> (tensor<3x2xf32>, tensor<2x2xf32>) {
  // expected-error @+1 {{'mp.split' op sizes along axis 0 add up to 5 but the input has 6}}
  %a, %b = mp.split %x axis 0 : (tensor<6x2xf32>) -> (tensor<3x2xf32>, tensor<2x2xf32>)
  return %a, %b : tensor<3x2xf32>, tensor<2x2xf32>
}

// -----

//===----------------------------------------------------------------------===//
// mp.channel_shuffle, mp.reshape
//===----------------------------------------------------------------------===//

// COM: Regression: the uint64_t getter let negative groups through to a
// COM: modulo by 18446744073709551614.
func.func @channel_shuffle_negative_groups_rejected(%x: tensor<8x6x4x4xf32>) -> tensor<8x6x4x4xf32> {
  // expected-error @+1 {{'mp.channel_shuffle' op groups must be positive, got -2}}
  %y = mp.channel_shuffle %x groups -2 : tensor<8x6x4x4xf32>
  return %y : tensor<8x6x4x4xf32>
}

// -----

func.func @channel_shuffle_channels_not_divisible(%x: tensor<8x6x4x4xf32>) -> tensor<8x6x4x4xf32> {
  // expected-error @+1 {{'mp.channel_shuffle' op channels (6) must be divisible by groups (4)}}
  %y = mp.channel_shuffle %x groups 4 : tensor<8x6x4x4xf32>
  return %y : tensor<8x6x4x4xf32>
}

// -----

func.func @reshape_element_count_mismatch(%x: tensor<8x16x1x1xf32>) -> tensor<8x15xf32> {
  // expected-error @+1 {{'mp.reshape' op cannot reshape [8, 16, 1, 1] (128 elements) to [8, 15] (120 elements)}}
  %y = mp.reshape %x : tensor<8x16x1x1xf32> to tensor<8x15xf32>
  return %y : tensor<8x15xf32>
}

// -----

//===----------------------------------------------------------------------===//
// mp.max_pool2d, mp.avg_pool2d, mp.global_avg_pool
//===----------------------------------------------------------------------===//

func.func @max_pool2d_kernel_not_positive(%x: tensor<8x4x8x8xf32>) -> tensor<8x4x4x4xf32> {
  // expected-error @+1 {{'mp.max_pool2d' op kernel must be positive, got [0, 2]}}
  %y = mp.max_pool2d %x kernel [0, 2] stride [2, 2] padding [0, 0] : tensor<8x4x8x8xf32> -> tensor<8x4x4x4xf32>
  return %y : tensor<8x4x4x4xf32>
}

// -----

func.func @max_pool2d_stride_not_positive(%x: tensor<8x4x8x8xf32>) -> tensor<8x4x4x4xf32> {
  // expected-error @+1 {{'mp.max_pool2d' op stride must be positive, got [2, 0]}}
  %y = mp.max_pool2d %x kernel [2, 2] stride [2, 0] padding [0, 0] : tensor<8x4x8x8xf32> -> tensor<8x4x4x4xf32>
  return %y : tensor<8x4x4x4xf32>
}

// -----

func.func @avg_pool2d_padding_negative(%x: tensor<8x4x8x8xf32>) -> tensor<8x4x4x4xf32> {
  // expected-error @+1 {{'mp.avg_pool2d' op padding must be non-negative, got [0, -1]}}
  %y = mp.avg_pool2d %x kernel [2, 2] stride [2, 2] padding [0, -1] : tensor<8x4x8x8xf32> -> tensor<8x4x4x4xf32>
  return %y : tensor<8x4x4x4xf32>
}

// -----

func.func @max_pool2d_padding_above_half_kernel(%x: tensor<8x4x8x8xf32>) -> tensor<8x4x5x5xf32> {
  // expected-error @+1 {{'mp.max_pool2d' op padding [2, 2] must be at most half the kernel [3, 3]}}
  %y = mp.max_pool2d %x kernel [3, 3] stride [2, 2] padding [2, 2] : tensor<8x4x8x8xf32> -> tensor<8x4x5x5xf32>
  return %y : tensor<8x4x5x5xf32>
}

// -----

func.func @avg_pool2d_kernel_does_not_fit(%x: tensor<8x4x4x4xf32>) -> tensor<8x4x1x1xf32> {
  // expected-error @+1 {{'mp.avg_pool2d' op kernel [8, 8] does not fit the padded input [6, 6]}}
  %y = mp.avg_pool2d %x kernel [8, 8] stride [1, 1] padding [1, 1] : tensor<8x4x4x4xf32> -> tensor<8x4x1x1xf32>
  return %y : tensor<8x4x1x1xf32>
}

// -----

func.func @avg_pool2d_result_shape_mismatch(%x: tensor<8x4x8x8xf32>) -> tensor<8x4x3x3xf32> {
  // expected-error @+1 {{'mp.avg_pool2d' op expected result shape [8, 4, 4, 4] (from input [8, 4, 8, 8], kernel [2, 2], stride [2, 2], padding [0, 0]), but got [8, 4, 3, 3]}}
  %y = mp.avg_pool2d %x kernel [2, 2] stride [2, 2] padding [0, 0] : tensor<8x4x8x8xf32> -> tensor<8x4x3x3xf32>
  return %y : tensor<8x4x3x3xf32>
}

// -----

func.func @global_avg_pool_2d_result_mismatch(%x: tensor<8x16x4x4xf32>) -> tensor<8x4xf32> {
  // expected-error @+1 {{'mp.global_avg_pool' op expected result shape [8, 16] (N x C of the 4-D tensor), but got [8, 4]}}
  %y = mp.global_avg_pool %x : tensor<8x16x4x4xf32> -> tensor<8x4xf32>
  return %y : tensor<8x4xf32>
}

// -----

func.func @global_avg_pool_4d_result_mismatch(%x: tensor<8x16x4x4xf32>) -> tensor<8x16x2x2xf32> {
  // expected-error @+1 {{'mp.global_avg_pool' op expected result shape [8, 16, 1, 1] (N x C x 1 x 1 of the 4-D tensor), but got [8, 16, 2, 2]}}
  %y = mp.global_avg_pool %x : tensor<8x16x4x4xf32> -> tensor<8x16x2x2xf32>
  return %y : tensor<8x16x2x2xf32>
}

// -----

//===----------------------------------------------------------------------===//
// mp.dropout, mp.nll_loss, mp.count_correct
//===----------------------------------------------------------------------===//

func.func @dropout_ratio_one(%x: tensor<8xf32>, %s: tensor<i64>) -> tensor<8xf32> {
  // expected-error @+1 {{'mp.dropout' op ratio must be in [0, 1), got 1.000000e+00}}
  %y = mp.dropout %x, %s ratio 1.0 : (tensor<8xf32>, tensor<i64>) -> tensor<8xf32>
  return %y : tensor<8xf32>
}

// -----

func.func @dropout_result_type_mismatch(%x: tensor<8xf32>, %s: tensor<i64>) -> tensor<4x2xf32> {
  // expected-error @+1 {{'mp.dropout' op expected result type 'tensor<8xf32>' (the input type), but got 'tensor<4x2xf32>'}}
  %y = mp.dropout %x, %s ratio 0.5 : (tensor<8xf32>, tensor<i64>) -> tensor<4x2xf32>
  return %y : tensor<4x2xf32>
}

// -----

func.func @nll_loss_labels_shape_mismatch(%x: tensor<8x10xf32>, %l: tensor<10xi32>) -> tensor<f32> {
  // expected-error @+1 {{'mp.nll_loss' op expected labels shape [8] (one per row of the input), but got [10]}}
  %y = mp.nll_loss %x, %l : (tensor<8x10xf32>, tensor<10xi32>) -> tensor<f32>
  return %y : tensor<f32>
}

// -----

func.func @count_correct_labels_shape_mismatch(%x: tensor<8x10xf32>, %l: tensor<7xi64>) -> tensor<i64> {
  // expected-error @+1 {{'mp.count_correct' op expected labels shape [8] (one per row of the input), but got [7]}}
  %y = mp.count_correct %x, %l : (tensor<8x10xf32>, tensor<7xi64>) -> tensor<i64>
  return %y : tensor<i64>
}

// -----

//===----------------------------------------------------------------------===//
// Backward ops
//===----------------------------------------------------------------------===//

func.func @conv2d_input_grad_result_channels_not_divisible(%dy: tensor<1x4x6x6xf32>, %w: tensor<4x1x3x3xf32>) -> tensor<1x3x8x8xf32> {
  // expected-error @+1 {{'mp.conv2d_input_grad' op result channels (3) must be divisible by groups (2)}}
  %dx = mp.conv2d_input_grad %dy, %w stride [1, 1] padding [0, 0] dilation [1, 1] groups 2
          : (tensor<1x4x6x6xf32>, tensor<4x1x3x3xf32>) -> tensor<1x3x8x8xf32>
  return %dx : tensor<1x3x8x8xf32>
}

// -----

func.func @conv2d_input_grad_grad_output_shape_mismatch(%dy: tensor<8x16x4x4xf32>, %w: tensor<16x4x3x3xf32>) -> tensor<8x4x8x8xf32> {
  // expected-error @+1 {{'mp.conv2d_input_grad' op expected grad_output shape [8, 16, 8, 8] (from result [8, 4, 8, 8], weight [16, 4, 3, 3], stride [1, 1], padding [1, 1], dilation [1, 1]), but got [8, 16, 4, 4]}}
  %dx = mp.conv2d_input_grad %dy, %w stride [1, 1] padding [1, 1] dilation [1, 1] groups 1
          : (tensor<8x16x4x4xf32>, tensor<16x4x3x3xf32>) -> tensor<8x4x8x8xf32>
  return %dx : tensor<8x4x8x8xf32>
}

// -----

func.func @conv2d_weight_grad_result_shape_mismatch(%dy: tensor<8x16x8x8xf32>, %x: tensor<8x4x8x8xf32>) -> tensor<16x8x3x3xf32> {
  // expected-error @+1 {{'mp.conv2d_weight_grad' op expected result shape [16, 4, 3, 3] (input channels 4 / groups 1), but got [16, 8, 3, 3]}}
  %dw = mp.conv2d_weight_grad %dy, %x stride [1, 1] padding [1, 1] dilation [1, 1] groups 1
          : (tensor<8x16x8x8xf32>, tensor<8x4x8x8xf32>) -> tensor<16x8x3x3xf32>
  return %dw : tensor<16x8x3x3xf32>
}

// -----

func.func @conv2d_weight_grad_output_channels_not_divisible(%dy: tensor<8x3x8x8xf32>, %x: tensor<8x4x8x8xf32>) -> tensor<3x2x3x3xf32> {
  // expected-error @+1 {{'mp.conv2d_weight_grad' op result output channels (3) must be divisible by groups (2)}}
  %dw = mp.conv2d_weight_grad %dy, %x stride [1, 1] padding [1, 1] dilation [1, 1] groups 2
          : (tensor<8x3x8x8xf32>, tensor<8x4x8x8xf32>) -> tensor<3x2x3x3xf32>
  return %dw : tensor<3x2x3x3xf32>
}

// -----

func.func @bias_grad_result_shape_mismatch(%dy: tensor<8x16x8x8xf32>) -> tensor<8xf32> {
  // expected-error @+1 {{'mp.bias_grad' op expected result shape [16] (one per channel of grad_output), but got [8]}}
  %db = mp.bias_grad %dy : tensor<8x16x8x8xf32> -> tensor<8xf32>
  return %db : tensor<8xf32>
}

// -----

func.func @linear_input_grad_weight_shape_mismatch(%dy: tensor<8x10xf32>, %w: tensor<16x10xf32>) -> tensor<8x16xf32> {
  // expected-error @+1 {{'mp.linear_input_grad' op expected weight shape [10, 10] (out features 10 of grad_output), but got [16, 10]}}
  %dx = mp.linear_input_grad %dy, %w : (tensor<8x10xf32>, tensor<16x10xf32>) -> tensor<8x16xf32>
  return %dx : tensor<8x16xf32>
}

// -----

func.func @linear_input_grad_result_shape_mismatch(%dy: tensor<8x10xf32>, %w: tensor<10x16xf32>) -> tensor<8x10xf32> {
  // expected-error @+1 {{'mp.linear_input_grad' op expected result shape [8, 16], but got [8, 10]}}
  %dx = mp.linear_input_grad %dy, %w : (tensor<8x10xf32>, tensor<10x16xf32>) -> tensor<8x10xf32>
  return %dx : tensor<8x10xf32>
}

// -----

func.func @linear_weight_grad_input_shape_mismatch(%dy: tensor<8x10xf32>, %x: tensor<4x16xf32>) -> tensor<10x16xf32> {
  // expected-error @+1 {{'mp.linear_weight_grad' op expected input shape [8, 16] (batch 8 of grad_output), but got [4, 16]}}
  %dw = mp.linear_weight_grad %dy, %x : (tensor<8x10xf32>, tensor<4x16xf32>) -> tensor<10x16xf32>
  return %dw : tensor<10x16xf32>
}

// -----

func.func @linear_weight_grad_result_shape_mismatch(%dy: tensor<8x10xf32>, %x: tensor<8x16xf32>) -> tensor<16x10xf32> {
  // expected-error @+1 {{'mp.linear_weight_grad' op expected result shape [10, 16], but got [16, 10]}}
  %dw = mp.linear_weight_grad %dy, %x : (tensor<8x10xf32>, tensor<8x16xf32>) -> tensor<16x10xf32>
  return %dw : tensor<16x10xf32>
}

// -----

func.func @batch_norm_grad_eps_negative(%dy: tensor<8x4xf32>, %x: tensor<8x4xf32>, %g: tensor<4xf32>) -> tensor<8x4xf32> {
  // expected-error @+1 {{'mp.batch_norm_grad' op eps must be positive, got -1.000000e+00}}
  %r:3 = mp.batch_norm_grad %dy, %x, %g eps -1.0
      : (tensor<8x4xf32>, tensor<8x4xf32>, tensor<4xf32>) -> (tensor<8x4xf32>, tensor<4xf32>, tensor<4xf32>)
  return %r#0 : tensor<8x4xf32>
}

// -----

func.func @batch_norm_grad_grad_output_type_mismatch(%dy: tensor<8x4x1x1xf32>, %x: tensor<8x4xf32>, %g: tensor<4xf32>) -> tensor<8x4xf32> {
  // expected-error @+1 {{'mp.batch_norm_grad' op expected grad_output type 'tensor<8x4xf32>' (the input type), but got 'tensor<8x4x1x1xf32>'}}
  %r:3 = mp.batch_norm_grad %dy, %x, %g eps 1.0e-05
      : (tensor<8x4x1x1xf32>, tensor<8x4xf32>, tensor<4xf32>) -> (tensor<8x4xf32>, tensor<4xf32>, tensor<4xf32>)
  return %r#0 : tensor<8x4xf32>
}

// -----

func.func @batch_norm_grad_grad_input_type_mismatch(%dy: tensor<8x4xf32>, %x: tensor<8x4xf32>, %g: tensor<4xf32>) -> tensor<4x8xf32> {
  // expected-error @+1 {{'mp.batch_norm_grad' op expected grad_input type 'tensor<8x4xf32>' (the input type), but got 'tensor<4x8xf32>'}}
  %r:3 = mp.batch_norm_grad %dy, %x, %g eps 1.0e-05
      : (tensor<8x4xf32>, tensor<8x4xf32>, tensor<4xf32>) -> (tensor<4x8xf32>, tensor<4xf32>, tensor<4xf32>)
  return %r#0 : tensor<4x8xf32>
}

// -----

func.func @batch_norm_grad_grad_beta_shape_mismatch(%dy: tensor<8x4xf32>, %x: tensor<8x4xf32>, %g: tensor<4xf32>) -> tensor<8x4xf32> {
  // expected-error @+1 {{'mp.batch_norm_grad' op expected grad_beta shape [4] (one per channel), but got [8]}}
  %r:3 = mp.batch_norm_grad %dy, %x, %g eps 1.0e-05
      : (tensor<8x4xf32>, tensor<8x4xf32>, tensor<4xf32>) -> (tensor<8x4xf32>, tensor<4xf32>, tensor<8xf32>)
  return %r#0 : tensor<8x4xf32>
}

// -----

func.func @max_pool2d_grad_result_type_mismatch(%dy: tensor<8x4x4x4xf32>, %x: tensor<8x4x8x8xf32>) -> tensor<8x4x4x4xf32> {
  // expected-error @+1 {{'mp.max_pool2d_grad' op expected result type 'tensor<8x4x8x8xf32>' (the input type), but got 'tensor<8x4x4x4xf32>'}}
  %dx = mp.max_pool2d_grad %dy, %x kernel [2, 2] stride [2, 2] padding [0, 0]
          : (tensor<8x4x4x4xf32>, tensor<8x4x8x8xf32>) -> tensor<8x4x4x4xf32>
  return %dx : tensor<8x4x4x4xf32>
}

// -----

func.func @max_pool2d_grad_grad_output_shape_mismatch(%dy: tensor<8x4x2x2xf32>, %x: tensor<8x4x8x8xf32>) -> tensor<8x4x8x8xf32> {
  // expected-error @+1 {{'mp.max_pool2d_grad' op expected grad_output shape [8, 4, 4, 4] (from input [8, 4, 8, 8], kernel [2, 2], stride [2, 2], padding [0, 0]), but got [8, 4, 2, 2]}}
  %dx = mp.max_pool2d_grad %dy, %x kernel [2, 2] stride [2, 2] padding [0, 0]
          : (tensor<8x4x2x2xf32>, tensor<8x4x8x8xf32>) -> tensor<8x4x8x8xf32>
  return %dx : tensor<8x4x8x8xf32>
}

// -----

func.func @avg_pool2d_grad_grad_output_shape_mismatch(%dy: tensor<8x4x4x4xf32>) -> tensor<8x4x6x6xf32> {
  // expected-error @+1 {{'mp.avg_pool2d_grad' op expected grad_output shape [8, 4, 3, 3] (from result [8, 4, 6, 6], kernel [2, 2], stride [2, 2], padding [0, 0]), but got [8, 4, 4, 4]}}
  %dx = mp.avg_pool2d_grad %dy kernel [2, 2] stride [2, 2] padding [0, 0] : tensor<8x4x4x4xf32> -> tensor<8x4x6x6xf32>
  return %dx : tensor<8x4x6x6xf32>
}

// -----

func.func @global_avg_pool_grad_grad_output_shape_mismatch(%dy: tensor<8x2xf32>) -> tensor<8x4x2x2xf32> {
  // expected-error @+1 {{'mp.global_avg_pool_grad' op expected grad_output shape [8, 4] (N x C of the 4-D tensor), but got [8, 2]}}
  %dx = mp.global_avg_pool_grad %dy : tensor<8x2xf32> -> tensor<8x4x2x2xf32>
  return %dx : tensor<8x4x2x2xf32>
}

// -----

func.func @dropout_grad_ratio_negative(%dy: tensor<8xf32>, %s: tensor<i64>) -> tensor<8xf32> {
  // expected-error @+1 {{'mp.dropout_grad' op ratio must be in [0, 1), got -5.000000e-01}}
  %dx = mp.dropout_grad %dy, %s ratio -0.5 : (tensor<8xf32>, tensor<i64>) -> tensor<8xf32>
  return %dx : tensor<8xf32>
}

// -----

func.func @dropout_grad_result_type_mismatch(%dy: tensor<8xf32>, %s: tensor<i64>) -> tensor<9xf32> {
  // expected-error @+1 {{'mp.dropout_grad' op expected result type 'tensor<8xf32>' (the grad_output type), but got 'tensor<9xf32>'}}
  %dx = mp.dropout_grad %dy, %s ratio 0.5 : (tensor<8xf32>, tensor<i64>) -> tensor<9xf32>
  return %dx : tensor<9xf32>
}

// -----

func.func @nll_loss_grad_labels_shape_mismatch(%dl: tensor<f32>, %l: tensor<4xi32>) -> tensor<8x10xf32> {
  // expected-error @+1 {{'mp.nll_loss_grad' op expected labels shape [8] (one per row of the result), but got [4]}}
  %dx = mp.nll_loss_grad %dl, %l : (tensor<f32>, tensor<4xi32>) -> tensor<8x10xf32>
  return %dx : tensor<8x10xf32>
}

// -----

func.func @grad_sum_no_contributions(%x: tensor<4xf32>) -> tensor<4xf32> {
  // expected-error @+1 {{'mp.grad_sum' op needs at least one contribution}}
  %g = mp.grad_sum for %x : tensor<4xf32>
  return %g : tensor<4xf32>
}

// -----

func.func @grad_sum_contribution_type_mismatch(%x: tensor<4xf32>, %c: tensor<5xf32>) -> tensor<4xf32> {
  // expected-error @+1 {{'mp.grad_sum' op requires the same type for all operands and results}}
  %g = "mp.grad_sum"(%c, %x) : (tensor<5xf32>, tensor<4xf32>) -> tensor<4xf32>
  return %g : tensor<4xf32>
}

// -----

//===----------------------------------------------------------------------===//
// mp.sgd
//===----------------------------------------------------------------------===//

func.func @sgd_momentum_negative(%p: tensor<4xf32>, %lr: tensor<f32>) -> tensor<4xf32> {
  // expected-error @+1 {{'mp.sgd' op momentum must be non-negative, got -9.000000e-01}}
  %p2, %m2 = mp.sgd %p, %p, %p, %lr momentum -0.9 weight_decay 0.0
      : (tensor<4xf32>, tensor<4xf32>, tensor<4xf32>, tensor<f32>) -> (tensor<4xf32>, tensor<4xf32>)
  return %p2 : tensor<4xf32>
}

// -----

func.func @sgd_weight_decay_negative(%p: tensor<4xf32>, %lr: tensor<f32>) -> tensor<4xf32> {
  // expected-error @+1 {{'mp.sgd' op weight_decay must be non-negative, got -5.000000e-04}}
  %p2, %m2 = mp.sgd %p, %p, %p, %lr momentum 0.9 weight_decay -5.0e-04
      : (tensor<4xf32>, tensor<4xf32>, tensor<4xf32>, tensor<f32>) -> (tensor<4xf32>, tensor<4xf32>)
  return %p2 : tensor<4xf32>
}

// -----

func.func @sgd_nesterov_zero_momentum(%p: tensor<4xf32>, %lr: tensor<f32>) -> tensor<4xf32> {
  // expected-error @+1 {{'mp.sgd' op nesterov needs a positive momentum}}
  %p2, %m2 = mp.sgd %p, %p, %p, %lr momentum 0.0 weight_decay 0.0 nesterov
      : (tensor<4xf32>, tensor<4xf32>, tensor<4xf32>, tensor<f32>) -> (tensor<4xf32>, tensor<4xf32>)
  return %p2 : tensor<4xf32>
}

// -----

func.func @sgd_grad_type_mismatch(%p: tensor<4xf32>, %g: tensor<2x2xf32>, %lr: tensor<f32>) -> tensor<4xf32> {
  // expected-error @+1 {{'mp.sgd' op expected grad type 'tensor<4xf32>' (the param type), but got 'tensor<2x2xf32>'}}
  %p2, %m2 = mp.sgd %p, %g, %p, %lr momentum 0.9 weight_decay 0.0
      : (tensor<4xf32>, tensor<2x2xf32>, tensor<4xf32>, tensor<f32>) -> (tensor<4xf32>, tensor<4xf32>)
  return %p2 : tensor<4xf32>
}

// -----

func.func @sgd_momentum_buffer_type_mismatch(%p: tensor<4xf32>, %m: tensor<5xf32>, %lr: tensor<f32>) -> tensor<4xf32> {
  // expected-error @+1 {{'mp.sgd' op expected momentum_buffer type 'tensor<4xf32>' (the param type), but got 'tensor<5xf32>'}}
  %p2, %m2 = mp.sgd %p, %p, %m, %lr momentum 0.9 weight_decay 0.0
      : (tensor<4xf32>, tensor<4xf32>, tensor<5xf32>, tensor<f32>) -> (tensor<4xf32>, tensor<4xf32>)
  return %p2 : tensor<4xf32>
}

// -----

func.func @sgd_new_param_type_mismatch(%p: tensor<4xf32>, %lr: tensor<f32>) -> tensor<1x4xf32> {
  // expected-error @+1 {{'mp.sgd' op expected new_param type 'tensor<4xf32>' (the param type), but got 'tensor<1x4xf32>'}}
  %p2, %m2 = mp.sgd %p, %p, %p, %lr momentum 0.9 weight_decay 0.0
      : (tensor<4xf32>, tensor<4xf32>, tensor<4xf32>, tensor<f32>) -> (tensor<1x4xf32>, tensor<4xf32>)
  return %p2 : tensor<1x4xf32>
}

// -----

func.func @sgd_new_momentum_buffer_type_mismatch(%p: tensor<4xf32>, %lr: tensor<f32>) -> tensor<3xf32> {
  // expected-error @+1 {{'mp.sgd' op expected new_momentum_buffer type 'tensor<4xf32>' (the param type), but got 'tensor<3xf32>'}}
  %p2, %m2 = mp.sgd %p, %p, %p, %lr momentum 0.9 weight_decay 0.0
      : (tensor<4xf32>, tensor<4xf32>, tensor<4xf32>, tensor<f32>) -> (tensor<4xf32>, tensor<3xf32>)
  return %m2 : tensor<3xf32>
}

// -----

func.func @sgd_grad_scale_not_scalar(%p: tensor<4xf32>, %lr: tensor<f32>, %s: tensor<4xf32>) -> tensor<4xf32> {
  // expected-error @+1 {{'mp.sgd' op operand #4 must be 0-D f32 tensor, but got 'tensor<4xf32>'}}
  %p2, %m2 = mp.sgd %p, %p, %p, %lr grad_scale %s momentum 0.9 weight_decay 0.0
      : (tensor<4xf32>, tensor<4xf32>, tensor<4xf32>, tensor<f32>, tensor<4xf32>) -> (tensor<4xf32>, tensor<4xf32>)
  return %p2 : tensor<4xf32>
}

// -----

func.func @all_finite_result_not_i1(%a: tensor<4xf32>) -> tensor<i32> {
  // expected-error @+1 {{'mp.all_finite' op result #0 must be 0D tensor of 1-bit signless integer values, but got 'tensor<i32>'}}
  %ok = mp.all_finite %a : (tensor<4xf32>) -> tensor<i32>
  return %ok : tensor<i32>
}

// -----

// expected-error @+1 {{'func.func' op 'mp.arena_bytes' must be a non-negative i64 byte count}}
func.func @arena_bytes_negative() attributes {mp.arena_bytes = -1 : i64} {
  return
}

// -----

// expected-error @+1 {{'func.func' op 'mp.live_peak_bytes' must be a non-negative i64 byte count}}
func.func @live_peak_not_integer() attributes {mp.live_peak_bytes = "many"} {
  return
}

// -----

func.func @arena_bytes_not_on_function(%x: tensor<4xf32>) -> tensor<4xf32> {
  // expected-error @+1 {{'mp.relu' op 'mp.arena_bytes' belongs on a function}}
  %y = mp.relu %x {mp.arena_bytes = 64 : i64} : tensor<4xf32>
  return %y : tensor<4xf32>
}

// -----

// expected-error @+1 {{'func.func' op 'mp.results_in_args' must be an array<i64> of argument indices or -1}}
func.func @results_in_args_negative() attributes {mp.results_in_args = array<i64: -2>} {
  return
}

// -----

// expected-error @+1 {{'func.func' op 'mp.results_in_args' must be an array<i64> of argument indices or -1}}
func.func @results_in_args_not_array() attributes {mp.results_in_args = 3 : i64} {
  return
}

// -----

func.func @results_in_args_not_on_function(%x: tensor<4xf32>) -> tensor<4xf32> {
  // expected-error @+1 {{'mp.relu' op 'mp.results_in_args' belongs on a function}}
  %y = mp.relu %x {mp.results_in_args = array<i64: 0>} : tensor<4xf32>
  return %y : tensor<4xf32>
}

// -----

func.func @encode_too_narrow(%x: tensor<4xf32>) -> tensor<4xi8> {
  // expected-error @+1 {{'mp.encode' op codes of #mp.format<paper_169> need i16 or wider, got 'i8'}}
  %c = mp.encode %x to <paper_169> : tensor<4xf32> -> tensor<4xi8>
  return %c : tensor<4xi8>
}

// -----

func.func @encode_wide_format(%x: tensor<4xf32>) -> tensor<4xi32> {
  // expected-error @+1 {{'mp.encode' op format #mp.format<fp32> has 32 bits; only formats of at most 16 bits are stored as codes}}
  %c = mp.encode %x to <fp32> : tensor<4xf32> -> tensor<4xi32>
  return %c : tensor<4xi32>
}

// -----

func.func @decode_shape(%c: tensor<8xi8>) -> tensor<4xf32> {
  // expected-error @+1 {{'mp.decode' op codes 'tensor<8xi8>' and values 'tensor<4xf32>' must have the same shape}}
  %x = mp.decode %c from <e4m3> : tensor<8xi8> -> tensor<4xf32>
  return %x : tensor<4xf32>
}

// -----

func.func @decode_guarded_narrow(%c: tensor<4xi8>, %p: i1) -> tensor<4xf32> {
  // expected-error @+1 {{'mp.decode' op codes of #mp.format<paper_169> need i16 or wider, got 'i8'}}
  %x = mp.decode %c from <paper_152> or <paper_169> if %p : tensor<4xi8> -> tensor<4xf32>
  return %x : tensor<4xf32>
}

// -----

// More elements than any size computation may hold (2^64 here: the count
// itself wraps around in 64 bits).
func.func @too_many_elements(%x: tensor<4294967296x4294967296xf32>) -> tensor<4294967296x4294967296xf32> {
  // expected-error @+1 {{'mp.relu' op operand #0 ('tensor<4294967296x4294967296xf32>') has more than 2^48 elements, the most an mp tensor may have}}
  %y = mp.relu %x : tensor<4294967296x4294967296xf32>
  return %y : tensor<4294967296x4294967296xf32>
}

// -----

// The pooled area H*W alone would wrap around: refused before lowering.
func.func @pool_area_overflow(%x: tensor<1x1x4294967296x4294967296xf32>) -> tensor<1x1xf32> {
  // expected-error @+1 {{'mp.global_avg_pool' op operand #0 ('tensor<1x1x4294967296x4294967296xf32>') has more than 2^48 elements, the most an mp tensor may have}}
  %y = mp.global_avg_pool %x : tensor<1x1x4294967296x4294967296xf32> -> tensor<1x1xf32>
  return %y : tensor<1x1xf32>
}
